"""Counting a vocabulary in bounded memory: gensim's ``max_vocab_size`` (pruning while counting,
word2vec.c's ReduceVocab with gensim's threshold) and ``max_final_vocab`` (min_count raised until
at most N words are left), against brute-force counts written here from the rules, and against
gensim itself where it is installed; and the text kernel's counts on random corpora (unicode,
long words, many words) against a plain Counter."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from w2v_scratch.base.errors import ConfigError, InputError, VocabError
from w2v_scratch.corpus import encode as E
from w2v_scratch.corpus import read, sentences
from w2v_scratch.corpus.vocab import Vocab, final_min_count
from w2v_scratch.training.config import TrainConfig

from test_encode import pieces  # the corpus reader's block cuts

ALPHABET = ["a", "b", "é", "ß", "日", "本", "語", "x", "\u00e9\u0301", "q"]  # one per digit


def random_text(seed: int, lines: int = 400, long_words: bool = True) -> str:
    """Zipf-like words (some unicode, some hundreds of bytes long), lines of 0-14 tokens (blank ones
    too), separated by spaces, tabs and a non-breaking space."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(lines):
        words = []
        for r in rng.zipf(1.4, rng.integers(0, 15)):
            word = "".join(ALPHABET[int(d)] for d in str(min(int(r), 10**12)))
            if long_words and r % 17 == 3:
                word = word * 60
            words.append(word)
        out.append(rng.choice([" ", "\t", "\u00a0"]).join(words))
    return "\n".join(out) + "\n"


def gensim_rule(sentence_list, max_vocab_size):
    """gensim's ``_scan_vocab`` with ``max_vocab_size``, brute force: after each sentence, if more
    than max_vocab_size words are held, drop those counted fewer than min_reduce times; min_reduce
    starts at 1 and rises by one per prune. A dropped word seen again starts from zero, at the end."""
    held: dict = {}
    min_reduce = 1
    for sentence in sentence_list:
        for w in sentence:
            held[w] = held.get(w, 0) + 1
        if len(held) > max_vocab_size:
            for w in [w for w, c in held.items() if c < min_reduce]:
                del held[w]
            min_reduce += 1
    return held


def file_sentences(text: str, max_len: int):
    """A file's sentences as the corpus reader cuts them (gensim's LineSentence does the same)."""
    out = []
    for line in text.split("\n"):
        tokens = line.split()
        for start in range(0, len(tokens), max_len):
            out.append(tokens[start:start + max_len])
    return out


def counted(text: str, max_len: int, block: int, **kw):
    """The words and counts the Encoder finds, ``text`` fed in pieces of about ``block`` bytes."""
    enc = E.Encoder(max_len, **kw)
    for piece in pieces(text.encode(), block):
        enc.feed(piece)
    enc.close()
    found = enc.finish()
    enc.kept_tokens = len(found.tokens.array)  # the token buffer's capacity
    return dict(zip(found.words(np.arange(found.n_words)), found.counts.tolist())), enc


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("max_vocab_size", [1, 7, 40, 10**6])
def test_pruning_while_counting_follows_gensims_rule(seed, max_vocab_size):
    text = random_text(seed)
    max_len = 5  # long lines are cut, and each piece is a sentence that may prune
    expected = gensim_rule(file_sentences(text, max_len), max_vocab_size)
    got, enc = counted(text, max_len, 97, emit=False, max_vocab_size=max_vocab_size)
    assert list(got.items()) == list(expected.items())  # the same words, counts and order
    assert enc.n_tokens == sum(map(len, file_sentences(text, max_len)))  # every token counted ...
    assert enc.kept_tokens <= 1  # ... none kept
    if max_vocab_size == 10**6:
        assert enc.pruned_words == 0 and got == Counter(t for s in file_sentences(text, max_len) for t in s)
    else:
        assert enc.pruned_words > 0


def test_pruning_makes_counts_approximate_as_reducevocab_does():
    """A word pruned early and seen again afterwards keeps only its later occurrences."""
    text = "a b c\nd e\na a\n"
    got, _ = counted(text, 100, 1 << 20, emit=False, max_vocab_size=2)
    # after "a b c": 3 > 2 words, min_reduce 1 drops nothing; after "d e": 5 > 2, every singleton goes
    assert got == {"a": 2}


