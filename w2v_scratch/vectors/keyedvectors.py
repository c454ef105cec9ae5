"""``KeyedVectors``: the word vectors with their files — what ``Word2Vec.wv`` returns.

:class:`~w2v_scratch.vectors.embeddings.Embeddings` answers the queries (gensim's KeyedVectors calls);
this subclass adds the file calls a gensim user makes, with gensim's names and arguments,
written by ``vectors/formats.py`` (word2vec text/binary, GloVe, the memory-mapped ``.kv``; never pickle).
"""

from __future__ import annotations

import numpy as np

from . import formats as io
from .embeddings import DISTINCT_WORDS, Embeddings
from ..base.errors import ConfigError
from ..base.files import atomic_write, fspath
from ..corpus.vocab import Vocab


class KeyedVectors(Embeddings):
    """Word vectors, their queries (:class:`Embeddings`) and their files."""

    @classmethod
    def of(cls, emb: Embeddings) -> "KeyedVectors":
        """``emb`` as this class, sharing its words, index, vectors (a memory map stays one), norms and
        ``limit``."""
        kv = cls(emb.words, emb.vectors, counts=emb.counts,
                 index=DISTINCT_WORDS if emb._index is None else emb._index)
        kv._norms, kv._lookup, kv.limit = emb._norms, emb._lookup, emb.limit
        return kv

    # -- this project's names --------------------------------------------------------
    def save(self, path, format: str | None = None) -> None:
        """Write the vectors in the format the name says (``io.output_format``: ``.kv``/``.wordvectors``
        the memory-mapped file, ``.bin`` binary, ``.txt``/``.vec`` text, a further ``.gz``/``.bz2``/``.xz``
        compressed) or ``format`` (``"kv"`` for the memory-mapped file under another name)."""
        io.save_vectors(path, self, format=format)

    @classmethod
    def load(cls, path, format: str | None = None, limit: int | None = None, mmap: str | None = None
             ) -> "KeyedVectors":
        """Read vectors in any format ``io.load_vectors`` reads (told from the content). A ``.kv`` file
        opens without parsing: ``mmap='r'`` keeps its matrix a read-only ``np.memmap`` (past a sample of
        rows checked on opening, nothing of it is read until a query touches it), ``'c'`` copy-on-write, None (gensim's default) reads it into memory.
        Other formats are parsed, so ``mmap`` is refused for them (convert them once to ``.kv``)."""
        fspath(path, "KeyedVectors.load", "vectors.kv")
        fmt = io.detect_format(path) if mmap is not None else None
        if fmt not in (None, "kv"):
            raise ConfigError(f"mmap={mmap!r} maps a .kv file, and {path} is {fmt}, which is "
                              f"parsed into memory: leave mmap out, or convert it once: "
                              f"w2v-scratch convert {path} VECTORS.kv")
        emb = io.load_vectors(path, format=format, limit=limit, mmap=mmap)
        return emb if isinstance(emb, cls) else cls.of(emb)

    # -- gensim's names --------------------------------------------------------------
    def save_word2vec_format(self, fname, fvocab=None, binary: bool = False, total_vec=None,
                             write_header: bool = True, prefix: str = "", append: bool = False,
                             sort_attr: str = "count") -> None:
        """gensim's ``save_word2vec_format``: word2vec text (or ``binary``) vectors, with
        ``write_header=False`` the header line left out (GloVe), ``prefix`` before every word,
        and the vocabulary's ``word count`` lines in ``fvocab`` (word2vec.c's ``-save-vocab``).
        Rows are written in this object's order (most frequent first, as gensim sorts them)."""
        fspath(fname, "save_word2vec_format", "vectors.bin")
        if fvocab is not None:
            fspath(fvocab)
        if append:
            raise ConfigError("save_word2vec_format(append=True) is not supported: write a new file")
        if total_vec not in (None, len(self)):
            raise ConfigError(f"total_vec={total_vec} does not match the {len(self):,} vectors held")
        words = [prefix + w for w in self.words]
        if not write_header:
            io.save_glove(fname, words, self.vectors)
        else:
            io.save_word2vec(fname, words, self.vectors, binary=binary)
        if fvocab is not None:
            counts = self.counts if self.counts is not None else np.zeros(len(self), np.int64)
            with atomic_write(fvocab, "w") as f:
                for w, c in zip(words, np.asarray(counts).tolist()):
                    f.write(f"{w} {c}\n")

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary: bool = False, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: int | None = None, datatype=np.float32,
                             no_header: bool = False) -> "KeyedVectors":
        """gensim's ``load_word2vec_format``: word2vec text or ``binary`` vectors (``no_header``:
        GloVe), the counts from ``fvocab`` (``word count`` lines) when given."""
        fspath(fname, "load_word2vec_format", "vectors.bin")
        if encoding.replace("-", "").lower() not in ("utf8",):
            raise ConfigError(f"encoding {encoding!r}: w2v-scratch reads UTF-8 vector files only")
        if no_header:
            emb = io.load_glove(fname, limit=limit, unicode_errors=unicode_errors)
        else:
            emb = io.load_word2vec(fname, binary=binary, limit=limit, unicode_errors=unicode_errors)
        counts = None
        if fvocab is not None:
            saved = Vocab.load(fvocab)
            counts = np.array([saved.counts[saved.index[w]] if w in saved.index else 0 for w in emb.words],
                              np.int64)
        kv = cls(emb.words, np.asarray(emb.vectors, dtype=datatype), counts=counts)
        kv.limit = limit if limit is not None and len(kv) >= limit else None
        return kv
