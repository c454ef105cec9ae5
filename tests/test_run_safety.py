"""A run of ``train`` never destroys a file, hangs, or leaves a mess, whatever it is given.

By category: (1) outputs are checked before anything is read and never overwrite an input or
each other; the end-of-run clean-up deletes only this run's checkpoints; (2) SIGTERM is Ctrl-C
with exit status 143; (3) runs sharing a --corpus-cache folder or a checkpoint path do not
corrupt each other; (4) a corpus from a pipe is read once, an endless one stops with an error in
bounded memory; (5) every field of a checkpoint's position is checked, and options that would
change a resumed run are refused; (6) messages name the right option, a byte-order mark is
dropped; (7) a negative seed is one line.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from w2v_scratch import TrainConfig, Word2Vec
from w2v_scratch.corpus import read as corpus_mod
from w2v_scratch.corpus import cache as corpus_cache, text_file
from w2v_scratch.training import checkpoint as ckpt_mod
from w2v_scratch.training.checkpoint import Checkpointer, Interrupted
from w2v_scratch.cli import main
from w2v_scratch.base.errors import ConfigError, FormatError, InputError, W2VError
from w2v_scratch.training.run import fit

from conftest import StopAfter, make_topic_corpus

FAST = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--threads", "1", "--no-progress", "--query"]
QUIET = dict(progress=False, log=lambda m: None)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code, err, error, *needles):
    """Exit status ``error``'s, one line on stderr naming the problem, no traceback."""
    assert code == (error if isinstance(error, int) else error.exit_code), err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


def leftovers(folder) -> list[str]:
    """Hidden temporary files and lock files left in ``folder``."""
    return sorted(p for p in os.listdir(folder) if p.endswith((".tmp", ".lock")))


# -- 1. outputs --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_output_that_is_the_corpus_is_refused_and_the_corpus_kept(capsys, tmp_path, topic_corpus, monkeypatch, how):
    before = topic_corpus.read_bytes()
    out = {"same": topic_corpus, "symlink": tmp_path / "link.txt", "hardlink": tmp_path / "hard.txt",
           "relative": "topics.txt"}[how]
    if how == "symlink":
        os.symlink(topic_corpus, out)
    elif how == "hardlink":
        os.link(topic_corpus, out)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, *FAST)
    assert_one_line(code, err, ConfigError, "--output", "corpus")
    assert topic_corpus.read_bytes() == before and "corpus:" not in err


@pytest.mark.parametrize("args,needles", [
    (["--save-model", "{d}/M", "--checkpoint", "{d}/M"], ["--save-model", "checkpoint"]),
    (["--output", "{d}/M.npz", "--save-model", "{d}/M"], ["--output", "--save-model"]),
    (["--output", "{d}/M.json", "--save-model", "{d}/M"], ["--output", "--save-model"]),
    (["--plot", "{d}/v.txt"], ["--plot", "--output"]),
    (["--output", "{d}/ck.npz", "--checkpoint", "{d}/ck"], ["--output", "checkpoint"]),
    (["--output", "{d}/v", "--checkpoint", "{d}/v", "--save-model", "{d}/v.txt"], []),  # no collision: it runs
    (["--save-model", "{corpus_base}"], ["--save-model", "corpus"]),
    (["--plot", "{corpus}"], ["--plot", "corpus"]),
])
def test_outputs_of_one_run_never_collide_nor_overwrite_an_input(capsys, tmp_path, args, needles):
    c = make_topic_corpus(tmp_path / ("M.json" if "corpus_base" in "".join(args) else "c.txt"))
    args = [a.format(d=tmp_path, corpus=c, corpus_base=str(c)[: -len(".json")]) for a in args]
    if "--output" not in args:
        args = ["--output", str(tmp_path / "v.txt"), *args]
    before = c.read_bytes()
    code, _, err = run(capsys, "train", "--corpus", c, *args, *FAST)
    if not needles:
        assert code == 0, err
        return
    assert_one_line(code, err, ConfigError, *needles)
    assert c.read_bytes() == before and "corpus:" not in err
    assert sorted(os.listdir(tmp_path)) == [c.name]


@pytest.mark.parametrize("case", ["empty", "folder", "trailing-slash", "missing-folder", "checkpoint-missing-folder",
                                  "plot-missing-folder", "plot-read-only-folder", "read-only-output",
                                  "cache-is-a-file", "cache-under-a-file", "save-model-missing-folder"])
