"""
Pipeline benchmark: webhook acknowledgements, end-to-end tickets, and Dramatiq's own no-op speed.

Runs the real runtime in server processes, sends signed Jira webhooks to it over HTTP from this
process, and reports in one run:

* webhook acks/s (unpaced, 8 client threads) and p50/p99 ack latency at a paced 200 requests/s;
* end-to-end tickets/s (the pipeline's capacity) and p50/p99 webhook-to-note latency (inbox
  received → public reply sent) for a burst sent as fast as the server acknowledges it, with the
  in-memory desk and directory (every ticket is a real unlock, applied and noted). The burst
  arrives several times faster than any pipeline handles it, so its latency is queueing;
* webhook-to-note p50/p99 under a sustained load (``--steady`` tickets at ``--steady-rate`` per
  second, default 1,000 at 100/s, the target rate) once the earlier runs have drained, and the
  rate the notes kept: what a ticket waits when tickets arrive at that rate;
* the same Dramatiq setup's no-op message throughput, so each figure is also a ratio.

Two setups:

* ``embedded`` (default): ONE server process holds the web app and the Dramatiq workers, on
  SQLite + StubBroker (or ``--db postgres --broker redis``), as ``deskpilot run`` does;
* ``production``: the layout of ``deskpilot web`` + ``deskpilot worker``: one web process (web
  app only; it enqueues to Redis) and ``--workers K`` worker processes (workers only), sharing
  a fresh PostgreSQL schema and Redis db 13. The web process starts first and migrates; the
  workers start once it is ready. Each process seeds the same in-memory directory (the
  in-memory desk and directory are per process, which is all the benchmark needs).

    uv run python -m benchmarks.pipeline [--setup embedded|production] [--workers 2]
        [--tickets 2000] [--paced 1000] [--steady 1000] [--steady-rate 100]
        [--db sqlite|postgres] [--broker stub|redis] [--json]

Environment knobs for experiments: BENCH_THREADS (worker threads per worker process; default 8
embedded, 4 in production) and BENCH_SWITCH_MS (the servers' interpreter switch interval). The
production default of 4 threads per process keeps the total at 8 with the default 2 workers, the
same as the embedded run, so the two setups differ only in how the work is split across processes
(and so GILs). With the in-memory connectors a ticket's steps hold the interpreter nearly all the
time, so threads beyond one add switching and no throughput (embedded, workers only, 2026-11-26:
1 thread 172 tickets/s, 8 threads 149); real desks and directories spend most of a step
waiting on the network, which is what the threads overlap.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
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


SETUPS = ("embedded", "production")
ROLES = ("embedded", "web", "worker")
REDIS = "redis://127.0.0.1:6379/13"


def default_threads(setup: str) -> int:
    """Worker threads per worker process: BENCH_THREADS, else 8 embedded and 4 in production."""
    return int(os.environ.get("BENCH_THREADS", "8" if setup == "embedded" else "4"))


def settings_for(
    db_url: str, broker: str, port: int, threads: int = 8, processes: int = 1
) -> dict[str, Any]:
    return {
        "database_url": db_url,
        "broker": {"url": broker, "threads": threads, "processes": processes},
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


def serve(role: str, config_path: str) -> None:
    """
    A server process on a seeded in-memory directory: ``embedded`` runs workers and the web app,
    ``web`` only the web app (it enqueues to the shared broker), ``worker`` only the workers.

    Prints ``ready PORT`` (0 for a worker) once serving, then runs until its stdin is closed.
    """
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
        settings,
        desks={"jira-it": MemoryDesk("jira-it")},
        directories={"corp": directory},
        upgrade_schema=role != "worker",
    )
    workers = Workers(rt, settings.broker.threads) if role != "web" else None
    web = WebServer(rt, "127.0.0.1", settings.web.port) if role != "worker" else None
    try:
        if workers is not None:
            workers.start()
        if web is not None:
            web.start()
        print(f"ready {web.port if web is not None else 0}", flush=True)
        os.dup2(2, 1)  # nothing reads our stdout any more: later output must not fill the pipe
        sys.stdin.read()  # the parent closes stdin to stop us
    finally:
        if web is not None:
            web.stop()
        if workers is not None:
            workers.stop()  # closes the broker too
        else:
            rt.broker.close()
        rt.db.dispose()


class Servers:
    """The benchmark's server processes; stopping closes their stdin, then kills stragglers."""

    def __init__(self, workdir: Path, settings: dict[str, Any], users: int) -> None:
        self.config = workdir / "config.json"
        self.config.write_text(json.dumps({"settings": settings, "users": users}))
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.env = dict(os.environ, DESKPILOT_BENCH_SECRET=SECRET.decode())

    def spawn(self, role: str) -> subprocess.Popen[bytes]:
        """Start one server process (not waiting for it to be ready)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.pipeline", "--serve-role", role, str(self.config)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=self.env,
        )
        self.processes.append((role, process))
        return process

    @staticmethod
    def await_ready(role: str, process: subprocess.Popen[bytes], timeout_s: float = 300) -> int:
        """Wait for the process's ``ready PORT`` line; return the port."""
        assert process.stdout is not None
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([process.stdout], [], [], left)
            if not readable:
                break
            line = process.stdout.readline()
            if not line:
                break  # the process ended
            if line.startswith(b"ready "):
                return int(line.split()[1])
        raise RuntimeError(
            f"the {role} server process did not become ready (exit code {process.poll()});"
            " its traceback, if any, is on stderr above"
        )

    def stop(self, timeout_s: float = 60) -> None:
        """Close every process's stdin, wait for each; kill any that does not stop in time."""
        for _, process in self.processes:
            if process.stdin is not None and not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
        deadline = time.monotonic() + timeout_s
        for role, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"the {role} server process did not stop: killing it", file=sys.stderr)
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        failed = [(role, p.returncode) for role, p in self.processes if p.returncode != 0]
        self.processes.clear()
        if failed:
            print(f"server processes exited with errors: {failed}", file=sys.stderr)