@pytest.mark.parametrize("max_vocab_size", [3, 25])
def test_load_with_max_vocab_size_encodes_every_kept_word(tmp_path, max_vocab_size):
    text = random_text(2, long_words=False)
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    kept_counts = gensim_rule(file_sentences(text, 10_000), max_vocab_size)
    vocab, corpus = read.load(path, min_count=2, max_vocab_size=max_vocab_size)
    expected = Vocab.select(list(kept_counts), list(kept_counts.values()), 2)[0]
    assert vocab.words == expected.words and vocab.counts.tolist() == expected.counts.tolist()
    # the encoding is a second pass with that vocabulary: every occurrence of a kept word is there
    full = Counter(t for line in text.split("\n") for t in line.split())
    assert np.bincount(corpus.ids, minlength=len(vocab)).tolist() == [full[w] for w in vocab.words]
    # Python data gives the same vocabulary (gensim checks after each given sentence)
    given = [line.split() for line in text.split("\n") if line.split()]
    vocab2, _ = sentences.load(given, min_count=2, max_vocab_size=max_vocab_size)
    assert vocab2.words == vocab.words


def test_a_corpus_pruned_to_nothing_says_so(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\nd\n")  # 3 words > 2: min_reduce 1 drops none; 4 > 2: min_reduce 2 drops all
    with pytest.raises(VocabError, match="max_vocab_size 2 pruned every word.*--max-vocab-size"):
        read.load(path, min_count=1, max_vocab_size=2)


def test_a_pipe_or_an_iterator_cannot_be_counted_then_read_again():
    with pytest.raises(InputError, match="pipe or device.*max-vocab-size"):
        read.load("/dev/null", max_vocab_size=10)
    with pytest.raises(InputError, match="iterator.*drop max_vocab_size"):
        sentences.load(iter([["a", "b"]]), max_vocab_size=10)


@pytest.mark.parametrize("seed", range(5))
def test_max_final_vocab_is_gensims_effective_min_count(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 9, rng.integers(1, 40))
    for n in range(1, len(counts) + 2):
        for min_count in (1, 3):
            ranked = sorted(counts.tolist(), reverse=True)  # gensim: sorted(raw_vocab, key=count, reverse)
            expected = max(ranked[n] + 1 if n < len(ranked) else 1, min_count)
            assert final_min_count(counts, min_count, n) == expected
            words = [f"w{i}" for i in range(len(counts))]
            try:
                vocab = Vocab.select(words, counts, min_count, max_final_vocab=n)[0]
            except VocabError as exc:  # every word tied at the boundary: gensim keeps none either
                assert "max_final_vocab" in str(exc) or (counts < min_count).all()
                assert (counts < expected).all()
                continue
            assert len(vocab) <= n and sorted(vocab.words) == sorted(w for w, c in zip(words, counts) if c >= expected)


def test_max_final_vocab_differs_from_max_vocab_on_ties():
    words, counts = ["a", "b", "c", "d"], [5, 3, 3, 1]
    assert Vocab.select(words, counts, 1, max_final_vocab=2)[0].words == ["a"]  # the tie at 3 goes whole
    assert Vocab.select(words, counts, 1, max_vocab=2)[0].words == ["a", "b"]  # exactly 2, ties by order
    with pytest.raises(VocabError, match="max_final_vocab 1 leaves no word.*--max-vocab"):
        Vocab.select(["a", "b"], [4, 4], 1, max_final_vocab=1)


def test_against_gensim(tmp_path):
    gensim = pytest.importorskip("gensim")
    text = random_text(3, lines=300, long_words=False)
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    for kw in (dict(max_vocab_size=20), dict(max_final_vocab=15), dict(max_vocab_size=60, max_final_vocab=9)):
        model = gensim.models.Word2Vec(vector_size=4, min_count=2, **kw)
        model.build_vocab(corpus_file=str(path))
        vocab, _ = read.load(path, min_count=2, **kw)
        theirs = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
        assert dict(zip(vocab.words, vocab.counts.tolist())) == theirs, kw  # ties: gensim's order is its own


@pytest.mark.parametrize("seed", [4, 5])
def test_the_counting_kernel_equals_a_counter_on_random_corpora(seed):
    """Thousands of words (the table and pool grow many times), unicode, words of hundreds of
    bytes, pieces of a few bytes: the same words, in order of first appearance, and counts."""
    text = random_text(seed, lines=1500)
    expected = Counter(text.split())
    for kw in (dict(), dict(emit=False)):
        got, _ = counted(text, 10_000, 61, **kw)
        assert list(got.items()) == list(expected.items())


def test_the_options_are_checked():
    with pytest.raises(ConfigError, match="--max-vocab-size must be at least 1"):
        TrainConfig(max_vocab_size=0).validate()
    with pytest.raises(ConfigError, match="--max-final-vocab must be at least 1"):
        TrainConfig(max_final_vocab=0).validate()
    with pytest.raises(ConfigError, match="--read-vocab"):
        TrainConfig(max_vocab_size=5, read_vocab="v.txt").validate()
