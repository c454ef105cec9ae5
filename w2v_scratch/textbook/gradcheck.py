r"""Finite-difference checks of every hand-derived gradient (model × loss), and of the steps the fast
kernels take by default (the skip-gram window step and HogBatch step of ``window.py``).

For each model (skip-gram; CBOW mean; CBOW sum) and each loss (negative sampling
in both normalisations, hierarchical softmax, full softmax, and HS + NS at once) this builds a small
random float64 problem — V = 12–30 words, d = 5–8, a few examples with repeated
words and padded (masked) entries — and compares, entry by entry, the analytic
gradient of the **summed** loss L = Σ_b ℓ_b with central finite differences:

* analytic: :func:`w2v_scratch.textbook.reference.loss_and_grads` gives (rows, grad_rows)
  for the input table ``w_in`` (W_in) and the output table ``w_out`` (W_out, or Θ for
  HS), and with both losses (``hs+ns``) for W_out (``w_out``) and Θ (``theta``), one row per
  table; a row may appear several times, so the pieces are
  accumulated into dense (V, d) / (V−1, d) matrices — exactly what the optimizers
  do with :func:`w2v_scratch.textbook.optim.accumulate`;
* numeric: for every entry x of every table,
  ∂L/∂x ≈ Σ_b [ℓ_b(x + ε) − ℓ_b(x − ε)] / (2ε), ε = 1e-5 (near the optimum
  ε ≈ ε_mach^{1/3} ≈ 6e-6 that balances the O(ε²) truncation error against the
  O(ε_mach/ε) rounding error). The differences are taken per example before
  summing, so the examples that do not touch x cancel exactly and add no rounding
  noise. Rows nobody touches must come out exactly 0 on both sides.

Relative error of a parameter block (one table), with a = analytic, n = numeric::

    rel_err = max_i |a_i − n_i| / max(max_i |a_i|, max_i |n_i|, 1e-300)

i.e. the largest entry-wise error measured against the block's largest gradient
entry (the ∞-norm version of ‖a − n‖ / max(‖a‖, ‖n‖)). Scaling each entry by the
block's scale rather than by its own size keeps tiny entries (whose finite
difference is all rounding noise) from producing false alarms, while a bug in any
single entry still shows: a correct gradient differs from its central difference
only by O(ε²) truncation and O(ε_mach/ε) rounding, far below the tolerance, while a
wrong sign, a missing 1/n or a gradient leaking into a padded entry is off by the
order of the entry itself. A block passes when rel_err < tol (default 1e-6).

Run it as ``w2v-scratch gradcheck``; the derivations are in docs/math.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import huffman, window
from .losses import BothLosses, FullSoftmax, HierarchicalSoftmax, NegativeSampling
from .models import CBOW, SkipGram
from .reference import Step, loss_and_grads

EPS = 1e-5
TOL = 1e-6

# (label, factory) — the rows of the table, in order.
MODELS = (
    ("sg", lambda: SkipGram()),
    ("cbow", lambda: CBOW(mean=True)),
    ("cbow-sum", lambda: CBOW(mean=False)),
)
LOSSES = ("ns", "ns-sum", "hs", "softmax", "hs+ns")
LOSS_HELP = {
    "ns": "negative sampling, textbook masked mean per example (NegativeSampling(normalize=True)), with padding",
    "ns-sum": "negative sampling, word2vec's sum over the K+1 targets (NegativeSampling(normalize=False))",
    "hs": "hierarchical softmax over a Huffman tree of random counts",
    "softmax": "full softmax over the vocabulary",
    "hs+ns": "both at once on one h: hierarchical softmax (Theta) plus word2vec's NS sum (W_out), gradients "
             "into h summed (BothLosses)",
}


@dataclass
class GradCheckRow:
    model: str
    loss: str
    block: str              # "w_in" (W_in), "w_out" (the output table: W_out, or Θ for HS), "theta" (Θ, hs+ns)
    max_rel_error: float
    passed: bool


@dataclass
class Problem:
    """One random float64 problem: tables, a minibatch, and the model/loss that score it."""

    model: object
    loss: object
    w_in: np.ndarray        # (V, d)
    w_out: np.ndarray       # (V, d), or (V−1, d) for HS
    step: Step
    theta: np.ndarray | None = None  # Θ, (V−1, d), beside W_out with both losses (hs+ns)


# ---------------------------------------------------------------------------
# Random problems
# ---------------------------------------------------------------------------


def random_counts(rng: np.random.Generator, V: int) -> np.ndarray:
    """Zipf-like counts, sorted descending as a Vocab's are, with some ties."""
    counts = np.maximum(1, (rng.pareto(1.0, V) * 20).astype(np.int64) + rng.integers(1, 4, V))
    return np.sort(counts)[::-1].copy()


