"""Entity extraction on realistic phrasings, and resolving the target with a directory lookup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.identity import DirectoryUser
from intake.entities import Entities, extract_entities, resolve_target

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday

CASES = [
    (
        "New hire",
        "Please create an account for my new hire Jane Doe, starting Monday. Her manager is Mark Smith.",
        {"target_name": "Jane Doe", "target_is_requester": "false", "manager_text": "Mark Smith",
         "effective_date": "2026-11-30T00:00:00+00:00"},
    ),
    (
        "Access",
        "Hi, please add me to the finance-reports group in Confluance until Friday.",
        {"target_is_requester": "true", "group": "finance-reports", "application": "Confluence",
         "application_text": "Confluance", "until": "2026-11-27T23:59:59+00:00"},
    ),
    (
        "Locked",
        "My colleague is locked out, username: jdoe42",
        {"target_login": "jdoe42", "target_text": "jdoe42"},
    ),
    (
        "Leaver form",
        "Employee name: Peter Parker\nLast day is 12 March\nManager: mary.jane@corp.example",
        {"target_name": "Peter Parker", "manager_text": "mary.jane@corp.example", "target_email": None,
         "until": "2027-03-12T23:59:59+00:00"},
    ),
    (
        "VPN",
        "On behalf of John O'Neil: he needs VPN access for two weeks",
        {"target_name": "John O'Neil", "application": "VPN", "duration_s": "1209600",
         "until": "2026-12-09T10:00:00+00:00"},
    ),
    (
        "",
        "please reset the password for bob.smith@corp.example",
        {"target_email": "bob.smith@corp.example", "target_text": "bob.smith@corp.example"},
    ),
    (
        "Salesforce licence",
        "CORP\\asmith needs a Salesforce licence, role: Sales Manager",
        {"target_login": "asmith", "application": "Salesforce", "group": "Sales Manager"},
    ),
    (
        "Jira admin",
        "Please give Anna Kowalska access to the jira-admins group until 2026-12-31",
        {"target_name": "Anna Kowalska", "application": "Jira", "group": "jira-admins",
         "until": "2026-12-31T23:59:59+00:00"},
    ),
    (
        "Contractor",
        "Admin rights for the contractor until 31/12/2026 please",
        {"until": "2026-12-31T23:59:59+00:00", "target_text": None},
    ),
    (
        "Password",
        "I forgot my password",
        {"target_is_requester": "true", "target_text": None, "application": None},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    CASES,
    ids=["new-hire", "add-me-fuzzy-app", "login", "leaver-form", "on-behalf-duration",
         "email", "domain-login-role", "name-group-iso", "numeric-date", "self"],
)  # fmt: skip
def test_extract_entities(subject: str, body: str, expected: dict[str, str | None]) -> None:
    """Each phrasing yields the target, application, group, dates and manager as written."""
    found = extract_entities(subject, body, now=NOW).as_dict()

    assert expected == {key: found[key] for key in expected}


def test_requester_email_is_not_the_target() -> None:
    """The requester's own address in the body (a signature) is not taken as the target."""
    found = extract_entities(
        "Access", "Please give tom@corp.example access. me@corp.example", now=NOW,
        requester_email="me@corp.example",
    )  # fmt: skip

    assert found.target_email == "tom@corp.example"


def _lookup(users: dict[str, DirectoryUser]):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def lookup(key: str) -> DirectoryUser | None:
        seen.append(key)
        return users.get(key)

    return lookup, seen


JANE = DirectoryUser(id="u1", login="jdoe", email="jane@corp.example", display_name="Jane Doe")
ME = DirectoryUser(id="u2", login="me", email="me@corp.example")


