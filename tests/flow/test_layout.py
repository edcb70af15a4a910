"""The compiler's layout, read from its import statements (function-level imports included):
the compiler imports no application (models/, flow/targets/), and no module imports itself back
through others."""

import ast
from pathlib import Path

import pytest

from flow.content_key import module_file
from flow.paths import SOURCE_ROOT

FLOW = SOURCE_ROOT / "flow"
APPLICATIONS = ("models", "flow.targets")


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The repository modules a file imports (a `from X import Y` names X.Y when Y is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if module_file(n) is not None)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(root.rglob("*.py"))}


def compiler_modules() -> dict[str, set[str]]:
    return {m: deps for m, deps in graph(FLOW).items() if not m.startswith("flow.targets")}


def test_the_compiler_imports_no_application():
    offending = {m: sorted(d for d in deps if d.split(".")[0] == "models" or d.startswith("flow.targets"))
                 for m, deps in compiler_modules().items()}
    assert {m: d for m, d in offending.items() if d} == {}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (or a module importing itself)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in g:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in g.get(v, ()):
                out.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    # package __init__ files are left out: importing a submodule always runs its package's
    g = {m: {d for d in deps if not (SOURCE_ROOT / d.replace(".", "/") / "__init__.py").is_file()}
         for m, deps in graph(FLOW).items()}
    assert cycles(g) == []


@pytest.mark.parametrize("g, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_the_cycle_finder_finds_cycles(g, expected):
    assert cycles(g) == expected
