"""w2v_scratch.gensim.Word2Vec: gensim 4's signature, defaults, return values, errors, loss, online
vocabulary, tables and files — compared with real gensim where it is installed."""

from __future__ import annotations

import inspect
import os
import pickle
import random

import numpy as np
import pytest

import w2v_scratch
from w2v_scratch.base.errors import ConfigError, FormatError, VocabError
from w2v_scratch.gensim.word2vec import RULE_DISCARD, RULE_KEEP, Word2Vec
from w2v_scratch.training.config import LOSSES

SMALL = dict(vector_size=8, min_count=1, workers=1, epochs=1)


def topic_sentences(n: int = 600, seed: int = 0) -> list[list[str]]:
    """Sentences drawn from two topics, each word a different count (no ties above the rarest)."""
    rng = random.Random(seed)
    topics = [[f"a{i}" for i in range(12)], [f"b{i}" for i in range(12)]]
    out = []
    for _ in range(n):
        words = topics[rng.randrange(2)]
        out.append([words[min(int(rng.expovariate(0.3)), 11)] for _ in range(10)])
    return out


def tie_free(n_words: int = 7) -> list[list[str]]:
    """One sentence where word k occurs n_words − k times: every count different."""
    return [[f"w{k}" for k in range(n_words) for _ in range(n_words - k)]]


@pytest.fixture(scope="module")
def gensim_models():
    return pytest.importorskip("gensim.models")


# -- signatures and defaults ------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["__init__", "build_vocab", "train"])
def test_signatures_and_defaults_are_gensims(gensim_models, method):
    ours = inspect.signature(getattr(Word2Vec, method)).parameters
    theirs = inspect.signature(getattr(gensim_models.Word2Vec, method)).parameters
    assert list(ours) == list(theirs)
    for name, p in theirs.items():
        assert ours[name].default == p.default, name
        assert ours[name].kind == p.kind, name


def test_an_untrained_model_holds_gensims_attributes(gensim_models):
    ours, theirs = Word2Vec(), gensim_models.Word2Vec()
    for name in ("vector_size", "alpha", "min_alpha", "window", "min_count", "sample", "seed", "workers", "sg",
                 "hs", "negative", "ns_exponent", "cbow_mean", "epochs", "max_final_vocab", "max_vocab_size",
                 "compute_loss", "corpus_count", "corpus_total_words", "layer1_size", "shrink_windows"):
        assert getattr(ours, name) == getattr(theirs, name), name
        assert type(getattr(ours, name)) is type(getattr(theirs, name)), name
    assert len(ours.wv) == 0 and ours.wv.vector_size == 100 and ours.wv is ours.wv
    assert ours.get_latest_training_loss() == theirs.get_latest_training_loss() == 0
    assert str(ours) == str(theirs)


def test_the_default_model_is_cbow_with_negative_sampling():
    model = Word2Vec(topic_sentences(60), vector_size=8, workers=1, epochs=1)
    assert model.config.model == "cbow" and model.config.loss == "ns" and model.config.negative == 5
    assert model.history and model.syn1neg is model.context and not hasattr(model, "syn1")


# -- initial vectors, vocabulary, return values --------------------------------------------------------------
def test_build_vocab_gives_gensims_vocabulary_and_initial_vectors_bit_for_bit(gensim_models):
    ours, theirs = Word2Vec(vector_size=8, min_count=2), gensim_models.Word2Vec(vector_size=8, min_count=2)
    ours.build_vocab(tie_free())
    theirs.build_vocab(tie_free())
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.wv.vectors, theirs.wv.vectors)
    np.testing.assert_array_equal(ours.syn1neg, theirs.syn1neg)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)


