"""Every command stops on Ctrl-C, SIGTERM and SIGHUP as ``train`` does (issue 21): one line on stderr
naming what stopped and what became of the output, exit status 130 / 143 / 129, no traceback, no
temporary file left, an older output kept as it was, a FIFO output left a FIFO.

Each run is a real process, signalled once it is provably mid-work: mid-write (its first write into
the output pauses after creating a marker file, the temporary file then exists), reading a pipe
that sends nothing more, or waiting for the next query on stdin. Nothing depends on timing: the
tests wait for the marker, the pipe's open or the printed answer, with a generous timeout."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from w2v_scratch.base import terminate
from w2v_scratch.vectors.formats import save_word2vec

TIMEOUT = 120  # seconds: generous, a slow machine only makes a test slower, never wrong

# Runs the CLI with its first write into an output paused after that write (a marker file says so):
# the run is then provably mid-write, its temporary file on disk, when the test signals it.
PAUSED = """
import contextlib, os, sys, time
from w2v_scratch.base import files
from w2v_scratch.cli import main
from w2v_scratch.corpus import phrases
from w2v_scratch.vectors import classes, writers

marker = sys.argv[1]

class Paused:
    def __init__(self, f):
        self._f = f
    def write(self, data):
        n = self._f.write(data)
        if not os.path.exists(marker):
            self._f.flush()
            open(marker, "w").close()
            time.sleep(600)
        return n
    def __getattr__(self, name):
        return getattr(self._f, name)

real = files.atomic_write

@contextlib.contextmanager
def pausing(path, mode="w"):
    with real(path, mode) as f:
        yield Paused(f)

writers.atomic_write = phrases.atomic_write = classes.atomic_write = pausing
sys.exit(main(sys.argv[2:]))
"""

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SAYS = {signal.SIGINT: "interrupted by Ctrl-C", signal.SIGTERM: "terminated by SIGTERM",
        signal.SIGHUP: "terminated by SIGHUP"}


def default_signals():
    """In the child, before it starts: Ctrl-C and SIGHUP at their defaults (a test run in the
    background, or under nohup, would pass them on ignored, and an ignored signal stays ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(argv, **kwargs) -> subprocess.Popen:
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, *map(str, argv)], stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals, **kwargs)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def finish(proc, sig) -> tuple[int, str]:
    """Send ``sig``, then the exit status and stderr."""
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def assert_one_line(code, err, sig, *needles):
    """The stop is one line, the last (progress lines of the work done may come before it)."""
    assert code == EXIT[sig], err
    lines = err.splitlines()
    assert "Traceback" not in err and [line for line in lines if line.startswith("w2v-scratch ")] == lines[-1:], err
    assert SAYS[sig] in lines[-1], err
    for needle in needles:
        assert needle in lines[-1], err


def temporaries(folder) -> list[str]:
    return sorted(p for p in os.listdir(folder) if p.endswith(".tmp"))


@pytest.fixture
def work(tmp_path):
    """A folder for the inputs and outputs, and another for the marker (so that listing the first
    shows only what the command left)."""
    (tmp_path / "work").mkdir()
    (tmp_path / "side").mkdir()
    return tmp_path / "work", tmp_path / "side" / "paused"


def vectors_file(path, n=50, d=4):
    rng = np.random.default_rng(0)
    save_word2vec(path, [f"w{i}" for i in range(n)], rng.standard_normal((n, d)).astype(np.float32))
    return path


def corpus_file(path):
    path.write_text("new york is big\nlos angeles is far\n" * 50)
    return path


