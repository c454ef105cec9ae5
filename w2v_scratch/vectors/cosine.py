"""Cosines against a matrix of raw vectors and its row norms, block by block (no normalised copy).

For unit query rows q (n, d) and the matrix M (V, d) with row norms ||M_j||::

    cos(q, M_j) = (M_j · q) / ||M_j||        (a zero row scores 0)

computed over blocks of rows: each block of M is read once for all n queries (one matrix-matrix
product), so n queries read M once (their arithmetic still grows with n), and memory beyond M is
the block's n × rows scores (at most :data:`BLOCK_CELLS`), the V norms and, for :func:`search`,
n × (k + :data:`SLACK`) candidates. M may be a read-only ``np.memmap``: it is only read. A block
whose float32 products overflow (values near float32's limit) is computed again in float64, so
every cosine is finite for finite rows.
"""

from __future__ import annotations

import numpy as np

from .ranking import top_k

BLOCK_CELLS = 1 << 20  # scores per block (4 MB of float32), whatever the number of queries
BLOCK_VALUES = 1 << 25  # ... and at most this many matrix values per block (a float64 retry stays bounded)
_NORM_VALUES = 1 << 20  # values per step of a norm computation


def rows_per_step(d: int) -> int:
    """Rows per step of a blockwise float64 computation over rows of dimension d."""
    return max(1, _NORM_VALUES // max(d, 1))


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """||v_i|| of every row (float64), summed in float64 block by block: no overflow (hence no NumPy
    warning) for finite float32 rows, and bounded extra memory."""
    out = np.empty(len(vectors), np.float64)
    step = rows_per_step(vectors.shape[1] if vectors.ndim == 2 else 1)
    for start in range(0, len(vectors), step):
        block = np.asarray(vectors[start:start + step], dtype=np.float64)
        out[start:start + len(block)] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return out


def block_rows(n: int, d: int) -> int:
    """Rows of the matrix per block for n queries of dimension d."""
    return max(1, min(BLOCK_CELLS // max(n, 1), BLOCK_VALUES // max(d, 1)))


def block_cosines(vectors, norms, q: np.ndarray, start: int, stop: int) -> np.ndarray:
    """cos(q_i, M_j) for rows ``start:stop`` (n, stop − start), float32; ``norms`` float64."""
    block = vectors[start:stop]
    with np.errstate(over="ignore", invalid="ignore"):
        dots = q @ block.T
        if not np.isfinite(dots).all():  # float32 overflow: the exact products in float64
            dots = q.astype(np.float64) @ np.asarray(block, dtype=np.float64).T
    n = norms[start:stop]
    if dots.dtype != np.float32 or n.max(initial=0.0) > 1e37:  # 1 / ||v|| would be subnormal in float32
        return (dots / np.where(n == 0, 1.0, n)).astype(np.float32)
    dots *= (1.0 / np.where(n == 0, 1.0, n)).astype(np.float32)  # in place, float32
    return dots


def cosines(vectors, norms, q: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Every cosine (n, hi − lo) of the unit query rows ``q`` with rows ``lo:hi`` (callers bound n)."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float32))
    hi = len(vectors) if hi is None else min(hi, len(vectors))
    out = np.empty((len(q), max(0, hi - lo)), np.float32)
    step = block_rows(len(q), q.shape[1])
    for start in range(lo, hi, step):
        stop = min(start + step, hi)
        out[:, start - lo:stop - lo] = block_cosines(vectors, norms, q, start, stop)
    return out


SLACK = 16  # candidates kept beyond k by the float32 pass, re-ranked exactly


def search(vectors, norms, q: np.ndarray, k: int, lo: int = 0, hi: int | None = None, exclude=None):
    """The k rows of ``lo:hi`` of largest cosine with each unit query row of ``q``, best first, equal
    cosines in row order (the smaller row first); ``exclude[i]`` lists rows left out for query i.
    Returns ``(ids, scores)``, both (n, k), ids global row numbers; slots with nothing left hold id −1.

    Two stages. The float32 pass over the blocks (:func:`_candidates`) keeps k + :data:`SLACK`
    candidates per query; their cosines are then computed again in float64, row by row in the same
    order whatever the row's position or the other queries (:func:`_exact`), and ranked on those,
    rounded to float32. A BLAS product rounds a row's last bit differently by its position in the
    block and by the number of queries; the exact stage makes the answer independent of both: a query
    asked alone and in a batch gets the same words and the same cosines, and equal rows tie exactly.
    When the float32 pass may have cut candidates within its rounding error of the k-th, the query is
    searched again with more of them."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float32))
    hi = len(vectors) if hi is None else min(hi, len(vectors))
    n, k = len(q), max(0, min(int(k), hi - lo))
    ids, vals = np.full((n, k), -1, np.intp), np.full((n, k), -np.inf, np.float32)
    if k == 0:
        return ids, vals
    tol = (q.shape[1] + 8) * 2.0 ** -22  # beyond the float32 pass's rounding error on a cosine
    todo, want = list(range(n)), k + SLACK
    while todo:
        sub = [exclude[r] for r in todo] if exclude is not None else None
        cand, cand_vals = _candidates(vectors, norms, q[todo], min(want, hi - lo), lo, hi, sub)
        again = []
        for j, r in enumerate(todo):
            ids[r], vals[r] = _exact(vectors, norms, q[r], cand[j], k)
            full = want < hi - lo and cand[j, -1] >= 0
            if full and cand_vals[j, -1] >= vals[r, k - 1] - tol:  # the cut may hide an equal cosine
                again.append(r)
        todo, want = again, 4 * want
    return ids, vals


def _exact(vectors, norms, q: np.ndarray, cand: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of the candidate rows ``cand`` (−1: none) for the unit query ``q``, on cosines
    computed in float64 by a row-wise sum (each row alone: the same bits wherever it lies), rounded
    to float32; equal cosines in row order."""
    cand = cand[cand >= 0]
    rows = np.asarray(vectors[cand], dtype=np.float64)
    n = norms[cand]
    exact = ((rows * q.astype(np.float64)).sum(axis=1) / np.where(n == 0, 1.0, n)).astype(np.float32)
    order = np.lexsort((cand, -exact))[:k]
    ids, vals = np.full(k, -1, np.intp), np.full(k, -np.inf, np.float32)
    ids[:len(order)], vals[:len(order)] = cand[order], exact[order]
    return ids, vals


def _candidates(vectors, norms, q: np.ndarray, k: int, lo: int, hi: int, exclude):
    """The float32 pass of :func:`search`: the k best rows per query, kept across blocks. The first
    block is a partial selection (``top_k``); in each later one only the cosines above the current
    k-th are candidates (an equal one comes from a later, larger row), merged with the k kept by one
    sort of all the queries' candidates together."""
    n = len(q)
    ids, vals = np.full((n, k), -1, np.intp), np.full((n, k), -np.inf, np.float32)
    slots = np.repeat(np.arange(n), k)
    step = block_rows(n, q.shape[1])
    for start in range(lo, hi, step):
        stop = min(start + step, hi)
        scores = block_cosines(vectors, norms, q, start, stop)
        for r, cols in enumerate(exclude or ()):
            scores[r, [c - start for c in cols if start <= c < stop]] = -np.inf
        if start == lo:  # a block may hold fewer than k rows: the other slots stay empty
            first, best = top_k(scores, k)
            ids[:, :first.shape[1]], vals[:, :first.shape[1]] = np.where(first >= 0, first + start, -1), best
            continue
        rows, cols = np.nonzero(scores > vals[:, -1:])  # NaN is never a candidate
        if len(rows):
            ids, vals = _merge(ids, vals, slots, rows, cols + start, scores[rows, cols], k)
    ids[np.isneginf(vals)] = -1
    return ids, vals


def _merge(ids, vals, slots, rows, new_ids, new_vals, k: int):
    """The k best per query of the kept (``ids``, ``vals``: n × k) and the new candidates (query
    ``rows``, row ids ``new_ids``, cosines ``new_vals``): by cosine, then by row id."""
    n = len(ids)
    all_rows = np.concatenate([slots, rows])
    all_ids = np.concatenate([ids.ravel(), new_ids])
    all_vals = np.concatenate([vals.ravel(), new_vals])
    key = np.where(all_ids < 0, np.iinfo(np.intp).max, all_ids)
    order = np.lexsort((key, -all_vals, all_rows))
    first = np.searchsorted(all_rows[order], np.arange(n))  # each query holds at least its k kept slots
    take = order[first[:, None] + np.arange(k)]
    return all_ids[take], all_vals[take]
