"""``model.wv`` (an Embeddings) answers gensim 4's ``KeyedVectors`` calls: gensim's argument names and
defaults, its return types and shapes, and its answers for the same vectors (words in the same order,
scores within 1e-5), checked here against a gensim ``KeyedVectors`` holding the same words and vectors.
Where Embeddings departs from gensim on purpose, the test says so."""

import gzip

import numpy as np
import pytest

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402

from tests.conftest import make_topic_corpus  # noqa: E402
from w2v_scratch.vectors.embeddings import Embeddings  # noqa: E402
from w2v_scratch.base.errors import VocabError, W2VError  # noqa: E402
from w2v_scratch.vectors.evaluate import (bundled_analogies, bundled_pairs, evaluate_analogies, evaluate_pairs,  # noqa: E402
                                  read_analogies)
from w2v_scratch.word2vec import Word2Vec  # noqa: E402

# gensim's most_similar_cosmul calls its own deprecated init_sims
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

DIM = 24
SPECIAL = ["café", "Café", "CAFÉ", "naïve", "Naïve", "Straße", "STRASSE", "strasse", "Ökonom", "ökonom", "日本",
           "Paris", "paris", "PARIS"]  # accents, case variants, 'ß'.upper() == 'SS'


@pytest.fixture(scope="module")
def pair():
    """~200 random words plus SPECIAL, shuffled, with vectors of very different lengths (a cosine must
    not depend on them), as an Embeddings and as a gensim KeyedVectors."""
    rng = np.random.default_rng(11)
    words = SPECIAL + [f"w{i}" for i in range(200)]
    words = [words[i] for i in rng.permutation(len(words))]
    vectors = (rng.standard_normal((len(words), DIM)) * rng.uniform(0.1, 10, (len(words), 1))).astype(np.float32)
    kv = KeyedVectors(DIM)
    kv.add_vectors(words, vectors)
    return Embeddings(words, vectors), kv


def same_neighbours(got, want, tol=1e-5):
    assert isinstance(got, list) and all(type(w) is str and type(s) is float for w, s in got)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=0, atol=tol)


