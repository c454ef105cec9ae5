"""Reading word2vec text, word2vec binary and GloVe vectors into an :class:`Embeddings`.

The policy on damaged files is ``formats.py``'s: consistent vectors or a one-line
:class:`~w2v_scratch.base.errors.FormatError`; storage grows with the rows actually read
(:class:`_Rows`, which never holds more than the rows read resident), never from a claimed count
alone; a regular binary file's header count is checked against its bytes before anything is
allocated, and a text file's count is reserved at once only when its bytes can hold that many rows.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re

import numpy as np

from .embeddings import Embeddings
from ..base.errors import FormatError
from ..base.inputs import READ, READ_MAX, SNIFF, Input, reading
from .sniff import _DECIMAL_COMMA, _MAX_WORD, _foreign, _header, _model_named, _is_float, _line_cap, _show, _sniff

_BLOCK = 4096  # rows first mapped for a matrix whose size is not known (then doubled as needed) ...
_BLOCK_BYTES = 1 << 22  # ... and at most 4 MB of them, whatever the dimension


def _read_header(f, path) -> tuple[int, int, int]:
    line = f.readline(1024)
    head = _header(line)
    if head is None:
        if not line:
            raise FormatError(f"{path} is empty: give a word2vec vectors file")
        raise FormatError(
            f"{path}: the first line should be '<count> <dim>', got {_show(line)}: "
            "not a word2vec file (GloVe files have no header: use --format glove)"
        )
    if head[1] < 1:
        raise FormatError(f"{path}: the header gives dimension {head[1]}: it must be at least 1")
    return head[0], head[1], len(line)


def _finish(path, words, vectors, index=None) -> Embeddings:

    bad = _first_not_finite(vectors)
    if bad >= 0:
        word = words[bad]
        raise FormatError(f"{path}: the vector of {word!r} holds NaN or infinity (or a value beyond float32's "
                          "±3.4e38): regenerate the file")
    try:
        return Embeddings(words, vectors, index=index)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def _anonymous(nbytes: int) -> mmap.mmap:
    """A private anonymous map of ``nbytes`` (private: a shared one cannot grow by ``mremap``, its
    pages past the first length fault with SIGBUS)."""
    if hasattr(mmap, "MAP_PRIVATE"):
        return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE)
    return mmap.mmap(-1, nbytes)


class _Rows:
    """Rows of d float32 appended one at a time into one matrix that grows with the rows really read,
    never sized from an unchecked claim. The storage is an anonymous memory map: pages are resident
    only once a row is written into them, and the map grows (its length doubles) by
    ``mmap.resize`` — ``mremap`` on Linux, which moves the written pages without copying or
    zero-filling anything — so the peak is the rows read plus one page, where a NumPy array grown by
    ``ndarray.resize`` zero-fills its new capacity (twice the rows read, resident). ``reserve`` maps
    that many rows at once (a count already checked against the file's bytes: untouched, they cost
    address space only). Where a map cannot be resized in place, a larger one is made and the rows
    copied into it. :meth:`matrix` gives the unused tail back and returns the rows as an array over
    the map."""

    def __init__(self, d: int, reserve: int | None = None) -> None:
        self.d, self.count, self.view = d, 0, None
        self.capacity = reserve if reserve else max(1, min(_BLOCK, _BLOCK_BYTES // (4 * d)))
        self.buf = _anonymous(4 * d * self.capacity)

    def put(self, values) -> None:
        """Append one row (``values``: d numbers, converted to float32 as NumPy assigns them)."""
        if self.count == self.capacity:
            self._resize(2 * self.capacity)
        if self.view is None:
            self.view = np.frombuffer(self.buf, np.float32).reshape(self.capacity, self.d)
        self.view[self.count] = values
        self.count += 1

    def _resize(self, rows: int) -> None:
        self.view = None  # no view of the map may outlive a resize
        try:
            self.buf.resize(4 * self.d * rows)
        except (OSError, SystemError, TypeError, ValueError, BufferError):  # no mremap here: copy
            new = _anonymous(4 * self.d * rows)
            n = 4 * self.d * min(self.count, rows)
            np.frombuffer(new, np.uint8, n)[:] = np.frombuffer(self.buf, np.uint8, n)
            self.buf.close()
            self.buf = new
        self.capacity = rows

    def matrix(self) -> np.ndarray:
        if self.count == 0:
            return np.empty((0, self.d), np.float32)
        if self.count < self.capacity:
            self._resize(self.count)
        self.view = None
        return np.frombuffer(self.buf, np.float32).reshape(self.count, self.d)


def _refuse_other_kind(src: Input, want: str) -> None:
    """A FormatError if ``src`` is surely not ``want`` (word2vec text read as binary, or the reverse):
    a forced format never turns a file into garbage numbers."""
    foreign = _model_named(src.path, src.sample(SNIFF)) or _foreign(src.sample(SNIFF))
    if foreign:
        raise FormatError(f"{src.path} is {foreign}")
    try:
        fmt, sure = _sniff(src)
    except FormatError:
        return  # the reader names the problem
    if fmt == "kv":
        raise FormatError(f"{src.path} is a .kv vectors file, not {want}: use --format kv, or leave --format out "
                          "(the format is told from the content)")
    if not sure or fmt == want or (want == "glove" and fmt == "word2vec"):
        return
    if fmt == "word2vec-binary":
        raise FormatError(f"{src.path} is word2vec binary, not text: use --format word2vec-binary, "
                          "or leave --format out (the format is told from the content)")
    raise FormatError(f"{src.path} is word2vec text, not binary: use --format word2vec, "
                      "or leave --format out (the format is told from the content)")


def _read_text(path, header: bool, limit: int | None, unicode_errors: str, src: Input | None = None):
    """Rows ``word v1 ... vd`` (blank lines skipped), grown block by block as they are read."""
    with reading(path), contextlib.ExitStack() as stack:
        if src is None:
            src = stack.enter_context(Input(path))
            _refuse_other_kind(src, "word2vec" if header else "glove")
        size = os.fstat(src.raw.fileno()).st_size - src.offset if src.plain else None
        return _parse_text(src.path, src.stream, header, limit, unicode_errors, size)


_MIN_ROW = 2  # bytes per value in a text row at the least (a separator and a digit)


def _parse_text(path, f, header: bool, limit: int | None, unicode_errors: str, size: int | None = None):
    """The rows of a text vectors stream. When the header's count is known and so are the stream's
    ``size`` bytes (a regular file) and they can hold that many rows, the matrix of the rows kept is
    mapped at once (:class:`_Rows`); otherwise it grows with the rows read."""
    words: list[str] = []
    index: dict[str, int] = {}  # word → row, checked as rows come: an endless repeat stops at once
    rows = None
    V, d, header_len = _read_header(f, path) if header else (None, None, 0)
    want = V if limit is None else (limit if V is None else min(V, limit))
    # a count the bytes can hold (a word, d values and a newline per row) is mapped at once; a larger
    # one is not trusted: the rows read tell how many the file holds, in the message at the end
    fits = size is not None and V is not None and V * (_MIN_ROW * d + 2) - 1 <= size - header_len
    lineno = 1 if header else 0
    while want is None or len(words) <= want:
        if limit is not None and len(words) >= want:
            break  # the rows kept are read: nothing after them is
        cap = _line_cap(d)
        line = f.readline(cap + 1)
        if not line:
            break
        lineno += 1
        if len(line) > cap and not line.endswith(b"\n"):
            need = f", far more than {d} values need" if d is not None else ""
            raise FormatError(f"{path}: line {lineno} is longer than {cap:,} bytes{need}: not a text vectors file")
        if b"\x00" in line:
            raise FormatError(f"{path}: line {lineno} holds NUL bytes: not a text vectors file "
                              "(a binary file? leave --format out to tell it from the content)")
        parts = line.split()
        if not parts:
            continue
        if want is not None and len(words) >= want:
            if limit is None:  # a line beyond the header's count
                raise FormatError(f"{path}: more than the {V} vectors the header announces: fix the header count")
            break
        if d is None:
            d = len(parts) - 1
            if d < 1:
                raise FormatError(
                    f"{path}:{lineno}: {parts[0][:30].decode('utf-8', 'replace')!r} alone on a line: "
                    "not a 'word v1 ... vd' row "
                    "(a word2vec header is '<count> <dim>'): not a vectors file"
                )
        if len(parts) != d + 1:
            raise FormatError(_bad_count(path, lineno, line, parts, d, header, len(words)))
        if rows is None:
            rows = _Rows(d, want if fits else None)
        try:
            with np.errstate(over="ignore"):  # beyond float32: inf, refused by _finish with the word named
                rows.put(list(map(float, parts[1:])))
        except ValueError:
            bad = next(p for p in parts[1:] if not _is_float(p))
            raise FormatError(_spaced_word(path, lineno, line) or _not_a_number(path, lineno, bad, header, words)) \
                from None
        word = parts[0].decode("utf-8", unicode_errors)
        if index.setdefault(word, len(words)) != len(words):
            raise FormatError(f"{path}:{lineno}: the word {word[:40]!r} appears twice (rows {index[word] + 1} and "
                              f"{len(words) + 1}): remove the duplicate")
        words.append(word)
    if want is not None and len(words) < want:
        raise FormatError(
            f"{path}: the header announces {V} vectors but the file holds {len(words)}: "
            "it is truncated (or the header count is wrong)"
        )
    if not words:
        raise FormatError(f"{path} holds no vectors: give a non-empty vectors file")
    return _finish(path, words, rows.matrix(), index)


def _spaced_word(path, lineno: int, line: bytes) -> str | None:
    """The message for a row whose word holds a tab (or other whitespace but a space), if it is one:
    split on spaces only, it is a word and numbers."""
    spaced = line.strip(b" \r\n").split(b" ")
    if len(spaced) >= 2 and re.search(rb"\s", spaced[0]) and all(map(_is_float, spaced[1:])):
        word = spaced[0].decode("utf-8", "replace")
        return (f"{path}:{lineno}: the word {word[:40]!r} holds a tab or other whitespace, which a word in a "
                "vectors file cannot hold: replace it (e.g. with '_')")
    return None


def _bad_count(path, lineno: int, line: bytes, parts: list[bytes], d: int, header: bool, read: int) -> str:
    """The message for a row with a number of values other than d, naming the likely cause."""
    spaced = _spaced_word(path, lineno, line)
    if spaced:
        return spaced
    if any(_DECIMAL_COMMA.fullmatch(p) for p in parts[1:]):
        return (f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected, written with decimal "
                "commas? use '.' as the decimal point")
    hint = " (or the file mixes dimensions)"
    if not header and read == 1:  # a GloVe guess whose first "row" may be a broken header
        hint = " (or the first line is a broken '<count> <dim>' header)"
    return f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected: the line is damaged{hint}"


def _not_a_number(path, lineno: int, bad: bytes, header: bool, words: list) -> str:
    shown = bad[:30].decode("utf-8", "replace")
    if _DECIMAL_COMMA.fullmatch(bad):
        return f"{path}:{lineno}: {shown!r} is not a number: decimal commas? use '.' as the decimal point"
    hint = " (or the first line is a broken '<count> <dim>' header)" if not header and not words else ""
    return f"{path}:{lineno}: {shown!r} is not a number: the line is damaged{hint}"


class _Window:
    """Sequential reading of bytes through a sliding window over a stream: ``buf[pos:]`` are the
    bytes not consumed yet."""

    def __init__(self, f) -> None:
        self.f, self.buf, self.pos, self.eof = f, b"", 0, False

    def fill(self, n: int) -> bool:
        """Make ``n`` bytes available from ``pos``; False if the data ends first. Reads are asked
        in steps that grow with the data received, never sized by ``n`` alone (a claimed size)."""
        have = len(self.buf) - self.pos
        if have >= n or self.eof:
            return have >= n
        parts, step = [self.buf[self.pos:]], READ
        while have < n:
            ask = min(step, max(n - have, READ))
            chunk = self.f.read(ask)
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
            if len(chunk) == ask:
                step = min(2 * step, READ_MAX)
        self.buf, self.pos = b"".join(parts), 0
        return have >= n

    def find(self, byte: bytes, limit: int) -> int:
        """Offset from ``pos`` of the next ``byte`` within ``limit`` bytes, or -1."""
        searched = 0
        while True:
            i = self.buf.find(byte, self.pos + searched, self.pos + limit)
            if i >= 0:
                return i - self.pos
            searched = len(self.buf) - self.pos
            if searched >= limit or not self.fill(searched + 1):
                return -1


def _read_binary(path, limit: int | None, unicode_errors: str, src: Input | None = None):
    """word2vec binary, read record by record through a bounded window (never mapped whole, never
    copied: the rows go straight into their final matrix). For a regular file the header's count and
    dimension are checked against the file size first, and the matrix of the first ``limit`` rows is
    then allocated once; the records after them are never read."""
    with reading(path), contextlib.ExitStack() as stack:
        if src is None:
            src = stack.enter_context(Input(path))
            _refuse_other_kind(src, "word2vec-binary")
        path = src.path
        V, d, header_len = _read_header(src.stream, path)
        if V == 0:
            raise FormatError(f"{path}: the header announces 0 vectors: give a non-empty vectors file")
        n = V if limit is None else min(V, limit)
        left = os.fstat(src.raw.fileno()).st_size - src.offset - header_len if src.plain else None
        return _parse_binary(path, _Window(src.stream), V, d, n, unicode_errors, left)


def _parse_binary(path, win: _Window, V: int, d: int, n: int, unicode_errors: str, left: int | None):
    """The first ``n`` of the ``V`` records ``word b" " float32[d]`` from ``win``. When the bytes
    ``left`` after the header are known (a regular file), the claim is checked against them before
    the (n, d) matrix is allocated; otherwise storage grows with the records read."""
    nbytes = 4 * d
    sized = left is not None
    if sized:
        need = n * (nbytes + 2)  # at least a 1-byte word, a space and d float32 per vector
        if need > left:
            raise FormatError(
                f"{path}: the header announces {V} vectors of dimension {d} (at least {need:,} bytes) but only "
                f"{left:,} bytes follow, room for {left // (nbytes + 2):,} at most: "
                "the file is truncated or its header is wrong"
            )
        vectors, rows = np.empty((n, d), np.float32), None
    else:
        vectors, rows = None, _Rows(d)
    words, index = [], {}
    for i in range(n):
        space = win.find(b" ", _MAX_WORD)
        if space < 0:
            if win.eof and not win.buf[win.pos:].strip(b"\n"):  # nothing left but word2vec.c's newlines
                raise FormatError(
                    f"{path}: the header announces {V} vectors but the file holds {i}: "
                    "it is truncated (or the header count is wrong)"
                )
            if win.eof and len(win.buf) - win.pos < _MAX_WORD:
                raise FormatError(f"{path}: the file ends inside vector {i + 1} of {V}: it is truncated")
            raise FormatError(f"{path}: vector {i + 1} of {V}: no word ends within {_MAX_WORD:,} bytes: "
                              "the file is damaged (or not word2vec binary)")
        raw = win.buf[win.pos:win.pos + space].lstrip(b"\n")  # word2vec.c writes '\n' after each vector
        if not raw:
            raise FormatError(f"{path}: vector {i + 1} has an empty word: the header dimension {d} is wrong")
        if not win.fill(space + 1 + nbytes):
            raise FormatError(f"{path}: the file ends inside vector {i + 1} of {V}: it is truncated")
        start = win.pos + space + 1
        row = np.frombuffer(win.buf[start:start + nbytes], "<f4")
        if sized:
            vectors[i] = row
        else:
            rows.put(row)
        word = raw.decode("utf-8", unicode_errors)
        if index.setdefault(word, i) != i:
            raise FormatError(f"{path}: the word {word[:40]!r} appears twice (vectors {index[word] + 1} and {i + 1}): "
                              "remove the duplicate")
        words.append(word)
        win.pos = start + nbytes
    if n == V:
        win.fill(64)
        if win.buf[win.pos:win.pos + 64].strip():
            raise FormatError(f"{path}: data follows the {V} vectors the header announces: fix the header count")
    return _finish(path, words, vectors if sized else rows.matrix(), index)


_CHECK_ROWS = 1 << 16  # rows checked for NaN/infinity per step: no full-size boolean matrix


def _first_not_finite(vectors: np.ndarray) -> int:
    """The first row holding NaN or infinity, or -1, checked block by block (bounded extra memory)."""
    for start in range(0, len(vectors), _CHECK_ROWS):
        bad = ~np.isfinite(vectors[start:start + _CHECK_ROWS]).all(axis=1)
        if bad.any():
            return start + int(np.argmax(bad))
    return -1


def load_word2vec(path, binary: bool | None = None, limit: int | None = None, unicode_errors: str = "replace"):
    """Read word2vec text or binary vectors into an :class:`Embeddings` (binary when ``binary`` is True;
    when None, told from the content, whatever the name); ``limit`` keeps the first rows only. A file
    plainly of the other kind than a forced ``binary`` is refused rather than read as garbage.

    Words cut inside a UTF-8 character (word2vec.c truncates long words by bytes) are
    decoded with ``unicode_errors`` (``"replace"``: the broken bytes become U+FFFD).
    """
    if binary is not None:
        return (_read_binary if binary else _read_text_w2v)(path, limit, unicode_errors)
    with reading(path), Input(path) as src:
        fmt, _ = _sniff(src)
        if fmt == "kv":
            raise FormatError(f"{path} is a .kv vectors file, not word2vec: open it with KeyedVectors.load "
                              "(or load_vectors)")
        if fmt == "word2vec-binary":
            return _read_binary(path, limit, unicode_errors, src)
        return _read_text(path, True, limit, unicode_errors, src)


def _read_text_w2v(path, limit, unicode_errors):
    return _read_text(path, True, limit, unicode_errors)


def load_glove(path, limit: int | None = None, unicode_errors: str = "replace"):
    """Read GloVe text vectors (``word v1 ... vd`` lines, no header) into an :class:`Embeddings`."""
    return _read_text(path, False, limit, unicode_errors)
