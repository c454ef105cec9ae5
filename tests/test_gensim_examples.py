"""gensim's documented calls (its module docstrings' and Word2Vec tutorial's kinds of call, in our
own words and on our own tiny corpus) run under real gensim and under ``w2v_scratch.gensim``; the
answers are compared: bit for bit where the call is deterministic (the vocabulary, its order and
initial vectors, every query on the same vectors), types, shapes and words where training is random."""

import os
import warnings

import numpy as np
import pytest

gensim_models = pytest.importorskip("gensim.models")
gensim_phrases = pytest.importorskip("gensim.models.phrases")
gensim_w2v = pytest.importorskip("gensim.models.word2vec")
gensim_callbacks = pytest.importorskip("gensim.models.callbacks")

from w2v_scratch.gensim import models as our_models  # noqa: E402
from w2v_scratch.gensim.models import callbacks as our_callbacks, phrases as our_phrases  # noqa: E402
from w2v_scratch.gensim.models import word2vec as our_w2v  # noqa: E402

BOTH = {"gensim": (gensim_models, gensim_phrases, gensim_w2v, gensim_callbacks),
        "ours": (our_models, our_phrases, our_w2v, our_callbacks)}

# words of equal count on purpose (the tie order is part of gensim's answer)
CORPUS = [s.split() for s in (
    "the red fox jumps over the lazy dog",
    "a quick red fox runs into the dark forest",
    "the lazy dog sleeps in the warm sun",
    "new york is a big city and new york never sleeps",
    "the dog and the fox are friends of the forest",
    "a warm sun rises over new york",
    "machine learning of word vectors in new york",
    "the quick dog runs to the big city",
)]
UPDATE = [["zebra", "quick", "yak", "zebra", "new", "yak", "quokka"]]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def both(fn):
    """fn(models, phrases, word2vec, callbacks) under gensim and under w2v_scratch.gensim."""
    return fn(*BOTH["gensim"]), fn(*BOTH["ours"])


def test_vocabulary_order_and_initial_vectors_are_gensims():
    def build(m, *_):
        model = m.Word2Vec(vector_size=10, min_count=1, seed=7)
        model.build_vocab(CORPUS)
        before = (list(model.wv.index_to_key), model.wv.vectors.copy(), model.corpus_count, model.corpus_total_words,
                  [int(model.wv.get_vecattr(w, "sample_int")) for w in model.wv.index_to_key], model.estimate_memory())
        model.build_vocab(UPDATE, update=True)
        after = (list(model.wv.index_to_key), model.wv.vectors.copy(),
                 [int(model.wv.get_vecattr(w, "count")) for w in model.wv.index_to_key])
        freq = m.Word2Vec(vector_size=4)
        freq.build_vocab_from_freq({"b": 2, "a": 5, "c": 2, "d": 5, "e": 1})
        return before, after, list(freq.wv.index_to_key)

    (g_before, g_after, g_freq), (o_before, o_after, o_freq) = both(build)
    assert o_before[0] == g_before[0]
    np.testing.assert_array_equal(o_before[1], g_before[1])
    assert o_before[2:] == g_before[2:]
    assert o_after[0] == g_after[0] and o_after[2] == g_after[2]
    np.testing.assert_array_equal(o_after[1], g_after[1])
    assert o_freq == g_freq


def test_training_defaults_return_values_and_files(tmp_path):
    def run(m, _p, _w, _c):
        model = m.Word2Vec(CORPUS, vector_size=12, min_count=1, epochs=2, seed=3, workers=1)
        settings = (model.sg, model.hs, model.negative, model.window, model.alpha, model.min_alpha, model.sample,
                    model.cbow_mean, model.epochs, model.corpus_count, model.corpus_total_words)
        counts = model.train([["hello", "world"], ["the", "fox"]], total_examples=2, epochs=1)
        hs = m.Word2Vec(CORPUS, vector_size=12, min_count=1, epochs=1, hs=1, workers=1)
        folder = tmp_path / m.__name__
        folder.mkdir()
        model.save(str(folder / "w2v.model"))
        loaded = m.Word2Vec.load(str(folder / "w2v.model"))
        same_vectors = np.array_equal(loaded.wv["fox"], model.wv["fox"])
        loaded.build_vocab(UPDATE, update=True)
        grown = loaded.train(UPDATE, total_examples=loaded.corpus_count, epochs=loaded.epochs)
        return (settings, counts[1], model.wv.vectors.shape, model.wv["dog"].dtype, model.wv is model.wv,
                len(model.wv.most_similar("fox", topn=4)), hs.syn1neg.shape, hs.negative, same_vectors,
                "quokka" in loaded.wv, grown[1], sorted(os.listdir(folder)))

    g, o = both(run)
    assert o == g