def same_array(got, want, tol=1e-5):
    assert isinstance(got, np.ndarray) and (got.shape, got.dtype) == (want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


# -- vocabulary and lookups --------------------------------------------------------------------
def test_vocabulary_attributes(pair):
    emb, kv = pair
    assert emb.key_to_index == kv.key_to_index and emb.index_to_key == kv.index_to_key
    assert emb.vector_size == kv.vector_size == DIM and len(emb) == len(kv)
    assert emb.vectors.dtype == kv.vectors.dtype == np.float32 and emb.vectors.shape == kv.vectors.shape
    np.testing.assert_array_equal(emb.vectors, kv.vectors)
    n = len(kv)
    for key in [emb.index_to_key[0], "café", "CAFE", "nope", "0", 0, 5, n - 1, n, -1, np.int64(3)]:
        assert (key in emb) == (key in kv), key  # an int is a row index, as gensim
        assert emb.has_index_for(key) == kv.has_index_for(key)
        assert emb.get_index(key, default=-7) == kv.get_index(key, default=-7)
        if key in kv:
            assert emb.get_index(key) == kv.get_index(key)
        else:
            with pytest.raises(KeyError):
                kv.get_index(key)
            with pytest.raises(KeyError):
                emb.get_index(key)
    assert emb.get_index("nope", default=0) == kv.get_index("nope", default=0) == 0
    # departure (issue 21): gensim takes a bool for the row 0 or 1, and bytes for a word it never holds;
    # Embeddings refuses both, as keys it cannot mean (a KeyError still, as gensim's misses)
    assert kv.get_index(True) == 1 and (b"w1" in kv) is False and kv.get_index(b"w1", default=-7) == -7
    for key in (True, b"w1"):
        with pytest.raises(KeyError, match="a key is a word"):
            emb.get_index(key, default=-7)
        with pytest.raises(KeyError, match="a key is a word"):
            key in emb


def test_vector_lookups(pair):
    emb, kv = pair
    for key in ["Café", emb.index_to_key[3], 7, np.int64(2)]:
        same_array(emb[key], kv[key], 0)
        assert not emb[key].flags.writeable and not kv[key].flags.writeable
        for norm in (False, True):
            same_array(emb.get_vector(key, norm=norm), kv.get_vector(key, norm=norm), 1e-6)
            assert not emb.get_vector(key, norm=norm).flags.writeable
    for keys in (["café", "w3", 4], ("Paris", "paris")):
        same_array(emb[keys], kv[keys], 0)
        assert emb[keys].flags.writeable  # a copy, as gensim's vstack
    normed = emb.get_normed_vectors()
    same_array(normed, kv.get_normed_vectors(), 1e-6)
    normed[0] = 0  # a fresh array, as gensim's: the cached unit vectors are untouched
    assert emb.normed[0].any()


def test_iteration_goes_over_the_words(pair):
    emb, kv = pair
    assert list(emb) == emb.index_to_key and next(iter(emb)) == kv.index_to_key[0]
    # gensim 4 has no __iter__: Python falls back on kv[0], kv[1]... (vectors), which ends in a KeyError
    # past the last row, so list(kv) fails. That is why Embeddings iterates over its words instead.
    with pytest.raises(KeyError):
        list(kv)


# -- similarities and distances ----------------------------------------------------------------
def test_similarity_distance_n_similarity(pair):
    emb, kv = pair
    rng = np.random.default_rng(0)
    words = emb.index_to_key
    for i, j in rng.integers(len(words), size=(25, 2)).tolist() + [(5, 5)]:
        for ours, theirs in ((emb.similarity, kv.similarity), (emb.distance, kv.distance)):
            got, want = ours(words[i], words[j]), theirs(words[i], words[j])
            assert type(got) is type(want) is np.float32
            assert got == pytest.approx(want, abs=1e-6)
    assert emb.similarity(3, "café") == pytest.approx(kv.similarity(3, "café"), abs=1e-6)
    vec = rng.standard_normal(DIM).astype(np.float32)
    for ws1, ws2 in [(["w1", "w2"], ["w3"]), (["café", "naïve", 4], ["Paris", "w9", "w9"]),
                     (["w1", vec], ["w2"]), (["w1", "nope"], ["w2"]),  # gensim leaves unknown words out...
                     (["nope"], ["w2"])]:  # ...and a side with no known word gives 0.0
        got, want = emb.n_similarity(ws1, ws2), kv.n_similarity(ws1, ws2)
        assert type(got) is type(want) is np.float32
        assert got == pytest.approx(want, abs=1e-6)
    for ours in (emb, kv):
        with pytest.raises(ZeroDivisionError):
            ours.n_similarity([], ["w1"])


def test_distances_and_cosine_similarities(pair):
    emb, kv = pair
    rng = np.random.default_rng(1)
    vec = rng.standard_normal(DIM).astype(np.float32)
    for args in [("café",), ("w5", ["w1", "Paris", 3]), (4, ()), (vec,), (vec, ["w2", "Straße"]),
                 (vec.astype(np.float64),), (vec.astype(np.float64), ["w2"])]:  # a float64 vector: float64 distances
        same_array(emb.distances(*args), kv.distances(*args), 1e-5)
    matrix = rng.standard_normal((7, DIM))
    for v in (vec, vec.astype(np.float64)):
        same_array(Embeddings.cosine_similarities(v, matrix), KeyedVectors.cosine_similarities(v, matrix), 1e-12)
        same_array(emb.cosine_similarities(v, emb.vectors), kv.cosine_similarities(v, kv.vectors), 1e-6)


def test_rank_and_closer_than(pair):
    emb, kv = pair
    words = emb.index_to_key
    rng = np.random.default_rng(2)
    for i, j in rng.integers(len(words), size=(25, 2)).tolist() + [(0, 0)]:
        assert emb.closer_than(words[i], words[j]) == kv.closer_than(words[i], words[j])
        got, want = emb.rank(words[i], words[j]), kv.rank(words[i], words[j])
        assert type(got) is type(want) is int and got == want
    assert emb.rank(3, "café") == kv.rank(3, "café")
    given = ["w1", "Café", "w3"]
    assert emb.most_similar_to_given("café", given) == kv.most_similar_to_given("café", given)


def test_doesnt_match(pair):
    emb, kv = pair
    words = emb.index_to_key
    rng = np.random.default_rng(3)
    for _ in range(20):
        group = [words[i] for i in rng.choice(len(words), size=rng.integers(2, 7), replace=False)]
        assert emb.doesnt_match(group) == kv.doesnt_match(group)
    # departure: gensim leaves unknown words out (logging a warning); Embeddings raises, as before
    assert kv.doesnt_match(["w1", "w2", "nope"]) in ("w1", "w2")
    with pytest.raises(KeyError):
        emb.doesnt_match(["w1", "w2", "nope"])


# -- most_similar and friends --------------------------------------------------------------------
def query_forms(emb):
    rng = np.random.default_rng(4)
    vec = rng.standard_normal(DIM).astype(np.float32)
    return [
        dict(positive="café"),
        dict(positive=["café"]),
        dict(positive=["w1", "Paris"], negative=["w2"]),
        dict(positive=["w1", "w3", "w5"], negative=["w7", "naïve"]),
        dict(negative="w9"),
        dict(positive=[("w1", 2.0), "w3"], negative=[("w4", -0.5)]),  # a pair's weight replaces ±1
        dict(positive=[["w1", 2.0], "w3"]),
        dict(positive=7),
        dict(positive=[7, "w3"], negative=[np.int64(9)]),  # int row indexes, left out of the answers too
        dict(positive=vec),  # a raw vector: nothing left out
        dict(positive=[vec, "w2"]),
        dict(positive=[(3 * vec, 0.5), "w2"], negative=["w4"]),
        dict(positive=np.vstack([vec, emb["w6"]])),  # a 2-D array: one vector a row
    ]


@pytest.mark.parametrize("options", [dict(), dict(topn=3), dict(topn=40), dict(restrict_vocab=50),
                                     dict(clip_start=10, clip_end=120), dict(clip_start=30),
                                     dict(clip_end=60, restrict_vocab=100), dict(topn=5, clip_end=3)])
def test_most_similar_matches_gensim(pair, options):
    emb, kv = pair
    for query in query_forms(emb):
        same_neighbours(emb.most_similar(**query, **options), kv.most_similar(**query, **options))
        every = dict(options, topn=None)
        same_array(emb.most_similar(**query, **every), kv.most_similar(**query, **every))


def test_most_similar_edge_cases(pair):
    emb, kv = pair
    for ours in (emb, kv):
        assert ours.most_similar("w1", topn=0) == [] and ours.most_similar("nope", topn=0) == []  # before any lookup
        assert ours.most_similar_cosmul("w1", topn=-1) == []
    n = len(emb)
    assert len(emb.most_similar("w1", topn=n + 5)) == len(kv.most_similar("w1", topn=n + 5)) == n - 1
    # a zero query (w1 − w1): every cosine is 0, not NaN, in both
    same_array(emb.most_similar(["w1"], ["w1"], topn=None), kv.most_similar(["w1"], ["w1"], topn=None), 0)


def test_similar_by(pair):
    emb, kv = pair
    vec = np.random.default_rng(5).standard_normal(DIM).astype(np.float32)
    for kw in (dict(), dict(topn=4), dict(topn=6, restrict_vocab=80)):
        same_neighbours(emb.similar_by_word("Café", **kw), kv.similar_by_word("Café", **kw))
        same_neighbours(emb.similar_by_key(12, **kw), kv.similar_by_key(12, **kw))
        same_neighbours(emb.similar_by_vector(vec, **kw), kv.similar_by_vector(vec, **kw))
        same_neighbours(emb.similar_by_vector(emb["w8"], **kw), kv.similar_by_vector(kv["w8"], **kw))  # w8 itself first
    same_array(emb.similar_by_vector(vec, topn=None), kv.similar_by_vector(vec, topn=None))
    same_array(emb.similar_by_word("w2", topn=None, restrict_vocab=30),
               kv.similar_by_word("w2", topn=None, restrict_vocab=30))


def test_indexer_is_asked_as_gensim_asks(pair):
    emb, kv = pair

    class Indexer:
        def most_similar(self, vector, num_neighbors):
            self.asked = (vector, num_neighbors)
            return [("answer", 1.0)]

    seen = []
    for ours in (emb, kv):
        indexer = Indexer()
        assert ours.most_similar(["w1", "w2"], ["w3"], topn=4, indexer=indexer) == [("answer", 1.0)]
        seen.append(indexer.asked)
    (got, n), (want, m) = seen
    assert n == m == 4
    same_array(got, want, 1e-6)


def test_most_similar_cosmul_matches_gensim(pair):
    emb, kv = pair
    unit = np.array(kv.get_vector("w12", norm=True))  # gensim takes raw vectors unscaled: agree on unit ones
    queries = [dict(positive="café"), dict(positive=["w1", "Paris"], negative=["w2"]),
               dict(positive=["w1"], negative="w2"), dict(positive=["w1", "w3", "w5"], negative=["w7", "naïve"]),
               dict(positive=[unit, "w2"])]
    for query in queries:
        for topn in (10, 3, 40):
            same_neighbours(emb.most_similar_cosmul(**query, topn=topn), kv.most_similar_cosmul(**query, topn=topn))
        # every score; float64 without negative words (gensim's empty product is a float64 1.0), else float32
        same_array(emb.most_similar_cosmul(**query, topn=None), kv.most_similar_cosmul(**query, topn=None))
        # departure: restrict_vocab is honoured (gensim accepts it and searches every word): our answer is
        # gensim's full ranking cut to the first 40 rows
        full = kv.most_similar_cosmul(**query, topn=len(kv))
        same_neighbours(emb.most_similar_cosmul(**query, topn=5, restrict_vocab=40),
                        [(w, s) for w, s in full if kv.key_to_index[w] < 40][:5])
    assert len(kv.most_similar_cosmul("w1", topn=None, restrict_vocab=40)) == len(kv)
    assert len(emb.most_similar_cosmul("w1", topn=None, restrict_vocab=40)) == 40


# -- errors ----------------------------------------------------------------------------------------
UNKNOWN = [
    lambda o: o["nope"], lambda o: o[["w1", "nope"]], lambda o: o[10_000], lambda o: o[-1],
    lambda o: o.get_vector("nope"), lambda o: o.get_vector("nope", norm=True), lambda o: o.get_index("nope"),
    lambda o: o.similarity("w1", "nope"), lambda o: o.distance("nope", "w1"),
    lambda o: o.most_similar("nope"), lambda o: o.most_similar(["w1"], ["nope"]), lambda o: o.similar_by_word("nope"),
    lambda o: o.most_similar_cosmul(["nope"]), lambda o: o.most_similar_cosmul(["w1"], ["nope"]),
    lambda o: o.distances("nope"), lambda o: o.distances("w1", ["w2", "nope"]),
    lambda o: o.rank("w1", "nope"), lambda o: o.closer_than("nope", "w1"),
]


@pytest.mark.parametrize("call", UNKNOWN)
def test_unknown_key_raises_keyerror_as_gensim(pair, call):
    emb, kv = pair
    with pytest.raises(KeyError):
        call(kv)
    with pytest.raises(KeyError) as err:
        call(emb)
    assert isinstance(err.value, VocabError)  # the project's error (one line and exit status 5 in the CLI)
    message = str(err.value)
    assert ("'nope'" in message or "10000" in message or "-1" in message) and not message.startswith(('"', "'"))


def test_empty_queries_raise_valueerror_as_gensim(pair, tmp_path):
    emb, kv = pair
    (tmp_path / "headless.txt").write_text("w1 w2 w3 w4\n")
    (tmp_path / "unknown.tsv").write_text("foo\tbar\t3\n")
    for call in (lambda o: o.most_similar(), lambda o: o.most_similar(positive=[], negative=[]),
                 lambda o: o.most_similar_cosmul(), lambda o: o.most_similar_cosmul(negative="w1"),
                 lambda o: o.doesnt_match([]),
                 lambda o: o.evaluate_word_analogies(str(tmp_path / "headless.txt")),
                 lambda o: o.evaluate_word_pairs(str(tmp_path / "unknown.tsv"))):
        with pytest.raises(ValueError):
            call(kv)
        with pytest.raises(ValueError) as err:
            call(emb)
        assert isinstance(err.value, W2VError)
    with pytest.raises(ValueError, match="shape"):
        emb.most_similar(np.zeros(3))


# -- evaluations -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eval_pair():
    """Relational vectors for most words of the bundled analogy set (v_d ≈ v_c + v_b − v_a, noisily),
    lower-case variants near some words (case folding matters), the words of the bundled pair sets,
    and unrelated words: neither a trivial nor a hopeless score."""
    rng = np.random.default_rng(7)
    vec = {}
    for _, questions in read_analogies(bundled_analogies()[0], case_insensitive=False):
        offset = rng.standard_normal(32)
        for a, b, c, d in questions:
            for x, y in ((a, b), (c, d)):
                vec.setdefault(x, rng.standard_normal(32))
                vec.setdefault(y, vec[x] + offset + 0.8 * rng.standard_normal(32))
    for path in bundled_pairs():
        for line in open(path, encoding="utf-8"):
            if not line.startswith("#"):
                for w in line.split("\t")[:2]:
                    vec.setdefault(w, rng.standard_normal(32))
    words = list(vec)
    rng.shuffle(words)
    words = words[: int(0.9 * len(words))]
    variants = [w.lower() for w in words[:300] if w.lower() != w and w.lower() not in vec]
    for w in variants:
        vec[w] = vec[w.capitalize()] + 0.3 * rng.standard_normal(32)
    words += variants + [f"noise{i}" for i in range(300)]
    for w in words:
        vec.setdefault(w, rng.standard_normal(32))
    rng.shuffle(words)
    vectors = np.array([vec[w] for w in words], dtype=np.float32)
    kv = KeyedVectors(32)
    kv.add_vectors(words, vectors)
    return Embeddings(words, vectors), kv


@pytest.mark.parametrize("path,restrict_vocab,case_insensitive,dummy4unknown", [
    ("bundled", 300000, True, False),  # gensim's defaults on the whole Google set
    ("subset", 800, True, True),
    ("subset", 2000, False, False),
    ("subset", None, False, True),
])
def test_evaluate_word_analogies_matches_gensim(eval_pair, tmp_path, path, restrict_vocab, case_insensitive,
                                                dummy4unknown):
    emb, kv = eval_pair
    if path == "bundled":
        path = bundled_analogies()[0]
    else:  # every 3rd question of each section, as plain text
        path = tmp_path / "questions.txt"
        path.write_text("".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in qs[::3])
                                for name, qs in read_analogies(bundled_analogies()[0], case_insensitive=False)))
    kw = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)
    score, sections = emb.evaluate_word_analogies(str(path), **kw)
    want_score, want_sections = kv.evaluate_word_analogies(str(path), **kw)
    total = want_sections[-1]
    assert min(len(total["correct"]), len(total["incorrect"])) > 50  # a comparison that means something
    assert type(score) is float and score == want_score
    assert sections == want_sections  # every section's correct and incorrect questions, in order
    assert sections[-1]["section"] == "Total accuracy"
    if not dummy4unknown:  # the counts are evaluate_analogies's
        result = evaluate_analogies(emb, path, restrict_vocab, case_insensitive)
        assert [(s.name, s.correct, s.questions) for s in result.sections] == [
            (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]


def test_evaluate_word_analogies_3cosmul(eval_pair, tmp_path):
    emb, _ = eval_pair
    path = tmp_path / "questions.txt"
    path.write_text("".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in qs[::10])
                            for name, qs in read_analogies(bundled_analogies()[0], case_insensitive=False)))
    score, sections = emb.evaluate_word_analogies(str(path), similarity_function="most_similar_cosmul")
    result = evaluate_analogies(emb, path, 300000, method="3cosmul")
    assert score == result.accuracy and len(sections[-1]["correct"]) == result.correct
    with pytest.raises(ValueError):
        emb.evaluate_word_analogies(str(path), similarity_function="nope")


