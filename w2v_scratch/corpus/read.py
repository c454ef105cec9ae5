"""Reading a corpus: text file → sentences of tokens → one int32 id array.

* One sentence per line, tokens split on whitespace.
* A line longer than ``max_sentence_length`` tokens (text8 is a single 100 MB
  line) is cut into consecutive pseudo-sentences of that length; nothing is
  dropped (gensim silently drops the tail of long texts).
* ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
* The file is read in fixed-size byte blocks, so memory stays bounded whatever
  the line length, and checked to be UTF-8 (a clear error otherwise); a leading
  byte-order mark is dropped. NUL bytes (binary data, ``/dev/zero``), a 'word'
  of 64 MB, or 64 MB of blank space are refused.
* The corpus is read once (:func:`load`), by the text kernel (``encode.py``,
  ``kernels/text.py``: about 25M tokens/s on one core): tokens get provisional
  ids while the words are counted, then are renumbered by frequency, in place.
  So a pipe works (``--corpus /dev/stdin``), and memory is bounded: the peak is
  the encoded corpus (4 bytes a token) and the vocabulary, and an encoding that
  outgrows :func:`memory_budget` (an endless stream) stops with an error.
  :func:`iter_sentences` reads the same sentences as Python strings.
* ``--corpus-cache DIR`` (:func:`encode_memmap`) keeps the ids in memory-mapped
  files named after the corpus file and vocabulary, written to temporary files
  and renamed into place: runs sharing DIR never rewrite a file another has
  mapped, and a complete entry is reused.

Python data (a list of token lists, a generator...) goes through the same :func:`scan` and
:func:`renumber` (``sentences.py`` checks and cuts its sentences), so it gives the same vocabulary
and ids as the file with one sentence per line.

An encoded corpus is two NumPy arrays, never a list of Python strings:
``ids`` (int32, every in-vocabulary token in order) and ``offsets`` (int64,
sentence ``s`` is ``ids[offsets[s]:offsets[s+1]]``).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import json
import lzma
import os
import select
import stat
import tempfile
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Iterator

import numpy as np

from . import encode
from ..base import terminate
from ..base.errors import ConfigError, InputError, W2VError
from ..base.files import file_signature
from .vocab import Vocab

try:
    import resource
except ImportError:  # Windows
    resource = None

BUNDLED = {"ptb": "ptb.train.txt.gz"}
MAX_SENTENCE_LENGTH = 10_000
_BLOCK = 1 << 20  # bytes read at a time
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark (Windows editors write one): dropped at the start
MAX_WORD_BYTES = 64 << 20  # a 'word' longer than this is not text
MAX_BLANK_BYTES = 64 << 20  # ... nor is this much whitespace without a word (an endless blank stream)
MEMORY_FRACTION = 0.5  # the in-memory encoding may use this share of the physical memory
_FLUSH_TOKENS = 1 << 18  # tokens encoded at a time (whole sentences)
_REPORT_SECONDS = 30.0  # how often a long read reports its progress
_WORD_BYTES = 100  # what a word costs once it is a str in the Vocab (the string, its list and dict entries)
CACHE_VERSION = 1  # of the --corpus-cache files


def resolve(corpus: str | os.PathLike) -> str:
    """A bundled corpus name (``ptb``) → its path inside the package; a path → itself."""
    name = str(corpus)
    if name in BUNDLED:
        return str(resources.files("w2v_scratch") / "data" / BUNDLED[name])
    return name


def open_binary(path: str | os.PathLike):
    """Open a plain or compressed file for reading bytes, with one-line errors."""
    path = str(path)
    if os.path.isdir(path):
        raise InputError(f"corpus {path} is a directory: give a text file")
    if not os.path.exists(path):
        raise InputError(f"corpus file {path} does not exist: check the path, or use --corpus ptb")
    try:
        if path.endswith(".gz"):
            return gzip.open(path, "rb")
        if path.endswith(".bz2"):
            return bz2.open(path, "rb")
        if path.endswith(".xz"):
            return lzma.open(path, "rb")
        if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe or device: unbuffered, read as data comes
            return open(path, "rb", buffering=0)
        return open(path, "rb")
    except PermissionError:
        raise InputError(f"corpus file {path} is not readable: check its permissions") from None


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
        stream = isinstance(f, io.FileIO)  # a pipe or device (open_binary): never block out of Python's reach
        while True:
            terminate.check()  # a SIGTERM whose exception other code swallowed: stop before blocking on a pipe
            try:
                if stream:
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
    path = resolve(corpus)
    current: list[str] = []  # tokens of the line being read, not yet yielded
    blank = _Blank(path)
    for piece, last_piece in _pieces(path):
        lines = piece.decode("utf-8").split("\n")
        saw_word = False
        for i, line in enumerate(lines):
            words = line.split()
            saw_word = saw_word or bool(words)
            current.extend(words)
            while len(current) >= max_sentence_length:
                yield current[:max_sentence_length]
                current = current[max_sentence_length:]
            if i < len(lines) - 1 and current:
                yield current
                current = []
        if not last_piece:
            blank.add(piece, saw_word)
    while current:
        yield current[:max_sentence_length]
        current = current[max_sentence_length:]


@dataclass
class Corpus:
    """An encoded corpus: ``ids`` (int32) and sentence ``offsets`` (int64, length n+1)."""

    ids: np.ndarray
    offsets: np.ndarray

    @property
    def n_sentences(self) -> int:
        return len(self.offsets) - 1

    def __len__(self) -> int:
        return len(self.ids)

    def sentences(self) -> Iterator[np.ndarray]:
        for s in range(self.n_sentences):
            yield self.ids[self.offsets[s] : self.offsets[s + 1]]

    @classmethod
    def encode(cls, corpus: str | os.PathLike, vocab: Vocab, max_sentence_length: int = MAX_SENTENCE_LENGTH,
               report=None) -> "Corpus":
        """Encode a corpus file with ``vocab`` in one pass (a pipe works): out-of-vocabulary tokens
        are dropped, and sentences left empty are dropped too."""
        found = _read(resolve(corpus), max_sentence_length, None, report, vocab)
        return _in_memory(found, _frozen_table(len(vocab)), corpus)


# -- one pass: count and encode with provisional ids, then renumber ------------------------------------------
def memory_budget() -> int:
    """Bytes the encoding may hold in memory: ``MEMORY_FRACTION`` of the memory this process may
    use — the physical memory, or less under a container's (cgroup) limit or ``ulimit -v``/``-d``."""
    limits = []
    try:
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        pass
    for name in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            with open(name) as f:
                limits.append(int(f.read().strip()))  # "max" (no limit) is a ValueError
    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")  # the address space already taken
        for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
            soft = resource.getrlimit(which)[0]
            if soft != resource.RLIM_INFINITY:
                limits.append(max(soft - used, 0))
    except (OSError, ValueError, AttributeError):  # no /proc (not Linux), no resource (Windows)
        pass
    return int(min(limits or [1 << 40]) * MEMORY_FRACTION)


