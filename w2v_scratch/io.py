"""Reading and writing vectors and models (word2vec text/binary, GloVe, native).

Every writer goes through :func:`w2v_scratch.files.atomic_write`: the data goes to a
temporary file in the destination folder, which is renamed over the destination only
once complete, so a crash never leaves a half-written file (links are written through,
devices and FIFOs written into, never replaced).

Formats:

* word2vec text: a header ``V d``, then ``word v1 ... vd`` per line. Values are
  written as the shortest decimal that reads back to the same float32 (what
  gensim writes, byte for byte); word2vec.c's trailing spaces and CRLF are read.
* word2vec binary: the header ``V d\\n``, then per word ``word`` + ``b" "`` + d
  little-endian float32. We write no newline after a vector (gensim's bytes);
  the newline word2vec.c writes there is skipped on reading, as both tools do.
* GloVe: word2vec text without the header line.
* native model: ``path.npz`` (matrices) + ``path.json`` (vocabulary, config,
  history) — see :func:`save_model`. No pickle anywhere.

Damaged files. Every loader either returns consistent vectors or raises a
one-line :class:`~w2v_scratch.errors.FormatError` (:class:`InputError` for a
missing or unreadable file) naming the problem and the fix; the policy:

* a NaN or infinite value (or one beyond float32) is refused, naming the word
  (word2vec/GloVe) or the matrix (native model): vectors are never silently
  cleaned;
* a header count larger than the rows the file holds is refused: "the header
  announces N vectors but the file holds M" (a binary file whose size cannot hold
  N vectors is refused from its size, before reading); rows beyond the count,
  a row with a different number of values, a duplicate word, or a non-numeric
  value are refused too;
* no size read from a file (header count and dimension, a zip entry's or .npy
  header's shape) is trusted for an allocation: storage grows with the rows
  actually read, and every claimed size is checked against the file's bytes first;
* a damaged compressed (``.gz``) or zip file is a FormatError, like any other damage.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import lzma
import math
import mmap
import os
import re
import uuid
import zipfile
import zlib

import numpy as np

from .errors import ConfigError, FormatError, InputError, W2VError
from .files import atomic_write, check_output

FORMATS = ("word2vec", "word2vec-binary", "glove", "native")
MODEL_FORMAT = "w2v-scratch-model"
MODEL_VERSION = 1
_SPACE = re.compile(r"[ \t\n\r\x0b\x0c]")  # what the readers split on
_BLOCK = 4096  # rows per write / per growth step
_BLOCK_BYTES = 1 << 22  # ... and at most 4 MB per growth step, whatever the dimension
# What a damaged compressed or zip file raises while being read.
_CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError)


def check_writable(path) -> None:
    """Fail early (before hours of training) if ``path`` could not be written later."""
    check_output(path)


# -- writing vectors ---------------------------------------------------------------
def _checked(words, vectors) -> tuple[list[str], np.ndarray]:
    vectors = np.asarray(vectors, dtype=np.float32)
    words = list(words)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise FormatError(f"{len(words)} words but a vectors matrix of shape {vectors.shape}: give one row per word")
    for w in words:
        if not w or _SPACE.search(w):
            raise FormatError(f"word {w!r} is empty or holds whitespace: the word2vec formats cannot store it")
    return words, vectors


def _write_text(path, words, vectors, header: bool) -> None:
    """``V d`` (if ``header``) then ``word v1 ... vd`` lines, values as str(float32) (shortest round trip)."""
    words, vectors = _checked(words, vectors)
    with atomic_write(path, "w") as f:
        if header:
            f.write(f"{len(words)} {vectors.shape[1]}\n")
        for start in range(0, len(words), _BLOCK):
            block = vectors[start:start + _BLOCK].astype(str).tolist()
            f.write("".join(w + " " + " ".join(row) + "\n" for w, row in zip(words[start:], block)))


def save_word2vec_text(path, words, vectors) -> None:
    """word2vec text format: a header ``count dim``, then ``word v1 ... vd`` per line."""
    _write_text(path, words, vectors, header=True)


def save_word2vec_binary(path, words, vectors) -> None:
    """word2vec binary format: ``V d\\n``, then ``word`` + b" " + d float32 (little-endian) per word."""
    words, vectors = _checked(words, vectors)
    vectors = vectors.astype("<f4", copy=False)
    with atomic_write(path, "wb") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for start in range(0, len(words), _BLOCK):
            rows = vectors[start:start + _BLOCK]
            f.write(b"".join(w.encode("utf-8") + b" " + r.tobytes() for w, r in zip(words[start:], rows)))


def _unpack(emb_or_words, vectors):
    if vectors is None:
        return emb_or_words.words, emb_or_words.vectors
    return emb_or_words, vectors


def save_word2vec(path, emb_or_words, vectors=None, binary: bool | None = None) -> None:
    """Save an :class:`Embeddings` (or ``words``, ``vectors``) in word2vec format;
    binary when ``binary`` is True, or when it is None and ``path`` ends in ``.bin``."""
    words, vectors = _unpack(emb_or_words, vectors)
    if binary is None:
        binary = os.fspath(path).endswith(".bin")
    (save_word2vec_binary if binary else save_word2vec_text)(path, words, vectors)


def save_glove(path, emb_or_words, vectors=None) -> None:
    """GloVe text format: word2vec text without the header line."""
    _write_text(path, *_unpack(emb_or_words, vectors), header=False)


def output_format(path, format: str | None = None) -> str:
    """The vectors format to write ``path`` in: ``format``, else ``.bin`` → binary, else word2vec text."""
    if format is None:
        return "word2vec-binary" if os.fspath(path).endswith(".bin") else "word2vec"
    if format not in FORMATS[:3]:
        raise ConfigError(f"cannot write vectors as {format!r}: use one of {', '.join(FORMATS[:3])}")
    return format


def save_vectors(path, emb, format: str | None = None) -> None:
    """Write ``emb`` in ``format`` (see :func:`output_format`)."""
    fmt = output_format(path, format)
    if fmt == "glove":
        save_glove(path, emb)
    else:
        save_word2vec(path, emb, binary=fmt == "word2vec-binary")


# -- reading vectors -----------------------------------------------------------------
def _open(path, mode: str = "rb"):
    """Open a (possibly gzipped) file, ``mode`` "rb" or "rt" (UTF-8, universal newlines);
    a missing/unreadable one raises :class:`InputError`."""
    path = os.fspath(path)
    kwargs = {} if "b" in mode else {"encoding": "utf-8"}
    try:
        if path.endswith(".gz"):
            return gzip.open(path, mode, **kwargs)
        return open(path, mode, **kwargs)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file: give a file path") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _reading(path):
    """Turn the errors of a damaged (compressed) file into a one-line :class:`FormatError`."""
    try:
        yield
    except _CORRUPT as exc:
        raise FormatError(f"{os.fspath(path)} is corrupt or truncated ({exc}): get a fresh copy of the file") from None


def _header(line: bytes) -> tuple[int, int] | None:
    """``(V, d)`` if ``line`` is a word2vec header (two non-negative integers), else None."""
    parts = line.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])
    return None


def _read_header(f, path) -> tuple[int, int, int]:
    line = f.readline(1024)
    head = _header(line)
    if head is None:
        if not line:
            raise FormatError(f"{path} is empty: give a word2vec vectors file")
        raise FormatError(
            f"{path}: the first line should be '<count> <dim>', got {line[:40]!r}: "
            "not a word2vec file (GloVe files have no header: use --format glove)"
        )
    if head[1] < 1:
        raise FormatError(f"{path}: the header gives dimension {head[1]}: it must be at least 1")
    return head[0], head[1], len(line)


def _finish(path, words, vectors) -> "Embeddings":
    from .embeddings import Embeddings

    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        word = words[int(np.argmax(bad))]
        raise FormatError(f"{path}: the vector of {word!r} holds NaN or infinity: regenerate the file")
    try:
        return Embeddings(words, vectors)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def _read_text(path, header: bool, limit: int | None, unicode_errors: str):
    """Rows ``word v1 ... vd`` (blank lines skipped), grown block by block as they are read."""
    with _reading(path), _open(path) as f:
        return _parse_text(path, f, header, limit, unicode_errors)


def _parse_text(path, f, header: bool, limit: int | None, unicode_errors: str):
    words: list[str] = []
    blocks: list[np.ndarray] = []
    filled = 0  # rows used in blocks[-1]
    V, d, _ = _read_header(f, path) if header else (None, None, 0)
    want = V if limit is None else (limit if V is None else min(V, limit))
    lineno = 1 if header else 0
    for lineno, line in enumerate(f, lineno + 1):
        parts = line.split()
        if not parts:
            continue
        if want is not None and len(words) >= want:
            if limit is None:  # a line beyond the header's count
                raise FormatError(f"{path}: more than the {V} vectors the header announces: fix the header count")
            break
        if d is None:
            d = len(parts) - 1
            if d < 1:
                raise FormatError(
                    f"{path}:{lineno}: {parts[0][:30].decode('utf-8', 'replace')!r} alone on a line: "
                    "not a 'word v1 ... vd' row "
                    "(a word2vec header is '<count> <dim>'): not a vectors file"
                )
        if len(parts) != d + 1:
            hint = " (or the file mixes dimensions)"
            if not header and len(words) == 1:  # a GloVe guess whose first "row" may be a broken header
                hint = " (or the first line is a broken '<count> <dim>' header)"
            raise FormatError(
                f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected: the line is damaged{hint}"
            )
        if not blocks or filled == len(blocks[-1]):
            # Rows already read and checked pay for the allocation: never more than 4 MB ahead of the file.
            rows = max(1, min(_BLOCK, _BLOCK_BYTES // (4 * d), 2 * len(words) + 16))
            blocks.append(np.empty((rows, d), np.float32))
            filled = 0
        try:
            with np.errstate(over="ignore"):  # beyond float32: inf, refused by _finish with the word named
                blocks[-1][filled] = list(map(float, parts[1:]))
        except ValueError:
            bad = next(p for p in parts[1:] if not _is_float(p))[:30].decode("utf-8", "replace")
            hint = " (or the first line is a broken '<count> <dim>' header)" if not header and not words else ""
            raise FormatError(f"{path}:{lineno}: {bad!r} is not a number: the line is damaged{hint}") from None
        filled += 1
        words.append(parts[0].decode("utf-8", unicode_errors))
    if want is not None and len(words) < want:
        raise FormatError(
            f"{path}: the header announces {V} vectors but the file holds {len(words)}: "
            "it is truncated (or the header count is wrong)"
        )
    if not words:
        raise FormatError(f"{path} holds no vectors: give a non-empty vectors file")
    blocks[-1] = blocks[-1][:filled]
    vectors = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return _finish(path, words, np.ascontiguousarray(vectors))


def _is_float(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _read_binary(path, limit: int | None, unicode_errors: str):
    """word2vec binary; the header's count and dimension are checked against the file size first."""
    with _reading(path), _open(path) as f:
        V, d, pos = _read_header(f, path)
        if os.fspath(path).endswith(".gz"):
            data, pos = f.read(), 0
        else:  # map the file rather than copy it: the matrix we return is as large
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if V == 0:
        raise FormatError(f"{path}: the header announces 0 vectors: give a non-empty vectors file")
    try:
        return _parse_binary(path, data, pos, V, d, V if limit is None else min(V, limit), unicode_errors)
    finally:
        if isinstance(data, mmap.mmap):
            data.close()