@pytest.mark.parametrize(
    ("entities", "user", "source", "tried"),
    [
        (Entities(target_login="jdoe", target_email="x@corp.example"), JANE, "login", ["jdoe"]),
        (Entities(target_login="nobody", target_email="jane@corp.example"), JANE, "email",
         ["nobody", "jane@corp.example"]),
        (Entities(target_name="Jane Doe"), JANE, "name", ["Jane Doe"]),
        (Entities(target_is_requester=True), ME, "requester", ["me@corp.example"]),
        (Entities(target_name="Someone Else"), None, "none", ["Someone Else"]),
    ],
    ids=["login-first", "email-after-login", "name", "requester", "named-other-never-requester"],
)  # fmt: skip
def test_resolve_target(
    entities: Entities, user: DirectoryUser | None, source: str, tried: list[str]
) -> None:
    """Login, then e-mail, then name; the requester only when nobody else is named."""
    lookup, seen = _lookup({"jdoe": JANE, "jane@corp.example": JANE, "Jane Doe": JANE,
                            "me@corp.example": ME})  # fmt: skip

    resolved = resolve_target(entities, "me@corp.example", lookup)

    assert (user, source, tuple(tried)) == (resolved.user, resolved.source, resolved.tried)
    assert tried == seen


@pytest.mark.parametrize(
    ("subject", "body", "application"),
    [
        ("I am in need of a Bluebeam license", "", "Bluebeam"),
        ("Locked out", "I cannot log in to Knack since Monday, it says my account is locked.", "Knack"),
        ("My PyPI account", "Lost my phone with the authenticator", "PyPI"),
        ("VPN access for Victor Chaparro", "Please create VPN credentials.", "VPN"),
        ("Get VPN access", "", "VPN"),
        ("Requesting a license for Bluebeam Revu for Alyssa R", "", "Bluebeam Revu"),
        ("Unable to access CRM [Asakura]", "", "CRM"),
        ("IT Support: Knack Login Issue - Milad M.", "", "Knack"),
        ("[URGENT] Visio License Request", "", "Visio"),
        ("Cannot access my account", "It says Locked account", None),
    ],
    ids=["licence-for-product", "log-in-to-product", "my-product-account", "person-is-not-an-app",
         "verb-dropped", "licence-for-named-product", "unable-to-access-product", "product-login-issue",
         "tagged-subject", "sentence-words-are-no-products"],
)  # fmt: skip
def test_application_as_written(subject: str, body: str, application: str | None) -> None:
    """An application outside the catalogue is found next to account words, as written."""
    entities = extract_entities(subject, body, now=NOW)

    assert application == entities.application_text


@pytest.mark.parametrize(
    ("subject", "body", "target"),
    [
        ("Repository write access for Fred Eisele", "Please add him.", "Fred Eisele"),
        ("Deactivate Matt S's Accounts", "He left on Friday.", "Matt S"),
        ("Onboard Patrick M.", "Contact: team@example.org", "Patrick M."),
        ("Knack Login Issue - Milad M.", "It fails since Monday.", "Milad M."),
        ("Remove Shakeel from the team", "", "Shakeel"),
        ("Access for the new analyst", "", None),
    ],
    ids=["for-name", "deactivate-name", "onboard-name-over-body-email", "trailing-name",
         "remove-first-name", "no-person"],
)  # fmt: skip
def test_the_subject_names_the_target(subject: str, body: str, target: str | None) -> None:
    """A person the subject names as whom the ask is for is the target as written."""
    assert target == extract_entities(subject, body, now=NOW).target_text


@pytest.mark.parametrize(
    ("subject", "body", "login"),
    [
        ("Rename request", "Please change my username from kim_77 to kimlee.", "kim_77"),
        ("Handle", "Could my forum username OldOwl be renamed to NightOwl?", "OldOwl"),
        ("Rename", "I'm moving my login from @jp-old to @jp-new.", "jp-old"),
        ("Close my profile", "Please remove my data.\nMember number: 804112", "804112"),
        ("User ops2 locked", "", "ops2"),
        ("Help", "The account svc-build is disabled since the update.", "svc-build"),
        ("Grant", "Please grant @rivera-k write access. Her old username is rk_2019.", "rivera-k"),
        ("Locked", "The user account is locked.", None),
    ],
    ids=["rename-from-to", "rename-be-renamed", "rename-mentions", "numeric-member-id",
         "subject-user-locked", "account-is-disabled", "first-login-given-wins",
         "account-word-is-no-login"],
)  # fmt: skip
def test_login_as_written(subject: str, body: str, login: str | None) -> None:
    """A login is the one the ask is about: the current one in a rename, a numeric member id,
    the user a sentence says is locked, and of several cues the first."""
    entities = extract_entities(subject, body, now=NOW)

    assert (login, login) == (entities.target_login, entities.target_text)


