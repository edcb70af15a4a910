"""The import graph of a checkout's flow/ package, read from its import statements (function-level
imports included), so nothing is imported to draw it: tests/flow/test_layout.py checks the
current checkout, benchmarks/import_structure.py measures any checkout."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

APPLICATIONS = ("models", "flow.targets")   # what the compiler must not import


def module_file(root: Path, name: str) -> Path | None:
    """The source file of module `name` in the checkout at root, or None for any other module."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(root: Path, path: Path) -> set[str]:
    """The checkout's modules a file imports (a `from X import Y` names X.Y when Y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if module_file(root, n) is not None)
    return found


def import_graph(root: Path) -> nx.DiGraph:
    """flow/'s modules and what they import; imports of packages (their __init__) are left out,
    since importing a submodule always runs its package's."""
    g = nx.DiGraph()
    for path in sorted((root / "flow").rglob("*.py")):
        name = module_name(root, path)
        g.add_node(name)
        g.add_edges_from((name, d) for d in imports(root, path)
                         if module_file(root, d).name != "__init__.py")
    return g


def cycles(g: nx.DiGraph) -> list[list[str]]:
    """The groups of modules that import each other (a module that imports itself included)."""
    return sorted(sorted(c) for c in nx.strongly_connected_components(g)
                  if len(c) > 1 or g.has_edge(next(iter(c)), next(iter(c))))


def application_imports(root: Path) -> dict[str, list[str]]:
    """Compiler modules (flow/ outside flow/targets/) and the application modules they import."""
    g = import_graph(root)
    found = {m: sorted(d for d in g.successors(m) if any(d == a or d.startswith(a + ".") for a in APPLICATIONS))
             for m in g if not (m == "flow.targets" or m.startswith("flow.targets."))}
    return {m: deps for m, deps in found.items() if deps}
