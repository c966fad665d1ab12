"""Dashboard figures on a small hand-built dataset, and one pass over 100,000 tickets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sla.clock import Stage
from sla.report import ClockRecord, Period, TicketRecord, dashboard_figures, distribution

T0 = datetime(2026, 11, 2, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(days=7))
NOW = T0 + timedelta(days=6)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def clock(stage: Stage, breached: bool, *, stop: float | None = None, breach: float | None = None,
          elapsed: float = 3600, goal: float = 14400, metric: str = "resolution") -> ClockRecord:  # fmt: skip
    return ClockRecord(
        metric, stage, goal, elapsed, goal - elapsed, None if breach is None else h(breach),
        breached, h(0), None if stop is None else h(stop),
    )  # fmt: skip


def ticket(key: str, desk: str, *clocks: ClockRecord, **kw: object) -> TicketRecord:
    fields = {
        "url": f"https://desk.example.com/{key}",
        "intent": "unlock",
        "priority": "high",
        "team": "l1",
        "created_at": h(0),
    }
    fields.update(kw)
    return TicketRecord(desk, key, clocks=clocks, **fields)  # type: ignore[arg-type]


TICKETS = [
    ticket("IT-1", "jira", clock(Stage.COMPLETED, False, stop=2), first_response_at=h(0.5), resolved_at=h(2), resolved_by_automation=True),
    ticket("IT-2", "jira", clock(Stage.COMPLETED, True, stop=30, breach=4), first_response_at=h(1.5), resolved_at=h(30), approval_wait_s=7200),
    ticket("IT-3", "jira", clock(Stage.RUNNING, True, breach=26, elapsed=20000)),  # open breach: counted
    ticket("IT-4", "jira", clock(Stage.CANCELLED, False, stop=1)),
    ticket("ZD-1", "zendesk", clock(Stage.RUNNING, False, elapsed=13000, breach=146), first_response_at=h(3)),  # at risk (90 %)
    ticket("ZD-2", "zendesk", clock(Stage.PAUSED, False, elapsed=12600)),  # at risk, paused: no breach_at
    ticket("ZD-3", "zendesk", clock(Stage.RUNNING, False, elapsed=600), resolved_at=h(5), first_response_at=h(1)),
    ticket("ZD-4", "zendesk", clock(Stage.COMPLETED, False, stop=200), created_at=h(-300)),  # stopped after the period
]  # fmt: skip


def test_compliance_counts_open_breaches_and_shows_cancelled_apart() -> None:
    """jira: 1 met, 1 breached done, 1 breached open → 33 %; cancelled only shown."""
    figures = dashboard_figures(TICKETS, PERIOD, NOW)

    jira, zendesk = figures.compliance
    assert (
        jira.group,
        jira.met,
        jira.breached_completed,
        jira.breached_open,
        jira.cancelled,
    ) == ("jira", 1, 1, 1, 1)
    assert jira.percent == 100 / 3
    assert (zendesk.group, zendesk.percent) == ("zendesk", None)
    assert figures.active_breached == 1


def test_at_risk_list_is_sorted_by_time_left_with_countdown_instants() -> None:
    """Running and paused clocks past 75 % are listed, least time left first."""
    figures = dashboard_figures(TICKETS, PERIOD, NOW)

    assert [("ZD-1", 1400.0, h(146)), ("ZD-2", 1800.0, None)] == [
        (r.key, r.remaining_seconds, r.breach_at) for r in figures.at_risk
    ]


def test_breach_trend_is_per_day_of_the_breach_including_empty_days() -> None:
    """Breaches land on the day they happened (not the close day)."""
    trend = dict(dashboard_figures(TICKETS, PERIOD, NOW).breach_trend)

    assert (
        trend[date(2026, 11, 2)],
        trend[date(2026, 11, 3)],
        trend[date(2026, 11, 4)],
    ) == (1, 1, 0)
    assert len(trend) == 8


def test_response_resolution_percentiles_automation_and_approval_wait() -> None:
    """p50/p90 of first response and resolution, automation share, approval waits."""
    figures = dashboard_figures(TICKETS, PERIOD, NOW)

    assert (figures.first_response.count, figures.first_response.p50) == (4, 4500.0)
    # resolutions 2 h, 5 h, 30 h: p50 = 5 h; p90 at rank 1.8 = 5 h + 0.8 * 25 h = 25 h
    assert (
        figures.resolution.count, figures.resolution.p50, figures.resolution.p90
    ) == (3, 18000.0, 90000.0)  # fmt: skip
    assert (figures.resolved, figures.resolved_by_automation) == (3, 1)
    assert figures.automation_rate == 100 / 3
    assert (figures.approval_wait.count, figures.approval_wait.p50) == (1, 7200.0)


def test_group_by_team_and_metric() -> None:
    """Compliance can be grouped by other fields."""
    figures = dashboard_figures(TICKETS, PERIOD, NOW, group_by="metric")

    assert [
        (c.group, c.met, c.breached_completed, c.breached_open) for c in figures.compliance
    ] == [("resolution", 1, 1, 1)]


def test_distribution_of_nothing_and_one() -> None:
    """Empty and single-value distributions are well defined."""
    assert (distribution([]).count, distribution([]).p90) == (0, None)
    assert (
        distribution([5.0]).count,
        distribution([5.0]).p50,
        distribution([5.0]).p95,
    ) == (1, 5.0, 5.0)


def test_hundred_thousand_tickets_in_one_pass() -> None:
    """100,000 records are summarised (counts add up; no quadratic work makes this hang)."""
    many = [
        ticket(f"K-{i}", f"desk{i % 4}", clock(Stage.COMPLETED, i % 10 == 0, stop=(i % 100) + 1, breach=1),
               first_response_at=h(1 + i % 7), resolved_at=h(2 + i % 50))
        for i in range(100_000)
    ]  # fmt: skip

    figures = dashboard_figures(many, PERIOD, NOW)

    assert sum(c.met + c.breached_completed for c in figures.compliance) == 100_000
    assert sum(c.breached_completed for c in figures.compliance) == 10_000
    assert figures.resolution.count == 100_000
