"""Progress output: a tqdm bar on a terminal, plain lines anywhere else.

* :func:`above` and :func:`say` print a message *above* a bar on screen (the bar is cleared, the
  line written, the bar redrawn), never after the bar's text on the bar's own line.
* :class:`PlainLines` and :func:`plain_unless_terminal`: a bar redraws itself by writing ``'\\r'``
  and a new frame, which a log file or a pipe keeps as one endless line of frames. Over a stream
  that is not a terminal, :class:`PlainLines` holds the frames back and writes one of them as an
  ordinary line at most every ``PLAIN_SECONDS``; everything else passes through unchanged.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time

PLAIN_SECONDS = 30.0  # at most one progress line this often off a terminal (corpus/read.py reports reads as often)
_BAR = re.compile(r"(\d+%)\|[^|]*\|")  # tqdm's "40%|████      |": the bar itself, kept as "40%"


def above(bar, log):
    """A logger that prints its line above ``bar`` (cleared, then redrawn) rather than after the
    bar's text on the same terminal line; ``log`` itself when there is no bar."""
    if bar is None:
        return log

    def say_above(message: str) -> None:
        bar.clear()
        log(message)
        bar.refresh()

    return say_above


def say(message: str, file=None) -> None:
    """Print ``message`` as one line on ``file`` (default: ``sys.stderr`` at the time of the call)
    above every tqdm bar on screen (``tqdm.write`` clears them, writes, redraws them); a plain print
    when tqdm was never imported, since then no bar can be on screen."""
    file = sys.stderr if file is None else file
    bars = sys.modules.get("tqdm")
    if bars is None:
        print(message, file=file, flush=True)
    else:
        bars.tqdm.write(message, file=file)
        file.flush()


class FirstLineLog:
    """A run's log: each message a line on stderr (:func:`say`), and :attr:`first` (set by the
    caller) just before the first one, so an error found before anything is logged stays the only
    line on stderr."""

    def __init__(self) -> None:
        self.first = None

    def __call__(self, msg: str) -> None:
        if self.first is not None:
            first, self.first = self.first, None
            say(first)
        say(msg)


def is_terminal(stream) -> bool:
    """Whether ``stream`` is an interactive terminal (False for files, pipes, closed streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class PlainLines:
    """A text stream over ``stream`` (a log file, a pipe) on which progress bars write plain lines.

    Text is taken as a terminal would show it: a ``'\\r'`` starts a *frame* that draws over the
    current line. A frame is held back until the next ``'\\r'`` draws over it; then, if at least
    ``interval`` seconds (by ``clock``) have passed since the last progress line, it is written as
    its own line, with tqdm's bar glyphs dropped (``training:  40% 1.2M/3.1M [...]``); otherwise it
    is dropped. A frame ended by ``'\\n'`` (a bar left on screen when it closes) is written. Text
    that no ``'\\r'`` precedes is written unchanged, line by line, so messages pass through. No
    ``'\\r'`` ever reaches ``stream``."""

    def __init__(self, stream, interval: float = PLAIN_SECONDS, clock=time.monotonic) -> None:
        self.stream = stream
        self.interval = float(interval)
        self.clock = clock
        self._last = clock()  # when the last progress line was written (the start counts as one)
        self._line = ""  # the current line, as a terminal would show it
        self._frame = False  # whether the current line was drawn after a '\r'

    def write(self, text: str) -> int:
        parts = str(text).split("\r")
        self._text(parts[0])
        for part in parts[1:]:
            self._draw_over()
            self._text(part)
        return len(text)

    def _text(self, text: str) -> None:
        *lines, rest = text.split("\n")
        for line in lines:
            line, self._line = self._line + line, ""
            if not self._frame:
                self.stream.write(line + "\n")
            elif line.strip():  # a frame left on screen: a line of its own
                self.stream.write(plain_frame(line) + "\n")
            self._frame = False
        self._line += rest

    def _draw_over(self) -> None:
        """A '\\r': what is on the current line is drawn over, so it was a frame; write it if due."""
        frame, self._line = self._line, ""
        now = self.clock()
        if frame.strip() and now - self._last >= self.interval:
            self.stream.write(plain_frame(frame) + "\n")
            self.stream.flush()
            self._last = now
        self._frame = True

    def finish(self) -> None:
        """Write what is pending: text not ended by a newline is written as a line; a frame is not."""
        if self._line and not self._frame:
            self.stream.write(self._line + "\n")
        self._line, self._frame = "", False
        self.flush()

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name):  # encoding, errors, fileno...: the underlying stream's
        return getattr(self.stream, name)


def plain_frame(frame: str) -> str:
    """A bar's frame as a plain line: the bar glyphs dropped, runs of spaces made one."""
    return " ".join(_BAR.sub(r"\1", frame).split())


@contextlib.contextmanager
def plain_unless_terminal(interval: float = PLAIN_SECONDS):
    """While the block runs, ``sys.stderr`` is a :class:`PlainLines` over itself unless it is a
    terminal, so that progress bars drawn on stderr (tqdm draws on ``sys.stderr`` as it is when a
    bar is made) leave plain lines and no ``'\\r'`` in a log file or pipe. Yields the stream in use."""
    original = sys.stderr
    if is_terminal(original) or isinstance(original, PlainLines):  # a terminal, or plain already
        yield original
        return
    plain = PlainLines(original, interval)
    sys.stderr = plain
    try:
        yield plain
    finally:
        sys.stderr = original
        plain.finish()
