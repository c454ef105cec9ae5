"""No finished work is ever lost: a checkpoint records the run's outputs and options, the printed
resume command (run exactly as printed) finishes the original run into the original outputs, a run
never replaces an existing checkpoint, and an interruption or a failure while the final outputs
are written keeps the trained model in the checkpoint and says how to resume.

By category: (1) the printed command, run as printed; (2) checkpoints that record no run, or a
damaged record; (3) an existing checkpoint is never replaced; (4) the final write: a full disk,
Ctrl-C, SIGTERM, and a signal while the last checkpoint is written.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import signal
import time

import pytest

from w2v_scratch import TrainConfig, Word2Vec
from w2v_scratch.base.errors import ConfigError, FormatError, InputError
from w2v_scratch.base.files import atomic_write
from w2v_scratch.base.terminate import Terminated
from w2v_scratch.cli import main
from w2v_scratch.cli import train as cli_train
from w2v_scratch.training.checkpoint import Checkpointer, Interrupted
from w2v_scratch.training.run import fit

from conftest import StopAfter

QUIET = dict(progress=False, log=lambda m: None)
OUT = "my out's.bin"  # a space and a quote: the printed command must quote it


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def stop_at_the_second_chunk(monkeypatch):
    """Every Checkpointer asks to stop at its second chunk boundary, as a Ctrl-C would (no signal:
    deterministic); ``monkeypatch.undo()`` ends it."""
    real = Checkpointer.due
    calls = {}

    def due(self):
        calls[id(self)] = calls.get(id(self), 0) + 1
        if calls[id(self)] == 2 and self.path is not None:
            self.stop_requested.set()
        return real(self)

    monkeypatch.setattr(Checkpointer, "due", due)


def hint(err: str) -> list[str]:
    """The printed resume command, split as a shell splits it."""
    last = err.strip().splitlines()[-1]
    assert "resume with: " in last, err
    argv = shlex.split(last.split("resume with: ", 1)[1])
    assert argv[:3] == ["w2v-scratch", "train", "--resume"], argv
    return argv[1:]


def interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch, *options):
    """A cpu run of 3 epochs stopped in its first (chunks of about 200 words), with --save-model and an
    --output that needs quoting; the folder also holds a vectors.txt the run must never touch.
    Returns (the printed command's argv, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("w2v_scratch.training.trainer_cpu.SLICE_WORDS", 200)  # chunks: the resumed run's too
    (tmp_path / "vectors.txt").write_text("someone else's vectors\n")
    with monkeypatch.context() as m:
        stop_at_the_second_chunk(m)
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--save-model", "model",
                           "--dim", "8", "--epochs", "3", "--min-count", "1", "--threads", "1", "--no-progress",
                           "--query", *options)
    assert code == 130, err
    return hint(err), err


# -- 1. the printed command, run as printed -----------------------------------------------------------------
def test_the_printed_command_finishes_the_original_run_into_its_outputs(capsys, tmp_path, topic_corpus, monkeypatch):
    argv, _ = interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch)
    assert argv == ["train", "--resume", f"{OUT}.ckpt"]
    before = sorted(os.listdir(tmp_path))
    assert f"{OUT}.ckpt.npz" in before and OUT not in before
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert err.splitlines()[0].startswith("recipe word2vec (resuming") and "epoch 3/3" in err
    assert (tmp_path / OUT).read_bytes()[:4] == b"24 8" and (tmp_path / "model.npz").exists()
    assert (tmp_path / "vectors.txt").read_text() == "someone else's vectors\n"
    assert sorted(os.listdir(tmp_path)) == sorted([topic_corpus.name, "vectors.txt", OUT, "model.npz", "model.json"])
    model = Word2Vec.load(tmp_path / "model")
    assert len(model.history) == 3 and "run" not in model.state and "resume" not in model.state


