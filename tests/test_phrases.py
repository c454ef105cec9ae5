"""Phrases (word2phrase): the formulas and boundary rules, against a plain port of word2phrase.c,
gensim's Phrases and the C word2phrase binary (when installed)."""

import gzip
import importlib.util
import itertools
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from w2v_scratch.corpus import read as corpus
from w2v_scratch.corpus import phrases
from w2v_scratch.base.errors import ConfigError, InputError
from w2v_scratch.corpus.phrases import Phrases, learn_phrases, phrase_corpus

HAS_GENSIM = importlib.util.find_spec("gensim") is not None
PTB_LINES = 12_000  # a slice of PTB keeps the comparisons fast


def c_binary(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else shutil.which(name)


WORD2PHRASE = c_binary("word2phrase")


def run_c(folder, *args):
    """word2phrase in ``folder``, with short relative paths: it copies -train and -output into
    60-byte buffers (a longer path overflows them)."""
    subprocess.run([WORD2PHRASE, *args, "-debug", "0"], check=True, capture_output=True, timeout=120, cwd=folder)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in f if line.split()]


@pytest.fixture(scope="module")
def ptb_slice(tmp_path_factory):
    path = tmp_path_factory.mktemp("ptb") / "ptb-slice.txt"
    with gzip.open(corpus.resolve("ptb"), "rt", encoding="utf-8") as f:
        path.write_text("".join(itertools.islice(f, PTB_LINES)), encoding="utf-8")
    return path


# -- a plain port of word2phrase.c (string keys, one shared table), the reference --------------------------
def word2phrase_port(text: str, min_count: int = 5, threshold: float = 100.0) -> str:
    """word2phrase.c's LearnVocabFromTrainFile + TrainModel, line by line of C, minus its byte-level
    quirks (59-byte words, the unset first last_word): one string-keyed table for unigrams and
    "a_b" bigrams, the pair across each line end counted, float32 score, strict '>'."""
    tokens = []
    for line in text.split("\n"):
        tokens.extend(line.split())
        tokens.append("\n")
    vocab, train_words, last = {}, 0, None
    for w in tokens:
        if w == "\n":
            continue  # start = 1 ... but the bigram below is still counted on the next word
        train_words += 1
        vocab[w] = vocab.get(w, 0) + 1
        if last is not None:
            vocab[last + "_" + w] = vocab.get(last + "_" + w, 0) + 1
        last = w
    vocab = {k: c for k, c in vocab.items() if c >= min_count}  # SortVocab
    f32 = np.float32
    out, pa, pb, pab, li, word = [], 0, 0, 0, -1, ""
    for w in tokens:
        last_word, word = word, w
        if w == "\n":
            out.append("\n")
            continue
        oov = False
        if w in vocab:
            pb, i = vocab[w], 1
        else:
            oov, i = True, -1
        if li == -1:
            oov = True
        li = i
        if last_word + "_" + w in vocab:
            pab = vocab[last_word + "_" + w]
        else:
            oov = True
        if pa < min_count or pb < min_count:
            oov = True
        score = f32(0) if oov else f32(pab - min_count) / f32(pa) / f32(pb) * f32(train_words)
        if score > f32(threshold):
            out.append("_" + w)
            pb = 0
        else:
            out.append(" " + w)
        pa = pb
    return "".join(out)


def collision_text(seed=0, n=1500):
    """Sentences full of repeated pairs, with tokens spelled like pairs ("w1_w2", "w3_w4_w5") and
    sentences that end/start with halves of phrases: every quirk of the shared tables shows."""
    rng = np.random.default_rng(seed)
    pieces = ["w1 w2", "w1_w2 w3", "w3 w4_w5", "w3_w4 w5", "w6 w7", "w6 w7 w8", "w2 w6", "w9", "w10 w11",
              "w11 w1", "w1_w2", "w4 w5"]
    lines = []
    for _ in range(n):
        k = rng.integers(1, 5)
        lines.append(" ".join(pieces[j] for j in rng.integers(0, len(pieces), k)))
    return "\n".join(lines) + "\n"


