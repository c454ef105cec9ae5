"""Analogy accuracy and word-pair correlation: fixtures with known answers, and exact agreement
with gensim's ``evaluate_word_analogies`` / ``evaluate_word_pairs``."""

import os

import numpy as np
import pytest

from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import ConfigError, FormatError, InputError
from w2v_scratch.vectors.evaluate import (AnalogyResult, bundled_analogies, bundled_pairs, evaluate_analogies,
                                  evaluate_pairs, read_analogies)

ANALOGIES = (
    ": capital-common-countries\n"
    "Athens Greece Paris France\n"
    "Paris France Berlin Germany\r\n"
    "Berlin Germany Athens Greece\n"
    "Athens Greece Oslo Norway\n"  # Oslo, Norway unknown: skipped
    "\n"
    "not four words\n"
    ": gram8-plural\n"
    "cat cats dog dogs\n"
    "dog dogs car cars\n"
    "car cars cat cats\n"
)
PAIRS_TAB = ("# comment\r\n# w1\tw2\tscore\r\ncat\tdog\t7.5\r\ncat\tcars\t2\r\nParis\tFrance\t6\r\n"
             "athens\tnowhere\t3\r\ndog\tcar\t1.25\r\nGreece\tFrance\t5.5\r\nbad line\r\n")
PAIRS_SPACE = "cat dog 7.5\ncat cars 2\nparis france 6\ndog car 1.25\nberlin germany 8\nfoo bar 1\n"


def structured(words_pairs, rng, dim=40, noise=0.05):
    """Vectors where each (x, y) pair of a relation r satisfies v_y ≈ v_x + offset_r."""
    vec = {}
    for pairs in words_pairs:
        offset = rng.standard_normal(dim)
        for x, y in pairs:
            vec.setdefault(x, rng.standard_normal(dim))
            vec.setdefault(y, vec[x] + offset + noise * rng.standard_normal(dim))
    return vec


@pytest.fixture
def files(tmp_path):
    (tmp_path / "analogies.txt").write_bytes(ANALOGIES.encode())
    (tmp_path / "pairs.tsv").write_bytes(PAIRS_TAB.encode())
    (tmp_path / "pairs-space.txt").write_text(PAIRS_SPACE)
    return tmp_path


@pytest.fixture
def emb():
    rng = np.random.default_rng(3)
    vec = structured([[("Athens", "Greece"), ("Paris", "France"), ("Berlin", "Germany")],
                      [("cat", "cats"), ("dog", "dogs"), ("car", "cars")]], rng)
    words = list(vec) + [f"noise{i}" for i in range(40)]
    vectors = [vec.get(w, rng.standard_normal(40)) for w in words]
    return Embeddings(words, np.array(vectors, dtype=np.float32))


def test_known_answers(files, emb):
    r = evaluate_analogies(emb, files / "analogies.txt")
    assert [(s.name, s.correct, s.questions, s.kind) for s in r.sections] == [
        ("capital-common-countries", 3, 3, "semantic"), ("gram8-plural", 3, 3, "syntactic")]
    assert (r.accuracy, r.semantic, r.syntactic, r.questions, r.skipped) == (1.0, 1.0, 1.0, 6, 1)
    d = r.to_dict()
    assert {"accuracy", "semantic", "syntactic", "questions", "skipped"} <= set(d)


def test_case_and_restrict_vocab(files, emb):
    lower = Embeddings([w.lower() for w in emb.words], emb.vectors)
    assert evaluate_analogies(lower, files / "analogies.txt").accuracy == 1.0
    strict = evaluate_analogies(lower, files / "analogies.txt", case_insensitive=False)
    assert (strict.questions, strict.skipped, strict.semantic) == (3, 4, None)
    cut = evaluate_analogies(emb, files / "analogies.txt", restrict_vocab=emb.index["cars"])
    assert (cut.questions, cut.skipped) == (4, 3)  # questions with 'cars' or 'Oslo' skipped


def test_case_variant_of_a_query_word_is_not_an_answer(tmp_path):
    # 'paris' (a variant of the query word 'Paris') is nearest to b - a + c, but is skipped.
    words = ["Athens", "Greece", "Paris", "France", "paris", "other"]
    v = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0.9, 0.1], [0, 1, 1, 0], [0, 0, 0, 1]], np.float32)
    (tmp_path / "q.txt").write_text(": capital\nAthens Greece Paris France\n")
    assert evaluate_analogies(Embeddings(words, v), tmp_path / "q.txt").accuracy == 1.0


