r"""Numba CPU kernels: word2vec.c's training scheme, pair by pair or a window of pairs at a time, Hogwild.

Each function here takes arrays and scalars only and imports nothing from the
library, so it can be read beside the NumPy reference (``losses.py`` +
``models.py`` + SGD) and tested alone. Everything is
``@njit(nogil=True, cache=True, fastmath=True)``: the trainer runs one kernel
call per worker thread at a time, without the GIL, on its own range of
sentences, and all threads write the two shared matrices without locks.

Notation (see ``w2v_scratch/word2vec.py``; docs/math.md has the full glossary):
``center_flat`` is ``center`` (W_in, V×d; word2vec.c's ``syn0``), ``output_flat`` is
``context`` (W_out, V×d; ``syn1neg``) for negative sampling or ``inner_nodes``
(Θ, (V−1)×d; ``syn1``) for hierarchical softmax. Both are flat float32 views here (row r
starts at ``r*d``), as in word2vec.c; ``grad_center`` is the update accumulated for the input
row(s) (word2vec.c's ``neu1e``), ``hidden`` the CBOW input vector (``neu1``),
``in_row``/``out_row`` row offsets (``l1``/``l2``).

A pair-by-pair update (word2vec.c's scheme) is a sequence of binary logistic steps
(:func:`logistic_g`, :func:`logistic_step`) — the gradient of ``losses.py``'s binary logistic
terms fused with SGD at rate α, fastText's ``binaryLogistic``: for an input x and an output row
u with label ℓ, f = x·u; g = α(ℓ − σ(f)); e += g·u (old value); u += g·x; finally the input
row(s) += e. The two losses differ only in which rows and labels they pass:

* negative sampling (:func:`ns_update`): the positive with ℓ = 1 and each noise id with ℓ = 0,
  all K + 1 scored at the pair's start, so a pair's step is the exact gradient of its loss (a
  noise id drawn twice included); a noise draw equal to the positive is *skipped* (not redrawn),
  as word2vec.c and gensim do;
* hierarchical softmax (:func:`hs_update`): each inner node p_j of the word's path with
  ℓ = 1 − c_j.

Skip-gram, by the trainer's default (``TrainConfig.window_batch``, docs/math.md §11), steps once
per *window*: every context of the window predicts the same center word, so its pairs share their
targets (HS: the center's path; NS: the center and the window's K shared noise ids), and
:func:`window_step` takes the SGD step on their summed loss with every term at the window's start —
f_ct = x_c·u_t, g_ct = α(ℓ_t − σ(f_ct)), e_c = Σ_t g_ct·u_t, u_t += Σ_c g_ct·x_c, x_c += e_c — four
rows per pass (:func:`dot4`, :func:`add4`), so a row loaded serves four terms, and σ for all the
window's terms in one vectorised loop (:func:`window_steps`, :func:`exp_neg`). CBOW's example, one
input h against its targets, takes the same blocked step (:func:`targets_step`), which for distinct
targets is word2vec.c's step exactly (a noise id drawn twice gets both terms from its row as it
was). Pair by pair (``window_batch`` off) is word2vec.c's skip-gram scheme, which the one-step
tests pin against the reference.

word2vec.c's σ departures from the exact gradient are two branches: NS clips σ to 1 / 0 beyond ±6
(:func:`logistic_g`, :func:`window_steps`); HS skips a node with |f| ≥ 6 altogether
(:func:`logistic_step`, :func:`window_steps`; it still counts in the loss).

Skip-gram is in word2vec.c's orientation: for the center word at position i and
every context word c in its (randomly shrunk) window, the *context* word's input
row is x and the *center* word is the target. Its (input, target) pairs have the
same distribution as the paper's (center → context) direction, since the window is
symmetric (for one draw of the radii the sets differ: word2vec.c shrinks the window
by the target's radius, the paper by the input's).

CBOW: x = h = mean (or sum) of the context rows; after the output loop each
context row gets ``ctx_scale · e``. word2vec.c (and gensim's cbow_mean=1) use
``ctx_scale = 1`` in mean mode, which is *not* the exact gradient of the mean
(that is e/n): the trainer uses word2vec.c's by default and can pass 1/n.

Randomness: word2vec.c's 64-bit LCG ``next = next·25214903917 + 11`` per
thread, seeded by the trainer from (seed, thread, epoch); only its high bits
are used. Noise words come from an alias table (float32 prob + int32 alias,
O(V)), not word2vec.c's 1e8-entry table.

Every random draw of a position (its window radius, then its noise ids: K per pair for
skip-gram, K per window for CBOW and for skip-gram with ``shared_noise``) is made one position
ahead into a small buffer (:func:`draw_position`) — the same LCG draws in the same order as
drawing them when needed, so ``threads=1`` results are bit for bit those of drawing them pair
by pair. Skip-gram NS uses that
to software-pipeline (memory latency, not arithmetic, bounds it: the K noise rows are random rows
of a matrix far larger than L2): while one pair trains it issues ``llvm.prefetch``
(``prefetchw``) for every cache line of the next pair's input row and K noise rows
(:func:`prefetch_pair`). Measured on the 2-core benchmark machine, 1 epoch: 1 thread 278k →
498k words/s, 2 threads 569k → 940k words/s. (Prefetching two pairs ahead was slower.) With
``window_batch`` it prefetches the next window's K noise rows and the context entering it.

The loss is the exact −log σ(±f) in float32 per target (``train_chunk`` computes it for every
LOSS_EVERY-th example only — with ``window_batch`` every LOSS_EVERY-th window, all its pairs — a
systematic sample), accumulated per thread in float64: per trained pair (skip-gram: one (input,
target) pair; CBOW: one (context window, center) example) the NS loss −log σ(f₊) − Σ log σ(−f₋),
or the HS loss summed over the whole path (skipped nodes included).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

MAX_EXP = np.float32(6.0)
MAX_SENTENCE = 1000  # word2vec.c's MAX_SENTENCE_LENGTH: kept words per pseudo-sentence
LR_REFRESH = 10_000  # raw words between learning-rate refreshes, as word2vec.c
LOSS_EVERY = 16  # the kernel computes the loss of every 16th example or window (exp and log1p are not free)
SLOT = 8  # int64 stride of the per-thread progress slots (one cache line each)
LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)

# stats[] fields, per thread (float64)
ST_LOSS, ST_LOSS_PAIRS, ST_PAIRS, ST_KEPT, ST_RAW = 0, 1, 2, 3, 4
N_STATS = 8

_opts = dict(nogil=True, cache=True, fastmath=True, error_model="numpy")
# Helpers are inlined at the Numba IR level: no call, and no (atomic) reference counting of the
# shared matrices per pair, which would make the threads fight over one cache line.
_inl = dict(nogil=True, cache=True, fastmath=True, error_model="numpy", inline="always")


# ---------------------------------------------------------------------------
# Software prefetch (LLVM's llvm.prefetch: a hint, never a fault, no effect on any value)
# ---------------------------------------------------------------------------
@intrinsic
def _prefetch(typingctx, arr, idx):
    """Hint the CPU to bring the cache line holding ``arr[idx]`` (1-D array, uint64 index) into L1."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and isinstance(idx, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # rw = 1 (the rows are read, then written), locality = 3 (keep in all levels), data cache
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


