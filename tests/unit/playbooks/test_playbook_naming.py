"""Login and e-mail naming templates, collisions, and role templates with wildcards."""

from __future__ import annotations

import pytest

from playbooks.config import NamingSettings, PolicySettings, RoleTemplate
from playbooks.naming import NamingError, check_template, derive_name, name_part

NAME_PARTS = [
    ("accents", "Théo", "theo"),
    ("hyphen", "El-Amin", "elamin"),
    ("apostrophe", "O'Brien", "obrien"),
    ("space", "van Dam", "vandam"),
    ("caron", "Kovač", "kovac"),
    ("sharp-s", "Strauß", "strauss"),
    ("stroke", "Søndergaard", "sondergaard"),
]


@pytest.mark.parametrize(
    ("written", "expected"), [c[1:] for c in NAME_PARTS], ids=[c[0] for c in NAME_PARTS]
)
def test_name_part_is_lowercase_ascii_without_separators(written: str, expected: str) -> None:
    """A name goes into a login folded to ASCII, lowercase, without spaces, hyphens, apostrophes."""
    assert expected == name_part(written)


DERIVED = [
    # id, given, family, login template, email template, taken logins, expected login, email
    ("first-dot-last", "Jane", "Doe", "{first}.{last}", None, set(), "jane.doe", None),
    (
        "first-initial",
        "Amara",
        "Nwosu",
        "{first}{last[0]}",
        "{first[0]}.{last}@n.example",
        set(),
        "amaran",
        "a.nwosu@n.example",
    ),
    (
        "accented",
        "Théo",
        "Garnier",
        "{first}{last[0]}",
        "{first[0]}.{last}@n.example",
        set(),
        "theog",
        "t.garnier@n.example",
    ),
    (
        "hyphenated",
        "Yasmin",
        "El-Amin",
        "{first}{last[0]}",
        "{first[0]}.{last}@n.example",
        set(),
        "yasmine",
        "y.elamin@n.example",
    ),
    (
        "taken-once",
        "Jane",
        "Doe",
        "{first}.{last}",
        "{first}.{last}@x.example",
        {"jane.doe"},
        "jane.doe2",
        "jane.doe2@x.example",
    ),
    (
        "taken-twice",
        "Jane",
        "Doe",
        "{first}.{last}",
        None,
        {"jane.doe", "jane.doe2"},
        "jane.doe3",
        None,
    ),
    (
        "email-taken",
        "Jane",
        "Doe",
        "{first}.{last}",
        "{first}.{last}@x.example",
        {"jane.doe@x.example"},
        "jane.doe2",
        "jane.doe2@x.example",
    ),
    ("index-past-end", "Li", "X", "{first}{last[1]}", None, set(), "li", None),
]


@pytest.mark.parametrize(
    ("given", "family", "login_t", "email_t", "taken", "login", "email"),
    [c[1:] for c in DERIVED],
    ids=[c[0] for c in DERIVED],
)
def test_derive_name_numbers_collisions(
    given: str,
    family: str,
    login_t: str,
    email_t: str | None,
    taken: set[str],
    login: str,
    email: str | None,
) -> None:
    """The template's name when free, then the collision rule numbered from 2."""
    derived = derive_name(
        given,
        family,
        login_template=login_t,
        email_template=email_t,
        taken=lambda lg, em: lg in taken or (em is not None and em in taken),
    )

    assert (login, email) == (derived.login, derived.email)


def test_no_free_name_is_an_error() -> None:
    """After ``max_tries`` taken candidates the planner escalates instead of looping."""
    with pytest.raises(NamingError, match="no free login after 3"):
        derive_name(
            "Jane",
            "Doe",
            login_template="{first}",
            email_template=None,
            taken=lambda _lg, _em: True,
            max_tries=3,
        )


BAD_TEMPLATES = [
    ("unknown-field", "{surname}"),
    ("attribute", "{first.__class__}"),
    ("format-spec", "{first:>10}"),
    ("conversion", "{first!r}"),
    ("named-index", "{first[x]}"),
    ("unbalanced", "{first"),
]


@pytest.mark.parametrize(
    "template", [c[1] for c in BAD_TEMPLATES], ids=[c[0] for c in BAD_TEMPLATES]
)
def test_templates_allow_only_named_parts_with_an_index(template: str) -> None:
    """A template is checked when the configuration loads: names and numeric indexes only."""
    with pytest.raises(NamingError):
        check_template(template, ("first", "last"), where="naming.login")
    with pytest.raises(ValueError, match=r"naming\.login"):
        NamingSettings(login=template)


ROLES = (
    RoleTemplate(department="Research", title="Research Scientist", groups=("exact",)),
    RoleTemplate(department="Research", title="*", groups=("research-any",)),
    RoleTemplate(department="Sales*", title="Account *", groups=("sales-accounts",)),
    RoleTemplate(department="Finance", groups=("finance-any",)),
    RoleTemplate(department="*", title="*", groups=("everyone",)),
)
ROLE_CASES = [
    ("exact-title", "Research", "Research Scientist", "exact"),
    ("case-and-spaces", "research", "research  scientist", "exact"),
    ("department-wildcard-title", "Research", "Laboratory Technician", "research-any"),
    ("no-title", "Research", None, "research-any"),
    ("prefix-patterns", "Sales EMEA", "Account Manager", "sales-accounts"),
    ("pattern-title-needs-title", "Sales EMEA", None, "everyone"),
    ("no-title-pattern", "Finance", "Controller", "finance-any"),
    ("catch-all", "Workplace", "Facilities Assistant", "everyone"),
]


@pytest.mark.parametrize(
    ("department", "title", "expected"), [c[1:] for c in ROLE_CASES], ids=[c[0] for c in ROLE_CASES]
)
def test_role_templates_first_match_wins(department: str, title: str | None, expected: str) -> None:
    """Department and title are patterns (``*`` = anything); the first matching template wins."""
    role = PolicySettings(role_templates=ROLES).role_for(department, title)

    assert role is not None
    assert (expected,) == role.groups


def test_without_a_catch_all_an_unknown_department_has_no_template() -> None:
    """No template matches: the planner escalates (no role to give)."""
    settings = PolicySettings(role_templates=ROLES[:2])

    assert settings.role_for("Workplace", "Facilities Assistant") is None
    assert not settings.has_department("Workplace")
    assert settings.has_department("research")
