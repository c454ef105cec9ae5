"""Is this a position the run could have reached? A checkpoint's configuration and resume
position, checked field by field before a run resumes from it.

Every check that fails raises one :class:`~w2v_scratch.base.errors.FormatError` line, "checkpoint
PATH is damaged: FIELD ...", so nothing downstream meets a string where it needs a number, an
epoch beyond the run, or a worker's position outside its slices of the corpus.
"""

from __future__ import annotations

import math

import numpy as np

from ..base.errors import FormatError
from ..base.values import is_int, is_real, short_repr
from .config import LOSSES, MODELS
from .history import KEYS


def _is_num(value) -> bool:
    """A finite real number (JSON's int or float; not a bool)."""
    return is_real(value) and math.isfinite(value)


class _Check:
    """Raises FormatError("checkpoint PATH is damaged: FIELD ...") for the first failed check."""

    def __init__(self, path) -> None:
        self.path = path

    def fail(self, field: str, problem: str):
        raise FormatError(f"checkpoint {self.path} is damaged: {field} {problem}: use an intact checkpoint "
                          "(or start the run again without --resume)")

    def int(self, value, field: str, lo=None, hi=None) -> int:
        """An integer in [lo, hi] (either bound None: open)."""
        if not is_int(value):
            self.fail(field, f"is {short_repr(value)}, not an integer")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            self.fail(field, f"is {value}, outside {bounds}")
        return value

    def num(self, value, field: str, lo=None) -> float:
        if not _is_num(value):
            self.fail(field, f"is {short_repr(value)}, not a finite number")
        if lo is not None and value < lo:
            self.fail(field, f"is {value}, below {lo}")
        return value

    def list(self, value, field: str, length=None) -> list:
        if not isinstance(value, list):
            self.fail(field, f"is {short_repr(value)}, not a list")
        if length is not None and len(value) != length:
            self.fail(field, f"holds {len(value)} entries, not {length}")
        return value

    def dict(self, value, field: str) -> dict:
        if not isinstance(value, dict):
            self.fail(field, f"is {short_repr(value)}, not an object")
        return value

    def key(self, mapping: dict, name: str, field: str):
        if name not in mapping:
            self.fail(field, "is missing")
        return mapping[name]

    def choice(self, value, field: str, choices) -> str:
        if value not in choices:
            self.fail(field, f"is {short_repr(value)}, not one of {', '.join(map(str, choices))}")
        return value


def validate_config(path, cfg) -> None:
    """Every field of a checkpoint's configuration has its type and a possible value (so nothing
    downstream meets a string where it needs a number)."""
    c = _Check(path)
    c.choice(cfg.model, "config.model", MODELS)
    c.choice(cfg.loss, "config.loss", LOSSES)
    c.choice(cfg.backend, "config.backend", ("reference", "cpu", "cuda"))
    for name, lo in (("dim", 1), ("window", 1), ("negative", 0), ("epochs", 1), ("threads", 1), ("seed", 0),
                     ("max_sentence_length", 1)):
        c.int(getattr(cfg, name), f"config.{name}", lo)
    for name, lo in (("min_count", 1), ("max_vocab", 0), ("max_vocab_size", 1), ("max_final_vocab", 1),
                     ("batch_size", 1)):
        if getattr(cfg, name) is not None:
            c.int(getattr(cfg, name), f"config.{name}", lo)
    for name in ("sample", "lr", "min_lr", "ns_exponent"):
        if getattr(cfg, name) is not None or name == "ns_exponent":
            c.num(getattr(cfg, name), f"config.{name}", 0)
    if cfg.lr is not None and not cfg.lr > 0:
        c.fail("config.lr", f"is {cfg.lr}, not positive")
    c.choice(cfg.sample_rule, "config.sample_rule", (None, "textbook", "word2vec"))
    c.choice(cfg.optimizer, "config.optimizer", (None, "adam", "sgd"))
    if not isinstance(cfg.cbow_mean, bool):
        c.fail("config.cbow_mean", f"is {short_repr(cfg.cbow_mean)}, not true or false")
    for name in ("shared_noise", "window_batch"):  # null: the backend's default
        if getattr(cfg, name) is not None and not isinstance(getattr(cfg, name), bool):
            c.fail(f"config.{name}", f"is {short_repr(getattr(cfg, name))}, not true, false or null")
    extra = c.dict(cfg.extra, "config.extra")
    if "cbow_update" in extra:
        c.choice(extra["cbow_update"], "config.extra.cbow_update", ("word2vec", "exact"))
    for name in ("cuda_sentence_length", "cuda_launch_words", "cuda_warps_per_block"):
        if name in extra:
            c.int(extra[name], f"config.extra.{name}", 1)
    if "cuda_atomic" in extra and not isinstance(extra["cuda_atomic"], bool):
        c.fail("config.extra.cuda_atomic", f"is {short_repr(extra['cuda_atomic'])}, not true or false")


