"""A throwaway scim2-server (in-memory SCIM 2.0, from the test dependency group) on loopback."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.services.process import free_port, port_in_use, stop, unavailable, wait_until

TOKEN = "scim-test-token"


@dataclass(frozen=True)
class ScimServer:
    """Where the running SCIM server listens and its bearer token."""

    url: str
    token: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the server we started."""
        stop(self.process)


def start_scim(workdir: Path) -> ScimServer:
    """Run ``scim2-server`` from this environment on a free port with a static bearer token."""
    binary = Path(sys.executable).parent / "scim2-server"
    if not binary.exists():
        unavailable("scim2-server is not installed (it is in the `test` dependency group)")
    port = free_port()
    log = workdir / "scim2-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", TOKEN],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    wait_until(lambda: port_in_use(port), proc, log, "scim2-server")
    return ScimServer(f"http://127.0.0.1:{port}", TOKEN, proc)


def make_group(server: ScimServer, name: str) -> None:
    """Create an empty group."""
    response = requests.post(
        f"{server.url}/Groups",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name},
        headers={
            "Authorization": f"Bearer {server.token}",
            "Content-Type": "application/scim+json",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text


def nest_group(server: ScimServer, child: str, parent: str) -> None:
    """Make group ``child`` a member of group ``parent`` (a member of type Group)."""
    headers = {
        "Authorization": f"Bearer {server.token}",
        "Content-Type": "application/scim+json",
    }

    def group_id(name: str) -> str:
        found = requests.get(
            f"{server.url}/Groups",
            params={"filter": f'displayName eq "{name}"'},
            headers=headers,
            timeout=10,
        ).json()["Resources"]
        assert len(found) == 1, found
        return str(found[0]["id"])

    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": group_id(child), "type": "Group"}]}
        ],
    }
    response = requests.patch(
        f"{server.url}/Groups/{group_id(parent)}", json=body, headers=headers, timeout=10
    )
    assert response.status_code in (200, 204), response.text
