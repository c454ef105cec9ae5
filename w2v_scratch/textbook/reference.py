"""The NumPy reference step: one minibatch, its loss and closed-form gradients.

The reference trainer (``w2v_scratch/training/trainer_reference.py``) runs an epoch as: subsample
the corpus, draw a random window for every center, build minibatches for the chosen model × loss
(:func:`batches`), ask the model for ``h``, the loss for the gradients (:func:`loss_and_grads`),
and the optimizer for the update. ``cfg`` is anything with a ``TrainConfig``'s fields.

Minibatches per model × loss:

* skip-gram + NS: the textbook's padded rows (center, contexts_and_negatives, mask, label);
* skip-gram + HS / softmax: (center, context) pairs;
* CBOW + NS: (contexts, context mask) → [center, K noise words];
* CBOW + HS / softmax: (contexts, context mask) → center.

Both losses at once (``losses.BothLosses``, ``--loss hs+ns``) have their gradients here
(:func:`loss_and_grads` with ``theta``) and their checks in ``gradcheck``, but no minibatches: the
reference trainer refuses that loss (the cpu backend trains it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from . import sampling
from .huffman import build as build_huffman
from .losses import BothLosses, FullSoftmax, HierarchicalSoftmax, NegativeSampling


@dataclass
class Step:
    """One minibatch, ready for :func:`loss_and_grads`: model inputs and loss targets."""

    inputs: object    # centers (B,) for skip-gram; (contexts (B,C), mask (B,C)) for CBOW
    targets: tuple    # arguments of the loss after (h, w_out)
    pairs: int        # number of (input, output word) training pairs in the batch


def make_loss(cfg, vocab):
    if cfg.loss == "ns":
        return NegativeSampling(normalize=True)
    if cfg.loss == "hs":
        return HierarchicalSoftmax(build_huffman(vocab.counts))
    if cfg.loss == "hs+ns":
        return BothLosses(build_huffman(vocab.counts))
    return FullSoftmax()


def output_name(cfg) -> str:
    """The name the output table ``w_out`` is saved under (and Adam's moments are kept under):
    ``inner_nodes`` (Θ) for hierarchical softmax, ``context`` (W_out) otherwise."""
    return "inner_nodes" if cfg.loss == "hs" else "context"


def loss_and_grads(model, loss, w_in: np.ndarray, w_out: np.ndarray, step: Step, theta: np.ndarray | None = None):
    """Loss of every example and gradients {"w_in": (rows, ∂L/∂rows of w_in), "w_out": (rows, ∂L/∂rows
    of w_out)}, each as (rows, gradient rows) with rows possibly repeated. With both losses
    (:class:`.losses.BothLosses`: ``w_out`` = W_out, ``theta`` = Θ) also "theta": (rows, ∂L/∂rows of Θ)."""
    h = model.hidden(w_in, step.inputs)
    if theta is None:
        out = loss(h, w_out, *step.targets)
    else:
        out = loss(h, w_out, theta, *step.targets)
    grads = {"w_in": model.backward(out.grad_h, step.inputs), "w_out": (out.rows, out.grad_rows)}
    if theta is not None:
        grads["theta"] = (out.theta_rows, out.grad_theta)
    return out.loss, grads


def n_examples(cfg, cmask: np.ndarray) -> int:
    """Examples in an epoch: one per (center, context) pair for skip-gram with HS/softmax,
    one per center otherwise."""
    return int(cmask.sum()) if cfg.model == "sg" and cfg.loss != "ns" else len(cmask)


def batches(cfg, centers, contexts, cmask, sampler, rng) -> Iterator[Step]:
    """All minibatches of one epoch, from its centers and context windows."""
    B = cfg.batch_size
    if cfg.model == "sg" and cfg.loss == "ns":
        for b in sampling.textbook_batches(centers, contexts, cmask, sampler, cfg.negative, B, rng):
            yield Step(b.center[:, 0], (b.contexts_and_negatives, b.label, b.mask), int(b.label.sum()))
    elif cfg.model == "sg":
        pair_centers = np.repeat(centers, cmask.sum(axis=1))
        pair_contexts = contexts[cmask]
        order = rng.permutation(len(pair_centers))
        for start in range(0, len(order), B):
            rows = order[start : start + B]
            yield Step(pair_centers[rows], (pair_contexts[rows],), len(rows))
    else:
        order = rng.permutation(len(centers))
        for start in range(0, len(order), B):
            rows = order[start : start + B]
            inputs = (contexts[rows], cmask[rows])
            if cfg.loss == "ns":
                noise = sampler.draw_excluding(rng, (len(rows), cfg.negative), centers[rows][:, None])
                targets = np.concatenate([centers[rows][:, None], noise], axis=1)
                labels = np.zeros(targets.shape, np.float32)
                labels[:, 0] = 1
                yield Step(inputs, (targets, labels, np.ones_like(labels)), len(rows))
            else:
                yield Step(inputs, (centers[rows],), len(rows))


def example_losses(step: Step, losses: np.ndarray) -> float:
    """The summed loss of the step's examples (``step.pairs`` of them; ``history.py``'s unit):
    the textbook's NS rows hold the mean over their targets, so they are scaled back by their
    target count; HS and softmax losses are already one per example."""
    if len(step.targets) == 3:  # NS: (targets, labels, mask)
        n = np.maximum(step.targets[2].sum(axis=1), 1)
        return float((losses * n).sum())
    return float(losses.sum())


def init_weights(model, cfg, rng) -> None:
    """With Adam, the textbook's Xavier-uniform init U(±sqrt(6/(V+d))) for both tables
    (``model.w_in``, ``model.w_out``), in place. With SGD nothing changes: the tables keep the init
    they were allocated with (``Word2Vec``'s word2vec.c init: w_in uniform in ±0.5/d, w_out zero)."""
    if cfg.optimizer != "adam":
        return
    for table in (model.w_in, model.w_out):
        bound = np.sqrt(6.0 / (table.shape[0] + table.shape[1]))
        table[...] = rng.uniform(-bound, bound, table.shape).astype(table.dtype)
