"""``/secret/{token}``: the page through which an owner reads a one-time secret, once."""

from __future__ import annotations

import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from worker.runs.secretlinks import reveal_secret
from worker.runtime import Runtime


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/secret/{token}``: a button, then the one-time secret, once."""

    @app.get("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_page(token: str) -> HTMLResponse:
        # Opening the link only shows a button: mail scanners that follow links must not burn it.
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Your temporary password</title>"
            f"<form method=post action='/secret/{_escape(token)}'>"
            "<p>This link shows your temporary password once.</p>"
            "<button type=submit>Show my temporary password</button></form>",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    @app.post("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_reveal(token: str) -> HTMLResponse:
        value = reveal_secret(rt, token)
        if value is None:
            return HTMLResponse(
                "<p>This link has expired or was already opened. Ask the service desk for a new one.</p>",
                status_code=410,
            )
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Your temporary password</title>"
            "<p>Your temporary password (shown once; you must change it when you sign in):</p>"
            f"<p><code style='font-size:1.3em'>{_escape(value)}</code></p>",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
