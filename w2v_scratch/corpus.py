"""Reading a corpus: text file → sentences of tokens → one int32 id array.

* One sentence per line, tokens split on whitespace.
* A line longer than ``max_sentence_length`` tokens (text8 is a single 100 MB
  line) is cut into consecutive pseudo-sentences of that length; nothing is
  dropped (gensim silently drops the tail of long texts).
* ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
* The file is read in fixed-size byte blocks, so memory stays bounded whatever
  the line length, and decoded as UTF-8 (a clear error otherwise).

An encoded corpus is two NumPy arrays, never a list of Python strings:
``ids`` (int32, every in-vocabulary token in order) and ``offsets`` (int64,
sentence ``s`` is ``ids[offsets[s]:offsets[s+1]]``).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from dataclasses import dataclass
from importlib import resources
from typing import Iterator

import numpy as np

from .errors import InputError
from .vocab import Vocab

BUNDLED = {"ptb": "ptb.train.txt.gz"}
MAX_SENTENCE_LENGTH = 10_000
_BLOCK = 1 << 20  # bytes read at a time


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
        return open(path, "rb")
    except PermissionError:
        raise InputError(f"corpus file {path} is not readable: check its permissions") from None


def _blocks(path: str) -> Iterator[bytes]:
    with open_binary(path) as f:
        while True:
            try:
                block = f.read(_BLOCK)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise InputError(
                    f"corpus file {path} is corrupt or truncated ({exc}): get a fresh copy, or decompress it to check"
                ) from None
            if not block:
                return
            if b"\x00" in block:
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


def iter_sentences(corpus: str | os.PathLike, max_sentence_length: int = MAX_SENTENCE_LENGTH) -> Iterator[list[str]]:
    """Yield the sentences of a corpus file as lists of tokens (empty lines skipped)."""
    path = resolve(corpus)
    current: list[str] = []  # tokens of the line being read, not yet yielded
    tail = b""  # bytes after the last whitespace of the previous block (a partial token)
    for block in _blocks(path):
        block = tail + block
        # Cut at the last whitespace byte: whitespace is ASCII, so this never splits a UTF-8 character.
        cut = max(block.rfind(b" "), block.rfind(b"\n"), block.rfind(b"\t"), block.rfind(b"\r"))
        if cut < 0:
            tail = block
            if len(tail) > 64 * _BLOCK:
                raise InputError(f"corpus file {path} has a 'word' longer than 64 MB: is it text?")
            continue
        text, tail = _decode(block[: cut + 1], path), block[cut + 1 :]
        lines = text.split("\n")
        for i, line in enumerate(lines):
            current.extend(line.split())
            last = i == len(lines) - 1
            while len(current) >= max_sentence_length:
                yield current[:max_sentence_length]
                current = current[max_sentence_length:]
            if not last and current:
                yield current
                current = []
    current.extend(_decode(tail, path).split())
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
    def encode(cls, corpus: str | os.PathLike, vocab: Vocab, max_sentence_length: int = MAX_SENTENCE_LENGTH) -> "Corpus":
        """Encode a corpus file with ``vocab``: out-of-vocabulary tokens are dropped, and
        sentences left empty are dropped too. Ids are collected in int32 chunks."""
        chunks: list[np.ndarray] = []
        lengths: list[int] = []
        for sentence in iter_sentences(corpus, max_sentence_length):
            ids = vocab.encode(sentence)
            if len(ids):
                chunks.append(ids)
                lengths.append(len(ids))
        if not chunks:
            raise InputError(f"corpus {corpus} has no word of the vocabulary")
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.concatenate(chunks).astype(np.int32, copy=False), offsets)


def encode_memmap(corpus, vocab, folder, max_sentence_length: int = 10_000) -> Corpus:
    """Encode a corpus file with ``vocab`` straight to disk: ``folder/ids.int32`` and
    ``folder/offsets.int64``, returned as a :class:`Corpus` of read-only ``np.memmap`` arrays.

    Memory stays bounded whatever the corpus size (ids are appended in blocks); the kernels read
    the memmaps directly, so a corpus larger than memory streams from disk (the OS page cache
    keeps what fits). Out-of-vocabulary tokens and empty sentences are dropped, as in
    :meth:`Corpus.encode`.
    """
    os.makedirs(folder, exist_ok=True)
    ids_path = os.path.join(folder, "ids.int32")
    off_path = os.path.join(folder, "offsets.int64")
    n_tokens = 0
    offsets = [0]
    with open(ids_path, "wb") as f_ids, open(off_path, "wb") as f_off:
        pending: list[np.ndarray] = []
        pending_n = 0
        for sentence in iter_sentences(resolve(corpus), max_sentence_length):
            ids = vocab.encode(sentence)
            if not len(ids):
                continue
            pending.append(ids)
            pending_n += len(ids)
            n_tokens += len(ids)
            offsets.append(n_tokens)
            if pending_n >= 1 << 20:
                np.concatenate(pending).astype(np.int32, copy=False).tofile(f_ids)
                pending, pending_n = [], 0
            if len(offsets) >= 1 << 16:
                np.asarray(offsets[:-1], np.int64).tofile(f_off)
                offsets = offsets[-1:]
        if pending:
            np.concatenate(pending).astype(np.int32, copy=False).tofile(f_ids)
        np.asarray(offsets, np.int64).tofile(f_off)
    if n_tokens == 0:
        raise InputError(f"corpus {corpus} has no word of the vocabulary")
    return Corpus(np.memmap(ids_path, np.int32, "r"), np.memmap(off_path, np.int64, "r"))


def load(corpus: str | os.PathLike, min_count: int = 5, max_vocab: int | None = None,
         max_sentence_length: int = MAX_SENTENCE_LENGTH, cache_dir=None) -> tuple[Vocab, Corpus]:
    """Read a corpus twice (count, then encode): the vocabulary and the encoded corpus.

    With ``cache_dir`` the encoded ids go to memory-mapped files there (:func:`encode_memmap`)
    instead of memory, for corpora larger than memory.
    """
    path = resolve(corpus)
    vocab = Vocab.build(iter_sentences(path, max_sentence_length), min_count, max_vocab)
    if cache_dir is not None:
        return vocab, encode_memmap(path, vocab, cache_dir, max_sentence_length)
    return vocab, Corpus.encode(path, vocab, max_sentence_length)
