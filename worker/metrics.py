"""Prometheus metrics deskpilot exports (one registry per process)."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
_registering = threading.Lock()
_registered: list[Collector] = []


def register_once(collector: Collector) -> None:
    """Register ``collector`` on ``REGISTRY`` unless this process already did."""
    with _registering:
        if not any(c is collector for c in _registered):
            REGISTRY.register(collector)
            _registered.append(collector)


WEBHOOKS = Counter(
    "deskpilot_webhooks_total",
    "Webhook deliveries by desk and answer.",
    ["desk", "status"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "deskpilot_webhook_ack_seconds",
    "Time to verify, store and acknowledge a webhook delivery.",
    ["desk"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
MESSAGES = Counter(
    "deskpilot_messages_total",
    "Worker messages processed by actor and outcome.",
    ["actor", "outcome"],
    registry=REGISTRY,
)
QUEUE_WAIT = Histogram(
    "deskpilot_queue_wait_seconds",
    "Time a message waited in its queue before a worker started it.",
    ["queue"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
    registry=REGISTRY,
)
SWEEP_REQUEUED = Counter(
    "deskpilot_sweeper_requeued_total",
    "Work the sweeper re-enqueued because its message was lost or its worker died.",
    ["kind"],
    registry=REGISTRY,
)
STEPS = Counter(
    "deskpilot_playbook_steps_total",
    "Playbook steps by operation and result.",
    ["operation", "result"],
    registry=REGISTRY,
)
TIMERS_FIRED = Counter(
    "deskpilot_timers_fired_total",
    "Durable timers fired by kind.",
    ["kind"],
    registry=REGISTRY,
)
