"""German, French and Spanish tickets: detected on short subjects, read in English words, and
gated by the measured rule (password and MFA resets may run alone, every other intent suggests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from intake.classifier.gloss import english_rendering
from intake.classifier.language import detect_language, language_refusal
from intake.classifier.result import Classification
from intake.classify import Classifier, gate
from intake.config import ClassifierSettings
from intake.dismiss import dismissal
from intake.entities import Entities
from worker.wiring.files import load_classifier

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings())


@pytest.mark.parametrize(
    ("subject", "language"),
    [
        ("Passwort zurücksetzen", "de"),
        ("Konto gesperrt", "de"),
        ("Passwortzurücksetzung", "de"),
        ("Neuer Mitarbeiter", "de"),
        ("Zugang zu SAP benötigt", "de"),
        ("Réinitialisation MFA - nouveau téléphone", "fr"),
        ("mot de passe oublié", "fr"),
        ("Compte bloqué", "fr"),
        ("Nouvel arrivant", "fr"),
        ("Cuenta bloqueada", "es"),
        ("restablecer contraseña", "es"),
        ("Alta de nuevo empleado", "es"),
        ("darse de baja", "es"),
        ("Password reset", None),
        ("Account locked", None),
        ("Licence request for Visio", None),
        ("New starter: Jose Garcia", None),
    ],
    ids=["de-password", "de-locked", "de-compound", "de-joiner", "de-access", "fr-mfa",
         "fr-forgot", "fr-locked", "fr-joiner", "es-locked", "es-reset", "es-joiner", "es-leave",
         "en-password", "en-locked", "en-licence", "en-spanish-name"],
)  # fmt: skip
def test_short_subjects_are_detected(subject: str, language: str | None) -> None:
    """A two-word subject has no stop words to count, but German, French and Spanish desk words;
    a short English subject (a Spanish name in it included) is not claimed for another language."""
    assert language == detect_language(subject)


@pytest.mark.parametrize(
    ("text", "language", "english"),
    [
        ("Passwortzurücksetzung für Max", "de", {"password", "reset", "for"}),
        ("Mein Konto ist gesperrt, bitte entsperren", "de", {"my", "account", "locked", "unlock"}),
        ("Mitarbeiterkonten löschen", "de", {"employee", "account", "delete"}),
        ("IAM-Konsolenzugang deaktivieren", "de", {"console", "access", "disable"}),
        ("mot de passe oublié, je n'arrive pas à me connecter", "fr", {"forgot", "password", "cannot", "login"}),
        ("Demande d'accès au dossier partagé", "fr", {"request", "access", "folder", "shared"}),
        ("Réinitialisation MFA - nouveau téléphone", "fr", {"reset", "mfa", "new", "phone"}),
        ("Nouvel arrivant lundi", "fr", {"new", "starter"}),
        ("restablecer contraseña", "es", {"reset", "password"}),
        ("Cuentas bloqueadas", "es", {"account", "locked"}),
        ("Quiero darme de baja del grupo", "es", {"want", "disable", "group"}),
        ("Olvidé mi contraseña, no puedo iniciar sesión", "es", {"forgot", "password", "cannot", "login"}),
    ],
    ids=["de-compound-reset", "de-locked", "de-compound-plural", "de-hyphenated-compound",
         "fr-forgot", "fr-elision", "fr-mfa", "fr-joiner", "es-reset", "es-plural",
         "es-reflexive-leave", "es-login"],
)  # fmt: skip
def test_desk_words_are_read_in_english(text: str, language: str, english: set[str]) -> None:
    """Phrases, inflections, elisions and German compounds come out as the English words."""
    assert english <= set(re.findall(r"[a-z]+", english_rendering(text, language)))


@pytest.mark.parametrize(
    ("text", "language", "kept"),
    [
        ("Bitte Zugang für Jörg Müller (j.mueller@example.de) zu SAP", "de",
         ["Jörg Müller", "j.mueller@example.de", "SAP"]),
        ("Siehe https://intranet.example.de/Konto/Passwort", "de", ["https://intranet.example.de/Konto/Passwort"]),
        ("- [x] David.A - attribué le 3/7/25", "fr", ["David.A", "3/7/25"]),
        ("Olá, preciso de uma nova senha", "pt", ["Olá, preciso de uma nova senha"]),
        ("Necesito una licencia", None, ["Necesito una licencia"]),
    ],
    ids=["names-and-email", "link", "capital-initial", "portuguese-unchanged", "no-language"],
)  # fmt: skip
def test_names_links_and_other_languages_stay_as_written(
    text: str, language: str | None, kept: list[str]
) -> None:
    """Only the glossary's words change; names, e-mails, links and other languages do not."""
    rendered = english_rendering(text, language)

    assert all(part in rendered for part in kept)


@pytest.mark.parametrize(
    ("text", "starts"),
    [("neu" * 3000, "neuneu"), ("kontokontokonto" * 3, "konto"), ("Kontokonto", "account account"),
     ("Passwortzurücksetzung " * 20_000, "password reset password reset")],
    ids=["one-long-word", "too-long-to-split", "short-enough", "many-compounds"],
)  # fmt: skip
def test_long_words_are_not_split(text: str, starts: str) -> None:
    """A "word" longer than any compound is kept as written (the split's search stays small
    and never recurses deeply); a long body of real compounds is read word by word."""
    assert english_rendering(text, "de").startswith(starts)


