"""Reading tickets as people write them: issue forms, key/value lines, checklists, quotes."""

from __future__ import annotations

import pytest

from intake.classifier.cues import has_cue
from intake.classifier.features import extract_features
from intake.classifier.formfields import (
    application_from_fields,
    group_from_fields,
    target_from_fields,
)
from intake.classifier.forms import read_form
from intake.classifier.lookalike import lookalike_topic
from intake.classifier.text import read_ticket

ISSUE_FORM = (
    "### PyPI Username\n\n`jdoe42`\n\n### Reason for request\n\nLost my phone with the 2FA app."
    "\n\n### Code of Conduct\n\n- [X] I agree to follow the PSF Code of Conduct\n"
)
QUESTION_FORM = (
    "> What application are you using?\n\nAMANDA\n\n> Describe the problem.\n\n"
    "My login should show my new surname.\n\n> How soon do you need this?\n\n"
    "Soon — Within a week\n\n> Requested By\nTrisha S.\n\nRequest ID: DTS24-114435"
)
CHOICE_FORM = (
    "Are you requesting to:\n- [ ] Invite a user\n- [x] Remove a user\n\n"
    "* GitHub ID: @dimak1\n* GitHub Org: BCDevOps\n"
)
QUOTED_ANSWERS = "- name:\n  > Bryan Nice\n- expected last day: _(MM/DD/YYYY)_\n  > 05/01/2023\n"
DOCS_TRAILER = (
    "The button to manage licences is gone.\n\n---\n#### Document Details\n\n"
    "⚠ *Do not edit this section.*\n* ID: f3c236da\n"
)


@pytest.mark.parametrize(
    ("body", "kept", "dropped"),
    [
        (ISSUE_FORM, ["Lost my phone with the 2FA app.", "jdoe42"], ["Code of Conduct", "I agree"]),
        (QUESTION_FORM, ["My login should show my new surname.", "AMANDA"],
         ["Within a week", "DTS24", "Trisha"]),
        (CHOICE_FORM, ["Remove a user", "GitHub ID: @dimak1"], ["Invite a user"]),
        (QUOTED_ANSWERS, ["Bryan Nice", "05/01/2023"], ["MM/DD"]),
        (DOCS_TRAILER, ["manage licences"], ["f3c236da", "Do not edit"]),
        ("Per @alice:\n\n> We are taking over the Adobe licences, send people to ServiceNow.",
         ["Adobe licences"], []),
    ],
    ids=["issue-form", "question-form", "choice-list", "quoted-answers", "docs-trailer",
         "quote-kept-when-alone"],
)  # fmt: skip
def test_read_form_keeps_answers_and_drops_boilerplate(
    body: str, kept: list[str], dropped: list[str]
) -> None:
    """Answers stay, acknowledgements, unticked options and template text go."""
    text = read_form(body).text

    assert [k for k in kept if k not in text] == []
    assert [d for d in dropped if d in text] == []


def test_free_text_answers_come_first() -> None:
    """The requester's own words (the reason) open the text, before the other fields."""
    text = read_form(ISSUE_FORM).text

    assert text.startswith("Lost my phone with the 2FA app.")


def test_thread_reads_the_original_request_at_the_bottom() -> None:
    """In a newest-first thread the original request is read too."""
    body = (
        "Done, access removed.\n\nFrom: Gurvinder\nSent: 01 September 2021 17:31\nTo: Helpdesk\n"
        "Subject: EPC access\n\nPlease block Amit's access to the EPC Marketing folder."
    )

    text = read_ticket("RE: EPC access", body).text

    assert "block Amit's access" in text
    assert "Done, access removed." in text