def ours_passes(text_or_sentences, thresholds, **options):
    sentences = [line.split() for line in text_or_sentences.split("\n") if line.split()] \
        if isinstance(text_or_sentences, str) else text_or_sentences
    for t in thresholds:
        model = Phrases.learn(sentences, threshold=t, **options)
        sentences = list(model.transform_sentences(sentences))
    return sentences


# -- formulas and rules ---------------------------------------------------------------------------------
def test_word2vec_score_is_word2phrase_formula_in_float32():
    sentences = [["new", "york", "is", "big"]] * 7 + [["new", "car"], ["york", "city"]] * 3 + [["a", "b"]] * 2
    p = Phrases.learn(sentences)
    N = sum(map(len, sentences))
    assert p.n_words == N
    f32 = np.float32
    expected = f32(7 - 5) / f32(10) / f32(10) * f32(N)  # count(new)=count(york)=10, count(new york)=7
    assert p.score("new", "york") == float(expected)
    assert p.score("york", "is") == float(f32(7 - 5) / f32(10) / f32(7) * f32(N))
    assert p.score("a", "b") is None  # unigrams under min_count: not scored
    assert p.score("new", "car") is None  # bigram under min_count
    assert p.score("is", "new") is None  # never counted (across sentences, not with counting="pairs")


def test_gensim_score_uses_distinct_unigrams_plus_bigrams():
    sentences = [["new", "york", "is", "big"]] * 7 + [["new", "car"]] * 3 + [["x", "y"]] * 6
    p = Phrases.learn(sentences, scoring="gensim")
    len_vocab = 7 + 5  # new york is big car x y; new_york york_is is_big new_car x_y
    assert p.score("new", "york") == (7 - 5) / float(10 * 7) * len_vocab
    assert p.score("x", "y") == (6 - 5) / float(6 * 6) * len_vocab  # no unigram minimum
    assert p.score("new", "car") == (3 - 5) / float(10 * 3) * len_vocab  # negative: never joined


def test_threshold_is_strict():
    sentences = [["a", "b", "c"]] * 9 + [["a", "d"]] * 3
    at = Phrases.learn(sentences, threshold=0.0).score("a", "b")
    assert Phrases.learn(sentences, threshold=at).transform(["a", "b"]) == ["a", "b"]
    below = float(np.nextafter(np.float32(at), np.float32(0)))
    assert Phrases.learn(sentences, threshold=below).transform(["a", "b"]) == ["a_b"]


def test_scan_is_greedy_left_to_right_and_stops_at_sentence_ends():
    sentences = [["x", "a", "b", "c", "d"]] * 20
    p = Phrases.learn(sentences, threshold=1.0)
    assert p.score("a", "b") > 1 and p.score("b", "c") > 1 and p.score("c", "d") > 1
    assert p.transform(["a", "b", "c", "d"]) == ["a_b", "c_d"]
    assert p.transform(["b", "c", "d"]) == ["b_c", "d"]
    assert p.transform(["a", "zzz", "b"]) == ["a", "zzz", "b"]  # unknown words are left alone
    assert list(p.transform_sentences([["a"], [], ["b", "c"], ["d"]])) == [["a"], ["b_c"], ["d"]]


def test_delimiter_and_empty_inputs():
    sentences = [["a", "b"]] * 10
    p = Phrases.learn(sentences, threshold=0, delimiter="--", counting="pairs")  # no "b a" across lines
    assert p.transform(["a", "b"]) == ["a--b"] and p.transform([]) == [] and p.transform(["a"]) == ["a"]
    assert p.export() == {"a--b": p.score("a", "b")}
    with pytest.raises(TypeError):
        p.transform("a b")


def test_two_passes_make_longer_phrases():
    sentences = [[f"a{i % 10}", "new", "york", "times", f"b{i % 10}"] for i in range(30)] + \
                [["in", "new", "york"]] * 10 + [["the", "times", "of", "old"]] * 10
    first = Phrases.learn(sentences, threshold=1.0)
    once = list(first.transform_sentences(sentences))
    assert once[0] == ["a0", "new_york", "times", "b0"]  # "york times" passes too, but "new york" came first
    second = Phrases.learn(once, threshold=1.0)
    assert second.transform(once[0]) == ["a0", "new_york_times", "b0"]


