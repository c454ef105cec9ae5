"""Word vector files: word2vec text and binary, GloVe, and the word vectors of a native model.

Every writer goes through :func:`w2v_scratch.base.files.atomic_write`: the data goes to a
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
  history) — written and read by ``persist.py``; its word vectors are read here too.
  No pickle anywhere.

Names and content. A vectors output is written in the format its name says
(:func:`output_format`: ``.bin`` binary; ``.txt``, ``.vec`` or no suffix text;
a further ``.gz``/``.bz2``/``.xz`` compresses it, as gensim reads it); any other
name is refused. An input's format is told from its content, never its name:
gzip/bzip2/xz are recognised by their magic bytes and decompressed, a UTF-8 BOM
is skipped, text is told from binary by the layout (:func:`detect_format`), and
formats we do not read (fastText models, pickles, zip/tar archives, HDF5, .npy,
UTF-16...) are named with the way out.

Damaged files. Every loader either returns consistent vectors or raises a
one-line :class:`~w2v_scratch.base.errors.FormatError` (:class:`InputError` for a
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
* a damaged compressed (gzip, bzip2, xz) or zip file is a FormatError, like any other damage;
* memory stays bounded whatever the input: reads are asked in steps that grow with the
  data received, a text line longer than 64 MiB (or far beyond what d values need) is
  refused, a word repeated is refused when it comes (an endless repeat stops at once),
  a device (``/dev/zero``) is refused, and a named pipe nothing writes to is refused
  after a few seconds instead of hanging; a pipe with a writer is read once, as a stream.
  Writers format or pack a bounded number of values per step, whatever the dimension.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import mmap
import os
import re

import numpy as np

from .embeddings import Embeddings
from ..base.errors import ConfigError, FormatError
from ..base.files import atomic_write, check_output
from ..base.inputs import READ, READ_MAX, SNIFF, Input, reading
from ..training.persist import read_model

FORMATS = ("word2vec", "word2vec-binary", "glove", "native")
_SPACE = re.compile(r"[ \t\n\r\x0b\x0c]")  # what the readers split on
_BLOCK = 4096  # rows per growth step of a matrix being read
_BLOCK_BYTES = 1 << 22  # ... and at most 4 MB per growth step, whatever the dimension
# What a damaged compressed or zip file raises while being read.


def check_writable(path) -> None:
    """Fail early (before hours of training) if ``path`` could not be written later."""
    check_output(path)


# -- writing vectors ---------------------------------------------------------------
_WRITE_VALUES = 1 << 16  # values formatted as text per step ...
_WRITE_BYTES = 1 << 22  # ... and bytes packed per binary step, whatever the dimension
_COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}  # output suffix → compression
_TEXT_SUFFIXES, _BINARY_SUFFIXES = (".txt", ".vec", ""), (".bin",)
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
           "each optionally compressed (.gz, .bz2, .xz)")
_NOT_WRITTEN = {  # suffixes of files we never write as vectors, and why
    ".npz": "a native model (.npz + .json) is written by train --save-model (Word2Vec.save), not as vectors",
    ".json": "a native model (.npz + .json) is written by train --save-model (Word2Vec.save), not as vectors",
    ".pkl": "w2v-scratch never writes pickle", ".pickle": "w2v-scratch never writes pickle",
    ".model": "w2v-scratch never writes pickle (gensim's .model files are pickles)",
}


def output_format(path, format: str | None = None) -> str:
    """The vectors format to write ``path`` in, from its name: ``.bin`` → word2vec binary; ``.txt``,
    ``.vec`` or no suffix → word2vec text (GloVe with ``format="glove"``), each optionally followed by
    ``.gz``/``.bz2``/``.xz`` (compressed). ``format`` overrides the kind for those names. Any other
    name (``.npz``, ``.json``, ``.pkl``, ``.csv``...) is refused with a :class:`ConfigError`: nothing is
    ever written under a name that says another format."""
    if format is not None and format not in FORMATS[:3]:
        raise ConfigError(f"cannot write vectors as {format!r}: use one of {', '.join(FORMATS[:3])}")
    p = os.fspath(path)
    _, suffix, _ = _split_name(p)
    if suffix not in _TEXT_SUFFIXES + _BINARY_SUFFIXES:
        why = _NOT_WRITTEN.get(suffix, f"'{suffix}' is not a vectors file name")
        raise ConfigError(f"cannot write vectors to {p}: {why}; w2v-scratch writes {_WRITES}: rename the output")
    if format is not None:
        return format
    return "word2vec-binary" if suffix in _BINARY_SUFFIXES else "word2vec"


def save_vectors(path, emb, format: str | None = None) -> None:
    """Write ``emb`` in ``format`` (see :func:`output_format`, which also refuses names that say
    another format)."""
    fmt = output_format(path, format)
    if fmt == "glove":
        save_glove(path, emb)
    else:
        save_word2vec(path, emb, binary=fmt == "word2vec-binary")


# -- opening inputs ------------------------------------------------------------------
# Compressed data is recognised by its first bytes (whatever the name says); one layer is undone.
_MAX_LINE = 64 << 20  # no text vectors line is longer ...
_LINE_SLACK, _VALUE_BYTES = 1 << 20, 128  # ... nor longer than this + this many bytes per value (d known)
_MAX_WORD = 1 << 20  # a binary record's word ends (with its space) within this many bytes
















# -- telling formats apart -------------------------------------------------------------
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n|\Z)")  # never in a text file: tab, LF, CRLF are
_NUMISH = re.compile(rb"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eEdD][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.I)
_DECIMAL_COMMA = re.compile(rb"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_TOLD = "export the words and vectors in word2vec text or binary format"
_FOREIGN = (  # (magic bytes at offset 0, what the file is and how to get vectors from it)
    (b"\xba\x16\x4f\x2f", "a fastText model (.bin/.ftz), not word vectors: export them with fastText's "
                          "print-word-vectors, or use the .vec file fastText writes beside it (word2vec text)"),
    (b"PK\x03\x04", "a zip archive (not a w2v-scratch model's .npz): unzip it and give the vectors file "
                    "inside (a native model is read from its .npz + .json pair)"),
    (b"PK\x05\x06", "an empty zip archive: give a vectors file"),
    (b"\x89HDF\r\n\x1a\n", f"an HDF5 file (e.g. a Keras model), which w2v-scratch does not read: {_TOLD}"),
    (b"\x93NUMPY", "a bare NumPy array (.npy), which holds no words (gensim keeps a model's matrices in such "
                   "files beside the .model file): save the model with gensim's save_word2vec_format"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed: decompress it (zstd -d) or recompress it with gzip, bzip2 or xz"),
    (b"\x04\x22\x4d\x18", "lz4-compressed: decompress it (lz4 -d) or recompress it with gzip, bzip2 or xz"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract the vectors file from it first"),
    (b"Rar!\x1a\x07", "a RAR archive: extract the vectors file from it first"),
    (b"\xff\xfe", "UTF-16 (or UTF-32) text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"),
    (b"\xfe\xff", "UTF-16 (or UTF-32) text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"),
    (b"\x1f\x8b", "compressed twice (gzip inside): decompress it once first"),
    (b"BZh", "compressed twice (bzip2 inside): decompress it once first"),
    (b"\xfd7zXZ\x00", "compressed twice (xz inside): decompress it once first"),
    (b"%PDF-", "a PDF document, not a vectors file"),
)


def _foreign(head: bytes) -> str | None:
    """What ``head`` starts, if it is a format we do not read (a fastText model, a pickle, an archive...)."""
    for magic, what in _FOREIGN:
        if head.startswith(magic):
            return what
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return ("a Python pickle (e.g. a gensim model or KeyedVectors saved with .save(), a .model or .pkl "
                "file), which w2v-scratch never loads (unpickling runs code from the file): in gensim, write "
                "model.wv.save_word2vec_format('vectors.bin', binary=True) and give that file")
    if head[257:262] == b"ustar":
        return "a tar archive: extract the vectors file from it first (tar xf)"
    even, odd = head[0:128:2], head[1:128:2]
    if len(odd) >= 4 and not even.count(0) and odd.count(0) >= 0.9 * len(odd):
        return "UTF-16 text: convert it to UTF-8 (iconv -f UTF-16LE -t UTF-8)"
    if len(odd) >= 4 and not odd.count(0) and even.count(0) >= 0.9 * len(even):
        return "UTF-16 text: convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)"
    return None


def _show(raw: bytes, n: int = 40) -> str:
    """``raw`` for a one-line message: its text (quoted) if it is text, else its first bytes in hex
    (never raw control or invalid bytes)."""
    try:
        text = raw[:4 * n].decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw[:exc.start].decode("utf-8") if exc.start >= 4 * n - 4 else None
    if text is not None and not _CONTROL.search(text.encode()):
        return repr(text[:n].rstrip("\r\n")) + ("..." if len(text) > n else "")
    return "binary bytes " + raw[:8].hex(" ") + ("..." if len(raw) > 8 else "")


def _header(line: bytes) -> tuple[int, int] | None:
    """``(V, d)`` if ``line`` is a word2vec header (two non-negative integers), else None."""
    parts = line.split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return int(parts[0]), int(parts[1])
    return None


_BROKEN_HEADER = re.compile(rb"[+-]?\d+([ \t]+[+-]?\d+)?")


def _is_float(token: bytes) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _text_fits(body: bytes, V: int, d: int) -> bool:
    """Whether ``body`` (all of a file after its header) is exactly V text rows of a word and d numbers."""
    rows = [line.split() for line in body.split(b"\n")]
    rows = [r for r in rows if r]
    return len(rows) == V and all(len(r) == d + 1 and all(map(_is_float, r[1:])) for r in rows)


def _binary_layout(body: bytes, V: int, d: int, complete: bool) -> tuple[bool, bool]:
    """``(fits, line_breaks)``: whether ``body`` (the bytes after a header) is laid out as binary
    records ``word b" " float32[d]`` (a word2vec.c newline before a word allowed) — every record that
    fits in ``body`` ends where the next word or a newline begins and, if ``complete``, the V records
    end the data — and whether some record's 4·d value bytes hold a line break (as text rows read as
    records do: floats with a 0x0A or 0x0D byte and no control byte are vanishingly rare)."""
    pos, n, nbytes, line_breaks = 0, 0, 4 * d, False
    while n < V:
        while pos < len(body) and body[pos] == 0x0A:
            pos += 1
        space = body.find(b" ", pos, pos + _MAX_WORD)
        if space < 0 or space + 1 + nbytes > len(body):
            return not complete and n > 0, line_breaks  # the sample ends: consistent so far
        if space == pos or b"\n" in body[pos:space]:
            return False, line_breaks
        line_breaks = line_breaks or any(body.find(c, space + 1, space + 1 + nbytes) >= 0 for c in (b"\n", b"\r"))
        pos, n = space + 1 + nbytes, n + 1
    fits = not body[pos:pos + 64].strip(b"\n") if (complete or len(body) - pos >= 64) else True
    return fits, line_breaks


def _text_or_binary(body: bytes, V: int, d: int, complete: bool) -> tuple[str, bool]:
    """``("word2vec" | "word2vec-binary", sure)`` for the data ``body`` after a header ``V d``
    (all of it if ``complete``, else a sample): text rows are lines of text (no control bytes) whose
    fields are numbers; binary records are a word, a space and exactly 4·d bytes. ``sure`` says the
    other reading is ruled out (a forced format is then refused rather than read as garbage)."""
    if complete and _text_fits(body, V, d):
        return "word2vec", True
    fits, line_breaks = _binary_layout(body, V, d, complete)
    if _is_text(body, complete):  # a text file never holds control bytes or broken UTF-8; binary floats do
        if fits and not line_breaks and _numeric_share(body[:SNIFF]) < 0.5:
            return "word2vec-binary", False  # printable floats (letters...), records clear of lines: binary
        return "word2vec", True  # text, even with decimal commas, a tab in a word, a short row...
    if fits:  # binary, even when it happens to be valid UTF-8
        return "word2vec-binary", True
    text = body.lstrip(b" \t\r\n")
    nl = text.find(b"\n")
    if _CONTROL.search(text[:nl] if nl >= 0 else text) is None:
        return "word2vec", False
    return "word2vec-binary", False


def _is_text(body: bytes, complete: bool) -> bool:
    """Whether ``body`` is UTF-8 text without control bytes (a character cut by a sample's end allowed)."""
    if _CONTROL.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return not complete and exc.start >= len(body) - 3 and exc.reason == "unexpected end of data"
    return True


def _numeric_share(body: bytes) -> float:
    """The share of number-like fields among the values of the text rows ``body`` would hold (the
    word split off at the first whitespace, or at the first space: a word may hold a tab)."""
    lines = body.split(b"\n")
    shares = []
    for values in ([t for line in lines for t in line.split()[1:]],
                   [t for line in lines for t in line.strip().split(b" ")[1:] if t.strip()]):
        if values:
            shares.append(sum(1 for t in values if _NUMISH.fullmatch(t.strip())) / len(values))
    return max(shares, default=0.0)


def _sniff(src: Input) -> tuple[str, bool]:
    """``(format, sure)`` of an opened vectors input, from its content: a named FormatError for a
    format we do not read (a fastText model, a pickle, an archive...) or for data that is no vectors file."""
    path, head = src.path, src.sample(SNIFF)
    foreign = _foreign(head)
    if foreign:
        raise FormatError(f"{path} is {foreign}")
    if not head.strip():
        raise FormatError(f"{path} is empty: give a vectors file (word2vec text or binary, or GloVe)")
    nl = head.find(b"\n", 0, 1024)
    first = head[:nl] if nl >= 0 else head[:1024]
    header = _header(first) if nl >= 0 or (src.complete and len(head) <= 1024) else None
    if header is None:
        if _BROKEN_HEADER.fullmatch(first.strip()):
            return "word2vec", False  # two integers, or one, are a broken header ('-3 100', '100'), never a row
        if not _CONTROL.search(head[:head.find(b"\n") if b"\n" in head else len(head)]):
            return "glove", False
        raise FormatError(
            f"{path}: the first line should be '<count> <dim>' (word2vec) or 'word v1 ... vd' (GloVe), got "
            f"{_show(first)}: not a vectors file (binary data in no format w2v-scratch reads)"
        )
    V, d = header
    if d < 1:
        return "word2vec", False
    head = src.sample(nl + 1 + min(4 * d, _MAX_LINE) + SNIFF)
    return _text_or_binary(head[nl + 1:], V, d, src.complete)


def detect_format(path) -> str:
    """Guess the format of ``path``: ``native`` (a model's .npz/.json, or a base path with a .npz
    beside it), else from its content (whatever its name): ``word2vec`` (a ``count dim`` header then
    text rows), ``word2vec-binary`` (a header then binary records), ``glove`` (text rows, no header).
    A format w2v-scratch does not read (a fastText model, a pickle, an archive...) is named in a
    :class:`FormatError`. A pipe is consumed: read it with :func:`load_vectors` instead."""
    p = os.fspath(path)
    if _is_native(p):
        return "native"
    with reading(p), Input(p) as src:
        return _sniff(src)[0]


def _is_native(p: str) -> bool:
    return p.endswith((".npz", ".json")) or (not os.path.exists(p) and os.path.exists(p + ".npz"))


# -- reading vectors -----------------------------------------------------------------
def _read_header(f, path) -> tuple[int, int, int]:
    line = f.readline(1024)
    head = _header(line)
    if head is None:
        if not line:
            raise FormatError(f"{path} is empty: give a word2vec vectors file")
        raise FormatError(
            f"{path}: the first line should be '<count> <dim>', got {_show(line)}: "
            "not a word2vec file (GloVe files have no header: use --format glove)"
        )
    if head[1] < 1:
        raise FormatError(f"{path}: the header gives dimension {head[1]}: it must be at least 1")
    return head[0], head[1], len(line)


def _finish(path, words, vectors, index=None) -> Embeddings:

    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        word = words[int(np.argmax(bad))]
        raise FormatError(f"{path}: the vector of {word!r} holds NaN or infinity (or a value beyond float32's "
                          "±3.4e38): regenerate the file")
    try:
        return Embeddings(words, vectors, index=index)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


class _Rows:
    """Rows of d float32 appended one at a time; storage grows with the rows really read (a step
    holds at most ``_BLOCK`` rows and ``_BLOCK_BYTES`` bytes), never sized from a claimed count."""

    def __init__(self, d: int) -> None:
        self.d, self.blocks, self.filled, self.count = d, [], 0, 0

    def next(self) -> np.ndarray:
        """The row to fill next (counted at once)."""
        if not self.blocks or self.filled == len(self.blocks[-1]):
            rows = max(1, min(_BLOCK, _BLOCK_BYTES // (4 * self.d), 2 * self.count + 16))
            self.blocks.append(np.empty((rows, self.d), np.float32))
            self.filled = 0
        row = self.blocks[-1][self.filled]
        self.filled += 1
        self.count += 1
        return row

    def matrix(self) -> np.ndarray:
        if not self.blocks:
            return np.empty((0, self.d), np.float32)
        self.blocks[-1] = self.blocks[-1][:self.filled]
        out = np.concatenate(self.blocks) if len(self.blocks) > 1 else np.ascontiguousarray(self.blocks[0])
        self.blocks = []
        return out


def _line_cap(d: int | None) -> int:
    """The longest text line read: 64 MiB, or far beyond what a word and d values need."""
    return _MAX_LINE if d is None else min(_MAX_LINE, _LINE_SLACK + _VALUE_BYTES * (d + 1))


def _refuse_other_kind(src: Input, want: str) -> None:
    """A FormatError if ``src`` is surely not ``want`` (word2vec text read as binary, or the reverse):
    a forced format never turns a file into garbage numbers."""
    foreign = _foreign(src.sample(SNIFF))
    if foreign:
        raise FormatError(f"{src.path} is {foreign}")
    try:
        fmt, sure = _sniff(src)
    except FormatError:
        return  # the reader names the problem
    if not sure or fmt == want or (want == "glove" and fmt == "word2vec"):
        return
    if fmt == "word2vec-binary":
        raise FormatError(f"{src.path} is word2vec binary, not text: use --format word2vec-binary, "
                          "or leave --format out (the format is told from the content)")
    raise FormatError(f"{src.path} is word2vec text, not binary: use --format word2vec, "
                      "or leave --format out (the format is told from the content)")


def _read_text(path, header: bool, limit: int | None, unicode_errors: str, src: Input | None = None):
    """Rows ``word v1 ... vd`` (blank lines skipped), grown block by block as they are read."""
    with reading(path), contextlib.ExitStack() as stack:
        if src is None:
            src = stack.enter_context(Input(path))
            _refuse_other_kind(src, "word2vec" if header else "glove")
        return _parse_text(src.path, src.stream, header, limit, unicode_errors)


def _parse_text(path, f, header: bool, limit: int | None, unicode_errors: str):
    words: list[str] = []
    index: dict[str, int] = {}  # word → row, checked as rows come: an endless repeat stops at once
    rows = None
    V, d, _ = _read_header(f, path) if header else (None, None, 0)
    want = V if limit is None else (limit if V is None else min(V, limit))
    lineno = 1 if header else 0
    while want is None or len(words) <= want:
        cap = _line_cap(d)
        line = f.readline(cap + 1)
        if not line:
            break
        lineno += 1
        if len(line) > cap and not line.endswith(b"\n"):
            need = f", far more than {d} values need" if d is not None else ""
            raise FormatError(f"{path}: line {lineno} is longer than {cap:,} bytes{need}: not a text vectors file")
        if b"\x00" in line:
            raise FormatError(f"{path}: line {lineno} holds NUL bytes: not a text vectors file "
                              "(a binary file? leave --format out to tell it from the content)")
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
            raise FormatError(_bad_count(path, lineno, line, parts, d, header, len(words)))
        if rows is None:
            rows = _Rows(d)
        row = rows.next()
        try:
            with np.errstate(over="ignore"):  # beyond float32: inf, refused by _finish with the word named
                row[:] = list(map(float, parts[1:]))
        except ValueError:
            bad = next(p for p in parts[1:] if not _is_float(p))
            raise FormatError(_spaced_word(path, lineno, line) or _not_a_number(path, lineno, bad, header, words)) \
                from None
        word = parts[0].decode("utf-8", unicode_errors)
        if index.setdefault(word, len(words)) != len(words):
            raise FormatError(f"{path}:{lineno}: the word {word[:40]!r} appears twice (rows {index[word] + 1} and "
                              f"{len(words) + 1}): remove the duplicate")
        words.append(word)
    if want is not None and len(words) < want:
        raise FormatError(
            f"{path}: the header announces {V} vectors but the file holds {len(words)}: "
            "it is truncated (or the header count is wrong)"
        )
    if not words:
        raise FormatError(f"{path} holds no vectors: give a non-empty vectors file")
    return _finish(path, words, rows.matrix(), index)


def _spaced_word(path, lineno: int, line: bytes) -> str | None:
    """The message for a row whose word holds a tab (or other whitespace but a space), if it is one:
    split on spaces only, it is a word and numbers."""
    spaced = line.strip(b" \r\n").split(b" ")
    if len(spaced) >= 2 and re.search(rb"\s", spaced[0]) and all(map(_is_float, spaced[1:])):
        word = spaced[0].decode("utf-8", "replace")
        return (f"{path}:{lineno}: the word {word[:40]!r} holds a tab or other whitespace, which a word in a "
                "vectors file cannot hold: replace it (e.g. with '_')")
    return None


def _bad_count(path, lineno: int, line: bytes, parts: list[bytes], d: int, header: bool, read: int) -> str:
    """The message for a row with a number of values other than d, naming the likely cause."""
    spaced = _spaced_word(path, lineno, line)
    if spaced:
        return spaced
    if any(_DECIMAL_COMMA.fullmatch(p) for p in parts[1:]):
        return (f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected, written with decimal "
                "commas? use '.' as the decimal point")
    hint = " (or the file mixes dimensions)"
    if not header and read == 1:  # a GloVe guess whose first "row" may be a broken header
        hint = " (or the first line is a broken '<count> <dim>' header)"
    return f"{path}:{lineno}: {len(parts) - 1} values where {d} are expected: the line is damaged{hint}"


def _not_a_number(path, lineno: int, bad: bytes, header: bool, words: list) -> str:
    shown = bad[:30].decode("utf-8", "replace")
    if _DECIMAL_COMMA.fullmatch(bad):
        return f"{path}:{lineno}: {shown!r} is not a number: decimal commas? use '.' as the decimal point"
    hint = " (or the first line is a broken '<count> <dim>' header)" if not header and not words else ""
    return f"{path}:{lineno}: {shown!r} is not a number: the line is damaged{hint}"


class _Window:
    """Sequential reading of bytes through a sliding window over a stream, or over a whole mapped
    file (``data``): ``buf[pos:]`` are the bytes not consumed yet."""

    def __init__(self, f=None, data=None, pos: int = 0) -> None:
        self.f, self.buf, self.pos, self.eof = f, (b"" if data is None else data), pos, data is not None

    def fill(self, n: int) -> bool:
        """Make ``n`` bytes available from ``pos``; False if the data ends first. Reads are asked
        in steps that grow with the data received, never sized by ``n`` alone (a claimed size)."""
        have = len(self.buf) - self.pos
        if have >= n or self.eof:
            return have >= n
        parts, step = [self.buf[self.pos:]], READ
        while have < n:
            ask = min(step, max(n - have, READ))
            chunk = self.f.read(ask)
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
            if len(chunk) == ask:
                step = min(2 * step, READ_MAX)
        self.buf, self.pos = b"".join(parts), 0
        return have >= n

    def find(self, byte: bytes, limit: int) -> int:
        """Offset from ``pos`` of the next ``byte`` within ``limit`` bytes, or -1."""
        searched = 0
        while True:
            i = self.buf.find(byte, self.pos + searched, self.pos + limit)
            if i >= 0:
                return i - self.pos
            searched = len(self.buf) - self.pos
            if searched >= limit or not self.fill(searched + 1):
                return -1


def _read_binary(path, limit: int | None, unicode_errors: str, src: Input | None = None):
    """word2vec binary; for a regular file the header's count and dimension are checked against the
    file size first (and the file is mapped, not copied); a stream is read record by record."""
    with reading(path), contextlib.ExitStack() as stack:
        if src is None:
            src = stack.enter_context(Input(path))
            _refuse_other_kind(src, "word2vec-binary")
        path = src.path
        V, d, header_len = _read_header(src.stream, path)
        if V == 0:
            raise FormatError(f"{path}: the header announces 0 vectors: give a non-empty vectors file")
        n = V if limit is None else min(V, limit)
        if not src.plain:
            return _parse_binary(path, _Window(f=src.stream), V, d, n, unicode_errors, sized=False)
        data = mmap.mmap(src.raw.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            return _parse_binary(path, _Window(data=data, pos=src.offset + header_len), V, d, n, unicode_errors,
                                 sized=True)
        finally:
            data.close()


def _parse_binary(path, win: _Window, V: int, d: int, n: int, unicode_errors: str, sized: bool):
    """The first ``n`` of the ``V`` records ``word b" " float32[d]`` from ``win``. With ``sized`` (all
    the data is in ``win``), the claim is checked against the size before anything is allocated;
    otherwise storage grows with the records read."""
    nbytes = 4 * d
    if sized:
        left = len(win.buf) - win.pos
        need = n * (nbytes + 2)  # at least a 1-byte word, a space and d float32 per vector
        if need > left:
            raise FormatError(
                f"{path}: the header announces {V} vectors of dimension {d} (at least {need:,} bytes) but only "
                f"{left:,} bytes follow, room for {left // (nbytes + 2):,} at most: "
                "the file is truncated or its header is wrong"
            )
        vectors, rows = np.empty((n, d), np.float32), None
    else:
        vectors, rows = None, _Rows(d)
    words, index = [], {}
    for i in range(n):
        space = win.find(b" ", _MAX_WORD)
        if space < 0:
            if win.eof and not win.buf[win.pos:].strip(b"\n"):  # nothing left but word2vec.c's newlines
                raise FormatError(
                    f"{path}: the header announces {V} vectors but the file holds {i}: "
                    "it is truncated (or the header count is wrong)"
                )
            if win.eof and len(win.buf) - win.pos < _MAX_WORD:
                raise FormatError(f"{path}: the file ends inside vector {i + 1} of {V}: it is truncated")
            raise FormatError(f"{path}: vector {i + 1} of {V}: no word ends within {_MAX_WORD:,} bytes: "
                              "the file is damaged (or not word2vec binary)")
        raw = win.buf[win.pos:win.pos + space].lstrip(b"\n")  # word2vec.c writes '\n' after each vector
        if not raw:
            raise FormatError(f"{path}: vector {i + 1} has an empty word: the header dimension {d} is wrong")
        if not win.fill(space + 1 + nbytes):
            raise FormatError(f"{path}: the file ends inside vector {i + 1} of {V}: it is truncated")
        start = win.pos + space + 1
        row = np.frombuffer(win.buf[start:start + nbytes], "<f4")
        if sized:
            vectors[i] = row
        else:
            rows.next()[:] = row
        word = raw.decode("utf-8", unicode_errors)
        if index.setdefault(word, i) != i:
            raise FormatError(f"{path}: the word {word[:40]!r} appears twice (vectors {index[word] + 1} and {i + 1}): "
                              "remove the duplicate")
        words.append(word)
        win.pos = start + nbytes
    if n == V:
        win.fill(64)
        if win.buf[win.pos:win.pos + 64].strip():
            raise FormatError(f"{path}: data follows the {V} vectors the header announces: fix the header count")
    return _finish(path, words, vectors if sized else rows.matrix(), index)


def load_word2vec(path, binary: bool | None = None, limit: int | None = None, unicode_errors: str = "replace"):
    """Read word2vec text or binary vectors into an :class:`Embeddings` (binary when ``binary`` is True;
    when None, told from the content, whatever the name); ``limit`` keeps the first rows only. A file
    plainly of the other kind than a forced ``binary`` is refused rather than read as garbage.

    Words cut inside a UTF-8 character (word2vec.c truncates long words by bytes) are
    decoded with ``unicode_errors`` (``"replace"``: the broken bytes become U+FFFD).
    """
    if binary is not None:
        return (_read_binary if binary else _read_text_w2v)(path, limit, unicode_errors)
    with reading(path), Input(path) as src:
        fmt, _ = _sniff(src)
        if fmt == "word2vec-binary":
            return _read_binary(path, limit, unicode_errors, src)
        return _read_text(path, True, limit, unicode_errors, src)


def _read_text_w2v(path, limit, unicode_errors):
    return _read_text(path, True, limit, unicode_errors)


def load_glove(path, limit: int | None = None, unicode_errors: str = "replace"):
    """Read GloVe text vectors (``word v1 ... vd`` lines, no header) into an :class:`Embeddings`."""
    return _read_text(path, False, limit, unicode_errors)


def load_vectors(path, format: str | None = None, limit: int | None = None):
    """Read vectors in any supported ``format`` (told from the content when None, see
    :func:`detect_format`); gzip, bzip2 and xz files are decompressed, a pipe is read once."""
    if format is not None and format not in FORMATS:
        raise ConfigError(f"unknown vectors format {format!r}: use one of {', '.join(FORMATS)}")
    p = os.fspath(path)
    if format == "native" or (format is None and _is_native(p)):
        saved = read_model(path)
        emb = Embeddings(saved.vocab.words, saved.center, counts=saved.vocab.counts)
        if limit is not None and limit < len(emb):

            counts = None if emb.counts is None else emb.counts[:limit]
            emb = Embeddings(emb.words[:limit], emb.vectors[:limit], counts)
        return emb
    if format is not None:
        if format == "glove":
            return load_glove(path, limit)
        return load_word2vec(path, binary=format == "word2vec-binary", limit=limit)
    with reading(p), Input(p) as src:
        fmt, _ = _sniff(src)
        if fmt == "word2vec-binary":
            return _read_binary(p, limit, "replace", src)
        return _read_text(p, fmt == "word2vec", limit, "replace", src)


# -- native model: path.npz + path.json ----------------------------------------------------



















