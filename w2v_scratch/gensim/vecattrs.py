"""gensim's per-key attributes and vector additions, for :class:`w2v_scratch.gensim.KeyedVectors`.

:class:`VecAttrs` is a mixin over the native vectors' ``words``, ``index``, ``vectors`` and ``counts``:

* ``get_vecattr(key, attr)`` / ``set_vecattr(key, attr, value)``: one value per key; the attribute
  ``"count"`` is the vectors' ``counts`` array itself (what ``save_word2vec_format(fvocab=...)``
  writes), any other name an array of its own, typed by the first value set (gensim's rule: an int
  is int64, a str an object, a later value of another kind a ``TypeError``);
* ``add_vector`` / ``add_vectors`` / ``kv[keys] = weights``: new keys are appended as new rows, an
  existing key keeps its vector unless ``replace=True``. A call that adds keys builds a new matrix
  (the old one, which a model may share, is left as it was) and copies the words and the word → row
  dict (so a dict a caller handed to the constructor is never changed); a call that only replaces
  vectors writes them in place (into a copy when the matrix is a read-only map, ``mmap='r'``), as
  gensim does. Either way the cached norms are forgotten.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..base.errors import FormatError
from ..base.values import short_repr
from ..vectors.queries import KeyTypeError, key_problem


class VectorsValueError(FormatError, ValueError):
    """Keys and vectors that do not make a set of word vectors (a vector of the wrong size, the
    same new key twice): a ``FormatError`` for the project, a ``ValueError`` as gensim raises."""


class MissingAttributeError(KeyError):
    """``get_vecattr`` of an attribute no key has: a ``KeyError``, as gensim's."""

    def __str__(self) -> str:  # the plain message (KeyError's own __str__ would quote it)
        return Exception.__str__(self)


def _attr_dtype(value) -> np.dtype:
    """The array type gensim gives an attribute whose first value is ``value``."""
    kind = type(value)
    if kind is int:
        return np.dtype(np.int64)
    if kind is str or kind is type(None):
        return np.dtype(object)
    return np.dtype(kind)