@pytest.mark.parametrize(
    ("subject", "body", "target"),
    [
        ("Licence", "Priya Natarajan needs a Miro licence for the workshop.", "Priya Natarajan"),
        ("Locked", "Thanks. Omar Haddad is locked out since this morning.", "Omar Haddad"),
        ("Leaver", "- Lena Vogt has left the company, please close her access.", "Lena Vogt"),
        ("Offboard Tom, Ada,", "Make sure **Tom Becker** and **Ada Lind** lose access.", "Tom Becker"),
        ("Update the ID for Sana (legal)", "", "Sana"),
        ("Onboard Ravi K. 🎉 ✨", "", "Ravi K."),
        ("Reports", "Monthly Report needs a new column.", None),
        ("Onboarding", "Submit the new hire Request Form for the laptop.", None),
    ],
    ids=["name-needs", "name-is-locked", "bullet-name-has-left", "subject-first-name-spelt-fully",
         "first-name-alone-stays", "subject-trailing-emoji", "capitalised-words-are-no-person",
         "form-title-is-no-person"],
)  # fmt: skip
def test_target_name_as_written(subject: str, body: str, target: str | None) -> None:
    """A person the sentence says needs something, or the subject names, spelt as fully as the
    ticket spells them."""
    assert target == extract_entities(subject, body, now=NOW).target_text


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("I sent an email to help@vendor.example yesterday, no reply.", None),
        ("Original issue created by someone@mail.example on 2019-01-01: locked out", None),
        ("Please contact us at desk@corp.example. Reset the password for ana@corp.example", "ana@corp.example"),
        ("Please reset the password for ana@corp.example", "ana@corp.example"),
    ],
    ids=["sent-to-is-a-correspondent", "created-by-is-the-author", "correspondent-skipped-target-kept",
         "plain-target-email"],
)  # fmt: skip
def test_correspondent_email_is_not_the_target(body: str, target: str | None) -> None:
    """An address the text writes to or was written by is not the account the ask is about."""
    assert target == extract_entities("Help", body, now=NOW).target_email


@pytest.mark.parametrize(
    ("subject", "body", "fields", "application"),
    [
        ("Install request", "I would like Adobe Acrobat Pro on my laptop.", (), "Adobe Acrobat Pro"),
        ("Need Adobe Acrobat Pro installed", "", (), "Adobe Acrobat Pro"),
        ("Join the Platform team", "Please add me, I use GitHub daily.", (("Team", "platform"),), None),
        ("Help", "Our notes live in Slack and GitHub, please reset my password.", (), None),
        ("Recovery", "Lost my phone.", (("Crates Username", "kim77"),), "Crates"),
        ("Recovery", "Lost my phone.", (("Your username", "kim77"),), None),
        ("Recovery", "Lost my phone.", (("Preferred username", "kim77"),), None),
        ("Install", "I need to get Drafto software license and setup.", (), "Drafto"),
        ("Access", "", (("Service(s)", "Accounts"),), None),
        ("Access", "", (("Application", "Hello team, I would like to join the org please"),), None),
        ("Access", "", (("Repository", "Release team"),), None),
        ("Access", "", (("Which URL are you trying to login at", "account.example.org/reset"),),
         "account.example.org"),
        ("Create Billing Portal account for Li", "", (), "Billing Portal"),
        ("Request access to the Build Farm group", "", (), None),
    ],
    ids=["single-catalogue-application-in-body", "catalogue-name-with-edition",
         "platform-of-a-group-is-not-named", "catalogue-mentions-are-not-the-ask",
         "product-login-field", "own-login-field-names-no-product",
         "adjective-login-field-names-no-product", "product-software-licence", "category-answer",
         "sentence-answer", "group-answer", "url-host-answer", "leading-verb-dropped",
         "group-is-no-product"],
)  # fmt: skip
def test_application_named_as_the_system_at_issue(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], application: str | None
) -> None:
    """The application as written is one the text names as the system at issue (next to
    account words, in a form's application field, in the subject), not every catalogue word."""
    found = extract_entities(subject, body, now=NOW, fields=fields)

    assert application == found.application_text


