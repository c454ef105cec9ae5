"""gensim programs, run with gensim and with the import switched.

``tests/gensim_program.py`` is a gensim 4 program written for these tests. It runs once as it is
(gensim) and once with ``from gensim`` replaced by ``from w2v_scratch.gensim`` (nothing else
changed); its answers are compared call by call (:data:`COVERED` lists the calls):

* where training is random, the same types, shapes and words (and, where the answer does not
  depend on the draws — settings, vocabularies, counts, phrases, file names — the same values);
* where the computation is deterministic given the vectors, the same answers within float32
  rounding: gensim's trained vectors are read by both ``KeyedVectors`` and queried alike.

Below them, the native ``w2v_scratch.Word2Vec`` runs a gensim user's everyday program with gensim's
keywords (its own loss semantics: the mean loss per example) and is checked against gensim's
``KeyedVectors`` reading the vectors it wrote.
"""

from __future__ import annotations

import gzip
import math
import pathlib
import random
import re

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors as GensimKeyedVectors  # noqa: E402
from gensim.models import Word2Vec as GensimWord2Vec  # noqa: E402
from gensim.models.callbacks import CallbackAny2Vec  # noqa: E402

import w2v_scratch.gensim as ours_gensim  # noqa: E402
from w2v_scratch import Word2Vec  # noqa: E402  -- the one line a gensim user changes (native API)
from w2v_scratch.base.errors import FormatError  # noqa: E402
from w2v_scratch.corpus.read import resolve  # noqa: E402

PROGRAM = pathlib.Path(__file__).with_name("gensim_program.py")
# The calls the program makes (each one as it appears in tests/gensim_program.py), compared between the two runs.
COVERED = (
    "Word2Vec(sentences, vector_size=12, min_count=1, workers=1, seed=7)",  # gensim's defaults: CBOW, negative=5...
    "hs=1, min_count=2",  # both losses: syn1 and syn1neg
    "model.build_vocab(sentences)", "model.train(sentences, total_examples=model.corpus_count",
    "compute_loss=True, callbacks=[deltas]", "model.get_latest_training_loss()", "total - self.previous",
    "model.corpus_count, model.corpus_total_words",
    "model.build_vocab(more, update=True)", "model.train(more, total_examples=len(more)",
    "Phrases(sentences, min_count=3, threshold=2.0, connector_words=ENGLISH_CONNECTOR_WORDS)", "found.freeze()",
    "frozen.phrasegrams", "found.export_phrases()", "frozen[s]", "found[s]", "Word2Vec(phrased",
    "LineSentence(path)", "Word2Vec(LineSentence(path)",
    'model.wv.save(os.path.join(folder, "words.kv"))', 'KeyedVectors.load(os.path.join(folder, "words.kv"), mmap="r")',
    'model.save(os.path.join(folder, "words.model"))', 'Word2Vec.load(os.path.join(folder, "words.model"))',
    "loaded.train(", "os.listdir(folder)",
    'wv.most_similar("cat", topn=4)', 'wv.most_similar(positive=["dog", "apple"], negative=["cat"], topn=3)',
    'wv.similarity("cat", "dog")', 'wv.doesnt_match(["cat", "dog", "horse", "unicorn", "banana"])',
    'wv.get_vecattr("cat", "count")', 'wv["dog"]', 'wv.get_vector("dog", norm=True)', "len(wv)",
    "wv.add_vector(", "wv.fill_norms(force=True)", "wv.init_sims(replace=True)", "cbow.wv is cbow.wv",
    "cbow.syn1neg.shape", "both.syn1.shape",
)


def corpus(n: int, seed: int, extra=()) -> list[list[str]]:
    """Sentences about one topic each (animals, fruit, computers), with three two-word place names
    to be found as phrases and some function words; ``extra`` words join every topic."""
    topics = ["cat dog horse cow sheep goat pig farm barn field".split(),
              "apple banana cherry grape pear plum juice sweet tree market".split(),
              "computer chip software network data server code memory disk screen".split()]
    places, filler = ["new york", "los angeles", "san francisco"], "the of and a in to".split()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        topic = rng.choice(topics) + list(extra)
        words = []
        for _ in range(rng.randint(6, 11)):
            r = rng.random()
            words += rng.choice(places).split() if r < 0.15 else [rng.choice(filler) if r < 0.35 else rng.choice(topic)]
        out.append(words)
    return out


def program(switched: bool) -> dict:
    """The program's namespace: gensim's, or with every ``from gensim`` made ``from w2v_scratch.gensim``."""
    source = PROGRAM.read_text(encoding="utf-8")
    if switched:
        source, n = re.subn(r"^from gensim", "from w2v_scratch.gensim", source, flags=re.M)
        assert n == 4
    namespace = {"__name__": "gensim_program"}
    exec(compile(source, str(PROGRAM), "exec"), namespace)
    return namespace


