"""
The systems the fault benchmark runs deskpilot against, each its own throwaway process on loopback
so a fault can be put on it without touching anything else on the machine:

* ``Postgres``: a fresh cluster (``initdb``, ``pg_ctl`` from /usr/lib/postgresql/*/bin) on a free
  port, run as the ``postgres`` user when we are root; stopped, started and restarted at will;
* ``RedisServer``: ``redis-server`` without persistence, so emptying it is a real loss;
* ``Slapd``: the suite's OpenLDAP (``tests/services/slapd.py``) with the ``auditlog`` overlay, so
  every change the directory applied is counted from the directory's side;
* ``FakeJira``: a desk speaking the part of Jira's REST API deskpilot writes to (JSM comments,
  transitions, the issue's status), which can answer 429s or a share of 500s on demand, and counts
  what it applied: comments per marker, status changes per issue.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.services.process import free_port, port_in_use
from tests.services.slapd import SlapdServer, start_slapd


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Postgres:
    """A throwaway PostgreSQL cluster of our own (never the machine's shared one)."""

    def __init__(self, workdir: Path) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1])
        self.data = workdir / "pgdata"
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            workdir.parent.chmod(0o711)  # the postgres user must reach its data directory
            shutil.chown(workdir, "postgres")
            shutil.chown(self.data, "postgres")
        self.port = free_port()
        self.log = workdir / "postgres.log"
        subprocess.run(
            _as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
        self._options = options
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        self._ctl("-o", self._options, "-w", "start")

    def stop(self) -> None:
        """Stop it now (fast shutdown: connections are cut, as when a server goes down)."""
        self._ctl("-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """A fast restart."""
        self._ctl("-m", "fast", "-o", self._options, "-w", "restart")

    def close(self) -> None:
        """Stop if running (at the end of the benchmark)."""
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._ctl("-m", "immediate", "stop")


class RedisServer:
    """A redis-server of our own without persistence: emptying it loses every queued message."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(lambda: port_in_use(self.port), "redis-server")

    def flush(self) -> None:
        """Empty it, as a Redis that lost its data (restart without persistence, eviction)."""
        import redis

        redis.Redis.from_url(self.url).flushall()

    def close(self) -> None:
        """Stop it."""
        self.process.terminate()
        self.process.wait(timeout=10)


class Slapd:
    """The suite's OpenLDAP plus an audit log of every change applied; stoppable and restartable."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.server: SlapdServer = start_slapd("/usr/sbin/slapd", workdir)
        self.audit = workdir / "audit.ldif"
        self.audit.touch()
        with (workdir / "slapd.conf").open("a") as conf:
            conf.write(f"\nmoduleload auditlog\noverlay auditlog\nauditlog {self.audit}\n")
        self.stop()
        self.start()

    def _args(self) -> list[str]:
        urls = f"{self.server.url}/ {self.server.ldaps_url}/"
        return ["/usr/sbin/slapd", "-f", str(self.workdir / "slapd.conf"), "-h", urls, "-d", "0"]

    def stop(self) -> None:
        """Stop the server (connections refused until ``start``)."""
        self.server.process.terminate()
        self.server.process.wait(timeout=20)

    def start(self) -> None:
        """Start it again on the same ports and data."""
        process = subprocess.Popen(
            self._args(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        object.__setattr__(self.server, "process", process)
        port = int(self.server.url.rsplit(":", 1)[1])
        _wait(lambda: port_in_use(port), "slapd")

    def add_users(self, logins: list[str]) -> None:
        """Create the benchmark's people (as the admin), each with an e-mail address."""
        from connectors.identity.ldap import Connection, Server

        conn = Connection(
            Server(self.server.url), self.server.admin_dn, self.server.admin_password,
            auto_bind=True,
        )  # fmt: skip
        try:
            for login in logins:
                conn.add(
                    f"uid={login},{self.server.people}",
                    ["inetOrgPerson"],
                    {"uid": login, "cn": login, "sn": "Bench", "givenName": "Bench",
                     "mail": f"{login}@corp.example.com", "userPassword": "Initial-pass-1"},
                )  # type: ignore[no-untyped-call]  # fmt: skip
        finally:
            conn.unbind()

    def changes(self) -> Counter[str]:
        """How many modifications the directory applied to each entry (from its audit log)."""
        found: Counter[str] = Counter()
        for block in self.audit.read_text(errors="replace").split("# modify ")[1:]:
            dn = re.search(r"^dn: (.+)$", block, re.MULTILINE)
            if dn and "replace: userPassword" in block:
                found[dn.group(1).strip()] += 1
        return found

    def close(self) -> None:
        """Stop it for good."""
        with contextlib.suppress(Exception):
            self.stop()


@dataclass
class JiraState:
    """What the fake Jira holds and what it was asked to do."""

    status: dict[str, str] = field(default_factory=dict)
    comments: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    markers: Counter[str] = field(default_factory=Counter)
    status_changes: Counter[str] = field(default_factory=Counter)
    refused_429_until: float = 0.0
    error_rate: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 100000


MARKER = re.compile(r"\[(deskpilot:[^\]]+)\]")
OPEN, RESOLVED = "Waiting for support", "Resolved"
ISSUE = re.compile(r"^/rest/api/\d+/issue/[^/]+(/transitions)?$")
"""An issue, or its transitions, in REST v2 (Data Center) or v3 (Cloud)."""


class FakeJira:
    """The part of Jira Cloud's REST API deskpilot writes to, on a loopback port."""

    def __init__(self) -> None:
        self.state = JiraState()
        handler = type("Handler", (_JiraHandler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def duplicate_notes(self) -> int:
        """Comments posted more than once (same marker)."""
        return sum(n - 1 for n in self.state.markers.values() if n > 1)

    def duplicate_state_changes(self) -> int:
        """Status changes applied more than once to one issue."""
        return sum(n - 1 for n in self.state.status_changes.values() if n > 1)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


class _JiraHandler(BaseHTTPRequestHandler):
    state: JiraState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self) -> str | None:
        """'429', '500-before' (nothing applied), '500-after' (applied, then the error) or None."""
        st = self.state
        if time.monotonic() < st.refused_429_until:
            return "429"
        if st.error_rate and random.random() < st.error_rate:
            return random.choice(("500-before", "500-after"))
        return None

    def do_GET(self) -> None:
        fault = self._fault()
        if fault == "429":
            self._answer(429, {"errorMessages": ["Rate limit exceeded"]}, {"Retry-After": "5"})
            return
        if fault is not None:
            self._answer(500, {"errorMessages": ["Internal server error"]})
            return
        path = urlsplit(self.path).path
        parts = path.strip("/").split("/")
        st = self.state
        with st.lock:
            if path.startswith("/rest/servicedeskapi/request/") and parts[-1] == "comment":
                comments = [{"id": str(i), "body": b} for i, b in st.comments[parts[3]]]
                self._answer(200, {"values": comments, "isLastPage": True, "size": len(comments)})
            elif ISSUE.match(path) and parts[-1] == "transitions":
                # A global transition, offered from every status (as many workflows do): a
                # blind resend resolves the issue again and notifies the customer again.
                offered = [{"id": "31", "name": "Resolve", "to": {"name": RESOLVED, "id": "5"}}]
                self._answer(200, {"expand": "transitions", "transitions": offered})
            elif ISSUE.match(path):
                key = parts[4]
                status = st.status.get(key, OPEN)
                self._answer(200, {"key": key, "fields": {"status": {"name": status}}})
            elif re.fullmatch(r"/rest/api/\d+/user", path):
                query = parse_qs(urlsplit(self.path).query)
                account = (query.get("accountId") or query.get("username") or [""])[0]
                self._answer(
                    200,
                    {"accountId": account, "name": account, "displayName": "Bench",
                     "accountType": "customer", "active": True, "emailAddress": None},
                )  # fmt: skip
            else:
                self._answer(404, {"errorMessages": [f"no {path}"]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length) or b"{}")
        fault = self._fault()
        if fault == "429":
            self._answer(429, {"errorMessages": ["Rate limit exceeded"]}, {"Retry-After": "5"})
            return
        if fault == "500-before":
            self._answer(500, {"errorMessages": ["Internal server error"]})
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        st = self.state
        with st.lock:
            if parts[:3] == ["rest", "servicedeskapi", "request"] and parts[-1] == "comment":
                st.next_id += 1
                body = str(payload.get("body") or "")
                st.comments[parts[3]].append((st.next_id, body))
                for marker in MARKER.findall(body):
                    st.markers[marker] += 1
                answer: tuple[int, Any] = (201, {"id": str(st.next_id), "body": body})
            elif ISSUE.match(urlsplit(self.path).path) and parts[-1] == "transitions":
                st.status[parts[4]] = RESOLVED
                st.status_changes[parts[4]] += 1
                answer = (204, None)
            else:
                answer = (404, {"errorMessages": ["unknown"]})
        if fault == "500-after" and answer[0] < 400:
            self._answer(500, {"errorMessages": ["Internal server error"]})
            return
        self._answer(*answer)


def _wait(ready: Any, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start in {timeout_s:.0f} s")
