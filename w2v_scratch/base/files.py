"""Writing output files so that nothing is ever lost (a leaf: imports only ``errors``).

* :func:`atomic_write` writes a regular file through a temporary sibling renamed over it once
  complete: a crash, Ctrl-C or SIGTERM never leaves a half-written file, and the old file stays
  until the new one is whole. A symbolic link is written *through* (its target is replaced, the
  link stays). A character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe) is
  written into directly — never replaced by a regular file; a socket or block device is refused.
* :func:`check_output` says, before any work starts, whether a path can be written at all.
* :func:`check_outputs` also refuses an output that is one of the run's inputs (the corpus, the
  vectors being converted, the checkpoint being resumed) or another output of the same run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import time

from .errors import ConfigError, InputError, PathTypeError


def fspath(path, who: str = "this call", example: str = "vectors.kv") -> str:
    """``path`` (a ``str`` or ``os.PathLike``) as a ``str``; anything else — an open file, bytes, a
    number — is a :class:`PathTypeError` (an ``InputError`` and a ``TypeError``) in one line naming
    ``who`` and the call with a name (``example``) — or, ``who`` left out, just what is needed: the project writes atomically and tells formats
    from a file's name and first bytes, both of which need a name, not a handle."""
    if isinstance(path, (str, os.PathLike)):
        p = os.fspath(path)
        if isinstance(p, str):
            return p
    what = "an open file" if hasattr(path, "read") or hasattr(path, "write") else _a(type(path).__name__)
    if who == "this call":
        raise PathTypeError(f"a file name (a str or os.PathLike) is needed, not {what}: give the file's name")
    raise PathTypeError(f"{who} takes a file name (a str or os.PathLike), not {what}: give the file's name, "
                        f"e.g. {who}({example!r})")


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _target(path: str) -> str:
    """The file a write to ``path`` lands in: symbolic links followed, relative paths absolute.
    A link that ends in a stream with no name of its own (``/dev/stdout`` when stdout is a pipe
    resolves to ``pipe:[N]``, which does not exist as a path) stays the path given: opening that
    path reaches the stream."""
    given = os.path.abspath(path)
    real = os.path.realpath(given)
    if real != given and not os.path.lexists(real):
        try:
            mode = os.stat(given).st_mode
        except OSError:
            return real
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            return given
    return real


def _kind(path: str) -> str | None:
    """'regular', 'dir', 'stream' (character device or FIFO), 'other' (socket, block device), or
    None if nothing is there."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot use {path}: {exc.strerror or exc}") from None
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    return "other"


def check_output(path, what: str = "output") -> None:
    """Fail now, with one line, if ``path`` could not be written later."""
    p = os.fspath(path)
    if not p.strip():
        raise ConfigError(f"the {what} path is empty: give a file name")
    target = _target(p)
    kind = _kind(target)
    if kind == "dir" or p.endswith(os.sep):
        raise InputError(f"{what} {p} is a folder: give a file path inside it")
    if kind == "other":
        raise InputError(f"{what} {p} is a socket or block device: give a regular file")
    if kind == "stream":
        if not os.access(target, os.W_OK):
            raise InputError(f"{what} {p} is not writable: choose another path")
        return
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise InputError(f"the folder of {what} {p} ({folder}) does not exist: create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"the folder of {what} {p} ({folder}) is not writable: choose another path")
    if kind == "regular" and not os.access(target, os.W_OK):
        raise InputError(f"{what} {p} exists and is read-only: choose another path")


def same_file(a, b) -> bool:
    """Whether writing ``a`` would touch the file ``b`` (links and relative paths resolved)."""
    a, b = os.fspath(a), os.fspath(b)
    try:
        return os.path.samefile(a, b)
    except OSError:
        return _target(a) == _target(b)


def check_outputs(outputs: dict, inputs: dict | None = None) -> None:
    """Check every output (``{description: path}``, e.g. ``{"--output": "v.txt"}``) with
    :func:`check_output`, then refuse one that is an input (``{description: path}``) or the
    same file as another output. Paths that are None are skipped."""
    outs = [(name, os.fspath(p)) for name, p in outputs.items() if p is not None]
    for name, p in outs:
        check_output(p, name)
    for name, p in outs:
        if _kind(_target(p)) == "stream":  # /dev/null may take every output of a run
            continue
        for in_name, q in (inputs or {}).items():
            if q is not None and os.path.exists(os.fspath(q)) and same_file(p, q):
                raise ConfigError(f"{name} {p} is {in_name} {q}: writing it would destroy an input, "
                                  "choose another name")
    for i, (name, p) in enumerate(outs):
        for other, q in outs[i + 1:]:
            if _kind(_target(p)) != "stream" and same_file(p, q):
                raise ConfigError(f"{name} {p} and {other} {q} are the same file: give them different names")


def new_file_mode(path: str) -> int:
    """The permissions a plain ``open(path, "w")`` would give: the existing file's, else 0666 & ~umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


FIFO_WAIT = 5.0  # seconds a FIFO output may wait for its reader


def _open_stream(target: str, shown: str) -> int:
    """A write descriptor for a character device or FIFO. A FIFO with no reader would block the
    open forever: wait up to FIFO_WAIT seconds for one, then refuse."""
    deadline = time.monotonic() + FIFO_WAIT
    while True:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:  # ENXIO: a FIFO nobody reads
                if exc.errno == errno.ENXIO:
                    raise InputError(f"output {shown} is a FIFO that nobody reads: start its reader first") from None
                raise
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        return fd


_STOPPING = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP back within this block (they arrive when it ends); a no-op
    where threads cannot mask signals."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def atomic_write(path, mode: str = "w"):
    """Open ``path`` for writing (text mode: UTF-8, ``\\n``). A regular file (or a link to one) is
    written to a temporary sibling, synced, and renamed over it on success; on any exception
    (KeyboardInterrupt, and SIGTERM or SIGHUP where ``terminate.unwinding`` makes them exceptions)
    the temporary file is deleted and ``path`` is left as it was. A character device or FIFO is
    written into directly (nothing to delete: what was written stays written)."""
    p = os.fspath(path)
    check_output(p)
    target = _target(p)
    kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
    if _kind(target) == "stream":
        try:
            fd = _open_stream(target, p)
            with os.fdopen(fd, mode, **kwargs) as f:
                yield f
        except OSError as exc:
            raise InputError(f"cannot write {p}: {exc.strerror or exc}") from None
        return
    folder = os.path.dirname(target)
    tmp = None
    try:
        with _signals_held():  # the file and its name arrive together: a signal waits until tmp is set
            try:
                fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise InputError(f"cannot write {p}: {exc.strerror or exc} (choose another folder)") from None
        with os.fdopen(fd, mode, **kwargs) as f:
            os.fchmod(fd, new_file_mode(target))  # mkstemp makes 0600 files; give the usual permissions
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, InputError):
            raise InputError(f"cannot write {p}: {exc.strerror or exc}") from None
        raise


def file_signature(path):
    """What identifies one written version of a regular file: ``(device, inode, size, mtime_ns)``;
    None if ``path`` is missing or not a regular file (a pipe, a device)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
