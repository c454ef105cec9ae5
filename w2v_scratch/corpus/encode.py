"""Text → vocabulary and encoded corpus in one pass (the text kernel, ``kernels/text.py``).

An :class:`Encoder` reads a UTF-8 text piece by piece (:meth:`Encoder.feed`: each piece valid
UTF-8 and ending at an ASCII whitespace byte, the last one anywhere): every token gets a word
number in order of first appearance (or, given a vocabulary, that vocabulary's id, −1 outside
it), every word its count. :func:`vocabulary` then keeps the words seen ``min_count`` times (most
frequent first, ties in order of first appearance), and :func:`encode` turns the token stream, in
place, into the int32 ids and int64 sentence offsets the trainers read, dropping the other words
and the sentences left empty. Or (:meth:`Encoder.spill`) the finished sentences are handed over
after each piece, for a caller that keeps them on disk.

The result is the same as splitting each decoded line with ``str.split()`` (tokens) and each
text with ``"\\n"`` (sentences), cutting sentences longer than ``max_len`` tokens into pieces,
counting with a ``Counter`` and encoding word by word (``tests/test_encode.py`` holds them side by
side).

Memory: the token stream is one int32 per token and the sentence ends one int64 per sentence, in
:class:`Buffer` s whose unused capacity costs nothing (reserved, never written) and which become
the ids and offsets: the peak is the encoded corpus plus the words, never a second copy of it.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np


def _text():
    from ..kernels import text  # deferred: loading the Numba text kernel takes a while (import stays light)
    return text


class Buffer:
    """A growable 1-D array (``array``, of its full capacity). On Linux its memory is an anonymous
    map grown by remapping: growing never copies, and capacity never written takes no memory.
    Elsewhere (no ``mremap``) it is a NumPy array, grown by copying."""

    def __init__(self, dtype, size: int = 1 << 16) -> None:
        self.dtype = np.dtype(dtype)
        self._map = None
        try:
            self._map = mmap.mmap(-1, size * self.dtype.itemsize, flags=mmap.MAP_PRIVATE)
            self.array = np.frombuffer(self._map, self.dtype)
        except (AttributeError, OSError, ValueError):  # no MAP_PRIVATE (Windows), or no anonymous map
            self.array = np.zeros(size, self.dtype)

    def __len__(self) -> int:
        return len(self.array)

    def grow(self, need: int) -> None:
        """Room for at least ``need`` elements (the capacity doubles)."""
        if need > len(self.array):
            self.resize(max(need, 2 * len(self.array)))

    def resize(self, size: int) -> None:
        """Capacity ``size`` (> 0): the first ``min(size, old size)`` elements are kept. The caller
        holds no view of ``array`` (a view would pin the old memory)."""
        if self._map is not None:
            self.array = None  # release the map's only export
            try:
                self._map.resize(size * self.dtype.itemsize)
                self.array = np.frombuffer(self._map, self.dtype)
                return
            except (OSError, SystemError, BufferError):  # no mremap: copy from now on
                old = np.frombuffer(self._map, self.dtype)
                self._map = None
                self.array = old
        new = np.zeros(size, self.dtype)
        keep = min(size, len(self.array))
        new[:keep] = self.array[:keep]
        self.array = new

    def take(self, n: int) -> np.ndarray:
        """The first ``n`` elements as the final array (its memory shrunk to them); the buffer is
        used up."""
        if n == 0:
            return np.zeros(0, self.dtype)
        if n < len(self.array):
            self.resize(n)
        array, self.array, self._map = self.array, None, None
        return array


@dataclass
class Scan:
    """What one pass over a text found: per token its word number (``tokens.array[:n_tokens]``,
    −1 for a token outside a given vocabulary), the token count at each sentence end
    (``bounds.array[1 : n_sentences + 1]``), per word its count, and the words' bytes
    (:meth:`words`)."""

    tokens: Buffer
    n_tokens: int
    bounds: Buffer
    n_sentences: int
    counts: np.ndarray
    pool: np.ndarray
    pool_start: np.ndarray
    pool_len: np.ndarray

    @property
    def n_words(self) -> int:
        return len(self.counts)

    def words(self, numbers) -> list[str]:
        """The words of the given word numbers, decoded (all at once)."""
        numbers = np.asarray(numbers, np.int64)
        data = _text().gather(self.pool, self.pool_start, self.pool_len, numbers)
        return data.tobytes().decode("utf-8").split("\n")[: len(numbers)]


class Encoder:
    """One pass over a text (:meth:`feed` its pieces in order), counting every word — or, given
    ``vocab_words``, numbering each token with that vocabulary's id (−1 outside it; a given word
    that is not a single token is never matched). Sentences are cut at ``max_len`` tokens."""

    def __init__(self, max_len: int, vocab_words: list | None = None) -> None:
        tk = _text()
        self.max_len = max_len
        self.frozen = vocab_words is not None
        self.tokens = Buffer(np.int32)
        self.bounds = Buffer(np.int64)  # [0] is left for the offsets' 0 (see kernels/text.py remap)
        self.state = np.zeros(5, np.int64)  # words, pool bytes, tokens, sentence ends, current sentence
        self.spilled = 0  # tokens handed over by spill()
        if not self.frozen:
            self.table = np.full(1 << 12, tk.EMPTY, np.uint64)
            self.word_hash = np.zeros(1 << 11, np.uint64)
            self.pool = np.zeros(1 << 16, np.uint8)
            self.pool_start = np.zeros(1 << 11, np.int64)
            self.pool_len = np.zeros(1 << 11, np.int64)
            self.counts = np.zeros(1 << 11, np.int64)
            return
        data = [w.encode("utf-8", "surrogatepass") for w in vocab_words]  # a lone surrogate never matches
        self.pool_len = np.fromiter(map(len, data), np.int64, len(data))
        self.pool_start = np.zeros(len(data), np.int64)
        np.cumsum(self.pool_len[:-1], out=self.pool_start[1:])
        self.pool = np.frombuffer(b"".join(data) or b"\0", np.uint8).copy()
        size = 16
        while size < 2 * len(data):
            size *= 2
        self.table = np.full(size, tk.EMPTY, np.uint64)
        self.word_hash = np.zeros(len(data), np.uint64)
        self.counts = np.zeros(len(data), np.int64)
        repeated = tk.add_words(self.pool, self.pool_start, self.pool_len, self.table)
        if repeated >= 0:
            raise ValueError(f"the vocabulary holds the word {vocab_words[repeated]!r} twice")
        self.state[0], self.state[1] = len(data), len(self.pool)

    @property
    def n_words(self) -> int:
        return int(self.state[0])

    @property
    def n_tokens(self) -> int:
        """Tokens read so far (handed over by :meth:`spill` or not)."""
        return self.spilled + int(self.state[2])

    @property
    def nbytes(self) -> int:
        """The memory the pass holds: tokens and sentence ends written, and the word arrays."""
        words = sum(a.nbytes for a in (self.table, self.word_hash, self.pool, self.pool_start, self.pool_len,
                                       self.counts))
        return words + 4 * int(self.state[2]) + 8 * int(self.state[3])

    def feed(self, piece) -> None:
        """Tokenize ``piece`` (bytes: valid UTF-8 ending at an ASCII whitespace byte, or the last)."""
        tk = _text()
        buf = np.frombuffer(piece, np.uint8)
        pos, n = 0, len(buf)
        while True:
            pos = tk.tokenize(buf, pos, n, self.frozen, self.max_len, self.table, self.word_hash, self.pool,
                              self.pool_start, self.pool_len, self.counts, self.state, self.tokens.array,
                              self.bounds.array)
            if pos >= n:
                return
            self._make_room(n - pos)

    def _make_room(self, left: int) -> None:
        """Grow what stopped :func:`tokenize` (``left`` bytes of the piece still to read)."""
        tk = _text()
        words, used, toks, ends = (int(x) for x in self.state[:4])
        if toks >= len(self.tokens) or ends + 2 > len(self.bounds):
            self.tokens.grow(toks + 1)
            self.bounds.grow(ends + 2)
            return
        if not self.frozen and words >= min(len(self.table) // 2, len(self.counts)):
            if 2 * (words + 1) > len(self.table):
                self.table = tk.rehash(self.word_hash, words, 2 * len(self.table))
            for name in ("word_hash", "pool_start", "pool_len", "counts"):
                a = getattr(self, name)
                if words + 1 > len(a):
                    setattr(self, name, np.concatenate([a, np.zeros(len(a), a.dtype)]))
            return
        self.pool = np.concatenate([self.pool, np.zeros(max(len(self.pool), used + left - len(self.pool)),
                                                        np.uint8)])

    def close(self) -> None:
        """End the sentence being read (the text has ended)."""
        if self.state[4] > 0:
            ends = int(self.state[3])
            self.bounds.grow(ends + 2)
            self.bounds.array[ends + 1] = self.state[2]
            self.state[3] += 1
            self.state[4] = 0

    def spill(self) -> tuple[np.ndarray, np.ndarray]:
        """Hand over the finished sentences: (their tokens' word numbers int32, their lengths int64),
        copies; the buffer keeps only the sentence being read (fewer than ``max_len`` tokens)."""
        toks, ends = int(self.state[2]), int(self.state[3])
        done = int(self.bounds.array[ends]) if ends else 0
        ids = self.tokens.array[:done].copy()
        lengths = np.diff(self.bounds.array[: ends + 1])  # bounds[0] is 0: remap alone writes it
        self.tokens.array[: toks - done] = self.tokens.array[done:toks]
        self.state[2], self.state[3] = toks - done, 0
        self.spilled += done
        return ids, lengths

    def finish(self) -> Scan:
        """The pass's result (after :meth:`close`); the encoder is used up."""
        words = self.n_words
        found = Scan(self.tokens, int(self.state[2]), self.bounds, int(self.state[3]), self.counts[:words].copy(),
                     self.pool[: int(self.state[1])], self.pool_start[:words], self.pool_len[:words])
        self.tokens = self.bounds = None
        return found


def vocabulary(found: Scan, min_count: int, max_vocab: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(word numbers kept, their counts): count ≥ ``min_count``, most frequent first, ties in order
    of first appearance, at most ``max_vocab`` of them."""
    keep = np.flatnonzero(found.counts >= min_count)
    order = keep[np.argsort(-found.counts[keep], kind="stable")]
    if max_vocab is not None and max_vocab > 0:
        order = order[:max_vocab]
    return order, found.counts[order]


def encode(found: Scan, id_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids int32, offsets int64), made *in place* from ``found``'s buffers (the scan is used up):
    each token's id ``id_of[word number]`` (−1, or a token outside a given vocabulary: dropped),
    sentences left empty dropped."""
    n, m = _text().remap(found.tokens.array, found.n_tokens, found.bounds.array, found.n_sentences,
                         np.asarray(id_of, np.int32))
    ids, offsets = found.tokens.take(n), found.bounds.take(m + 1)
    found.n_tokens = found.n_sentences = -1
    return ids, offsets