@pytest.mark.parametrize(
    ("subject", "body", "language", "intent", "auto"),
    [
        ("Passwort zurücksetzen", "Hallo, ich habe mein Passwort vergessen. Bitte setzen Sie es zurück. Danke",
         "de", "password_reset", True),
        ("Zugang zu Confluence", "Hallo, bitte gebt mir Zugang zu Confluence für das Projekt Atlas. Danke",
         "de", "access_grant", False),
        ("Réinitialisation MFA - nouveau téléphone",
         "Bonjour, j'ai changé de téléphone et je n'ai plus l'application d'authentification. "
         "Pouvez-vous réinitialiser ma MFA ? Merci", "fr", "mfa_reset", True),
        ("Compte bloqué", "Bonjour, mon compte est bloqué après plusieurs tentatives. Merci de le débloquer.",
         "fr", "account_unlock", False),
        ("Restablecer contraseña", "Hola, olvidé mi contraseña y no puedo iniciar sesión. ¿Pueden restablecerla? Gracias",
         "es", "password_reset", True),
        ("Baja de empleado", "Hola, Marta López deja la empresa el viernes, su último día es el 12 de "
         "diciembre. Por favor, den de baja sus cuentas.", "es", "account_disable", False),
    ],
    ids=["de-password-runs", "de-access-suggests", "fr-mfa-runs", "fr-unlock-suggests",
         "es-password-runs", "es-leaver-suggests"],
)  # fmt: skip
def test_language_rule_end_to_end(
    classifier: Classifier, subject: str, body: str, language: str, intent: str, auto: bool
) -> None:
    """Read through the glossary, a German, French or Spanish password or MFA reset runs alone
    like an English one; any other intent in those languages is only suggested."""
    result = classifier.classify_text(subject, body, now=NOW)
    decision = gate(result, ClassifierSettings(), desk="jira")

    assert (language, intent, auto) == (result.language, result.intent, decision.auto)
    assert auto or "runs alone only from an English ticket" in decision.reason


def _reading(intent: str, language: str | None, confidence: float = 0.99) -> Classification:
    top = ((intent, confidence), ("not_account", 0.0))
    entities = Entities(target_is_requester=True)
    return Classification(
        intent, confidence, top, entities, "text", language, None, True, False, intent
    )


@pytest.mark.parametrize(
    ("intent", "language", "settings", "refusal"),
    [
        ("password_reset", None, ClassifierSettings(), None),
        ("account_unlock", None, ClassifierSettings(), None),
        ("password_reset", "de", ClassifierSettings(), None),
        ("mfa_reset", "fr", ClassifierSettings(), None),
        ("password_reset", "es", ClassifierSettings(), None),
        ("account_unlock", "de", ClassifierSettings(), "account_unlock runs alone only from an English"),
        ("access_grant", "fr", ClassifierSettings(), "access_grant runs alone only from an English"),
        ("account_disable", "es", ClassifierSettings(), "account_disable runs alone only from an English"),
        ("account_unlock", "de", ClassifierSettings(non_english_intents=("account_unlock",)), None),
        ("password_reset", "de", ClassifierSettings(non_english_intents=()), "password_reset runs alone"),
        ("password_reset", "nl", ClassifierSettings(), "Dutch, a language the model does not handle"),
        ("password_reset", "pt", ClassifierSettings(non_english_intents=("password_reset",)),
         "Portuguese, a language the model does not handle"),
    ],
    ids=["en-password", "en-unlock", "de-password", "fr-mfa", "es-password", "de-unlock",
         "fr-access", "es-leaver", "admin-adds-unlock", "admin-allows-none", "dutch", "portuguese"],
)  # fmt: skip
def test_language_refusal(
    intent: str, language: str | None, settings: ClassifierSettings, refusal: str | None
) -> None:
    """English runs by the other gates alone; German, French and Spanish only for the configured
    intents; any other language never."""
    found = language_refusal(_reading(intent, language), settings)

    assert (refusal is None) == (found is None)
    assert refusal is None or refusal in str(found)


@pytest.mark.parametrize(
    ("language", "lookalike", "dismissed"),
    [(None, None, True), ("fr", None, False), ("de", "printer", True)],
    ids=["english-sure", "french-sure-still-asks", "german-lookalike"],
)
def test_non_english_not_account_is_left_to_an_agent(
    language: str | None, lookalike: str | None, dismissed: bool
) -> None:
    """A glossary gap reads as not_account, so a non-English ticket is never dropped on the
    text model's word alone; a look-alike topic still is."""
    reading = Classification(
        "not_account", 0.99, (("not_account", 0.99),), Entities(), "text", language, lookalike
    )

    assert dismissed is dismissal(reading, ClassifierSettings()).dismiss


@pytest.mark.parametrize(
    "data",
    [{"non_english_intents": ["no_such_intent"]}, {"non_english_penalty": 1.5},
     {"non_english_language": "de"}],
    ids=["unknown-intent", "penalty-out-of-range", "unknown-key"],
)  # fmt: skip
def test_language_settings_are_checked(data: dict[str, object]) -> None:
    """The language settings are validated like the rest of the classifier section."""
    with pytest.raises(ValidationError):
        ClassifierSettings.model_validate(data)


def test_the_old_penalty_is_still_accepted() -> None:
    """A configuration written for the old default keeps loading and keeps its meaning."""
    settings = ClassifierSettings.model_validate({"non_english_penalty": 0.8})

    assert (0.8, ("password_reset", "mfa_reset")) == (
        settings.non_english_penalty,
        settings.non_english_intents,
    )
