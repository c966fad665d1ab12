"""A ``not_account`` reading drops a ticket only when it is sure or explained; else an agent decides."""

from __future__ import annotations

import pytest

from intake.classifier.result import Classification
from intake.config import ClassifierSettings
from intake.dismiss import dismissal
from intake.entities import EMPTY_ENTITIES

SETTINGS = ClassifierSettings(thresholds={"low": 0.85})

CASES: list[tuple[str, str, float, str, str | None, bool]] = [
    # id, intent, confidence, route, look-alike topic, dismissed
    ("sure", "not_account", 0.9, "text", None, True),
    ("at-threshold", "not_account", 0.85, "text", None, True),
    ("unsure", "not_account", 0.52, "text", None, False),
    ("unsure-but-lookalike", "not_account", 0.7, "text", "connectivity", True),
    ("desk-route", "not_account", 1.0, "desk_field", None, True),
    ("agent-correction", "not_account", 1.0, "correction", None, True),
    ("empty-ticket", "not_account", 0.0, "empty", None, True),
    ("account-intent", "access_grant", 0.3, "text", None, False),
]


@pytest.mark.parametrize(
    ("intent", "confidence", "route", "lookalike", "dismissed"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_dismissal(
    intent: str, confidence: float, route: str, lookalike: str | None, dismissed: bool
) -> None:
    """Only a sure, routed, corrected or explained ``not_account`` reading drops the ticket."""
    reading = Classification(
        intent, confidence, ((intent, confidence),), EMPTY_ENTITIES, route, None, lookalike
    )
    found = dismissal(reading, SETTINGS)
    assert found.dismiss is dismissed
    assert found.reason
