"""Telling a vectors file's format from its content, whatever its name.

Compressed data is recognised by its first bytes and one layer is undone (``base/inputs.py``).
A ``.kv`` file (``kvfile.py``) is told by its magic bytes, whatever its name.
Formats w2v-scratch does not read (fastText models, pickles, zip/tar archives, HDF5, .npy,
UTF-16...) are named with the way out (:func:`_foreign`). A word2vec header ``V d`` is followed by
text rows or binary records: text is told from binary by the layout of the data after it
(:func:`_text_or_binary`); a file without a header is GloVe when its first line is text.
"""

from __future__ import annotations

import os
import re

from ..base.errors import FormatError
from ..base.inputs import SNIFF, Input, is_pickle, reading  # noqa: F401 (is_pickle: also read from here)
from ..training.model_file import META, is_model_file

FORMATS = ("word2vec", "word2vec-binary", "glove", "native", "kv")
KV_MAGIC = b"\x89W2V-KV\n"  # the first bytes of a .kv file (kvfile.py): not text (0x89), no other format's magic
_MAX_LINE = 64 << 20  # no text vectors line is longer ...
_LINE_SLACK, _VALUE_BYTES = 1 << 20, 128  # ... nor longer than this + this many bytes per value (d known)
_MAX_WORD = 1 << 20  # a binary record's word ends (with its space) within this many bytes


def is_kv(head: bytes) -> bool:
    """Whether a file's first bytes are a ``.kv`` file's (the memory-mapped format, ``kvfile.py``)."""
    return head.startswith(KV_MAGIC)


def _line_cap(d: int | None) -> int:
    """The longest text line read: 64 MiB, or far beyond what a word and d values need."""
    return _MAX_LINE if d is None else min(_MAX_LINE, _LINE_SLACK + _VALUE_BYTES * (d + 1))


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n|\Z)")  # never in a text file: tab, LF, CRLF are
_NUMISH = re.compile(rb"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eEdD][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.I)
_DECIMAL_COMMA = re.compile(rb"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_TOLD = "export the words and vectors in word2vec text or binary format"
_FOREIGN = (  # (magic bytes at offset 0, what the file is and how to get vectors from it)
    (b"\xba\x16\x4f\x2f", "a fastText model (.bin/.ftz), not word vectors: export them with fastText's "
                          "print-word-vectors, or use the .vec file fastText writes beside it (word2vec text)"),
    (b"PK\x03\x04", "a zip archive, not a w2v-scratch model: unzip it and give the vectors file inside (a "
                    "native model is read from its .npz + .json pair, or the one file Word2Vec.save() writes)"),
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


_MODEL_FILE = ("a w2v-scratch model file (written by Word2Vec.save()), whose word vectors are read when the "
               "format is told from the content: give the file itself (not piped or compressed) and leave "
               "--format out (or give --format native); in Python, load_vectors or KeyedVectors.load")
_MODEL_PAIR = ("the arrays of a w2v-scratch model (the .npz + .json pair), whose word vectors are read when the "
               "format is told from the content: leave --format out (or give --format native); in Python, "
               "load_vectors or KeyedVectors.load")


def _model_named(path, head: bytes) -> str | None:
    """What a model's file is, if ``head`` (or the .npz ``path`` with its .json beside it) is one:
    the one-file model (a zip whose first member is ``model_file.META``, told by its bytes) or a
    native pair's .npz. Named before :func:`_foreign`, which would call it a foreign archive."""
    if head.startswith(b"PK\x03\x04") and head[30:30 + len(META)] == META.encode():
        return _MODEL_FILE
    p = os.fspath(path)
    if p.endswith(".npz") and os.path.exists(p[:-4] + ".json") and head.startswith(b"PK"):
        return _MODEL_PAIR
    return None


PICKLE_FIX = "in gensim, write model.wv.save_word2vec_format('vectors.bin', binary=True) and give that file"


def foreign_file(path, pickle_fix: str = PICKLE_FIX) -> str | None:
    """What the regular file ``path`` is when its first bytes say it is a format w2v-scratch does not
    read (:func:`_foreign`; ``pickle_fix``: the caller's way out of a pickle), else None — None too
    when ``path`` is not a regular file or cannot be read, which the caller's reader then names.
    Nothing is unpickled: only the first bytes are read."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF)
    except OSError:
        return None
    return _foreign(head, pickle_fix)


def _foreign(head: bytes, pickle_fix: str = PICKLE_FIX) -> str | None:
    """What ``head`` starts, if it is a format we do not read (a fastText model, a pickle, an
    archive...), with the way out (``pickle_fix`` for a pickle: the caller's own, if it has one)."""
    for magic, what in _FOREIGN:
        if head.startswith(magic):
            return what
    if is_pickle(head):
        return ("a Python pickle (e.g. a gensim model or KeyedVectors saved with .save(), a .model or .pkl "
                f"file), which w2v-scratch never loads (unpickling runs code from the file): {pickle_fix}")
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
    if is_kv(head):
        return "kv", True
    foreign = _model_named(path, head) or _foreign(head)
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
    """Guess the format of ``path``: ``native`` (a model's .npz/.json, a base path with a .npz beside
    it, or a one-file model written by ``Word2Vec.save()``), else from its content (whatever its
    name): ``kv`` (the memory-mapped file, told by its first bytes), ``word2vec`` (a ``count dim``
    header then text rows), ``word2vec-binary`` (a header then binary records), ``glove`` (text
    rows, no header).
    A format w2v-scratch does not read (a fastText model, a pickle, an archive...) is named in a
    :class:`FormatError`. A pipe is consumed: read it with :func:`load_vectors` instead."""
    p = os.fspath(path)
    if _is_native(p):
        return "native"
    with reading(p), Input(p) as src:
        return _sniff(src)[0]


def _is_native(p: str) -> bool:
    """Whether ``p`` names a native model: a pair's .npz or .json (or their base name), or a one-file
    model (``training/model_file.py``, told by its archive's members)."""
    return (p.endswith((".npz", ".json")) or (not os.path.exists(p) and os.path.exists(p + ".npz"))
            or is_model_file(p))
