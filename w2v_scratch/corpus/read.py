"""Reading a corpus: text file → sentences of tokens → one int32 id array.

* The text file is read and checked by ``text_file.py`` (one sentence per line, long lines cut,
  compressed files decompressed, UTF-8 checked, binary data refused).
* The corpus is read once (:func:`load`), by the text kernel (``encode.py``, ``kernels/text.py``):
  tokens get provisional ids while the words are counted, then are renumbered by frequency, in place.
  So a pipe works (``--corpus /dev/stdin``), and memory is bounded: the peak is
  the encoded corpus (4 bytes a token) and the vocabulary, and an encoding that
  outgrows :func:`memory_budget` (an endless stream) stops with an error.
  :func:`iter_sentences` (``text_file.py``) reads the same sentences as Python strings.
* With gensim's ``max_vocab_size`` (:func:`count_pruned`) the file is read twice: counted first,
  holding only the words (about ``max_vocab_size`` of them, rare ones pruned as word2vec.c's
  ``ReduceVocab`` does), then encoded with the vocabulary chosen from those counts.
* ``--corpus-cache DIR`` (:func:`encode_memmap`, the files in ``cache.py``) keeps the ids in
  memory-mapped files named after the corpus file and vocabulary, written to temporary files
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

import contextlib
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from . import encode
from ..base.errors import InputError, VocabError
from .cache import (CACHE_VERSION, _cache_errors, _cache_folder, _cached_vocab, _Chunks,  # noqa: F401
                    _consistent, _entry, _FileOut, _identity, _key, _vocab_digest, _write_array, _write_json,
                    check_cache_dir)
from .text_file import (BOM, BUNDLED, MAX_BLANK_BYTES, MAX_SENTENCE_LENGTH, MAX_WORD_BYTES,  # noqa: F401
                        _Blank, _pieces, iter_sentences, open_binary, resolve)
from .vocab import Vocab

try:
    import resource
except ImportError:  # Windows
    resource = None

MEMORY_FRACTION = 0.5  # the in-memory encoding may use this share of the physical memory
_FLUSH_TOKENS = 1 << 18  # tokens encoded at a time (whole sentences)
_REPORT_SECONDS = 30.0  # how often a long read reports its progress
_WORD_BYTES = 100  # what a word costs once it is a str in the Vocab (the string, its list and dict entries)


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


def _read(path: str, max_sentence_length: int, chunks: _Chunks | None = None, report=None,
          vocab: Vocab | None = None, max_vocab_size: int | None = None) -> encode.Scan:
    """Read the corpus file once with the text kernel (:class:`encode.Encoder`): every token gets a
    word number (order of first appearance; given a ``vocab``, its id there, −1 outside it) and
    every word its count. The tokens stay in the encoder's buffers (memory), or, given ``chunks``
    (files in a cache folder), the finished sentences go there after each piece of the file.
    Memory is bounded: past :func:`memory_budget` the read stops with an error (a corpus larger
    than memory needs ``--corpus-cache``; an endless stream never ends). With ``max_vocab_size``
    the words are only counted (no token is kept), and pruned as they are (:func:`count_pruned`)."""
    enc = encode.Encoder(max_sentence_length, None if vocab is None else vocab.words, emit=max_vocab_size is None,
                         max_vocab_size=max_vocab_size)
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
                if enc.emit:
                    report(f"reading {path}: {enc.n_tokens:,} tokens{words} so far")
                else:
                    report(f"counting {path}: {enc.n_tokens:,} tokens, {_words(enc)} held, {enc.pruned_words:,} "
                           "pruned so far")
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


def _vocabulary(corpus, found: encode.Scan, min_count: int, max_vocab,
                max_final_vocab=None) -> tuple[Vocab, np.ndarray]:
    """The vocabulary of a :func:`_read` (the words counted ``min_count`` times — raised by
    ``max_final_vocab``, gensim's rule —, the ``max_vocab`` most frequent at most, most frequent
    first, ties in order of first appearance) and the table word number → id (−1: dropped)."""
    if found.n_words == 0:
        raise InputError(f"corpus {corpus} holds no words: give a non-empty text file")
    kept, counts = encode.vocabulary(found, min_count, max_vocab, max_final_vocab)
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
             vocab: Vocab | None = None, max_final_vocab: int | None = None) -> tuple[Vocab, Corpus]:
    """The vocabulary and the encoded corpus from a :func:`scan`: the words counted ``min_count``
    times (the ``max_vocab`` most frequent at most), renumbered by frequency — or, given a
    ``vocab``, that vocabulary's ids (its other words dropped). Sentences left empty are dropped.
    The ids go where the provisional ones were: memory, or (a cache folder) files there, mapped
    read-only and unlinked at once (never reused: the corpus is not a file with an identity)."""
    if vocab is None:
        vocab, kept = _build_vocab(name, words, counts, min_count, max_vocab, max_final_vocab)
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


def _build_vocab(path, words: list[str], counts: np.ndarray, min_count: int, max_vocab,
                 max_final_vocab=None) -> tuple[Vocab, np.ndarray]:
    if not words:
        raise InputError(f"corpus {path} holds no words: give a non-empty text file")
    return Vocab.select(words, counts, min_count, max_vocab, max_final_vocab)


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
    encoded = Corpus(*out.finish())
    if key is None:
        out.close()
        return encoded
    with _cache_errors(folder):
        for tmp, final in zip(out.paths, _entry(folder, key)):
            os.replace(tmp, final)
    out.paths = []
    return encoded


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
         vocab: Vocab | None = None, max_vocab_size: int | None = None,
         max_final_vocab: int | None = None) -> tuple[Vocab, Corpus]:
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

    ``max_final_vocab`` (gensim's) raises ``min_count`` until at most that many words are left
    (``vocab.final_min_count``); ``max_vocab`` keeps exactly the ``max_vocab`` most frequent.
    ``max_vocab_size`` (gensim's) bounds the words held while counting: the file is read twice,
    first counting with pruning (:func:`count_pruned`: the counts become approximate), then
    encoding with the vocabulary chosen from those counts.
    """
    path = resolve(corpus)
    if vocab is None and max_vocab_size is not None:
        vocab = count_pruned(corpus, max_vocab_size, min_count, max_vocab, max_final_vocab, max_sentence_length,
                             report)
    if vocab is not None:
        if cache_dir is None:
            return vocab, Corpus.encode(corpus, vocab, max_sentence_length, report)
        return vocab, encode_memmap(corpus, vocab, cache_dir, max_sentence_length, report)
    if cache_dir is None:
        found = _read(path, max_sentence_length, None, report)
        vocab, table = _vocabulary(corpus, found, min_count, max_vocab, max_final_vocab)
        return vocab, _in_memory(found, table, corpus)
    folder = _cache_folder(cache_dir)
    identity = _identity(path)
    vocab_name = None
    if identity is not None:
        final = () if max_final_vocab is None else (max_final_vocab,)  # the names of older entries stay
        vocab_name = _key(identity, min_count, max_vocab, max_sentence_length, *final) + ".vocab.json"
        vocab = _cached_vocab(folder, vocab_name, min_count)
        if vocab is not None:
            cached = _open_cached(folder, _key(identity, _vocab_digest(vocab.words), max_sentence_length), len(vocab))
            if cached is not None:
                return vocab, cached
    with _Chunks(folder) as chunks:
        found = _read(path, max_sentence_length, chunks, report)
        vocab, table = _vocabulary(corpus, found, min_count, max_vocab, max_final_vocab)
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