@pytest.mark.parametrize("bad", [dict(scoring="npmi"), dict(min_count=0), dict(threshold=-1),
                                 dict(threshold=float("nan")), dict(delimiter=" "), dict(max_bigrams=0),
                                 dict(counting="exact")])
def test_bad_options_refused(bad):
    with pytest.raises(ConfigError):
        Phrases(**bad)


def test_counting_pairs_ignores_line_ends_and_keeps_spellings_apart():
    # "b c" inside sentences 5 times, and across a line end once ("... b" then "c ..."):
    sentences = [["a", "b", "c"]] * 5 + [["x", "b"], ["c", "y"]] + [["x", "y"]] * 5
    tool, pairs = Phrases.learn(sentences, threshold=0), Phrases.learn(sentences, threshold=0, counting="pairs")
    assert tool.score("b", "c") > 0 and pairs.score("b", "c") == 0.0  # 6 − 5 vs 5 − 5
    assert tool.transform(["b", "c"]) == ["b_c"] and pairs.transform(["b", "c"]) == ["b", "c"]
    # the token "p_q" and the pair (p, q) share a count in the tools, not with counting="pairs"
    sentences = [["p", "q"]] * 3 + [["p_q"]] * 3 + [["p"], ["q"]] * 2
    tool = Phrases.learn(sentences, threshold=0, scoring="gensim")
    pairs = Phrases.learn(sentences, threshold=0, scoring="gensim", counting="pairs")
    assert tool.transform(["p", "q"]) == ["p_q"] and pairs.transform(["p", "q"]) == ["p", "q"]
    assert tool.n_entries == pairs.n_entries - 1  # gensim's len(vocab) counts "p_q" once


def test_equal_to_a_plain_port_of_word2phrase_c_over_passes():
    text = collision_text()
    expected = text
    for t in (5.0, 5.0, 5.0):
        expected = word2phrase_port(expected, min_count=3, threshold=t)
    expected = [line.split() for line in expected.split("\n") if line.split()]
    assert ours_passes(text, (5.0, 5.0, 5.0), min_count=3) == expected
    # the quirks matter on this text: counting only the text's own pairs gives other phrases
    assert ours_passes(text, (5.0, 5.0, 5.0), min_count=3, counting="pairs") != expected


def test_pruning_follows_word2phrase_reduce_vocab():
    rng = np.random.default_rng(1)
    sentences = [[f"r{i}" for i in rng.integers(0, 400, 12)] for _ in range(300)] + [["new", "york"]] * 50
    p = Phrases.learn(sentences, max_bigrams=500, threshold=10)
    assert p.n_bigrams <= 500 and p.min_reduce > 1
    assert p.bigram_count("new", "york") == 50 and p.transform(["new", "york"]) == ["new_york"]
    assert (p._bicounts >= p.min_reduce).all()  # all kept bigrams were seen more than min_reduce − 1 times
    exact = Phrases.learn(sentences, threshold=10)
    assert exact.n_bigrams > 500 and exact.min_reduce == 1