@pytest.mark.parametrize(
    ("body", "target", "application", "group"),
    [
        (ISSUE_FORM, "jdoe42", None, None),
        (QUESTION_FORM, None, "AMANDA", None),
        (CHOICE_FORM, "@dimak1", None, "BCDevOps"),
        ("### Service(s)\n\nci.jenkins.io, LDAP\n\n### jenkins.io account username\n\njeremym",
         "jeremym", "ci.jenkins.io", None),
        ("### Which URL are you trying to login at?\n\naccount.jenkins.io/passwordReset",
         None, "account.jenkins.io", None),
        ("Name of PM requesting changes (your name): Karen C\n#### People you are adding\n"
         "- Name: Nooria Ali\n", "Nooria Ali", None, None),
    ],
    ids=["login-field", "requested-by-and-app", "github-id-and-org", "service-list",
         "url-host", "requester-field-skipped"],
)  # fmt: skip
def test_entities_from_form_fields(
    body: str, target: str | None, application: str | None, group: str | None
) -> None:
    """Login, e-mail and name fields name the target; app and group fields name the rest."""
    fields = read_ticket("subject", body).fields

    found = (target_from_fields(fields), application_from_fields(fields), group_from_fields(fields))
    assert (target, application, group) == found


def test_requester_field_names_the_target_only_when_asked() -> None:
    """ "Requested By" is the requester: the target only when the ask is about their own account."""
    fields = read_ticket("subject", QUESTION_FORM).fields

    assert target_from_fields(fields, include_requester=True) == "Trisha S."


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I need a new docking station and two monitors", "device"),
        ("The VPN keeps dropping every ten minutes", "connectivity"),
        ("Please open port 8443 on the firewall for the build server", "network_route"),
        ("Please change the project manager of project code P-1234 to Anna", "project_role"),
        ("My badge no longer opens the 3rd floor door", "badge"),
        ("Need access to the printer on floor 2", "printer"),
        ("Please create a distribution list for the board members", "create_group"),
        ("Please add me to the finance-reports group", None),
        ("My laptop kept trying the old password and now my account is locked", None),
        ("What is the new guest Wi-Fi password for the boardroom?", "connectivity"),
        ("the wifi password for the warehouse (WH-Staff) was changed", "connectivity"),
        ("Could you send me the password for the visitor wifi", "connectivity"),
        ("My password expired and I need it reset before the audit", None),
    ],
    ids=[
        "device",
        "vpn-connectivity",
        "network-route",
        "project-role",
        "badge",
        "printer",
        "create-list",
        "group-membership-is-an-ask",
        "laptop-mentioned-in-passing",
        "guest-wifi-password",
        "network-key-changed",
        "password-for-the-wifi",
        "own-password-is-an-ask",
    ],
)
def test_lookalike_topics(text: str, topic: str | None) -> None:
    """Topics that read like account asks but are not are named; real asks are not."""
    assert topic == lookalike_topic(text)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Bitte Passwort zurücksetzen, mein Konto ist gesperrt", {"password", "reset", "locked"}),
        ("Mon compte est bloqué, je ne peux pas me connecter", {"account", "locked", "login"}),
        ("Necesito restablecer mi contraseña", {"reset", "password"}),
    ],
    ids=["german", "french", "spanish"],
)
def test_common_foreign_words_are_glossed(text: str, english: set[str]) -> None:
    """German, French and Spanish account words also count as their English word."""
    words = {f[2:] for f in extract_features("", text) if f.startswith("w:")}

    assert english <= words


@pytest.mark.parametrize(
    ("intent", "text", "found"),
    [
        ("account_unlock", "My account is locked since this morning", True),
        ("account_unlock", "Please help, cannot work today", False),
        ("license_request", "I need a Bluebeam seat for the project", True),
        ("mfa_reset", "Lost my phone with the authenticator app", True),
        ("mfa_reset", "Please help with my account", False),
        ("not_account", "anything at all", True),
    ],
    ids=["unlock-cue", "unlock-no-cue", "licence-seat", "mfa-cue", "mfa-no-cue", "no-cue-intent"],
)
def test_intent_cue_words(intent: str, text: str, found: bool) -> None:
    """An intent runs alone only when the text says what it would do."""
    assert found == has_cue(intent, text)
