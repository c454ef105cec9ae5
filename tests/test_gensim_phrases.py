"""gensim's Phrases (corpus/gensim_phrases.py) against gensim itself on generated corpora: vocab
(counts and order), export_phrases, phrases[sentence], phrases[corpus], find_phrases, freeze, with
and without connector words, both scorings and a function, several thresholds, pruning and
add_vocab; saving to one JSON file, refusing a pickle; one-line errors of gensim's types. And the
native model's refusal of sentences given as a count, in one short line."""

from __future__ import annotations

import math
import os
import pickle
import random

import pytest

from w2v_scratch.base.errors import ConfigError, FormatError, W2VError
from w2v_scratch.corpus import gensim_phrase_counts
from w2v_scratch.corpus import gensim_phrases as ours
from w2v_scratch.corpus.gensim_phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases
from w2v_scratch.corpus.phrase_model import Phrases as NativePhrases

WORDS = [f"w{i}" for i in range(30)] + ["new_york", "x_of_y", "the_end"]
CONNECTORS = ["of", "the", "a", "and", "in", "to"]


def make_corpus(seed: int, n: int) -> list[list[str]]:
    """Sentences with frequent pairs ("new york"), pairs with one or two connector words inside
    ("bank of america", "bank of the america"), runs of three, tokens spelled like pairs
    ("new_york"), empty strings and empty sentences."""
    rng = random.Random(seed)
    corpus = []
    for _ in range(n):
        sentence: list[str] = []
        for _ in range(rng.choice([0, 1, 2, 4, 9, 20])):
            r = rng.random()
            if r < 0.12:
                sentence += ["new", "york"]
            elif r < 0.2:
                sentence += ["bank", "of", "america"]
            elif r < 0.24:
                sentence += ["bank", "of", "the", "america"]
            elif r < 0.26:
                sentence += ["eye", "of", "the", "a", "beholder"]
            elif r < 0.45:
                sentence.append(rng.choice(CONNECTORS))
            elif r < 0.46:
                sentence.append("")
            else:
                sentence.append(rng.choice(WORDS[:12] if rng.random() < 0.7 else WORDS))
        corpus.append(sentence)
    return corpus


def my_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    return bigram_count / (worda_count + wordb_count) * 10.0


