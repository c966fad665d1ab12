"""Atlassian Document Format (Jira REST v3 rich text) → plain text."""

from __future__ import annotations

from intake.webhooks.node import Node

_BLOCKS = frozenset(
    {"paragraph", "heading", "blockquote", "codeBlock", "listItem", "panel", "rule", "tableRow"}
)


def adf_to_text(node: Node) -> str:
    """
    Render an ADF document (or a v2 plain string) as plain text.

    Paragraphs and list items become lines, ``hardBreak`` a newline, mentions ``@name``,
    emoji their shortcut, links keep their text; unknown nodes contribute their children.
    """
    if node.missing:
        return ""
    if not node.is_object():
        return node.req_text()
    parts: list[str] = []
    _render(node, parts)
    lines = "".join(parts).splitlines()
    return "\n".join(line.rstrip() for line in lines).strip()


def _render(node: Node, parts: list[str]) -> None:
    kind = node.get("type").text() or ""
    attrs = node.get("attrs")
    if kind == "text":
        parts.append(node.get("text").text() or "")
    elif kind == "hardBreak":
        parts.append("\n")
    elif kind == "mention":
        parts.append(attrs.get("text").text() or "@" + (attrs.get("id").text() or "someone"))
    elif kind in ("emoji", "status", "date"):
        parts.append(attrs.get("shortName").text() or attrs.get("text").text() or "")
    elif kind in ("inlineCard", "blockCard"):
        parts.append(attrs.get("url").text() or "")
    if kind == "listItem":
        parts.append("- ")
    for child in node.get("content").items():
        _render(child, parts)
    if kind in _BLOCKS and not (parts and parts[-1].endswith("\n")):
        parts.append("\n")