def test_the_record_holds_every_option_the_run_needs(capsys, tmp_path, topic_corpus, monkeypatch):
    argv, _ = interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch, "--classes", "3", "--checkpoint-every",
                              "1h", "--query", "t0w0")
    record = json.loads((tmp_path / f"{OUT}.ckpt.json").read_text())["state"]["run"]
    assert record["output"] == str(tmp_path / OUT) and record["save_model"] == str(tmp_path / "model")
    assert (record["classes"], record["checkpoint_every"], record["query"]) == (3, "1h", ["t0w0"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the record's paths are absolute
    code, out, err = run(capsys, *[os.path.join("..", a) if a.endswith(".ckpt") else a for a in argv])
    assert code == 0, err
    lines = (tmp_path / OUT).read_text().splitlines()
    assert len(lines) == 24 and {line.split()[1] for line in lines} <= {"0", "1", "2"}  # classes, not vectors
    assert "nearest to 't0w0'" in out and os.listdir(elsewhere) == []


def test_options_given_again_replace_the_recorded_ones(capsys, tmp_path, topic_corpus, monkeypatch):
    argv, _ = interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch)
    code, _, err = run(capsys, *argv, "--output", "other.txt")
    assert code == 0, err
    assert (tmp_path / "other.txt").exists() and not (tmp_path / OUT).exists()


# -- 2. checkpoints without a record, or with a damaged one -----------------------------------------------------
def api_checkpoint(tmp_path, topic_corpus, name="ck.ckpt") -> str:
    cfg = TrainConfig(dim=8, epochs=2, min_count=1, batch_size=128, sample=0)
    with pytest.raises(Interrupted, match=r"Word2Vec\.resume"):
        fit(Word2Vec(cfg), topic_corpus, checkpointer=StopAfter(tmp_path / name, 3), **QUIET)
    return str(tmp_path / name)


def test_a_checkpoint_that_records_no_output_needs_one(capsys, tmp_path, topic_corpus, monkeypatch):
    ck = api_checkpoint(tmp_path, topic_corpus)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--resume", ck, "--no-progress")
    assert code == ConfigError.exit_code and len(err.splitlines()) == 1, err
    assert "give --output" in err and f"--output {tmp_path / 'ck'}" in err
    assert not (tmp_path / "vectors.txt").exists() and os.path.exists(ck + ".npz")
    code, _, err = run(capsys, "train", "--resume", ck, "--output", tmp_path / "ck", "--no-progress", "--query")
    assert code == 0, err
    assert (tmp_path / "ck").exists() and not os.path.exists(ck + ".npz")


@pytest.mark.parametrize("field,value", [("output", 5), ("output", ""), ("classes", 0), ("query", "chip"),
                                         ("checkpoint_every", [1])])
def test_a_damaged_record_is_one_line_naming_the_field(capsys, tmp_path, topic_corpus, monkeypatch, field, value):
    interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch)
    path = tmp_path / f"{OUT}.ckpt.json"
    meta = json.loads(path.read_text())
    meta["state"]["run"][field] = value
    path.write_text(json.dumps(meta))
    code, _, err = run(capsys, "train", "--resume", f"{OUT}.ckpt")
    assert code == FormatError.exit_code and len(err.splitlines()) == 1, err
    assert f"state.run.{field}" in err and not (tmp_path / OUT).exists()


# -- 3. an existing checkpoint is never replaced ----------------------------------------------------------------
def test_starting_the_same_run_again_is_refused_not_restarted(capsys, tmp_path, topic_corpus, monkeypatch):
    argv, _ = interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch)
    saved = {p: (tmp_path / p).read_bytes() for p in (f"{OUT}.ckpt.npz", f"{OUT}.ckpt.json")}
    for options in ([], ["--backend", "reference"], ["--epochs", "1"]):
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--dim", "8",
                           "--min-count", "1", "--no-progress", *options)
        assert code == ConfigError.exit_code and len(err.splitlines()) == 1, err
        assert shlex.join(["w2v-scratch", *argv]) in err and "to start over" in err and "corpus:" not in err
        assert {p: (tmp_path / p).read_bytes() for p in saved} == saved
    code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", "new.txt", "--checkpoint",
                       f"{OUT}.ckpt", "--no-progress")  # the same checkpoint named by --checkpoint
    assert code == ConfigError.exit_code and "already exists" in err


def test_resuming_into_another_existing_checkpoint_is_refused(capsys, tmp_path, topic_corpus, monkeypatch):
    interrupted_run(capsys, tmp_path, topic_corpus, monkeypatch)
    other = api_checkpoint(tmp_path, topic_corpus, "other")
    code, _, err = run(capsys, "train", "--resume", f"{OUT}.ckpt", "--checkpoint", other, "--no-progress")
    assert code == ConfigError.exit_code and "already exists" in err and len(err.splitlines()) == 1


def test_the_python_api_never_replaces_a_checkpoint_either(tmp_path, topic_corpus):
    ck = api_checkpoint(tmp_path, topic_corpus)
    with pytest.raises(ConfigError, match=r"already exists.*Word2Vec\.resume.*to start over"):
        Word2Vec(TrainConfig(dim=8, epochs=2, min_count=1)).fit(topic_corpus, checkpoint=ck, **QUIET)


# -- 4. the final write ---------------------------------------------------------------------------------------
def full_disk(path, emb, *args, **kwargs):
    with atomic_write(path, "wb") as f:
        f.write(b"half of it")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def raising(exc):
    def write(path, emb, *args, **kwargs):
        with atomic_write(path, "wb") as f:
            f.write(b"half of it")
            raise exc
    return write