def same_scores(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    assert all(math.isclose(a[k], b[k], rel_tol=1e-12, abs_tol=1e-15) for k in a)


CASES = [dict(scoring="default", threshold=t, min_count=m) for t in (0.5, 4.0, 20.0) for m in (1, 3)] + \
        [dict(scoring="npmi", threshold=t, min_count=m) for t in (-0.2, 0.3) for m in (1, 3)] + \
        [dict(scoring="default", threshold=1.0, min_count=2, max_vocab_size=150)]  # prunes


@pytest.mark.parametrize("batch", [97, None], ids=["small-batches", "one-batch"])
@pytest.mark.parametrize("connectors", [frozenset(), ENGLISH_CONNECTOR_WORDS], ids=["plain", "connectors"])
def test_results_equal_gensims(connectors, batch, monkeypatch):
    gp = pytest.importorskip("gensim.models.phrases")
    if batch is not None:  # many batches: the table merged and the pruning bound checked across them
        monkeypatch.setattr(gensim_phrase_counts, "BATCH_TOKENS", batch)
    corpus, more = make_corpus(1, 700), make_corpus(2, 300)
    pruned, found = False, set()
    for options in CASES:
        options = dict(options, connector_words=connectors)
        mine, theirs = Phrases(corpus, **options), gp.Phrases(corpus, **options)
        mine.add_vocab(more)
        theirs.add_vocab(more)
        assert mine.vocab == theirs.vocab and list(mine.vocab) == list(theirs.vocab), options
        assert (mine.corpus_word_count, mine.min_reduce) == (theirs.corpus_word_count, theirs.min_reduce)
        pruned = pruned or mine.min_reduce > 1
        exported = mine.export_phrases()
        same_scores(exported, theirs.export_phrases())
        found |= set(exported)
        both = corpus + more
        assert list(mine[both]) == list(theirs[both]), options
        same_scores(mine.find_phrases(both), theirs.find_phrases(both))
        frozen, frozen_theirs = mine.freeze(), theirs.freeze()
        same_scores(frozen.phrasegrams, frozen_theirs.phrasegrams)
        assert list(frozen[both]) == list(frozen_theirs[both])
        for sentence in both[:50]:
            assert mine[sentence] == theirs[sentence] and frozen[sentence] == frozen_theirs[sentence]
    assert pruned  # the max_vocab_size case pruned, after the sentences gensim prunes after
    if connectors:
        assert {"bank_of_america", "bank_of_the_america", "eye_of_the_a_beholder"} <= found


def test_a_scoring_function_and_the_connector_words_are_gensims():
    gp = pytest.importorskip("gensim.models.phrases")
    assert ENGLISH_CONNECTOR_WORDS == gp.ENGLISH_CONNECTOR_WORDS
    corpus = make_corpus(3, 400)
    options = dict(min_count=2, threshold=0.2, scoring=my_scorer, connector_words=ENGLISH_CONNECTOR_WORDS)
    mine, theirs = Phrases(corpus, **options), gp.Phrases(corpus, **options)
    same_scores(mine.export_phrases(), theirs.export_phrases())
    assert list(mine[corpus]) == list(theirs[corpus])


def test_a_corpus_is_phrased_lazily_and_read_again_when_it_can_be():
    corpus = make_corpus(4, 200)
    model = Phrases(corpus, min_count=1, threshold=1.0, connector_words=ENGLISH_CONNECTOR_WORDS)
    phrased = model[corpus]
    first = list(phrased)
    assert first == list(phrased) and len(phrased) == len(corpus)
    assert any("bank_of_america" in s for s in first)
    assert phrased[3] == model[corpus[3]]
    once = model[iter(corpus)]
    assert list(once) == first and list(once) == []  # an iterator is read once, as gensim's
    assert model[[]] == [] and model[iter(["new", "york"])] == model[["new", "york"]]
    assert Phraser is FrozenPhrases


def test_save_writes_one_json_file_and_load_gives_the_same_answers(tmp_path):
    corpus = make_corpus(5, 300)
    model = Phrases(corpus, min_count=1, threshold=2.0, scoring="default",
                    connector_words=ENGLISH_CONNECTOR_WORDS)
    for obj, name in ((model, "phrases.model"), (model.freeze(), "frozen.pkl")):
        path = tmp_path / name
        before = set(os.listdir(tmp_path))
        obj.save(str(path))
        assert set(os.listdir(tmp_path)) - before == {name} and path.read_bytes()[:1] == b"{"
        loaded = Phrases.load(str(path))
        assert type(loaded) is type(obj)
        assert list(loaded[corpus]) == list(obj[corpus])
        assert (loaded.threshold, loaded.min_count, loaded.delimiter, loaded.connector_words) == \
               (obj.threshold, obj.min_count, obj.delimiter, obj.connector_words)
    model.save(str(tmp_path / "phrases.model.gz"))  # compressed as its name says, as gensim's
    assert (tmp_path / "phrases.model.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert Phrases.load(str(tmp_path / "phrases.model.gz")).export_phrases() == model.export_phrases()
    assert len(os.listdir(tmp_path)) == 3
    assert Phrases.load(str(tmp_path / "phrases.model")).vocab == model.vocab
    with pytest.raises(ValueError) as exc:  # a function cannot be saved without pickle
        Phrases(corpus, scoring=my_scorer).save(str(tmp_path / "custom"))
    assert "freeze" in str(exc.value)


def test_a_pickle_is_refused_in_one_line_never_unpickled(tmp_path):
    path = tmp_path / "gensim_phrases.pkl"
    path.write_bytes(pickle.dumps({"vocab": {"a": 1}}, protocol=4))
    with pytest.raises(FormatError) as exc:
        Phrases.load(str(path))
    text = str(exc.value)
    assert "pickle" in text and "\n" not in text and isinstance(exc.value, ValueError)
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(ValueError):
        FrozenPhrases.load(str(tmp_path / "other.json"))
    with pytest.raises(FileNotFoundError):
        Phrases.load(str(tmp_path / "missing.model"))
    (tmp_path / "damaged.model").write_text('{"format": "w2v-scratch gensim phrases", "version": 1, '
                                            '"class": "Phrases", "vocab": {}}')
    with pytest.raises(FormatError, match="damaged"):
        Phrases.load(str(tmp_path / "damaged.model"))
    gp = pytest.importorskip("gensim.models.phrases")
    for obj in (gp.Phrases([["a", "b"]] * 9, min_count=1), gp.Phrases([["a", "b"]] * 9, min_count=1).freeze()):
        for name in ("by_gensim.pkl", "by_gensim.pkl.gz"):
            obj.save(str(tmp_path / name))
            with pytest.raises(FormatError, match="pickle"):
                Phrases.load(str(tmp_path / name))


BIG = [["word"] * 50] * 2000  # 400 kB of repr


@pytest.mark.parametrize("call,kind", [
    (lambda: Phrases(min_count=BIG), TypeError),
    (lambda: Phrases(threshold=BIG), TypeError),
    (lambda: Phrases([["a", "b"]], threshold=0), ValueError),
    (lambda: Phrases(min_count=0), ValueError),
    (lambda: Phrases(scoring="npmi", threshold=2), ValueError),
    (lambda: Phrases(scoring="pmi"), ValueError),
    (lambda: Phrases(scoring=lambda a, b: 0), ValueError),
    (lambda: Phrases(["a b c"] * 5000), TypeError),
    (lambda: Phrases([["a", 7]]), TypeError),
    (lambda: Phrases("a b c"), TypeError),
    (lambda: Phrases(connector_words="of the"), TypeError),
    (lambda: Phrases()[" ".join(["w"] * 10000)], TypeError),
    (lambda: FrozenPhrases(BIG), TypeError),
])
def test_errors_are_one_short_line_of_gensims_types(call, kind):
    with pytest.raises(kind) as exc:
        call()
    text = str(exc.value)
    assert isinstance(exc.value, W2VError) and "\n" not in text and len(text) < 250, text


def test_the_native_model_refuses_sentences_as_a_count_in_one_short_line():
    with pytest.raises(ConfigError) as exc:
        NativePhrases(BIG)
    text = str(exc.value)
    assert len(text) < 300 and "min_count" in text and "Phrases.learn" in text
    for options in (dict(threshold=BIG), dict(scoring="x" * 10_000), dict(delimiter=[" "] * 10_000),
                    dict(max_bigrams=BIG), dict(counting=BIG)):
        with pytest.raises(ConfigError) as exc:
            NativePhrases(**options)
        assert len(str(exc.value)) < 300


def test_module_names_match_gensims():
    gp = pytest.importorskip("gensim.models.phrases")
    for name in ("Phrases", "FrozenPhrases", "Phraser", "ENGLISH_CONNECTOR_WORDS", "original_scorer", "npmi_scorer"):
        assert hasattr(ours, name) and hasattr(gp, name)
    for name in ("add_vocab", "export_phrases", "find_phrases", "score_candidate", "freeze", "analyze_sentence",
                 "save", "load"):
        assert callable(getattr(Phrases, name)), name
    args = dict(min_count=5, threshold=10.0, max_vocab_size=40000000, delimiter="_", progress_per=10000,
                scoring="default", connector_words=frozenset())
    import inspect
    signature = inspect.signature(Phrases)
    assert {k: p.default for k, p in signature.parameters.items() if k != "sentences"} == args
    assert {k: p.default for k, p in inspect.signature(gp.Phrases).parameters.items() if k != "sentences"} == args


def test_corpus_messages_shorten_the_values_they_repeat():
    """The category: a corpus/ message that shows a user's value shows it cut (base.values.short_repr)."""
    import numpy as np

    from w2v_scratch.corpus.vocab import Vocab
    long_word = "x" * 100_000
    with pytest.raises(W2VError) as exc:
        Vocab(["a", "b"], np.array([3, 2]))[long_word]
    assert len(str(exc.value)) < 200
    with pytest.raises(FormatError) as exc:
        Vocab([long_word, long_word], np.array([3, 2]))
    assert len(str(exc.value)) < 200
