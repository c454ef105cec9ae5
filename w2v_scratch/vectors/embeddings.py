"""``Embeddings``: query trained word vectors, with gensim 4's ``KeyedVectors`` surface.

    >>> emb = load_vectors("vectors.bin")
    >>> emb.most_similar("king", topn=3)
    >>> emb.most_similar(positive=["woman", "king"], negative=["man"])   # 3CosAdd
    >>> emb.similarity("cat", "dog")

Every search is a matrix product of the raw vectors with unit query vectors, divided by the row
norms ``||v_i||`` (V numbers, computed once and cached, or read from a ``.kv`` file): no second,
normalised copy of the matrix is held unless asked for (:attr:`Embeddings.normed`,
``get_normed_vectors``). The matrix may be a read-only ``np.memmap`` (a ``.kv`` file opened with
``mmap='r'``): queries only read it. ``restrict_vocab=N`` searches only the first N words (the most
frequent, as files are sorted by count).

The gensim calls (``key_to_index``, ``index_to_key``, ``vector_size``, ``get_vector``,
``get_index``, ``most_similar``, ``most_similar_cosmul``, ``similar_by_word``, ``distances``,
``n_similarity``, ``rank``, ``closer_than``, ``evaluate_word_analogies``, ``evaluate_word_pairs``...)
take gensim's argument names and defaults and give gensim's answers and return types, computed
here with NumPy (``tests/test_keyedvectors.py`` checks them against gensim). As in gensim, an int
key is a row index, and an unknown word raises a ``KeyError`` (:class:`UnknownWordError`, also a
:class:`~w2v_scratch.base.errors.VocabError`). Where this class departs from gensim, the method says so.

A key of any other type is refused with a :class:`KeyTypeError` (a ``KeyError`` as gensim's, and a
``QueryError``) that names its type and the fix: ``bytes``, which gensim takes for a list of keys
(``b"the"`` iterates as the ints 116, 104, 101, so gensim's ``kv[b"the"]`` is the matrix of those
three rows, and its ``similarity(b"the", w)`` three cosines); a ``bool``, gensim's row 0 or 1; a
float, ``None`` (gensim: a ``KeyError`` from ``get_index``, a ``TypeError`` from ``kv[key]``). A
string where a list of keys is expected is refused too (gensim's ``doesnt_match("cat")`` takes its
letters), and so is a query vector holding NaN or infinity (:class:`QueryError`; gensim answers
arbitrary words with NaN scores).
"""

from __future__ import annotations

import numpy as np

from ..base.errors import FormatError, VocabError
from ..base.values import short_repr
from .gensim_evaluation import ANALOGY_FUNCTIONS, GensimEvaluations  # noqa: F401
from .cosine import row_norms, rows_per_step
from .queries import (_BYTES, _KEY_TYPES, KeyTypeError, Queries, QueryError, _row_norms, _rows_per_step,  # noqa: F401
                      check_key, key_problem)
from .ranking import top_k  # noqa: F401  (re-exported: code that imports top_k from here keeps working)


_ALL_STR = object()  # what the search for a word that is not a str finds when there is none
DISTINCT_WORDS = object()  # index= for words known distinct (a checked .kv file): the dict is built on first use


class UnknownWordError(VocabError, KeyError):
    """A word that is not in the vocabulary (or an int index out of range): a :class:`VocabError` for
    the project and its CLI, and a ``KeyError`` as gensim's ``KeyedVectors`` raises."""

    def __str__(self) -> str:  # the plain message (KeyError's own __str__ would quote it)
        return Exception.__str__(self)


