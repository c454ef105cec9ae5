"""One record per epoch, the same for every backend (``Word2Vec.history``).

Keys (every backend writes all of them):

* ``epoch``: 1, 2, …
* ``loss``: the mean loss per trained example over the epoch, measured while training. An
  *example* is one (input, positive target): a (center, context) pair for skip-gram, one
  window predicting its center for CBOW. Its loss is the whole output layer's:
  −log σ(s₊) − Σ_k log σ(−s_k) over its K noise words (NS), −log P(w | h) along the Huffman
  path (HS), −log softmax(s)_w (full softmax). The cpu backend measures it on every 4th
  example (``kernels.cpu.LOSS_EVERY``, a systematic sample), the cuda and reference backends
  on every example.
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
