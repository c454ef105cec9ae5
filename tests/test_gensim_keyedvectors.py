"""``w2v_scratch.gensim.KeyedVectors`` against gensim's own ``KeyedVectors`` holding the same vectors:
gensim's calls (attributes, additions, normalisation, mean vectors, centrality, the files) give
gensim's answers, and what is refused is refused in one line."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from w2v_scratch.base.errors import ConfigError, FormatError
from w2v_scratch.gensim import KeyedVectors
from w2v_scratch.vectors.queries import KeyTypeError

WORDS = ["cat", "dog", "horse", "apple", "pear", "chip", "disk", "zero"]


def vectors(seed: int = 0, zero: bool = True) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(len(WORDS), 6)).astype(np.float32)
    if zero:
        v[-1] = 0.0  # one zero row (its cosines: 0 here, NaN in gensim)
    return v


def pair(tmp_path, counts=(9, 8, 8, 6, 5, 5, 2, 1), zero: bool = True):
    """The same vectors in gensim's KeyedVectors and ours (through a word2vec file and its counts)."""
    gensim_models = pytest.importorskip("gensim.models")
    ours = KeyedVectors(WORDS, vectors(zero=zero), counts=list(counts))
    ours.save_word2vec_format(str(tmp_path / "v.txt"), fvocab=str(tmp_path / "v.vocab"))
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"), fvocab=str(tmp_path / "v.vocab"))
    return ours, theirs


def test_the_native_constructor_shares_its_arrays_and_gensims_starts_empty():
    v, counts = vectors(), np.arange(len(WORDS), 0, -1, dtype=np.int64)
    kv = KeyedVectors(WORDS, v, counts=counts)
    assert kv.vectors is v and kv.counts is counts  # no copy
    assert str(kv) == "KeyedVectors<vector_size=6, 8 keys>"
    for empty in (KeyedVectors(5), KeyedVectors(vector_size=5, count=10), KeyedVectors(5, 3, np.float32)):
        assert (len(empty), empty.vector_size, empty.vectors.shape) == (0, 5, (0, 5))
    with pytest.raises(ConfigError, match="float32"):
        KeyedVectors(5, dtype=np.float64)
    with pytest.raises(TypeError):
        KeyedVectors()


def test_vecattrs_as_gensim(tmp_path):
    ours, theirs = pair(tmp_path)
    for w in WORDS:
        assert ours.get_vecattr(w, "count") == theirs.get_vecattr(w, "count")
        assert type(ours.get_vecattr(w, "count")) is type(theirs.get_vecattr(w, "count"))
    for kv in (ours, theirs):
        kv.set_vecattr("dog", "count", 40)
        kv.set_vecattr("pear", "tag", "fruit")
        with pytest.raises(TypeError):
            kv.set_vecattr("dog", "count", 1.5)  # the array is int64: gensim's TypeError
        with pytest.raises(KeyError):
            kv.get_vecattr("dog", "colour")
        with pytest.raises(KeyError):
            kv.get_vecattr("unicorn", "count")
    assert ours.get_vecattr("dog", "count") == theirs.get_vecattr("dog", "count") == 40
    assert ours.get_vecattr("pear", "tag") == theirs.get_vecattr("pear", "tag") == "fruit"
    assert ours.get_vecattr("cat", "tag") == theirs.get_vecattr("cat", "tag") == 0
    assert ours.counts[1] == 40  # "count" is the vectors' counts array itself


