"""Deterministic routes, keyword rules, confidence gates, shadow mode and the suggestion note."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from intake.classify import Classification, Classifier, gate, suggestion_note, ticket_desk_fields
from intake.config import ClassifierSettings, CustomIntent, Route
from intake.entities import Entities
from intake.model import Attachment, Person, StatusCategory, Ticket
from worker.wiring.files import load_classifier

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ROUTES = (
    Route(desk="jira", field="request_type", value="Reset password", intent="password_reset"),
    Route(desk="snow-prod", field="request_type", value="Leaver", intent="account_disable"),
    Route(desk="zendesk", field="tags", value="new_starter", intent="account_create"),
    Route(
        desk="salesforce", field="custom", key="Reason", value="Licence", intent="license_request"
    ),
)


def _ticket(desk: str, desk_type: str, **kw: object) -> Ticket:
    return Ticket(
        desk=desk, desk_type=desk_type, key="T-1", subject="My printer is broken",
        description="The printer on floor 2 jams.", requester=Person(id="p1"),
        status=StatusCategory.NEW, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings(routes=ROUTES))


@pytest.mark.parametrize(
    ("ticket", "intent"),
    [
        (_ticket("jira-it", "jira", request_type="Reset password"), "password_reset"),
        (_ticket("snow-prod", "servicenow", request_type="leaver"), "account_disable"),
        (_ticket("zd", "zendesk", labels=("vip", "new_starter")), "account_create"),
        (_ticket("sf", "salesforce", custom_fields={"Reason": "Licence"}), "license_request"),
    ],
    ids=["jsm-request-type", "snow-catalog-item-by-desk-name", "zendesk-tag", "salesforce-reason"],
)
def test_desk_field_routes_win_with_full_confidence(
    classifier: Classifier, ticket: Ticket, intent: str
) -> None:
    """A mapped desk field decides the intent whatever the text says."""
    result = classifier.classify(ticket, now=NOW)

    assert (intent, 1.0, "desk_field") == (result.intent, result.confidence, result.route)


def test_route_for_another_desk_does_not_match(classifier: Classifier) -> None:
    """The SNOW route names desk snow-prod; the same value on another desk falls to the text."""
    result = classifier.classify(_ticket("snow-dev", "servicenow", request_type="Leaver"), now=NOW)

    assert (result.intent, result.route) == ("not_account", "text")


def test_ticket_desk_fields_lists_what_routes_match() -> None:
    """Desk, type, request type, labels and custom fields are exposed by name."""
    fields = ticket_desk_fields(
        _ticket("zd", "zendesk", request_type="Form A", labels=("a", "b"), custom_fields={"k": "v"})
    )

    assert fields == {"desk": "zd", "desk_type": "zendesk", "request_type": "Form A", "labels": "a\nb",
            "custom.k": "v"}  # fmt: skip


def test_custom_intent_keyword_rule() -> None:
    """An admin's intent is recognised by its keywords before the model is asked."""
    settings = ClassifierSettings(
        custom_intents=(CustomIntent(name="vpn_token", tier="low", keywords=("rsa token",)),)
    )
    result = load_classifier(settings).classify_text(
        "Token", "My RSA token stopped working", now=NOW
    )

    assert (result.intent, result.confidence, result.route) == ("vpn_token", 0.98, "keyword")
    assert gate(result, settings, desk="jira").auto


SELF = Entities(target_is_requester=True)


def _classification(
    intent: str,
    confidence: float,
    route: str = "text",
    *,
    second: float = 0.0,
    entities: Entities = SELF,
    language: str | None = None,
    lookalike: str | None = None,
    cue: bool = True,
    headline: str | None = "",
    ask: str | None = None,
) -> Classification:
    top = ((intent, confidence), ("not_account", second))
    read_alone = intent if headline == "" else headline
    return Classification(
        intent, confidence, top, entities, route, language, lookalike, cue, False, read_alone, ask
    )


