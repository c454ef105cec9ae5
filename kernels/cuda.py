r"""Numba CUDA kernels: word2vec's SGD with one warp per sentence.

Like ``kernels/cpu.py`` this module imports nothing from the library: kernels
take device arrays and scalars, the launch wrappers take NumPy/device arrays.
``w2v_scratch/training/trainer_cuda.py`` drives them. Names as in docs/math.md's glossary:
``w_in`` is W_in, ``w_out`` the output table (W_out for NS, Θ for HS), both V×d (Θ: (V−1)×d)
device matrices; ``word`` the center word of a window (in ``hs_targets``, the word whose path is
walked: the center for CBOW, a context word for skip-gram HS); ``x`` the input vector (a W_in row, or
CBOW's h); ``u`` the target rows held in registers; ``f`` a score, ``g`` = α(y − σ(f)) a step,
``e`` the input side's accumulated step.

Mapping (one *warp* per sentence, lanes over dimensions)
--------------------------------------------------------
* The encoded corpus (int32 ids + int64 sentence offsets) and both matrices stay
  on the device for the whole run. Sentences are pseudo-sentences of at most
  ~1000 raw words (split once on the host), so a corpus gives thousands of warps.
* Each epoch, :func:`subsample_kernel` (one thread per sentence) keeps word w at
  position p with probability ``keep_prob[w]`` using a counter-based hash of
  (seed, epoch, p) and compacts each sentence's kept words in place of its raw
  slot (``kept_ids[offsets[s] : offsets[s] + kept_len[s]]``). No host work per
  sentence, and the same decisions whatever the launch configuration.
* The training kernel gives each warp one sentence. Lane ``l`` holds dimensions
  ``l, l+32, l+64, …`` (``DPL = ⌈d/32⌉`` float32 registers per row), so row loads
  and stores are coalesced. A dot product is a per-lane partial sum followed by
  a butterfly ``shfl_xor_sync`` reduction that leaves the total in every lane (no
  barrier). All the dot products of one step (1+K for NS, a chunk of path nodes
  for HS) are reduced together.
* Hogwild across warps: no locks; rows are updated in place with atomic adds
  (or plain read-modify-write stores with ``atomic=False``).

Reuse (what cuts memory traffic)
--------------------------------
Skip-gram with negative sampling (word2vec.c's orientation: each context word's
W_in row is the input x, the center word the target). For the center ``word`` at kept
position i (window radius R = W − b, b uniform in [0, W)), the warp

1. loads the window's K+1 *target* rows once into registers: the center's output
   row W_out[word] (label 1) and K noise rows drawn once for the whole window
   (label 0; a noise word equal to ``word`` is skipped, as word2vec.c skips a draw equal
   to the target), keeping a copy of them as loaded in shared memory (thread-local memory
   where they do not fit: :func:`block_plan`);
2. for every context word in the window (``input_word``): loads its input row x, takes
   one logistic step on the K+1 cached targets, adds x += e at once, and updates the
   cached target rows in registers, so later
   pairs of the window see them updated exactly as sequential SGD would (except
   a noise word drawn twice: its two copies each see only their own updates);
3. writes each target row's accumulated change (final − as loaded) once.

(The NumPy reference of this step is ``w2v_scratch.textbook.window.hogbatch_step``.)
This is Ji et al.'s HogBatch sharing: the negatives are shared by the context
words that predict the same center. The opposite sharing — the center's input row
cached and the same K noise words used against every context word of its window —
trains worse vectors (docs/benchmarks.md, "GPU", has the comparison). Per center with 2R
context words, memory traffic drops from 2R·(2 + 2(K+1))·d floats (each pair reads and writes
its input row and K+1 target rows) to (2(K+1) + 2·2R)·d (3.5× fewer at R = 3, K = 5); hot rows
then mostly hit the L2.

Hierarchical softmax (skip-gram): the center's input row x is cached for the
window and every context word's Huffman path is walked chunk by chunk (path rows
updated in place); x gets the window's accumulated gradient once at the end.
CBOW: h = mean (or sum) of the window's input rows, computed once per center by
the warp; then one step on the center (NS: its output row + K noise rows; HS: its
path), then every context row gets ``ctx_scale · e`` (word2vec.c: 1).

Updates: ``cuda.atomic.add`` (``atomic=True``, the default; its old value is
never used), or
plain read-modify-write stores (``atomic=False``: Hogwild, but with thousands of
warps in flight they lose each other's updates to hot rows and quality drops;
docs/benchmarks.md has both).

Numerics: σ(f) is exact, clipped to 0/1 for |f| > 6 with NS; HS skips nodes with
|f| ≥ 6 (word2vec.c). The loss per pair is the exact −log σ(±f) in float32,
summed per sentence in float32 and stored per sentence in float64; the host
reduces. float32 everywhere else: every constant in a kernel body is
``np.float32``/``np.uint64`` (a Python float literal would make the arithmetic
float64; ``tests/test_kernels_cuda.py`` scans this file for them).

Randomness: a splitmix64 generator in registers, one state per warp (every lane
runs the same sequence, so all lanes agree on the window radius and the noise
words without a broadcast), seeded from (seed, epoch, sentence). One 64-bit draw
gives a 32-bit column for the alias table *and* a 24-bit uniform for its
coin (Numba's xoroshiro gives only 24-bit floats in all). ``tests/test_kernels_cuda.py``
holds exact host twins of the generator and of the subsampling kernel.

Learning rate: per center from its position in the run, the project's schedule
``α0 − (α0 − α_min)·min(p, 1)`` (docs/math.md, "Learning rate") with
``p = (epoch·N + offsets[s] + i·raw_len/kept_len) / (epochs·N)`` (raw words before
subsampling), so it does not depend on which warp ran when.

Reduction selection: the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) has no warp
shuffles; at import time :data:`SIMULATOR` picks a shared-memory reduction with
``syncthreads`` (and one warp per block) instead. The simulator checks logic,
not speed.
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np
from numba import cuda

# What numba itself decided when it was first imported (the variable is read once, then):
SIMULATOR = bool(int(getattr(getattr(cuda, "config", None), "ENABLE_CUDASIM",
                             os.environ.get("NUMBA_ENABLE_CUDASIM", "0")) or 0))

WARP = 32
FULL_MASK = 0xFFFFFFFF
DEFAULT_WARPS_PER_BLOCK = 1 if SIMULATOR else 4
HS_CHUNK = 8  # path nodes reduced together (4 above d = 128)
SHARED_BYTES = 48 * 1024  # static shared memory a block may use (numba-cuda cannot opt into more)

F0 = np.float32(0.0)
F1 = np.float32(1.0)
MAX_EXP = np.float32(6.0)
INV24 = np.float32(1.0 / (1 << 24))

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
U24 = np.uint64(24)
U27 = np.uint64(27)
U30 = np.uint64(30)
U31 = np.uint64(31)
U32 = np.uint64(32)
MASK24 = np.uint64((1 << 24) - 1)
MASK64 = (1 << 64) - 1


def _device(fn):
    if SIMULATOR:
        return cuda.jit(device=True)(fn)
    return cuda.jit(device=True, forceinline=True)(fn)


def _kernel(fn):
    if SIMULATOR:
        return cuda.jit(fn)
    return cuda.jit(fastmath=True)(fn)


# ---------------------------------------------------------------------------
# Random numbers: splitmix64 (device) and its exact host twin
# ---------------------------------------------------------------------------
@_device
def mix64(z):
    """splitmix64's finaliser: a bijective 64-bit hash (uint64 → uint64)."""
    z = (z ^ (z >> U30)) * MIX1
    z = (z ^ (z >> U27)) * MIX2
    return z ^ (z >> U31)