def validate_resume(path, w2v, cfg, corpus=None, work=None, epoch_batches=None) -> None:
    """Check that ``w2v.state["resume"]`` (a loaded checkpoint) is a position the run ``cfg`` could
    have reached: every field's type and range, the epoch within the run, the history as long as
    the epochs done, and — given the encoded ``corpus`` — each cpu worker's next slice within its
    slices (``work``: per worker, its (first, end) sentence slices of this corpus) and its word
    counter, or the reference trainer's minibatch within its epoch's count
    (``epoch_batches(rng)``: the minibatches of the epoch that starts from generator ``rng``).
    Raises one-line FormatErrors ("checkpoint PATH is damaged: FIELD ...")."""
    c = _Check(path)
    state = c.dict(w2v.state, "state")
    resume = c.dict(c.key(state, "resume", "resume"), "resume")
    backend = c.key(resume, "backend", "resume.backend")
    if backend != cfg.backend:
        c.fail("resume.backend", f"is {short_repr(backend)} but the run's configuration says {cfg.backend!r}")
    finished = resume.get("finished", False)
    if not isinstance(finished, bool):
        c.fail("resume.finished", f"is {short_repr(finished)}, not true or false")
    epoch = c.int(c.key(resume, "epoch", "resume.epoch"), "resume.epoch", cfg.epochs if finished else 0,
                  cfg.epochs if finished else cfg.epochs - 1)
    history = c.list(w2v.history, "history")
    if len(history) != epoch:
        c.fail("history", f"holds {len(history)} epoch records but resume.epoch says {epoch} epochs are done")
    for i, record in enumerate(history):
        c.dict(record, f"history[{i}]")
        for key in KEYS:
            c.key(record, key, f"history[{i}].{key}")
        if record["epoch"] != i + 1:
            c.fail(f"history[{i}].epoch", f"is {short_repr(record['epoch'])}, not {i + 1}")
        for key in KEYS:
            value = record[key]
            if key == "batch_losses":
                for b in c.list(value, f"history[{i}].batch_losses"):
                    if not _is_num(b):
                        c.fail(f"history[{i}].batch_losses", f"holds {short_repr(b)}, not a finite number")
            elif not (value is None and key == "eval_loss") and not _is_num(value):
                c.fail(f"history[{i}].{key}", f"is {short_repr(value)}, not a finite number")
    counts = np.asarray(w2v.vocab.counts)
    if len(counts) and (counts.min() < 1 or (np.diff(counts) > 0).any()):
        c.fail("vocab.counts", "are not positive counts, most frequent first")
    if "corpus" in state and not isinstance(state["corpus"], str):
        c.fail("state.corpus", f"is {short_repr(state['corpus'])}, not a path")
    if "corpus_tokens" in state:
        c.int(state["corpus_tokens"], "state.corpus_tokens", 1)
    if corpus is not None and "corpus_tokens" in state and state["corpus_tokens"] != len(corpus):
        c.fail("state.corpus_tokens", f"is {state['corpus_tokens']:,} but the corpus holds {len(corpus):,} tokens "
                                      "of the vocabulary")
    _validate_run(c, state.get("run"))
    if finished:  # the run's training is complete: no position inside an epoch
        c.choice(backend, "resume.backend", ("reference", "cpu", "cuda"))
    elif backend == "reference":
        _validate_reference(c, w2v, cfg, resume, epoch, corpus, epoch_batches)
    elif backend == "cpu":
        _validate_cpu(c, cfg, resume, epoch, corpus, work)
    else:
        c.choice(backend, "resume.backend", ("reference", "cpu", "cuda"))