@pytest.mark.parametrize("writer,status,needle", [
    (full_disk, InputError.exit_code, "No space left on device"),
    (raising(KeyboardInterrupt()), 130, "interrupted while writing the outputs"),
    (raising(Terminated()), 143, "terminated by SIGTERM while writing the outputs"),
    (raising(MemoryError()), ConfigError.exit_code, "out of memory while writing the outputs"),
])
def test_a_failure_while_writing_the_outputs_keeps_the_trained_model(capsys, tmp_path, topic_corpus, monkeypatch,
                                                                    writer, status, needle):
    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(cli_train, "save_vectors", writer)
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--dim", "8",
                           "--epochs", "2", "--min-count", "1", "--threads", "1", "--no-progress", "--query")
    assert code == status, err
    last = err.strip().splitlines()[-1]
    assert needle in last and f"the trained model is kept in the checkpoint {OUT}.ckpt" in last
    assert sorted(os.listdir(tmp_path)) == sorted([topic_corpus.name, f"{OUT}.ckpt.npz", f"{OUT}.ckpt.json"])
    os.unlink(topic_corpus)  # training is done: the resumed run needs no corpus
    code, _, err = run(capsys, *hint(err))
    assert code == 0, err
    assert "nothing left to train" in err and "epoch 1/" not in err
    assert sorted(os.listdir(tmp_path)) == [OUT]


def test_a_disk_too_full_for_the_last_checkpoint_keeps_the_one_before(capsys, tmp_path, topic_corpus, monkeypatch):
    """The checkpoint before the outputs fails, then the outputs: the periodic checkpoint written
    earlier is still there, and the message says so and how to go on from it."""
    def no_room(self, w2v):
        raise InputError(f"cannot write {self.path}.npz: {os.strerror(errno.ENOSPC)}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("w2v_scratch.training.trainer_cpu.SLICE_WORDS", 200)
    with monkeypatch.context() as m:
        m.setattr(Checkpointer, "save_finished", no_room)
        m.setattr(cli_train, "save_vectors", full_disk)
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--dim", "8",
                           "--epochs", "2", "--min-count", "1", "--threads", "1", "--no-progress", "--query",
                           "--checkpoint-every", "0.000001s")
    assert code == InputError.exit_code, err
    assert "could not write the checkpoint" in err and "writing them without it" in err
    last = err.strip().splitlines()[-1]
    assert "No space left on device" in last and f"the last checkpoint, {OUT}.ckpt, is kept" in last
    assert json.loads((tmp_path / f"{OUT}.ckpt.json").read_text())["state"]["resume"]["epoch"] == 1
    code, _, err = run(capsys, *hint(err))
    assert code == 0, err
    assert "epoch 2/2" in err and sorted(os.listdir(tmp_path)) == sorted([topic_corpus.name, OUT])


def test_a_signal_while_the_last_checkpoint_is_written_lets_it_finish(capsys, tmp_path, topic_corpus, monkeypatch):
    real = Checkpointer.save

    def save(self, w2v, quiet=False):
        if quiet:  # the checkpoint before the outputs
            os.kill(os.getpid(), signal.SIGINT)
        real(self, w2v, quiet)

    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as m:
        m.setattr(Checkpointer, "save", save)
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--dim", "8",
                           "--epochs", "2", "--min-count", "1", "--threads", "1", "--no-progress", "--query")
    assert code == 130, err
    assert not (tmp_path / OUT).exists() and (tmp_path / f"{OUT}.ckpt.npz").exists()
    code, _, err = run(capsys, *hint(err))
    assert code == 0, err
    assert (tmp_path / OUT).exists() and not (tmp_path / f"{OUT}.ckpt.npz").exists()


@pytest.mark.skipif(getattr(signal, "SIGHUP", None) is None or signal.getsignal(signal.SIGHUP) == signal.SIG_IGN,
                    reason="no SIGHUP, or it is ignored here (nohup)")
def test_the_terminal_closing_mid_training_writes_a_checkpoint_too(capsys, tmp_path, topic_corpus, monkeypatch):
    real, calls = Checkpointer.due, []

    def due(self):
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGHUP)
            # due() runs on a worker thread; the handler on the main one: wait for it, so the stop lands
            # in this slice whatever the threads' timing (else the epoch may end first)
            deadline = time.monotonic() + 60
            while not self.stop_requested.is_set() and time.monotonic() < deadline:
                time.sleep(0.001)
        return real(self)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("w2v_scratch.training.trainer_cpu.SLICE_WORDS", 200)
    with monkeypatch.context() as m:
        m.setattr(Checkpointer, "due", due)
        code, _, err = run(capsys, "train", "--corpus", topic_corpus.name, "--output", OUT, "--dim", "8",
                           "--epochs", "2", "--min-count", "1", "--threads", "1", "--no-progress", "--query")
    assert code == 129, err
    assert "terminated by SIGHUP: training stopped" in err.splitlines()[-1]
    assert json.loads((tmp_path / f"{OUT}.ckpt.json").read_text())["state"]["resume"]["epoch"] == 0
    code, _, err = run(capsys, *hint(err))
    assert code == 0, err
    assert sorted(os.listdir(tmp_path)) == sorted([topic_corpus.name, OUT])


def test_a_run_that_completes_leaves_no_checkpoint(capsys, tmp_path, topic_corpus):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--dim", "8",
                       "--epochs", "1", "--min-count", "1", "--no-progress", "--query")
    assert code == 0, err
    assert sorted(os.listdir(tmp_path)) == sorted([topic_corpus.name, "v.txt"]) and "checkpoint" not in err