def _write_array(f, array: np.ndarray) -> None:
    """Append ``array``'s bytes to the open file ``f`` (one place, so a full disk can be simulated)."""
    f.write(memoryview(np.ascontiguousarray(array)).cast("B"))


class _Chunks:
    """The provisional encoding: sentence-aligned chunks of int32 ids and their sentence lengths,
    kept in memory, or (``folder``) appended to hidden temporary files there, deleted on close."""

    def __init__(self, folder=None) -> None:
        self.folder = folder
        self.sizes: list[tuple[int, int]] = []  # (tokens, sentences) of each chunk
        self.memory: list = []
        self.paths: list[str] = []
        self.files: list = []
        if folder is not None:
            _open_temps(self, folder, (".ids.tmp", ".lengths.tmp"))

    @property
    def in_memory(self) -> bool:
        return self.folder is None

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        self.sizes.append((len(ids), len(lengths)))
        if self.in_memory:
            self.memory.append((ids, lengths))
            return
        with _cache_errors(self.folder):
            _write_array(self.files[0], ids)
            _write_array(self.files[1], lengths)

    def __iter__(self):
        """The chunks in order (each in-memory chunk is released once handed over)."""
        if self.in_memory:
            for k in range(len(self.memory)):
                chunk, self.memory[k] = self.memory[k], None
                yield chunk
            return
        with _cache_errors(self.folder):
            for f in self.files:
                f.close()
            with open(self.paths[0], "rb") as f_ids, open(self.paths[1], "rb") as f_len:
                for n_tokens, n_sentences in self.sizes:
                    ids = np.fromfile(f_ids, np.int32, n_tokens)
                    lengths = np.fromfile(f_len, np.int64, n_sentences)
                    if len(ids) != n_tokens or len(lengths) != n_sentences:
                        raise InputError(f"the corpus cache in {self.folder} changed while it was written: "
                                         "run again, with a --corpus-cache folder of its own")
                    yield ids, lengths

    def __enter__(self) -> "_Chunks":
        return self

    def __exit__(self, *exc) -> None:
        _discard_temps(self)


