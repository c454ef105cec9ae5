"""Text → vocabulary and encoded corpus in one pass (the text kernel, ``kernels/text.py``).

An :class:`Encoder` reads a UTF-8 text piece by piece (:meth:`Encoder.feed`: each piece valid
UTF-8 and ending at an ASCII whitespace byte, the last one anywhere): every token gets a word
number in order of first appearance (or, given a vocabulary, that vocabulary's id, −1 outside
it), every word its count. :func:`vocabulary` then keeps the words seen ``min_count`` times (most
frequent first, ties in order of first appearance), and :func:`encode` turns the token stream, in
place, into the int32 ids and int64 sentence offsets the trainers read, dropping the other words
and the sentences left empty. Or (:meth:`Encoder.spill`) the finished sentences are handed over
after each piece, for a caller that keeps them on disk. Or (``emit`` false) the tokens are only
counted, and (``max_vocab_size``) the rare words pruned while counting, as gensim does.

The result is the same as splitting each decoded line with ``str.split()`` (tokens) and each
text with ``"\\n"`` (sentences), cutting sentences longer than ``max_len`` tokens into pieces,
counting with a ``Counter`` and encoding word by word (``tests/test_encode.py`` holds them side by
side).

Memory: the token stream is one int32 per token and the sentence ends one int64 per sentence, in
:class:`Buffer` s whose unused capacity costs nothing (reserved, never written) and which become
the ids and offsets: the peak is the encoded corpus plus the words, never a second copy of it. A
word costs its bytes + 1 in the pool, 16 bytes in ``info`` (its pool offset and count) and 16 to 32
bytes of hash table (8-byte slots, at most half full; while it doubles, the old table is kept
beside the new one, which is filled from it): no Python object per word, so a corpus whose
raw vocabulary is mostly words seen once costs no more than its arrays.
"""

from __future__ import annotations

import contextlib
import mmap
from dataclasses import dataclass

import numpy as np

from ..base.values import short_repr
from .vocab import selected


def _text():
    from ..kernels import text  # deferred: loading the Numba text kernel takes a while (import stays light)
    return text


class Buffer:
    """A growable 1-D array (``array``, of its full capacity). On Linux its memory is an anonymous
    map grown by remapping: growing never copies, and capacity never written takes no memory
    (``huge``: in 2 MB pages where the kernel allows, for arrays read at random). Elsewhere (no
    ``mremap``) it is a NumPy array, grown by copying."""

    def __init__(self, dtype, size: int = 1 << 16, huge: bool = False) -> None:
        self.dtype = np.dtype(dtype)
        self._map = None
        try:
            self._map = mmap.mmap(-1, size * self.dtype.itemsize, flags=mmap.MAP_PRIVATE)
            self.array = np.frombuffer(self._map, self.dtype)
        except (AttributeError, OSError, ValueError):  # no MAP_PRIVATE (Windows), or no anonymous map
            self.array = np.zeros(size, self.dtype)
            return
        if huge:  # read at random (a hash table): 2 MB pages where Linux allows, fewer TLB misses
            with contextlib.suppress(AttributeError, OSError, ValueError):
                self._map.madvise(mmap.MADV_HUGEPAGE)

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


def _table(size: int) -> np.ndarray:
    """An empty hash table of ``size`` slots (a power of two), in a :class:`Buffer`'s memory."""
    return Buffer(np.uint64, size, huge=True).take(size)  # zeroed: every slot EMPTY (0)


