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
* each token is looked up in an open-addressing hash table (64-bit FNV-1a of its bytes, times the
  golden-ratio constant so that the high bits mix all of them); a token's first slot is its hash's
  top ``log2(len(table))`` bits (:func:`shift_of`). A used slot holds the word's number + 1 (low
  32 bits; 0 is a free slot) and the high 32 bits of its hash, so most probes that miss touch
  nothing else, and a table grown to twice the size is filled from the old one alone
  (:func:`regrow`: a word's new first slot is in the bits its slot keeps, for tables of up to
  2**32 slots); a match is then confirmed byte for byte against the
  word's bytes in ``pool`` (each word's bytes followed by ``\n``, which no token holds, so the
  comparison also checks the length), so a hash collision can never merge two words. ``info[2w]``
  is where word ``w`` starts in ``pool``, ``info[2w + 1]`` its count. In *counting* mode an unseen
  token becomes a new word, numbered in order of first appearance, its bytes appended to ``pool``;
  in *frozen* mode (a given vocabulary, entered with :func:`add_words`) it is −1.
* per token, the word number goes to ``out``; per finished sentence, the number of tokens emitted so
  far goes to ``bounds[1 + k]`` (``bounds[0]`` is left for :func:`remap`, which turns the sentence
  ends into offsets in place). Or (``emit`` false) the tokens are only counted.
* with ``prune_above`` > 0, a sentence that ends with more words known than that stops the pass,
  and the caller drops the rare words (:func:`prune`) before it goes on: gensim's
  ``max_vocab_size``.

Speed on a vocabulary far larger than the caches (a corpus full of rare words) comes from fetching
in parallel: tokens are found and hashed BATCH at a time, and their slots, word entries and first
bytes are read in independent loops before the tokens are looked up in order.

Nothing is sized for the worst case: when an output array, the word arrays, the table (kept at most
half full) or the pool has no room for the next batch, :func:`tokenize` stops *before* it and
returns its position; the caller grows what is full and calls again from there.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_opts = dict(nogil=True, cache=True)
_inl = dict(nogil=True, cache=True, inline="always")
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / the golden ratio: the final mix (Fibonacci hashing)
EMPTY = np.uint64(0)  # a free table slot (a used one holds word number + 1 in its low 32 bits)
HIGH = np.uint64(0xFFFFFFFF00000000)  # the part of a hash a slot keeps
LOW = np.uint64(0xFFFFFFFF)  # the part of a slot that is the word number + 1
NEWLINE = np.uint8(10)  # ends each word in the pool (a token never holds one)
BATCH = 64  # tokens found and hashed before their slots are read


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
    """The table's hash of ``buf[start:end]``: 64-bit FNV-1a, times ``GOLDEN``."""
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h * GOLDEN


@njit(**_inl)
def shift_of(table):
    """``64 - log2(len(table))`` (a power of two): a hash's first slot is ``h >> shift_of(table)``."""
    s = np.uint64(64)
    n = len(table)
    while n > 1:
        n >>= 1
        s -= np.uint64(1)
    return s


@njit(**_inl)
def same_word(buf, start, end, pool, p):
    """Whether the pooled word at ``pool[p]`` (its bytes, then ``\n``) is ``buf[start:end]``. A token
    holds no whitespace, so the comparison stops inside the pooled word's bytes or at its ``\n``."""
    for k in range(end - start):
        if pool[p + k] != buf[start + k]:
            return False
    return pool[p + end - start] == NEWLINE


@njit(**_inl)
def lookup(buf, start, end, h, table, info, pool, shift):
    """The hash-table slot of ``buf[start:end]`` (hash ``h``; ``shift``: :func:`shift_of`): the slot
    holding its word, or the empty slot where it would go. Linear probing from ``h >> shift``; a
    slot matches only if the hash's high half and every byte (and the pooled word's end) agree."""
    mask = np.uint64(len(table) - 1)
    slot = h >> shift
    tag = h & HIGH
    while True:
        e = table[slot]
        if e == EMPTY:
            return slot
        if (e & HIGH) == tag and same_word(buf, start, end, pool, info[2 * (np.int64(e & LOW) - 1)]):
            return slot
        slot = (slot + np.uint64(1)) & mask


@njit(**_inl)
def pooled_hash(pool, p):
    """The table's hash (:func:`fnv1a`) of the pooled word at ``pool[p]`` (its bytes up to the ``\n``)."""
    h = FNV_OFFSET
    while pool[p] != NEWLINE:
        h = (h ^ np.uint64(pool[p])) * FNV_PRIME
        p += 1
    return h * GOLDEN


