"""Ranking scores: the building blocks of nearest-word and analogy queries (a leaf).

Ties are broken by position: among equal scores the smaller column (row of the matrix: the more
frequent word) comes first, whatever the block sizes of a search, so that a query asked alone and
in a batch gets the same answer.
"""

from __future__ import annotations

import numpy as np

COSMUL_EPS = 1e-6  # Levy & Goldberg's epsilon in 3CosMul, as gensim


def top_k(scores: np.ndarray, k: int, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """Column ids and values of the k largest entries of each row of ``scores`` (n, R), best first,
    equal values in column order (a partial selection, ``np.argpartition``, then a sort of the k).

    ``exclude[r]`` lists columns of row r to leave out (set to −inf first); NaN counts as −inf;
    slots left without a candidate get id −1 and score −inf. ``scores`` is modified.
    """
    scores = np.atleast_2d(scores)
    n, R = scores.shape
    nan = np.isnan(scores)
    if nan.any():
        scores[nan] = -np.inf
    if exclude is not None:
        for r, cols in enumerate(exclude):
            cols = [c for c in cols if 0 <= c < R]
            scores[r, cols] = -np.inf
    k = max(0, min(int(k), R))
    if k == 0:
        return np.empty((n, 0), np.intp), np.empty((n, 0), scores.dtype)
    if k < R:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        kth = np.take_along_axis(scores, part, axis=1).min(axis=1)
        for r in np.flatnonzero((scores >= kth[:, None]).sum(axis=1) > k):  # ties at the k-th value
            above = np.flatnonzero(scores[r] > kth[r])
            part[r] = np.concatenate([above, np.flatnonzero(scores[r] == kth[r])[:k - len(above)]])
    else:
        part = np.broadcast_to(np.arange(R), (n, R))
    return _ordered(part, np.take_along_axis(scores, part, axis=1), k)


def _ordered(ids: np.ndarray, vals: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of each row of candidates (``ids``, ``vals``): by value, then by id; −inf → id −1."""
    key = np.where(ids < 0, np.iinfo(np.intp).max, ids)
    order = np.lexsort((key, -vals), axis=1)[:, :k]
    ids = np.take_along_axis(ids, order, axis=1).copy()
    vals = np.take_along_axis(vals, order, axis=1)
    ids[np.isneginf(vals)] = -1
    return ids, vals
