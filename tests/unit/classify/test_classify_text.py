"""Cleaning ticket text: quoted threads, signatures, HTML, forms, caps, language."""

from __future__ import annotations

import pytest

from intake.classifier.language import detect_language
from intake.classifier.text import CLEAN_CAP, clean_text, decode_bytes


@pytest.mark.parametrize(
    ("body", "kept", "dropped"),
    [
        (
            "Please add me to the finance group.\n\n> On Monday you wrote:\n> old quoted ask",
            "finance group",
            "old quoted ask",
        ),
        (
            "Please unlock my account, I have been locked out since early this morning and cannot work.\n\n"
            "On Mon, 23 Nov 2026 at 09:12, Helpdesk <it@corp.example> wrote:\n"
            "We have received your request about something else entirely and more.",
            "unlock my account",
            "wrote:",
        ),
        (
            "Please reset the VPN password for my colleague, it expired on Friday.\n"
            "-----Original Message-----\nFrom: Bob\nSent: Monday\nPrinter is broken again today",
            "VPN password",
            "Sent: Monday",
        ),
        (
            "Please grant Anna access to the payroll reports in Tableau from Monday.\n\n"
            "From: Anna Kowalska\nSent: 24 November 2026 10:00\nTo: IT\nSubject: laptop\n"
            "My laptop fan is noisy.",
            "payroll reports",
            "Sent: 24 November",
        ),
        (
            "I need a Visual Studio licence.\n--\nJane Doe | Finance | +44 20 7946 0000",
            "Visual Studio licence",
            "+44 20",
        ),
        (
            "Please disable the leaver's account.\nKind regards,\nMark\nHead of Finance",
            "disable the leaver",
            "Head of Finance",
        ),
    ],
    ids=[
        "gt-quoted",
        "on-wrote",
        "original-message",
        "from-sent-header",
        "dash-signature",
        "regards",
    ],
)
def test_clean_text_keeps_the_ask_and_drops_quotes_and_signatures(
    body: str, kept: str, dropped: str
) -> None:
    """The newest message stays; quote markers, mail headers and the sign-off go."""
    text = clean_text("subject", body)

    assert kept in text
    assert dropped not in text


def test_short_follow_up_keeps_the_original_ask_at_the_bottom() -> None:
    """A bare "any update?" on top of a thread is classified by the original request."""
    body = (
        "Any update on this?\n\nOn Tue, 24 Nov 2026, Jane <jane@corp.example> wrote:\n"
        "Please add me to the finance-reports group.\nThanks,\nJane"
    )

    text = clean_text("Re: access", body)

    assert "finance-reports" in text
    assert "Any update" in text


def test_html_is_turned_into_text_without_scripts() -> None:
    """Tags, scripts and entities become plain text with line breaks."""
    body = "<html><head><style>p{}</style></head><body><p>Please&nbsp;unlock</p><script>x()</script><div>my account</div></body></html>"

    text = clean_text("s", body)

    assert text == "s\nPlease unlock\nmy account"


def test_form_lines_keep_their_values() -> None:
    """Forwarded forms are key: value lines; the values carry the ask."""
    body = "Employee name: Peter Parker\nLast day: 12 December\nRequest type: Leaver"

    text = clean_text("Leaver form", body)

    assert "Employee name: Peter Parker" in text
    assert "Request type: Leaver" in text


def test_one_megabyte_body_is_capped() -> None:
    """A huge body is cut after cleaning, so it costs no more than a normal one."""
    text = clean_text("big", "please unlock my account " * 45_000)

    assert len(text) == CLEAN_CAP


def test_control_characters_and_replacement_marks_are_removed() -> None:
    """Binary garbage never reaches the model as control characters."""
    text = clean_text("x\x00y", "a\x01b\ufffd\x7fc")

    assert text == "x y\na b c"


@pytest.mark.parametrize(
    ("data", "expected"),
    [("café".encode(), "café"), ("café".encode("cp1252"), "café"), (b"\xff\xfe\x00", "ÿþ\x00")],
    ids=["utf8", "cp1252", "garbage"],
)
def test_decode_bytes_never_raises(data: bytes, expected: str) -> None:
    """UTF-8 when valid, else Windows-1252."""
    assert expected == decode_bytes(data)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("please reset my password for the VPN, I cannot log in", "en"),
        ("Hallo, ich habe mein Passwort vergessen, bitte setzen Sie es zurück, danke", "de"),
        ("Bonjour, je ne peux pas me connecter, merci de réinitialiser mon mot de passe", "fr"),
        ("Hola, no puedo entrar a mi cuenta, necesito una contraseña nueva para el correo", "es"),
        ("Olá, não consigo entrar, preciso de uma nova senha para o meu e-mail, obrigado", "pt"),
        ("Hallo, ik kan niet inloggen met mijn account, graag een nieuw wachtwoord, bedankt", "nl"),
        (
            "Ciao, non posso accedere, ho bisogno di una nuova password per il mio account, grazie",
            "it",
        ),
        ("vpn", None),
    ],
    ids=["en", "de", "fr", "es", "pt", "nl", "it", "too-short"],
)
def test_detect_language(text: str, language: str | None) -> None:
    """Stop-word ratios tell the common European languages apart."""
    assert language == detect_language(text)
