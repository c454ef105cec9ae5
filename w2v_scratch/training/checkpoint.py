"""Checkpoints: save the whole training state at intervals and on Ctrl-C, resume later.

A checkpoint is a native model file (``PATH.npz`` + ``PATH.json``, see ``persist.save_model``)
whose ``state["resume"]`` says where the run stopped: the epoch, how far each worker got,
the random-generator states and the learning-rate schedule's position. ``train --resume
PATH`` loads it, re-reads the corpus with the saved vocabulary and carries on, so an
interrupted and resumed run ends where an uninterrupted one would (bit for bit with the
reference trainer and with ``--threads 1`` on the cpu backend).

Ctrl-C does not kill a run: the first one asks the trainer to stop at the next chunk
boundary, write a checkpoint and raise :class:`Interrupted` (exit status 130); a second
Ctrl-C stops at once. SIGTERM (what job schedulers send before they kill a job) is handled
the same way, with exit status 143 (128 + 15, what a shell reports for a job killed by
SIGTERM): the first one writes a checkpoint and stops, a second stops at once, and outside a
checkpointed stretch it unwinds like Ctrl-C (:class:`Terminated`), so temporary files are
removed and no output is left half-written. SIGHUP (the terminal closed) is handled the same way,
with exit status 129, unless it is ignored (``nohup``).

While a run uses a checkpoint path it holds ``PATH.lock`` (:func:`lock`): a second run given
the same checkpoint is refused with one line instead of overwriting the first's checkpoints, and
a new run never starts on top of a checkpoint that exists (:meth:`Checkpointer.refuse_existing`:
resume it, or delete it).

A checkpoint written by ``w2v-scratch train`` also records the run's outputs and the options it
needs to finish (``state["run"]``, :data:`RUN_KEYS`), so ``train --resume PATH`` alone — the
command the interruption message prints (:func:`resume_command`) — finishes the original run into
the original outputs. Once training is done the CLI writes the model to the checkpoint before its
outputs (:meth:`Checkpointer.save_finished`: a position that says the run is finished, which
resumes by writing the outputs, with no corpus and no training), and removes it only once every
output is in place.

``resume_checks.validate_resume`` checks every field of a checkpoint's position against its
configuration and corpus before a run is resumed from it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import stat
import threading
import time

try:
    import fcntl
except ImportError:  # Windows: runs sharing a checkpoint are not locked out
    fcntl = None

from . import persist
from ..base import terminate
from ..base.errors import ConfigError, FormatError, InputError, W2VError
from ..base.files import file_signature, same_file
from .resume_checks import validate_config, validate_resume
from ..base.terminate import Terminated  # noqa: F401  (the CLI's)

SIGHUP = getattr(signal, "SIGHUP", None)  # the terminal closed (none on Windows)
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number, as shells report it
SIGNAL_NAME = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
SIGNAL_RAISES = {signal.SIGTERM: terminate.Terminated}  # a second signal: what stops the run at once
if SIGHUP is not None:
    SIGNAL_EXIT[SIGHUP], SIGNAL_NAME[SIGHUP], SIGNAL_RAISES[SIGHUP] = 128 + SIGHUP, "SIGHUP", terminate.HangUp


class Interrupted(W2VError):
    """A training run stopped by Ctrl-C (exit status 130), SIGTERM (143) or SIGHUP (129): after
    writing a checkpoint when the run has one (while training, or before its outputs), else after
    unwinding with no file left half-written."""

    exit_code = 130

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


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

    def __init__(self, path=None, every_seconds: float | None = None, log=None, run: dict | None = None,
                 command: str | None = None) -> None:
        self.path = path
        self.every = every_seconds
        self.log = log or (lambda msg: None)
        self.run = run  # what the run writes and needs to finish (the CLI's), saved as state["run"]
        self.command = command  # the command that resumes this run (the CLI's); None: the Python call
        self.last = time.monotonic()
        self.stop_requested = threading.Event()
        self.signal = signal.SIGINT  # the signal that asked to stop
        self.saved = 0
        self.written: dict[str, tuple] = {}  # file → signature (see file_signature) of what save() wrote
        self._held = 0

    def due(self) -> bool:
        if self.path is None:
            return False
        if self.stop_requested.is_set():
            return True
        return self.every is not None and time.monotonic() - self.last >= self.every

    def save(self, w2v, quiet: bool = False) -> None:
        """Write ``w2v`` (its ``state["resume"]`` set by the caller) to the checkpoint, with
        :attr:`run` as ``state["run"]``; ``quiet``: no log line."""
        if self.run is not None:
            w2v.state["run"] = self.run
        try:
            with self.hold():
                w2v.save(self.path)  # persist.save_model: PATH.npz + PATH.json, each written atomically
        finally:
            if self.run is not None:
                w2v.state.pop("run", None)
        for path in persist.model_paths(self.path):
            self.written[path] = file_signature(path)
        self.last = time.monotonic()
        self.saved += 1
        if not quiet:
            with contextlib.suppress(OSError, ValueError):  # a terminal gone (SIGHUP) does not undo the checkpoint
                self.log(f"checkpoint written to {self.path} (.npz/.json)")

    def save_finished(self, w2v) -> None:
        """Write the model of a run whose training is complete, before its outputs: a checkpoint whose
        position says so (``resume = {backend, epoch: epochs, finished: True}``; resuming it trains
        nothing). The first Ctrl-C or SIGTERM meanwhile lets the write end, then stops the run
        (:meth:`check_stop`)."""
        w2v.state["resume"] = {"backend": w2v.config.backend, "epoch": int(w2v.config.epochs), "finished": True}
        try:
            with self.catch_interrupt():
                self.save(w2v, quiet=True)
        finally:
            w2v.state.pop("resume", None)
        self.check_stop()

    def keep_finished(self, w2v):
        """:meth:`save_finished` before the outputs are written. Returns the checkpoint's path, or
        None: no checkpoint path (the output is a device or pipe), or it could not be written (a
        line says so; the outputs are written anyway)."""
        if self.path is None:
            return None
        try:
            self.save_finished(w2v)
        except (InputError, OSError) as exc:
            self.log(f"could not write the checkpoint {self.path} before the outputs ({exc}): writing them without it")
            return None
        return self.path

    def resume_hint(self) -> str:
        """How to resume from this checkpoint: :attr:`command`, else the Python call (and the
        command line, which then needs --output)."""
        if self.command is not None:
            return self.command
        path = os.fspath(self.path)
        return f"Word2Vec.resume({path!r}) (or w2v-scratch train --resume {shlex.quote(path)} --output PATH)"

    def refuse_existing(self) -> None:
        """A new run never replaces a checkpoint: refuse with one line naming both ways forward
        when PATH.npz or PATH.json exists."""
        if self.path is None:
            return
        found = [p for p in persist.model_paths(self.path) if os.path.lexists(p)]
        if found:
            raise ConfigError(f"checkpoint {self.path} already exists, from a run that did not finish: finish it with "
                              f"{self.resume_hint()}, or delete {' and '.join(map(shlex.quote, found))} to start over")

    def check_stop(self) -> None:
        """After a checkpoint: raise :class:`Interrupted` if Ctrl-C, SIGTERM or SIGHUP asked to stop."""
        if self.stop_requested.is_set():
            where = f"; resume with: {self.resume_hint()}" if self.path else ""
            if self.signal != signal.SIGINT:
                raise Interrupted(f"terminated by {SIGNAL_NAME[self.signal]}: training stopped{where}",
                                  SIGNAL_EXIT[self.signal])
            raise Interrupted(f"interrupted: training stopped{where}")

    @contextlib.contextmanager
    def catch_interrupt(self):
        """Within this block the first Ctrl-C, SIGTERM or SIGHUP (unless ignored, as under ``nohup``)
        sets :attr:`stop_requested` instead of raising; a second one raises (KeyboardInterrupt,
        :class:`Terminated`, ``HangUp``)."""
        if self.path is None or threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            if self.stop_requested.is_set():
                raise SIGNAL_RAISES.get(signum, KeyboardInterrupt)()
            self.signal = signum
            self.stop_requested.set()
            name = SIGNAL_NAME.get(signum, "signal")
            with contextlib.suppress(OSError, ValueError):  # after SIGHUP the terminal may be gone
                self.log(f"{name}: finishing the current chunk and writing a checkpoint ({name} again to stop at "
                         "once)")

        signals = [signal.SIGINT, signal.SIGTERM]
        if SIGHUP is not None and signal.getsignal(SIGHUP) not in (signal.SIG_IGN, None):
            signals.append(SIGHUP)
        previous = {sig: signal.signal(sig, handler) for sig in signals}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    @contextlib.contextmanager
    def hold(self):
        """Hold the checkpoint's lock (:func:`lock`) within this block; re-entrant. A no-op
        without a path."""
        if self.path is None or self._held:
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
            return
        with lock(self.path):
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1


NO_CHECKPOINTS = Checkpointer()

# What a checkpoint written by ``w2v-scratch train`` records of its run besides the training state
# (``state["run"]``, :attr:`Checkpointer.run`): its outputs and the options a resumed run needs to
# finish it as the original would have (``train --resume CKPT`` alone).
RUN_KEYS = ("output", "save_model", "plot", "classes", "query", "checkpoint_every", "corpus_cache")
PATH_KEYS = ("output", "save_model", "plot", "corpus_cache")


def record_run(values: dict) -> dict:
    """``values`` (:data:`RUN_KEYS`) as a checkpoint records them: paths made absolute, since a
    resumed run may start in another folder."""
    return {key: os.path.abspath(os.fspath(v)) if key in PATH_KEYS and v is not None else v
            for key, v in values.items()}


def resume_command(path) -> str:
    """The command that finishes the run of checkpoint ``path``, quoted as a shell reads it."""
    return f"w2v-scratch train --resume {shlex.quote(os.fspath(path))}"


# -- one run per checkpoint path: PATH.lock ------------------------------------------------------------------
def lock_path(path) -> str:
    return persist.model_paths(path)[0][: -len(".npz")] + ".lock"


@contextlib.contextmanager
def lock(path):
    """Hold ``PATH.lock`` (an exclusive ``flock``, released by the system if the process dies)
    within this block; refuse with one line if another run holds it. The file is removed on exit."""
    if fcntl is None:  # no flock (Windows): no lock
        yield
        return
    name = lock_path(path)
    while True:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CREAT | os.O_NONBLOCK, 0o644)  # a FIFO there: no wait
        except OSError as exc:
            raise InputError(f"cannot create the checkpoint lock {name}: {exc.strerror or exc}: "
                             "choose another --checkpoint") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size:  # a lock file is empty: this is someone's data
            os.close(fd)
            raise InputError(f"{name} exists and is not a checkpoint lock: move it away, or choose another "
                             "--checkpoint")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InputError(f"checkpoint {path} is in use by another run (it holds {name}): wait for that run "
                             "to end, or give this one another --checkpoint") from None
        except OSError:  # a filesystem without locks (some network mounts): go on unlocked
            break
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(name))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we opened it: take the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)  # still holding the lock: nobody can hold this file meanwhile
        os.close(fd)


# -- removing a finished run's checkpoints, and only them ------------------------------------------------------
def remove_checkpoint_files(signatures: dict, keep=()) -> list[str]:
    """Delete each file of ``signatures`` (path → :func:`file_signature`) that is still the very
    file that was written or loaded (same inode, size and time: never a file another run wrote
    since), is a regular file, and is none of the paths in ``keep`` (the run's outputs). Returns
    the paths deleted."""
    removed = []
    for path, sig in signatures.items():
        if sig is None or file_signature(path) != sig:
            continue
        if any(same_file(path, other) for other in keep if other is not None and os.path.exists(other)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return removed


def read_checkpoint(path) -> persist.SavedModel:
    """The saved model of checkpoint ``path`` (``PATH.npz`` + ``PATH.json``), its configuration and
    resume position checked field by field (what needs no corpus); one-line errors that name the
    checkpoint (never ``--save-model``). ``Word2Vec.load_checkpoint`` builds the model from it."""
    npz_path, json_path = persist.model_paths(path)
    for p in (npz_path, json_path):
        if not os.path.exists(p):
            raise InputError(f"checkpoint file {p} does not exist: give the path the run wrote its checkpoint to "
                             "(its --checkpoint, by default OUTPUT.ckpt)")
    try:
        saved = persist.read_model(path)
    except (FormatError, InputError) as exc:  # the loader's messages speak of models and --save-model
        message = str(exc).replace("give the path used with --save-model", "give a checkpoint written by "
                                   "w2v-scratch train (its --checkpoint, by default OUTPUT.ckpt)")
        raise type(exc)(message.replace("save the model again", "use an intact checkpoint")) from None
    if "resume" not in saved.state:
        raise InputError(f"{path} is a finished model, not a checkpoint: there is nothing to resume")
    validate_config(path, saved.config)
    validate_resume(path, saved, saved.config.resolved())
    return saved
