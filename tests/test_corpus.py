import bz2
import gzip
import lzma

import numpy as np
import pytest

from w2v_scratch import corpus
from w2v_scratch.errors import InputError, VocabError
from w2v_scratch.vocab import Vocab

TEXT = "the cat sat on the mat\nthe dog sat\n\n  a cat  and a dog \n"


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_sentences_one_per_line_blank_lines_skipped(tmp_path):
    p = write(tmp_path, "c.txt", TEXT.encode())
    assert list(corpus.iter_sentences(p)) == [
        ["the", "cat", "sat", "on", "the", "mat"],
        ["the", "dog", "sat"],
        ["a", "cat", "and", "a", "dog"],
    ]


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_files_read_transparently(tmp_path, suffix, opener):
    p = write(tmp_path, "c.txt" + suffix, opener(TEXT.encode()))
    assert list(corpus.iter_sentences(p)) == list(corpus.iter_sentences(write(tmp_path, "plain.txt", TEXT.encode())))


def test_long_line_cut_into_pseudo_sentences_nothing_dropped(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "_BLOCK", 64)  # force many block boundaries inside words
    words = [f"w{i % 97}" for i in range(2345)]
    p = write(tmp_path, "one-line.txt", " ".join(words).encode())  # no trailing newline, like text8
    sentences = list(corpus.iter_sentences(p, max_sentence_length=1000))
    assert [len(s) for s in sentences] == [1000, 1000, 345]
    assert sum(sentences, []) == words


def test_utf8_split_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "_BLOCK", 7)
    text = "naïve café über straße\nçà ça\n"
    p = write(tmp_path, "u.txt", text.encode())
    assert list(corpus.iter_sentences(p)) == [line.split() for line in text.splitlines()]


def test_errors_are_one_line_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(corpus.iter_sentences(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="not UTF-8"):
        list(corpus.iter_sentences(write(tmp_path, "latin1.txt", "caf\xe9 ok\n".encode("latin-1"))))
    with pytest.raises(InputError, match="binary"):
        list(corpus.iter_sentences(write(tmp_path, "b.bin", b"abc\x00\x01def")))
    with pytest.raises(InputError, match="directory"):
        list(corpus.iter_sentences(tmp_path))
    with pytest.raises(InputError, match="no words"):
        corpus.load(write(tmp_path, "empty.txt", b"  \n\n"))
    with pytest.raises(VocabError, match="min-count"):
        corpus.load(write(tmp_path, "rare.txt", b"a b c\n"), min_count=2)


def test_encode_drops_oov_and_keeps_sentence_offsets(tmp_path):
    p = write(tmp_path, "c.txt", TEXT.encode())
    vocab, enc = corpus.load(p, min_count=2)
    assert vocab.words[:2] == ["the", "cat"]  # 'the' 3, then ties in first-appearance order
    assert enc.ids.dtype == np.int32 and enc.offsets.dtype == np.int64
    decoded = [[vocab.words[i] for i in s] for s in enc.sentences()]
    assert decoded == [["the", "cat", "sat", "the"], ["the", "dog", "sat"], ["a", "cat", "a", "dog"]]


def test_vocab_min_count_max_vocab_and_roundtrip(tmp_path):
    from collections import Counter

    v = Vocab.from_counter(Counter({"a": 5, "b": 9, "c": 1, "d": 5}), min_count=2, max_vocab=2)
    assert v.words == ["b", "a"] and v.counts.tolist() == [9, 5]
    v.save(tmp_path / "vocab.txt")
    assert (tmp_path / "vocab.txt").read_text() == "b 9\na 5\n"
    w = Vocab.load(tmp_path / "vocab.txt")
    assert w.words == v.words and w.counts.tolist() == v.counts.tolist()
    with pytest.raises(VocabError):
        v["zzz"]


def test_bundled_ptb_reference_counts():
    """The bundled PTB is the shared ptb.train.txt: 42,068 lines, 887,521 tokens, 9,999 types."""
    sentences = list(corpus.iter_sentences("ptb"))
    assert len(sentences) == 42_068
    assert sum(map(len, sentences)) == 887_521
    vocab = Vocab.build(sentences)
    assert len(vocab) == 9_999