@_device
def below(r, n):
    """A uniform integer in [0, n) from the high 32 bits of the draw r (multiply-shift)."""
    return np.int64(((r >> U32) * np.uint64(n)) >> U32)


@_device
def unit24(r):
    """A uniform float32 in [0, 1) from the low 24 bits of the draw r."""
    return np.float32(r & MASK24) * INV24


@_device
def alias_draw(r, prob, alias):
    col = below(r, prob.shape[0])
    if unit24(r) < prob[col]:
        return np.int32(col)
    return alias[col]


def host_mix64(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def epoch_key(seed: int, epoch: int) -> int:
    """The 64-bit key of one epoch: every random decision of the epoch derives from it."""
    return host_mix64((seed & MASK64) + 0x9E3779B97F4A7C15 * (epoch + 1))


# ---------------------------------------------------------------------------
# Per-epoch subsampling on the device
# ---------------------------------------------------------------------------
@_kernel
def subsample_kernel(ids, offsets, keep_prob, key, kept_ids, kept_len):
    """One thread per sentence: keep each word with probability keep_prob[w] (hash of (key, position)),
    compacting the kept ids to the start of the sentence's slot."""
    s = cuda.grid(1)
    if s >= kept_len.shape[0]:
        return
    start = offsets[s]
    end = offsets[s + 1]
    n = start
    for p in range(start, end):
        w = ids[p]
        r = mix64(key ^ (np.uint64(p) * GOLDEN))
        if unit24(r) < keep_prob[w]:
            kept_ids[n] = w
            n += 1
    kept_len[s] = np.int32(n - start)


# ---------------------------------------------------------------------------
# Warp reductions, chosen at import time
# ---------------------------------------------------------------------------
def _make_reduce(n_values: int):
    """``reduce(vals, red, warp, lane)``: replace vals[0:n_values] (per-lane partial sums) by the
    sums over the warp's 32 lanes, in every lane."""
    if SIMULATOR:
        @_device
        def reduce(vals, red, warp, lane):
            for k in range(n_values):
                red[warp, k, lane] = vals[k]
            cuda.syncthreads()
            for k in range(n_values):
                acc = F0
                for m in range(WARP):
                    acc += red[warp, k, m]
                vals[k] = acc
            cuda.syncthreads()
    else:
        @_device
        def reduce(vals, red, warp, lane):
            for k in range(n_values):
                v = vals[k]
                v += cuda.shfl_xor_sync(FULL_MASK, v, 16)
                v += cuda.shfl_xor_sync(FULL_MASK, v, 8)
                v += cuda.shfl_xor_sync(FULL_MASK, v, 4)
                v += cuda.shfl_xor_sync(FULL_MASK, v, 2)
                v += cuda.shfl_xor_sync(FULL_MASK, v, 1)
                vals[k] = v
    return reduce


@_device
def sigmoid_clipped(f):
    if f > MAX_EXP:
        return F1
    if f < -MAX_EXP:
        return F0
    return F1 / (F1 + math.exp(-f))


@_device
def softplus(f):
    """log(1 + e^f) in float32, stable: −log σ(−f)."""
    a = f if f > F0 else -f
    return (f if f > F0 else F0) + math.log1p(math.exp(-a))


@_device
def logistic(f, label, alpha, skip_saturated):
    """One binary logistic term with score f and label y (``label``) — the unit NS and HS are both
    made of (kernels/cpu.py's ``logistic_step``): returns (g, loss) with g = alpha·(y − σ(f)) and the
    exact loss softplus((1 − 2y)·f) = −log σ((2y − 1)·f). word2vec.c's departure within one logistic
    term is this one branch: with ``skip_saturated`` (HS) a node with |f| ≥ 6 gets g = 0;
    otherwise (NS) σ is clipped to 1 / 0 beyond ±6."""
    loss = softplus(f if label == F0 else -f)
    if skip_saturated and (f <= -MAX_EXP or f >= MAX_EXP):
        return F0, loss
    return alpha * (label - sigmoid_clipped(f)), loss


@_device
def learning_rate(alpha0, min_alpha, progress0, inv_total, raw_pos):
    """α0 − (α0 − α_min)·min(p, 1) with p = progress0 + raw_pos/(epochs·N): the run's linear decay
    (``w2v_scratch.textbook.optim.linear_decay``) at the corpus position ``raw_pos`` of this epoch."""
    p = min(progress0 + np.float32(raw_pos) * inv_total, F1)
    return alpha0 - (alpha0 - min_alpha) * p


# ---------------------------------------------------------------------------
# The training kernels
# ---------------------------------------------------------------------------
_CACHE: dict = {}


def block_plan(model: str, loss: str, dim: int, negative: int, warps_per_block: int) -> tuple[int, bool]:
    """(warps per block, whether skip-gram NS's saved target rows live in shared memory).

    Skip-gram NS keeps each window's K+1 target rows as loaded, for the write-back of their
    change: (K+1)·⌈d/32⌉·32 floats per warp. A block may hold at most SHARED_BYTES of static
    shared memory, so fewer warps go in a block when they do not fit, and when not even one
    warp fits the rows go to thread-local memory instead (slower, but any d and K run).
    The other kernels need no shared memory outside the simulator (they declare only a 32-float
    placeholder for the saved rows and a 1-float one for the reduction)."""
    if SIMULATOR:
        warps_per_block = 1  # simulator barriers are block-wide: one warp per block
    if not (model == "sg" and loss == "ns"):
        return warps_per_block, True
    per_warp = (negative + 1) * ((dim + WARP - 1) // WARP) * WARP * 4
    if per_warp > SHARED_BYTES:
        return warps_per_block, False
    return max(1, min(warps_per_block, SHARED_BYTES // per_warp)), True


@dataclasses.dataclass(frozen=True)
class Shape:
    """Everything a kernel fixes at compile time (local-array sizes must be plain constants)."""

    D: int          # vector dimension d
    DPL: int        # dimensions per lane, ⌈d/32⌉
    K: int          # noise words (NS), 0 for HS
    W: int          # window
    HSC: int        # HS path nodes reduced together
    NT: int         # target rows per step: K+1 (NS) or HSC (HS)
    NTD: int        # NT·DPL
    WPB: int        # warps per block
    INIT_SHARED: bool
    INIT_W: int     # skip-gram NS saved-rows array: (INIT_W, INIT_K, 32) shared or (1, INIT_K, 1) local
    INIT_K: int
    RED: tuple      # the simulator's reduction scratch (warps, values, lanes)
    ATOMIC: bool
    MEAN: bool
    SG: bool

    @classmethod
    def of(cls, model, loss, dim, negative, window, atomic, cbow_mean, warps_per_block) -> "Shape":
        dpl = (dim + WARP - 1) // WARP
        k = negative if loss == "ns" else 0
        hsc = HS_CHUNK if dpl <= 4 else HS_CHUNK // 2  # fewer path rows in registers at large d
        nt = k + 1 if loss == "ns" else hsc
        wpb, init_shared = block_plan(model, loss, dim, negative, warps_per_block)
        init_w, init_k = (1, 1)
        if loss == "ns" and model == "sg":
            init_w, init_k = (wpb, nt * dpl) if init_shared else (1, nt * dpl)
        red = (wpb, nt, WARP) if SIMULATOR else (1, 1, 1)
        return cls(dim, dpl, k, window, hsc, nt, nt * dpl, wpb, init_shared, init_w, init_k, red, atomic,
                   cbow_mean, model == "sg")


def _row_ops(c: Shape):
    """Row traffic of one warp (lane l holds dimensions l, l+32, …) and the warp's dot products."""
    D, DPL, NT, ATOMIC = c.D, c.DPL, c.NT, c.ATOMIC
    reduce = _make_reduce(NT)

    @_device
    def load_row(mat, row, lane, dst, base):
        """dst[base : base + DPL] = mat[row] (this lane's dimensions; 0 beyond d)."""
        for q in range(DPL):
            j = lane + WARP * q
            dst[base + q] = mat[row, j] if j < D else F0

    @_device
    def add_row(mat, row, lane, vals, base):
        """mat[row] += vals[base : base + DPL] (this lane's dimensions)."""
        for q in range(DPL):
            j = lane + WARP * q
            if j < D:
                if ATOMIC:
                    cuda.atomic.add(mat, (row, j), vals[base + q])
                else:
                    mat[row, j] += vals[base + q]

    @_device
    def dots(fg, u, x, n, red, warp, lane):
        """fg[k] = f_k = x · u_k for k < n (0 beyond), summed over the warp, in every lane (u holds the
        target rows u_k, DPL values each)."""
        for k in range(NT):
            acc = F0
            if k < n:
                for q in range(DPL):
                    acc += u[k * DPL + q] * x[q]
            fg[k] = acc
        reduce(fg, red, warp, lane)

    return load_row, add_row, dots


def _hs_unit(c: Shape, ops):
    """Hierarchical softmax of one input vector toward one word, along its path."""
    D, DPL, HSC, ATOMIC = c.D, c.DPL, c.HSC, c.ATOMIC
    load_row, add_row, dots = ops

    @_device
    def hs_targets(x, e, word, codes, points, lengths, w_out, alpha, fg, u, red, warp, lane):
        """Hierarchical softmax of input x toward ``word``, chunk by chunk along its path: a logistic
        step per node (label 1 − code; nodes with |f| ≥ 6 skipped), e += g θ (old), θ += g x.
        Returns the loss (summed over the path, skipped nodes included)."""
        total = F0
        n = lengths[word]
        for c0 in range(0, n, HSC):
            m = min(HSC, n - c0)
            for k in range(HSC):  # static bounds keep the chunk in registers
                if k < m:
                    load_row(w_out, points[word, c0 + k], lane, u, k * DPL)
            dots(fg, u, x, m, red, warp, lane)
            for k in range(HSC):
                if k >= m:
                    continue
                g, loss = logistic(fg[k], F1 - np.float32(codes[word, c0 + k]), alpha, True)
                total += loss
                if g != F0:
                    node = points[word, c0 + k]
                    for q in range(DPL):
                        j = lane + WARP * q
                        if j < D:
                            e[q] += g * u[k * DPL + q]
                            if ATOMIC:
                                cuda.atomic.add(w_out, (node, j), g * x[q])
                            else:
                                w_out[node, j] += g * x[q]
        return total

    return hs_targets


def _ns_targets(c: Shape, ops):
    """Negative sampling's targets of one window: the positive and K noise words, their rows loaded."""
    DPL, NT = c.DPL, c.NT
    load_row = ops[0]

    @_device
    def load_ns_targets(state, word, w_out, alias_prob, alias_idx, targets, u, lane):
        """targets[0] = ``word`` (the positive, label 1), targets[1..K] = K noise words drawn from the
        alias table (label 0; each draw advances the generator ``state``), and their W_out rows into
        ``u`` (this lane's dimensions). Returns the generator state."""
        for k in range(NT):
            if k == 0:
                nk = word
            else:
                state = state + GOLDEN
                nk = alias_draw(mix64(state), alias_prob, alias_idx)
            targets[k] = nk
            load_row(w_out, nk, lane, u, k * DPL)
        return state

    return load_ns_targets


def _skipgram_windows(c: Shape, ops, hs_targets, load_ns_targets):
    """What a skip-gram warp does with one window: NS (HogBatch) or HS."""
    DPL, NT = c.DPL, c.NT
    load_row, add_row, dots = ops

    @_device
    def sg_ns_window(state, word, i, lo, hi, base, kept_ids, w_in, w_out, alias_prob, alias_idx, alpha, x, e, fg, u,
                     u0, iw, il, targets, red, warp, lane):
        """Skip-gram NS, HogBatch sharing (the NumPy reference: ``w2v_scratch.textbook.window.hogbatch_step``):
        the T = K+1 targets u_t — the center ``word``'s W_out row (y = 1) and K noise rows (y = 0) — are
        loaded once as copies (``u``; kept as loaded in ``u0``); then each context word's input row x
        (``input_word``) takes, in order,

            f_t = x·u_t;  g_t = α(y_t − σ(f_t));  e = Σ_t g_t·u_t;  u_t += g_t·x;  x += e

        (a noise word equal to the center gets g = 0); finally w_out[targets[t]] += u_t − u0_t.
        Returns (generator state, loss, pairs)."""
        state = load_ns_targets(state, word, w_out, alias_prob, alias_idx, targets, u, lane)
        for k in range(NT):
            for q in range(DPL):
                u0[iw, k * DPL + q, il] = u[k * DPL + q]
        total = F0
        pairs = 0
        for p in range(lo, hi):
            if p == i:
                continue
            input_word = kept_ids[base + p]
            pairs += 1
            load_row(w_in, input_word, lane, x, 0)
            dots(fg, u, x, NT, red, warp, lane)
            for k in range(NT):  # fg[k]: the score f_k, then its step g_k
                g = F0
                if k == 0 or targets[k] != word:
                    g, loss = logistic(fg[k], F1 if k == 0 else F0, alpha, False)
                    total += loss
                fg[k] = g
            for q in range(DPL):
                acc = F0
                for k in range(NT):
                    acc += fg[k] * u[k * DPL + q]
                    u[k * DPL + q] += fg[k] * x[q]
                e[q] = acc
            add_row(w_in, input_word, lane, e, 0)
        for k in range(NT):
            for q in range(DPL):
                u[k * DPL + q] = u[k * DPL + q] - u0[iw, k * DPL + q, il]
            add_row(w_out, targets[k], lane, u, k * DPL)
        return state, total, pairs

    @_device
    def sg_hs_window(word, i, lo, hi, base, kept_ids, w_in, w_out, codes, points, lengths, alpha, x, e, fg, u, red,
                     warp, lane):
        """Skip-gram HS in the paper's direction: the center ``word``'s input row x, cached for the
        window, predicts each context word along its path (:func:`hs_targets`); then x += e, the
        window's accumulated step, once at the end. Returns (loss, pairs)."""
        load_row(w_in, word, lane, x, 0)
        for q in range(DPL):
            e[q] = F0
        total = F0
        pairs = 0
        for p in range(lo, hi):
            if p != i:
                pairs += 1
                total += hs_targets(x, e, kept_ids[base + p], codes, points, lengths, w_out, alpha, fg, u, red,
                                    warp, lane)
        add_row(w_in, word, lane, e, 0)
        return total, pairs

    return sg_ns_window, sg_hs_window


def _cbow_window(c: Shape, ops, hs_targets, load_ns_targets):
    """What a CBOW warp does with one window."""
    D, DPL, K, NT = c.D, c.DPL, c.K, c.NT
    MEAN = c.MEAN
    load_row, add_row, dots = ops

    @_device
    def cbow_window(state, word, i, lo, hi, base, kept_ids, w_in, w_out, alias_prob, alias_idx, codes, points,
                    lengths, alpha, ctx_scale, x, e, fg, u, targets, red, warp, lane):
        """CBOW: x = h = mean (or sum) of the window's W_in rows predicts the center ``word`` (NS: its
        W_out row and K noise rows drawn here, f_t = x·u_t, g_t = α(y_t − σ(f_t)), e = Σ_t g_t·u_t,
        u_t += g_t·x; HS: its path, :func:`hs_targets`); every context row then gets ``ctx_scale · e``
        (word2vec.c: 1; negative: 1/n). Returns (generator state, loss)."""
        for q in range(DPL):
            x[q] = F0
            e[q] = F0
        for p in range(lo, hi):
            if p != i:
                ctx_word = kept_ids[base + p]
                for q in range(DPL):
                    j = lane + WARP * q
                    if j < D:
                        x[q] += w_in[ctx_word, j]
        n_ctx = np.float32(hi - lo - 1)
        scale = ctx_scale if ctx_scale >= F0 else F1 / n_ctx
        if MEAN:
            for q in range(DPL):
                x[q] = x[q] / n_ctx
        if K > 0:
            state = load_ns_targets(state, word, w_out, alias_prob, alias_idx, targets, u, lane)
            dots(fg, u, x, NT, red, warp, lane)
            total = F0
            for k in range(NT):
                g = F0
                if k == 0 or targets[k] != word:
                    g, loss = logistic(fg[k], F1 if k == 0 else F0, alpha, False)
                    total += loss
                for q in range(DPL):
                    e[q] += g * u[k * DPL + q]
                    u[k * DPL + q] = g * x[q]
                add_row(w_out, targets[k], lane, u, k * DPL)
        else:
            total = hs_targets(x, e, word, codes, points, lengths, w_out, alpha, fg, u, red, warp, lane)
        for q in range(DPL):
            e[q] = e[q] * scale
        for p in range(lo, hi):
            if p != i:
                add_row(w_in, kept_ids[base + p], lane, e, 0)
        return state, total

    return cbow_window


def _kernel_fn(c: Shape, sg_ns_window, sg_hs_window, cbow_window):
    """The kernel (not yet compiled): one preamble for every model."""
    DPL, K, NT, NTD, W, WPB, SG = c.DPL, c.K, c.NT, c.NTD, c.W, c.WPB, c.SG
    INIT_SHARED, INIT_W, INIT_K = c.INIT_SHARED, c.INIT_W, c.INIT_K
    RED_W, RED_K, RED_L = c.RED

    def kernel(kept_ids, kept_len, offsets, first, stop, w_in, w_out, alias_prob, alias_idx, codes, points, lengths,
               key, alpha0, min_alpha, progress0, inv_total, ctx_scale, loss_out, pairs_out):
        """The one preamble: warp ``s − first`` takes sentence s, draws each kept position's window
        radius from the sentence's generator, sets its learning rate from its place in the run, and
        hands the window to the model's device function."""
        red = cuda.shared.array((RED_W, RED_K, RED_L), np.float32)  # the simulator's reduction
        if INIT_SHARED:
            u0 = cuda.shared.array((INIT_W, INIT_K, WARP), np.float32)
        else:
            u0 = cuda.local.array((1, INIT_K, 1), np.float32)
        warp = cuda.threadIdx.x // WARP
        lane = cuda.threadIdx.x % WARP
        s = first + cuda.blockIdx.x * WPB + warp
        if s >= stop:
            return
        iw = warp if INIT_SHARED else 0
        il = lane if INIT_SHARED else 0
        x = cuda.local.array(DPL, np.float32)
        e = cuda.local.array(DPL, np.float32)
        fg = cuda.local.array(NT, np.float32)
        u = cuda.local.array(NTD, np.float32)  # target rows: NS [positive, K noise]; HS a path chunk
        targets = cuda.local.array(NT, np.int32)
        base = offsets[s]
        raw_len = offsets[s + 1] - base
        L = kept_len[s]
        state = mix64(key ^ (np.uint64(s) * GOLDEN))
        sent_loss = F0
        pairs = np.int64(0)
        for i in range(L):
            state = state + GOLDEN
            b = below(mix64(state), W)
            lo = max(i - (W - b), 0)
            hi = min(i + (W - b) + 1, L)
            if hi - lo <= 1:
                continue
            word = kept_ids[base + i]
            alpha = learning_rate(alpha0, min_alpha, progress0, inv_total, base + (i * raw_len) // L)
            if SG and K > 0:
                state, loss, n = sg_ns_window(state, word, i, lo, hi, base, kept_ids, w_in, w_out, alias_prob,
                                              alias_idx, alpha, x, e, fg, u, u0, iw, il, targets, red, warp, lane)
            elif SG:
                loss, n = sg_hs_window(word, i, lo, hi, base, kept_ids, w_in, w_out, codes, points, lengths, alpha, x, e,
                                       fg, u, red, warp, lane)
            else:
                state, loss = cbow_window(state, word, i, lo, hi, base, kept_ids, w_in, w_out, alias_prob, alias_idx,
                                          codes, points, lengths, alpha, ctx_scale, x, e, fg, u, targets, red, warp,
                                          lane)
                n = 1
            sent_loss += loss
            pairs += n
        if lane == 0:
            loss_out[s] = np.float64(sent_loss)
            pairs_out[s] = pairs

    return kernel


def make_kernel(model: str, loss: str, dim: int, negative: int, window: int, atomic: bool = True,
                cbow_mean: bool = True, warps_per_block: int = DEFAULT_WARPS_PER_BLOCK):
    """The training kernel for (model, loss) with d, K and W fixed at compile time.

    ``model`` "sg" or "cbow", ``loss`` "ns" or "hs"; ``atomic``: update the rows with
    ``cuda.atomic.add`` (else plain read-modify-write stores; Hogwild
    either way); ``cbow_mean``: CBOW's h is the mean (else the sum) of the context rows.
    Signature (all kernels)::

        kernel(kept_ids, kept_len, offsets, first, stop, w_in, w_out,
               alias_prob, alias_idx, codes, points, lengths,
               key, alpha0, min_alpha, progress0, inv_total, ctx_scale, loss_out, pairs_out)

    sentence ``s`` (first ≤ s < stop) is run by warp ``s − first``; ``w_out`` is W_out (NS)
    or Θ (HS); unused tables may be 1-element dummies. ``ctx_scale`` (CBOW only): the factor
    on e added to each context row, negative for 1/n. ``loss_out[s]`` (float64) and
    ``pairs_out[s]`` (int64) receive the sentence's loss sum and trained pairs.
    """
    if model not in ("sg", "cbow") or loss not in ("ns", "hs"):
        raise ValueError(f"no CUDA kernel for model {model!r} with loss {loss!r}")
    key = (model, loss, dim, negative, window, atomic, cbow_mean, warps_per_block)
    if key in _CACHE:
        return _CACHE[key]
    c = Shape.of(model, loss, dim, negative, window, atomic, cbow_mean, warps_per_block)
    ops = _row_ops(c)
    hs_targets = _hs_unit(c, ops)
    load_ns_targets = _ns_targets(c, ops)
    sg_ns_window, sg_hs_window = _skipgram_windows(c, ops, hs_targets, load_ns_targets)
    compiled = _kernel(_kernel_fn(c, sg_ns_window, sg_hs_window, _cbow_window(c, ops, hs_targets, load_ns_targets)))
    compiled.warps_per_block = c.WPB  # what launch_train launches it with
    compiled.shared_bytes = 4 * (c.INIT_W * c.INIT_K * WARP if c.INIT_SHARED else 0) + 4 * math.prod(c.RED)
    _CACHE[key] = compiled
    return compiled


# ---------------------------------------------------------------------------
# Launch wrappers
# ---------------------------------------------------------------------------
def launch_subsample(ids, offsets, keep_prob, key: int, kept_ids, kept_len, threads: int = 128) -> None:
    """Subsample and compact every sentence (device arrays) for the epoch ``key``."""
    n = kept_len.shape[0]
    tpb = max(1, min(threads, n))
    subsample_kernel[(n + tpb - 1) // tpb, tpb](ids, offsets, keep_prob, np.uint64(key), kept_ids, kept_len)


def launch_train(kernel, first: int, stop: int, kept_ids, kept_len, offsets, w_in, w_out,
                 alias_prob, alias_idx, codes, points, lengths, key: int, alpha0: float, min_alpha: float,
                 progress0: float, inv_total: float, ctx_scale: float, loss_out, pairs_out) -> None:
    """Train sentences ``first ≤ s < stop`` (one warp each) with a kernel from :func:`make_kernel`,
    launched with the warps per block it was built for (``kernel.warps_per_block``)."""
    n = stop - first
    if n <= 0:
        return
    wpb = kernel.warps_per_block
    blocks = (n + wpb - 1) // wpb
    kernel[blocks, wpb * WARP](
        kept_ids, kept_len, offsets, np.int64(first), np.int64(stop), w_in, w_out, alias_prob, alias_idx,
        codes, points, lengths, np.uint64(key), np.float32(alpha0), np.float32(min_alpha),
        np.float32(progress0), np.float32(inv_total), np.float32(ctx_scale), loss_out, pairs_out)


def split_offsets(offsets: np.ndarray, max_len: int) -> np.ndarray:
    """Sentence offsets with every sentence longer than ``max_len`` cut into pieces of at most
    ``max_len`` words (vectorised; done once per run)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    pieces = np.maximum((lengths + max_len - 1) // max_len, 1)
    starts = np.repeat(offsets[:-1], pieces)
    first_piece = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(len(starts)) - first_piece
    out = np.empty(len(starts) + 1, np.int64)
    out[:-1] = starts + k * max_len
    out[-1] = offsets[-1]
    nonempty = np.ones(len(out), bool)
    nonempty[:-1] = out[:-1] < np.repeat(offsets[1:], pieces)  # drop empty sentences' duplicate starts
    return out[nonempty]