def test_a_catalogue_mention_still_names_the_catalogue_application() -> None:
    """The first catalogue match still fills ``application`` (the gate's "names an
    application") when the text mentions several and names none as the one at issue."""
    body = "Our notes live in Slack and Zoom, please reset my password."
    found = extract_entities("Help", body, now=NOW)

    assert (found.application, found.application_text) == ("Slack", None)


@pytest.mark.parametrize(
    ("subject", "body", "fields", "group"),
    [
        ("Access", "Please add Ana to the Platform team.", (), "Platform"),
        ("Access", "Ana joins the Release Working Group next week, please add her.", (),
         "Release Working Group"),
        ("Access", "Please add her to the data-eng-2 org.", (), "data-eng-2"),
        ("Access", "Please add me to the Billing reviewers role.", (), "Billing reviewers"),
        ("Access", "My manager asked to add me since she uses Ledger reviewers group.", (),
         "Ledger reviewers"),
        ("Access", "We only use the team calendar.", (), None),
        ("Access", "Please add her; our GitHub team handles reviews.", (), None),
        ("Access", "Hello Support Team, I need a password reset.", (), None),
        ("Access", "Please add me to the team. The team lead approved.", (), None),
        ("Access", "Please add me to Noor's team.", (), None),
        ("Join", "", (("Org", "acme"), ("Team to join", "docs-writers")), "docs-writers"),
        ("Join", "", (("Organization you are requesting membership in", "e.g. @acme-labs"),),
         "@acme-labs"),
        ("Join", "", (("Billing Organization name", "acme-labs"),), "acme-labs"),
        ("Join", "", (("Repository", "Release team"), ("Permission level", "Write")), "Release team"),
    ],
    ids=["lowercase-kind-after-name", "capitalised-kind-is-part-of-the-name", "slug-org",
         "lowercase-word-inside-a-name", "prose-before-a-name-is-trimmed",
         "prose-word-is-no-group", "platform-is-no-group", "greeting-is-no-group",
         "team-member-is-no-group", "possessive-is-whose-team", "team-ahead-of-org", "template-example-answer",
         "organisation-name-field", "team-answer-not-permission"],
)  # fmt: skip
def test_group_as_written(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], group: str | None
) -> None:
    """A group, team, org or role as written: a name next to its kind word, or a form's team or
    org field (the team ahead of its org); prose words, platforms and greetings are none."""
    assert group == extract_entities(subject, body, now=NOW, fields=fields).group


@pytest.mark.parametrize(
    ("subject", "fields", "target"),
    [
        ("Onboarding", (("Given name", "Noor"), ("Family name", "Haddad")), "Noor Haddad"),
        ("Onboarding", (("First name", "Noor"), ("Surname", "Haddad"), ("Name", "Ana Ruiz")),
         "Ana Ruiz"),
        ("Onboarding", (("First name", "Noor"),), None),
        ("New joiner - Kofi Mensah, Lab Technician, 3 Nov", (), "Kofi Mensah"),
        ("Leaver \u2013 Ines Duarte", (), "Ines Duarte"),
    ],
    ids=["first-and-last-name-fields", "a-full-name-field-first", "first-name-field-alone",
         "starter-dash-name-title", "leaver-en-dash-name"],
)  # fmt: skip
def test_target_from_split_name_fields_and_dashes(
    subject: str, fields: tuple[tuple[str, str], ...], target: str | None
) -> None:
    """A form asking for the first and the last name apart names the person by both; "New
    joiner - Name" names the person after a dash as after a colon."""
    assert target == extract_entities(subject, "", now=NOW, fields=fields).target_text