@njit(**_opts)
def fill_table(table, info, pool, n_words):
    """Enter words ``0..n_words-1`` (all distinct) into the empty ``table``. The hashes of BATCH
    words are computed before they are entered, so the table's fetches overlap."""
    mask = np.uint64(len(table) - 1)
    shift = shift_of(table)
    hs = np.empty(BATCH, np.uint64)
    for first in range(0, n_words, BATCH):
        last = min(first + BATCH, n_words)
        for w in range(first, last):
            hs[w - first] = pooled_hash(pool, info[2 * w])
        for w in range(first, last):
            h = hs[w - first]
            slot = h >> shift
            while table[slot] != EMPTY:
                slot = (slot + np.uint64(1)) & mask
            table[slot] = (h & HIGH) | np.uint64(w + 1)


@njit(**_opts)
def regrow(old, table):
    """Enter every word of the full table ``old`` into the empty, larger ``table`` (both of at most
    2**32 slots), reading no word's bytes: a slot keeps its hash's high 32 bits, which hold the top
    bits that are a first slot. Both tables are walked in order of first slot (but for the few words
    that wrapped past the old table's end), so the reads and writes are sequential."""
    mask = np.uint64(len(table) - 1)
    shift = shift_of(table)
    for e in old:
        if e != EMPTY:
            slot = e >> shift
            while table[slot] != EMPTY:
                slot = (slot + np.uint64(1)) & mask
            table[slot] = e


@njit(**_opts)
def add_words(table, info, pool, n_words, skip):
    """Enter the pooled words ``0..n_words-1`` as numbers ``w`` (the frozen mode's vocabulary),
    except those with ``skip[w]`` (a word holding whitespace: never a token). Returns -1, or the
    first word that repeats an earlier one."""
    shift = shift_of(table)
    for w in range(n_words):
        if skip[w]:
            continue
        s = info[2 * w]
        h = pooled_hash(pool, s)
        e = s
        while pool[e] != NEWLINE:
            e += 1
        slot = lookup(pool, s, e, h, table, info, pool, shift)
        if table[slot] != EMPTY:
            return w
        table[slot] = (h & HIGH) | np.uint64(w + 1)
    return -1


@njit(**_opts)
def prune(table, info, pool, state, min_keep):
    """Drop every word counted fewer than ``min_keep`` times (gensim's ``prune_vocab``): the kept
    words are renumbered in their order, their bytes packed to the front of ``pool``, the table
    refilled, and the freed entries of ``info`` zeroed. Returns the number of words dropped."""
    n_words = state[0]
    k = 0
    dest = 0
    for w in range(n_words):
        c = info[2 * w + 1]
        if c < min_keep:
            continue
        p = info[2 * w]
        info[2 * k] = dest
        info[2 * k + 1] = c
        while True:  # dest <= p: a forward copy never overwrites bytes still to be read
            b = pool[p]
            pool[dest] = b
            dest += 1
            p += 1
            if b == NEWLINE:
                break
        k += 1
    info[2 * k : 2 * n_words] = 0
    state[0], state[1] = k, dest
    table[:] = EMPTY
    fill_table(table, info, pool, k)
    return n_words - k


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


@njit(**_inl)
def find_batch(buf, i, n, ts, te, th, nl):
    """Find and hash up to BATCH tokens from ``buf[i]``: token ``j`` is ``buf[ts[j]:te[j]]``, its
    hash ``th[j]``, ``nl[j]`` whether a line end came before it (since the previous token).
    Returns (where the scan stopped, tokens found, their bytes, whether a line end followed the last)."""
    m = 0
    nbytes = 0
    seen_nl = False
    while i < n and m < BATCH:
        c = CLASS[buf[i]]
        if c == 2:
            seen_nl = True
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
        start = i
        h = FNV_OFFSET
        while True:
            h = (h ^ np.uint64(buf[i])) * FNV_PRIME
            i += 1
            if i >= n:
                break
            c = CLASS[buf[i]]
            if c != 0 and (c != 3 or whitespace_len(buf, i, n) > 0):
                break
        ts[m], te[m], th[m], nl[m] = start, i, h * GOLDEN, seen_nl
        seen_nl = False
        nbytes += i - start
        m += 1
    return i, m, nbytes, seen_nl


@njit(**_inl)
def touch(table, info, pool, th, m, near, nw, shift):
    """Read the first slot of each of the ``m`` hashes ``th``, then the entry and first byte of the
    word it holds, in independent loops without branches: the fetches overlap, and the lookups
    that follow find them cached. ``nw[j]`` is the word in token ``j``'s first slot when the slot's
    hash half is the token's (else −1), ``near[j]`` where that word starts in ``pool`` (a
    candidate: the caller compares the bytes). Returns a sum of what was read (kept, so the reads
    are not optimised away)."""
    for j in range(m):
        e = table[th[j] >> shift]
        hit = (e != EMPTY) and ((e & HIGH) == (th[j] & HIGH))
        near[j] = (np.int64(e & LOW) - 1) if hit else -1
    for j in range(m):
        w = near[j]
        nw[j] = w
        p = info[2 * max(w, 0)]
        near[j] = p if w >= 0 else -1
    sink = np.uint64(0)
    for j in range(m):
        sink += np.uint64(pool[max(near[j], 0)])
    return sink


