"""SIGTERM as an unwinding exception, and a record that one arrived.

:func:`raise_terminated` (the handler ``checkpoint.terminate_by_unwinding`` installs) raises
:class:`Terminated` wherever the main thread is. Third-party code may catch that exception and carry
on (an import, a compiler's cleanup): the run would then go back to reading a pipe that never ends.
So the handler also records the signal, and loops that can block (``corpus.text_file._blocks``, before each
read) call :func:`check`, which raises it again.
"""

from __future__ import annotations

_pending = [False]  # a SIGTERM arrived and the run has not stopped yet


class Terminated(KeyboardInterrupt):
    """SIGTERM where no checkpoint can be written: unwinds the run as Ctrl-C does (``finally``
    blocks run, temporary files are deleted); the CLI turns it into exit status 143."""


def raise_terminated(signum, frame):
    """A SIGTERM handler: record it, and stop the run by unwinding it."""
    _pending[0] = True
    raise Terminated()


def check() -> None:
    """Raise :class:`Terminated` if a SIGTERM arrived and its exception was swallowed."""
    if _pending[0]:
        raise Terminated()


def reset() -> None:
    """Forget a recorded SIGTERM (a new run, or the handler's block left)."""
    _pending[0] = False
