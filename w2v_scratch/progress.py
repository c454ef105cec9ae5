"""Printing while a tqdm progress bar is on screen."""

from __future__ import annotations


def above(bar, log):
    """A logger that prints its line above ``bar`` (cleared, then redrawn) rather than after the
    bar's text on the same terminal line; ``log`` itself when there is no bar."""
    if bar is None:
        return log

    def say(message: str) -> None:
        bar.clear()
        log(message)
        bar.refresh()

    return say