def test_queries_on_the_same_vectors_give_gensims_answers(tmp_path):
    trained = gensim_models.Word2Vec(CORPUS, vector_size=16, min_count=1, epochs=3, seed=5, workers=1)
    path = str(tmp_path / "vectors.bin")
    trained.wv.save_word2vec_format(path, binary=True)

    def ask(m, *_):
        kv = m.KeyedVectors.load_word2vec_format(path, binary=True)
        out = [kv.most_similar("fox", topn=5), kv.most_similar(positive=["dog", "city"], negative=["sun"], topn=3),
               kv.most_similar_cosmul(positive=["dog", "city"], negative=["sun"], topn=3),
               kv.similarity("fox", "dog"), kv.n_similarity(["fox", "dog"], ["city", "forest"]),
               kv.distance("fox", "sun"), kv.distances("fox", ["dog", "city"]), kv.doesnt_match(["fox", "dog", "city"]),
               kv.rank("fox", "dog"), sorted(kv.closer_than("fox", "dog")), kv.get_vector("sun", norm=True),
               kv.get_mean_vector(["fox", "dog"]), kv.similar_by_vector(kv["city"], topn=2),
               kv.most_similar("fox", topn=3, restrict_vocab=10), kv.key_to_index["dog"], len(kv)]
        try:
            kv["no-such-word"]
        except KeyError:
            out.append("KeyError")
        kv.save(str(tmp_path / f"{m.__name__}.wordvectors"))
        mapped = m.KeyedVectors.load(str(tmp_path / f"{m.__name__}.wordvectors"), mmap="r")
        out.append(np.array_equal(mapped.vectors, kv.vectors) and mapped.index_to_key == kv.index_to_key)
        return out

    g, o = both(ask)
    assert len(o) == len(g)
    for ours, theirs in zip(o, g):
        if isinstance(theirs, list) and theirs and isinstance(theirs[0], tuple):
            assert [w for w, _ in ours] == [w for w, _ in theirs]
            np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)
        elif isinstance(theirs, (float, np.floating, np.ndarray)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
        else:
            assert ours == theirs


def test_phrases_readers_and_callbacks(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("".join(" ".join(s) + "\n" for s in CORPUS))

    def run(m, p, w, c):
        lines = list(w.LineSentence(str(text)))
        t8 = list(w.Text8Corpus(str(text)))
        model = p.Phrases(w.LineSentence(str(text)), min_count=1, threshold=1,
                          connector_words=p.ENGLISH_CONNECTOR_WORDS)
        out = [lines, t8, len(model.vocab), model[["new", "york", "is", "big"]], list(model[CORPUS[3:5]]),
               dict(sorted(model.export_phrases().items())), dict(sorted(model.find_phrases(CORPUS).items()))]
        frozen = model.freeze()
        out += [type(frozen).__name__, frozen[["a", "new", "york", "city"]], p.Phraser(model)[CORPUS[5]]]
        model.add_vocab([["new", "york", "again"], ["meow"]])
        out.append(len(model.vocab))
        calls = []

        class Recorder(c.CallbackAny2Vec):
            def on_train_begin(self, model):
                calls.append("train")

            def on_epoch_begin(self, model):
                calls.append("begin")

            def on_epoch_end(self, model):
                calls.append(("end", len(model.wv)))

        m.Word2Vec(CORPUS, vector_size=8, min_count=1, epochs=3, callbacks=[Recorder()])
        return out + [calls]

    g, o = both(run)
    assert len(o) == len(g)
    for ours, theirs in zip(o, g):
        if isinstance(theirs, dict):
            assert list(ours) == list(theirs)
            np.testing.assert_allclose(list(ours.values()), list(theirs.values()), rtol=1e-9)
        else:
            assert ours == theirs


def test_training_loss_is_a_running_sum_as_gensims():
    def loss(m, *_):
        model = m.Word2Vec(CORPUS * 20, vector_size=12, min_count=1, sg=1, epochs=3, seed=2, workers=1,
                           compute_loss=True)
        return model.get_latest_training_loss()

    g, o = both(loss)
    assert isinstance(o, float) and isinstance(g, float)
    assert 0.5 < o / g < 2.0  # a per-example mean would be hundreds of times smaller


def test_gensim_names_not_kept_are_one_line_attribute_errors():
    def names(m, *_):
        model = m.Word2Vec(CORPUS, vector_size=8, min_count=1, epochs=1)
        found = {}
        for obj, name in ((model.wv, "vocab"), (model.wv, "index2word"), (model.wv, "syn0"), (model, "iter"),
                          (model, "no_such_name")):
            try:
                getattr(obj, name)
                found[name] = None
            except AttributeError as exc:
                found[name] = str(exc)
        return found

    g, o = both(names)
    assert set(o) == set(g) and all(v is not None for v in o.values()) and all(v is not None for v in g.values())
    for name, replacement in (("vocab", "key_to_index"), ("index2word", "index_to_key"), ("syn0", ".vectors"),
                              ("iter", "epochs")):
        assert "\n" not in o[name] and replacement in o[name]
    assert o["no_such_name"] == g["no_such_name"]
