"""
Reading an attachment's content under a size cap, the same way for every desk connector.

Connectors request file contents with ``stream=True`` and hand the response here: a declared
``Content-Length`` over the cap is refused before anything is read, and otherwise the body is read
in chunks and refused as soon as it passes the cap, so an oversized file is never held whole.
"""

from __future__ import annotations

import requests

from connectors.errors import RejectedError
from connectors.http import request_error

MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
"""Default cap on one attachment's content (desk option ``max_attachment_bytes``)."""
CHUNK_BYTES = 64 * 1024


def check_size(size: int | None, *, cap: int, what: str, system: str) -> None:
    """Raise ``RejectedError`` when a known ``size`` (bytes) of ``what`` is over ``cap``."""
    if size is not None and size > cap:
        raise RejectedError(
            f"{what} is {size} bytes, over the {cap}-byte cap (option max_attachment_bytes)",
            system=system,
        )


def read_capped(response: requests.Response, *, cap: int, what: str, system: str) -> bytes:
    """The body of the streamed ``response``; ``RejectedError`` past ``cap`` bytes."""
    try:
        declared = response.headers.get("Content-Length", "")
        check_size(int(declared) if declared.isdigit() else None, cap=cap, what=what, system=system)
        data = bytearray()
        for chunk in response.iter_content(CHUNK_BYTES):
            data.extend(chunk)
            if len(data) > cap:
                raise RejectedError(
                    f"{what} is over the {cap}-byte cap (option max_attachment_bytes)",
                    system=system,
                )
        return bytes(data)
    except requests.RequestException as exc:
        raise request_error(exc, system=system) from exc
    finally:
        response.close()


__all__ = ["CHUNK_BYTES", "MAX_ATTACHMENT_BYTES", "check_size", "read_capped"]
