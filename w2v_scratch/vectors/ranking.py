"""Ranking scores: the building blocks of nearest-word and analogy queries (a leaf)."""

from __future__ import annotations

import numpy as np

COSMUL_EPS = 1e-6  # Levy & Goldberg's epsilon in 3CosMul, as gensim


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
