"""
Pipeline benchmark: webhook acknowledgements, end-to-end tickets, and Dramatiq's own no-op speed.

Runs the real runtime (web app + Dramatiq workers, embedded default by default) in a server
process, sends signed Jira webhooks to it over HTTP from this process, and reports in one run:

* webhook acks/s (unpaced, 8 client threads) and p50/p99 ack latency at a paced 200 requests/s;
* end-to-end tickets/s and p50/p99 webhook-to-note latency (inbox received → public reply sent),
  with the in-memory desk and directory (every ticket is a real unlock, applied and noted);
* the same Dramatiq setup's no-op message throughput, so each figure is also a ratio.

    uv run python -m benchmarks.pipeline [--tickets 2000] [--db sqlite|postgres] [--broker stub|redis]

Environment knobs for experiments: BENCH_THREADS (worker threads in the server, default 8) and
BENCH_SWITCH_MS (the server's interpreter switch interval).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = b"benchmark-secret"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def settings_for(db_url: str, broker: str, port: int) -> dict[str, Any]:
    return {
        "database_url": db_url,
        "broker": {"url": broker, "threads": int(os.environ.get("BENCH_THREADS", "8"))},
        "web": {"host": "127.0.0.1", "port": port},
        "runtime": {"sweep_interval_s": 30, "lease_s": 120, "timer_tick_s": 15},
        "desks": [
            {
                "name": "jira-it",
                "type": "jira",
                "connector": "memory",
                "webhook_secret": {"env": "DESKPILOT_BENCH_SECRET"},
                "directory": "corp",
            }
        ],
        "directories": [{"name": "corp", "type": "memory"}],
        "classifier": {
            "routes": [
                {
                    "desk": "jira",
                    "field": "request_type",
                    "value": "Unlock my account",
                    "intent": "account_unlock",
                }
            ]
        },
    }


def serve(config_path: str) -> None:
    """The server process: runtime, workers and web app on a seeded in-memory directory."""
    from connectors.desks.memory import MemoryDesk
    from connectors.identity import NewUser
    from connectors.identity.memory import MemoryDirectory
    from worker.boot import WebServer, Workers, build_runtime
    from worker.config import AppSettings
    from worker.logging import configure_logging

    configure_logging(json_output=True, level="ERROR")
    if os.environ.get("BENCH_SWITCH_MS"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_MS"]) / 1000)
    data = json.loads(Path(config_path).read_text())
    settings = AppSettings.model_validate(data["settings"])
    directory = MemoryDirectory("corp")
    for n in range(data["users"]):
        directory.create_user(
            NewUser(
                login=f"user{n:05d}",
                given_name="Bench",
                family_name=f"U{n}",
                email=f"user{n:05d}@corp.example.com",
            )
        )
        user = directory.find_user(login=f"user{n:05d}")
        assert user is not None
        directory.lock(user.id)
    rt = build_runtime(
        settings, desks={"jira-it": MemoryDesk("jira-it")}, directories={"corp": directory}
    )
    workers = Workers(rt, settings.broker.threads)
    workers.start()
    web = WebServer(rt, "127.0.0.1", settings.web.port)
    web.start()
    print(f"ready {web.port}", flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us
    web.stop()
    workers.stop()


def deliveries(count: int, offset: int = 0) -> list[tuple[bytes, dict[str, str]]]:
    from worker.db import utcnow
    from worker.demo.data import DemoDesk, DemoPerson, DemoSet, DemoTicket
    from worker.demo.deliveries import build_deliveries

    desk = DemoDesk("jira-it", "jira", "https://acme-it.atlassian.net", "IT")
    tickets = tuple(
        DemoTicket(
            desk="jira-it",
            key=f"IT-{100000 + offset + n}",
            requester=DemoPerson(f"user{offset + n:05d}@corp.example.com", f"Bench U{n}"),
            subject="Locked out",
            body="My account is locked after too many attempts.",
            priority="normal",
            created_minutes_ago=1,
            expect_intent="account_unlock",
            request_type="Unlock my account",
        )
        for n in range(count)
    )
    built = build_deliveries(
        DemoSet({"jira-it": desk}, tickets, (), ()), secrets={"jira-it": SECRET}, now=utcnow()
    )
    return [(d.body, d.headers) for d in built]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def send_unpaced(
    port: int, batch: list[tuple[bytes, dict[str, str]]], threads: int = 8
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [batch[i::threads] for i in range(threads)]

    def run(chunk: list[tuple[bytes, dict[str, str]]]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for body, headers in chunk:
                t0 = time.perf_counter()
                response = client.post("/hooks/jira-it", content=body, headers=headers)
                elapsed = time.perf_counter() - t0
                assert response.status_code == 202, response.text
                with lock:
                    latencies.append(elapsed)

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started, latencies


def send_paced(port: int, batch: list[tuple[bytes, dict[str, str]]], rate: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    interval = 1.0 / rate
    start = time.perf_counter()

    def one(index: int, body: bytes, headers: dict[str, str], client: httpx.Client) -> None:
        t0 = time.perf_counter()
        response = client.post("/hooks/jira-it", content=body, headers=headers)
        with lock:
            latencies.append(time.perf_counter() - t0)
        assert response.status_code == 202, response.text

    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=30, limits=httpx.Limits(max_connections=64)
    ) as client:
        threads = []
        for i, (body, headers) in enumerate(batch):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(target=one, args=(i, body, headers, client))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
    return latencies


def end_to_end(
    db_url: str, keys_prefix: str, count: int, timeout_s: float = 600
) -> tuple[float, list[float]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    query = text(
        "SELECT min(i.received_at), max(o.sent_at) FROM inbox i JOIN tickets t ON t.id = i.ticket_id "
        "JOIN outbox o ON o.ticket_id = t.id AND o.kind = 'public_reply' AND o.state = 'sent' "
        "WHERE t.key LIKE :p GROUP BY t.id"
    )
    deadline = time.monotonic() + timeout_s
    rows: list[Any] = []
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = connection.execute(query, {"p": keys_prefix}).all()
        if len(rows) >= count:
            break
        time.sleep(0.5)
    engine.dispose()
    latencies = [(_aware(sent) - _aware(received)).total_seconds() for received, sent in rows]
    span = (
        (max(_aware(s) for _, s in rows) - min(_aware(r) for r, _ in rows)).total_seconds()
        if rows
        else 0.0
    )
    return span, latencies


def _aware(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def noop_throughput(broker_url: str, messages: int = 20000) -> float:
    """The same broker setup with a no-op actor: messages per second drained by one Worker."""
    import dramatiq

    from worker.broker import make_broker
    from worker.config import BrokerSettings

    broker = make_broker(BrokerSettings(url=broker_url))
    counter = {"n": 0}
    lock = threading.Lock()

    @dramatiq.actor(broker=broker, queue_name="bench_noop", actor_name="bench_noop")
    def noop() -> None:
        with lock:
            counter["n"] += 1

    for _ in range(messages):
        noop.send()
    worker = dramatiq.Worker(broker, worker_threads=8, worker_timeout=100)
    worker.queue_prefetch = 64
    started = time.perf_counter()
    worker.start()
    while counter["n"] < messages:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    worker.stop()
    broker.close()
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=2000, help="tickets for the end-to-end run")
    parser.add_argument(
        "--paced", type=int, default=1000, help="requests for the paced 200 req/s run"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--broker", choices=["stub", "redis"], default="stub")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="deskpilot-bench-"))
    db_url = f"sqlite:///{workdir / 'bench.sqlite3'}" if args.db == "sqlite" else _fresh_postgres()
    broker = "stub" if args.broker == "stub" else "redis://127.0.0.1:6379/13"
    if broker != "stub":
        import redis

        redis.Redis.from_url(broker).flushdb()
    total = args.tickets + args.paced
    config = workdir / "config.json"
    config.write_text(json.dumps({"settings": settings_for(db_url, broker, 0), "users": total}))
    env = dict(os.environ, DESKPILOT_BENCH_SECRET=SECRET.decode())
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.pipeline", "--serve", str(config)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    assert server.stdin is not None
    port = int(server.stdout.readline().split()[1])
    try:
        e2e = deliveries(args.tickets)
        elapsed, ack_unpaced = send_unpaced(port, e2e)
        span, note_latencies = end_to_end(db_url, "IT-1%", args.tickets)
        paced = send_paced(port, deliveries(args.paced, offset=args.tickets), rate=200)
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    noop = noop_throughput(broker)
    tickets_per_s = len(note_latencies) / span if span else 0.0
    rows = [
        (
            "webhook acks/s (8 client threads)",
            f"{len(ack_unpaced) / elapsed:,.0f}",
            f"{len(ack_unpaced) / elapsed / noop:.3f} of no-op",
        ),
        (
            "ack latency p50 / p99 at 200 req/s",
            f"{statistics.median(paced) * 1000:.1f} / {percentile(paced, 99) * 1000:.1f} ms",
            "target p99 ≤ 50 ms",
        ),
        (
            "end-to-end tickets/s (webhook → note)",
            f"{tickets_per_s:,.0f}",
            f"{tickets_per_s / noop:.4f} of no-op; target ≥ 100",
        ),
        (
            "webhook-to-note p50 / p99",
            f"{statistics.median(note_latencies) * 1000:.0f} / {percentile(note_latencies, 99) * 1000:.0f} ms",
            "target p50 ≤ 1 s",
        ),
        ("Dramatiq no-op messages/s (same broker, 8 threads)", f"{noop:,.0f}", "reference"),
    ]
    print(
        f"deskpilot pipeline benchmark — db={args.db} broker={args.broker} tickets={args.tickets} (handled {len(note_latencies)})"
    )
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>18}  {note}")


def _fresh_postgres() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS bench CASCADE"))
        connection.execute(text("CREATE SCHEMA bench"))
    engine.dispose()
    return f"{POSTGRES}?options=-csearch_path%3Dbench"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        main()
