"""Finite-difference checks of every closed-form gradient, and of the checker itself."""

from __future__ import annotations

import numpy as np
import pytest

from w2v_scratch.textbook import gradcheck
from w2v_scratch.textbook.losses import (BothLosses, FullSoftmax, HierarchicalSoftmax, LossGrads, NegativeSampling,
                                         sigmoid)
from w2v_scratch.textbook.models import CBOW, SkipGram

MODELS = dict(gradcheck.MODELS)


def check(model, loss_label, seed=0, loss=None, **kw):
    rng = np.random.default_rng(seed)
    p = gradcheck.make_problem(model, loss_label, rng, loss=loss, **kw)
    return {r.block: r for r in gradcheck.check_problem(p, "m", loss_label)}


# ---------------------------------------------------------------------------
# Every model × loss × parameter block agrees with central differences
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("loss_label", gradcheck.LOSSES)
@pytest.mark.parametrize("model_label", list(MODELS))
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_central_differences(model_label, loss_label, seed):
    rows = check(MODELS[model_label](), loss_label, seed)
    assert set(rows) == ({"w_in", "w_out", "theta"} if loss_label == "hs+ns" else {"w_in", "w_out"})
    for block, row in rows.items():
        assert row.max_rel_error < 1e-8, (model_label, loss_label, block, row.max_rel_error)
        assert row.passed


@pytest.mark.parametrize("loss_label", gradcheck.LOSSES)
def test_problems_are_not_trivial(loss_label):
    """The gradients checked are non-zero, touch several rows, and leave some rows untouched."""
    p = gradcheck.make_problem(CBOW(), loss_label, np.random.default_rng(3))
    a = gradcheck.analytic_gradients(p)
    for g in a.values():
        touched = np.abs(g).sum(axis=1) > 0
        assert touched.sum() >= 2
        assert np.abs(g).max() > 1e-3
    assert p.w_in.dtype == p.w_out.dtype == np.float64
    assert set(a) == ({"w_in", "w_out", "theta"} if loss_label == "hs+ns" else {"w_in", "w_out"})


def test_run_covers_every_pair_and_passes():
    rows = gradcheck.run(seed=5)
    assert {(r.model, r.loss) for r in rows} == {(m, l) for m in MODELS for l in gradcheck.LOSSES} | set(gradcheck.STEPS)
    blocks = lambda loss: 3 if loss == "hs+ns" else 2  # noqa: E731  (hs+ns: w_in, w_out = W_out, theta = Θ)
    assert len(rows) == (len(MODELS) * sum(map(blocks, gradcheck.LOSSES))
                         + sum(blocks(loss) for _, loss in gradcheck.STEPS))
    assert all(r.passed for r in rows)
    assert max(r.max_rel_error for r in rows) < 1e-8


def test_run_can_be_restricted():
    rows = gradcheck.run(seed=0, models=["sg"], losses=["hs"])
    assert [(r.model, r.loss, r.block) for r in rows] == [("sg", "hs", "w_in"), ("sg", "hs", "w_out")]


def test_relative_error_definition():
    a = np.array([[1.0, 0.0], [0.0, -2.0]])
    assert gradcheck.relative_error(a, a) == 0.0
    assert gradcheck.relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert gradcheck.relative_error(a, -a) == pytest.approx(2.0)
    n = a.copy()
    n[0, 1] = 1e-3  # one tiny entry wrong: measured against the block's scale (2)
    assert gradcheck.relative_error(a, n) == pytest.approx(5e-4)


def test_numeric_gradient_of_a_known_function():
    """The finite-difference side alone: L = Σ_b ½‖h_b‖² for skip-gram gives ∂L/∂v_c = v_c · (times used)."""

    class HalfSquare:
        def __call__(self, h, context, words):
            return LossGrads(0.5 * (h ** 2).sum(axis=1), h.copy(), np.zeros(0, int), np.zeros((0, h.shape[1])))

    p = gradcheck.make_problem(SkipGram(), "softmax", np.random.default_rng(0), loss=HalfSquare())
    num = gradcheck.numeric_gradients(p)
    expected = np.zeros_like(p.w_in)
    np.add.at(expected, p.step.inputs, p.w_in[p.step.inputs])
    assert np.allclose(num["w_in"], expected, atol=1e-9)
    assert np.all(num["w_out"] == 0)


