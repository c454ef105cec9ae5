"""Sampling: subsampling frequent words, random context windows, noise words,
and the textbook's padded minibatches.

Subsampling, the windows and the draws are vectorised NumPy over the whole encoded corpus (the
batches one minibatch at a time; building the alias table is an O(V) Python loop);
randomness comes from a ``numpy.random.Generator`` passed in, so a seed fixes a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np


# ---------------------------------------------------------------------------
# Subsampling of frequent words
# ---------------------------------------------------------------------------


def keep_probabilities(counts, t: float, rule: str = "word2vec") -> np.ndarray:
    """Probability of keeping each word id, f = count/total:

    * ``"word2vec"`` (word2vec.c, gensim): p = (sqrt(f/t) + 1) · t/f
    * ``"textbook"`` (d2l.ai):              p = sqrt(t/f)

    clipped to at most 1. ``t <= 0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if t <= 0:
        return np.ones(len(counts))
    f = counts / counts.sum()
    if rule == "word2vec":
        p = (np.sqrt(f / t) + 1.0) * t / f
    elif rule == "textbook":
        p = np.sqrt(t / f)
    else:
        raise ValueError(f"unknown subsampling rule {rule!r}: use 'word2vec' or 'textbook'")
    return np.minimum(p, 1.0)


def subsample(ids: np.ndarray, offsets: np.ndarray, keep_prob: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Drop each token w with probability 1 - keep_prob[w]; returns (ids, offsets) of what is kept.

    Sentences keep their boundaries (a sentence may become empty)."""
    keep = rng.random(len(ids)) < keep_prob[ids]
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    return ids[keep], kept_before[offsets].astype(np.int64)


# ---------------------------------------------------------------------------
# Centers and contexts
# ---------------------------------------------------------------------------


def sentence_index(offsets: np.ndarray, n_tokens: int) -> np.ndarray:
    """For each token position, the id of the sentence it belongs to."""
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))[:n_tokens]


def centers_and_contexts(ids: np.ndarray, offsets: np.ndarray, max_window: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every token as a center with a context window of random radius r ∈ [1, max_window].

    Returns ``centers`` (N,), ``contexts`` (N, 2·max_window) and ``mask`` (N, 2·max_window):
    ``contexts[i, j]`` is a context word of center i where ``mask[i, j]``; contexts stay in the
    center's sentence. Centers with no context at all (one-word sentences) are left out.
    """
    if max_window < 1:
        raise ValueError("window must be at least 1")
    n = len(ids)
    sent = sentence_index(offsets, n)
    radius = rng.integers(1, max_window + 1, size=n)
    rel = np.concatenate([np.arange(-max_window, 0), np.arange(1, max_window + 1)])  # (2W,)
    pos = np.arange(n)[:, None] + rel[None, :]
    inside = (pos >= 0) & (pos < n)
    pos_c = np.clip(pos, 0, max(n - 1, 0))
    mask = inside & (np.abs(rel)[None, :] <= radius[:, None]) & (sent[pos_c] == sent[:, None])
    has = mask.any(axis=1)
    return ids[has], np.where(mask, ids[pos_c], 0)[has].astype(np.int32), mask[has]


# ---------------------------------------------------------------------------
# Noise words: the alias method
# ---------------------------------------------------------------------------


class AliasSampler:
    """Draw ids with probability ∝ weights in O(1) each (Walker/Vose alias method).

    The table is two arrays of length V: ``prob`` (float64) and ``alias`` (int32).
    A draw picks a column i uniformly, then returns i with probability prob[i]
    and alias[i] otherwise. Memory is O(V), not word2vec.c's 1e8-entry table.
    """

    def __init__(self, weights) -> None:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or len(w) == 0 or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("noise weights must be non-negative with a positive sum")
        V = len(w)
        scaled = w * (V / w.sum())
        prob = np.ones(V)
        alias = np.arange(V, dtype=np.int32)
        small = [i for i in range(V) if scaled[i] < 1.0]
        large = [i for i in range(V) if scaled[i] >= 1.0]
        while small and large:
            s, l = small.pop(), large.pop()
            prob[s], alias[s] = scaled[s], l
            scaled[l] -= 1.0 - scaled[s]
            (small if scaled[l] < 1.0 else large).append(l)
        self.prob = prob
        self.alias = alias
        self.probabilities = w / w.sum()

    @classmethod
    def unigram(cls, counts, power: float = 0.75) -> "AliasSampler":
        """The noise distribution of word2vec: P(w) ∝ count(w)^power."""
        return cls(np.asarray(counts, dtype=np.float64) ** power)

    def draw(self, rng: np.random.Generator, size) -> np.ndarray:
        column = rng.integers(0, len(self.prob), size=size)
        return np.where(rng.random(size) < self.prob[column], column, self.alias[column]).astype(np.int32)

    def draw_excluding(self, rng: np.random.Generator, size, exclude: np.ndarray,
                       exclude_mask: np.ndarray | None = None, max_tries: int = 100) -> np.ndarray:
        """Draws of shape (N, K) where no row contains any of that row's ``exclude`` ids
        ((N, E), only the entries where ``exclude_mask`` holds); offending draws are redrawn.
        """
        noise = self.draw(rng, size)
        if exclude_mask is None:
            exclude_mask = np.ones(exclude.shape, dtype=bool)
        for _ in range(max_tries):
            clash = ((noise[:, :, None] == exclude[:, None, :]) & exclude_mask[:, None, :]).any(axis=2)
            if not clash.any():
                return noise
            noise[clash] = self.draw(rng, int(clash.sum()))
        return noise  # a word with almost all the noise mass: give up excluding it


# ---------------------------------------------------------------------------
# The textbook's padded minibatches
# ---------------------------------------------------------------------------


@dataclass
class Batch:
    """One textbook minibatch for skip-gram with negative sampling.

    ``center`` (B, 1); ``contexts_and_negatives`` (B, L): each row its context words,
    then K noise words per context word, then padding; ``mask`` (B, L) is 1 on real
    entries; ``label`` (B, L) is 1 on context words, 0 elsewhere.
    """

    center: np.ndarray
    contexts_and_negatives: np.ndarray
    mask: np.ndarray
    label: np.ndarray


def textbook_batches(centers: np.ndarray, contexts: np.ndarray, ctx_mask: np.ndarray,
                     sampler: AliasSampler, num_noise: int, batch_size: int,
                     rng: np.random.Generator, shuffle: bool = True) -> Iterator[Batch]:
    """Yield :class:`Batch` es over all centers: K = ``num_noise`` noise words per context
    word (never one of that center's context words), padded to the longest row of the batch."""
    n, C = contexts.shape
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        ctx, cmask = contexts[rows], ctx_mask[rows]
        n_ctx = cmask.sum(axis=1)
        noise = sampler.draw_excluding(rng, (len(rows), C * num_noise), ctx, cmask)
        nmask = np.arange(C * num_noise)[None, :] < (n_ctx * num_noise)[:, None]
        values = np.concatenate([ctx, noise], axis=1)
        valid = np.concatenate([cmask, nmask], axis=1)
        labels = np.concatenate([cmask, np.zeros_like(nmask)], axis=1)
        # Move the valid entries of each row to the front, keeping their order.
        perm = np.argsort(~valid, axis=1, kind="stable")
        L = int(valid.sum(axis=1).max())
        perm = perm[:, :L]
        take = lambda a: np.take_along_axis(a, perm, axis=1)
        mask = take(valid)
        yield Batch(
            center=centers[rows][:, None].astype(np.int32),
            contexts_and_negatives=np.where(mask, take(values), 0).astype(np.int32),
            mask=mask.astype(np.float32),
            label=take(labels).astype(np.float32),
        )
