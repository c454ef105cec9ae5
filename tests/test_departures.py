"""The cpu kernels' documented departures from the exact gradient (kernels/cpu.py, word2vec.c).

Each departure gets a case built to trigger it, and each test checks two things:

* the kernel's update equals the *documented* rule, derived here from the exact gradients of
  ``losses.py`` / ``models.py`` (the reference) plus the departure written out by hand;
* the kernel's update is measurably *not* the exact gradient, so a kernel that (say) dropped the
  clipping would fail.

The departures (docs: kernels/cpu.py, /work/shared/notes/word2vec-c-semantics.md):

1. negative sampling clips σ: σ := 1 for f > 6 and 0 for f < −6, so the positive gets no update
   for f > 6, a noise word none for f < −6, and a noise word with f > 6 gets g = −α exactly;
2. hierarchical softmax skips path nodes with |f| ≥ 6 (no update), but they count in the loss;
3. a noise draw equal to the positive word is skipped: no update, and not redrawn;
4. CBOW mean mode adds the undivided error e to every context row (ctx_scale 1); ctx_scale 1/n
   (or ≤ 0 in ``train_chunk``) gives the exact gradient of the mean, e/n.

The per-pair building blocks ``cpu.sg_step`` / ``cpu.cbow_step`` are called through small
``numba.njit`` wrappers defined here (they are ``inline="always"`` njit functions).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from w2v_scratch.textbook.huffman import HuffmanTree
from w2v_scratch.textbook.huffman import build as build_huffman
from w2v_scratch.kernels import cpu
from w2v_scratch.textbook.losses import HierarchicalSoftmax, NegativeSampling
from w2v_scratch.textbook.models import CBOW
from w2v_scratch.training.kernel_inputs import corpus_arrays

V, D = 12, 8
ALPHA = 0.1
COUNTS = np.array([50, 40, 30, 22, 20, 15, 11, 9, 7, 5, 3, 2])
NO_PATHS = dict(points=np.zeros((1, 1), np.int32), codes=np.zeros((1, 1), np.uint8), lengths=np.zeros(1, np.int32))
EMPTY = np.zeros(0, np.int64)


# ---------------------------------------------------------------------------
# Wrappers around the kernels' building blocks
# ---------------------------------------------------------------------------
@numba.njit
def _sg_step(w_in, w_out, d, input_word, word, hs, K, noise, points, codes, lengths, alpha, e, want_loss):
    return cpu.sg_step(w_in, w_out, d, input_word, word, hs, K, noise, 0, points, codes, lengths, alpha, e, want_loss,
                       np.zeros(K + 1, np.float32))


@numba.njit
def _cbow_step(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, points, codes, lengths, alpha, cbow_mean, ctx_scale,
               h, e, want_loss):
    _, u_rows, labels, fg, _, _ = cpu.window_scratch(0, max(points.shape[1], K + 1), d)
    return cpu.cbow_step(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, 0, points, codes, lengths, alpha, cbow_mean,
                         ctx_scale, h, e, want_loss, u_rows, labels, fg)


def sg(center, output, inp, word, *, hs=False, negative=0, given=EMPTY, tree=None):
    """One skip-gram pair through cpu.sg_step on copies; returns (center, output, loss)."""
    c, o = center.copy(), output.copy()
    paths = NO_PATHS if tree is None else dict(points=tree.points.astype(np.int32), codes=tree.codes.astype(np.uint8),
                                               lengths=tree.lengths.astype(np.int32))
    loss = _sg_step(c.reshape(-1), o.reshape(-1), D, inp, word, hs, negative, np.asarray(given, np.int64),
                    paths["points"], paths["codes"], paths["lengths"], np.float32(ALPHA), np.zeros(D, np.float32), True)
    return c, o, float(loss)


def cbow(center, output, ctx, word, *, given, ctx_scale):
    """One CBOW (mean) example with negative sampling through cpu.cbow_step on copies."""
    c, o = center.copy(), output.copy()
    loss = _cbow_step(c.reshape(-1), o.reshape(-1), D, np.asarray(ctx, np.int64), len(ctx), word, False, len(given),
                      np.asarray(given, np.int64), NO_PATHS["points"], NO_PATHS["codes"], NO_PATHS["lengths"],
                      np.float32(ALPHA), True, np.float32(ctx_scale), np.zeros(D, np.float32),
                      np.zeros(D, np.float32), True)
    return c, o, float(loss)


# ---------------------------------------------------------------------------
# Helpers: building cases, exact updates from the reference, comparisons
# ---------------------------------------------------------------------------
def rows_with_scores(x, scores, rng):
    """Rows u_k with x·u_k = scores[k] (in float64): a random part orthogonal to x plus s·x/|x|²."""
    x = x.astype(np.float64)
    out = []
    for s in scores:
        z = rng.standard_normal(len(x)) * 0.3
        z -= (z @ x) / (x @ x) * x
        out.append(z + s * x / (x @ x))
    return np.array(out)


def ns_exact(h, output, targets, labels):
    """losses.py's negative sampling (word2vec's sum form) for one example, float64:
    (loss, ∂ℓ/∂h, rows, ∂ℓ/∂rows)."""
    t = np.array([targets])
    out = NegativeSampling(normalize=False)(h[None].astype(np.float64), output.astype(np.float64), t,
                                            np.array([labels], np.float64), np.ones(t.shape))
    return float(out.loss[0]), out.grad_h[0], out.rows, out.grad_rows


def applied(matrix, rows, grads, alpha=ALPHA):
    """matrix (float64 copy) after the SGD step −α·grads on rows (repeated rows add up)."""
    m = matrix.astype(np.float64).copy()
    np.add.at(m, rows, -alpha * np.asarray(grads))
    return m


def assert_update(before, after_kernel, after_expected):
    """The kernel changed exactly the rows the rule changes, by the rule's amounts: rows the rule
    leaves alone are bit-for-bit unchanged, the others agree to float32 accuracy (relative 2e-5 of
    the change itself, much tighter than the ≈1e-3 departures tested here)."""
    dk = after_kernel.astype(np.float64) - before
    de = after_expected - before
    still = np.abs(de).max(axis=1) == 0
    assert np.array_equal(after_kernel[still], before[still].astype(after_kernel.dtype)), "rows the rule leaves alone"
    np.testing.assert_allclose(dk, de, rtol=2e-5, atol=1e-8)


def assert_not_update(before, after_kernel, after_other):
    """The kernel's update is not ``after_other`` (e.g. the exact gradient's) at that accuracy."""
    dk = after_kernel.astype(np.float64) - before
    do = after_other - before
    assert not np.allclose(dk, do, rtol=2e-5, atol=1e-8)


def _normal_tables(seed, n_out=V):
    rng = np.random.default_rng(seed)
    center = rng.standard_normal((V, D)).astype(np.float32)  # |x| ≈ 2.8: output rows stay O(1)
    output = (rng.standard_normal((n_out, D)) * 0.3).astype(np.float32)
    return center, output, rng


# ---------------------------------------------------------------------------
# 1. negative sampling clips σ at |f| > 6
# ---------------------------------------------------------------------------
def test_ns_clips_sigma_beyond_six():
    center, output, rng = _normal_tables(0)
    inp, word = 3, 5
    noise = [1, 7, 9]
    scores = {5: 6.5, 1: -7.0, 7: 6.8, 9: 0.4}  # positive > 6; noise < −6, > 6, in range
    x = center[inp].astype(np.float64)
    for w, row in zip(scores, rows_with_scores(x, scores.values(), rng)):
        output[w] = row
    f = output.astype(np.float64) @ x
    assert f[5] > 6.2 and f[1] < -6.2 and f[7] > 6.2 and abs(f[9]) < 1  # float32 rounding stays clear of ±6

    c_k, o_k, loss_k = sg(center, output, inp, word, negative=3, given=noise)

    # documented rule: the positive (f > 6, σ := 1 → g = 0) and noise 1 (f < −6, σ := 0 → g = 0)
    # get nothing; noise 9 is in range: the exact gradient; noise 7 (f > 6, σ := 1): ∂ℓ/∂f = σ − 0 = 1,
    # so ∂ℓ/∂h = u_7 and ∂ℓ/∂u_7 = h, i.e. g = −α.
    _, gh9, rows9, gr9 = ns_exact(x, output, [9], [0.0])
    u7 = output[7].astype(np.float64)
    want_center = applied(center, [inp], [gh9 + u7])
    want_output = applied(output, np.concatenate([rows9, [7]]), np.concatenate([gr9, x[None]]))
    assert_update(center, c_k, want_center)
    assert_update(output, o_k, want_output)
    assert np.array_equal(o_k[[5, 1]], output[[5, 1]])  # clipped to no update at all

    # the exact gradient (σ everywhere) is measurably different, row by row
    loss_x, ghx, rowsx, grx = ns_exact(x, output, [5] + noise, [1.0, 0.0, 0.0, 0.0])
    exact_output = applied(output, rowsx, grx)
    assert_not_update(center, c_k, applied(center, [inp], [ghx]))
    for w in (5, 1, 7):
        assert_not_update(output[[w]], o_k[[w]], exact_output[[w]])
    # the loss is not clipped: exact −log σ(f₊) − Σ log σ(−f₋) over all four targets
    assert loss_k == pytest.approx(loss_x, rel=1e-5)


# ---------------------------------------------------------------------------
# 2. hierarchical softmax skips nodes with |f| ≥ 6
# ---------------------------------------------------------------------------
def test_hs_skips_nodes_beyond_six():
    tree = build_huffman(COUNTS)
    word = int(np.argmax(tree.lengths))  # a long path
    n = int(tree.lengths[word])
    assert n >= 4
    points, codes = tree.points[word, :n], tree.codes[word, :n]
    center, inner, rng = _normal_tables(1, n_out=V - 1)
    inp = 2
    x = center[inp].astype(np.float64)
    scores = [7.0, -6.5, 0.5, -1.2] + [0.3] * (n - 4)  # the first two nodes are beyond ±6
    inner[points] = rows_with_scores(x, scores, rng)
    f = inner.astype(np.float64)[points] @ x
    assert f[0] > 6.2 and f[1] < -6.2 and np.all(np.abs(f[2:]) < 2)

    c_k, o_k, loss_k = sg(center, inner, inp, word, hs=True, tree=tree)

    # documented rule: the exact HS gradient of the path with the skipped nodes removed
    keep = np.abs(f) < 6
    sub = HuffmanTree(codes[keep][None].astype(np.uint8), points[keep][None].astype(np.int32),
                      np.array([keep.sum()], np.int32))
    part = HierarchicalSoftmax(sub)(x[None], inner.astype(np.float64), np.array([0]))
    assert_update(center, c_k, applied(center, [inp], part.grad_h))
    assert_update(inner, o_k, applied(inner, part.rows, part.grad_rows))
    assert np.array_equal(o_k[points[~keep]], inner[points[~keep]])

    # the exact gradient over the whole path differs (the skipped nodes would move), but the loss
    # is the whole path's, skipped nodes included
    full = HierarchicalSoftmax(tree)(x[None], inner.astype(np.float64), np.array([word]))
    assert_not_update(center, c_k, applied(center, [inp], full.grad_h))
    exact_inner = applied(inner, full.rows, full.grad_rows)
    for p in points[~keep]:
        assert_not_update(inner[[p]], o_k[[p]], exact_inner[[p]])
    assert loss_k == pytest.approx(float(full.loss[0]), rel=1e-5)
    assert loss_k > float(part.loss[0]) + 1.0  # the skipped nodes' −log σ terms are in it


# ---------------------------------------------------------------------------
# 3. a noise draw equal to the positive is skipped, not redrawn
# ---------------------------------------------------------------------------
def test_noise_equal_to_positive_gets_no_update():
    center, output, _ = _normal_tables(2)
    inp, word = 3, 5
    c_k, o_k, loss_k = sg(center, output, inp, word, negative=3, given=[5, 2, 5])
    x = center[inp].astype(np.float64)
    assert np.all(np.abs(output.astype(np.float64) @ x) < 6)  # no clipping involved
    loss_w, gh, rows, gr = ns_exact(x, output, [5, 2], [1.0, 0.0])  # the duplicates dropped
    assert_update(center, c_k, applied(center, [inp], gh))
    assert_update(output, o_k, applied(output, rows, gr))
    assert loss_k == pytest.approx(loss_w, rel=1e-5)  # and not in the loss either
    # treating the duplicates as noise (label 0) would be a different update
    _, gh2, rows2, gr2 = ns_exact(x, output, [5, 2, 5, 5], [1.0, 0.0, 0.0, 0.0])
    assert_not_update(output, o_k, applied(output, rows2, gr2))
    assert_not_update(center, c_k, applied(center, [inp], gh2))


def test_noise_drawn_twice_is_the_exact_gradient():
    """Not a departure: ns_update scores all K + 1 targets at the pair's start, so a noise id drawn
    twice gives its row both terms' steps, each computed from the row as it was — the reference's
    gradient of the pair's loss, in which that row appears twice."""
    center, output, _ = _normal_tables(3)
    inp, word = 3, 5
    c_k, o_k, loss_k = sg(center, output, inp, word, negative=3, given=[2, 7, 2])
    x = center[inp].astype(np.float64)
    assert np.all(np.abs(output.astype(np.float64) @ x) < 6)  # no clipping involved
    loss_w, gh, rows, gr = ns_exact(x, output, [5, 2, 7, 2], [1.0, 0.0, 0.0, 0.0])
    assert_update(center, c_k, applied(center, [inp], gh))
    assert_update(output, o_k, applied(output, rows, gr))
    assert loss_k == pytest.approx(loss_w, rel=1e-5)


