"""What the classifier understood of a ticket: the value ``intake.classify`` returns and the gates read."""

from __future__ import annotations

from dataclasses import dataclass

from intake.entities import Entities

__all__ = ["Classification"]


SILENT_HEADLINES = frozenset({"not_account", "account_other"})
"""Headline readings that say nothing of an account ask: the body's first request sentence may
stand in for them in the gate's agreement check (``Classification.agreed``)."""


@dataclass(frozen=True)
class Classification:
    """What deskpilot understood of a ticket and how sure it is."""

    intent: str
    confidence: float
    top: tuple[tuple[str, float], ...]
    """The best intents with their scores, highest first (at most three): the model's reading.
    An outage report (``lookalike == "outage"``) is ``not_account`` whatever the model read, and
    keeps the model's list here as the alternatives agents see."""
    entities: Entities
    route: str
    """``desk_field`` (an admin's route), ``keyword`` (a custom intent's rule), ``text``,
    ``correction`` (an agent's ``/intent``) or ``empty``."""
    language: str | None
    """The language guessed when it is not English (``de``, ``fr``…), else None."""
    lookalike: str | None = None
    """A topic that reads like an account ask but is not (``printer``, ``badge``,
    ``connectivity``…; see ``intake.classifier.lookalike``): the gate only suggests. ``outage``
    (``intake.classifier.outage``) also makes the reading ``not_account``."""
    cue_found: bool = True
    """The text says in so many words what the intent does (``intake.classifier.cues``)."""
    targets_attached: bool = False
    """The ticket carries a table (CSV, spreadsheet): its rows name whom the ask is about."""
    headline_intent: str | None = None
    """What the headline alone reads as (the request kind the desk gave and the subject): a
    second, shorter reading of the same ask (``ClassifierSettings.require_agreement``)."""
    ask_intent: str | None = None
    """What the body's first request sentence alone reads as (``intake.classifier.ask``)."""
    subject_intent: str | None = None
    """What the subject alone reads as, when the desk gave a request kind that heads the
    headline: a broad kind ("Account & Access") can outvote a subject that states the ask."""

    @property
    def agreed(self) -> bool:
        """The headline alone (or, under a request kind, the subject alone) reads as the same
        intent as the whole ticket; or the headline says nothing of an account ask (no subject,
        or one read as ``not_account`` or ``account_other``) and the body's first request
        sentence alone reads as that intent."""
        if self.intent in (self.headline_intent, self.subject_intent):
            return True
        silent = self.headline_intent is None or self.headline_intent in SILENT_HEADLINES
        return silent and self.ask_intent is not None and self.ask_intent == self.intent

    @property
    def margin(self) -> float:
        """How far the best intent's score is ahead of the second's (its score when alone)."""
        if len(self.top) < 2:
            return self.confidence
        return self.top[0][1] - self.top[1][1]