def _parse_binary(path, data, pos: int, V: int, d: int, n: int, unicode_errors: str):
    """The first ``n`` of the ``V`` records ``word b" " float32[d]`` of ``data`` from offset ``pos``."""
    size, nbytes = len(data), 4 * d
    need = n * (nbytes + 2)  # at least a 1-byte word, a space and d float32 per vector
    if need > size - pos:
        raise FormatError(
            f"{path}: the header announces {V} vectors of dimension {d} (at least {need:,} bytes) but only "
            f"{size - pos:,} bytes follow, room for {(size - pos) // (nbytes + 2):,} at most: "
            "the file is truncated or its header is wrong"
        )
    words, vectors = [], np.empty((n, d), np.float32)
    for i in range(n):
        if size - pos <= 64 and not data[pos:size].strip(b"\n"):  # nothing left but word2vec.c's newlines
            raise FormatError(
                f"{path}: the header announces {V} vectors but the file holds {i}: "
                "it is truncated (or the header count is wrong)"
            )
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + nbytes > size:
            raise FormatError(f"{path}: the file ends inside vector {i + 1} of {V}: it is truncated")
        raw = data[pos:space].lstrip(b"\n")  # word2vec.c writes '\n' after each vector
        if not raw:
            raise FormatError(f"{path}: vector {i + 1} has an empty word: the header dimension {d} is wrong")
        words.append(raw.decode("utf-8", unicode_errors))
        vectors[i] = np.frombuffer(data[space + 1:space + 1 + nbytes], "<f4")
        pos = space + 1 + nbytes
    if n == V and data[pos:pos + 64].strip():
        raise FormatError(f"{path}: data follows the {V} vectors the header announces: fix the header count")
    return _finish(path, words, vectors)


