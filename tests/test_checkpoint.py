import os
import shlex
import signal
import subprocess
import sys

import numpy as np
import pytest

from w2v_scratch import TrainConfig, Word2Vec
from w2v_scratch.training.checkpoint import Interrupted, parse_interval
from w2v_scratch.base.errors import ConfigError, InputError
from w2v_scratch.training.run import fit

from conftest import StopAfter, make_topic_corpus

QUIET = dict(progress=False, log=lambda m: None)


@pytest.mark.parametrize("cfg", [
    dict(model="sg", loss="ns"),                       # Adam, textbook batches
    dict(model="cbow", loss="hs", optimizer="sgd", lr=0.1),  # SGD with linear decay
])
@pytest.mark.parametrize("stop_at", [3, 60])  # in the first epoch, and in the second
def test_reference_interrupt_and_resume_equals_uninterrupted(tmp_path, topic_corpus, cfg, stop_at):
    config = TrainConfig(dim=8, epochs=3, min_count=1, batch_size=128, sample=0, **cfg)  # ~38 batches an epoch
    whole = fit(Word2Vec(config), topic_corpus, **QUIET)
    ckpt = tmp_path / "ckpt"
    with pytest.raises(Interrupted, match="--resume"):
        fit(Word2Vec(config), topic_corpus, checkpointer=StopAfter(ckpt, stop_at), **QUIET)
    assert (tmp_path / "ckpt.npz").exists() and (tmp_path / "ckpt.json").exists()
    resumed = Word2Vec.resume(ckpt, **QUIET)
    assert np.array_equal(resumed.center, whole.center)
    out = "context" if config.loss == "ns" else "inner_nodes"
    assert np.array_equal(getattr(resumed, out), getattr(whole, out))
    assert [r["loss"] for r in resumed.history] == pytest.approx([r["loss"] for r in whole.history], rel=1e-12)
    assert "resume" not in resumed.state and not any(k.startswith("adam_") for k in resumed.state)


def test_resume_refuses_a_finished_model_and_a_different_corpus(tmp_path, topic_corpus):
    cfg = TrainConfig(dim=8, epochs=2, min_count=1, batch_size=128)
    done = fit(Word2Vec(cfg), topic_corpus, **QUIET)
    done.save(tmp_path / "done")
    with pytest.raises(InputError, match="nothing to resume"):
        Word2Vec.resume(tmp_path / "done", **QUIET)
    with pytest.raises(Interrupted):
        fit(Word2Vec(cfg), topic_corpus, checkpointer=StopAfter(tmp_path / "ck", 2), **QUIET)
    other = make_topic_corpus(tmp_path / "other.txt", n_sentences=50)
    with pytest.raises(InputError, match="same corpus"):
        Word2Vec.resume(tmp_path / "ck", corpus=other, **QUIET)


def test_parse_interval():
    assert parse_interval("90") == 90 and parse_interval("90s") == 90
    assert parse_interval("5m") == 300 and parse_interval("2h") == 7200
    for bad in ("0", "-1m", "soon", "m"):
        with pytest.raises(ConfigError):
            parse_interval(bad)


def test_periodic_checkpoints_are_written_and_removed_after_a_complete_run(tmp_path, topic_corpus, capsys):
    from w2v_scratch.cli import main

    out = tmp_path / "v.txt"
    code = main(["train", "--corpus", str(topic_corpus), "--output", str(out), "--dim", "8", "--epochs", "2",
                 "--min-count", "1", "--no-progress", "--checkpoint-every", "0.001s", "--query"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "checkpoint written to" in err and out.exists()
    assert not (tmp_path / "v.txt.ckpt.npz").exists()  # the run completed: its checkpoint was removed


def test_ctrl_c_writes_checkpoint_exits_130_and_resume_finishes(tmp_path):
    corpus = make_topic_corpus(tmp_path / "big.txt", n_sentences=4000, length=20)
    out = tmp_path / "v.txt"
    cmd = [sys.executable, "-m", "w2v_scratch", "train", "--corpus", str(corpus), "--output", str(out),
           "--dim", "16", "--epochs", "200", "--min-count", "1", "--no-progress", "--query"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:  # wait until training runs, then press Ctrl-C
        lines.append(line)
        if line.startswith("epoch 1/"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, "".join(lines) + rest
    assert "resume with: w2v-scratch train --resume" in rest and "Traceback" not in rest
    assert not out.exists()
    ckpt = tmp_path / "v.txt.ckpt"
    assert (tmp_path / "v.txt.ckpt.npz").exists()
    # Resume, but shorten the run by editing nothing: just check it carries on from the checkpoint.
    model = Word2Vec.load(ckpt)
    assert model.state["resume"]["epoch"] >= 1 and len(model.history) >= 1
    model.config.epochs = model.state["resume"]["epoch"] + 1  # finish after one more epoch
    model.save(ckpt)
    printed = shlex.split(rest.strip().splitlines()[-1].split("resume with: ", 1)[1])
    assert printed == ["w2v-scratch", "train", "--resume", str(ckpt)]
    r = subprocess.run([sys.executable, "-m", "w2v_scratch", *printed[1:]], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)  # the command as printed: the checkpoint knows its output
    assert r.returncode == 0, r.stderr
    assert "resuming" in r.stderr and out.exists() and not (tmp_path / "vectors.txt").exists()
    assert sorted(os.listdir(tmp_path)) == ["big.txt", "v.txt"]


def test_cli_resume_removes_the_checkpoint_and_finds_a_relative_corpus(tmp_path, monkeypatch, capsys):
    from w2v_scratch.cli import main

    monkeypatch.chdir(tmp_path)
    make_topic_corpus(tmp_path / "rel.txt")
    cfg = TrainConfig(dim=8, epochs=2, min_count=1, batch_size=128, sample=0)
    with pytest.raises(Interrupted):
        fit(Word2Vec(cfg), "rel.txt", checkpointer=StopAfter(tmp_path / "ck", 3), **QUIET)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the checkpoint remembers the corpus by its absolute path
    code = main(["train", "--resume", str(tmp_path / "ck"), "--output", "v.txt", "--no-progress", "--query"])
    assert code == 0, capsys.readouterr().err
    assert (elsewhere / "v.txt").exists() and not (tmp_path / "ck.npz").exists()


def test_second_fit_starts_a_new_run(topic_corpus):
    model = Word2Vec(dim=8, epochs=2, min_count=1, batch_size=128)
    model.fit(topic_corpus, **QUIET)
    model.fit(topic_corpus, **QUIET)
    assert [r["epoch"] for r in model.history] == [1, 2]


def test_unwritable_output_fails_before_training(tmp_path, topic_corpus, capsys):
    from w2v_scratch.cli import main

    code = main(["train", "--corpus", str(topic_corpus), "--output", str(tmp_path / "nope" / "v.txt"),
                 "--min-count", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == InputError.exit_code and "does not exist" in err and "corpus:" not in err


def test_debug_flag_after_the_subcommand_shows_the_traceback(tmp_path):
    from w2v_scratch.cli import main

    with pytest.raises(InputError):
        main(["train", "--corpus", str(tmp_path / "missing.txt"), "--debug"])


def test_cpu_backend_rejects_reference_only_optimizer():
    with pytest.raises(ConfigError, match="reference"):
        TrainConfig(backend="cpu", optimizer="adam").resolved()
