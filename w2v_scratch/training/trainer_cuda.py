"""The ``cuda`` backend: word2vec's SGD on an NVIDIA GPU with the kernels of ``kernels/cuda.py``.

``train(w2v, corpus, cfg)`` copies the encoded corpus, the tables (subsampling keep
probabilities, alias table of the noise distribution or the Huffman paths) and both
matrices to the device once, then per epoch launches

1. the subsampling kernel (keep flags from a hash of (seed, epoch, position), each
   pseudo-sentence compacted on the device: no host work per sentence), and
2. the training kernel, one warp per pseudo-sentence, in a few big launches (about
   ``cuda_launch_words`` raw words each, for the progress bar),

and copies the matrices back at the end. Supported: skip-gram and CBOW, each with
negative sampling or hierarchical softmax (word2vec.c's updates; see kernels/cuda.py for
how a window's target rows are loaded once and shared, and for skip-gram HS, which runs in
the paper's direction: the center's input row, updated once per window, predicts each
context word along its Huffman path).

Options in ``cfg.extra`` (all optional): ``cuda_sentence_length`` (raw words per
pseudo-sentence, 1000), ``cuda_launch_words`` (raw words per launch, 2**25),
``cuda_atomic`` (True: updates are atomic adds; False: plain read-modify-write stores),
``cuda_warps_per_block`` (4; fewer where skip-gram NS's shared memory would pass 48 KB a block),
``cbow_update`` ("word2vec" or "exact", as the cpu backend).

Differences from the cpu backend: pseudo-sentences are cut at 1000 *raw* words (cpu:
1000 kept words); skip-gram NS draws a center's K noise words once and shares them (with the
center's output row) among the context words of its window, as the cpu window step does, but steps
its pairs one after another on cached rows (the cpu: one step for the window); skip-gram HS runs in the paper's
direction (see above); the
generator is splitmix64 per warp, so a seed gives the same draws whatever the GPU, but
Hogwild races make runs differ in the last bits.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ..corpus.read import Corpus
from .config import format_bytes
from ..base.errors import ConfigError, DeviceError
from .history import check_loss, check_vectors, describe, epoch_record, mean_losses
from .kernel_inputs import Tables
from .monitor import FixedSample
from ..textbook.optim import linear_decay
from .kernel_inputs import ctx_scale as kernel_ctx_scale
from .progress import above

SENTENCE_LENGTH = 1000
LAUNCH_WORDS = 1 << 25
SUPPORTED = "skip-gram and CBOW with --loss ns or hs"
BATCH_GROUPS = 100  # batch_losses: the epoch's sentences in this many consecutive groups


def _kernels():
    try:
        from ..kernels import cuda as cuda_kernels  # deferred: numba-cuda may be missing, and loads slowly
    except Exception as exc:  # numba-cuda missing or broken
        raise DeviceError(f"the CUDA kernels could not be loaded ({exc}): use --backend cpu") from None
    return cuda_kernels


def check_supported(cfg) -> None:
    if cfg.loss == "hs+ns":
        raise ConfigError("the cuda backend trains one loss at a time, not --loss hs+ns (both at once): use "
                          "--backend cpu")
    if cfg.model not in ("sg", "cbow") or cfg.loss not in ("ns", "hs"):
        raise ConfigError(f"the cuda backend trains {SUPPORTED}, not --model {cfg.model} --loss {cfg.loss}: "
                          "use --backend cpu or reference")


def _extra(cfg, name, default):
    return (cfg.extra or {}).get(name, default)


def _cuda_errors() -> tuple:
    """The exception types of the CUDA driver, compiler and linker (none where numba-cuda is missing)."""
    found = []
    for module, names in (("numba.cuda.cudadrv.driver", ("CudaAPIError", "CudaDriverError", "LinkerError")),
                          ("numba.cuda.cudadrv.error", ("CudaDriverError", "CudaRuntimeError", "NvvmError",
                                                        "NvrtcError"))):
        try:
            mod = __import__(module, fromlist=list(names))
        except Exception:
            continue
        found += [getattr(mod, n) for n in names if isinstance(getattr(mod, n, None), type)]
    return tuple(found)


def device_memory_needed(cfg, vocab_size: int, tokens: int, sentences: int) -> int:
    """Bytes the cuda backend allocates on the GPU: the corpus (ids, their kept copy, offsets,
    per-sentence lengths, losses and pairs), the tables and both matrices."""
    V = max(int(vocab_size), 1)
    V_out = max(V - 1, 1) if cfg.loss == "hs" else V
    paths = V * 64 * 5 if cfg.loss == "hs" else 0
    return (8 * tokens + 8 * (sentences + 1) + 20 * sentences + 12 * V + paths
            + (V + V_out) * int(cfg.dim) * 4)


def _check_device_memory(cuda, cfg, vocab_size: int, tokens: int, sentences: int) -> None:
    try:
        free, _ = cuda.current_context().get_memory_info()
    except Exception:  # not every driver tells: the allocation itself then fails, as a DeviceError
        return
    need = device_memory_needed(cfg, vocab_size, tokens, sentences)
    if need > free:
        raise ConfigError(f"--dim {cfg.dim:,} with {vocab_size:,} words and {tokens:,} corpus tokens needs "
                          f"{format_bytes(need)} of GPU memory; this GPU has {format_bytes(free)} free: lower --dim, "
                          "keep fewer words (--max-vocab, --min-count), or use --backend cpu")


def train(w2v, corpus: Corpus, cfg, progress: bool = True, log=None, checkpointer=None, on_epoch=None) -> None:
    """Train ``w2v`` (weights allocated by ``init_weights``) on the encoded ``corpus`` on the GPU
    (:func:`_train`; ``on_epoch(record)`` after each epoch), turning the CUDA driver's errors into one-line errors: out of GPU memory is
    a ``ConfigError`` naming the options, anything else (a kernel too large to launch for its
    --dim/--negative/--window, a driver fault) a ``DeviceError``."""
    errors = _cuda_errors()
    try:
        _train(w2v, corpus, cfg, progress, log, checkpointer, on_epoch)
    except errors as exc:
        text = " ".join(str(exc).split())[:300]
        if "OUT_OF_MEMORY" in text.upper() or "out of memory" in text.lower():
            raise ConfigError(f"the GPU ran out of memory ({text}): lower --dim, keep fewer words (--max-vocab, "
                              "--min-count), or use --backend cpu") from None
        raise DeviceError(f"the CUDA kernel could not run with --dim {cfg.dim:,}, --window {cfg.window:,}, "
                          f"--negative {cfg.negative:,} ({type(exc).__name__}: {text}): lower them, or use "
                          "--backend cpu") from None


def _train(w2v, corpus: Corpus, cfg, progress: bool = True, log=None, checkpointer=None, on_epoch=None) -> None:
    """Train ``w2v`` (weights allocated by ``init_weights``) on the encoded ``corpus`` on the GPU.

    Checkpoints (``checkpointer``, see ``checkpoint.py``) are taken at epoch boundaries: every
    random draw derives from (seed, epoch, sentence), so a run resumed at epoch e replays epochs
    e, e+1, … exactly as the uninterrupted run would (up to Hogwild's own nondeterminism).
    Ctrl-C finishes the current epoch, writes a checkpoint and stops.

    Appends one record per epoch to ``w2v.history`` (``history.py``; the loss on every trained
    example, ``batch_losses`` over groups of consecutive sentences); the matrices are copied back
    after every epoch (for the fixed-sample loss, checkpoints and ``on_epoch``, which reads them:
    the device keeps its own copy, so changes made to ``w2v``'s arrays there are not trained on).
    """
    log = log or (lambda msg: print(msg, file=sys.stderr))
    check_supported(cfg)
    ck = _kernels()
    from numba import cuda  # deferred: only cuda runs load the CUDA driver

    if not cuda.is_available():
        raise DeviceError("--backend cuda needs an NVIDIA GPU with a CUDA driver, and none was found: "
                          "use --backend cpu")
    ctx_scale = kernel_ctx_scale(cfg)  # CBOW: C's undivided update, or the exact e/n
    wpb = int(_extra(cfg, "cuda_warps_per_block", ck.DEFAULT_WARPS_PER_BLOCK))
    atomic = bool(_extra(cfg, "cuda_atomic", True))
    launch_words = int(_extra(cfg, "cuda_launch_words", LAUNCH_WORDS))
    offsets = ck.split_offsets(corpus.offsets, int(_extra(cfg, "cuda_sentence_length", SENTENCE_LENGTH)))
    n_sent = len(offsets) - 1
    N = int(len(corpus.ids))
    V = len(w2v.vocab)
    _check_device_memory(cuda, cfg, V, N, n_sent)

    t0 = time.perf_counter()
    kernel = ck.make_kernel(cfg.model, cfg.loss, cfg.dim, cfg.negative, cfg.window, atomic=atomic,
                            cbow_mean=cfg.cbow_mean, warps_per_block=wpb)
    t = Tables(w2v.vocab, cfg)
    d_ids = cuda.to_device(np.ascontiguousarray(corpus.ids, dtype=np.int32))
    d_off = cuda.to_device(offsets)
    d_keep = cuda.to_device(t.keep)
    d_prob, d_alias = cuda.to_device(t.alias_prob), cuda.to_device(t.alias_idx)
    d_codes, d_points, d_lengths = cuda.to_device(t.codes), cuda.to_device(t.points), cuda.to_device(t.lengths)
    d_kept = cuda.device_array(N, np.int32)
    d_kept_len = cuda.device_array(n_sent, np.int32)
    d_w_in = cuda.to_device(np.ascontiguousarray(w2v.w_in, dtype=np.float32))
    d_w_out = cuda.to_device(np.ascontiguousarray(w2v.w_out, dtype=np.float32))
    fixed = FixedSample(corpus, w2v.vocab, cfg)
    d_loss = cuda.device_array(n_sent, np.float64)
    d_pairs = cuda.device_array(n_sent, np.int64)
    setup_seconds = time.perf_counter() - t0
    compile_seconds = warm_up(ck, kernel, cfg.dim, d_prob, d_alias, d_codes, d_points, d_lengths)

    bounds = launch_bounds(offsets, launch_words)

    total_run = max(cfg.epochs * N, 1)
    inv_total = 1.0 / total_run
    bar = None
    if progress:
        from tqdm import tqdm  # deferred: only runs with a progress bar need it

        bar = tqdm(total=(cfg.epochs - len(w2v.history)) * N, unit="word", unit_scale=True, desc="training",
                   leave=False, dynamic_ncols=True)
    train_start = time.perf_counter()
    try:
        for epoch in range(len(w2v.history), cfg.epochs):
            start = time.perf_counter()
            key = ck.epoch_key(cfg.seed, epoch)
            ck.launch_subsample(d_ids, d_off, d_keep, key, d_kept, d_kept_len)
            progress0 = epoch * N / total_run
            for a, b in zip(bounds[:-1], bounds[1:]):
                ck.launch_train(kernel, a, b, d_kept, d_kept_len, d_off, d_w_in, d_w_out, d_prob, d_alias,
                                d_codes, d_points, d_lengths, key, cfg.lr, cfg.min_lr, progress0, inv_total,
                                ctx_scale, d_loss, d_pairs)
                if b < n_sent:  # more launches to come: stop a diverging run now, not at the epoch's end
                    _check_launch(cfg, V, d_loss, d_pairs, a, b, epoch)
                if bar is not None:
                    cuda.synchronize()
                    bar.update(int(offsets[b] - offsets[a]))
                    bar.set_postfix(epoch=f"{epoch + 1}/{cfg.epochs}", refresh=False)
            record = _end_epoch(w2v, cfg, epoch, start, fixed, (d_w_in, d_w_out, d_loss, d_pairs, d_kept_len), N,
                                (epoch + 1) * N / total_run)
            w2v.history.append(record)
            above(bar, log)(describe(record, cfg.epochs))
            if on_epoch is not None:
                on_epoch(record)
            if checkpointer is not None and checkpointer.due() and epoch + 1 < cfg.epochs:
                w2v.state["resume"] = {"backend": "cuda", "epoch": epoch + 1}
                checkpointer.save(w2v)
                checkpointer.check_stop()
    finally:
        if bar is not None:
            bar.close()
    train_seconds = time.perf_counter() - train_start
    w2v.state.pop("resume", None)
    w2v.w_in[...] = d_w_in.copy_to_host()
    w2v.w_out[...] = d_w_out.copy_to_host()  # NaN/inf: train.check_finite, for every backend
    w2v.state.update(backend="cuda", setup_seconds=setup_seconds, compile_seconds=compile_seconds,
                     train_seconds=train_seconds,
                     words_per_sec=(cfg.epochs * N) / train_seconds if train_seconds > 0 else 0.0,
                     device=_device_name(cuda))


def launch_bounds(offsets: np.ndarray, launch_words: int) -> list[int]:
    """Where launches split the sentences: ranges of about ``launch_words`` raw words each, as
    sentence numbers from 0 to the number of sentences."""
    n_sent, N = len(offsets) - 1, int(offsets[-1])
    cuts = np.searchsorted(offsets, np.arange(0, N, max(launch_words, 1)), side="left")
    return [b for b in sorted(set(int(c) for c in cuts) | {0, n_sent}) if 0 <= b <= n_sent]


def _check_launch(cfg, vocab_size: int, d_loss, d_pairs, a: int, b: int, epoch: int) -> None:
    """The divergence check of one launch's sentences a:b (their summed loss over their pairs)."""
    pairs = int(d_pairs[a:b].copy_to_host().sum())
    if pairs:
        check_loss(float(d_loss[a:b].copy_to_host().sum()) / pairs, cfg, vocab_size, f"in epoch {epoch + 1}")


def _end_epoch(w2v, cfg, epoch: int, start: float, fixed, arrays, words: int, progress: float) -> dict:
    """Copy the epoch's losses and the matrices back, check them (a NaN/inf or exploded loss, a NaN/inf
    or huge vector: ``history.check_loss``/``check_vectors``) and return the epoch's record."""
    d_w_in, d_w_out, d_loss, d_pairs, d_kept_len = arrays
    output_name = "context" if cfg.loss == "ns" else "inner_nodes"
    sent_loss, sent_pairs = d_loss.copy_to_host(), d_pairs.copy_to_host()
    kept = int(d_kept_len.copy_to_host().sum())
    seconds = time.perf_counter() - start
    pairs = int(sent_pairs.sum())
    loss = float(sent_loss.sum()) / max(pairs, 1)
    where = f"in epoch {epoch + 1}"
    check_loss(loss, cfg, len(w2v.vocab), where)  # NaN/inf, or far above the untrained loss
    w2v.w_in[...] = d_w_in.copy_to_host()
    w2v.w_out[...] = d_w_out.copy_to_host()
    check_vectors({"center": w2v.w_in, output_name: w2v.w_out}, cfg, where)  # the tables' file names
    n_sent = len(sent_loss)
    groups = np.array_split(np.arange(n_sent), max(1, min(BATCH_GROUPS, n_sent)))
    return epoch_record(
        epoch + 1, loss=loss, eval_loss=fixed.loss(w2v.w_in, w2v.w_out),
        seconds=seconds, words=words, trained_words=kept, examples=pairs,
        lr_end=linear_decay(cfg.lr, cfg.min_lr, progress),
        batch_losses=mean_losses([sent_loss[g].sum() for g in groups], [sent_pairs[g].sum() for g in groups]))


def warm_up(ck, kernel, dim, d_prob, d_alias, d_codes, d_points, d_lengths) -> float:
    """Compile both kernels with the argument types training uses, on an empty sentence, so the
    first epoch's time is training only; returns the seconds it took."""
    from numba import cuda  # deferred: only cuda runs load the CUDA driver

    t0 = time.perf_counter()
    ids = cuda.to_device(np.zeros(1, np.int32))
    off = cuda.to_device(np.zeros(2, np.int64))
    kept_len = cuda.to_device(np.zeros(1, np.int32))
    mat = cuda.to_device(np.zeros((1, dim), np.float32))
    ck.launch_subsample(ids, off, cuda.to_device(np.ones(1, np.float32)), 0, ids, kept_len)
    ck.launch_train(kernel, 0, 1, ids, kept_len, off, mat, mat, d_prob, d_alias, d_codes, d_points, d_lengths,
                    0, 0.0, 0.0, 0.0, 0.0, 1.0, cuda.device_array(1, np.float64), cuda.device_array(1, np.int64))
    cuda.synchronize()
    return time.perf_counter() - t0


def _device_name(cuda) -> str:
    try:
        dev = cuda.get_current_device()
        name = dev.name
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        return "unknown"