def load_word2vec(path, binary: bool | None = None, limit: int | None = None, unicode_errors: str = "replace"):
    """Read word2vec text or binary vectors (binary when ``binary`` is True, or None and the name ends
    in ``.bin``) into an :class:`Embeddings`; ``limit`` keeps the first rows only.

    Words cut inside a UTF-8 character (word2vec.c truncates long words by bytes) are
    decoded with ``unicode_errors`` (``"replace"``: the broken bytes become U+FFFD).
    """
    if binary is None:
        binary = os.fspath(path).endswith((".bin", ".bin.gz"))
    if binary:
        return _read_binary(path, limit, unicode_errors)
    return _read_text(path, True, limit, unicode_errors)


def load_glove(path, limit: int | None = None, unicode_errors: str = "replace"):
    """Read GloVe text vectors (``word v1 ... vd`` lines, no header) into an :class:`Embeddings`."""
    return _read_text(path, False, limit, unicode_errors)


_BROKEN_HEADER = re.compile(rb"[+-]?\d+([ \t]+[+-]?\d+)?")


def detect_format(path) -> str:
    """Guess the format of ``path``: ``native`` (a model's .npz/.json, or a base path with a .npz
    beside it), ``word2vec-binary`` (``.bin``, or a header followed by non-text), ``word2vec``
    (a header then text lines), else ``glove``."""
    p = os.fspath(path)
    if p.endswith((".npz", ".json")) or (not os.path.exists(p) and os.path.exists(p + ".npz")):
        return "native"
    if p.endswith((".bin", ".bin.gz")):
        return "word2vec-binary"
    with _reading(p), _open(p) as f:
        first = f.readline(1024)
        head = _header(first)
        if head is None:
            # Two integers, or one, are a broken header ('-3 100', '100'), never a GloVe row.
            if _BROKEN_HEADER.fullmatch(first.strip()):
                return "word2vec"
            return "glove"
        line = f.readline(4 * min(head[1], 1 << 24) + 65536)
    parts = line.split()
    if len(parts) == head[1] + 1 and all(_is_float(x) for x in parts[1:]):
        return "word2vec"
    return "word2vec-binary"


