"""An outage report is an incident, not an account ask; a bulk ask naming many people is not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.classifier.gloss import english_rendering
from intake.classifier.lookalike import topic_name
from intake.classifier.outage import OUTAGE, outage_report
from intake.classify import Classifier, gate
from intake.config import ClassifierSettings
from intake.dismiss import dismissal
from worker.wiring.files import load_classifier

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings())


@pytest.mark.parametrize(
    ("text", "outage"),
    [
        ("Wiki is down?\nThe wiki page times out with a 504.", True),
        ("Ticketing portal down\nCan't open anything.", True),
        ("Mail outage in the Bristol office\nNo mail since 8am.", True),
        ("SSO problem\nAuthentication failed for all users since this morning.", True),
        ("Can't connect to the intranet\nNobody on the 3rd floor can connect to it.", True),
        ("Login broken\nIt's not just me: my colleagues get the same error.", True),
        ("CRM\nThe whole sales team is locked out of the CRM since the update.", True),
        ("Build server\nSeveral developers are unable to reach the build server.", True),
        ("HR portal\nThe HR portal is unreachable for everyone in Leeds.", True),
        ("Access to the HR portal\nNo one in payroll has been able to open it today.", True),
        ("Reset MFA for all users in team Payroll\nThey got new phones.", False),
        ("Access for my team\nEveryone in my team needs access to the Budget share.", False),
        ("Bulk request\nPlease grant all users of Finance read access to the Budget share.", False),
        ("Locked out\nSeveral users cannot log in, please unlock Ann Lee and Bo Chen.", False),
        ("Knack form\nSeveral staff members cannot submit the form: they don't have access.", False),
        ("Password\nHello everyone, thanks all, I forgot my password and need a reset.", False),
        ("Tableau\nHi everyone, could you give Priya access to the sales dashboard?", False),
        ("My account was shut down\nI cannot log in since Monday.", False),
        ("Licence seats\nOur Figma seats are down to 3, please add two seats.", False),
        ("Offboarding checklist\n# For everyone\n- remove from the team group", False),
        ("Wi-Fi\nThe Wi-Fi is down for everyone, please reset the router.", True),
    ],
    ids=[
        "subject-is-down", "subject-ends-down", "outage-word", "failed-for-all-users",
        "nobody-can-connect", "not-just-me", "whole-team-locked-out", "several-unable",
        "unreachable-for-everyone", "no-one-able", "bulk-mfa-reset", "everyone-needs-access",
        "bulk-grant", "unlock-named-people", "named-people-lack-access", "greetings-are-no-scope",
        "greeting-then-grant", "shut-down-account", "seats-down-to", "checklist-heading",
        "router-reset-is-no-account-action",
    ],
)  # fmt: skip
def test_outage_report(text: str, outage: bool) -> None:
    """A service down or failing for many people is an outage, unless an account action is asked."""
    assert outage_report(text) is outage


@pytest.mark.parametrize(
    ("language", "text", "outage"),
    [
        ("de", "Jira ist seit 9 Uhr ausgefallen, niemand im Büro kann sich anmelden.", True),
        ("de", "Outlook funktioniert nicht, nicht nur bei mir: das ganze Team hat das Problem.", True),
        ("de", "Störung: das Intranet ist für alle nicht erreichbar.", True),
        ("de", "Bitte Zugriff auf den Ordner Angebote für alle Mitarbeiter im Team Vertrieb.", False),
        ("de", "Alle Benutzer im Team Einkauf brauchen Zugriff auf SAP.", False),
        ("fr", "Le serveur de fichiers est en panne, personne ne peut se connecter.", True),
        ("fr", "Connexion impossible pour tout le monde depuis ce matin, erreur d'authentification.",
         True),
        ("fr", "Merci de réinitialiser le mot de passe de tous les utilisateurs de l'équipe Paie.",
         False),
        ("fr", "Tout le monde dans mon équipe a besoin d'un accès à Jira.", False),
        ("es", "El portal está caído, nadie puede iniciar sesión.", True),
        ("es", "Por favor, dar acceso a todos los usuarios del equipo de ventas a Salesforce.", False),
    ],
    ids=[
        "de-down-nobody", "de-not-just-me", "de-unreachable-for-all", "de-bulk-grant",
        "de-everyone-needs-access", "fr-down-nobody", "fr-everyone-fails", "fr-bulk-reset",
        "fr-everyone-needs-access", "es-down-nobody", "es-bulk-grant",
    ],
)  # fmt: skip
def test_outage_report_in_other_languages(language: str, text: str, outage: bool) -> None:
    """German, French and Spanish are read on their English rendering, like the model reads them."""
    assert outage_report(english_rendering(text, language)) is outage


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Access to the HR portal", "Nobody in our team can open the HR portal, it says access denied."),
        ("SSO is down", "Single sign-on is down, nobody can log in to any application."),
        ("Anmeldung nicht möglich", "Seit heute früh kann sich niemand im Büro bei Jira anmelden."),
        ("Connexion impossible", "Personne ne peut se connecter à SharePoint depuis ce matin."),
    ],
    ids=["access-words", "login-words", "german", "french"],
)  # fmt: skip
def test_an_outage_reads_as_not_account_and_is_dismissed(
    classifier: Classifier, subject: str, body: str
) -> None:
    """The reading is ``not_account`` with the topic ``outage``; the model's own top list stays as
    the alternatives; nothing runs, and the ticket is not deskpilot's business."""
    result = classifier.classify_text(subject, body, now=NOW)
    settings = classifier.settings

    assert (result.intent, result.lookalike) == ("not_account", OUTAGE)
    assert any(intent != "not_account" for intent, _ in result.top)
    assert result.confidence == dict(result.top).get("not_account", result.confidence)
    assert not gate(result, settings, desk="sd").auto
    found = dismissal(result, settings)
    assert found.dismiss
    assert "about an outage" in found.reason


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        ("MFA reset for team Payroll", "Please reset MFA for all users in team Payroll.", "mfa_reset"),
        ("Access to Tableau", "Everyone in my team needs access to the Sales dashboard in Tableau.",
         "access_grant"),
        ("Locked out", "The whole team is locked out of Salesforce. Please unlock the accounts of "
         "Ann Lee and Bo Chen.", "account_unlock"),
        ("Zugriff für das Team", "Bitte geben Sie allen Mitarbeitern im Team Vertrieb Zugriff auf "
         "den Ordner Angebote.", "access_grant"),
        ("Accès pour l'équipe", "Merci de donner l'accès au dossier Budget à tous les utilisateurs "
         "de l'équipe Paie.", "access_grant"),
    ],
    ids=["bulk-mfa-reset", "everyone-needs-access", "team-locked-unlock-named", "german-bulk-grant",
         "french-bulk-grant"],
)  # fmt: skip
def test_bulk_account_asks_keep_their_intent(
    classifier: Classifier, subject: str, body: str, intent: str
) -> None:
    """An account ask naming many people is a bulk ask: the model's reading stands."""
    result = classifier.classify_text(subject, body, now=NOW)

    assert (result.intent, result.lookalike) == (intent, None)


@pytest.mark.parametrize(
    ("topic", "name"),
    [("outage", "an outage"), ("printer", "a printer"), ("network_route", "a network route")],
    ids=["vowel", "consonant", "two-words"],
)
def test_topic_name(topic: str, name: str) -> None:
    """Notes and reasons name a topic with its article."""
    assert topic_name(topic) == name