def test_every_output_is_checked_before_the_corpus_is_read(capsys, tmp_path, case):
    """The corpus does not exist: an error about an output proves the outputs came first."""
    if case in ("plot-read-only-folder", "read-only-output") and IS_ROOT:
        pytest.skip("root writes anywhere")
    (tmp_path / "ro").mkdir()
    (tmp_path / "afile").write_text("x")
    (tmp_path / "ro" / "v.txt").write_text("old")
    out = ["--output", str(tmp_path / "v.txt")]
    args, error, needle = {
        "empty": (["--output", ""], ConfigError, "empty"),
        "folder": (["--output", str(tmp_path)], InputError, "folder"),
        "trailing-slash": (["--output", str(tmp_path / "new") + "/"], InputError, "folder"),
        "missing-folder": (["--output", str(tmp_path / "nope" / "v.txt")], InputError, "does not exist"),
        "checkpoint-missing-folder": (out + ["--checkpoint", str(tmp_path / "nope" / "ck")], InputError,
                                      "--checkpoint"),
        "plot-missing-folder": (out + ["--plot", str(tmp_path / "nope" / "p.png")], InputError, "--plot"),
        "plot-read-only-folder": (out + ["--plot", str(tmp_path / "ro" / "p.png")], InputError, "--plot"),
        "read-only-output": (["--output", str(tmp_path / "ro" / "v.txt")], InputError, "--output"),
        "cache-is-a-file": (out + ["--corpus-cache", str(tmp_path / "afile")], InputError, "--corpus-cache"),
        "cache-under-a-file": (out + ["--corpus-cache", str(tmp_path / "afile" / "sub")], InputError,
                               "--corpus-cache"),
        "save-model-missing-folder": (out + ["--save-model", str(tmp_path / "nope" / "m")], InputError,
                                      "--save-model"),
    }[case]
    if case in ("plot-read-only-folder", "read-only-output"):
        os.chmod(tmp_path / "ro" / "v.txt", 0o444)
        os.chmod(tmp_path / "ro", 0o555)
    try:
        code, _, err = run(capsys, "train", "--corpus", tmp_path / "missing.txt", *args, *FAST)
    finally:
        os.chmod(tmp_path / "ro", 0o755)
    assert_one_line(code, err, error, needle)
    assert "missing.txt" not in err


def test_checkpoint_in_a_missing_folder_is_refused_when_resuming_too(capsys, tmp_path, topic_corpus):
    ck = reference_checkpoint(tmp_path, topic_corpus)
    code, _, err = run(capsys, "train", "--resume", ck, "--checkpoint", tmp_path / "nope" / "ck",
                       "--output", tmp_path / "v.txt", "--no-progress")
    assert_one_line(code, err, InputError, "--checkpoint")
    assert "resuming" not in err and (tmp_path / "ck.npz").exists()


def test_resume_never_overwrites_the_checkpoint_it_resumes_with_an_output(capsys, tmp_path, topic_corpus):
    ck = reference_checkpoint(tmp_path, topic_corpus)
    before = (tmp_path / "ck.npz").read_bytes()
    for args in (["--save-model", ck, "--output", tmp_path / "v.txt"], ["--output", f"{ck}.npz"],
                 ["--output", tmp_path / "v.txt", "--plot", f"{ck}.json"],
                 ["--output", topic_corpus]):  # the corpus, named by the checkpoint only
        code, _, err = run(capsys, "train", "--resume", ck, *args, "--no-progress", "--query")
        assert_one_line(code, err, ConfigError)
        assert (tmp_path / "ck.npz").read_bytes() == before


def test_clean_up_deletes_only_unchanged_checkpoints_of_this_run_never_an_output(tmp_path):
    a, b, c = tmp_path / "a.npz", tmp_path / "b.npz", tmp_path / "c.npz"
    for p in (a, b, c):
        p.write_bytes(b"x")
    sigs = {str(p): ckpt_mod.file_signature(p) for p in (a, b, c)}
    time.sleep(0.01)
    b.write_bytes(b"rewritten by another run")  # a new version: not ours any more
    removed = ckpt_mod.remove_checkpoint_files(sigs, keep=[str(c)])
    assert removed == [str(a)] and not a.exists() and b.exists() and c.exists()
    fifo = tmp_path / "f.npz"
    os.mkfifo(fifo)
    assert ckpt_mod.remove_checkpoint_files({str(fifo): ckpt_mod.file_signature(fifo)}) == [] and fifo.exists()


def test_output_into_a_fifo_needs_no_checkpoint_beside_it(capsys, tmp_path, topic_corpus):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", fifo, *FAST)
    reader.join(10)
    assert code == 0, err
    header = got[0].split(b"\n", 1)[0].split()
    assert int(header[1]) == 8 and not leftovers(tmp_path)
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()  # should the run not be refused, it does not block on a pipe nobody reads
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", fifo, "--checkpoint-every", "1m", *FAST)
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # let the reader go
    except OSError:
        pass
    reader.join(10)
    assert_one_line(code, err, ConfigError, "--checkpoint")