def test_train_returns_gensims_counts(gensim_models):
    sentences = topic_sentences(40) + [["unknown", "words", "here"]]
    results = []
    for cls in (Word2Vec, gensim_models.Word2Vec):
        model = cls(sentences, **SMALL)
        trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=2)
        assert type(trained) is int and type(raw) is int
        results.append((trained, raw, model.train([["never", "seen"]], total_examples=1, epochs=3)))
    (t_ours, raw_ours, none_ours), (t_theirs, raw_theirs, none_theirs) = results
    assert raw_ours == raw_theirs == 2 * sum(map(len, sentences))
    assert none_ours == none_theirs == (0, 6)
    assert 0.5 * t_theirs < t_ours <= raw_ours  # subsampled at random in both


def test_a_corpus_with_no_known_word_still_calls_the_callbacks():
    calls = []

    class Recorder:
        def on_train_begin(self, model):
            calls.append("begin")

        def on_epoch_end(self, model):
            calls.append("epoch")

        def on_train_end(self, model):
            calls.append("end")

    model = Word2Vec(topic_sentences(20), **SMALL)
    assert model.train([["nope"]], total_examples=1, epochs=2, callbacks=[Recorder()]) == (0, 2)
    assert calls == ["begin", "epoch", "epoch", "end"]


def test_trim_rule_and_max_final_vocab_as_gensim(gensim_models):
    from gensim import utils

    assert (RULE_DISCARD, RULE_KEEP) == (utils.RULE_DISCARD, utils.RULE_KEEP)
    sentences = tie_free(8)

    def rule(word, count, min_count):
        return RULE_DISCARD if word == "w0" else RULE_KEEP if word == "w7" else utils.RULE_DEFAULT

    for corpus, kwargs in ((sentences, dict(min_count=4, trim_rule=rule)),
                           (sentences, dict(min_count=1, max_final_vocab=3)),
                           (topic_sentences(300), dict(min_count=1, max_vocab_size=10))):
        ours, theirs = (cls(corpus, vector_size=8, workers=1, epochs=1, **kwargs)
                        for cls in (Word2Vec, gensim_models.Word2Vec))
        assert sorted(ours.wv.index_to_key) == sorted(theirs.wv.index_to_key), kwargs
        assert [ours.wv.get_vecattr(w, "count") for w in ours.wv.index_to_key] == \
            [theirs.wv.get_vecattr(w, "count") for w in ours.wv.index_to_key]
        assert ours.effective_min_count == theirs.effective_min_count


# -- errors --------------------------------------------------------------------------------------------
def test_gensims_errors():
    model = Word2Vec(min_count=1)
    with pytest.raises(RuntimeError, match="build vocabulary"):
        model.train([["a"]], total_examples=1, epochs=1)
    with pytest.raises(RuntimeError, match="online vocabulary-update"):
        model.build_vocab([["a"]], update=True)
    model.build_vocab(topic_sentences(10))
    with pytest.raises(ValueError, match="total_examples or total_words"):
        model.train(topic_sentences(10), epochs=1)
    with pytest.raises(ValueError, match="explicit epochs"):
        model.train(topic_sentences(10), total_examples=10)
    with pytest.raises(TypeError, match="generator"):
        Word2Vec((s for s in topic_sentences(10)), min_count=1)
    with pytest.raises(TypeError, match="Both corpus_file and corpus_iterable"):
        model.build_vocab([["a"]], corpus_file="x.txt")
    with pytest.raises(TypeError):
        Word2Vec(dim=8)
    none = Word2Vec(min_count=1, hs=0, negative=0)
    none.build_vocab(topic_sentences(10))  # as gensim: only train() refuses
    with pytest.raises(ValueError, match="'hs=0' and 'negative=0'"):
        none.train(topic_sentences(10), total_examples=10, epochs=1)


@pytest.mark.parametrize("kwargs", [dict(null_word=1), dict(sorted_vocab=0), dict(shrink_windows=False)])
def test_behaviour_kept_one_way_is_refused_in_one_line(kwargs):
    with pytest.raises(ConfigError) as info:
        Word2Vec(**kwargs)
    assert "\n" not in str(info.value) and "gensim" in str(info.value) and next(iter(kwargs)) in str(info.value)


