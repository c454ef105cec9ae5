"""Reading and writing vectors and models (word2vec text/binary, GloVe, native).

Every writer goes through :func:`atomic_write`: the data goes to a temporary
file in the destination folder, which is renamed over the destination only
once complete, so a crash never leaves a half-written file.

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
"""

from __future__ import annotations

import contextlib
import gzip
import json
import mmap
import os
import re
import tempfile
import uuid
import zipfile

import numpy as np

from .errors import ConfigError, FormatError, InputError, W2VError

FORMATS = ("word2vec", "word2vec-binary", "glove", "native")
MODEL_FORMAT = "w2v-scratch-model"
MODEL_VERSION = 1
_SPACE = re.compile(r"[ \t\n\r\x0b\x0c]")  # what the readers split on
_BLOCK = 4096  # rows per write / per growth step


@contextlib.contextmanager
def atomic_write(path, mode: str = "w"):
    """Open a temporary sibling of ``path`` for writing; rename it to ``path`` on success,
    delete it on any exception (KeyboardInterrupt included)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"output folder {folder} does not exist: create it first")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
    words: list[str] = []
    blocks: list[np.ndarray] = []
    with _open(path) as f:
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
                    raise FormatError(f"{path}:{lineno}: a word with no values: not a vectors file")
            if len(parts) != d + 1:
                raise FormatError(
                    f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected: the line is damaged "
                    "(or the file mixes dimensions)"
                )
            if len(words) % _BLOCK == 0:
                blocks.append(np.empty((_BLOCK, d), np.float32))
            try:
                blocks[-1][len(words) % _BLOCK] = list(map(float, parts[1:]))
            except ValueError:
                bad = next(p for p in parts[1:] if not _is_float(p))
                raise FormatError(f"{path}:{lineno}: {bad[:30]!r} is not a number: the line is damaged") from None
            words.append(parts[0].decode("utf-8", unicode_errors))
    if want is not None and len(words) < want:
        raise FormatError(
            f"{path}: the header announces {V} vectors but the file holds {len(words)}: "
            "it is truncated (or the header count is wrong)"
        )
    if not words:
        raise FormatError(f"{path} holds no vectors: give a non-empty vectors file")
    vectors = np.concatenate(blocks)[: len(words)] if len(blocks) > 1 else blocks[0][: len(words)]
    return _finish(path, words, np.ascontiguousarray(vectors))


def _is_float(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _read_binary(path, limit: int | None, unicode_errors: str):
    """word2vec binary; the header's count and dimension are checked against the file size first."""
    with _open(path) as f:
        V, d, pos = _read_header(f, path)
        if os.fspath(path).endswith(".gz"):
            data, pos = f.read(), 0
        else:  # map the file rather than copy it: the matrix we return is as large
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
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
            f"{size - pos:,} bytes follow: the file is truncated or its header is wrong"
        )
    words, vectors = [], np.empty((n, d), np.float32)
    for i in range(n):
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


def detect_format(path) -> str:
    """Guess the format of ``path``: ``native`` (a model's .npz/.json, or a base path with a .npz
    beside it), ``word2vec-binary`` (``.bin``, or a header followed by non-text), ``word2vec``
    (a header then text lines), else ``glove``."""
    p = os.fspath(path)
    if p.endswith((".npz", ".json")) or (not os.path.exists(p) and os.path.exists(p + ".npz")):
        return "native"
    if p.endswith((".bin", ".bin.gz")):
        return "word2vec-binary"
    with _open(p) as f:
        head = _header(f.readline(1024))
        if head is None:
            return "glove"
        line = f.readline(4 * head[1] + 65536)
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
    counts, the history, the rest of ``state`` and each array's shape. The .npz is
    written first, so a matching pair always comes from one save.
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
    with atomic_write(npz_path, "wb") as f:
        np.savez(f, **arrays)
    with atomic_write(json_path, "w") as f:
        f.write(text)


def _read_meta(json_path) -> dict:
    with _open(json_path, "rt") as f:
        try:
            meta = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{json_path} is not valid JSON ({exc}): save the model again") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise FormatError(f"{json_path} is not a w2v-scratch model file: give the path used with --save-model")
    if meta.get("version", 0) > MODEL_VERSION:
        raise FormatError(f"{json_path} has model format version {meta['version']}: upgrade w2v-scratch to read it")
    for key in ("save_id", "config", "vocab", "arrays"):
        if key not in meta:
            raise FormatError(f"{json_path} has no {key!r} entry: the file is damaged, save the model again")
    return meta


def _read_arrays(npz_path, meta) -> dict[str, np.ndarray]:
    try:
        with _open(npz_path) as f, np.load(f, allow_pickle=False) as z:
            if "save_id" not in z.files or str(z["save_id"]) != meta["save_id"]:
                raise FormatError(
                    f"{npz_path} and its .json come from different saves: use the pair written together, "
                    "or save the model again"
                )
            arrays = {}
            for name, shape in meta["arrays"].items():
                if name not in z.files:
                    raise FormatError(f"{npz_path} lacks the array {name!r}: the file is damaged, save the model again")
                arrays[name] = z[name]
                if list(arrays[name].shape) != list(shape):
                    raise FormatError(
                        f"{npz_path}: {name!r} has shape {arrays[name].shape}, the .json says {tuple(shape)}: "
                        "the files do not match, save the model again"
                    )
            return arrays
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"{npz_path} is not a readable .npz file ({exc}): save the model again") from None


def load_model(path):
    """Read a model written by :func:`save_model` back into a :class:`~w2v_scratch.word2vec.Word2Vec`,
    checking that the two files match and that every matrix fits the vocabulary."""
    from .config import TrainConfig
    from .vocab import Vocab
    from .word2vec import Word2Vec

    npz_path, json_path = model_paths(path)
    for p in (npz_path, json_path):
        if not os.path.exists(p):
            raise InputError(f"model file {p} does not exist: give the path used with --save-model")
    meta = _read_meta(json_path)
    arrays = _read_arrays(npz_path, meta)
    words, counts = meta["vocab"].get("words", []), meta["vocab"].get("counts", [])
    if not words or len(words) != len(counts):
        raise FormatError(f"{json_path}: {len(words)} words but {len(counts)} counts: save the model again")
    config = TrainConfig.from_dict(meta["config"])
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
            if not np.isfinite(arrays[name]).all():
                raise FormatError(f"{npz_path}: {name!r} holds NaN or infinity: the training diverged")
    model = Word2Vec(config)
    model.vocab = Vocab(words, counts)
    model.center = np.ascontiguousarray(arrays["center"], dtype=np.float32)
    model.context = arrays.get("context")
    model.inner_nodes = arrays.get("inner_nodes")
    model.history = list(meta.get("history", []))
    model.state = dict(meta.get("state", {}))
    for name, value in arrays.items():
        if name.startswith("state__"):
            model.state[name[len("state__"):]] = value
    return model