# -- 2. signals --------------------------------------------------------------------------------------------
def _train_cmd(*args):
    return [sys.executable, "-m", "w2v_scratch", "train", *map(str, args)]


def test_sigterm_mid_training_writes_a_checkpoint_and_exits_143(tmp_path):
    corpus = make_topic_corpus(tmp_path / "big.txt", n_sentences=4000, length=20)
    out = tmp_path / "v.txt"
    proc = subprocess.Popen(_train_cmd("--corpus", corpus, "--output", out, "--dim", "16", "--epochs", "200",
                                       "--min-count", "1", "--no-progress", "--query"),
                            stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in proc.stderr:  # wait until it trains
            lines.append(line)
            if line.startswith("epoch 1/"):
                proc.send_signal(signal.SIGTERM)
                break
        rest = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    err = "".join(lines) + rest
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "SIGTERM" in err and "--resume" in err.splitlines()[-1]
    assert (tmp_path / "v.txt.ckpt.npz").exists() and (tmp_path / "v.txt.ckpt.json").exists()
    assert not out.exists() and leftovers(tmp_path) == []
    model = Word2Vec.load(tmp_path / "v.txt.ckpt")
    assert model.state["resume"]["epoch"] >= 1


def test_sigterm_while_reading_the_corpus_unwinds_and_leaves_no_temporary_file(tmp_path):
    fifo, cache = tmp_path / "corpus.fifo", tmp_path / "cache"
    os.mkfifo(fifo)
    proc = subprocess.Popen(_train_cmd("--corpus", fifo, "--output", tmp_path / "v.txt", "--corpus-cache", cache,
                                       *FAST), stderr=subprocess.PIPE, text=True)
    try:
        with open(fifo, "wb") as w:  # returns once the run opened the pipe: it is reading
            w.write(b"some words but no end\n" * 1000)
            w.flush()
            deadline = time.monotonic() + 30
            while not (cache.is_dir() and any(p.endswith(".tmp") for p in os.listdir(cache))):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            err = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "Traceback" not in err and len(err.splitlines()) == 1 and "SIGTERM" in err
    assert os.listdir(cache) == [] and leftovers(tmp_path) == [] and not (tmp_path / "v.txt").exists()


def test_sigterm_in_a_checkpointed_stretch_is_a_stop_request_with_status_143(tmp_path):
    cp = Checkpointer(tmp_path / "ck")
    seen = []
    original = signal.signal(signal.SIGTERM, lambda *a: seen.append(a))  # should it leak, pytest lives on
    try:
        with cp.catch_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)  # the handler runs
            assert cp.stop_requested.is_set()
            with pytest.raises(Interrupted, match="SIGTERM") as exc:
                cp.check_stop()
            assert exc.value.exit_code == 143
            with pytest.raises(ckpt_mod.Terminated):  # a second one stops at once
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)
        assert seen == []
        os.kill(os.getpid(), signal.SIGTERM)  # the previous handler is back
        time.sleep(0.01)
        assert len(seen) == 1
    finally:
        signal.signal(signal.SIGTERM, original)


# -- 3. concurrency -----------------------------------------------------------------------------------------
def test_runs_sharing_a_cache_folder_never_rewrite_each_others_maps(tmp_path, topic_corpus, monkeypatch):
    cache = tmp_path / "cache"
    vocab, first = corpus_mod.load(topic_corpus, 1, cache_dir=cache)
    ids, offsets = np.array(first.ids), np.array(first.offsets)
    files = {p: os.stat(cache / p).st_ino for p in os.listdir(cache)}
    # a run with another vocabulary: entries of their own
    corpus_mod.load(topic_corpus, 3, cache_dir=cache)
    assert all(os.stat(cache / p).st_ino == ino for p, ino in files.items())
    # the same run again, racing: it writes the same entry anew, by rename; the first map is intact
    monkeypatch.setattr(corpus_mod, "_open_cached", lambda *a: None)
    monkeypatch.setattr(corpus_mod, "_cached_vocab", lambda *a: None)
    _, again = corpus_mod.load(topic_corpus, 1, cache_dir=cache)
    assert np.array_equal(first.ids, ids) and np.array_equal(first.offsets, offsets)
    assert np.array_equal(again.ids, ids) and leftovers(cache) == []
    monkeypatch.undo()
    # a later run reuses the complete entry without reading the corpus
    monkeypatch.setattr(corpus_mod, "_read", lambda *a: pytest.fail("the corpus was read again"))
    vocab2, reused = corpus_mod.load(topic_corpus, 1, cache_dir=cache)
    assert vocab2.words == vocab.words and np.array_equal(reused.ids, ids)


