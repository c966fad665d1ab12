"""
Ticket -> Classification: intent, confidence, top alternatives, entities, language.

Order of evidence: (1) a desk field the admin mapped to an intent (JSM request type, SNOW
catalog item, Zendesk form or tag, Salesforce case type) wins with confidence 1.0; (2) a custom
intent's keyword rule; (3) the linear text model. Empty text is ``not_account`` with no
confidence. A text that reports a service down or failing for many people and asks for no
account action is an incident, whatever account intent its words resemble: the text model's
reading becomes ``not_account`` with the look-alike topic ``outage``, the model's own top list
kept as the alternatives (``intake.classifier.outage``). Pure and offline: the shell reads the
model's JSON weights once and passes them to ``Classifier.build``.

What the desk knows beyond the text is read as the requester gave it: the **request kind** they
picked (JSM request type, ServiceNow catalog item, Zendesk form, Salesforce case type) is read
as a first subject line, because it states the ask the way a subject does ("Get access to an
application", "Reset my password"; a catch-all such as "Get IT help" says little either way);
and the desk's **form fields** are read by their labels like a form in the body ("Requested for:
Nikhil Menon", "Application: BigQuery"), for the entities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from intake.classifier.cues import has_cue, settle_direction
from intake.classifier.dates import DateOrder
from intake.classifier.gates import GateDecision, gate, suggestion_note
from intake.classifier.gloss import RENDERED_LANGUAGES, english_rendering
from intake.classifier.language import detect_language
from intake.classifier.lookalike import lookalike_topic
from intake.classifier.model import LinearModel
from intake.classifier.outage import OUTAGE, outage_report
from intake.classifier.result import SILENT_HEADLINES, Classification
from intake.classifier.text import RAW_CAP, read_ticket
from intake.config import ClassifierSettings, Route
from intake.dismiss import NOT_ACCOUNT
from intake.entities import EMPTY_ENTITIES, Entities, extract_entities
from intake.model import Ticket

TOP_N = 3
TORN_ODDS = 3.0
"""The model is torn between two intents when the first is less than this many times as likely
as the second (then at most 0.75 sure): only then may the cue words settle a direction."""
_TABLE = re.compile(r"\.(?:csv|tsv|xlsx?|ods)$", re.IGNORECASE)


@dataclass(frozen=True)
class _KeywordRule:
    intent: str
    pattern: re.Pattern[str]
    confidence: float


@dataclass(frozen=True)
class Classifier:
    """Loads the weights once; ``classify`` is thread-safe (nothing is mutated) and cheap."""

    settings: ClassifierSettings
    model: LinearModel
    keyword_rules: tuple[_KeywordRule, ...] = field(default=())
    field_labels: Mapping[str, str] = field(default_factory=dict)
    """A desk field's key (``customfield_10103``) -> its label or name (``Application``)."""

    @classmethod
    def build(
        cls,
        settings: ClassifierSettings,
        model: LinearModel,
        *,
        field_names: Mapping[str, Sequence[str]] | None = None,
    ) -> Classifier:
        """
        The classifier of ``settings`` with ``model``'s weights (read by the shell), rules compiled.

        Args:
            settings: the ``classifier:`` section.
            model: the weights (``worker.wiring.files.read_model``).
            field_names: the deployment's names for its desks' form fields (``playbooks.
                field_names``: a label or name -> the desk keys that carry it), so form fields
                with opaque keys are read by what they mean.
        """
        rules = tuple(
            _KeywordRule(
                custom.name,
                re.compile(
                    r"\b(" + "|".join(re.escape(k) for k in custom.keywords) + r")\b",
                    re.IGNORECASE,
                ),
                custom.keyword_confidence,
            )
            for custom in settings.custom_intents
            if custom.keywords
        )
        labels: dict[str, str] = {}
        for name, keys in (field_names or {}).items():
            for key in keys:
                labels.setdefault(key, name)
        return cls(settings, model, rules, labels)

    def classify(self, ticket: Ticket, *, now: datetime) -> Classification:
        """Classify a normalised ticket; its desk fields are matched against the routes.

        A ticket with a table attached (CSV or spreadsheet) names its targets in the table's
        rows, so the gate does not ask the text to name them; so does one with files beyond its
        desk's listing bound (``Ticket.files_unread``), whose table may be among those unread:
        the bulk playbook then says which files were not read instead of the gate asking for
        names the requester put in a file.
        """
        result = self.classify_text(
            ticket.subject,
            ticket.description,
            desk_fields=ticket_desk_fields(ticket),
            now=now,
            requester_email=ticket.requester.email,
            date_order=ticket.date_order,
        )
        if ticket.files_unread or any(_TABLE.search(a.filename) for a in ticket.attachments):
            return replace(result, targets_attached=True)
        return result

    def corrected(self, ticket: Ticket, intent: str, *, now: datetime) -> Classification:
        """
        ``ticket`` as an agent classified it (``/intent``): the intent as given, with confidence
        1.0; the text model is not asked, only the entities are read from the text.
        """
        reading = read_ticket(ticket.subject or "", ticket.description or "")
        text = reading.text
        entities = extract_entities(
            ticket.subject or "", text, now=now, applications=self.settings.applications,
            requester_email=ticket.requester.email, fields=reading.fields,
            date_order=ticket.date_order,
        )  # fmt: skip
        language = detect_language(text)
        foreign = language if language not in (None, "en") else None
        return Classification(intent, 1.0, ((intent, 1.0),), entities, "correction", foreign)

    def classify_text(
        self,
        subject: str,
        body: str,
        *,
        desk_fields: Mapping[str, str] | None = None,
        now: datetime,
        requester_email: str | None = None,
        date_order: DateOrder | None = None,
    ) -> Classification:
        """Classify raw subject and body; ``desk_fields`` see ``ticket_desk_fields``;
        ``date_order`` orders ambiguous dates the text does not settle (``Ticket.date_order``)."""
        reading = read_ticket(subject or "", body or "")
        text = reading.text
        if not text.strip():
            return Classification(
                "not_account", 0.0, (("not_account", 0.0),), EMPTY_ENTITIES, "empty", None
            )
        form = desk_form(desk_fields or {}, self.field_labels)
        entities = extract_entities(
            subject or "", text, now=now, applications=self.settings.applications,
            requester_email=requester_email, fields=form + reading.fields,
            date_order=date_order,
        )  # fmt: skip
        language = detect_language(text)
        foreign = language if language not in (None, "en") else None
        routed = match_route(self.settings.routes, desk_fields or {})
        if routed is not None:
            return Classification(routed, 1.0, ((routed, 1.0),), entities, "desk_field", foreign)
        for rule in self.keyword_rules:
            if rule.pattern.search(text):
                top = ((rule.intent, rule.confidence),)
                return Classification(
                    rule.intent, rule.confidence, top, entities, "keyword", foreign
                )
        kind = clean_kind((desk_fields or {}).get("request_type"))
        if foreign in RENDERED_LANGUAGES:
            # read in English words; the entities above come from the text as written
            subject = english_rendering(subject or "", foreign)
            text = read_ticket(subject, english_rendering((body or "")[:RAW_CAP], foreign)).text
            kind = english_rendering(kind, foreign)
        return self._by_text(subject or "", text, entities, foreign, kind)

    def _by_text(
        self, subject: str, text: str, entities: Entities, foreign: str | None, kind: str
    ) -> Classification:
        penalty = self.settings.non_english_penalty if foreign else 1.0
        # the request kind is read as the subject's first line (``text`` starts with the subject)
        head = f"{kind}\n{subject}" if kind else subject
        scores, headline, ask = self.model.read_all(
            head, f"{kind}\n{text}" if kind else text, ask_if=_headline_silent
        )
        # under a kind, the subject is also read alone: a broad kind ("Account & Access") can
        # outvote a subject that states the ask in the headline's reading
        alone = subject.strip() if kind else ""
        subject_alone = self.model.scores(alone, alone)[0][0] if alone else None
        torn = len(scores) > 1 and scores[1][1] * TORN_ODDS >= scores[0][1]
        if torn and settle_direction([c for c, _ in scores[:2]], text):
            # the cue words pick the direction; a torn reading is never above 0.75, so it is
            # only ever a suggestion at the shipped thresholds
            scores[0], scores[1] = (scores[1][0], scores[0][1]), (scores[0][0], scores[1][1])
        read_alone = headline[settle_direction(list(headline[:2]), head)] if headline else None
        top = tuple((intent, round(score * penalty, 4)) for intent, score in scores[:TOP_N])
        intent, confidence = top[0]
        topic = lookalike_topic(text, intent)
        if outage_report(text):
            # an incident in account words: not_account, the model's reading kept as alternatives
            intent, topic = NOT_ACCOUNT, OUTAGE
            confidence = next((round(p * penalty, 4) for i, p in scores if i == intent), 0.0)
        cue = has_cue(intent, text)
        return Classification(
            intent, confidence, top, entities, "text", foreign, topic, cue, False, read_alone,
            ask[0] if ask else None, subject_alone,
        )  # fmt: skip


