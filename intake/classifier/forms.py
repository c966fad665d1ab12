"""
Reading a ticket body that is a form: markdown issue forms, key/value lines, checklists.

People rarely write prose into a helpdesk: they fill in a form (``### Reason for request``,
``> Describe the problem.``, ``* GitHub ID: @jdoe``, ``- name:`` with the answer quoted below),
tick boxes, and leave the template's instructions in place. ``read_form`` turns such a body into
the fields it holds and the text worth reading, in this order: the free-text answers (reason,
summary, description, justification…), then everything else that is not boilerplate.

Dropped: acknowledgement checkboxes ("I agree to follow the Code of Conduct"), the unticked
options of a choice list ("[x] Remove a user" keeps only that option), template instructions
("A clear and concise description of…"), answers that say nothing ("Other / Not sure", "n/a"),
administrative fields (request id, browser, how soon) and trailing "Document Details" blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BOLD_KEY = re.compile(r"^\s*\*\*([^*\n]{2,80}?)\*\*\s*:?\s*$")
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?([A-Za-z][\w '()/&.#-]{0,48}?)(?:\*\*|__)?\s*[:=]"
    r"\s*(?:\*\*|__)?\s*(.*?)\s*$"
)
_KEY_ONLY = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*)?([A-Za-z][\w '()/&.#-]{1,48}?)(?:\*\*)?:(?:\*\*)?\s*$"
)
_INLINE_NOISE = re.compile(
    r"_?\((?:mm/dd/yyyy|please [^)]{0,80}|multiple emails[^)]{0,120}|first line formatted"
    r"[^)]{0,160}|if applicable[^)]{0,80})\)_?",
    re.IGNORECASE,
)
_CHECKBOX = re.compile(r"^\s*(?:[-*+]\s*)?\[([ xX])\]\s*(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*([-=_*]\s*){3,}$")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]{0,200}\]\([^)]{0,500}\)|<img\b[^>]{0,1000}>", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]{1,200})\]\((?:[^()\s]|\([^)]*\)){0,500}\)")

FREE_TEXT_KEYS = re.compile(
    r"^(?:summary|description|describe (?:the|your) (?:problem|issue|request|task)|"
    r"(?:the )?reasons? for (?:the )?request|reason|justification|what happened\??|"
    r"description of (?:the )?issue|problem(?: statement)?|what'?s the problem\??|overview|"
    r"user story|background|issue|additional (?:notes|information)|request|details)\??$",
    re.IGNORECASE,
)
"""Fields whose answer is the requester's own words: read first."""
_DROP_KEYS = re.compile(
    r"^(?:how soon do you need this|requested by|request id|internet browser|code of conduct|"
    r"acknowledge?ment|screenshots?|attachments?|document details|comments|"
    r"device & user information.*|website address|which indexes)\b",
    re.IGNORECASE,
)
_EMPTY_VALUES = re.compile(
    r"^(?:other\s*/\s*not sure|n/?a|none|no response|_no response_|unknown|-|tbd|yes|no)\.?$",
    re.IGNORECASE,
)
_ACK = re.compile(
    r"^(?:\*\*)?(?:i|we|me or my organization)\s+(?:have|agree|understand|confirm|will|am|"
    r"acknowledge|accept|read|searched|already|certify)\b|code of conduct|"
    r"terms of (?:service|use)|privacy policy",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"a clear and concise description|do not edit this section|required for (?:docs|learn)\."
    r"|please (?:first )?search the existing issues|make sure no duplicated? request|"
    r"^visit devhub|please (?:provide|fill (?:out|in)|complete) the following|"
    r"fill out (?:the )?name of individual|please add only one individual|\(mm/dd/yyyy\)|"
    r"steps to reproduce the behaviou?r|^ex\. i'?m always frustrated|<describe the request>|"
    r"if you (?:notice|are just filing|are interested in filing|have already filled)|"
    r"ignore/delete those fields|^delete unneeded action items",
    re.IGNORECASE,
)
_TRAILERS = re.compile(r"^\s*(?:#{1,6}\s*)?document details\s*$", re.IGNORECASE)
MIN_WORDS = 6
"""Fewer words than this once quotes are removed: the quoted text is kept after all."""


@dataclass(frozen=True)
class FormReading:
    """What a body says once its form structure is read."""

    fields: tuple[tuple[str, str], ...]
    """(key, answer) pairs in order, as written (markup removed)."""
    text: str
    """Free-text answers first, then the rest that is not boilerplate, one item per line."""


