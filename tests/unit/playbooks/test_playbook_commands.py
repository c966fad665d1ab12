"""Commands in desk comments: found at the start of the commenter's own lines, never in quotes or code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from playbooks.commands import Command, CommandError, parse_command

CASES: list[tuple[str, str, Command | None]] = [
    ("approve", "/approve", Command("approve")),
    ("approve-with-text", "Looks fine.\n/approve thanks", Command("approve")),
    ("approve-uppercase", "/APPROVE", Command("approve")),
    (
        "reject-with-reason",
        "/reject not in budget this quarter",
        Command("reject", reason="not in budget this quarter"),
    ),
    ("extend-short", "/extend 2w", Command("extend", duration_s=14 * 86400)),
    ("extend-words", "/extend 3 days", Command("extend", duration_s=3 * 86400)),
    ("extend-iso", "/extend P1D", Command("extend", duration_s=86400)),
    (
        "extend-until",
        "/extend until 2026-12-31",
        Command("extend", until=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ),
    ("revoke-now", "done with it, /revoke-now\n/revoke-now", Command("revoke-now")),
    ("intent", "/intent password_reset", Command("intent", intent="password_reset")),
    ("retry", "<p>/retry</p>", Command("retry")),
    ("ordinary-comment", "Thanks, I will approve tomorrow.", None),
    ("mid-line-slash", "please /approve this", None),
    ("unknown-command", "/approved", None),
    ("markdown-quote", "> /approve\nI agree with the above", None),
    ("jira-quote", "{quote}/approve{quote}\nok", None),
    ("jira-bq", "bq. /approve", None),
    ("html-blockquote", "<blockquote><p>/approve</p></blockquote><p>seen</p>", None),
    ("fenced-code", "```\n/approve\n```", None),
    ("jira-code", "{code:bash}\n/approve\n{code}", None),
    ("inline-code", "type `/approve` to approve", None),
    ("quote-blank-line-then-command", "> /reject no\n\n/approve", Command("approve")),
    ("quote-runs-on-to-a-blank-line", "> /reject no\n/approve", None),
    (
        "nested-html-blockquote",
        "<blockquote><blockquote>x</blockquote>\n/approve</blockquote>",
        None,
    ),
    ("unclosed-html-blockquote", "<blockquote>earlier mail\n/approve", None),
    ("quote-split-by-line-separator", "> thanks\u2028/approve", None),
    ("quote-split-by-paragraph-separator", "> thanks\u2029/approve", None),
    ("quote-split-by-next-line", "> thanks\x85/approve", None),
    ("quote-split-by-lone-cr", "> thanks\r/approve", None),
    ("crlf-is-a-line-break", "Looks fine.\r\n/approve", Command("approve")),
    ("servicenow-code-html-quote", "[code]<blockquote>/approve</blockquote>[/code]ok", None),
    ("forwarded-message-below", "FYI\n-----Original Message-----\n/approve", None),
    # A look-alike line does not hide a real command after it.
    ("look-alike-then-real", "\uff0fapprove\n/approve", Command("approve")),
    ("look-alike-word-goes-on", "\uff0fapproved by whom?", None),
    ("full-width-slash-in-a-sentence", "see \uff0fapprove", None),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_command(text: str, expected: Command | None) -> None:
    """The first command on the commenter's own lines, or None."""
    assert parse_command(text) == expected


BAD = [
    ("reject-without-reason", "/reject", "needs a reason"),
    ("extend-unreadable", "/extend soon", "needs a duration"),
    ("extend-bad-date", "/extend until 2026-02-30", "is not a date"),
    ("intent-unknown", "/intent make_coffee", "needs one of"),
    # Look-alikes are never run (only ASCII "/" and the command's own letters count), and never
    # dropped silently either: the writer is told, so a real approver's intent is not lost.
    ("full-width-slash", "\uff0fapprove", "look-alike characters"),
    ("fraction-slash", "\u2044approve", "look-alike characters"),
    ("division-slash", "\u2215reject not now", "looks like /reject"),
    ("cyrillic-a", "/\u0430pprove", "looks like /approve"),
    ("greek-omicron", "/appr\u03bfve", "looks like /approve"),
    ("full-width-letters", "\uff0f\uff41\uff50\uff50\uff52\uff4f\uff56\uff45", "/approve"),
    ("zero-width-space-inside", "/appr\u200bove", "looks like /approve"),
    ("zero-width-space-before", "\u200b/approve", "looks like /approve"),
    ("soft-hyphen-inside", "/re\u00adtry", "looks like /retry"),
    ("non-breaking-hyphen", "/revoke\u2011now", "looks like /revoke-now"),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_command_argument_is_an_error(text: str, message: str) -> None:
    """A recognised command with a wrong argument raises CommandError with a helpful message."""
    with pytest.raises(CommandError, match=message):
        parse_command(text)
