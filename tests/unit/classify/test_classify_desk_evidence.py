"""What the desk knows beyond the text: the request kind, the form fields, the headline's reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.classifier.cues import settle_direction
from intake.classifier.lookalike import lookalike_topic
from intake.classifier.model import LinearModel
from intake.classify import Classifier, desk_form
from intake.config import ClassifierSettings
from intake.model import Person, StatusCategory, Ticket
from worker.wiring.files import load_classifier

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(
        ClassifierSettings(), {"Requested for": ("customfield_10201",), "application": ("42",)}
    )


@pytest.mark.parametrize(
    ("fields", "labels", "form"),
    [
        ({"custom.variables.requested_for": "Nikhil Menon"}, {}, (("requested for", "Nikhil Menon"),)),
        ({"custom.Application__c": "BigQuery"}, {}, (("Application", "BigQuery"),)),
        ({"custom.customfield_10103": "BigQuery"}, {}, ()),
        ({"custom.customfield_10103": "BigQuery"}, {"customfield_10103": "System / application"},
         (("System / application", "BigQuery"),)),
        ({"custom.360010000024": "NetSuite"}, {"360010000024": "application"}, (("application", "NetSuite"),)),
        ({"custom.Origin": "Web", "request_type": "Access", "desk": "sf"}, {}, ()),
        ({"custom.variables.note": "x" * 400}, {}, ()),
        ({"custom.variables.note": ""}, {}, ()),
    ],
    ids=["servicenow-variable", "salesforce-custom-field", "opaque-key-unnamed", "jira-key-named",
         "zendesk-id-named", "standard-fields-skipped", "long-value-skipped", "empty-value-skipped"],
)  # fmt: skip
def test_desk_form_reads_fields_by_label(
    fields: dict[str, str], labels: dict[str, str], form: tuple[tuple[str, str], ...]
) -> None:
    """Desk form fields become (label, value) pairs when their key or the deployment names them."""
    assert form == desk_form(fields, labels)


def _ticket(subject: str, body: str, **kw: object) -> Ticket:
    return Ticket(
        desk="sd", desk_type="jira", key="IT-7", subject=subject, description=body,
        requester=Person(id="p1", email="ana.lopez@example.com"), status=StatusCategory.NEW,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_named_form_fields_name_the_target_and_application(classifier: Classifier) -> None:
    """A person field and an application field the deployment named reach the entities."""
    ticket = _ticket(
        "Access please", "Could you set this up for the new analyst, thanks.",
        custom_fields={"customfield_10201": "Nikhil Menon", "42": "Tableau"},
    )  # fmt: skip

    entities = classifier.classify(ticket, now=NOW).entities

    assert (entities.target_text, entities.application) == ("Nikhil Menon", "Tableau")


def test_request_kind_is_read_as_the_headline(classifier: Classifier) -> None:
    """The kind the requester picked is evidence: the same text reads surer under a telling kind."""
    body = "Hi, I can't get in since this morning, could you sort it out please?"
    plain = classifier.classify(_ticket("Can't get in", body), now=NOW)

    kinded = classifier.classify(
        _ticket("Can't get in", body, request_type="Reset my password"), now=NOW
    )

    assert kinded.intent == "password_reset"
    assert kinded.headline_intent == "password_reset"
    assert kinded.confidence > (plain.confidence if plain.intent == "password_reset" else 0.0)


@pytest.mark.parametrize(
    "kind", ["Get IT help", "General Enquiry", "Report an IT issue", "360000012345"],
    ids=["catch-all", "enquiry", "issue", "numeric-id"],
)  # fmt: skip
def test_catch_all_and_opaque_kinds_are_not_read(classifier: Classifier, kind: str) -> None:
    """A kind that says nothing about the ask changes nothing."""
    ticket = _ticket("Locked out", "My account is locked, please unlock it.")

    with_kind = classifier.classify(
        _ticket(ticket.subject, ticket.description, request_type=kind), now=NOW
    )

    assert with_kind == classifier.classify(ticket, now=NOW)


def test_headline_reading_comes_from_the_kind_and_subject(classifier: Classifier) -> None:
    """The headline (request kind and subject) is read on its own, as a second opinion."""
    ticket = _ticket("Locked out", "My account is locked since this morning, please unlock it.")

    result = classifier.classify(ticket, now=NOW)

    assert (result.intent, result.headline_intent, result.agreed) == (
        "account_unlock", "account_unlock", True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "body", "ask"),
    [
        ("", "Our audit starts Monday. Could you unlock my Windows account? I am locked out.",
         "account_unlock"),
        ("Quick question", "The team moved floors last week. Please reset my password, I forgot it "
         "after the holidays.", "password_reset"),
        ("Locked out", "My account has been locked since this morning.", None),
    ],
    ids=["no-subject", "vague-subject", "no-request-sentence"],
)  # fmt: skip
def test_ask_sentence_is_read_alone(
    classifier: Classifier, subject: str, body: str, ask: str | None
) -> None:
    """The body's first request sentence is read on its own, as a short reading of the ask."""
    result = classifier.classify_text(subject, body, now=NOW)

    assert result.ask_intent == ask