def _model_inputs(model, rng, V: int, B: int):
    """Skip-gram: centers (B,). CBOW: (contexts (B, C), mask (B, C)) with padding and repeats."""
    if isinstance(model, SkipGram):
        return rng.integers(0, V, B)
    C = 4
    contexts = rng.integers(0, V, (B, C))
    contexts[0, 1] = contexts[0, 0]                    # a word twice in one window
    n_ctx = rng.integers(1, C + 1, B)
    n_ctx[0], n_ctx[1] = C, 1                          # a full window and a one-word window
    mask = np.arange(C)[None, :] < n_ctx[:, None]
    contexts = np.where(mask, contexts, 0)              # padding points at row 0, a real word
    return contexts, mask


def make_problem(model, loss_name: str, rng: np.random.Generator, *,
                 V: int | None = None, d: int | None = None, B: int = 5, loss=None) -> Problem:
    """A random problem for ``model`` (a SkipGram/CBOW instance) and ``loss_name``.

    ``loss`` overrides the loss object built for ``loss_name`` (the targets are still
    laid out for ``loss_name``): this is how a deliberately broken loss is checked.
    """
    V = int(rng.integers(12, 31)) if V is None else V
    d = int(rng.integers(5, 9)) if d is None else d
    inputs = _model_inputs(model, rng, V, B)
    scale = 0.6
    w_in = rng.normal(0.0, scale, (V, d))
    if loss_name == "hs+ns":
        return _both_problem(model, rng, inputs, w_in, V, d, B, scale, loss)
    if loss_name in ("ns", "ns-sum"):
        K = 3
        if loss_name == "ns":
            # The textbook's padded rows: n_ctx context words (label 1), K noise words each
            # (label 0), then padding (mask 0, target 0) up to the longest row.
            n_ctx = rng.integers(1, 4, B)
            n_ctx[0] = 3
            L = int(n_ctx.max()) * (K + 1)
            targets = np.zeros((B, L), np.int64)
            labels = np.zeros((B, L))
            mask = np.zeros((B, L))
            for b, n in enumerate(n_ctx):
                real = n * (K + 1)
                targets[b, :real] = rng.integers(0, V, real)
                labels[b, :n] = 1
                mask[b, :real] = 1
            targets[0, n_ctx[0]] = targets[0, 0]        # a word twice in one row
            loss_obj = NegativeSampling(normalize=True)
        else:
            # word2vec.c: [positive, K noise words], no padding.
            targets = rng.integers(0, V, (B, K + 1))
            labels = np.zeros((B, K + 1))
            labels[:, 0] = 1
            mask = np.ones((B, K + 1))
            loss_obj = NegativeSampling(normalize=False)
        w_out = rng.normal(0.0, scale, (V, d))
        step = Step(inputs, (targets, labels, mask), B)
    elif loss_name == "hs":
        tree = huffman.build(random_counts(rng, V))
        words = rng.integers(0, V, B)
        w_out = rng.normal(0.0, scale, (V - 1, d))
        loss_obj = HierarchicalSoftmax(tree)
        step = Step(inputs, (words,), B)
    elif loss_name == "softmax":
        words = rng.integers(0, V, B)
        w_out = rng.normal(0.0, scale, (V, d))
        loss_obj = FullSoftmax()
        step = Step(inputs, (words,), B)
    else:
        raise ValueError(f"unknown loss {loss_name!r}: one of {LOSSES}")
    return Problem(model, loss if loss is not None else loss_obj, w_in, w_out, step)


