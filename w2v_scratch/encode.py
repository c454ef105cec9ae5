"""Bytes → vocabulary and encoded corpus in one pass (the text kernel, ``kernels/text.py``).

:func:`scan` reads a stream of byte blocks once: every token gets a word number in order of
first appearance (or, with a given vocabulary, that vocabulary's id), every word its count.
:func:`vocabulary` then keeps the words seen ``min_count`` times (most frequent first, ties in
order of first appearance), and :func:`encode` turns the token stream, in place, into the int32
ids and sentence offsets the trainers read, dropping the other words and the sentences left
empty.

The result is the same as splitting each decoded line with ``str.split()`` (tokens) and each
text with ``"\\n"`` (sentences), cutting sentences longer than ``max_len`` tokens into pieces,
counting with a ``Counter`` and encoding word by word (``tests/test_encode.py`` holds them
side by side) — about 20 times faster.

Memory: the token stream is one int32 per token, in a buffer that grows in place (``realloc``,
or a file with ``path``) and becomes the ids: the peak is the encoded corpus plus the
vocabulary's words, never a second copy of the corpus.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .kernels import text as tk

BLOCK = 1 << 22  # bytes per kernel call


class Tokens:
    """A growable int32 buffer, in memory (grown in place with ``ndarray.resize``) or in the file
    ``path`` (grown by extending the file and mapping it again)."""

    def __init__(self, path: str | None = None, size: int = 1 << 20) -> None:
        self.path = path
        if path is None:
            self.array = np.zeros(size, np.int32)
        else:
            with open(path, "wb") as f:
                f.truncate(4 * size)
            self.array = np.memmap(path, np.int32, "r+", shape=(size,))

    def ensure(self, size: int) -> None:
        if size <= len(self.array):
            return
        new = len(self.array)
        while new < size:
            new *= 2
        self.resize(new)

    def resize(self, size: int) -> None:
        if self.path is None:
            self.array.resize(size, refcheck=False)  # realloc: large buffers move by remapping pages
        else:
            self.array.flush()
            self.array = None  # unmap before the file changes size
            with open(self.path, "r+b") as f:
                f.truncate(4 * size)
            self.array = np.memmap(self.path, np.int32, "r+", shape=(size,)) if size else np.zeros(0, np.int32)


@dataclass
class Scan:
    """What one pass over a corpus found: per token its word number (``tokens.array[:n_tokens]``,
    −1 for a token outside a given vocabulary), the token count at each sentence end (``ends``),
    and per word its text and count."""

    tokens: Tokens
    n_tokens: int
    ends: np.ndarray
    words: list
    counts: np.ndarray


class _Table:
    """The kernel's growing arrays: hash table, words' hashes and bytes, counts, outputs."""

    def __init__(self, frozen_words: list | None = None, path: str | None = None) -> None:
        self.table = np.full(1 << 16, tk.EMPTY, np.int32)
        self.word_hash = np.zeros(1 << 14, np.uint64)
        self.pool = np.zeros(1 << 20, np.uint8)
        self.pool_start = np.zeros(1 << 14, np.int64)
        self.pool_len = np.zeros(1 << 14, np.int32)
        self.counts = np.zeros(1 << 14, np.int64)
        self.tokens = Tokens(path)
        self.ends = np.zeros(1 << 16, np.int64)
        self.state = np.zeros(5, np.int64)  # words, pool bytes, tokens, sentence ends, current sentence
        self.frozen = False
        if frozen_words is not None:  # number the given words 0, 1, … in the table, then freeze it
            data = np.frombuffer(b"\n".join(w.encode("utf-8") for w in frozen_words) + b"\n", np.uint8)
            self.feed(data, 1 << 62)
            if self.state[0] != len(frozen_words) or self.state[2] != len(frozen_words):
                raise ValueError("the vocabulary's words are not distinct single tokens")
            self.counts[:] = 0
            self.state[2:] = 0
            self.frozen = True

    @staticmethod
    def _grow(a: np.ndarray, need: int) -> np.ndarray:
        if need <= len(a):
            return a
        size = len(a)
        while size < need:
            size *= 2
        b = np.zeros(size, a.dtype)
        b[: len(a)] = a
        return b

    def feed(self, buf: np.ndarray, max_len: int) -> None:
        """Tokenize the block ``buf`` after making room for everything it can add."""
        words, used, toks, ends = (int(x) for x in self.state[:4])
        k = len(buf) // 2 + 1  # at most this many tokens, new words and sentence ends
        self.tokens.ensure(toks + k)
        self.ends = self._grow(self.ends, ends + k + 1)
        if not self.frozen:
            self.pool = self._grow(self.pool, used + len(buf))
            for name in ("word_hash", "pool_start", "pool_len", "counts"):
                setattr(self, name, self._grow(getattr(self, name), words + k))
            size = len(self.table)
            while 2 * (words + k) > size:
                size *= 2
            if size > len(self.table):
                self.table = tk.rehash(self.word_hash, words, size)
        tk.tokenize(buf, len(buf), self.frozen, max_len, self.table, self.word_hash, self.pool, self.pool_start,
                    self.pool_len, self.counts, self.state, self.tokens.array, self.ends)

    def result(self, vocab_words: list | None) -> Scan:
        words_n, _, toks, n_ends, cur = (int(x) for x in self.state)
        ends = self.ends[:n_ends].copy()
        if cur > 0:
            ends = np.append(ends, toks)
        if vocab_words is None:
            pool = self.pool.tobytes()
            words = [pool[s:s + ln].decode("utf-8") for s, ln in
                     zip(self.pool_start[:words_n].tolist(), self.pool_len[:words_n].tolist())]
        else:
            words = list(vocab_words)
        return Scan(self.tokens, toks, ends, words, self.counts[:words_n].copy())


def cut_at_whitespace(block: bytes) -> int:
    """Index just past the last ASCII whitespace byte of ``block`` (0 if none): a block cut there
    never splits a token or a UTF-8 character (multi-byte whitespace included)."""
    return max(block.rfind(b) for b in (b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c")) + 1


def scan(blocks: Iterable[bytes], max_len: int, vocab_words: list | None = None, path: str | None = None) -> Scan:
    """One pass over ``blocks`` (the bytes of a UTF-8 text, in order, any sizes; a text that is
    not UTF-8 raises ``UnicodeDecodeError``). With ``vocab_words`` the word numbers are that
    vocabulary's ids and other tokens get −1. With ``path`` the token stream goes to that file."""
    t = _Table(vocab_words, path)
    tail = b""
    for block in blocks:
        data = tail + block
        cut = cut_at_whitespace(data)
        if cut == 0:
            tail = data
            continue
        tail = data[cut:]
        data[:cut].decode("utf-8")  # validates only: the kernel reads bytes
        t.feed(np.frombuffer(data, np.uint8)[:cut], max_len)
    if tail:
        tail.decode("utf-8")
        t.feed(np.frombuffer(tail + b"\n", np.uint8), max_len)
    return t.result(vocab_words)


def vocabulary(found: Scan, min_count: int, max_vocab: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(word numbers kept, their counts): count ≥ ``min_count``, most frequent first, ties in order
    of first appearance, at most ``max_vocab`` of them."""
    keep = np.flatnonzero(found.counts >= min_count)
    order = keep[np.argsort(-found.counts[keep], kind="stable")]
    if max_vocab is not None and max_vocab > 0:
        order = order[:max_vocab]
    return order, found.counts[order]


def encode(found: Scan, id_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids int32, offsets int64), made *in place* from ``found``'s token buffer (the scan is used
    up): each token's id ``id_of[word number]`` (−1, or a token outside a given vocabulary:
    dropped), sentences left empty dropped. With a file-backed scan the ids are that file."""
    tokens = found.tokens
    n, offsets = tk.remap(tokens.array[: found.n_tokens], found.ends, np.asarray(id_of, np.int32))
    tokens.resize(n)
    found.n_tokens = -1
    return tokens.array, offsets


def encode_file_ids(path: str) -> np.ndarray:
    """The ids a file-backed :func:`encode` left in ``path``, mapped read-only."""
    return np.memmap(path, np.int32, "r") if os.path.getsize(path) else np.zeros(0, np.int32)
