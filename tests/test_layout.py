"""The house rules, checked: data flows one way (no import cycle, imports inside functions
counted), short rooms (no function over 100 lines), and an import inside a function only where it
defers a heavy optional dependency, with its reason on the line."""

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
