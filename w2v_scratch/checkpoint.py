"""Checkpoints: save the whole training state at intervals and on Ctrl-C, resume later.

A checkpoint is a native model file (``PATH.npz`` + ``PATH.json``, see ``io.save_model``)
whose ``state["resume"]`` says where the run stopped: the epoch, how far each worker got,
the random-generator states and the learning-rate schedule's position. ``train --resume
PATH`` loads it, re-reads the corpus with the saved vocabulary and carries on, so an
interrupted and resumed run ends where an uninterrupted one would (bit for bit with the
reference trainer and with ``--threads 1`` on the cpu backend).

Ctrl-C does not kill a run: the first one asks the trainer to stop at the next chunk
boundary, write a checkpoint and raise :class:`Interrupted` (exit status 130); a second
Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from .errors import ConfigError, W2VError


class Interrupted(W2VError):
    """Training stopped on Ctrl-C after writing a checkpoint."""

    exit_code = 130


def parse_interval(text) -> float:
    """'90' or '90s' → 90 seconds; '5m' → 300; '2h' → 7200."""
    s = str(text).strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(s[-1:], None)
    number = s[:-1] if scale else s
    try:
        seconds = float(number) * (scale or 1)
    except ValueError:
        raise ConfigError(f"--checkpoint-every {text!r} is not a duration: use e.g. 90s, 10m or 1h") from None
    if not seconds > 0:
        raise ConfigError(f"--checkpoint-every must be positive (got {text!r})")
    return seconds


class Checkpointer:
    """Decides when to write a checkpoint and writes it.

    Trainers call :meth:`due` at chunk boundaries; when it is true they put their
    position in ``w2v.state["resume"]`` and call :meth:`save`. :attr:`stop_requested`
    is set by Ctrl-C (inside :meth:`catch_interrupt`).
    """

    def __init__(self, path=None, every_seconds: float | None = None, log=None) -> None:
        self.path = path
        self.every = every_seconds
        self.log = log or (lambda msg: None)
        self.last = time.monotonic()
        self.stop_requested = threading.Event()
        self.saved = 0

    def due(self) -> bool:
        if self.path is None:
            return False
        if self.stop_requested.is_set():
            return True
        return self.every is not None and time.monotonic() - self.last >= self.every

    def save(self, w2v) -> None:
        from .io import save_model

        save_model(w2v, self.path)
        self.last = time.monotonic()
        self.saved += 1
        self.log(f"checkpoint written to {self.path} (.npz/.json)")

    def check_stop(self) -> None:
        """After a checkpoint: raise :class:`Interrupted` if Ctrl-C asked to stop."""
        if self.stop_requested.is_set():
            where = f"; resume with: w2v-scratch train --resume {self.path}" if self.path else ""
            raise Interrupted(f"interrupted: training stopped{where}")

    @contextlib.contextmanager
    def catch_interrupt(self):
        """Within this block the first Ctrl-C sets :attr:`stop_requested` instead of raising."""
        if self.path is None or threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            if self.stop_requested.is_set():
                raise KeyboardInterrupt
            self.stop_requested.set()
            self.log("Ctrl-C: finishing the current chunk and writing a checkpoint (Ctrl-C again to abort)")

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


NO_CHECKPOINTS = Checkpointer()