def _both_problem(model, rng, inputs, w_in, V: int, d: int, B: int, scale: float, loss=None) -> Problem:
    """HS + NS: each example's word (its Huffman path in Θ) and its NS targets [word, K noise ids]
    in W_out, word2vec's sum form, a noise id twice in one row."""
    K = 3
    tree = huffman.build(random_counts(rng, V))
    words = rng.integers(0, V, B)
    targets = np.concatenate([words[:, None], rng.integers(0, V, (B, K))], axis=1)
    targets[0, 2] = targets[0, 1]
    labels = np.zeros((B, K + 1))
    labels[:, 0] = 1
    step = Step(inputs, (words, targets, labels, np.ones((B, K + 1))), B)
    return Problem(model, loss if loss is not None else BothLosses(tree), w_in, rng.normal(0.0, scale, (V, d)), step,
                   rng.normal(0.0, scale, (V - 1, d)))


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------


def dense(rows: np.ndarray, grads: np.ndarray, shape) -> np.ndarray:
    """Sum the (rows, grads) pieces of a gradient into a dense matrix of ``shape``."""
    out = np.zeros(shape, dtype=np.float64)
    np.add.at(out, np.asarray(rows, dtype=np.int64), grads)
    return out


def tables(p: Problem) -> dict[str, np.ndarray]:
    """The problem's parameter tables by block name: w_in, w_out, and theta with both losses."""
    out = {"w_in": p.w_in, "w_out": p.w_out}
    if p.theta is not None:
        out["theta"] = p.theta
    return out


def example_losses(p: Problem, w_in: np.ndarray | None = None, w_out: np.ndarray | None = None,
                   theta: np.ndarray | None = None) -> np.ndarray:
    """The loss of every example (B,) at the given tables (default: the problem's)."""
    w_in = p.w_in if w_in is None else w_in
    w_out = p.w_out if w_out is None else w_out
    h = p.model.hidden(w_in, p.step.inputs)
    if p.theta is not None:
        out = p.loss(h, w_out, p.theta if theta is None else theta, *p.step.targets)
    else:
        out = p.loss(h, w_out, *p.step.targets)
    return np.asarray(out.loss, dtype=np.float64)


def analytic_gradients(p: Problem) -> dict[str, np.ndarray]:
    """∂(Σ_b ℓ_b)/∂table for every table, from the closed-form gradients of the reference."""
    _, grads = loss_and_grads(p.model, p.loss, p.w_in, p.w_out, p.step, p.theta)
    return {name: dense(*grads[name], table.shape) for name, table in tables(p).items()}


def numeric_gradients(p: Problem, eps: float = EPS) -> dict[str, np.ndarray]:
    """Central differences of Σ_b ℓ_b with respect to every entry of every table."""
    out = {}
    all_tables = tables(p)
    for which, (name, table) in enumerate(all_tables.items()):
        grad = np.zeros_like(table, dtype=np.float64)
        work = table.astype(np.float64).copy()
        tables_now = list(all_tables.values())
        tables_now[which] = work
        for idx in np.ndindex(*work.shape):
            x = work[idx]
            work[idx] = x + eps
            plus = example_losses(p, *tables_now)
            work[idx] = x - eps
            minus = example_losses(p, *tables_now)
            work[idx] = x
            grad[idx] = (plus - minus).sum() / (2 * eps)   # per example first: no noise from the others
        out[name] = grad
    return out


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max_i |a_i − n_i| / max(max|a|, max|n|, 1e-300) (see the module docstring)."""
    scale = max(float(np.abs(analytic).max(initial=0.0)), float(np.abs(numeric).max(initial=0.0)), 1e-300)
    return float(np.abs(analytic - numeric).max(initial=0.0)) / scale


def check_problem(p: Problem, model_label: str, loss_label: str, *, eps: float = EPS,
                  tol: float = TOL) -> list[GradCheckRow]:
    """Compare analytic and numeric gradients of every table: one row per table."""
    a = analytic_gradients(p)
    n = numeric_gradients(p, eps)
    rows = []
    for block in tables(p):
        err = relative_error(a[block], n[block])
        rows.append(GradCheckRow(model_label, loss_label, block, err, bool(err < tol)))
    return rows


# ---------------------------------------------------------------------------
# The kernels' default steps: a skip-gram window at a time (window.py)
# ---------------------------------------------------------------------------
# (label, loss) rows after the pairs: the cpu window step (NS, HS, both) and cuda's HogBatch step (NS).
STEPS = (("sg-window", "ns"), ("sg-window", "hs"), ("sg-hogbatch", "ns"), ("sg-window", "hs+ns"))
STEP_ALPHA = 0.5  # the rate of the checked step (any α > 0: the step is checked against −α·∇)


@dataclass
class WindowProblem:
    """One skip-gram window: inputs x_c = w_in[inputs] (a word twice among them) sharing the targets
    u_t = w_out[targets] with labels y (NS: the center word and noise ids, one drawn twice). With
    both losses also the center word's path: rows ``hs_targets`` of ``theta`` (Θ), labels ``hs_labels``."""

    w_in: np.ndarray
    w_out: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    theta: np.ndarray | None = None
    hs_targets: np.ndarray | None = None
    hs_labels: np.ndarray | None = None


