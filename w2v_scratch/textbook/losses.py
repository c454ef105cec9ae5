r"""The three output layers of word2vec, each a small unit with one job.

Every loss takes the hidden vectors ``h`` (B, d) — the center vector for
skip-gram, the mean (or sum) of the context vectors for CBOW — and what to
predict, and returns a :class:`LossGrads`: the loss of every example and the
closed-form gradients with respect to ``h`` and to every output row it used.
Nothing is updated here; the reference trainer hands the gradients to an
optimizer. The Numba kernels (``kernels/cpu.py``, ``kernels/cuda.py``) have no
full softmax; for negative sampling (word2vec's sum form, ``normalize=False``)
and hierarchical softmax they fuse the gradient with an SGD step in float32 and
use the same ∂ℓ/∂s, σ(s) − y and σ(s) − (1 − c), except that they clip σ to 0 or 1 for
|s| > 6 (NS), skip the path nodes with |s| ≥ 6 (HS) and skip a noise word equal
to the positive instead of counting it; docs/math.md, section 11, lists every
way they depart from these formulas.

Notation: σ(x) = 1/(1+e^{−x}); softplus(x) = log(1+e^{x}) = −log σ(−x).
All functions are float64-capable: they compute in the dtype they are given.
The derivations are in docs/math.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .huffman import HuffmanTree


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1+e^{−x}), computed without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^{x}), stable for large |x|."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@dataclass
class LossGrads:
    """What a loss returns.

    ``loss`` (B,): the loss of each example. ``grad_h`` (B, d): ∂loss/∂h.
    ``rows`` (n,) and ``grad_rows`` (n, d): ∂loss/∂(output row ``rows[i]``); a row may
    appear several times, and its gradient is then the sum of its entries.
    """

    loss: np.ndarray
    grad_h: np.ndarray
    rows: np.ndarray
    grad_rows: np.ndarray


class NegativeSampling:
    r"""Binary logistic loss on positive targets and noise words (output table ``context``, V×d).

    Scores s_bl = h_b · u_{t_bl} for the targets t (B, L) with labels y (1 = a positive target:
    a true context word, or CBOW's center; 0 = noise) and mask m (0 = padding). Per example

        ℓ_b = Σ_l m_bl · [softplus(s_bl) − y_bl·s_bl] / n_b

    the binary cross-entropy −y log σ(s) − (1−y) log σ(−s); n_b = Σ_l m_bl if
    ``normalize`` (the textbook's masked mean), else 1 (word2vec's sum
    −log σ(s₊) − Σ_k log σ(−s_k)). With g_bl = ∂ℓ_b/∂s_bl = m_bl (σ(s_bl) − y_bl)/n_b:

        ∂ℓ_b/∂h_b = Σ_l g_bl u_{t_bl}        ∂ℓ_b/∂u_{t_bl} = g_bl h_b
    """

    def __init__(self, normalize: bool = True) -> None:
        self.normalize = normalize

    def __call__(self, h, context, targets, labels, mask) -> LossGrads:
        u = context[targets]                                   # (B, L, d)
        s = np.einsum("bd,bld->bl", h, u)                      # (B, L)
        n = mask.sum(axis=1, keepdims=True) if self.normalize else np.ones((len(h), 1), h.dtype)
        n = np.maximum(n, 1)
        loss = (mask * (softplus(s) - labels * s)).sum(axis=1) / n[:, 0]
        g = mask * (sigmoid(s) - labels) / n                   # (B, L)
        grad_h = np.einsum("bl,bld->bd", g, u)
        grad_u = g[:, :, None] * h[:, None, :]                 # (B, L, d)
        keep = mask.reshape(-1) > 0
        return LossGrads(loss, grad_h, targets.reshape(-1)[keep], grad_u.reshape(-1, h.shape[1])[keep])


class HierarchicalSoftmax:
    r"""Hierarchical softmax over a Huffman tree (output table ``inner_nodes``, (V−1)×d).

    For target word w with path nodes p_j and codes c_j (j < len_w), s_j = h · θ_{p_j} and

        P(w | h) = ∏_j σ((1 − 2c_j) s_j),    ℓ = −log P(w | h) = Σ_j softplus(−(1 − 2c_j) s_j).

    With g_j = ∂ℓ/∂s_j = σ(s_j) − (1 − c_j):

        ∂ℓ/∂h = Σ_j g_j θ_{p_j}              ∂ℓ/∂θ_{p_j} = g_j h
    """

    def __init__(self, tree: HuffmanTree) -> None:
        self.tree = tree

    def _paths(self, words):
        t = self.tree
        points, codes = t.points[words], t.codes[words]
        mask = np.arange(points.shape[1])[None, :] < t.lengths[words][:, None]
        return points, codes, mask

    def __call__(self, h, inner_nodes, words) -> LossGrads:
        points, codes, mask = self._paths(words)
        theta = inner_nodes[points]                            # (B, P, d)
        s = np.einsum("bd,bpd->bp", h, theta)
        sign = (1 - 2 * codes.astype(h.dtype))
        m = mask.astype(h.dtype)
        loss = (m * softplus(-sign * s)).sum(axis=1)
        g = m * (sigmoid(s) - (1 - codes.astype(h.dtype)))
        grad_h = np.einsum("bp,bpd->bd", g, theta)
        grad_theta = g[:, :, None] * h[:, None, :]
        keep = mask.reshape(-1)
        return LossGrads(loss, grad_h, points.reshape(-1)[keep], grad_theta.reshape(-1, h.shape[1])[keep])

    def probabilities(self, h, inner_nodes) -> np.ndarray:
        """P(w | h) for every word w (B, V): the product of branch probabilities along its path."""
        V = len(self.tree.lengths)
        points, codes, mask = self._paths(np.arange(V))
        s = np.einsum("bd,vpd->bvp", h, inner_nodes[points])
        logp = -softplus(-(1 - 2 * codes.astype(h.dtype))[None] * s) * mask[None]
        return np.exp(logp.sum(axis=2))


class FullSoftmax:
    r"""Softmax over the whole vocabulary (output table ``context``, V×d).

    s = h W_outᵀ (scores of every word), ℓ = −log softmax(s)_w = logsumexp(s) − s_w.
    With p = softmax(s) and e_w the one-hot vector of the target:

        ∂ℓ/∂s = p − e_w,   ∂ℓ/∂h = (p − e_w) W_out,   ∂ℓ/∂W_out = (p − e_w)ᵀ h  (every row).

    Cost O(V·d) per example, which is why NS and HS exist.
    """

    def __call__(self, h, context, words) -> LossGrads:
        s = h @ context.T                                       # (B, V)
        rows = np.arange(len(h))
        p, logsumexp = self.softmax(s)
        loss = logsumexp - s[rows, words]                        # logsumexp(s) − s_w, no underflow
        g = p
        g[rows, words] -= 1                                      # p − e_w (p is not used again)
        return LossGrads(loss, g @ context, np.arange(len(context)), g.T @ h)

    @staticmethod
    def softmax(s) -> tuple[np.ndarray, np.ndarray]:
        """(softmax(s), logsumexp(s)) row by row, with the row maximum subtracted first so
        nothing overflows."""
        top = s.max(axis=1, keepdims=True)
        e = np.exp(s - top)
        total = e.sum(axis=1, keepdims=True)
        return e / total, np.log(total[:, 0]) + top[:, 0]

    def probabilities(self, h, context) -> np.ndarray:
        """softmax(h W_outᵀ) (B, V)."""
        return self.softmax(h @ context.T)[0]
