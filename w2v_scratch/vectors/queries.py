"""The searches of :class:`~w2v_scratch.vectors.embeddings.Embeddings`: cosines, nearest words,
3CosAdd and 3CosMul analogies, with gensim's arguments and answers.

:class:`Queries` is a mixin: it reads ``self.vectors``, ``self.row_norms()`` (the V norms
``||v_i||``, computed once), ``self.words`` and ``self.get_index`` of the class it is mixed into. Every
search is a product of the raw vectors with unit query vectors, divided by the row norms, block by
block (``cosine.py``): no normalised copy of the matrix is made, and several queries
(:meth:`Queries.most_similar_batch`, :meth:`Queries.nearest`) share one pass over it.
``restrict_vocab=N`` searches only the first N words.

Every key is checked (:func:`check_key`): a word (``str``) or an int row index, anything else a
:class:`KeyTypeError`; the query vectors of a search must be ``dim`` finite numbers (:class:`QueryError`;
:meth:`Queries.cosine_similarities`, gensim's static formula, checks nothing).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

from ..base.errors import W2VError
from ..base.values import is_int, is_real, short_repr
from .cosine import cosines, row_norms, rows_per_step, search
from .ranking import COSMUL_EPS, top_k

_KEY_TYPES = (str, int, np.integer)  # gensim's key types: a word, or an int row index
_BYTES = (bytes, bytearray, memoryview)


class QueryError(W2VError, ValueError):
    """A query that cannot be answered (no word given, a vector of the wrong size or holding NaN or
    infinity, no usable line in an evaluation file): a :class:`W2VError`, and a ``ValueError`` as
    gensim raises."""


class KeyTypeError(QueryError, KeyError, TypeError):
    """A key that is neither a word (``str``) nor an int row index: ``bytes`` (which would otherwise
    be read as the row indexes of its byte values), a float, ``None``, a ``bool``, an array...
    A :class:`QueryError`; a ``KeyError``, as gensim raises for a key it does not hold; and a
    ``TypeError``, since the key's type is the mistake."""

    def __str__(self) -> str:  # the plain message (KeyError's own __str__ would quote it)
        return Exception.__str__(self)


def key_problem(key, what: str = "key") -> str:
    """Why ``key`` is not a key, and the fix, in one line."""
    rule = "a key is a word (str) or an int row index"
    if isinstance(key, _BYTES):
        text = bytes(key).decode("utf-8", "replace")
        return (f"{what} {short_repr(bytes(key))} is {type(key).__name__}, not a str: {rule}; decode it first "
                f"({short_repr(text)}, e.g. key.decode('utf-8'))")
    if isinstance(key, (bool, np.bool_)):
        return f"{what} {key!r} is a bool, not a word or a row index: {rule}"
    if isinstance(key, np.ndarray):
        return (f"{what} is a NumPy array of shape {key.shape} (dtype {key.dtype}), not a word or a row index: "
                f"{rule} (a 1-D array of words, or of row indexes, is a list of keys)")
    hint = f" (int(key) for row {int(key)})" if is_real(key) and float(key).is_integer() else ""
    return f"{what} {short_repr(key)} is a {type(key).__name__}, not a word or a row index: {rule}{hint}"


def check_key(key, what: str = "key"):
    """``key`` itself if it is a word (``str``) or an int row index (not a ``bool``), else a
    :class:`KeyTypeError` naming its type and the fix."""
    if isinstance(key, str) or is_int(key):
        return key
    raise KeyTypeError(key_problem(key, what))


def key_list(keys, what: str = "keys") -> list:
    """``keys`` — a list, tuple, 1-D array or other iterable of keys — as a list, each key checked
    (:func:`check_key`). A string (``str`` or ``bytes``) is refused: its characters are no keys."""
    if isinstance(keys, np.ndarray) and keys.ndim != 1:
        raise KeyTypeError(f"{what} is a NumPy array of shape {keys.shape}: give a list (or a 1-D array) of keys")
    keys = _items(keys, what)
    for key in keys:
        check_key(key)
    return keys


def check_topn(topn) -> None:
    """``topn`` is an int (below 1: no answer, as gensim) or None (every score); anything else is refused."""
    if topn is not None and not isinstance(topn, Integral):
        raise QueryError(f"topn={short_repr(topn)}: give a whole number of words, or None for every score")


