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
SAFE_DOT = 1e38  # below float32's largest value (3.4e38) with room for the rounding of a sum
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


def query_bound(q: np.ndarray) -> float:
    """max_i ||q_i|| (float64) of the query rows: with a block's largest row norm, a bound on every
    |q_i · M_j| and on every partial sum of it (Cauchy-Schwarz)."""
    q64 = np.asarray(q, dtype=np.float64)
    return float(np.sqrt(np.einsum("ij,ij->i", q64, q64)).max(initial=0.0))


def block_scores(vectors, norms, q: np.ndarray, start: int, stop: int, qmax: float | None = None) -> np.ndarray:
    """cos(q_i, M_j) for rows ``start:stop`` as a (stop − start, n) float32 array, one row per row of
    the matrix and one column per query: :func:`block_dots`, then (where it left them to do) the
    products by 1 / ||M_j||, in place."""
    dots, inv = block_dots(vectors, norms, q, start, stop, qmax)
    if inv is not None:
        dots *= inv[:, None]
    return dots


def block_dots(vectors, norms, q: np.ndarray, start: int, stop: int, qmax: float | None = None):
    """``(dots, inv)`` for rows ``start:stop``: one product ``block @ q.T`` (stop − start, n) with the
    block as it lies in memory; ``norms`` float64, ``qmax`` = :func:`query_bound` (q), computed here
    when not given (a zero norm counts as 1).

    Where every norm of the block is at most 1e37, ``dots`` holds the float32 dots and ``inv`` the
    float32 1 / ||M_j|| (the cosine of row j is ``dots[j] * inv[j]``, rounded in float32); else
    (1 / ||v|| would be subnormal in float32, or the product overflowed) ``dots`` already holds the
    float32 cosines, divided in float64, and ``inv`` is None.

    The float32 product cannot overflow when max ||q_i|| · max ||M_j|| ≤ :data:`SAFE_DOT` (every
    partial sum of a dot is at most ||q_i|| ||M_j||); only a block beyond that bound (or holding a
    non-finite norm) is checked for overflow, and computed again in float64 if it did."""
    block = np.asarray(vectors[start:stop])  # a view: a memmap's pages are read, not copied
    n = norms[start:stop]
    top = n.max(initial=0.0)
    qmax = query_bound(q) if qmax is None else qmax
    with np.errstate(over="ignore", invalid="ignore"):
        dots = block @ q.T
        if not top * qmax <= SAFE_DOT and not np.isfinite(dots).all():  # float32 overflow: exact in float64
            dots = np.asarray(block, dtype=np.float64) @ q.astype(np.float64).T
    scale = np.where(n == 0, 1.0, n)
    if dots.dtype != np.float32 or top > 1e37:
        return (dots / scale[:, None]).astype(np.float32), None
    return dots, (1.0 / scale).astype(np.float32)


def cosines(vectors, norms, q: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Every cosine (n, hi − lo) of the unit query rows ``q`` with rows ``lo:hi`` (callers bound n)."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float32))
    hi = len(vectors) if hi is None else min(hi, len(vectors))
    out = np.empty((len(q), max(0, hi - lo)), np.float32)
    step, qmax = block_rows(len(q), q.shape[1]), query_bound(q)
    vectors = np.asarray(vectors)  # a memmap as a plain view of the same pages: cheaper slices
    for start in range(lo, hi, step):
        stop = min(start + step, hi)
        out[:, start - lo:stop - lo] = block_scores(vectors, norms, q, start, stop, qmax).T
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
    k-th are candidates (an equal one comes from a later, larger row), found by one comparison of
    the whole block with the n current k-th cosines. They wait until they outnumber the n × k kept
    (or the last block), then are merged with the kept by one sort of all the queries' candidates
    together: a k-th not yet raised by waiting candidates only lets more through, and the merge
    keeps the same k best (by cosine, then by row)."""
    n = len(q)
    ids, vals = np.full((n, k), -1, np.intp), np.full((n, k), -np.inf, np.float32)
    slots = np.repeat(np.arange(n), k)
    ex_rows, ex_query = _exclusions(exclude)
    step, qmax = block_rows(n, q.shape[1]), query_bound(q)
    vectors = np.asarray(vectors)  # a memmap as a plain view of the same pages: cheaper slices
    pending, waiting = [], 0  # candidates not merged yet, and their number
    for start in range(lo, hi, step):
        stop = min(start + step, hi)
        dots, inv = block_dots(vectors, norms, q, start, stop, qmax)  # (rows, n)
        a, b = np.searchsorted(ex_rows, (start, stop))
        dots[ex_rows[a:b] - start, ex_query[a:b]] = -np.inf
        if start == lo:  # a block may hold fewer than k rows: the other slots stay empty
            first, best = top_k((dots if inv is None else dots * inv[:, None]).T, k)
            ids[:, :first.shape[1]], vals[:, :first.shape[1]] = np.where(first >= 0, first + start, -1), best
            continue
        rows, cols, found = _above(dots, inv, vals[:, -1])
        if len(rows):
            pending.append((cols, rows + start, found))
            waiting += len(rows)
        if waiting >= n * k or (stop >= hi and pending):  # merge once the new outnumber the kept
            ids, vals = _merge(ids, vals, slots, *map(np.concatenate, zip(*pending)), k)
            pending, waiting = [], 0
    ids[np.isneginf(vals)] = -1
    return ids, vals


def _above(dots, inv, kth: np.ndarray):
    """``(rows, queries, cosines)`` of the cosines ``dots[j, i] * inv[j]`` (or ``dots[j, i]`` when
    ``inv`` is None) above ``kth[i]``; NaN never is.

    When the block's 1 / ||M_j|| lie within a factor 2, the whole block is not scaled: a cosine can
    exceed kth_i only where dots[j, i] > kth_i / max(inv) (kth_i ≥ 0; kth_i / min(inv) for a
    negative one), lowered by a margin beyond float32 rounding; only the dots past that bound are
    multiplied, with the same float32 products as a scaled block, and compared with kth."""
    n = dots.shape[1]
    if inv is not None and (not len(inv) or inv.min() * 2 < inv.max()):
        dots *= inv[:, None]
        inv = None
    if inv is None:
        flat = np.flatnonzero(dots > kth)
        rows, cols = np.divmod(flat, n)
        return rows, cols, dots.ravel()[flat]
    kth64 = kth.astype(np.float64)
    bound = np.where(kth64 >= 0, kth64 / float(inv.max()), kth64 / float(inv.min()))
    bound = (bound - np.abs(bound) * 1e-5).astype(np.float32)  # −inf stays −inf: every dot passes
    flat = np.flatnonzero(dots > bound)
    rows, cols = np.divmod(flat, n)
    found = dots.ravel()[flat] * inv[rows]
    keep = found > kth[cols]
    return rows[keep], cols[keep], found[keep]


def _exclusions(exclude) -> tuple[np.ndarray, np.ndarray]:
    """``exclude`` (a list of rows per query) as (row, query) pairs sorted by row: each block takes
    its own with two binary searches."""
    pairs = [(int(c), r) for r, cols in enumerate(exclude or ()) for c in cols]
    arr = np.array(sorted(pairs), dtype=np.intp).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


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
