"""Form fields as the desks and e-mails give them: labels, e-mailed forms, full names, managers by name."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.identity.memory import MemoryDirectory
from playbooks.config import field_key
from playbooks.load import Library
from playbooks.plan import build_plan, select_playbook
from playbooks.resolve import form_fields
from tests.unit.playbooks.playbook_builders import NOW, request, settings, ticket

KEYS = [("spaces", "Job title", "job_title"), ("slash", "System / application", "system_application"),
        ("question", "Who is locked out?", "who_is_locked_out"), ("snake", "start_date", "start_date")]  # fmt: skip


@pytest.mark.parametrize(("label", "key"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS])
def test_field_keys(label: str, key: str) -> None:
    """Labels and input names meet without regard to case, spaces or punctuation."""
    assert key == field_key(label)


def test_an_emailed_form_and_a_full_name_become_fields(corp: MemoryDirectory) -> None:
    """'- Name: …' lines of the message count, below the desk's own fields; a full name is split."""
    req = request("account_create", corp, "maria", fields={"Department": "Sales"})
    text = "New starter\nDetails:\n- Name: Théo Garnier\n- Department: Engineering\n- Start: 13/10/2026"
    req = dataclasses.replace(req, ticket=ticket(text, fields={"Department": "Sales"}))

    fields = form_fields(req, settings())

    assert (fields["first_name"], fields["last_name"]) == ("Théo", "Garnier")
    assert fields["department"] == "Sales", "the desk's field wins over the message"
    assert fields["start"] == "13/10/2026"


def test_onboarding_from_an_emailed_form_with_the_manager_by_name(
    library: Library, corp: MemoryDirectory
) -> None:
    """Name, department, start and 'Line manager: Maria Manager' from the message; naming applies."""
    policy = settings(
        naming={"login": "{first}{last[0]}", "email": "{first[0]}.{last}@corp.example"}
    )
    text = (
        "New starter\nPlease create the account.\n- Name: Théo Garnier\n- Department: Engineering\n"
        "- Job title: Developer\n- Line manager: Maria Manager\n- Start: 2026-12-01"
    )
    req = dataclasses.replace(request("account_create", corp, "maria"), ticket=ticket(text))
    playbook = select_playbook(library, req, policy)
    assert playbook is not None

    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)

    create = plan.steps[0]
    assert (plan.kind, create.kind) == ("apply", "create_user")
    assert create.params["login"] == "theog"
    assert create.params["email"] == "t.garnier@corp.example"
    assert create.params["manager_id"] == corp.find_user(login="maria").id  # type: ignore[union-attr]
    assert [s.params.get("group") for s in plan.steps if s.kind == "add_to_group"] == [
        "all-staff",
        "engineering",
        "app-github",
    ]


def test_a_new_name_field_changes_display_given_and_family_name(
    library: Library, corp: MemoryDirectory
) -> None:
    """'New name: Alice Caldwell' updates the display, given and family name, nothing else."""
    req = request(
        "account_update",
        corp,
        "alice",
        fields={"Current name": "Alice Liddell", "New name": "Alice Caldwell"},
    )
    playbook = select_playbook(library, req, settings())
    assert playbook is not None

    plan = build_plan(playbook, req, corp, now=NOW, settings=settings())

    assert plan.kind == "apply"
    assert dict(plan.steps[0].params) == {
        "display_name": "Alice Caldwell",
        "given_name": "Alice",
        "family_name": "Caldwell",
    }


PROSE_NAMES = [
    ("full-name", "Name\nPlease change my name on my account to Alice Hart.", "Alice Hart", "Hart"),
    ("particle", "Name\nCould you update the display name to Alice van Dijk?", "Alice van Dijk",
     "van Dijk"),
    ("surname-only", "Married!\nMy surname is now Hart, please update it.", None, "Hart"),
    ("quoted-mail-ignored", "Name\nSee below.\n\nFrom: Bob <bob@example.com>\nSent: Monday\n\n"
     "please change my name to Bob Stone", None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "display", "family"), [c[1:] for c in PROSE_NAMES], ids=[c[0] for c in PROSE_NAMES]
)
def test_a_new_name_written_in_prose_is_read(
    library: Library, corp: MemoryDirectory, text: str, display: str | None, family: str | None
) -> None:
    """A name change asked for in the message, with no form, plans the update instead of asking."""
    req = dataclasses.replace(request("account_update", corp, "alice"), ticket=ticket(text))
    playbook = select_playbook(library, req)
    assert playbook is not None

    plan = build_plan(playbook, req, corp, now=NOW, settings=settings())

    if family is None:
        assert plan.kind == "ask"
        return
    assert plan.kind == "apply", plan.question
    params = plan.steps[0].params
    assert (params.get("display_name") or None, params.get("family_name")) == (display, family)
