"""
Fault benchmark: the production layout put through the faults an operator meets, one at a time.

Runs ``deskpilot web`` and two ``deskpilot worker`` processes (the CLI, as an operator would) on
a PostgreSQL cluster, a Redis server and an OpenLDAP server of its own on loopback, writing back
to a desk speaking Jira's REST API (``fault_systems.FakeJira``). Tickets are signed Jira
webhooks for password resets (a one-time password set in OpenLDAP: the one step that must never
run twice), sent at a steady rate; a sender retries a delivery that was not acknowledged, as Jira
does. Each fault gets its own tickets:

* ``killed_worker``: one worker SIGKILLed mid-run and started again at once;
* ``emptied_redis``: Redis flushed (every queued message lost);
* ``postgres_restart`` and ``postgres_stop_20s``: the database restarted, or stopped for 20 s;
* ``desk_429_then_500s``: the desk answers 429 (Retry-After 5 s) for 15 s, then 10 % of its
  requests fail with 500 for 30 s (half of those after the change was applied);
* ``directory_down_30s``: OpenLDAP stopped for 30 s;
* ``duplicate_deliveries``: every webhook delivered twice, the second copy a moment later.

Per fault it reports tickets lost, duplicate directory changes (from the directory's own audit
log), duplicate notes and duplicate status changes (from the desk), dead letters, and the
recovery time: from the fault clearing until the backlog is back to what it was before the fault
at the same arrival rate. Everything it starts is stopped at the end, and every wait is bounded.

    uv run python -m benchmarks.faults [--rate 2] [--only killed_worker,...] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fault_figures import (
    SECRET,
    Phase,
    deliveries,
    latency,
    normal_latency,
    recovery_time,
)
from benchmarks.fault_systems import FakeJira, Postgres, RedisServer, Slapd

ROOT = Path(__file__).resolve().parents[1]
FAULTS = (
    "killed_worker",
    "emptied_redis",
    "postgres_restart",
    "postgres_stop_20s",
    "desk_429_then_500s",
    "directory_down_30s",
    "duplicate_deliveries",
)
PRE_S, POST_S, DRAIN_S = 15.0, 15.0, 240.0


def settings(
    pg: Postgres, redis_url: str, slapd: Slapd, jira: FakeJira, port: int
) -> dict[str, Any]:
    """The production configuration, pointed at this benchmark's own systems."""
    server = slapd.server
    return {
        "database_url": pg.url,
        "broker": {"url": redis_url},
        "web": {"host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}"},
        "desks": [
            {
                "name": "jira-it",
                "type": "jira",
                "base_url": jira.url,
                "webhook_secret": {"env": "FAULTS_WEBHOOK_SECRET"},
                "credentials": {
                    "email": {"env": "FAULTS_JIRA_EMAIL"},
                    "api_token": {"env": "FAULTS_JIRA_TOKEN"},
                },
                "options": {
                    "status_map": {"resolved": "Resolved"},
                    "rate_limit": {"requests": 6000, "per_s": 60, "burst": 100},
                },
                "directory": "corp",
            }
        ],
        "directories": [
            {
                "name": "corp",
                "type": "ldap",
                "url": server.url,
                "credentials": {"bind_password": {"env": "FAULTS_LDAP_PASSWORD"}},
                "options": {
                    "start_tls": True,
                    "ca_file": server.ca_file,
                    "bind_dn": server.service_dn,
                    "base_dn": server.base_dn,
                    "user_base": server.people,
                    "group_base": server.groups,
                    "timeout_s": 5,
                },
            }
        ],
        "classifier": {
            "routes": [
                {"desk": "jira", "field": "request_type", "value": "Reset my password",
                 "intent": "password_reset"},
            ]
        },
    }  # fmt: skip


