"""Markdown comment bodies as ADF, HTML and plain text."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.render import adf_text, marker_text, to_adf, to_html, to_plain

NOTE = "## Done\n\nUnlocked **alice** in `corp.example`, see [the runbook](https://wiki.example/unlock).\n\n- step one\n- step two\n\n1. first\n2. second\n\n```\nlocked=false\n```\n<script>alert(1)</script>\n"


def test_plain_text_keeps_structure_without_markup() -> None:
    assert to_plain(NOTE) == (
        "Done\n\nUnlocked alice in corp.example, see the runbook (https://wiki.example/unlock).\n\n"
        "- step one\n- step two\n1. first\n2. second\nlocked=false\n<script>alert(1)</script>"
    )


def test_html_escapes_raw_html() -> None:
    html = to_html(NOTE)

    assert "<strong>alice</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_adf_nodes_and_marks() -> None:
    doc: Any = to_adf(NOTE)  # JSON navigated by key in the asserts

    assert (doc["type"], doc["version"]) == ("doc", 1)
    kinds = [node["type"] for node in doc["content"]]
    assert kinds == ["heading", "paragraph", "bulletList", "orderedList", "codeBlock", "paragraph"]
    para = doc["content"][1]["content"]
    assert {"type": "text", "text": "alice", "marks": [{"type": "strong"}]} in para
    assert {"type": "text", "text": "corp.example", "marks": [{"type": "code"}]} in para
    assert {
        "type": "text",
        "text": "the runbook",
        "marks": [{"type": "link", "attrs": {"href": "https://wiki.example/unlock"}}],
    } in para
    assert "alert(1)" in adf_text(doc)


@pytest.mark.parametrize(
    "marker", ["", "has space", "a^b", "x" * 129], ids=["empty", "space", "caret", "too-long"]
)
def test_unsafe_markers_are_refused(marker: str) -> None:
    with pytest.raises(ValueError, match="comment marker"):
        marker_text(marker)