SENTENCES = corpus(400, 1)
MORE = corpus(60, 2, extra=("zebra", "mango", "laptop"))
STEPS = ("defaults", "loss_and_growth", "phrases", "line_sentence", "files")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """step → (gensim's answers, ours or the exception ours raised)."""
    theirs = program(False)
    try:
        ours = program(True)
    except Exception as exc:  # reported by every step's test
        ours = exc
    out = {}
    for step in STEPS:
        gensim_folder, folder = tmp_path_factory.mktemp(f"gensim-{step}"), tmp_path_factory.mktemp(f"ours-{step}")
        a = theirs[step](SENTENCES, MORE, str(gensim_folder))
        try:
            b = ours if isinstance(ours, Exception) else ours[step](SENTENCES, MORE, str(folder))
        except Exception as exc:  # reported by the step's test, with the gensim answers beside it
            b = exc
        out[step] = a, b, folder, gensim_folder
    return out


def shape_of(value):
    """What must agree whatever the draws: types, lengths, array shapes and dtypes, and the words."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.shape)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape_of(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: shape_of(v) for k, v in value.items()})
    if isinstance(value, str):
        return ("str", value)
    return type(value).__name__


def answers(runs, step):
    theirs, ours, _, _ = runs[step]
    if isinstance(ours, Exception):
        pytest.fail(f"w2v_scratch.gensim stopped in step {step}: {type(ours).__name__}: {ours}")
    assert set(ours) == set(theirs)
    return theirs, ours


def test_the_program_is_gensims_and_switches_by_its_imports_alone():
    source = PROGRAM.read_text(encoding="utf-8")
    assert [call for call in COVERED if call not in source] == []
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import os", "import warnings", "import numpy as np",
                       "from gensim.models import KeyedVectors, Phrases, Word2Vec",
                       "from gensim.models.callbacks import CallbackAny2Vec",
                       "from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS",
                       "from gensim.models.word2vec import LineSentence"]
    assert tuple(step.__name__ for step in program(False)["STEPS"]) == STEPS  # the test runs every step


def test_defaults_and_both_losses(runs):
    theirs, ours = answers(runs, "defaults")
    for key in ("defaults", "cbow", "both_finite", "cbow_counts"):
        assert ours[key] == theirs[key], key
    (hs, negative, syn1, syn1neg, vectors), (V, d) = ours["both"], theirs["both"][-1]
    assert (hs, negative, syn1neg, vectors) == (1, 5, (V, d), (V, d)) == tuple(theirs["both"][i] for i in (0, 1, 3, 4))
    assert syn1 == (V - 1, d) and theirs["both"][2] == (V, d)  # a known difference: one row per inner node
    assert ours["cbow"][-1] is True  # model.wv is model.wv
    # by decreasing count; words of equal count the last seen first, as gensim
    first_seen = list(dict.fromkeys(sum(SENTENCES, [])))
    counts = theirs["cbow_counts"]
    assert ours["cbow_order"] == theirs["cbow_order"] == sorted(first_seen[::-1], key=lambda w: -counts[w])


def test_gensims_loss_idiom_and_online_vocabulary(runs):
    theirs, ours = answers(runs, "loss_and_growth")
    for key in ("corpus", "callback_calls", "grown", "grown_moved"):
        assert ours[key] == theirs[key], key
    assert shape_of(ours) == shape_of({**theirs, "grown_similar": ours["grown_similar"]})
    assert kinds(ours["grown_similar"]) == kinds(theirs["grown_similar"])  # three (word, cosine) pairs
    assert {w for w, _ in ours["grown_similar"]} <= set(sum(SENTENCES + MORE, [])) - {"zebra"}
    (trained, raw), (want_trained, want_raw) = ours["train"], theirs["train"]
    assert raw == want_raw and type(trained) is type(want_trained) and 0.8 * want_trained < trained <= raw
    # gensim's running sum since the start of train(): the epoch deltas add up to it, and are of its size
    assert sum(ours["loss_deltas"]) == pytest.approx(ours["loss_total"], rel=1e-6)
    for got, want in zip(ours["loss_deltas"], theirs["loss_deltas"]):
        assert math.isfinite(got) and 0.5 * want < got < 2 * want


def test_phrases_and_a_model_of_the_phrased_corpus(runs):
    theirs, ours = answers(runs, "phrases")
    assert ours["phrased"] == theirs["phrased"] and ours["phrased_same"] and ours["phrase_words"] == theirs["phrase_words"]
    for key in ("phrases", "exported"):
        assert ours[key].keys() == theirs[key].keys(), key
        for phrase, score in theirs[key].items():
            assert ours[key][phrase] == pytest.approx(score, rel=1e-12), (key, phrase)


def test_line_sentence(runs):
    theirs, ours = answers(runs, "line_sentence")
    assert ours == theirs


def test_files_under_gensims_names(runs):
    theirs, ours = answers(runs, "files")
    assert shape_of(ours) == shape_of({**theirs, "kv_loaded": ours["kv_loaded"], "ask": ours["ask"]})
    assert ours["kv_loaded"][:4] == theirs["kv_loaded"][:4]
    assert kinds(ours["kv_loaded"][4]) == kinds(theirs["kv_loaded"][4])
    assert ours["kv_files"] == theirs["kv_files"] == ["words.kv"]  # nothing beside the name given
    assert ours["model_loaded"] == theirs["model_loaded"] and ours["files"] == theirs["files"]
    assert ours["trained_after_load"] == theirs["trained_after_load"]
    assert_same_kinds(ours["ask"], theirs["ask"])
    folder = runs["files"][2]
    loaded = ours_gensim.KeyedVectors.load(str(folder / "words.kv"), mmap="r")
    assert isinstance(loaded.vectors, np.memmap) and not loaded.vectors.flags.writeable


def kinds(pairs: list) -> list:
    """The types in a list of pairs, such as most_similar's (word, cosine)."""
    return [(type(a).__name__, type(b).__name__) for a, b in pairs]