@njit(**_inl)
def prefetch_row(m, off, d):
    """Prefetch the cache lines of the row ``m[off:off+d]`` (float32, ``off`` uint64)."""
    for k in range(np.uint64(0), np.uint64(d), np.uint64(16)):
        _prefetch(m, off + k)
    _prefetch(m, off + np.uint64(d - 1))


# ---------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------
@njit(**_inl)
def lcg_next(state):
    """Advance word2vec.c's LCG (state: uint64 array of one) and return the new value."""
    s = state[0] * LCG_MUL + LCG_ADD
    state[0] = s
    return s


@njit(**_inl)
def rand_below(state, n):
    """Uniform integer in [0, n) from the high 32 bits (multiply-shift, no modulo bias to speak of)."""
    hi = lcg_next(state) >> np.uint64(32)
    return np.int64((hi * np.uint64(n)) >> np.uint64(32))


@njit(**_inl)
def rand_unit(state):
    """Uniform float32 in [0, 1) from the high 24 bits."""
    return np.float32(lcg_next(state) >> np.uint64(40)) * np.float32(1.0 / 16777216.0)


@njit(**_inl)
def draw_noise(state, alias_prob, alias_idx):
    """One draw from the alias table: a uniform column, kept with probability prob, else its alias."""
    col = rand_below(state, alias_prob.shape[0])
    if rand_unit(state) < alias_prob[col]:
        return col
    return np.int64(alias_idx[col])


# ---------------------------------------------------------------------------
# One update: the building blocks the kernels loop over
#
# Row offsets and loop counters over the d components are uint64 on purpose: Numba wraps
# negative *signed* indices around (idx < 0 → idx + n), and that per-element select stops LLVM
# from vectorising the loops (4× slower). Unsigned indices need no wraparound.
# ---------------------------------------------------------------------------
@njit(**_inl)
def row(i, d):
    """Offset of row ``i`` in a flat (n·d) matrix, as uint64."""
    return np.uint64(i) * np.uint64(d)


@njit(**_inl)
def logistic_g(f, label, alpha, want_loss):
    """The step and loss of one binary logistic term with score ``f`` and label ℓ:
    g = α(ℓ − σ(f)), σ clipped to 1 for f > 6 and to 0 for f < −6 (word2vec.c's NS departure), and
    the exact loss −log σ((2ℓ − 1)·f) = softplus((1 − 2ℓ)·f) when ``want_loss`` (else 0)."""
    e = np.exp(-abs(f))
    loss = np.float32(0.0)
    if want_loss:  # softplus(z) = max(z, 0) + log1p(e^{−|z|}), |z| = |f|
        z = -f if label == np.float32(1.0) else f
        loss = np.log1p(e) + (z if z > np.float32(0.0) else np.float32(0.0))
    inv = np.float32(1.0) / (np.float32(1.0) + e)
    s = inv if f >= 0 else e * inv  # σ(f), exact and stable for any f
    if f > MAX_EXP:
        s = np.float32(1.0)
    elif f < -MAX_EXP:
        s = np.float32(0.0)
    return (label - s) * alpha, loss


