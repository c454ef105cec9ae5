r"""The three output layers of word2vec, each a small unit with one job, and HS + NS at once.

Every loss takes the hidden vectors ``h`` (B, d) — the center vector for
skip-gram, the mean (or sum) of the context vectors for CBOW — and what to
predict, and returns a :class:`LossGrads`: the loss of every example and the
closed-form gradients with respect to ``h`` and to every output row it used.
Nothing is updated here; the reference trainer hands the gradients to an
optimizer. The Numba kernels (``kernels/cpu.py``, ``kernels/cuda.py``) have no
full softmax; for negative sampling (word2vec's sum form, ``normalize=False``)
and hierarchical softmax they fuse the gradient with an SGD step in float32 and
use the same ∂ℓ/∂f, σ(f) − y and σ(f) − (1 − c) — their step is g = −α·∂ℓ/∂f — except that
they clip σ to 0 or 1 for |f| > 6 (NS), skip the path nodes with |f| ≥ 6 (HS) and skip a noise
word equal to the positive instead of counting it; docs/math.md, section 11, lists every
way they depart from these formulas.

:class:`BothLosses` is word2vec.c's ``-hs 1 -negative K`` (gensim's ``hs=1, negative=K``): the sum of
:class:`HierarchicalSoftmax` and :class:`NegativeSampling` on the same ``h`` (docs/math.md §4.5).

Notation (docs/math.md §1): ``w_out`` is the output table of one loss (W_out, or Θ for HS); with
both losses ``w_out`` is W_out and ``theta`` is Θ; f = h·u a score,
``dl_df`` = ∂ℓ/∂f; σ(x) = 1/(1+e^{−x}); softplus(x) = log(1+e^{x}) = −log σ(−x).
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
    appear several times, and its gradient is then the sum of its entries. With both losses
    (:class:`BothLosses`) those are W_out's, and ``theta_rows``, ``grad_theta`` are Θ's (else None).
    """

    loss: np.ndarray
    grad_h: np.ndarray
    rows: np.ndarray
    grad_rows: np.ndarray
    theta_rows: np.ndarray | None = None
    grad_theta: np.ndarray | None = None


class NegativeSampling:
    r"""Binary logistic loss on positive targets and noise words (output table ``w_out`` = W_out, V×d).

    Scores f_bl = h_b · u_{t_bl} for the targets t (B, L) with labels y (1 = a positive target:
    a true context word, or CBOW's center; 0 = noise) and mask m (0 = padding). Per example

        ℓ_b = Σ_l m_bl · [softplus(f_bl) − y_bl·f_bl] / n_b

    the binary cross-entropy −y log σ(f) − (1−y) log σ(−f); n_b = Σ_l m_bl if
    ``normalize`` (the textbook's masked mean), else 1 (word2vec's sum
    −log σ(f₊) − Σ_k log σ(−f_k)). With dl_df_bl = ∂ℓ_b/∂f_bl = m_bl (σ(f_bl) − y_bl)/n_b:

        ∂ℓ_b/∂h_b = Σ_l dl_df_bl u_{t_bl}        ∂ℓ_b/∂u_{t_bl} = dl_df_bl h_b
    """

    def __init__(self, normalize: bool = True) -> None:
        self.normalize = normalize

    def __call__(self, h, w_out, targets, labels, mask) -> LossGrads:
        u = w_out[targets]                                     # (B, L, d)
        f = np.einsum("bd,bld->bl", h, u)                      # (B, L)
        n = mask.sum(axis=1, keepdims=True) if self.normalize else np.ones((len(h), 1), h.dtype)
        n = np.maximum(n, 1)
        loss = (mask * (softplus(f) - labels * f)).sum(axis=1) / n[:, 0]
        dl_df = mask * (sigmoid(f) - labels) / n               # (B, L)
        grad_h = np.einsum("bl,bld->bd", dl_df, u)
        grad_u = dl_df[:, :, None] * h[:, None, :]             # (B, L, d)
        keep = mask.reshape(-1) > 0
        return LossGrads(loss, grad_h, targets.reshape(-1)[keep], grad_u.reshape(-1, h.shape[1])[keep])


