"""Nothing hangs (issue 21): every input a command opens — the corpus (plain or compressed by name),
a vocabulary file (``--read-vocab``), a classes file, the vectors, the evaluation files — is opened
as the vectors readers open theirs: a named pipe that nothing writes to is refused after
``FIFO_WAIT`` seconds with one line, a device is refused, a pipe with a writer is read. A line with
no end cannot flood memory."""

from __future__ import annotations

import gzip
import lzma
import os
import signal
import threading
import time

import numpy as np
import pytest

from w2v_scratch.base import inputs
from w2v_scratch.base.errors import FormatError, InputError
from w2v_scratch.cli import main
from w2v_scratch.corpus import vocab as vocab_mod
from w2v_scratch.corpus.read import iter_sentences
from w2v_scratch.corpus.vocab import Vocab
from w2v_scratch.vectors.classes import load_classes, save_classes
from w2v_scratch.vectors.formats import save_word2vec

FAST = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--no-progress", "--query"]
WAIT = 0.3  # FIFO_WAIT in these tests: a pipe nobody writes to is refused after this long


@pytest.fixture(autouse=True)
def short_wait(monkeypatch):
    monkeypatch.setattr(inputs, "FIFO_WAIT", WAIT)


@pytest.fixture(autouse=True)
def no_hang():
    """Should an open hang again, the test fails after a minute instead of hanging the suite."""
    def hung(signum, frame):
        raise TimeoutError("the call hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(capsys, *argv):
    start = time.monotonic()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, err, time.monotonic() - start


def assert_refused(code, err, elapsed, *needles):
    assert code == InputError.exit_code, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "named pipe that nothing wrote to" in err and "start the program that writes it first" in err, err
    for needle in needles:
        assert needle in err, err
    assert elapsed < 60  # bounded: without the bound the call never returns


@pytest.mark.parametrize("name", ["corpus.fifo", "corpus.fifo.gz", "corpus.fifo.xz"])
def test_train_on_a_corpus_fifo_nobody_writes_is_refused(capsys, tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    code, err, elapsed = run(capsys, "train", "--corpus", fifo, "--output", tmp_path / "v.txt", *FAST)
    assert_refused(code, err, elapsed, f"corpus file {fifo}")
    assert sorted(os.listdir(tmp_path)) == [name]


def test_train_with_a_read_vocab_fifo_nobody_writes_is_refused(capsys, tmp_path, topic_corpus):
    fifo = tmp_path / "vocab.fifo"
    os.mkfifo(fifo)
    code, err, elapsed = run(capsys, "train", "--corpus", topic_corpus, "--read-vocab", fifo,
                             "--output", tmp_path / "v.txt", *FAST)
    assert_refused(code, err, elapsed, f"vocabulary file {fifo}")
    assert not (tmp_path / "v.txt").exists()


def test_a_classes_file_fifo_nobody_writes_is_refused(tmp_path):
    fifo = tmp_path / "classes.fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="classes file .* named pipe that nothing wrote to"):
        load_classes(fifo)


@pytest.mark.parametrize("option", ["--analogies", "--pairs"])
def test_evaluation_files_fifo_nobody_writes_is_refused(capsys, tmp_path, option):
    vectors, fifo = tmp_path / "v.txt", tmp_path / "e.fifo"
    save_word2vec(vectors, ["a", "b", "c"], np.eye(3, dtype=np.float32))
    os.mkfifo(fifo)
    code, err, elapsed = run(capsys, "evaluate", "--vectors", vectors, option, fifo)
    assert_refused(code, err, elapsed, str(fifo))


def feed(path, data: bytes) -> threading.Thread:
    """Write ``data`` into the FIFO ``path`` from a thread (its open waits for the reader)."""
    def write():
        with open(path, "wb") as w:
            w.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_with_a_writer_is_read(tmp_path):
    fifo = tmp_path / "vocab.fifo"
    os.mkfifo(fifo)
    writer = feed(fifo, b"the 5\nof 3\n")
    vocab = Vocab.load(fifo)
    writer.join(10)
    assert vocab.words == ["the", "of"] and vocab.counts.tolist() == [5, 3]
    corpus = tmp_path / "corpus.fifo.gz"
    os.mkfifo(corpus)
    writer = feed(corpus, gzip.compress(b"a b c\nd e\n"))
    assert list(iter_sentences(corpus)) == [["a", "b", "c"], ["d", "e"]]
    writer.join(10)


def test_a_device_is_refused_as_a_vocabulary_or_classes_file():
    with pytest.raises(InputError, match="vocabulary file /dev/zero is a device"):
        Vocab.load("/dev/zero")
    with pytest.raises(InputError, match="classes file /dev/zero is a device"):
        load_classes("/dev/zero")


def test_a_vocabulary_line_with_no_end_is_refused_in_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(vocab_mod, "_MAX_LINE", 100)
    path = tmp_path / "vocab.txt"
    path.write_text("the 5\n" + "x" * 1000)
    with pytest.raises(FormatError, match=r"vocab.txt:2: the line is longer than .* is it a vocabulary file\?"):
        Vocab.load(path)
    path.write_text("the 5\n" + "x" * 90 + " 7\n")  # a long line that ends is a line
    assert Vocab.load(path).words == ["x" * 90, "the"]


def test_compressed_and_bom_vocabulary_and_classes_files_are_read(tmp_path):
    (tmp_path / "vocab.txt.gz").write_bytes(gzip.compress("\ufeffthe 5\nof 3\n".encode()))
    assert Vocab.load(tmp_path / "vocab.txt.gz").words == ["the", "of"]  # no BOM glued to 'the'
    save_classes(tmp_path / "c.txt", ["a", "b"], [1, 0])
    (tmp_path / "c.txt.xz").write_bytes(lzma.compress((tmp_path / "c.txt").read_bytes()))
    words, classes = load_classes(tmp_path / "c.txt.xz")
    assert words == ["a", "b"] and classes.tolist() == [1, 0]
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(FormatError, match="corrupt or truncated"):
        Vocab.load(tmp_path / "bad.gz")