@njit(**_inl)
def logistic_step(output_flat, out_row, xs, xo, ud, label, alpha, skip_saturated, grad_center, want_loss):
    """One binary logistic step — the unit both losses are made of (fastText's binaryLogistic):

        f = x·u,   g = α(ℓ − σ(f)),   e += g·u (old u),   u += g·x

    for the input ``x = xs[xo:xo+d]``, the output row ``u = output_flat[out_row:out_row+d]`` and the
    label ℓ (HS: 1 − code), with g and the loss from :func:`logistic_g`. With ``skip_saturated``
    (HS, word2vec.c's departure) a node with |f| ≥ 6 gets no update at all but still counts in the
    loss. Returns the loss when ``want_loss``, else 0."""
    f = np.float32(0.0)
    for k in range(ud):
        f += xs[xo + k] * output_flat[out_row + k]
    if skip_saturated and (f <= -MAX_EXP or f >= MAX_EXP):
        return logistic_g(f, label, alpha, True)[1] if want_loss else np.float32(0.0)  # no exp unless asked
    g, loss = logistic_g(f, label, alpha, want_loss)
    for k in range(ud):
        o = output_flat[out_row + k]
        grad_center[k] += g * o
        output_flat[out_row + k] = o + g * xs[xo + k]
    return loss


@njit(**_inl)
def ns_target(word, given, goff, t):
    """Target ``t`` of a negative-sampling step: the positive ``word`` for t = 0, else the noise id
    ``given[goff + t − 1]``."""
    return word if t == 0 else np.int64(given[goff + t - 1])


@njit(**_inl)
def ns_update(output_flat, d, xs, xo, word, negative, given, goff, alpha, grad_center, want_loss, steps):
    """Negative sampling for the input ``x = xs[xo:xo+d]``: the positive ``word`` (label 1) and each
    noise id ``given[goff:goff+negative]`` (label 0; the training kernel drew them ahead from the
    alias table), in four passes over their rows u_t:

        f_t = x·u_t (all K + 1 first);  g_t = α(ℓ_t − σ(f_t));  e += Σ g_t·u_t;  then u_t += g_t·x

    — every term at the pair's start, so the step is the exact gradient of the pair's loss, even
    for a noise id drawn twice (its row gets both steps), up to σ's clipping (:func:`logistic_g`).
    The K + 1 dot products do not wait on each other's updates, which lets the CPU overlap them.
    A noise id equal to ``word`` is skipped (g = 0, no loss), as word2vec.c does. ``steps``:
    float32 scratch of at least K + 1. Adds e = α·∂(−loss)/∂x to ``grad_center``; returns the
    loss (0 unless want_loss)."""
    ud = np.uint64(d)
    n = negative + 1
    for t in range(n):
        r = row(ns_target(word, given, goff, t), d)
        f = np.float32(0.0)
        for k in range(ud):
            f += xs[xo + k] * output_flat[r + k]
        steps[t] = f
    loss = np.float32(0.0)
    for t in range(n):
        if t > 0 and ns_target(word, given, goff, t) == word:
            steps[t] = np.float32(0.0)
            continue
        g, term = logistic_g(steps[t], np.float32(1.0) if t == 0 else np.float32(0.0), alpha, want_loss)
        steps[t] = g
        loss += term
    for t in range(n):  # e from every row as it was ...
        r = row(ns_target(word, given, goff, t), d)
        g = steps[t]
        for k in range(ud):
            grad_center[k] += g * output_flat[r + k]
    for t in range(n):  # ... then the rows move
        r = row(ns_target(word, given, goff, t), d)
        g = steps[t]
        for k in range(ud):
            output_flat[r + k] += g * xs[xo + k]
    return loss


@njit(**_inl)
def hs_update(output_flat, d, xs, xo, word, points, codes, lengths, alpha, grad_center, want_loss):
    """Hierarchical softmax for the input ``xs[xo:xo+d]``: a logistic step at every inner node of the
    path of ``word`` (``points[word, :lengths[word]]``, root first) with label 1 − code; nodes with
    |f| ≥ 6 are skipped (no update) but still count in the loss."""
    ud = np.uint64(d)
    loss = np.float32(0.0)
    for j in range(lengths[word]):
        label = np.float32(1.0) - np.float32(codes[word, j])
        loss += logistic_step(output_flat, row(points[word, j], d), xs, xo, ud, label, alpha, True, grad_center,
                              want_loss)
    return loss


@njit(**_inl)
def sg_step(center_flat, output_flat, d, inp, word, hs, negative, given, goff, points, codes, lengths, alpha,
            grad_center, want_loss, steps):
    """One skip-gram pair: input row ``inp`` predicts ``word`` (NS with the noise ids
    ``given[goff:goff+negative]``, or HS along the path of ``word``; ``steps``: NS scratch of
    K + 1 floats). Updates ``output_flat``, then ``center_flat[inp] += e``; returns the pair's loss."""
    ud = np.uint64(d)
    in_row = row(inp, d)
    for k in range(ud):
        grad_center[k] = np.float32(0.0)
    if hs:
        loss = hs_update(output_flat, d, center_flat, in_row, word, points, codes, lengths, alpha, grad_center,
                         want_loss)
    else:
        loss = ns_update(output_flat, d, center_flat, in_row, word, negative, given, goff, alpha, grad_center,
                         want_loss, steps)
    for k in range(ud):
        center_flat[in_row + k] += grad_center[k]
    return loss


@njit(**_inl)
def dot4(a, o0, o1, o2, o3, b, bo, ud):
    """The four dot products a[o_n:o_n+d]·b[bo:bo+d] (n = 0..3) in one pass: b's row is read once."""
    f0 = np.float32(0.0)
    f1 = np.float32(0.0)
    f2 = np.float32(0.0)
    f3 = np.float32(0.0)
    for k in range(ud):
        v = b[bo + k]
        f0 += a[o0 + k] * v
        f1 += a[o1 + k] * v
        f2 += a[o2 + k] * v
        f3 += a[o3 + k] * v
    return f0, f1, f2, f3