@pytest.mark.parametrize(
    ("classification", "settings", "desk", "auto", "reason"),
    [
        (_classification("account_unlock", 0.99), ClassifierSettings(), "jira", True, "meets"),
        (_classification("account_unlock", 0.30), ClassifierSettings(), "jira", False, "below"),
        (_classification("access_grant", 0.80), ClassifierSettings(), "jira", False, "below"),
        (_classification("access_grant", 0.99), ClassifierSettings(shadow_desks=("jira",)), "jira",
         False, "shadow mode is on for desk"),
        (_classification("mfa_reset", 0.99), ClassifierSettings(shadow_intents=("mfa_reset",)), "jira",
         False, "shadow mode is on for mfa_reset"),
        (_classification("not_account", 0.99), ClassifierSettings(), "jira", False, "nothing to run"),
        (_classification("not_account", 0.0, "empty"), ClassifierSettings(), "jira", False, "no text"),
        (_classification("access_grant", 0.70),
         ClassifierSettings(tiers={"access_grant": "low"}, thresholds={"low": 0.6}), "jira", True, "low-risk"),
        (_classification("password_reset", 1.0, "desk_field", entities=Entities()), ClassifierSettings(),
         "jira", True, "meets"),
        (_classification("account_unlock", 0.99, second=0.60), ClassifierSettings(), "jira", False,
         "ahead of not_account"),
        (_classification("account_unlock", 0.99, second=0.01), ClassifierSettings(min_margin=0.99),
         "jira", False, "only 0.98 ahead of not_account"),
        (_classification("access_revoke", 0.99, entities=Entities()), ClassifierSettings(), "jira",
         False, "neither the person nor the application"),
        (_classification("account_unlock", 0.99, entities=Entities()), ClassifierSettings(), "jira",
         True, "meets"),
        (_classification("access_grant", 0.99, entities=Entities(application="Confluence")),
         ClassifierSettings(), "jira", True, "meets"),
        (_classification("access_grant", 0.99, lookalike="printer"), ClassifierSettings(), "jira",
         False, "about a printer"),
        (_classification("password_reset", 0.99, language="de"), ClassifierSettings(), "jira", True,
         "meets"),
        (_classification("password_reset", 0.99, language="nl"), ClassifierSettings(), "jira", False,
         "does not handle"),
        (_classification("access_revoke", 0.99, entities=Entities()),
         ClassifierSettings(require_target=False), "jira", True, "meets"),
        (_classification("account_unlock", 0.99, cue=False), ClassifierSettings(), "jira", False,
         "never says in words"),
        (_classification("account_unlock", 0.99, headline="password_reset"), ClassifierSettings(),
         "jira", False, "headline alone reads as password_reset"),
        (_classification("account_unlock", 0.99, headline=None), ClassifierSettings(), "jira", False,
         "reads as nothing"),
        (_classification("account_unlock", 0.99, headline="not_account"),
         ClassifierSettings(require_agreement=False), "jira", True, "meets"),
        (_classification("account_unlock", 0.99, headline="not_account", ask="account_unlock"),
         ClassifierSettings(), "jira", True, "meets"),
        (_classification("account_unlock", 0.99, headline="account_other", ask="account_unlock"),
         ClassifierSettings(), "jira", True, "meets"),
        (_classification("account_unlock", 0.99, headline=None, ask="account_unlock"),
         ClassifierSettings(), "jira", True, "meets"),
        (_classification("account_unlock", 0.99, headline="password_reset", ask="account_unlock"),
         ClassifierSettings(), "jira", False, "headline alone reads as password_reset"),
        (_classification("account_unlock", 0.99, headline="not_account", ask="password_reset"),
         ClassifierSettings(), "jira", False, "headline alone reads as not_account"),
    ],
    ids=["low-tier-confident", "low-confidence-never-auto", "high-tier-needs-more", "shadow-desk",
         "shadow-intent", "not-account-never", "empty", "admin-retiered", "desk-route",
         "second-intent-too-close", "margin-below-setting", "nobody-named", "own-account-by-default", "application-named",
         "lookalike-topic", "german-handled", "dutch-gated", "target-not-required", "no-cue-words",
         "headline-disagrees", "no-headline", "agreement-not-required",
         "ask-stands-in-for-silent-headline", "ask-stands-in-for-account-other-headline",
         "ask-stands-in-for-missing-headline", "ask-never-overrules-an-account-headline",
         "ask-disagrees-too"],
)  # fmt: skip
def test_gate(
    classification: Classification, settings: ClassifierSettings, desk: str, auto: bool, reason: str
) -> None:
    """Act alone only above the tier's threshold, out of shadow mode, and for a text guess only
    with a margin, a named target, no look-alike topic, its cue words and a handled language."""
    decision = gate(classification, settings, desk=desk)

    assert auto == decision.auto
    assert reason in decision.reason