def assert_same_kinds(got: dict, want: dict) -> None:
    """The answers of :func:`ask` on different vectors: the same types, shapes and lengths."""
    assert got.keys() == want.keys()
    for key in want:
        g, w = got[key], want[key]
        if isinstance(w, list):
            assert kinds(g) == kinds(w), key
        else:
            assert shape_of(g) == shape_of(w) or key == "doesnt_match", key
    assert got["doesnt_match"] in ("horse", "banana", "cat", "dog") and got["len"] == want["len"]
    assert got["added"] == want["added"] == want["len"]


def test_queries_agree_on_the_same_vectors(tmp_path):
    """gensim's trained vectors, read by both KeyedVectors: the same answers to the same queries."""
    model = GensimWord2Vec(SENTENCES, vector_size=16, sg=1, min_count=2, workers=1, seed=11, epochs=3)
    model.wv.save_word2vec_format(str(tmp_path / "v.bin"), fvocab=str(tmp_path / "v.vocab"), binary=True)
    ask = program(False)["ask"]  # the program's queries (they use no gensim name)
    want = ask(GensimKeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), fvocab=str(tmp_path / "v.vocab"),
                                                       binary=True))
    ours = ours_gensim.KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin"), fvocab=str(tmp_path / "v.vocab"),
                                                               binary=True)
    got = ask(ours)
    assert_same_kinds(got, want)
    for key in ("most_similar", "analogy", "added_near", "after_norm"):
        assert [w for w, _ in got[key]] == [w for w, _ in want[key]], key
        np.testing.assert_allclose([s for _, s in got[key]], [s for _, s in want[key]], atol=2e-6, err_msg=key)
    assert got["similarity"] == pytest.approx(float(want["similarity"]), abs=2e-6)
    for key in ("doesnt_match", "count", "len", "added"):
        assert got[key] == want[key], key
    np.testing.assert_array_equal(got["vector"], want["vector"])
    np.testing.assert_allclose(got["unit"], want["unit"], atol=2e-7)
    np.testing.assert_allclose(got["norms"], want["norms"], atol=2e-7)
    np.testing.assert_allclose(ours.vectors, np.asarray(ours.get_normed_vectors()), atol=2e-7)  # replaced in place


def test_a_gensim_pickle_is_named_not_loaded(runs):
    """The gensim run's own .kv and .model files (pickles): one line each, nothing unpickled."""
    gensim_folder = runs["files"][3]
    for name, cls in (("words.kv", ours_gensim.KeyedVectors), ("words.model", ours_gensim.Word2Vec)):
        with pytest.raises(FormatError, match="pickle") as caught:
            cls.load(str(gensim_folder / name))
        assert "\n" not in str(caught.value)


class Counting(ours_gensim.CallbackAny2Vec):
    """A callback written against w2v_scratch.gensim, overriding some of the methods."""

    def __init__(self):
        self.calls, self.losses = [], []

    def on_train_begin(self, model):
        self.calls.append("train")

    def on_epoch_end(self, model):
        self.calls.append("epoch")
        self.losses.append(model.get_latest_training_loss())


def test_one_callback_class_for_both_word2vecs_and_gensim():
    """A w2v_scratch.gensim CallbackAny2Vec subclass works with gensim's Word2Vec and the native one."""
    for make in (lambda cb: GensimWord2Vec(SENTENCES[:100], vector_size=8, min_count=1, workers=1, epochs=2,
                                           compute_loss=True, callbacks=[cb]),
                 lambda cb: Word2Vec(SENTENCES[:100], vector_size=8, min_count=1, workers=1, epochs=2,
                                     callbacks=[cb], progress=False)):
        cb = Counting()
        make(cb)
        assert cb.calls == ["train", "epoch", "epoch"] and all(math.isfinite(x) and x > 0 for x in cb.losses)
    assert not hasattr(CallbackAny2Vec, "on_batch_begin")  # gensim 4 dropped batch callbacks; ours never calls them


# -- the native Word2Vec with gensim's keywords ----------------------------------------------------------------
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