@njit(**_inl)
def dot2(a, o0, o1, b, bo, ud):
    """The two dot products a[o_n:o_n+d]·b[bo:bo+d] (n = 0, 1) in one pass."""
    f0 = np.float32(0.0)
    f1 = np.float32(0.0)
    for k in range(ud):
        v = b[bo + k]
        f0 += a[o0 + k] * v
        f1 += a[o1 + k] * v
    return f0, f1


@njit(**_inl)
def add4(dst, do, src, o0, o1, o2, o3, g0, g1, g2, g3, ud):
    """dst[do:do+d] += Σ_n g_n·src[o_n:o_n+d] (n = 0..3) in one pass: dst's row is read and written once."""
    for k in range(ud):
        dst[do + k] += g0 * src[o0 + k] + g1 * src[o1 + k] + g2 * src[o2 + k] + g3 * src[o3 + k]


@njit(**_inl)
def add2(dst, do, src, o0, o1, g0, g1, ud):
    """dst[do:do+d] += g0·src[o0:o0+d] + g1·src[o1:o1+d] in one pass."""
    for k in range(ud):
        dst[do + k] += g0 * src[o0 + k] + g1 * src[o1 + k]


@njit(**_inl)
def add1(dst, do, src, o, g, ud):
    """dst[do:do+d] += g·src[o:o+d]."""
    for k in range(ud):
        dst[do + k] += g * src[o + k]


@njit(**_inl)
def exp_neg(a):
    """e^(−a) for 0 ≤ a ≤ 6 (float32 in, float32 out) without a library call, so that a loop of them
    vectorises: (e^u)^16 with u = −a/16, e^u by its Taylor series to u^9 (|u| ≤ 3/8: truncation
    about 2e-11 relative, 3e-10 after the four squarings), in float64: within one float32 ulp of
    exp (tested)."""
    u = np.float64(a) * (-1.0 / 16.0)
    p = 1.0 + u * (1.0 + u * (1.0 / 2 + u * (1.0 / 6 + u * (1.0 / 24 + u * (1.0 / 120 + u * (
        1.0 / 720 + u * (1.0 / 5040 + u * (1.0 / 40320 + u * (1.0 / 362880)))))))))
    p = p * p
    p = p * p
    p = p * p
    return np.float32(p * p)


@njit(**_inl)
def window_steps(steps, labs, n, alpha, skip_saturated, want_loss):
    """``steps[q]`` (a score f) becomes its step g = α(ℓ − σ(f)) for q < n, ℓ = ``labs[q]``: σ clipped
    to 1 / 0 beyond ±6 (NS), or g = 0 where |f| ≥ 6 with ``skip_saturated`` (HS) — word2vec.c's
    departures, as :func:`logistic_g`. One branch-free loop over all the window's terms, which
    the compiler vectorises (:func:`exp_neg` instead of the scalar library exp). Returns the
    exact loss of the n terms, from the scores before they become steps (0 unless ``want_loss``)."""
    loss = np.float32(0.0)
    if want_loss:
        for q in range(n):
            loss += logistic_g(steps[q], labs[q], alpha, True)[1]
    for q in range(n):
        f = steps[q]
        a = min(abs(f), MAX_EXP)
        e = exp_neg(a)
        inv = np.float32(1.0) / (np.float32(1.0) + e)
        s = inv if f >= np.float32(0.0) else e * inv
        s = np.float32(1.0) if f > MAX_EXP else s
        s = np.float32(0.0) if f < -MAX_EXP else s
        g = alpha * (labs[q] - s)
        steps[q] = np.float32(0.0) if (skip_saturated and a >= MAX_EXP) else g
    return loss


@njit(**_inl)
def window_scores(center_flat, output_flat, ud, xs, m, tgt, labels, T, alpha, skip_saturated, steps, labs,
                  want_loss):
    """Step 1 of :func:`window_step`: every g_ct = α(ℓ_t − σ(x_c·u_t)) into ``steps[c·T + t]`` — the
    scores first, four (then two, then one) contexts per pass over u_t, then their steps in one
    loop (:func:`window_steps`; ``labs``: scratch for each term's label). Returns the exact loss
    (0 unless ``want_loss``)."""
    for t in range(T):
        r = tgt[t]
        label = labels[t]
        c = 0
        while c + 4 <= m:
            fs = dot4(center_flat, xs[c], xs[c + 1], xs[c + 2], xs[c + 3], output_flat, r, ud)
            for n in range(4):
                steps[(c + n) * T + t] = fs[n]
            c += 4
        if c + 2 <= m:
            fs2 = dot2(center_flat, xs[c], xs[c + 1], output_flat, r, ud)
            steps[c * T + t] = fs2[0]
            steps[(c + 1) * T + t] = fs2[1]
            c += 2
        if c < m:
            steps[c * T + t] = dot2(center_flat, xs[c], xs[c], output_flat, r, ud)[0]
        for c in range(m):
            labs[c * T + t] = label
    return window_steps(steps, labs, m * T, alpha, skip_saturated, want_loss)


