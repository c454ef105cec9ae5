"""The training entry point: read the corpus, pick a backend, train, report.

:func:`fit` starts a run (a corpus file, ``"ptb"``, or Python token lists: ``sentences.py``),
:func:`resume` carries a checkpointed one on, :func:`train_more` continues training vectors
already trained (``Word2Vec.train``); :class:`Callbacks` calls gensim-style callbacks.

Backends:

* ``reference`` — the NumPy minibatch trainer (``trainer_reference.py``), any model × loss, Adam or SGD;
* ``cpu``       — the Numba Hogwild SGD kernels (``kernels/cpu.py`` via ``trainer_cpu.py``);
* ``cuda``      — the Numba CUDA kernel (``kernels/cuda.py`` via ``trainer_cuda.py``);
* ``auto``      — ``cuda`` when a GPU is present, else ``cpu``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time

import numpy as np

from ..corpus import read as corpus_mod
from . import progress as progress_lines
from ..textbook import reference, sampling
from . import trainer_reference
from ..corpus import sentences
from . import trainer_cpu, trainer_cuda
from .checkpoint import NO_CHECKPOINTS, Checkpointer
from .resume_checks import validate_resume
from ..base.errors import ConfigError, DeviceError, DivergenceError, InputError, VocabError
from ..base.files import check_outputs
from ..base.splitmix import GOLDEN
from .history import describe
from ..corpus.vocab import Vocab


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


def resolved_on(config, log=None):
    """``config`` resolved for the backend that will run it: ``auto`` is chosen first (cuda when a
    GPU is found, else cpu), so the chosen backend's defaults apply (the cpu's window step, say)."""
    cfg = config.resolved()
    backend = choose_backend(cfg.backend, log)
    return cfg if backend == cfg.backend else dataclasses.replace(config, backend=backend).resolved()


def fit(w2v, corpus="ptb", progress: bool = True, log=None, checkpointer: Checkpointer = NO_CHECKPOINTS,
        corpus_cache=None, callbacks=(), check_vocab=None):
    """Train ``w2v`` (a :class:`~w2v_scratch.word2vec.Word2Vec`) on ``corpus``; returns it.

    ``corpus``: a file path, ``"ptb"``, or an iterable of token lists (``sentences.py``), read once.
    ``corpus_cache``: a folder where the encoded corpus is kept as memory-mapped files, so a
    corpus larger than memory streams from disk (the cpu backend reads the maps directly).

    With a ``checkpointer`` (see ``checkpoint.py``) the run writes checkpoints at its
    intervals, and Ctrl-C writes one and raises ``Interrupted``. ``callbacks``: objects with
    gensim's ``on_train_begin``/``on_epoch_begin``/``on_epoch_end``/``on_train_end`` (:class:`Callbacks`).
    A checkpoint already at the checkpointer's path is never replaced: the run is refused
    (``Checkpointer.refuse_existing``). ``check_vocab(vocab)``: called once the vocabulary is known,
    before the corpus line is logged or any weight allocated (the CLI's checks that need it).
    """
    log = log or _stderr
    cfg = prepare(w2v, corpus, log, corpus_cache)
    hooks = Callbacks(w2v, callbacks, cfg.epochs)
    with checkpointer.hold():  # another run on this checkpoint path is refused before any reading
        checkpointer.refuse_existing()
        encoded, rng = read(w2v, corpus, cfg, progress, log, corpus_cache, check_vocab)
        return _run(w2v, encoded, cfg, rng, progress, log, checkpointer, hooks)


def prepare(w2v, corpus, log, corpus_cache=None):
    """What is checked before anything is read: the config (resolved, seed, backend chosen and
    stored in ``w2v.config``), the corpus's type, the vocabulary files, the cache folder."""
    cfg = resolved_on(w2v.config, log)
    check_seed(cfg.seed)
    if cfg.backend != "reference" and cfg.loss == "softmax":
        raise ConfigError("the full softmax is only in the reference trainer: use --backend reference or --loss ns|hs")
    w2v.config = cfg
    sentences.check(corpus)
    if cfg.save_vocab is not None:  # never onto an input
        inputs = {"the corpus": corpus_mod.resolve(corpus) if sentences.is_path(corpus) else None,
                  "--read-vocab": cfg.read_vocab}
        check_outputs({"--save-vocab": cfg.save_vocab}, inputs=inputs)
    if corpus_cache is not None:
        corpus_mod.check_cache_dir(corpus_cache)
    return cfg


def _caps(cfg) -> str:
    """The vocabulary options beyond min count that shaped the vocabulary, for the corpus log line."""
    caps = [f"{name} {getattr(cfg, key):,}" for key, name in (("max_final_vocab", "max final vocab"),
            ("max_vocab", "max vocab"), ("max_vocab_size", "counts pruned at max vocab size"))
            if getattr(cfg, key) is not None]
    return "".join(", " + c for c in caps)


def read(w2v, corpus, cfg, progress: bool, log, corpus_cache=None, check_vocab=None):
    """Read ``corpus`` once: its vocabulary (counted, or ``cfg.read_vocab``'s; ``check_vocab(vocab)``
    then, when given), written to ``cfg.save_vocab`` when set, and its encoding; then allocate the
    weights of a new run.
    Returns the encoded corpus and the run's random generator (the one ``init_weights`` drew from)."""
    t0 = time.perf_counter()
    given = (Vocab.read(cfg.read_vocab, cfg.min_count, cfg.max_vocab, cfg.max_final_vocab)
             if cfg.read_vocab is not None else None)
    report = log if progress else None
    if sentences.is_path(corpus):
        vocab, encoded = corpus_mod.load(corpus, cfg.min_count, cfg.max_vocab, cfg.max_sentence_length,
                                         cache_dir=corpus_cache, report=report, vocab=given,
                                         max_vocab_size=cfg.max_vocab_size, max_final_vocab=cfg.max_final_vocab)
    else:
        vocab, encoded = sentences.load(corpus, cfg.min_count, cfg.max_vocab, cfg.max_sentence_length,
                                        cache_dir=corpus_cache, report=report, vocab=given,
                                        max_vocab_size=cfg.max_vocab_size, max_final_vocab=cfg.max_final_vocab)
    if check_vocab is not None:
        check_vocab(vocab)
    source = f"from {cfg.read_vocab}, " if given is not None else ""
    log(f"corpus: {len(encoded):,} tokens in {encoded.n_sentences:,} sentences, vocabulary {len(vocab):,} words "
        f"({source}min count {cfg.min_count}{_caps(cfg)}), read in {time.perf_counter() - t0:.1f}s")
    if cfg.save_vocab is not None:
        vocab.save(cfg.save_vocab)
        log(f"wrote the vocabulary to {cfg.save_vocab}")
    rng = np.random.default_rng(cfg.seed)
    w2v.init_weights(vocab, rng)
    if sentences.is_path(corpus):
        w2v.state["corpus"] = _absolute(corpus)
    w2v.state.update(corpus_tokens=len(encoded), corpus_sentences=encoded.n_sentences)
    return encoded, rng


def encode(corpus, vocab, cfg, report=None, corpus_cache=None):
    """``corpus`` (a path or token lists) encoded with ``vocab``: other words and empty sentences dropped."""
    sentences.check(corpus)
    if not sentences.is_path(corpus):
        return sentences.encode(corpus, vocab, cfg.max_sentence_length, corpus_cache, report)
    if corpus_cache is not None:
        return corpus_mod.encode_memmap(corpus, vocab, corpus_cache, cfg.max_sentence_length, report)
    return corpus_mod.Corpus.encode(corpus, vocab, cfg.max_sentence_length, report)


def check_seed(seed) -> None:
    """The generators take a seed in [0, 2**64): refuse anything else with one line."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise ConfigError(f"--seed must be an integer from 0 to 2**64-1 (got {seed!r})")


def resume(model, path, corpus=None, progress: bool = True, log=None, checkpointer: Checkpointer = NO_CHECKPOINTS,
           corpus_cache=None):
    """Carry on to the end the run of ``model``, loaded from the checkpoint at ``path``
    (``Word2Vec.load_checkpoint``); returns the model.

    The corpus is re-read (from ``corpus``, or the path saved in the checkpoint) and encoded
    with the checkpoint's vocabulary; it must be the same corpus (same token count). A checkpoint
    of a finished run (``Checkpointer.save_finished``) needs no corpus: the model is returned as is. Every field
    of the saved position is checked first (``resume_checks.validate_resume``).
    """
    log = log or _stderr
    w2v = model
    cfg = w2v.config.resolved()
    check_seed(cfg.seed)
    validate_resume(path, w2v, cfg)  # what needs no corpus, before reading it
    if w2v.state["resume"].get("finished"):  # written before the outputs: nothing left to train
        log(f"resuming {path}: its {cfg.epochs} epochs are done, nothing left to train")
        del w2v.state["resume"]
        return w2v
    if corpus is None or (isinstance(corpus, str) and not corpus):
        corpus = w2v.state.get("corpus")
    if corpus is None:
        raise InputError(f"{path} does not say which corpus it was trained on (token lists are not saved): give "
                         "--corpus (Word2Vec.resume: corpus=)")
    report = log if progress else None
    if corpus_cache is not None:
        corpus_mod.check_cache_dir(corpus_cache)
    name = sentences.describe(corpus)
    with checkpointer.hold():
        encoded = encode(corpus, w2v.vocab, cfg, report, corpus_cache)
        if len(encoded) != w2v.state.get("corpus_tokens", len(encoded)):
            raise InputError(f"corpus {name} has {len(encoded):,} tokens of the vocabulary, but the checkpoint was "
                             f"trained on {w2v.state['corpus_tokens']:,}: give the same corpus with --corpus")
        validate_resume(path, w2v, cfg, encoded, **_position_limits(w2v, cfg, encoded))
        position = w2v.state["resume"]
        log(f"resuming {path}: epoch {position['epoch'] + 1}/{cfg.epochs} of a {cfg.backend} run on {name}")
        if sentences.is_path(corpus):
            w2v.state["corpus"] = _absolute(corpus)
        return _run(w2v, encoded, cfg, np.random.default_rng(cfg.seed), progress, log, checkpointer)


def _position_limits(w2v, cfg, encoded) -> dict:
    """What a resumed position is checked against on this corpus (``resume_checks.validate_resume``):
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


def _run(w2v, encoded, cfg, rng, progress, log, checkpointer, hooks=None, init: bool = True):
    """Train ``w2v`` on ``encoded`` with the backend of ``cfg``; ``hooks``: a :class:`Callbacks`;
    ``init=False``: the reference trainer keeps the weights as they are (continued training)."""
    plain = progress_lines.plain_unless_terminal() if progress else contextlib.nullcontext()
    with plain, checkpointer.hold(), checkpointer.catch_interrupt():
        if hooks is not None:
            hooks.train_begin()
        on_epoch = hooks.epoch_end if hooks is not None else None
        if cfg.backend == "reference":
            _train_reference(w2v, encoded, cfg, rng, progress, log, checkpointer, on_epoch, init)
        elif cfg.backend == "cpu":
            trainer_cpu.train(w2v, encoded, cfg, progress=progress, log=log, checkpointer=checkpointer,
                              on_epoch=on_epoch)
        else:
            trainer_cuda.train(w2v, encoded, cfg, progress=progress, log=log, checkpointer=checkpointer,
                               on_epoch=on_epoch)
    check_finite(w2v)
    if hooks is not None:
        hooks.train_end()
    return w2v


def check_finite(w2v) -> None:
    """The last guard of every backend: never hand on (or let anyone write) NaN/inf vectors."""
    for name in ("center", "context", "inner_nodes"):
        table = getattr(w2v, name, None)
        if table is not None and not np.isfinite(table).all():
            raise DivergenceError("training diverged: the vectors hold NaN/inf; lower --lr")


def _train_reference(w2v, encoded, cfg, rng, progress, log, checkpointer, on_record=None, init=True) -> None:
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
        if on_record is not None:
            on_record(record)

    trainer_reference.train(w2v, encoded, cfg, rng, on_batch=on_batch, on_epoch=on_epoch, checkpointer=checkpointer,
                            init=init)


# ---------------------------------------------------------------------------
# Callbacks (gensim's CallbackAny2Vec protocol) and continued training (Word2Vec.train)
# ---------------------------------------------------------------------------
CALLBACK_METHODS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Callbacks:
    """gensim's callback protocol (``CallbackAny2Vec``), duck-typed: a callback is any object with
    one or more of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``, ``on_train_end``
    (gensim's own ``CallbackAny2Vec`` subclasses included), each called with the ``Word2Vec`` being
    trained, callbacks in the order given:

    * ``on_train_begin`` before the first epoch, ``on_train_end`` after the last (and after the
      vectors are checked finite);
    * ``on_epoch_begin`` before each epoch (the next epoch's right after the previous one's end);
    * ``on_epoch_end`` once the epoch's record is ``model.history[-1]`` (so
      ``model.get_latest_training_loss()`` is that epoch's loss), the vectors as the epoch left them.

    On cuda the vectors a callback reads are the device's, copied back at the epoch's end.
    ``record(r)``, when given, puts the epoch's record into the model first (continued training)."""

    def __init__(self, model, callbacks, epochs: int, record=None) -> None:
        self.model, self.epochs, self.record, self.done = model, epochs, record, 0
        self.callbacks = checked_callbacks(callbacks)

    def call(self, method: str) -> None:
        for cb in self.callbacks:
            hook = getattr(cb, method, None)
            if hook is not None:
                hook(self.model)

    def train_begin(self) -> None:
        self.call("on_train_begin")
        self.call("on_epoch_begin")

    def epoch_end(self, record: dict) -> None:
        self.done += 1
        if self.record is not None:
            self.record(record)
        self.call("on_epoch_end")
        if self.done < self.epochs:
            self.call("on_epoch_begin")

    def train_end(self) -> None:
        self.call("on_train_end")


def checked_callbacks(callbacks) -> tuple:
    """``callbacks`` as a tuple, each one checked to have a callable callback method (None: none)."""
    if callbacks is None:
        return ()
    if any(hasattr(callbacks, m) for m in CALLBACK_METHODS) or not hasattr(callbacks, "__iter__"):
        raise ConfigError(f"callbacks must be a list of callback objects (got a {type(callbacks).__name__}): "
                          "write callbacks=[cb]")
    out = tuple(callbacks)
    for i, cb in enumerate(out):
        methods = [m for m in CALLBACK_METHODS if hasattr(cb, m)]
        if not methods or not all(callable(getattr(cb, m)) for m in methods):
            raise ConfigError(f"callback {i} (a {type(cb).__name__}) has no callable on_train_begin, on_epoch_begin, "
                              "on_epoch_end or on_train_end: give objects like gensim's CallbackAny2Vec")
    return out


class _Continued:
    """What the trainer trains in :func:`train_more`: the model's matrices (the same arrays,
    updated in place) and vocabulary, with a config, history and state of the call's own."""

    def __init__(self, model, cfg) -> None:
        self.config, self.vocab = cfg, model.vocab
        self.center, self.context, self.inner_nodes = model.center, model.context, model.inner_nodes
        self.w_in, self.w_out = model.w_in, model.w_out  # the trainers' names for the same arrays
        self.history: list[dict] = []
        self.state: dict = {}


def run_seed(seed: int, epochs_done: int) -> int:
    """The seed of a run that continues a model after ``epochs_done`` epochs: ``seed`` itself for
    the first, then a different one per starting point (so more epochs do not replay the first
    epochs' draws)."""
    return (seed + GOLDEN * epochs_done) % 2**64


def train_more(model, corpus, epochs=None, lr=None, min_lr=None, progress: bool = True, log=None, callbacks=(),
               rng=None) -> tuple[int, int]:
    """Train the vectors ``model`` has (after ``fit``, ``build_vocab`` or ``load``) for ``epochs``
    epochs (default: its config's) on ``corpus`` (a path or token lists, read once); returns
    (words trained after subsampling, corpus words), summed over the epochs, as gensim's train().

    * Words of ``corpus`` not in the model's vocabulary are dropped, and sentences left empty:
      the vocabulary never grows (gensim does the same without ``build_vocab(update=True)``).
    * The learning rate decays linearly from ``lr`` (default: the model's) to ``min_lr`` (default:
      the model's, at most ``lr``) over these epochs, as gensim's start_alpha → end_alpha; with the
      reference trainer's Adam, ``lr`` is Adam's constant rate and its moments start at zero.
    * The draws come from :func:`run_seed` (the model's seed and the epochs it has done), or ``rng``
      when given: ``build_vocab`` hands on its generator, so build_vocab + train = fit.
    * The epochs' records are appended to ``model.history``, numbered on from its last epoch.
    * No checkpoints are written.
    """
    log = log or _stderr
    if model.vocab is None or model.center is None:
        raise VocabError("the model has no vocabulary yet: call build_vocab(sentences) first, or fit(sentences)")
    done = len(model.history)
    base = model.config.resolved()
    if min_lr is None:
        min_lr = base.min_lr if lr is None else min(base.min_lr, lr)
    cfg = dataclasses.replace(base, epochs=base.epochs if epochs is None else epochs, lr=base.lr if lr is None else lr,
                              min_lr=min_lr, seed=run_seed(base.seed, done))
    cfg = resolved_on(cfg, log)
    hooks = Callbacks(model, callbacks, cfg.epochs,
                      record=lambda r: model.history.append(dict(r, epoch=done + r["epoch"])))
    encoded = encode(corpus, model.vocab, cfg, log if progress else None)
    log(f"continued training: {len(encoded):,} tokens of the vocabulary in {encoded.n_sentences:,} sentences, "
        f"{cfg.epochs} epoch{'s' if cfg.epochs != 1 else ''}, lr {cfg.lr:g} to {cfg.min_lr:g}")
    run = _Continued(model, cfg)
    rng = np.random.default_rng(cfg.seed) if rng is None else rng
    _run(run, encoded, cfg, rng, progress, log, NO_CHECKPOINTS, hooks, init=done == 0)
    model.state.update(run.state)
    records = model.history[done:]
    return sum(r["trained_words"] for r in records), sum(r["words"] for r in records)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)