@dataclass
class Scan:
    """What one pass over a text found: per token its word number (``tokens.array[:n_tokens]``,
    −1 for a token outside a given vocabulary), the token count at each sentence end
    (``bounds.array[1 : n_sentences + 1]``), per word where its bytes start in ``pool`` and its
    count (``info[2w]``, ``info[2w + 1]``; each word's bytes are followed by ``\n``), and the words
    themselves (:meth:`words`)."""

    tokens: Buffer
    n_tokens: int
    bounds: Buffer
    n_sentences: int
    info: np.ndarray
    pool: np.ndarray
    pruned_words: int = 0  # words dropped by pruning (Encoder.prune) on the way

    @property
    def n_words(self) -> int:
        return len(self.info) // 2

    @property
    def counts(self) -> np.ndarray:
        """Per word its count (a view)."""
        return self.info[1::2]

    def words(self, numbers) -> list[str]:
        """The words of the given word numbers, decoded (all at once)."""
        numbers = np.asarray(numbers, np.int64)
        starts = self.info[2 * numbers]
        nxt = np.minimum(numbers + 1, self.n_words - 1)
        after = np.where(numbers + 1 < self.n_words, self.info[2 * nxt], len(self.pool))  # the next word's start
        data = _text().gather(self.pool, starts, after - starts - 1, np.arange(len(numbers)))
        return data.tobytes().decode("utf-8").split("\n")[: len(numbers)]