def _strip_markup(text: str) -> str:
    text = _INLINE_NOISE.sub(" ", _HTML_COMMENT.sub(" ", text))
    text = _IMAGE.sub(" ", text)
    return _LINK.sub(r"\1", text)


def _clean_key(key: str) -> str:
    return re.sub(r"[*_`#:]+", "", key).strip().rstrip("?.").strip()


def _choice_groups(lines: list[str]) -> set[int]:
    """Indexes of unticked options in a choice list that has a ticked option."""
    drop: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _CHECKBOX.match(lines[j]):
            j += 1
        group = range(i, j)
        if j - i >= 2:
            boxes = [_CHECKBOX.match(lines[k]) for k in group]
            ticked = [b is not None and b.group(1) != " " for b in boxes]
            short = all(b is not None and len(b.group(2).split()) <= 8 for b in boxes)
            if any(ticked) and not all(ticked) and short:
                drop.update(k for k, t in zip(group, ticked, strict=True) if not t)
        i = max(j, i + 1)
    return drop


def _unquote_if_needed(lines: list[str]) -> list[str]:
    """Drop quoted lines unless that leaves fewer than ``MIN_WORDS`` words."""
    plain = [ln for ln in lines if not _QUOTE.match(ln)]
    if len(" ".join(plain).split()) >= MIN_WORDS:
        return plain
    return [m.group(1) if (m := _QUOTE.match(ln)) else ln for ln in lines]


def _mark_form_quotes(lines: list[str]) -> list[str]:
    """Unquote the quoted lines that are a form's questions or answers, not a quoted e-mail.

    ``> Describe the problem.`` followed by an unquoted answer is a question; quoted lines right
    after ``- name:`` (a key with no value) are that key's answer.
    """
    out = list(lines)
    for i, line in enumerate(lines):
        match = _QUOTE.match(line)
        if not match or not match.group(1).strip():
            continue
        above = next((k for k in range(i - 1, -1, -1) if lines[k].strip()), None)
        below = next((lines[k] for k in range(i + 1, len(lines)) if lines[k].strip()), "")
        if above is not None and _QUOTE.match(lines[above]):
            answer = out[above] != lines[above]
        else:
            answer = above is not None and lines[above].rstrip().endswith(":")
        question = len(match.group(1).split()) <= 8 and below != "" and not _QUOTE.match(below)
        if answer:
            out[i] = match.group(1)
        elif question:
            out[i] = "### " + match.group(1)
    return out


def _cut_trailers(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _TRAILERS.match(line):
            return lines[:i]
    return lines


def read_form(body: str) -> FormReading:
    """Read a body's fields and the text worth classifying (see the module docstring)."""
    lines = _cut_trailers(_strip_markup(body).splitlines())
    lines = _unquote_if_needed(_mark_form_quotes(lines))
    dropped = _choice_groups(lines)
    fields: list[tuple[str, str]] = []
    free: list[str] = []
    rest: list[str] = []
    key: str | None = None
    answer: list[str] = []

    def close() -> None:
        if key is None:
            return
        value = "\n".join(answer).strip()
        if value and not _EMPTY_VALUES.match(value):
            fields.append((key, value))
            if _DROP_KEYS.match(key):
                return
            if FREE_TEXT_KEYS.match(key):
                free.append(value)
                return
            rest.extend((key, value))
        elif not FREE_TEXT_KEYS.match(key) and not _DROP_KEYS.match(key):
            rest.append(key)

    for index, line in enumerate(lines):
        if index in dropped or _RULE.match(line) or _BOILERPLATE.search(line):
            continue
        heading = _HEADING.match(line) or _BOLD_KEY.match(line) or _KEY_ONLY.match(line)
        if heading:
            close()
            key, answer = _clean_key(heading.group(1)), []
            continue
        box = _CHECKBOX.match(line)
        if box:
            item = box.group(2).strip()
            if not item or _ACK.search(item):
                continue
            line = item
        pair = _KEY_VALUE.match(line)
        if (
            pair
            and pair.group(2)
            and len(pair.group(1).split()) <= 6
            and not pair.group(2).startswith("//")
        ):
            name, value = _clean_key(pair.group(1)), pair.group(2).strip(" *_`")
            if _EMPTY_VALUES.match(value):
                continue
            fields.append((name, value))
            if _DROP_KEYS.match(name):
                continue
            target = free if FREE_TEXT_KEYS.match(name) else rest
            target.append(value if target is free else f"{name}: {value}")
            continue
        if line.strip():
            (answer if key is not None else rest).append(line.strip())
    close()
    return FormReading(tuple(fields), "\n".join(free + rest))
