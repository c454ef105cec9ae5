"""Small checks on values a user or a file gave, and how a message shows them.

A whole number is an ``int`` (or NumPy integer) but not a ``bool``; a real number likewise; a value
shown in a one-line message is its ``repr`` cut to 40 characters, so a message never embeds a whole
object.
"""

from __future__ import annotations

import numbers


def is_int(value) -> bool:
    """``value`` is a whole number (``True``/``False`` are not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """``value`` is a real number (``True``/``False`` are not); it may be NaN or infinite."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def short_repr(value, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters, an ellipsis marking the cut."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."
