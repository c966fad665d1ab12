"""Start and stop the real servers the test suite talks to: ports, readiness, skip-or-fail."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already accepts connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def unavailable(reason: str) -> None:
    """Skip the test locally, but fail it in CI (``CI=true``), where every server must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required test server unavailable in CI: {reason}")
    pytest.skip(reason)


def require_binary(path_or_name: str, package: str) -> str:
    """The binary's path, or skip/fail with the Debian package that provides it."""
    found = shutil.which(path_or_name) or (
        path_or_name if os.access(path_or_name, os.X_OK) else None
    )
    if found is None:
        unavailable(f"{path_or_name} not installed (apt-get install {package})")
    assert found is not None
    return found


def wait_until(
    ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str
) -> None:
    """Poll ``ready`` for up to 30 s; raise with the server's log if it dies or never answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    stop(proc)
    raise RuntimeError(f"{what} did not become ready in 30 s: {_tail(log)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process we started (by its own pid), SIGKILL it after 5 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
