"""The body's first request sentence: found across English, German, French and Spanish phrasing."""

from __future__ import annotations

import pytest

from intake.classifier.ask import ask_sentence


@pytest.mark.parametrize(
    ("body", "ask"),
    [
        ("Our team reviews costs every quarter. Could you add me to the finance-reports group? Thanks.",
         "Could you add me to the finance-reports group?"),
        ("We moved offices last month.\nI need read access to the sales datasets in BigQuery.",
         "I need read access to the sales datasets in BigQuery."),
        ("I'd like a Visio licence for the new floor plans.", "I'd like a Visio licence for the new floor plans."),
        ("Please note the office is closed on Friday. Please reset the password of jdoe.",
         "Please reset the password of jdoe."),
        ("Can I get admin rights on the build server?", "Can I get admin rights on the build server?"),
        ("Kindly remove Sam from the payroll mailbox.", "Kindly remove Sam from the payroll mailbox."),
        ("The auditors visit next week and my team needs read-only access to the ledger.",
         "The auditors visit next week and my team needs read-only access to the ledger."),
        ("Wir haben ein neues Projekt. Könnten Sie mir Zugriff auf das Laufwerk geben?",
         "Könnten Sie mir Zugriff auf das Laufwerk geben?"),
        ("Ich brauche einen Zugang zu SAP für die Buchhaltung.", "Ich brauche einen Zugang zu SAP für die Buchhaltung."),
        ("Bonjour. Pourriez-vous réinitialiser mon mot de passe Outlook ?",
         "Pourriez-vous réinitialiser mon mot de passe Outlook ?"),
        ("J'ai besoin d'un accès au dossier partagé des ventes.", "J'ai besoin d'un accès au dossier partagé des ventes."),
        ("Buenos días. ¿Podría desbloquear mi cuenta de correo, por favor?",
         "¿Podría desbloquear mi cuenta de correo, por favor?"),
        ("Necesito una licencia de Adobe Acrobat para el equipo.", "Necesito una licencia de Adobe Acrobat para el equipo."),
        ("For the yearly stock audit that logistics runs with the warehouse leads every spring "
         "I need read access to the inventory ledger tables so I can match the counts by site and "
         "by supplier before the auditors arrive on the first of the month",
         "logistics runs with the warehouse leads every spring I need read access to the "
         "inventory ledger tables so I can match the counts by site and by supplier before the "
         "auditors arrive"),
    ],
    ids=["could-you", "i-need", "i-d-like", "please-after-courtesy", "can-i-get", "kindly",
         "needs-access", "de-koennten-sie", "de-ich-brauche", "fr-pourriez-vous", "fr-j-ai-besoin",
         "es-podria", "es-necesito", "long-sentence-clipped"],
)  # fmt: skip
def test_finds_the_first_request(body: str, ask: str) -> None:
    """The first sentence with a request marker is the ask; a long one is cut around it."""
    assert ask_sentence(body) == ask


@pytest.mark.parametrize(
    "body",
    [
        "",
        "The build fails on main since yesterday with a timeout in the integration tests.",
        "Please note the office is closed on Friday. Please find the report attached.",
        "Are you requesting:",
        "Steps to reproduce\n1. Open the page\n2. Click save\nExpected behaviour\nIt saves.",
    ],
    ids=["empty", "statement", "courtesies-only", "form-question", "bug-template"],
)
def test_no_request_no_ask(body: str) -> None:
    """A body without a request (or only courtesies and form questions) has no ask sentence."""
    assert ask_sentence(body) == ""


def test_only_the_opening_is_searched() -> None:
    """The first request comes early: a request after the first sentences is not the ask."""
    filler = "".join(f"Line {n} of the log says nothing new.\n" for n in range(20))

    assert ask_sentence(filler + "Could you reset my password?") == ""
    assert ask_sentence("Could you reset my password?\n" + filler) == "Could you reset my password?"