def make_window_problem(loss_name: str, rng: np.random.Generator) -> WindowProblem:
    V = int(rng.integers(12, 31))
    d = int(rng.integers(5, 9))
    inputs = rng.integers(0, V, 5)
    inputs[3] = inputs[1]                                # a context word twice in the window
    word = int(rng.integers(0, V))
    if loss_name == "hs+ns":
        p = make_window_problem("ns", rng)
        V, d = p.w_in.shape
        p.hs_targets, p.hs_labels = window.window_targets(int(p.targets[0]), tree=huffman.build(random_counts(rng, V)))
        p.theta = rng.normal(0.0, 0.6, (V - 1, d))
        return p
    if loss_name == "hs":
        tree = huffman.build(random_counts(rng, V))
        targets, labels = window.window_targets(word, tree=tree)
        w_out = rng.normal(0.0, 0.6, (V - 1, d))
    else:
        noise = rng.integers(0, V, 4)
        noise[2] = noise[0] if noise[0] != word else (word + 1) % V   # a noise id twice
        noise[3] = word                                  # and one equal to the center: left out
        targets, labels = window.window_targets(word, noise=noise)
        w_out = rng.normal(0.0, 0.6, (V, d))
    return WindowProblem(rng.normal(0.0, 0.6, (V, d)), w_out, inputs, targets, labels)


def numeric_step_gradients(loss_of, w_in: np.ndarray, w_out: np.ndarray, eps: float, *more) -> list[np.ndarray]:
    """Central differences of ``loss_of(w_in, w_out, *more)`` with respect to every entry of every table."""
    out = []
    every = (w_in, w_out, *more)
    for table in every:
        grad = np.zeros_like(table)
        for idx in np.ndindex(*table.shape):
            x = table[idx]
            table[idx] = x + eps
            plus = loss_of(*every)
            table[idx] = x - eps
            minus = loss_of(*every)
            table[idx] = x
            grad[idx] = (plus - minus) / (2 * eps)
        out.append(grad)
    return out


def step_rows(label: str, loss: str, taken, numeric, tol: float) -> list[GradCheckRow]:
    """Rows for the tables (w_in, w_out, then theta if given): the step taken divided by −α against
    the numeric gradient."""
    rows = []
    for block, a, n in zip(("w_in", "w_out", "theta"), taken, numeric):
        err = relative_error(a, n)
        rows.append(GradCheckRow(label, loss, block, err, bool(err < tol)))
    return rows


def check_window_step(p: WindowProblem, loss: str, *, eps: float = EPS, tol: float = TOL) -> list[GradCheckRow]:
    """The window step is −α·∇L: (before − after)/α of :func:`window.window_step` against the
    central differences of L = Σ_c Σ_t ℓ(y_t, x_c·u_t) (:func:`window.window_loss_and_grads`'s loss);
    with both losses :func:`window.both_window_step` against L = L_hs + L_ns
    (:func:`window.both_loss_and_grads`), for w_in, w_out and theta."""
    if p.theta is not None:
        return check_both_window_step(p, loss, eps=eps, tol=tol)
    w_in, w_out = p.w_in.copy(), p.w_out.copy()
    window.window_step(w_in, w_out, p.inputs, p.targets, p.labels, STEP_ALPHA)
    taken = [(p.w_in - w_in) / STEP_ALPHA, (p.w_out - w_out) / STEP_ALPHA]
    loss_of = lambda a, b: window.window_loss_and_grads(a, b, p.inputs, p.targets, p.labels)[0]  # noqa: E731
    numeric = numeric_step_gradients(loss_of, p.w_in.copy(), p.w_out.copy(), eps)
    return step_rows("sg-window", loss, taken, numeric, tol)


