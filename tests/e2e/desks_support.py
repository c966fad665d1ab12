"""Helpers for the desk end-to-end tests: a runtime whose ``jira-it`` is a real JiraDesk."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from dramatiq import Worker

from connectors.desks import DeskClient
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.memory import MemoryDesk
from connectors.desks.transport import RetryPolicy
from connectors.ratelimit import LocalRateLimiter
from tests.e2e.pipeline_support import demo_settings_for
from worker.boot import build_runtime
from worker.db.database import utcnow
from worker.demo.deliveries import DemoDelivery, build_deliveries, load_demo
from worker.demo.settings import DEMO_DESKS, seed_directory
from worker.queue.broker import QUEUES
from worker.runtime import Runtime

JIRA = "https://acme-it.atlassian.net"
SD_COMMENTS = JIRA + "/rest/servicedeskapi/request/{key}/comment"
TRANSITIONS = JIRA + "/rest/api/3/issue/{key}/transitions"
SEARCH = JIRA + "/rest/api/3/search/jql"
STATUS_MAP = {
    "resolved": "Resolved",
    "in_progress": "Start work",
    "pending_requester": "Waiting for customer",
}


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the desk sleeps on it; the sleeps are recorded."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class DeskRun:
    """A migrated runtime, its desks, the demo's signed deliveries and the webhook keys."""

    rt: Runtime
    desks: dict[str, DeskClient]
    deliveries: list[DemoDelivery]
    keys: dict[str, bytes]
    clock: FakeClock

    def delivery(self, key: str) -> DemoDelivery:
        """The demo's webhook delivery for ticket ``key``."""
        return next(d for d in self.deliveries if d.key == key)


def jira_desk(clock: FakeClock, **options: Any) -> JiraDesk:
    """The ``jira-it`` desk as a real JiraDesk whose limiter and sleeps run on ``clock``."""
    return JiraDesk(
        "jira-it",
        JIRA,
        email="deskpilot@example.com",
        api_token="not-a-real-token",
        limiter=LocalRateLimiter(clock=clock.monotonic),
        options=JiraOptions(status_map=STATUS_MAP, **options),
        sleep=clock.sleep,
        policy=RetryPolicy(attempts=4, max_total_wait_s=60.0, max_inline_wait_s=10.0),
    )


@contextmanager
def desk_runtime(
    database_url: str,
    make_jira: Callable[[FakeClock], DeskClient] | None = None,
    *,
    make: Mapping[str, Callable[[FakeClock], DeskClient]] | None = None,
) -> Iterator[DeskRun]:
    """
    The demo's settings and directory on ``database_url``; ``jira-it`` from ``make_jira`` and
    any other desk from ``make`` (the rest are MemoryDesks that know the demo's requesters).
    """
    settings, keys = demo_settings_for(database_url)
    demo = load_demo()
    clock = FakeClock()
    deliveries = build_deliveries(demo, secrets=keys, now=utcnow())
    memory = {name: MemoryDesk(name) for name in DEMO_DESKS}
    for delivery in deliveries:
        if delivery.requester_id:
            memory[delivery.desk].add_person(delivery.requester_id, delivery.requester_email)
    desks: dict[str, DeskClient] = dict(memory)
    if make_jira is not None:
        desks["jira-it"] = make_jira(clock)
    for name, factory in (make or {}).items():
        desks[name] = factory(clock)
    rt = build_runtime(settings, desks=desks, directories={"corp": seed_directory(demo)})
    try:
        yield DeskRun(rt, desks, deliveries, keys, clock)
    finally:
        rt.broker.close()
        rt.db.dispose()


def drain(rt: Runtime, rounds: int = 50) -> None:
    """Run real Dramatiq workers until every queue (and its delay queue) stays empty."""
    worker = Worker(rt.broker, worker_timeout=100)
    worker.start()
    try:
        for _ in range(rounds):
            for queue in QUEUES:
                rt.broker.join(queue, timeout=60_000)
            if not any(_unfinished(rt, queue) for queue in QUEUES):
                return
        raise AssertionError(f"the queues did not drain in {rounds} rounds")
    finally:
        worker.stop()


def _unfinished(rt: Runtime, queue: str) -> int:
    queues: Any = rt.broker.queues
    return int(queues[queue].unfinished_tasks + queues[f"{queue}.DQ"].unfinished_tasks)


def jira_signed(body: bytes, key: bytes, identifier: str) -> dict[str, str]:
    """The headers Jira sends with an admin webhook signed with ``key``."""
    digest = hmac.new(key, body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Atlassian Webhook HTTP Client",
        "X-Atlassian-Webhook-Identifier": identifier,
        "X-Hub-Signature": f"sha256={digest}",
    }


def search_page(delivery: DemoDelivery) -> dict[str, Any]:
    """A ``/search/jql`` answer holding the issue the webhook ``delivery`` carried."""
    issue = dict(json.loads(delivery.body)["issue"])
    issue["changelog"] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
    return {"issues": [issue], "isLast": True}


def _jql(request: Any) -> str:
    return parse_qs(urlsplit(str(request.url)).query).get("jql", [""])[0]


def channel_query(request: Any) -> tuple[bool, str]:
    """A ``responses`` matcher: the JSM request-channel query (``request-channel-type``)."""
    return "request-channel-type" in _jql(request), "not the request-channel query"


def poll_query(request: Any) -> tuple[bool, str]:
    """A ``responses`` matcher: any other search (the poller's)."""
    return "request-channel-type" not in _jql(request), "the request-channel query"


def answer_channel(rsps: responses.RequestsMock, channel: str = "portal") -> None:
    """JSM answers the request-channel query: every ticket was raised through ``channel``."""

    def search(request: Any) -> tuple[int, dict[str, str], str]:
        key = re.search(r'issuekey = "([^"]+)"', _jql(request))
        wanted = re.search(r"request-channel-type in \((.*)\)", _jql(request))
        assert key is not None
        assert wanted is not None
        hit = channel in [c.strip().strip('"') for c in wanted.group(1).split(",")]
        issues = [{"expand": "", "id": "10001", "key": key.group(1)}] if hit else []
        return 200, {}, json.dumps({"issues": issues, "isLast": True})

    rsps.add_callback(responses.GET, SEARCH, callback=search, match=[channel_query])
