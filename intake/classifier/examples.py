"""
Labelled examples: our corpus, our labels joined to the Endava dev rows, agents' corrections.

A correction is the same shape as any example: ``{id, subject, body, intent, source}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

CORPUS_FILE = "deskpilot_corpus.jsonl"
DESK_STYLE_FILE = "desk_style_corpus.jsonl"
ENDAVA_LABELS_FILE = "endava_dev_labels.jsonl"


class ExampleError(ValueError):
    """A labelled example is missing a field or has one of the wrong type."""


@dataclass(frozen=True)
class Example:
    """One ticket with the intent a person gave it."""

    id: str
    subject: str
    body: str
    intent: str
    source: str = "corpus"


def parse_example(data: Mapping[str, object], *, source: str = "corpus") -> Example:
    """Build an example from a JSON object; ``subject`` and ``body`` may be missing or null."""
    ident, intent = data.get("id"), data.get("intent")
    if not isinstance(ident, str | int) or not isinstance(intent, str) or not intent:
        raise ExampleError("an example needs a string `id` and a non-empty string `intent`")
    subject, body = data.get("subject") or "", data.get("body") or ""
    if not isinstance(subject, str) or not isinstance(body, str):
        raise ExampleError(f"example {ident}: `subject` and `body` must be strings")
    given = data.get("source")
    return Example(str(ident), subject, body, intent, given if isinstance(given, str) else source)


def corpus_examples(lines: Iterable[str]) -> list[Example]:
    """
    deskpilot's own training tickets (``CORPUS_FILE``, JSON lines, read by the shell).

    Args:
        lines: the file's lines.
    """
    return [parse_example(row, source="corpus") for row in _json_lines(lines)]


def desk_style_examples(lines: Iterable[str], read_kind: Callable[[str], str]) -> list[Example]:
    """
    Our desk-style training tickets (``DESK_STYLE_FILE``: enterprise e-mails, portal forms and
    threads, some with the request kind the requester picked), source ``desk``. A kind is read
    the way the classifier reads it at run time: as the subject's first line, when ``read_kind``
    (``intake.classify.clean_kind``) finds it worth reading.

    Args:
        lines: the file's lines.
        read_kind: a request kind -> the kind as read, or "" for a catch-all.
    """
    examples = []
    for row in _json_lines(lines):
        example = parse_example(row, source="desk")
        given = row.get("request_kind")
        kind = read_kind(given) if isinstance(given, str) else ""
        subject = f"{kind}\n{example.subject}" if kind else example.subject
        examples.append(Example(example.id, subject, example.body, example.intent, "desk"))
    return examples


def endava_labels(lines: Iterable[str]) -> dict[str, str]:
    """
    Our labels for the Endava dev split (``ENDAVA_LABELS_FILE``): row id -> intent.

    Args:
        lines: the file's lines.
    """
    return {str(row["id"]): str(row["intent"]) for row in _json_lines(lines)}


def _json_lines(lines: Iterable[str]) -> Iterator[Mapping[str, object]]:
    for line in lines:
        if line.strip():
            yield json.loads(line)


def join_endava(rows: Iterable[Mapping[str, object]], labels: Mapping[str, str]) -> list[Example]:
    """The Endava rows we labelled, as examples (unlabelled and holdout rows are skipped)."""
    out: list[Example] = []
    for row in rows:
        ident = str(row.get("id"))
        if row.get("split") != "dev" or ident not in labels:
            continue
        out.append(parse_example({**row, "intent": labels[ident]}, source="endava"))
    return out


def join_github(rows: Iterable[Mapping[str, object]], *, split: str = "dev") -> list[Example]:
    """The labelled public helpdesk issues of one split (``dev`` or ``test``) as examples.

    ``shared/tickets/github_public.jsonl`` carries its labels with the text; only ``dev`` rows
    are ever trained on.
    """
    return [
        parse_example({**row, "source": "github"})
        for row in rows
        if row.get("split") == split and isinstance(row.get("intent"), str)
    ]
