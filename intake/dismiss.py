"""
When a ``not_account`` reading may drop a ticket without a person looking at it.

Ignoring a ticket is an automatic decision like running a playbook: an account ticket read as
``not_account`` by an unsure model would be lost silently. So the text model's ``not_account``
dismisses a ticket only when it is at least as sure as the lowest-risk tier's auto-run threshold,
or when the text is about a topic known to read like an account ask without being one (an
outage, a printer, a badge: ``intake.classifier.lookalike``). Below that the ticket goes to an
agent with deskpilot's suggestions, like any reading below its threshold. A non-English ticket
is never dismissed on the text model's word (only as a look-alike topic): its reading goes
through a glossary, and a glossary gap reads as ``not_account``. A desk route, a
keyword rule or an agent's correction is an admin's or a person's word and is taken as given.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.classifier.language import language_name
from intake.classifier.lookalike import topic_name
from intake.classifier.result import Classification
from intake.config import ClassifierSettings

NOT_ACCOUNT = "not_account"


@dataclass(frozen=True)
class Dismissal:
    """Whether the ticket is not deskpilot's business (``dismiss``) and why."""

    dismiss: bool
    reason: str


def dismissal(classification: Classification, settings: ClassifierSettings) -> Dismissal:
    """
    Whether a ticket read as ``not_account`` is dismissed, or handed to an agent with suggestions.

    Args:
        classification: what the classifier read (any intent: only ``not_account`` dismisses).
        settings: the ``classifier:`` section (the low-risk tier's threshold).
    """
    if classification.intent != NOT_ACCOUNT:
        return Dismissal(False, f"{classification.intent} is an account intent")
    if classification.route != "text":
        return Dismissal(True, f"not an account ticket ({classification.route})")
    if classification.lookalike:
        topic = topic_name(classification.lookalike)
        return Dismissal(True, f"not an account ticket: it is about {topic}")
    if classification.language:
        name = language_name(classification.language)
        return Dismissal(False, f"the ticket looks {name}: not_account is left to an agent")
    threshold = settings.threshold_of("low")
    if classification.confidence >= threshold:
        return Dismissal(True, f"not an account ticket at {classification.confidence:.2f}")
    return Dismissal(
        False,
        f"not_account at {classification.confidence:.2f} is below the low-risk threshold "
        f"{threshold:.2f}: an agent decides",
    )
