"""The ``cpu`` backend: word2vec.c's Hogwild SGD with the Numba kernels of ``kernels/cpu.py``.

``train(w2v, corpus, cfg)`` runs ``cfg.threads`` Python threads; each calls the nogil
kernel on its own contiguous range of sentences (split by token count), in slices of
about ``SLICE_WORDS`` raw words, so the main thread can draw the progress bar between
them. All threads update ``w2v.w_in`` and ``w2v.w_out`` in place without locks,
as word2vec.c and gensim do.

What matches word2vec.c: subsampling with keep probability (sqrt(f/t) + 1)·t/f drawn per
word before windows are formed; pseudo-sentences of at most 1000 kept words (windows never
cross them); window radius R = window − b with b uniform in [0, window); one SGD step per
(input, target) pair (skip-gram by default: per window of pairs, below); σ clipped at ±6 for
NS, HS nodes with |f| ≥ 6 skipped; a noise draw equal to the positive word skipped; CBOW adds
the undivided error to every context row in mean mode (``cfg.extra["cbow_update"] = "exact"``
divides it by the number of contexts).

What differs: noise words come from an O(V) alias table (no 400 MB unigram table);
randomness is word2vec.c's LCG seeded from (seed, thread, epoch), so ``threads=1`` with a
seed is reproducible; the learning rate is the project's one schedule
(``optim.linear_decay``: α0 − (α0 − α_min)·p, word2vec.c floors α0(1 − p) at α0·10⁻⁴
instead), refreshed every 10k raw words from per-thread progress counters; the loss is
exact (float32 per example, float64 sums) on a systematic sample of every 16th example
(``kernels.cpu.LOSS_EVERY``; with the window step every 16th window) and recorded per slice of
work, so ``history`` is the same whatever the thread timing (``history.py`` defines every
field). Skip-gram steps once per window by default (``cfg.window_batch``, docs/math.md
section 11: the window's pairs share their targets, and NS then draws its K noise words once per
window, ``cfg.shared_noise``);
``window_batch=False`` (``--no-window-batch``, or ``--no-shared-noise`` for NS) is word2vec.c's
pair-by-pair scheme. ``--loss hs+ns`` (word2vec.c's ``-hs 1 -negative K``) trains both losses on
every input into one e: ``w2v.w_out`` is then W_out and ``w2v.inner_nodes`` Θ, handed to the kernel
as its ``theta``.

Memory: the model (V·d per matrix), the encoded corpus (int32 ids + sentence offsets;
:func:`w2v_scratch.corpus.read.encode_memmap` writes them to disk for corpora larger than memory), O(V) tables.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .checkpoint import NO_CHECKPOINTS
from ..corpus.read import Corpus
from ..base.errors import ConfigError, DivergenceError
from ..base.splitmix import GOLDEN, MIX1, MIX2, mix64
from .history import check_loss, check_vectors, describe, epoch_record, mean_losses
from .kernel_inputs import Tables, corpus_arrays
from .kernel_inputs import ctx_scale as kernel_ctx_scale
from .monitor import FixedSample
from .progress import above

SLICE_WORDS = 50_000  # raw words per kernel call
REPORT_SECONDS = 0.25  # progress-bar refresh interval


def _kernels():
    from w2v_scratch.kernels import cpu  # deferred: compiling/loading the Numba kernels takes a while

    return cpu


def _seed_state(seed: int, thread: int, epoch: int) -> np.ndarray:
    """A uint64[1] LCG state from (seed, thread, epoch) through splitmix64."""
    return np.array([mix64(seed * GOLDEN + thread * MIX1 + epoch * MIX2 + 1)], dtype=np.uint64)


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


@dataclass
class Plan:
    """What every worker of a run shares: the arrays, the tables, each thread's slices of the
    corpus, and the per-thread counters the kernel writes."""

    cfg: object
    ids: np.ndarray
    offsets: np.ndarray
    w_in: np.ndarray      # W_in (V×d)
    w_out: np.ndarray     # the output table: W_out (NS, hs+ns) or Θ (HS)
    tables: Tables
    work: list            # per thread: [(first sentence, end sentence), ...] slices
    progress: np.ndarray  # per-thread raw-word counters, cpu.SLOT apart (one cache line each)
    stats: list           # per thread: float64[cpu.N_STATS]
    lr_now: list          # per thread: the rate its last slice ended with
    theta: np.ndarray | None = None  # Θ beside W_out with both losses (hs+ns), else None

    @property
    def threads(self) -> int:
        return len(self.work)

    @property
    def total_words(self) -> int:
        return self.cfg.epochs * int(self.offsets[-1])

    def totals(self) -> np.ndarray:
        return sum(s.copy() for s in self.stats)


@dataclass
class Position:
    """Where an epoch stands: enough to resume it exactly (with one thread, bit for bit)."""

    epoch: int
    next_slice: list        # per thread: index of its next slice
    rng: list               # per thread: uint64[1] LCG state
    slice_losses: list      # per thread: [[loss sum, loss examples], ...] of its finished slices
    start_stats: np.ndarray  # Plan.totals() when the epoch began
    seconds: float = 0.0    # training seconds of the epoch before this pass
    resumed: bool = field(default=False)

    @classmethod
    def start(cls, plan: Plan, epoch: int) -> "Position":
        n = plan.threads
        return cls(epoch, [0] * n, [_seed_state(plan.cfg.seed, t, epoch) for t in range(n)],
                   [[] for _ in range(n)], plan.totals())

    def done(self, plan: Plan) -> bool:
        return all(self.next_slice[t] >= len(plan.work[t]) for t in range(plan.threads))

    def to_state(self, plan: Plan) -> dict:
        return {"backend": "cpu", "epoch": self.epoch, "next_slice": list(self.next_slice),
                "rng": [int(r[0]) for r in self.rng], "slice_losses": [list(s) for s in self.slice_losses],
                "epoch_start_stats": self.start_stats.tolist(), "seconds": self.seconds,
                "progress": plan.progress.tolist(), "stats": [s.tolist() for s in plan.stats]}

    @classmethod
    def from_state(cls, plan: Plan, state: dict) -> "Position":
        n = plan.threads
        if len(state["next_slice"]) != n:
            raise ConfigError(f"the checkpoint was written with {len(state['next_slice'])} threads: resume with "
                              f"--threads {len(state['next_slice'])}")
        plan.progress[:] = np.asarray(state["progress"], np.int64)
        for t in range(n):
            plan.stats[t][:] = state["stats"][t]
        return cls(int(state["epoch"]), [int(k) for k in state["next_slice"]],
                   [np.array([int(r)], np.uint64) for r in state["rng"]],
                   [[list(x) for x in s] for s in state["slice_losses"]],
                   np.asarray(state["epoch_start_stats"], np.float64), float(state["seconds"]), True)

    def batch_losses(self) -> list[float]:
        """The slices' mean losses in training order: every worker's k-th slice, then the k+1-th."""
        rows = [s[k] for k in range(max(map(len, self.slice_losses), default=0))
                for s in self.slice_losses if k < len(s)]
        return mean_losses([r[0] for r in rows], [r[1] for r in rows])


def plan(w2v, corpus: Corpus, cfg) -> Plan:
    """Check the arrays and cut the corpus into each thread's slices."""
    cpu = _kernels()
    if cfg.loss not in ("ns", "hs", "hs+ns"):
        raise ConfigError(f"the cpu backend trains --loss ns, hs or hs+ns, not {cfg.loss!r}: use --backend reference")
    theta = w2v.inner_nodes if cfg.loss == "hs+ns" else None
    tables = [("w_in", w2v.w_in), ("w_out", w2v.w_out)] + ([("inner_nodes", theta)] if cfg.loss == "hs+ns" else [])
    for name, arr in tables:
        if arr is None or arr.dtype != np.float32 or not arr.flags.c_contiguous:
            raise ConfigError(f"the {name} matrix must be a C-contiguous float32 array")
    ids, offsets = corpus_arrays(corpus.ids, corpus.offsets)  # read-only: one compile, mapped or not
    n = cfg.threads
    return Plan(cfg, ids, offsets, w2v.w_in, w2v.w_out, Tables(w2v.vocab, cfg),
                [slices(offsets, lo, hi) for lo, hi in partition(offsets, n)],
                np.zeros(n * cpu.SLOT, np.int64), [np.zeros(cpu.N_STATS) for _ in range(n)], [float(cfg.lr)] * n,
                theta)