@pytest.mark.parametrize(
    ("subject", "body", "fields", "application"),
    [
        ("Seats", "Our lab needs 4 Miro licences for the interns.", (), "Miro"),
        ("Licence", "I would like my Archi/CAD licence moved to a new laptop.", (), "Archi/CAD"),
        ("Free Rider licences", "", (), "Rider"),
        ("Join", "I'd like to create an Orbit Tracker account for the survey.", (), "Orbit Tracker"),
        ("Signup", "Please help me create my account in Grafana.", (), "Grafana"),
        ("Suspended", "When signing in at pkg.example.org it says my account is suspended.", (),
         "pkg.example.org"),
        ("[wiki.example.org] Cannot reach my profile", "", (), "wiki.example.org"),
        ("Lost phone", "Since the reset I am locked out of my hotmail.", (), "hotmail"),
        ("2FA", "Please help, I forgot my protonmail password.", (), "protonmail"),
        ("Help", "I am locked out of my account.", (), None),
        ("Help", "Please reset my registered username.", (), None),
        ("Rename", "Is it possible to change my work email?", (), None),
        ("Access", "Please give her the Ops Reviewers Group access.", (), None),
        ("Recovery", "Lost my phone.", (("Lost account", "https://example.org/u/kim"),), None),
    ],
    ids=["count-before-product", "slash-in-product", "adjective-before-product",
         "create-product-account", "account-in-product", "signing-in-at-host",
         "host-tag-in-subject", "locked-out-of-lowercase-product", "my-lowercase-product-password",
         "locked-out-of-my-account-is-no-product", "adjective-is-no-product",
         "generic-noun-is-no-product", "group-named-with-access-is-no-product",
         "lost-account-field-names-no-product"],
)  # fmt: skip
def test_application_in_account_sentences(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], application: str | None
) -> None:
    """A product named in a sentence about its account, licence or sign-in, as written: with a
    count or an adjective before it, a host, a lowercase name after the strongest cues; generic
    nouns, adjectives of the account and groups are no products."""
    assert application == extract_entities(subject, body, now=NOW, fields=fields).application_text


@pytest.mark.parametrize(
    ("subject", "body", "application"),
    [
        ("Hello, for the new audit process I was told I need to install Adobe...",
         "Hello, for the new audit process I was told I need to install Adobe Acrobat Pro today.",
         "Adobe Acrobat Pro"),
        ("Please install Adobe", "The Adobe Acrobat Pro trial expired.", "Adobe"),
        ("Repository write access for Ana", "See https://github.com/acme/tools/issues/4.", None),
        ("Handbook", "Our notes: wiki.example.org/github-howto and ana@github.example.", None),
    ],
    ids=["subject-cut-short-spelt-fully-in-body", "whole-subject-keeps-its-spelling",
         "catalogue-name-in-a-link-is-no-mention", "catalogue-name-in-an-address-is-no-mention"],
)  # fmt: skip
def test_application_spelling_and_links(subject: str, body: str, application: str | None) -> None:
    """A subject the desk cut short is spelt as fully as the body spells it; a catalogue name
    inside a link or an address is not the system the ticket names."""
    assert application == extract_entities(subject, body, now=NOW).application_text


@pytest.mark.parametrize(
    ("subject", "body", "fields", "group"),
    [
        ("Cleanup", "Please remove kim-o from the acme and acme-labs organization.", (),
         "acme and acme-labs organization"),
        ("Cleanup", "Please remove Kim from the Acme & AcmeLabs organizations.", (),
         "Acme & AcmeLabs organizations"),
        ("Write access for docs-core teams", "", (), "docs-core teams"),
        ("Access", "Please add me to billing team.", (), "billing"),
        ("Recovery", "First, thank you to the Crates team for your work. I lost my phone.", (),
         None),
        ("Remove Ana from the team", "Now that Ana has left please remove her.", (), None),
        ("Access", "Please add her to our workspace, a request from the associated team members.",
         (), None),
        ("Login", "I can't log in at forum.example.org since Monday.", (), None),
        ("Access", "", (("Repository", "acme/tools"), ("Permission level", "Maintain")), "Maintain"),
        ("Add me to release team", "", (("Permission level", "Write"),), "release"),
        ("Access", "The user has no role assigned. This began on Monday.", (), None),
        ("Onboarding", "Ask Kim for an invitation to the team Slack.", (), None),
    ],
    ids=["two-orgs-joined-by-and", "plural-kind-after-two-names", "plural-kind-after-a-slug",
         "lowercase-name-after-to", "thanked-team-is-no-group", "kind-word-ends-the-line",
         "team-members-are-people", "org-of-a-host-is-no-group", "permission-level-is-the-role",
         "a-named-team-ahead-of-the-level", "a-name-ends-with-its-sentence",
         "platform-after-the-kind-is-no-group"],
)  # fmt: skip
def test_group_lists_levels_and_non_groups(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], group: str | None
) -> None:
    """Several groups written as one phrase keep their kind word; a lowercase name after "to" is
    a name; a thanked team, team members, a host's ".org" and a kind word at a line's end name no
    group; a form's permission level is the role when nothing names a group."""
    assert group == extract_entities(subject, body, now=NOW, fields=fields).group


