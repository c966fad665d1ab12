"""check_sla_settings reports every bad definition with its location, all at once."""

from __future__ import annotations

from typing import Any

import pytest

from intake.model import Priority
from sla.check import check_sla_settings
from sla.config import SlaSettings, parse_goal_duration
from sla.definition import SlaConfigError, compile_sla

GOOD_CALENDAR = {"timezone": "Europe/London", "weekly": {"mon": [["09:00", "17:00"]]}}


def problems(data: dict[str, Any]) -> list[str]:
    return check_sla_settings(SlaSettings.model_validate(data))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"calendars": {"emea": {**GOOD_CALENDAR, "timezone": "Mars/Olympus"}}}, "sla.calendars.emea.timezone: unknown time zone 'Mars/Olympus'"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {"mon": [["09:00", "12:00"], ["12:00", "11:00"]]}}}}, "sla.calendars.emea.weekly.mon[1]: window 12:00\u201311:00 is inverted"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}}}, "sla.calendars.emea.weekly.mon: window mon[1] 11:00\u201313:00 overlaps mon[0] 09:00\u201312:00"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {"sun": [["22:00", "07:00+1"]], "mon": [["06:00", "09:00"]]}}}}, "sla.calendars.emea.weekly.mon: window mon[0] 06:00\u201309:00 overlaps sun[0] 22:00\u201307:00+1"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {"mon": [["9am", "17:00"]]}}}}, "sla.calendars.emea.weekly.mon[0]: '9am' is not a time of day"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {"funday": [["09:00", "17:00"]]}}}}, "sla.calendars.emea.weekly.funday: not a weekday"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "weekly": {}}}}, "sla.calendars.emea.weekly: the calendar has no open window at all"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "holidays": {"country": "XX"}}}}, "sla.calendars.emea.holidays.country: the holidays package does not know country 'XX'"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "holidays": {"country": "GB", "subdivision": "ZZZ"}}}}, "sla.calendars.emea.holidays.subdivision: GB has no subdivision 'ZZZ'"),
        ({"calendars": {"emea": {**GOOD_CALENDAR, "versions": [{"effective_from": "2026-01-05", "weekly": {"tue": [["18:00", "08:00"]]}}]}}}, "sla.calendars.emea.versions[0].weekly.tue[0]: window 18:00\u201308:00 is inverted"),
        ({"default_calendar": "nowhere"}, "sla.default_calendar: unknown calendar 'nowhere'"),
        ({"policies": [{"name": "p", "goals": {"resolution": {"goal": "4h"}}}]}, "sla.policies[0].goals.resolution.calendar: a business-hours goal needs a calendar"),
        ({"calendars": {"emea": GOOD_CALENDAR}, "policies": [{"name": "p", "goals": {"resolution": {"goal": "4h", "calendar": "apac"}}}]}, "sla.policies[0].goals.resolution.calendar: unknown calendar 'apac'"),
        ({"policies": [{"name": "p", "goals": {"resolutoin": {"goal": "4h", "clock": "calendar"}}}]}, "sla.policies[0].goals.resolutoin: unknown metric 'resolutoin'"),
        ({"policies": [{"name": "p", "goals": {"resolution": {"goal": "soon", "clock": "calendar"}}}]}, "sla.policies[0].goals.resolution.goal: cannot read duration 'soon'"),
        ({"policies": [{"name": "p", "goals": {"resolution": {"goal": 0, "clock": "calendar"}}}]}, "sla.policies[0].goals.resolution.goal: duration 0 must be longer than zero"),
        ({"metrics": {"resolution": {"pause_while": ["waiting"]}}}, "sla.metrics.resolution.pause_while[0]: unknown status 'waiting'"),
        ({"metrics": {"resolution": {"stop": ["status:done"]}}}, "sla.metrics.resolution.stop[0]: unknown status 'done'"),
        ({"metrics": {"resolution": {"start": ["created", "comment:public_bot"]}}}, "sla.metrics.resolution.start[1]: unknown condition 'comment:public_bot'"),
        ({"metrics": {"response": {}}}, "sla.metrics.response.kind: 'response' is not a metric kind"),
        ({"metrics": {"resolution": {"start": []}}}, "sla.metrics.resolution.start: the clock never starts"),
        ({"at_risk": [{"percent": 120}]}, "sla.at_risk[0].percent: 120 is not between 0 and 100"),
        ({"at_risk": [{"percent": 50, "time_left": "1h"}]}, "sla.at_risk[0]: set exactly one of percent or time_left"),
        ({"policies": [{"name": "p", "at_risk": [{"time_left": "-5m"}]}]}, "sla.policies[0].at_risk[0].time_left: cannot read duration '-5m'"),
        ({"policies": [{"name": "p", "on_breach": [{"action": "notify", "url": "ftp://x"}]}]}, "sla.policies[0].on_breach[0].url: notify needs an http(s) webhook URL"),
        ({"policies": [{"name": "p", "on_breach": [{"action": "reassign"}]}]}, "sla.policies[0].on_breach[0].team: reassign needs the team"),
        ({"policies": [{"name": "p"}, {"name": "p"}]}, "sla.policies[0].name: policy name 'p' is used more than once"),
    ],
    ids=[
        "unknown-tz", "inverted", "overlap", "night-shift-overlap", "bad-label", "bad-weekday", "no-windows",
        "bad-country", "bad-subdivision", "bad-version-window", "unknown-default-calendar", "goal-without-calendar",
        "unknown-calendar", "unknown-metric", "bad-goal", "zero-goal", "unknown-pause-state", "unknown-stop-status",
        "unknown-condition", "not-a-kind", "never-starts", "bad-percent", "two-thresholds", "bad-time-left",
        "bad-webhook", "reassign-without-team", "duplicate-policy",
    ],
)  # fmt: skip
def test_each_bad_definition_is_reported_with_its_location(
    data: dict[str, Any], expected: str
) -> None:
    """The problem's message starts with the exact location and says what is wrong."""
    found = problems(data)

    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_collected_and_compile_refuses() -> None:
    """Three independent mistakes give three messages; compile_sla raises with all of them."""
    data = {
        "calendars": {
            "emea": {"timezone": "Nowhere/City", "weekly": {"mon": [["12:00", "11:00"]]}}
        },
        "policies": [{"name": "p", "goals": {"resolution": {"goal": "4h", "calendar": "apac"}}}],
    }

    assert len(problems(data)) == 3
    with pytest.raises(SlaConfigError) as caught:
        compile_sla(SlaSettings.model_validate(data))
    assert len(caught.value.problems) == 3


