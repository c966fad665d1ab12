"""The decisions a run's shell only records: outcome, next stage, run state, which notes, who sees them."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.identity import Change
from playbooks.approval import ApprovalRequirement, ApprovalStage
from playbooks.config import PolicySettings
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.load import Library
from playbooks.model import Playbook
from playbooks.notes import LINK_KEY, RunFacts, StepOutcome
from playbooks.outbox import Note, NotePurpose, OutboxKind
from playbooks.planned import Account, Plan, PlannedStep
from playbooks.policy import Decision
from playbooks.resets import counts_resets
from playbooks.run_notes import failure_notes, owner_only, plan_notes, result_notes
from playbooks.steps import Verification
from playbooks.verdict import approved_by_a_person, run_state_for, verdict_for
from tests.unit.playbooks.playbook_builders import NOW, company, request

INTERNAL, P, T = OutboxKind.INTERNAL_NOTE, OutboxKind.PUBLIC_REPLY, OutboxKind.TRANSITION
APPROVAL = ApprovalRequirement((ApprovalStage("manager", "the requester's manager"),))
AUTO = Decision("auto")
NEEDS_APPROVAL = Decision("needs_approval", APPROVAL, ("privileged group",))
REFUSED = Decision("refused", None, ("segregation of duties", "too many resets"))
REJECTED = Decision("rejected", None, ("bob may not ask: only the account's owner may",))


ASKER = Account("carol", "corp", "u-carol", "Carol Contractor", "carol@example.com")


def _plan(playbook: Playbook, kind: str, requester: Account | None = ASKER) -> Plan:
    base = Plan(
        playbook.name,
        playbook.title,
        "apply",
        NOW,
        ticket="IT-1",
        intent="account_unlock",
        requester=requester,
    )
    if kind == "ask":
        return Plan.ask(base, "Which account?", ("target",))
    if kind == "escalate":
        return Plan.escalate(base, "not in the directory")
    if kind == "note_only":
        return Plan.note_only(base, "The account was not locked.")
    return base


def _shape(notes: list[Note]) -> list[tuple[OutboxKind, NotePurpose]]:
    return [(note.kind, note.purpose) for note in notes]


@pytest.mark.parametrize(
    ("kind", "decision", "outcome", "stage", "notes", "reason"),
    [
        ("ask", None, TicketOutcome.WAITING_REQUESTER, TicketStage.DONE,
         [(INTERNAL, NotePurpose.ASK_PLAN), (P, NotePurpose.ASK)], None),
        ("note_only", None, TicketOutcome.RESOLVED, TicketStage.DONE,
         [(P, NotePurpose.NOTHING_TO_DO), (INTERNAL, NotePurpose.PLAN), (T, NotePurpose.RESOLVE)], None),
        ("escalate", None, TicketOutcome.ESCALATED, TicketStage.DONE,
         [(INTERNAL, NotePurpose.ESCALATED)], None),
        ("apply", AUTO, TicketOutcome.APPLYING, TicketStage.APPLYING, [], None),
        ("apply", NEEDS_APPROVAL, TicketOutcome.WAITING_APPROVAL, TicketStage.WAITING_APPROVAL,
         [(INTERNAL, NotePurpose.APPROVAL_REQUEST)], None),
        ("apply", REFUSED, TicketOutcome.ESCALATED, TicketStage.DONE,
         [(INTERNAL, NotePurpose.REFUSED)], "segregation of duties; too many resets"),
        ("apply", REJECTED, TicketOutcome.REJECTED, TicketStage.DONE,
         [(INTERNAL, NotePurpose.REJECTED), (P, NotePurpose.REJECTED_PUBLIC)],
         "bob may not ask: only the account's owner may"),
        ("note_only", REJECTED, TicketOutcome.REJECTED, TicketStage.DONE,
         [(INTERNAL, NotePurpose.REJECTED), (P, NotePurpose.REJECTED_PUBLIC)],
         "bob may not ask: only the account's owner may"),
        ("ask", REFUSED, TicketOutcome.ESCALATED, TicketStage.DONE,
         [(INTERNAL, NotePurpose.REFUSED)], "segregation of duties; too many resets"),
    ],
    ids=["ask", "nothing-to-do", "escalate", "auto", "needs-approval", "refused", "rejected",
         "nothing-to-do-rejected", "ask-refused"],
)  # fmt: skip
def test_verdict_for_each_plan_and_decision(
    library: Library,
    kind: str,
    decision: Decision | None,
    outcome: TicketOutcome,
    stage: TicketStage,
    notes: list[tuple[OutboxKind, NotePurpose]],
    reason: str | None,
) -> None:
    """
    One table: the plan's kind and the policy's decision give outcome, stage, notes, reason;
    public replies follow the default reply model (an outcome, or information needed).
    """
    playbook = library.get("account-unlock")
    plan = _plan(playbook, kind)

    verdict = verdict_for(playbook, plan, decision)

    assert (outcome, stage, notes, reason) == (
        verdict.outcome,
        verdict.stage,
        _shape(verdict.notes),
        verdict.reason,
    )
    assert (verdict.playbook, verdict.plan, verdict.decision) == (playbook.name, plan, decision)


def test_notes_given_first_stay_first(library: Library) -> None:
    """A bulk file's report goes before the plan's own notes."""
    playbook = library.get("account-unlock")
    report = Note(INTERNAL, "the file's report", NotePurpose.BULK_REPORT)

    verdict = verdict_for(playbook, _plan(playbook, "apply"), NEEDS_APPROVAL, [report])

    assert [report.purpose, NotePurpose.APPROVAL_REQUEST] == [n.purpose for n in verdict.notes]


def test_approval_request_tells_approvers_how(library: Library) -> None:
    """The internal approval request ends with how to approve or reject."""
    playbook = library.get("account-unlock")

    first = plan_notes(playbook, _plan(playbook, "apply"), NEEDS_APPROVAL)[0]

    assert "/approve" in first.body
    assert "/reject" in first.body


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (TicketOutcome.APPLYING, RunState.APPROVED),
        (TicketOutcome.WAITING_APPROVAL, RunState.WAITING_APPROVAL),
        (TicketOutcome.ESCALATED, RunState.CLOSED),
        (TicketOutcome.WAITING_REQUESTER, RunState.CLOSED),
        (TicketOutcome.RESOLVED, RunState.CLOSED),
    ],
    ids=["applying", "waiting-approval", "escalated", "waiting-requester", "resolved"],
)
def test_a_new_run_starts_in_the_state_its_outcome_needs(
    outcome: TicketOutcome, state: RunState
) -> None:
    assert state == run_state_for(outcome)


ALICE = Account("alice", "corp", "u-alice", "Alice Liddell", "alice@example.com")
BOB = Account("bob", "corp", "u-bob", "Bob Builder", "bob@example.com")
LINK = "https://secrets.example.com/s/once"


def _facts(library: Library, requester: Account, *, verified: bool = True) -> RunFacts:
    playbook = library.get("password-reset")
    step = PlannedStep(
        index=0,
        step_id="reset",
        kind="set_one_time_password",
        directory="corp",
        target=ALICE,
        description="Set a one-time password for alice",
    )
    plan = dataclasses.replace(
        _plan(playbook, "apply"), target=ALICE, requester=requester, steps=(step,)
    )
    change = Change("set_one_time_password", "corp", "alice", {}, {LINK_KEY: LINK}, True)
    check = Verification(verified, "read back" if verified else "still locked")
    return RunFacts(plan, AUTO, (), (StepOutcome(step, change, check),))


@pytest.mark.parametrize(
    ("requester", "link_kept"), [(ALICE, True), (BOB, False)], ids=["owner", "someone-else"]
)
def test_one_time_link_is_kept_for_the_owner_only(
    library: Library, requester: Account, link_kept: bool
) -> None:
    facts = owner_only(_facts(library, requester))

    change = facts.outcomes[0].change
    assert change is not None
    assert link_kept == (LINK_KEY in change.after)


@pytest.mark.parametrize(
    ("verified", "notes"),
    [
        (True, [(P, NotePurpose.DONE), (INTERNAL, NotePurpose.EVIDENCE), (T, NotePurpose.RESOLVE)]),
        (False, [(INTERNAL, NotePurpose.UNVERIFIED)]),
    ],
    ids=["verified", "not-read-back"],
)
def test_result_notes_resolve_only_what_read_back(
    library: Library, verified: bool, notes: list[tuple[OutboxKind, NotePurpose]]
) -> None:
    playbook = library.get("password-reset")

    written, _ = result_notes(playbook, _facts(library, BOB, verified=verified))

    assert notes == _shape(written)
    assert all(LINK not in n.body for n in written)


@pytest.mark.parametrize(
    ("errors", "says"),
    [((), None), (("group gone",), "- could not undo: group gone")],
    ids=["undone", "undo-failed"],
)
def test_failure_notes_hand_over_and_list_failed_undos(
    library: Library, errors: tuple[str, ...], says: str | None
) -> None:
    playbook = library.get("password-reset")

    written, _ = failure_notes(playbook, _facts(library, ALICE), errors)

    assert [(INTERNAL, NotePurpose.FAILED)] == _shape(written)
    assert "Handing this ticket to an agent" in written[0].body
    assert (says in written[0].body) if says else ("could not undo" not in written[0].body)


@pytest.mark.parametrize(
    ("decision", "groups", "outcome", "approver_group"),
    [
        (AUTO, (), "needs_approval", "security-approvers"),
        (AUTO, ("hr-team",), "needs_approval", "hr-team"),
        (NEEDS_APPROVAL, ("hr-team",), "needs_approval", None),
        (REFUSED, (), "refused", None),
    ],
    ids=["auto-waits-for-security", "auto-waits-for-who-may-ask", "approval-stands", "refusal-stands"],
)  # fmt: skip
def test_bulk_plans_always_wait_for_a_person(
    library: Library,
    policy: PolicySettings,
    decision: Decision,
    groups: tuple[str, ...],
    outcome: str,
    approver_group: str | None,
) -> None:
    """A bulk plan that would run on its own waits for one member of the right group."""
    base = library.get("bulk-onboarding")
    playbook = base.model_copy(
        update={"who_may_ask": base.who_may_ask.model_copy(update={"groups": groups})}
    )

    decided = approved_by_a_person(decision, playbook, policy)

    assert outcome == decided.outcome
    if approver_group is None:
        assert decision == decided
    else:
        assert decided.approvals is not None
        assert [approver_group] == [stage.group for stage in decided.approvals.stages]
        assert decided.reasons[-1].startswith("a bulk import waits for a person")


@pytest.mark.parametrize(
    ("intent", "requester", "counts"),
    [
        ("password_reset", "alice", True),
        ("mfa_reset", "alice", True),
        ("account_unlock", "alice", True),
        ("access_grant", "alice", False),
        ("password_reset", None, False),
    ],
    ids=["password-reset", "mfa-reset", "unlock", "access-grant", "unknown-requester"],
)
def test_which_requests_read_the_recent_resets(
    intent: str, requester: str | None, counts: bool
) -> None:
    assert counts == counts_resets(request(intent, company(), requester))


@pytest.mark.parametrize(
    ("public", "notes"),
    [
        (("asked",), [(INTERNAL, NotePurpose.APPROVAL_REQUEST)]),
        (
            ("pending_approval",),
            [(INTERNAL, NotePurpose.APPROVAL_REQUEST), (P, NotePurpose.APPROVAL_PENDING)],
        ),
    ],
    ids=["default-internal", "configured-public"],
)
def test_the_deployment_decides_which_events_are_public(
    library: Library, public: tuple[str, ...], notes: list[tuple[OutboxKind, NotePurpose]]
) -> None:
    """``playbooks.replies.public`` turns the public reply of an event on or off."""
    playbook = library.get("account-unlock")
    settings = PolicySettings.model_validate({"replies": {"public": list(public)}})

    verdict = verdict_for(playbook, _plan(playbook, "apply"), NEEDS_APPROVAL, settings=settings)

    assert notes == _shape(verdict.notes)


def test_a_configured_template_words_the_reply(library: Library) -> None:
    """``playbooks.replies.templates`` replaces the playbook's wording for that event."""
    playbook = library.get("account-unlock")
    settings = PolicySettings.model_validate(
        {"replies": {"templates": {"rejected": "No: only {{ allowed }} may ask."}}}
    )

    [_, reply] = plan_notes(playbook, _plan(playbook, "apply"), REJECTED, settings)

    assert reply.body == "No: only the account's owner or their manager may ask.\n"


@pytest.mark.parametrize("kind", ["ask", "note_only"], ids=["ask", "nothing-to-do"])
def test_an_outside_sender_gets_no_public_reply(library: Library, kind: str) -> None:
    """A requester who is not in the directory is neither asked nor told anything publicly."""
    playbook = library.get("account-unlock")

    notes = plan_notes(playbook, _plan(playbook, kind, requester=None), None)

    assert [n for n in notes if n.kind == P] == []
    assert [n for n in notes if n.kind == INTERNAL] != []
