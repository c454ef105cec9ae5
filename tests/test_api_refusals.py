"""The Python API refuses what it cannot mean (issue 21): keys that are neither a word nor an int row
index (bytes above all: ``b"the"`` iterates as the ints 116, 104, 101), a string where a list of keys
is expected, NaN or infinite query vectors and weights, counts that are no whole numbers; a used-up
generator is named as such; a pickle (gensim's ``.save()``) is named as a pickle, never unpickled.
Every refusal is one line. And the reprs and the package's help are short."""

from __future__ import annotations

import os
import pickle  # to write the files a gensim user has: these tests never unpickle anything
import pydoc

import numpy as np
import pytest

import w2v_scratch
from w2v_scratch import KeyedVectors, Word2Vec
from w2v_scratch.base.errors import FormatError, InputError, W2VError
from w2v_scratch.vectors.embeddings import Embeddings, KeyTypeError, QueryError

QUIET = dict(progress=False, log=lambda m: None)
SMALL = dict(dim=8, epochs=1, min_count=1, seed=3, window=2, negative=3, threads=1)
V, D = 300, 16  # more rows than the byte values of b"the" (116, 104, 101): the old answer was a real one


@pytest.fixture(scope="module")
def emb():
    rng = np.random.default_rng(0)
    return KeyedVectors([f"w{i}" for i in range(V)], rng.standard_normal((V, D)).astype(np.float32))


def one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and 0 < len(text) < 400
    return text


# -- keys that are neither a word nor a row index ---------------------------------------------------------------
BAD_KEYS = [b"w1", bytearray(b"w1"), memoryview(b"w1"), np.bytes_(b"w1"), 3.0, np.float64(2.0), float("nan"), None,
            True, np.bool_(False), 1 + 2j, object()]

LOOKUPS = {  # every public call that takes a key, with the bad key in each place it can go
    "getitem": lambda e, k: e[k],
    "getitem list": lambda e, k: e[["w1", k]],
    "get_vector": lambda e, k: e.get_vector(k),
    "get_vector norm": lambda e, k: e.get_vector(k, norm=True),
    "get_index": lambda e, k: e.get_index(k),
    "get_index default": lambda e, k: e.get_index(k, default=-1),
    "in": lambda e, k: k in e,
    "has_index_for": lambda e, k: e.has_index_for(k),
    "word_id": lambda e, k: e.word_id(k),
    "similarity 1": lambda e, k: e.similarity(k, "w1"),
    "similarity 2": lambda e, k: e.similarity("w1", k),
    "distance": lambda e, k: e.distance("w1", k),
    "distances": lambda e, k: e.distances(k),
    "distances others": lambda e, k: e.distances("w1", ["w2", k]),
    "n_similarity": lambda e, k: e.n_similarity(["w1", k], ["w2"]),
    "most_similar": lambda e, k: e.most_similar(k),
    "most_similar list": lambda e, k: e.most_similar(positive=["w1", k]),
    "most_similar negative": lambda e, k: e.most_similar(positive=["w1"], negative=[k]),
    "most_similar pair": lambda e, k: e.most_similar(positive=[(k, 2.0)]),
    "most_similar_cosmul": lambda e, k: e.most_similar_cosmul(positive=["w1", k]),
    "most_similar_cosmul negative": lambda e, k: e.most_similar_cosmul(positive=["w1"], negative=k),
    "similar_by_key": lambda e, k: e.similar_by_key(k),
    "similar_by_word": lambda e, k: e.similar_by_word(k),
    "doesnt_match": lambda e, k: e.doesnt_match(["w1", "w2", k]),
    "closer_than": lambda e, k: e.closer_than("w1", k),
    "rank": lambda e, k: e.rank(k, "w1"),
    "most_similar_to_given": lambda e, k: e.most_similar_to_given(k, ["w1", "w2"]),
    "most_similar_to_given list": lambda e, k: e.most_similar_to_given("w1", ["w2", k]),
}


