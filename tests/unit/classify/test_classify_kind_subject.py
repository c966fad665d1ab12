"""Under a desk's request kind: the subject read alone, and our desk-style training tickets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.classifier.examples import desk_style_examples
from intake.classifier.result import Classification
from intake.classify import Classifier, clean_kind
from intake.config import ClassifierSettings
from intake.entities import EMPTY_ENTITIES
from worker.wiring.files import load_classifier, read_corpus

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _reading(intent: str, headline: str | None, subject: str | None) -> Classification:
    return Classification(
        intent, 0.9, ((intent, 0.9),), EMPTY_ENTITIES, "text", None,
        headline_intent=headline, subject_intent=subject,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("headline", "subject", "agreed"),
    [
        ("mfa_reset", None, True),
        ("access_grant", "mfa_reset", True),
        ("access_grant", "account_unlock", False),
        ("access_grant", None, False),
    ],
    ids=["headline-agrees", "subject-agrees-under-broad-kind", "neither-agrees", "no-subject-reading"],
)  # fmt: skip
def test_subject_alone_may_agree_under_a_kind(
    headline: str, subject: str | None, agreed: bool
) -> None:
    """A broad kind heading the headline cannot outvote a subject that states the same ask."""
    assert _reading("mfa_reset", headline, subject).agreed is agreed


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings(), {})


@pytest.mark.parametrize(
    ("kind", "read_alone"),
    [(None, False), ("General Enquiry", False), ("Account & Access", True)],
    ids=["no-kind", "catch-all-kind-not-read", "telling-kind"],
)
def test_subject_is_read_alone_only_under_a_kind(
    classifier: Classifier, kind: str | None, read_alone: bool
) -> None:
    """The subject's own reading is taken only when a kind the classifier reads heads it."""
    fields = {"request_type": kind} if kind else {}

    reading = classifier.classify_text(
        "Authenticator wiped after the phone update",
        "My authenticator app came back empty, so I can't approve sign-ins. Please reset my MFA.",
        desk_fields=fields, now=NOW,
    )  # fmt: skip

    assert reading.intent == "mfa_reset"
    assert (reading.subject_intent is not None) is read_alone


def test_desk_style_examples_read_the_kind_as_the_subjects_first_line() -> None:
    """A telling kind heads the subject as at run time; a catch-all or a missing kind does not."""
    lines = [
        '{"id": "d1", "request_kind": "Leaver request", "subject": "Leaver: Ana", "body": "b", '
        '"intent": "account_disable"}',
        '{"id": "d2", "request_kind": "Get IT help", "subject": "Printer jam", "body": "b", '
        '"intent": "not_account"}',
        '{"id": "d3", "request_kind": null, "subject": "locked out", "body": "b", '
        '"intent": "account_unlock"}',
    ]

    examples = desk_style_examples(lines, clean_kind)

    assert [e.subject for e in examples] == [
        "Leaver request\nLeaver: Ana",
        "Printer jam",
        "locked out",
    ]
    assert {e.source for e in examples} == {"desk"}


def test_packaged_training_rows_include_the_desk_style_tickets() -> None:
    """The shipped corpus carries both of our own sources, each row labelled with an intent."""
    sources = {e.source for e in read_corpus()}

    assert sources == {"corpus", "desk"}
