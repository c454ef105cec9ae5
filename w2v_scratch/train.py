"""The training entry point: read the corpus, pick a backend, train, report.

Backends:

* ``reference`` — the NumPy minibatch trainer (``reference.py``), any model × loss, Adam or SGD;
* ``cpu``       — the Numba Hogwild SGD kernels (``kernels/cpu.py`` via ``trainer_cpu.py``);
* ``cuda``      — the Numba CUDA kernel (``kernels/cuda.py`` via ``trainer_cuda.py``);
* ``auto``      — ``cuda`` when a GPU is present, else ``cpu``.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from . import corpus as corpus_mod
from . import reference, sampling, trainer_cpu, trainer_cuda
from .checkpoint import NO_CHECKPOINTS, Checkpointer, validate_resume
from .errors import ConfigError, DeviceError, DivergenceError, InputError
from .history import describe


def cuda_available() -> bool:
    try:
        from numba import cuda  # deferred: loading the CUDA driver is slow, and may fail

        return bool(cuda.is_available())
    except Exception:  # no driver, no toolkit: no GPU
        return False


def choose_backend(name: str, log=None) -> str:
    if name == "auto":
        name = "cuda" if cuda_available() else "cpu"
        if log:
            log(f"backend auto: using {name}")
    elif name == "cuda" and not cuda_available():
        raise DeviceError("--backend cuda needs an NVIDIA GPU with a CUDA driver, and none was found: use --backend cpu")
    return name


def fit(w2v, corpus="ptb", progress: bool = True, log=None, checkpointer: Checkpointer = NO_CHECKPOINTS,
        corpus_cache=None):
    """Train ``w2v`` (a :class:`~w2v_scratch.word2vec.Word2Vec`) on ``corpus``; returns it.

    ``corpus_cache``: a folder where the encoded corpus is kept as memory-mapped files, so a
    corpus larger than memory streams from disk (the cpu backend reads the maps directly).

    With a ``checkpointer`` (see ``checkpoint.py``) the run writes checkpoints at its
    intervals, and Ctrl-C writes one and raises ``Interrupted``.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    cfg = w2v.config.resolved()
    check_seed(cfg.seed)
    backend = choose_backend(cfg.backend, log)
    if backend != "reference" and cfg.loss == "softmax":
        raise ConfigError("the full softmax is only in the reference trainer: use --backend reference or --loss ns|hs")
    cfg.backend = backend
    w2v.config = cfg
    if corpus_cache is not None:
        corpus_mod.check_cache_dir(corpus_cache)
    t0 = time.perf_counter()
    with checkpointer.hold():  # another run on this checkpoint path is refused before any reading
        vocab, encoded = corpus_mod.load(corpus, cfg.min_count, cfg.max_vocab, cfg.max_sentence_length,
                                         cache_dir=corpus_cache, report=log if progress else None)
        log(f"corpus: {len(encoded):,} tokens in {encoded.n_sentences:,} sentences, "
            f"vocabulary {len(vocab):,} words (min count {cfg.min_count}), read in {time.perf_counter() - t0:.1f}s")
        rng = np.random.default_rng(cfg.seed)
        w2v.init_weights(vocab, rng)
        w2v.state.update(corpus=_absolute(corpus), corpus_tokens=len(encoded))
        return _run(w2v, encoded, cfg, rng, progress, log, checkpointer)


