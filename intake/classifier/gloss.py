"""
German, French and Spanish tickets read in English words, for a model trained on English.

The training tickets are English. A German "Passwort zurücksetzen", a French "compte bloqué" or
a Spanish "restablecer contraseña" would otherwise share no word with them, and the character
n-grams of the foreign words would outvote the few account words. So a ticket detected as
German, French or Spanish is read by the model as its **English rendering**
(``english_rendering``): word by word and phrase by phrase from a helpdesk glossary ("mot de
passe oublié" -> "forgot password", "dar de baja" -> "disable", "Passwortzurücksetzung" ->
"password reset": German compounds are split into known parts), function words into English
function words, and every other word (names, products, e-mails, links) kept as written. The
glossaries (``gloss_de``, ``gloss_fr``, ``gloss_es``) cover the words desk users write about
accounts, access, licences, joiners, leavers, second factors and the common complaints; they do
not make a translator. What the rendering is worth is measured on our translations
(``benchmarks/classify_language.py``, see ``docs/classification.md``, "Language").

``GLOSS`` (single account words glossed next to the word in the features, ``gloss``) is older
and stays as it is: it is part of the packaged model's vocabulary, so it changes only with a
retrain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intake.classifier import gloss_de, gloss_es, gloss_fr

_GLOSS_LINES = {
    "password": "passwort kennwort passe contrasena clave",
    "forgot": "vergessen oublie olvide olvidado olvidada",
    "reset": "zurucksetzen rucksetzen reinitialiser reinitialisation reinitialisez restablecer "
    "resetear",
    "locked": "gesperrt sperre bloque bloquee verrouille bloqueado bloqueada",
    "unlock": "entsperren freischalten debloquer deverrouiller desbloquear",
    "access": "zugang zugriff acces acceso",
    "permission": "berechtigung berechtigungen droits permisos permiso",
    "account": "konto benutzerkonto compte cuenta",
    "user": "benutzer nutzer utilisateur usuario",
    "new": "neuer neue neues nouveau nouvelle nouvel nuevo nueva",
    "employee": "mitarbeiter mitarbeiterin employe employee empleado empleada",
    "starter": "arrivant arrivee embauche incorporacion eintritt",
    "leaver": "austritt depart baja",
    "last": "letzter letzte dernier derniere ultimo ultima",
    "license": "lizenz lizenzen licencia licencias",
    "remove": "entfernen retirer quitar",
    "delete": "loschen supprimer eliminar borrar",
    "disable": "deaktivieren sperren desactiver desactivar",
    "phone": "handy telefon telephone telefono movil portable",
    "authenticator": "authentifikator authentificateur autenticador",
    "authentication": "authentifizierung authentification autenticacion",
    "group": "gruppe groupe grupo",
    "add": "hinzufugen ajouter agregar anadir",
    "create": "anlegen erstellen einrichten creer creation crear",
    "expired": "abgelaufen expire caducada caducado vencida",
    "login": "anmelden anmeldung connexion connecter iniciar sesion",
    "printer": "drucker imprimante impresora",
    "change": "andern anderung changer modifier cambiar",
    "name": "nachname nom apellido",
}
GLOSS: dict[str, str] = {
    word: english for english, words in _GLOSS_LINES.items() for word in words.split()
}
"""Folded foreign word -> the English word it stands for (the features' glosses)."""


def gloss(words: list[str]) -> list[str]:
    """The English glosses of ``words`` that have one, in order."""
    return [GLOSS[w] for w in words if w in GLOSS]


_APART = re.compile(r"['\u2019-]")
"""What separates the words of a form as the text's words are cut (``d'accès``, ``e-mail``)."""


def _table(lines: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines.replace("\\\n", "").strip().splitlines():
        english, _, forms = line.partition(":")
        for form in forms.split(","):
            words = _APART.sub(" ", form).split()
            if words:
                out.setdefault(" ".join(words), english.strip())
    return out


@dataclass(frozen=True)
class _Glossary:
    words: dict[str, str]
    """Folded form (a word or a phrase, its words space-separated) -> English."""
    longest: int
    """The most words in one form."""


def _glossary(lines: str) -> _Glossary:
    words = _table(lines)
    return _Glossary(words, max(len(form.split()) for form in words))


GLOSSARIES: dict[str, _Glossary] = {
    "de": _glossary(gloss_de.GLOSSARY),
    "fr": _glossary(gloss_fr.GLOSSARY),
    "es": _glossary(gloss_es.GLOSSARY),
}
"""The languages read in English words, each with its glossary."""
RENDERED_LANGUAGES = frozenset(GLOSSARIES)

_PIECE = re.compile(r"https?://\S+|[^\s@]+@[^\s@]+\.\w+|[^\W\d_]+", re.UNICODE)
_ELISION = re.compile(r"(?<=[^\W\d_])['\u2019](?=[^\W\d_])")
"""The apostrophe of an elision (``l'accès``, ``d'utilisateur``): a word break."""
_SOFT = re.compile(r"[ \t'\u2019-]*")
"""What may stand between the words of a phrase: spaces, an apostrophe, a hyphen (no line
break, no punctuation)."""
_COMPOUND_MIN = 8
_COMPOUND_MAX = 40
"""Longer "words" (a hash, a run of letters) are not split: the search stays small."""
_PART_MIN = 3
_LINKS = ("", "s", "es", "n", "en")
"""German linking letters between the parts of a compound ("Konto-s-perrung")."""


def fold(word: str) -> str:
    """Lower case, accents dropped, ß as ss: how the glossary writes its forms."""
    text = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _lookup_form(piece: str) -> str:
    """How a piece of text is looked up: folded, or "" for a link, an e-mail address or a
    capital initial ("David.A", "Andre.E": not the French "à" or the Spanish "e")."""
    if not piece.isalpha() or (len(piece) == 1 and piece.isupper()):
        return ""
    return fold(piece)


def _inflected(word: str, table: dict[str, str], language: str) -> str | None:
    """A plural or inflected form of a glossary word ("comptes", "Konten", "bloqueadas")."""
    endings = ("en", "n", "e", "s", "es", "er") if language == "de" else ("s", "es", "x")
    for ending in endings:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= _PART_MIN and stem in table:
            return table[stem]
    return None


def _compound(word: str, table: dict[str, str]) -> list[str] | None:
    """A German compound as the English of its known parts, modifier first
    ("passwortzurucksetzung" -> password, reset), or None when it does not split so."""
    if not _COMPOUND_MIN <= len(word) <= _COMPOUND_MAX:
        return None
    for cut in range(len(word) - _PART_MIN, _PART_MIN - 1, -1):
        head, tail = word[:cut], word[cut:]
        if head not in table:
            continue
        rest = _part(tail, table)
        if rest is not None:
            return [table[head], *rest]
    return None


def _part(word: str, table: dict[str, str]) -> list[str] | None:
    for link in _LINKS:
        if not word.startswith(link):
            continue
        rest = word[len(link) :]
        if len(rest) < _PART_MIN:
            continue
        if rest in table:
            return [table[rest]]
        inflected = _inflected(rest, table, "de")
        if inflected is not None:
            return [inflected]
        split = _compound(rest, table)
        if split is not None:
            return split
    return None


def _word(word: str, glossary: _Glossary, language: str) -> str | None:
    """The English of one folded word, or None to keep the word as written."""
    table = glossary.words
    if word in table:
        return table[word]
    inflected = _inflected(word, table, language)
    if inflected is not None:
        return inflected
    if language == "de":
        parts = _compound(word, table)
        if parts is not None:
            return " ".join(parts)
    return None


def english_rendering(text: str, language: str | None) -> str:
    """
    ``text`` in English words when ``language`` is one the glossary reads (de, fr, es), else
    ``text`` unchanged.

    Phrases are matched first (longest first, within a line), then single words, inflections and
    (German) compounds; links, e-mail addresses, line breaks and punctuation stay where they
    are, and so does every word the glossary does not know.
    """
    glossary = GLOSSARIES.get(language or "")
    if glossary is None:
        return text
    text = _ELISION.sub(" ", text)
    pieces = list(_PIECE.finditer(text))
    folded = [_lookup_form(p.group()) for p in pieces]
    out: list[str] = []
    at = 0
    i = 0
    while i < len(pieces):
        out.append(text[at : pieces[i].start()])
        taken = _phrase(text, pieces, folded, i, glossary)
        if taken:
            english, i = taken
            out.append(english)
            at = pieces[i - 1].end()
            continue
        piece = pieces[i]
        word = _word(folded[i], glossary, language or "") if folded[i] else None
        out.append(piece.group() if word is None else word)
        at = piece.end()
        i += 1
    out.append(text[at:])
    return "".join(out)


def _phrase(
    text: str, pieces: list[re.Match[str]], folded: list[str], i: int, glossary: _Glossary
) -> tuple[str, int] | None:
    """The longest glossary phrase starting at piece ``i``: its English and the next piece."""
    for n in range(min(glossary.longest, len(pieces) - i), 1, -1):
        words = folded[i : i + n]
        if not all(words):
            continue
        joined = all(
            _SOFT.fullmatch(text[pieces[j].end() : pieces[j + 1].start()])
            for j in range(i, i + n - 1)
        )
        if joined and " ".join(words) in glossary.words:
            return glossary.words[" ".join(words)], i + n
    return None