@pytest.mark.parametrize("call", LOOKUPS)
@pytest.mark.parametrize("key", BAD_KEYS, ids=lambda k: type(k).__name__)
def test_a_key_of_another_type_is_refused_by_every_lookup(emb, call, key):
    if key is None and call in ("most_similar", "most_similar_cosmul negative"):
        return  # None is those arguments' default: no word given (below)
    with pytest.raises(KeyTypeError) as info:
        LOOKUPS[call](emb, key)
    text = one_line(info)
    assert type(key).__name__ in text and "a key is a word (str) or an int row index" in text
    assert isinstance(info.value, (KeyError, TypeError, QueryError, W2VError))


def test_bytes_are_named_with_the_fix(emb):
    for call in (lambda: emb[b"w1"], lambda: emb.most_similar(b"w1"), lambda: emb.similarity(b"w1", "w2")):
        with pytest.raises(KeyError, match=r"b'w1' is bytes, not a str: .*decode it first \('w1'"):
            call()
    with pytest.raises(KeyTypeError, match=r"int\(key\) for row 3"):
        emb[3.0]


@pytest.mark.parametrize("call", [
    lambda e: e.doesnt_match("w1"), lambda e: e.doesnt_match(b"w1"), lambda e: e.n_similarity("w1", ["w2"]),
    lambda e: e.n_similarity(["w1"], b"w2"), lambda e: e.most_similar_to_given("w1", "w2"),
    lambda e: e.distances("w1", "w2"), lambda e: e[np.array([["w1", "w2"]])], lambda e: e.n_similarity(["w1"], 5),
])
def test_a_string_or_scalar_where_a_list_of_keys_goes_is_refused(emb, call):
    with pytest.raises(KeyTypeError) as info:
        call(emb)
    one_line(info)


def test_what_gensim_accepts_still_works(emb):
    np.testing.assert_array_equal(emb[np.array(["w1", "w2"])], emb.vectors[[1, 2]])  # a 1-D array of words
    np.testing.assert_array_equal(emb[np.array([3, 4])], emb.vectors[[3, 4]])  # ... or of row indexes
    np.testing.assert_array_equal(emb[(k for k in ["w5", 6])], emb.vectors[[5, 6]])
    np.testing.assert_array_equal(emb[np.str_("w7")], emb.vectors[7])
    assert emb.get_index(np.int32(8)) == 8 and 9 in emb and V not in emb and "nope" not in emb
    assert emb.get_index("nope", default=-1) == -1 and emb.get_index(V, default=-1) == -1
    assert emb.most_similar(np.array(["w1", "w2"])) == emb.most_similar(["w1", "w2"])
    assert emb.most_similar([("w1", 2), ["w2", 0.5]]) and emb.most_similar(positive=[np.int64(3)])
    assert emb.doesnt_match(("w1", "w2", 3)) in ("w1", "w2", "w3")
    assert emb.most_similar("nope", topn=0) == []  # gensim answers [] before looking anything up
    with pytest.raises(QueryError, match="give at least one positive or negative word"):
        emb.most_similar(None)


# -- NaN and infinity --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_query_vector_that_is_not_finite_is_refused(emb, bad):
    vec = np.ones(D, np.float32)
    vec[5] = bad
    calls = [lambda: emb.most_similar(vec), lambda: emb.most_similar(positive=["w1", vec]),
             lambda: emb.most_similar(positive=["w1"], negative=[vec.astype(np.float64)]),
             lambda: emb.similar_by_vector(vec), lambda: emb.most_similar_cosmul(positive=[vec]),
             lambda: emb.distances(vec), lambda: emb.n_similarity([vec], ["w1"]), lambda: emb.nearest(vec),
             lambda: emb.most_similar(np.vstack([np.ones(D), vec]))]
    for call in calls:
        with pytest.raises(QueryError, match="finite") as info:
            call()
        assert isinstance(info.value, ValueError)
        one_line(info)
    with pytest.raises(QueryError, match="weight .* not a finite number"):
        emb.most_similar(positive=[("w1", bad)])


@pytest.mark.parametrize("kwargs", [dict(topn=2.5), dict(topn="3"), dict(restrict_vocab=-1), dict(restrict_vocab=2.0),
                                    dict(clip_start=-3), dict(clip_end=1.5)])
