"""The chapter notebook, docs/word2vec-from-scratch.ipynb: it runs, it shows what it promises, and
its committed outputs are current.

The notebook is executed once per test session (the ``executed`` fixture), top to bottom, in a
fresh kernel of the interpreter running the tests (``sys.executable``: CI's virtualenv, activated or
not), with ``docs/`` as its working directory. It needs no GPU and nothing outside the package
(PTB is bundled). Tests that execute it skip, with a reason, when nbclient/ipykernel (the ``dev``
extra) or matplotlib (the ``plot`` extra) is missing.

After a change to a cell (in ``docs/build_notebook.py``, where the cells are written) or to the
library code behind one, refresh the committed notebook with ``python docs/build_notebook.py``.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "word2vec-from-scratch.ipynb"
BUILD = ROOT / "docs" / "build_notebook.py"
GRADCHECK_BOUND = 1e-6  # what `w2v-scratch gradcheck` passes (correct gradients give ~1e-10)
COMPUTING_WORDS = {"intel", "microprocessor", "nec", "hardware", "computer", "computers", "chips", "ibm",
                   "software", "mips", "memory", "semiconductor", "bugs", "processor", "mainframe", "desktop"}
# Committed and fresh decimal numbers must agree to this (relative, absolute): a fresh run on the
# same library reproduces them (everything is seeded), but another CPU may round the last digit of
# a trained cosine differently. Whole numbers and the text around the numbers must match exactly.
REL_TOL, ABS_TOL = 5e-3, 1e-3
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _load_build():
    spec = importlib.util.spec_from_file_location("build_notebook", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


@pytest.fixture(scope="module")
def nbformat():
    return pytest.importorskip("nbformat", reason="reading notebooks needs nbformat: pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def committed(nbformat):
    return nbformat.read(str(NOTEBOOK), as_version=4)


@pytest.fixture(scope="module")
def executed(nbformat, committed):
    """The committed notebook, outputs cleared, executed in a fresh kernel (once per session)."""
    for module in ("nbclient", "ipykernel"):
        pytest.importorskip(module, reason=f"executing the notebook needs {module}: pip install -e '.[dev]'")
    pytest.importorskip("matplotlib", reason="the notebook draws figures: pip install -e '.[plot]'")
    nb = copy.deepcopy(committed)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    build.execute(nb)  # raises CellExecutionError, naming the cell, on the first error
    print(f"notebook executed in {time.perf_counter() - start:.1f} s")
    return build.clean(nb)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _tagged(nb, tag):
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _has_png(cell) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell.outputs)


def _texts(cell) -> list[tuple[str, str]]:
    """The cell's outputs as (kind, text): streams joined per name, rich outputs by their MIME types
    and plain-text form (an image's bytes depend on the matplotlib version: only its presence counts)."""
    texts: list[tuple[str, str]] = []
    for out in cell.outputs:
        if out.output_type == "stream":
            if texts and texts[-1][0] == out.name:
                texts[-1] = (out.name, texts[-1][1] + out.text)
            else:
                texts.append((out.name, out.text))
        elif out.output_type in ("execute_result", "display_data"):
            texts.append((f"{out.output_type} {sorted(out.data)}", out.data.get("text/plain", "")))
        else:
            texts.append((out.output_type, f"{out.get('ename')}: {out.get('evalue')}"))
    return texts


def _same_number(x: str, y: str) -> bool:
    if x.lstrip("+-").isdigit() and y.lstrip("+-").isdigit():
        return int(x) == int(y)  # ids, counts, sizes: exact (they come from seeded draws, not rounding)
    return math.isclose(float(x), float(y), rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _same_text(committed: str, fresh: str) -> bool:
    """Equal, except that decimal numbers may differ by REL_TOL / ABS_TOL."""
    if NUMBER.split(committed) != NUMBER.split(fresh):
        return False
    a, b = NUMBER.findall(committed), NUMBER.findall(fresh)
    return len(a) == len(b) and all(_same_number(x, y) for x, y in zip(a, b))


# ---------------------------------------------------------------------------
# The committed notebook (no execution)
# ---------------------------------------------------------------------------
def test_committed_notebook_is_valid_nbformat_4(nbformat, committed):
    assert committed.nbformat == 4
    nbformat.validate(committed)


def test_committed_notebook_holds_the_build_scripts_cells(committed):
    """docs/build_notebook.py is where the cells are written: the notebook must be its current build."""
    expected = [(c["cell_type"], c["source"], c["tags"]) for c in build.CELLS]
    found = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in committed.cells]
    assert found == expected, "the notebook is not the build of docs/build_notebook.py: run python docs/build_notebook.py"


def test_committed_notebook_carries_its_outputs(committed):
    """Readers see the outputs on GitHub: every code cell executed, in order, in one run; no error,
    no warning on stderr; figures inline; no volatile metadata (timestamps, interpreter version)."""
    cells = _code_cells(committed)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), \
        "execution counts are not 1..n in order: run python docs/build_notebook.py"
    for c in cells:
        assert c.outputs, f"{c.id} has no output"
        for out in c.outputs:
            assert out.output_type != "error", f"{c.id} holds an error"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"{c.id} wrote to stderr: {out.text}"
        assert "execution" not in c.metadata, f"{c.id} carries execution timestamps"
    for tag in ("huffman-tree", "loss-curve", "cost-vs-vocabulary"):
        assert _has_png(_tagged(committed, tag)), f"the {tag} cell has no figure"
    assert set(committed.metadata) == {"kernelspec", "language_info"}
    assert "version" not in committed.metadata["language_info"]


