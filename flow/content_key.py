"""Content keys: a step is up to date only when the contents of everything it reads are unchanged.

What enters a key:
- the toolchain: the compiler's Python (flow/ less flow/targets/), its templates, hw/ and deploy/;
- the target's code: its module, every module of flow/targets/ and models/ it imports (found by
  reading import statements, so nothing is imported to find them), and the files it names as
  data (checkpoints);
- the options a step depends on; an option naming a file (--model, --checkpoint, --folding,
  --input-data) enters by the file's contents, never by its path.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

from flow.paths import SOURCE_ROOT

TOOLCHAIN = (("flow", ("*.py", "*.j2")), ("hw", ("*.v", "*.cpp", "*.hpp", "*.json", "*.j2", "*.vlt")),
             ("deploy", ("*.py",)))
APPLICATION_PACKAGES = ("flow.targets", "models", "tests")   # code a target may bring into a build


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    """Digest of a file's contents, or of every file under a folder (names and contents)."""
    path = Path(path)
    if path.is_dir():
        return digest(*(f"{p.relative_to(path).as_posix()}:{file_digest(p)}"
                        for p in sorted(path.rglob("*")) if p.is_file()))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def toolchain_digest() -> str:
    """The compiler and hardware sources; application code (flow/targets/) is the target's."""
    targets = SOURCE_ROOT / "flow" / "targets"
    files = sorted(p for folder, patterns in TOOLCHAIN for pattern in patterns
                   for p in (SOURCE_ROOT / folder).rglob(pattern)
                   if targets not in p.parents and "__pycache__" not in p.parts)
    return digest(*(f"{p.relative_to(SOURCE_ROOT).as_posix()}:{file_digest(p)}" for p in files))


def module_file(name: str) -> Path | None:
    """The source file of a module of this repository, or None for any other module."""
    base = SOURCE_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(path: Path, module: str) -> set[str]:
    """Absolute names of the modules (and module-or-attribute names) a file imports anywhere,
    function bodies included (targets import torch and models/ lazily)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@cache
def application_sources(module: str) -> tuple[Path, ...]:
    """`module`'s file and every file of flow/targets/ and models/ it imports, transitively,
    with the packages' __init__ files that importing them runs."""
    found: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = module_file(name)
        if path is None:
            continue
        found[name] = path
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))   # parent packages
        todo.extend(n for n in _imported_names(path, name)
                    if any(n == p or n.startswith(p + ".") for p in APPLICATION_PACKAGES))
    return tuple(sorted(set(found.values())))


def application_digest(module: str) -> str:
    return digest(*(f"{_label(p)}:{file_digest(p)}" for p in application_sources(module)))


def _label(path: Path) -> str:
    return path.relative_to(SOURCE_ROOT).as_posix() if SOURCE_ROOT in path.parents else path.name


def option_value(value) -> str:
    """An option as it enters a key: a file by its contents, anything else by its text."""
    if isinstance(value, Path):
        return f"file:{file_digest(value)}"
    return repr(value)
