"""A throwaway scim2-server (in-memory SCIM 2.0, from the test dependency group) on loopback."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.services.process import free_port, port_in_use, stop, unavailable, wait_until

TOKEN = "scim-test-token"
CONTRACT_SCHEMA = "urn:example:params:scim:schemas:extension:acme:2.0:User"
"""An app's own User extension (RFC 7643 §3.3), served next to the RFC schemas: ``contractEnd``
(dateTime, which the server checks) and ``endsOn`` (string, which it keeps as written)."""


def _attribute(name: str, kind: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "multiValued": False,
        "description": f"The contractor's last day ({kind}).",
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }


def _schema_arguments(workdir: Path) -> list[str]:
    """``--schema`` and ``--resource-type`` files: the server's defaults plus the extension."""
    defaults = importlib.resources.files("scim2_server") / "resources"
    schemas = json.loads((defaults / "default-schemas.json").read_text(encoding="utf-8"))
    schemas.append(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": CONTRACT_SCHEMA,
            "name": "AcmeUser",
            "description": "Acme's contract data",
            "attributes": [_attribute("contractEnd", "dateTime"), _attribute("endsOn", "string")],
        }
    )
    types = json.loads((defaults / "default-resource-types.json").read_text(encoding="utf-8"))
    for kind in types:
        if kind["id"] == "User":
            kind["schemaExtensions"].append({"schema": CONTRACT_SCHEMA, "required": False})
    (workdir / "schemas.json").write_text(json.dumps(schemas), encoding="utf-8")
    (workdir / "resource-types.json").write_text(json.dumps(types), encoding="utf-8")
    return [
        "--schema",
        str(workdir / "schemas.json"),
        "--resource-type",
        str(workdir / "resource-types.json"),
    ]


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
    """
    Run ``scim2-server`` from this environment on a free port with a static bearer token,
    serving the RFC 7643 schemas and ``CONTRACT_SCHEMA``.
    """
    binary = Path(sys.executable).parent / "scim2-server"
    if not binary.exists():
        unavailable("scim2-server is not installed (it is in the `test` dependency group)")
    port = free_port()
    log = workdir / "scim2-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                *("--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", TOKEN),
                *_schema_arguments(workdir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    wait_until(lambda: port_in_use(port), proc, log, "scim2-server")
    return ScimServer(f"http://127.0.0.1:{port}", TOKEN, proc)


def headers(server: ScimServer) -> dict[str, str]:
    """The bearer token and SCIM content type every request to ``server`` carries."""
    return {"Authorization": f"Bearer {server.token}", "Content-Type": "application/scim+json"}


def set_user_attribute(server: ScimServer, user_id: str, path: str, value: str) -> None:
    """PATCH one attribute of a user, ``path`` in attribute notation (RFC 7644 §3.5.2)."""
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": path, "value": value}],
    }
    response = requests.patch(
        f"{server.url}/Users/{user_id}",
        json=body,
        headers=headers(server),
        timeout=10,
    )
    assert response.status_code in (200, 204), response.text


def make_group(server: ScimServer, name: str) -> None:
    """Create an empty group."""
    response = requests.post(
        f"{server.url}/Groups",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name},
        headers=headers(server),
        timeout=10,
    )
    assert response.status_code == 201, response.text


def nest_group(server: ScimServer, child: str, parent: str) -> None:
    """Make group ``child`` a member of group ``parent`` (a member of type Group)."""

    def group_id(name: str) -> str:
        found = requests.get(
            f"{server.url}/Groups",
            params={"filter": f'displayName eq "{name}"'},
            headers=headers(server),
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
        f"{server.url}/Groups/{group_id(parent)}", json=body, headers=headers(server), timeout=10
    )
    assert response.status_code in (200, 204), response.text
