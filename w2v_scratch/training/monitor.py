r"""A loss to believe: the model's loss on one fixed sample of examples, parameters frozen.

The running loss of an epoch (``history[e]["loss"]``) is measured while the parameters move,
on the examples of that epoch, with new noise words every time; it mixes how well the model
fits with how fast it is still moving. :class:`FixedSample` draws ``size`` examples once per
run from the encoded corpus — positions, window radii, contexts and, for negative sampling,
the K noise words — and :meth:`FixedSample.loss` evaluates the same examples, with the same
noise, on the current parameters in float64 with the loss units of ``losses.py``. Every
backend records it at the end of every epoch as ``eval_loss``.

An example is what the trainers train on (``history.py``): skip-gram, a (center, context)
pair with h = W_in[center]; CBOW, the window's context rows averaged (or summed) into h,
predicting the center. The loss per example is the whole output layer's:

    NS:       −log σ(u_pos·h) − Σ_k log σ(−u_k·h)       (K noise words, none equal to the positive)
    HS:       −log P(w | h) = Σ_j softplus(−(1 − 2c_j) θ_{p_j}·h)
    hs+ns:    the HS loss plus the NS loss on the same h (both losses at once)
    softmax:  logsumexp(W_out h) − u_w·h

The examples are drawn much as training draws them: a position uniform over the words of the
sentences with at least two words, a radius uniform in 1..window, and each word kept with its
subsampling probability (candidates whose words subsampling would drop are rejected). This is
not exactly training's distribution: the window is laid over the raw words, where training
forms windows over the kept words, and a skip-gram example takes one context slot uniform in
its window, so near contexts weigh more than in training (where a radius-r window gives all its
2r pairs). The sample is drawn from (seed, corpus), so a resumed run measures the same examples.
"""

from __future__ import annotations

import numpy as np

from ..textbook.huffman import build as build_huffman
from ..textbook.losses import FullSoftmax, HierarchicalSoftmax, NegativeSampling
from ..textbook.sampling import AliasSampler, keep_probabilities

SIZE = 4096          # examples for NS and HS
SOFTMAX_SIZE = 512   # the full softmax costs V·d per example
MAX_ROUNDS = 8       # rounds of 4·size candidates (subsampling rejects most pairs of frequent words)
CHUNK_BYTES = 1 << 26  # float64 temporaries of one evaluated chunk of examples