def test_a_good_configuration_has_no_problems_and_compiles() -> None:
    """A realistic section (holidays package, night shift, versions, actions) is clean."""
    data = {
        "calendars": {
            "emea": {
                "timezone": "Europe/London",
                "weekly": {
                    d: [["09:00", "12:30"], ["13:30", "17:30"]]
                    for d in ("mon", "tue", "wed", "thu", "fri")
                },
                "holidays": {"country": "GB", "subdivision": "ENG", "dates": ["2026-12-24"]},
                "versions": [
                    {"effective_from": "2027-01-04", "weekly": {"mon": [["08:00", "18:00"]]}}
                ],
            },
            "nightdesk": {"timezone": "Asia/Kolkata", "weekly": {"fri": [["22:00", "06:00+1"]]}},
        },
        "default_calendar": "emea",
        "policies": [
            {
                "name": "vip",
                "match": {"desk": ["jira-it"], "priority": ["urgent", "high"]},
                "goals": {
                    "first_response": {"goal": "30m"},
                    "resolution": {"goal": "1d", "calendar": "nightdesk"},
                },
                "on_breach": [
                    {"action": "notify", "url": "https://chat.example.com/hook"},
                    {"action": "reassign", "team": "l2"},
                ],
            }
        ],
    }

    assert problems(data) == []
    defs = compile_sla(SlaSettings.model_validate(data))
    assert (defs.select_policy("jira-it", None, Priority.HIGH) or defs.policies[0]).name == "vip"
    assert defs.select_policy("zendesk", None, Priority.HIGH) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        ("90s", 90.0),
        ("30m", 1800.0),
        ("1.5h", 5400.0),
        ("2 days", 172800.0),
        ("1w", 604800.0),
    ],
    ids=["int", "s", "m", "fraction-h", "days", "w"],
)
def test_goal_durations(text: int | str, seconds: float) -> None:
    """Goals read as people write them; a day is 24 hours of clock time (D9)."""
    assert seconds == parse_goal_duration(text)


def test_policies_mixing_calendars_for_one_metric_are_warned_not_refused() -> None:
    """A metric measured in business hours by one policy and 24x7 by another: a warning each."""
    from sla.check import sla_warnings

    settings = SlaSettings.model_validate(
        {
            "calendars": {"emea": GOOD_CALENDAR},
            "default_calendar": "emea",
            "policies": [
                {"name": "urgent", "match": {"priority": ["urgent"]},
                 "goals": {"resolution": {"goal": "4h", "clock": "calendar"},
                           "first_response": {"goal": "1h"}}},
                {"name": "normal", "goals": {"resolution": {"goal": "8h"},
                                            "first_response": {"goal": "2h"}}},
            ],
        }
    )  # fmt: skip

    assert check_sla_settings(settings) == []
    assert sla_warnings(settings) == [
        "sla.metrics.resolution: policies measure it on different calendars (calendar hours "
        "(24x7): urgent; business hours on emea: normal); a ticket moved to another of these "
        "policies is re-measured from its start on the new one and may breach at once "
        "(docs/sla.md, Priority changes)"
    ]
