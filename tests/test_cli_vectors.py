"""The ``similar``, ``analogy``, ``evaluate``, ``convert`` and ``plot`` subcommands."""

import json

import numpy as np
import pytest

from w2v_scratch.cli import main
from w2v_scratch.base.errors import FormatError, InputError, VocabError
from w2v_scratch.vectors.formats import load_vectors, save_word2vec


@pytest.fixture
def vectors(tmp_path):
    """king - man + woman ≈ queen, plus filler words; saved as word2vec text."""
    rng = np.random.default_rng(5)
    base = {w: rng.standard_normal(12) for w in ("king", "man", "paris", "cat")}
    female = rng.standard_normal(12)
    vec = dict(base, woman=base["man"] + female, queen=base["king"] + female + 0.05 * rng.standard_normal(12),
               kings=base["king"] + 0.3 * rng.standard_normal(12))
    words = list(vec) + [f"filler{i}" for i in range(30)]
    vectors = np.array([vec.get(w, rng.standard_normal(12)) for w in words], dtype=np.float32)
    save_word2vec(tmp_path / "v.txt", words, vectors)
    return tmp_path / "v.txt"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_similar(capsys, vectors):
    code, out, _ = run(capsys, "similar", "king", "--vectors", vectors, "-k", 3)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    word, score = lines[0].split()
    assert word == "kings" and -1 <= float(score) <= 1 and len(score.split(".")[1]) == 3


def test_analogy(capsys, vectors):
    code, out, _ = run(capsys, "analogy", "man", "king", "woman", "--vectors", vectors, "-k", 2)
    assert code == 0 and out.split()[0] == "queen"
    code, out, _ = run(capsys, "analogy", "man", "king", "woman", "--vectors", vectors, "--method", "3cosmul")
    assert code == 0 and out.split()[0] == "queen"


def test_errors_are_one_line(capsys, vectors, tmp_path):
    code, out, err = run(capsys, "similar", "nosuchword", "--vectors", vectors)
    assert code == VocabError.exit_code and out == "" and len(err.strip().splitlines()) == 1
    assert "nosuchword" in err
    code, _, err = run(capsys, "similar", "king", "--vectors", tmp_path / "missing.bin")
    assert code == InputError.exit_code and len(err.strip().splitlines()) == 1 and "does not exist" in err
    (tmp_path / "bad.txt").write_text("2 3\nfoo 1 2\n")
    code, _, err = run(capsys, "evaluate", "--vectors", tmp_path / "bad.txt")
    assert code == FormatError.exit_code and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):  # argparse rejects -k 0 with a usage message
        main(["similar", "king", "--vectors", str(vectors), "-k", "0"])
    capsys.readouterr()


def test_evaluate_json(capsys, vectors, tmp_path):
    (tmp_path / "q.txt").write_text(": family\nman king woman queen\nman woman king queen\nman x y z\n"
                                    ": gram1\nking kings man mans\n")
    (tmp_path / "p.tsv").write_text("# test\nking\tqueen\t8\nman\twoman\t7\ncat\tparis\t1\nking\tzzz\t3\n")
    code, out, _ = run(capsys, "evaluate", "--vectors", vectors, "--analogies", tmp_path / "q.txt",
                       "--pairs", tmp_path / "p.tsv", "--json")
    assert code == 0
    result = json.loads(out)
    analogy = result["analogy"]
    assert {"accuracy", "semantic", "syntactic", "questions", "skipped"} <= set(analogy)
    assert (analogy["questions"], analogy["skipped"], analogy["syntactic"]) == (2, 2, None)
    assert analogy["accuracy"] == analogy["semantic"] == 1.0
    assert result["similarity"]["p"]["pairs"] == 3 and result["similarity"]["p"]["oov"] == 1
    assert -1 <= result["similarity"]["p"]["spearman"] <= 1


def test_evaluate_table_with_bundled_sets(capsys, vectors):
    code, out, _ = run(capsys, "evaluate", "--vectors", vectors)
    assert code == 0
    assert "capital-common-countries" in out and "total" in out and "skipped" in out
    assert "wordsim353" in out and "simlex999" in out
    code, out, _ = run(capsys, "evaluate", "--vectors", vectors, "--json", "--case-sensitive")
    result = json.loads(out)
    assert set(result["similarity"]) == {"wordsim353", "simlex999"}
    assert result["analogy"]["questions"] + result["analogy"]["skipped"] == 19544


def test_convert(capsys, vectors, tmp_path):
    original = load_vectors(vectors)
    code, _, err = run(capsys, "convert", vectors, tmp_path / "v.bin")
    assert code == 0 and "word2vec-binary" in err
    np.testing.assert_array_equal(load_vectors(tmp_path / "v.bin").vectors, original.vectors)
    assert run(capsys, "convert", tmp_path / "v.bin", tmp_path / "g.txt", "--format", "glove", "--limit", 5)[0] == 0
    glove = load_vectors(tmp_path / "g.txt")
    assert glove.words == original.words[:5]
    np.testing.assert_array_equal(glove.vectors, original.vectors[:5])
    assert run(capsys, "convert", tmp_path / "g.txt", tmp_path / "back.vec")[0] == 0
    assert (tmp_path / "back.vec").read_text().startswith("5 12\n")


def test_native_model_as_vectors(capsys, tmp_path):
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.training.persist import save_model
    from w2v_scratch.corpus.vocab import Vocab
    from w2v_scratch.word2vec import Word2Vec

    model = Word2Vec(TrainConfig(dim=4))
    model.vocab = Vocab(["a", "b", "c"], [3, 2, 1])
    model.center = np.eye(3, 4, dtype=np.float32) + 0.1
    model.context = np.zeros((3, 4), np.float32)
    save_model(model, tmp_path / "model")
    for path in ("model", "model.npz", "model.json"):
        code, out, _ = run(capsys, "similar", "a", "--vectors", tmp_path / path, "-k", 1)
        assert code == 0 and len(out.splitlines()) == 1


def test_plot(capsys, vectors, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, _ = run(capsys, "plot", "--vectors", vectors, "--words", "king", "queen", "man", "woman",
                     "--output", tmp_path / "w.png")
    assert code == 0 and (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(capsys, "plot", "--vectors", vectors, "--words", "king", "zzz", "--output", tmp_path / "x.png")
    assert code == VocabError.exit_code and not (tmp_path / "x.png").exists()
