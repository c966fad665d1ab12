"""The ``reconcile_sla`` desk option: accepted shapes and the errors people see."""

from __future__ import annotations

from typing import Any

import pytest

from worker.config import ConfigError, DeskSettings
from worker.wiring.desks import reconcile_settings


def desk(options: dict[str, Any]) -> DeskSettings:
    return DeskSettings.model_validate({"name": "jira-it", "type": "memory", "options": options})


def test_valid_option_is_read_with_defaults() -> None:
    """Only the map is required; interval, tolerance and batch have defaults."""
    found = reconcile_settings(desk({"reconcile_sla": {"metric_map": {"TTR": "resolution"}}}))

    assert found is not None
    assert ({"TTR": "resolution"}, 300.0, 300.0, 100) == (
        found.metric_map,
        found.interval_s,
        found.tolerance_s,
        found.batch,
    )
    assert reconcile_settings(desk({})) is None


@pytest.mark.parametrize(
    ("option", "where"),
    [
        ({"metric_map": {}}, "reconcile_sla.metric_map"),
        ({"metric_map": {"TTR": ""}}, "reconcile_sla.metric_map"),
        ({"metric_map": {"TTR": "resolution"}, "interval_s": 5}, "reconcile_sla.interval_s"),
        ({"metric_map": {"TTR": "resolution"}, "every": 5}, "reconcile_sla.every"),
    ],
    ids=["empty-map", "empty-name", "interval-too-short", "unknown-key"],
)
def test_bad_option_names_its_location(option: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        reconcile_settings(desk({"reconcile_sla": option}))

    assert caught.value.problems[0].startswith(f"desks.jira-it.options.{where}")