def count_pruned(corpus, max_vocab_size: int, min_count: int = 5, max_vocab: int | None = None,
                 max_final_vocab: int | None = None, max_sentence_length: int = MAX_SENTENCE_LENGTH,
                 report=None) -> Vocab:
    """The vocabulary of a corpus file counted with at most about ``max_vocab_size`` words held
    (gensim's ``max_vocab_size``, word2vec.c's ``ReduceVocab``): whenever a sentence ends with
    more words than that, every word counted fewer than ``min_reduce`` times is dropped, ``min_reduce``
    = 1, 2, 3... rising by one at each prune (gensim's ``prune_vocab``; word2vec.c's ``ReduceVocab``
    drops ``≤ min_reduce``), and a dropped
    word seen again counts from zero. So the counts are approximate — a word may lose occurrences,
    or be missing — and the vocabulary (``min_count``, ``max_final_vocab``, ``max_vocab`` applied
    to those counts) is what gensim would build. Only the words are held, never the tokens; the
    corpus is encoded in a second pass, so it must be a file, not a pipe."""
    path = resolve(corpus)
    if _identity(path) is None:
        raise InputError(f"corpus {corpus} is a pipe or device: max_vocab_size (--max-vocab-size) counts the corpus, "
                         "then reads it again to encode it; save it to a file first, or drop max_vocab_size")
    found = _read(path, max_sentence_length, None, report, max_vocab_size=max_vocab_size)
    if found.n_words == 0 and found.pruned_words:
        raise VocabError(f"max_vocab_size {max_vocab_size:,} pruned every word of corpus {corpus} (each was rarer than "
                         "the pruning threshold when it was dropped): raise max_vocab_size (--max-vocab-size)")
    return _vocabulary(corpus, found, min_count, max_vocab, max_final_vocab)[0]