def test_hs_with_negative_trains_both_or_says_so_in_one_line():
    if "hs+ns" in LOSSES:
        model = Word2Vec(topic_sentences(60), hs=1, **SMALL)
        assert model.syn1neg is model.context and model.syn1 is model.inner_nodes
        assert model.syn1.shape == (len(model.wv) - 1, 8)
    else:
        with pytest.raises(ConfigError, match="together in gensim") as info:
            Word2Vec(hs=1)
        assert "\n" not in str(info.value)


def test_an_engine_refusal_names_gensims_keyword():
    model = Word2Vec(min_count=1, workers=0)
    with pytest.raises(ConfigError, match="workers must be positive"):
        model.build_vocab([["a", "b"]])


# -- the loss ------------------------------------------------------------------------------------------
def epoch_losses(cls, sentences, **kwargs):
    """gensim's callback idiom: the running loss's growth at each epoch's end."""
    from w2v_scratch.gensim import CallbackAny2Vec

    class Deltas(CallbackAny2Vec):
        def __init__(self):
            self.previous, self.out = 0.0, []

        def on_epoch_end(self, model):
            loss = model.get_latest_training_loss()
            self.out.append(loss - self.previous)
            self.previous = loss

    deltas = Deltas()
    model = cls(sentences, vector_size=16, min_count=1, workers=1, epochs=3, compute_loss=True, callbacks=[deltas],
                **kwargs)
    return model, deltas.out


@pytest.mark.parametrize("kwargs", [dict(), dict(sg=1), dict(hs=1, negative=0)])
def test_the_loss_idiom_prints_gensims_magnitudes(gensim_models, kwargs):
    sentences = topic_sentences()
    ours, deltas = epoch_losses(Word2Vec, sentences, **kwargs)
    theirs, their_deltas = epoch_losses(gensim_models.Word2Vec, sentences, **kwargs)
    assert all(d > 0 for d in deltas)
    if not kwargs.get("hs"):  # hierarchical softmax's loss falls more slowly, and not every epoch
        assert deltas[-1] < deltas[0]
    for d, g in zip(deltas, their_deltas):
        assert 0.5 * g < d < 2 * g
    assert ours.get_latest_training_loss() == pytest.approx(sum(deltas))
    ours.train(sentences, total_examples=len(sentences), epochs=1)  # compute_loss=False, as gensim's default
    assert ours.get_latest_training_loss() == 0.0
    assert ours.epoch_loss() == ours.history[-1]["loss"] > 0  # the per-example mean keeps its own name


def test_resetting_the_running_loss_in_a_callback_gives_each_epochs_loss():
    from w2v_scratch.gensim import CallbackAny2Vec

    class PerEpoch(CallbackAny2Vec):
        def __init__(self):
            self.out = []

        def on_epoch_end(self, model):
            self.out.append(model.get_latest_training_loss())
            model.running_training_loss = 0.0

    cb = PerEpoch()
    model = Word2Vec(topic_sentences(200), compute_loss=True, callbacks=[cb], **dict(SMALL, epochs=2))
    assert cb.out == pytest.approx([r["loss"] * r["examples"] for r in model.history])