def test_a_damaged_cache_entry_is_rebuilt_not_trusted(tmp_path, topic_corpus):
    cache = tmp_path / "cache"
    vocab, first = corpus_mod.load(topic_corpus, 1, cache_dir=cache)
    ids = np.array(first.ids)
    (entry,) = [p for p in os.listdir(cache) if p.endswith(".ids.int32")]
    (cache / entry).write_bytes(np.full(len(ids), 10**6, np.int32).tobytes())  # ids beyond the vocabulary
    _, again = corpus_mod.load(topic_corpus, 1, cache_dir=cache)
    assert np.array_equal(again.ids, ids)


def test_cache_shared_by_a_run_in_progress(capsys, tmp_path, topic_corpus, monkeypatch):
    """While a cpu run trains on its mapped cache, another encodes into the same folder."""
    from w2v_scratch.training import trainer_cpu
    cache = tmp_path / "cache"
    real = trainer_cpu.train

    def meanwhile(w2v, encoded, *a, **k):
        snapshot = np.array(encoded.ids)
        corpus_mod.load(topic_corpus, 2, cache_dir=cache)
        monkeypatch.setattr(corpus_mod, "_open_cached", lambda *a: None)
        corpus_mod.load(topic_corpus, 1, cache_dir=cache)
        assert np.array_equal(encoded.ids, snapshot)
        return real(w2v, encoded, *a, **k)

    monkeypatch.setattr(trainer_cpu, "train", meanwhile)
    code, _, err = run(capsys, "train", "--backend", "cpu", "--corpus", topic_corpus, "--corpus-cache", cache,
                       "--output", tmp_path / "v.txt", *FAST)
    assert code == 0, err


def test_a_second_run_on_the_same_checkpoint_is_refused(capsys, tmp_path, topic_corpus):
    ck = tmp_path / "shared.ckpt"
    with ckpt_mod.lock(ck):
        assert (tmp_path / "shared.ckpt.lock").exists()
        code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                           "--checkpoint", ck, *FAST)
        assert_one_line(code, err, InputError, "in use", "--checkpoint")
        assert "corpus:" not in err and not (tmp_path / "v.txt").exists()
    assert not (tmp_path / "shared.ckpt.lock").exists()
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--checkpoint", ck, *FAST)
    assert code == 0, err
    assert leftovers(tmp_path) == []


def test_the_checkpoint_lock_never_takes_a_users_file(capsys, tmp_path, topic_corpus):
    lock = tmp_path / "x.lock"
    lock.write_bytes(topic_corpus.read_bytes())
    for args in (["--corpus", lock, "--output", tmp_path / "v.txt"],  # the corpus is where the lock would go
                 ["--corpus", topic_corpus, "--output", lock]):  # an output is
        code, _, err = run(capsys, "train", *args, "--checkpoint", tmp_path / "x", *FAST)
        assert_one_line(code, err, ConfigError, "lock")
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--checkpoint", tmp_path / "x.npz", *FAST)  # x.lock exists and holds data: refused
    assert_one_line(code, err, InputError, "x.lock", "not a checkpoint lock")
    assert lock.read_bytes() == topic_corpus.read_bytes()


def test_a_run_resuming_a_checkpoint_another_run_holds_is_refused(capsys, tmp_path, topic_corpus):
    ck = reference_checkpoint(tmp_path, topic_corpus)
    with ckpt_mod.lock(ck):
        code, _, err = run(capsys, "train", "--resume", ck, "--output", tmp_path / "v.txt",
                           "--checkpoint", tmp_path / "other", "--no-progress")
    assert_one_line(code, err, InputError, "in use")
    assert (tmp_path / "ck.npz").exists()


def test_a_full_disk_while_writing_the_cache_is_one_line(capsys, tmp_path, topic_corpus, monkeypatch):
    cache = tmp_path / "cache"

    def full(f, array):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(corpus_cache, "_write_array", full)
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--corpus-cache", cache,
                       "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "No space left", "--corpus-cache")
    assert os.listdir(cache) == [] and not (tmp_path / "v.txt").exists()


@pytest.mark.skipif(IS_ROOT, reason="root writes anywhere")
def test_an_unwritable_cache_folder_is_one_line(capsys, tmp_path, topic_corpus):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    try:
        code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--corpus-cache", cache,
                           "--output", tmp_path / "v.txt", *FAST)
    finally:
        cache.chmod(0o755)
    assert_one_line(code, err, InputError, "--corpus-cache", "not writable")