@pytest.mark.parametrize(
    ("subject", "fields", "application"),
    [
        ("Figma deactivation request", (("Name", "Ana Ruiz"), ("Team", "Billing Ops")), "Figma"),
        ("Request GitHub org membership", (("Team", "docs"),), None),
        ("Write access for docs-core teams", (), None),
    ],
    ids=["person-team-field-keeps-subject-app", "membership-subject-names-the-platform",
         "lowercase-teams-is-a-kind-word"],
)  # fmt: skip
def test_subject_application_beside_groups(
    subject: str, fields: tuple[tuple[str, str], ...], application: str | None
) -> None:
    """A catalogue name in the subject is the application unless the subject is about joining a
    group or org (the platform that holds it) or the word is a group's kind ("teams")."""
    assert application == extract_entities(subject, "", now=NOW, fields=fields).application_text


@pytest.mark.parametrize(
    ("subject", "body", "fields", "application"),
    [
        ("Help me create a login in Grafana", "", (("Which URL", "auth.example.org/reset"),),
         "Grafana"),
        ("Cannot sign up for mastodon", "", (), "mastodon"),
        ("Not able to create an account for gitea", "", (), "gitea"),
        ("Locked out of forum", "", (), "forum"),
        ("Help", "Since Monday I cannot access removed files.", (), None),
        ("[chore] Figma File Cleanup", "", (), "Figma"),
        ("Offboard Ana", "- no access to Zendesk\n- no access to Trello\n- no access to Miro", (),
         None),
        ("Access", "", (("Repositories", "https://git.example.org/orgs/acme/teams/docs"),), None),
    ],
    ids=["login-in-product-over-url-field", "sign-up-for-lowercase-product",
         "create-an-account-for-lowercase-product", "locked-out-of-bare-product",
         "access-without-determiner-is-prose", "title-case-chore-is-no-edition",
         "checklist-of-systems-names-none", "team-page-is-no-application"],
)  # fmt: skip
def test_application_sign_up_checklists_and_team_pages(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], application: str | None
) -> None:
    """An account "in" or "for" a product, a sign-up, a lockout name the product; a checklist of
    three or more systems names none, nor does a team's page in a repository field."""
    assert application == extract_entities(subject, body, now=NOW, fields=fields).application_text


@pytest.mark.parametrize(
    ("subject", "body", "application"),
    [
        ("Add/Remove Billing Admin Access: Docs", "", None),
        ("Wrong email in auth.example.org", "I am trying to restore my access to files.example.org",
         "auth.example.org"),
        ("Reset for ana@corp.example.org", "", None),
        ("Grant access to the `ledger` repo for the Core team", "", "ledger"),
        ("Deactivate Ana's accounts", "Data Tracker\nGithub Team\n1Password", None),
        ("Licence", "licence professional tableau", "tableau"),
        ("Badge", "please help, I cannot access the floor", None),
    ],
    ids=["admin-access-is-a-role", "host-in-subject-ahead-of-body", "address-is-no-host",
         "repository-named-after-access-to", "checklist-line-names-no-system",
         "short-body-line-is-no-checklist", "a-place-is-no-application"],
)  # fmt: skip
def test_application_roles_hosts_and_repositories(
    subject: str, body: str, application: str | None
) -> None:
    """ "X Admin access" asks for a role; a host the subject names is the service; a quoted
    repository after "access to the" is the system at issue."""
    assert application == extract_entities(subject, body, now=NOW).application_text


