"""``Embeddings``: query trained word vectors, with gensim 4's ``KeyedVectors`` surface.

    >>> emb = load_vectors("vectors.bin")
    >>> emb.most_similar("king", topn=3)
    >>> emb.most_similar(positive=["woman", "king"], negative=["man"])   # 3CosAdd
    >>> emb.similarity("cat", "dog")

Every search is a matrix product against the unit-normalised vectors
``normed[i] = v_i / ||v_i||``, computed once and cached. ``restrict_vocab=N``
searches only the first N words (the most frequent, as files are sorted by count).

The gensim calls (``key_to_index``, ``index_to_key``, ``vector_size``, ``get_vector``,
``get_index``, ``most_similar``, ``most_similar_cosmul``, ``similar_by_word``, ``distances``,
``n_similarity``, ``rank``, ``closer_than``, ``evaluate_word_analogies``, ``evaluate_word_pairs``...)
take gensim's argument names and defaults and give gensim's answers and return types, computed
here with NumPy (``tests/test_keyedvectors.py`` checks them against gensim). As in gensim, an int
key is a row index, and an unknown word raises a ``KeyError`` (:class:`UnknownWordError`, also a
:class:`~w2v_scratch.base.errors.VocabError`). Where this class departs from gensim, the method says so.
"""

from __future__ import annotations

import codecs
import gzip
from numbers import Integral

import numpy as np

from ..base.errors import FormatError, VocabError, W2VError
from .evaluate import known_words, pair_judgement, predict_analogies, read_analogies, text_lines
from .ranking import COSMUL_EPS, top_k

_KEY_TYPES = (str, int, np.integer)  # gensim's key types: a word, or an int row index
ANALOGY_FUNCTIONS = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}


class UnknownWordError(VocabError, KeyError):
    """A word that is not in the vocabulary (or an int index out of range): a :class:`VocabError` for
    the project and its CLI, and a ``KeyError`` as gensim's ``KeyedVectors`` raises."""

    def __str__(self) -> str:  # the plain message (KeyError's own __str__ would quote it)
        return Exception.__str__(self)


class QueryError(W2VError, ValueError):
    """A query that cannot be answered (no word given, a vector of the wrong size, no usable line in an
    evaluation file): a :class:`W2VError`, and a ``ValueError`` as gensim raises."""