@pytest.mark.parametrize("restrict_vocab,case_insensitive,dummy4unknown", [
    (300000, True, False), (1500, True, True), (300000, False, False), (2500, False, True)])
def test_evaluate_word_pairs_matches_gensim(eval_pair, restrict_vocab, case_insensitive, dummy4unknown):
    emb, kv = eval_pair
    kw = dict(restrict_vocab=restrict_vocab, case_insensitive=case_insensitive, dummy4unknown=dummy4unknown)
    for path in bundled_pairs():
        pearson, spearman, oov_ratio = emb.evaluate_word_pairs(path, **kw)
        want_pearson, want_spearman, want_oov = kv.evaluate_word_pairs(path, **kw)
        assert type(pearson) is type(want_pearson) and type(spearman) is type(want_spearman)
        (r, p_r), (rho, p_rho) = pearson, spearman  # unpack as gensim's
        assert r == pytest.approx(want_pearson[0], abs=1e-6)  # float32 cosines
        assert p_r == pytest.approx(want_pearson[1], rel=1e-4, abs=1e-12)
        assert rho == pytest.approx(want_spearman[0], abs=1e-9) and p_rho == pytest.approx(want_spearman[1], rel=1e-6)
        assert type(oov_ratio) is float and oov_ratio == pytest.approx(want_oov, abs=1e-12)
        assert 0 < oov_ratio < 90  # some pairs known, some not
        if not dummy4unknown:  # the numbers are evaluate_pairs's
            result = evaluate_pairs(emb, path, restrict_vocab, case_insensitive, delimiter="\t")
            assert (result.spearman, result.pearson, result.oov_ratio) == pytest.approx((rho, r, oov_ratio), abs=1e-12)