@pytest.mark.parametrize(
    ("subject", "body", "fields", "target"),
    [
        ("Seat release", "Please deactivate kim.lee@corp.example from Miro, she has left.",
         (("Name", "Kim Lee"),), "kim.lee@corp.example"),
        ("Adding Kim Lee to Slack", "Please add kim@corp.example as a full member.", (), "Kim Lee"),
        ("Access", "Contact: kim@corp.example", (("Name", "Kim Lee"),), "Kim Lee"),
    ],
    ids=["address-the-ask-acts-on-over-name-field", "person-in-subject-first",
         "address-in-passing-leaves-the-name-field"],
)  # fmt: skip
def test_target_address_the_ask_acts_on(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], target: str
) -> None:
    """An e-mail right after an account verb ("deactivate kim@…") is the target as written, ahead
    of a form's name field; a person the subject names still comes first."""
    assert target == extract_entities(subject, body, now=NOW, fields=fields).target_text


@pytest.mark.parametrize(
    ("subject", "body", "fields", "target"),
    [
        ("Onboarding for Priya", "Welcome aboard!\nPriya K", (), "Priya K"),
        ("Seats", "These staff need Miro seats: Omar T, Lena V and Joao P.", (), "Omar T"),
        ("Access", "Please give them access:\n- Ines R.\n- Tomas B.", (), "Ines R."),
        ("Printer", "The printer jams.\nThanks,\nKim L.", (), None),
        ("Locked", "The system says account is locked out.", (("Requested By", "Noor A."),),
         "Noor A."),
        ("Locked", "Omar Haddad is locked out.", (("Requested By", "Noor A."),), "Omar Haddad"),
    ],
    ids=["first-name-spelt-with-a-bare-initial", "list-of-initialled-names-in-a-sentence",
         "bullet-list-of-initialled-names", "a-single-initialled-sign-off-is-no-list",
         "ownerless-lockout-is-the-requesters", "a-named-person-before-the-requester"],
)  # fmt: skip
def test_target_initialled_names_and_the_requesters_own_lockout(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], target: str | None
) -> None:
    """People written "First L" (with or without the point) are spelt so, the first of a list
    is the target; an account said to be locked with no owner named is the requester's."""
    assert target == extract_entities(subject, body, now=NOW, fields=fields).target_text


@pytest.mark.parametrize(
    ("subject", "body", "application"),
    [
        ("Need access/user account to Field Ops app", "", "Field Ops app"),
        ("Revoke Billing console access", "", "Billing console"),
        ("Access request", "Please approve my access to the Northwind Supplier Data Portal.", "Northwind Supplier Data Portal"),
        ("Add Noor to ACME Slack", "", "ACME Slack"),
        ("Premium Video Meeting Zoom licence", "", "Zoom"),
        ("Acme Jira account", "", "Acme Jira"),
        ("Fieldbook: nobody on my crew can log in", "Since the update Fieldbook rejects our passwords.", "Fieldbook"),
        ("[Fieldbook] crew cannot sign in", "[Fieldbook] crew cannot sign in\nSince Monday the login page rejects passwords.", None),
        ("Question: how do I reset my password", "Question about my password", None),
    ],
    ids=["kind-of-system-after-access-slash-account", "kind-of-system-before-access",
         "four-word-product", "acronym-before-catalogue-name", "describing-words-before-catalogue-name",
         "one-word-before-catalogue-name-stays", "subject-tag-named-again", "subject-tag-named-once",
         "topic-tag-is-no-product"],
)  # fmt: skip
def test_application_kinds_prefixes_and_subject_tags(
    subject: str, body: str, application: str | None
) -> None:
    """The kind of system ("app", "console", "portal") belongs to its name; an acronym before a
    catalogue name is whose workspace it is, title-case words before it only describe it; a
    subject filed under a product the ticket names again names the application."""
    assert application == extract_entities(subject, body, now=NOW).application_text