def _read(path: str, max_sentence_length: int, chunks: _Chunks | None = None, report=None,
          vocab: Vocab | None = None) -> encode.Scan:
    """Read the corpus file once with the text kernel (:class:`encode.Encoder`): every token gets a
    word number (order of first appearance; given a ``vocab``, its id there, −1 outside it) and
    every word its count. The tokens stay in the encoder's buffers (memory), or, given ``chunks``
    (files in a cache folder), the finished sentences go there after each piece of the file.
    Memory is bounded: past :func:`memory_budget` the read stops with an error (a corpus larger
    than memory needs ``--corpus-cache``; an endless stream never ends)."""
    enc = encode.Encoder(max_sentence_length, None if vocab is None else vocab.words)
    budget = memory_budget()
    blank = _Blank(path)
    last_report = time.monotonic()
    try:
        for piece, last_piece in _pieces(path):
            before = enc.n_tokens
            enc.feed(piece)
            if not last_piece:
                blank.add(piece, enc.n_tokens > before)
            if chunks is not None:
                _spill(enc, chunks)
            _check_memory(enc, budget, path, chunks is None)
            if report is not None and time.monotonic() - last_report >= _REPORT_SECONDS:
                words = "" if enc.frozen else f", {_words(enc)}"
                report(f"reading {path}: {enc.n_tokens:,} tokens{words} so far")
                last_report = time.monotonic()
        enc.close()
        if chunks is not None:
            _spill(enc, chunks)
        return enc.finish()
    except MemoryError:
        raise InputError(f"corpus {path} does not fit in memory: the memory ran out after {enc.n_tokens:,} tokens "
                         f"and {_words(enc)}; use --corpus-cache DIR, or a smaller corpus") from None


def _words(enc: encode.Encoder) -> str:
    """How messages count the words: those seen so far, or those of the given vocabulary."""
    return f"{enc.n_words:,} words in the given vocabulary" if enc.frozen else f"{enc.n_words:,} distinct words"


def _spill(enc: encode.Encoder, chunks: _Chunks) -> None:
    ids, lengths = enc.spill()
    if len(lengths):
        chunks.add(ids, lengths)


def _check_memory(enc: encode.Encoder, budget: int, name: str, in_memory: bool) -> None:
    """Stop the read, with one line, once what it holds (the encoder's arrays, the words as they
    will be held in Python) passes ``budget``."""
    if enc.nbytes + _WORD_BYTES * enc.n_words <= budget:
        return
    what, fix = (("its encoding", "give a finite corpus, or keep the encoding on disk with --corpus-cache DIR")
                 if in_memory else ("its vocabulary", "give a finite corpus"))
    raise InputError(
        f"corpus {name} does not fit in memory: after {enc.n_tokens:,} tokens ({_words(enc)}) "
        f"{what} passed {budget / 2**30:.1f} GB, {MEMORY_FRACTION:.0%} of the memory this process may use "
        f"(is it an endless stream?): {fix}")


def _vocabulary(corpus, found: encode.Scan, min_count: int, max_vocab) -> tuple[Vocab, np.ndarray]:
    """The vocabulary of a :func:`_read` (the words counted ``min_count`` times, the ``max_vocab``
    most frequent at most, most frequent first, ties in order of first appearance) and the table
    word number → id (−1: dropped)."""
    if found.n_words == 0:
        raise InputError(f"corpus {corpus} holds no words: give a non-empty text file")
    kept, counts = encode.vocabulary(found, min_count, max_vocab)
    if not len(kept):
        Vocab.select([], counts, min_count)  # raises its one-line VocabError: no word is that frequent
    return Vocab(found.words(kept), counts), _select_table(found.n_words, kept)


def _frozen_table(n_words: int) -> np.ndarray:
    """The table of a :func:`_read` with a vocabulary of ``n_words``: ids stay, and −1 (outside the
    vocabulary) stays −1 — the last entry, where index −1 reads."""
    return np.append(np.arange(n_words, dtype=np.int32), np.int32(-1))