def test_shadow_mode_matches_the_desk_type() -> None:
    """Shadow mode may name a desk type rather than an instance."""
    settings = ClassifierSettings(shadow_desks=("servicenow",))

    decision = gate(_classification("account_unlock", 0.99), settings, desk="snow-prod",
                    desk_type="servicenow")  # fmt: skip

    assert not decision.auto


def test_suggestion_note_shows_top_entities_language_and_correction() -> None:
    """The note tells agents what was understood and how to correct it."""
    classification = Classification(
        "password_reset", 0.52, (("password_reset", 0.52), ("account_unlock", 0.3), ("account_other", 0.1)),
        Entities(target_login="jdoe", application="Okta"), "text", "de",
    )  # fmt: skip

    note = suggestion_note(classification)

    assert "`password_reset` (confidence 52%" in note
    assert "| `account_unlock` | 30% |" in note
    assert "target login: `jdoe`" in note
    assert "German" in note
    assert "/intent <name>" in note


@pytest.mark.parametrize(
    "data",
    [
        {"routes": [{"field": "request_type", "value": "x", "intent": "no_such_intent"}]},
        {"routes": [{"field": "colour", "value": "x", "intent": "access_grant"}]},
        {"routes": [{"field": "custom", "value": "x", "intent": "access_grant"}]},
        {"thresholds": {"extreme": 0.5}},
        {"thresholds": {"low": 1.5}},
        {"custom_intents": [{"name": "access_grant"}]},
        {"tiers": {"access_grant": "medium"}, "unknown_key": 1},
    ],
    ids=["unknown-intent", "unknown-field", "custom-without-key", "unknown-tier", "threshold-range",
         "custom-shadows-builtin", "extra-key"],
)  # fmt: skip
def test_invalid_settings_are_rejected(data: dict[str, object]) -> None:
    """A typo in the classifier section is an error, not a silent default."""
    with pytest.raises(ValidationError):
        ClassifierSettings.model_validate(data)


@pytest.mark.parametrize(
    ("filename", "auto"),
    [("starters-december.csv", True), ("starters.xlsx", True), ("photo.png", False)],
    ids=["csv", "spreadsheet", "image"],
)
def test_a_table_attached_names_the_targets(filename: str, auto: bool) -> None:
    """A bulk ask names its people in the attached table, not in the text."""
    settings = ClassifierSettings()
    ticket = Ticket(
        desk="jira-it", desk_type="jira", key="IT-40", subject="New starters in December",
        description="Please create accounts for the new starters listed in the attached file.",
        requester=Person(id="p1"), status=StatusCategory.NEW,
        attachments=(Attachment(id="1", filename=filename),),
    )  # fmt: skip

    result = load_classifier(settings).classify(ticket, now=NOW)

    assert result.intent == "account_create"
    assert auto == gate(result, settings, desk="jira-it").auto
