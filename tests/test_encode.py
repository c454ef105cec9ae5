"""The one-pass text kernel (kernels/text.py via w2v_scratch/encode.py) against the plain-Python
reading of the same text: str.split() tokens, "\\n" sentences, pseudo-sentence cuts, a Counter,
first-appearance ties — every id and offset equal."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from w2v_scratch import encode as E

TEXTS = {
    "unicode whitespace": "a b\u00a0c\u3000d e\u2003f\n\n  x  y\tz\r\nq\x1cw\x0bv\x85u \u2028t\nlast words here",
    "one long line": " ".join(f"w{i % 37}" for i in range(25013)),
    "accents and CJK": "héllo wörld\nnaïve café héllo\n" * 50 + "日本語 テスト 日本語\n",
    "ties": "b a c a b c d\nd c\n",
    "no final newline": "x y z\nx y",
}


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


def blocks(data: bytes, size: int):
    return (data[i:i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("max_len", [3, 10_000])
@pytest.mark.parametrize("block", [5, 1 << 22])
@pytest.mark.parametrize("backing", ["memory", "file"])
def test_one_pass_equals_the_python_reading(name, max_len, block, backing, tmp_path):
    text = TEXTS[name]
    for min_count in (1, 2):
        words, counts, ids, offsets = python_reading(text, min_count, max_len)
        found = E.scan(blocks(text.encode(), block), max_len, path=str(tmp_path / "t") if backing == "file" else None)
        order, got_counts = E.vocabulary(found, min_count)
        assert [found.words[i] for i in order] == words and got_counts.tolist() == counts
        id_of = np.full(len(found.counts), -1, np.int32)
        id_of[order] = np.arange(len(order))
        got_ids, got_offsets = E.encode(found, id_of)
        assert np.asarray(got_ids).tolist() == ids and got_offsets.tolist() == offsets
        # the same text encoded with the vocabulary given (resuming, a saved vocabulary)
        frozen = E.scan(blocks(text.encode(), block), max_len, vocab_words=words)
        f_ids, f_offsets = E.encode(frozen, np.arange(len(words), dtype=np.int32))
        assert np.asarray(f_ids).tolist() == ids and f_offsets.tolist() == offsets


def test_a_hash_collision_never_merges_two_words(monkeypatch):
    """Force every word into the same hash bucket: the byte comparison still tells them apart."""
    from w2v_scratch.kernels import text as tk

    table = tk.rehash(np.zeros(0, np.uint64), 0, 16)
    word_hash = np.zeros(8, np.uint64)  # every word's hash 0
    pool = np.frombuffer(b"abcab", np.uint8).copy()
    pool_start = np.array([0, 3, 0, 0, 0, 0, 0, 0], np.int64)
    pool_len = np.array([3, 2, 0, 0, 0, 0, 0, 0], np.int32)
    table[0], table[1] = 0, 1  # "abc" and "ab", both with hash 0
    buf = np.frombuffer(b"ab", np.uint8).copy()
    slot = tk.lookup(buf, 0, 2, np.uint64(0), table, word_hash, pool, pool_start, pool_len)
    assert table[slot] == 1
    buf = np.frombuffer(b"abd", np.uint8).copy()
    slot = tk.lookup(buf, 0, 3, np.uint64(0), table, word_hash, pool, pool_start, pool_len)
    assert table[slot] == tk.EMPTY  # a new word: not "abc", though its hash and length agree


def test_not_utf8_raises():
    with pytest.raises(UnicodeDecodeError):
        E.scan([b"ok \xff\xfe bad\n"], 100)
