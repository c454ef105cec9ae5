r"""Numba text kernel: UTF-8 bytes → word numbers in one pass, at disk speed.

Like the other kernels this module imports nothing from the library. ``w2v_scratch/encode.py``
drives it (``w2v_scratch/corpus.py`` feeds that the pieces of a file, plain or decompressed) and
turns its output into the vocabulary and the encoded corpus.

What :func:`tokenize` computes, for a piece ``buf[0:n]`` of valid UTF-8 that ends at a whitespace
byte (or ends the text):

* tokens are the maximal runs of bytes that are not whitespace — whitespace being exactly what
  Python's ``str.split()`` splits on: the ASCII bytes 9–13 and 28–32, and the UTF-8 encodings of
  U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000;
* a ``\n`` ends a sentence (``str.split("\n")``), and a sentence longer than ``max_len`` tokens is
  cut into pieces of ``max_len`` (counted before any word is dropped);
* each token is looked up in an open-addressing hash table (64-bit FNV-1a of its bytes). A slot
  holds the word's number (low 32 bits) and the high 32 bits of its hash, so most probes that miss
  touch nothing else; a match is then confirmed byte for byte against the word's bytes in ``pool``,
  so a hash collision can never merge two words. In *counting* mode an unseen token becomes a new
  word, numbered in order of first appearance, its bytes appended to ``pool``; in *frozen* mode (a
  given vocabulary, entered with :func:`add_words`) it is −1.
* per token, the word number goes to ``out``; per finished sentence, the number of tokens emitted so
  far goes to ``bounds[1 + k]`` (``bounds[0]`` is left for :func:`remap`, which turns the sentence
  ends into offsets in place).

Nothing is sized for the worst case: when an output array, the word arrays, the table (kept at most
half full) or the pool has no room for the next token, :func:`tokenize` stops *before* it and
returns its position; the caller grows what is full and calls again from there.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_opts = dict(nogil=True, cache=True)
_inl = dict(nogil=True, cache=True, inline="always")
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)  # a free table slot (a word number never fills the low 32 bits)
HIGH = np.uint64(0xFFFFFFFF00000000)  # the part of a hash a slot keeps
LOW = np.uint64(0xFFFFFFFF)  # the part of a slot that is the word number


@njit(**_inl)
def whitespace_len(buf, i, n):
    """Length in bytes of the whitespace character at ``buf[i]`` (0 if it is not whitespace)."""
    b = buf[i]
    if b == 32 or (9 <= b <= 13) or (28 <= b <= 31):
        return 1
    if b < 0xC2:
        return 0
    if b == 0xC2 and i + 1 < n:
        c = buf[i + 1]
        return 2 if (c == 0x85 or c == 0xA0) else 0
    if i + 2 >= n:
        return 0
    c, d = buf[i + 1], buf[i + 2]
    if b == 0xE1:
        return 3 if (c == 0x9A and d == 0x80) else 0
    if b == 0xE2:
        if c == 0x80 and (0x80 <= d <= 0x8A or d == 0xA8 or d == 0xA9 or d == 0xAF):
            return 3
        return 3 if (c == 0x81 and d == 0x9F) else 0
    if b == 0xE3:
        return 3 if (c == 0x80 and d == 0x80) else 0
    return 0


@njit(**_inl)
def fnv1a(buf, start, end):
    """64-bit FNV-1a hash of ``buf[start:end]``."""
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h


@njit(**_inl)
def lookup(buf, start, end, h, table, pool, pool_start, pool_len):
    """The hash-table slot of ``buf[start:end]`` (hash ``h``): the slot holding its word, or the
    empty slot where it would go. Linear probing; a slot matches only if the hash's high half,
    the length and every byte agree."""
    mask = np.uint64(len(table) - 1)
    slot = h & mask
    tag = h & HIGH
    length = end - start
    while True:
        e = table[slot]
        if e == EMPTY:
            return slot
        if (e & HIGH) == tag:
            w = e & LOW
            if pool_len[w] == length:
                p = pool_start[w]
                same = True
                for k in range(length):
                    if pool[p + k] != buf[start + k]:
                        same = False
                        break
                if same:
                    return slot
        slot = (slot + np.uint64(1)) & mask


@njit(**_opts)
def rehash(word_hash, n_words, size):
    """A new table of ``size`` slots (a power of two) holding words ``0..n_words-1``."""
    table = np.full(size, EMPTY, np.uint64)
    mask = np.uint64(size - 1)
    for w in range(n_words):
        h = word_hash[w]
        slot = h & mask
        while table[slot] != EMPTY:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = (h & HIGH) | np.uint64(w)
    return table


@njit(**_opts)
def add_words(pool, pool_start, pool_len, table):
    """Enter the words ``pool[pool_start[w] : pool_start[w] + pool_len[w]]`` as numbers ``w`` (the
    frozen mode's vocabulary). Returns -1, or the first word that repeats an earlier one."""
    for w in range(len(pool_start)):
        s = pool_start[w]
        h = fnv1a(pool, s, s + pool_len[w])
        slot = lookup(pool, s, s + pool_len[w], h, table, pool, pool_start, pool_len)
        if table[slot] != EMPTY:
            return w
        table[slot] = (h & HIGH) | np.uint64(w)
    return -1


def _byte_classes() -> np.ndarray:
    """Per byte value: 0 a token byte, 1 ASCII whitespace, 2 the newline, 3 the first byte of a
    multi-byte character that may be whitespace (0xC2, 0xE1, 0xE2, 0xE3: see :func:`whitespace_len`)."""
    c = np.zeros(256, np.uint8)
    for b in list(range(9, 14)) + list(range(28, 33)):
        c[b] = 1
    c[10] = 2
    for b in (0xC2, 0xE1, 0xE2, 0xE3):
        c[b] = 3
    return c


CLASS = _byte_classes()


@njit(**_opts)
def tokenize(buf, pos, n, frozen, max_len, table, word_hash, pool, pool_start, pool_len, counts, state, out,
             bounds):
    """Tokenize ``buf[pos:n]`` (see the module docstring) and count every token; returns the
    position reached: ``n``, or where an array had no room (the caller grows it and calls again).

    ``state`` (int64[5]) carries the run across calls: [0] words known, [1] pool bytes used,
    [2] tokens emitted, [3] sentence ends written, [4] tokens of the current sentence so far.
    ``counts[w]`` counts every occurrence of word ``w``. In counting mode the table is kept at
    most half full, and ``word_hash``/``pool_start``/``pool_len``/``counts`` hold one entry per word.
    """
    n_words, pool_used, n_out, n_ends, cur = state[0], state[1], state[2], state[3], state[4]
    max_words = min(len(table) // 2, len(word_hash), len(pool_start), len(counts))
    i = pos
    while i < n:
        c = CLASS[buf[i]]
        if c == 2:  # "\n": the sentence ends
            if cur > 0:
                if n_ends + 1 >= len(bounds):
                    break
                bounds[n_ends + 1] = n_out
                n_ends += 1
                cur = 0
            i += 1
            continue
        if c == 1:
            i += 1
            continue
        if c == 3:
            ws = whitespace_len(buf, i, n)
            if ws > 0:
                i += ws
                continue
        if n_out >= len(out) or n_ends + 1 >= len(bounds):  # no room for the token and a cut after it
            break
        # a token: hash its bytes while finding its end
        start = i
        h = FNV_OFFSET
        while True:
            h = (h ^ np.uint64(buf[i])) * FNV_PRIME
            i += 1
            if i >= n:
                break
            c = CLASS[buf[i]]
            if c == 1 or c == 2 or (c == 3 and whitespace_len(buf, i, n) > 0):
                break
        slot = lookup(buf, start, i, h, table, pool, pool_start, pool_len)
        e = table[slot]
        w = -1
        if e != EMPTY:
            w = np.int64(e & LOW)
        elif not frozen:
            if n_words >= max_words or pool_used + (i - start) > len(pool):
                i = start  # no room for a new word: stop before it
                break
            w = n_words
            table[slot] = (h & HIGH) | np.uint64(w)
            word_hash[w] = h
            pool_start[w] = pool_used
            pool_len[w] = i - start
            for k in range(start, i):
                pool[pool_used] = buf[k]
                pool_used += 1
            n_words += 1
        if w >= 0:
            counts[w] += 1
        out[n_out] = w  # frozen mode: -1 for a word outside the vocabulary, dropped by remap
        n_out += 1
        cur += 1
        if cur == max_len:  # a pseudo-sentence of max_len tokens
            bounds[n_ends + 1] = n_out
            n_ends += 1
            cur = 0
    state[0], state[1], state[2], state[3], state[4] = n_words, pool_used, n_out, n_ends, cur
    return i


@njit(**_opts)
def remap(tokens, n_tokens, bounds, n_ends, id_of):
    """Encode in place: ``tokens[:n_tokens]`` becomes the ids ``id_of[word]`` of the tokens whose
    id is ≥ 0 (a token of −1 — outside a given vocabulary — or mapped to −1 is dropped), and the
    sentence ends ``bounds[1 : n_ends + 1]`` become the offsets ``bounds[: m + 1]`` of the
    sentences that keep at least one token (``bounds[0]`` = 0; each end is read before its slot or
    any later one is written). Returns (kept tokens, m)."""
    bounds[0] = 0
    n = 0
    m = 0
    start = 0
    for j in range(1, n_ends + 1):
        e = bounds[j]
        for k in range(start, e):
            w = tokens[k]
            if w >= 0:
                v = id_of[w]
                if v >= 0:
                    tokens[n] = v
                    n += 1
        start = e
        if n > bounds[m]:
            m += 1
            bounds[m] = n
    return n, m


@njit(**_opts)
def gather(pool, pool_start, pool_len, order):
    """The bytes of the words ``order``, each followed by ``\n`` (decoded and split at once)."""
    total = 0
    for w in order:
        total += pool_len[w] + 1
    out = np.empty(total, np.uint8)
    p = 0
    for w in order:
        s = pool_start[w]
        for k in range(pool_len[w]):
            out[p] = pool[s + k]
            p += 1
        out[p] = 10
        p += 1
    return out
