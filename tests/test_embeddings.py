"""Embeddings: lookups, cosine queries (3CosAdd, 3CosMul), restrict_vocab, gensim agreement."""

import numpy as np
import pytest

from w2v_scratch.vectors.embeddings import Embeddings, top_k
from w2v_scratch.base.errors import FormatError, VocabError, W2VError


@pytest.fixture(scope="module")
def emb():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    return Embeddings(words, rng.standard_normal((300, 16)).astype(np.float32))


def brute_force(emb, query, exclude=(), n=None):
    """Reference ranking: cosine of every word with ``query``, by a Python loop."""
    q = query / np.linalg.norm(query)
    scores = [(w, float(v @ q / np.linalg.norm(v))) for w, v in zip(emb.words[:n], emb.vectors[:n]) if w not in exclude]
    return sorted(scores, key=lambda ws: -ws[1])


def test_lookups(emb):
    assert len(emb) == 300 and emb.dim == 16
    assert "w5" in emb and "nope" not in emb
    assert emb.index["w7"] == 7
    np.testing.assert_array_equal(emb["w3"], emb.vectors[3])
    assert emb[["w1", "w2"]].shape == (2, 16)
    with pytest.raises(VocabError, match="nope"):
        emb["nope"]
    with pytest.raises(ValueError):  # read-only view
        emb["w3"][0] = 1.0


def test_normed_is_cached_and_unit(emb):
    assert emb.normed is emb.get_normed()
    np.testing.assert_allclose(np.linalg.norm(emb.normed, axis=1), 1.0, rtol=1e-5)
    zero = Embeddings(["a", "b"], np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(zero.normed, [[0, 0], [0.6, 0.8]], rtol=1e-6)


def test_constructor_rejects_bad_input():
    with pytest.raises(FormatError, match="twice"):
        Embeddings(["a", "a"], np.zeros((2, 3)))
    with pytest.raises(FormatError, match="one vector per word"):
        Embeddings(["a"], np.zeros((2, 3)))
    with pytest.raises(FormatError):
        Embeddings(["a"], np.zeros(3))


def test_most_similar_matches_brute_force(emb):
    got = emb.most_similar("w0", topn=5)
    want = brute_force(emb, emb["w0"], exclude={"w0"})[:5]
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_analogy_query_and_exclusion(emb):
    q = emb.normed[2] + emb.normed[3] - emb.normed[1]
    got = emb.most_similar(positive=["w2", "w3"], negative=["w1"], topn=4)
    want = brute_force(emb, q, exclude={"w1", "w2", "w3"})[:4]
    assert [w for w, _ in got] == [w for w, _ in want]


def test_raw_vector_is_not_excluded(emb):
    assert emb.most_similar(emb["w9"], topn=1)[0][0] == "w9"
    assert emb.most_similar([emb["w9"]], topn=1)[0][0] == "w9"


def test_restrict_vocab(emb):
    got = emb.most_similar("w0", topn=10, restrict_vocab=50)
    assert all(emb.index[w] < 50 for w, _ in got)
    assert [w for w, _ in got] == [w for w, _ in brute_force(emb, emb["w0"], {"w0"}, n=50)[:10]]
    assert emb.most_similar("w0", topn=None, restrict_vocab=50).shape == (50,)
    assert emb.most_similar("w0", topn=0) == []


def test_similarity_and_doesnt_match():
    vecs = np.array([[1, 0, 0], [0.9, 0.1, 0], [0.8, 0.2, 0.1], [0, 0, 1]], dtype=np.float32)
    e = Embeddings(["a", "b", "c", "odd"], vecs)
    assert e.similarity("a", "a") == pytest.approx(1.0)
    assert e.similarity("a", "odd") == pytest.approx(0.0)
    assert e.similarity("a", "b") == pytest.approx(e.similarity("b", "a"))
    assert e.doesnt_match(["a", "b", "c", "odd"]) == "odd"
    with pytest.raises(VocabError):
        e.doesnt_match(["a", "zzz"])
    with pytest.raises(VocabError):
        e.similarity("a", "zzz")


def test_bad_queries(emb):
    with pytest.raises(W2VError):
        emb.most_similar()
    with pytest.raises(W2VError, match="shape"):
        emb.most_similar(np.zeros(3))
    with pytest.raises(VocabError):
        emb.most_similar(["w1", "unknown"])


def test_batched_nearest_equals_single_queries(emb):
    queries = emb.vectors[[4, 8, 15]]
    ids, scores = emb.nearest(queries, topn=6, exclude=[[4], [8], [15]])
    for row, (i, q) in enumerate(zip((4, 8, 15), queries)):
        single = emb.most_similar(emb.words[i], topn=6)
        assert [emb.words[j] for j in ids[row]] == [w for w, _ in single]
        np.testing.assert_allclose(scores[row], [s for _, s in single], rtol=1e-5)


def test_top_k_marks_missing_slots():
    ids, vals = top_k(np.array([[0.1, 0.5, 0.3]]), 5, exclude=[[1]])
    assert ids.tolist() == [[2, 0, -1]]
    assert np.isneginf(vals[0, 2])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_gensim_agreement(emb):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    for pos, neg in ((["w1"], []), (["w2", "w3"], ["w1"]), (["w10", "w20", "w30"], ["w40", "w50"])):
        for ours, theirs in ((emb.most_similar, kv.most_similar), (emb.most_similar_cosmul, kv.most_similar_cosmul)):
            got, want = ours(pos, neg, topn=8), theirs(pos, neg, topn=8)
            assert [w for w, _ in got] == [w for w, _ in want]
            np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5, atol=1e-6)
    got = emb.most_similar("w5", topn=5, restrict_vocab=100)
    assert [w for w, _ in got] == [w for w, _ in kv.most_similar("w5", topn=5, restrict_vocab=100)]
    assert emb.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    words = ["w1", "w2", "w3", "w4", "w5"]
    assert emb.doesnt_match(words) == kv.doesnt_match(words)
