r"""The steps the fast kernels take by default, as NumPy functions: a skip-gram window at a time.

The six model × loss pairs (:mod:`.reference`) give the gradient of one example at a time. The fast
kernels group a skip-gram window's pairs, in word2vec.c's orientation: each context word's
``w_in`` row x_c is an input and the window's center word is the target, so every pair of the
window shares the same targets u_t = ``w_out[targets[t]]`` with labels y_t — hierarchical softmax
the inner nodes of the center word's path (y = 1 − code), negative sampling the center word
(y = 1) and K noise words drawn once for the window (y = 0). With

.. math::

    f_{ct} = x_c\cdot u_t,\qquad \ell(y, f) = \operatorname{softplus}((1-2y)f) = -\log\sigma((2y-1)f),
    \qquad \frac{\partial\ell}{\partial f} = \sigma(f) - y,

the two schemes are (docs/math.md §11):

* **the window step** (the cpu kernel's default for skip-gram, ``kernels.cpu.window_step``): one SGD
  step on the window's summed loss L = Σ_c Σ_t ℓ(y_t, f_ct), every term at the window's start:

      ∂L/∂x_c = Σ_t (σ(f_ct) − y_t)·u_t,      ∂L/∂u_t = Σ_c (σ(f_ct) − y_t)·x_c;

  a word that is the input of two pairs, or a noise word drawn twice, gets the sum of its terms.
  :func:`window_loss_and_grads` computes L and both gradients; :func:`window_step` applies them.
* **the HogBatch step** (the cuda kernel's skip-gram negative sampling, Ji et al.): the targets are
  loaded once as copies U (one copy per target, a noise word drawn twice gets two); the inputs then
  take their pair steps in order, each the SGD step on ℓ_c = Σ_t ℓ(y_t, x_c·U_t) — the window formula
  with one input — against the copies as the previous pairs left them, x_c moving at once; finally
  each target row gets its copy's change. :func:`hogbatch_step` runs it.

With both losses (``--loss hs+ns``, word2vec.c's ``-hs 1 -negative K``) a window has two sets of shared
targets, the center word's path in Θ (``theta``) and the center word with the noise ids in W_out
(``w_out``), and the window step descends the sum of both losses, one e_c per input
(:func:`both_loss_and_grads`, :func:`both_window_step`; docs/math.md §4.5); the cpu kernel's
pair-by-pair step is the same with one input.

Both steps can depart from the exact gradient as word2vec.c does (``departure``): ``"clip"``
(negative sampling: σ taken as 1 for f > 6 and 0 for f < −6) or ``"skip"`` (hierarchical softmax: a
term with |f| ≥ 6 gets no update); the loss stays exact. :func:`window_targets` builds the shared
targets, leaving out a noise word equal to the center word (word2vec.c skips that draw).
"""

from __future__ import annotations

import numpy as np

from .losses import sigmoid, softplus

MAX_EXP = 6.0  # word2vec.c's MAX_EXP: where σ is clipped (NS) or a term skipped (HS)
DEPARTURES = (None, "clip", "skip")


def window_targets(word: int, noise=None, tree=None) -> tuple[np.ndarray, np.ndarray]:
    """The targets every pair of a skip-gram window shares, and their labels y.

    Hierarchical softmax (``tree`` given): the inner nodes of ``word``'s path, root first, with
    y = 1 − code. Negative sampling: ``word`` (y = 1), then each id of ``noise`` (y = 0) except one
    equal to ``word``."""
    if tree is not None:
        n = int(tree.lengths[word])
        return tree.points[word, :n].astype(np.int64), 1.0 - tree.codes[word, :n].astype(np.float64)
    kept = [int(v) for v in (noise if noise is not None else ()) if int(v) != int(word)]
    targets = np.array([int(word)] + kept, np.int64)
    labels = np.zeros(len(targets))
    labels[0] = 1.0
    return targets, labels


def dl_df(f: np.ndarray, y: np.ndarray, departure: str | None = None) -> np.ndarray:
    """∂ℓ/∂f = σ(f) − y for every term, or word2vec.c's departures from it: ``"clip"`` takes σ as 1
    beyond f > 6 and 0 below f < −6; ``"skip"`` gives 0 where |f| ≥ 6."""
    if departure not in DEPARTURES:
        raise ValueError(f"departure must be one of {DEPARTURES}, not {departure!r}")
    s = sigmoid(f)
    if departure == "clip":
        s = np.where(f > MAX_EXP, 1.0, np.where(f < -MAX_EXP, 0.0, s))
    out = s - y
    if departure == "skip":
        out = np.where(np.abs(f) >= MAX_EXP, 0.0, out)
    return out


def window_loss_and_grads(w_in: np.ndarray, w_out: np.ndarray, inputs, targets, labels,
                          departure: str | None = None):
    """L = Σ_c Σ_t ℓ(y_t, f_ct) for the inputs x_c = ``w_in[inputs[c]]`` against the targets
    u_t = ``w_out[targets[t]]``, and its gradients as (rows, gradient rows), one piece per input and
    per target (repeated rows are summed by whoever applies them, as :func:`.optim.accumulate` does):

        ∂L/∂x_c = Σ_t dl_df(f_ct)·u_t,      ∂L/∂u_t = Σ_c dl_df(f_ct)·x_c.

    Returns ``(L, {"w_in": (inputs, (m, d)), "w_out": (targets, (T, d))})``."""
    inputs = np.asarray(inputs, np.int64)
    targets = np.asarray(targets, np.int64)
    y = np.asarray(labels, np.float64)[None, :]
    x = w_in[inputs].astype(np.float64)   # (m, d)
    u = w_out[targets].astype(np.float64)  # (T, d)
    f = x @ u.T                            # (m, T): f_ct
    loss = float(softplus((1.0 - 2.0 * y) * f).sum())
    g = dl_df(f, y, departure)
    return loss, {"w_in": (inputs, g @ u), "w_out": (targets, g.T @ x)}