def train_slice(plan: Plan, t: int, pos: Position) -> None:
    """Thread ``t`` trains its next slice (the kernel releases the GIL) and records its loss."""
    cpu, cfg, tb = _kernels(), plan.cfg, plan.tables
    lo, hi = plan.work[t][pos.next_slice[t]]
    before = plan.stats[t].copy()
    where = f"in epoch {pos.epoch + 1}"
    try:
        plan.lr_now[t] = cpu.train_chunk(
            plan.ids, plan.offsets, lo, hi, *_flat(plan), tb.keep, tb.alias_prob, tb.alias_idx, tb.codes,
            tb.points, tb.lengths, cfg.model == "sg", cfg.loss != "ns", cfg.window, cfg.negative, bool(cfg.cbow_mean),
            np.float32(kernel_ctx_scale(cfg)), _float32(cfg.lr), _float32(cfg.min_lr), plan.total_words,
            plan.progress, t * cpu.SLOT, pos.rng[t], plan.stats[t], True, bool(cfg.shared_noise),
            bool(cfg.window_batch), **_both(plan))
    except (ZeroDivisionError, FloatingPointError):
        # The kernels run with fastmath (no NaN assumed): once a vector has overflowed, a score is NaN and
        # Numba's division-by-zero guard on 1/(1 + e^-|f|) fires. Only a diverged run gets here.
        raise DivergenceError(f"training diverged {where}: the vectors overflowed and hold NaN/inf; "
                              f"lower --lr (now {cfg.lr:g})") from None
    delta = plan.stats[t] - before
    pos.slice_losses[t].append([float(delta[cpu.ST_LOSS]), float(delta[cpu.ST_LOSS_PAIRS])])
    pos.next_slice[t] += 1
    if delta[cpu.ST_LOSS_PAIRS] > 0:  # every slice, whatever the timing: NaN, or far above the untrained loss
        check_loss(float(delta[cpu.ST_LOSS]) / float(delta[cpu.ST_LOSS_PAIRS]), cfg, plan.w_in.shape[0], where)