class Encoder:
    """One pass over a text (:meth:`feed` its pieces in order), counting every word — or, given
    ``vocab_words``, numbering each token with that vocabulary's id (−1 outside it; a given word
    that is not a single token is never matched). Sentences are cut at ``max_len`` tokens.

    With ``emit`` false the tokens are only counted (nothing is kept per token), and with
    ``max_vocab_size`` the words are pruned as they are counted (:meth:`prune`, gensim's rule):
    the counts of a pruned pass are approximate, so its tokens could not be renumbered anyway."""

    def __init__(self, max_len: int, vocab_words: list | None = None, emit: bool = True,
                 max_vocab_size: int | None = None) -> None:
        tk = _text()
        self.max_len = max_len
        self.frozen = vocab_words is not None
        self.emit = emit
        self.prune_above = int(max_vocab_size or 0)
        self.min_reduce = 1  # gensim's: a prune drops the words counted fewer times; +1 per prune
        self.pruned_words = 0
        self.tokens = Buffer(np.int32, 1 << 16 if emit else 1)
        self.bounds = Buffer(np.int64, 1 << 16 if emit else 1)  # [0] is left for the offsets' 0 (kernels/text.py remap)
        self.state = np.zeros(7, np.int64)  # words, pool bytes, tokens, sentence ends, current sentence, stop, -
        self.spilled = 0  # tokens handed over by spill()
        if not self.frozen:
            self.table = _table(1 << 12)
            self.info = Buffer(np.int64, 1 << 12, huge=True)  # per word: where it starts in the pool, its count
            self.pool = Buffer(np.uint8, 1 << 16)  # the words' bytes, each followed by "\n"
            return
        data = [w.encode("utf-8", "surrogatepass") for w in vocab_words]  # a lone surrogate never matches
        lengths = np.fromiter(map(len, data), np.int64, len(data))
        skip = np.fromiter((w.split() != [w] for w in vocab_words), np.bool_, len(data))  # never one token
        self.info = Buffer(np.int64, max(2 * len(data), 2))
        self.info.array[0 : 2 * len(data) : 2] = np.cumsum(lengths + 1) - lengths - 1
        pool = b"".join(d + b"\n" for d in data)
        self.pool = Buffer(np.uint8, max(len(pool), 1))
        self.pool.array[: len(pool)] = np.frombuffer(pool, np.uint8)
        size = 16
        while size < 2 * len(data):
            size *= 2
        self.table = _table(size)
        repeated = tk.add_words(self.table, self.info.array, self.pool.array, len(data), skip)
        if repeated >= 0:
            raise ValueError(f"the vocabulary holds the word {short_repr(vocab_words[repeated])} twice")
        self.state[0], self.state[1] = len(data), len(pool)

    @property
    def n_words(self) -> int:
        return int(self.state[0])

    @property
    def n_tokens(self) -> int:
        """Tokens read so far (handed over by :meth:`spill` or not; with ``emit`` false, counted, not kept)."""
        return self.spilled + int(self.state[2])

    @property
    def nbytes(self) -> int:
        """The memory the pass holds: tokens and sentence ends written, and the word arrays."""
        words = self.table.nbytes + 16 * self.n_words + int(self.state[1])
        return words + (4 * int(self.state[2]) if self.emit else 0) + 8 * int(self.state[3])

    def feed(self, piece) -> None:
        """Tokenize ``piece`` (bytes: valid UTF-8 ending at an ASCII whitespace byte, or the last)."""
        tk = _text()
        buf = np.frombuffer(piece, np.uint8)
        pos, n = 0, len(buf)
        while True:
            pos = tk.tokenize(buf, pos, n, self.frozen, self.emit, self.max_len, self.prune_above, self.table,
                              self.info.array, self.pool.array, self.state, self.tokens.array, self.bounds.array)
            if self.state[5] == 2:
                self.prune()
            elif self.state[5] == 1:
                self._make_room(n - pos)
            elif pos >= n:
                return

    def prune(self) -> None:
        """gensim's ``prune_vocab`` (word2vec.c's ``ReduceVocab`` drops ``≤`` instead of ``<``): drop
        every word counted fewer than ``min_reduce`` times, then raise ``min_reduce`` by one. Its
        later occurrences count from zero again."""
        self.pruned_words += _text().prune(self.table, self.info.array, self.pool.array, self.state,
                                           self.min_reduce)
        self.min_reduce += 1

    def _make_room(self, left: int) -> None:
        """Grow what stopped :func:`tokenize` (``left`` bytes of the piece still to read): room for a
        whole batch of tokens, its sentence ends, its new words and its bytes."""
        tk = _text()
        batch = tk.BATCH
        words, used, toks, ends = (int(x) for x in self.state[:4])
        if self.emit:
            self.tokens.grow(toks + batch)
            self.bounds.grow(ends + 2 * batch + 2)
        if self.frozen:
            return
        self.info.grow(2 * (words + batch))
        if used + left + batch > len(self.pool):  # the batch's bytes are at most what is left
            self.pool.grow(used + left + batch)
        if 2 * (words + batch) > len(self.table):
            size = len(self.table)
            while 2 * (words + batch) > size:
                size *= 2
            if size > 1 << 32:  # a slot keeps 32 bits of word number and 32 of hash (kernels/text.py)
                raise MemoryError(f"more than {1 << 31:,} distinct words")
            old, self.table = self.table, _table(size)
            tk.regrow(old, self.table)  # sequential: no word's bytes read, no hash recomputed

    def close(self) -> None:
        """End the sentence being read (the text has ended), pruning after it as after any other."""
        if self.state[4] > 0:
            if self.emit:
                ends = int(self.state[3])
                self.bounds.grow(ends + 2)
                self.bounds.array[ends + 1] = self.state[2]
                self.state[3] += 1
            self.state[4] = 0
            if 0 < self.prune_above < self.n_words:
                self.prune()

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
        words, used = self.n_words, int(self.state[1])
        found = Scan(self.tokens, int(self.state[2]) if self.emit else 0, self.bounds, int(self.state[3]),
                     self.info.array[: 2 * words], self.pool.array[:used], self.pruned_words)
        self.tokens = self.bounds = self.info = self.pool = None
        return found


def vocabulary(found: Scan, min_count: int, max_vocab: int | None = None,
               max_final_vocab: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(word numbers kept, their counts): count ≥ ``min_count`` (raised by ``max_final_vocab``,
    gensim's rule), most frequent first, ties in order of first appearance, at most ``max_vocab``
    of them (``vocab.selected``)."""
    counts = found.counts
    order = selected(counts, min_count, max_vocab, max_final_vocab)
    return order, counts[order]


def encode(found: Scan, id_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids int32, offsets int64), made *in place* from ``found``'s buffers (the scan is used up):
    each token's id ``id_of[word number]`` (−1, or a token outside a given vocabulary: dropped),
    sentences left empty dropped."""
    n, m = _text().remap(found.tokens.array, found.n_tokens, found.bounds.array, found.n_sentences,
                         np.asarray(id_of, np.int32))
    ids, offsets = found.tokens.take(n), found.bounds.take(m + 1)
    found.n_tokens = found.n_sentences = -1
    return ids, offsets
