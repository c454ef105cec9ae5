"""``Embeddings``: query trained word vectors (the gensim ``KeyedVectors`` idioms).

    >>> emb = load_vectors("vectors.bin")
    >>> emb.most_similar("king", topn=3)
    >>> emb.most_similar(positive=["woman", "king"], negative=["man"])   # 3CosAdd
    >>> emb.similarity("cat", "dog")

Every search is a matrix product against the unit-normalised vectors
``normed[i] = v_i / ||v_i||``, computed once and cached. ``restrict_vocab=N``
searches only the first N words (the most frequent, as files are sorted by count).
"""

from __future__ import annotations

import numpy as np

from .errors import FormatError, VocabError, W2VError

COSMUL_EPS = 1e-6  # Levy & Goldberg's epsilon, as gensim


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

    def __contains__(self, word) -> bool:
        return word in self.index

    def __getitem__(self, word):
        """The vector of ``word`` (a read-only view), or a (n, d) matrix for a list of words."""
        if isinstance(word, str):
            row = self.vectors[self.word_id(word)]
            row.setflags(write=False)
            return row
        return self.vectors[[self.word_id(w) for w in word]]

    def __repr__(self) -> str:
        return f"Embeddings({len(self)} words, dim {self.dim})"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def word_id(self, word: str) -> int:
        """Row of ``word``; raises :class:`VocabError` if it is unknown."""
        try:
            return self.index[word]
        except KeyError:
            raise VocabError(
                f"word {word!r} is not in the vocabulary ({len(self)} words): check its spelling and case"
            ) from None

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

    # -- queries -------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity cos(v1, v2) = v1·v2 / (||v1|| ||v2||)."""
        n = self.normed
        return float(np.dot(n[self.word_id(w1)], n[self.word_id(w2)]))

    def _terms(self, items, weight: float) -> tuple[list[np.ndarray], list[float], list[int]]:
        """Split query items (word, raw vector, or ``(item, weight)``) into unit vectors, weights and word ids."""
        if items is None:
            return [], [], []
        if isinstance(items, str) or (isinstance(items, np.ndarray) and items.ndim == 1):
            items = [items]
        vecs, weights, ids = [], [], []
        for item in items:
            w = weight
            if isinstance(item, tuple):
                item, w = item
            if isinstance(item, str):
                i = self.word_id(item)
                ids.append(i)
                vecs.append(self.normed[i])
            else:
                v = np.asarray(item, dtype=np.float32)
                if v.shape != (self.dim,):
                    raise W2VError(f"query vector has shape {v.shape}, expected ({self.dim},)")
                vecs.append(v)
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

    def most_similar(self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None):
        """3CosAdd: rank words w by cos(w, m), m = Σ_i s_i u_i / Σ_i |s_i|, where u_i is the unit vector
        of word i (raw vectors are used as given), s_i = +1 for ``positive`` and −1 for ``negative``
        (or the weight of an ``(item, weight)`` pair). The query words themselves are left out.

        Returns ``[(word, cosine), ...]`` (best first), or every cosine as an array when ``topn`` is None.
        """
        pv, pw, pids = self._terms(positive, 1.0)
        nv, nw, nids = self._terms(negative, -1.0)
        if not pv and not nv:
            raise W2VError("give at least one positive or negative word")
        weights = np.asarray(pw + nw, dtype=np.float32)
        mean = weights @ np.vstack(pv + nv) / np.abs(weights).sum()
        if topn is None:
            return self.nearest_scores(mean, restrict_vocab)
        if topn < 1:
            return []
        ids, scores = self.nearest(mean, topn, restrict_vocab, exclude=[pids + nids])
        return self._pairs(ids[0], scores[0])

    def nearest_scores(self, vector, restrict_vocab: int | None = None) -> np.ndarray:
        """cos(w, vector) for every word w of the first ``restrict_vocab`` words."""
        v = np.asarray(vector, dtype=np.float64)
        norm = float(_row_norms(v[None, :])[0]) or 1.0
        return self.normed[: restrict_vocab or None] @ (v / norm).astype(np.float32)

    def cosmul_scores(self, positive, negative, restrict_vocab: int | None = None) -> np.ndarray:
        """3CosMul score of every word w: Π_p c(w, p) / (Π_n c(w, n) + 1e-6), c(w, x) = (1 + cos(w, x)) / 2.

        ``positive``/``negative`` are (k, d) matrices of query vectors (unit-normalised here)."""
        score = 1.0
        for terms, sign in ((positive, 1), (negative, -1)):
            if len(terms) == 0:
                continue
            t = np.asarray(terms, dtype=np.float64)
            t = (t / np.maximum(_row_norms(t)[:, None], 1e-30)).astype(np.float32)
            c = (1.0 + self.normed[: restrict_vocab or None] @ t.T) / 2.0
            prod = np.prod(c, axis=1)
            score = score * prod if sign > 0 else score / (prod + COSMUL_EPS)
        if np.isscalar(score):  # no positive and no negative term
            raise W2VError("give at least one positive word")
        return score

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10,
                            restrict_vocab: int | None = None):
        """3CosMul (Levy & Goldberg 2014): rank words by :meth:`cosmul_scores`; query words left out."""
        pv, _, pids = self._terms(positive, 1.0)
        nv, _, nids = self._terms(negative, -1.0)
        if not pv:
            raise W2VError("3CosMul needs at least one positive word")
        scores = self.cosmul_scores(np.vstack(pv), np.vstack(nv) if nv else [], restrict_vocab)
        if topn is None:
            return scores
        if topn < 1:
            return []
        ids, top = top_k(scores[None, :], topn, [pids + nids])
        return self._pairs(ids[0], top[0])

    def doesnt_match(self, words) -> str:
        """The word farthest from the others: argmin_i u_i·m, m = unit(mean of the unit vectors u_i)."""
        words = list(words)
        if not words:
            raise W2VError("doesnt_match needs at least one word")
        u = self.normed[[self.word_id(w) for w in words]]
        mean = u.mean(axis=0)
        mean /= np.linalg.norm(mean) or 1.0
        return words[int(np.argmin(u @ mean))]

    def _pairs(self, ids, scores) -> list[tuple[str, float]]:
        return [(self.words[i], float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if i >= 0]

    # -- convenience -------------------------------------------------------------------
    def save(self, path, format: str | None = None) -> None:
        """Write the vectors (format from the extension: ``.bin`` binary, else word2vec text)."""
        from .io import save_vectors

        save_vectors(path, self, format=format)

    @classmethod
    def load(cls, path, format: str | None = None) -> "Embeddings":
        from .io import load_vectors

        return load_vectors(path, format=format)


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


def top_k(scores: np.ndarray, k: int, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """Column ids and values of the k largest entries of each row of ``scores`` (n, R), best first.

    ``exclude[r]`` lists columns of row r to leave out (set to −inf first); slots
    left without a candidate get id −1 and score −inf. ``scores`` is modified.
    """
    scores = np.atleast_2d(scores)
    n, R = scores.shape
    if exclude is not None:
        for r, cols in enumerate(exclude):
            cols = [c for c in cols if c < R]
            scores[r, cols] = -np.inf
    k = max(0, min(int(k), R))
    if k < R:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k else np.empty((n, 0), np.intp)
    else:
        part = np.broadcast_to(np.arange(R), (n, R))
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1).copy()
    vals = np.take_along_axis(vals, order, axis=1)
    ids[np.isneginf(vals)] = -1
    return ids, vals
