"""Self-signed certificates for the loopback test servers (EC keys: a few milliseconds)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_certificate(cert: Path, key: Path, common_name: str) -> None:
    """Write a 30-day self-signed certificate valid for 127.0.0.1, localhost and ``common_name``."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "30", "-subj", f"/CN={common_name}",
            "-addext", f"subjectAltName=DNS:localhost,DNS:{common_name},IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    key.chmod(0o600)