# -- online vocabulary ---------------------------------------------------------------------------------
@pytest.mark.parametrize("hs", [0, 1])
def test_online_vocabulary_grows_as_gensims(gensim_models, hs):
    first, more = tie_free(6), [["w0", "new1", "new1", "new1", "new2", "new2", "rare"]]
    kwargs = dict(vector_size=8, min_count=2, workers=1, epochs=1, hs=hs, negative=0 if hs else 5, sample=0)
    ours, theirs = Word2Vec(first, **kwargs), gensim_models.Word2Vec(first, **kwargs)
    before = ours.wv.vectors.copy()
    old_wv = ours.wv
    for model in (ours, theirs):
        model.build_vocab(more, update=True)
    assert ours.wv.index_to_key == theirs.wv.index_to_key  # new words appended, "rare" under min_count
    for w in ours.wv.index_to_key:
        assert ours.wv.get_vecattr(w, "count") == theirs.wv.get_vecattr(w, "count")
    np.testing.assert_array_equal(ours.wv.vectors[:len(before)], before)
    np.testing.assert_array_equal(ours.wv.vectors[len(before):], theirs.wv.vectors[len(before):])
    assert ours.wv is not old_wv and ours.wv is ours.wv and np.shares_memory(ours.wv.vectors, ours.w_in)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)
    V = len(ours.wv)
    if hs:
        assert ours.syn1.shape == (V - 1, 8) and not hasattr(ours, "syn1neg")
    else:
        assert ours.syn1neg.shape == (V, 8) and not ours.syn1neg[len(before):].any()
    trained, raw = ours.train(more + first, total_examples=2, epochs=1)
    assert raw == sum(map(len, more + first)) and trained > 0
    assert not np.array_equal(ours.wv.vectors[len(before):], theirs.wv.vectors[len(before):])  # trained


def test_native_build_vocab_update_grows_the_vocabulary_too():
    native = w2v_scratch.Word2Vec(dim=8, epochs=1, min_count=2, threads=1, progress=False, log=lambda m: None)
    native.fit(tie_free(5))
    old_words, old_counts, old_rows = list(native.vocab.words), native.vocab.counts.copy(), native.w_in.copy()
    native.build_vocab([["w0", "w0", "fresh", "fresh", "once"]], update=True, progress=False, log=lambda m: None)
    assert native.vocab.words == old_words + ["fresh"]
    assert native.vocab.counts[0] == old_counts[0] + 2 and native.vocab.counts[-1] == 2
    np.testing.assert_array_equal(native.w_in[:len(old_words)], old_rows)
    assert native.context.shape == native.w_in.shape and native.corpus_count == 1
    native.train([["fresh", "w0", "w1"]] * 3, epochs=1, progress=False, log=lambda m: None)
    with pytest.raises(VocabError, match="none yet"):
        w2v_scratch.Word2Vec(dim=8).build_vocab([["a"]], update=True)


def test_wv_is_one_object_forgetting_its_norms_after_training():
    for model in (Word2Vec(topic_sentences(60), **SMALL),
                  w2v_scratch.Word2Vec(topic_sentences(60), dim=8, min_count=1, threads=1, epochs=1, progress=False,
                                       log=lambda m: None)):
        wv = model.wv
        assert model.wv is wv and np.shares_memory(wv.vectors, model.w_in)
        stale = wv.norms.copy()
        model.train(topic_sentences(60), total_examples=60, epochs=1, **({} if isinstance(model, Word2Vec) else
                                                                        dict(progress=False, log=lambda m: None)))
        assert model.wv is wv
        np.testing.assert_allclose(wv.norms, np.linalg.norm(model.w_in, axis=1), rtol=1e-5)
        assert not np.allclose(wv.norms, stale)


# -- tables and predict_output_word ----------------------------------------------------------------------
def test_tables_present_as_in_gensim(gensim_models):
    for kwargs in (dict(), dict(hs=1, negative=0)):
        ours, theirs = (cls(topic_sentences(40), **SMALL, **kwargs) for cls in (Word2Vec, gensim_models.Word2Vec))
        for name in ("syn1neg", "syn1"):
            assert hasattr(ours, name) == hasattr(theirs, name), (kwargs, name)
        table = ours.syn1neg if not kwargs else ours.syn1
        assert table is (ours.context if not kwargs else ours.inner_nodes)