# -- files ------------------------------------------------------------------------------------------------
def test_phrase_corpus_writes_atomically_and_reads_compressed(tmp_path, monkeypatch):
    text = collision_text(n=300)
    plain = tmp_path / "c.txt"
    plain.write_text(text)
    packed = tmp_path / "c.txt.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    out1, out2 = tmp_path / "o1.txt", tmp_path / "o2.txt"
    messages = []
    models = phrase_corpus(plain, out1, thresholds=(5.0, 5.0), min_count=3, report=messages.append)
    phrase_corpus(packed, out2, thresholds=(5.0, 5.0), min_count=3)
    assert out1.read_text() == out2.read_text()
    assert read_lines(out1) == ours_passes(text, (5.0, 5.0), min_count=3)
    assert len(models) == 2 and len(messages) == 3 and messages[-1].startswith("wrote ")
    # a crash while writing leaves the old output whole and no temporary file behind
    out1.write_text("old\n")

    def boom(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(phrases, "_apply_all", boom)
    with pytest.raises(RuntimeError):
        phrase_corpus(plain, out1, min_count=3)
    assert out1.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["c.txt", "c.txt.gz", "o1.txt", "o2.txt"]


def test_phrase_corpus_refuses_its_input_as_output_and_pipes(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b\n" * 10)
    with pytest.raises(ConfigError, match="input|corpus"):
        phrase_corpus(p, p)
    with pytest.raises(ConfigError):
        phrase_corpus(p, tmp_path / "o.txt", thresholds=())
    r, w = os.pipe()
    try:
        with pytest.raises(ConfigError, match="pipe"):
            phrase_corpus(f"/dev/fd/{r}", tmp_path / "o.txt")
    finally:
        os.close(r)
        os.close(w)
    assert not (tmp_path / "o.txt").exists()
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(InputError, match="no words"):
        learn_phrases(tmp_path / "empty.txt")


# -- the peers --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_GENSIM, reason="needs gensim (the bench extra)")
def test_gensim_scoring_equals_gensim_phrases_on_ptb(ptb_slice):
    from gensim.models.phrases import Phrases as GensimPhrases

    sentences = list(corpus.iter_sentences(ptb_slice))
    ours = Phrases.learn(sentences, scoring="gensim")  # gensim's defaults: min_count 5, threshold 10
    theirs = GensimPhrases(sentences, min_count=5, threshold=10.0, delimiter="_", scoring="default")
    assert ours.n_entries == len(theirs.vocab)
    exported = theirs.export_phrases()
    assert len(exported) > 500 and ours.export() == exported  # the same phrases with the same scores
    once = list(ours.transform_sentences(sentences))
    assert once == [theirs[s] for s in sentences]
    # a second pass (gensim's shared string keys now meet tokens such as "new_york")
    ours2 = Phrases.learn(once, scoring="gensim")
    theirs2 = GensimPhrases(once, min_count=5, threshold=10.0)
    assert ours2.n_entries == len(theirs2.vocab)
    assert list(ours2.transform_sentences(once)) == [theirs2[s] for s in once]


@pytest.mark.skipif(not HAS_GENSIM, reason="needs gensim (the bench extra)")
def test_gensim_scoring_equals_gensim_on_colliding_spellings():
    from gensim.models.phrases import Phrases as GensimPhrases

    sentences = [line.split() for line in collision_text(seed=2).split("\n") if line.split()]
    ours, theirs = sentences, sentences
    for t in (2.0, 1.0, 1.0):
        ours = list(Phrases.learn(ours, scoring="gensim", threshold=t, min_count=3).transform_sentences(ours))
        model = GensimPhrases(theirs, min_count=3, threshold=t)
        theirs = [model[s] for s in theirs]
        assert ours == theirs


@pytest.mark.skipif(WORD2PHRASE is None, reason="needs the C word2phrase binary (the bench extra)")
def test_word2vec_scoring_equals_the_c_word2phrase_on_ptb(ptb_slice, tmp_path):
    """word2vec.c's recipe, two passes with thresholds 200 then 100, on the same text."""
    shutil.copy(ptb_slice, tmp_path / "in.txt")
    current = "in.txt"
    for k, t in enumerate((200, 100)):
        out = f"c{k}.txt"
        run_c(tmp_path, "-train", current, "-output", out, "-threshold", str(t), "-min-count", "5")
        current = out
    current = tmp_path / current
    ours = tmp_path / "ours.txt"
    models = phrase_corpus(ptb_slice, ours, thresholds=(200, 100))
    assert all(len(m) > 100 for m in models)
    expected = read_lines(current)
    got = read_lines(ours)
    assert len(got) == len(expected) and got == expected
    assert any("_" in t and t.count("_") >= 2 for line in got for t in line)  # three-word phrases


@pytest.mark.skipif(WORD2PHRASE is None, reason="needs the C word2phrase binary (the bench extra)")
def test_port_equals_the_c_word2phrase(tmp_path):
    """The plain port above is word2phrase.c on the colliding text (so the port is a fair reference)."""
    src = tmp_path / "t.txt"
    src.write_text(collision_text(seed=3, n=400))
    out = tmp_path / "o.txt"
    run_c(tmp_path, "-train", "t.txt", "-output", "o.txt", "-threshold", "5", "-min-count", "3")
    port = word2phrase_port(src.read_text(), min_count=3, threshold=5.0)
    assert read_lines(out) == [line.split() for line in port.split("\n") if line.split()]
