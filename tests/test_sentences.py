"""Training from Python data (sentences.py) and the Python API around it: token lists, re-iterables
and one-shot generators give the vocabulary and vectors of the equivalent file; bad inputs get one
short line; the constructor, build_vocab + train, continued training, callbacks and vocabulary
files (save_vocab / read_vocab)."""

from __future__ import annotations

import numpy as np
import pytest

from w2v_scratch import TrainConfig, Word2Vec
from w2v_scratch.training.config import fast_threads
from w2v_scratch.corpus.read import load
from w2v_scratch.base.errors import ConfigError, FormatError, InputError, VocabError
from w2v_scratch.corpus.sentences import load as load_sentences
from w2v_scratch.corpus.vocab import Vocab

from conftest import make_topic_corpus

QUIET = dict(progress=False, log=lambda m: None)
SMALL = dict(dim=8, epochs=2, min_count=1, seed=3, window=2, negative=3, threads=1)


@pytest.fixture
def corpus_file(tmp_path):
    return str(make_topic_corpus(tmp_path / "topics.txt", n_sentences=300))


def read(path) -> list[list[str]]:
    return [line.split() for line in open(path, encoding="utf-8") if line.split()]


class Reiterable:
    """gensim's LineSentence shape: every iteration reads the file anew."""

    def __init__(self, path):
        self.path, self.passes = path, 0

    def __iter__(self):
        self.passes += 1
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield line.split()


# -- the same corpus, whatever its form ---------------------------------------------------------------------
def test_list_reiterable_generator_and_file_encode_alike(corpus_file):
    sentences = read(corpus_file)
    want_vocab, want = load(corpus_file, 2)
    again = Reiterable(corpus_file)
    for form in (sentences, [tuple(s) for s in sentences], again, (s for s in sentences)):
        vocab, encoded = load_sentences(form, 2)
        assert vocab.words == want_vocab.words and vocab.counts.tolist() == want_vocab.counts.tolist()
        assert np.array_equal(encoded.ids, want.ids) and np.array_equal(encoded.offsets, want.offsets)
        assert encoded.ids.dtype == np.int32
    assert again.passes == 1  # read once


def test_long_and_empty_sentences_are_cut_and_skipped_as_a_file_does(tmp_path):
    sentences = [["a", "b", "c", "d", "e", "f", "g"], [], ["b", "a"], [], ["c"] * 3]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    want_vocab, want = load(str(path), 1, max_sentence_length=3)
    vocab, got = load_sentences(sentences, 1, max_sentence_length=3)
    assert vocab.words == want_vocab.words
    assert np.array_equal(got.ids, want.ids) and np.array_equal(got.offsets, want.offsets)
    assert np.diff(got.offsets).tolist() == [3, 3, 1, 2, 3]


@pytest.mark.parametrize("backend,model,loss", [("reference", "sg", "ns"), ("cpu", "sg", "ns"), ("cpu", "cbow", "hs")])
def test_training_on_sentences_equals_training_on_the_file(corpus_file, backend, model, loss):
    params = dict(SMALL, backend=backend, model=model, loss=loss)
    from_file = Word2Vec(**params).fit(corpus_file, **QUIET)
    from_list = Word2Vec(**params).fit(read(corpus_file), **QUIET)
    from_generator = Word2Vec(**params).fit((s for s in read(corpus_file)), **QUIET)
    for other in (from_list, from_generator):
        assert other.vocab.words == from_file.vocab.words
        np.testing.assert_array_equal(other.center, from_file.center)
    assert [h["loss"] for h in from_list.history] == [h["loss"] for h in from_file.history]
    assert "corpus" not in from_list.state  # no path to remember, and never the data