class Bench:
    """The systems, the deskpilot processes, and the fault runs."""

    def __init__(self, workdir: Path, rate: float) -> None:
        self.workdir, self.rate = workdir, rate
        self.pg = Postgres(workdir / "pg")
        self.pg.start()
        self.redis = RedisServer(workdir)
        self.slapd = Slapd(workdir / "ldap")
        self.jira = FakeJira()
        self.port = _free_port()
        self.config = workdir / "deskpilot.json"
        self.config.write_text(
            json.dumps(settings(self.pg, self.redis.url, self.slapd, self.jira, self.port))
        )
        self.env = dict(
            os.environ,
            FAULTS_WEBHOOK_SECRET=SECRET.decode(),
            FAULTS_JIRA_EMAIL="deskpilot@example.com",
            FAULTS_JIRA_TOKEN="not-a-real-token",  # noqa: S106 (the fake desk checks nothing)
            FAULTS_LDAP_PASSWORD=self.slapd.server.service_password,
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # -- deskpilot processes ---------------------------------------------------------------

    def spawn(self, name: str) -> None:
        """Start ``web`` or a worker (``worker-1``, ``worker-2``) from the CLI."""
        role = "web" if name == "web" else "worker"
        command = [str(Path(sys.executable).parent / "deskpilot"), role, "-c", str(self.config)]
        if role == "worker":
            command += ["--threads", "8"]
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_deskpilot(self) -> None:
        """Web first (it migrates the database), then both workers."""
        self.spawn("web")
        _until(lambda: self._healthy(), 120, "deskpilot web")
        self.spawn("worker-1")
        self.spawn("worker-2")
        time.sleep(5)

    def warm_up(self) -> None:
        """A few tickets through every stage first, so the first fault does not pay start-up."""
        phase = Phase("warm-up", "IT-9")
        logins = [f"warm{n:03d}" for n in range(10)]
        self.slapd.add_users(logins)
        phase.started = time.monotonic()
        self._send(phase, logins, twice=False)
        _until(lambda: len(self._handled_keys(phase)) >= len(logins), DRAIN_S, "the warm-up")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Stop every process this benchmark started (by its own handle), then the systems."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.jira.close()
        self.slapd.close()
        self.redis.close()
        self.pg.close()

    # -- one fault -------------------------------------------------------------------------

    def run(self, index: int, name: str) -> dict[str, Any]:
        """Send tickets, put the fault on, clear it, wait for the backlog; report the figures."""
        phase = Phase(name, f"IT-{index + 1}")
        fault_s = {
            "postgres_stop_20s": 20.0,
            "desk_429_then_500s": 45.0,
            "directory_down_30s": 30.0,
        }
        total = PRE_S + fault_s.get(name, 5.0) + POST_S
        logins = [f"f{index + 1}u{n:04d}" for n in range(int(total * self.rate) + 1)]
        self.slapd.add_users(logins)
        dead_before = self._dead_letters()
        sender = threading.Thread(
            target=self._send, args=(phase, logins, name == "duplicate_deliveries"), daemon=True
        )
        watcher_stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(phase, watcher_stop), daemon=True)
        phase.started = time.monotonic()
        sender.start()
        watcher.start()
        time.sleep(PRE_S)
        phase.fault_at = time.monotonic() - phase.started
        if name == "killed_worker":
            self.burst(phase)  # so the worker that is killed holds work
        FAULT_ACTIONS[name](self)
        phase.cleared_at = time.monotonic() - phase.started
        sender.join(timeout=total + DRAIN_S)
        _until(lambda: len(phase.handled) >= len(phase.sent), DRAIN_S, None)
        watcher_stop.set()
        watcher.join(timeout=10)
        return self._figures(phase, dead_before)

    def _send(self, phase: Phase, logins: list[str], twice: bool) -> None:
        batch = deliveries(phase.prefix, logins)
        started = time.monotonic()
        pending: list[threading.Thread] = []
        for n, (key, body, headers) in enumerate(batch):
            time.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            phase.sent[key] = time.monotonic() - phase.started
            copies = 2 if twice else 1
            for copy in range(copies):
                thread = threading.Thread(target=self._deliver, args=(body, headers, copy * 0.5))
                thread.start()
                pending.append(thread)
        for thread in pending:
            thread.join(timeout=DRAIN_S)

    def burst(self, phase: Phase, count: int = 16) -> None:
        """Deliver ``count`` more tickets at once and give the workers a moment to take them."""
        logins = [f"{phase.prefix.lower().replace('-', '')}b{n:02d}" for n in range(count)]
        self.slapd.add_users(logins)
        for key, body, headers in deliveries(f"{phase.prefix}9", logins):
            phase.sent[key] = time.monotonic() - phase.started
            threading.Thread(target=self._deliver, args=(body, headers, 0.0), daemon=True).start()
        time.sleep(1.0)

    def _deliver(self, body: bytes, headers: dict[str, str], delay_s: float) -> None:
        """Deliver until acknowledged (bounded), waiting what a 503's Retry-After asks, as Jira does."""
        time.sleep(delay_s)
        deadline = time.monotonic() + DRAIN_S
        url = f"http://127.0.0.1:{self.port}/hooks/jira-it"
        while time.monotonic() < deadline:
            wait = 1.0
            try:
                answer = httpx.post(url, content=body, headers=headers, timeout=10)
                if answer.status_code in (200, 202):
                    return
                wait = float(answer.headers.get("retry-after", "1"))
            except httpx.HTTPError:
                pass
            time.sleep(wait)

    def _watch(self, phase: Phase, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            with contextlib.suppress(Exception):  # the database may be what is down
                now = time.monotonic() - phase.started
                for key in self._handled_keys(phase):
                    phase.handled.setdefault(key, now)

    def _query(self, sql: str, **params: Any) -> list[Any]:
        import sqlalchemy as sa

        engine = getattr(self, "_engine", None) or sa.create_engine(self.pg.url, pool_pre_ping=True)
        self._engine = engine
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql), params))

    def _handled_keys(self, phase: Phase) -> list[str]:
        """Tickets at a final stage with nothing left to write back."""
        rows = self._query(
            "SELECT t.key FROM tickets t WHERE t.key LIKE :p AND t.stage IN ('done', 'waiting_approval')"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id"
            " AND o.state IN ('pending', 'sending'))",
            p=f"{phase.prefix}%",
        )
        return [str(row[0]) for row in rows]

    def _dead_letters(self) -> int:
        import redis

        client = redis.Redis.from_url(self.redis.url)
        in_redis = sum(int(client.zcard(k)) for k in client.scan_iter("dramatiq:*.XQ"))
        return in_redis + int(self._query("SELECT count(*) FROM dead_letters")[0][0])

    def _figures(self, phase: Phase, dead_before: int) -> dict[str, Any]:
        keys = set(phase.sent)
        states = dict(self._query(
            "SELECT r.state, count(*) FROM playbook_runs r JOIN tickets t ON t.id = r.ticket_id"
            " WHERE t.key LIKE :p GROUP BY r.state", p=f"{phase.prefix}%",
        ))  # fmt: skip
        prefix = f"deskpilot:jira-it:{phase.prefix}"
        user_prefix = f"uid=f{phase.prefix.split('-')[1]}u"
        changes = self.slapd.changes()
        st = self.jira.state
        return {
            "fault": phase.name,
            "tickets": len(keys),
            "lost": len(keys - set(self._handled_keys(phase))),
            "duplicate_directory_changes": sum(
                n - 1 for dn, n in changes.items() if dn.startswith(user_prefix) and n > 1
            ),
            "duplicate_notes": sum(
                n - 1 for m, n in st.markers.items() if m.startswith(prefix) and n > 1
            ),
            "duplicate_state_changes": sum(
                n - 1 for k, n in st.status_changes.items() if k.startswith(phase.prefix) and n > 1
            ),
            "dead_letters": self._dead_letters() - dead_before,
            "recovery_s": recovery_time(phase),
            "latency_p50_s": latency(phase, 50),
            "pre_fault_p95_s": normal_latency(phase),
            "runs": states,
        }


