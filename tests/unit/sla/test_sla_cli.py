"""``deskpilot sla simulate``: vectors, a single clock and a ticket what-if, and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from worker.cli.sla import app

OWN = Path(__file__).resolve().parent / "own_vectors.json"
WHAT_IF: dict[str, Any] = {
    "format": "deskpilot-sla-simulate/1",
    "now": "2025-06-03T15:00:00Z",
    "sla": {
        "calendars": {
            "ny": {
                "timezone": "America/New_York",
                "weekly": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": {"country": "US"},
            }
        },
        "default_calendar": "ny",
        "metrics": {"first_response": {}, "resolution": {}},
        "policies": [
            {
                "name": "standard",
                "goals": {"first_response": {"goal": "1h"}, "resolution": {"goal": "8h"}},
            }
        ],
    },
    "ticket": {"desk": "jira-it", "intent": "account_unlock", "priority": "normal"},
    "events": [
        {"at": "2025-06-02T14:00:00Z", "kind": "created", "status": "new"},
        {"at": "2025-06-02T14:30:00Z", "kind": "comment", "author": "automation", "public": True},
        {"at": "2025-06-02T16:00:00Z", "kind": "status", "status": "pending_requester"},
        {"at": "2025-06-03T13:00:00Z", "kind": "status", "status": "open"},
    ],
}


def run(tmp_path: Path, data: Any) -> tuple[int, Any, str]:
    path = tmp_path / "input.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(path)])
    out = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, out, result.stderr if result.exit_code else ""


def test_ticket_what_if_gives_every_metric_and_the_waiting_breakdown(tmp_path: Path) -> None:
    """deskpilot's reply after 30 min meets first response; resolution paused overnight."""
    code, out, _ = run(tmp_path, WHAT_IF)

    clocks = {c["name"]: c for c in out["clocks"]}
    assert (code, out["policy"]) == (0, "standard")
    assert (
        clocks["first_response"]["stage"],
        clocks["first_response"]["business_elapsed_seconds"],
        clocks["first_response"]["breached"],
    ) == ("completed", 1800.0, False)
    # Mon 10:00-12:00 EDT running, pending until Tue 09:00, running Tue 09:00-11:00: 4 h used.
    assert (
        clocks["resolution"]["stage"],
        clocks["resolution"]["business_elapsed_seconds"],
        clocks["resolution"]["remaining_seconds"],
        clocks["resolution"]["breach_at"],
    ) == ("running", 14400.0, 14400.0, "2025-06-03T19:00:00Z")
    assert out["waiting_seconds"]["requester"] == 21 * 3600.0


def test_a_vectors_file_is_simulated_clock_by_clock(tmp_path: Path) -> None:
    """The vectors format runs as is; each vector becomes one clock in the output."""
    code, out, _ = run(tmp_path, OWN.read_text(encoding="utf-8"))

    by_id = {c["name"]: c for c in out["clocks"]}
    assert code == 0
    assert (by_id["O02"]["breach_at"], by_id["O13"]["breach_at_worker"]) == (
        "2025-11-28T15:00:00Z",
        "2025-06-02T12:02:00Z",
    )


def test_one_vector_with_its_own_calendar(tmp_path: Path) -> None:
    """A file holding one raw clock (calendar inline) works too."""
    vector = {
        "id": "what-if",
        "calendar": {"timezone": "Europe/London", "weekly": {"mon": [["09:00", "17:00"]]}},
        "goal_seconds": 7200,
        "events": [{"at": "2025-06-02T08:00:00Z", "kind": "start"}],
        "now": "2025-06-02T09:00:00Z",
    }

    code, out, _ = run(tmp_path, vector)

    assert (
        code, out["clocks"][0]["stage"], out["clocks"][0]["business_elapsed_seconds"], out["clocks"][0]["breach_at"]
    ) == (0, "running", 3600.0, "2025-06-02T10:00:00Z")  # fmt: skip


def test_bad_settings_are_all_listed_with_exit_code_2(tmp_path: Path) -> None:
    """A broken sla section prints every problem, nothing on stdout."""
    broken = {
        **WHAT_IF,
        "sla": {**WHAT_IF["sla"], "default_calendar": "apac", "at_risk": [{"percent": 300}]},
    }

    code, _, err = run(tmp_path, broken)

    assert code == 2
    assert "sla.default_calendar: unknown calendar 'apac'" in err
    assert "sla.at_risk[0].percent: 300 is not between 0 and 100" in err


def test_invalid_json_and_unknown_fields_are_reported(tmp_path: Path) -> None:
    """Unreadable input says where; a misspelt field is named."""
    assert run(tmp_path, "{not json")[0] == 2
    code, _, err = run(tmp_path, {**WHAT_IF, "tikcet": {}})
    assert code == 2
    assert "tikcet" in err
