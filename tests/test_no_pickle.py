"""Loading never executes code from a file (issue 7): no pickle anywhere in the package, and a
model .npz holding an object array (which only pickle can read) is refused, not unpickled."""

from __future__ import annotations

import io
import os
import tokenize
import zipfile
from pathlib import Path

import numpy as np
import pytest

from w2v_scratch.training.config import TrainConfig
from w2v_scratch.base.errors import FormatError
from w2v_scratch.vectors.formats import load_vectors
from w2v_scratch.training.persist import save_model
from w2v_scratch.corpus.vocab import Vocab
from w2v_scratch.word2vec import Word2Vec

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "w2v_scratch").rglob("*.py"), *(ROOT / "kernels").rglob("*.py")])
# Modules that deserialise code or arbitrary objects.
BANNED = {"pickle", "cPickle", "_pickle", "cloudpickle", "dill", "shelve", "marshal", "joblib"}


def code_tokens(path: Path) -> list[tokenize.TokenInfo]:
    """The tokens of a source file, comments and strings left out (a docstring saying
    'no pickle' is fine; ``import pickle`` or ``allow_pickle=True`` is not)."""
    with open(path, "rb") as f:
        return [t for t in tokenize.tokenize(f.readline)
                if t.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.ENCODING)]


def test_sources_are_found():
    names = {p.name for p in SOURCES}
    assert {"formats.py", "vocab.py", "read.py", "cpu.py", "window.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pickle_in_the_code(path):
    tokens = code_tokens(path)
    for i, tok in enumerate(tokens):
        where = f"{path.relative_to(ROOT)}:{tok.start[0]}"
        assert not (tok.type == tokenize.NAME and tok.string in BANNED), f"{where}: uses {tok.string}"
        if tok.type == tokenize.NAME and tok.string == "allow_pickle":
            value = tokens[i + 2].string if i + 2 < len(tokens) else ""
            assert tokens[i + 1].string == "=" and value == "False", f"{where}: allow_pickle={value}"
    text = path.read_text(encoding="utf-8")
    assert "allow_pickle=True" not in text.replace(" ", "")


class Payload:
    """Unpickling this runs ``os.mkdir(marker)``: proof that code from the file was executed."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def object_npy(marker: Path) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([Payload(str(marker))], dtype=object), allow_pickle=True)
    return buf.getvalue()


def saved_model(folder: Path) -> Path:
    m = Word2Vec(TrainConfig(dim=2, epochs=1))
    m.vocab = Vocab(["a", "b"], [2, 1])
    m.center = np.ones((2, 2), np.float32)
    m.context = np.zeros((2, 2), np.float32)
    m.state = {"rng": np.arange(3, dtype=np.uint64)}
    save_model(m, folder / "m")
    return folder / "m.npz"


def replace_entries(npz: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(npz) as z:
        files = {name: z.read(name) for name in z.namelist()}
    files.update(entries)
    with zipfile.ZipFile(npz, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_the_payload_really_runs_under_pickle(tmp_path):
    """Sanity check of the test itself: numpy with allow_pickle=True does execute it."""
    marker = tmp_path / "pwned"
    np.load(io.BytesIO(object_npy(marker)), allow_pickle=True)
    assert marker.exists()


@pytest.mark.parametrize("entry", ["center", "context", "state__rng", "save_id"])
def test_object_array_in_a_model_is_refused_not_executed(tmp_path, entry):
    npz = saved_model(tmp_path)
    marker = tmp_path / "pwned"
    replace_entries(npz, {f"{entry}.npy": object_npy(marker)})
    with pytest.raises(FormatError, match="Python objects|different saves"):
        Word2Vec.load(tmp_path / "m")
    with pytest.raises(FormatError):
        load_vectors(npz)
    assert not marker.exists()


def test_unlisted_object_entry_is_never_read(tmp_path):
    npz = saved_model(tmp_path)
    marker = tmp_path / "pwned"
    replace_entries(npz, {"extra.npy": object_npy(marker)})
    assert Word2Vec.load(tmp_path / "m").vocab.words == ["a", "b"]
    assert not marker.exists()


def test_savez_object_array_model_is_refused(tmp_path):
    """np.savez of an object array (the brief's case), paired with a matching .json."""
    npz = saved_model(tmp_path)
    with np.load(npz) as z:
        arrays = {name: z[name] for name in z.files}
    marker = tmp_path / "pwned"
    arrays["center"] = np.array([[Payload(str(marker))] * 2] * 2, dtype=object)
    np.savez(npz, **arrays)
    with pytest.raises(FormatError, match="Python objects"):
        Word2Vec.load(tmp_path / "m")
    assert not marker.exists()