# ---------------------------------------------------------------------------
# Deliberately wrong gradients are caught
# ---------------------------------------------------------------------------


class SignFlipNS(NegativeSampling):
    def __call__(self, *a):
        out = super().__call__(*a)
        return LossGrads(out.loss, out.grad_h, out.rows, -out.grad_rows)


class MissingNormNS(NegativeSampling):
    """Textbook loss, but the gradient forgets the 1/n_b of the masked mean."""

    def __call__(self, h, context, targets, labels, mask):
        out = super().__call__(h, context, targets, labels, mask)
        n = np.maximum(mask.sum(axis=1), 1)
        per_entry = np.repeat(n[:, None], targets.shape[1], axis=1).reshape(-1)[mask.reshape(-1) > 0]
        return LossGrads(out.loss, out.grad_h * n[:, None], out.rows, out.grad_rows * per_entry[:, None])


class LeakyPaddingNS(NegativeSampling):
    """Forgets the mask in ∂ℓ/∂u: padded entries (target 0) receive a gradient."""

    def __call__(self, h, context, targets, labels, mask):
        out = super().__call__(h, context, targets, labels, mask)
        s = np.einsum("bd,bld->bl", h, context[targets])
        n = np.maximum(mask.sum(axis=1, keepdims=True), 1) if self.normalize else 1
        g = (sigmoid(s) - labels) / n
        return LossGrads(out.loss, out.grad_h, targets.reshape(-1), (g[:, :, None] * h[:, None, :]).reshape(-1, h.shape[1]))


class FirstOccurrenceNS(NegativeSampling):
    """Keeps only the first gradient of a row that appears several times (a scatter-overwrite bug)."""

    def __call__(self, *a):
        out = super().__call__(*a)
        _, first = np.unique(out.rows, return_index=True)
        return LossGrads(out.loss, out.grad_h, out.rows[first], out.grad_rows[first])


class WrongCodeHS(HierarchicalSoftmax):
    """Uses g = σ(s) − c instead of σ(s) − (1 − c): the branch convention mixed up in the gradient."""

    def __call__(self, h, inner_nodes, words):
        out = super().__call__(h, inner_nodes, words)
        points, codes, mask = self._paths(words)
        theta = inner_nodes[points]
        s = np.einsum("bd,bpd->bp", h, theta)
        g = mask * (sigmoid(s) - codes)
        return LossGrads(out.loss, np.einsum("bp,bpd->bd", g, theta), out.rows,
                         (g[:, :, None] * h[:, None, :]).reshape(-1, h.shape[1])[mask.reshape(-1)])


class TargetOnlySoftmax(FullSoftmax):
    """Updates only the target row of W_out (forgets the p_v h of every other word)."""

    def __call__(self, h, context, words):
        out = super().__call__(h, context, words)
        return LossGrads(out.loss, out.grad_h, words, -h * (1 - self.probabilities(h, context)[np.arange(len(h)), words])[:, None])


class Word2vecCBOW(CBOW):
    """word2vec.c's CBOW-mean update: every context row gets the undivided ∂ℓ/∂h."""

    def backward(self, grad_h, inputs):
        contexts, mask = inputs
        keep = mask.reshape(-1) > 0
        grads = np.repeat(grad_h[:, None, :], contexts.shape[1], axis=1).reshape(-1, grad_h.shape[1])
        return contexts.reshape(-1)[keep], grads[keep]


class HalfSkipGram(SkipGram):
    def backward(self, grad_h, centers):
        return centers, 0.5 * grad_h


