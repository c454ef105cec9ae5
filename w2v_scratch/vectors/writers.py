"""Writing vectors files: word2vec text, word2vec binary and GloVe, optionally compressed.

Every writer goes through :func:`w2v_scratch.base.files.atomic_write` (a crash never leaves a
half-written file), formats or packs a bounded number of values per step whatever the dimension,
and refuses a value that could not be read back (NaN, infinity, beyond float32) naming the word.
:func:`output_format` tells the format from the output's name (an explicit format chooses among the
vectors names) and refuses a name that says a format other than vectors (the ``.kv`` file is
written by ``kvfile.py``, through ``formats.save_vectors``).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import re

import numpy as np

from ..base.errors import ConfigError, FormatError
from ..base.files import atomic_write
from .sniff import FORMATS

_SPACE = re.compile(r"[ \t\n\r\x0b\x0c]")  # what the readers split on: never in a word written
_WRITE_VALUES = 1 << 16  # values formatted as text per step ...
_WRITE_BYTES = 1 << 22  # ... and bytes packed per binary step, whatever the dimension
_COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}  # output suffix → compression
_TEXT_SUFFIXES, _BINARY_SUFFIXES = (".txt", ".vec", ""), (".bin",)
KV_SUFFIXES = (".kv", ".wordvectors")  # the memory-mapped format (kvfile.py): gensim's names for KeyedVectors files
WRITE_FORMATS = FORMATS[:3] + ("kv",)
_DIM_SUFFIX = re.compile(r"\.\d+d")  # 'glove.6B.300d': a dimension, not a file type


def _split_name(path) -> tuple[str, str, str | None]:
    """``(name, suffix, compression)`` of an output path: 'v.txt.gz' → ('v', '.txt', 'gzip');
    the suffix is lower-case, '' when there is none (or only a dimension like '.300d')."""
    name = os.path.basename(os.fspath(path))
    compression = None
    stem, ext = os.path.splitext(name)
    if ext.lower() in _COMPRESSED and stem:
        compression = _COMPRESSED[ext.lower()]
        name = stem
    stem, ext = os.path.splitext(name)
    if _DIM_SUFFIX.fullmatch(ext):
        stem, ext = name, ""
    return stem, ext.lower(), compression


def _checked(words, vectors) -> tuple[list[str], np.ndarray]:
    vectors = np.asarray(vectors)  # converted to float32 block by block: no full-size copy
    if vectors.dtype.kind not in "biuf":
        vectors = np.asarray(vectors, dtype=np.float32)
    words = list(words)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise FormatError(f"{len(words)} words but a vectors matrix of shape {vectors.shape}: give one row per word")
    if vectors.shape[1] < 1:
        raise FormatError("the vectors have dimension 0: nothing to write")
    for w in words:
        if not isinstance(w, str) or not w or _SPACE.search(w):
            raise FormatError(f"word {w!r} is empty or holds whitespace: the word2vec formats cannot store it")
    return words, vectors


def _rows_f32(words, vectors, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` as little-endian float32; a value that is not finite there (NaN, infinity, or
    beyond float32) is refused, naming the word: no file is written that cannot be read back."""
    with np.errstate(over="ignore", invalid="ignore"):
        block = np.asarray(vectors[start:stop], dtype="<f4")
    finite = np.isfinite(block).all(axis=1)
    if not finite.all():
        word = words[start + int(np.argmin(finite))]
        raise FormatError(f"the vector of {word!r} holds NaN or infinity (or a value beyond float32's ±3.4e38): "
                          "it cannot be written")
    return block


class _Sink:
    """Where a compressor writes; after a failure it swallows the compressor's last bytes (the output
    is discarded anyway: a pipe must not receive a well-formed end after partial data)."""

    def __init__(self, f) -> None:
        self.f, self.live = f, True

    def write(self, data) -> int:
        return self.f.write(data) if self.live else len(data)

    def flush(self) -> None:
        if self.live:
            self.f.flush()


