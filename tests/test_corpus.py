import bz2
import gzip
import json
import lzma
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v_scratch.corpus import read as corpus
from w2v_scratch.corpus import text_file
from w2v_scratch.base.errors import InputError, VocabError
from w2v_scratch.corpus.vocab import Vocab

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
    monkeypatch.setattr(text_file, "_BLOCK", 64)  # force many block boundaries inside words
    words = [f"w{i % 97}" for i in range(2345)]
    p = write(tmp_path, "one-line.txt", " ".join(words).encode())  # no trailing newline, like text8
    sentences = list(corpus.iter_sentences(p, max_sentence_length=1000))
    assert [len(s) for s in sentences] == [1000, 1000, 345]
    assert sum(sentences, []) == words


def test_utf8_split_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(text_file, "_BLOCK", 7)
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


# -- corpus.load (the text kernel) against the Python reading (iter_sentences + Vocab) ---------------------
READS = {
    "plain": TEXT.encode(),
    "crlf, tabs, form feeds, no final newline": b"a b\r\nb\tc\x0cd\x0be\r\n\r\na a",
    "unicode whitespace": "x\u00a0y z\u3000x\u2028y\x85z\u2003w\u200bq\u180ew \ufeffv\nx y\u1680z\n".encode(),
    "byte-order mark": "\ufeffhello world\nhello again\ufeff\n".encode(),
    "accents and CJK": ("naïve café über\n日本語 テスト 日本語\n" * 30).encode(),
    "long lines": (" ".join(f"w{i % 41}" for i in range(2600)) + "\n"
                   + " ".join(f"v{i % 7}" for i in range(900))).encode(),
}


def python_load(path, min_count=1, max_len=corpus.MAX_SENTENCE_LENGTH, vocab=None):
    """What load computes, the slow way: iter_sentences, Vocab.build, word-by-word encoding."""
    sentences = list(corpus.iter_sentences(path, max_len))
    if vocab is None:
        vocab = Vocab.build(sentences, min_count)
    encoded = [e for e in ([vocab.index[w] for w in s if w in vocab.index] for s in sentences) if e]
    offsets = np.cumsum([0] + [len(e) for e in encoded]).tolist()
    return vocab, sum(encoded, []), offsets


def same_vocab(a: Vocab, b: Vocab) -> bool:
    return a.words == b.words and a.counts.tolist() == b.counts.tolist()


@pytest.mark.parametrize("name", list(READS))
@pytest.mark.parametrize("block", [7, 1 << 20])
@pytest.mark.parametrize("cache", [False, True])
def test_load_equals_the_python_reading(tmp_path, monkeypatch, name, block, cache):
    monkeypatch.setattr(text_file, "_BLOCK", block)  # tokens and characters cut at block ends
    p = write(tmp_path, "c.txt", READS[name])
    folder = tmp_path / "cache" if cache else None
    for min_count, max_len in ((1, corpus.MAX_SENTENCE_LENGTH), (2, 1000), (1, 3)):
        want_vocab, want_ids, want_offsets = python_load(p, min_count, max_len)
        vocab, enc = corpus.load(p, min_count, max_sentence_length=max_len, cache_dir=folder)
        assert same_vocab(vocab, want_vocab)
        assert enc.ids.dtype == np.int32 and enc.offsets.dtype == np.int64
        assert enc.ids.tolist() == want_ids and enc.offsets.tolist() == want_offsets
        # a given vocabulary (--read-vocab), its words in another order, some never in the corpus
        given = Vocab(list(reversed(want_vocab.words)) + ["absent", "two words", "\ud800"],
                      list(range(len(want_vocab) + 3, 0, -1)))
        _, want_ids, want_offsets = python_load(p, max_len=max_len, vocab=given)
        got_vocab, enc = corpus.load(p, max_sentence_length=max_len, cache_dir=folder, vocab=given)
        assert got_vocab is given
        assert enc.ids.tolist() == want_ids and enc.offsets.tolist() == want_offsets
    if cache:
        assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_load_reads_compressed_files(tmp_path, suffix, opener):
    data = READS["long lines"] + READS["unicode whitespace"]
    plain = corpus.load(write(tmp_path, "c.txt", data), 1)
    for cache in (None, tmp_path / "cache"):
        vocab, enc = corpus.load(write(tmp_path, "c.txt" + suffix, opener(data)), 1, cache_dir=cache)
        assert same_vocab(vocab, plain[0]) and np.array_equal(enc.ids, plain[1].ids)
        assert np.array_equal(enc.offsets, plain[1].offsets)