@pytest.mark.parametrize("model, loss_label, loss, block", [
    (SkipGram(), "ns", SignFlipNS(normalize=True), "w_out"),
    (SkipGram(), "ns-sum", SignFlipNS(normalize=False), "w_out"),
    (SkipGram(), "ns", MissingNormNS(normalize=True), "w_in"),
    (SkipGram(), "ns", MissingNormNS(normalize=True), "w_out"),
    (SkipGram(), "ns", LeakyPaddingNS(normalize=True), "w_out"),
    (SkipGram(), "ns", FirstOccurrenceNS(normalize=True), "w_out"),
    (SkipGram(), "hs", "WrongCodeHS", "w_in"),
    (SkipGram(), "hs", "WrongCodeHS", "w_out"),
    (SkipGram(), "softmax", TargetOnlySoftmax(), "w_out"),
    (Word2vecCBOW(mean=True), "ns-sum", None, "w_in"),
    (Word2vecCBOW(mean=True), "hs", None, "w_in"),
    (HalfSkipGram(), "softmax", None, "w_in"),
], ids=["ns-sign-flip", "ns-sum-sign-flip", "ns-missing-1/n-center", "ns-missing-1/n-context",
        "ns-padding-leak", "ns-repeated-row-dropped", "hs-code-convention-center",
        "hs-code-convention-inner", "softmax-target-row-only", "cbow-word2vec-undivided-ns",
        "cbow-word2vec-undivided-hs", "sg-half-gradient"])
def test_wrong_gradient_is_caught(model, loss_label, loss, block):
    rng = np.random.default_rng(0)
    if loss == "WrongCodeHS":  # needs the problem's tree: build the problem, then swap the loss
        p = gradcheck.make_problem(model, loss_label, rng)
        p.loss = WrongCodeHS(p.loss.tree)
    else:
        p = gradcheck.make_problem(model, loss_label, rng, loss=loss)
    rows = {r.block: r for r in gradcheck.check_problem(p, "m", loss_label)}
    assert not rows[block].passed
    assert rows[block].max_rel_error > 1e-3  # far above the tolerance, not a borderline call


def test_cbow_backward_hand_computed():
    """A window worked out by hand: contexts 0, 2, 2 (word 2 twice) and one padded slot (word 3),
    so n = 3. Mean: h = (v0 + 2·v2)/3 and each of the three real slots gets ∂ℓ/∂h / 3;
    sum: h = v0 + 2·v2 and each gets ∂ℓ/∂h. The padded slot gets nothing."""
    center = np.array([[3.0, 0.0], [7.0, 7.0], [0.0, 3.0], [100.0, 100.0]])
    inputs = (np.array([[0, 2, 2, 3]]), np.array([[1, 1, 1, 0]]))
    grad_h = np.array([[6.0, -3.0]])

    mean, total = CBOW(mean=True), CBOW(mean=False)
    np.testing.assert_allclose(mean.hidden(center, inputs), [[1.0, 2.0]])   # ((3, 0) + 2·(0, 3))/3
    np.testing.assert_allclose(total.hidden(center, inputs), [[3.0, 6.0]])
    rows, grads = mean.backward(grad_h, inputs)
    assert rows.tolist() == [0, 2, 2]
    np.testing.assert_allclose(grads, [[2.0, -1.0]] * 3)                   # (6, −3)/3
    rows, grads = total.backward(grad_h, inputs)
    assert rows.tolist() == [0, 2, 2]
    np.testing.assert_allclose(grads, [[6.0, -3.0]] * 3)
    # word2vec.c's mean-mode update adds the undivided ∂ℓ/∂h = (6, −3) to each context row:
    # n = 3 times the exact (2, −1) above.


