"""``w2v-scratch gradcheck``: finite-difference check of every model × loss gradient, and of the
kernels' default skip-gram steps (the cpu window step, cuda's HogBatch step)."""

from __future__ import annotations

import argparse
import math

from ..base.errors import ConfigError
from ..base.values import is_int, is_real
from ..textbook import gradcheck


def register(sub) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="check every hand-derived gradient against finite differences",
        description=(
            "Compare the closed-form gradients of every model (sg, cbow mean, cbow sum) and loss "
            "(negative sampling in both normalisations, hierarchical softmax, full softmax, and hierarchical "
            "softmax plus negative sampling at once, hs+ns) with "
            "central finite differences on small random float64 problems, for every parameter table; "
            "then the steps the fast kernels take by default on a skip-gram window (the cpu window "
            "step with NS, HS and hs+ns, cuda's HogBatch step with NS), each against -lr times the numeric "
            "gradient of the loss it descends. "
            "Relative error of a table: max|analytic - numeric| / max(max|analytic|, max|numeric|). "
            "Exits 1 if any table's error is at or above --tol."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the problems")
    p.add_argument("--tol", type=float, default=1e-6, help="largest relative error that passes")
    p.add_argument("--eps", type=float, default=1e-5, help="finite-difference step")
    p.set_defaults(func=run)


def format_table(rows) -> str:
    header = ("model", "loss", "block", "max rel error", "result")
    cells = [(r.model, r.loss, r.block, f"{r.max_rel_error:.2e}", "pass" if r.passed else "FAIL") for r in rows]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    right = {3}  # numbers right-aligned
    fmt = lambda c: "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(c, widths))).rstrip()
    lines = [fmt(header), "  ".join("-" * w for w in widths)]
    lines += [fmt(c) for c in cells]
    return "\n".join(lines)


def run(args) -> int:
    check_options(args.seed, args.tol, args.eps)  # a ConfigError before any work
    rows = gradcheck.run(seed=args.seed, tol=args.tol, eps=args.eps)
    print(format_table(rows))
    print()
    for name in gradcheck.LOSSES:
        print(f"  {name:<8} {gradcheck.LOSS_HELP[name]}")
    print("  cbow = CBOW with the mean of the context vectors, cbow-sum = with their sum")
    print("  sg-window = the cpu kernel's skip-gram window step: one SGD step on the summed loss of a window's pairs")
    print("  sg-hogbatch = the cuda kernel's skip-gram NS step: the window's pairs in turn against shared target copies")
    print("  w_in = W_in, the input vectors; w_out = the output table: W_out (NS, softmax, hs+ns) or the")
    print("  Huffman inner-node vectors (HS); theta = the Huffman inner-node vectors beside W_out (hs+ns)")
    failed = [r for r in rows if not r.passed]
    worst = max(r.max_rel_error for r in rows)
    steps = {(r.model, r.loss) for r in rows if (r.model, r.loss) in gradcheck.STEPS}
    configs = len({(r.model, r.loss) for r in rows}) - len(steps)
    pairs = len({(r.model.split("-")[0], r.loss.split("-")[0]) for r in rows if (r.model, r.loss) not in steps})
    what = (f"{len(rows)} parameter blocks: {configs} configurations of the {pairs} model x loss pairs"
            f" and {len(steps)} kernel steps")
    print()
    if failed:
        print(f"FAIL: {len(failed)} of {what} have a relative error >= {args.tol:g}; worst {worst:.2e}")
        return 1
    print(f"OK: all {what} agree with central differences")
    print(f"    worst relative error {worst:.2e} < {args.tol:g} (seed {args.seed}, eps {args.eps:g})")
    return 0


def check_options(seed, tol, eps) -> None:
    """Refuse impossible settings with a ``ConfigError``: the seed a whole number from 0 to 2**64 − 1
    (as for training), ``tol`` a finite number > 0, ``eps`` a finite number in (0, 1) (a step of 1
    or more is no derivative: the default 1e-5 balances truncation against rounding)."""
    if not (is_int(seed) and 0 <= seed <= 2**64 - 1):
        raise ConfigError(f"--seed must be a whole number from 0 to 2**64 - 1 (got {seed}): use a non-negative seed")
    for opt, value, rule, ok in (("--tol", tol, "a finite number > 0", lambda v: v > 0),
                                 ("--eps", eps, "a finite number between 0 and 1", lambda v: 0 < v < 1)):
        if not (is_real(value) and math.isfinite(value) and ok(value)):
            default = gradcheck.TOL if opt == "--tol" else gradcheck.EPS
            raise ConfigError(f"{opt} must be positive: {rule} (got {value}); the default is {default:g}")
