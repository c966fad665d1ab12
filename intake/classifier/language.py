"""
A small language guess from stop-word ratios: enough to tell the agent "this is German, the
model was trained on English, check it", not a language identifier.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and to of a i my is for in on it you please with this that be have can not "
        "me we our are was will need would could as at from"
    ),
    "de": _words(
        "der die das und ich ist nicht ein eine mit für auf zu bitte mein meine ich wir "
        "sie den dem des bei kann können habe hat von im"
    ),
    "fr": _words(
        "le la les et je est pas un une avec pour sur mon ma mes nous vous il elle de du "
        "des au aux merci bonjour ne peux"
    ),
    "es": _words(
        "el la los las y yo es no un una con para por mi mis nosotros usted de del al "
        "que gracias hola puedo necesito"
    ),
    "pt": _words(
        "o a os as e eu é não um uma com para por meu minha nós você de do da dos das "
        "que obrigado olá preciso posso"
    ),
    "nl": _words(
        "de het een en ik is niet met voor op mijn wij jij u van te dat kan graag "
        "bedankt hallo ben heb"
    ),
    "it": _words(
        "il lo la gli le e io è non un una con per su mio mia noi voi di del della che "
        "grazie ciao posso ho"
    ),
    "ro": _words(
        "si și la care ca va se ne nu cu pe din pentru sa să este sunt un o mai ce fie pot"
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_HITS = 3
"""Fewer stop-word hits than this and no language is claimed."""


def detect_language(text: str) -> str | None:
    """Best stop-word match (``en``, ``de``, ``fr``…), or None when there is too little text."""
    words = _WORD.findall(text[:2000].lower())
    if not words:
        return None
    hits = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOP_WORDS.items()}
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    if hits[best] < MIN_HITS:
        return None
    if best != "en" and hits[best] < 1.5 * hits["en"]:
        return "en"
    return best
