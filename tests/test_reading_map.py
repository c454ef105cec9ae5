"""docs/math.md's reading map (formula → NumPy function → cpu kernel → cuda kernel) names only
things that exist: every dotted name in the table resolves, so a rename that forgets the table fails.

NumPy and cpu names are imported and looked up attribute by attribute. cuda names are found in the
source of ``kernels/cuda.py`` without importing it (no GPU and no simulator needed): a top-level
``def``, or a ``def`` nested in one (a device function built by a factory, written
``factory.function``)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATH = ROOT / "docs" / "math.md"
CUDA_SRC = ROOT / "kernels" / "cuda.py"
CUDA_MODULE = "w2v_scratch.kernels.cuda"
HEADER = "| formula (section) | NumPy reference | cpu kernel | cuda kernel |"


def reading_map() -> list[list[str]]:
    """The table's rows, each a list of its four cells."""
    lines = MATH.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def names(cell: str) -> list[str]:
    return re.findall(r"`([A-Za-z_][\w.]*)`", cell)


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted``, then follow the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def cuda_defs() -> set[str]:
    """Every def of kernels/cuda.py by its path of enclosing defs: "f", "factory.f", ..."""
    out: set[str] = set()

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                out.add(prefix + child.name)
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)

    walk(ast.parse(CUDA_SRC.read_text(encoding="utf-8")), "")
    return out


def test_the_table_has_every_column_and_the_default_steps():
    rows = reading_map()
    assert len(rows) >= 10 and all(len(r) == 4 for r in rows)
    every = {n for r in rows for cell in r[1:] for n in names(cell)}
    for needed in ("w2v_scratch.textbook.window.window_loss_and_grads", "w2v_scratch.textbook.window.hogbatch_step",
                   "w2v_scratch.kernels.cpu.window_step", "w2v_scratch.kernels.cuda._skipgram_windows.sg_ns_window"):
        assert needed in every
    for row in rows:  # a cell holds dotted names of its own column, or "—"
        for cell, prefix in zip(row[1:], ("w2v_scratch.", "w2v_scratch.kernels.cpu.", CUDA_MODULE + ".")):
            assert cell == "—" or (names(cell) and all(n.startswith(prefix) for n in names(cell))), (row[0], cell)


@pytest.mark.parametrize("name", sorted({n for r in reading_map() for cell in r[1:3] for n in names(cell)}))
def test_numpy_and_cpu_names_resolve(name):
    assert callable(resolve(name)), name


@pytest.mark.parametrize("name", sorted({n for r in reading_map() for n in names(r[3])}))
def test_cuda_names_are_defined_in_kernels_cuda(name):
    assert name[len(CUDA_MODULE) + 1:] in cuda_defs(), name


def test_a_missing_name_is_caught():
    """The checks can fail: a renamed function does not resolve."""
    with pytest.raises(AttributeError):
        resolve("w2v_scratch.kernels.cpu.dot4")
    assert "_skipgram_windows.sg_window" not in cuda_defs()
