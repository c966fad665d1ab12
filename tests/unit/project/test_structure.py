"""The shape a newcomer can rely on: no import circles, short modules, no file I/O in the core."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PRODUCT = ("connectors", "intake", "playbooks", "sla", "worker")
CORE = ("intake", "playbooks", "sla")
MIGRATIONS = Path("worker", "db", "migrations")
MAX_LINES = 400
OVER_THE_LIMIT: dict[str, int] = {}
"""Modules still to split (they grew while the shell was rearranged): each may only shrink, and
leaves this table once it is under the limit."""
FILE_IO = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes", "iterdir"})


def product_modules() -> dict[str, Path]:
    """Dotted module name → file, for every product module."""
    modules: dict[str, Path] = {}
    for package in PRODUCT:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
        base = ".".join([*anchor, *([base] if base else [])])
    # ``from package import module`` imports the module; ``from module import name`` the module.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
    ]


def import_graph() -> dict[str, set[str]]:
    """Module → the product modules it imports anywhere (top level, functions, TYPE_CHECKING)."""
    modules = product_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {
            target
            for node in ast.walk(tree)
            for target in _targets(node, module, is_package, known)
            if target in known and target != module
        }
    return graph


def test_no_two_modules_import_each_other() -> None:
    """A two-file circle means the two are one module, or a third holds what both need."""
    graph = import_graph()
    circles = sorted(
        f"{a} <-> {b}" for a, targets in graph.items() for b in targets if a < b and a in graph[b]
    )

    assert [] == circles


def test_no_product_module_is_over_400_lines() -> None:
    """Migrations excepted: a module a newcomer can read in one sitting."""
    too_long = {
        rel: lines
        for path in product_modules().values()
        if not (rel_path := path.relative_to(REPO)).is_relative_to(MIGRATIONS)
        and (lines := len(path.read_text().splitlines()))
        > OVER_THE_LIMIT.get(rel := str(rel_path), MAX_LINES)
    }

    assert {} == too_long


def test_the_split_list_only_names_modules_still_over_the_limit() -> None:
    """A module split below the limit leaves ``OVER_THE_LIMIT``, so it cannot grow back."""
    short_enough = sorted(
        name for name in OVER_THE_LIMIT if len((REPO / name).read_text().splitlines()) <= MAX_LINES
    )

    assert [] == short_enough


def test_the_core_reads_no_files() -> None:
    """``intake``, ``playbooks`` and ``sla`` get file contents from the shell (ruff's banned-api
    cannot see the builtin ``open`` or methods called on a ``Path``)."""
    calls = sorted(
        f"{path.relative_to(REPO)}:{node.lineno}: {name}"
        for module, path in product_modules().items()
        if module.split(".")[0] in CORE
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call) and (name := _called_name(node.func)) in FILE_IO
    )

    assert [] == calls


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def test_the_graph_sees_lazy_and_relative_imports() -> None:
    """Imports inside functions count, and a package's ``from x import module`` names the module."""
    graph = import_graph()

    assert "worker.queue.names" in graph["worker.runtime"]
    assert "worker.queue.periodic" in graph["worker.queue.actors"]
    assert "worker.db.migrate" in graph["worker.boot"]