class Embeddings(Queries, GensimEvaluations):
    """Words and their vectors: ``vectors[index[w]]`` is the vector of ``w``.

    ``counts`` (optional, int64) are corpus counts, kept for saving a vocabulary. ``limit``: N when
    these are the first N words of a file read with ``limit=N`` (``formats.load_vectors``), else None.
    """

    limit: int | None = None

    def __init__(self, words, vectors, counts=None, index: dict[str, int] | None = None) -> None:
        """``index`` (word → row) may be passed when already built and checked (the file readers
        build it as they read, to stop at the first duplicate word), or be :data:`DISTINCT_WORDS` for
        words known to be distinct (a ``.kv`` file's, checked by its checksum): the dict is then built
        on first use. A float32 array (an ``np.memmap`` included) is kept as given, not copied; anything
        else is converted to float32."""
        if not (isinstance(vectors, np.ndarray) and vectors.dtype == np.float32):
            vectors = np.asarray(vectors, dtype=np.float32)
        words = list(words)
        if vectors.ndim != 2:
            raise FormatError(f"vectors must be a 2-D matrix, got shape {vectors.shape}")
        if len(words) != vectors.shape[0]:
            raise FormatError(f"{len(words)} words but {vectors.shape[0]} vectors: give one vector per word")
        if index is DISTINCT_WORDS:
            pass
        elif index is None or len(index) != len(words):
            bad = next((w for w in words if not isinstance(w, str)), _ALL_STR)
            if bad is not _ALL_STR:
                raise FormatError(f"word {short_repr(bad)} is a {type(bad).__name__}: every word must be a str "
                                  "(decode bytes first)")
            index = {}
            for i, w in enumerate(words):
                if index.setdefault(w, i) != i:
                    raise FormatError(f"word {w!r} appears twice (rows {index[w]} and {i}): remove the duplicate")
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(words),):
                raise FormatError(f"{len(counts)} counts for {len(words)} words: give one count per word")
        self.words = words
        self.vectors = vectors
        self.counts = counts
        self._index = None if index is DISTINCT_WORDS else index
        self._lookup = None  # word → row or -1 without the dict (a .kv file's sorted words), when given
        self._normed: np.ndarray | None = None
        self._norms: np.ndarray | None = None  # ||v_i|| in float64, computed on first use

    # -- container protocol ------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, key) -> bool:
        """Whether ``key`` has a row (gensim's rule: a word, or an int index 0 <= key < len)."""
        return self.has_index_for(key)

    def __iter__(self):
        """The words, in row order (as ``index_to_key``).

        gensim 4's ``KeyedVectors`` defines no ``__iter__``: Python then falls back on ``kv[0]``,
        ``kv[1]``..., which yields the *vectors* and ends in a ``KeyError`` past the last row, so
        ``list(kv)`` and ``for w in kv`` fail there. Here iteration goes over the words, as a dict
        goes over its keys."""
        return iter(self.words)

    def __getitem__(self, key_or_keys):
        """The vector of a word (a read-only view; an int is a row index, as gensim), or a (n, d)
        matrix (a copy) for a list (or 1-D array, or other iterable) of keys. Any other key, ``bytes``
        included, is a :class:`KeyTypeError`."""
        if isinstance(key_or_keys, _KEY_TYPES) or isinstance(key_or_keys, _BYTES):
            return self.get_vector(key_or_keys)
        if isinstance(key_or_keys, np.ndarray) and key_or_keys.ndim != 1:
            raise KeyTypeError(key_problem(key_or_keys))
        try:
            keys = iter(key_or_keys)
        except TypeError:
            raise KeyTypeError(key_problem(key_or_keys)) from None
        return self.vectors[[self.get_index(k) for k in keys]]

    def __repr__(self) -> str:
        """``KeyedVectors(10,000 words × 100)``: the class, the vocabulary size and the dimension."""
        return f"{type(self).__name__}({len(self):,} words × {self.dim})"

    @property
    def index(self) -> dict[str, int]:
        """word → row (built on first use when the words came from a ``.kv`` file)."""
        if self._index is None:
            self._index = dict(zip(self.words, range(len(self.words))))
        return self._index

    @index.setter
    def index(self, value: dict[str, int]) -> None:
        self._index, self._lookup = value, None

    def _row_of(self, word: str) -> int:
        """The row of ``word``, or -1: a binary search in a ``.kv`` file's sorted words (about log2(V)
        comparisons) while no dict of every word has been built, so a query never waits for one; else
        the dict."""
        if self._index is None and self._lookup is not None:
            return self._lookup(word)
        return self.index.get(word, -1)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    # -- gensim's names for the vocabulary ------------------------------------------
    @property
    def vector_size(self) -> int:
        """gensim's name for :attr:`dim`."""
        return self.dim

    @property
    def index_to_key(self) -> list[str]:
        """gensim's name for :attr:`words` (the same list: row i holds the vector of ``index_to_key[i]``)."""
        return self.words

    @property
    def key_to_index(self) -> dict[str, int]:
        """gensim's name for :attr:`index` (the same dict: word → row)."""
        return self.index

    def word_id(self, word: str) -> int:
        """Row of ``word``; raises :class:`UnknownWordError` (a ``VocabError`` and a ``KeyError``) if unknown,
        :class:`KeyTypeError` if ``word`` is not a ``str``."""
        if not isinstance(word, str):
            raise KeyTypeError(key_problem(word, "word"))
        row = self._row_of(word)
        if row < 0:
            if self.limit is not None:
                raise UnknownWordError(f"word {word!r} is not among the first {self.limit:,} words read (--limit / "
                                       f"limit={self.limit}): raise the limit, or check its spelling and case")
            raise UnknownWordError(
                f"word {word!r} is not in the vocabulary ({len(self)} words): check its spelling and case"
            )
        return row

    def get_index(self, key, default=None) -> int:
        """Row of ``key``, with gensim's rules: a word's row; an int (not a word) with 0 <= key < len is
        its own row; otherwise ``default`` when it is not None, else :class:`UnknownWordError` (a ``KeyError``).
        A key that is neither a ``str`` nor an int (``bytes``, a ``bool``, a float, ``None``...) is a
        :class:`KeyTypeError` whatever ``default`` is (gensim returns ``default``, or row 0/1 for a bool)."""
        if isinstance(key, str):
            row = self._row_of(key)
            if row >= 0:
                return row
        else:
            check_key(key)
            if 0 <= key < len(self.words):
                return int(key)
            if default is None:
                raise UnknownWordError(f"key {int(key)} is neither a word nor a row index (0 to {len(self) - 1})")
        if default is not None:
            return default
        return self.word_id(key)  # raises UnknownWordError

    def has_index_for(self, key) -> bool:
        """Whether :meth:`get_index` finds a row for ``key`` (gensim's ``key in kv``)."""
        return self.get_index(key, -1) >= 0

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (word or row index) as a read-only 1-D view; unit length if ``norm``."""
        i = self.get_index(key)
        row = self.unit_rows([i])[0] if norm else self.vectors[i].view()
        row.setflags(write=False)
        return row

    # -- norms (computed once) --------------------------------------------------
    def row_norms(self) -> np.ndarray:
        """||v_i|| of every row (float64, read-only), computed on first use then cached: what every
        search divides by. A ``.kv`` file holds them, so opening one computes nothing."""
        if self._norms is None:
            norms = row_norms(self.vectors)
            norms.setflags(write=False)
            self._norms = norms
        return self._norms

    @property
    def norms(self) -> np.ndarray:
        """||v_i|| for every row (float32; summed in float64, so that a row whose squares overflow
        float32 still gets its true norm, not infinity, as long as that norm fits in float32). A norm
        beyond float32's ±3.4e38 (a row of values near that limit) is +inf here, silently: the exact
        float64 norms are :meth:`row_norms`'s."""
        with np.errstate(over="ignore"):  # the +inf above, by design
            return self.row_norms().astype(np.float32)

    @property
    def normed(self) -> np.ndarray:
        """Unit vectors v_i / ||v_i|| (zero rows stay zero), computed on first use then cached
        (block by block in float64: exact for any finite float32 row, with bounded extra memory).
        A second matrix the size of :attr:`vectors`: the searches never need it."""
        if self._normed is None:
            v = self.vectors
            normed = np.empty(v.shape, np.float32)
            step = rows_per_step(v.shape[1])
            for start in range(0, len(v), step):
                normed[start:start + step] = self.unit_rows(np.arange(start, min(start + step, len(v))))
            normed.setflags(write=False)
            self._normed = normed
        return self._normed

    def get_normed(self) -> np.ndarray:
        return self.normed

    def get_normed_vectors(self) -> np.ndarray:
        """gensim's ``get_normed_vectors()``: the (V, d) float32 unit vectors, as a new writable array
        (:attr:`normed` is the cached read-only one). A zero vector stays zero (gensim gives NaN)."""
        return self.normed.copy()

    def fill_norms(self, force: bool = False) -> None:
        """gensim's ``fill_norms``: compute the row norms now if they are not yet known; ``force=True``
        forgets them and the cached unit vectors, for after :attr:`vectors` was changed in place (they
        are computed afresh on the next use)."""
        if force:
            self._norms = self._normed = None
        else:
            self.row_norms()