# -- 4. pipes and endless streams ----------------------------------------------------------------------------
def _feed(fifo, data: bytes = b"", forever=(), limit: int = 64 << 20):
    """From a thread, write ``data`` into ``fifo``, then the chunks of ``forever`` while the reader
    reads (at most ``limit`` bytes: should a run fail to stop, the test fails rather than fill the
    memory). Then, for a while, release any reader that opens the pipe again (a second pass over a
    pipe would otherwise wait forever)."""

    def writer():
        written = 0
        try:
            with open(fifo, "wb") as w:
                w.write(data)
                for chunk in forever:
                    w.write(chunk)
                    written += len(chunk)
                    if written > limit:
                        break
        except OSError:  # the reader stopped: BrokenPipeError
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # nobody reading: fine
                pass
            time.sleep(0.2)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    return t


def _repeat(chunk: bytes):
    while True:
        yield chunk


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_a_corpus_from_a_pipe_is_read_once_and_trains_as_the_file_does(capsys, tmp_path, topic_corpus, suffix,
                                                                         monkeypatch):
    data = topic_corpus.read_bytes()
    fifo = tmp_path / f"corpus.fifo{suffix}"
    os.mkfifo(fifo)
    _feed(fifo, gzip.compress(data) if suffix else data)
    opened = []
    real = text_file.open_binary
    monkeypatch.setattr(text_file, "open_binary", lambda p: opened.append(p) or real(p))
    code, _, err = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "pipe.txt", "--seed", 3, *FAST)
    assert code == 0, err
    assert len(opened) == 1  # one pass: the vocabulary and the ids from the same read
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "file.txt", "--seed", 3,
                       *FAST)
    assert code == 0, err
    assert (tmp_path / "pipe.txt").read_bytes() == (tmp_path / "file.txt").read_bytes()


def test_one_pass_encoding_equals_counting_then_encoding(tmp_path, topic_corpus):
    from w2v_scratch.corpus.vocab import Vocab

    vocab, enc = corpus_mod.load(topic_corpus, min_count=3, max_vocab=17)
    expected = Vocab.build(corpus_mod.iter_sentences(topic_corpus), 3, 17)
    assert vocab.words == expected.words and vocab.counts.tolist() == expected.counts.tolist()
    sentences = [s for s in ([vocab.index[w] for w in s if w in vocab.index]
                             for s in corpus_mod.iter_sentences(topic_corpus)) if s]
    assert enc.ids.tolist() == sum(sentences, [])
    assert np.diff(enc.offsets).tolist() == [len(s) for s in sentences]


def test_dev_zero_is_refused_at_once(capsys, tmp_path):
    start = time.monotonic()
    code, _, err = run(capsys, "train", "--corpus", "/dev/zero", "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "binary")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("cache", [False, True])
def test_an_endless_stream_of_words_stops_with_an_error_in_bounded_memory(capsys, tmp_path, monkeypatch, cache):
    monkeypatch.setattr(corpus_mod, "memory_budget", lambda: 4 << 20)
    fifo = tmp_path / "endless.fifo"
    os.mkfifo(fifo)
    # new words forever: the vocabulary grows too
    _feed(fifo, forever=(" ".join(f"w{i}" for i in range(k * 1000, k * 1000 + 1000)).encode() + b"\n"
                         for k in range(10**9)))
    extra = ["--corpus-cache", tmp_path / "cache"] if cache else []
    code, _, err = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "v.txt", *extra, *FAST)
    assert_one_line(code, err, InputError, "does not fit in memory", "endless")
    if cache:
        assert os.listdir(tmp_path / "cache") == []


def test_an_endless_blank_stream_stops_with_an_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(text_file, "MAX_BLANK_BYTES", 1 << 20)
    fifo = tmp_path / "blank.fifo"
    os.mkfifo(fifo)
    _feed(fifo, forever=_repeat(b"\n" * 65536))
    code, _, err = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "without a word")


def test_a_word_that_never_ends_stops_with_an_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(text_file, "MAX_WORD_BYTES", 1 << 20)
    fifo = tmp_path / "word.fifo"
    os.mkfifo(fifo)
    _feed(fifo, forever=_repeat(b"y" * 65536))
    code, _, err = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "longer than")


def test_a_compressed_pipe_without_its_suffix_says_so(capsys, tmp_path, topic_corpus):
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    _feed(fifo, gzip.compress(topic_corpus.read_bytes()))
    code, _, err = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "gzip", ".gz")


# -- 5. checkpoints ------------------------------------------------------------------------------------------
def reference_checkpoint(tmp_path, corpus, name="ck", stop_at=3, **options) -> str:
    cfg = TrainConfig(**{**dict(dim=8, epochs=2, min_count=1, batch_size=128, sample=0), **options})
    with pytest.raises(Interrupted):
        fit(Word2Vec(cfg), corpus, checkpointer=StopAfter(tmp_path / name, stop_at), **QUIET)
    return str(tmp_path / name)


