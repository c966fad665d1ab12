"""The in-memory directory finds users through its login and e-mail indexes, kept in step."""

from __future__ import annotations

from connectors.identity import NewUser
from connectors.identity.memory import MemoryDirectory


def _directory() -> MemoryDirectory:
    directory = MemoryDirectory("corp")
    for login, email in [("ada", "Ada@Example.com"), ("bob", None), ("cy", "cy@example.com")]:
        directory.create_user(NewUser(login=login, given_name=login, family_name="X", email=email))
    return directory


def test_lookups_ignore_case_and_check_every_key() -> None:
    directory = _directory()
    ada = directory.find_user(email="ada@example.COM")

    assert ada is not None
    assert ada.login == "ada"
    assert directory.find_user(login="ADA", email="ada@example.com") == ada
    assert directory.find_user(login="ada", email="cy@example.com") is None
    assert directory.find_user(email="") == directory.find_user(login="bob")  # no address
    assert directory.find_user(employee_id="none") is None


def test_an_email_change_and_a_deletion_move_the_index() -> None:
    directory = _directory()
    cy = directory.find_user(login="cy")
    assert cy is not None
    directory.update_user(cy.id, {"email": "cyrus@example.com"})
    moved = directory.find_user(email="cyrus@example.com")
    gone_before = directory.find_user(email="cy@example.com")
    directory.delete_user(cy.id)

    assert moved is not None
    assert moved.id == cy.id
    assert gone_before is None
    assert directory.find_user(login="cy") is None
    assert directory.find_user(email="cyrus@example.com") is None


def test_the_first_created_wins_when_two_share_an_address() -> None:
    directory = MemoryDirectory("corp")
    for login in ("first", "second"):
        directory.create_user(
            NewUser(login=login, given_name=login, family_name="X", email="shared@example.com")
        )
    first = directory.find_user(login="first")
    assert first is not None
    directory.update_user(first.id, {"display_name": "First, renamed"})  # re-stored, same place

    found = directory.find_user(email="shared@example.com")
    assert found is not None
    assert found.login == "first"