class VecAttrs:
    """Per-key attributes and vector additions, gensim's way (see the module's docstring)."""

    # -- attributes --------------------------------------------------------------------------------
    def _extra_attrs(self) -> dict:
        """The attributes other than ``count``: name → array, one value per row."""
        extra = self.__dict__.get("_vecattrs")
        if extra is None:
            extra = self.__dict__["_vecattrs"] = {}
        return extra

    @property
    def expandos(self) -> dict:
        """gensim's name for the attribute arrays: ``{"count": counts, ...}`` (the arrays themselves;
        ``count`` only once counts exist)."""
        out = {} if self.counts is None else {"count": self.counts}
        out.update(self._extra_attrs())
        return out

    def allocate_vecattrs(self, attrs=None, types=None) -> None:
        """gensim's: make sure an array exists for each of ``attrs`` (of ``types``), one value per key,
        new rows zero; without arguments, resize every existing one to the number of keys. A type that
        does not fit an existing array is a ``TypeError``, as in gensim."""
        n = len(self.words)
        if attrs is None:
            attrs = list(self.expandos)
            types = [self.expandos[a].dtype for a in attrs]
        for attr, kind in zip(attrs, types):
            kind = np.dtype(np.int64 if kind is int else object if kind is str else kind)
            current = self.expandos.get(attr)
            if current is not None and not np.issubdtype(kind, current.dtype):
                raise TypeError(f"Can't allocate type {kind} for attribute {attr}, conflicts with its existing "
                                f"type {current.dtype}")
            if current is not None and len(current) == n:
                continue
            grown = np.zeros(n, current.dtype if current is not None else kind)
            if current is not None:
                grown[:min(n, len(current))] = current[:n]
            if attr == "count":
                if grown.dtype != np.int64:
                    raise TypeError(f"the count attribute holds whole numbers (int64), not {grown.dtype}: set "
                                    "counts with ints")
                self.counts = grown
            else:
                self._extra_attrs()[attr] = grown

    def set_vecattr(self, key, attr: str, val) -> None:
        """Set ``attr`` of ``key`` to ``val`` (the array is made on first use, typed by ``val``)."""
        self.allocate_vecattrs([attr], [_attr_dtype(val)])
        self.expandos[attr][self.get_index(key)] = val

    def get_vecattr(self, key, attr: str):
        """The value of ``attr`` for ``key`` (a NumPy scalar: ``get_vecattr(w, "count")`` is an int64).
        An unknown key, or an attribute never set, is a ``KeyError``."""
        index = self.get_index(key)
        values = self.expandos.get(attr)
        if values is None:
            known = ", ".join(sorted(self.expandos)) or "none"
            raise MissingAttributeError(f"no key has the attribute {attr!r} (attributes set: {known}): "
                                        f"set it with set_vecattr(key, {attr!r}, value)")
        return values[index]

    # -- adding vectors ----------------------------------------------------------------------------
    def add_vector(self, key, vector) -> int:
        """Add ``vector`` under ``key`` as a new last row and return its row; a key already held keeps
        its vector and its row is returned (gensim returns the number of keys there, a row past the
        end). As gensim, each call copies the matrix, and says so in a ``UserWarning``."""
        check_word(key)
        if key in self.index:
            return self.index[key]
        vector = self._checked_weights([key], vector)
        warnings.warn("Adding single vectors to a KeyedVectors which grows by one each time can be costly. "
                      "Consider adding in batches or preallocating to the required size.", UserWarning,
                      stacklevel=2)
        self.add_vectors([key], vector)
        return self.index[key]

    def add_vectors(self, keys, weights, extras=None, replace: bool = False) -> None:
        """Append ``keys`` (a word or a list of words) with their vectors (``weights``: one vector, a
        list of vectors or a 2-D array). A key already held keeps its vector, or takes the new one when
        ``replace``. ``extras``: attribute name → one value per key (``"count"`` sets the counts)."""
        if isinstance(keys, (str, bytes, int, np.integer)):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys = [str(key) if isinstance(key, str) else key for key in keys]  # np.str_ → str
        for key in keys:
            check_word(key)
        weights = self._checked_weights(keys, weights)
        extras = {attr: np.asarray(values) for attr, values in (extras or {}).items()}
        for attr, values in extras.items():
            if values.shape[:1] != (len(keys),):
                raise VectorsValueError(f"extras[{attr!r}] has {len(values)} values for {len(keys)} keys: give one "
                                        "value per key")
        new = [i for i, key in enumerate(keys) if key not in self.index]
        if len({keys[i] for i in new}) != len(new):
            twice = next(keys[i] for n, i in enumerate(new) if keys[i] in {keys[j] for j in new[:n]})
            raise VectorsValueError(f"the new key {twice!r} is given twice: give each key once")
        old = [i for i in range(len(keys)) if i not in set(new)] if replace else []
        start = len(self.words)
        if new:
            words, index = list(self.words), dict(self.index)
            for n, i in enumerate(new):
                words.append(keys[i])
                index[keys[i]] = start + n
            vectors = np.empty((start + len(new), self.vectors.shape[1]), np.float32)
            vectors[:start] = self.vectors
            vectors[start:] = weights[new]
            self.words, self.index, self.vectors = words, index, vectors
        elif old and not self.vectors.flags.writeable:
            self.vectors = np.array(self.vectors)  # a read-only map: the new values go into a copy
        index = self.index
        self.allocate_vecattrs([a for a in extras], [v.dtype for v in extras.values()])
        self.allocate_vecattrs()
        for attr, values in extras.items():
            self.expandos[attr][start:] = values[new]
        rows = [index[keys[i]] for i in old]
        if rows:
            self.vectors[rows] = weights[old]
            for attr, values in extras.items():
                self.expandos[attr][rows] = values[old]
        self.fill_norms(force=True)

    def __setitem__(self, keys, weights) -> None:
        """``kv[key] = vector`` / ``kv[keys] = matrix``: :meth:`add_vectors` with ``replace=True``."""
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def _checked_weights(self, keys: list, weights) -> np.ndarray:
        """``weights`` as a (len(keys), d) float32 array of finite numbers, or a one-line refusal."""
        d = self.vectors.shape[1]
        try:
            array = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise VectorsValueError(f"the vectors given ({short_repr(weights)}) are not numbers: give one "
                                    f"{d}-dimensional vector per key") from None
        if array.ndim == 1 and len(keys) == 1:
            array = array.reshape(1, -1)
        if array.shape != (len(keys), d):
            raise VectorsValueError(f"vectors of shape {array.shape} for {len(keys)} key(s): give one "
                                    f"{d}-dimensional vector per key")
        with np.errstate(over="ignore"):
            array = array.astype(np.float32)
        if not np.isfinite(array).all():
            raise VectorsValueError("a vector given holds NaN, infinity or a value beyond float32: give finite "
                                    "vectors")
        return array


def check_word(key) -> None:
    """A key added to the vectors is a word (``str``): anything else is a :class:`KeyTypeError`
    (gensim takes any hashable key; the files hold words)."""
    if not isinstance(key, str):
        raise KeyTypeError(key_problem(key, "a new key") + " (a key added is a word)")
