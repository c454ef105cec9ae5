"""The memory-mapped vectors file (``.kv``, ``.wordvectors``): words and a raw float32 matrix that
opens without parsing or copying the matrix. One file, no pickle.

Layout (every integer little-endian)::

    offset 0     header (96 bytes), zero-padded to MATRIX_OFFSET
                 magic 8s | version u32 | flags u32 | V u64 | d u64 | matrix u64 | norms u64 |
                 counts u64 | order u64 | words u64 | words_bytes u64 | size u64 | words_crc32 u32 |
                 header_crc32 u32
    4096         the matrix: V × d float32, row-major (page-aligned: np.memmap maps it as it is)
    norms        V float64, ||v_i|| (what every search divides by; 64-byte aligned)
    counts       V int64 corpus counts, when flag bit 0 is set (64-byte aligned)
    order        V int64: the rows sorted by their words' UTF-8 bytes (a word is found by binary search)
    words        the V words in UTF-8, each followed by b"\\n"; the file ends there

Opening checks what is cheap, even for a 3.6 GB file: the magic, the version, the header's CRC-32,
that every offset follows from V and d and that the file's length is the one the header gives (a
truncated or extended file is refused), the CRC-32 of the order and the words and the V words in
them, the norms (finite, not negative), and a sample of rows against their stored norms. The words
are distinct (the writer refuses a repeated word, and the checksum says the block is the one it
wrote), so no dict of every word is built on opening: a word is looked up by binary search in the
sorted order, and the dict is built only if asked for (``key_to_index``). The matrix itself is not
read (a checksum of it would cost a full pass): a writer refuses NaN and infinity, and damage
inside the matrix that leaves its size alone is not detected.

``mmap='r'`` maps the matrix read-only (an ``np.memmap``; past the sampled rows checked on opening,
nothing of it is read until a query touches it),
``'c'`` copy-on-write (changes stay in memory), None reads it into memory (one copy, no parsing).
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

from ..base.errors import ConfigError, FormatError
from ..base.files import atomic_write
from ..base.inputs import open_regular
from .cosine import row_norms
from .embeddings import DISTINCT_WORDS, Embeddings
from .sniff import KV_MAGIC as MAGIC, is_kv  # noqa: F401  (is_kv re-exported)
from .writers import KV_SUFFIXES as SUFFIXES, _checked, _rows_f32  # noqa: F401  (the word2vec writers' checks)
VERSION = 1
_HEADER = struct.Struct("<8sIIQQQQQQQQQI")  # ... then the header's own CRC-32 (u32)
HEADER_BYTES = _HEADER.size + 4
MATRIX_OFFSET = 4096
_ALIGN = 64
_HAS_COUNTS = 1
_WRITE_BYTES = 1 << 24  # matrix bytes written per step
_SAMPLE = 64  # rows checked against their stored norms on opening
MMAP_MODES = (None, "r", "c")


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


_SECTIONS = ("matrix", "norms", "counts", "order", "words", "size")


def _layout(V: int, d: int, counts: bool, words_bytes: int) -> dict:
    norms = _aligned(MATRIX_OFFSET + 4 * V * d)
    count_at = _aligned(norms + 8 * V) if counts else 0
    order = _aligned((count_at + 8 * V) if counts else norms + 8 * V)
    words = _aligned(order + 8 * V)
    return {"matrix": MATRIX_OFFSET, "norms": norms, "counts": count_at, "order": order, "words": words,
            "size": words + words_bytes}


def save_kv(path, words, vectors, counts=None) -> None:
    """Write ``words`` and ``vectors`` (and int64 ``counts``, if given) as a ``.kv`` file, atomically
    (:func:`~w2v_scratch.base.files.atomic_write`); a NaN or infinite value is refused, naming the word."""
    words, vectors = _checked(words, vectors)
    _distinct(words)
    V, d = vectors.shape
    if counts is not None:
        counts = np.asarray(counts, dtype="<i8")
        if counts.shape != (V,):
            raise FormatError(f"{counts.size} counts for {V} words: give one count per word")
    try:
        encoded = [w.encode("utf-8") for w in words]
    except UnicodeEncodeError as exc:
        raise FormatError(f"a word holds {exc.object[exc.start:exc.end]!r}, which UTF-8 cannot encode (a lone "
                          "surrogate): fix the word") from None
    block = b"".join(w + b"\n" for w in encoded)
    order = np.array([i for _, i in sorted(zip(encoded, range(V)))], dtype="<i8").tobytes()
    del encoded
    at = _layout(V, d, counts is not None, len(block))
    fields = _HEADER.pack(MAGIC, VERSION, _HAS_COUNTS if counts is not None else 0, V, d,
                          *[at[k] for k in _SECTIONS[:-1]], len(block), at["size"],
                          zlib.crc32(block, zlib.crc32(order)))
    header = fields + struct.pack("<I", zlib.crc32(fields))
    norms = np.empty(V, "<f8")
    step = max(1, _WRITE_BYTES // (4 * d))
    with atomic_write(path, "wb") as f:
        f.write(header.ljust(MATRIX_OFFSET, b"\0"))
        for start in range(0, V, step):
            rows = _rows_f32(words, vectors, start, start + step)
            norms[start:start + len(rows)] = row_norms(rows)
            f.write(rows.tobytes())
        _pad_to(f, at["norms"])
        f.write(norms.tobytes())
        if counts is not None:
            _pad_to(f, at["counts"])
            f.write(counts.tobytes())
        _pad_to(f, at["order"])
        f.write(order)
        _pad_to(f, at["words"])
        f.write(block)


def _pad_to(f, offset: int) -> None:
    f.write(b"\0" * (offset - f.tell()))


def _read_header(path: str, f, size: int) -> tuple[int, int, bool, dict, int]:
    raw = f.read(HEADER_BYTES)
    if not is_kv(raw):
        raise FormatError(f"{path} is not a .kv vectors file (its first bytes are not w2v-scratch's .kv magic)")
    if len(raw) < HEADER_BYTES:
        raise FormatError(f"{path} is truncated: {size:,} bytes, less than a .kv header: write it again "
                          "(w2v-scratch convert IN OUT.kv)")
    magic, version, flags, V, d, *offsets, words_bytes, total, words_crc = _HEADER.unpack(raw[:_HEADER.size])
    if version != VERSION:
        raise FormatError(f"{path} is a .kv file of format version {version}, which this w2v-scratch does not read "
                          f"(it reads version {VERSION}): upgrade w2v-scratch, or write it again with this one")
    if struct.unpack("<I", raw[_HEADER.size:])[0] != zlib.crc32(raw[:_HEADER.size]):
        raise FormatError(f"{path}: the .kv header is damaged (its checksum does not match): write the file again")
    if V < 1 or d < 1:
        raise FormatError(f"{path}: the .kv header gives {V} vectors of dimension {d}: write the file again")
    at = _layout(V, d, bool(flags & _HAS_COUNTS), words_bytes)
    if [at[k] for k in _SECTIONS] != [*offsets, total]:
        raise FormatError(f"{path}: the .kv header's offsets do not follow from its {V:,} × {d} shape: "
                          "the file is damaged; write it again")
    if size != total:
        what = "truncated" if size < total else "longer than its header says (data appended?)"
        raise FormatError(f"{path} is {what}: {size:,} bytes where the .kv header announces {total:,} "
                          f"({V:,} vectors of dimension {d}): write it again (w2v-scratch convert IN OUT.kv)")
    return V, d, bool(flags & _HAS_COUNTS), at, words_crc


def _read_words(path: str, f, at: dict, V: int, crc: int) -> tuple[list[str], np.ndarray]:
    f.seek(at["order"])
    order = f.read(8 * V)
    f.seek(at["words"])
    block = f.read(at["size"] - at["words"])
    if zlib.crc32(block, zlib.crc32(order)) != crc:
        raise FormatError(f"{path}: the .kv file's words are damaged (their checksum does not match): "
                          "write the file again")
    try:
        words = block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise FormatError(f"{path}: the .kv file's words are not UTF-8: write the file again") from None
    if len(words) != V + 1 or words[-1]:
        raise FormatError(f"{path}: the .kv file holds {len(words) - 1:,} words where its header announces "
                          f"{V:,}: write the file again")
    words.pop()
    return words, np.frombuffer(order, "<i8")


def _distinct(words: list[str]) -> None:
    """Refuse a repeated word when writing: a file whose words block matches its checksum then holds
    distinct words, and opening it needs no dict of every word (built on first use instead)."""
    if len(set(words)) != len(words):
        seen: dict[str, int] = {}
        for i, w in enumerate(words):
            if seen.setdefault(w, i) != i:
                raise FormatError(f"the word {w[:40]!r} appears twice (rows {seen[w] + 1} and {i + 1}): "
                                  "remove the duplicate")


def _check_norms(path: str, norms: np.ndarray, vectors: np.ndarray, words: list[str]) -> None:
    """The stored norms are finite and not negative, and a sample of rows (the first, the last and
    some between) have the norms stored: a matrix shifted or overwritten with another is caught."""
    bad = ~(np.isfinite(norms) & (norms >= 0))
    if bad.any():
        raise FormatError(f"{path}: the stored norm of {words[int(np.argmax(bad))]!r} is {norms[bad][0]}: "
                          "the file is damaged; write it again")
    rows = np.unique(np.linspace(0, len(norms) - 1, _SAMPLE).astype(np.intp))
    with np.errstate(all="ignore"):
        actual = row_norms(np.asarray(vectors[rows], dtype=np.float64))
    off = ~np.isclose(actual, norms[rows], rtol=1e-5, atol=1e-30)
    if off.any():
        word = words[int(rows[np.argmax(off)])]
        raise FormatError(f"{path}: the vector of {word!r} does not match its stored norm: the matrix is damaged; "
                          "write the file again")


def load_kv(path, mmap: str | None = "r", limit: int | None = None):
    """Open a ``.kv`` file as an :class:`~w2v_scratch.vectors.embeddings.Embeddings` (``mmap``: see
    the module's docstring), the first ``limit`` words only when given (the
    other rows are never read)."""
    if mmap not in MMAP_MODES:
        raise ConfigError(f"mmap={mmap!r}: a .kv file opens with mmap='r' (read-only map), 'c' (copy-on-write) "
                          "or None (read into memory); w2v-scratch never writes into it")
    p = os.fspath(path)
    with open_regular(p, "vectors file") as f:  # a .kv file is mapped: a pipe or a device is refused
        size = os.fstat(f.fileno()).st_size
        V, d, has_counts, at, crc = _read_header(p, f, size)
        words, order = _read_words(p, f, at, V, crc)
        n = V if limit is None else max(0, min(V, int(limit)))
        if n < 1:
            raise ConfigError(f"limit={limit}: keep at least one word")
        all_words, words = words, (words if n == V else words[:n])
        f.seek(at["norms"])
        norms = np.frombuffer(f.read(8 * n), "<f8").astype(np.float64)
        counts = None
        if has_counts:
            f.seek(at["counts"])
            counts = np.frombuffer(f.read(8 * n), "<i8").astype(np.int64)
        if mmap is None:
            vectors = np.empty((n, d), np.float32)
            f.seek(at["matrix"])
            if f.readinto(memoryview(vectors).cast("B")) != vectors.nbytes:
                raise FormatError(f"{p} ended while its matrix was read: it is truncated; write it again")
        else:
            vectors = np.memmap(p, dtype="<f4", mode=mmap, offset=at["matrix"], shape=(n, d))
    _check_norms(p, norms, vectors, words)
    emb = Embeddings(words, vectors, counts=counts, index=DISTINCT_WORDS)
    norms.setflags(write=False)
    emb._norms = norms
    emb._lookup = SortedWords(all_words, order, n)
    return emb


class SortedWords:
    """Finding a word's row in a ``.kv`` file's words without a dict of every word: a binary search
    in the rows sorted by their words' UTF-8 bytes (about log2(V) comparisons). UTF-8 keeps the order
    of code points, so the words themselves (``str``) are compared; the row found is checked."""

    def __init__(self, words: list[str], order: np.ndarray, n: int) -> None:
        self.words, self.order, self.n = words, order, n

    def __call__(self, word: str) -> int:
        """The row of ``word`` among the first ``n``, or -1."""
        words, order = self.words, self.order
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if words[order[mid]] < word:
                lo = mid + 1
            else:
                hi = mid
        row = int(order[lo]) if lo < len(order) else -1
        return row if 0 <= row < self.n and words[row] == word else -1
