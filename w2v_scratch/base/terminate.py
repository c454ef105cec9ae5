"""SIGTERM and SIGHUP as unwinding exceptions, and a record that one arrived.

Python turns Ctrl-C (SIGINT) into ``KeyboardInterrupt``; SIGTERM (what job schedulers and
``kill`` send) and SIGHUP (the terminal closed) would kill the process on the spot, leaving the
temporary file of an unfinished write (``files.atomic_write``) behind. :func:`unwinding` (what the
CLI wraps every command in) turns them into :class:`Terminated` and :class:`HangUp`, subclasses of
``KeyboardInterrupt``: the run unwinds as on Ctrl-C, ``finally`` blocks run and temporary files
are deleted; :func:`exit_status` gives the status a shell reports for the signal (128 + its
number: 130, 143, 129).

:func:`raise_terminated` (the SIGTERM handler :func:`unwinding` installs) raises :class:`Terminated` wherever the main thread is. Third-party code may catch that
exception and carry on (an import, a compiler's cleanup): the run would then go back to reading a
pipe that never ends. So the handlers also record the signal, and loops that can block
(``corpus.text_file._blocks``, before each read) call :func:`check`, which raises it again.
"""

from __future__ import annotations

import contextlib
import signal
import threading

_pending: list = [None]  # the exception class of a signal that arrived while the run has not stopped yet


class Terminated(KeyboardInterrupt):
    """SIGTERM where no checkpoint can be written: unwinds the run as Ctrl-C does (``finally``
    blocks run, temporary files are deleted); the CLI turns it into exit status 143."""

    exit_status = 128 + signal.SIGTERM
    signal_name = "SIGTERM"


class HangUp(KeyboardInterrupt):
    """SIGHUP (the terminal closed): unwinds the run as Ctrl-C does; exit status 129."""

    exit_status = 128 + getattr(signal, "SIGHUP", 1)
    signal_name = "SIGHUP"


def exit_status(exc: BaseException) -> int:
    """The exit status of a run stopped by ``exc``: 128 + the signal's number (130 for Ctrl-C)."""
    return getattr(exc, "exit_status", 128 + signal.SIGINT)


def raise_terminated(signum, frame):
    """A SIGTERM handler: record it, and stop the run by unwinding it."""
    _pending[0] = Terminated
    raise Terminated()


def raise_hangup(signum, frame):
    """A SIGHUP handler: record it, and stop the run by unwinding it."""
    _pending[0] = HangUp
    raise HangUp()


def check() -> None:
    """Raise :class:`Terminated` (or :class:`HangUp`) if its signal arrived and the exception was
    swallowed."""
    if _pending[0] is not None:
        raise _pending[0]()


def reset() -> None:
    """Forget a recorded signal (a new run, or the handler's block left)."""
    _pending[0] = None


@contextlib.contextmanager
def unwinding():
    """Within this block SIGTERM raises :class:`Terminated` and SIGHUP :class:`HangUp` instead of
    killing the process at once; the previous handlers come back at its end. A SIGHUP that was
    ignored when the block began (``nohup``) stays ignored. A no-op off the main thread (only the
    main thread may set handlers, and Python runs them there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = {signal.SIGTERM: raise_terminated}
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_DFL:
        handlers[signal.SIGHUP] = raise_hangup
    reset()
    previous = {}
    try:
        for signum, handler in handlers.items():
            previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        reset()
