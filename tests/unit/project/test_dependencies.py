"""The wheel installs with plain pip: every third-party module the product imports is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PRODUCT = ("connectors", "intake", "playbooks", "sla", "worker")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalized(re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0])


def declared_distributions() -> set[str]:
    """Distributions named in [project] dependencies and in every extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return {_requirement_name(r) for r in requirements}


def imported_top_levels() -> dict[str, set[str]]:
    """Top-level module name → the product files that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for package in PRODUCT:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.partition(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


def test_every_third_party_import_is_a_declared_dependency() -> None:
    """A module imported by the product must come from a distribution pyproject declares."""
    declared = declared_distributions()
    owners = packages_distributions()
    ours = {*PRODUCT, "__future__"}
    undeclared = {
        module: sorted(files)
        for module, files in imported_top_levels().items()
        if module not in sys.stdlib_module_names
        and module not in ours
        and not {_normalized(d) for d in owners.get(module, [module])} & declared
    }

    assert {} == undeclared


def test_the_check_sees_the_imports_it_judges() -> None:
    """The scan finds known third-party imports and maps them to their distributions."""
    imported = imported_top_levels()
    owners = packages_distributions()

    assert {"sqlalchemy", "cryptography", "yaml"} <= imported.keys()
    assert "pyyaml" in {_normalized(d) for d in owners["yaml"]}
    assert {"pyyaml", "sqlalchemy", "cryptography"} <= declared_distributions()