@njit(**_inl)
def window_step(center_flat, output_flat, ud, xs, m, tgt, labels, T, alpha, skip_saturated, steps, grads,
                want_loss):
    """One step on all the pairs of a skip-gram window at once (``window_batch``, docs/math.md §11):
    the m contexts x_c (rows ``xs[:m]`` of ``center_flat``) all predict the same T targets u_t (rows
    ``tgt[:T]`` of ``output_flat``, labels ℓ_t: HS the center word's path, NS the center word and the
    window's shared noise ids). Every term at the window's start:

        f_ct = x_c·u_t;  g_ct = α(ℓ_t − σ(f_ct));  e_c = Σ_t g_ct·u_t;  u_t += Σ_c g_ct·x_c;  x_c += e_c

    — the reference's SGD step on the minibatch of the window's pairs (its summed loss), σ departing as
    word2vec.c's (``skip_saturated``: HS's skip of |f| ≥ 6, else NS's clip). word2vec.c instead steps
    pair after pair, each pair seeing the targets as the previous pair left them. The sums run four
    rows per pass (:func:`dot4`, :func:`add4`), so each row loaded serves four terms.
    Scratch: ``steps`` float32 (2·m·T: the steps, then each term's label), ``grads`` float32 (m·d).
    Returns the loss (0 unless ``want_loss``)."""
    loss = window_scores(center_flat, output_flat, ud, xs, m, tgt, labels, T, alpha, skip_saturated, steps,
                         steps[m * T:], want_loss)
    d = np.int64(ud)
    for c in range(m):  # e_c from the targets as they were ...
        eo = row(c, d)
        for k in range(ud):
            grads[eo + k] = np.float32(0.0)
        s = c * T
        t = 0
        while t + 4 <= T:
            add4(grads, eo, output_flat, tgt[t], tgt[t + 1], tgt[t + 2], tgt[t + 3],
                 steps[s + t], steps[s + t + 1], steps[s + t + 2], steps[s + t + 3], ud)
            t += 4
        if t + 2 <= T:
            add2(grads, eo, output_flat, tgt[t], tgt[t + 1], steps[s + t], steps[s + t + 1], ud)
            t += 2
        if t < T:
            add1(grads, eo, output_flat, tgt[t], steps[s + t], ud)
    for t in range(T):  # ... the targets move, by the contexts as they were ...
        r = tgt[t]
        c = 0
        while c + 4 <= m:
            add4(output_flat, r, center_flat, xs[c], xs[c + 1], xs[c + 2], xs[c + 3],
                 steps[c * T + t], steps[(c + 1) * T + t], steps[(c + 2) * T + t], steps[(c + 3) * T + t], ud)
            c += 4
        if c + 2 <= m:
            add2(output_flat, r, center_flat, xs[c], xs[c + 1], steps[c * T + t], steps[(c + 1) * T + t], ud)
            c += 2
        if c < m:
            add1(output_flat, r, center_flat, xs[c], steps[c * T + t], ud)
    for c in range(m):  # ... then the contexts
        eo = row(c, d)
        x = xs[c]
        for k in range(ud):
            center_flat[x + k] += grads[eo + k]
    return loss


@njit(**_inl)
def window_targets(word, hs, points, codes, lengths, noise, q, K, d, tgt, labels):
    """The targets every pair of a skip-gram window shares, as row offsets into ``tgt`` and labels into
    ``labels``: HS the inner nodes of the center ``word``'s path (ℓ = 1 − code); NS ``word`` (ℓ = 1)
    and the window's noise ids ``noise[q:q+K]`` (ℓ = 0), one equal to ``word`` left out (word2vec.c
    skips it). Returns their number T."""
    if hs:
        for j in range(lengths[word]):
            tgt[j] = row(points[word, j], d)
            labels[j] = np.float32(1.0) - np.float32(codes[word, j])
        return np.int64(lengths[word])
    tgt[0] = row(word, d)
    labels[0] = np.float32(1.0)
    T = 1
    for t in range(K):
        v = noise[q + t]
        if v != word:
            tgt[T] = row(v, d)
            labels[T] = np.float32(0.0)
            T += 1
    return np.int64(T)


@njit(**_inl)
def targets_step(output_flat, x, xo, ud, tgt, labels, T, alpha, skip_saturated, steps, grad, want_loss):
    """One input ``x[xo:xo+d]`` against T targets u_t (rows ``tgt[:T]`` of ``output_flat``,
    labels ℓ_t) — CBOW's step, h against the center's path (HS) or the center and its noise (NS):

        f_t = x·u_t;  g_t = α(ℓ_t − σ(f_t));  e += Σ_t g_t·u_t (old u);  u_t += g_t·x

    the scores four targets per pass (:func:`dot4`), the steps in one vectorised loop
    (:func:`window_steps`), e four rows per pass (:func:`add4`), every term from the rows as they
    were. For distinct targets (an HS path always) this is word2vec.c's node-after-node (HS) or
    target-after-target (NS) step exactly; a noise id drawn twice gets both terms. Adds e to
    ``grad``; ``steps``: float32 scratch of T. Returns the exact loss (0 unless ``want_loss``)."""
    t = 0
    while t + 4 <= T:
        fs = dot4(output_flat, tgt[t], tgt[t + 1], tgt[t + 2], tgt[t + 3], x, xo, ud)
        for n in range(4):
            steps[t + n] = fs[n]
        t += 4
    while t < T:
        steps[t] = dot2(output_flat, tgt[t], tgt[t], x, xo, ud)[0]
        t += 1
    loss = window_steps(steps, labels, T, alpha, skip_saturated, want_loss)
    t = 0
    while t + 4 <= T:
        add4(grad, np.uint64(0), output_flat, tgt[t], tgt[t + 1], tgt[t + 2], tgt[t + 3], steps[t], steps[t + 1],
             steps[t + 2], steps[t + 3], ud)
        t += 4
    while t < T:
        add1(grad, np.uint64(0), output_flat, tgt[t], steps[t], ud)
        t += 1
    for t in range(T):
        add1(output_flat, tgt[t], x, xo, steps[t], ud)
    return loss


