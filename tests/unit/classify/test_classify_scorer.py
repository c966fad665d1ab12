"""The entity benchmark compares spans the way the labelling guidelines do."""

from __future__ import annotations

import pytest

from benchmarks.classify_eval import _norm


@pytest.mark.parametrize(
    ("gold", "guess", "same"),
    [
        ("@jdoe", "jdoe", True),
        ("Field Notes", "“Field Notes”", True),
        ("kim@corp.example", "<kim@corp.example>", True),
        ("https://git.example.org/acme/tools", "https://git.example.org/acme/tools/", True),
        ("Tim S.", "Tim S", True),
        ("jdoe_", "jdoe", False),
        ("Field Ops", "field  ops", True),
        ("Field Ops app", "Field Ops", False),
    ],
    ids=["leading-at", "curly-quotes", "angle-brackets", "closing-slash-of-a-link",
         "initials-point", "underscore-is-part-of-a-login", "case-and-spacing", "a-word-more"],
)  # fmt: skip
def test_spans_compare_as_the_guidelines_read_them(gold: str, guess: str, same: bool) -> None:
    """Case, spacing, outer quotes and brackets, a leading @ and a link's closing slash are not
    part of a span; every other character is."""
    assert (_norm(gold) == _norm(guess)) is same
