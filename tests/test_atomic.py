"""Atomic outputs (issue 7): a writer that fails half-way — an exception, or Ctrl-C — leaves an
existing destination exactly as it was and no temporary file; a native model's .npz/.json pair
is never silently mixed from two saves."""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest

from w2v_scratch.base import files
from w2v_scratch.training import persist
from w2v_scratch.vectors import writers
from w2v_scratch.corpus import vocab as vocab_mod
from w2v_scratch.cli import main
from w2v_scratch.training.config import TrainConfig
from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import FormatError
from w2v_scratch.vectors.formats import load_word2vec, save_glove, save_word2vec
from w2v_scratch.training.persist import save_model
from w2v_scratch.corpus.vocab import Vocab
from w2v_scratch.word2vec import Word2Vec


class Breaking:
    """A file proxy that lets ``budget`` bytes through, writes part of the next chunk, then raises."""

    def __init__(self, f, budget: int, exc: BaseException) -> None:
        self.f, self.budget, self.exc, self.written = f, budget, exc, 0

    def write(self, data):
        if self.written + len(data) > self.budget:
            self.f.write(data[: self.budget - self.written])
            self.f.flush()  # the partial data really reaches the temporary file
            raise self.exc
        self.written += len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)


WRITING_MODULES = [writers, persist, vocab_mod]  # each imported files.atomic_write under that name


def break_writes(monkeypatch, budget: int, exc: BaseException, only: str | None = None) -> None:
    """Make every atomic write (or those whose path ends in ``only``) fail after ``budget`` bytes."""
    real = files.atomic_write

    @contextlib.contextmanager
    def breaking(path, mode="w"):
        with real(path, mode) as f:
            yield Breaking(f, budget, exc) if only is None or os.fspath(path).endswith(only) else f

    for module in WRITING_MODULES:
        monkeypatch.setattr(module, "atomic_write", breaking, raising=False)


def emb(seed: int, n: int = 300) -> Embeddings:
    rng = np.random.default_rng(seed)
    return Embeddings([f"w{i}" for i in range(n)], rng.standard_normal((n, 6)).astype(np.float32))


def model(seed: int) -> Word2Vec:
    rng = np.random.default_rng(seed)
    m = Word2Vec(TrainConfig(dim=4, epochs=1))
    m.vocab = Vocab([f"w{i}" for i in range(50)], np.arange(50, 0, -1))
    m.center = rng.standard_normal((50, 4)).astype(np.float32)
    m.context = rng.standard_normal((50, 4)).astype(np.float32)
    m.history = [{"epoch": 1, "loss": float(seed)}]
    m.state = {"seed": seed, "rng": np.arange(4, dtype=np.uint64) + seed}
    return m


EXCEPTIONS = [RuntimeError("disk full"), KeyboardInterrupt()]
BUDGETS = [0, 7, 2000]

WRITERS = {
    "word2vec-text": (lambda p, e: save_word2vec(p, e, binary=False), "v.txt"),
    "word2vec-binary": (lambda p, e: save_word2vec(p, e, binary=True), "v.bin"),
    "glove": (save_glove, "v.txt"),
    "vocab": (lambda p, e: Vocab(e.words, np.sort(np.abs(e.vectors[:, 0] * 1e6).astype(np.int64))[::-1]).save(p),
              "vocab.txt"),
}


@pytest.mark.parametrize("exc", EXCEPTIONS, ids=["error", "ctrl-c"])
@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch, writer, budget, exc):
    save, name = WRITERS[writer]
    dest = tmp_path / name
    save(dest, emb(1))
    before = dest.read_bytes()
    break_writes(monkeypatch, budget, exc)
    with pytest.raises(type(exc)):
        save(dest, emb(2))
    assert dest.read_bytes() == before
    assert os.listdir(tmp_path) == [name]  # no temporary file
    monkeypatch.undo()
    save(dest, emb(2))  # a complete write does replace it
    assert dest.read_bytes() != before and os.listdir(tmp_path) == [name]


def test_failed_write_creates_nothing(tmp_path, monkeypatch):
    break_writes(monkeypatch, 100, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        save_word2vec(tmp_path / "v.txt", emb(1))
    assert os.listdir(tmp_path) == []


def assert_same_model(a: Word2Vec, b: Word2Vec) -> None:
    assert a.vocab.words == b.vocab.words and a.history == b.history and a.state["seed"] == b.state["seed"]
    np.testing.assert_array_equal(a.center, b.center)
    np.testing.assert_array_equal(a.context, b.context)


@pytest.mark.parametrize("exc", EXCEPTIONS, ids=["error", "ctrl-c"])
@pytest.mark.parametrize("only,budget", [(".npz", 0), (".npz", 500), (".json", 0), (".json", 100)])
def test_failed_model_save_keeps_the_old_pair(tmp_path, monkeypatch, only, budget, exc):
    """The .json failing after the .npz was written completely must not leave a new .npz beside the
    old .json: both are renamed only once both are complete."""
    save_model(model(1), tmp_path / "m")
    before = {p: (tmp_path / p).read_bytes() for p in ("m.npz", "m.json")}
    break_writes(monkeypatch, budget, exc, only=only)
    with pytest.raises(type(exc)):
        save_model(model(2), tmp_path / "m")
    assert {p: (tmp_path / p).read_bytes() for p in ("m.npz", "m.json")} == before
    assert sorted(os.listdir(tmp_path)) == ["m.json", "m.npz"]
    assert_same_model(Word2Vec.load(tmp_path / "m"), model(1))


def test_crash_between_the_two_renames_is_detected(tmp_path, monkeypatch):
    """The one window left: the new .json renamed, then Ctrl-C before the .npz is. The shared save_id
    makes the loader refuse the pair rather than mix an old .npz with a new .json."""
    save_model(model(1), tmp_path / "m")
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(os.fspath(dst))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_model(model(2), tmp_path / "m")
    monkeypatch.undo()
    assert [os.path.basename(c) for c in calls] == ["m.json", "m.npz"]
    assert sorted(os.listdir(tmp_path)) == ["m.json", "m.npz"]  # the .npz temporary file is gone
    with pytest.raises(FormatError, match="different saves"):
        Word2Vec.load(tmp_path / "m")
    save_model(model(2), tmp_path / "m")  # saving again repairs it
    assert_same_model(Word2Vec.load(tmp_path / "m"), model(2))


def test_ctrl_c_during_convert_keeps_the_old_output(capsys, tmp_path, monkeypatch):
    src, dest = tmp_path / "in.txt", tmp_path / "out.bin"
    save_word2vec(src, emb(1))
    save_word2vec(dest, emb(3))
    before = dest.read_bytes()
    break_writes(monkeypatch, 1000, KeyboardInterrupt())
    assert main(["convert", str(src), str(dest)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert dest.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["in.txt", "out.bin"]
    np.testing.assert_array_equal(load_word2vec(dest).vectors, emb(3).vectors)


def test_written_files_get_normal_permissions_not_mkstemps_0600(tmp_path):
    import stat

    from w2v_scratch.vectors.formats import save_word2vec_text

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        save_word2vec_text(fresh, ["a"], np.ones((1, 2)))
        assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("x")
        os.chmod(kept, 0o640)
        save_word2vec_text(kept, ["a"], np.ones((1, 2)))  # replacing a file keeps its permissions
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640
    finally:
        os.umask(old)
