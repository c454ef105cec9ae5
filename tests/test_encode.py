"""The one-pass text kernel (kernels/text.py via w2v_scratch/encode.py) against the plain-Python
reading of the same text: str.split() tokens, "\\n" sentences, pseudo-sentence cuts, a Counter,
first-appearance ties — every id and offset equal, in memory, handed over piece by piece
(spill), and with a given vocabulary."""

from __future__ import annotations

import mmap
import sys
from collections import Counter

import numpy as np
import pytest

from w2v_scratch.corpus import encode as E
from w2v_scratch.corpus import text_file
TEXTS = {
    "unicode whitespace": "a b\u00a0c\u3000d e\u2003f\n\n  x  y\tz\r\nq\x1cw\x0bv\x85u \u2028t\nlast words here",
    "one long line": " ".join(f"w{i % 37}" for i in range(25013)),
    "accents and CJK": "héllo wörld\nnaïve café héllo\n" * 50 + "日本語 テスト 日本語\n",
    "ties": "b a c a b c d\nd c\n",
    "no final newline": "x y z\nx y",
    "near-whitespace": "a\u200bb c\u180ed e\ufefff g\u2060h i\u00a1j k\u2030l m\u3001n\u2029o\u205fp\u202fq\u1680r\n",
}
# Enough tokens, sentences, words and word bytes that every array the encoder starts with grows.
BIG = "\n".join(f"w{j}" + "é" * (j % 5) + ("" if i % 3 else f" x{i % 11}") for i, j in
                ((i, (i * 7919) % 9001) for i in range(70_000)))


def python_reading(text: str, min_count: int, max_len: int):
    """The reference: what corpus.iter_sentences + Vocab + Corpus.encode compute, in plain Python."""
    sentences = []
    for line in text.split("\n"):
        tokens = line.split()
        while tokens:
            sentences.append(tokens[:max_len])
            tokens = tokens[max_len:]
    counter = Counter(t for s in sentences for t in s)  # insertion order = first appearance
    kept = [(w, c) for w, c in counter.items() if c >= min_count]
    kept.sort(key=lambda wc: -wc[1])  # stable: ties keep first appearance
    index = {w: i for i, (w, _) in enumerate(kept)}
    ids, offsets = [], [0]
    for s in sentences:
        enc = [index[t] for t in s if t in index]
        if enc:
            ids.extend(enc)
            offsets.append(len(ids))
    return [w for w, _ in kept], [c for _, c in kept], ids, offsets


def pieces(data: bytes, size: int):
    """``data`` in blocks of ``size`` bytes, cut as the corpus reader cuts them (at a whitespace byte)."""
    tail = b""
    for i in range(0, len(data), size):
        block = tail + data[i:i + size]
        cut = text_file._cut(block)
        if cut:
            yield block[:cut]
        tail = block[cut:]
    if tail:
        yield tail


def read(text: str, max_len: int, block: int, vocab_words=None, spill=False):
    """Feed ``text`` to an Encoder: the Scan, and (``spill``) the sentences handed over on the way."""
    enc = E.Encoder(max_len, vocab_words)
    handed = []
    for piece in pieces(text.encode(), block):
        enc.feed(piece)
        if spill:
            handed.append(enc.spill())
    enc.close()
    if spill:
        handed.append(enc.spill())
    return enc.finish(), handed


def sentences_of(handed, id_of):
    """The (ids, offsets) of spilled chunks renumbered with ``id_of`` (−1 dropped, then empty sentences)."""
    ids, offsets = [], [0]
    for numbers, lengths in handed:
        start = 0
        for length in lengths.tolist():
            kept = [int(id_of[w]) for w in numbers[start:start + length].tolist() if w >= 0 and id_of[w] >= 0]
            start += length
            if kept:
                ids.extend(kept)
                offsets.append(len(ids))
        assert start == len(numbers)
    return ids, offsets


CASES = [(name, block) for name in TEXTS for block in (5, 1 << 20)] + [("big", 4096), ("big", 1 << 20)]


@pytest.mark.parametrize("name,block", CASES)
@pytest.mark.parametrize("max_len", [3, 10_000])
@pytest.mark.parametrize("mode", ["memory", "spill"])
def test_one_pass_equals_the_python_reading(name, block, max_len, mode):
    text = BIG if name == "big" else TEXTS[name]
    for min_count in (1, 2):
        words, counts, ids, offsets = python_reading(text, min_count, max_len)
        found, handed = read(text, max_len, block, spill=mode == "spill")
        order, got_counts = E.vocabulary(found, min_count)
        assert found.words(order) == words and got_counts.tolist() == counts
        id_of = np.full(found.n_words, -1, np.int32)
        id_of[order] = np.arange(len(order))
        if mode == "spill":
            assert found.n_tokens == 0 and found.n_sentences == 0  # everything was handed over
            assert sentences_of(handed, id_of) == (ids, offsets)
        else:
            got_ids, got_offsets = E.encode(found, id_of)
            assert got_ids.dtype == np.int32 and got_offsets.dtype == np.int64
            assert got_ids.tolist() == ids and got_offsets.tolist() == offsets
        # the same text encoded with the vocabulary given (resuming, --read-vocab)
        frozen, handed = read(text, max_len, block, vocab_words=words, spill=mode == "spill")
        identity = np.arange(len(words), dtype=np.int32)
        if mode == "spill":
            assert sentences_of(handed, identity) == (ids, offsets)
        else:
            f_ids, f_offsets = E.encode(frozen, identity)
            assert f_ids.tolist() == ids and f_offsets.tolist() == offsets