def test_noise_equal_to_positive_is_not_redrawn():
    """The training kernel draws exactly K noise ids per pair, whatever they are: with an alias
    table that only ever yields word 0, the pair whose positive is word 0 gets K skipped draws,
    not a redraw (which would never end here). One sentence "w0 w1", window 1, no subsampling:
    2 radius draws (one LCG step each) + 2 pairs × K draws × 2 steps (column, coin) — the
    generator must end exactly that many steps of word2vec.c's LCG after its seed."""
    K, seed = 3, 12345
    rng = np.array([seed], np.uint64)
    m = np.zeros((2, D), np.float32)
    cpu.train_chunk(*corpus_arrays([0, 1], [0, 2]), 0, 1, m.reshape(-1).copy(),
                    m.reshape(-1).copy(), m.shape[1], np.ones(2, np.float32), np.zeros(2, np.float32),
                    np.zeros(2, np.int32), NO_PATHS["codes"], NO_PATHS["points"], NO_PATHS["lengths"], True, False, 1,
                    K, True, np.float32(1), np.float32(ALPHA), np.float32(ALPHA), 1, np.zeros(cpu.SLOT, np.int64), 0,
                    rng, np.zeros(cpu.N_STATS), False, False, False)
    state = seed
    for _ in range(2 + 2 * K * 2):
        state = (state * 25214903917 + 11) % 2**64
    assert int(rng[0]) == state