BAD = {
    "not UTF-8": b"fine words\n" * 20 + "caf\xe9 ok\n".encode("latin-1"),
    "a surrogate": b"ok ok\n\xed\xa0\x80 x\n",
    "an overlong character": b"ok \xc0\xaf\n",
    "cut inside a character at the end": "ok caf\u00e9".encode()[:-1],
    "binary": b"abc\x00\x01def",
}


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("cache", [False, True])
def test_load_refuses_what_the_python_reading_refuses_with_the_same_line(tmp_path, monkeypatch, name, cache):
    monkeypatch.setattr(text_file, "_BLOCK", 16)
    p = write(tmp_path, "bad.txt", BAD[name])
    with pytest.raises(InputError) as python:
        list(corpus.iter_sentences(p))
    folder = tmp_path / "cache"
    for vocab in (None, Vocab(["ok"], [3])):
        with pytest.raises(InputError) as fast:
            corpus.load(p, 1, cache_dir=folder if cache else None, vocab=vocab)
        assert str(fast.value) == str(python.value) and "\n" not in str(fast.value)
    if cache:
        assert os.listdir(folder) == []


def test_load_refuses_a_word_or_a_blank_run_past_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(text_file, "MAX_WORD_BYTES", 100)
    monkeypatch.setattr(text_file, "MAX_BLANK_BYTES", 100)
    monkeypatch.setattr(text_file, "_BLOCK", 32)
    for data, needle in ((b"a " + b"y" * 200 + b" b\n", "longer than"), (b"a\n" + b" \n" * 200 + b"b\n", "blank")):
        p = write(tmp_path, "c.txt", data)
        with pytest.raises(InputError, match=needle) as python:
            list(corpus.iter_sentences(p))
        with pytest.raises(InputError, match=needle) as fast:
            corpus.load(p, 1)
        assert str(fast.value) == str(python.value)
    p = write(tmp_path, "ok.txt", b"a\n" + b" \n" * 30 + "\u3000".encode() * 30)  # the blank end is not counted
    assert corpus.load(p, 1)[0].words == ["a"] and list(corpus.iter_sentences(p)) == [["a"]]


@pytest.mark.parametrize("cache", [False, True])
def test_a_corpus_over_the_memory_budget_stops_with_one_line(tmp_path, monkeypatch, cache):
    monkeypatch.setattr(corpus, "memory_budget", lambda: 1 << 16)
    p = write(tmp_path, "c.txt", " ".join(f"w{i}" for i in range(20000)).encode())
    with pytest.raises(InputError, match="does not fit in memory") as exc:
        corpus.load(p, 1, cache_dir=tmp_path / "cache" if cache else None)
    assert ("its vocabulary" if cache else "its encoding") in str(exc.value) and "\n" not in str(exc.value)
    if not cache:  # a given vocabulary: the encoding still grows with the corpus
        with pytest.raises(InputError, match="words in the given vocabulary. its encoding passed"):
            corpus.load(p, vocab=Vocab([f"w{i}" for i in range(100)], [1] * 100))


