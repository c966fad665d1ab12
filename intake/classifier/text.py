"""
Ticket text cleaning: what the classifier and the entity extractor read.

Desk bodies are e-mails and forms more often than not: HTML, quoted threads, signatures,
disclaimers, issue templates. ``read_ticket`` reads the newest message and then the thread's
original request at the bottom (the guidelines label a thread by its original ask), drops mail
headers and signatures, reads each message as a form (``forms.read_form``: free-text answers
first, boilerplate and acknowledgements dropped, quoted text kept when it is all there is), and
caps the length so a 1 MB body costs no more than a normal one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from intake.classifier.forms import read_form

RAW_CAP = 200_000
"""Characters of the raw body looked at at all (before cleaning)."""
CLEAN_CAP = 4_000
"""Characters of cleaned text kept for classification."""
ORIGINAL_CAP = 1_500
"""Characters of a thread's original request (its bottom message) read after the newest one."""

_TAG = re.compile(r"<[a-zA-Z/!][^>]{0,2000}>")
_DROP_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h\d|p|div|li|tr)\b[^>]*>", re.IGNORECASE)
_LOOKS_HTML = re.compile(r"<(html|body|div|p|br|span|table|a)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]+")
_SPACES = re.compile(r"[ \t\u00a0]+")

_THREAD_MARKERS = (
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original|Forwarded) Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*Begin forwarded message:", re.IGNORECASE),
)
_FROM_LINE = re.compile(r"^\s*\*?From:\*?\s", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\s*\*?(Sent|Date|To|Cc|Subject):\*?\s", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^\s*(--|—|(kind |best |warm )?regards|thanks( a lot| in advance)?|thank you|cheers|"
    r"best|sincerely|br|sent from my \w+.*)\s*[,.!]*\s*$",
    re.IGNORECASE,
)


def decode_bytes(data: bytes) -> str:
    """Decode a body of unknown encoding: UTF-8 when valid, else Windows-1252, never raising."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def html_to_text(raw: str) -> str:
    """Turn an HTML body into plain text with line breaks where blocks ended."""
    if not _LOOKS_HTML.search(raw[:5000]):
        return raw
    text = _DROP_BLOCKS.sub(" ", raw)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def is_thread_start(lines: list[str], i: int) -> bool:
    """Whether ``lines[i]`` starts an earlier message: a reply or forward header."""
    line = lines[i]
    if any(marker.match(line) for marker in _THREAD_MARKERS):
        return True
    if _FROM_LINE.match(line):
        return any(_SENT_LINE.match(nxt) for nxt in lines[i + 1 : i + 5])
    return False


def split_thread(text: str) -> list[str]:
    """Split an e-mail body into messages, newest first (``>`` lines stay; see ``read_form``)."""
    lines = text.splitlines()
    messages: list[list[str]] = [[]]
    for i, line in enumerate(lines):
        if is_thread_start(lines, i):
            messages.append([])
            continue
        messages[-1].append(line)
    return ["\n".join(m).strip() for m in messages if "\n".join(m).strip()]


def strip_signature(message: str) -> str:
    """Cut a message at its sign-off (``--``, "Regards", "Thanks,"…) once it has content."""
    kept: list[str] = []
    for line in message.splitlines():
        if kept and _SIGNATURE.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _message_body(message: str) -> str:
    """A quoted message without its header lines (From/Sent/To/Subject)."""
    lines = [ln for ln in message.splitlines() if not _SENT_LINE.match(ln)]
    return strip_signature("\n".join(lines))


@dataclass(frozen=True)
class Reading:
    """A ticket as the classifier reads it."""

    text: str
    """Subject, then the newest message and the thread's original request, forms read."""
    fields: tuple[tuple[str, str], ...]
    """The form fields found in those messages (``read_form``)."""


def read_ticket(subject: str, body: str) -> Reading:
    """Subject plus the meaningful part of the body, plain text, at most ``CLEAN_CAP`` chars.

    In a thread (newest message first) the newest message is read, then the original request
    at the bottom, because that is what the ticket asks for; each is read as a form.
    """
    raw = _CONTROL.sub(" ", body[:RAW_CAP])
    messages = split_thread(html_to_text(raw))
    parts = [_message_body(messages[0])] if messages else []
    if len(messages) > 1:
        parts.append(_message_body(messages[-1])[:ORIGINAL_CAP])
    forms = [read_form(part) for part in parts]
    lines = (_SPACES.sub(" ", ln).strip() for f in forms for ln in f.text.splitlines())
    text = "\n".join(ln for ln in lines if ln)
    head = _SPACES.sub(" ", _CONTROL.sub(" ", subject[:1000])).strip()
    fields = tuple(pair for f in forms for pair in f.fields)
    return Reading(f"{head}\n{text}".strip()[:CLEAN_CAP], fields)


def clean_text(subject: str, body: str) -> str:
    """``read_ticket(subject, body).text``."""
    return read_ticket(subject, body).text
