"""The NumPy references of the kernels' default skip-gram steps (textbook/window.py): the cpu window
step and cuda's HogBatch step, held against the six pairs' loss units and checked by gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

from w2v_scratch.cli import main
from w2v_scratch.textbook import gradcheck, window
from w2v_scratch.textbook.huffman import build as build_huffman
from w2v_scratch.textbook.losses import HierarchicalSoftmax, NegativeSampling
from w2v_scratch.textbook.models import SkipGram
from w2v_scratch.textbook.optim import SGD
from w2v_scratch.textbook.reference import Step, loss_and_grads

V, D, ALPHA = 14, 6, 0.3
COUNTS = np.sort(np.random.default_rng(0).integers(1, 200, size=V))[::-1]


def tables(hs: bool, seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 0.4, (V, D)), rng.normal(0, 0.4, (V - 1 if hs else V, D))


def minibatch_step(w_in, w_out, contexts, word, hs, noise, tree) -> float:
    """The reference trainer's SGD step on the minibatch of a window's pairs, built from the six
    pairs' units (SkipGram, NegativeSampling / HierarchicalSoftmax, SGD): every context predicts
    ``word``; NS against ``word`` and the shared ``noise`` (an id equal to ``word`` left out)."""
    m = len(contexts)
    if hs:
        loss, targets = HierarchicalSoftmax(tree), (np.full(m, word),)
    else:
        row = [word] + [t for t in noise if t != word]
        labels = np.zeros((m, len(row)))
        labels[:, 0] = 1
        loss, targets = NegativeSampling(normalize=False), (np.tile(row, (m, 1)), labels, np.ones(labels.shape))
    losses, grads = loss_and_grads(SkipGram(), loss, w_in, w_out, Step(np.asarray(contexts), targets, m))
    grad_in, grad_out = grads.values()  # the input table's pieces, then the output table's
    sgd = SGD(ALPHA)
    sgd.step("in", w_in, *grad_in)
    sgd.step("out", w_out, *grad_out)
    return float(losses.sum())


@pytest.mark.parametrize("hs", [False, True], ids=["ns", "hs"])
@pytest.mark.parametrize("contexts", [[7], [7, 2, 9], [3, 1, 4, 4, 8, 0]], ids=["m1", "m3", "m6-repeat"])
def test_window_step_is_the_minibatch_step_on_the_windows_pairs(hs, contexts):
    word, noise = 5, [1, 7, 5, 7, 11]  # a noise id twice, one equal to the center word
    tree = build_huffman(COUNTS)
    w_in, w_out = tables(hs, len(contexts))
    targets, labels = window.window_targets(word, tree=tree) if hs else window.window_targets(word, noise=noise)
    a_in, a_out = w_in.copy(), w_out.copy()
    loss_w = window.window_step(a_in, a_out, contexts, targets, labels, ALPHA)
    b_in, b_out = w_in.copy(), w_out.copy()
    loss_r = minibatch_step(b_in, b_out, contexts, word, hs, noise, tree)
    assert np.abs(a_in - w_in).max() > 1e-3 and np.abs(a_out - w_out).max() > 1e-3
    np.testing.assert_allclose(a_in, b_in, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-12, atol=1e-13)
    assert loss_w == pytest.approx(loss_r, rel=1e-12)


def test_window_targets():
    targets, labels = window.window_targets(5, noise=[1, 5, 7, 7])
    assert targets.tolist() == [5, 1, 7, 7] and labels.tolist() == [1, 0, 0, 0]
    tree = build_huffman(COUNTS)
    targets, labels = window.window_targets(3, tree=tree)
    n = tree.lengths[3]
    assert targets.tolist() == tree.points[3, :n].tolist()
    assert labels.tolist() == (1 - tree.codes[3, :n]).tolist()


def test_hogbatch_step_is_pair_after_pair_against_target_copies():
    """Each context's pair step comes from NegativeSampling on the copies as the previous pairs left
    them; a noise id drawn twice has two copies, and the row gets both changes."""
    w_in, w_out = tables(False, 2)
    contexts, word, noise = [3, 8, 3, 0], 5, [1, 9, 9]
    targets, labels = window.window_targets(word, noise=noise)
    a_in, a_out = w_in.copy(), w_out.copy()
    loss_h = window.hogbatch_step(a_in, a_out, contexts, targets, labels, ALPHA)

    ns = NegativeSampling(normalize=False)
    b_in, copies = w_in.copy(), w_out[targets].copy()
    loss_r = 0.0
    for c in contexts:
        out = ns(b_in[c][None], copies, np.arange(len(targets))[None], labels[None], np.ones((1, len(targets))))
        loss_r += float(out.loss[0])
        b_in[c] -= ALPHA * out.grad_h[0]
        np.add.at(copies, out.rows, -ALPHA * out.grad_rows)
    b_out = w_out.copy()
    np.add.at(b_out, targets, copies - w_out[targets])
    np.testing.assert_allclose(a_in, b_in, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-12, atol=1e-13)
    assert loss_h == pytest.approx(loss_r, rel=1e-12)
    # and it is not the window step: the second pair sees the targets the first moved
    c_in, c_out = w_in.copy(), w_out.copy()
    window.window_step(c_in, c_out, contexts, targets, labels, ALPHA)
    assert np.abs(c_out - a_out).max() > 1e-4


def test_departures_are_word2vec_cs():
    f = np.array([-7.0, -6.0, -1.0, 0.5, 6.0, 7.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    exact = 1 / (1 + np.exp(-f)) - y
    np.testing.assert_allclose(window.dl_df(f, y), exact)
    clip = window.dl_df(f, y, "clip")  # σ := 0 below −6, 1 above 6; exact in between (±6 included)
    np.testing.assert_allclose(clip, [-1.0, exact[1], exact[2], exact[3], exact[4], 1.0])
    skip = window.dl_df(f, y, "skip")  # no step where |f| ≥ 6
    np.testing.assert_allclose(skip, [0, 0, exact[2], exact[3], 0, 0])
    with pytest.raises(ValueError):
        window.dl_df(f, y, "nope")


def test_gradcheck_checks_both_steps_on_nontrivial_problems():
    rows = gradcheck.run(seed=1, models=["sg-window", "sg-hogbatch"])
    assert [(r.model, r.loss, r.block) for r in rows] == [
        (m, l, b) for m, l in gradcheck.STEPS for b in ("w_in", "w_out", "theta") if b != "theta" or l == "hs+ns"]
    assert all(r.passed and r.max_rel_error < 1e-8 for r in rows)
    p = gradcheck.make_window_problem("ns", np.random.default_rng(0))
    assert len(set(p.inputs.tolist())) < len(p.inputs)             # a context word twice
    assert len(set(p.targets.tolist())) < len(p.targets)           # a noise id twice
    assert p.targets[0] not in p.targets[1:]                       # the one equal to the center left out


def failed_rows(capsys):
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    return {(r[0], r[1], r[2]) for r in rows if len(r) == 5 and r[4] == "FAIL"}


def test_gradcheck_fails_on_a_broken_window_gradient(capsys, monkeypatch):
    real = window.window_loss_and_grads

    def broken(*args, **kwargs):  # ∂L/∂u_t 10% too large
        loss, grads = real(*args, **kwargs)
        rows, grad = grads["w_out"]
        return loss, {"w_in": grads["w_in"], "w_out": (rows, 1.1 * grad)}

    monkeypatch.setattr(window, "window_loss_and_grads", broken)
    assert main(["gradcheck"]) == 1
    assert failed_rows(capsys) == {("sg-window", "ns", "w_out"), ("sg-window", "hs", "w_out"),
                                   ("sg-hogbatch", "ns", "w_out"),  # hs+ns: both of its target tables
                                   ("sg-window", "hs+ns", "w_out"), ("sg-window", "hs+ns", "theta")}


def test_gradcheck_fails_on_a_broken_hogbatch_step(capsys, monkeypatch):
    def stale_input(w_in, copies, inputs, labels, alpha, departure=None):
        """A HogBatch whose input step uses the copies as they were at the window's start."""
        start = copies.copy()
        slots = np.arange(len(copies))
        for c in np.asarray(inputs, np.int64):
            loss, grads = window.window_loss_and_grads(w_in, copies, [c], slots, labels, departure)
            _, stale = window.window_loss_and_grads(w_in, start, [c], slots, labels, departure)
            w_in[c] -= alpha * stale["w_in"][1][0]
            copies -= alpha * grads["w_out"][1]
            yield int(c), loss

    monkeypatch.setattr(window, "hogbatch_pairs", stale_input)
    assert main(["gradcheck"]) == 1
    assert failed_rows(capsys) == {("sg-hogbatch", "ns", "w_in")}


def test_gradcheck_fails_on_a_both_losses_window_step_that_drops_one_e(capsys, monkeypatch):
    """With hs+ns each input's e is the sum of both losses' terms: a step that keeps only the HS part
    fails on w_in (and only there)."""
    real = window.window_loss_and_grads

    def hs_only_e(w_in, w_out, theta, inputs, hs, ns, departures=(None, None)):
        loss_hs, g_hs = real(w_in, theta, inputs, *hs, departures[0])
        loss_ns, g_ns = real(w_in, w_out, inputs, *ns, departures[1])
        return loss_hs + loss_ns, {"w_in": g_hs["w_in"], "w_out": g_ns["w_out"], "theta": g_hs["w_out"]}

    monkeypatch.setattr(window, "both_loss_and_grads", hs_only_e)
    assert main(["gradcheck"]) == 1
    assert failed_rows(capsys) == {("sg-window", "hs+ns", "w_in")}
