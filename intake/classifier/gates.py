"""
When deskpilot may act on its own understanding, and the note it leaves when it may not.

Each intent has a risk tier (low: unlock, password reset; medium; high: access grant, MFA
reset, disable; never: nothing to run) and each tier a confidence threshold, all overridable in
the ``classifier:`` config. Shadow mode (per desk or per intent) never acts, whatever the score.
A guess of the text model must also be ahead of the second intent by ``min_margin``, name whom
or which application it is about, not be a look-alike topic (printer, badge, VPN connectivity…),
read the same from its headline alone (request kind and subject) as from the whole ticket, and
be in English, or in German, French or Spanish for the intents measured safe in those languages
(``language.language_refusal``).
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.classifier.language import language_note, language_refusal
from intake.classifier.lookalike import topic_name
from intake.classifier.result import Classification
from intake.config import ClassifierSettings
from intake.markdown import code_span

SELF_SERVICE_INTENTS = frozenset({"password_reset", "account_unlock", "mfa_reset"})
"""Asks about the requester's own account unless the text names someone else: the requester is
their resolved target (``intake.entities.resolve_target`` does the same)."""


@dataclass(frozen=True)
class GateDecision:
    """Whether to act without a person, and why (the reason goes into the note and the log)."""

    auto: bool
    reason: str


def gate(
    classification: Classification,
    settings: ClassifierSettings,
    *,
    desk: str,
    desk_type: str | None = None,
) -> GateDecision:
    """Decide whether the worker may run the intent's playbook without a person confirming.

    ``desk`` is the desk instance name; shadow mode matches it or ``desk_type``.
    """
    intent, confidence = classification.intent, classification.confidence
    if classification.route == "empty":
        return GateDecision(False, "the ticket has no text to understand")
    if intent not in settings.intents:
        return GateDecision(False, f"{intent} is not a configured intent")
    tier = settings.tier_of(intent)
    if tier == "never":
        return GateDecision(False, f"there is nothing to run automatically for {intent}")
    if desk in settings.shadow_desks or (desk_type and desk_type in settings.shadow_desks):
        return GateDecision(False, f"shadow mode is on for desk {desk}: suggest only")
    if intent in settings.shadow_intents:
        return GateDecision(False, f"shadow mode is on for {intent}: suggest only")
    threshold = settings.threshold_of(tier)
    if confidence < threshold:
        return GateDecision(
            False, f"confidence {confidence:.2f} is below the {tier}-risk threshold {threshold:.2f}"
        )
    if classification.route == "text":
        refusal = _text_refusal(classification, settings)
        if refusal:
            return GateDecision(False, refusal)
    return GateDecision(True, f"{intent} at {confidence:.2f} meets the {tier}-risk threshold")


def _text_refusal(classification: Classification, settings: ClassifierSettings) -> str | None:
    """Why a confident text-model guess still may not run alone, or None when it may."""
    refusal = language_refusal(classification, settings)
    if refusal:
        return refusal
    if classification.margin < settings.min_margin:
        second = classification.top[1][0]
        return (
            f"{classification.intent} is only {classification.margin:.2f} ahead of {second} "
            f"(needs {settings.min_margin:.2f})"
        )
    if classification.lookalike:
        topic = topic_name(classification.lookalike)
        return f"the ticket is about {topic}, which looks like an account ask but is not"
    if settings.require_agreement and not classification.agreed:
        alone = classification.headline_intent or "nothing"
        return (
            f"the headline alone reads as {alone}, not {classification.intent}: "
            "the two readings disagree"
        )
    if settings.require_cue and not classification.cue_found:
        return f"the text never says in words what {classification.intent} would do"
    entities = classification.entities
    named = entities.target_text or entities.application or entities.group
    own = entities.target_is_requester or classification.intent in SELF_SERVICE_INTENTS
    if settings.require_target and not (named or own or classification.targets_attached):
        return "neither the person nor the application the ask is about was found in the text"
    return None


def _entity_lines(classification: Classification) -> list[str]:
    shown = {k: v for k, v in classification.entities.as_dict().items() if v not in (None, "false")}
    if not shown:
        return ["- none found"]
    return [f"- {key.replace('_', ' ')}: {code_span(value)}" for key, value in shown.items()]


def suggestion_note(classification: Classification) -> str:
    """An internal note (Markdown) for agents when deskpilot will not act on its own."""
    top = classification.top or ((classification.intent, classification.confidence),)
    lines = [
        f"**deskpilot suggests:** `{classification.intent}` "
        f"(confidence {classification.confidence:.0%}, from {classification.route})",
        "",
        "| intent | score |",
        "|---|---|",
        *(f"| `{intent}` | {score:.0%} |" for intent, score in top[:3]),
        "",
        "**Extracted:**",
        *_entity_lines(classification),
    ]
    if classification.lookalike:
        topic = topic_name(classification.lookalike)
        lines += [
            "",
            f"_The ticket is about {topic}: it reads like an account request, but deskpilot "
            "only suggests for such topics._",
        ]
    if classification.language:
        lines += ["", language_note(classification.language)]
    lines += [
        "",
        "To correct it, comment `/intent <name>` (for example `/intent access_grant`); "
        "deskpilot learns from corrections at the next retrain.",
    ]
    return "\n".join(lines)
