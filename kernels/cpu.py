r"""Numba CPU kernels: word2vec.c's training scheme, pair by pair or a window of pairs at a time, Hogwild.

Each function here takes arrays and scalars (the window step's scratch: a tuple of arrays) and
the module imports nothing from the library, so it can be read beside the NumPy reference
(``w2v_scratch/textbook/losses.py``, ``models.py``, ``window.py``) and tested alone. Every
function but the ``_prefetch`` intrinsic is ``@njit(nogil=True, cache=True, fastmath=True)``
(the helpers also ``inline="always"``): the trainer runs one kernel
call per worker thread at a time, without the GIL, on its own range of
sentences, and all threads write the two shared matrices without locks.

Names (docs/math.md §1 has the glossary; one name per quantity, as in the NumPy reference):
``w_in`` is W_in (V×d; word2vec.c's ``syn0``) and ``w_out`` the output table — W_out (V×d;
``syn1neg``) for negative sampling, Θ ((V−1)×d; ``syn1``) for hierarchical softmax — both flat
float32 arrays here (row r starts at r·d), as in word2vec.c. ``x`` is the input vector of an
example (skip-gram: a row of ``w_in``; CBOW: ``h``, word2vec.c's ``neu1``), ``x_row`` / ``u_row``
the offsets of an input row and an output row (``l1`` / ``l2``), ``f`` a score, ``g`` a step
α(y − σ(f)), ``label`` / ``labels`` the labels y, and ``e`` the step accumulated for the input
side, −α·∂ℓ/∂x (``neu1e``).

Skip-gram's orientation is word2vec.c's: for the center word at position i and every context
word in its (randomly shrunk) window, the *context* word's ``w_in`` row is the input x
(``input_word``) and the *center* word is the target (``word``). The NumPy reference's
``SkipGram`` takes the center word's row as input and predicts each context word (the paper's
direction). Both train the same distribution of (input, target) pairs, since the window is
symmetric (for one draw of the radii the sets differ: word2vec.c shrinks the window by the
target's radius, the paper by the input's).

A pair-by-pair update (word2vec.c's scheme) is a sequence of binary logistic steps
(:func:`logistic_g`, :func:`logistic_step`) — the gradient of ``losses.py``'s binary logistic
terms fused with SGD at rate α, fastText's ``binaryLogistic``: for an input x and an output row
u with label y, f = x·u; g = α(y − σ(f)); e += g·u (old value); u += g·x; finally the input
row(s) += e. The two losses differ only in which rows and labels they pass:

* negative sampling (:func:`ns_update`): the positive with y = 1 and each noise id with y = 0,
  all K + 1 scored at the pair's start, so a pair's step is the exact gradient of its loss (a
  noise id drawn twice included); a noise draw equal to the positive is *skipped* (not redrawn),
  as word2vec.c and gensim do;
* hierarchical softmax (:func:`hs_update`): each inner node p_j of the word's path with
  y = 1 − c_j.

Skip-gram, by the trainer's default (``TrainConfig.window_batch``, docs/math.md §11), steps once
per *window*: every context of the window predicts the same center word, so its pairs share their
targets (HS: the center's path; NS: the center and the window's K shared noise ids), and
:func:`window_step` takes the SGD step on their summed loss with every term at the window's start
(the NumPy reference: ``w2v_scratch.textbook.window.window_step``):

    f_ct = x_c·u_t,  g_ct = α(y_t − σ(f_ct)),  e_c = Σ_t g_ct·u_t,  u_t += Σ_c g_ct·x_c,  x_c += e_c

— the sums four rows per pass (:func:`dots_4rows`, :func:`add_scaled_4rows`), so a row loaded
serves four terms, and σ for all the window's terms in one vectorised loop
(:func:`logistic_steps`, :func:`exp_neg`). CBOW's example, one input h against its targets, takes
the same blocked step (:func:`targets_step`), which for distinct targets is word2vec.c's step
exactly (a noise id drawn twice gets both terms from its row as it was). Pair by pair
(``window_batch`` off) is word2vec.c's skip-gram scheme, which the one-step tests pin against the
reference.

Both losses at once (``--loss hs+ns``, word2vec.c's ``-hs 1 -negative K``; ``train_chunk``'s ``theta``):
``w_out`` is then W_out and ``theta`` Θ, and every step runs the HS terms against Θ and then the NS
terms against W_out, both adding into one e while the input stays as it was, then moves the input
(:func:`sg_window_both`, :func:`sg_step_both`, :func:`cbow_step_both`; docs/math.md §4.5). A run
with one loss passes no ``theta`` and gets a compile of its own, in which none of that code runs.

word2vec.c's σ departures from the exact gradient are two branches: NS clips σ to 1 / 0 beyond ±6
(:func:`logistic_g`, :func:`logistic_steps`); HS skips a node with |f| ≥ 6 altogether
(:func:`logistic_step`, :func:`logistic_steps`; it still counts in the loss).

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
by pair. Skip-gram NS uses that to software-pipeline, because memory latency, not arithmetic,
bounds it (the K noise rows are random rows of a matrix far larger than L2): while one pair
trains it issues ``llvm.prefetch`` (``prefetchw``) for every cache line of the next pair's input
row and K noise rows (:func:`prefetch_pair`); with ``window_batch`` it prefetches the next
window's K noise rows and the context entering it.

The loss is the exact −log σ(±f) in float32 per target (``train_chunk`` computes it for every
LOSS_EVERY-th example only — with ``window_batch`` every LOSS_EVERY-th window, all its pairs — a
systematic sample), accumulated per thread in float64: per trained pair (skip-gram: one (input,
target) pair; CBOW: one (context window, center) example) the NS loss −log σ(f₊) − Σ log σ(−f₋),
or the HS loss summed over the whole path (skipped nodes included), or with both losses their sum.
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
# from vectorising the loops. Unsigned indices need no wraparound.
# ---------------------------------------------------------------------------
@njit(**_inl)
def row(i, d):
    """Offset of row ``i`` in a flat (n·d) matrix, as uint64."""
    return np.uint64(i) * np.uint64(d)


@njit(**_inl)
def logistic_g(f, label, alpha, want_loss):
    """g = α(y − σ(f)) and ℓ = −log σ((2y − 1)·f) = softplus((1 − 2y)·f) of one binary logistic
    term with score ``f`` and label y (``label``): σ clipped to 1 for f > 6 and to 0 for f < −6
    (word2vec.c's NS departure); the loss exact, and computed only when ``want_loss`` (else 0)."""
    ex = np.exp(-abs(f))
    loss = np.float32(0.0)
    if want_loss:  # softplus(z) = max(z, 0) + log1p(e^{−|z|}), |z| = |f|
        z = -f if label == np.float32(1.0) else f
        loss = np.log1p(ex) + (z if z > np.float32(0.0) else np.float32(0.0))
    inv = np.float32(1.0) / (np.float32(1.0) + ex)
    s = inv if f >= 0 else ex * inv  # σ(f), exact and stable for any f
    if f > MAX_EXP:
        s = np.float32(1.0)
    elif f < -MAX_EXP:
        s = np.float32(0.0)
    return (label - s) * alpha, loss


@njit(**_inl)
def logistic_step(w_out, u_row, x, x_row, ud, label, alpha, skip_saturated, e, want_loss):
    """One binary logistic step — the unit both losses are made of (fastText's binaryLogistic):

        f = x·u,   g = α(y − σ(f)),   e += g·u (old u),   u += g·x

    for the input ``x = x[x_row:x_row+d]``, the output row ``u = w_out[u_row:u_row+d]`` and the
    label y (HS: 1 − code), with g and the loss from :func:`logistic_g`. With ``skip_saturated``
    (HS, word2vec.c's departure) a node with |f| ≥ 6 gets no update at all but still counts in the
    loss. Returns the loss when ``want_loss``, else 0."""
    f = np.float32(0.0)
    for k in range(ud):
        f += x[x_row + k] * w_out[u_row + k]
    if skip_saturated and (f <= -MAX_EXP or f >= MAX_EXP):
        return logistic_g(f, label, alpha, True)[1] if want_loss else np.float32(0.0)  # no exp unless asked
    g, loss = logistic_g(f, label, alpha, want_loss)
    for k in range(ud):
        u = w_out[u_row + k]
        e[k] += g * u
        w_out[u_row + k] = u + g * x[x_row + k]
    return loss


@njit(**_inl)
def ns_target(word, noise, q, t):
    """Target ``t`` of a negative-sampling step: the positive ``word`` for t = 0, else the noise id
    ``noise[q + t − 1]``."""
    return word if t == 0 else np.int64(noise[q + t - 1])


@njit(**_inl)
def ns_update(w_out, d, x, x_row, word, K, noise, q, alpha, e, want_loss, fg):
    """Negative sampling for the input ``x = x[x_row:x_row+d]``: the positive ``word`` (y = 1) and
    each noise id ``noise[q:q+K]`` (y = 0; the training kernel drew them ahead from the alias table),
    in four loops (three of them over their rows u_t):

        f_t = x·u_t (all K + 1 first);  g_t = α(y_t − σ(f_t));  e += Σ_t g_t·u_t;  then u_t += g_t·x

    — every term at the pair's start, so the step is the exact gradient of the pair's loss, even
    for a noise id drawn twice (its row gets both steps), up to σ's clipping (:func:`logistic_g`).
    The K + 1 dot products do not wait on each other's updates, which lets the CPU overlap them.
    A noise id equal to ``word`` is skipped (g = 0, no loss), as word2vec.c does. Scratch: ``fg``,
    float32, at least K + 1: the scores f_t, each turned into its step g_t. Adds e = −α·∂ℓ/∂x to ``e``;
    returns the loss (0 unless want_loss)."""
    ud = np.uint64(d)
    n = K + 1
    for t in range(n):
        u_row = row(ns_target(word, noise, q, t), d)
        f = np.float32(0.0)
        for k in range(ud):
            f += x[x_row + k] * w_out[u_row + k]
        fg[t] = f
    loss = np.float32(0.0)
    for t in range(n):
        if t > 0 and ns_target(word, noise, q, t) == word:
            fg[t] = np.float32(0.0)
            continue
        g, term = logistic_g(fg[t], np.float32(1.0) if t == 0 else np.float32(0.0), alpha, want_loss)
        fg[t] = g
        loss += term
    for t in range(n):  # e from every row as it was ...
        u_row = row(ns_target(word, noise, q, t), d)
        g = fg[t]
        for k in range(ud):
            e[k] += g * w_out[u_row + k]
    for t in range(n):  # ... then the rows move
        u_row = row(ns_target(word, noise, q, t), d)
        g = fg[t]
        for k in range(ud):
            w_out[u_row + k] += g * x[x_row + k]
    return loss


@njit(**_inl)
def hs_update(w_out, d, x, x_row, word, points, codes, lengths, alpha, e, want_loss):
    """Hierarchical softmax for the input ``x[x_row:x_row+d]``: a logistic step at every inner node
    of the path of ``word`` (``points[word, :lengths[word]]``, root first) with label y = 1 − code;
    nodes with |f| ≥ 6 are skipped (no update) but still count in the loss."""
    ud = np.uint64(d)
    loss = np.float32(0.0)
    for j in range(lengths[word]):
        label = np.float32(1.0) - np.float32(codes[word, j])
        loss += logistic_step(w_out, row(points[word, j], d), x, x_row, ud, label, alpha, True, e, want_loss)
    return loss


@njit(**_inl)
def sg_step(w_in, w_out, d, input_word, word, hs, K, noise, q, points, codes, lengths, alpha, e, want_loss, fg):
    """One skip-gram pair: the input x = ``w_in`` row of ``input_word`` predicts ``word`` (NS with the
    noise ids ``noise[q:q+K]``, or HS along the path of ``word``; ``fg``: NS scratch of
    K + 1 floats, the scores then the steps). Updates ``w_out``, then x += e; returns the pair's loss."""
    ud = np.uint64(d)
    x_row = row(input_word, d)
    for k in range(ud):
        e[k] = np.float32(0.0)
    if hs:
        loss = hs_update(w_out, d, w_in, x_row, word, points, codes, lengths, alpha, e, want_loss)
    else:
        loss = ns_update(w_out, d, w_in, x_row, word, K, noise, q, alpha, e, want_loss, fg)
    for k in range(ud):
        w_in[x_row + k] += e[k]
    return loss


@njit(**_inl)
def sg_step_both(w_in, w_out, theta, d, input_word, word, K, noise, q, points, codes, lengths, alpha, e, want_loss,
                 fg):
    """One skip-gram pair with both losses (``--loss hs+ns``, word2vec.c's ``-hs 1 -negative K``): the
    input x = ``w_in`` row of ``input_word`` against the path of ``word`` in ``theta`` (Θ,
    :func:`hs_update`), then against ``word`` and the noise ids ``noise[q:q+K]`` in ``w_out``
    (W_out, :func:`ns_update`), both adding into one e while x stays as it was; then x += e. The
    step on ℓ_hs + ℓ_ns (docs/math.md §4.5). Returns the pair's loss ℓ_hs + ℓ_ns."""
    ud = np.uint64(d)
    x_row = row(input_word, d)
    for k in range(ud):
        e[k] = np.float32(0.0)
    loss = hs_update(theta, d, w_in, x_row, word, points, codes, lengths, alpha, e, want_loss)
    loss += ns_update(w_out, d, w_in, x_row, word, K, noise, q, alpha, e, want_loss, fg)
    for k in range(ud):
        w_in[x_row + k] += e[k]
    return loss


# ---------------------------------------------------------------------------
# The blocked step: a window of pairs, or one CBOW example, against shared targets
# ---------------------------------------------------------------------------
@njit(**_inl)
def dots_4rows(a, r0, r1, r2, r3, b, rb, ud):
    """f_n = a[r_n:r_n+d]·b[rb:rb+d] for n = 0..3 in one pass: b's row is read once."""
    f0 = np.float32(0.0)
    f1 = np.float32(0.0)
    f2 = np.float32(0.0)
    f3 = np.float32(0.0)
    for k in range(ud):
        v = b[rb + k]
        f0 += a[r0 + k] * v
        f1 += a[r1 + k] * v
        f2 += a[r2 + k] * v
        f3 += a[r3 + k] * v
    return f0, f1, f2, f3


@njit(**_inl)
def dots_2rows(a, r0, r1, b, rb, ud):
    """f_n = a[r_n:r_n+d]·b[rb:rb+d] for n = 0, 1 in one pass."""
    f0 = np.float32(0.0)
    f1 = np.float32(0.0)
    for k in range(ud):
        v = b[rb + k]
        f0 += a[r0 + k] * v
        f1 += a[r1 + k] * v
    return f0, f1


@njit(**_inl)
def dot_row(a, r, b, rb, ud):
    """f = a[r:r+d]·b[rb:rb+d], summed in the same order as one lane of :func:`dots_2rows`."""
    f = np.float32(0.0)
    for k in range(ud):
        f += a[r + k] * b[rb + k]
    return f


@njit(**_inl)
def add_scaled_4rows(dst, rd, src, r0, r1, r2, r3, g0, g1, g2, g3, ud):
    """dst[rd:rd+d] += Σ_n g_n·src[r_n:r_n+d] for n = 0..3 in one pass: dst's row is read and written once."""
    for k in range(ud):
        dst[rd + k] += g0 * src[r0 + k] + g1 * src[r1 + k] + g2 * src[r2 + k] + g3 * src[r3 + k]


@njit(**_inl)
def add_scaled_2rows(dst, rd, src, r0, r1, g0, g1, ud):
    """dst[rd:rd+d] += g0·src[r0:r0+d] + g1·src[r1:r1+d] in one pass."""
    for k in range(ud):
        dst[rd + k] += g0 * src[r0 + k] + g1 * src[r1 + k]


@njit(**_inl)
def add_scaled_row(dst, rd, src, r, g, ud):
    """dst[rd:rd+d] += g·src[r:r+d]."""
    for k in range(ud):
        dst[rd + k] += g * src[r + k]


@njit(**_inl)
def exp_neg(a):
    """e^(−a) for 0 ≤ a ≤ 6 (float32 in, float32 out) without a library call, so that a loop of them
    vectorises: (e^v)^16 with v = −a/16, e^v by its Taylor series to v^9 (|v| ≤ 3/8: truncation
    about 2e-11 relative, 3e-10 after the four squarings), in float64: within one float32 ulp of
    exp (tested)."""
    v = np.float64(a) * (-1.0 / 16.0)
    p = 1.0 + v * (1.0 + v * (1.0 / 2 + v * (1.0 / 6 + v * (1.0 / 24 + v * (1.0 / 120 + v * (
        1.0 / 720 + v * (1.0 / 5040 + v * (1.0 / 40320 + v * (1.0 / 362880)))))))))
    p = p * p
    p = p * p
    p = p * p
    return np.float32(p * p)


@njit(**_inl)
def logistic_steps(fg, ys, n, alpha, skip_saturated, want_loss):
    """f_j → g_j = α(y_j − σ(f_j)) for the n terms j < n, in place: each score ``fg[j]`` (label
    ``ys[j]``) becomes its step — in place because a loop that reads and writes one array is one the
    compiler vectorises without checking two arrays for overlap. σ clipped to 1 / 0 beyond ±6 (NS), or g_j = 0 where |f_j| ≥ 6 with ``skip_saturated``
    (HS) — word2vec.c's departures, as :func:`logistic_g`. One branch-free loop over all the terms,
    which the compiler vectorises (:func:`exp_neg` instead of the scalar library exp). Returns the
    exact loss Σ_j −log σ((2y_j − 1)·f_j) (0 unless ``want_loss``)."""
    loss = np.float32(0.0)
    if want_loss:
        for j in range(n):
            loss += logistic_g(fg[j], ys[j], alpha, True)[1]
    for j in range(n):
        f = fg[j]
        a = min(abs(f), MAX_EXP)
        ex = exp_neg(a)
        inv = np.float32(1.0) / (np.float32(1.0) + ex)
        s = inv if f >= np.float32(0.0) else ex * inv
        s = np.float32(1.0) if f > MAX_EXP else s
        s = np.float32(0.0) if f < -MAX_EXP else s
        g = alpha * (ys[j] - s)
        fg[j] = np.float32(0.0) if (skip_saturated and a >= MAX_EXP) else g
    return loss


@njit(**_inl)
def window_scores(w_in, w_out, ud, x_rows, m, u_rows, labels, T, fg, ys):
    """f_ct = x_c·u_t into ``fg[c·T + t]`` and y_t into ``ys[c·T + t]`` for the m inputs x_c (rows
    ``x_rows[:m]`` of ``w_in``) and the T targets u_t (rows ``u_rows[:T]`` of ``w_out``, labels
    ``labels[:T]``): four (then two, then one) inputs per pass over u_t (:func:`dots_4rows`)."""
    for t in range(T):
        u_row = u_rows[t]
        c = 0
        while c + 4 <= m:
            f4 = dots_4rows(w_in, x_rows[c], x_rows[c + 1], x_rows[c + 2], x_rows[c + 3], w_out, u_row, ud)
            for n in range(4):
                fg[(c + n) * T + t] = f4[n]
            c += 4
        if c + 2 <= m:
            f2 = dots_2rows(w_in, x_rows[c], x_rows[c + 1], w_out, u_row, ud)
            fg[c * T + t] = f2[0]
            fg[(c + 1) * T + t] = f2[1]
            c += 2
        if c < m:
            fg[c * T + t] = dot_row(w_in, x_rows[c], w_out, u_row, ud)
        for c in range(m):
            ys[c * T + t] = labels[t]


@njit(**_inl)
def window_step(w_in, w_out, ud, x_rows, m, u_rows, labels, T, alpha, skip_saturated, fg, ys, e_rows,
                want_loss):
    """One step on all the pairs of a skip-gram window at once (``window_batch``, docs/math.md §11;
    the NumPy reference is ``w2v_scratch.textbook.window.window_step``):

        f_ct = x_c·u_t;  g_ct = α(y_t − σ(f_ct));  e_c = Σ_t g_ct·u_t;  u_t += Σ_c g_ct·x_c;  x_c += e_c

    every term at the window's start, for the m inputs x_c (rows ``x_rows[:m]`` of ``w_in``: the
    window's context words) and the T targets u_t they all predict (rows ``u_rows[:T]`` of
    ``w_out``, labels y_t = ``labels[t]``: HS the center word's path, NS the center word and the
    window's shared noise ids) — the SGD step on the window's summed loss, σ departing as
    word2vec.c's (``skip_saturated``: HS's skip of |f| ≥ 6, else NS's clip). word2vec.c instead
    steps pair after pair, each pair seeing the targets as the previous pair left them. The sums
    run four rows per pass (:func:`dots_4rows`, :func:`add_scaled_4rows`), so each row loaded
    serves four terms. Scratch, float32: ``fg``, ``ys`` (m·T each: the scores f_ct, each turned
    into its step g_ct by :func:`logistic_steps`; each term's label), ``e_rows`` (m·d: the e_c). The
    target side is :func:`window_update`, the inputs' step :func:`window_apply`. Returns the loss (0
    unless ``want_loss``)."""
    loss = window_update(w_in, w_out, ud, x_rows, m, u_rows, labels, T, alpha, skip_saturated, fg, ys, e_rows,
                         want_loss, True)
    window_apply(w_in, ud, x_rows, m, e_rows)
    return loss


@njit(**_inl)
def window_update(w_in, w_out, ud, x_rows, m, u_rows, labels, T, alpha, skip_saturated, fg, ys, e_rows, want_loss,
                  reset):
    """The target side of :func:`window_step`, the inputs left as they are:

        f_ct = x_c·u_t;  g_ct = α(y_t − σ(f_ct));  e_c += Σ_t g_ct·u_t (old u_t);  u_t += Σ_c g_ct·x_c

    ``e_rows`` (m·d) is set to 0 first with ``reset`` (each row just before its sum), else added to:
    with both losses (:func:`sg_window_both`) the HS targets in Θ and then the NS targets in W_out add
    into the same e_c. Returns the loss (0 unless ``want_loss``)."""
    window_scores(w_in, w_out, ud, x_rows, m, u_rows, labels, T, fg, ys)
    loss = logistic_steps(fg, ys, m * T, alpha, skip_saturated, want_loss)
    d = np.int64(ud)
    for c in range(m):  # e_c += Σ_t g_ct·u_t from the targets as they were ...
        e_row = row(c, d)
        if reset:
            for k in range(ud):
                e_rows[e_row + k] = np.float32(0.0)
        s = c * T
        t = 0
        while t + 4 <= T:
            add_scaled_4rows(e_rows, e_row, w_out, u_rows[t], u_rows[t + 1], u_rows[t + 2], u_rows[t + 3],
                             fg[s + t], fg[s + t + 1], fg[s + t + 2], fg[s + t + 3], ud)
            t += 4
        if t + 2 <= T:
            add_scaled_2rows(e_rows, e_row, w_out, u_rows[t], u_rows[t + 1], fg[s + t], fg[s + t + 1], ud)
            t += 2
        if t < T:
            add_scaled_row(e_rows, e_row, w_out, u_rows[t], fg[s + t], ud)
    for t in range(T):  # ... then u_t += Σ_c g_ct·x_c from the inputs as they were
        u_row = u_rows[t]
        c = 0
        while c + 4 <= m:
            add_scaled_4rows(w_out, u_row, w_in, x_rows[c], x_rows[c + 1], x_rows[c + 2], x_rows[c + 3],
                             fg[c * T + t], fg[(c + 1) * T + t], fg[(c + 2) * T + t], fg[(c + 3) * T + t], ud)
            c += 4
        if c + 2 <= m:
            add_scaled_2rows(w_out, u_row, w_in, x_rows[c], x_rows[c + 1], fg[c * T + t], fg[(c + 1) * T + t], ud)
            c += 2
        if c < m:
            add_scaled_row(w_out, u_row, w_in, x_rows[c], fg[c * T + t], ud)
    return loss


@njit(**_inl)
def window_apply(w_in, ud, x_rows, m, e_rows):
    """x_c += e_c for the m inputs of a window (rows ``x_rows[:m]`` of ``w_in``)."""
    d = np.int64(ud)
    for c in range(m):
        e_row = row(c, d)
        x_row = x_rows[c]
        for k in range(ud):
            w_in[x_row + k] += e_rows[e_row + k]


@njit(**_inl)
def window_targets(word, hs, points, codes, lengths, noise, q, K, d, u_rows, labels):
    """The targets u_t every pair of a skip-gram window shares (and CBOW's example has), as row
    offsets into ``u_rows`` and labels y_t into ``labels``: HS the inner nodes of the center
    ``word``'s path (y = 1 − code); NS ``word`` (y = 1) and the noise ids ``noise[q:q+K]`` (y = 0),
    one equal to ``word`` left out (word2vec.c skips it). Returns their number T."""
    if hs:
        for j in range(lengths[word]):
            u_rows[j] = row(points[word, j], d)
            labels[j] = np.float32(1.0) - np.float32(codes[word, j])
        return np.int64(lengths[word])
    u_rows[0] = row(word, d)
    labels[0] = np.float32(1.0)
    T = 1
    for t in range(K):
        v = noise[q + t]
        if v != word:
            u_rows[T] = row(v, d)
            labels[T] = np.float32(0.0)
            T += 1
    return np.int64(T)


@njit(**_inl)
def targets_step(w_out, x, x_row, ud, u_rows, labels, T, alpha, skip_saturated, fg, e, want_loss):
    """One input ``x[x_row:x_row+d]`` against T targets u_t (rows ``u_rows[:T]`` of ``w_out``,
    labels y_t) — CBOW's step, h against the center's path (HS) or the center and its noise (NS):

        f_t = x·u_t;  g_t = α(y_t − σ(f_t));  e += Σ_t g_t·u_t (old u);  u_t += g_t·x

    the scores four targets per pass (:func:`dots_4rows`), the steps in one vectorised loop
    (:func:`logistic_steps`), e four rows per pass (:func:`add_scaled_4rows`), every term from the
    rows as they were. For distinct targets (an HS path always) this is word2vec.c's
    node-after-node (HS) or target-after-target (NS) step exactly; a noise id drawn twice gets both
    terms. Adds e to ``e``; ``fg``: float32 scratch of T (the scores, then the steps). Returns the exact
    loss (0 unless ``want_loss``)."""
    t = 0
    while t + 4 <= T:
        f4 = dots_4rows(w_out, u_rows[t], u_rows[t + 1], u_rows[t + 2], u_rows[t + 3], x, x_row, ud)
        for n in range(4):
            fg[t + n] = f4[n]
        t += 4
    while t < T:
        fg[t] = dot_row(w_out, u_rows[t], x, x_row, ud)
        t += 1
    loss = logistic_steps(fg, labels, T, alpha, skip_saturated, want_loss)
    t = 0
    while t + 4 <= T:
        add_scaled_4rows(e, np.uint64(0), w_out, u_rows[t], u_rows[t + 1], u_rows[t + 2], u_rows[t + 3], fg[t],
                         fg[t + 1], fg[t + 2], fg[t + 3], ud)
        t += 4
    while t < T:
        add_scaled_row(e, np.uint64(0), w_out, u_rows[t], fg[t], ud)
        t += 1
    for t in range(T):
        add_scaled_row(w_out, u_rows[t], x, x_row, fg[t], ud)
    return loss


@njit(**_inl)
def cbow_hidden(w_in, d, ctx, n_ctx, cbow_mean, h, e):
    """x = h = (1/n)·Σ_j w_in[ctx_j] over the contexts ``ctx[:n_ctx]`` (``cbow_mean``, else the sum),
    into ``h``; ``e`` set to 0."""
    ud = np.uint64(d)
    for k in range(ud):
        h[k] = np.float32(0.0)
        e[k] = np.float32(0.0)
    for c in range(n_ctx):
        x_row = row(ctx[c], d)
        for k in range(ud):
            h[k] += w_in[x_row + k]
    if cbow_mean:
        inv = np.float32(1.0) / np.float32(n_ctx)
        for k in range(ud):
            h[k] *= inv


@njit(**_inl)
def cbow_scatter(w_in, d, ctx, n_ctx, ctx_scale, e):
    """w_in[ctx_j] += ctx_scale·e for every context ``ctx[:n_ctx]`` (a word twice gets it twice)."""
    ud = np.uint64(d)
    if ctx_scale != np.float32(1.0):
        for k in range(ud):
            e[k] *= ctx_scale
    for c in range(n_ctx):
        x_row = row(ctx[c], d)
        for k in range(ud):
            w_in[x_row + k] += e[k]


@njit(**_inl)
def cbow_step(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, q, points, codes, lengths, alpha, cbow_mean,
              ctx_scale, h, e, want_loss, u_rows, labels, fg):
    """One CBOW example: the contexts ``ctx[:n_ctx]`` predict ``word``:

        x = h = (1/n)·Σ_j w_in[ctx_j] (``cbow_mean``, else the sum);  :func:`targets_step`;
        w_in[ctx_j] += ctx_scale·e

    against ``word``'s targets (:func:`window_targets`: its path, or ``word`` and the noise ids
    ``noise[q:q+K]``); ``ctx_scale`` = 1 is word2vec.c's. Scratch: ``u_rows`` uint64, ``labels`` and
    ``fg`` (scores, then steps) float32, each of at least max(path length, K + 1)."""
    cbow_hidden(w_in, d, ctx, n_ctx, cbow_mean, h, e)
    T = window_targets(word, hs, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss = targets_step(w_out, h, np.uint64(0), np.uint64(d), u_rows, labels, T, alpha, hs, fg, e, want_loss)
    cbow_scatter(w_in, d, ctx, n_ctx, ctx_scale, e)
    return loss


@njit(**_inl)
def cbow_step_both(w_in, w_out, theta, d, ctx, n_ctx, word, K, noise, q, points, codes, lengths, alpha, cbow_mean,
                   ctx_scale, h, e, want_loss, u_rows, labels, fg):
    """One CBOW example with both losses (``--loss hs+ns``): h as in :func:`cbow_step`, then
    :func:`targets_step` against ``word``'s path in ``theta`` (Θ) and against ``word`` and the noise
    ids ``noise[q:q+K]`` in ``w_out`` (W_out), both adding into one e with h unchanged (word2vec.c's
    ``neu1e``), then w_in[ctx_j] += ctx_scale·e. Returns ℓ_hs + ℓ_ns (0 unless ``want_loss``)."""
    ud = np.uint64(d)
    cbow_hidden(w_in, d, ctx, n_ctx, cbow_mean, h, e)
    T = window_targets(word, True, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss = targets_step(theta, h, np.uint64(0), ud, u_rows, labels, T, alpha, True, fg, e, want_loss)
    T = window_targets(word, False, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss += targets_step(w_out, h, np.uint64(0), ud, u_rows, labels, T, alpha, False, fg, e, want_loss)
    cbow_scatter(w_in, d, ctx, n_ctx, ctx_scale, e)
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
    for j in range(draws):
        buf[base + j] = draw_noise(rng, alias_prob, alias_idx)
    return lo, hi


@njit(**_inl)
def prefetch_pair(w_in, w_out, d, input_word, noise, q, K):
    """Ask for the cache lines of a skip-gram NS pair's rows before it trains: its input row
    (``input_word``'s row of ``w_in``) and its K noise rows ``noise[q:q+K]`` of ``w_out`` (random
    rows of a matrix far larger than the caches: memory latency, not arithmetic, bounds this
    variant)."""
    prefetch_row(w_in, row(input_word, d), d)
    for t in range(K):
        prefetch_row(w_out, row(noise[q + t], d), d)


@njit(**_inl)
def current_alpha(progress, alpha0, min_alpha, total_words):
    """α0 − (α0 − α_min)·min(p, 1), p = words done / ``total_words`` (raw words, all epochs): the
    run's linear decay (``w2v_scratch.textbook.optim.linear_decay``), with words done the sum of the
    per-thread progress slots (each written by one thread only: no lost updates)."""
    done = np.int64(0)
    for s in range(0, progress.shape[0], SLOT):
        done += progress[s]
    p = done / max(total_words, 1)
    if p > 1.0:
        p = 1.0
    return np.float32(alpha0 - (alpha0 - min_alpha) * p)


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
def window_scratch(m_max, n_tgt, d):
    """The scratch of :func:`sg_window` (all of it), :func:`cbow_step` (``u_rows``, ``labels``,
    ``fg``) and :func:`sg_step` (``fg``), for windows of at most ``m_max`` inputs
    and at most ``n_tgt`` targets (≥ K + 1): the tuple (x_rows, u_rows, labels, fg, ys, e_rows)
    — input row offsets, target row offsets (uint64), the targets' labels, each term's score then
    step, and its label (float32, max(m_max, 1)·n_tgt each), and the inputs' e_c (float32, m_max·d)."""
    n_terms = max(m_max, 1) * n_tgt
    return (np.zeros(m_max, np.uint64), np.zeros(n_tgt, np.uint64), np.zeros(n_tgt, np.float32),
            np.zeros(n_terms, np.float32), np.zeros(n_terms, np.float32), np.zeros(m_max * d, np.float32))


@njit(**_inl)
def sg_window(w_in, w_out, d, sen, lo, hi, i, hs, K, noise, q, points, codes, lengths, alpha, scratch, want_loss):
    """Skip-gram with ``window_batch``: the context words of position ``i``'s window ``sen[lo:hi]``
    are the inputs x_c (x_rows), the center word ``sen[i]``'s targets u_t (:func:`window_targets`:
    its path, or it and the window's noise ids ``noise[q:q+K]``) their shared targets, and
    :func:`window_step` takes the one step

        f_ct = x_c·u_t;  g_ct = α(y_t − σ(f_ct));  e_c = Σ_t g_ct·u_t;  u_t += Σ_c g_ct·x_c;  x_c += e_c

    (``scratch``: :func:`window_scratch`'s tuple). Returns (loss, pairs)."""
    x_rows, u_rows, labels, fg, ys, e_rows = scratch
    m = window_inputs(sen, lo, hi, i, d, x_rows)
    T = window_targets(sen[i], hs, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss = window_step(w_in, w_out, np.uint64(d), x_rows, m, u_rows, labels, T, alpha, hs, fg, ys, e_rows,
                       want_loss)
    return loss, m


@njit(**_inl)
def window_inputs(sen, lo, hi, i, d, x_rows):
    """The row offsets of the context words of position ``i``'s window ``sen[lo:hi]`` into ``x_rows``;
    returns their number m."""
    m = 0
    for p in range(lo, hi):
        if p != i:
            x_rows[m] = row(sen[p], d)
            m += 1
    return m


@njit(**_inl)
def sg_window_both(w_in, w_out, theta, d, sen, lo, hi, i, K, noise, q, points, codes, lengths, alpha, scratch,
                   want_loss):
    """:func:`sg_window` with both losses (``--loss hs+ns``): the window's inputs x_c against the
    center word's path in ``theta`` (Θ), then against the center word and the window's noise ids
    ``noise[q:q+K]`` in ``w_out`` (W_out), each by :func:`window_update` into the same e_c with the
    inputs unchanged, then x_c += e_c (:func:`window_apply`): the SGD step on the window's
    L_hs + L_ns (``w2v_scratch.textbook.window.both_window_step``). Returns (loss, pairs)."""
    x_rows, u_rows, labels, fg, ys, e_rows = scratch
    ud = np.uint64(d)
    m = window_inputs(sen, lo, hi, i, d, x_rows)
    T = window_targets(sen[i], True, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss = window_update(w_in, theta, ud, x_rows, m, u_rows, labels, T, alpha, True, fg, ys, e_rows, want_loss,
                         True)
    T = window_targets(sen[i], False, points, codes, lengths, noise, q, K, d, u_rows, labels)
    loss += window_update(w_in, w_out, ud, x_rows, m, u_rows, labels, T, alpha, False, fg, ys, e_rows, want_loss,
                          False)
    window_apply(w_in, ud, x_rows, m, e_rows)
    return loss, m


@njit(**_inl)
def sg_pairs(w_in, w_out, d, sen, n, i, lo_c, hi_c, lo_n, hi_n, hs, K, shared, noise, cb, nb, points, codes, lengths,
             alpha, e, count, want_loss, fg, theta, both):
    """Skip-gram pair by pair (word2vec.c): each context word of position ``i``'s window
    ``sen[lo_c:hi_c]`` is the input of its own :func:`sg_step` predicting ``sen[i]``, its K noise
    ids at ``noise[q:]`` (q from ``cb``, K further per pair unless ``shared``). NS prefetches the
    next pair's rows first: the next context here, else the first of position i + 1 (window
    ``lo_n:hi_n``, noise at ``nb``). With ``both`` each pair is :func:`sg_step_both` (Θ: ``theta``).
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
                    prefetch_row(w_in, row(sen[jn], d), d)
                else:
                    prefetch_pair(w_in, w_out, d, sen[jn], noise, qn, K)
        measure = want_loss and count[0] % LOSS_EVERY == 0
        if both:
            loss_sum += sg_step_both(w_in, w_out, theta, d, sen[j], word, K, noise, q, points, codes, lengths, alpha,
                                     e, measure, fg)
        else:
            loss_sum += sg_step(w_in, w_out, d, sen[j], word, hs, K, noise, q, points, codes, lengths, alpha, e,
                                measure, fg)
        loss_pairs += measure
        count[0] += 1
        if not shared:
            q += K
    return loss_sum, loss_pairs


@njit(**_inl)
def train_sentence(sen, n, w_in, w_out, d, alias_prob, alias_idx, codes, points, lengths, sg, hs, window, K, shared,
                   batch, cbow_mean, ctx_scale, alpha, rng, noise, ctx, h, e, count, want_loss, scratch, theta, both):
    """Train on the pseudo-sentence ``sen[:n]``, position by position: skip-gram one pair per
    (context, center) of each window — or, with ``batch``, all the window's pairs in one step
    (:func:`sg_window`) — CBOW one example per window (:func:`cbow_step`). With ``shared``
    (skip-gram NS) the K noise words are drawn once per window and every pair of the window uses
    them (HogBatch's sharing, docs/math.md); otherwise each pair draws its own, as word2vec.c.
    Each position's draws (radius, noise ids) are made one position ahead — the same LCG
    sequence in the same order as drawing them as they are needed — so skip-gram NS can
    prefetch the rows of the next pair (or window) while one trains. ``count`` (int64[2]):
    this chunk's examples and windows so far, updated; every LOSS_EVERY-th example is measured
    (with ``batch``, every LOSS_EVERY-th window, all its pairs). Returns (loss sum, measured
    examples). ``scratch``: :func:`window_scratch`'s tuple. With ``both`` (``--loss hs+ns``) every step
    trains both losses: HS on ``theta`` (Θ), NS on ``w_out`` (W_out) with ``K`` noise ids
    (:func:`sg_window_both`, :func:`sg_step_both`, :func:`cbow_step_both`)."""
    x_rows, u_rows, labels, fg, ys, e_rows = scratch
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
                prefetch_row(w_out, row(sen[i + 1], d), d)
                if batch:  # the next window's noise rows and its last context row (usually the new one)
                    prefetch_pair(w_in, w_out, d, sen[hi_n - 1], noise, nb, K)
        if sg and batch:
            if hi_c - lo_c > 1:
                measure = want_loss and count[1] % LOSS_EVERY == 0
                if both:
                    ls, m = sg_window_both(w_in, w_out, theta, d, sen, lo_c, hi_c, i, K, noise, cb, points, codes,
                                           lengths, alpha, scratch, measure)
                else:
                    ls, m = sg_window(w_in, w_out, d, sen, lo_c, hi_c, i, hs, K, noise, cb, points, codes, lengths,
                                      alpha, scratch, measure)
                loss_sum += ls
                loss_pairs += m if measure else 0
                count[0] += m
                count[1] += 1
        elif sg:
            ls, lp = sg_pairs(w_in, w_out, d, sen, n, i, lo_c, hi_c, lo_n, hi_n, hs, K, shared, noise, cb, nb, points,
                              codes, lengths, alpha, e, count, want_loss, fg, theta, both)
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
                if both:
                    loss_sum += cbow_step_both(w_in, w_out, theta, d, ctx, n_ctx, word, K, noise, cb, points, codes,
                                               lengths, alpha, cbow_mean, scale, h, e, measure, u_rows, labels, fg)
                else:
                    loss_sum += cbow_step(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, cb, points, codes, lengths,
                                          alpha, cbow_mean, scale, h, e, measure, u_rows, labels, fg)
                loss_pairs += measure
                count[0] += 1
        lo_c, hi_c = lo_n, hi_n
    return loss_sum, loss_pairs


@njit(**_opts)
def train_chunk(ids, offsets, sent_lo, sent_hi, w_in, w_out, d, keep_prob,
                alias_prob, alias_idx, codes, points, lengths,
                sg, hs, window, negative, cbow_mean, ctx_scale,
                alpha0, min_alpha, total_words, progress, slot, rng, stats, want_loss, shared_noise=False,
                window_batch=False, theta=None):
    """Train on sentences ``sent_lo:sent_hi`` of the encoded corpus (``ids``, ``offsets``).

    ``w_in`` and ``w_out`` are the two tables as flat float32 arrays of rows of ``d`` (the trainer
    passes ``reshape(-1)`` views of its C-contiguous matrices). Per sentence: drop words by
    subsampling (keep w with ``keep_prob[w]``), cut the kept words into pseudo-sentences of at
    most 1000 (word2vec.c), draw a window radius R = window − b, b uniform in [0, window), per
    position, and train each window (:func:`train_sentence`; ``sg``: skip-gram, else CBOW;
    ``hs``: hierarchical softmax, else ``negative`` noise words from the alias table).
    ``shared_noise`` (skip-gram NS): K noise words per window, not per pair. ``window_batch``
    (skip-gram; NS only with ``shared_noise``): one step per window on all its pairs
    (:func:`window_step`) instead of pair by pair. CBOW context rows get ``ctx_scale · e``
    (1: word2vec.c; a value ≤ 0 means 1/n, the exact gradient of the mean).

    ``theta`` (flat float32 Θ, given with ``hs`` only) turns on both losses at once (``--loss hs+ns``,
    word2vec.c's ``-hs 1 -negative K``): ``w_out`` is then W_out, ``theta`` Θ, and every step trains
    HS on Θ and NS with ``negative`` noise ids on W_out into one e (``window_batch`` needs
    ``shared_noise`` then, as NS alone). Without it (the default, a compile of its own) ``w_out`` is
    the one loss's table and nothing of the other loss runs.

    ``progress[slot]`` (int64) counts this thread's raw words over the whole run; the learning
    rate is refreshed from the sum of all slots every 10k raw words. ``rng``: this thread's LCG
    state (uint64[1]). ``stats`` (float64, this thread's): += loss, loss pairs, pairs, kept
    words, raw words. With ``want_loss`` the loss is computed for every LOSS_EVERY-th example
    (``window_batch``: window) — a systematic sample: loss / loss pairs estimates the mean loss
    per pair without paying log1p on every target. Returns the learning rate at the end.
    """
    if theta is None:  # a compile-time branch: Numba prunes the other one for each signature
        th = w_out
        both = False
    else:
        th = theta
        both = hs and negative > 0
    h = np.zeros(d, np.float32)
    e = np.zeros(d, np.float32)
    K = negative if (both or not hs) else 0  # noise ids per pair (skip-gram) or per window (CBOW)
    noise = np.zeros(2 * (2 * window * K) + 1, np.int64)  # draws of two positions: this one, the next
    ctx = np.zeros(2 * window, np.int64)
    sen = np.zeros(MAX_SENTENCE, np.int64)
    shared = shared_noise and sg and K > 0
    batch = window_batch and sg and ((hs and not both) or shared)
    scratch = window_scratch(2 * window, max(points.shape[1], K + 1), d)
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
                ls, lp = train_sentence(sen, n, w_in, w_out, d, alias_prob, alias_idx, codes, points, lengths, sg, hs,
                                        window, K, shared, batch, cbow_mean, ctx_scale, alpha, rng, noise, ctx, h, e,
                                        count, want_loss, scratch, th, both)
                loss_sum += ls
                loss_pairs += lp
    progress[slot] += raw - reported
    stats[ST_LOSS] += loss_sum
    stats[ST_LOSS_PAIRS] += loss_pairs
    stats[ST_PAIRS] += count[0]
    stats[ST_KEPT] += kept_total
    stats[ST_RAW] += raw
    return current_alpha(progress, alpha0, min_alpha, total_words)
