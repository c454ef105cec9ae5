"""A trained model in one file (gensim's ``model.save("w2v.model")`` writes exactly the file named).

The file is a zip archive (uncompressed members) holding what ``persist.py``'s pair holds: the
member ``w2v-scratch-model.json`` is the pair's .json entry, and each matrix is a raw ``.npy``
member (``center.npy``, ``context.npy``, ``inner_nodes.npy``, ``state__<name>.npy``,
``save_id.npy``), so the same checks read it: :func:`persist.check_meta` for the JSON, then
``persist._read_arrays`` (raw .npy entries only, object arrays refused, every claimed size checked
against the bytes first) and :func:`persist.saved_model` (every matrix against the vocabulary and
config). No pickle anywhere. The file is written whole to a temporary name and renamed, so a
failure leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib

import numpy as np

from . import persist
from ..base.errors import FormatError, InputError
from ..base.files import atomic_write, fspath
from ..base.inputs import open_regular, reading

META = "w2v-scratch-model.json"  # the member that makes a zip archive one of these files
MAX_META_BYTES = 1 << 30         # a vocabulary of tens of millions of words fits


def save(model, path) -> None:
    """Write ``model`` (what ``persist.save_model`` takes) to the one file ``path``."""
    meta, arrays = persist.model_parts(model)
    text = json.dumps(meta, default=persist._json_default, indent=1)  # before writing anything
    with atomic_write(fspath(path), "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            zf.writestr(META, text)
            for name, array in arrays.items():
                with zf.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def is_model_file(path) -> bool:
    """Whether ``path`` is a regular file written by :func:`save` (a zip archive holding the
    ``w2v-scratch-model.json`` member). Reads only the archive's directory."""
    if not isinstance(path, (str, os.PathLike)):
        return False  # the caller's reader names what was given
    p = os.fspath(path)
    if not os.path.isfile(p):
        return False
    try:
        with open(p, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
            f.seek(0)
            with zipfile.ZipFile(f) as zf:
                return META in zf.namelist()
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return False


def read(path) -> persist.SavedModel:
    """The model of a file written by :func:`save`, every part checked (see the module's docstring)."""
    p = fspath(path)
    if not os.path.exists(p):
        raise InputError(f"model file {p} does not exist: give the path given to model.save()")
    try:
        with reading(p), open_regular(p, "model file") as f, zipfile.ZipFile(f) as zf:
            info = zf.getinfo(META)
            if info.file_size > MAX_META_BYTES or info.file_size > os.fstat(f.fileno()).st_size * 1100 + 64:
                raise FormatError(f"{p}: its {META} member claims {info.file_size:,} bytes: the file is damaged, "
                                  "save the model again")
            raw = zf.read(info)
    except KeyError:
        raise FormatError(f"{p} is a zip archive without a {META} member: not a w2v-scratch model") from None
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
        msg = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise FormatError(f"{p} is not a readable model file ({msg}): save the model again") from None
    try:
        meta = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
        msg = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise FormatError(f"{p}: its {META} member is not valid JSON ({msg}): save the model again") from None
    meta = persist.check_meta(meta, p)
    return persist.saved_model(meta, lambda: persist._read_arrays(p, meta), p, p)