class FixedSample:
    """``size`` examples drawn once from ``corpus`` (``ids``, ``offsets``) for ``cfg``'s model and loss."""

    def __init__(self, corpus, vocab, cfg, size: int | None = None) -> None:
        self.model, self.loss_name, self.cbow_mean = cfg.model, cfg.loss, cfg.cbow_mean
        size = size or (SOFTMAX_SIZE if cfg.loss == "softmax" else SIZE)
        rng = np.random.default_rng([int(cfg.seed) & 0xFFFFFFFF, 0x5EED])
        keep = keep_probabilities(vocab.counts, cfg.sample, cfg.sample_rule)
        picks = [self._draw(corpus, cfg, keep, 4 * size, rng) for _ in range(MAX_ROUNDS)]
        picks = [p for p in picks if p is not None]
        self.empty = not picks or sum(len(p[-1]) for p in picks) == 0
        if self.empty:
            return
        parts = [np.concatenate(x)[:size] for x in zip(*picks)]
        if cfg.model == "sg":
            self.inputs, self.targets = parts
        else:
            self.contexts, self.mask, self.targets = parts
        self.hs_unit = HierarchicalSoftmax(build_huffman(vocab.counts)) if cfg.loss == "hs+ns" else None
        if cfg.loss in ("ns", "hs+ns"):
            sampler = AliasSampler.unigram(vocab.counts, cfg.ns_exponent)
            self.noise = sampler.draw_excluding(rng, (len(self.targets), cfg.negative),
                                                self.targets[:, None]).astype(np.int64)
            self.unit = NegativeSampling(normalize=False)
        elif cfg.loss == "hs":
            self.unit = HierarchicalSoftmax(build_huffman(vocab.counts))
        else:
            self.unit = FullSoftmax()

    @staticmethod
    def _draw(corpus, cfg, keep, n, rng):
        """Up to ``n`` candidate examples, each kept as training's subsampling would keep its words
        (skip-gram: both words; CBOW: the center, and each context word on its own)."""
        ids = corpus.ids
        offsets = np.asarray(corpus.offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        usable = np.flatnonzero(lengths >= 2)  # sentences with at least one pair
        if len(usable) == 0:
            return None
        weights = lengths[usable].astype(np.float64)  # a position uniform over their words
        sent = usable[rng.choice(len(usable), size=n, p=weights / weights.sum())]
        start, length = offsets[sent], lengths[sent]
        pos = (rng.random(n) * length).astype(np.int64)
        radius = rng.integers(1, cfg.window + 1, size=n)
        center = np.asarray(ids[start + pos], dtype=np.int64)
        if cfg.model == "sg":
            lo, hi = np.maximum(pos - radius, 0), np.minimum(pos + radius, length - 1)
            j = lo + (rng.random(n) * (hi - lo)).astype(np.int64)  # a slot in [lo, hi] other than pos
            j = np.where(j >= pos, j + 1, j)
            context = np.asarray(ids[start + j], dtype=np.int64)
            ok = rng.random(n) < keep[center] * keep[context]
            return center[ok], context[ok]
        offs = np.arange(-cfg.window, cfg.window + 1)
        offs = offs[offs != 0]
        cpos = pos[:, None] + offs[None, :]
        inside = (np.abs(offs)[None, :] <= radius[:, None]) & (cpos >= 0) & (cpos < length[:, None])
        contexts = np.asarray(ids[(start[:, None] + np.clip(cpos, 0, length[:, None] - 1)).ravel()],
                              dtype=np.int64).reshape(cpos.shape)
        mask = inside & (rng.random(cpos.shape) < keep[contexts])
        ok = (rng.random(n) < keep[center]) & mask.any(axis=1)
        return contexts[ok], mask[ok], center[ok]

    def hidden(self, w_in: np.ndarray, a: int = 0, b: int | None = None) -> np.ndarray:
        """h of examples a..b, float64: the input word's W_in row (skip-gram) or the window's mean/sum
        of W_in rows (CBOW)."""
        if self.model == "sg":
            return w_in[self.inputs[a:b]].astype(np.float64)
        mask = self.mask[a:b]
        h = np.einsum("bc,bcd->bd", mask.astype(np.float64), w_in[self.contexts[a:b]])
        return h / mask.sum(axis=1, keepdims=True) if self.cbow_mean else h

    def chunk(self, d: int, V: int) -> int:
        """Examples evaluated at once, so that their float64 temporaries stay near CHUNK_BYTES."""
        if self.loss_name in ("ns", "hs+ns"):
            width = 3 * self.noise.shape[1] + 4 + (24 if self.loss_name == "hs+ns" else 0)
        else:
            width = 24 if self.loss_name == "hs" else 3 * V // d + 2
        if self.model == "cbow":
            width += self.contexts.shape[1]
        return max(1, CHUNK_BYTES // (8 * d * width))

    def loss(self, w_in: np.ndarray, w_out: np.ndarray, theta: np.ndarray | None = None) -> float | None:
        """The mean loss per example with the parameters ``w_in`` (W_in) and ``w_out`` (W_out
        for NS and softmax, Θ for HS; with hs+ns W_out, and ``theta`` Θ); ``None`` for a corpus with no pair.
        Evaluated a chunk of examples at a time (memory stays bounded at any dimension)."""
        if self.empty:
            return None
        n, total = len(self.targets), 0.0
        step = self.chunk(w_in.shape[1], len(w_out))
        for a in range(0, n, step):
            b = min(a + step, n)
            h = self.hidden(w_in, a, b)
            if self.hs_unit is not None:
                total += float(self.hs_unit(h, theta, self.targets[a:b]).loss.sum())
            if self.loss_name in ("ns", "hs+ns"):
                targets = np.concatenate([self.targets[a:b, None], self.noise[a:b]], axis=1)
                rows = np.unique(targets)
                local = np.searchsorted(rows, targets)  # only the rows these examples use, in float64
                labels = np.zeros(targets.shape)
                labels[:, 0] = 1
                out = self.unit(h, w_out[rows].astype(np.float64), local, labels, np.ones(targets.shape))
            else:
                out = self.unit(h, w_out, self.targets[a:b])  # float32 rows meet float64 h: float64 scores
            total += float(out.loss.sum())
        return total / n
