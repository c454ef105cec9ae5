"""The training entry point: read the corpus, pick a backend, train, report.

Backends:

* ``reference`` — the NumPy minibatch trainer (``reference.py``), any model × loss, Adam or SGD;
* ``cpu``       — the Numba Hogwild SGD kernels (``kernels/cpu.py`` via ``trainer_cpu.py``);
* ``cuda``      — the Numba CUDA kernel (``kernels/cuda.py`` via ``trainer_cuda.py``);
* ``auto``      — ``cuda`` when a GPU is present, else ``cpu``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from . import corpus as corpus_mod
from .errors import ConfigError, DeviceError, DivergenceError


def cuda_available() -> bool:
    try:
        from numba import cuda

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


def fit(w2v, corpus="ptb", progress: bool = True, log=None):
    """Train ``w2v`` (a :class:`~w2v_scratch.word2vec.Word2Vec`) on ``corpus``; returns it."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    cfg = w2v.config.resolved()
    backend = choose_backend(cfg.backend, log)
    if backend != "reference" and cfg.loss == "softmax":
        raise ConfigError("the full softmax is only in the reference trainer: use --backend reference or --loss ns|hs")
    cfg.backend = backend
    w2v.config = cfg
    t0 = time.perf_counter()
    vocab, encoded = corpus_mod.load(corpus, cfg.min_count, cfg.max_vocab, cfg.max_sentence_length)
    log(f"corpus: {len(encoded):,} tokens in {encoded.n_sentences:,} sentences, "
        f"vocabulary {len(vocab):,} words (min count {cfg.min_count}), read in {time.perf_counter() - t0:.1f}s")
    rng = np.random.default_rng(cfg.seed)
    w2v.init_weights(vocab, rng)
    if backend == "reference":
        _train_reference(w2v, encoded, cfg, rng, progress, log)
    elif backend == "cpu":
        from . import trainer_cpu

        trainer_cpu.train(w2v, encoded, cfg, progress=progress, log=log)
    else:
        from . import trainer_cuda

        trainer_cuda.train(w2v, encoded, cfg, progress=progress, log=log)
    check_finite(w2v)
    return w2v


def check_finite(w2v) -> None:
    """The last guard of every backend: never hand on (or let anyone write) NaN/inf vectors."""
    for name in ("center", "context", "inner_nodes"):
        table = getattr(w2v, name, None)
        if table is not None and not np.isfinite(table).all():
            raise DivergenceError("training diverged: the vectors hold NaN/inf; lower --lr")


def _train_reference(w2v, encoded, cfg, rng, progress, log) -> None:
    from tqdm import tqdm

    from . import reference

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
        log(f"epoch {record['epoch']}/{cfg.epochs}: loss {record['loss']:.4f}, "
            f"{record['tokens_per_sec']:,.0f} tokens/sec ({record['tokens']:,} tokens after subsampling, "
            f"{record['seconds']:.1f}s)")

    reference.train(w2v, encoded, cfg, rng, on_batch=on_batch, on_epoch=on_epoch)