# ---------------------------------------------------------------------------
# 4. CBOW mean mode: undivided e on every context row (word2vec.c) vs e/n (exact)
# ---------------------------------------------------------------------------
def _cbow_exact(center, output, ctx, word, noise):
    """models.CBOW(mean) + losses.py: h, ∂ℓ/∂h, the output rows' gradients, and the context rows'
    exact gradients ∂ℓ/∂v_c = ∂ℓ/∂h / n."""
    model = CBOW(mean=True)
    inputs = (np.array([ctx]), np.ones((1, len(ctx)), bool))
    h = model.hidden(center.astype(np.float64), inputs)[0]
    loss, gh, rows, gr = ns_exact(h, output, [word] + noise, [1.0] + [0.0] * len(noise))
    ctx_rows, ctx_grads = model.backward(gh[None], inputs)
    return loss, gh, rows, gr, ctx_rows, ctx_grads


def test_cbow_mean_adds_undivided_error_to_every_context_row():
    center, output, _ = _normal_tables(4)
    center *= np.float32(0.3)
    ctx, word, noise = [1, 4, 8], 6, [2, 9]
    loss, gh, rows, gr, ctx_rows, ctx_grads = _cbow_exact(center, output, ctx, word, noise)
    exact_center = applied(center, ctx_rows, ctx_grads)
    word2vec_center = applied(center, ctx, [gh] * len(ctx))  # e = −α ∂ℓ/∂h, undivided
    want_output = applied(output, rows, gr)

    c1, o1, loss1 = cbow(center, output, ctx, word, given=noise, ctx_scale=1.0)  # word2vec.c
    assert_update(center, c1, word2vec_center)
    assert_not_update(center, c1, exact_center)
    assert_update(output, o1, want_output)  # the output side is exact either way
    assert loss1 == pytest.approx(loss, rel=1e-5)

    cn, on, _ = cbow(center, output, ctx, word, given=noise, ctx_scale=1.0 / len(ctx))  # exact
    assert_update(center, cn, exact_center)
    assert_update(output, on, want_output)