def test_3cosmul(files, emb):
    r = evaluate_analogies(emb, files / "analogies.txt", method="3cosmul")
    assert r.accuracy == 1.0 and r.skipped == 1


def test_headerless_file_and_errors(tmp_path, emb):
    (tmp_path / "msr.txt").write_text("cat cats dog dogs\r\ndog dogs car cars\r\n")
    r = evaluate_analogies(emb, tmp_path / "msr.txt")
    assert r.sections[0].name == "msr" and r.questions == 2
    assert (r.semantic, r.syntactic) == (None, None)
    (tmp_path / "empty.txt").write_text("hello\n")
    with pytest.raises(FormatError):
        evaluate_analogies(emb, tmp_path / "empty.txt")
    with pytest.raises(FormatError):
        evaluate_pairs(emb, tmp_path / "empty.txt")
    with pytest.raises(InputError):
        evaluate_analogies(emb, tmp_path / "missing.txt")
    with pytest.raises(ConfigError):
        evaluate_analogies(emb, tmp_path / "msr.txt", method="nope")


def test_combine(files, emb):
    r = evaluate_analogies(emb, files / "analogies.txt")
    both = AnalogyResult.combine({"a": r, "b": r})
    assert (both.questions, both.skipped, both.semantic) == (12, 2, 1.0)
    assert both.sections[0].name == "a/capital-common-countries"


def test_pairs(files, emb):
    r = evaluate_pairs(emb, files / "pairs.tsv")
    assert (r.name, r.pairs, r.oov) == ("pairs", 5, 1)
    assert -1 <= r.spearman <= 1
    s = evaluate_pairs(emb, files / "pairs-space.txt")
    assert (s.pairs, s.oov) == (5, 1)
    assert evaluate_pairs(emb, files / "pairs-space.txt", case_insensitive=False).pairs == 3
    assert set(r.to_dict()) >= {"spearman", "pairs", "oov"}


def test_bundled_sets():
    qs = read_analogies(bundled_analogies()[0], case_insensitive=False)
    assert len(qs) == 14 and sum(len(q) for _, q in qs) == 19544
    assert sum(len(q) for name, q in qs if not name.startswith("gram")) == 8869
    names = [os.path.basename(p) for p in bundled_pairs()]
    assert names == ["wordsim353.tsv", "simlex999.txt"]
    assert os.path.exists(os.path.join(os.path.dirname(bundled_pairs()[0]), "SOURCES.md"))


# -- gensim agreement -------------------------------------------------------------------------------
def gensim_kv(emb):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    return kv


def assert_same_analogies(ours, theirs):
    score, sections = theirs
    assert [(s.name, s.correct, s.questions) for s in ours.sections] == [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]
    assert ours.accuracy == pytest.approx(score, abs=1e-12)


@pytest.fixture(scope="module")
def bundled_emb():
    """Noisy relational vectors for most words of the bundled sets, lower-case variants of some
    words near the original (to exercise case folding), and unrelated words."""
    rng = np.random.default_rng(7)
    sections = read_analogies(bundled_analogies()[0], case_insensitive=False)
    vec = structured([[p for a, b, c, d in q for p in ((a, b), (c, d))] for _, q in sections], rng, dim=50, noise=0.8)
    for path in bundled_pairs():
        for line in open(path):
            if not line.startswith("#"):
                for w in line.split("\t")[:2]:
                    vec.setdefault(w, rng.standard_normal(50))
    words = list(vec)
    rng.shuffle(words)
    words = words[: int(0.93 * len(words))]
    variants = [w.lower() for w in words[:300] if w.lower() != w and w.lower() not in vec]
    for w in variants:
        vec[w] = vec[w.capitalize()] + 0.3 * rng.standard_normal(50)
    noise = [f"noise{i}" for i in range(1500)]
    for w in noise:
        vec[w] = 1.5 * rng.standard_normal(50)
    words = words + variants + noise
    rng.shuffle(words)
    return Embeddings(words, np.array([vec[w] for w in words], dtype=np.float32))


