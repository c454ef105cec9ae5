"""One record per epoch, the same for every backend (``Word2Vec.history``).

Keys (every backend writes all of them):

* ``epoch``: 1, 2, …
* ``loss``: the mean loss per trained example over the epoch, measured while training. An
  *example* is one (input, positive target): a (center, context) pair for skip-gram, one
  window predicting its center for CBOW. Its loss is the whole output layer's:
  −log σ(s₊) − Σ_k log σ(−s_k) over its K noise words (NS), −log P(w | h) along the Huffman
  path (HS), −log softmax(s)_w (full softmax). The cpu backend measures it on every 16th
  example (``kernels.cpu.LOSS_EVERY``, a systematic sample; with skip-gram's window step every
  16th window, all its pairs), the cuda and reference backends on every example.
* ``eval_loss``: the same loss on one fixed sample of examples with the parameters frozen at
  the end of the epoch (``monitor.FixedSample``); ``None`` where no example can be formed.
* ``seconds``: training time of the epoch.
* ``words``: corpus words of the epoch (before subsampling); ``trained_words``: after it.
* ``examples``: trained examples.
* ``words_per_sec``, ``trained_words_per_sec``: ``words`` and ``trained_words`` / ``seconds``.
* ``lr_end``: the learning rate at the end of the epoch (Adam: its constant rate).
* ``batch_losses``: the running loss through the epoch, in training order: the mean loss per
  example over each minibatch (reference), each slice of about 50,000 words of each worker
  (cpu: slices in order, the workers' k-th slices side by side), or each group of consecutive
  sentences (cuda, up to 100 groups). Never empty when the epoch trained an example.
"""

from __future__ import annotations

import math

import numpy as np

from ..base.errors import DivergenceError

KEYS = ("epoch", "loss", "eval_loss", "seconds", "words", "trained_words", "examples", "words_per_sec",
        "trained_words_per_sec", "lr_end", "batch_losses")


def epoch_record(epoch: int, *, loss: float, eval_loss, seconds: float, words: int, trained_words: int,
                 examples: int, lr_end: float, batch_losses) -> dict:
    """The record of one epoch, with the keys of :data:`KEYS`."""
    return {
        "epoch": int(epoch),
        "loss": float(loss),
        "eval_loss": None if eval_loss is None else float(eval_loss),
        "seconds": float(seconds),
        "words": int(words),
        "trained_words": int(trained_words),
        "examples": int(examples),
        "words_per_sec": words / seconds if seconds > 0 else 0.0,
        "trained_words_per_sec": trained_words / seconds if seconds > 0 else 0.0,
        "lr_end": float(lr_end),
        "batch_losses": [float(b) for b in batch_losses],
    }


def describe(record: dict, epochs: int) -> str:
    """The line every backend prints after an epoch."""
    fixed = "" if record["eval_loss"] is None else f" (fixed sample {record['eval_loss']:.4f})"
    return (f"epoch {record['epoch']}/{epochs}: loss {record['loss']:.4f}{fixed}, "
            f"{record['words_per_sec']:,.0f} words/sec ({record['words']:,} words, {record['trained_words']:,} "
            f"after subsampling, {record['seconds']:.1f}s), lr {record['lr_end']:.5f}")


def mean_losses(loss_sums, counts) -> list[float]:
    """Σ loss / Σ count for each (sum, count) with a positive count, in order."""
    return [float(s) / float(c) for s, c in zip(loss_sums, counts) if c > 0]


# ---------------------------------------------------------------------------
# The divergence guard every backend runs (per minibatch / slice of work, and at every epoch's end)
# ---------------------------------------------------------------------------
# The limits sit far above sane runs, far below broken ones: a sane run's minibatch/slice loss stays at
# or below the untrained loss (:func:`untrained_loss`) and its row norms in the tens, on every backend;
# a diverging one reaches NaN (NS) or a finite loss thousands of times the untrained one (HS: nodes with
# |f| >= 6 are skipped, so a wrong saturated node is never corrected), and the reference's Adam at a
# huge rate pushes row norms to 1e9 at once. So: a loss over LOSS_FACTOR times the untrained loss, or
# a row norm over MAX_ROW_NORM, is divergence.
LOSS_FACTOR = 50.0
MAX_ROW_NORM = 1e4


def untrained_loss(loss: str, negative: int, vocab_size: int) -> float:
    """The loss per example (this module's unit) of a model whose scores are all 0, which is
    about where every backend starts: NS (K+1)·log 2; the full softmax log V; HS the path length
    times log 2, about log2 V + 1 bits, i.e. log V + log 2; both at once (hs+ns) the HS and NS ones summed."""
    V = max(int(vocab_size), 2)
    if loss == "hs+ns":  # both losses at once: their sum
        return untrained_loss("hs", negative, V) + untrained_loss("ns", negative, V)
    if loss == "ns":
        return (int(negative) + 1) * math.log(2)
    if loss == "hs":
        return math.log(V) + math.log(2)
    return math.log(V)


def check_loss(value: float, cfg, vocab_size: int, where: str) -> None:
    """Raise :class:`DivergenceError` when a measured loss (per example) is NaN/inf or over
    LOSS_FACTOR times the untrained loss. ``where``: "in epoch 2", "in epoch 1 (minibatch 7)"…"""
    base = untrained_loss(cfg.loss, cfg.negative, vocab_size)
    if not math.isfinite(value):
        raise DivergenceError(f"training diverged: the loss became {value} {where}: lower --lr (now {cfg.lr:g})")
    if value > LOSS_FACTOR * base:
        raise DivergenceError(f"training diverged: the loss grew to {value:.3g} {where}, over {LOSS_FACTOR:g} times "
                              f"the untrained model's {base:.3g}: lower --lr (now {cfg.lr:g})")


def max_row_norm(table: np.ndarray, block: int = 1 << 16) -> float:
    """The largest Euclidean row norm of ``table`` (NaN/inf if it holds any), without a float64
    copy of the whole table: max|x|·sqrt(d) bounds it, and only when that bound is large are the
    norms computed, a block of rows at a time."""
    if table.size == 0:
        return 0.0
    top = max(float(table.max()), -float(table.min()))
    if not math.isfinite(top):
        return float("nan") if math.isnan(top) else float("inf")
    if top * math.sqrt(table.shape[1]) <= MAX_ROW_NORM:
        return top * math.sqrt(table.shape[1])  # an upper bound: enough to pass
    best = 0.0
    for start in range(0, table.shape[0], block):
        rows = table[start:start + block].astype(np.float64)
        best = max(best, float(np.sqrt(np.einsum("ij,ij->i", rows, rows).max())))
    return best


def check_vectors(tables: dict, cfg, where: str) -> None:
    """Raise :class:`DivergenceError` when any of ``tables`` ({name: matrix or None}) holds NaN/inf,
    or a row whose norm passes MAX_ROW_NORM."""
    for name, table in tables.items():
        if table is None:
            continue
        norm = max_row_norm(table)
        if not math.isfinite(norm):
            raise DivergenceError(f"training diverged {where}: the vectors hold NaN/inf; lower --lr (now {cfg.lr:g})")
        if norm > MAX_ROW_NORM:
            raise DivergenceError(f"training diverged {where}: a row of the {name} matrix grew to norm {norm:.3g} "
                                  f"(sane runs stay below 20; the limit is {MAX_ROW_NORM:g}): lower --lr "
                                  f"(now {cfg.lr:g})")