def _kill_worker(bench: Bench) -> None:
    bench.processes["worker-1"].kill()  # SIGKILL, by the handle of the process we started
    bench.processes["worker-1"].wait()
    bench.spawn("worker-1")  # the supervisor starts it again


def _desk_faults(bench: Bench) -> None:
    st = bench.jira.state
    st.refused_429_until = time.monotonic() + 15
    time.sleep(15)
    st.error_rate = 0.10
    time.sleep(30)
    st.error_rate = 0.0


def _postgres_stop(bench: Bench) -> None:
    bench.pg.stop()
    time.sleep(20)
    bench.pg.start()


def _directory_down(bench: Bench) -> None:
    bench.slapd.stop()
    time.sleep(30)
    bench.slapd.start()


FAULT_ACTIONS: dict[str, Callable[[Bench], None]] = {
    "killed_worker": _kill_worker,
    "emptied_redis": lambda bench: bench.redis.flush(),
    "postgres_restart": lambda bench: bench.pg.restart(),
    "postgres_stop_20s": _postgres_stop,
    "desk_429_then_500s": _desk_faults,
    "directory_down_30s": _directory_down,
    "duplicate_deliveries": lambda bench: None,
}


def _free_port() -> int:
    from tests.services.process import free_port

    return free_port()


def _until(ready: Callable[[], bool], timeout_s: float, what: str | None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.5)
    if what is not None:
        raise RuntimeError(f"{what} was not ready in {timeout_s:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2.0, help="tickets per second")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = [f for f in args.only.split(",") if f]
    unknown = set(chosen) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    results = []
    with tempfile.TemporaryDirectory(prefix="deskpilot-faults-") as tmp:
        bench = Bench(Path(tmp), args.rate)
        try:
            bench.start_deskpilot()
            bench.warm_up()
            for name in chosen:
                results.append(bench.run(FAULTS.index(name), name))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        finally:
            bench.stop()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    header = ("fault", "tickets", "lost", "dup dir", "dup notes", "dup state", "dead", "recovery s")
    print(" | ".join(header))
    for r in results:
        recovery = f"{r['recovery_s']:.1f}"
        print(" | ".join(str(v) for v in (
            r["fault"], r["tickets"], r["lost"], r["duplicate_directory_changes"],
            r["duplicate_notes"], r["duplicate_state_changes"], r["dead_letters"], recovery,
        )))  # fmt: skip


if __name__ == "__main__":
    main()