def test_the_constructor_trains_at_once_on_sentences_or_corpus_file(corpus_file):
    params = dict(vector_size=8, epochs=2, min_count=1, seed=3, window=2, negative=3, workers=1, **QUIET)
    a = Word2Vec(read(corpus_file), **params)
    b = Word2Vec(corpus_file=corpus_file, **params)
    c = Word2Vec(**params)
    assert a.center is not None and c.center is None
    np.testing.assert_array_equal(a.center, b.center)
    assert a.corpus_count == len(read(corpus_file)) and a.corpus_total_words == sum(map(len, read(corpus_file)))


# -- refused, in one short line that never holds the corpus ---------------------------------------------------
BIG = [["secret%d" % i for i in range(50)] for _ in range(100)]


@pytest.mark.parametrize("corpus,needle", [
    ({"a": ["b"]}, r"corpus must be a file path or an iterable of token lists \(got dict\)"),
    (42, r"\(got int\)"),
    (b"a b c", r"\(got bytes\)"),
    (["a b c"], "sentence 0 is a str, not a list of tokens"),
    (["a", "b"], "sentence 0 is a str"),  # one sentence given without its list
    ([["a", "b"], 7], "sentence 1 is a int, not a list of tokens"),
    ([["a"], ["b", 3]], "sentence 1, token 1 is a int"),
    ([["a"], [b"b"]], "sentence 1, token 0 is a bytes"),
    ([["a", "b c"]], r"sentence 0, token 1 \('b c'\) is empty or holds whitespace"),
    ([["a", ""]], "sentence 0, token 1 .* is empty"),
    ([], "holds no words"),
    ([[], []], "holds no words"),
    ((s for s in [[]]), "holds no words"),
    (BIG + [["x", None]], "sentence 100, token 1 is a NoneType"),
])
def test_bad_corpora_get_one_short_line(corpus, needle):
    with pytest.raises(InputError, match=needle) as info:
        Word2Vec(**SMALL).fit(corpus, **QUIET)
    text = str(info.value)
    assert "\n" not in text and len(text) < 200 and "secret" not in text


def test_a_list_is_never_taken_as_the_config():
    with pytest.raises(ConfigError, match=r"config must be a TrainConfig \(got list\)"):
        Word2Vec(config=[["a", "b"]])
    with pytest.raises(TypeError, match="unexpected keyword argument 'vectorsize'"):
        Word2Vec(vectorsize=10)
    model = Word2Vec(TrainConfig(dim=4))  # a config as the first argument still works
    assert model.config.dim == 4 and model.config.backend == "reference" and model.center is None


# -- defaults: the fast trainer for Python users --------------------------------------------------------------
def test_python_users_get_the_cpu_backend_on_every_core():
    assert Word2Vec().config.backend == "cpu" and Word2Vec().config.threads == fast_threads()
    assert Word2Vec(workers=1).config.threads == 1 and Word2Vec(threads=3).config.threads == 3
    assert Word2Vec(backend="reference").config.threads == 1
    assert TrainConfig().backend == "reference" and TrainConfig().threads == 1  # the CLI's textbook run


# -- build_vocab + train, continued training ------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_build_vocab_then_train_equals_fit(corpus_file, backend):
    sentences = read(corpus_file)
    fitted = Word2Vec(**SMALL, backend=backend).fit(sentences, **QUIET)
    model = Word2Vec(**SMALL, backend=backend, **QUIET)
    model.build_vocab(sentences)
    assert model.corpus_count == len(sentences) and model.epochs == 2
    trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    np.testing.assert_array_equal(model.center, fitted.center)
    assert raw == 2 * model.corpus_total_words and 0 < trained <= raw


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_continued_training_drops_new_words_and_numbers_epochs_on(corpus_file, backend):
    model = Word2Vec(**SMALL, backend=backend, sample=0).fit(corpus_file, **QUIET)
    words, before = list(model.vocab.words), model.center.copy()
    more = [["t0w0", "t0w1", "brandnew", "t0w2"], ["unseen", "words", "only"]] * 40
    trained, raw = model.train(more, total_examples=len(more), epochs=3, progress=False, log=lambda m: None)
    assert model.vocab.words == words and "brandnew" not in model.wv  # out-of-vocabulary tokens dropped
    assert raw == 3 * 3 * 40 and [h["epoch"] for h in model.history] == [1, 2, 3, 4, 5]
    assert not np.array_equal(model.center, before) and np.isfinite(model.center).all()
    rows = [model.vocab.index[w] for w in ("t0w0", "t0w1", "t0w2")]
    untouched = np.setdiff1d(np.arange(len(words)), rows)
    if backend == "cpu":  # only the rows of the words trained on move (SGD); Adam's momentum moves none elsewhere
        np.testing.assert_array_equal(model.center[untouched], before[untouched])
    with pytest.raises(InputError, match="has no word of the vocabulary"):
        model.train([["nothing", "known"]], epochs=1, progress=False, log=lambda m: None)


