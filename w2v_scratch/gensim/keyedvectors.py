"""gensim 4's ``KeyedVectors``, on this project's vectors: what ``w2v_scratch.gensim.Word2Vec.wv`` is.

:class:`KeyedVectors` is the native :class:`w2v_scratch.vectors.keyedvectors.KeyedVectors` (its
queries give gensim's answers and return types: ``most_similar`` a list of ``(str, float)``,
``similarity`` a NumPy float32...) with the calls and behaviours that are gensim's alone:

* the constructor takes the native ``(words, vectors, counts=None, index=None)``, sharing the arrays
  it is given (no copy), or gensim's ``KeyedVectors(vector_size, count=0, dtype=np.float32)``: no
  vectors yet, to be added with ``add_vectors`` (``count`` reserves nothing here; gensim fills
  ``count`` empty slots first);
* ``get_vecattr``/``set_vecattr``, ``add_vector(s)``, ``kv[keys] = vectors`` (``vecattrs.py``);
* ``save(path)`` writes the memory-mappable vectors file (words and a raw float32 matrix, never a
  pickle) under exactly the name given, whatever its suffix (``.kv``, ``.wordvectors``...), and
  ``load(path, mmap='r')`` maps its matrix read-only instead of reading it; a gensim pickle is
  named as one and never unpickled;
* ``doesnt_match`` and ``rank_by_centrality`` leave unknown words out (logging them), as gensim;
* ``init_sims(replace=True)`` (deprecated in gensim, as here) scales every row to unit length in place;
* ``load_word2vec_format`` without ``fvocab`` makes up gensim's counts V, V−1, ..., 1, and
  ``save_word2vec_format`` writes the rows by decreasing count (gensim's ``sort_attr``).

What differs from gensim is listed in the README ("Coming from gensim").
"""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np

from ..base.errors import ConfigError, FormatError
from ..base.files import fspath
from ..base.values import is_int, short_repr
from ..training import model_file
from ..vectors.keyedvectors import KeyedVectors as NativeKeyedVectors
from ..vectors.queries import QueryError, key_list
from ..vectors.sniff import foreign_file
from .absent import KEYED_VECTORS as ABSENT, absent
from .vecattrs import MissingAttributeError, VecAttrs, VectorsValueError, check_word  # noqa: F401

logger = logging.getLogger(__name__)

PICKLE_FIX = ("in gensim, write kv.save_word2vec_format('vectors.bin', binary=True) and read that file with "
              "KeyedVectors.load_word2vec_format('vectors.bin', binary=True)")
_ROWS_PER_STEP = 1 << 14  # rows normalised at a time by unit_normalize_all


class NotSupported(ConfigError, NotImplementedError):
    """A gensim call or argument that w2v-scratch does not carry out: a ``ConfigError`` for the
    project, a ``NotImplementedError`` for Python. The message names what gensim does and the way
    to get a result here."""


class BadArgument(ConfigError, ValueError):
    """An argument that makes no sense (``vector_size=0``...): a ``ConfigError`` for the project, a
    ``ValueError`` for Python."""


def _check_float32(dtype, name: str) -> None:
    if np.dtype(dtype) != np.float32:
        raise NotSupported(f"{name}={np.dtype(dtype).name}: w2v-scratch keeps vectors in float32 (gensim's "
                           f"default): leave {name} out")