def _headline_silent(headline: tuple[str, ...]) -> bool:
    """No headline, or one read as saying nothing of an account ask: only then does the gate
    look at the ask sentence (``Classification.agreed``)."""
    return not headline or headline[0] in SILENT_HEADLINES


def ticket_desk_fields(ticket: Ticket) -> dict[str, str]:
    """The desk fields routes can match: desk, desk_type, request_type, team, labels, custom.*.

    Labels (Zendesk tags, Jira labels) are joined with newlines under ``labels``; custom fields
    appear as ``custom.<key>``.
    """
    fields = {"desk": ticket.desk, "desk_type": ticket.desk_type}
    if ticket.request_type:
        fields["request_type"] = ticket.request_type
    if ticket.team:
        fields["team"] = ticket.team
    if ticket.labels:
        fields["labels"] = "\n".join(ticket.labels)
    for key, value in ticket.custom_fields.items():
        fields[f"custom.{key}"] = value
    return fields


_OPAQUE_KEY = re.compile(r"^(?:customfield_)?\d+$|^[0-9a-f]{32}$", re.IGNORECASE)
_KIND_CAP = 120


_CATCH_ALL = frozenset(
    [
        "it",
        "help",
        "helpdesk",
        "desk",
        "support",
        "service",
        "services",
        "general",
        "request",
        "requests",
        "enquiry",
        "enquiries",
        "inquiry",
        "inquiries",
        "issue",
        "issues",
        "problem",
        "problems",
        "question",
        "questions",
        "other",
        "misc",
        "report",
        "incident",
        "incidents",
        "ticket",
        "tickets",
        "get",
        "an",
        "a",
        "the",
        "my",
        "our",
        "to",
        "for",
        "of",
        "and",
        "with",
        "new",
    ]
)
"""Words of a catch-all request kind ("Get IT help", "General Enquiry", "Report an IT issue"):
a kind made only of these says nothing about the ask and is not read."""