@pytest.mark.parametrize("restrict_vocab,case_insensitive", [(30000, True), (1500, False)])
def test_bundled_analogies_match_gensim(bundled_emb, restrict_vocab, case_insensitive, tmp_path):
    kv = gensim_kv(bundled_emb)
    path = tmp_path / "questions.txt"  # every 4th question of each section of the Google set, to stay fast
    path.write_text("".join(f": {name}\n" + "".join(" ".join(q) + "\n" for q in qs[::4])
                            for name, qs in read_analogies(bundled_analogies()[0], case_insensitive=False)))
    ours = evaluate_analogies(bundled_emb, path, restrict_vocab, case_insensitive)
    assert 0.3 < ours.accuracy < 0.95  # neither trivial nor hopeless: the comparison means something
    assert_same_analogies(ours, kv.evaluate_word_analogies(str(path), restrict_vocab, case_insensitive))


@pytest.mark.parametrize("restrict_vocab", [300000, 2500])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_bundled_pairs_match_gensim(bundled_emb, restrict_vocab, case_insensitive):
    kv = gensim_kv(bundled_emb)
    for path in bundled_pairs():
        ours = evaluate_pairs(bundled_emb, path, restrict_vocab, case_insensitive)
        pearson, spearman, oov_ratio = kv.evaluate_word_pairs(path, restrict_vocab=restrict_vocab,
                                                              case_insensitive=case_insensitive)
        assert ours.pairs > 50
        assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-9)
        assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-6)  # float32 cosines
        assert ours.oov_ratio == pytest.approx(oov_ratio, abs=1e-9)


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_fixture_files_match_gensim(files, emb, case_insensitive):
    variants = Embeddings(emb.words + ["athens", "greece"], np.vstack([emb.vectors, emb[["Athens", "Greece"]] + 0.01]))
    for e in (emb, variants):
        kv = gensim_kv(e)
        for restrict in (30000, 8):
            assert_same_analogies(evaluate_analogies(e, files / "analogies.txt", restrict, case_insensitive),
                                  kv.evaluate_word_analogies(str(files / "analogies.txt"), restrict, case_insensitive))
        for name, delim in (("pairs.tsv", "\t"), ("pairs-space.txt", " ")):
            ours = evaluate_pairs(e, files / name, case_insensitive=case_insensitive)
            _, spearman, oov_ratio = kv.evaluate_word_pairs(str(files / name), delimiter=delim,
                                                            case_insensitive=case_insensitive)
            assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-9)
            assert ours.oov_ratio == pytest.approx(oov_ratio, abs=1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's cosmul calls its own deprecated init_sims
def test_3cosmul_matches_gensim_most_similar_cosmul(bundled_emb, tmp_path):
    kv = gensim_kv(bundled_emb)
    sections = read_analogies(bundled_analogies()[0], case_insensitive=False)
    questions = [q for _, qs in sections[:2] for q in qs if all(w in bundled_emb for w in q)][:300]
    path = tmp_path / "questions.txt"
    path.write_text(": capital\n" + "".join(" ".join(q) + "\n" for q in questions))
    ours = evaluate_analogies(bundled_emb, path, restrict_vocab=None, case_insensitive=False, method="3cosmul")
    want = sum(kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0] == d for a, b, c, d in questions)
    assert ours.questions == len(questions) and ours.correct == want


def test_a_line_without_end_is_refused_not_read_whole(tmp_path, emb, monkeypatch):
    """A file with no newline (a binary blob, a device) stops at the line cap instead of filling memory."""
    import w2v_scratch.vectors.evaluate as evaluate
    monkeypatch.setattr(evaluate, "MAX_LINE_CHARS", 1000)
    blob = tmp_path / "blob.txt"
    blob.write_text("a b c d\n" + "x" * 5000)
    for run in (evaluate_analogies, evaluate_pairs):
        with pytest.raises(FormatError, match="line 2 is longer than 1,000 characters"):
            run(emb, str(blob))
    blob.write_text("a b c d\n" + "x" * 999 + "\n")  # at the cap: read (and ignored as malformed)
    with pytest.raises(FormatError, match="no analogy questions|no word pairs"):
        evaluate_pairs(emb, str(blob))
