"""A trained model on disk: ``path.npz`` (the matrices) + ``path.json`` (vocabulary, config,
history, training state). No pickle anywhere: arrays are read from the .npz's raw .npy entries,
object arrays are refused, and every size a file claims is checked against its bytes before
anything is allocated. Checkpoints are models whose state holds a resume position
(``checkpoint.py``).
"""

from __future__ import annotations

import io
import json
import math
import os
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from .config import TrainConfig
from ..base.errors import ConfigError, FormatError, InputError, W2VError
from ..base.files import atomic_write, fspath
from ..base.inputs import open_regular, reading
from ..base.values import is_int
from ..corpus.vocab import Vocab


@dataclass
class SavedModel:
    """What :func:`read_model` found: the parts a ``Word2Vec`` is made of."""

    config: TrainConfig
    vocab: Vocab
    center: np.ndarray
    context: np.ndarray | None
    inner_nodes: np.ndarray | None
    history: list = field(default_factory=list)
    state: dict = field(default_factory=dict)


MODEL_FORMAT = "w2v-scratch-model"
MODEL_VERSION = 1


def model_paths(path) -> tuple[str, str]:
    """``(base.npz, base.json)`` for ``path`` with any ``.npz``/``.json`` suffix stripped."""
    base = fspath(path)
    for ext in (".npz", ".json"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".npz", base + ".json"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in the model's JSON")


def save_model(model, path) -> None:
    """Save a model (``Word2Vec`` or anything with its ``config``, ``vocab``, ``center``, ``context`` /
    ``inner_nodes``, ``history`` and ``state``) as ``path.npz`` + ``path.json``.

    The .npz holds ``center``, ``context`` / ``inner_nodes`` when present, every
    numpy array of ``model.state`` as ``state__<name>``, and ``save_id``. The .json
    holds the format version, the same ``save_id``, the config, the vocabulary with
    counts, the history, the rest of ``state`` and each array's shape.

    Both files are written in full to temporary names (and synced) before either is
    renamed, so a failure while writing leaves the previous pair untouched. Only a
    crash between the two renames can leave a new .json beside an old .npz: the
    random ``save_id`` they share makes :func:`read_model` refuse such a pair
    instead of mixing two saves.
    """
    npz_path, json_path = model_paths(path)
    meta, arrays = model_parts(model)
    text = json.dumps(meta, default=_json_default, indent=1)  # before writing anything
    with atomic_write(npz_path, "wb") as npz:
        np.savez(npz, **arrays)
        npz.flush()
        os.fsync(npz.fileno())
        with atomic_write(json_path, "w") as f:  # renamed first, then the .npz
            f.write(text)


def model_parts(model) -> tuple[dict, dict]:
    """What :func:`save_model` writes: the .json's entry (a dict) and the .npz's arrays, both
    holding the same new ``save_id`` (``model_file.py`` writes the same parts into one file)."""
    if model.center is None or model.vocab is None:
        raise W2VError("the model is not trained yet: nothing to save")
    arrays = {"center": model.center}
    for name in ("context", "inner_nodes"):
        if getattr(model, name) is not None:
            arrays[name] = getattr(model, name)
    state = {}
    for key, value in (model.state or {}).items():
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise TypeError(f"state[{key!r}] is an object array: it cannot be saved without pickle")
            arrays[f"state__{key}"] = value
        else:
            state[key] = value
    save_id = uuid.uuid4().hex
    meta = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "save_id": save_id,
        "config": model.config.to_dict(),
        "vocab": {"words": list(model.vocab.words), "counts": np.asarray(model.vocab.counts).tolist()},
        "arrays": {name: list(a.shape) for name, a in arrays.items()},
        "history": model.history,
        "state": state,
    }
    arrays["save_id"] = np.array(save_id)
    return meta, arrays


def _damaged(path, what: str) -> FormatError:
    return FormatError(f"{path}: {what}: the file is damaged, save the model again")


def _read_meta(json_path) -> dict:
    with reading(json_path), io.TextIOWrapper(open_regular(json_path, "model file"), encoding="utf-8-sig") as f:
        try:  # a regular file only: its size bounds what is read
            meta = json.load(f)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
            msg = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
            raise FormatError(f"{json_path} is not valid JSON ({msg}): save the model again") from None
    return check_meta(meta, json_path)