def test_a_long_read_reports_its_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "_REPORT_SECONDS", 0.0)
    monkeypatch.setattr(text_file, "_BLOCK", 64)
    p = write(tmp_path, "c.txt", TEXT.encode() * 10)
    lines = []
    corpus.load(p, 1, report=lines.append)
    assert lines and all(line.startswith(f"reading {p}: ") and line.endswith("distinct words so far")
                         for line in lines)
    lines.clear()
    corpus.load(p, 1, report=lines.append, vocab=Vocab(["the"], [1]))
    assert lines and all(line.endswith(" tokens so far") for line in lines)


MEASURE = """
import json, sys
from w2v_scratch.corpus import read as corpus
def status(field):  # kB; this process's own figures (ru_maxrss starts from the parent's peak)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

corpus.load(sys.argv[1] + ".warm", 1)  # the kernels loaded
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak starts again from here
start = status("VmRSS")
vocab, enc = corpus.load(sys.argv[1], 1, cache_dir=sys.argv[2] if len(sys.argv) > 2 else None)
print(json.dumps([start, status("VmHWM"), len(enc.ids)]))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's resettable peak RSS")
def test_the_encoding_is_held_once_in_memory_and_not_at_all_with_a_cache(tmp_path):
    """Peak memory of load over a corpus of 3M tokens: in memory, the 12 MB of ids and a little
    (never a second copy); with a cache folder, a little."""
    p = write(tmp_path, "c.txt", " ".join(f"w{i % 5000}" for i in range(3_000_000)).encode())
    write(tmp_path, "c.txt.warm", b"a b\n")
    peaks = {}
    for mode, extra in (("memory", []), ("cache", [str(tmp_path / "cache")])):
        out = subprocess.run([sys.executable, "-c", MEASURE, str(p), *extra], capture_output=True, text=True,
                             check=True).stdout
        start, peak, n = json.loads(out)
        assert n == 3_000_000
        peaks[mode] = (peak - start) / 1024  # MB
    ids_mb = 4 * 3_000_000 / 2**20
    assert peaks["memory"] < ids_mb + 8, peaks
    assert peaks["cache"] < 8, peaks


# -- the same, on random text and random bytes ------------------------------------------------------------
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ALPHABET = ("abcxyz019-'.é日ß\U0001f600\x00"  # then whitespace, and two characters that are not (U+200B, U+FEFF)
            " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u3000\ufeff")


def compare_with_python(path, max_len: int) -> None:
    """load (in memory, then with a fresh cache) equals the Python reading, or both raise the same line."""
    shutil.rmtree(path.parent / "cache", ignore_errors=True)
    try:
        want = python_load(path, 1, max_len)
    except InputError as exc:  # an InputError from the reading, or no words at all
        for cache in (None, path.parent / "cache"):
            with pytest.raises(InputError) as fast:
                corpus.load(path, 1, max_sentence_length=max_len, cache_dir=cache)
            assert str(fast.value) == str(exc) or "holds no words" in str(fast.value)
        return
    for cache in (None, path.parent / "cache"):
        vocab, enc = corpus.load(path, 1, max_sentence_length=max_len, cache_dir=cache)
        assert same_vocab(vocab, want[0]) and enc.ids.tolist() == want[1] and enc.offsets.tolist() == want[2]


@FUZZ
@given(text=st.text(alphabet=ALPHABET, max_size=300), max_len=st.sampled_from([1, 3, 10_000]),
       block=st.sampled_from([5, 16, 1 << 20]))
def test_load_equals_the_python_reading_on_random_text(tmp_path, monkeypatch, text, max_len, block):
    monkeypatch.setattr(text_file, "_BLOCK", block)
    compare_with_python(write(tmp_path, "c.txt", text.encode("utf-8", "surrogatepass")), max_len)


@FUZZ
@given(data=st.binary(max_size=300), block=st.sampled_from([7, 1 << 20]))
def test_load_equals_the_python_reading_on_random_bytes(tmp_path, monkeypatch, data, block):
    monkeypatch.setattr(text_file, "_BLOCK", block)
    compare_with_python(write(tmp_path, "c.txt", data), 4)