def deliveries(
    count: int, offset: int = 0, key_prefix: str = "IT-1"
) -> list[tuple[bytes, dict[str, str]]]:
    from worker.db.database import utcnow
    from worker.demo.data import DemoDesk, DemoPerson, DemoSet, DemoTicket
    from worker.demo.deliveries import build_deliveries

    desk = DemoDesk("jira-it", "jira", "https://acme-it.atlassian.net", "IT")
    tickets = tuple(
        DemoTicket(
            desk="jira-it",
            key=f"{key_prefix}{offset + n:05d}",
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
    db_url: str, keys_prefix: str, count: int, stall_timeout_s: float = 180
) -> tuple[float, list[float]]:
    """
    Wait until ``count`` tickets have a sent public reply; give up only when none completed for
    ``stall_timeout_s`` (saying so on stderr), so a long run is never cut short.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    query = text(
        "SELECT min(i.received_at), max(o.sent_at) FROM inbox i JOIN tickets t ON t.id = i.ticket_id "
        "JOIN outbox o ON o.ticket_id = t.id AND o.kind = 'public_reply' AND o.state = 'sent' "
        "WHERE t.key LIKE :p GROUP BY t.id"
    )
    rows: list[Any] = []
    last_progress = time.monotonic()
    while True:
        with engine.connect() as connection:
            latest = connection.execute(query, {"p": keys_prefix}).all()
        if len(latest) > len(rows):
            last_progress = time.monotonic()
        rows = list(latest)
        if len(rows) >= count:
            break
        if time.monotonic() - last_progress > stall_timeout_s:
            print(
                f"end-to-end: only {len(rows)} of {count} tickets noted, none for"
                f" {stall_timeout_s:.0f} s; reporting those",
                file=sys.stderr,
            )
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

    from worker.config import BrokerSettings
    from worker.queue.broker import make_broker

    if broker_url != "stub":  # the servers are gone: drop what they left queued, or we'd consume it
        import redis

        redis.Redis.from_url(broker_url).flushdb()
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
    parser.add_argument(
        "--setup",
        choices=SETUPS,
        default="embedded",
        help="embedded: one process (web + workers); production: 1 web + K worker processes",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes (production setup only)"
    )
    parser.add_argument("--tickets", type=int, default=2000, help="tickets for the end-to-end run")
    parser.add_argument(
        "--paced", type=int, default=1000, help="requests for the paced 200 req/s run"
    )
    parser.add_argument(
        "--db", choices=["sqlite", "postgres"], help="embedded: sqlite (default) or postgres"
    )
    parser.add_argument(
        "--broker", choices=["stub", "redis"], help="embedded: stub (default) or redis"
    )
    parser.add_argument(
        "--steady",
        type=int,
        default=1000,
        help="tickets for the sustained-load latency run (after the others have drained)",
    )
    parser.add_argument(
        "--steady-rate", type=float, default=100.0, help="tickets per second in the sustained run"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON dict")
    args = parser.parse_args()
    if args.setup == "production":
        if args.db not in (None, "postgres") or args.broker not in (None, "redis"):
            parser.error("--setup production runs on PostgreSQL and Redis only")
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        args.db, args.broker = "postgres", "redis"
    else:
        args.db = args.db or "sqlite"
        args.broker = args.broker or "stub"
    if args.tickets < 1 or args.paced < 1:
        parser.error("--tickets and --paced must be at least 1")
    if args.steady < 0 or args.steady_rate <= 0:
        parser.error("--steady must be at least 0 and --steady-rate positive")

    from worker.logging import configure_logging

    configure_logging(json_output=True, level="ERROR")  # no per-message lines from the no-op run
    figures = run(args)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the servers, measure, stop them (whatever happens), measure the no-op reference."""
    production = args.setup == "production"
    threads = default_threads(args.setup)
    worker_processes = args.workers if production else 1
    workdir = Path(tempfile.mkdtemp(prefix="deskpilot-bench-"))
    db_url = f"sqlite:///{workdir / 'bench.sqlite3'}" if args.db == "sqlite" else _fresh_postgres()
    broker = "stub" if args.broker == "stub" else REDIS
    if broker != "stub":
        import redis

        redis.Redis.from_url(broker).flushdb()
    servers = Servers(
        workdir,
        settings_for(db_url, broker, 0, threads=threads, processes=worker_processes),
        users=args.tickets + args.paced + args.steady,
    )
    try:
        first = servers.spawn("web" if production else "embedded")
        port = servers.await_ready("web" if production else "embedded", first)
        if production:  # the web process has migrated: now the workers, all at once
            started = [servers.spawn("worker") for _ in range(args.workers)]
            for process in started:
                servers.await_ready("worker", process)
        e2e = deliveries(args.tickets)
        elapsed, ack_unpaced = send_unpaced(port, e2e)
        span, note_latencies = end_to_end(db_url, "IT-1%", args.tickets)
        paced = send_paced(port, deliveries(args.paced, offset=args.tickets), rate=200)
        steady: list[float] = []
        steady_span = 0.0
        if args.steady:
            # Below capacity, after the backlog has drained: the latency one ticket sees when
            # the pipeline is not queueing (the burst figures above are mostly queueing).
            end_to_end(db_url, "IT-1%", args.tickets + args.paced)
            batch = deliveries(args.steady, offset=args.tickets + args.paced, key_prefix="IT-2")
            send_paced(port, batch, rate=args.steady_rate)
            steady_span, steady = end_to_end(db_url, "IT-2%", args.steady)
    finally:
        servers.stop()
    noop = noop_throughput(broker)
    acks_per_s = len(ack_unpaced) / elapsed
    tickets_per_s = len(note_latencies) / span if span else 0.0
    return {
        "setup": args.setup,
        "web_processes": 1,
        "worker_processes": worker_processes,
        "worker_threads_per_process": threads,
        "server_processes": 1 + args.workers if production else 1,
        "db": args.db,
        "broker": args.broker,
        "tickets": args.tickets,
        "tickets_handled": len(note_latencies),
        "paced_requests": args.paced,
        "paced_rate_per_s": 200,
        "webhook_acks_per_s": round(acks_per_s, 1),
        "webhook_acks_of_noop": round(acks_per_s / noop, 4),
        "ack_p50_ms": round(statistics.median(paced) * 1000, 1),
        "ack_p99_ms": round(percentile(paced, 99) * 1000, 1),
        "e2e_tickets_per_s": round(tickets_per_s, 1),
        "e2e_tickets_of_noop": round(tickets_per_s / noop, 5),
        "note_p50_ms": round(statistics.median(note_latencies) * 1000) if note_latencies else None,
        "note_p99_ms": round(percentile(note_latencies, 99) * 1000) if note_latencies else None,
        "noop_messages_per_s": round(noop),
        "steady_tickets": len(steady),
        "steady_rate_per_s": args.steady_rate,
        "steady_noted_per_s": round(len(steady) / steady_span, 1) if steady_span else None,
        "steady_note_p50_ms": round(statistics.median(steady) * 1000) if steady else None,
        "steady_note_p99_ms": round(percentile(steady, 99) * 1000) if steady else None,
    }


def describe(figures: dict[str, Any]) -> str:
    """The setup in words: processes, threads, db, broker."""
    threads = figures["worker_threads_per_process"]
    if figures["setup"] == "production":
        layout = (
            f"1 web process + {figures['worker_processes']} worker processes x {threads} threads"
        )
    else:
        layout = f"1 process (web + {threads} worker threads)"
    return f"setup={figures['setup']}: {layout}, db={figures['db']} broker={figures['broker']}"


def print_table(f: dict[str, Any]) -> None:
    def ms(value: float | None, digits: int) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    rows = [
        (
            "webhook acks/s (8 client threads)",
            f"{f['webhook_acks_per_s']:,.0f}",
            f"{f['webhook_acks_of_noop']:.3f} of no-op",
        ),
        (
            f"ack latency p50 / p99 at {f['paced_rate_per_s']} req/s",
            f"{f['ack_p50_ms']:.1f} / {f['ack_p99_ms']:.1f} ms",
            "target p99 ≤ 50 ms",
        ),
        (
            f"end-to-end tickets/s, {f['tickets']:,}-ticket burst (webhook → note)",
            f"{f['e2e_tickets_per_s']:,.0f}",
            f"{f['e2e_tickets_of_noop']:.4f} of no-op; target ≥ 100",
        ),
        (
            "webhook-to-note p50 / p99 in that burst",
            f"{ms(f['note_p50_ms'], 0)} / {ms(f['note_p99_ms'], 0)} ms",
            "queueing: the burst arrives faster than it is handled",
        ),
        (
            f"webhook-to-note p50 / p99 at a sustained {f['steady_rate_per_s']:g} tickets/s",
            f"{ms(f['steady_note_p50_ms'], 0)} / {ms(f['steady_note_p99_ms'], 0)} ms",
            f"target p50 ≤ 1 s; {f['steady_tickets']} tickets, noted at"
            f" {ms(f['steady_noted_per_s'], 1)}/s",
        ),
        (
            "Dramatiq no-op messages/s (same broker, 8 threads)",
            f"{f['noop_messages_per_s']:,.0f}",
            "reference",
        ),
    ]
    print(
        f"deskpilot pipeline benchmark — {describe(f)} tickets={f['tickets']}"
        f" (handled {f['tickets_handled']})"
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
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-role" and sys.argv[2] in ROLES:
        serve(sys.argv[2], sys.argv[3])
    else:
        main()
