"""A text corpus file → sentences of tokens: the bytes, checked, and :func:`iter_sentences`.

* One sentence per line, tokens split on whitespace.
* A line longer than ``max_sentence_length`` tokens (text8 is a single 100 MB
  line) is cut into consecutive pseudo-sentences of that length; nothing is
  dropped (gensim silently drops the tail of long texts).
* ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
* The file is read in fixed-size byte blocks, so memory stays bounded whatever
  the line length, and checked to be UTF-8 (a clear error otherwise); a leading
  byte-order mark is dropped. NUL bytes (binary data, ``/dev/zero``), a 'word'
  of 64 MB, or 64 MB of blank space are refused.

:func:`_pieces` hands the checked text to the text kernel (``read.py``, ``encode.py``) and to
:func:`iter_sentences`, which reads the same sentences as Python strings.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import select
import stat
import zlib
from importlib import resources
from typing import Iterator

from ..base import terminate
from ..base.errors import InputError
from ..base.inputs import Stream, open_pipe

BUNDLED = {"ptb": "ptb.train.txt.gz"}
MAX_SENTENCE_LENGTH = 10_000
_BLOCK = 1 << 20  # bytes read at a time
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark (Windows editors write one): dropped at the start
MAX_WORD_BYTES = 64 << 20  # a 'word' longer than this is not text
MAX_BLANK_BYTES = 64 << 20  # ... nor is this much whitespace without a word (an endless blank stream)


def resolve(corpus: str | os.PathLike) -> str:
    """A bundled corpus name (``ptb``) → its path inside the package; a path → itself."""
    name = str(corpus)
    if name in BUNDLED:
        return str(resources.files("w2v_scratch") / "data" / BUNDLED[name])
    return name


def open_binary(path: str | os.PathLike):
    """Open a plain or compressed file for reading bytes, with one-line errors. A named pipe is
    opened without blocking (:func:`w2v_scratch.base.inputs.open_pipe`): one that nothing writes
    to is refused after ``FIFO_WAIT`` seconds instead of hanging; its first data comes first."""
    path = str(path)
    if os.path.isdir(path):
        raise InputError(f"corpus {path} is a directory: give a text file")
    if not os.path.exists(path):
        raise InputError(f"corpus file {path} does not exist: check the path, or use --corpus ptb")
    try:
        if stat.S_ISFIFO(os.stat(path).st_mode):
            return _open_pipe(path)
        if path.endswith(".gz"):
            return gzip.open(path, "rb")
        if path.endswith(".bz2"):
            return bz2.open(path, "rb")
        if path.endswith(".xz"):
            return lzma.open(path, "rb")
        if not stat.S_ISREG(os.stat(path).st_mode):  # a device: unbuffered, read as data comes
            return open(path, "rb", buffering=0)
        return open(path, "rb")
    except PermissionError:
        raise InputError(f"corpus file {path} is not readable: check its permissions") from None


_DECOMPRESS = {".gz": lambda f: gzip.GzipFile(fileobj=f, mode="rb"), ".bz2": lambda f: bz2.BZ2File(f, "rb"),
               ".xz": lambda f: lzma.LZMAFile(f, "rb")}  # a corpus's compression is told by its name


def _open_pipe(path: str) -> Stream:
    """A named pipe opened by :func:`w2v_scratch.base.inputs.open_pipe` (refused, not waited on
    forever, when nothing writes to it), its first data in front; decompressed if its name says so."""
    raw, first = open_pipe(path, "corpus file")
    pipe = Stream(first, raw)
    decompress = next((d for suffix, d in _DECOMPRESS.items() if path.endswith(suffix)), None)
    if decompress is None:
        return pipe
    try:
        return Stream(b"", decompress(pipe), also=pipe)
    except BaseException:
        pipe.close()
        raise


def _waitable(f) -> bool:
    """Whether ``f`` (from :func:`open_binary`) reads a pipe or device directly, so that ``select``
    can wait on it (a decompressor's reads cannot be waited on)."""
    if isinstance(f, io.FileIO):
        return True
    if isinstance(f, Stream):
        try:
            f.fileno()
            return True
        except OSError:  # io.UnsupportedOperation
            return False
    return False


_COMPRESSED = {b"\x1f\x8b": (".gz", "gzip", "zcat"), b"\xfd7zXZ\x00": (".xz", "xz", "xzcat"),
               b"BZh": (".bz2", "bzip2", "bzcat")}  # magic bytes → suffix, format, what decompresses it


def _wait_readable(f, slice_seconds: float = 0.25) -> None:
    """Wait until the pipe or device ``f`` has data (or its end), in slices: the process's signals
    may be delivered to another thread (a native one of a library), which does not interrupt a read
    blocked in the main thread, so the main thread comes back to Python between slices and the
    SIGTERM handler runs there."""
    while not select.select([f], [], [], slice_seconds)[0]:
        pass


def _blocks(path: str) -> Iterator[bytes]:
    """The file's bytes in blocks of about ``_BLOCK`` (decompressed), a leading UTF-8 byte-order mark
    dropped; a NUL byte (binary data, ``/dev/zero``) is refused at once."""
    first = b""  # the start of the stream, until it is long enough to tell a byte-order mark
    with open_binary(path) as f:
        stream = _waitable(f)  # a pipe or device (open_binary): never block out of Python's reach
        while True:
            terminate.check()  # a SIGTERM whose exception other code swallowed: stop before blocking on a pipe
            try:
                if stream and not (isinstance(f, Stream) and f.holding):  # held data is read without waiting
                    _wait_readable(f)
                block = f.read(_BLOCK)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise InputError(
                    f"corpus file {path} is corrupt or truncated ({exc}): get a fresh copy, or decompress it to check"
                ) from None
            if first is not None:
                first += block
                if block and len(first) < len(BOM) and BOM.startswith(first):
                    continue  # too short to tell yet
                block, first = (first[len(BOM):] if first.startswith(BOM) else first), None
                if not block:
                    continue  # at the end of the stream, the next read says so again
            if not block:
                return
            if b"\x00" in block:
                for magic, (suffix, kind, cat) in _COMPRESSED.items():
                    if block.startswith(magic) and not path.endswith(suffix):
                        raise InputError(f"corpus file {path} is {kind}-compressed but its name does not end in "
                                         f"{suffix}: rename it, or pipe it: {cat} FILE | w2v-scratch train "
                                         "--corpus /dev/stdin ...")
                raise InputError(f"corpus file {path} looks binary (it holds NUL bytes): give a text file")
            yield block


def _decode(chunk: bytes, path: str) -> str:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"corpus file {path} is not UTF-8 text (bad byte at offset {exc.start} of a block): "
            "convert it with iconv"
        ) from None


