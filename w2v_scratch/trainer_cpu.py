"""The ``cpu`` backend: word2vec.c's Hogwild SGD with the Numba kernels of ``kernels/cpu.py``.

``train(w2v, corpus, cfg)`` runs ``cfg.threads`` Python threads; each calls the nogil
kernel on its own contiguous range of sentences (split by token count), in slices of
about ``SLICE_WORDS`` raw words, so the main thread can draw the progress bar between
them. All threads update ``w2v.center`` and the output matrix in place without locks,
as word2vec.c and gensim do.

What matches word2vec.c: subsampling with keep probability (sqrt(f/t) + 1)·t/f drawn per
word before windows are formed; pseudo-sentences of at most 1000 kept words (windows never
cross them); window radius R = window − b with b uniform in [0, window); one SGD step per
(input, target) pair; the learning rate decays linearly from ``lr`` to ``min_lr`` over
epochs × corpus words (counted before subsampling), refreshed every 10k words from
per-thread progress counters; σ clipped at ±6 for NS, HS nodes with |f| ≥ 6 skipped;
CBOW adds the undivided error to every context row in mean mode (``cfg.extra
["cbow_update"] = "exact"`` divides it by the number of contexts instead).

What differs: noise words come from an O(V) alias table (no 400 MB unigram table); a
noise draw equal to the positive word is skipped, as in word2vec.c; randomness is
word2vec.c's LCG seeded from (seed, thread, epoch), so ``threads=1`` with a seed is
reproducible; the loss is exact (float32 per pair, float64 sums) on a systematic sample of
every 4th pair (``kernels.cpu.LOSS_EVERY``), reported as the mean loss per trained pair
(skip-gram: per (input, target) pair; CBOW: per window) over each reporting interval (about a
second: ``batch_losses``) and over the epoch (``loss``) — never a float32 running sum.

Memory: the model (V·d per matrix), the encoded corpus (int32 ids + sentence offsets;
:func:`w2v_scratch.corpus.encode_memmap` writes them to disk for corpora larger than memory), O(V) tables.
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np

from .corpus import Corpus
from .errors import ConfigError, DivergenceError
from .kernel_inputs import Tables
from .kernel_inputs import ctx_scale as kernel_ctx_scale
from .progress import above

SLICE_WORDS = 50_000  # raw words per kernel call
REPORT_SECONDS = 0.25  # progress bar / running-loss interval (4 points a second on the loss curve)


def _kernels():
    from w2v_scratch.kernels import cpu

    return cpu


def _seed_state(seed: int, thread: int, epoch: int) -> np.ndarray:
    """A uint64[1] LCG state from (seed, thread, epoch) through splitmix64."""
    mask = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + thread * 0xBF58476D1CE4E5B9 + epoch * 0x94D049BB133111EB + 1) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return np.array([z ^ (z >> 31)], dtype=np.uint64)


def partition(offsets: np.ndarray, n_parts: int) -> list[tuple[int, int]]:
    """Split sentences into ``n_parts`` contiguous ranges of about equal token counts."""
    n_sent = len(offsets) - 1
    total = int(offsets[-1])
    cuts = [0]
    for k in range(1, n_parts):
        cuts.append(int(np.searchsorted(offsets, total * k / n_parts, side="left")))
    cuts.append(n_sent)
    cuts = [min(max(c, 0), n_sent) for c in cuts]
    for k in range(1, len(cuts)):
        cuts[k] = max(cuts[k], cuts[k - 1])
    return [(cuts[k], cuts[k + 1]) for k in range(n_parts)]


def slices(offsets: np.ndarray, lo: int, hi: int, words: int | None = None) -> list[tuple[int, int]]:
    """Cut the sentence range lo:hi into consecutive ranges of about ``words`` tokens each
    (default ``SLICE_WORDS``)."""
    words = words or SLICE_WORDS
    out = []
    s = lo
    while s < hi:
        e = int(np.searchsorted(offsets, offsets[s] + words, side="left"))
        e = min(max(e, s + 1), hi)
        out.append((s, e))
        s = e
    return out


def warm_up(cfg) -> float:
    """Compile (or load from the on-disk cache) the kernel with the argument types training uses,
    on a tiny input; returns the seconds it took."""
    cpu = _kernels()
    t0 = time.perf_counter()
    d = 4
    center = np.zeros((3, d), np.float32)
    output = np.zeros((3, d), np.float32)
    cpu.train_chunk(
        np.array([0, 1, 2], np.int32), np.array([0, 3], np.int64), 0, 1, center, output,
        np.ones(3, np.float32), np.ones(3, np.float32), np.zeros(3, np.int32),
        np.zeros((3, 2), np.uint8), np.zeros((3, 2), np.int32), np.ones(3, np.int32),
        cfg.model == "sg", cfg.loss == "hs", 2, 2, True, np.float32(1.0),
        np.float32(0.025), np.float32(0.0), 3, np.zeros(cpu.SLOT, np.int64), 0,
        _seed_state(0, 0, 0), np.zeros(cpu.N_STATS), True,
    )
    return time.perf_counter() - t0


def train(w2v, corpus: Corpus, cfg, progress: bool = True, log=None, checkpointer=None) -> None:
    """Train ``w2v`` (weights allocated by ``init_weights``) on the encoded ``corpus`` in place.

    Appends one record per epoch to ``w2v.history`` and puts ``compile_seconds`` and
    ``train_seconds`` in ``w2v.state``. With a ``checkpointer`` (``checkpoint.py``), when a
    checkpoint is due every worker stops at its next slice boundary, the position (epoch, each
    worker's next slice, LCG states, progress counters, loss sums) goes into
    ``w2v.state["resume"]`` and the model is saved; training then carries on from that position
    (or raises ``Interrupted`` after a Ctrl-C). A model whose state holds ``"resume"`` carries on
    from it, so with ``threads=1`` a resumed run ends bit for bit where an uninterrupted one does.
    """
    from .checkpoint import NO_CHECKPOINTS

    checkpointer = checkpointer or NO_CHECKPOINTS
    log = log or (lambda msg: print(msg, file=sys.stderr))
    cpu = _kernels()
    if cfg.loss not in ("ns", "hs"):
        raise ConfigError(f"the cpu backend trains --loss ns or hs, not {cfg.loss!r}")
    tables = Tables(w2v.vocab, cfg)
    output = w2v.context if cfg.loss == "ns" else w2v.inner_nodes
    center = w2v.center
    for name, arr in (("center", center), ("output", output)):
        if arr is None or arr.dtype != np.float32 or not arr.flags.c_contiguous:
            raise ConfigError(f"the {name} matrix must be a C-contiguous float32 array")
    ids = np.asarray(corpus.ids)
    offsets = np.asarray(corpus.offsets)
    if ids.dtype != np.int32:
        ids = ids.astype(np.int32)
    if offsets.dtype != np.int64:
        offsets = offsets.astype(np.int64)

    compile_seconds = warm_up(cfg)
    w2v.state["compile_seconds"] = compile_seconds

    n_threads = cfg.threads
    corpus_words = int(offsets[-1])
    total_words = cfg.epochs * corpus_words
    parts = partition(offsets, n_threads)
    work = [slices(offsets, lo, hi) for lo, hi in parts]
    progress_slots = np.zeros(n_threads * cpu.SLOT, np.int64)
    stats = [np.zeros(cpu.N_STATS) for _ in range(n_threads)]
    lr_now = [float(cfg.lr)] * n_threads
    sg, hs = cfg.model == "sg", cfg.loss == "hs"
    alpha0, min_alpha = np.float32(cfg.lr), np.float32(cfg.min_lr)
    ctx_scale = np.float32(kernel_ctx_scale(cfg))  # CBOW: C's undivided update, or the exact e/n

    resume = w2v.state.pop("resume", None)
    first_epoch = len(w2v.history)
    if resume is not None:
        if len(resume["next_slice"]) != n_threads:
            raise ConfigError(f"the checkpoint was written with {len(resume['next_slice'])} threads: resume with "
                              f"--threads {len(resume['next_slice'])}")
        first_epoch = int(resume["epoch"])
        progress_slots[:] = np.asarray(resume["progress"], np.int64)
        for t in range(n_threads):
            stats[t][:] = resume["stats"][t]

    start_words = int(progress_slots.sum())
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total_words, initial=start_words, unit="word", unit_scale=True,
                   desc="training", leave=False, dynamic_ncols=True, smoothing=0.1)
    train_start = time.perf_counter()
    try:
        for epoch in range(first_epoch, cfg.epochs):
            rngs = [_seed_state(cfg.seed, t, epoch) for t in range(n_threads)]
            next_slice = [0] * n_threads
            epoch_start_stats = sum(s.copy() for s in stats)
            seconds_before, batch_losses = 0.0, []
            if resume is not None and epoch == first_epoch:
                rngs = [np.array([int(r)], np.uint64) for r in resume["rng"]]
                next_slice = [int(k) for k in resume["next_slice"]]
                epoch_start_stats = np.asarray(resume["epoch_start_stats"], np.float64)
                seconds_before, batch_losses = float(resume["seconds"]), list(resume["batch_losses"])
            start = time.perf_counter()
            while True:  # one pass of the workers; a checkpoint ends a pass early, then the next one resumes
                stop = threading.Event()
                errors: list[BaseException] = []

                def worker(t: int) -> None:
                    try:
                        trained = 0
                        while next_slice[t] < len(work[t]) and not stop.is_set():
                            if trained and checkpointer.due():
                                stop.set()  # every worker stops at its next slice boundary
                                break
                            lo, hi = work[t][next_slice[t]]
                            lr_now[t] = cpu.train_chunk(
                                ids, offsets, lo, hi, center, output, tables.keep,
                                tables.alias_prob, tables.alias_idx, tables.codes, tables.points, tables.lengths,
                                sg, hs, cfg.window, cfg.negative, bool(cfg.cbow_mean), ctx_scale,
                                alpha0, min_alpha, total_words, progress_slots, t * cpu.SLOT, rngs[t], stats[t],
                                True,
                            )
                            next_slice[t] += 1
                            trained += 1
                    except BaseException as exc:  # re-raised in the main thread
                        errors.append(exc)
                        stop.set()

                threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(n_threads)]
                for th in threads:
                    th.start()
                last = sum(s.copy() for s in stats)
                last_words = int(progress_slots.sum())
                try:
                    while any(th.is_alive() for th in threads):
                        deadline = time.monotonic() + REPORT_SECONDS
                        for th in threads:
                            th.join(timeout=max(0.0, deadline - time.monotonic()))
                        now = sum(s.copy() for s in stats)
                        delta = now - last
                        if delta[cpu.ST_LOSS_PAIRS] > 0:
                            running = delta[cpu.ST_LOSS] / delta[cpu.ST_LOSS_PAIRS]
                            if not np.isfinite(running):
                                raise DivergenceError(f"the loss became {running} in epoch {epoch + 1}: lower --lr")
                            batch_losses.append(float(running))
                            last = now
                        words = int(progress_slots.sum())
                        if bar is not None:
                            bar.update(words - last_words)
                            bar.set_postfix(epoch=f"{epoch + 1}/{cfg.epochs}", lr=f"{min(lr_now):.5f}",
                                            loss=f"{batch_losses[-1]:.4f}" if batch_losses else "-", refresh=False)
                        last_words = words
                except BaseException:
                    stop.set()
                    for th in threads:
                        th.join()
                    raise
                for th in threads:
                    th.join()
                if errors:
                    raise errors[0]
                if all(next_slice[t] >= len(work[t]) for t in range(n_threads)):
                    break
                # a checkpoint in the middle of the epoch
                seconds_before += time.perf_counter() - start
                w2v.state["resume"] = {
                    "epoch": epoch, "next_slice": list(next_slice), "rng": [int(r[0]) for r in rngs],
                    "progress": progress_slots.tolist(), "stats": [s.tolist() for s in stats],
                    "epoch_start_stats": epoch_start_stats.tolist(), "seconds": seconds_before,
                    "batch_losses": list(batch_losses),
                }
                checkpointer.save(w2v)
                checkpointer.check_stop()
                del w2v.state["resume"]
                start = time.perf_counter()
            seconds = seconds_before + time.perf_counter() - start
            ep = sum(s for s in stats) - epoch_start_stats
            loss = ep[cpu.ST_LOSS] / max(ep[cpu.ST_LOSS_PAIRS], 1.0)
            if not np.isfinite(loss) or not np.isfinite(center[:1]).all():
                raise DivergenceError(f"the loss became {loss} in epoch {epoch + 1}: lower --lr")
            record = {
                "epoch": epoch + 1,
                "loss": float(loss),
                "seconds": seconds,
                "words": int(ep[cpu.ST_RAW]),
                "trained_words": int(ep[cpu.ST_KEPT]),
                "pairs": int(ep[cpu.ST_PAIRS]),
                "words_per_sec": float(ep[cpu.ST_RAW] / seconds) if seconds > 0 else 0.0,
                "lr_end": float(min(lr_now)),
                "batch_losses": batch_losses,
            }
            w2v.history.append(record)
            above(bar, log)(f"epoch {epoch + 1}/{cfg.epochs}: loss {loss:.4f}, {record['words_per_sec']:,.0f} words/sec "
                f"({record['words']:,} words, {record['trained_words']:,} after subsampling, {seconds:.1f}s), "
                f"lr {record['lr_end']:.5f}")
            if checkpointer.due() and epoch + 1 < cfg.epochs:
                w2v.state["resume"] = {
                    "epoch": epoch + 1, "next_slice": [0] * n_threads,
                    "rng": [int(_seed_state(cfg.seed, t, epoch + 1)[0]) for t in range(n_threads)],
                    "progress": progress_slots.tolist(), "stats": [s.tolist() for s in stats],
                    "epoch_start_stats": sum(s for s in stats).tolist(), "seconds": 0.0, "batch_losses": [],
                }
                checkpointer.save(w2v)
                checkpointer.check_stop()
                del w2v.state["resume"]
    finally:
        if bar is not None:
            bar.close()
    train_seconds = time.perf_counter() - train_start
    w2v.state.update(compile_seconds=compile_seconds, train_seconds=train_seconds,
                     words_per_sec=(int(progress_slots.sum()) - start_words) / train_seconds
                     if train_seconds > 0 else 0.0,
                     backend="cpu", threads=n_threads)
