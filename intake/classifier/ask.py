"""
The body's first request sentence: where a long ticket states its ask.

The labelling guidelines read a ticket by its subject first, then by the **first request in the
body**. A long, well-written request spends one sentence on the ask ("I need read access to the
BigQuery analytics datasets") and the rest on business context, whose words outvote the few
account words once the whole ticket is normalised. ``ask_sentence`` finds that one sentence so
the model can read it alone, like the headline (``LinearModel.ask_weight``).

A request sentence is one with a request marker: "could/can/would you", "please", "kindly",
"I need / I'd need / I'd like / would like / I want", "can I get / have", "we request",
"… need … access"; in German "könnten Sie", "bitte", "ich brauche / benötige / möchte"; in French
"pourriez-vous", "pouvez-vous", "merci de", "je voudrais / souhaite", "j'ai besoin"; in Spanish
"podría", "puede", "por favor", "necesito", "quisiera", "me gustaría". "Please note", "please
find attached" and "please let me know" are courtesies, not asks.
"""

from __future__ import annotations

import re

SEARCH_CAP = 1_500
"""Characters of the body searched for the ask: the first request comes early."""
SEARCH_SENTENCES = 12
"""Sentences of the body searched for the ask."""
WORDS_BEFORE = 8
"""Words kept before the marker in a long sentence ("For the yearly stock audit I need …")."""
WORDS_AFTER = 24
"""Words kept from the marker on: the ask and what it is about, not the whole paragraph."""

MAX_SENTENCE_WORDS = 60
"""A longer "sentence" is a run-on without punctuation (a pasted log, a body with its
punctuation stripped), not a sentence someone wrote: no ask is read from it."""
MIN_WORDS = 4
"""A shorter "request" is a form's question ("Are you requesting:"), not an ask."""
_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_COURTESY = (
    r"please\s+(?:note|find|see|refer|ignore|be\s+(?:aware|advised)|let\s+(?:me|us)\s+know|"
    r"feel\s+free|advise|do\s+not\s+hesitate|don'?t\s+hesitate|contact|reach\s+out|reply|"
    r"confirm\s+receipt)"
)
_MARKERS = re.compile(
    r"(?<![\w'])(?:"
    # English
    r"(?:could|can|would|will|may)\s+(?:you|u|someone|somebody|anyone|i|we)\b|"
    r"(?!" + _COURTESY + r")please\b|pls\b|plz\b|kindly\b|"
    r"(?:i|we)\s*(?:'d|'m|\s+would|\s+am|\s+are|\s+will)?\s+"
    r"(?:like|need(?!\s+to\s+(?:know|understand|be\s+able|figure|find\s+out|learn|see|"
    r"check|make\s+sure|ensure))|want|require|request|requesting|looking\s+for|asking\s+for|"
    r"kindly)\b|"
    r"(?:would|'d)\s+like\b|i'd\b|"
    r"needs?\s+(?:\S+\s+){0,4}?access\b|"
    r"requesting\b|"
    # German
    r"k(?:ö|oe)nnt(?:en|est)?\s+(?:sie|ihr|du)\b|k(?:ö|oe)nnen\s+sie\b|kannst\s+du\b|"
    r"bitte\b|"
    r"(?:ich|wir)\s+(?:brauche|brauchen|ben(?:ö|oe)tige|ben(?:ö|oe)tigen|m(?:ö|oe)chte|"
    r"m(?:ö|oe)chten|br(?:ä|ae)uchte|br(?:ä|ae)uchten|h(?:ä|ae)tte\s+gerne?|bitten)\b|"
    # French
    r"pourr(?:iez|ais|ait)[- ](?:vous|tu|on)\b|pouve[zs][- ]vous\b|peux[- ]tu\b|"
    r"merci\s+de\b|s'il\s+(?:vous|te)\s+pla[iî]t\b|"
    r"je\s+(?:voudrais|souhaite|souhaiterais|veux|demande|sollicite)\b|"
    r"j'ai\s+besoin\b|nous\s+(?:avons\s+besoin|souhaitons|souhaiterions|voudrions|demandons)\b|"
    # Spanish
    r"podr(?:í|i)a(?:s|n|mos)?\b|puede(?:s|n)\b|por\s+favor\b|"
    r"necesit(?:o|amos|aria)\b|quisiera(?:mos)?\b|quiero\b|queremos\b|"
    r"me\s+gustar(?:í|i)a\b|solicit(?:o|amos)\b"
    r")",
    re.IGNORECASE,
)


def ask_sentence(body: str) -> str:
    """The body's first request sentence (clipped to the words around its marker), or ``""``.

    Args:
        body: the cleaned body without the subject (``read_ticket``'s text after its first line).
    """
    sentences = (s.strip() for s in _SENTENCE_END.split(body[:SEARCH_CAP]))
    for n, sentence in enumerate(s for s in sentences if s):
        if n >= SEARCH_SENTENCES:
            break
        words = [(w.end(), w.group()) for w in _WORD.finditer(sentence)]
        if len(words) > MAX_SENTENCE_WORDS:
            continue
        marker = _MARKERS.search(sentence.replace("\u2019", "'"))
        if marker is None:
            continue
        at = next(n for n, (end, _) in enumerate(words) if end > marker.start())
        kept = [w for _, w in words[max(0, at - WORDS_BEFORE) : at + WORDS_AFTER]]
        if len(kept) >= MIN_WORDS:
            return " ".join(kept)
    return ""