def _cut(block: bytes) -> int:
    """Index just past the last space, newline, tab or carriage return of ``block`` (0 if none):
    whitespace is ASCII there, so a cut never splits a token or a UTF-8 character."""
    return max(block.rfind(b" "), block.rfind(b"\n"), block.rfind(b"\t"), block.rfind(b"\r")) + 1


def _pieces(path: str) -> Iterator[tuple[bytes, bool]]:
    """The file's text (:func:`_blocks`) as (piece, is the last) pairs: each piece ends at a
    whitespace byte (:func:`_cut`), the last one is what follows the last of them; every piece is
    checked to be UTF-8. A 'word' longer than ``MAX_WORD_BYTES`` is refused."""
    tail = b""  # bytes after the last whitespace of the previous block (a partial token)
    for block in _blocks(path):
        block = tail + block
        cut = _cut(block)
        if cut == 0:
            tail = block
            if len(tail) > MAX_WORD_BYTES:
                raise InputError(f"corpus file {path} has a 'word' longer than {MAX_WORD_BYTES >> 20} MB "
                                 "(no space or newline in it): is it text?")
            continue
        piece, tail = block[:cut], block[cut:]
        if not piece.isascii():  # ASCII is UTF-8: only other text needs the check
            _decode(piece, path)
        yield piece, False
    if tail:
        if not tail.isascii():
            _decode(tail, path)
        yield tail, True


class _Blank:
    """Counts the bytes read since the last word: ``MAX_BLANK_BYTES`` of them (an endless blank
    stream) are refused."""

    def __init__(self, path: str) -> None:
        self.path, self.bytes = path, 0

    def add(self, piece: bytes, saw_word: bool) -> None:
        self.bytes = 0 if saw_word else self.bytes + len(piece)
        if self.bytes > MAX_BLANK_BYTES:
            raise InputError(f"corpus file {self.path} holds {MAX_BLANK_BYTES >> 20} MB of blank space without a "
                             "word: is it text (or an endless stream)?")


def iter_sentences(corpus: str | os.PathLike, max_sentence_length: int = MAX_SENTENCE_LENGTH) -> Iterator[list[str]]:
    """Yield the sentences of a corpus file as lists of tokens (empty lines skipped), in Python
    (``str.split``): what :func:`load` computes with the text kernel, as strings."""
    yield from file_lines(resolve(corpus), max_sentence_length)


def file_lines(path: str, max_sentence_length: int, limit: int | None = None) -> Iterator[list[str]]:
    """The sentences of the first ``limit`` lines of the file ``path`` (all if None; blank lines
    count as lines but give no sentence), each line's tokens cut into pieces of
    ``max_sentence_length``; read in blocks (:func:`_pieces`), so a long line is never held whole."""
    if limit == 0:
        return
    current: list[str] = []  # tokens of the line being read, not yet yielded
    lines = 0
    blank = _Blank(path)
    for piece, last_piece in _pieces(path):
        parts = piece.decode("utf-8").split("\n")
        saw_word = False
        for i, part in enumerate(parts):
            words = part.split()
            saw_word = saw_word or bool(words)
            current.extend(words)
            while len(current) >= max_sentence_length:
                yield current[:max_sentence_length]
                current = current[max_sentence_length:]
            if i < len(parts) - 1:  # a line ends here
                if current:
                    yield current
                    current = []
                lines += 1
                if limit is not None and lines >= limit:
                    return
        if not last_piece:
            blank.add(piece, saw_word)
    if current:  # shorter than max_sentence_length: the loop above cut the rest
        yield current
