"""The shape a newcomer can rely on: no two modules import each other."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PRODUCT = ("connectors", "intake", "playbooks", "sla", "worker")


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


def test_the_graph_sees_lazy_and_relative_imports() -> None:
    """Imports inside functions count, and a package's ``from x import module`` names the module."""
    graph = import_graph()

    assert "worker.queue.names" in graph["worker.runtime"]
    assert "worker.queue.periodic" in graph["worker.queue.actors"]
    assert "worker.db.migrate" in graph["worker.boot"]