def test_adding_vectors_as_gensim(tmp_path):
    ours, theirs = pair(tmp_path)
    new = np.arange(12, dtype=np.float32).reshape(2, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert ours.add_vector("lion", new[0]) == theirs.add_vector("lion", new[0]) == len(WORDS)
    for kv in (ours, theirs):
        kv.add_vectors(["cat", "tiger"], new)  # cat kept, tiger appended
        kv["dog"] = new[1]  # replaced
        kv.fill_norms(force=True)  # gensim needs it after an addition (ours does it itself)
    assert ours.index_to_key == theirs.index_to_key == WORDS + ["lion", "tiger"]
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.get_vecattr("tiger", "count") == 0  # gensim's add_vectors leaves its count array short
    assert [w for w, _ in ours.most_similar("tiger", topn=3)] == [w for w, _ in theirs.most_similar("tiger", topn=3)]
    ours.add_vectors(["lynx", "puma"], new, replace=True, extras={"count": np.array([3, 4])})
    assert (ours.get_vecattr("puma", "count"), ours.get_index("puma")) == (4, len(WORDS) + 3)


def test_additions_never_change_what_they_were_given():
    v, index = vectors(), {w: i for i, w in enumerate(WORDS)}
    kv = KeyedVectors(WORDS, v, index=index)
    kv.add_vectors(["lion"], np.ones((1, 6)))
    assert "lion" not in index and v.shape == (len(WORDS), 6) and kv.vectors.shape == (len(WORDS) + 1, 6)
    with pytest.raises(ValueError, match="twice"):
        kv.add_vectors(["owl", "owl"], np.ones((2, 6)))
    with pytest.raises(ValueError, match="shape"):
        kv.add_vectors(["owl"], np.ones((1, 5)))
    with pytest.raises(ValueError, match="NaN"):
        kv.add_vector("owl", np.full(6, np.nan))
    with pytest.raises(KeyTypeError):
        kv.add_vector(7, np.ones(6))
    assert len(kv) == len(WORDS) + 1


def test_centrality_mean_vectors_and_relative_cosine_as_gensim(tmp_path, caplog):
    ours, theirs = pair(tmp_path, zero=False)
    words = ["cat", "dog", "chip", "unicorn", "apple"]
    got, want = ours.rank_by_centrality(words), theirs.rank_by_centrality(words)
    assert [w for _, w in got] == [w for _, w in want] and type(got[0][0]) is type(want[0][0])
    np.testing.assert_allclose([s for s, _ in got], [s for s, _ in want], atol=1e-6)
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    assert "unicorn" in caplog.text  # the unknown word is logged, as gensim logs it
    with pytest.raises(ValueError):
        ours.doesnt_match(["unicorn", "griffin"])
    for keys, kwargs in ((["cat", "dog"], {}), (["cat", "unicorn", vectors()[3]], {"weights": [1.0, 2.0, -0.5]}),
                         (["dog", "pear"], {"pre_normalize": False, "post_normalize": True})):
        np.testing.assert_allclose(ours.get_mean_vector(keys, **kwargs), theirs.get_mean_vector(keys, **kwargs),
                                   atol=1e-6)
    with pytest.raises(KeyError):
        ours.get_mean_vector(["cat", "unicorn"], ignore_missing=False)
    assert ours.relative_cosine_similarity("cat", "dog", 3) == pytest.approx(
        theirs.relative_cosine_similarity("cat", "dog", 3), abs=1e-6)


def test_init_sims_and_sorting_as_gensim(tmp_path):
    ours, theirs = pair(tmp_path, counts=(3, 8, 8, 6, 1, 5, 2, 1))
    for kv in (ours, theirs):
        kv.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.warns(DeprecationWarning):
        ours.init_sims(replace=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.init_sims(replace=True)
    nonzero = [i for i, w in enumerate(ours.index_to_key) if w != "zero"]
    np.testing.assert_allclose(ours.vectors[nonzero], theirs.vectors[nonzero], atol=1e-7)
    assert not ours.vectors[ours.get_index("zero")].any()  # a zero row stays zero (gensim: NaN)
    sub, want = ours.vectors_for_all(["dog", "unicorn", "cat", "dog"]), theirs.vectors_for_all(["dog", "unicorn", "cat"])
    assert sub.index_to_key == want.index_to_key == ["dog", "cat"]
    assert [sub.get_vecattr(w, "count") for w in sub.index_to_key] == [want.get_vecattr(w, "count") for w in
                                                                        want.index_to_key]
    np.testing.assert_array_equal(sub.vectors, want.vectors)


def test_word2vec_files_as_gensim(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    ours, theirs = pair(tmp_path, counts=(3, 8, 8, 6, 1, 5, 2, 1))
    ours.save_word2vec_format(str(tmp_path / "o.txt"), fvocab=str(tmp_path / "o.vocab"))
    theirs.save_word2vec_format(str(tmp_path / "g.txt"), fvocab=str(tmp_path / "g.vocab"))
    assert (tmp_path / "o.vocab").read_text() == (tmp_path / "g.vocab").read_text()  # by decreasing count
    assert [line.split()[0] for line in (tmp_path / "o.txt").read_text().splitlines()] == \
        [line.split()[0] for line in (tmp_path / "g.txt").read_text().splitlines()]
    plain = KeyedVectors.load_word2vec_format(str(tmp_path / "o.txt"))
    gensim_plain = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "o.txt"))
    assert [plain.get_vecattr(w, "count") for w in WORDS] == [gensim_plain.get_vecattr(w, "count") for w in WORDS]
    with pytest.raises(ConfigError, match="float32"):
        KeyedVectors.load_word2vec_format(str(tmp_path / "o.txt"), datatype=np.float16)


def test_save_and_load_under_any_name(tmp_path):
    kv = KeyedVectors(WORDS, vectors(), counts=np.arange(8, 0, -1))
    for name in ("words.kv", "words.wordvectors", "words"):
        folder = tmp_path / name.replace(".", "-")
        folder.mkdir()
        kv.save(str(folder / name))
        assert os.listdir(folder) == [name]  # exactly the file named, nothing beside it
        for mmap in (None, "r"):
            loaded = KeyedVectors.load(str(folder / name), mmap=mmap)
            assert type(loaded) is KeyedVectors and loaded.index_to_key == WORDS
            assert isinstance(loaded.vectors, np.memmap) == (mmap == "r")
            np.testing.assert_array_equal(loaded.vectors, kv.vectors)
            assert loaded.get_vecattr("dog", "count") == 7
    mapped = KeyedVectors.load(str(tmp_path / "words-kv" / "words.kv"), mmap="r")
    with pytest.raises(ValueError, match="read-only"):
        mapped.unit_normalize_all()
    with pytest.raises(ConfigError, match="r\\+"):
        KeyedVectors.load(str(tmp_path / "words-kv" / "words.kv"), mmap="r+")
    with pytest.raises(TypeError, match="file name"):
        with open(tmp_path / "handle", "wb") as f:
            kv.save(f)


def test_a_gensim_pickle_is_refused_unread(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    g = gensim_models.KeyedVectors(4)
    g.add_vectors(["a", "b"], np.ones((2, 4)))
    g.save(str(tmp_path / "gensim.kv"))
    for mmap in (None, "r"):
        with pytest.raises(FormatError, match="pickle.*load_word2vec_format") as caught:
            KeyedVectors.load(str(tmp_path / "gensim.kv"), mmap=mmap)
        assert "\n" not in str(caught.value)


def test_gensims_calls_not_carried_out_say_so_in_one_line():
    kv = KeyedVectors(WORDS, vectors())
    for call in (lambda: kv.wmdistance(["cat"], ["dog"]), lambda: kv.intersect_word2vec_format("x.bin")):
        with pytest.raises(NotImplementedError) as caught:
            call()
        assert "\n" not in str(caught.value) and "not implemented" in str(caught.value)


COMMON_CALLS = {
    "most_similar": lambda kv: kv.most_similar("cat", topn=3),
    "most_similar_pairs": lambda kv: kv.most_similar(positive=["cat", ("dog", 0.5)], negative=["chip"], topn=2),
    "most_similar_cosmul": lambda kv: kv.most_similar_cosmul(positive=["cat", "dog"], negative=["chip"], topn=2),
    "similar_by_word": lambda kv: kv.similar_by_word("apple", topn=2),
    "similar_by_vector": lambda kv: kv.similar_by_vector(vectors(zero=False)[2], topn=2),
    "similarity": lambda kv: kv.similarity("cat", "dog"),
    "n_similarity": lambda kv: kv.n_similarity(["cat", "dog"], ["apple", "pear"]),
    "distance": lambda kv: kv.distance("cat", "chip"),
    "distances": lambda kv: kv.distances("cat", ["dog", "disk"]),
    "closer_than": lambda kv: kv.closer_than("cat", "apple"),
    "rank": lambda kv: kv.rank("cat", "apple"),
    "most_similar_to_given": lambda kv: kv.most_similar_to_given("cat", ["apple", "dog", "disk"]),
    "get_vector": lambda kv: kv.get_vector("pear", norm=True),
    "getitem_list": lambda kv: kv[["cat", "dog"]],
    "get_normed_vectors": lambda kv: kv.get_normed_vectors(),
    "get_index": lambda kv: kv.get_index("horse"),
    "contains": lambda kv: ("horse" in kv, "unicorn" in kv, 3 in kv),
    "len": lambda kv: len(kv),
}


@pytest.mark.parametrize("call", sorted(COMMON_CALLS))
def test_common_calls_give_gensims_answers_and_types(tmp_path, call):
    ours, theirs = pair(tmp_path, zero=False)
    got, want = COMMON_CALLS[call](ours), COMMON_CALLS[call](theirs)
    assert type(got) is type(want)
    if isinstance(want, list) and want and isinstance(want[0], tuple):
        assert [w for w, _ in got] == [w for w, _ in want] and {type(s) for _, s in got} == {type(s) for _, s in want}
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-6)
    elif isinstance(want, np.ndarray):
        assert (got.dtype, got.shape) == (want.dtype, want.shape)
        np.testing.assert_allclose(got, want, atol=1e-6)
    elif isinstance(want, (float, np.floating)):
        assert got == pytest.approx(want, abs=1e-6)
    else:
        assert got == want


def test_loading_a_saved_model_gives_its_word_vectors(tmp_path):
    from w2v_scratch.gensim import Word2Vec

    sentences = [["cat", "dog", "horse"], ["apple", "pear", "cat"]] * 20
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=1)
    model.save(str(tmp_path / "w.model"))
    kv = KeyedVectors.load(str(tmp_path / "w.model"))
    assert type(kv) is KeyedVectors and kv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, model.wv.vectors)
    assert kv.get_vecattr("cat", "count") == model.wv.get_vecattr("cat", "count") == 40


def test_the_norms_follow_an_assigned_matrix():
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert kv.most_similar("a", topn=1)[0][1] == 0.0
    kv.vectors = np.array([[1, 0, 0], [3, 0, 0], [0, 1, 0]], np.float32)  # gensim would keep the old norms
    assert kv.most_similar("a", topn=1) == [("b", 1.0)] and kv.norms.tolist() == [1.0, 3.0, 1.0]