class HierarchicalSoftmax:
    r"""Hierarchical softmax over a Huffman tree (output table ``w_out`` = Θ, (V−1)×d).

    For target word w with path nodes p_j and codes c_j (j < len_w), f_j = h · θ_{p_j} and

        P(w | h) = ∏_j σ((1 − 2c_j) f_j),    ℓ = −log P(w | h) = Σ_j softplus(−(1 − 2c_j) f_j).

    With dl_df_j = ∂ℓ/∂f_j = σ(f_j) − (1 − c_j):

        ∂ℓ/∂h = Σ_j dl_df_j θ_{p_j}          ∂ℓ/∂θ_{p_j} = dl_df_j h
    """

    def __init__(self, tree: HuffmanTree) -> None:
        self.tree = tree

    def _paths(self, words):
        t = self.tree
        points, codes = t.points[words], t.codes[words]
        mask = np.arange(points.shape[1])[None, :] < t.lengths[words][:, None]
        return points, codes, mask

    def __call__(self, h, w_out, words) -> LossGrads:
        points, codes, mask = self._paths(words)
        theta = w_out[points]                                  # (B, P, d)
        f = np.einsum("bd,bpd->bp", h, theta)
        sign = (1 - 2 * codes.astype(h.dtype))
        m = mask.astype(h.dtype)
        loss = (m * softplus(-sign * f)).sum(axis=1)
        dl_df = m * (sigmoid(f) - (1 - codes.astype(h.dtype)))
        grad_h = np.einsum("bp,bpd->bd", dl_df, theta)
        grad_theta = dl_df[:, :, None] * h[:, None, :]
        keep = mask.reshape(-1)
        return LossGrads(loss, grad_h, points.reshape(-1)[keep], grad_theta.reshape(-1, h.shape[1])[keep])

    def probabilities(self, h, w_out) -> np.ndarray:
        """P(w | h) for every word w (B, V): the product of branch probabilities along its path."""
        V = len(self.tree.lengths)
        points, codes, mask = self._paths(np.arange(V))
        f = np.einsum("bd,vpd->bvp", h, w_out[points])
        logp = -softplus(-(1 - 2 * codes.astype(h.dtype))[None] * f) * mask[None]
        return np.exp(logp.sum(axis=2))


class BothLosses:
    r"""Hierarchical softmax and negative sampling on the same hidden vector (word2vec.c's
    ``-hs 1 -negative K``, gensim's ``hs=1, negative=K``): output tables W_out (``w_out``, V×d) and
    Θ (``theta``, (V−1)×d). Per example

        ℓ = ℓ_hs(h; Θ, path of w) + ℓ_ns(h; W_out, targets t, labels y, mask m)

    (:class:`HierarchicalSoftmax` for the word ``words[b]``, :class:`NegativeSampling` for its
    targets, word2vec's sum form unless ``normalize``). Each table appears in one term only, so

        ∂ℓ/∂h = ∂ℓ_hs/∂h + ∂ℓ_ns/∂h,   ∂ℓ/∂θ_p = ∂ℓ_hs/∂θ_p,   ∂ℓ/∂u_t = ∂ℓ_ns/∂u_t

    — the one e (word2vec.c's ``neu1e``) both losses add into.
    """

    def __init__(self, tree: HuffmanTree, normalize: bool = False) -> None:
        self.hs = HierarchicalSoftmax(tree)
        self.ns = NegativeSampling(normalize=normalize)

    def __call__(self, h, w_out, theta, words, targets, labels, mask) -> LossGrads:
        hs = self.hs(h, theta, words)
        ns = self.ns(h, w_out, targets, labels, mask)
        return LossGrads(hs.loss + ns.loss, hs.grad_h + ns.grad_h, ns.rows, ns.grad_rows, hs.rows, hs.grad_rows)


class FullSoftmax:
    r"""Softmax over the whole vocabulary (output table ``w_out`` = W_out, V×d).

    f = h W_outᵀ (scores of every word), ℓ = −log softmax(f)_w = logsumexp(f) − f_w.
    With p = softmax(f) and 1_w the one-hot vector of the target:

        ∂ℓ/∂f = p − 1_w,   ∂ℓ/∂h = (p − 1_w) W_out,   ∂ℓ/∂W_out = (p − 1_w)ᵀ h  (every row).

    Cost O(V·d) per example, which is why NS and HS exist.
    """

    def __call__(self, h, w_out, words) -> LossGrads:
        f = h @ w_out.T                                         # (B, V)
        rows = np.arange(len(h))
        p, logsumexp = self.softmax(f)
        loss = logsumexp - f[rows, words]                        # logsumexp(f) − f_w, no underflow
        dl_df = p
        dl_df[rows, words] -= 1                                  # p − 1_w (p is not used again)
        return LossGrads(loss, dl_df @ w_out, np.arange(len(w_out)), dl_df.T @ h)

    @staticmethod
    def softmax(f) -> tuple[np.ndarray, np.ndarray]:
        """(softmax(f), logsumexp(f)) row by row, with the row maximum subtracted first so
        nothing overflows."""
        top = f.max(axis=1, keepdims=True)
        ex = np.exp(f - top)
        total = ex.sum(axis=1, keepdims=True)
        return ex / total, np.log(total[:, 0]) + top[:, 0]

    def probabilities(self, h, w_out) -> np.ndarray:
        """softmax(h W_outᵀ) (B, V)."""
        return self.softmax(h @ w_out.T)[0]