def check_both_window_step(p: WindowProblem, loss: str, *, eps: float = EPS, tol: float = TOL) -> list[GradCheckRow]:
    """:func:`check_window_step` with both losses: three tables."""
    hs, ns = (p.hs_targets, p.hs_labels), (p.targets, p.labels)
    w_in, w_out, theta = p.w_in.copy(), p.w_out.copy(), p.theta.copy()
    window.both_window_step(w_in, w_out, theta, p.inputs, hs, ns, STEP_ALPHA)
    taken = [(p.w_in - w_in) / STEP_ALPHA, (p.w_out - w_out) / STEP_ALPHA, (p.theta - theta) / STEP_ALPHA]
    loss_of = lambda a, b, c: window.both_loss_and_grads(a, b, c, p.inputs, hs, ns)[0]  # noqa: E731
    numeric = numeric_step_gradients(loss_of, p.w_in.copy(), p.w_out.copy(), eps, p.theta.copy())
    return step_rows("sg-window", loss, taken, numeric, tol)


def check_hogbatch_step(p: WindowProblem, loss: str, *, eps: float = EPS, tol: float = TOL) -> list[GradCheckRow]:
    """Every pair step of :func:`window.hogbatch_pairs` is −α·∇ℓ_c at the state that pair saw: the
    change of x_c and of the target copies U, divided by −α, against the central differences of
    ℓ_c = Σ_t ℓ(y_t, x_c·U_t) there. The worst pair's error is reported per table."""
    w_in = p.w_in.copy()
    copies = p.w_out[p.targets].copy()
    slots = np.arange(len(copies))
    worst = {"w_in": (0.0, None), "w_out": (0.0, None)}
    pairs = window.hogbatch_pairs(w_in, copies, p.inputs, p.labels, STEP_ALPHA)
    for c in p.inputs:
        before_in, before_u = w_in.copy(), copies.copy()
        next(pairs)
        taken = [(before_in - w_in) / STEP_ALPHA, (before_u - copies) / STEP_ALPHA]
        loss_of = lambda a, b, c=c: window.window_loss_and_grads(a, b, [c], slots, p.labels)[0]  # noqa: E731
        numeric = numeric_step_gradients(loss_of, before_in.copy(), before_u.copy(), eps)
        for row in step_rows("sg-hogbatch", loss, taken, numeric, tol):
            if row.max_rel_error >= worst[row.block][0]:
                worst[row.block] = (row.max_rel_error, row)
    return [worst["w_in"][1], worst["w_out"][1]]


def run(seed: int = 0, tol: float = TOL, eps: float = EPS, models=None, losses=None) -> list[GradCheckRow]:
    """Check every model × loss on random problems: rows of (model, loss, block, error, passed).

    After the model × loss pairs come the kernels' default steps (:data:`STEPS`: the cpu window step
    with NS, HS and both, cuda's HogBatch step with NS), model labels ``sg-window`` and ``sg-hogbatch``.
    ``models`` / ``losses`` restrict the labels checked (default: all of :data:`MODELS`,
    :data:`STEPS` and :data:`LOSSES`). Each check gets its own random problem drawn from ``seed``.
    """
    rows: list[GradCheckRow] = []
    seeds = np.random.SeedSequence(seed).spawn(len(MODELS) * len(LOSSES) + len(STEPS))
    k = 0
    for model_label, factory in MODELS:
        for loss_label in LOSSES:
            rng = np.random.default_rng(seeds[k])
            k += 1
            if (models is not None and model_label not in models) or (losses is not None and loss_label not in losses):
                continue
            p = make_problem(factory(), loss_label, rng)
            rows.extend(check_problem(p, model_label, loss_label, eps=eps, tol=tol))
    for label, loss_label in STEPS:
        rng = np.random.default_rng(seeds[k])
        k += 1
        if (models is not None and label not in models) or (losses is not None and loss_label not in losses):
            continue
        check = check_window_step if label == "sg-window" else check_hogbatch_step
        rows.extend(check(make_window_problem(loss_label, rng), loss_label, eps=eps, tol=tol))
    return rows