def test_counts_that_are_no_whole_numbers_are_refused(emb, kwargs):
    with pytest.raises(QueryError, match=next(iter(kwargs))):
        emb.most_similar("w1", **kwargs)
    if "clip_start" not in kwargs and "clip_end" not in kwargs:
        with pytest.raises(QueryError, match=next(iter(kwargs))):
            emb.most_similar_cosmul("w1", **kwargs)


def test_words_must_be_strings():
    with pytest.raises(FormatError, match="word b'a' is a bytes: every word must be a str"):
        Embeddings([b"a", b"b"], np.zeros((2, 3)))
    with pytest.raises(FormatError, match="word None is a NoneType"):
        KeyedVectors(["a", None], np.zeros((2, 3)))


# -- a used-up generator -----------------------------------------------------------------------------------------
SENTENCES = [["the", "cat", "sat"], ["the", "dog", "ran"], ["a", "cat", "ran"]] * 5


def test_a_used_up_generator_is_named_with_the_fix():
    gen = (s for s in SENTENCES)
    model = Word2Vec(**SMALL).fit(gen, **QUIET)  # the first pass reads it
    for again in (lambda: model.train(gen, epochs=1, **QUIET), lambda: model.fit(gen, **QUIET),
                  lambda: Word2Vec(**SMALL).fit(gen, **QUIET)):
        with pytest.raises(InputError, match=r"<generator of sentences> is used up: an iterator \(such as a generator\) "
                                             r"yields its sentences once, and this one was read by an earlier "
                                             r"build_vocab, fit or train; give a list of token lists, or an iterable "
                                             r"whose __iter__ starts over") as info:
            again()
        one_line(info)
    for empty in (iter([]), map(list, []), (s for s in [])):  # never read before: maybe used up elsewhere
        with pytest.raises(InputError, match=r"yielded no sentences: an iterator .* once; if it was read before, "
                                             r"give a list of token lists") as info:
            Word2Vec(**SMALL).fit(empty, **QUIET)
        one_line(info)
    gen = (s for s in SENTENCES)
    model = Word2Vec(**SMALL)
    model.build_vocab(gen, **QUIET)  # gensim's pattern: build_vocab(gen) then train(gen) (gensim trains nothing)
    with pytest.raises(InputError, match="used up"):
        model.train(gen, total_examples=model.corpus_count, epochs=1, **QUIET)
    # a list, or an empty sentence, is not an iterator: "holds no words", as before
    for corpus in ([], [[]], (s for s in [[]])):
        with pytest.raises(InputError, match="holds no words"):
            Word2Vec(**SMALL).fit(corpus, **QUIET)


# -- pickles, and other files that are not models ------------------------------------------------------------
class Payload:
    """Unpickling this runs ``os.mkdir(marker)``: proof that code from the file was executed."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


class Plain:
    """An object with the default reduction, as gensim's models."""


@pytest.mark.parametrize("protocol", [0, 1, 2, 4, 5])
def test_a_pickle_is_named_and_never_loaded(tmp_path, protocol):
    marker = tmp_path / "executed"
    path = tmp_path / "gensim.model"
    # protocols 2-5 open with 0x80 and the protocol; with 0 and 1 an object (such as a gensim model, which
    # defines no __reduce__) opens with copy_reg._reconstructor
    obj = {"model": Payload(str(marker))} if protocol >= 2 else Plain()
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    for load, needle in ((Word2Vec.load, r"KeyedVectors.load\('vectors.bin'\)"),
                         (Word2Vec.load_checkpoint, "a checkpoint is the PATH.npz"),
                         (KeyedVectors.load, "save_word2vec_format"),
                         (KeyedVectors.load_word2vec_format, "save_word2vec_format")):
        with pytest.raises(FormatError, match=f"is a Python pickle.*never loads.*{needle}") as info:
            load(path)
        one_line(info)
    assert not marker.exists()


