"""The reference backend: the NumPy minibatch trainer, any model × loss, Adam or SGD.

Slow but plain: each epoch subsamples the corpus, draws a random window for every center, builds
the minibatches of ``textbook/reference.py``, and hands each one's closed-form gradients to an
optimizer of ``textbook/optim.py``. Checkpoints, history records and the divergence checks are
this module's; the math is the textbook package's.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from ..base.errors import ConfigError, DivergenceError
from ..textbook import sampling
from ..textbook.models import make_model
from ..textbook.optim import linear_decay, make_optimizer
from ..textbook.reference import batches, example_losses, init_weights, loss_and_grads, make_loss, n_examples, output_name
from .checkpoint import NO_CHECKPOINTS, Checkpointer
from .config import TrainConfig
from .history import check_loss, check_vectors, epoch_record
from .monitor import FixedSample


def _new_totals() -> dict:
    """The running sums of an epoch, as a checkpoint stores them."""
    return {"loss_sum": 0.0, "examples": 0, "seconds": 0.0, "batch_losses": []}


def _save_position(w2v, optimizer, epoch, batches_done, epoch_rng_state, totals) -> None:
    """Put everything a resumed run needs in ``w2v.state``: where it stopped, the random
    generator's state at the start of that epoch, the optimizer's moments, partial sums."""
    w2v.state["resume"] = {
        "backend": "reference", "epoch": epoch, "batches_done": batches_done,
        "rng": epoch_rng_state, "adam_t": getattr(optimizer, "t", 0), "totals": totals,
    }
    for name, (m, v) in getattr(optimizer, "moments", {}).items():
        w2v.state[f"adam_m_{name}"], w2v.state[f"adam_v_{name}"] = m, v


def _restore_position(w2v, optimizer):
    resume = w2v.state.pop("resume")
    if hasattr(optimizer, "moments"):
        optimizer.t = int(resume["adam_t"])
        for name in ("center", "context", "inner_nodes"):
            if f"adam_m_{name}" in w2v.state:
                optimizer.moments[name] = (np.array(w2v.state.pop(f"adam_m_{name}")),
                                           np.array(w2v.state.pop(f"adam_v_{name}")))
    return resume


def train(w2v, corpus, cfg: TrainConfig, rng: np.random.Generator,
          on_batch: Callable[[int, float, int], None] | None = None,
          on_epoch: Callable[[dict], None] | None = None,
          checkpointer: Checkpointer = NO_CHECKPOINTS, init: bool = True) -> None:
    """Train ``w2v`` (a Word2Vec with weights allocated) on the encoded ``corpus`` in place.

    ``on_batch(pairs, mean_loss, batches_in_epoch)`` and ``on_epoch(record)`` report progress.
    With Adam a new run starts from :func:`init_weights`; ``init=False`` keeps the weights as they
    are (training continued on vectors already trained, ``Word2Vec.train``).
    If ``w2v.state`` holds a ``"resume"`` position (a loaded checkpoint), training carries on
    from it: the epoch's batches are regenerated from the saved generator state and the ones
    already trained are skipped, so the result is the same as an uninterrupted run.
    """
    if cfg.loss == "hs+ns":  # config.validate refuses it first; a config built around that still gets one line
        raise ConfigError("the reference trainer trains one loss at a time, not --loss hs+ns (both at once): use "
                          "--backend cpu")
    vocab = w2v.vocab
    model = make_model(cfg.model, cfg.cbow_mean)
    loss = make_loss(cfg, vocab)
    optimizer = make_optimizer(cfg.optimizer, cfg.lr)
    sampler = sampling.AliasSampler.unigram(vocab.counts, cfg.ns_exponent)
    keep = sampling.keep_probabilities(vocab.counts, cfg.sample, cfg.sample_rule)
    out_name = output_name(cfg)
    fixed = FixedSample(corpus, vocab, cfg)
    resume = _restore_position(w2v, optimizer) if "resume" in w2v.state else None
    if resume is None and init:
        init_weights(w2v, cfg, rng)
    first_epoch = resume["epoch"] if resume else 0
    for epoch in range(first_epoch, cfg.epochs):
        start = time.perf_counter()
        skip = 0
        totals = _new_totals()
        if resume and epoch == first_epoch:
            rng.bit_generator.state = resume["rng"]
            skip, totals = resume["batches_done"], resume["totals"]
        epoch_rng_state = rng.bit_generator.state
        ids, offsets = sampling.subsample(corpus.ids, corpus.offsets, keep, rng)
        centers, contexts, cmask = sampling.centers_and_contexts(ids, offsets, cfg.window, rng)
        n_steps = -(-n_examples(cfg, cmask) // cfg.batch_size)
        for k, step in enumerate(batches(cfg, centers, contexts, cmask, sampler, rng)):
            if k < skip:  # trained before the checkpoint: regenerated only to replay the draws
                continue
            if cfg.optimizer == "sgd":  # linear decay over the whole run (optim.linear_decay)
                optimizer.lr = linear_decay(cfg.lr, cfg.min_lr, (epoch + k / n_steps) / cfg.epochs)
            else:
                optimizer.tick()
            where = f"in epoch {epoch + 1} (minibatch {k + 1} of {n_steps})"
            try:  # no sane step overflows: an overflow (or NaN) is a divergence, caught where it happens
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    losses, grads = loss_and_grads(model, loss, w2v.w_in, w2v.w_out, step)
                    optimizer.step("center", w2v.w_in, *grads["w_in"])  # the tables' file names: Adam's
                    optimizer.step(out_name, w2v.w_out, *grads["w_out"])  # moments are saved under them
                    step_sum = example_losses(step, losses)
            except FloatingPointError as exc:
                raise DivergenceError(f"training diverged {where}: a step overflowed ({exc}), so the vectors hold "
                                      f"NaN/inf; lower --lr (now {cfg.lr:g})") from None
            batch_loss = step_sum / max(step.pairs, 1)
            check_loss(batch_loss, cfg, len(vocab), where)  # NaN/inf, or far above the untrained loss
            totals["loss_sum"] += step_sum
            totals["examples"] += step.pairs
            totals["batch_losses"].append(batch_loss)
            if on_batch:
                on_batch(step.pairs, batch_loss, n_steps)
            if checkpointer.due() and k + 1 < n_steps:
                totals["seconds"] += time.perf_counter() - start
                start = time.perf_counter()
                _save_position(w2v, optimizer, epoch, k + 1, epoch_rng_state, totals)
                checkpointer.save(w2v)
                checkpointer.check_stop()
        seconds = totals["seconds"] + time.perf_counter() - start
        check_vectors({"center": w2v.w_in, out_name: w2v.w_out}, cfg, f"in epoch {epoch + 1}")
        record = epoch_record(
            epoch + 1, loss=totals["loss_sum"] / max(totals["examples"], 1),
            eval_loss=fixed.loss(w2v.w_in, w2v.w_out), seconds=seconds,
            words=len(corpus.ids), trained_words=len(ids), examples=totals["examples"],
            lr_end=linear_decay(cfg.lr, cfg.min_lr, (epoch + 1) / cfg.epochs) if cfg.optimizer == "sgd" else cfg.lr,
            batch_losses=totals["batch_losses"])
        w2v.history.append(record)
        if on_epoch:
            on_epoch(record)
        if checkpointer.due() and epoch + 1 < cfg.epochs:
            _save_position(w2v, optimizer, epoch + 1, 0, rng.bit_generator.state, _new_totals())
            checkpointer.save(w2v)
            checkpointer.check_stop()
    for key in [k for k in w2v.state if k == "resume" or k.startswith("adam_")]:
        del w2v.state[key]