def _in_memory(found: encode.Scan, table: np.ndarray, corpus) -> Corpus:
    """The corpus of an in-memory :func:`_read`, renumbered in place with ``table``: ids mapped to
    −1 dropped, and the sentences left empty."""
    ids, offsets = encode.encode(found, table)
    if len(ids) == 0:
        raise InputError(f"corpus {corpus} has no word of the vocabulary")
    return Corpus(ids, offsets)


def scan(sentences, name: str, chunks: _Chunks, report=None) -> tuple[list[str], np.ndarray]:
    """Read ``sentences`` (token lists from Python data, already cut to the maximum sentence
    length: ``sentences.py``; a file goes through :func:`_read`) once: every token gets a
    provisional id (order of first appearance), the ids go to ``chunks``, and the words and their
    counts come back; ``name`` names the corpus in messages. Memory is bounded: past
    :func:`memory_budget` the read stops with an error (a corpus larger than memory needs
    ``--corpus-cache``; an endless stream never ends)."""
    index: defaultdict = defaultdict()
    index.default_factory = index.__len__  # a new word gets the next id
    lookup = index.__getitem__
    counts = np.zeros(1 << 10, np.int64)
    flat: list[str] = []
    lengths: list[int] = []
    n_tokens = n_sentences = 0
    budget = memory_budget()
    last_report = time.monotonic()

    def flush() -> None:
        nonlocal counts, n_tokens, n_sentences, last_report
        ids = np.fromiter(map(lookup, flat), np.int32, len(flat))
        chunks.add(ids, np.asarray(lengths, np.int64))
        n_tokens += len(flat)
        n_sentences += len(lengths)
        found = np.bincount(ids)
        if len(found) > len(counts):
            counts = np.concatenate([counts, np.zeros(max(len(found), 2 * len(counts)) - len(counts), np.int64)])
        counts[: len(found)] += found
        flat.clear()
        lengths.clear()
        held = len(index) * 160 + counts.nbytes  # the words and their counts ...
        if chunks.in_memory:
            held += 8 * n_tokens + 16 * n_sentences  # ... and the ids, twice while they are renumbered
        if held > budget:
            what, fix = (("its encoding", "give a finite corpus, or keep the encoding on disk with --corpus-cache DIR")
                         if chunks.in_memory else ("its vocabulary", "give a finite corpus"))
            raise InputError(
                f"corpus {name} does not fit in memory: after {n_tokens:,} tokens ({len(index):,} distinct words) "
                f"{what} passed {budget / 2**30:.1f} GB, {MEMORY_FRACTION:.0%} of the memory this process may use "
                f"(is it an endless stream?): {fix}")
        if report is not None and time.monotonic() - last_report >= _REPORT_SECONDS:
            report(f"reading {name}: {n_tokens:,} tokens, {len(index):,} distinct words so far")
            last_report = time.monotonic()

    try:
        for sentence in sentences:
            flat.extend(sentence)
            lengths.append(len(sentence))
            if len(flat) >= _FLUSH_TOKENS:
                flush()
        if flat:
            flush()
        return list(index), counts[: len(index)]
    except MemoryError:
        flat.clear()
        raise InputError(f"corpus {name} does not fit in memory: the memory ran out after {n_tokens:,} tokens "
                         f"and {len(index):,} distinct words; use --corpus-cache DIR, or a smaller corpus") from None


def provisional(cache_dir=None) -> _Chunks:
    """Where :func:`scan` puts the provisional ids: memory, or hidden temporary files in
    ``cache_dir`` (created if missing; deleted when the store is closed)."""
    return _Chunks(None if cache_dir is None else _cache_folder(cache_dir))


def renumber(chunks: _Chunks, words: list[str], counts: np.ndarray, name, min_count: int, max_vocab,
             vocab: Vocab | None = None) -> tuple[Vocab, Corpus]:
    """The vocabulary and the encoded corpus from a :func:`scan`: the words counted ``min_count``
    times (the ``max_vocab`` most frequent at most), renumbered by frequency — or, given a
    ``vocab``, that vocabulary's ids (its other words dropped). Sentences left empty are dropped.
    The ids go where the provisional ones were: memory, or (a cache folder) files there, mapped
    read-only and unlinked at once (never reused: the corpus is not a file with an identity)."""
    if vocab is None:
        vocab, kept = _build_vocab(name, words, counts, min_count, max_vocab)
        table = _select_table(len(words), kept)
    else:
        table = _vocab_table(words, vocab)
    if chunks.in_memory:
        out = _MemoryOut()
        _remap(chunks, table, out, name)
        return vocab, out.finish()
    out = _FileOut(chunks.folder)
    try:
        _remap(chunks, table, out, name)
        return vocab, _publish(out, chunks.folder, None)
    finally:
        out.close()