def _validate_run(c: _Check, run) -> None:
    """``state["run"]``, what the command line recorded of the run (its outputs and options), when
    present: paths are strings, --classes a positive integer, --query a list of words."""
    if run is None:
        return
    c.dict(run, "state.run")
    for key in ("output", "save_model", "plot", "corpus_cache", "checkpoint_every"):
        if run.get(key) is not None and not (isinstance(run[key], str) and run[key]):
            what = "a duration" if key == "checkpoint_every" else "a path"
            c.fail(f"state.run.{key}", f"is {short_repr(run[key])}, not {what}")
    if run.get("classes") is not None:
        c.int(run["classes"], "state.run.classes", 1)
    query = run.get("query")
    if query is not None and not (isinstance(query, list) and all(isinstance(w, str) for w in query)):
        c.fail("state.run.query", f"is {short_repr(query)}, not a list of words")


def _validate_reference(c: _Check, w2v, cfg, resume: dict, epoch: int, corpus, epoch_batches) -> None:
    done = c.int(c.key(resume, "batches_done", "resume.batches_done"), "resume.batches_done", 0)
    state = c.dict(c.key(resume, "rng", "resume.rng"), "resume.rng")
    rng = np.random.default_rng(0)
    if state.get("bit_generator") != type(rng.bit_generator).__name__:
        c.fail("resume.rng.bit_generator", f"is {short_repr(state.get('bit_generator'))}, not "
                                           f"{type(rng.bit_generator).__name__!r}")
    inner = c.dict(c.key(state, "state", "resume.rng.state"), "resume.rng.state")
    for name in ("state", "inc"):
        c.int(c.key(inner, name, f"resume.rng.state.{name}"), f"resume.rng.state.{name}", 0, 2**128 - 1)
    c.int(c.key(state, "has_uint32", "resume.rng.has_uint32"), "resume.rng.has_uint32", 0, 1)
    c.int(c.key(state, "uinteger", "resume.rng.uinteger"), "resume.rng.uinteger", 0, 2**32 - 1)
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        c.fail("resume.rng", f"is not a generator state ({exc})")
    adam_t = c.int(c.key(resume, "adam_t", "resume.adam_t"), "resume.adam_t", 0)
    totals = c.dict(c.key(resume, "totals", "resume.totals"), "resume.totals")
    c.num(c.key(totals, "loss_sum", "resume.totals.loss_sum"), "resume.totals.loss_sum", 0)
    c.int(c.key(totals, "examples", "resume.totals.examples"), "resume.totals.examples", 0)
    c.num(c.key(totals, "seconds", "resume.totals.seconds"), "resume.totals.seconds", 0)
    losses = c.list(c.key(totals, "batch_losses", "resume.totals.batch_losses"), "resume.totals.batch_losses")
    for b in losses:
        if not _is_num(b):
            c.fail("resume.totals.batch_losses", f"holds {short_repr(b)}, not a finite number")
    if cfg.optimizer == "adam":
        out = "inner_nodes" if cfg.loss == "hs" else "context"
        for name in ("center", out):
            table = getattr(w2v, name)
            for kind in "mv":
                key = f"adam_{kind}_{name}"
                if key not in w2v.state:
                    if adam_t > 0:
                        c.fail(f"state.{key}", "is missing (Adam's moments of a run that has taken steps)")
                    continue
                m = w2v.state[key]
                if not isinstance(m, np.ndarray) or m.shape != table.shape or m.dtype.kind != "f":
                    c.fail(f"state.{key}", f"is not a float matrix of shape {table.shape}")
                if not np.isfinite(m).all() or (kind == "v" and (m < 0).any()):
                    c.fail(f"state.{key}", "holds impossible values (NaN, infinity, or a negative second moment)")
    if corpus is None:
        return
    if done > 0:
        bound = len(corpus) * (2 * cfg.window if cfg.model == "sg" and cfg.loss != "ns" else 1)
        if done >= -(-bound // cfg.batch_size):
            c.fail("resume.batches_done", f"is {done}, beyond the minibatches an epoch of this corpus can have")
        n_steps = epoch_batches(rng) if epoch_batches is not None else done + 1
        if done >= n_steps:
            c.fail("resume.batches_done", f"is {done}, but epoch {epoch + 1} has {n_steps} minibatches "
                                          f"(a checkpoint is taken before the last)")
    if len(losses) != done:
        c.fail("resume.batches_done", f"is {done}, but resume.totals.batch_losses holds the losses of "
                                      f"{len(losses)} minibatches")
    if cfg.optimizer == "adam" and adam_t < done:
        c.fail("resume.adam_t", f"is {adam_t}, fewer than the {done} minibatches done in this epoch")


def _validate_cpu(c: _Check, cfg, resume: dict, epoch: int, corpus, work) -> None:
    from w2v_scratch.kernels import cpu  # deferred: loading the Numba kernels takes a while

    n = cfg.threads
    next_slice = c.list(c.key(resume, "next_slice", "resume.next_slice"), "resume.next_slice", n)
    for t, k in enumerate(next_slice):
        c.int(k, f"resume.next_slice[{t}]", 0)
    for t, r in enumerate(c.list(c.key(resume, "rng", "resume.rng"), "resume.rng", n)):
        c.int(r, f"resume.rng[{t}]", 0, 2**64 - 1)
    slice_losses = c.list(c.key(resume, "slice_losses", "resume.slice_losses"), "resume.slice_losses", n)
    for t, rows in enumerate(slice_losses):
        c.list(rows, f"resume.slice_losses[{t}]")
        for k, row in enumerate(rows):
            c.list(row, f"resume.slice_losses[{t}][{k}]", 2)
            for x in row:
                c.num(x, f"resume.slice_losses[{t}][{k}]", 0)
    for x in c.list(c.key(resume, "epoch_start_stats", "resume.epoch_start_stats"), "resume.epoch_start_stats",
                    cpu.N_STATS):
        c.num(x, "resume.epoch_start_stats", 0)
    c.num(c.key(resume, "seconds", "resume.seconds"), "resume.seconds", 0)
    progress = c.list(c.key(resume, "progress", "resume.progress"), "resume.progress", n * cpu.SLOT)
    for i, x in enumerate(progress):
        c.int(x, f"resume.progress[{i}]", 0, 0 if i % cpu.SLOT else None)
    for t, row in enumerate(c.list(c.key(resume, "stats", "resume.stats"), "resume.stats", n)):
        for x in c.list(row, f"resume.stats[{t}]", cpu.N_STATS):
            c.num(x, f"resume.stats[{t}]", 0)
    if corpus is None or work is None:
        return
    offsets = np.asarray(corpus.offsets)
    for t, k in enumerate(next_slice):
        if k > len(work[t]):
            c.fail(f"resume.next_slice[{t}]", f"is {k}, but worker {t} has {len(work[t])} slices of this corpus")
        if len(slice_losses[t]) != k:
            c.fail(f"resume.next_slice[{t}]", f"is {k}, but resume.slice_losses[{t}] holds the losses of "
                                              f"{len(slice_losses[t])} slices")
    if all(k >= len(work[t]) for t, k in enumerate(next_slice)):
        c.fail("resume.next_slice", "says every worker has finished the epoch (a checkpoint is taken before)")
    for t, k in enumerate(next_slice):
        words = epoch * int(offsets[work[t][-1][1]] - offsets[work[t][0][0]]) if work[t] else 0
        words += int(offsets[work[t][k - 1][1]] - offsets[work[t][0][0]]) if k else 0
        if progress[t * cpu.SLOT] != words:
            c.fail(f"resume.progress[{t * cpu.SLOT}]", f"is {progress[t * cpu.SLOT]:,} words, but worker {t} has "
                                                       f"trained {words:,} at this position")
