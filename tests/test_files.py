"""files.py: outputs written through links, into FIFOs, atomically into regular files; checked
against a run's inputs and each other before any work."""

from __future__ import annotations

import os
import threading

import pytest

from w2v_scratch.base import files
from w2v_scratch.base.errors import ConfigError, InputError


def test_a_symlink_is_written_through(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with files.atomic_write(link) as f:
        f.write("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_fifo_is_written_into_and_a_fifo_without_reader_is_refused(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    with files.atomic_write(fifo) as f:
        f.write("through the pipe\n")
    reader.join(timeout=10)
    assert got == ["through the pipe\n"] and fifo.exists() and not fifo.is_file()
    monkeypatch.setattr(files, "FIFO_WAIT", 0.2)
    with pytest.raises(InputError, match="nobody reads"):
        with files.atomic_write(fifo) as f:
            f.write("lost")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "v.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with files.atomic_write(out) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]


@pytest.mark.parametrize("bad,match", [("", "empty"), ("{dir}", "folder"), ("{dir}/missing/x.txt", "does not exist")])
def test_check_output_refuses_what_cannot_be_written(tmp_path, bad, match):
    with pytest.raises((InputError, ConfigError), match=match):
        files.check_output(bad.format(dir=tmp_path))


def test_check_outputs_refuses_an_input_and_a_collision(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    link = tmp_path / "alias.txt"
    link.symlink_to(corpus)
    with pytest.raises(ConfigError, match="destroy an input"):
        files.check_outputs({"--output": link}, {"the corpus": corpus})
    with pytest.raises(ConfigError, match="same file"):
        files.check_outputs({"--output": tmp_path / "v.txt", "--plot": tmp_path / "./v.txt"})
    files.check_outputs({"--output": tmp_path / "v.txt", "--plot": tmp_path / "loss.png"}, {"the corpus": corpus})


def test_dev_stdout_into_a_pipe_is_written(tmp_path):
    """``/dev/stdout`` resolves to ``pipe:[N]`` when stdout is a pipe (no such path): the write goes
    through the name given, into the pipe, and the output check passes before the work starts."""
    import subprocess
    import sys
    code = ("from w2v_scratch import files\n"
            "files.check_output('/dev/stdout')\n"
            "with files.atomic_write('/dev/stdout', 'w') as f:\n"
            "    f.write('through the pipe\\n')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "through the pipe\n"