# ---------------------------------------------------------------------------
# A fresh execution
# ---------------------------------------------------------------------------
def test_notebook_runs_without_error(executed):
    for cell in _code_cells(executed):
        assert all(o.output_type != "error" for o in cell.outputs), f"{cell.id} failed"


def test_notebook_shows_the_neighbours_of_chip(executed):
    text = _stdout(_tagged(executed, "chip-neighbours"))
    assert "nearest to 'chip'" in text
    rows = re.findall(r"^\s+(\S+)\s+cosine (-?[\d.]+)$", text, re.M)
    assert len(rows) == 5, text
    words = [w for w, _ in rows]
    assert "chip" not in words
    assert COMPUTING_WORDS & set(words), f"no computing word among the neighbours of 'chip': {words}"


def test_notebook_gradient_check_passes(executed):
    text = _stdout(_tagged(executed, "gradcheck"))
    errors = [float(e) for e in re.findall(r"relative error ([\d.eE+-]+)", text)]
    assert len(errors) == 2, text  # W_in and W_out
    assert all(e < GRADCHECK_BOUND for e in errors), text


def test_notebook_hierarchical_softmax_sums_to_one(executed):
    text = _stdout(_tagged(executed, "hs-sum"))
    total = float(re.search(r"sum over the vocabulary: ([\d.]+)", text).group(1))
    assert total == pytest.approx(1.0, abs=1e-9)


def test_notebook_draws_the_huffman_tree(executed):
    assert _has_png(_tagged(executed, "huffman-tree"))


def test_notebook_draws_the_loss_curve(executed):
    assert _has_png(_tagged(executed, "loss-curve"))


def test_notebook_kernel_step_agrees_with_reference(executed):
    text = _stdout(_tagged(executed, "kernel-vs-reference"))
    diffs = [float(x) for x in re.search(r"max \|kernel - reference\|: (\S+) \(W_in\), (\S+) \(W_out\)",
                                         text).groups()]
    assert max(diffs) < 1e-5, text


def test_committed_outputs_are_current(committed, executed):
    """The committed outputs are those a fresh run gives: every cell's outputs of the same kinds
    (figures where figures were), and the text of every cell not tagged ``nondeterministic`` the
    same up to the last digit of its numbers. Stale? Run python docs/build_notebook.py."""
    old, new = _code_cells(committed), _code_cells(executed)
    assert len(old) == len(new)
    stale = []
    for a, b in zip(old, new):
        ta, tb = _texts(a), _texts(b)
        if [k for k, _ in ta] != [k for k, _ in tb]:
            stale.append(f"{a.id}: outputs {[k for k, _ in ta]} committed, {[k for k, _ in tb]} now")
        elif build.NONDETERMINISTIC not in a.metadata.get("tags", []):
            stale.extend(f"{a.id}:\n--- committed\n{x}\n--- now\n{y}" for (_, x), (_, y) in zip(ta, tb)
                         if not _same_text(x, y))
    assert not stale, "stale notebook outputs (run python docs/build_notebook.py):\n" + "\n".join(stale)
