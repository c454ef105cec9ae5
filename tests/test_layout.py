"""The house rules, checked: data flows one way (no import cycle, imports inside functions
counted), short rooms (no function over 100 lines), and an import inside a function only where it
defers a heavy or optional dependency (those in DEFERRABLE), with its reason on the line."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_LINES = 100
# What an import inside a function may defer: heavy or optional, and never part of the package's
# own layering (importing the package's own modules late only hides a cycle).
DEFERRABLE = ("numba", "matplotlib", "tqdm", "scipy", "gensim", "w2v_scratch.kernels")


def modules() -> dict[str, pathlib.Path]:
    """Module name → file, with kernels/ installed as w2v_scratch.kernels."""
    out = {}
    for path in sorted((ROOT / "w2v_scratch").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((ROOT / "kernels").glob("*.py")):
        out["w2v_scratch.kernels" + ("" if path.stem == "__init__" else "." + path.stem)] = path
    return out


def imported(module: str, node: ast.AST, known: dict) -> list[str]:
    """The modules an import statement in ``module`` names (package-internal ones resolved)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = module if known[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names]


def graph():
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    inner = []  # (module, line, imported name, source line) for imports inside a function
    for m, path in known.items():
        source = path.read_text()
        tree = ast.parse(source)
        spans = [(f.lineno, f.end_lineno) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = imported(m, node, known)
                edges[m].update(n for n in names if n in known and n != m)
                if any(a <= node.lineno <= b for a, b in spans):
                    inner.extend((m, node.lineno, n, source.splitlines()[node.lineno - 1]) for n in names)
    return known, edges, inner


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges[v]:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle():
    _, edges, _ = graph()
    assert cycles(edges) == []


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_inside_functions_only_defer_heavy_dependencies_and_say_why():
    _, _, inner = graph()
    bad = [f"{m}:{line}: {name}" for m, line, name, _ in inner if not name.startswith(DEFERRABLE)]
    assert not bad, "imports inside functions that only dodge the layering: " + ", ".join(bad)
    silent = [f"{m}:{line}" for m, line, _, text in inner if "#" not in text]
    assert not silent, "deferred imports without a reason on their line: " + ", ".join(silent)


def test_no_function_longer_than_100_lines():
    long = []
    for m, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_LINES:
                    long.append(f"{m}.{node.name} ({n} lines)")
    assert not long, "functions over 100 lines: " + ", ".join(long)


# -- the layers: what each sub-package may import ------------------------------------------------------------
MAX_MODULE_LINES = 500  # outside kernels/: a longer module does several jobs
# Lowest first; a module may import its own package and those before it, never one after it.
LAYERS = ("base", "textbook", "corpus", "training", "vectors", "top", "cli")
SUBPACKAGES = ("base", "textbook", "corpus", "training", "vectors", "cli")
STDLIB_AND_NUMERICS = ("numpy", "scipy")


def layer(module: str) -> str | None:
    """The layer of a package module (``top``: word2vec.py, _moved.py, the package's ``__init__``);
    None for kernels/ (imported by any layer, importing none) and ``__main__``."""
    parts = module.split(".")
    if parts[:2] == ["w2v_scratch", "kernels"] or parts[-1] == "__main__":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "top"


def all_imports(path: pathlib.Path, module: str, known: dict) -> set[str]:
    """Every name an import statement of ``path`` names, at any depth (deferred ones too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(imported(module, node, known))
    return out


def test_a_lower_layer_never_imports_a_higher_one():
    known, edges, _ = graph()
    bad = []
    for m, targets in edges.items():
        if layer(m) is None:
            continue
        for t in targets:
            if layer(t) is not None and LAYERS.index(layer(t)) > LAYERS.index(layer(m)):
                bad.append(f"{m} ({layer(m)}) imports {t} ({layer(t)})")
    assert not bad, "imports against the flow base → textbook → corpus → training → vectors → top → cli: " + \
        ", ".join(sorted(bad))


def test_the_layer_check_sees_an_upward_import():
    assert LAYERS.index(layer("w2v_scratch.vectors.formats")) > LAYERS.index(layer("w2v_scratch.training.persist"))
    assert layer("w2v_scratch.word2vec") == "top" and layer("w2v_scratch.kernels.cpu") is None


# Packages of the top layer: they may import word2vec.py and every lower layer; the CLI imports none of them.
TOP_PACKAGES = ("gensim",)


def test_the_top_packages_are_top_and_the_cli_leaves_them_alone():
    known, edges, _ = graph()
    for name in TOP_PACKAGES:
        package = [m for m in known if m == f"w2v_scratch.{name}" or m.startswith(f"w2v_scratch.{name}.")]
        assert package and all(layer(m) == "top" for m in package), name
        bad = [f"{m} imports {t}" for m in known if layer(m) == "cli" for t in edges[m] if t in package]
        assert not bad, f"the command line imports w2v_scratch.{name}: " + ", ".join(bad)
        path = ROOT / "w2v_scratch" / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        missing = [p.stem for p in path.parent.glob("*.py") if p.stem != "__init__" and p.stem not in doc]
        assert not missing and "import" in doc, f"{name}/__init__.py's docstring: name every module " \
            f"(missing: {', '.join(missing)}) and what the package may import"


def test_the_textbook_imports_only_numpy_scipy_and_the_standard_library():
    import sys

    known = modules()
    bad = []
    for m, path in known.items():
        if not m.startswith("w2v_scratch.textbook"):
            continue
        for name in all_imports(path, m, known):
            top = name.split(".")[0]
            if name.startswith("w2v_scratch.textbook") or top in STDLIB_AND_NUMERICS or top == "__future__":
                continue
            if top in sys.stdlib_module_names:
                continue
            bad.append(f"{m} imports {name}")
    assert not bad, "the textbook imports only NumPy, SciPy and the standard library: " + ", ".join(bad)


def test_the_kernels_import_nothing_from_the_package():
    known = modules()
    bad = [f"{m} imports {name}" for m, path in known.items() if m.startswith("w2v_scratch.kernels")
           for name in all_imports(path, m, known)
           if name.startswith("w2v_scratch") and not name.startswith("w2v_scratch.kernels")]
    assert not bad, "kernels/ imports nothing from w2v_scratch: " + ", ".join(bad)


def test_no_module_outside_kernels_is_over_500_lines():
    long = [f"{m} ({n} lines)" for m, path in modules().items() if not m.startswith("w2v_scratch.kernels")
            for n in [len(path.read_text().splitlines())] if n > MAX_MODULE_LINES]
    assert not long, "modules over 500 lines (split them by job): " + ", ".join(long)


def test_every_subpackage_says_what_lives_there_and_what_it_may_import():
    for name in SUBPACKAGES:
        path = ROOT / "w2v_scratch" / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        modules_here = sorted(p.stem for p in path.parent.glob("*.py") if p.stem != "__init__")
        missing = [m for m in modules_here if f"{m}" not in doc]
        assert len(doc.splitlines()) >= 3 and not missing, f"{name}/__init__.py's docstring: name every module " \
            f"(missing: {', '.join(missing)}) and what the package may import"
        assert "import" in doc, f"{name}/__init__.py's docstring says what the package may import"


def test_splitmix_host_copies_agree():
    """The package's splitmix64 (base/splitmix.py) and the cuda kernels' host twin are one function."""
    import pytest

    cuda = pytest.importorskip("w2v_scratch.kernels.cuda")
    from w2v_scratch.base import splitmix

    assert (int(cuda.GOLDEN), int(cuda.MIX1), int(cuda.MIX2)) == (splitmix.GOLDEN, splitmix.MIX1, splitmix.MIX2)
    for z in (0, 1, 2**63, 2**64 - 1, 0x0123456789ABCDEF):
        assert cuda.host_mix64(z) == splitmix.mix64(z)
    assert splitmix.mix64(0) == 0 and splitmix.mix64(1) != 1


# -- old import paths (the flat layout before the sub-packages) still work ----------------------------------------
def test_old_import_paths_still_work():
    import importlib

    import w2v_scratch
    import w2v_scratch.io
    import w2v_scratch.vectors.formats
    from w2v_scratch._moved import OLD_TO_NEW
    from w2v_scratch.config import TrainConfig
    from w2v_scratch.embeddings import Embeddings
    from w2v_scratch.io import load_vectors, save_word2vec

    assert w2v_scratch.io is w2v_scratch.vectors.formats
    assert TrainConfig is w2v_scratch.TrainConfig
    assert Embeddings is importlib.import_module("w2v_scratch.vectors.embeddings").Embeddings
    assert load_vectors is w2v_scratch.vectors.formats.load_vectors and callable(save_word2vec)
    for old, new in OLD_TO_NEW.items():
        if old == "corpus":  # the name of a package now, which holds the reader's names (below)
            continue
        assert importlib.import_module(f"w2v_scratch.{old}") is importlib.import_module(f"w2v_scratch.{new}"), old
    from w2v_scratch.corpus import Corpus, iter_sentences, load
    from w2v_scratch.corpus import read

    assert (load, iter_sentences, Corpus) == (read.load, read.iter_sentences, read.Corpus)
