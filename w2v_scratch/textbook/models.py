r"""Skip-gram and CBOW: which input vectors form ``h``, and where ∂ℓ/∂h goes back.

A model only builds the hidden vector and routes its gradient; it asks the loss
(``losses.py``) for everything about the output side.

* Skip-gram: h_b = v_{c_b}, the center word's row of ``w_in`` (W_in) — the paper's direction:
  the center word is the input, each context word a target (the cpu kernel and cuda's skip-gram
  NS use word2vec.c's, the other way round; cuda's skip-gram HS keeps this one; docs/math.md §3);
  ∂ℓ/∂v_{c_b} = ∂ℓ/∂h_b.
* CBOW: h_b = (1/n_b) Σ_j m_bj v_{x_bj} over the n_b context words (``mean``), or the
  plain sum; ∂ℓ/∂v_{x_bj} = m_bj ∂ℓ/∂h_b / n_b (mean) or m_bj ∂ℓ/∂h_b (sum).

  word2vec.c adds the *undivided* ∂ℓ/∂h to every context row in mean mode, which is
  not the exact gradient; the reference is exact and the fast kernels say which they do.
"""

from __future__ import annotations

import numpy as np


class SkipGram:
    name = "sg"

    def hidden(self, w_in: np.ndarray, centers: np.ndarray) -> np.ndarray:
        """h = W_in[centers]  (B, d)."""
        return w_in[centers]

    def backward(self, grad_h: np.ndarray, centers: np.ndarray):
        """(rows, gradients) of ``w_in`` (W_in): each center gets ∂ℓ/∂h."""
        return centers, grad_h


class CBOW:
    name = "cbow"

    def __init__(self, mean: bool = True) -> None:
        self.mean = mean

    def _weights(self, mask: np.ndarray) -> np.ndarray:
        m = mask.astype(np.float64)
        if self.mean:
            m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        return m

    def hidden(self, w_in: np.ndarray, inputs) -> np.ndarray:
        """h_b = Σ_j w_bj W_in[x_bj] with w = mask/n (mean) or mask (sum)."""
        contexts, mask = inputs
        w = self._weights(mask).astype(w_in.dtype)
        return np.einsum("bj,bjd->bd", w, w_in[contexts])

    def backward(self, grad_h: np.ndarray, inputs):
        """(rows, gradients) of ``w_in``: context x_bj gets w_bj ∂ℓ/∂h_b."""
        contexts, mask = inputs
        w = self._weights(mask).astype(grad_h.dtype)
        keep = mask.reshape(-1) > 0
        grads = (w[:, :, None] * grad_h[:, None, :]).reshape(-1, grad_h.shape[1])
        return contexts.reshape(-1)[keep], grads[keep]


def make_model(name: str, cbow_mean: bool = True):
    return SkipGram() if name == "sg" else CBOW(mean=cbow_mean)
