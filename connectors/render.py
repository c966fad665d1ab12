"""
Markdown comment bodies rendered the way each desk shows comments.

deskpilot writes notes in CommonMark. Jira's REST v3 wants Atlassian Document Format (ADF),
Zendesk keeps HTML (``html_body``), and JSM's request comments, ServiceNow journal fields and
Salesforce case comments are plain text. Raw HTML in the Markdown is never passed through (it
is escaped in HTML and kept as text elsewhere), so a ticket's own text quoted in a note cannot
inject markup.

"Plain" text is not plain on every desk: Jira Data Center comments and JSM request comments are
wiki markup (``[label|url]`` links, ``[~user]`` mentions, ``!url!`` images, ``{html}`` macros),
and a ServiceNow journal entry renders what stands between ``[code]`` and ``[/code]`` as HTML.
``to_wiki`` and ``to_journal`` are ``to_plain`` with those made literal, so nothing a note
quotes becomes a link, a mention, an image or HTML there.

The idempotency marker is a short visible footer, ``[deskpilot:<marker>]``, in the same form on
every desk: HTML comments or hidden styles would be stripped by desks that sanitise HTML
(Zendesk), and a stripped marker would defeat the "already posted?" check.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from markdown_it import MarkdownIt
from markdown_it.token import Token

Json: TypeAlias = dict[str, "Json"] | list["Json"] | str | int | float | bool | None
JsonObject = dict[str, Json]

_MARKER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_MD = MarkdownIt("commonmark", {"html": False})

_BLOCKS: dict[str, str] = {
    "paragraph_open": "paragraph",
    "bullet_list_open": "bulletList",
    "ordered_list_open": "orderedList",
    "list_item_open": "listItem",
    "blockquote_open": "blockquote",
}
_MARKS: dict[str, str] = {"strong_open": "strong", "em_open": "em", "s_open": "strike"}


def marker_text(marker: str) -> str:
    """The footer that tags a comment with its idempotency ``marker``; rejects unsafe markers."""
    if not _MARKER.fullmatch(marker):
        raise ValueError(
            f"comment marker {marker!r} must be 1-128 characters of letters, digits, '.', '_', ':' or '-'"
        )
    return f"[deskpilot:{marker}]"


def to_html(markdown: str) -> str:
    """CommonMark → HTML, with raw HTML escaped."""
    return str(_MD.render(markdown))


def to_plain(markdown: str) -> str:
    """CommonMark → readable plain text (lists keep their bullets, links show their URL)."""
    lines: list[str] = []
    prefixes: list[str] = []
    numbers: list[int | None] = []
    for token in _MD.parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            numbers.append(int(start) if start is not None else (1 if token.tag == "ol" else None))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif token.type == "list_item_open":
            number = numbers[-1]
            prefixes.append("- " if number is None else f"{number}. ")
            if number is not None:
                numbers[-1] = number + 1
        elif token.type == "list_item_close":
            prefixes.pop()
        elif token.type == "inline":
            _append_plain(lines, prefixes, _inline_plain(token))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        elif token.type == "hr":
            lines.append("----")
        elif token.type in ("paragraph_close", "heading_close") and not prefixes:
            lines.append("")
    return "\n".join(lines).strip("\n")


_WIKI_SPECIAL = re.compile(r"[\[\]{}!]")
_JOURNAL_CODE = re.compile(r"\[(/?)(code)\]", re.IGNORECASE)


def to_wiki(markdown: str) -> str:
    """``to_plain`` for a Jira wiki renderer: link, mention, image and macro characters
    backslash-escaped (Jira shows ``\\[`` as ``[``); ``|`` stays, so a note's table stays one."""
    return _WIKI_SPECIAL.sub(lambda m: "\\" + m.group(0), to_plain(markdown))


def to_journal(markdown: str) -> str:
    """``to_plain`` for a ServiceNow journal field: ``[code]`` and ``[/code]`` (which would
    make the rest HTML) written with full-width brackets, so they read the same and do nothing."""
    return _JOURNAL_CODE.sub(lambda m: f"\uff3b{m.group(1)}{m.group(2)}\uff3d", to_plain(markdown))


def _append_plain(lines: list[str], prefixes: list[str], text: str) -> None:
    if prefixes:
        indent = "  " * (len(prefixes) - 1)
        lines.append(f"{indent}{prefixes[-1]}{text}")
        prefixes[-1] = " " * len(prefixes[-1])
    else:
        lines.append(text)


def _inline_plain(token: Token) -> str:
    parts: list[str] = []
    href: str | None = None
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
        elif child.type == "link_close" and href:
            parts.append(f" ({href})")
            href = None
        elif child.type == "image":
            parts.append(f"{child.content} ({child.attrGet('src')})")
    return "".join(parts)


def to_adf(markdown: str) -> JsonObject:
    """CommonMark → an Atlassian Document Format ``doc`` node (Jira REST v3 comment bodies)."""
    doc: JsonObject = {"version": 1, "type": "doc", "content": []}
    stack: list[JsonObject] = [doc]
    for token in _MD.parse(markdown):
        if token.nesting == 1:
            node = _adf_block(token)
            _content(stack[-1]).append(node)
            stack.append(node)
        elif token.nesting == -1:
            stack.pop()
        elif token.type == "inline":
            _content(stack[-1]).extend(_adf_inline(token))
        elif token.type in ("fence", "code_block"):
            _content(stack[-1]).append(_adf_code(token))
        elif token.type == "hr":
            _content(stack[-1]).append({"type": "rule"})
    return doc


def adf_text(node: Json) -> str:
    """All the text of an ADF node (e.g. a comment body read back from Jira), concatenated."""
    if isinstance(node, dict):
        text = node.get("text")
        own = text if isinstance(text, str) else ""
        return own + "".join(adf_text(child) for child in _children(node))
    if isinstance(node, list):
        return "".join(adf_text(child) for child in node)
    return ""


def _children(node: dict[str, Json]) -> list[Json]:
    content = node.get("content")
    return content if isinstance(content, list) else []


def _content(node: JsonObject) -> list[Json]:
    content = node.setdefault("content", [])
    assert isinstance(content, list)
    return content


def _adf_block(token: Token) -> JsonObject:
    if token.type == "heading_open":
        return {"type": "heading", "attrs": {"level": int(token.tag[1])}, "content": []}
    kind = _BLOCKS.get(token.type, "paragraph")
    node: JsonObject = {"type": kind, "content": []}
    if kind == "orderedList":
        node["attrs"] = {"order": int(token.attrGet("start") or 1)}
    return node


def _adf_code(token: Token) -> JsonObject:
    node: JsonObject = {"type": "codeBlock", "attrs": {"language": token.info.strip() or None}}
    code = token.content.rstrip("\n")
    if code:
        node["content"] = [{"type": "text", "text": code}]
    return node


def _adf_inline(token: Token) -> list[Json]:
    nodes: list[Json] = []
    marks: list[JsonObject] = []
    for child in token.children or []:
        if child.type in _MARKS:
            marks.append({"type": _MARKS[child.type]})
        elif child.type == "link_open":
            marks.append({"type": "link", "attrs": {"href": str(child.attrGet("href") or "")}})
        elif child.type.endswith("_close"):
            if marks:
                marks.pop()
        elif child.type == "hardbreak":
            nodes.append({"type": "hardBreak"})
        else:
            _adf_text_node(nodes, child, marks)
    return nodes


def _adf_text_node(nodes: list[Json], child: Token, marks: list[JsonObject]) -> None:
    text = " " if child.type == "softbreak" else child.content
    if child.type == "image":
        text = f"{child.content} ({child.attrGet('src')})"
    if not text:
        return
    node: JsonObject = {"type": "text", "text": text}
    own: list[Json] = [dict(mark) for mark in marks]
    if child.type == "code_inline":
        own = [m for m in own if isinstance(m, dict) and m.get("type") == "link"]
        own.append({"type": "code"})
    if own:
        node["marks"] = own
    nodes.append(node)


__all__ = [
    "Json",
    "JsonObject",
    "adf_text",
    "marker_text",
    "to_adf",
    "to_html",
    "to_journal",
    "to_plain",
    "to_wiki",
]