@pytest.mark.parametrize(
    ("text", "intent", "topic"),
    [
        ("Leaver: Freya leaves on Friday, please return her laptop and badge", "account_disable", None),
        ("New starter Monday: needs a laptop, e-mail and Teams", "account_create", None),
        ("Please give me access to the finance share; my badge works fine", "access_grant", "badge"),
        ("Leaver on Friday, and the 2nd floor printer is jammed", "account_disable", "printer"),
    ],
    ids=["leaver-returns-badge", "joiner-needs-laptop", "grant-with-badge", "leaver-printer"],
)  # fmt: skip
def test_lookalike_topics_that_belong_to_the_intent(
    text: str, intent: str, topic: str | None
) -> None:
    """A joiner's or leaver's checklist names the laptop and badge; other intents still stop."""
    assert topic == lookalike_topic(text, intent)


@pytest.mark.parametrize(
    ("ranked", "text", "chosen"),
    [
        (["license_reclaim", "license_request"], "Please assign me a Visual Studio licence", 1),
        (["license_reclaim", "license_request"], "Please release the licence of the leaver", 0),
        (["license_request", "license_reclaim"], "Please release my Visio licence", 0),
        (["access_revoke", "access_grant"], "Please add me to the finance group", 1),
        (["access_revoke", "not_account"], "Please add me to the finance group", 0),
        (["license_reclaim"], "Please assign me a licence", 0),
    ],
    ids=["assign-is-a-request", "release-stays", "both-cues-keep-the-model", "add-is-a-grant",
         "not-a-direction-pair", "alone"],
)  # fmt: skip
def test_the_verb_settles_the_direction(ranked: list[str], text: str, chosen: int) -> None:
    """Torn between giving and taking back, the model follows the cue words of the ask."""
    assert chosen == settle_direction(ranked, text)


@pytest.mark.parametrize(
    ("weight", "intent"),
    [(0.2, "license_request"), (3.0, "license_reclaim")],
    ids=["torn-settled-by-the-verb", "sure-reading-kept"],
)  # fmt: skip
def test_only_a_torn_reading_is_settled_by_the_verb(weight: float, intent: str) -> None:
    """The verb decides only when the model is torn (then at most 0.75 sure, a suggestion)."""
    model = LinearModel(
        ("license_reclaim", "license_request"), (0.0, 0.0), {"w:licence": (1.0, weight, -weight)}
    )
    result = Classifier(ClassifierSettings(), model).classify_text(
        "Licence", "Please assign me a licence", now=NOW
    )

    assert result.intent == intent
    assert result.intent == "license_reclaim" or result.confidence <= 0.75