@pytest.mark.parametrize("cbow_mean", [0, 1])
def test_predict_output_word_as_gensim(gensim_models, cbow_mean):
    sentences = topic_sentences()
    theirs = gensim_models.Word2Vec(sentences, vector_size=16, min_count=1, workers=1, epochs=3, cbow_mean=cbow_mean)
    ours = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, epochs=1, cbow_mean=cbow_mean)
    words = theirs.wv.index_to_key
    ours.vocab = w2v_scratch.Vocab(words, [theirs.wv.get_vecattr(w, "count") for w in words])
    ours.w_in, ours.syn1neg = theirs.wv.vectors.copy(), theirs.syn1neg.copy()  # gensim's trained tables
    context = ["a0", "a1", "not-a-word", 3]
    out, expected = ours.predict_output_word(context, topn=5), theirs.predict_output_word(context, topn=5)
    assert [w for w, _ in out] == [w for w, _ in expected]
    np.testing.assert_allclose([p for _, p in out], [p for _, p in expected], rtol=1e-4)
    assert all(isinstance(p, np.float32) for _, p in out)
    assert ours.predict_output_word(["nothing", "known"]) is None
    for cls in (Word2Vec, gensim_models.Word2Vec):
        with pytest.raises(RuntimeError, match="negative sampling"):
            cls(sentences[:20], **SMALL, hs=1, negative=0).predict_output_word(["a0"])


# -- files ---------------------------------------------------------------------------------------------
def test_save_writes_exactly_the_file_named_and_load_reads_it(tmp_path):
    model = Word2Vec(topic_sentences(60), comment="first", **dict(SMALL, sg=1))
    path = tmp_path / "w2v.model"
    model.save(str(path))
    assert os.listdir(tmp_path) == ["w2v.model"]
    loaded = Word2Vec.load(str(path), mmap="r")
    assert loaded.wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(loaded.syn1neg, model.syn1neg)
    for name in ("sg", "hs", "negative", "alpha", "min_alpha", "window", "epochs", "comment", "corpus_count",
                 "corpus_total_words", "vector_size", "workers", "seed"):
        assert getattr(loaded, name) == getattr(model, name), name
    assert loaded.train(topic_sentences(60), total_examples=60, epochs=1)[0] > 0
    native = w2v_scratch.Word2Vec.load(str(path))  # the native class reads it too
    np.testing.assert_array_equal(native.w_in, model.w_in)


def test_load_reads_a_native_pair_and_names_a_pickle(tmp_path):
    native = w2v_scratch.Word2Vec(topic_sentences(40), dim=8, min_count=1, threads=1, epochs=1, progress=False,
                                  log=lambda m: None)
    native.save(tmp_path / "native")
    model = Word2Vec.load(str(tmp_path / "native"))
    assert (model.sg, model.hs, model.negative, model.vector_size) == (1, 0, 5, 8)
    np.testing.assert_array_equal(model.wv.vectors, native.w_in)
    pickled = tmp_path / "gensim.model"
    pickled.write_bytes(pickle.dumps({"not": "unpickled"}, protocol=4))
    with pytest.raises(FormatError, match="pickle.*never loads.*save_word2vec_format") as info:
        Word2Vec.load(str(pickled))
    assert "\n" not in str(info.value)
    damaged = tmp_path / "damaged.model"
    Word2Vec(topic_sentences(20), **SMALL).save(str(damaged))
    damaged.write_bytes(damaged.read_bytes()[:-200])
    with pytest.raises(FormatError) as info:
        Word2Vec.load(str(damaged))
    assert "\n" not in str(info.value)


def test_corpus_total_words_counts_every_token_read_even_when_pruning():
    gensim = pytest.importorskip("gensim")
    rng = random.Random(1)
    sentences = [[f"w{rng.randint(0, 300)}" for _ in range(8)] for _ in range(30)]
    for cap in (50, None):
        theirs = gensim.models.Word2Vec(vector_size=4, min_count=1, max_vocab_size=cap)
        ours = Word2Vec(vector_size=4, min_count=1, max_vocab_size=cap)
        for model in (theirs, ours):
            model.build_vocab(sentences)
        assert ours.corpus_total_words == theirs.corpus_total_words == 240
        assert ours.wv.index_to_key == theirs.wv.index_to_key