def test_evaluate_word_pairs_delimiter_and_encoding(pair, tmp_path):
    emb, kv = pair
    text = "# comment\ncafé naïve 7.5\nParis Straße 2\nw1 w2 3.25\nnope w1 1\nw3 Ökonom 9\nw4 w5 x\nw6 w7 6\n"
    (tmp_path / "space.txt").write_text(text, encoding="utf-8")
    (tmp_path / "latin.txt").write_text(text.replace(" ", "\t"), encoding="latin-1")
    with gzip.open(tmp_path / "latin.txt.gz", "wt", encoding="latin-1") as f:
        f.write(text.replace(" ", "\t"))
    for name, kw in (("space.txt", dict(delimiter=" ")), ("latin.txt", dict(encoding="latin-1")),
                     ("latin.txt.gz", dict(encoding="latin-1")),
                     ("space.txt", dict(delimiter=" ", case_insensitive=False))):
        path = str(tmp_path / name)
        got, want = emb.evaluate_word_pairs(path, **kw), kv.evaluate_word_pairs(path, **kw)
        np.testing.assert_allclose([got[0][0], got[1][0], got[2]], [want[0][0], want[1][0], want[2]], atol=1e-6)


# -- model.wv ----------------------------------------------------------------------------------------
def test_trained_model_wv_matches_gensim(tmp_path):
    corpus = make_topic_corpus(tmp_path / "topics.txt")
    model = Word2Vec(dim=8, epochs=2, min_count=1, seed=3, window=2, negative=3, threads=1)
    model.fit(str(corpus), progress=False, log=lambda m: None)
    wv = model.wv
    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(wv.index_to_key, wv.vectors)
    assert list(wv) == model.vocab.words and wv.key_to_index == kv.key_to_index
    word = wv.index_to_key[0]
    same_neighbours(wv.most_similar(word, topn=5), kv.most_similar(word, topn=5))
    same_neighbours(wv.most_similar_cosmul([word, wv.index_to_key[1]], [wv.index_to_key[2]], topn=5),
                    kv.most_similar_cosmul([word, wv.index_to_key[1]], [wv.index_to_key[2]], topn=5))
    assert wv.rank(word, wv.index_to_key[-1]) == kv.rank(word, kv.index_to_key[-1])
    same_array(wv.distances(word), kv.distances(word))