@njit(**_inl)
def sentence_end(emit, bounds, state, n_out):
    """Record the end of a sentence after ``n_out`` tokens (when tokens are emitted)."""
    if emit:
        bounds[state[3] + 1] = n_out
        state[3] += 1


@njit(**_opts)
def tokenize(buf, pos, n, frozen, emit, max_len, prune_above, table, info, pool, state, out, bounds):
    """Tokenize ``buf[pos:n]`` (see the module docstring) and count every token; returns the
    position reached: ``n``, or where it stopped — ``state[5]`` says why: 0 the end of the piece,
    1 an array had no room for the next batch (the caller grows it and calls again from there),
    2 a sentence ended with more than ``prune_above`` (> 0) words known (the caller prunes, then
    calls again from there).

    ``state`` (int64[7]) carries the run across calls: [0] words known, [1] pool bytes used,
    [2] tokens read (emitted, when ``emit``), [3] sentence ends written, [4] tokens of the current sentence so far,
    [5] why it stopped, [6] scratch. ``info[2w]`` is where word ``w`` starts in ``pool`` and
    ``info[2w + 1]`` counts its occurrences. With ``emit`` false nothing goes to ``out`` or
    ``bounds`` (counting alone). In counting mode the table is kept at most half full.

    Tokens are taken BATCH at a time: all are found and hashed, their table slots, then their
    words' entries and bytes are read in independent loops (so the memory fetches of a
    vocabulary too large for the caches overlap), then each token is looked up and counted in
    order. A batch that would not fit is not started.
    """
    n_words, pool_used, n_out, cur = state[0], state[1], state[2], state[4]
    state[5] = 0
    max_words = min(len(table) // 2, len(info) // 2)
    shift = shift_of(table)
    ts = np.empty(BATCH, np.int64)
    te = np.empty(BATCH, np.int64)
    th = np.empty(BATCH, np.uint64)
    nl = np.zeros(BATCH, np.bool_)
    near = np.empty(BATCH, np.int64)
    nw = np.empty(BATCH, np.int64)
    sink = np.uint64(0)
    i = pos
    while i < n:
        batch_start = i
        i, m, nbytes, seen_nl = find_batch(buf, i, n, ts, te, th, nl)
        if (emit and (n_out + m > len(out) or state[3] + 2 * m + 2 > len(bounds))) or (
                not frozen and (n_words + m > max_words or pool_used + nbytes + m > len(pool))):
            i = batch_start  # no room: stop before the batch
            state[5] = 1
            break
        sink += touch(table, info, pool, th, m, near, nw, shift)
        for j in range(m):
            if nl[j] and cur > 0:
                sentence_end(emit, bounds, state, n_out)
                cur = 0
                if 0 < prune_above < n_words:
                    i = ts[j]
                    state[5] = 2
                    break
            start, end, h = ts[j], te[j], th[j]
            w = nw[j]  # the word in the token's first slot (words never move during a call)
            slot = np.uint64(0)
            if w < 0 or not same_word(buf, start, end, pool, near[j]):
                slot = lookup(buf, start, end, h, table, info, pool, shift)
                e = table[slot]
                w = np.int64(e & LOW) - 1  # -1 for an empty slot
            if w < 0 and not frozen:
                w = n_words
                table[slot] = (h & HIGH) | np.uint64(w + 1)
                info[2 * w] = pool_used
                for k in range(start, end):
                    pool[pool_used] = buf[k]
                    pool_used += 1
                pool[pool_used] = NEWLINE
                pool_used += 1
                n_words += 1
            if w >= 0:
                info[2 * w + 1] += 1
            if emit:
                out[n_out] = w  # frozen mode: -1 for a word outside the vocabulary, dropped by remap
            n_out += 1
            cur += 1
            if cur == max_len:  # a pseudo-sentence of max_len tokens
                sentence_end(emit, bounds, state, n_out)
                cur = 0
                if 0 < prune_above < n_words:
                    i = end
                    state[5] = 2
                    break
        if state[5] != 0:
            break
        if seen_nl and cur > 0:  # the piece ended after a line end
            sentence_end(emit, bounds, state, n_out)
            cur = 0
            if 0 < prune_above < n_words:
                state[5] = 2
                break
    state[0], state[1], state[2], state[4], state[6] = n_words, pool_used, n_out, cur, np.int64(sink & LOW)
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
