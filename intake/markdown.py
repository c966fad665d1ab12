"""
Text from outside (a ticket, a form, a file name, a desk's user) inside deskpilot's Markdown
notes, shown as the text it is.

deskpilot writes its notes in CommonMark and each desk renders them (links, images, emphasis,
code). A value a requester wrote must not become a link labelled "Approve now", an image that
calls home when an agent opens the ticket, or a line of its own in a note written in
deskpilot's voice. Pure; no desk knowledge (each connector escapes its own markup on top).
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"[\\`*\[\]<>!|~]|&(?=#?\w+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(\s*\d*)([#+=>.)-])")


def one_line(text: str) -> str:
    """``text`` on one line, without control or format characters (zero-width, bidi marks)."""
    return "".join(ch for ch in " ".join(text.split()) if ch.isprintable())


def literal(text: str) -> str:
    """
    ``text`` as CommonMark that renders as exactly that text, on one line: every character
    that could open a link, an image, an autolink, emphasis, code, a table cell or an entity
    is backslash-escaped, and so is a start that would make a heading, list or quote.
    """
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(0), one_line(text))
    start = _LINE_START.match(escaped)
    if start is None or (start.group(2) in ".)") != bool(start.group(1).strip()):
        return escaped
    return f"{start.group(1)}\\{escaped[start.end(1) :]}"


def code_span(text: str) -> str:
    """
    ``text`` as one CommonMark code span: every desk shows it literally, so it cannot become a
    link, emphasis or a new line in a note written in deskpilot's voice. The fence is longer
    than any run of backticks in it.
    """
    flat = one_line(text) or "(no name)"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat[0] == "`" or flat[-1] == "`" else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