class Embeddings:
    """Words and their vectors: ``vectors[index[w]]`` is the vector of ``w``.

    ``counts`` (optional, int64) are corpus counts, kept for saving a vocabulary.
    """

    def __init__(self, words, vectors, counts=None, index: dict[str, int] | None = None) -> None:
        """``index`` (word → row) may be passed when already built and checked (the file readers
        build it as they read, to stop at the first duplicate word)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        words = list(words)
        if vectors.ndim != 2:
            raise FormatError(f"vectors must be a 2-D matrix, got shape {vectors.shape}")
        if len(words) != vectors.shape[0]:
            raise FormatError(f"{len(words)} words but {vectors.shape[0]} vectors: give one vector per word")
        if index is None or len(index) != len(words):
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
        self.index = index
        self._normed: np.ndarray | None = None

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
        matrix (a copy) for a list of keys."""
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self.vectors[[self.get_index(k) for k in key_or_keys]]

    def __repr__(self) -> str:
        return f"Embeddings({len(self)} words, dim {self.dim})"

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
        """Row of ``word``; raises :class:`UnknownWordError` (a ``VocabError`` and a ``KeyError``) if unknown."""
        try:
            return self.index[word]
        except KeyError:
            raise UnknownWordError(
                f"word {word!r} is not in the vocabulary ({len(self)} words): check its spelling and case"
            ) from None

    def get_index(self, key, default=None) -> int:
        """Row of ``key``, with gensim's rules: a word's row; an int (not a word) with 0 <= key < len is
        its own row; otherwise ``default`` when it is not None, else :class:`UnknownWordError` (a ``KeyError``)."""
        row = self.index.get(key, -1)
        if row >= 0:
            return row
        if isinstance(key, (int, np.integer)):
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
        row = (self.normed if norm else self.vectors)[i].view()
        row.setflags(write=False)
        return row

    # -- normalisation (computed once) ------------------------------------------
    @property
    def norms(self) -> np.ndarray:
        """||v_i|| for every row (float32; summed in float64, so that a row of values near float32's
        limit gets its true norm, not infinity)."""
        return _row_norms(self.vectors).astype(np.float32)

    @property
    def normed(self) -> np.ndarray:
        """Unit vectors v_i / ||v_i|| (zero rows stay zero), computed on first use then cached
        (block by block in float64: exact for any finite float32 row, with bounded extra memory)."""
        if self._normed is None:
            v = self.vectors
            normed = np.empty(v.shape, np.float32)
            for start in range(0, len(v), _rows_per_step(v.shape[1])):
                block = v[start:start + _rows_per_step(v.shape[1])].astype(np.float64)
                norms = np.sqrt(np.einsum("ij,ij->i", block, block))
                norms[norms == 0] = 1.0
                normed[start:start + len(block)] = block / norms[:, None]
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
        """gensim's ``fill_norms``: the unit vectors are computed on first use; ``force=True`` forgets
        them, to be computed afresh after :attr:`vectors` was changed in place."""
        if force:
            self._normed = None

    # -- queries -------------------------------------------------------------------
    def similarity(self, w1, w2) -> np.float32:
        """Cosine similarity cos(v1, v2) = v1·v2 / (||v1|| ||v2||), a NumPy float32 as gensim's."""
        n = self.normed
        return np.dot(n[self.get_index(w1)], n[self.get_index(w2)])

    def distance(self, w1, w2) -> np.float32:
        """Cosine distance 1 − cos(v1, v2)."""
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2) -> np.float32:
        """Cosine between the means of the raw vectors of two lists of keys (words, row indexes or vectors).

        As gensim: unknown words are left out of the means (a side with no known word has a zero mean,
        and the similarity is 0.0); an empty list raises ``ZeroDivisionError``."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        return np.float32(np.dot(_unit(self._raw_mean(ws1)), _unit(self._raw_mean(ws2))))

    def _raw_mean(self, keys) -> np.ndarray:
        """Mean of the raw vectors of the known ``keys`` (arrays used as given; float64)."""
        total, n = np.zeros(self.dim, np.float64), 0
        for key in keys:
            if isinstance(key, np.ndarray):
                total += key
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
        if isinstance(word_or_vector, _KEY_TYPES):
            u = self.normed[self.get_index(word_or_vector)]
        else:
            v = self._check_vector(word_or_vector)
            u = _unit(v).astype(np.result_type(v.dtype, np.float32))
        other_words = list(other_words) if other_words is not None else []
        others = self.normed[[self.get_index(w) for w in other_words]] if other_words else self.normed
        return 1 - others @ u

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
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def _check_vector(self, vector) -> np.ndarray:
        """``vector`` as an array, checked to be ``dim`` numbers."""
        v = np.asarray(vector)
        if v.shape != (self.dim,) or v.dtype.kind not in "biuf":
            raise QueryError(f"query vector has shape {v.shape} (dtype {v.dtype}), expected ({self.dim},) numbers")
        return v

    def _terms(self, items, weight: float) -> tuple[list[np.ndarray], list[float], list[int]]:
        """Split query items into vectors, weights and rows, with gensim's forms: ``items`` is a key
        (word or int row index), a vector, a 2-D array (one vector a row) or a list of these, and any
        item may be a ``(item, weight)`` pair whose weight replaces the default ``weight``. Keys give
        their unit vector (and their row, to leave out of the answers); vectors are used as given."""
        if items is None:
            return [], [], []
        if isinstance(items, _KEY_TYPES) or (isinstance(items, np.ndarray) and items.ndim == 1):
            items = [items]
        vecs, weights, ids = [], [], []
        for item in items:
            w = weight
            if isinstance(item, tuple) or (isinstance(item, list) and len(item) == 2
                                           and isinstance(item[0], (*_KEY_TYPES, np.ndarray))):
                item, w = item
            if isinstance(item, _KEY_TYPES):
                i = self.get_index(item)
                ids.append(i)
                vecs.append(self.normed[i])
            else:
                vecs.append(self._check_vector(item).astype(np.float32))
            weights.append(float(w))
        return vecs, weights, ids

    def nearest(self, queries, topn: int = 10, restrict_vocab: int | None = None, exclude=None):
        """Rows of the ``topn`` largest cosines normed[j]·q/||q|| for each query row q (one matrix product).

        ``exclude`` is a list (one per query) of row ids to leave out. Returns
        ``(ids, scores)``, both (n, topn), best first; slots with nothing left hold id -1.
        """
        q = np.atleast_2d(np.asarray(queries, dtype=np.float64))
        qn = _row_norms(q)[:, None]
        q = (q / np.where(qn == 0, 1, qn)).astype(np.float32)
        scores = q @ self.normed[: restrict_vocab or None].T
        return top_k(scores, topn, exclude)

    def most_similar(self, positive=None, negative=None, topn=10, clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer=None):
        """3CosAdd: rank words w by cos(w, m), m = Σ_i s_i u_i / Σ_i |s_i|, where u_i is the unit vector
        of key i (raw vectors are used as given), s_i = +1 for ``positive`` and −1 for ``negative``
        (or the weight of an ``(item, weight)`` pair). The query keys themselves are left out.

        gensim's arguments: ``positive``/``negative`` take a key, a vector or a list (see :meth:`_terms`);
        only rows ``clip_start:clip_end`` are searched, or the first ``restrict_vocab`` (which overrides
        the clips); an ``indexer`` (e.g. gensim's ``AnnoyIndexer``) is asked ``indexer.most_similar(m, topn)``
        instead, as gensim does (query keys included).

        Returns ``[(word, cosine), ...]`` (best first; ``[]`` when ``topn`` < 1), or every cosine of the
        searched rows as a float32 array when ``topn`` is None.
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        pv, pw, pids = self._terms(positive, 1.0)
        nv, nw, nids = self._terms(negative, -1.0)
        if not pv and not nv:
            raise QueryError("give at least one positive or negative word")
        weights = np.asarray(pw + nw, dtype=np.float64)
        total = np.abs(weights).sum()
        mean = _unit(weights @ np.vstack(pv + nv).astype(np.float64) / (total or 1.0)).astype(np.float32)
        lo, hi = clip_start, clip_end or len(self)
        if restrict_vocab:
            lo, hi = 0, restrict_vocab
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        dists = self.normed[lo:hi] @ mean
        if not topn:
            return dists
        exclude = [i - lo for i in pids + nids if lo <= i]
        ids, scores = top_k(dists.copy(), topn, [exclude])
        return [(self.words[i + lo], s) for i, s in zip(ids[0].tolist(), scores[0].tolist()) if i >= 0]

    def similar_by_key(self, key, topn=10, restrict_vocab: int | None = None):
        """The ``topn`` words nearest to ``key`` (itself left out): ``most_similar(positive=[key])``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn=10, restrict_vocab: int | None = None):
        """gensim's older name for :meth:`similar_by_key`."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab: int | None = None):
        """The ``topn`` words nearest to ``vector`` (none left out)."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def nearest_scores(self, vector, restrict_vocab: int | None = None) -> np.ndarray:
        """cos(w, vector) for every word w of the first ``restrict_vocab`` words."""
        v = np.asarray(vector, dtype=np.float64)
        norm = float(_row_norms(v[None, :])[0]) or 1.0
        return self.normed[: restrict_vocab or None] @ (v / norm).astype(np.float32)

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
            t = (t / np.maximum(_row_norms(t)[:, None], 1e-30)).astype(np.float32)
            return np.prod((1.0 + self.normed[: restrict_vocab or None] @ t.T) / 2.0, axis=1)

        return product(positive) / (product(negative) + COSMUL_EPS)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab: int | None = None):
        """3CosMul (Levy & Goldberg 2014): rank words by :meth:`cosmul_scores`; query words left out.

        Same arguments and answers as gensim's, except that (1) ``restrict_vocab`` is honoured (gensim
        accepts it but searches every word) and (2) raw query vectors are unit-normalised first (gensim
        takes their dot products unscaled, so its scores then depend on the vectors' lengths); int row
        indexes are keys here (gensim mistakes them for vectors). ``topn`` None: every score, as an array."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        pv, _, pids = self._terms(positive, 1.0)
        nv, _, nids = self._terms(negative, -1.0)
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
        words = list(words)
        if not words:
            raise QueryError("doesnt_match needs at least one word")
        u = self.normed[[self.get_index(w) for w in words]]
        mean = _unit(u.astype(np.float64).mean(axis=0)).astype(np.float32)
        return min(zip((u @ mean).tolist(), words))[1]

    def _pairs(self, ids, scores) -> list[tuple[str, float]]:
        return [(self.words[i], float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if i >= 0]

    # -- gensim's evaluations ------------------------------------------------------------
    def evaluate_word_analogies(self, analogies, restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                                dummy4unknown: bool = False, similarity_function: str = "most_similar"):
        """gensim's analogy evaluation: ``(score, sections)``, ``sections`` a list of dicts
        ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` (words upper-cased when
        ``case_insensitive``) ending with a ``"Total accuracy"`` section, ``score`` its accuracy (0.0 when
        nothing was scored). Questions with a word outside the first ``restrict_vocab`` words are skipped,
        or counted incorrect with ``dummy4unknown``. The ranking is :func:`~w2v_scratch.vectors.evaluate.evaluate_analogies`'s
        (same answers as gensim). ``similarity_function="most_similar_cosmul"`` ranks by 3CosMul (gensim
        accepts the argument but always uses 3CosAdd); other names raise ``ValueError``."""

        if similarity_function not in ANALOGY_FUNCTIONS:
            raise QueryError(f"unknown similarity_function {similarity_function!r}: "
                             f"use one of {', '.join(ANALOGY_FUNCTIONS)}")
        sections = read_analogies(analogies, case_insensitive)
        if sections[0][0] is None:
            raise QueryError(f"Missing section header before the first question in {analogies}: "
                             "start the file with a line ': name'")
        known = known_words(self, restrict_vocab, case_insensitive)
        key = str.upper if case_insensitive else str
        scored = [q for _, questions in sections for q in questions if all(w in known for w in q)]
        rows = min(len(self), restrict_vocab or len(self))
        right = iter(predict_analogies(self, scored, known, key, rows, ANALOGY_FUNCTIONS[similarity_function]).tolist())
        out = []
        for name, questions in sections:
            section = {"section": name, "correct": [], "incorrect": []}
            for q in questions:
                if all(w in known for w in q):
                    section["correct" if next(right) else "incorrect"].append(q)
                elif dummy4unknown:
                    section["incorrect"].append(q)
            out.append(section)
        total = {"section": "Total accuracy", "correct": [q for s in out for q in s["correct"]],
                 "incorrect": [q for s in out for q in s["incorrect"]]}
        out.append(total)
        n = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / n if n else 0.0), out

    def evaluate_word_pairs(self, pairs, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """gensim's word-pair evaluation: ``(pearson, spearman, oov_ratio)``, SciPy's ``pearsonr`` and
        ``spearmanr`` results (each unpacks as ``(statistic, pvalue)``) between the gold scores of the
        lines ``word1<delimiter>word2<delimiter>score`` and the cosines, and the percentage of pairs with a
        word outside the first ``restrict_vocab`` words. Such pairs are left out, or scored 0.0 with
        ``dummy4unknown``. Same lines and numbers as :func:`~w2v_scratch.vectors.evaluate.evaluate_pairs` (and gensim);
        no usable known pair raises ``ValueError``."""
        from scipy import stats  # heavy, and needed only here


        known = known_words(self, restrict_vocab, case_insensitive)
        gold, rows, oov = [], [], 0
        for line in _text_lines(pairs, encoding):
            judgement = pair_judgement(line, delimiter, case_insensitive)
            if judgement is None:
                continue
            a, b, score = judgement
            if a not in known or b not in known:
                oov += 1
                if dummy4unknown:
                    gold.append(score)
                    rows.append((-1, -1))
                continue
            gold.append(score)
            rows.append((known[a], known[b]))
        if not gold:
            raise QueryError(f"No valid similarity judgements found in {pairs}: either invalid format or "
                             f"all are out-of-vocabulary in {self!r}")
        rows = np.array(rows, dtype=np.intp)
        known_pair = rows[:, 0] >= 0
        model = np.zeros(len(gold), np.float32)  # 0.0 for the pairs kept by dummy4unknown
        model[known_pair] = np.einsum("ij,ij->i", self.normed[rows[known_pair, 0]], self.normed[rows[known_pair, 1]])
        pearson, spearman = stats.pearsonr(gold, model), stats.spearmanr(gold, model)
        oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
        return pearson, spearman, oov_ratio


_NORM_VALUES = 1 << 20  # values normalised per step


def _rows_per_step(d: int) -> int:
    return max(1, _NORM_VALUES // max(d, 1))


def _row_norms(vectors: np.ndarray) -> np.ndarray:
    """||v_i|| of every row, summed in float64 block by block: no overflow (hence no NumPy warning)
    for finite float32 rows, and bounded extra memory."""
    out = np.empty(len(vectors), np.float64)
    step = _rows_per_step(vectors.shape[1] if vectors.ndim == 2 else 1)
    for start in range(0, len(vectors), step):
        block = np.asarray(vectors[start:start + step], dtype=np.float64)
        out[start:start + len(block)] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return out


def _unit(vector) -> np.ndarray:
    """``vector / ||vector||`` in float64 (a zero vector stays zero, as gensim's ``unitvec``)."""
    v = np.asarray(vector, dtype=np.float64)
    norm = float(_row_norms(v[None, :])[0])
    return v / norm if norm > 0 else v


def _text_lines(path, encoding: str = "utf8"):
    """The lines of a text file (``.gz`` read too), CRLF turned into LF: UTF-8 files through
    :mod:`~w2v_scratch.vectors.evaluate`'s reader, other encodings (gensim's ``encoding=``) directly."""

    if codecs.lookup(encoding).name == "utf-8":
        yield from text_lines(path)
        return
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding=encoding) as f:
        yield from f