def clean_kind(kind: str | None) -> str:
    """A request kind worth reading: a name that says something about the ask (not a numeric
    id, not a catch-all), at most ``_KIND_CAP`` characters; else empty."""
    value = " ".join((kind or "").split())[:_KIND_CAP]
    words = re.findall(r"[a-z]+", value.lower())
    if _OPAQUE_KEY.match(value) or all(w in _CATCH_ALL for w in words):
        return ""
    return value


def _field_label(key: str, labels: Mapping[str, str]) -> str | None:
    """A desk field's label: the deployment's name for it, else a self-describing key
    (ServiceNow ``variables.requested_for``, Salesforce ``Application__c``), else None."""
    if key in labels:
        return labels[key].replace("_", " ")
    name = key.removeprefix("variables.").removesuffix("__c")
    if name == key and "__c" not in key and not key.startswith("variables."):
        return None
    return None if _OPAQUE_KEY.match(name) else name.replace("_", " ").strip() or None


def desk_form(fields: Mapping[str, str], labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The desk's form fields (``custom.<key>`` of ``ticket_desk_fields``) as (label, value)
    pairs, the way ``read_ticket`` gives a body's form fields; opaque keys without a configured
    name, empty and long values are left out."""
    found: list[tuple[str, str]] = []
    for key, value in fields.items():
        if not key.startswith("custom.") or not value or len(value) > 300:
            continue
        label = _field_label(key.removeprefix("custom."), labels)
        if label:
            found.append((label, " ".join(value.split())))
    return tuple(found)


def _route_value(route: Route, fields: Mapping[str, str]) -> list[str]:
    if route.field in ("labels", "tags"):
        raw = fields.get("labels") or fields.get("tags") or ""
        return [v.strip() for v in re.split(r"[\n,]", raw) if v.strip()]
    key = f"custom.{route.key}" if route.field == "custom" else route.field
    value = fields.get(key)
    return [value.strip()] if value else []


def match_route(routes: tuple[Route, ...], fields: Mapping[str, str]) -> str | None:
    """The intent of the first route whose desk and field value match (case-insensitive)."""
    desks = {fields.get("desk", "").lower(), fields.get("desk_type", "").lower()}
    for route in routes:
        if route.desk != "*" and route.desk.lower() not in desks:
            continue
        wanted = route.value.strip().lower()
        if any(v.lower() == wanted for v in _route_value(route, fields)):
            return route.intent
    return None


__all__ = [
    "Classification",
    "Classifier",
    "GateDecision",
    "desk_form",
    "gate",
    "match_route",
    "suggestion_note",
    "ticket_desk_fields",
]