def window_step(w_in: np.ndarray, w_out: np.ndarray, inputs, targets, labels, alpha: float,
                departure: str | None = None) -> float:
    """One SGD step at rate α on a window's summed loss (:func:`window_loss_and_grads`), in place:
    u_t −= α·∂L/∂u_t and x_c −= α·∂L/∂x_c, both from the values at the window's start. Returns L."""
    loss, grads = window_loss_and_grads(w_in, w_out, inputs, targets, labels, departure)
    rows, grad = grads["w_out"]
    np.add.at(w_out, rows, -alpha * grad)
    rows, grad = grads["w_in"]
    np.add.at(w_in, rows, -alpha * grad)
    return loss


def hogbatch_pairs(w_in: np.ndarray, copies: np.ndarray, inputs, labels, alpha: float,
                   departure: str | None = None):
    """The pair steps of a HogBatch window, one per ``next()``, in place: for each input c in order,
    ℓ_c = Σ_t ℓ(y_t, x_c·U_t) against the target copies U (``copies``, (T, d)), then
    x_c −= α·∂ℓ_c/∂x_c and U −= α·∂ℓ_c/∂U, both from the state the pair saw
    (:func:`window_loss_and_grads` with one input). Yields (c, ℓ_c) after each step."""
    slots = np.arange(len(copies))
    for c in np.asarray(inputs, np.int64):
        pair_loss, grads = window_loss_and_grads(w_in, copies, [c], slots, labels, departure)
        w_in[c] -= alpha * grads["w_in"][1][0]
        copies -= alpha * grads["w_out"][1]
        yield int(c), pair_loss


def hogbatch_step(w_in: np.ndarray, w_out: np.ndarray, inputs, targets, labels, alpha: float,
                  departure: str | None = None) -> float:
    """The HogBatch step of a window, in place: copies U = ``w_out[targets]`` (one per target);
    the pair steps of :func:`hogbatch_pairs`, input after input; then ``w_out[targets[t]] += U_t − U_t⁰``
    (a target held twice gets both copies' changes). Returns Σ_c ℓ_c, each at the state its pair saw."""
    targets = np.asarray(targets, np.int64)
    copies = w_out[targets].astype(np.float64)
    start = copies.copy()
    loss = sum(pair_loss for _, pair_loss in hogbatch_pairs(w_in, copies, inputs, labels, alpha, departure))
    np.add.at(w_out, targets, copies - start)
    return float(loss)


def both_loss_and_grads(w_in: np.ndarray, w_out: np.ndarray, theta: np.ndarray, inputs, hs, ns,
                        departures=(None, None)):
    """Both losses on a window: L = L_hs + L_ns, the inputs x_c against the HS targets ``hs`` =
    (targets, labels), rows of ``theta`` (Θ), and the NS targets ``ns`` = (targets, labels), rows of
    ``w_out`` (W_out), each term as in :func:`window_loss_and_grads` (``departures``: HS's, NS's).
    Each table is in one sum only, and the inputs' gradients add (one e_c per input):

        ∂L/∂x_c = Σ_{t∈hs} dl_df(f_ct)·θ_t + Σ_{t∈ns} dl_df(f_ct)·u_t,
        ∂L/∂θ_t = Σ_c dl_df(f_ct)·x_c,      ∂L/∂u_t = Σ_c dl_df(f_ct)·x_c.

    Returns ``(L, {"w_in": (inputs, (m, d)), "w_out": (ns targets, (T_ns, d)), "theta": (hs targets,
    (T_hs, d))})``."""
    loss_hs, g_hs = window_loss_and_grads(w_in, theta, inputs, *hs, departures[0])
    loss_ns, g_ns = window_loss_and_grads(w_in, w_out, inputs, *ns, departures[1])
    rows, e_hs = g_hs["w_in"]
    return loss_hs + loss_ns, {"w_in": (rows, e_hs + g_ns["w_in"][1]), "w_out": g_ns["w_out"],
                               "theta": g_hs["w_out"]}


def both_window_step(w_in: np.ndarray, w_out: np.ndarray, theta: np.ndarray, inputs, hs, ns, alpha: float,
                     departures=(None, None)) -> float:
    """One SGD step at rate α on a window's summed loss with both losses (:func:`both_loss_and_grads`),
    in place, every gradient from the values at the window's start: θ_t −= α·∂L/∂θ_t,
    u_t −= α·∂L/∂u_t, then x_c −= α·∂L/∂x_c. Returns L."""
    loss, grads = both_loss_and_grads(w_in, w_out, theta, inputs, hs, ns, departures)
    for name, table in (("theta", theta), ("w_out", w_out), ("w_in", w_in)):
        rows, grad = grads[name]
        np.add.at(table, rows, -alpha * grad)
    return loss