@contextlib.contextmanager
def _compressing(f, path):
    """``f``, or a gzip/bzip2/xz stream into it when ``path`` ends in .gz/.bz2/.xz (what gensim reads)."""
    compression = _split_name(path)[2]
    if compression is None:
        yield f
        return
    sink = _Sink(f)
    if compression == "gzip":
        z = gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0)
    elif compression == "bzip2":
        z = bz2.BZ2File(sink, "wb")
    else:
        z = lzma.LZMAFile(sink, "wb")
    try:
        yield z
    except BaseException:
        sink.live = False
        with contextlib.suppress(Exception):
            z.close()
        raise
    z.close()


def _write_text(path, words, vectors, header: bool) -> None:
    """``V d`` (if ``header``) then ``word v1 ... vd`` lines, values as str(float32) (shortest round trip).
    At most ``_WRITE_VALUES`` values are formatted at a time (a row wider than that, in pieces)."""
    words, vectors = _checked(words, vectors)
    n, d = vectors.shape
    step = max(1, _WRITE_VALUES // d)
    with atomic_write(path, "wb") as out, _compressing(out, path) as f:
        if header:
            f.write(f"{n} {d}\n".encode())
        for start in range(0, n, step):
            block = _rows_f32(words, vectors, start, start + step)
            if d <= _WRITE_VALUES:
                rows = block.astype(str).tolist()
                f.write("".join(w + " " + " ".join(row) + "\n"
                                for w, row in zip(words[start:start + step], rows)).encode("utf-8"))
                continue
            f.write(words[start].encode("utf-8"))
            for col in range(0, d, _WRITE_VALUES):
                f.write((" " + " ".join(block[0, col:col + _WRITE_VALUES].astype(str).tolist())).encode())
            f.write(b"\n")


def save_word2vec_text(path, words, vectors) -> None:
    """word2vec text format: a header ``count dim``, then ``word v1 ... vd`` per line
    (gzip/bzip2/xz-compressed when ``path`` ends in .gz/.bz2/.xz)."""
    _write_text(path, words, vectors, header=True)


def save_word2vec_binary(path, words, vectors) -> None:
    """word2vec binary format: ``V d\\n``, then ``word`` + b" " + d float32 (little-endian) per word
    (compressed when ``path`` ends in .gz/.bz2/.xz); at most ``_WRITE_BYTES`` are packed at a time."""
    words, vectors = _checked(words, vectors)
    n, d = vectors.shape
    step = max(1, _WRITE_BYTES // (4 * d))
    with atomic_write(path, "wb") as out, _compressing(out, path) as f:
        f.write(f"{n} {d}\n".encode())
        for start in range(0, n, step):
            block = _rows_f32(words, vectors, start, start + step)
            f.write(b"".join(w.encode("utf-8") + b" " + r.tobytes() for w, r in zip(words[start:start + step], block)))


def _unpack(emb_or_words, vectors):
    if vectors is None:
        return emb_or_words.words, emb_or_words.vectors
    return emb_or_words, vectors


def save_word2vec(path, emb_or_words, vectors=None, binary: bool | None = None) -> None:
    """Save an :class:`Embeddings` (or ``words``, ``vectors``) in word2vec format; binary when
    ``binary`` is True, or when it is None and ``path`` ends in ``.bin`` (or ``.bin.gz``...).
    A .gz/.bz2/.xz name gets a compressed file."""
    words, vectors = _unpack(emb_or_words, vectors)
    if binary is None:
        binary = _split_name(path)[1] in _BINARY_SUFFIXES
    (save_word2vec_binary if binary else save_word2vec_text)(path, words, vectors)


def save_glove(path, emb_or_words, vectors=None) -> None:
    """GloVe text format: word2vec text without the header line."""
    _write_text(path, *_unpack(emb_or_words, vectors), header=False)


_WRITES = ("word2vec text (.txt, .vec or no suffix), word2vec binary (.bin) or GloVe (convert --format glove), "
           "each optionally compressed (.gz, .bz2, .xz), or the memory-mapped .kv (.wordvectors)")
_NOT_WRITTEN = {  # suffixes of files we never write as vectors, and why
    ".npz": "a native model (.npz + .json) is written by train --save-model (Word2Vec.save), not as vectors",
    ".json": "a native model (.npz + .json) is written by train --save-model (Word2Vec.save), not as vectors",
    ".pkl": "w2v-scratch never writes pickle", ".pickle": "w2v-scratch never writes pickle",
    ".model": "a .model file is a whole model (Word2Vec.save() writes one; gensim's are pickles, which "
              "w2v-scratch never writes), not vectors",
}


_OTHER_FORMATS = {  # suffixes that say a format other than vectors (never written as vectors, whatever --format)
    **{x: "CSV/TSV data" for x in (".csv", ".tsv")}, **{x: "HDF5" for x in (".h5", ".hdf5", ".hdf")},
    ".npy": "a bare NumPy array", ".zip": "a zip archive", ".tar": "a tar archive", ".ftz": "a fastText model",
    **{x: "a columnar table" for x in (".parquet", ".feather", ".arrow")}, ".mat": "MATLAB data",
    **{x: "a PyTorch/ONNX/safetensors model" for x in (".pt", ".pth", ".onnx", ".safetensors")},
    **{x: "a spreadsheet" for x in (".xlsx", ".xls")}, **{x: "a database" for x in (".db", ".sqlite")},
    **{x: "a document" for x in (".json5", ".yaml", ".yml", ".xml", ".html", ".md", ".pdf")},
    **{x: "an image" for x in (".png", ".jpg", ".jpeg", ".svg")},
}
_KINDS = {".bin": "word2vec-binary", ".txt": "word2vec", ".vec": "word2vec", "": "word2vec", ".kv": "kv",
          ".wordvectors": "kv"}  # vectors names → the format written when none is given


def output_format(path, format: str | None = None) -> str:
    """The vectors format to write ``path`` in. Without ``format``, the name's: ``.bin`` word2vec
    binary; ``.txt``, ``.vec`` or no suffix word2vec text; ``.kv`` or ``.wordvectors`` the
    memory-mapped ``kv`` file. ``.txt``/``.vec``/``.bin``/no suffix may be followed by
    ``.gz``/``.bz2``/``.xz`` (compressed); a kv file never is (it is mapped as it lies).

    One rule for every format: a ``format`` given explicitly chooses the format under any of those
    vectors names (``"word2vec-binary"`` into ``v.txt``, ``"kv"`` into ``v.bin``, ``"glove"`` into
    ``v.kv`` alike: readers tell a vectors file's format from its content, never its name), and a
    name that says a format other than vectors (``.npz``, ``.json``, ``.pkl``, ``.model``, ``.csv``,
    ``.h5``...) is refused whatever the format, with a :class:`ConfigError`. Any other suffix is
    refused too, except with ``format="kv"``: gensim's ``KeyedVectors.save`` takes any name
    (``vectors.wv``)."""
    if format is not None and format not in WRITE_FORMATS:
        raise ConfigError(f"cannot write vectors as {format!r}: use one of {', '.join(WRITE_FORMATS)}")
    p = os.fspath(path)
    _, suffix, compression = _split_name(p)
    if suffix in _NOT_WRITTEN or suffix in _OTHER_FORMATS:
        why = _NOT_WRITTEN.get(suffix) or f"a {suffix} name says {_OTHER_FORMATS[suffix]}, not vectors"
        raise ConfigError(f"cannot write vectors to {p}: {why}; w2v-scratch writes {_WRITES}: rename the output")
    fmt = format or _KINDS.get(suffix)
    if suffix not in _KINDS and fmt != "kv":
        raise ConfigError(f"cannot write vectors to {p}: '{suffix}' is not a vectors file name; "
                          f"w2v-scratch writes {_WRITES}: rename the output")
    if fmt == "kv" and compression:
        raise ConfigError(f"cannot write vectors to {p}: a .kv file is memory-mapped as it lies, so it is never "
                          f"compressed: drop the {os.path.splitext(p)[1]}")
    return fmt


def save_vectors(path, emb, format: str | None = None) -> None:
    """Write ``emb`` in ``format`` (see :func:`output_format`, which also refuses names that say
    another format); the ``kv`` format is ``formats.save_vectors``'s."""
    fmt = output_format(path, format)
    if fmt == "kv":
        raise ConfigError(f"{path}: the .kv format is written by w2v_scratch.vectors.formats.save_vectors")
    if fmt == "glove":
        save_glove(path, emb)
    else:
        save_word2vec(path, emb, binary=fmt == "word2vec-binary")
