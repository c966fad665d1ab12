"""An application written as a whole name matches the catalogue despite punctuation or a slip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.classifier.subject_names import catalogue_match
from intake.config import DEFAULT_APPLICATIONS, AppEntry
from intake.entities import extract_entities

APPS = (
    *DEFAULT_APPLICATIONS,
    AppEntry(name="dwh-prod-readers", aliases=("Data Warehouse production", "DWH prod")),
    AppEntry(name="claims-portal", aliases=("Claims Portal",)),
)


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Data Warehouse (production)", "dwh-prod-readers"),
        ("data-warehouse: production", "dwh-prod-readers"),
        ("Claims Portall", "claims-portal"),
        ('"Claims Portal"', "claims-portal"),
        ("Data Warehouse staging", None),
        ("DWH", None),
        ("please give me the claims thing for the whole team", None),
        ("", None),
    ],
    ids=["brackets", "hyphen-and-colon", "slip", "quoted", "other-environment-is-no-match",
         "short-is-not-fuzzed", "a-sentence-is-no-name", "empty"],
)  # fmt: skip
def test_catalogue_match(written: str, name: str | None) -> None:
    """Punctuation and case aside, or within the fuzzy cutoff; other names and prose match none."""
    assert catalogue_match(written, APPS) == name


def test_form_field_application_with_brackets_is_the_catalogue_application() -> None:
    """A form's answer written with brackets names the catalogue application the alias names."""
    entities = extract_entities(
        "Warehouse read access - 5 days",
        "Viewer access for five days would be plenty, then I don't need it.",
        now=datetime(2026, 12, 7, tzinfo=UTC), applications=APPS,
        fields=(("Application", "Data Warehouse (production)"),),
    )  # fmt: skip

    assert entities.application == "dwh-prod-readers"