@pytest.mark.parametrize("mean", [True, False], ids=["mean", "sum"])
def test_cbow_backward_matches_finite_differences_of_hidden(mean):
    """CBOW.backward against central differences of L(W_in) = Σ_b G_b · hidden(W_in)_b, a
    function of CBOW.hidden alone (linear, so the differences are exact up to rounding).
    Windows have repeated words, padding and different sizes; in mean mode a word that occurs
    once, in one window of n words, gets G_b / n: word2vec.c's undivided G_b is n times that."""
    rng = np.random.default_rng(4)
    V, d = 9, 3
    center = rng.standard_normal((V, d))
    contexts = np.array([[0, 1, 1, 2], [3, 4, 0, 0], [5, 6, 7, 8]])
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]])
    G = rng.standard_normal((3, d))
    model = CBOW(mean=mean)

    def L(w):
        return float((G * model.hidden(w, (contexts, mask))).sum())

    eps = 1e-6
    numeric = np.zeros_like(center)
    for r in range(V):
        for k in range(d):
            plus, minus = center.copy(), center.copy()
            plus[r, k] += eps
            minus[r, k] -= eps
            numeric[r, k] = (L(plus) - L(minus)) / (2 * eps)

    rows, grads = model.backward(G, (contexts, mask))
    analytic = np.zeros_like(center)
    np.add.at(analytic, rows, grads)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)
    assert np.all(numeric[8] == 0)  # word 8 is only in a padded slot
    if mean:
        # words 3 (window of n = 2) and 5 (n = 3) occur once: the exact gradient is G_b / n
        np.testing.assert_allclose(2 * numeric[3], G[1], rtol=1e-7)
        np.testing.assert_allclose(3 * numeric[5], G[2], rtol=1e-7)
        # word 1 occurs twice in a window of n = 4: 2·G_0/4
        np.testing.assert_allclose(2 * numeric[1], G[0], rtol=1e-7)


class OneLossIntoH(BothLosses):
    """HS + NS whose ∂ℓ/∂h keeps only the HS part (the NS part never reaches e)."""

    def __call__(self, h, w_out, theta, words, targets, labels, mask):
        out = super().__call__(h, w_out, theta, words, targets, labels, mask)
        return LossGrads(out.loss, self.hs(h, theta, words).grad_h, out.rows, out.grad_rows, out.theta_rows,
                         out.grad_theta)


class SwappedTablesBoth(BothLosses):
    """HS + NS that scores the HS path against W_out's rows (the tables mixed up) in the gradient."""

    def __call__(self, h, w_out, theta, words, targets, labels, mask):
        out = super().__call__(h, w_out, theta, words, targets, labels, mask)
        hs = self.hs(h, w_out[: len(theta)], words)
        ns = self.ns(h, w_out, targets, labels, mask)
        return LossGrads(out.loss, hs.grad_h + ns.grad_h, out.rows, out.grad_rows, hs.rows, hs.grad_rows)


@pytest.mark.parametrize("model_label", list(MODELS))
@pytest.mark.parametrize("broken, block", [(OneLossIntoH, "w_in"), (SwappedTablesBoth, "theta")],
                         ids=["ns-missing-from-e", "hs-on-the-wrong-table"])
def test_wrong_hs_plus_ns_gradient_is_caught(model_label, broken, block):
    p = gradcheck.make_problem(MODELS[model_label](), "hs+ns", np.random.default_rng(0))
    p.loss = broken(p.loss.hs.tree)
    rows = {r.block: r for r in gradcheck.check_problem(p, "m", "hs+ns")}
    assert not rows[block].passed and rows[block].max_rel_error > 1e-3


def test_hs_plus_ns_is_the_sum_of_its_two_losses():
    """ℓ = ℓ_hs + ℓ_ns and ∂ℓ/∂h = the sum of both; each table gets only its own loss's gradient."""
    p = gradcheck.make_problem(CBOW(), "hs+ns", np.random.default_rng(4))
    words, targets, labels, mask = p.step.targets
    h = p.model.hidden(p.w_in, p.step.inputs)
    both = p.loss(h, p.w_out, p.theta, words, targets, labels, mask)
    hs = HierarchicalSoftmax(p.loss.hs.tree)(h, p.theta, words)
    ns = NegativeSampling(normalize=False)(h, p.w_out, targets, labels, mask)
    np.testing.assert_allclose(both.loss, hs.loss + ns.loss)
    np.testing.assert_allclose(both.grad_h, hs.grad_h + ns.grad_h)
    assert np.abs(hs.grad_h).max() > 1e-3 and np.abs(ns.grad_h).max() > 1e-3  # both parts matter
    np.testing.assert_array_equal(both.theta_rows, hs.rows)
    np.testing.assert_array_equal(both.rows, ns.rows)