@njit(**_inl)
def cbow_step(center_flat, output_flat, d, ctx, n_ctx, word, hs, negative, given, goff, points, codes, lengths,
              alpha, cbow_mean, ctx_scale, hidden, grad_center, want_loss, steps, tgt, labels):
    """One CBOW example: the contexts ``ctx[:n_ctx]`` predict ``word``. h = mean (``cbow_mean``)
    or sum of their rows; :func:`targets_step` against ``word``'s targets (:func:`window_targets`:
    its path, or ``word`` and the noise ids ``given[goff:goff+negative]``); then each context row
    gets ``ctx_scale · e`` (1 = word2vec.c). Scratch: ``steps`` float32, ``tgt`` uint64 and
    ``labels`` float32, each of at least max(path length, K + 1)."""
    ud = np.uint64(d)
    for k in range(ud):
        hidden[k] = np.float32(0.0)
        grad_center[k] = np.float32(0.0)
    for c in range(n_ctx):
        in_row = row(ctx[c], d)
        for k in range(ud):
            hidden[k] += center_flat[in_row + k]
    if cbow_mean:
        inv = np.float32(1.0) / np.float32(n_ctx)
        for k in range(ud):
            hidden[k] *= inv
    T = window_targets(word, hs, points, codes, lengths, given, goff, negative, d, tgt, labels)
    loss = targets_step(output_flat, hidden, np.uint64(0), ud, tgt, labels, T, alpha, hs, steps, grad_center,
                        want_loss)
    if ctx_scale != np.float32(1.0):
        for k in range(ud):
            grad_center[k] *= ctx_scale
    for c in range(n_ctx):
        in_row = row(ctx[c], d)
        for k in range(ud):
            center_flat[in_row + k] += grad_center[k]
    return loss


# ---------------------------------------------------------------------------
# The training kernel
# ---------------------------------------------------------------------------
@njit(**_inl)
def draw_position(rng, window, noise_per_pair, per_window, i, n, alias_prob, alias_idx, buf, base):
    """Every random draw of position ``i`` of ``n``, in word2vec.c's order: the window radius
    R = window − b (b uniform in [0, window)), then the noise ids — ``noise_per_pair`` for each
    pair of the window, or once for the whole window (``per_window``: CBOW, and skip-gram with
    shared noise) — into ``buf[base:]``. Returns the window bounds (lo, hi)."""
    R = window - rand_below(rng, window)
    lo = i - R if i >= R else 0
    hi = i + R + 1 if i + R + 1 <= n else n
    draws = (noise_per_pair if hi - lo > 1 else 0) if per_window else (hi - lo - 1) * noise_per_pair
    for m in range(draws):
        buf[base + m] = draw_noise(rng, alias_prob, alias_idx)
    return lo, hi


@njit(**_inl)
def prefetch_pair(center_flat, output_flat, d, inp, noise, q, negative):
    """Ask for the cache lines of a skip-gram NS pair's rows before it trains: its input row and
    its ``negative`` noise rows ``noise[q:q+negative]`` (random rows of a matrix far larger than
    the caches: memory latency, not arithmetic, bounds this variant)."""
    prefetch_row(center_flat, row(inp, d), d)
    for t in range(negative):
        prefetch_row(output_flat, row(noise[q + t], d), d)


@njit(**_inl)
def current_alpha(progress, alpha0, min_alpha, total_words):
    """α0 − (α0 − α_min)·min(p, 1), p = words done / ``total_words`` (raw words, all epochs): the
    run's linear decay (``w2v_scratch.textbook.optim.linear_decay``), with words done the sum of the
    per-thread progress slots (each written by one thread only: no lost updates)."""
    done = np.int64(0)
    for s in range(0, progress.shape[0], SLOT):
        done += progress[s]
    frac = done / max(total_words, 1)
    if frac > 1.0:
        frac = 1.0
    return np.float32(alpha0 - (alpha0 - min_alpha) * frac)


@njit(**_inl)
def read_kept(ids, pos, end, keep_prob, rng, sen):
    """Read the next pseudo-sentence: up to MAX_SENTENCE kept words of ``ids[pos:end]`` into
    ``sen``, each word w kept with probability ``keep_prob[w]`` (subsampling before windows are
    formed, as word2vec.c). Returns (next position, kept words)."""
    n = 0
    while pos < end and n < MAX_SENTENCE:
        w = np.int64(ids[pos])
        pos += 1
        p = keep_prob[w]
        if p < np.float32(1.0) and rand_unit(rng) >= p:
            continue
        sen[n] = w
        n += 1
    return pos, n


