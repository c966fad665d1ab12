"""A one-time password reaches only the owner of the account, who asked for it (issue 13.7)."""

from __future__ import annotations

import pytest

from connectors.identity import Capability
from connectors.identity.memory import MemoryDirectory
from playbooks.load import Library
from playbooks.plan import build_plan, select_playbook
from playbooks.policy import decide
from tests.unit.playbooks.playbook_builders import NOW, request, settings


@pytest.mark.parametrize(
    ("requester", "target", "outcome"),
    [("alice", None, "auto"), ("maria", "alice@example.com", "refused")],
    ids=["owner-asks", "manager-asks-for-her-report"],
)
def test_one_time_password_only_for_the_owner(
    library: Library, corp: MemoryDirectory, requester: str, target: str | None, outcome: str
) -> None:
    """Even a playbook that lets managers ask never sends a manager their report's password."""
    corp.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    req = request("password_reset", corp, requester, target_email=target)
    playbook = select_playbook(library, req)
    assert playbook is not None
    lenient = playbook.model_copy(
        update={"who_may_ask": playbook.who_may_ask.model_copy(update={"manager": True})}
    )
    plan = build_plan(lenient, req, corp, now=NOW, settings=settings())

    decision = decide(lenient, plan, req, settings(), recent_resets=[])

    assert decision.outcome == outcome, decision.reasons
    if outcome == "refused":
        assert decision.reasons == (
            "a one-time password for alice would reach maria, not the account's owner: "
            "a person must do this",
        )
