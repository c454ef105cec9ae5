"""Opening inputs so that nothing hangs, floods memory or reads garbage (below every reader).

* Compressed data (gzip, bzip2, xz) is recognised by its first bytes, whatever the name says,
  and decompressed; a UTF-8 byte-order mark is skipped.
* A folder, a device (``/dev/zero`` never ends and cannot be sized) or a socket is refused with
  one line; a pipe with a writer is read once, as a stream; a named pipe that nothing writes to
  is refused after :data:`FIFO_WAIT` seconds instead of hanging.
* Reads are asked in steps that grow with the data received, so a small or short file costs
  little memory whatever sizes it claims.
* :func:`reading` turns the errors of a damaged compressed stream into one-line FormatErrors.
* :func:`is_pickle` tells a Python pickle by its first bytes, so that every reader refuses one
  without unpickling it.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import stat
import time
import zlib

from .errors import FormatError, InputError

CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError)  # what a damaged compressed file raises
MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
DECOMPRESS = {"gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"), "bzip2": lambda f: bz2.BZ2File(f, "rb"),
              "xz": lambda f: lzma.LZMAFile(f, "rb")}
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark: skipped, never part of the first word or header
READ = 1 << 16  # bytes asked for by a read: a request grows with the data that came, so a small or
READ_MAX = 1 << 24  # short file costs little memory, however large the sizes it claims
SNIFF = 1 << 16  # bytes sampled at the start of an input to tell its format
FIFO_WAIT = 5.0  # seconds a named pipe may take to get a writer


def open_raw(path, what: str = "") -> tuple[io.FileIO, bytes]:
    """The unbuffered file ``path`` opened for reading, and the bytes already read from it (a pipe's
    first data), with one-line errors that call it ``what`` (e.g. "vocabulary file"): a folder, a
    device (``/dev/zero`` never ends and cannot be sized), a socket are refused. A pipe with a writer
    is read as long as the writer takes; a named pipe that nothing writes to is refused after
    ``FIFO_WAIT`` seconds (:func:`open_pipe`), rather than hanging."""
    p = os.fspath(path)
    name = f"{what} {p}" if what else p
    try:
        mode = os.stat(p).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{name} does not exist: check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{name} is a folder, not a file: give a file path")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise InputError(f"{name} is a device, not a file (a device cannot be sized, and one like /dev/zero "
                         "never ends): give a regular file or a pipe")
    if stat.S_ISSOCK(mode):
        raise InputError(f"{name} is a socket, not a file: give a regular file (or a pipe)")
    if stat.S_ISFIFO(mode):
        return open_pipe(p, what)
    try:
        return io.FileIO(p, "rb"), b""
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None


def open_pipe(path, what: str = "") -> tuple[io.FileIO, bytes]:
    """A named pipe (or any pipe) opened for reading without blocking on its open, and its first
    data: a writer that is there is waited for as long as it takes to write, but a pipe that nothing
    writes to (end of data at once) is refused after ``FIFO_WAIT`` seconds with one line that calls
    it ``what``, rather than hanging (a blocking open would wait for a writer forever)."""
    p = os.fspath(path)
    name = f"{what} {p}" if what else p
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + FIFO_WAIT
        while True:
            try:
                first = os.read(fd, READ)
            except BlockingIOError:  # a writer is there, its data not yet: wait for it like any reader
                first = b""
                break
            if first:
                break
            if time.monotonic() > deadline:  # end of data at once: no writer (or one that wrote nothing)
                raise InputError(f"{name} is a named pipe that nothing wrote to in {FIFO_WAIT:g} s: "
                                 "start the program that writes it first, or give a regular file")
            time.sleep(0.02)
        os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True), first
    except BaseException:
        os.close(fd)
        raise


def is_pickle(head: bytes) -> bool:
    """Whether ``head``, a file's first bytes, starts a Python pickle, told without unpickling:
    protocols 2 to 5 open with the PROTO opcode 0x80 and the protocol number (gensim's ``.save()``
    writes protocol 4); an object pickled with protocol 0 or 1 opens with the global
    ``copy_reg._reconstructor``."""
    return (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head.startswith(b"ccopy_reg\n_reconstructor")


def read_upto(f, n: int) -> bytes:
    """Up to ``n`` bytes of ``f`` (fewer only at its end), read in bounded chunks."""
    chunks, got, step = [], 0, READ
    while got < n:
        ask = min(n - got, step)
        chunk = f.read(ask)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        if len(chunk) == ask:  # the data keeps coming: ask for more at a time
            step = min(2 * step, READ_MAX)
    return b"".join(chunks)


class Stream(io.RawIOBase):
    """The bytes ``head``, then the rest of ``source``; a damaged compressed stream raises OSError
    (whatever the decompressor raised), so every caller catches one type."""

    def __init__(self, head: bytes, source, also=None) -> None:
        super().__init__()
        self._head, self._source, self._also = memoryview(head), source, also

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        """The descriptor of a source that is a file (to wait on it with ``select`` once
        :attr:`holding` is false); a decompressor or another stream has none."""
        if isinstance(self._source, io.FileIO):
            return self._source.fileno()
        raise io.UnsupportedOperation("fileno")

    @property
    def holding(self) -> bool:
        """Whether bytes of ``head`` are still to be read (a read returns them without waiting)."""
        return len(self._head) > 0

    def readinto(self, b) -> int:
        if len(self._head):
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        try:
            if isinstance(self._source, io.FileIO):  # straight into the caller's buffer
                return self._source.readinto(b)
            data = self._source.read(len(b))
        except (EOFError, zlib.error, lzma.LZMAError) as exc:
            raise OSError(str(exc) or type(exc).__name__) from None
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
                if self._also is not None:
                    self._also.close()
            finally:
                super().close()


class Input:
    """An input opened for reading: decompressed (gzip, bzip2, xz: recognised by content), a UTF-8
    BOM skipped. :meth:`sample` gives its first bytes to look at; :attr:`stream` then reads it all
    from the start (the sample is replayed, so a pipe is read once). :attr:`plain` is true for a
    regular uncompressed file (which can be sized and mapped: its data begins at :attr:`offset`)."""

    def __init__(self, path, what: str = "") -> None:
        self.path = os.fspath(path)
        self.raw, first = open_raw(self.path, what)
        try:
            source = Stream(first, self.raw) if first else self.raw
            magic = read_upto(source, 6)
            self.compression = next((name for m, name in MAGIC if magic.startswith(m)), None)
            source = Stream(magic, source)
            if self.compression:
                source = Stream(b"", DECOMPRESS[self.compression](source), also=source)
            self.plain = self.compression is None and stat.S_ISREG(os.fstat(self.raw.fileno()).st_mode)
            self._source, self._stream = source, None
            self.head, self.complete, self.offset = b"", False, 0
            self.sample(SNIFF)
            if self.head.startswith(BOM):
                self.head, self.offset = self.head[len(BOM):], len(BOM)
        except BaseException:
            self.raw.close()
            raise

    def sample(self, n: int) -> bytes:
        """The first ``n`` bytes of the data (all of it if shorter: then :attr:`complete` is true)."""
        if len(self.head) < n and not self.complete:
            if self._stream is not None:
                raise RuntimeError("the input is already being read")
            more = read_upto(self._source, n - len(self.head))
            self.complete = len(more) < n - len(self.head)
            self.head += more
        return self.head

    @property
    def stream(self) -> io.BufferedReader:
        if self._stream is None:
            self._stream = io.BufferedReader(Stream(self.head, self._source), READ)
        return self._stream

    def close(self) -> None:
        try:
            (self._stream or self._source).close()
        finally:
            self.raw.close()

    def __enter__(self) -> "Input":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_input(path, mode: str = "rb", what: str = ""):
    """Open ``path`` for reading, decompressed (gzip, bzip2, xz) and without a UTF-8 BOM; ``mode``
    "rb" or "rt" (UTF-8, universal newlines). A missing, unreadable or unsuitable file (a folder, a
    device, a pipe nothing writes to) raises :class:`InputError`, whose line calls it ``what``; a
    damaged compressed stream raises OSError while being read."""
    src = Input(path, what)
    f = src.stream
    return f if "b" in mode else io.TextIOWrapper(f, encoding="utf-8")


def open_regular(path, what: str = "file") -> io.BufferedReader:
    """Open a file that must be a regular file (a model's .npz is read by seeking, its .json read
    whole: a pipe or a device could not be sized)."""
    p = os.fspath(path)
    if os.path.exists(p) and not os.path.isdir(p) and not os.path.isfile(p):
        raise InputError(f"{what} {p} is not a regular file (a device or a pipe): give the file itself")
    return io.BufferedReader(open_raw(p)[0])


@contextlib.contextmanager
def reading(path):
    """Turn the errors of a damaged (compressed) file into a one-line :class:`FormatError`."""
    try:
        yield
    except CORRUPT as exc:
        msg = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise FormatError(f"{os.fspath(path)} is corrupt or truncated ({msg}): get a fresh copy of the file") from None