def check_meta(meta, json_path) -> dict:
    """``meta`` (a model's JSON entry, read from ``json_path``) checked entry by entry; returned."""
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise FormatError(f"{json_path} is not a w2v-scratch model file: give the path used with --save-model")
    version = meta.get("version", 0)
    if not is_int(version):
        raise _damaged(json_path, f"the format version {str(version)[:20]!r} is not an integer")
    if version > MODEL_VERSION:
        raise FormatError(f"{json_path} has model format version {version}: upgrade w2v-scratch to read it")
    for key, kind in (("save_id", str), ("config", dict), ("vocab", dict), ("arrays", dict),
                      ("history", list), ("state", dict)):
        if key not in meta and key not in ("history", "state"):
            raise FormatError(f"{json_path} has no {key!r} entry: the file is damaged, save the model again")
        if key in meta and not isinstance(meta[key], kind):
            raise _damaged(json_path, f"its {key!r} entry is not a JSON {'object' if kind is dict else kind.__name__}")
    words, counts = meta["vocab"].get("words"), meta["vocab"].get("counts")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise _damaged(json_path, "the vocabulary's 'words' is not a list of strings")
    if not isinstance(counts, list) or not all(is_int(c) and 0 <= c < 2**63 for c in counts):
        raise _damaged(json_path, "the vocabulary's 'counts' is not a list of non-negative integers")
    if not words or len(words) != len(counts):
        raise _damaged(json_path, f"{len(words)} words but {len(counts)} counts")
    for name, shape in meta["arrays"].items():
        if not isinstance(shape, list) or not all(is_int(n) and n >= 0 for n in shape):
            raise _damaged(json_path, f"the shape of {name[:40]!r} is not a list of non-negative integers")
    return meta


_NPZ_MAX_RATIO = 1100  # deflate expands at most 1032:1


