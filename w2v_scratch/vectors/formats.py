"""Word vector files: word2vec text and binary, GloVe, and the word vectors of a native model.

This module is the entry point: :func:`load_vectors` and :func:`save_vectors` dispatch by format,
and every public name of the format modules is importable from here. The work is done in
``writers.py`` (writing), ``sniff.py`` (telling a file's format from its content), ``readers.py``
(reading word2vec text and binary and GloVe) and ``kvfile.py`` (the memory-mapped ``.kv`` file); a
native model is read by ``training/persist.py``.

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
  history) — written and read by ``training/persist.py`` — or the one file ``Word2Vec.save()``
  writes (``training/model_file.py``); their word vectors are read here too (:func:`read_native`).
* ``.kv`` (also named ``.wordvectors``): a header, the raw float32 matrix at a page-aligned offset,
  the row norms, the counts and the words, in one file (``kvfile.py``); opened without parsing,
  its matrix mapped read-only by default.
  No pickle anywhere.

Names and content. A vectors output is written in the format its name says
(:func:`output_format`: ``.kv``/``.wordvectors`` the memory-mapped file; ``.bin``
binary; ``.txt``, ``.vec`` or no suffix text; a further ``.gz``/``.bz2``/``.xz``
compresses a text or binary file, as gensim reads it), or under any of those names the
format given explicitly; a name that says another kind of file (``.npz``, ``.csv``...) is refused.
An input's format is told from its content, never its name:
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

from .embeddings import Embeddings
from ..base.files import fspath
from ..base.errors import ConfigError, FormatError
from ..base.inputs import SNIFF, Input, reading
from ..training import model_file
from ..training.persist import read_model
from .kvfile import load_kv, save_kv
from .readers import _read_binary, _read_text, load_glove, load_word2vec
from .sniff import FORMATS, _is_native, _sniff, detect_format, is_kv  # noqa: F401
from .writers import (WRITE_FORMATS, output_format, save_glove, save_word2vec, save_word2vec_binary,  # noqa: F401
                      save_word2vec_text)
from .writers import save_vectors as _save_parsed


def save_vectors(path, emb, format: str | None = None) -> None:
    """Write ``emb`` in ``format``, or the format its name says (:func:`output_format`, which refuses
    names that say a format other than vectors): ``.kv``/``.wordvectors`` the memory-mapped file
    (with the counts, when ``emb`` has them), the others as ``writers.py`` writes them."""
    fspath(path, "save_vectors")
    if output_format(path, format) == "kv":
        save_kv(path, emb.words, emb.vectors, getattr(emb, "counts", None))
    else:
        _save_parsed(path, emb, format)


def load_vectors(path, format: str | None = None, limit: int | None = None, mmap: str | None = "r"):
    """Read vectors in any supported ``format`` (told from the content when None, see
    :func:`detect_format`); gzip, bzip2 and xz files are decompressed, a pipe is read once. A ``.kv``
    file is opened without parsing: ``mmap='r'`` (the default) maps its matrix read-only, ``'c'``
    copy-on-write, None reads it into memory (``kvfile.load_kv``); other formats are parsed into
    memory whatever ``mmap`` says.
    With ``limit`` N and N words read, the result's ``limit`` is N: a word not found may lie
    beyond it, and the unknown-word message says so."""
    emb = _load_vectors(path, format, limit, mmap)
    if limit is not None and len(emb) >= limit:
        emb.limit = limit
    return emb


def _load_vectors(path, format: str | None, limit: int | None, mmap: str | None):
    if format is not None and format not in FORMATS:
        raise ConfigError(f"unknown vectors format {format!r}: use one of {', '.join(FORMATS)}")
    p = fspath(path, "load_vectors")
    if format == "kv":
        return _open_kv(p, mmap, limit)
    if format == "native" or (format is None and _is_native(p)):
        saved = read_native(path)
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
        if fmt == "kv":
            if not src.plain:
                how = f"{src.compression}-compressed: decompress it" if src.compression else "a pipe: give the file"
                raise FormatError(f"{p} holds a .kv vectors file, which is memory-mapped as it lies, but it is {how}")
            src.close()
            return load_kv(p, mmap, limit)
        if fmt == "word2vec-binary":
            return _read_binary(p, limit, "replace", src)
        return _read_text(p, fmt == "word2vec", limit, "replace", src)


def read_native(path):
    """The native model saved at ``path``: a one-file model (``Word2Vec.save()``,
    ``training/model_file.py``) or the .npz + .json pair (``training/persist.py``), every part checked."""
    return model_file.read(path) if model_file.is_model_file(path) else read_model(path)


def _open_kv(path: str, mmap, limit):
    """A forced ``--format kv``: the file must be a regular, uncompressed .kv file (its first bytes say so)."""
    with reading(path), Input(path) as src:
        if not src.plain or not is_kv(src.sample(SNIFF)):
            try:
                fmt = _sniff(src)[0]
            except FormatError:
                fmt = None
            said = f" (it is {fmt}: leave --format out)" if fmt and fmt != "kv" else ""
            raise FormatError(f"{path} is not a .kv vectors file{said}: write one with w2v-scratch convert IN OUT.kv")
    return load_kv(path, mmap, limit)