def test_continued_training_rate_schedule(corpus_file):
    model = Word2Vec(**SMALL, backend="cpu", lr=0.05).fit(corpus_file, **QUIET)
    model.train(read(corpus_file), epochs=2, start_alpha=0.01, end_alpha=0.001, progress=False, log=lambda m: None)
    assert model.history[-1]["lr_end"] == pytest.approx(0.001, rel=1e-3)
    assert model.history[-2]["lr_end"] == pytest.approx(0.0055, rel=1e-2)  # halfway down, linearly
    assert model.alpha == 0.05 and model.epochs == 2  # the model's own settings stay


def test_train_before_any_vocabulary_and_gensim_options_refused():
    with pytest.raises(VocabError, match="call build_vocab"):
        Word2Vec(**SMALL).train([["a"]], epochs=1)
    with pytest.raises(VocabError, match=r"update=True\) adds words to a vocabulary, and the model has none"):
        Word2Vec(**SMALL).build_vocab([["a"]], update=True)
    with pytest.raises(ConfigError, match="not both"):
        Word2Vec(**SMALL).build_vocab([["a"]], corpus_file="x.txt")


# -- callbacks ------------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.calls, self.losses = [], []

    def on_train_begin(self, model):
        self.calls.append("train_begin")

    def on_epoch_begin(self, model):
        self.calls.append("epoch_begin")

    def on_epoch_end(self, model):
        self.calls.append("epoch_end")
        assert model.history[-1]["loss"] == model.get_latest_training_loss()
        self.losses.append((model.history[-1]["epoch"], model.get_latest_training_loss()))

    def on_train_end(self, model):
        self.calls.append("train_end")


class OnlyEnd:  # any subset of the methods will do
    def __init__(self):
        self.n = 0

    def on_epoch_end(self, model):
        self.n += 1


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_callbacks_see_each_epoch_and_its_loss(corpus_file, backend):
    rec, end = Recorder(), OnlyEnd()
    model = Word2Vec(**dict(SMALL, epochs=3), backend=backend, callbacks=[rec, end]).fit(corpus_file, **QUIET)
    assert rec.calls == ["train_begin"] + ["epoch_begin", "epoch_end"] * 3 + ["train_end"] and end.n == 3
    assert rec.losses == [(h["epoch"], h["loss"]) for h in model.history]
    rec2 = Recorder()
    model.train(read(corpus_file), epochs=2, callbacks=[rec2], progress=False, log=lambda m: None)
    assert [e for e, _ in rec2.losses] == [4, 5] and len(rec.losses) == 3  # train() uses only its own


def test_bad_callbacks_are_refused():
    with pytest.raises(ConfigError, match="callbacks must be a list"):
        Word2Vec(**SMALL, callbacks=Recorder())
    with pytest.raises(ConfigError, match="callback 0 .*builtin_function_or_method"):
        Word2Vec(**SMALL, callbacks=[print])


