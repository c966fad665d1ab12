"""
Redis emptied under the workers: the janitor notices within one round and the waiting work is
sent again at once, instead of after its two-minute lease.
"""

from __future__ import annotations

from pathlib import Path

import redis
from dramatiq.brokers.redis import RedisBroker

from tests.integration.playbooks.world import world
from worker.queue.broker import RedisJanitor
from worker.queue.periodic import sweep


def test_the_janitor_notices_redis_losing_its_data(redis_url: str) -> None:
    broker = RedisBroker(url=redis_url)  # type: ignore[no-untyped-call]
    lost: list[bool] = []
    first = RedisJanitor(broker, 5, on_data_lost=lambda: lost.append(True))
    second = RedisJanitor(broker, 5, on_data_lost=lambda: lost.append(True))
    try:
        assert not first.check_marker()
        assert not second.check_marker()
        assert not first.check_marker()

        redis.Redis.from_url(redis_url).flushdb()

        assert [first.check_marker(), second.check_marker()] == [True, False]
        assert lost == [True]
    finally:
        broker.close()


def test_after_a_loss_waiting_work_is_sent_again_without_waiting_for_its_lease(
    tmp_path: Path,
) -> None:
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}") as w:
        w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.rt.broker.flush_all()  # its message is gone

        assert sweep(w.rt)["ingest"] == 0  # within its lease: not yet
        assert sweep(w.rt, broker_lost=True)["ingest"] == 1
        w.drain()
        assert w.ticket_row("IT-2").outcome == "resolved"
