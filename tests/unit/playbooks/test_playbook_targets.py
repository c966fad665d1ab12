"""Whose account a ticket is about: named people found in the directory, never the requester by fallback."""

from __future__ import annotations

import pytest

from connectors.identity import DirectoryUser
from playbooks.config import PERSON_FIELDS
from playbooks.people import Found, PeopleIndex, Unclear
from playbooks.targets import TargetClues, find_target, own_message, text_fields


def person(login: str, display: str, *, manager: str | None = None) -> DirectoryUser:
    given, _, family = display.partition(" ")
    return DirectoryUser(
        id=f"id-{login}",
        login=login,
        email=f"{login}@example.com",
        display_name=display,
        given_name=given,
        family_name=family,
        manager_id=f"id-{manager}" if manager else None,
    )


PEOPLE = PeopleIndex.of(
    [
        person("garethp", "Gareth Pryce"),
        person("benw", "Ben Whitfield", manager="garethp"),
        person("yasmine", "Yasmin El-Amin", manager="garethp"),
        person("chloed", "Chloé Dubois", manager="etiennem"),
        person("etiennem", "Étienne Marchand"),
        person("freyah", "Freya Holm", manager="sofial"),
        person("sofial", "Sofia Lindqvist"),
        person("tomasi", "Tomás Ibarra"),
        DirectoryUser(
            id="id-t0-tomasi",
            login="t0-tomasi",
            display_name="Tomás Ibarra (Tier 0)",
            given_name="Tomás",
            family_name="Ibarra",
        ),
        person("alexs", "Alex Smith"),
        person("asmith", "Alex Smith"),
        person("alexj", "Alex Smyth"),
    ]
)
GARETH = PEOPLE.by_login("garethp")
CHLOE = PEOPLE.by_login("chloed")
ROSA = person("rosad", "Rosa Delgado")

CASES = [
    # id, requester, fields, subject + body, classifier (login, email, name), expected login / "ask" / None
    (
        "jsm-participants-only-watch",
        GARETH,
        {"Request participants": "Ben Whitfield"},
        "VPN\nI need remote access",
        (None, None, None),
        None,
    ),
    (
        "jsm-on-behalf-of-field",
        GARETH,
        {
            "Raise this request on behalf of": "Ben Whitfield",
            "Request participants": "Gareth Pryce",
        },
        "VPN\nremote access please",
        (None, None, None),
        "benw",
    ),
    (
        "form-person-field",
        GARETH,
        {"Who is locked out?": "Ben Whitfield"},
        "Locked\nBen is locked",
        (None, None, None),
        "benw",
    ),
    (
        "field-by-its-key",
        GARETH,
        {"who_is_locked_out": "Ben Whitfield"},
        "Locked\nBen is locked",
        (None, None, None),
        "benw",
    ),
    (
        "servicenow-requested-for",
        GARETH,
        {"Requested for": "Keiko Nobody"},
        "Access\nplease",
        (None, None, None),
        "ask",
    ),
    (
        "jsm-on-behalf",
        GARETH,
        {"Raise this request on behalf of": "yasmine@example.com"},
        "x\ny",
        (None, None, None),
        "yasmine",
    ),
    ("field-me", GARETH, {"User": "me"}, "x\ny", (None, None, None), "garethp"),
    (
        "field-my-manager",
        CHLOE,
        {"User": "my line manager"},
        "x\ny",
        (None, None, None),
        "etiennem",
    ),
    ("accent-free-name", GARETH, {"User": "Chloe Dubois"}, "x\ny", (None, None, None), "chloed"),
    ("ambiguous-name", GARETH, {"User": "Alex Smith"}, "x\ny", (None, None, None), "ask"),
    (
        "email-in-text",
        GARETH,
        {},
        "Unlock\nCan you unlock benw@example.com please?",
        (None, None, None),
        "benw",
    ),
    (
        "unknown-email-asks",
        GARETH,
        {},
        "Unlock\nCan you unlock ben@elsewhere.example please?",
        (None, None, None),
        "ask",
    ),
    (
        "login-in-text",
        {"requester": "tomasi"},
        {},
        "t0 locked\nMy tier-0 account t0-tomasi got locked",
        (None, None, None),
        "t0-tomasi",
    ),
    (
        "full-name-in-text",
        ROSA,
        {},
        "Leaver\nFreya Holm has resigned. Her line manager is Sofia Lindqvist.",
        (None, None, None),
        "freyah",
    ),
    (
        "manager-cue-skipped",
        ROSA,
        {},
        "Leaver\nHer manager is Sofia Lindqvist.",
        (None, None, None),
        None,
    ),
    (
        "approver-cue-skipped",
        CHLOE,
        {},
        "Access\nÉtienne Marchand has approved it.",
        (None, None, None),
        None,
    ),
    (
        "given-name-with-cue",
        GARETH,
        {},
        "FW: dashboards\nCan you sort the access below for Yasmin please?",
        (None, None, None),
        "yasmine",
    ),
    (
        "given-name-without-cue",
        GARETH,
        {},
        "Access\nYasmin knows about it.",
        (None, None, None),
        None,
    ),
    (
        "classifier-name-unknown-asks",
        GARETH,
        {},
        "Access\nfor Jane Doe",
        (None, None, "Jane Doe"),
        "ask",
    ),
    (
        "classifier-word-as-login-self",
        GARETH,
        {},
        "Locked\nMy account is currently locked",
        ("currently", None, None),
        None,
    ),
    (
        "classifier-id-like-login-asks",
        GARETH,
        {},
        "Unlock\nplease unlock user jdoe2",
        ("jdoe2", None, None),
        "ask",
    ),
    (
        "classifier-word-login-others",
        GARETH,
        {},
        "Unlock\nplease unlock user jdoe",
        ("jdoe", None, None),
        "ask",
    ),
    (
        "classifier-company-as-name-self",
        GARETH,
        {},
        "Access\nCould I have it for the Ostara Genomics visit?",
        (None, None, "Ostara Genomics"),
        None,
    ),
    (
        "own-requests-nobody",
        CHLOE,
        {},
        "Remote access\nCan you activate remote access for me?",
        (None, None, None),
        None,
    ),
    (
        "quoted-email-ignored",
        GARETH,
        {},
        "FW: dashboards\nSort the access below for Yasmin please?\n\n"
        "From: Sofia Lindqvist <sofial@example.com>\nSent: 03 October 2025\nTo: Gareth\n\nApproved",
        (None, "sofial@example.com", None),
        "yasmine",
    ),
    (
        "possessive-first-name-in-subject",
        {"requester": "benw"},
        {},
        "Please unlock Gareth's account\nHe is travelling and cannot sign in.",
        (None, None, None),
        "garethp",
    ),
    (
        "possessive-full-name-of-my-manager",
        {"requester": "benw"},
        {},
        "Locked out\nMy line manager Gareth Pryce\u2019s account is locked, can you unlock it?",
        (None, None, None),
        "garethp",
    ),
    (
        "subject-line-words-do-not-reach-the-body",
        GARETH,
        {},
        "Ben can't sign in to the CRM\nHi,\n\nBen Whitfield from my team forgot his password. "
        "Can you send him a reset?",
        (None, None, None),
        "benw",
    ),
    (
        "possessive-of-something-else-is-not-the-target",
        {"requester": "benw"},
        {},
        "ELN\nCould I have Benchling so I stop waiting for Freya's weekly export?",
        (None, None, None),
        None,
    ),
    (
        "manager-named-as-approver-is-not-the-target",
        {"requester": "benw"},
        {},
        "Access\nCould I have HubSpot? My manager Gareth Pryce will approve.",
        (None, None, None),
        None,
    ),
    (
        "for-my-manager",
        CHLOE,
        {},
        "Access\nPlease give my manager access to the LIMS",
        (None, None, None),
        "etiennem",
    ),
]


