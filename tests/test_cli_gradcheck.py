"""``w2v-scratch gradcheck``: a table of every model × loss and of the kernels' default window steps,
exit status 1 on any failure."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np

from w2v_scratch.cli import main
from w2v_scratch.textbook.losses import HierarchicalSoftmax, LossGrads
from w2v_scratch.textbook.models import CBOW

ROW = re.compile(r"^(sg|cbow|cbow-sum|sg-window|sg-hogbatch)\s+(ns|ns-sum|hs|softmax|hs\+ns)\s+(\w+)\s+(\S+)\s+(pass|FAIL)$")
STEPS = {("sg-window", "ns"), ("sg-window", "hs"), ("sg-hogbatch", "ns"), ("sg-window", "hs+ns")}


def table_rows(out: str):
    return [m.groups() for m in map(ROW.match, out.splitlines()) if m]


def test_gradcheck_passes_and_prints_every_pair(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert len(rows) == 42  # 3 models x (4 losses x 2 tables + hs+ns x 3) + 3 steps x 2 + hs+ns's step x 3
    pairs = {(model.split("-")[0], loss.split("-")[0]) for model, loss, *_ in rows if (model, loss) not in STEPS}
    assert pairs == {(m, l) for m in ("sg", "cbow") for l in ("ns", "hs", "softmax", "hs+ns")}
    assert {(model, loss) for model, loss, *_ in rows} >= STEPS  # the kernels' default steps too
    assert all(result == "pass" and float(err) < 1e-6 for *_, err, result in rows)
    header = out.splitlines()[0].split()
    assert header[:3] == ["model", "loss", "block"] and "error" in header
    assert "OK: all 42 parameter blocks" in out and "4 kernel steps" in out


def test_gradcheck_fails_on_a_broken_gradient(capsys, monkeypatch):
    original = HierarchicalSoftmax.__call__

    def broken(self, h, inner_nodes, words):  # a gradient 10% too large on every inner node
        out = original(self, h, inner_nodes, words)
        return LossGrads(out.loss, out.grad_h, out.rows, 1.1 * out.grad_rows)

    monkeypatch.setattr(HierarchicalSoftmax, "__call__", broken)
    assert main(["gradcheck", "--seed", "3"]) == 1
    out = capsys.readouterr().out
    rows = table_rows(out)
    failed = {(model, loss, block) for model, loss, block, _, result in rows if result == "FAIL"}
    assert failed == {("sg", "hs", "w_out"), ("cbow", "hs", "w_out"), ("cbow-sum", "hs", "w_out"),
                      ("sg", "hs+ns", "theta"), ("cbow", "hs+ns", "theta"), ("cbow-sum", "hs+ns", "theta")}
    assert "FAIL: 6 of 42" in out


def test_gradcheck_catches_word2vec_cbow_update(capsys, monkeypatch):
    """word2vec.c's undivided CBOW-mean update is not the gradient of the mean: the check says so."""

    def undivided(self, grad_h, inputs):
        contexts, mask = inputs
        keep = mask.reshape(-1) > 0
        grads = np.repeat(grad_h[:, None, :], contexts.shape[1], axis=1).reshape(-1, grad_h.shape[1])
        return contexts.reshape(-1)[keep], grads[keep]

    monkeypatch.setattr(CBOW, "backward", undivided)
    assert main(["gradcheck"]) == 1
    rows = table_rows(capsys.readouterr().out)
    failed = {(model, block) for model, _, block, _, result in rows if result == "FAIL"}
    # mean mode fails on the input table; sum mode's exact gradient is the undivided one
    assert ("cbow", "w_in") in failed
    assert all(model == "cbow" and block == "w_in" for model, block in failed)


def test_gradcheck_tolerance_option(capsys):
    assert main(["gradcheck", "--tol", "1e-14"]) == 1  # nothing is that exact
    assert "FAIL" in capsys.readouterr().out
    assert main(["gradcheck", "--tol", "0"]) == 4      # a ConfigError
    assert "--tol must be positive" in capsys.readouterr().err


def test_gradcheck_console_exit_status():
    proc = subprocess.run([sys.executable, "-m", "w2v_scratch", "gradcheck", "--seed", "7"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert len(table_rows(proc.stdout)) == 42