@pytest.fixture
def cpu_checkpoint(tmp_path, topic_corpus, monkeypatch):
    from w2v_scratch.training import trainer_cpu
    monkeypatch.setattr(trainer_cpu, "SLICE_WORDS", 200)  # many slices per worker
    cfg = TrainConfig(backend="cpu", dim=8, epochs=3, min_count=1, threads=2)
    with pytest.raises(Interrupted):
        fit(Word2Vec(cfg), topic_corpus, checkpointer=StopAfter(tmp_path / "ck", 40), **QUIET)
    meta = json.loads((tmp_path / "ck.json").read_text())
    assert meta["state"]["resume"]["epoch"] == 1 and 0 < min(meta["state"]["resume"]["next_slice"])
    return str(tmp_path / "ck")


def edit(ck, change) -> None:
    path = f"{ck}.json"
    with open(path) as f:
        meta = json.load(f)
    change(meta, meta["state"]["resume"])
    with open(path, "w") as f:
        json.dump(meta, f)


def resume_cli(capsys, ck, tmp_path, *extra):
    return run(capsys, "train", "--resume", ck, "--output", tmp_path / "out.txt", "--no-progress", "--query", *extra)


def test_an_intact_cpu_checkpoint_resumes(capsys, tmp_path, cpu_checkpoint):
    code, _, err = resume_cli(capsys, cpu_checkpoint, tmp_path)
    assert code == 0, err
    assert "epoch 3/3" in err and not (tmp_path / "ck.npz").exists() and leftovers(tmp_path) == []


CPU_DAMAGE = {
    "epoch far beyond": (lambda m, r: r.update(epoch=999), "resume.epoch"),
    "epoch negative": (lambda m, r: r.update(epoch=-1), "resume.epoch"),
    "epoch a float": (lambda m, r: r.update(epoch=1.0), "resume.epoch"),
    "epoch a string": (lambda m, r: r.update(epoch="1"), "resume.epoch"),
    "epoch without its history": (lambda m, r: r.update(epoch=2), "history"),
    "next slice out of range": (lambda m, r: r["next_slice"].__setitem__(0, 999), "resume.next_slice[0]"),
    "next slice negative": (lambda m, r: r["next_slice"].__setitem__(1, -3), "resume.next_slice[1]"),
    "every worker done": (lambda m, r: r.update(next_slice=[12, 12]), "resume.next_slice"),
    "one thread too many": (lambda m, r: r["next_slice"].append(0), "resume.next_slice"),
    "rng negative": (lambda m, r: r["rng"].__setitem__(0, -1), "resume.rng[0]"),
    "rng beyond uint64": (lambda m, r: r["rng"].__setitem__(1, 2**64), "resume.rng[1]"),
    "rng a string": (lambda m, r: r["rng"].__setitem__(0, "seed"), "resume.rng[0]"),
    "rng missing": (lambda m, r: r.pop("rng"), "resume.rng"),
    "slice losses too few": (lambda m, r: r["slice_losses"][0].pop(), "resume.next_slice[0]"),
    "slice loss not a pair": (lambda m, r: r["slice_losses"][0].__setitem__(0, [1.0]), "resume.slice_losses[0][0]"),
    "progress wrong length": (lambda m, r: r["progress"].pop(), "resume.progress"),
    "progress inconsistent": (lambda m, r: r["progress"].__setitem__(0, r["progress"][0] + 7), "resume.progress[0]"),
    "stats wrong shape": (lambda m, r: r.update(stats=[[1.0]]), "resume.stats"),
    "stats not numbers": (lambda m, r: r["stats"][0].__setitem__(0, "x"), "resume.stats[0]"),
    "epoch start stats short": (lambda m, r: r["epoch_start_stats"].pop(), "resume.epoch_start_stats"),
    "seconds negative": (lambda m, r: r.update(seconds=-1.0), "resume.seconds"),
    "backend mismatch": (lambda m, r: r.update(backend="reference"), "resume.backend"),
    "resume not an object": (lambda m, r: m["state"].update(resume=[1, 2]), "resume"),
    "history record damaged": (lambda m, r: m["history"][0].update(loss="low"), "history[0].loss"),
    "corpus tokens a string": (lambda m, r: m["state"].update(corpus_tokens="many"), "state.corpus_tokens"),
    "corpus not a path": (lambda m, r: m["state"].update(corpus=5), "state.corpus"),
    "threads changed in config": (lambda m, r: m["config"].update(threads=3), "resume.next_slice"),
    "vocabulary counts out of order": (lambda m, r: m["vocab"]["counts"].__setitem__(2, 0), "vocab.counts"),
}