COMMANDS = {  # command line (in the work folder), the output it writes
    "convert": (lambda w: ["convert", vectors_file(w / "in.txt"), w / "out.bin"], "out.bin"),
    "phrases": (lambda w: ["phrases", "--corpus", corpus_file(w / "c.txt"), "--output", w / "out.txt",
                           "--min-count", "1", "--threshold", "1"], "out.txt"),
    "classes": (lambda w: ["classes", "--vectors", vectors_file(w / "in.txt"), "--classes", "3",
                           "--output", w / "out.txt"], "out.txt"),
}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_signal_mid_write_keeps_the_old_output_and_leaves_no_temporary(work, command, sig):
    folder, marker = work
    make, name = COMMANDS[command]
    argv = [str(a) for a in make(folder)]
    out = folder / name
    out.write_bytes(b"the previous output\n")
    before = sorted(os.listdir(folder))
    proc = start(["-c", PAUSED, marker, *argv])
    wait_for(lambda: marker.exists() or proc.poll() is not None, "the first write")
    assert proc.poll() is None and len(temporaries(folder)) == 1  # mid-write: the temporary file is there
    code, err = finish(proc, sig)
    assert_one_line(code, err, sig, f"{command} stopped", f"{out} keeps its old contents", "no temporary file")
    assert out.read_bytes() == b"the previous output\n"
    assert sorted(os.listdir(folder)) == before  # no temporary file, nothing new


def test_a_new_output_is_not_written_and_sighup_is_129(work):
    folder, marker = work
    src, out = vectors_file(folder / "in.txt"), folder / "out.txt"
    proc = start(["-c", PAUSED, marker, "convert", src, out])
    wait_for(lambda: marker.exists() or proc.poll() is not None, "the first write")
    code, err = finish(proc, signal.SIGHUP)
    assert_one_line(code, err, signal.SIGHUP, f"OUT {out} was not written")
    assert os.listdir(folder) == ["in.txt"]


def test_nohup_keeps_sighup_ignored():
    original = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with terminate.unwinding():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) == terminate.raise_terminated
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, original)


def test_a_signal_while_writing_into_a_fifo_leaves_the_fifo_alone(work):
    folder, marker = work
    src, fifo = vectors_file(folder / "in.txt"), folder / "out.txt"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    proc = start(["-c", PAUSED, marker, "convert", src, fifo])
    wait_for(lambda: marker.exists() or proc.poll() is not None, "the first write")
    code, err = finish(proc, signal.SIGTERM)
    reader.join(TIMEOUT)
    assert_one_line(code, err, signal.SIGTERM, "a pipe or device")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and sorted(os.listdir(folder)) == ["in.txt", "out.txt"]
    assert got and got[0] == b"50 4\n"  # what was written before the stop reached the reader


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_reading_a_pipe_that_sends_nothing_more(work, sig):
    folder, _ = work
    fifo, out = folder / "in.fifo", folder / "out.bin"
    os.mkfifo(fifo)
    out.write_bytes(b"old")
    proc = start(["-m", "w2v_scratch", "convert", fifo, out])
    fd = None

    def opened() -> bool:  # once convert opened the pipe (it is reading), this open succeeds
        nonlocal fd
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            return proc.poll() is not None
        return True

    try:
        wait_for(opened, "convert to open the pipe")
        assert fd is not None, proc.communicate()[1]
        os.write(fd, b"3 2\nw0 0.5 0.25\n")  # the rest never comes: the pipe stays open
        code, err = finish(proc, sig)
    finally:
        if fd is not None:
            os.close(fd)
        if proc.poll() is None:
            proc.kill()
    assert_one_line(code, err, sig, "convert stopped", "keeps its old contents")
    assert out.read_bytes() == b"old" and temporaries(folder) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_a_query_loop_waits_on_stdin(work, sig):
    folder, _ = work
    src = vectors_file(folder / "in.txt")
    proc = start(["-m", "w2v_scratch", "similar", "--vectors", src, "-k", "2"], stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE)
    try:
        proc.stdin.write("w1\n")
        proc.stdin.flush()
        answer = [proc.stdout.readline(), proc.stdout.readline()]  # answered: now waiting for the next query
        assert all(line.strip() for line in answer), answer
        proc.send_signal(sig)
        code = proc.wait(TIMEOUT)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()
    assert_one_line(code, err, sig, "similar stopped (it writes no file)")
