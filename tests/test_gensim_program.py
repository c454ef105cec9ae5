"""A gensim user's everyday program, with only the import changed.

:func:`everyday_program` is written for gensim 4: train from a list of token lists with a loss-
logging callback (a ``CallbackAny2Vec`` subclass), query ``model.wv``, save and load the model,
write the vectors in word2vec's binary format, evaluate analogies, continue training on more
sentences. It runs unchanged with gensim's ``Word2Vec`` and with ``w2v_scratch.Word2Vec``; the
answers of ours are then checked against gensim's ``KeyedVectors`` reading the vectors file ours
wrote (the same vectors: the same answers)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors as GensimKeyedVectors  # noqa: E402
from gensim.models import Word2Vec as GensimWord2Vec  # noqa: E402
from gensim.models.callbacks import CallbackAny2Vec  # noqa: E402

from w2v_scratch import Word2Vec  # noqa: E402  -- the one line a gensim user changes
from w2v_scratch.corpus.read import resolve  # noqa: E402

QUESTIONS = """\
: grammar
company companies share shares
year years month months
buy bought sell sold
he his she her
: with an unknown word
stock shares qwertyuiop bonds
"""


def ptb(first: int, last: int) -> list[list[str]]:
    """Sentences first..last-1 of the bundled Penn Treebank, as a gensim user reads a text file."""
    with gzip.open(resolve("ptb"), "rt", encoding="utf-8") as f:
        return [line.split() for i, line in enumerate(f) if first <= i < last]


def everyday_program(Word2Vec, sentences, more, folder):
    """gensim 4 code; only ``Word2Vec`` comes from elsewhere."""
    class LossLogger(CallbackAny2Vec):
        def __init__(self):
            self.epoch, self.losses = 0, []

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())
            self.epoch += 1

    logger = LossLogger()
    model = Word2Vec(sentences, vector_size=32, window=5, min_count=3, sg=1, negative=5, epochs=3, workers=1,
                     seed=1, compute_loss=True, callbacks=[logger])
    wv = model.wv
    answers = {
        "most_similar": wv.most_similar("stock", topn=5),
        "most_similar_analogy": wv.most_similar(positive=["shares", "company"], negative=["share"], topn=3),
        "similarity": wv.similarity("stock", "shares"),
        "doesnt_match": wv.doesnt_match(["stock", "shares", "bonds", "president"]),
        "key_to_index": dict(wv.key_to_index),
        "index_to_key": list(wv.index_to_key),
        "unit": wv.get_vector("stock", norm=True),
        "vector": np.array(wv["stock"]),
        "contains": ("stock" in wv, "qwertyuiop" in wv),
        "len": len(wv),
    }
    model.save(str(folder / "ptb.model"))
    answers["loaded"] = Word2Vec.load(str(folder / "ptb.model")).wv["stock"]
    wv.save_word2vec_format(str(folder / "vectors.bin"), binary=True)
    (folder / "questions.txt").write_text(QUESTIONS)
    answers["analogies"] = wv.evaluate_word_analogies(str(folder / "questions.txt"))
    before = np.array(model.wv["stock"])
    model.train(more, total_examples=len(more), epochs=2)
    answers["moved"] = not np.allclose(model.wv["stock"], before)
    answers["losses"] = logger.losses
    return model, answers


@pytest.fixture(scope="module")
def data():
    return ptb(0, 3000), ptb(3000, 3600)


@pytest.fixture(scope="module")
def ours(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ours")
    model, answers = everyday_program(Word2Vec, *data, folder)
    return model, answers, folder


def test_the_program_is_a_gensim_program(data, tmp_path):
    model, answers = everyday_program(GensimWord2Vec, *data, tmp_path)
    assert len(answers["losses"]) == 3 and answers["moved"] and answers["contains"] == (True, False)


def test_our_answers_are_gensims_on_the_same_vectors(ours):
    model, got, folder = ours
    kv = GensimKeyedVectors.load_word2vec_format(str(folder / "vectors.bin"), binary=True)
    for key in ("most_similar", "most_similar_analogy"):
        want = (kv.most_similar("stock", topn=5) if key == "most_similar"
                else kv.most_similar(positive=["shares", "company"], negative=["share"], topn=3))
        assert [w for w, _ in got[key]] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got[key]], [s for _, s in want], atol=1e-5)
    assert got["similarity"] == pytest.approx(float(kv.similarity("stock", "shares")), abs=1e-5)
    assert got["doesnt_match"] == kv.doesnt_match(["stock", "shares", "bonds", "president"])
    assert got["key_to_index"] == kv.key_to_index and got["index_to_key"] == kv.index_to_key
    np.testing.assert_allclose(got["unit"], kv.get_vector("stock", norm=True), atol=1e-6)
    np.testing.assert_array_equal(got["vector"], kv["stock"])
    assert got["contains"] == (True, False) and got["len"] == len(kv)
    score, sections = got["analogies"]
    want_score, want_sections = kv.evaluate_word_analogies(str(folder / "questions.txt"))
    assert score == pytest.approx(want_score) and sections == want_sections
    assert sum(len(s["correct"]) + len(s["incorrect"]) for s in sections[:-1]) == 4  # the unknown word skipped


def test_our_model_after_the_program(ours):
    model, got, _ = ours
    np.testing.assert_array_equal(got["loaded"], got["vector"])  # save/load keeps the vectors
    assert got["moved"]  # train() on more sentences moved the vectors
    assert [h["epoch"] for h in model.history] == [1, 2, 3, 4, 5]
    # the callback saw each epoch's mean loss per example (history), not gensim's running sum
    assert got["losses"] == [h["loss"] for h in model.history[:3]]
    assert all(0 < loss < 10 for loss in got["losses"])
    assert list(model.wv) == model.wv.index_to_key  # iterating the vectors gives the words
    assert model.config.model == "sg" and model.config.loss == "ns" and model.config.threads == 1
    assert (model.vector_size, model.window, model.min_count, model.sg, model.hs, model.negative,
            model.workers, model.epochs) == (32, 5, 3, 1, 0, 5, 1, 3)
    assert model.corpus_count <= 3000 and model.corpus_total_words > 50_000


def test_build_vocab_then_train_as_gensim_users_write_it(data):
    sentences, _ = data
    model = Word2Vec(vector_size=16, min_count=5, workers=1, epochs=2, seed=2)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    direct = Word2Vec(sentences, vector_size=16, min_count=5, workers=1, epochs=2, seed=2)
    np.testing.assert_array_equal(model.wv.vectors, direct.wv.vectors)
    assert len(model.history) == 2


def test_hierarchical_softmax_and_cbow_the_gensim_way(data):
    sentences, _ = data
    model = Word2Vec(sentences[:1000], vector_size=16, sg=0, hs=1, negative=0, min_count=5, workers=1, epochs=1)
    assert (model.config.model, model.config.loss, model.hs, model.sg, model.negative) == ("cbow", "hs", 1, 0, 0)
    assert model.inner_nodes is not None and np.isfinite(model.wv.vectors).all()