def _flat(plan: Plan) -> tuple:
    """The kernel's view of the tables: (w_in, w_out, d), each table a flat float32 array of rows of d."""
    return plan.w_in.reshape(-1), plan.w_out.reshape(-1), plan.w_in.shape[1]


def _both(plan: Plan) -> dict:
    """The kernel's ``theta`` (Θ, flat) with both losses; nothing otherwise, so a one-loss run calls
    the kernel's one-loss compile."""
    return {} if plan.theta is None else {"theta": plan.theta.reshape(-1)}


def _float32(x: float) -> np.float32:
    """A rate as the kernels take it; one beyond float32's range becomes inf (and the run a divergence)."""
    with np.errstate(over="ignore"):
        return np.float32(x)


def run_pass(plan: Plan, pos: Position, checkpointer, on_report) -> None:
    """Run the workers until the epoch is done or a checkpoint is due (each worker then stops at
    its next slice boundary). ``on_report()`` runs on the main thread about every
    REPORT_SECONDS while they work."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            trained = 0
            while pos.next_slice[t] < len(plan.work[t]) and not stop.is_set():
                if trained and checkpointer.due():
                    stop.set()
                    break
                train_slice(plan, t, pos)
                trained += 1
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(plan.threads)]
    for th in threads:
        th.start()
    try:
        while any(th.is_alive() for th in threads):
            deadline = time.monotonic() + REPORT_SECONDS
            for th in threads:
                th.join(timeout=max(0.0, deadline - time.monotonic()))
            on_report()
    finally:
        stop.set()
        for th in threads:
            th.join()
    if errors:
        raise errors[0]


def finish_epoch(plan: Plan, pos: Position, seconds: float, fixed: FixedSample) -> dict:
    """The epoch's record (``history.py``); a non-finite loss or vector is a divergence."""
    cpu = _kernels()
    ep = plan.totals() - pos.start_stats
    loss = ep[cpu.ST_LOSS] / max(ep[cpu.ST_LOSS_PAIRS], 1.0)
    where = f"in epoch {pos.epoch + 1}"
    check_loss(loss, plan.cfg, plan.w_in.shape[0], where)
    check_vectors({"center": plan.w_in, "output": plan.w_out, "inner_nodes": plan.theta}, plan.cfg, where)
    return epoch_record(pos.epoch + 1, loss=loss, eval_loss=fixed.loss(plan.w_in, plan.w_out, plan.theta),
                        seconds=seconds, words=ep[cpu.ST_RAW], trained_words=ep[cpu.ST_KEPT],
                        examples=ep[cpu.ST_PAIRS], lr_end=min(plan.lr_now), batch_losses=pos.batch_losses())


def checkpoint(w2v, plan: Plan, pos: Position, checkpointer) -> None:
    """Save the model with ``pos`` as its resume position; raise ``Interrupted`` after a Ctrl-C."""
    w2v.state["resume"] = pos.to_state(plan)
    checkpointer.save(w2v)
    del w2v.state["resume"]
    checkpointer.check_stop()