class KeyedVectors(VecAttrs, NativeKeyedVectors):
    """Word vectors with gensim 4's ``KeyedVectors`` surface (see the module's docstring)."""

    def __init__(self, words=None, vectors=None, counts=None, index=None, *, vector_size=None, count=0,
                 dtype=np.float32, mapfile_path=None) -> None:
        """``KeyedVectors(words, vectors, counts=None, index=None)`` (the native form: the arrays are
        shared), or gensim's ``KeyedVectors(vector_size, count=0, dtype=np.float32, mapfile_path=None)``
        (an int first: no vectors yet)."""
        if is_int(words) or vector_size is not None:
            if is_int(words) and vector_size is not None:
                raise TypeError("KeyedVectors() got multiple values for argument 'vector_size'")
            vector_size = words if is_int(words) else vector_size
            count = vectors if vectors is not None else count  # gensim's positional (vector_size, count, dtype)
            dtype = counts if counts is not None else dtype
            if not is_int(vector_size) or vector_size < 1:
                raise BadArgument(f"vector_size={short_repr(vector_size)}: give a whole number of dimensions, 1 or more")
            if not is_int(count) or count < 0:
                raise BadArgument(f"count={short_repr(count)}: give a whole number of keys, 0 or more")
            _check_float32(dtype, "dtype")
            words, vectors, counts, index = [], np.zeros((0, vector_size), np.float32), None, None
        elif words is None or vectors is None:
            raise TypeError("KeyedVectors() needs vector_size (gensim's form) or words and vectors (the native form)")
        super().__init__(words, vectors, counts=counts, index=index)
        self.mapfile_path = mapfile_path

    @property
    def vectors(self) -> np.ndarray:
        """The (V, d) float32 matrix, row i the vector of ``index_to_key[i]``. Assigning a new matrix
        forgets the cached norms (gensim keeps them until ``fill_norms(force=True)``)."""
        return self.__dict__["vectors"]

    @vectors.setter
    def vectors(self, value) -> None:
        self.__dict__["vectors"] = value
        self.fill_norms(force=True)

    def __str__(self) -> str:
        """gensim's ``KeyedVectors<vector_size=100, 10000 keys>``."""
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    # -- files ---------------------------------------------------------------------------------------
    def save(self, fname_or_handle, separately=None, sep_limit: int = 10 * 1024 ** 2, ignore=frozenset(),
             pickle_protocol: int = 4) -> None:
        """Write the memory-mappable vectors file (words, counts and a raw float32 matrix; no pickle)
        under exactly the name given, whatever its suffix: nothing is written beside it. gensim's
        ``separately``, ``sep_limit``, ``ignore`` and ``pickle_protocol`` tune its pickle, which is
        never written here: they are accepted and change nothing."""
        fspath(fname_or_handle, "KeyedVectors.save", "vectors.kv")
        NativeKeyedVectors.save(self, fname_or_handle, format="kv")

    @classmethod
    def load(cls, fname, mmap=None) -> "KeyedVectors":
        """Read vectors that :meth:`save` wrote (or any vectors file w2v-scratch reads, told from its
        content); ``mmap='r'`` maps the saved matrix read-only instead of reading it into memory,
        ``mmap='c'`` copy-on-write (changes stay in memory). A file ``Word2Vec.save()`` wrote gives its
        word vectors, read into memory whatever ``mmap`` says (gensim returns the whole model there).
        A gensim pickle (``.kv``/``.model`` files gensim saved) is refused with one line, unread."""
        if mmap not in (None, "r", "c"):
            raise NotSupported(f"mmap={short_repr(mmap)}: w2v-scratch maps vectors read-only (mmap='r') or "
                               "copy-on-write ('c'), or reads them into memory (None); a map that writes to "
                               "the file ('r+') is not supported: change a copy and save() it")
        fspath(fname, "KeyedVectors.load", "vectors.kv")
        if model_file.is_model_file(fname):  # a Word2Vec.save() file: its word vectors, read into memory
            saved = model_file.read(fname)
            return cls(saved.vocab.words, saved.center, counts=saved.vocab.counts)
        _refuse_foreign(fname)
        kv = super().load(fname, mmap=mmap)
        return kv if isinstance(kv, cls) else cls(kv.words, kv.vectors, counts=kv.counts, index=kv.index)

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary: bool = False, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: int | None = None, datatype=np.float32,
                             no_header: bool = False) -> "KeyedVectors":
        """gensim's: word2vec text or ``binary`` vectors (``no_header``: GloVe text), the counts from
        ``fvocab``, or else gensim's made-up counts V, V−1, ..., 1 (so ``get_vecattr(w, "count")``
        answers as gensim's)."""
        _check_float32(datatype, "datatype")
        if no_header and binary:
            raise NotSupported("no_header=True reads text files only (as in gensim): give binary=False")
        kv = super().load_word2vec_format(fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                          unicode_errors=unicode_errors, limit=limit, no_header=no_header)
        if not isinstance(kv, cls):
            kv = cls(kv.words, kv.vectors, counts=kv.counts, index=kv.index)
        if kv.counts is None:
            kv.counts = np.arange(len(kv), 0, -1, dtype=np.int64)
        return kv

    def save_word2vec_format(self, fname, fvocab=None, binary: bool = False, total_vec=None,
                             write_header: bool = True, prefix: str = "", append: bool = False,
                             sort_attr: str = "count") -> None:
        """gensim's: the rows in decreasing order of ``sort_attr`` (ties in row order), or in row
        order when no key has that attribute; ``fvocab`` (``word count`` lines) needs the counts."""
        values = self.expandos.get(sort_attr)
        if fvocab is not None and sort_attr != "count":
            raise NotSupported(f"fvocab with sort_attr={sort_attr!r}: the vocabulary file holds counts here; "
                               "leave sort_attr out")
        if values is None and fvocab is not None:
            raise VectorsValueError(f"Cannot store vocabulary with {sort_attr!r} because that attribute does not "
                                    "exist: set the counts with set_vecattr(key, 'count', n) or leave fvocab out")
        order = None if values is None else np.argsort(-np.asarray(values), kind="stable")
        target = self
        if order is not None and (order != np.arange(len(order))).any():
            target = NativeKeyedVectors([self.words[i] for i in order.tolist()], self.vectors[order],
                                        counts=None if self.counts is None else self.counts[order])
        NativeKeyedVectors.save_word2vec_format(target, fname, fvocab=fvocab, binary=binary, total_vec=total_vec,
                                                write_header=write_header, prefix=prefix, append=append)

    # -- gensim's queries that differ from the native ones -------------------------------------------
    def rank_by_centrality(self, words, use_norm: bool = True) -> list:
        """``[(cosine, word), ...]`` by decreasing cosine with the unit mean of the words' (unit, if
        ``use_norm``) vectors. As gensim: unknown words are left out and logged as a warning; none
        left is a ``ValueError``."""
        words = key_list(words, "words")
        used = [w for w in words if w in self]
        if len(used) != len(words):
            logger.warning("vectors for words %s are not present in the model, ignoring these words",
                           set(words) - set(used))
        if not used:
            raise QueryError("cannot select a word from an empty list: none of the words given is in the "
                             "vocabulary")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = vectors.astype(np.float64).mean(axis=0)
        norm = float(np.sqrt(mean @ mean))
        mean = (mean / norm if norm > 0 else mean).astype(np.float32)
        return sorted(zip(vectors @ mean, used), reverse=True)  # (float32, word), as gensim

    def doesnt_match(self, words) -> str:
        """The word farthest from the mean of the others' unit vectors; unknown words are left out
        (logged), as gensim, and a list with no known word is a ``ValueError``."""
        return self.rank_by_centrality(words)[-1][1]

    def get_mean_vector(self, keys, weights=None, pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> np.ndarray:
        """gensim's: Σ w_i v_i / Σ |w_i| over the known keys (vectors used as given; unit vectors when
        ``pre_normalize``), a unit vector if ``post_normalize``; an unknown key is skipped, or a
        ``KeyError`` when ``ignore_missing`` is False. float32."""
        if len(keys) == 0:
            raise QueryError("cannot compute mean with no input: give at least one key")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(keys),):
            raise QueryError(f"{len(keys)} keys but weights of shape {weights.shape}: keys and weights array "
                             "must have same number of elements")
        mean, total = np.zeros(self.dim, np.float64), 0.0
        for key, weight in zip(keys, weights.tolist()):
            if isinstance(key, np.ndarray):
                vector = key.astype(np.float64)
                if vector.shape != (self.dim,):
                    raise QueryError(f"a vector of shape {vector.shape} among the keys: give ({self.dim},) vectors")
            elif key in self:
                vector = self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                self.get_index(key)  # raises the KeyError that names the key
            else:
                continue
            mean += weight * vector
            total += abs(weight)
        if total > 0:
            mean /= total
        if post_normalize:
            norm = float(np.sqrt(mean @ mean))
            mean = mean / norm if norm > 0 else mean
        return mean.astype(np.float32)

    def relative_cosine_similarity(self, wa, wb, topn: int = 10) -> float:
        """cos(wa, wb) / Σ cos(wa, w) over the ``topn`` words nearest to ``wa`` (Leeuwenberg et al.)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise QueryError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(s for _, s in sims)

    def vectors_for_all(self, keys, allow_inference: bool = True, copy_vecattrs: bool = False) -> "KeyedVectors":
        """A new KeyedVectors holding the known ``keys`` (each once, in the order given), with gensim's
        made-up counts n, n−1, ..., 1, or their own attributes when ``copy_vecattrs``."""
        rows, seen = [], set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                if key in self.index:
                    rows.append(self.index[key])
        out = type(self)([self.words[i] for i in rows], self.vectors[rows],
                         counts=np.arange(len(rows), 0, -1, dtype=np.int64))
        if copy_vecattrs:
            for attr, values in self.expandos.items():
                out.allocate_vecattrs([attr], [values.dtype])
                out.expandos[attr][:] = values[rows]
        return out

    # -- changing the vectors -------------------------------------------------------------------------
    def init_sims(self, replace: bool = False) -> None:
        """Deprecated in gensim (a ``DeprecationWarning`` here too): the unit vectors are computed when
        first needed. ``replace=True`` scales every row of :attr:`vectors` to unit length in place
        (the model's own vectors, when these are a model's ``wv``); a zero row stays zero."""
        warnings.warn("Call to deprecated `init_sims` (Use fill_norms() instead.)", DeprecationWarning, stacklevel=2)
        self.fill_norms()
        if replace:
            logger.warning("destructive init_sims(replace=True) deprecated & no longer required for space-efficiency")
            self.unit_normalize_all()

    def unit_normalize_all(self) -> None:
        """Scale every row to unit length, in place (a zero row stays zero; gensim makes it NaN)."""
        v = self.vectors
        if not v.flags.writeable:
            raise VectorsValueError("the vectors are read-only (loaded with mmap='r'): load them with mmap=None "
                                    "to change them")
        for start in range(0, len(v), _ROWS_PER_STEP):
            block = v[start:start + _ROWS_PER_STEP].astype(np.float64)
            norms = np.sqrt(np.einsum("ij,ij->i", block, block))
            norms[norms == 0] = 1.0
            v[start:start + _ROWS_PER_STEP] = block / norms[:, None]
        self.fill_norms(force=True)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows by decreasing count (ties: the later row first, as gensim's lexsort)."""
        if not len(self):
            return
        if self.counts is None:
            raise MissingAttributeError("no key has a count: set them with set_vecattr(key, 'count', n) first")
        order = np.lexsort((-np.arange(len(self)), -self.counts))
        extras = {attr: values[order] for attr, values in self.expandos.items()}
        self.words = [self.words[i] for i in order.tolist()]
        self.index = {w: i for i, w in enumerate(self.words)}
        self.vectors = self.vectors[order]
        self.counts = extras.pop("count")
        self._extra_attrs().update(extras)
        self.fill_norms(force=True)

    # -- gensim's calls not carried out here -----------------------------------------------------------
    def word_vec(self, *args, **kwargs) -> np.ndarray:
        """Deprecated alias of :meth:`get_vector` (as in gensim)."""
        warnings.warn("Call to deprecated `word_vec` (Use get_vector instead)", DeprecationWarning, stacklevel=2)
        return self.get_vector(*args, **kwargs)

    def words_closer_than(self, word1, word2) -> list:
        """Deprecated alias of :meth:`closer_than` (as in gensim)."""
        warnings.warn("Call to deprecated `words_closer_than` (Use closer_than instead)", DeprecationWarning,
                      stacklevel=2)
        return self.closer_than(word1, word2)

    def resize_vectors(self, seed: int = 0) -> None:
        """gensim's: give the keys without a row a random one. Here every key always has its row
        (``add_vectors`` adds both at once), so there is nothing to do."""

    def add_lifecycle_event(self, event_name: str, log_level: int = logging.INFO, **event) -> None:
        """gensim's: log ``event`` and keep it in ``lifecycle_events`` (in memory only: the files written
        here do not hold it)."""
        event = dict(event, event=event_name)
        self.__dict__.setdefault("lifecycle_events", []).append(event)
        logger.log(log_level, "%s lifecycle event %s", type(self).__name__, event)

    def __getattr__(self, name: str):
        """Only for names not found otherwise: gensim's names that are not kept here are refused in
        one line naming gensim's meaning and the way to get it (:func:`absent`)."""
        raise absent(self, name, ABSENT)

    def wmdistance(self, document1, document2, norm: bool = True):
        raise NotSupported("wmdistance (Word Mover's Distance, gensim's POT-based solver) is not implemented: "
                           "compute it with gensim on vectors written by save_word2vec_format")

    def intersect_word2vec_format(self, fname, lockf: float = 0.0, binary: bool = False, encoding: str = "utf8",
                                  unicode_errors: str = "strict"):
        raise NotSupported("intersect_word2vec_format (and its vectors_lockf) is not implemented: load the file "
                           "with KeyedVectors.load_word2vec_format and copy rows with kv[words] = other[words]")

    def similarity_unseen_docs(self, *args, **kwargs):
        raise NotSupported("similarity_unseen_docs is Doc2Vec's (gensim's KeyedVectors raises too)")


def _refuse_foreign(fname) -> None:
    """A pickle (gensim's own ``.kv``/``.model`` files), an archive... is refused with one line naming
    it and the way out, without reading further. Anything but a regular file (missing, a pipe, a
    device...) is left to the reader, which names the problem."""
    path = os.fspath(fname)
    foreign = foreign_file(path, PICKLE_FIX)
    if foreign:
        raise FormatError(f"{path} is {foreign}")