def _vocab_table(words: list[str], vocab: Vocab) -> np.ndarray:
    """Provisional id → id in ``vocab`` (-1: not in it)."""
    get = vocab.index.get
    return np.fromiter((get(w, -1) for w in words), np.int32, len(words))


def _select_table(n_words: int, kept: np.ndarray) -> np.ndarray:
    """Provisional id → final id, for the provisional ids ``kept`` in their final order (-1: dropped)."""
    table = np.full(n_words, -1, np.int32)
    table[kept] = np.arange(len(kept), dtype=np.int32)
    return table


class _MemoryOut:
    """Where the renumbered corpus goes: in memory."""

    def __init__(self) -> None:
        self.ids: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []
        self.n_tokens = 0

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        self.ids.append(ids)
        self.lengths.append(lengths)
        self.n_tokens += len(ids)

    def finish(self) -> Corpus:
        lengths = np.concatenate(self.lengths)
        offsets = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.concatenate(self.ids).astype(np.int32, copy=False)
        self.ids = self.lengths = []
        return Corpus(ids, offsets)


class _FileOut:
    """Where the renumbered corpus goes: two hidden temporary files in the cache folder, mapped
    read-only once complete (:meth:`finish`); deleted on close unless :func:`_publish` renamed them."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.paths, self.files = [], []
        self.n_tokens = 0
        _open_temps(self, folder, (".ids.tmp", ".offsets.tmp"))
        try:
            with _cache_errors(folder):
                _write_array(self.files[1], np.zeros(1, np.int64))
        except BaseException:
            self.close()
            raise

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        offsets = self.n_tokens + np.cumsum(lengths, dtype=np.int64)
        with _cache_errors(self.folder):
            _write_array(self.files[0], ids.astype(np.int32, copy=False))
            _write_array(self.files[1], offsets)
        self.n_tokens += len(ids)

    def finish(self) -> Corpus:
        with _cache_errors(self.folder):
            for f in self.files:
                f.flush()
                os.fsync(f.fileno())
                f.close()
            return Corpus(np.memmap(self.paths[0], np.int32, "r"), np.memmap(self.paths[1], np.int64, "r"))

    def close(self) -> None:
        _discard_temps(self)


def _discard_temps(holder) -> None:
    """Close ``holder.files`` and delete ``holder.paths`` (the temporary files of :func:`_open_temps`)."""
    for f in holder.files:
        with contextlib.suppress(OSError):
            f.close()
    for tmp in holder.paths:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _remap(chunks: _Chunks, table: np.ndarray, out, corpus) -> None:
    """Renumber the provisional ids with ``table``, dropping ids mapped to -1 and the sentences
    left empty, into ``out``."""
    for ids, lengths in chunks:
        new = table[ids]
        keep = new >= 0
        if keep.all():
            out.add(new, lengths)
            continue
        starts = np.zeros(len(lengths), np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        kept = np.add.reduceat(keep.astype(np.int64), starts) if len(lengths) else np.zeros(0, np.int64)
        out.add(new[keep], kept[kept > 0])
    if out.n_tokens == 0:
        raise InputError(f"corpus {corpus} has no word of the vocabulary")


def _build_vocab(path, words: list[str], counts: np.ndarray, min_count: int, max_vocab) -> tuple[Vocab, np.ndarray]:
    if not words:
        raise InputError(f"corpus {path} holds no words: give a non-empty text file")
    return Vocab.select(words, counts, min_count, max_vocab)


# -- the corpus cache: content-addressed, written once, never rewritten -------------------------------------
def check_cache_dir(folder) -> None:
    """Fail now, with one line, if ``folder`` could not hold the corpus cache (it is created if missing)."""
    p = os.fspath(folder)
    if not p.strip():
        raise ConfigError("the --corpus-cache path is empty: give a folder")
    if os.path.exists(p) and not os.path.isdir(p):
        raise InputError(f"--corpus-cache {p} is a file, not a folder: give a folder (it is created if missing)")
    existing = os.path.abspath(p)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InputError(f"--corpus-cache {p} cannot be created: {existing} is a file; give another folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--corpus-cache {p} is not writable ({existing} is read-only): choose another folder")


@contextlib.contextmanager
def _cache_errors(folder):
    """An OSError while writing the cache (a full disk, a lost permission) → one line."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write the corpus cache in {folder}: {exc.strerror or exc}: "
                         "free some space, or choose another --corpus-cache") from None