@pytest.mark.parametrize(
    ("requester", "fields", "text", "classifier", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_find_target(
    requester: DirectoryUser | dict[str, str] | None,
    fields: dict[str, str],
    text: str,
    classifier: tuple[str | None, str | None, str | None],
    expected: str | None,
) -> None:
    """The person the ticket names is the target; unknown or ambiguous asks; nobody named → None."""
    who = PEOPLE.by_login(requester["requester"]) if isinstance(requester, dict) else requester
    login, email, name = classifier
    clues = TargetClues(fields=fields, text=text, login=login, email=email, name=name)

    found = find_target(clues, PEOPLE, who, person_fields=PERSON_FIELDS)

    if expected is None:
        assert found is None
    elif expected == "ask":
        assert isinstance(found, Unclear), found
        assert "e-mail" in found.question
    else:
        assert isinstance(found, Found), found
        assert expected == found.user.login


NAMES = [
    ("display-name", "Tomás Ibarra", "tomasi"),
    ("typo-within-threshold", "Tomas Ibara", "tomasi"),
    ("far-off", "Thomas Iberia", None),
    ("namesakes-are-ambiguous", "Alex Smith", None),
    ("exact-beats-close", "Alex Smyth", "alexj"),
]


@pytest.mark.parametrize(("written", "expected"), [c[1:] for c in NAMES], ids=[c[0] for c in NAMES])
def test_names_match_by_score_and_margin(written: str, expected: str | None) -> None:
    """An admin account's display name keeps it apart from its owner; near ties are ambiguous."""
    found = PEOPLE.by_name(written)

    assert (found.user.login if isinstance(found, Found) else None) == expected


def test_ambiguous_question_lists_the_candidates() -> None:
    """The requester is asked which of the close candidates they mean."""
    found = PEOPLE.by_name("Alex Smith")

    assert isinstance(found, Unclear)
    assert {u.login for u in found.candidates} == {"alexs", "asmith"}
    assert "alexs@example.com" in found.question


def test_own_message_drops_the_forwarded_thread() -> None:
    """Quoted mails are context: the requester's own words are the subject and newest message."""
    text = "Subject line\nMy words\n\nFrom: A <a@example.com>\nSent: today\nTo: B\n\nTheir words"

    assert "Subject line\nMy words" == own_message(text)


def test_text_fields_read_an_emailed_form() -> None:
    """``- Label: value`` lines of the requester's message are fields (first one wins)."""
    text = (
        "New starter\nDetails:\n- Name: Théo Garnier\n- Department: Research\n- Start: 13/10/2025\n"
    )

    fields = text_fields(text)

    assert {
        "Name": "Théo Garnier",
        "Department": "Research",
        "Start": "13/10/2025",
    }.items() <= fields.items()