@pytest.mark.parametrize("case", sorted(CPU_DAMAGE))
def test_a_damaged_cpu_position_is_one_line_naming_the_field(capsys, tmp_path, cpu_checkpoint, case):
    change, field = CPU_DAMAGE[case]
    edit(cpu_checkpoint, change)
    code, _, err = resume_cli(capsys, cpu_checkpoint, tmp_path)
    assert_one_line(code, err, FormatError, "is damaged", field)
    assert not (tmp_path / "out.txt").exists() and (tmp_path / "ck.npz").exists()


REFERENCE_DAMAGE = {
    "batches done beyond the epoch": (lambda m, r: r.update(batches_done=10**6), "resume.batches_done"),
    "batches done one past": (None, "resume.batches_done"),  # set to the epoch's count below
    "batches done negative": (lambda m, r: r.update(batches_done=-1), "resume.batches_done"),
    "batch losses disagree": (lambda m, r: r["totals"]["batch_losses"].pop(), "resume.batches_done"),
    "rng not a state": (lambda m, r: r.update(rng={"bit_generator": "PCG64"}), "resume.rng"),
    "rng of another generator": (lambda m, r: r["rng"].update(bit_generator="MT19937"), "resume.rng.bit_generator"),
    "rng state negative": (lambda m, r: r["rng"]["state"].update(state=-5), "resume.rng.state.state"),
    "adam step negative": (lambda m, r: r.update(adam_t=-1), "resume.adam_t"),
    "adam step behind": (lambda m, r: r.update(adam_t=0), "resume.adam_t"),
    "totals missing": (lambda m, r: r.pop("totals"), "resume.totals"),
    "loss sum not finite": (lambda m, r: r["totals"].update(loss_sum=None), "resume.totals.loss_sum"),
    "examples a float": (lambda m, r: r["totals"].update(examples=1.5), "resume.totals.examples"),
}


@pytest.mark.parametrize("case", sorted(REFERENCE_DAMAGE))
def test_a_damaged_reference_position_is_one_line_naming_the_field(capsys, tmp_path, topic_corpus, case):
    change, field = REFERENCE_DAMAGE[case]
    if change is None:
        whole = fit(Word2Vec(TrainConfig(dim=8, epochs=2, min_count=1, batch_size=128, sample=0)), topic_corpus,
                    **QUIET)
        n_steps = len(whole.history[0]["batch_losses"])

        def change(m, r):
            r.update(batches_done=n_steps)
            r["totals"]["batch_losses"] = [1.0] * n_steps
    ck = reference_checkpoint(tmp_path, topic_corpus)
    edit(ck, change)
    code, _, err = resume_cli(capsys, ck, tmp_path)
    assert_one_line(code, err, FormatError, "is damaged", field)


def test_adam_moments_of_the_wrong_shape_are_refused(tmp_path, topic_corpus):
    from w2v_scratch.word2vec import Word2Vec

    ck = reference_checkpoint(tmp_path, topic_corpus)
    model = Word2Vec.load(ck)
    model.state["adam_m_center"] = np.zeros((2, 2), np.float32)
    model.save(ck)
    with pytest.raises(FormatError, match="adam_m_center"):
        Word2Vec.resume(ck, **QUIET)


def test_a_cuda_position_beyond_the_run_is_refused_without_a_gpu(capsys, tmp_path, topic_corpus):
    ck = reference_checkpoint(tmp_path, topic_corpus, optimizer="sgd", lr=0.05)
    edit(ck, lambda m, r: (m["config"].update(backend="cuda", optimizer="sgd"),
                           m["state"].update(resume={"backend": "cuda", "epoch": 999})))
    code, _, err = resume_cli(capsys, ck, tmp_path)
    assert_one_line(code, err, FormatError, "resume.epoch")


@pytest.mark.parametrize("option,value,needle", [
    ("--dim", "50", "dim 8"), ("--model", "cbow", "model sg"), ("--loss", "hs", "loss ns"),
    ("--epochs", "9", "epochs 2"), ("--backend", "cpu", "backend reference"), ("--lr", "0.5", "lr 0.01"),
    ("--threads", "4", "threads 1"), ("--seed", "5", "seed 1"), ("--window", "2", "window 5"),
    ("--negative", "3", "negative 5"), ("--min-count", "4", "min count 1"), ("--batch-size", "64", "batch size 128"),
    ("--optimizer", "sgd", "optimizer adam"), ("--sample", "0.001", "sample 0"), ("--max-vocab", "5", "max vocab"),
    ("--sample-rule", "word2vec", "sample rule textbook"), ("--min-lr", "0.1", "min lr"),
    ("--cbow-sum", None, "averag"),
])
def test_options_that_would_change_a_resumed_run_are_refused(capsys, tmp_path, topic_corpus, option, value, needle):
    ck = reference_checkpoint(tmp_path, topic_corpus)
    code, _, err = resume_cli(capsys, ck, tmp_path, option, *([value] if value else []))
    assert_one_line(code, err, ConfigError, f"{option} cannot change when resuming", needle)
    assert (tmp_path / "ck.npz").exists() and not (tmp_path / "out.txt").exists()