def load_vectors(path, format: str | None = None, limit: int | None = None):
    """Read vectors in any supported ``format`` (guessed by :func:`detect_format` when None)."""
    fmt = format or detect_format(path)
    if fmt == "native":
        emb = load_model(path).wv
        if limit is not None and limit < len(emb):
            from .embeddings import Embeddings

            counts = None if emb.counts is None else emb.counts[:limit]
            emb = Embeddings(emb.words[:limit], emb.vectors[:limit], counts)
        return emb
    if fmt == "glove":
        return load_glove(path, limit)
    if fmt in ("word2vec", "word2vec-binary"):
        return load_word2vec(path, binary=fmt == "word2vec-binary", limit=limit)
    raise ConfigError(f"unknown vectors format {fmt!r}: use one of {', '.join(FORMATS)}")


# -- native model: path.npz + path.json ----------------------------------------------------
def model_paths(path) -> tuple[str, str]:
    """``(base.npz, base.json)`` for ``path`` with any ``.npz``/``.json`` suffix stripped."""
    base = os.fspath(path)
    for ext in (".npz", ".json"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".npz", base + ".json"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in the model's JSON")


def save_model(model, path) -> None:
    """Save a :class:`~w2v_scratch.word2vec.Word2Vec` as ``path.npz`` + ``path.json``.

    The .npz holds ``center``, ``context`` / ``inner_nodes`` when present, every
    numpy array of ``model.state`` as ``state__<name>``, and ``save_id``. The .json
    holds the format version, the same ``save_id``, the config, the vocabulary with
    counts, the history, the rest of ``state`` and each array's shape.

    Both files are written in full to temporary names (and synced) before either is
    renamed, so a failure while writing leaves the previous pair untouched. Only a
    crash between the two renames can leave a new .json beside an old .npz: the
    random ``save_id`` they share makes :func:`load_model` refuse such a pair
    instead of mixing two saves.
    """
    if model.center is None or model.vocab is None:
        raise W2VError("the model is not trained yet: nothing to save")
    npz_path, json_path = model_paths(path)
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
    text = json.dumps(meta, default=_json_default, indent=1)  # before writing anything
    arrays["save_id"] = np.array(save_id)
    with atomic_write(npz_path, "wb") as npz:
        np.savez(npz, **arrays)
        npz.flush()
        os.fsync(npz.fileno())
        with atomic_write(json_path, "w") as f:  # renamed first, then the .npz
            f.write(text)


def _damaged(path, what: str) -> FormatError:
    return FormatError(f"{path}: {what}: the file is damaged, save the model again")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_meta(json_path) -> dict:
    with _reading(json_path), _open(json_path, "rt") as f:
        try:
            meta = json.load(f)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
            msg = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
            raise FormatError(f"{json_path} is not valid JSON ({msg}): save the model again") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise FormatError(f"{json_path} is not a w2v-scratch model file: give the path used with --save-model")
    version = meta.get("version", 0)
    if not _is_int(version):
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
    if not isinstance(counts, list) or not all(_is_int(c) and 0 <= c < 2**63 for c in counts):
        raise _damaged(json_path, "the vocabulary's 'counts' is not a list of non-negative integers")
    if not words or len(words) != len(counts):
        raise _damaged(json_path, f"{len(words)} words but {len(counts)} counts")
    for name, shape in meta["arrays"].items():
        if not isinstance(shape, list) or not all(_is_int(n) and n >= 0 for n in shape):
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
        if not all(_is_int(n) and n >= 0 for n in shape):
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
        with _open(npz_path) as f, zipfile.ZipFile(f) as zf:
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


def load_model(path):
    """Read a model written by :func:`save_model` back into a :class:`~w2v_scratch.word2vec.Word2Vec`,
    checking that the two files match and that every matrix fits the vocabulary.

    Nothing is ever unpickled: arrays are read from the .npz's raw .npy entries, object
    arrays are refused, and every claimed size is checked against the file first."""
    from .config import TrainConfig
    from .vocab import Vocab
    from .word2vec import Word2Vec

    npz_path, json_path = model_paths(path)
    for p in (npz_path, json_path):
        if not os.path.exists(p):
            raise InputError(f"model file {p} does not exist: give the path used with --save-model")
    meta = _read_meta(json_path)
    words, counts = meta["vocab"]["words"], meta["vocab"]["counts"]
    try:
        config = TrainConfig.from_dict(meta["config"])
        config.validate()
        if not _is_int(config.dim):
            raise ConfigError(f"dim {config.dim!r} is not an integer")
    except (W2VError, TypeError, ValueError) as exc:
        raise _damaged(json_path, f"its config is invalid ({exc})") from None
    try:
        vocab = Vocab(words, counts)
    except (W2VError, ValueError) as exc:
        raise _damaged(json_path, f"its vocabulary is invalid ({exc})") from None
    arrays = _read_arrays(npz_path, meta)
    V, d = len(words), config.dim
    expected = {"center": (V, d), "context": (V, d), "inner_nodes": (max(V - 1, 1), d)}
    if "center" not in arrays:
        raise FormatError(f"{json_path} lists no 'center' matrix: the file is damaged, save the model again")
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
    model = Word2Vec(config)
    model.vocab = vocab
    model.center = arrays["center"]
    model.context = arrays.get("context")
    model.inner_nodes = arrays.get("inner_nodes")
    model.history = list(meta.get("history", []))
    model.state = dict(meta.get("state", {}))
    for name, value in arrays.items():
        if name.startswith("state__"):
            model.state[name[len("state__"):]] = value
    return model