@pytest.mark.parametrize("ctx_scale", [1.0, 0.0, -1.0])
def test_train_chunk_cbow_ctx_scale(ctx_scale):
    """Through the training kernel: a 3-word sentence, window 1 (radius always 1), HS, no
    subsampling, constant α. ``ctx_scale`` 1 adds the undivided e to each context row; ≤ 0 means
    1/n (the exact gradient of the mean). The middle position has n = 2, so the two differ."""
    tree = build_huffman(COUNTS)
    center, inner, _ = _normal_tables(5, n_out=V - 1)
    center *= np.float32(0.3)
    sent = [4, 9, 1]
    c_k, o_k = center.copy(), inner.copy()
    ids = np.array(sent, np.int32)
    offsets = np.array([0, 3], np.int64)
    cpu.train_chunk(*corpus_arrays(ids, offsets), 0, 1, c_k.reshape(-1), o_k.reshape(-1), c_k.shape[1],
                    np.ones(V, np.float32),
                    np.ones(1, np.float32), np.zeros(1, np.int32), tree.codes.astype(np.uint8),
                    tree.points.astype(np.int32), tree.lengths.astype(np.int32), False, True, 1, 0, True,
                    np.float32(ctx_scale), np.float32(ALPHA), np.float32(ALPHA), 3, np.zeros(cpu.SLOT, np.int64), 0,
                    np.array([7], np.uint64), np.zeros(cpu.N_STATS), False, False, False)

    def emulate(exact):
        """Sequential CBOW-HS steps from models.CBOW(mean) + losses.py, float64."""
        c, o = center.astype(np.float64), inner.astype(np.float64)
        hs = HierarchicalSoftmax(tree)
        model = CBOW(mean=True)
        for i, w in enumerate(sent):
            ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
            inputs = (np.array([ctx]), np.ones((1, len(ctx)), bool))
            out = hs(model.hidden(c, inputs), o, np.array([w]))
            o[out.rows] -= ALPHA * out.grad_rows  # path nodes are distinct
            if exact:
                rows, grads = model.backward(out.grad_h, inputs)
            else:  # word2vec.c: every context row gets the undivided −α ∂ℓ/∂h
                rows, grads = np.array(ctx), np.repeat(out.grad_h, len(ctx), axis=0)
            np.add.at(c, rows, -ALPHA * grads)
        return c, o

    want, other = (emulate(False), emulate(True)) if ctx_scale > 0 else (emulate(True), emulate(False))
    np.testing.assert_allclose(c_k, want[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(o_k, want[1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(c_k, other[0], rtol=1e-4, atol=1e-6)