@njit(**_inl)
def sg_window(center_flat, output_flat, d, sen, lo, hi, i, hs, K, noise, q, points, codes, lengths, alpha, xs, tgt,
              labels, wsteps, wgrads, want_loss):
    """Skip-gram with ``window_batch``: the pairs of position ``i``'s window ``sen[lo:hi]`` in one
    :func:`window_step` (targets from :func:`window_targets`; NS with the window's noise ids
    ``noise[q:q+K]``; ``xs``, ``tgt``, ``labels``, ``wsteps``, ``wgrads``: its scratch). Returns
    (loss, pairs)."""
    m = 0
    for p in range(lo, hi):
        if p != i:
            xs[m] = row(sen[p], d)
            m += 1
    T = window_targets(sen[i], hs, points, codes, lengths, noise, q, K, d, tgt, labels)
    loss = window_step(center_flat, output_flat, np.uint64(d), xs, m, tgt, labels, T, alpha, hs, wsteps, wgrads,
                       want_loss)
    return loss, m


@njit(**_inl)
def sg_pairs(center_flat, output_flat, d, sen, n, i, lo_c, hi_c, lo_n, hi_n, hs, K, shared, noise, cb, nb, points,
             codes, lengths, alpha, grad_center, count, want_loss, steps):
    """Skip-gram pair by pair (word2vec.c): each context of position ``i``'s window ``sen[lo_c:hi_c]``
    predicts ``sen[i]`` in its own :func:`sg_step`, its K noise ids at ``noise[q:]`` (q from ``cb``,
    K further per pair unless ``shared``). NS prefetches the next pair's rows first: the next
    context here, else the first of position i + 1 (window ``lo_n:hi_n``, noise at ``nb``).
    Returns (loss, measured pairs); ``count[0]`` counts the pairs."""
    pipelined = K > 0
    loss_sum = 0.0
    loss_pairs = np.int64(0)
    word = sen[i]
    q = cb
    for j in range(lo_c, hi_c):
        if j == i:
            continue
        if pipelined:
            jn = j + 1 if j + 1 != i else j + 2
            qn = q if shared else q + K
            if jn >= hi_c:
                jn = lo_n if lo_n != i + 1 else lo_n + 1
                jn = jn if (i + 1 < n and jn < hi_n) else -1
                qn = nb
            if jn >= 0:
                if shared and qn == q:  # same window, same noise rows: just the input row
                    prefetch_row(center_flat, row(sen[jn], d), d)
                else:
                    prefetch_pair(center_flat, output_flat, d, sen[jn], noise, qn, K)
        measure = want_loss and count[0] % LOSS_EVERY == 0
        loss_sum += sg_step(center_flat, output_flat, d, sen[j], word, hs, K, noise, q, points, codes, lengths, alpha,
                            grad_center, measure, steps)
        loss_pairs += measure
        count[0] += 1
        if not shared:
            q += K
    return loss_sum, loss_pairs


@njit(**_inl)
def train_sentence(sen, n, center_flat, output_flat, d, alias_prob, alias_idx, codes, points, lengths, sg, hs,
                   window, K, shared, batch, cbow_mean, ctx_scale, alpha, rng, noise, ctx, hidden, grad_center,
                   count, want_loss, steps, wscratch):
    """Train on the pseudo-sentence ``sen[:n]``, position by position: skip-gram one pair per
    (context, center) of each window — or, with ``batch``, all the window's pairs in one step
    (:func:`sg_window`) — CBOW one example per window. With ``shared`` (skip-gram NS) the K
    noise words are drawn once per window and every pair of the window uses them (HogBatch's
    sharing, docs/math.md); otherwise each pair draws its own, as word2vec.c.
    Each position's draws (radius, noise ids) are made one position ahead — the same LCG
    sequence in the same order as drawing them as they are needed — so skip-gram NS can
    prefetch the rows of the next pair (or window) while one trains. ``count`` (int64[2]):
    this chunk's examples and windows so far, updated; every LOSS_EVERY-th example is measured
    (with ``batch``, every LOSS_EVERY-th window, all its pairs). Returns (loss sum, measured
    examples). ``wscratch``: :func:`sg_window`'s scratch (xs, tgt, labels, wsteps, wgrads)."""
    xs, tgt, labels, wsteps, wgrads = wscratch
    per_window = shared or not sg
    stride = K if per_window else 2 * window * K  # noise ids of one position
    pipelined = sg and K > 0  # skip-gram NS prefetches the next pair's rows
    loss_sum = 0.0
    loss_pairs = np.int64(0)
    lo_c, hi_c = draw_position(rng, window, K, per_window, 0, n, alias_prob, alias_idx, noise, 0)
    lo_n, hi_n = 0, 0
    for i in range(n):
        word = sen[i]
        cb = (i & 1) * stride  # this position's half of the noise buffer
        nb = stride - cb
        if i + 1 < n:
            lo_n, hi_n = draw_position(rng, window, K, per_window, i + 1, n, alias_prob, alias_idx, noise, nb)
            if pipelined:
                prefetch_row(output_flat, row(sen[i + 1], d), d)
                if batch:  # the next window's noise rows and its last context row (usually the new one)
                    prefetch_pair(center_flat, output_flat, d, sen[hi_n - 1], noise, nb, K)
        if sg and batch:
            if hi_c - lo_c > 1:
                measure = want_loss and count[1] % LOSS_EVERY == 0
                ls, m = sg_window(center_flat, output_flat, d, sen, lo_c, hi_c, i, hs, K, noise, cb, points, codes,
                                  lengths, alpha, xs, tgt, labels, wsteps, wgrads, measure)
                loss_sum += ls
                loss_pairs += m if measure else 0
                count[0] += m
                count[1] += 1
        elif sg:
            ls, lp = sg_pairs(center_flat, output_flat, d, sen, n, i, lo_c, hi_c, lo_n, hi_n, hs, K, shared, noise,
                              cb, nb, points, codes, lengths, alpha, grad_center, count, want_loss, steps)
            loss_sum += ls
            loss_pairs += lp
        else:
            n_ctx = 0
            for j in range(lo_c, hi_c):
                if j != i:
                    ctx[n_ctx] = sen[j]
                    n_ctx += 1
            if n_ctx > 0:
                scale = ctx_scale if ctx_scale > 0 else np.float32(1.0) / np.float32(n_ctx)
                measure = want_loss and count[0] % LOSS_EVERY == 0
                loss_sum += cbow_step(center_flat, output_flat, d, ctx, n_ctx, word, hs, K, noise, cb, points,
                                      codes, lengths, alpha, cbow_mean, scale, hidden, grad_center, measure, wsteps,
                                      tgt, labels)
                loss_pairs += measure
                count[0] += 1
        lo_c, hi_c = lo_n, hi_n
    return loss_sum, loss_pairs


