"""
The ``desks:`` examples in docs/webhooks.md and docs/desks.md pass ``deskpilot check`` as
written, so an admin who copies one gets a service that starts (docs and code cannot drift).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from worker.cli.check import check_everything

DOCS = Path(__file__).resolve().parents[3] / "docs"
_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.DOTALL | re.MULTILINE)


def desk_examples(page: str) -> list[str]:
    """Every yaml block of ``page`` that is a ``desks:`` section."""
    blocks = _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))
    return [block for block in blocks if block.startswith("desks:")]


def _with_secrets(node: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``node`` with each ``{env: X}`` set in the environment and each ``{file: p}`` made."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            monkeypatch.setenv(node["env"], "s" * 48)
            return node
        if set(node) == {"file"}:
            made = tmp_path / f"secret-{len(list(tmp_path.iterdir()))}"
            made.write_text("s" * 48, encoding="utf-8")
            return {"file": str(made)}
        return {key: _with_secrets(value, tmp_path, monkeypatch) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_secrets(item, tmp_path, monkeypatch) for item in node]
    return node


EXAMPLES = [
    pytest.param(page, number, block, id=f"{page}#{number}")
    for page in ("webhooks.md", "desks.md")
    for number, block in enumerate(desk_examples(page), start=1)
]


def test_the_pages_have_desk_examples() -> None:
    """The extraction finds them: webhooks.md's four desks, one per desk kind in desks.md."""
    assert (len(desk_examples("webhooks.md")), len(desk_examples("desks.md"))) == (1, 4)


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES)
def test_desk_example_passes_check(
    page: str, number: int, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With its secrets present, the example as printed has no problem at all."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    config = _with_secrets(yaml.safe_load(block), secrets, monkeypatch)
    path = tmp_path / f"{page}-{number}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    assert check_everything(path) == []
