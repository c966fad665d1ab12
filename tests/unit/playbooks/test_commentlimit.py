"""Every note fits its desk's comment limit, cut at a line and saying so (issue 13.10)."""

from __future__ import annotations

import pytest

from playbooks.commentlimit import COMMENT_LIMITS, fit_comment

LONG = "".join(f"| {i} | Zoë Ångström {i} | “no role template” |\n" for i in range(3000))


@pytest.mark.parametrize("desk", sorted(COMMENT_LIMITS), ids=sorted(COMMENT_LIMITS))
def test_a_long_note_is_cut_to_the_desks_limit(desk: str) -> None:
    limit = COMMENT_LIMITS[desk]

    sent = fit_comment(LONG, desk)

    assert limit.chars is None or len(sent) <= limit.chars
    assert limit.bytes is None or len(sent.encode()) <= limit.bytes
    assert sent.endswith("(`deskpilot audit export`).")
    assert LONG.startswith(sent.split("\n\n… cut")[0])
    assert sent.split("\n\n… cut")[0].endswith("|")  # whole lines only


@pytest.mark.parametrize("desk", ["jira", "salesforce", "memory"], ids=["jira", "sf", "memory"])
def test_a_short_note_is_sent_whole(desk: str) -> None:
    assert fit_comment("Done.\n", desk) == "Done.\n"


def test_other_desks_have_no_limit() -> None:
    assert fit_comment(LONG, "memory") == LONG
