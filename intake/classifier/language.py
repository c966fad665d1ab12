"""
A small language guess from stop words, plus, for German, French and Spanish, the desk words and
letters only they write: enough to tell an English ticket from a German one, and to read a short
German, French or Spanish subject as such, not a language identifier.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from intake.classifier.gloss import RENDERED_LANGUAGES

if TYPE_CHECKING:
    from intake.classifier.result import Classification
    from intake.config import ClassifierSettings


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
_MARKERS: dict[str, frozenset[str]] = {
    "de": _words(
        "passwort kennwort konto konten benutzerkonto gesperrt ausgesperrt entsperren "
        "zurucksetzen zuruckgesetzt zugang zugriff berechtigung berechtigungen benutzer "
        "benutzername anmelden anmeldung einloggen mitarbeiter mitarbeiterin lizenz lizenzen "
        "loschen geloscht loschung deaktivieren deaktiviert freischalten vergessen fehler "
        "hinzufugen entfernen neuer neues brauche benotige benotigt bitte danke hallo gruppe "
        "verteiler anlegen angelegt einrichten austritt eintritt kundigung vorgesetzter "
        "abteilung ordner laufwerk drucker gerat funktioniert geht nicht leider dringend "
        "zurucksetzung sperrung wiederherstellung mitgliedschaft einladen entziehen"
    ),
    "fr": _words(
        "mot passe compte comptes bloque bloquee verrouille debloquer deverrouiller "
        "reinitialiser reinitialisation oublie acces utilisateur utilisateurs identifiant "
        "identifiants connexion connecter nouveau nouvel nouvelle arrivant salarie employe "
        "supprimer suppression desactiver retirer ajouter droits demande "
        "besoin merci bonjour svp groupe dernier jour "
        "fonctionne marche erreur probleme aujourd hui equipe partage "
        "imprimante ecran reseau habilitation habilitations cordialement"
    ),
    "es": _words(
        "contrasena clave cuenta cuentas bloqueada bloqueado desbloquear restablecer "
        "restablecimiento olvide acceso usuario usuarios credenciales iniciar sesion nuevo "
        "nueva empleado empleada alta baja licencia licencias eliminar borrar desactivar "
        "quitar anadir agregar permisos solicitud solicito necesito necesitamos gracias hola "
        "grupo movil telefono ultimo dia funciona problema equipo carpeta compartida "
        "impresora pantalla jefe saludos atentamente puedo"
    ),
}
"""Words of a desk ticket that only German, French or Spanish write (folded): a short subject
("Passwort zurücksetzen", "Cuenta bloqueada") has no stop words to count, but has these."""
_MARKER_WEIGHT = 2
_COMPOUND_MARKER = 5
"""A German word that starts or ends with a marker this long counts as one (Kontosperrung)."""
_LETTERS = {"de": frozenset("äöüß"), "fr": frozenset("çœèêàùîû"), "es": frozenset("ñ¿¡")}
"""Letters only that language writes (among these): one more hit when any is present."""
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_HITS = 3
"""Fewer hits than this and no language is claimed."""


_LONG_MARKERS = {lang: frozenset(m for m in words if len(m) >= _COMPOUND_MARKER)
                 for lang, words in _MARKERS.items()}  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _is_marker(word: str, lang: str) -> bool:
    if word in _MARKERS[lang]:
        return True
    if lang != "de" or len(word) < _COMPOUND_MARKER + 3:
        return False
    # a compound starts or ends with a long marker: look its prefixes and suffixes up
    long_markers = _LONG_MARKERS[lang]
    return any(
        word[:k] in long_markers or word[-k:] in long_markers
        for k in range(_COMPOUND_MARKER, len(word) + 1)
    )


def detect_language(text: str) -> str | None:
    """Best match of stop words, desk words and letters (``en``, ``de``, ``fr``…), or None when
    there is too little text."""
    head = text[:2000].lower()
    words = _WORD.findall(head)
    if not words:
        return None
    hits = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOP_WORDS.items()}
    folded = [_fold(w) for w in words]
    for lang in _MARKERS:
        hits[lang] += _MARKER_WEIGHT * sum(1 for w in folded if _is_marker(w, lang))
        hits[lang] += not _LETTERS[lang].isdisjoint(head)
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    if hits[best] < MIN_HITS:
        return None
    if best != "en" and hits[best] < 1.5 * hits["en"]:
        return "en"
    return best


LANGUAGE_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
    "it": "Italian",
    "ro": "Romanian",
}
READ_LANGUAGES = RENDERED_LANGUAGES
"""Languages read in English words (``gloss.english_rendering``); any other is suggestion-only."""


def language_name(language: str) -> str:
    """``German`` for ``de``; an unknown code as it is."""
    return LANGUAGE_NAMES.get(language, language)


def language_refusal(classification: Classification, settings: ClassifierSettings) -> str | None:
    """
    Why a text-model reading of a non-English ticket may not run alone, or None when it may.

    German, French and Spanish tickets are read in English words. On our translations of
    github_public dev rows (``benchmarks/classify_language.py``) the readings that passed every
    other gate were all right for password resets and MFA resets in all three languages; an
    unlock was run for a request to change the lockout policy (German, French), and the other
    intents had too few confident readings to trust. So only the intents in
    ``settings.non_english_intents`` (password_reset, mfa_reset by default) may run alone, after
    every other gate. Any other language is suggestion-only.
    """
    language = classification.language
    if not language:
        return None
    name = language_name(language)
    if language not in READ_LANGUAGES:
        return f"the ticket looks {name}, a language the model does not handle: suggest only"
    if classification.intent not in settings.non_english_intents:
        return (
            f"the ticket looks {name}: {classification.intent} runs alone only from an English "
            "ticket (suggest only)"
        )
    return None


def language_note(language: str) -> str:
    """The suggestion note's line about a non-English ticket."""
    name = language_name(language)
    if language in READ_LANGUAGES:
        return (
            f"_The ticket looks {name}; the model was trained on English and read it through a "
            "glossary of desk words. Please check the suggestion._"
        )
    return (
        f"_The ticket looks {name}, a language the model was not trained on: it only "
        "suggests. Please check the suggestion._"
    )
