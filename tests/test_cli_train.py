import os

import numpy as np
import pytest

from w2v_scratch.cli import main
from w2v_scratch.base.errors import ConfigError, InputError, VocabError

TINY = ["--dim", "8", "--epochs", "2", "--min-count", "1", "--threads", "1", "--no-progress", "--query"]


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_word2vec_text_and_prints_neighbours(capsys, tmp_path, topic_corpus):
    out = tmp_path / "vec.txt"
    code, stdout, stderr = run(capsys, "train", "--corpus", topic_corpus, "--output", out, *TINY, "t0w0")
    assert code == 0, stderr
    lines = out.read_text().splitlines()
    V, d = map(int, lines[0].split())
    assert d == 8 and len(lines) == V + 1
    assert all(len(line.split()) == 9 for line in lines[1:])
    assert "nearest to 't0w0'" in stdout and stdout.count("cosine") == 3
    assert "epoch 2/2: loss" in stderr and "words/sec" in stderr and "fixed sample" in stderr
    assert str(out) in stderr


def test_same_seed_same_file(capsys, tmp_path, topic_corpus):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for path in (a, b):
        assert run(capsys, "train", "--corpus", topic_corpus, "--output", path, "--seed", 7, *TINY)[0] == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("args,error,needle", [
    (["--corpus", "{tmp}/missing.txt"], InputError, "does not exist"),
    (["--corpus", "{empty}"], InputError, "no words"),
    (["--corpus", "{topics}", "--min-count", "100000"], VocabError, "min-count"),
    (["--corpus", "{topics}", "--dim", "0"], ConfigError, "--dim"),
    (["--corpus", "{topics}", "--window", "-1"], ConfigError, "--window"),
    (["--corpus", "{topics}", "--lr", "0"], ConfigError, "--lr"),
    (["--corpus", "{topics}", "--epochs", "0"], ConfigError, "--epochs"),
])
def test_bad_input_one_line_no_output(capsys, tmp_path, topic_corpus, args, error, needle):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    out = tmp_path / "vec.txt"
    args = [a.format(tmp=tmp_path, empty=empty, topics=topic_corpus) for a in args]
    code, stdout, stderr = run(capsys, "train", *args, "--output", out, "--no-progress")
    assert code == error.exit_code != 0
    assert stderr.count("\n") == 1 and needle in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_module_entry_point_help():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "w2v_scratch", "train", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--corpus" in r.stdout and "--negative" in r.stdout


@pytest.mark.parametrize("name", ["vec.txt", "vec.bin"])
def test_trained_vectors_load_in_gensim(capsys, tmp_path, topic_corpus, name):
    gensim_kv = pytest.importorskip("gensim.models").KeyedVectors
    out = tmp_path / name
    assert run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--save-model", tmp_path / "m", *TINY)[0] == 0
    kv = gensim_kv.load_word2vec_format(str(out), binary=name.endswith(".bin"))
    from w2v_scratch import Word2Vec

    model = Word2Vec.load(tmp_path / "m")
    assert kv.index_to_key == model.vocab.words
    np.testing.assert_allclose(kv.vectors, model.center, rtol=1e-6)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_train_plot_writes_a_png_loss_curve(capsys, tmp_path, topic_corpus, backend):
    pytest.importorskip("matplotlib")
    png = tmp_path / "loss.png"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--backend", backend,
                       "--plot", png, *TINY)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "loss curve" in err


@pytest.mark.parametrize("argv,threads", [
    (["train"], 1),                                        # the textbook run: the reference trainer
    (["train", "--backend", "cpu"], "cores"),              # the fast trainer: every core by default
    (["train", "--backend", "cpu", "--threads", "3"], 3),  # unless told otherwise
])
def test_cli_threads_default_to_every_core_for_the_cpu_backend(argv, threads, monkeypatch):
    from w2v_scratch.training import config
    from w2v_scratch.cli import build_parser
    from w2v_scratch.cli.train import config_from_args

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    cfg = config_from_args(build_parser().parse_args(argv))
    assert cfg.threads == (config.fast_threads() if threads == "cores" else threads)
    assert threads != "cores" or cfg.threads == 6


@pytest.mark.parametrize("name", ["out.npz", "out.json", "out.pkl", "out.csv"])
def test_train_output_named_as_another_format_is_refused_before_training(tmp_path, capsys, name):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e\nb c d e f\n")
    code = main(["train", "--backend", "cpu", "--corpus", str(corpus), "--min-count", "1", "--dim", "4",
                 "--epochs", "1", "--output", str(tmp_path / name), "--no-progress"])
    err = capsys.readouterr().err
    assert code == ConfigError.exit_code and "rename the output" in err and "corpus:" not in err
    assert not (tmp_path / name).exists()