# -- vocabulary files --------------------------------------------------------------------------------------------
def test_save_vocab_writes_word_count_lines_in_vocabulary_order(corpus_file, tmp_path):
    path = tmp_path / "vocab.txt"
    model = Word2Vec(**SMALL, save_vocab=path).fit(read(corpus_file), **QUIET)
    lines = path.read_text().splitlines()
    assert lines == [f"{w} {c}" for w, c in zip(model.vocab.words, model.vocab.counts.tolist())]
    assert model.config.save_vocab == str(path)
    with pytest.raises(ConfigError, match="--save-vocab .* is the corpus"):
        Word2Vec(**dict(SMALL, save_vocab=corpus_file)).fit(corpus_file, **QUIET)


def test_read_vocab_takes_words_and_counts_from_the_file(corpus_file, tmp_path):
    counted = Word2Vec(**SMALL).fit(corpus_file, **QUIET)
    path = tmp_path / "vocab.txt"
    keep = counted.vocab.words[:10]
    path.write_text("</s> 300\n" + "".join(f"{w} {1000 - i}\n" for i, w in enumerate(keep)) + "rare 1\n")
    for corpus in (corpus_file, read(corpus_file)):
        model = Word2Vec(**dict(SMALL, min_count=2), read_vocab=path).fit(corpus, **QUIET)
        assert model.vocab.words == keep  # '</s>' skipped, 'rare' under min_count, the corpus's other words dropped
        assert model.vocab.counts.tolist() == [1000 - i for i in range(10)]
        assert model.corpus_total_words == int(np.isin(load(corpus_file, 1)[1].ids,
                                                        [load(corpus_file, 1)[0].index[w] for w in keep]).sum())
    capped = Word2Vec(**dict(SMALL, max_vocab=3), read_vocab=path).fit(corpus_file, **QUIET)
    assert capped.vocab.words == keep[:3]


@pytest.mark.parametrize("data,error,needle", [
    ("the 5\nof x\n", FormatError, r"vocab.txt:2: expected 'word count'"),
    ("the 5\nof 3\nthe 2\n", FormatError, r"vocab.txt:3: the word 'the' twice \(first on line 1\)"),
    ("the 1\nof 1\n", VocabError, "no word counted at least 5 times"),
])
def test_bad_vocabulary_files_name_file_and_line(corpus_file, tmp_path, data, error, needle):
    path = tmp_path / "vocab.txt"
    path.write_text(data)
    with pytest.raises(error, match=needle) as info:
        Word2Vec(**dict(SMALL, min_count=5), read_vocab=path).fit(corpus_file, **QUIET)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="does not exist"):
        Word2Vec(**SMALL, read_vocab=tmp_path / "missing.txt").fit(corpus_file, **QUIET)


def test_vocab_round_trip_through_save_and_read(tmp_path):
    v = Vocab(["b", "a", "c"], [5, 3, 1])
    v.save(tmp_path / "v.txt")
    assert Vocab.read(tmp_path / "v.txt", min_count=2).words == ["b", "a"]
    assert Vocab.read(tmp_path / "v.txt", max_vocab=1).counts.tolist() == [5]


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_a_run_on_sentences_resumes_from_its_checkpoint(corpus_file, tmp_path, backend):
    from conftest import StopAfter
    from w2v_scratch.training.checkpoint import Interrupted
    from w2v_scratch.training.run import fit

    sentences, params = read(corpus_file), dict(SMALL, epochs=3, backend=backend)
    whole = Word2Vec(**params).fit(sentences, **QUIET)
    with pytest.raises(Interrupted):
        fit(Word2Vec(**params), sentences, checkpointer=StopAfter(tmp_path / "ck", 2), **QUIET)
    with pytest.raises(InputError, match="token lists are not saved"):
        Word2Vec.resume(tmp_path / "ck", **QUIET)
    resumed = Word2Vec.resume(tmp_path / "ck", corpus=(s for s in sentences), **QUIET)
    np.testing.assert_array_equal(resumed.center, whole.center)
