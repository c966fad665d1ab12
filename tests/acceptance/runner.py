"""
Reading an acceptance file and playing one scenario's timeline against deskpilot.

The file is ``tests/acceptance/scenarios.json`` (a copy of the shared public set) unless
``DESKPILOT_ACCEPTANCE_FILE`` names another file in the same format (held-out sets).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.acceptance.checks import NOT_STARTED, check_expect, check_point, initial_state
from tests.acceptance.harness import STEP, Harness, harness, parse_duration

FORMAT = "deskpilot-acceptance/1"
ENV = "DESKPILOT_ACCEPTANCE_FILE"
AGENT_INTENT = "DESKPILOT_ACCEPTANCE_AGENT_INTENT"
"""Set to 1 to play every scenario with a service desk agent's ``/intent`` supplying the expected
intent when deskpilot's own reading differs (or its gate held back a run the scenario expects):
it shows what blocks a scenario once the classifier is out of the way. Diagnostic only: the
scenario then has one more command and note than the file says."""
DEFAULT = Path(__file__).with_name("scenarios.json")


def load_file() -> dict[str, Any]:
    """The acceptance file (``$DESKPILOT_ACCEPTANCE_FILE`` or the bundled copy), checked."""
    path = Path(os.environ.get(ENV) or DEFAULT)
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: format is {doc.get('format')!r}, expected {FORMAT!r}")
    return doc


def play(doc: Mapping[str, Any], scenario: Mapping[str, Any], database_url: str) -> Harness:
    """Play ``scenario`` to its end and check every checkpoint and its ``expect``."""
    with harness(doc, scenario, database_url) as h:
        initial = initial_state(h)
        h.open_ticket()
        h.drain()
        if os.environ.get(AGENT_INTENT) == "1":
            _agent_supplies_intent(h, scenario["expect"])
        checkpoints = 0
        for event in scenario.get("then") or []:
            if "checkpoint" in event:
                checkpoints += 1
                check_point(h, event["checkpoint"], initial, checkpoints)
                continue
            _apply(h, event)
            h.drain()
        check_expect(h, scenario["expect"], initial)
        if (scenario["expect"].get("notes") or {}).get("compare_with_single_delivery"):
            _compare_with_single_delivery(doc, scenario, database_url, h.notes())
        return h


def _agent_supplies_intent(h: Harness, expect: Mapping[str, Any]) -> None:
    """A service desk agent posts ``/intent <expected>`` when deskpilot read the ticket otherwise."""
    want = expect.get("intent")
    classification = h.classification()
    if want is None or classification is None:
        return
    started = any(r.state not in NOT_STARTED for r in h.runs())
    if classification.intent == want and (started or not expect.get("auto_run")):
        return
    desk_group = (h.doc["directory"].get("policy_groups") or {}).get("service_desk")
    agent = next(
        (
            u["login"]
            for u in h.doc["directory"]["users"]
            if u.get("desk_role") == "agent"
            and desk_group in (u.get("groups") or [])
            and u.get("email") != h.scenario["ticket"]["requester_email"]
        ),
        None,
    )
    if agent is None:
        raise ValueError(
            f"{AGENT_INTENT}: no desk agent in policy_groups.service_desk besides the requester"
        )
    h.now += STEP
    h.comment(h.who(agent), f"/intent {want}", False)
    h.drain()


def _apply(h: Harness, event: Mapping[str, Any]) -> None:
    if "advance_time" in event:
        h.advance(parse_duration(event["advance_time"]))
        return
    h.now += parse_duration(event["after"]) if event.get("after") else STEP
    if "comment" in event:
        who = h.who(event["by"])
        h.comment(who, event["comment"], event.get("visibility", "internal") == "public")
    elif "redeliver_webhook" in event:
        spec = event["redeliver_webhook"]
        if spec.get("delay"):
            h.now += parse_duration(spec["delay"]) - STEP
        h.redeliver(spec)
    elif "directory_change" in event:
        change = event["directory_change"]
        h.directory.out_of_band(
            change["op"], change["user"], change.get("group") or change.get("licence")
        )
    else:
        raise ValueError(f"unknown timeline event {sorted(event)}")


def _single_delivery(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The same scenario with one delivery: no redeliveries, no echoes, no checkpoints."""
    then = [
        e
        for e in scenario.get("then") or []
        if "redeliver_webhook" not in e and "checkpoint" not in e
    ]
    return {**scenario, "then": then, "desk_behaviour": {}}


def _compare_with_single_delivery(
    doc: Mapping[str, Any],
    scenario: Mapping[str, Any],
    database_url: str,
    notes: list[tuple[bool, str]],
) -> None:
    single = _single_delivery(scenario)
    url = database_url.replace(".sqlite3", "-single.sqlite3")
    with harness(doc, single, url, echo=False) as h:
        h.open_ticket()
        h.drain()
        if os.environ.get(AGENT_INTENT) == "1":
            _agent_supplies_intent(h, scenario["expect"])
        for event in single["then"]:
            _apply(h, event)
            h.drain()
        expected = h.notes()
    assert sorted(notes) == sorted(expected), (
        f"notes differ from a single delivery's:\nhave {notes}\nsingle delivery {expected}"
    )