def _mkstemp(folder, suffix: str) -> tuple[int, str]:
    with _cache_errors(folder):
        fd, tmp = tempfile.mkstemp(prefix=".corpus-cache.", suffix=suffix, dir=folder)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # what open() would give, not mkstemp's 0600
        return fd, tmp


def _open_temps(owner, folder, suffixes) -> None:
    """Create one hidden temporary file per suffix in ``folder``: ``owner.paths``/``owner.files``
    (all removed again if one cannot be made)."""
    try:
        for suffix in suffixes:
            fd, tmp = _mkstemp(folder, suffix)
            owner.paths.append(tmp)
            owner.files.append(os.fdopen(fd, "wb"))
    except BaseException:
        for f in owner.files:
            f.close()
        for tmp in owner.paths:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _cache_folder(folder) -> str:
    check_cache_dir(folder)
    folder = os.fspath(folder)
    with _cache_errors(folder):
        os.makedirs(folder, exist_ok=True)
    return folder


def _identity(path: str):
    """What names a regular corpus file's cache: its real path, inode, size and modification time.
    None for a pipe or device (its cache is never reused)."""
    signature = file_signature(path)
    return None if signature is None else [os.path.realpath(path), *signature]


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps([CACHE_VERSION, *parts]).encode()).hexdigest()[:32]


def _vocab_digest(words) -> str:
    return hashlib.sha256(json.dumps(list(words)).encode()).hexdigest()


def _entry(folder: str, key: str) -> tuple[str, str]:
    return os.path.join(folder, f"{key}.ids.int32"), os.path.join(folder, f"{key}.offsets.int64")


def _consistent(ids: np.ndarray, offsets: np.ndarray, n_words: int) -> bool:
    """Whether a cache entry is whole: offsets from 0 rising to the ids' length, ids in the vocabulary."""
    if len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != len(ids) or len(ids) == 0:
        return False
    step = 1 << 22
    for a in range(0, len(offsets) - 1, step):
        if not (np.diff(offsets[a : a + step + 1]) > 0).all():
            return False
    for a in range(0, len(ids), step):
        part = ids[a : a + step]
        if part.min() < 0 or part.max() >= n_words:
            return False
    return True


def _open_cached(folder: str, key: str, n_words: int) -> Corpus | None:
    """The complete cache entry ``key``, mapped read-only, or None."""
    ids_path, off_path = _entry(folder, key)
    try:
        ids = np.memmap(ids_path, np.int32, "r")
        offsets = np.memmap(off_path, np.int64, "r")
    except (OSError, ValueError):  # missing, empty, or not a whole number of values
        return None
    return Corpus(ids, offsets) if _consistent(ids, offsets, n_words) else None


def _publish(out: _FileOut, folder: str, key: str | None) -> Corpus:
    """Map the finished temporary files, then rename them to the entry ``key``. A file another run
    has mapped is never written again: a rename replaces only the name, and the entry's content is
    the same whoever writes it. Without a key (a pipe) the files are unlinked once mapped."""
    encoded = out.finish()
    if key is None:
        out.close()
        return encoded
    with _cache_errors(folder):
        for tmp, final in zip(out.paths, _entry(folder, key)):
            os.replace(tmp, final)
    out.paths = []
    return encoded


