"""
Every shared SLA vector (../shared/sla/vectors.json) and our own ones pass through the engine.

The shared file pins research/sla.md §3 (D1-D10); ``own_vectors.json`` holds vectors written
for this suite in the same format, so the suite still means something without ../shared.
``own_scenarios.json`` holds ticket-level vectors (``sla simulate`` what-ifs with expectations):
what the feed makes of a ticket's events under a policy set — re-targets to another calendar,
first reply on agent-created tickets, policies chosen by organisation, group and customer.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sla.config import CalendarSettings
from sla.scenario import Scenario, run_scenario
from sla.simulate import Vector, result_json, run_vector

ALIASES = {"timer_at": "breach_at_worker", "worker_breach_at": "breach_at_worker"}
INSTANT_KEYS = {"breach_at", "breach_at_worker", "started_at", "stopped_at", "now"}


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _same(key: str, expected: Any, actual: Any) -> bool:
    if key in INSTANT_KEYS:
        return _instant(expected) == _instant(actual)
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return bool(expected == actual)
    if isinstance(expected, int | float):
        return actual is not None and math.isclose(expected, actual, rel_tol=1e-6, abs_tol=1e-3)
    return bool(expected == actual)


def mismatches(expect: dict[str, Any], actual: dict[str, Any], where: str = "") -> list[str]:
    """Every expected key whose value differs (or that the output lacks), as readable lines."""
    out: list[str] = []
    for raw_key, expected in expect.items():
        key = ALIASES.get(raw_key, raw_key)
        if key == "cycles":
            cycles = actual["cycles"]
            if len(cycles) != len(expected):
                out.append(f"{where}cycles: expected {len(expected)}, got {len(cycles)}")
                continue
            for i, (exp, act) in enumerate(zip(expected, cycles, strict=True)):
                out += mismatches(exp, act, f"{where}cycles[{i}].")
        elif key not in actual:
            out.append(f"{where}{raw_key}: the engine has no such figure")
        elif not _same(key, expected, actual[key]):
            out.append(f"{where}{raw_key}: expected {expected!r}, got {actual[key]!r}")
    return out


def check_vector(raw: dict[str, Any], calendars: dict[str, Any]) -> list[str]:
    """Run one vector (raw JSON) and list what differs from its expectations."""
    vector = Vector.model_validate(raw)
    known = {k: CalendarSettings.model_validate(v) for k, v in calendars.items()}
    return mismatches(dict(vector.expect), result_json(vector.id, run_vector(vector, known)))


SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "sla" / "vectors.json"
OWN = Path(__file__).resolve().parent / "own_vectors.json"


def _load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not path.exists():
        return {}, []
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "deskpilot-sla-vectors/1"
    return data["calendars"], data["vectors"]


SHARED_CALENDARS, SHARED_VECTORS = _load(SHARED)
OWN_CALENDARS, OWN_VECTORS = _load(OWN)


@pytest.mark.parametrize(
    "vector", SHARED_VECTORS or [{}], ids=[v["id"] for v in SHARED_VECTORS] or ["absent"]
)
def test_shared_vector(vector: dict[str, Any]) -> None:
    """A shared vector's expectations all hold (every key, every cycle)."""
    if not vector:
        pytest.skip(f"{SHARED} is not available (../shared is not checked out beside the repo)")

    assert check_vector(vector, SHARED_CALENDARS) == []


@pytest.mark.parametrize("vector", OWN_VECTORS, ids=[v["id"] for v in OWN_VECTORS])
def test_own_vector(vector: dict[str, Any]) -> None:
    """Our own vectors (same format) hold."""
    assert check_vector(vector, OWN_CALENDARS) == []


@pytest.mark.parametrize(
    "vector", OWN_VECTORS + SHARED_VECTORS, ids=[v["id"] for v in OWN_VECTORS + SHARED_VECTORS]
)
def test_arrival_order_and_duplicates_do_not_matter(vector: dict[str, Any]) -> None:
    """Shuffled, partly duplicated deliveries (same event ids) give the same result."""
    calendars = {**SHARED_CALENDARS, **OWN_CALENDARS}
    events = [
        {**e, "event_id": e.get("event_id") or f"e{i}"} for i, e in enumerate(vector["events"])
    ]
    shuffled = events + events[: len(events) // 2]
    random.Random(vector["id"]).shuffle(shuffled)

    assert check_vector({**vector, "events": shuffled}, calendars) == []


def test_own_vectors_are_present() -> None:
    """The own fixture file exists and is not trivially small."""
    assert len(OWN_VECTORS) >= 15


OWN_SCENARIOS = Path(__file__).resolve().parent / "own_scenarios.json"
SCENARIO_FILE = json.loads(OWN_SCENARIOS.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "case", SCENARIO_FILE["scenarios"], ids=[c["id"] for c in SCENARIO_FILE["scenarios"]]
)
def test_own_scenario(case: dict[str, Any]) -> None:
    """A ticket-level vector: the chosen policy and each listed clock's figures hold."""
    assert SCENARIO_FILE["format"] == "deskpilot-sla-scenarios/1"
    document = {k: v for k, v in case.items() if k not in ("id", "title", "expect")}
    result = run_scenario(Scenario.model_validate({**document, "sla": SCENARIO_FILE["sla"]}))
    listed: Any = result["clocks"]
    clocks = {c["name"]: c for c in listed}
    problems = (
        []
        if result["policy"] == case["expect"]["policy"]
        else [f"policy: expected {case['expect']['policy']!r}, got {result['policy']!r}"]
    )
    for metric, expect in case["expect"]["clocks"].items():
        problems += mismatches(expect, clocks[metric], f"{metric}.")

    assert problems == []