@pytest.mark.parametrize(
    ("body", "fields", "group"),
    [
        ("I am with the Survey team and need the Planning Reviewers group.", (),
         "Planning Reviewers"),
        ("We work in the Survey team. Please add me to the Planning Reviewers group.", (),
         "Planning Reviewers"),
        ("I would like access for the Platform team.", (), "Platform"),
        ("Please remove inactive people from the Acme GitHub organizations.", (),
         "Acme GitHub organizations"),
        ("Figma supports learning groups with free seats.", (), None),
        ("Remove her from the docs-team Google Group.", (), None),
        ("", (("Organization or Repo", "acme-labs"),), "acme-labs"),
    ],
    ids=["requesters-own-team-skipped", "requesters-own-team-in-an-earlier-sentence",
         "team-asked-for-is-kept", "platform-inside-a-named-org", "prose-before-a-kind-is-no-name",
         "kind-word-inside-a-slug", "organization-or-repo-field"],
)  # fmt: skip
def test_group_own_team_platform_names_and_prose(
    body: str, fields: tuple[tuple[str, str], ...], group: str | None
) -> None:
    """The requester's own team is who asks, not the group asked for; a platform inside a named
    org's name stays; prose and a slug's "-team" name no group."""
    assert group == extract_entities("Access", body, now=NOW, fields=fields).group


@pytest.mark.parametrize(
    ("subject", "body", "fields", "expected"),
    [
        ("Rename account / change username", "Could I pick another name?", (),
         {"application_text": None}),
        ("Unlock user account", "There is no unlock button for admins.", (),
         {"application_text": None}),
        ("Disable Slack Bot Service Accounts", "", (), {"target_text": None}),
        ("Editor Access: Field Notes", "Please add Kim Lee.", (), {"group": "Field Notes"}),
        ("Add PM Admin Access: [Data Desk]", "", (), {"group": "Data Desk"}),
        ("Owner Access: Jira", "", (), {"group": None}),
        ("New user", "", (("Group Name", "Other"), ("Group Name (Other)", "Vega Lab")),
         {"group": "Vega Lab"}),
        ("Locked", "I tried to reset the password for (OPS2 ) but no mail came.", (),
         {"target_text": "OPS2"}),
        ("Locked", "Please reset the password for 'kimlee' today.", (), {"target_text": "kimlee"}),
    ],
    ids=["rename-is-no-product", "unlock-is-no-product", "catalogue-product-is-no-person",
         "role-access-names-the-group", "role-access-bracketed-group",
         "role-access-to-a-catalogue-system-is-no-group", "other-choice-spelt-in-its-own-field",
         "bracketed-account-after-password-for", "quoted-account-after-password-for"],
)  # fmt: skip
def test_account_verbs_role_access_and_set_apart_logins(
    subject: str, body: str, fields: tuple[tuple[str, str], ...], expected: dict[str, str | None]
) -> None:
    """An account verb opening a subject is no product and a catalogue product no person; a role's
    access "to" a name after a colon is that group's; a dropdown's "Other" spelt in its own field
    is the answer; an account set apart in brackets or quotes after "password for" is a login."""
    entities = extract_entities(subject, body, now=NOW, fields=fields).as_dict()
    assert {k: entities[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("subject", "body", "application"),
    [
        ("RE: password reset", "you're right, I still can't log in", None),
        ("Jane Doe: locked out", "Jane Doe needs her account unlocked.", None),
        ("URGENT Slack access for the intern", "", "Slack"),
    ],
    ids=["reply-prefix-is-no-tag", "person-tag-is-the-target", "shouted-word-is-no-acronym"],
)  # fmt: skip
def test_subject_tags_that_name_no_product(
    subject: str, body: str, application: str | None
) -> None:
    """A reply prefix, a person the ticket is about and a shouted word before a catalogue name
    are no product's name."""
    assert application == extract_entities(subject, body, now=NOW).application_text
