r"""Optimizers that update only the rows a minibatch touched.

A gradient arrives as (rows, grads) with possibly repeated rows; it is first
summed per distinct row (:func:`accumulate`), so a word that appears twice in a
batch gets one update with the sum of its gradients — the gradient of the
batch loss.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def accumulate(rows: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the gradients of repeated rows: returns (distinct rows, summed gradients)."""
    unique, inverse = np.unique(rows, return_inverse=True)
    # S[i, j] = 1 where entry j belongs to distinct row i; S @ grads sums them
    # (a sparse product, chosen over np.add.at and a sorted reduceat for speed).
    S = sparse.csr_matrix((np.ones(len(rows), grads.dtype), (inverse, np.arange(len(rows)))),
                          shape=(len(unique), len(rows)))
    return unique, S @ grads


def linear_decay(lr0: float, min_lr: float, progress: float) -> float:
    r"""The learning rate of every SGD trainer here (reference, cpu, cuda):

        α(p) = α0 − (α0 − α_min) · min(p, 1),   p = the fraction of the run done

    (the kernels: corpus words done / (epochs · corpus words), words counted before
    subsampling; the reference trainer: (epoch + minibatches done in the epoch / the epoch's
    minibatches) / epochs). gensim's
    form; word2vec.c's α0 · max(1 − p, 10⁻⁴) stays within α0·10⁻⁴ of it for the default
    α_min = α0·10⁻⁴ (docs/math.md, "Learning rate")."""
    return lr0 - (lr0 - min_lr) * min(max(progress, 0.0), 1.0)


class SGD:
    """θ_r ← θ_r − lr · g_r for every touched row r."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, name: str, param: np.ndarray, rows: np.ndarray, grads: np.ndarray) -> None:
        rows, g = accumulate(rows, grads)
        param[rows] -= (self.lr * g).astype(param.dtype)


class Adam:
    r"""Adam (Kingma & Ba) applied lazily to the touched rows, like PyTorch's SparseAdam:

        m_r ← β1 m_r + (1−β1) g_r          v_r ← β2 v_r + (1−β2) g_r²
        θ_r ← θ_r − lr · (m_r / (1−β1^t)) / (sqrt(v_r / (1−β2^t)) + ε)

    where t counts the minibatches (:meth:`tick`, once per minibatch, whatever the number of
    ``step`` calls). Rows a batch does not touch keep their moments and values.
    """

    def __init__(self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def tick(self) -> None:
        """Advance the step counter t once per minibatch (before the ``step`` calls)."""
        self.t += 1

    def step(self, name: str, param: np.ndarray, rows: np.ndarray, grads: np.ndarray) -> None:
        if name not in self.moments:
            self.moments[name] = (np.zeros_like(param), np.zeros_like(param))
        m, v = self.moments[name]
        rows, g = accumulate(rows, grads)
        g = g.astype(param.dtype)
        m_r = self.beta1 * m[rows] + (1 - self.beta1) * g
        v_r = self.beta2 * v[rows] + (1 - self.beta2) * g * g
        m[rows], v[rows] = m_r, v_r
        t = max(self.t, 1)
        m_hat = m_r / (1 - self.beta1 ** t)
        v_hat = v_r / (1 - self.beta2 ** t)
        param[rows] -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(param.dtype)


def make_optimizer(name: str, lr: float):
    return Adam(lr) if name == "adam" else SGD(lr)