def _write_json(folder: str, name: str, value) -> None:
    fd, tmp = _mkstemp(folder, ".json.tmp")
    try:
        with _cache_errors(folder), os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(value))  # one call of the C encoder (json.dump streams in Python: 10x slower)
        os.replace(tmp, os.path.join(folder, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _cached_vocab(folder: str, name: str, min_count: int):
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            value = json.load(f)
        words, counts = value["words"], value["counts"]
        if not (isinstance(words, list) and isinstance(counts, list) and words and len(words) == len(counts)
                and all(isinstance(w, str) and w for w in words)
                and all(isinstance(c, int) and c >= min_count for c in counts)
                and all(a >= b for a, b in zip(counts, counts[1:]))):
            return None
        return Vocab(words, counts)
    except (OSError, ValueError, KeyError, TypeError, W2VError):
        return None


def encode_memmap(corpus, vocab, folder, max_sentence_length: int = MAX_SENTENCE_LENGTH, report=None) -> Corpus:
    """Encode a corpus file with ``vocab`` straight to disk, returned as a :class:`Corpus` of
    read-only ``np.memmap`` arrays: the files ``folder/KEY.ids.int32`` and ``KEY.offsets.int64``.

    KEY names the corpus file (path, inode, size, modification time), the vocabulary and the
    sentence length, so a complete entry is reused as is, and runs sharing the folder never
    write a file another has mapped: entries are written to hidden temporary files and renamed
    into place. A pipe's encoding is never reused (its files are unlinked once mapped). Memory
    stays bounded whatever the corpus size; the kernels read the maps directly, so a corpus
    larger than memory streams from disk (the OS page cache keeps what fits). Out-of-vocabulary
    tokens and empty sentences are dropped, as in :meth:`Corpus.encode`.
    """
    path = resolve(corpus)
    folder = _cache_folder(folder)
    identity = _identity(path)
    key = None if identity is None else _key(identity, _vocab_digest(vocab.words), max_sentence_length)
    if key is not None:
        cached = _open_cached(folder, key, len(vocab))
        if cached is not None:
            return cached
    with _Chunks(folder) as chunks:
        _read(path, max_sentence_length, chunks, report, vocab)
        out = _FileOut(folder)
        try:
            _remap(chunks, _frozen_table(len(vocab)), out, corpus)
            return _publish(out, folder, key if _identity(path) == identity else None)
        finally:
            out.close()


def load(corpus: str | os.PathLike, min_count: int = 5, max_vocab: int | None = None,
         max_sentence_length: int = MAX_SENTENCE_LENGTH, cache_dir=None, report=None,
         vocab: Vocab | None = None) -> tuple[Vocab, Corpus]:
    """Read a corpus once: the vocabulary and the encoded corpus. Every token is encoded with a
    provisional id (order of first appearance) while the words are counted; the ids are then
    renumbered by frequency and the words under ``min_count`` dropped. So a corpus read from a
    pipe (``/dev/stdin``, a FIFO) works, and memory stays bounded (:func:`memory_budget`).

    With ``cache_dir`` the encoded ids go to memory-mapped files there (:func:`encode_memmap`)
    instead of memory, for corpora larger than memory; the vocabulary is kept beside them, so a
    second run on the same corpus file with the same options reads nothing.

    Given a ``vocab`` (``--read-vocab``), the corpus's own counts are not used: it is encoded with
    that vocabulary (:meth:`Corpus.encode`, or :func:`encode_memmap` with ``cache_dir``), its
    other words dropped.
    """
    path = resolve(corpus)
    if vocab is not None:
        if cache_dir is None:
            return vocab, Corpus.encode(corpus, vocab, max_sentence_length, report)
        return vocab, encode_memmap(corpus, vocab, cache_dir, max_sentence_length, report)
    if cache_dir is None:
        found = _read(path, max_sentence_length, None, report)
        vocab, table = _vocabulary(corpus, found, min_count, max_vocab)
        return vocab, _in_memory(found, table, corpus)
    folder = _cache_folder(cache_dir)
    identity = _identity(path)
    vocab_name = None
    if identity is not None:
        vocab_name = _key(identity, min_count, max_vocab, max_sentence_length) + ".vocab.json"
        vocab = _cached_vocab(folder, vocab_name, min_count)
        if vocab is not None:
            cached = _open_cached(folder, _key(identity, _vocab_digest(vocab.words), max_sentence_length), len(vocab))
            if cached is not None:
                return vocab, cached
    with _Chunks(folder) as chunks:
        found = _read(path, max_sentence_length, chunks, report)
        vocab, table = _vocabulary(corpus, found, min_count, max_vocab)
        unchanged = identity is not None and _identity(path) == identity
        key = _key(identity, _vocab_digest(vocab.words), max_sentence_length) if unchanged else None
        encoded = None if key is None else _open_cached(folder, key, len(vocab))  # another run wrote it
        if encoded is None:
            out = _FileOut(folder)
            try:
                _remap(chunks, table, out, corpus)
                encoded = _publish(out, folder, key)
            finally:
                out.close()
    if key is not None:
        _write_json(folder, vocab_name, {"words": vocab.words, "counts": vocab.counts.tolist()})
    return vocab, encoded