def check_seed(seed) -> None:
    """The generators take a seed in [0, 2**64): refuse anything else with one line."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise ConfigError(f"--seed must be an integer from 0 to 2**64-1 (got {seed!r})")


def resume(model, path, corpus=None, progress: bool = True, log=None, checkpointer: Checkpointer = NO_CHECKPOINTS,
           corpus_cache=None):
    """Carry on to the end the run of ``model``, loaded from the checkpoint at ``path``
    (``Word2Vec.load_checkpoint``); returns the model.

    The corpus is re-read (from ``corpus``, or the path saved in the checkpoint) and encoded
    with the checkpoint's vocabulary; it must be the same corpus (same token count). Every field
    of the saved position is checked first (``checkpoint.validate_resume``).
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    w2v = model
    cfg = w2v.config.resolved()
    check_seed(cfg.seed)
    validate_resume(path, w2v, cfg)  # what needs no corpus, before reading it
    corpus = corpus or w2v.state.get("corpus")
    if corpus is None:
        raise InputError(f"{path} does not say which corpus it was trained on: give --corpus")
    report = log if progress else None
    if corpus_cache is not None:
        corpus_mod.check_cache_dir(corpus_cache)
    with checkpointer.hold():
        if corpus_cache is not None:
            encoded = corpus_mod.encode_memmap(corpus, w2v.vocab, corpus_cache, cfg.max_sentence_length, report)
        else:
            encoded = corpus_mod.Corpus.encode(corpus, w2v.vocab, cfg.max_sentence_length, report)
        if len(encoded) != w2v.state.get("corpus_tokens", len(encoded)):
            raise InputError(f"corpus {corpus} has {len(encoded):,} tokens of the vocabulary, but the checkpoint was "
                             f"trained on {w2v.state['corpus_tokens']:,}: give the same corpus with --corpus")
        validate_resume(path, w2v, cfg, encoded, **_position_limits(w2v, cfg, encoded))
        position = w2v.state["resume"]
        log(f"resuming {path}: epoch {position['epoch'] + 1}/{cfg.epochs} of a {cfg.backend} run on {corpus}")
        w2v.state["corpus"] = _absolute(corpus)
        return _run(w2v, encoded, cfg, np.random.default_rng(cfg.seed), progress, log, checkpointer)


def _position_limits(w2v, cfg, encoded) -> dict:
    """What a resumed position is checked against on this corpus (``checkpoint.validate_resume``):
    the cpu workers' slices, or the reference trainer's minibatch count of an epoch."""
    if cfg.backend == "cpu":
        offsets = np.asarray(encoded.offsets)
        return {"work": [trainer_cpu.slices(offsets, lo, hi) for lo, hi in trainer_cpu.partition(offsets, cfg.threads)]}
    if cfg.backend == "reference":
        def epoch_batches(rng) -> int:  # the first steps of reference.train's epoch, from the same generator
            keep = sampling.keep_probabilities(w2v.vocab.counts, cfg.sample, cfg.sample_rule)
            ids, offsets = sampling.subsample(encoded.ids, encoded.offsets, keep, rng)
            _, _, cmask = sampling.centers_and_contexts(ids, offsets, cfg.window, rng)
            return -(-reference.n_examples(cfg, cmask) // cfg.batch_size)

        return {"epoch_batches": epoch_batches}
    return {}


def _absolute(corpus) -> str:
    """The corpus as a checkpoint should remember it: a bundled name as is, a path made absolute."""
    name = str(corpus)
    return name if name in corpus_mod.BUNDLED else os.path.abspath(name)


def _run(w2v, encoded, cfg, rng, progress, log, checkpointer):
    with checkpointer.hold(), checkpointer.catch_interrupt():
        if cfg.backend == "reference":
            _train_reference(w2v, encoded, cfg, rng, progress, log, checkpointer)
        elif cfg.backend == "cpu":
            trainer_cpu.train(w2v, encoded, cfg, progress=progress, log=log, checkpointer=checkpointer)
        else:
            trainer_cuda.train(w2v, encoded, cfg, progress=progress, log=log, checkpointer=checkpointer)
    check_finite(w2v)
    return w2v


def check_finite(w2v) -> None:
    """The last guard of every backend: never hand on (or let anyone write) NaN/inf vectors."""
    for name in ("center", "context", "inner_nodes"):
        table = getattr(w2v, name, None)
        if table is not None and not np.isfinite(table).all():
            raise DivergenceError("training diverged: the vectors hold NaN/inf; lower --lr")


def _train_reference(w2v, encoded, cfg, rng, progress, log, checkpointer) -> None:
    from tqdm import tqdm  # deferred: only runs with a progress bar need it

    bar = None

    def on_batch(pairs, loss, n_steps):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=n_steps, desc=f"epoch {len(w2v.history) + 1}/{cfg.epochs}", unit="batch",
                       disable=not progress, leave=False, dynamic_ncols=True)
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def on_epoch(record):
        nonlocal bar
        if bar is not None:
            bar.close()
            bar = None
        log(describe(record, cfg.epochs))

    reference.train(w2v, encoded, cfg, rng, on_batch=on_batch, on_epoch=on_epoch, checkpointer=checkpointer)