def _read_member(zf: zipfile.ZipFile, name: str, npz_path, disk_size: int) -> np.ndarray | None:
    """The array ``name`` of an open .npz, None if absent. Every size the file claims (zip entry,
    array header) is checked against the bytes really there before anything is allocated, and
    object arrays (which only pickle can read) are refused."""
    try:
        info = zf.getinfo(name + ".npy")
    except KeyError:
        return None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _damaged(npz_path, f"the entry {name!r} uses an unsupported compression")
    most = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED else _NPZ_MAX_RATIO) + 64
    if info.compress_size > disk_size or info.file_size > most:
        raise _damaged(npz_path, f"the entry {name!r} claims more bytes than the file holds")
    with zf.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise _damaged(npz_path, f"the entry {name!r} has .npy version {version}, which is not supported")
        if dtype.hasobject:
            raise FormatError(
                f"{npz_path}: the array {name!r} holds Python objects, which only pickle can read: refused "
                "(w2v-scratch never writes one, and never unpickles); save the model again"
            )
        if not all(is_int(n) and n >= 0 for n in shape):
            raise _damaged(npz_path, f"the array {name!r} has the impossible shape {shape}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if nbytes > info.file_size:
            raise _damaged(npz_path, f"the array {name!r} claims shape {shape} ({nbytes:,} bytes) "
                                     f"but its entry holds {info.file_size:,} bytes")
        buf = bytearray(nbytes)
        view, got = memoryview(buf), 0
        while got < nbytes:
            chunk = fp.read(min(nbytes - got, 1 << 20))
            if not chunk:
                raise _damaged(npz_path, f"the array {name!r} is truncated")
            view[got:got + len(chunk)] = chunk
            got += len(chunk)
        if fp.read(1):  # also makes zipfile check the entry's CRC
            raise _damaged(npz_path, f"the array {name!r} has stray bytes after its data")
    if count == 0:
        return np.zeros(shape, dtype)
    array = np.frombuffer(buf, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _read_arrays(npz_path, meta) -> dict[str, np.ndarray]:
    """The arrays the .json lists (and ``save_id``), read with :func:`_read_member`: never pickle."""
    try:
        with open_regular(npz_path, "model file") as f, zipfile.ZipFile(f) as zf:
            disk_size = os.fstat(f.fileno()).st_size
            save_id = _read_member(zf, "save_id", npz_path, disk_size)
            if save_id is None or save_id.dtype.kind != "U" or str(save_id) != meta["save_id"]:
                raise FormatError(
                    f"{npz_path} and its .json come from different saves: use the pair written together, "
                    "or save the model again"
                )
            arrays = {}
            for name, shape in meta["arrays"].items():
                arrays[name] = _read_member(zf, name, npz_path, disk_size)
                if arrays[name] is None:
                    raise FormatError(f"{npz_path} lacks the array {name!r}: the file is damaged, save the model again")
                if list(arrays[name].shape) != list(shape):
                    raise FormatError(
                        f"{npz_path}: {name!r} has shape {arrays[name].shape}, the .json says {tuple(shape)}: "
                        "the files do not match, save the model again"
                    )
            return arrays
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
            RuntimeError, OverflowError) as exc:  # what zipfile and numpy's header parser raise on junk
        msg = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise FormatError(f"{npz_path} is not a readable .npz file ({msg}): save the model again") from None


def read_model(path) -> SavedModel:
    """Read a model written by :func:`save_model` (``Word2Vec.load`` builds the model from it),
    checking that the two files match and that every matrix fits the vocabulary.

    Nothing is ever unpickled: arrays are read from the .npz's raw .npy entries, object
    arrays are refused, and every claimed size is checked against the file first."""
    npz_path, json_path = model_paths(path)
    if not os.path.exists(npz_path) and not os.path.exists(json_path):
        raise InputError(f"model file {npz_path} does not exist: give the path used with --save-model")
    if not os.path.exists(json_path):  # an .npz alone is some other program's arrays: say so
        with open_regular(npz_path, "model file") as f:
            magic = f.read(4)
        what = "a NumPy .npz archive" if magic.startswith(b"PK") else "no .npz archive"
        raise FormatError(f"{npz_path} is {what} with no {os.path.basename(json_path)} beside it: not a w2v-scratch "
                          "model (train --save-model writes the .npz + .json pair); for other vectors, give them "
                          "in word2vec text or binary format")
    meta = _read_meta(json_path)  # a .json that is not ours is named before the .npz is looked for
    if not os.path.exists(npz_path):
        raise InputError(f"model file {npz_path} does not exist: give the path used with --save-model")
    return saved_model(meta, lambda: _read_arrays(npz_path, meta), npz_path, json_path)


def saved_model(meta: dict, read_arrays, npz_path, json_path) -> SavedModel:
    """The model of a checked JSON entry (:func:`check_meta`) and its arrays (``read_arrays()``,
    called once the config and vocabulary are known to be sound), every matrix checked against
    the vocabulary and config. ``npz_path``/``json_path``: the names the messages give."""
    words, counts = meta["vocab"]["words"], meta["vocab"]["counts"]
    try:
        config = TrainConfig.from_dict(meta["config"])
        config.validate()
        if not is_int(config.dim):
            raise ConfigError(f"dim {config.dim!r} is not an integer")
    except (W2VError, TypeError, ValueError) as exc:
        raise _damaged(json_path, f"its config is invalid ({exc})") from None
    try:
        vocab = Vocab(words, counts)
    except (W2VError, ValueError) as exc:
        raise _damaged(json_path, f"its vocabulary is invalid ({exc})") from None
    arrays = read_arrays()
    V, d = len(words), config.dim
    expected = {"center": (V, d), "context": (V, d), "inner_nodes": (max(V - 1, 1), d)}
    if "center" not in arrays:
        raise FormatError(f"{json_path} lists no 'center' matrix: the file is damaged, save the model again")
    for name in ("context", "inner_nodes") if config.loss == "hs+ns" else ():  # both losses: both output tables
        if name not in arrays:
            raise FormatError(f"{json_path} lists no {name!r} matrix, which --loss hs+ns trains: the file is damaged, "
                              "save the model again")
    for name, shape in expected.items():
        if name in arrays:
            if arrays[name].shape != shape:
                raise FormatError(
                    f"{npz_path}: {name!r} has shape {arrays[name].shape} but the vocabulary and config need "
                    f"{shape}: the files do not match, save the model again"
                )
            if arrays[name].dtype.kind != "f":
                raise _damaged(npz_path, f"{name!r} holds {arrays[name].dtype} values, not floats")
            if not np.isfinite(arrays[name]).all():
                raise FormatError(f"{npz_path}: {name!r} holds NaN or infinity: the training diverged")
            arrays[name] = np.ascontiguousarray(arrays[name], dtype=np.float32)
    state = dict(meta.get("state", {}))
    for name, value in arrays.items():
        if name.startswith("state__"):
            state[name[len("state__"):]] = value
    return SavedModel(config, vocab, arrays["center"], arrays.get("context"), arrays.get("inner_nodes"),
                      list(meta.get("history", [])), state)