def test_options_that_repeat_the_resumed_run_are_accepted(capsys, tmp_path, topic_corpus):
    ck = reference_checkpoint(tmp_path, topic_corpus)
    code, _, err = resume_cli(capsys, ck, tmp_path, "--dim", "8", "--epochs", "2", "--model", "sg",
                              "--checkpoint-every", "1h", "--corpus", topic_corpus)
    assert code == 0, err
    assert not (tmp_path / "ck.npz").exists()


# -- 6. messages and the byte-order mark -----------------------------------------------------------------------
def test_resume_errors_name_the_checkpoint_not_save_model(capsys, tmp_path):
    code, _, err = resume_cli(capsys, tmp_path / "nothing", tmp_path)
    assert_one_line(code, err, InputError, "--checkpoint")
    assert "--save-model" not in err
    (tmp_path / "x.npz").write_bytes(b"junk")
    (tmp_path / "x.json").write_text(json.dumps({"some": "json"}))
    code, _, err = resume_cli(capsys, tmp_path / "x", tmp_path)
    assert_one_line(code, err, FormatError)
    assert "--save-model" not in err and "checkpoint" in err


@pytest.mark.parametrize("pack", ["plain", "gz", "bz2"])
@pytest.mark.parametrize("block", [2, 1 << 20])
def test_a_byte_order_mark_is_dropped(tmp_path, monkeypatch, pack, block):
    monkeypatch.setattr(text_file, "_BLOCK", block)
    data = "\ufeffhello world\nhello again\ufeff\n".encode()
    name = {"plain": "c.txt", "gz": "c.txt.gz", "bz2": "c.txt.bz2"}[pack]
    (tmp_path / name).write_bytes({"plain": data, "gz": gzip.compress(data), "bz2": bz2.compress(data)}[pack])
    sentences = list(corpus_mod.iter_sentences(tmp_path / name))
    assert sentences == [["hello", "world"], ["hello", "again\ufeff"]]  # only the leading mark is one
    vocab, _ = corpus_mod.load(tmp_path / name, 1)
    assert vocab.words[0] == "hello"


def test_a_file_holding_only_a_byte_order_mark_has_no_words(capsys, tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf\n")
    code, _, err = run(capsys, "train", "--corpus", tmp_path / "bom.txt", "--output", tmp_path / "v.txt", *FAST)
    assert_one_line(code, err, InputError, "no words")


# -- 7. seeds --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", ["-1", str(2**64)])
def test_a_seed_out_of_range_is_one_line(capsys, tmp_path, topic_corpus, seed):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--seed", seed,
                       *FAST)
    assert_one_line(code, err, ConfigError, "--seed")
    assert "corpus:" not in err


def test_library_fit_refuses_a_negative_seed(topic_corpus):
    with pytest.raises(W2VError, match="seed"):
        fit(Word2Vec(dim=8, epochs=1, min_count=1, seed=-1), topic_corpus, **QUIET)


KILL_FROM_ANOTHER_THREAD = """
import signal, sys, threading, time
from w2v_scratch.cli import main

main_id = threading.main_thread().ident

def reading():  # the main thread is inside corpus._blocks, waiting on the pipe
    frame = sys._current_frames().get(main_id)
    while frame is not None:
        if frame.f_code.co_name == "_blocks":
            return True
        frame = frame.f_back
    return False

def killer():
    while not reading():
        time.sleep(0.02)
    time.sleep(0.3)
    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # to this thread: the main one's read is not interrupted

threading.Thread(target=killer, daemon=True).start()
sys.exit(main(["train", "--corpus", sys.argv[1], "--output", sys.argv[2], "--dim", "8", "--epochs", "1",
               "--min-count", "1", "--no-progress", "--query"]))
"""


def test_sigterm_caught_by_another_thread_still_stops_a_read_waiting_on_a_pipe(tmp_path):
    """A process-wide SIGTERM may be delivered to any thread (a library's native thread): the main
    thread, blocked reading a pipe that sends nothing more, must still unwind (status 143)."""
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-c", KILL_FROM_ANOTHER_THREAD, str(fifo), str(tmp_path / "v.txt")],
                            stderr=subprocess.PIPE, text=True)
    try:
        with open(fifo, "wb") as w:  # held open: the pipe never ends
            w.write(b"some words but no end\n" * 100)
            w.flush()
            err = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "SIGTERM" in err and "Traceback" not in err and not (tmp_path / "v.txt").exists()