def test_the_command_line_names_a_pickle_too(tmp_path, capsys):
    from w2v_scratch.cli import main

    marker = tmp_path / "executed"
    path = tmp_path / "gensim.model"
    path.write_bytes(pickle.dumps({"model": Payload(str(marker))}, protocol=4))
    for argv in (["similar", "w1", "--vectors", path], ["convert", path, tmp_path / "v.txt"],
                 ["evaluate", "--vectors", path]):
        assert main([str(a) for a in argv]) == FormatError.exit_code
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is a Python pickle" in err and "save_word2vec_format" in err
    assert not marker.exists() and not (tmp_path / "v.txt").exists()


def test_a_real_gensim_model_is_named_a_pickle(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    model = gensim_models.Word2Vec(SENTENCES, vector_size=4, min_count=1, epochs=1, workers=1, seed=1)
    model.save(str(tmp_path / "w2v.model"))
    model.wv.save(str(tmp_path / "w2v.kv"))
    for path in ("w2v.model", "w2v.kv"):
        for load in (Word2Vec.load, KeyedVectors.load):
            with pytest.raises(FormatError, match="is a Python pickle"):
                load(tmp_path / path)
    model.wv.save_word2vec_format(str(tmp_path / "vectors.bin"), binary=True)  # the way out the message names
    assert KeyedVectors.load(tmp_path / "vectors.bin").index_to_key == model.wv.index_to_key


def test_a_vectors_file_given_to_word2vec_load_is_named(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("2 2\na 1 0\nb 0 1\n")
    with pytest.raises(FormatError, match=r"is not a model .*use KeyedVectors.load\(") as info:
        Word2Vec.load(path)
    one_line(info)
    with pytest.raises(InputError, match="does not exist"):  # a missing model: as before
        Word2Vec.load(tmp_path / "missing")


# -- short reprs, and a help that opens with a quick start -------------------------------------------------------
def test_reprs_are_short(emb):
    assert repr(emb) == "KeyedVectors(300 words × 16)"
    assert repr(Embeddings([f"w{i}" for i in range(12345)], np.zeros((12345, 3)))) == "Embeddings(12,345 words × 3)"
    model = Word2Vec(**SMALL)
    assert repr(model) == "Word2Vec(model='sg', loss='ns', dim=8, backend='cpu', not trained)"
    model.fit(SENTENCES, **QUIET)
    assert repr(model) == "Word2Vec(model='sg', loss='ns', dim=8, backend='cpu', vocab=6 words, trained 1 epoch)"
    assert repr(model.wv) == "KeyedVectors(6 words × 8)"
    model = Word2Vec(model="cbow", loss="hs", backend="reference", dim=4, epochs=2, min_count=1, threads=1)
    model.fit(SENTENCES, **QUIET)
    assert repr(model) == "Word2Vec(model='cbow', loss='hs', dim=4, backend='reference', vocab=6 words, trained 2 epochs)"


def test_help_opens_with_a_quick_start_that_runs(tmp_path, monkeypatch):
    text = pydoc.render_doc(w2v_scratch, renderer=pydoc.plaintext)
    head = text.splitlines()[:40]
    assert any("Quick start" in line for line in head[:8])
    assert any("Word2Vec(" in line and ".fit(" in line for line in head)
    assert any("w2v-scratch train" in line for line in head)
    doc = w2v_scratch.__doc__
    code = doc.split("::\n", 1)[1].split("\n\n``Word2Vec()``", 1)[0]
    words = ["chip", "bank", "banks", "intel", "loans", "the", "a"]
    rng = np.random.default_rng(0)
    (tmp_path / "my-corpus.txt").write_text("\n".join(" ".join(rng.choice(words, 8)) for _ in range(200)) + "\n")
    monkeypatch.chdir(tmp_path)
    code = code.replace("Word2Vec(dim=100, epochs=5)", "Word2Vec(dim=8, epochs=1, threads=1, progress=False, "
                                                       "log=lambda m: None)")
    exec(compile("\n".join(line[4:] for line in code.splitlines()), "quick start", "exec"), {})
    assert (tmp_path / "vectors.bin").exists() and (tmp_path / "my-model.npz").exists()