def warm_up(plan: Plan) -> float:
    """Compile (or load from the on-disk cache) the kernel for the very arrays training passes —
    a memory-mapped, read-only corpus is a type of its own — on an empty range of sentences,
    so no compile lands in a timed epoch; returns the seconds it took."""
    cpu, cfg, tb = _kernels(), plan.cfg, plan.tables
    t0 = time.perf_counter()
    cpu.train_chunk(plan.ids, plan.offsets, 0, 0, *_flat(plan), tb.keep, tb.alias_prob, tb.alias_idx, tb.codes,
                    tb.points, tb.lengths, cfg.model == "sg", cfg.loss != "ns", cfg.window, cfg.negative,
                    bool(cfg.cbow_mean), np.float32(1.0), _float32(cfg.lr), _float32(cfg.min_lr), 1,
                    np.zeros(cpu.SLOT, np.int64), 0, _seed_state(0, 0, 0), np.zeros(cpu.N_STATS), True,
                    bool(cfg.shared_noise), bool(cfg.window_batch), **_both(plan))
    return time.perf_counter() - t0


def train(w2v, corpus: Corpus, cfg, progress: bool = True, log=None, checkpointer=None, on_epoch=None) -> None:
    """Train ``w2v`` (weights allocated by ``init_weights``) on the encoded ``corpus`` in place.

    Appends one record per epoch to ``w2v.history`` (``history.py``), then calls
    ``on_epoch(record)`` when given (``Word2Vec``'s callbacks), and puts
    ``compile_seconds`` and ``train_seconds`` in ``w2v.state``. With a ``checkpointer``
    (``checkpoint.py``), when a checkpoint is due every worker stops at its next slice boundary,
    the :class:`Position` goes into ``w2v.state["resume"]`` and the model is saved; training
    then carries on (or raises ``Interrupted`` after a Ctrl-C). A model whose state holds
    ``"resume"`` carries on from it, so with ``threads=1`` a resumed run ends bit for bit where
    an uninterrupted one does.
    """
    checkpointer = checkpointer or NO_CHECKPOINTS
    log = log or (lambda msg: print(msg, file=sys.stderr))
    p = plan(w2v, corpus, cfg)
    compile_seconds = warm_up(p)
    w2v.state["compile_seconds"] = compile_seconds
    fixed = FixedSample(corpus, w2v.vocab, cfg)
    resume = w2v.state.pop("resume", None)
    pos = Position.from_state(p, resume) if resume is not None else None
    start_words = int(p.progress.sum())
    bar = _progress_bar(p, start_words) if progress else None
    say = above(bar, log)
    train_start = time.perf_counter()
    try:
        for epoch in range(pos.epoch if pos else len(w2v.history), cfg.epochs):
            if pos is None or pos.epoch != epoch:
                pos = Position.start(p, epoch)
            while True:  # one pass of the workers; a checkpoint ends a pass early
                start = time.perf_counter()
                run_pass(p, pos, checkpointer, _reporter(p, pos, bar))
                pos.seconds += time.perf_counter() - start
                if pos.done(p):
                    break
                checkpoint(w2v, p, pos, checkpointer)
            record = finish_epoch(p, pos, pos.seconds, fixed)
            w2v.history.append(record)
            say(describe(record, cfg.epochs))
            if on_epoch is not None:
                on_epoch(record)
            if checkpointer.due() and epoch + 1 < cfg.epochs:
                checkpoint(w2v, p, Position.start(p, epoch + 1), checkpointer)
    finally:
        if bar is not None:
            bar.close()
    train_seconds = time.perf_counter() - train_start
    w2v.state.update(compile_seconds=compile_seconds, train_seconds=train_seconds,
                     words_per_sec=(int(p.progress.sum()) - start_words) / train_seconds if train_seconds > 0 else 0.0,
                     backend="cpu", threads=p.threads)


def _progress_bar(p: Plan, start_words: int):
    from tqdm import tqdm  # deferred: only runs with a progress bar need it

    return tqdm(total=p.total_words, initial=start_words, unit="word", unit_scale=True, desc="training",
                leave=False, dynamic_ncols=True, smoothing=0.1)


def _reporter(p: Plan, pos: Position, bar):
    """What the main thread does while the workers run: advance the bar, show the last slice's
    loss, stop at a non-finite loss. What it shows depends on timing; what is recorded does not."""
    shown = [int(p.progress.sum())]

    def report() -> None:
        last = [s[-1] for s in pos.slice_losses if s and s[-1][1] > 0]
        running = sum(r[0] for r in last) / sum(r[1] for r in last) if last else None
        if running is not None:  # each slice is checked as it ends (train_slice); this only stops sooner
            check_loss(running, p.cfg, p.w_in.shape[0], f"in epoch {pos.epoch + 1}")
        if bar is not None:
            words = int(p.progress.sum())
            bar.update(words - shown[0])
            shown[0] = words
            bar.set_postfix(epoch=f"{pos.epoch + 1}/{p.cfg.epochs}", lr=f"{min(p.lr_now):.5f}",
                            loss="-" if running is None else f"{running:.4f}", refresh=False)

    return report