@njit(**_opts)
def train_chunk(ids, offsets, sent_lo, sent_hi, center, output, keep_prob,
                alias_prob, alias_idx, codes, points, lengths,
                sg, hs, window, negative, cbow_mean, ctx_scale,
                alpha0, min_alpha, total_words, progress, slot, rng, stats, want_loss, shared_noise=False,
                window_batch=False):
    """Train on sentences ``sent_lo:sent_hi`` of the encoded corpus (``ids``, ``offsets``).

    Per sentence: drop words by subsampling (keep w with ``keep_prob[w]``), cut the kept words into
    pseudo-sentences of at most 1000 (word2vec.c), draw a window radius R = window − b,
    b uniform in [0, window), per position, and update pair by pair (``sg``: skip-gram, else CBOW;
    ``hs``: hierarchical softmax, else ``negative`` noise words from the alias table).
    ``shared_noise`` (skip-gram NS): K noise words per window, not per pair. ``window_batch``
    (skip-gram; NS only with ``shared_noise``): one step per window on all its pairs
    (:func:`window_step`) instead of pair by pair. CBOW context rows get ``ctx_scale · e``
    (1: word2vec.c; a value ≤ 0 means 1/n, the exact gradient of the mean).

    ``progress[slot]`` (int64) counts this thread's raw words over the whole run; the learning
    rate is refreshed from the sum of all slots every 10k raw words. ``rng``: this thread's LCG
    state (uint64[1]). ``stats`` (float64, this thread's): += loss, loss pairs, pairs, kept
    words, raw words. With ``want_loss`` the loss is computed for every LOSS_EVERY-th example
    (``window_batch``: window) — a systematic sample: loss / loss pairs estimates the mean loss
    per pair without paying log1p on every target. Returns the learning rate at the end.
    """
    d = center.shape[1]
    center_flat = center.reshape(-1)
    output_flat = output.reshape(-1)
    hidden = np.zeros(d, np.float32)
    grad_center = np.zeros(d, np.float32)
    K = 0 if hs else negative  # noise ids per pair (skip-gram) or per window (CBOW)
    noise = np.zeros(2 * (2 * window * K) + 1, np.int64)  # draws of two positions: this one, the next
    ctx = np.zeros(2 * window, np.int64)
    sen = np.zeros(MAX_SENTENCE, np.int64)
    steps = np.zeros(K + 1, np.float32)  # ns_update's scratch: the K + 1 scores, then steps
    shared = shared_noise and sg and K > 0
    batch = window_batch and sg and (hs or shared)
    n_tgt = max(points.shape[1], K + 1)  # window_step's and cbow_step's scratch: targets, steps, e_c
    xs = np.zeros(2 * window, np.uint64)
    tgt = np.zeros(n_tgt, np.uint64)
    labels = np.zeros(n_tgt, np.float32)
    wsteps = np.zeros(2 * (2 * window * n_tgt), np.float32)
    wgrads = np.zeros(2 * window * d if batch else 1, np.float32)
    count = np.zeros(2, np.int64)  # examples, skip-gram windows
    alpha = current_alpha(progress, alpha0, min_alpha, total_words)
    raw = np.int64(0)
    reported = np.int64(0)
    kept_total = np.int64(0)
    loss_pairs = np.int64(0)
    loss_sum = 0.0
    for s in range(sent_lo, sent_hi):
        pos = offsets[s]
        end = offsets[s + 1]
        while pos < end:
            start = pos
            pos, n = read_kept(ids, pos, end, keep_prob, rng, sen)
            raw += pos - start
            kept_total += n
            if raw - reported >= LR_REFRESH:
                progress[slot] += raw - reported
                reported = raw
                alpha = current_alpha(progress, alpha0, min_alpha, total_words)
            if n > 0:
                ls, lp = train_sentence(sen, n, center_flat, output_flat, d, alias_prob, alias_idx, codes, points,
                                        lengths, sg, hs, window, K, shared, batch, cbow_mean, ctx_scale, alpha, rng,
                                        noise, ctx, hidden, grad_center, count, want_loss, steps,
                                        (xs, tgt, labels, wsteps, wgrads))
                loss_sum += ls
                loss_pairs += lp
    progress[slot] += raw - reported
    stats[ST_LOSS] += loss_sum
    stats[ST_LOSS_PAIRS] += loss_pairs
    stats[ST_PAIRS] += count[0]
    stats[ST_KEPT] += kept_total
    stats[ST_RAW] += raw
    return current_alpha(progress, alpha0, min_alpha, total_words)