def test_whitespace_is_exactly_what_str_split_splits_on():
    """Every code point (but surrogates and the newline) between two letters: one token or two,
    as str.split() says."""
    points = [c for c in range(sys.maxunicode + 1) if c != 10 and not 0xD800 <= c <= 0xDFFF]
    lines = [f"a{chr(c)}b" for c in points]
    expected = [len(line.split()) for line in lines]
    found, _ = read("\n".join(lines) + "\n", 10_000, 1 << 20)
    got = np.diff(found.bounds.array[: found.n_sentences + 1]).tolist()  # bounds[0] is 0
    wrong = [hex(c) for c, e, g in zip(points, expected, got) if e != g]
    assert not wrong and len(got) == len(expected), wrong[:20]


def test_a_given_word_that_is_not_one_token_never_matches():
    vocab = ["a b", "x", "c\u00a0d", "", "\ud800", "y", "e\nf"]  # only x and y can be tokens
    found, _ = read("x a b y c\u00a0d e\nf y\n", 10_000, 1 << 20, vocab_words=vocab)
    ids, offsets = E.encode(found, np.arange(len(vocab), dtype=np.int32))
    assert ids.tolist() == [1, 5, 5] and offsets.tolist() == [0, 2, 3]
    with pytest.raises(ValueError, match="twice"):
        E.Encoder(10, ["a", "b", "a"])


def test_a_hash_collision_never_merges_two_words():
    """Two words in the same bucket with the same stored hash half: the byte comparison still
    tells them apart."""
    from w2v_scratch.kernels import text as tk

    table = np.full(16, tk.EMPTY, np.uint64)
    pool = np.frombuffer(b"abc\nab\n", np.uint8).copy()  # each pooled word ends with "\n"
    info = np.array([0, 1, 4, 1], np.int64)  # (start, count) per word
    table[0], table[1] = 1, 2  # words 0 "abc" and 1 "ab" (number + 1), both with hash 0
    buf = np.frombuffer(b"ab", np.uint8).copy()
    slot = tk.lookup(buf, 0, 2, np.uint64(0), table, info, pool, tk.shift_of(table))
    assert table[slot] & tk.LOW == 2  # word 1
    buf = np.frombuffer(b"abd", np.uint8).copy()
    slot = tk.lookup(buf, 0, 3, np.uint64(0), table, info, pool, tk.shift_of(table))
    assert table[slot] == tk.EMPTY  # a new word: not "abc", though its hash and length agree
    buf = np.frombuffer(b"abcd", np.uint8).copy()
    slot = tk.lookup(buf, 0, 4, np.uint64(0), table, info, pool, tk.shift_of(table))
    assert table[slot] == tk.EMPTY  # nor "abc" with more bytes after it


def test_a_table_grown_from_the_old_one_finds_every_word():
    """regrow reads only the old table's slots (no word's bytes): every word must still be found,
    under its own number, in the table twice (and four times) the size, and a new word not."""
    from w2v_scratch.kernels import text as tk

    words = [w.encode() for w in [f"w{i}" for i in range(3000)] + ["é", "a", "zz" * 40]]
    pool = np.frombuffer(b"".join(w + b"\n" for w in words), np.uint8).copy()
    lengths = np.array([len(w) + 1 for w in words])
    info = np.zeros(2 * len(words), np.int64)
    info[0::2] = np.cumsum(lengths) - lengths
    small = np.zeros(8192, np.uint64)
    tk.fill_table(small, info, pool, len(words))
    for size in (1 << 14, 1 << 15):
        big = np.zeros(size, np.uint64)
        tk.regrow(small, big)
        assert np.count_nonzero(big) == len(words)
        shift = tk.shift_of(big)
        for w, word in enumerate(words):
            buf = np.frombuffer(word, np.uint8)
            slot = tk.lookup(buf, 0, len(buf), np.uint64(tk.fnv1a(buf, 0, len(buf))), big, info, pool, shift)
            assert big[slot] & tk.LOW == w + 1, word
        buf = np.frombuffer(b"w3000", np.uint8)
        slot = tk.lookup(buf, 0, len(buf), np.uint64(tk.fnv1a(buf, 0, len(buf))), big, info, pool, shift)
        assert big[slot] == tk.EMPTY


def test_the_buffer_grows_keeps_and_shrinks():
    b = E.Buffer(np.int32, 4)
    b.array[:4] = [1, 2, 3, 4]
    b.grow(1000)
    assert len(b) >= 1000 and b.array[:5].tolist() == [1, 2, 3, 4, 0]
    out = b.take(3)
    assert out.tolist() == [1, 2, 3] and out.dtype == np.int32
    assert E.Buffer(np.int64).take(0).tolist() == []


def test_the_buffer_copies_where_a_map_cannot_grow():
    class Fixed(mmap.mmap):
        def resize(self, size):
            raise SystemError("mmap: resizing not available--no mremap()")

    b = E.Buffer(np.int32, 4)
    b._map = Fixed(-1, 16)
    b.array = np.frombuffer(b._map, np.int32)
    b.array[:] = [5, 6, 7, 8]
    b.grow(9)
    assert b._map is None and len(b) == 9 and b.array.tolist() == [5, 6, 7, 8, 0, 0, 0, 0, 0]
    assert b.take(2).tolist() == [5, 6]