def check_rows(value, name: str) -> None:
    """``restrict_vocab``/``clip_start``/``clip_end``: None or a whole number of rows, 0 or more."""
    if value is not None and (not is_int(value) or value < 0):
        raise QueryError(f"{name}={short_repr(value)}: give a whole number of rows (0 or more), or None")


class Queries:
    """Similarity searches over ``self.vectors`` and their norms (see the module's docstring)."""

    def unit_rows(self, ids) -> np.ndarray:
        """The unit vectors v_i / ||v_i|| (float32, a new array; a zero row stays zero) of rows ``ids``."""
        ids = np.asarray(ids, dtype=np.intp)
        norms = self.row_norms()[ids]
        rows = np.asarray(self.vectors[ids], dtype=np.float64)
        return (rows / np.where(norms == 0, 1.0, norms)[:, None]).astype(np.float32)

    def similarity(self, w1, w2) -> np.float32:
        """Cosine similarity cos(v1, v2) = v1·v2 / (||v1|| ||v2||), a NumPy float32 as gensim's."""
        u = self.unit_rows([self.get_index(w1), self.get_index(w2)])
        return np.dot(u[0], u[1])

    def distance(self, w1, w2) -> np.float32:
        """Cosine distance 1 − cos(v1, v2)."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2) -> np.float32:
        """Cosine between the means of the raw vectors of two lists of keys (words, row indexes or vectors).

        As gensim: unknown words are left out of the means (a side with no known word has a zero mean,
        and the similarity is 0.0); an empty list raises ``ZeroDivisionError``. A string (``str`` or
        ``bytes``) is refused for a list, and so is a key of another type (:class:`KeyTypeError`)."""
        ws1, ws2 = _items(ws1, "ws1"), _items(ws2, "ws2")
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        return np.float32(np.dot(_unit(self._raw_mean(ws1)), _unit(self._raw_mean(ws2))))

    def _raw_mean(self, keys) -> np.ndarray:
        """Mean of the raw vectors of the known ``keys`` (arrays used as given; float64)."""
        total, n = np.zeros(self.dim, np.float64), 0
        for key in keys:
            if isinstance(key, np.ndarray):
                total += self._check_vector(key)
            elif key in self:
                total += self.vectors[self.get_index(key)]
            else:
                continue
            n += 1
        return total / n if n else total

    @staticmethod
    def cosine_similarities(vector_1, vectors_all) -> np.ndarray:
        """cos(vector_1, row) for each row of ``vectors_all`` (gensim's static method, same formula:
        a zero vector gives NaN)."""
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return np.dot(vectors_all, vector_1) / (norm * all_norms)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """1 − cos(x, w) for each word w of ``other_words`` (every word of the vocabulary, the key
        itself included, when empty); ``x`` is a key or a vector. float32, or float64 for a float64 vector."""
        if isinstance(word_or_vector, (*_KEY_TYPES, *_BYTES)) or np.ndim(word_or_vector) == 0:
            u = self.unit_rows([self.get_index(word_or_vector)])[0]  # a key, or a KeyTypeError
        else:
            v = self._check_vector(word_or_vector)
            u = _unit(v).astype(np.result_type(v.dtype, np.float32))
        other_words = key_list(other_words, "other_words") if other_words is not None else []
        if other_words:
            return 1 - self.unit_rows([self.get_index(w) for w in other_words]) @ u
        return 1 - cosines(self.vectors, self.row_norms(), u).astype(u.dtype)[0]

    def closer_than(self, key1, key2) -> list[str]:
        """The words closer to ``key1`` than ``key2`` is (strictly smaller cosine distance), in row order,
        ``key1`` left out."""
        dist = self.distances(key1)
        i1, i2 = self.get_index(key1), self.get_index(key2)
        return [self.words[i] for i in np.flatnonzero(dist < dist[i2]).tolist() if i != i1]

    def rank(self, key1, key2) -> int:
        """1 + the number of words closer to ``key1`` than ``key2`` is."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        keys_list = key_list(keys_list, "keys_list")
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def _check_vector(self, vector) -> np.ndarray:
        """``vector`` as an array, checked to be ``dim`` finite numbers (a NaN or infinite value has
        no direction: every cosine with it would be NaN, and the ranking arbitrary)."""
        if isinstance(vector, _BYTES):  # NumPy would read a bytearray as uint8 numbers
            raise KeyTypeError(key_problem(vector))
        v = np.asarray(vector)
        if v.shape != (self.dim,) or v.dtype.kind not in "biuf":
            raise QueryError(f"query vector has shape {v.shape} (dtype {v.dtype}), expected ({self.dim},) numbers")
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            bad = int(np.flatnonzero(~np.isfinite(v))[0])
            raise QueryError(f"the query vector holds {v[bad]} at index {bad}: a query vector must be finite "
                             "(check how it was computed)")
        return v

    def _terms(self, items, weight: float, what: str) -> tuple[list[np.ndarray], list[float], list[int]]:
        """Split query items into vectors, weights and rows, with gensim's forms: ``items`` is a key
        (word or int row index), a vector, a 2-D array (one vector a row) or a list (or 1-D array) of
        these, and any item may be a ``(item, weight)`` pair whose weight replaces the default
        ``weight``. Keys give their unit vector (and their row, to leave out of the answers); vectors
        are used as given. Refused: a key of another type (``bytes``, a float, ``None``...: a
        :class:`KeyTypeError`), a vector of the wrong size or not finite, a weight that is not a
        finite number."""
        if items is None:
            return [], [], []
        if isinstance(items, _KEY_TYPES) or (isinstance(items, np.ndarray) and items.ndim == 1
                                             and items.dtype.kind in "biuf"):
            items = [items]
        elif isinstance(items, _BYTES) or not _iterable(items):
            raise KeyTypeError(key_problem(items, what))
        vecs, weights, ids = [], [], []
        for item in items:
            w = weight
            if (isinstance(item, tuple) and len(item) == 2) or (
                    isinstance(item, list) and len(item) == 2 and isinstance(item[0], (*_KEY_TYPES, np.ndarray))):
                item, w = item
                if not is_real(w) or not math.isfinite(w):
                    raise QueryError(f"the weight {short_repr(w)} of a {what} item is not a finite number: give "
                                     "(key, weight) pairs with a number as the weight")
            if isinstance(item, _KEY_TYPES):
                i = self.get_index(item)
                ids.append(i)
                vecs.append(self.unit_rows([i])[0])
            elif isinstance(item, (np.ndarray, list, tuple)):
                vecs.append(self._check_vector(item).astype(np.float32))
            else:
                raise KeyTypeError(key_problem(item, f"{what} item"))
            weights.append(float(w))
        return vecs, weights, ids

    def nearest(self, queries, topn: int = 10, restrict_vocab: int | None = None, exclude=None):
        """Rows of the ``topn`` largest cosines cos(v_j, q) for each query row q, all queries in one
        pass over the matrix (block by block, ``cosine.search``).

        ``exclude`` is a list (one per query) of row ids to leave out. Returns
        ``(ids, scores)``, both (n, topn), best first (equal cosines: the smaller row first); slots
        with nothing left hold id -1.
        """
        q = np.atleast_2d(np.asarray(queries, dtype=np.float64))
        if not np.isfinite(q).all():
            raise QueryError("a query vector holds NaN or infinity: a query vector must be finite")
        check_rows(topn, "topn")
        check_rows(restrict_vocab, "restrict_vocab")
        qn = row_norms(q)[:, None]
        q = (q / np.where(qn == 0, 1, qn)).astype(np.float32)
        return search(self.vectors, self.row_norms(), q, topn, 0, restrict_vocab or None, exclude)

    def query_vector(self, positive=None, negative=None) -> tuple[np.ndarray, list[int]]:
        """The 3CosAdd query of :meth:`most_similar`: the unit vector of m = Σ_i s_i u_i / Σ_i |s_i|
        (float32) and the rows of the query keys (left out of the answers). Raises the errors of a bad
        query (an unknown word, a key of another type, no word at all) without searching."""
        pv, pw, pids = self._terms(positive, 1.0, "positive")
        nv, nw, nids = self._terms(negative, -1.0, "negative")
        if not pv and not nv:
            raise QueryError("give at least one positive or negative word")
        weights = np.asarray(pw + nw, dtype=np.float64)
        total = np.abs(weights).sum()
        mean = _unit(weights @ np.vstack(pv + nv).astype(np.float64) / (total or 1.0)).astype(np.float32)
        return mean, pids + nids

    def most_similar(self, positive=None, negative=None, topn=10, clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer=None):
        """3CosAdd: rank words w by cos(w, m), m = Σ_i s_i u_i / Σ_i |s_i|, where u_i is the unit vector
        of key i (raw vectors are used as given), s_i = +1 for ``positive`` and −1 for ``negative``
        (or the weight of an ``(item, weight)`` pair). The query keys themselves are left out.

        gensim's arguments: ``positive``/``negative`` take a key, a vector or a list (see :meth:`_terms`);
        only rows ``clip_start:clip_end`` are searched, or the first ``restrict_vocab`` (which overrides
        the clips); an ``indexer`` (e.g. gensim's ``AnnoyIndexer``) is asked ``indexer.most_similar(m, topn)``
        instead, as gensim does (query keys included).

        Returns ``[(word, cosine), ...]`` (best first, equal cosines in row order; ``[]`` when ``topn``
        < 1), or every cosine of the searched rows as a float32 array when ``topn`` is None.
        """
        lo, hi = self._span(topn, clip_start, clip_end, restrict_vocab)
        if isinstance(topn, Integral) and topn < 1:
            return []
        mean, exclude = self.query_vector(positive, negative)
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        if not topn:
            return cosines(self.vectors, self.row_norms(), mean, lo, hi)[0]
        return self._answers([mean], [exclude], topn, lo, hi)[0]

    def most_similar_batch(self, queries, topn: int = 10, clip_start: int = 0, clip_end: int | None = None,
                           restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
        """:meth:`most_similar` for many queries at once, with the same answers: all of them in one
        pass over the matrix (one matrix-matrix product per block of rows). Each query is what
        ``positive`` takes (a key, a vector or a list), or a dict ``{"positive": ..., "negative": ...}``.
        Returns one ``[(word, cosine), ...]`` list per query (``topn`` must be a number here)."""
        if topn is None:
            raise QueryError("most_similar_batch needs a number of words (topn): call most_similar(topn=None) "
                             "for every score of one query")
        lo, hi = self._span(topn, clip_start, clip_end, restrict_vocab)
        if isinstance(queries, (str, *_BYTES)) or not _iterable(queries):
            raise KeyTypeError(f"queries is a {type(queries).__name__} ({short_repr(queries)}), not a list of "
                               f"queries: give a list, e.g. [{short_repr(queries)}]")
        prepared = []
        for query in queries:
            pos, neg = (query.get("positive"), query.get("negative")) if isinstance(query, dict) else (query, None)
            prepared.append(self.query_vector(pos, neg))
        if topn < 1 or not prepared:
            return [[] for _ in prepared]
        return self._answers([m for m, _ in prepared], [e for _, e in prepared], topn, lo, hi)

    def search_queries(self, prepared, topn: int = 10, restrict_vocab: int | None = None):
        """The answers of :meth:`most_similar_batch` to queries already prepared by :meth:`query_vector`
        (a list of its ``(vector, excluded rows)`` pairs): for a caller that checks each query first."""
        lo, hi = self._span(topn, 0, None, restrict_vocab)
        if topn is None or topn < 1 or not prepared:
            return [[] for _ in prepared]
        return self._answers([m for m, _ in prepared], [e for _, e in prepared], topn, lo, hi)

    def _span(self, topn, clip_start, clip_end, restrict_vocab) -> tuple[int, int]:
        """The rows searched, ``lo:hi``, after checking the arguments (restrict_vocab overrides the clips)."""
        check_topn(topn)
        for value, name in ((clip_start, "clip_start"), (clip_end, "clip_end"), (restrict_vocab, "restrict_vocab")):
            check_rows(value, name)
        if restrict_vocab:
            return 0, min(restrict_vocab, len(self))
        return clip_start, min(clip_end or len(self), len(self))

    def _answers(self, means, excludes, topn: int, lo: int, hi: int) -> list[list[tuple[str, float]]]:
        ids, scores = search(self.vectors, self.row_norms(), np.vstack(means), topn, lo, hi, excludes)
        return [self._pairs(i, s) for i, s in zip(ids, scores)]

    def similar_by_key(self, key, topn=10, restrict_vocab: int | None = None):
        """The ``topn`` words nearest to ``key`` (itself left out): ``most_similar(positive=[key])``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn=10, restrict_vocab: int | None = None):
        """gensim's older name for :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab: int | None = None):
        """The ``topn`` words nearest to ``vector`` (none left out)."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def cosmul_scores(self, positive, negative, restrict_vocab: int | None = None) -> np.ndarray:
        """3CosMul score of every word w: Π_p c(w, p) / (Π_n c(w, n) + 1e-6), c(w, x) = (1 + cos(w, x)) / 2.

        ``positive``/``negative`` are (k, d) matrices of query vectors (unit-normalised here). An empty
        product is 1 (a float64, as in gensim, whose scores are then float64; float32 otherwise)."""
        if len(positive) == 0 and len(negative) == 0:
            raise QueryError("give at least one positive word")

        def product(terms):
            if len(terms) == 0:
                return np.float64(1.0)
            t = np.asarray(terms, dtype=np.float64)
            t = (t / np.maximum(row_norms(t)[:, None], 1e-30)).astype(np.float32)
            return np.prod((1.0 + cosines(self.vectors, self.row_norms(), t, 0, restrict_vocab or None)) / 2.0,
                           axis=0)

        return product(positive) / (product(negative) + COSMUL_EPS)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab: int | None = None):
        """3CosMul (Levy & Goldberg 2014): rank words by :meth:`cosmul_scores`; query words left out.

        Same arguments and answers as gensim's, except that (1) ``restrict_vocab`` is honoured (gensim
        accepts it but searches every word) and (2) raw query vectors are unit-normalised first (gensim
        takes their dot products unscaled, so its scores then depend on the vectors' lengths); int row
        indexes are keys here (gensim mistakes them for vectors). ``topn`` None: every score, as an array."""
        check_topn(topn)
        check_rows(restrict_vocab, "restrict_vocab")
        if isinstance(topn, Integral) and topn < 1:
            return []
        pv, _, pids = self._terms(positive, 1.0, "positive")
        nv, _, nids = self._terms(negative, -1.0, "negative")
        if not pv:
            raise QueryError("3CosMul needs at least one positive word")
        scores = self.cosmul_scores(np.vstack(pv), np.vstack(nv) if nv else [], restrict_vocab)
        if not topn:
            return scores
        ids, top = top_k(scores.copy(), topn, [pids + nids])
        return self._pairs(ids[0], top[0])

    def doesnt_match(self, words):
        """The word farthest from the others: argmin_i u_i·m, m = unit(mean of the unit vectors u_i)
        (ties go to the smallest word, as gensim's sort). Unlike gensim, which leaves unknown words out
        (with a logged warning), an unknown word raises :class:`UnknownWordError`."""
        words = key_list(words, "words")
        if not words:
            raise QueryError("doesnt_match needs at least one word")
        u = self.unit_rows([self.get_index(w) for w in words])
        mean = _unit(u.astype(np.float64).mean(axis=0)).astype(np.float32)
        return min(zip((u @ mean).tolist(), words))[1]

    def _pairs(self, ids, scores) -> list[tuple[str, float]]:
        return [(self.words[i], float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if i >= 0]


def _iterable(value) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _items(items, what: str) -> list:
    """``items`` as a list (of keys, or for n_similarity's ``ws1``/``ws2`` keys and vectors): a string
    (``str`` or ``bytes``: its characters are no keys) or a value that is not iterable is refused; each
    key is checked where it is used."""
    if isinstance(items, (str, *_BYTES)) or not _iterable(items):
        raise KeyTypeError(f"{what} is a {type(items).__name__} ({short_repr(items)}), not a list of keys: "
                           f"give a list, e.g. [{short_repr(items)}]")
    return list(items)


_row_norms, _rows_per_step = row_norms, rows_per_step  # the names embeddings.py and older code import


def _unit(vector) -> np.ndarray:
    """``vector / ||vector||`` in float64 (a zero vector stays zero, as gensim's ``unitvec``)."""
    v = np.asarray(vector, dtype=np.float64)
    norm = float(row_norms(v[None, :])[0])
    return v / norm if norm > 0 else v
