"""
``/secret/{token}``: the page through which an owner reads a one-time secret, once.

Opening it (GET) never changes anything, so link-preview bots and mail scanners burn nothing.
With ``web.owner_proof: email`` (the default) the owner asks for a code (POST ``…/code``), which
goes to their own address only, and enters it (POST): the right code shows the secret once.
With ``none``, a button shows it to whoever holds the link.
"""

from __future__ import annotations

from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape

from worker.runs.secretlinks import reveal_secret
from worker.runs.secretproof import (
    ProofError,
    TooManyCodesError,
    link_state,
    reveal_with_code,
    send_code,
)
from worker.runtime import Runtime

_PAGE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html><html><head><meta charset="utf-8"><title>Your temporary password</title>
</head><body>
{% if problem %}<p role="alert">{{ problem }}</p>{% endif %}
{% if secret is not none %}
<p>Your temporary password (shown once; you must change it when you sign in):</p>
<p><code style="font-size:1.3em">{{ secret }}</code></p>
{% elif gone %}
<p>This link has expired or was already used. Ask the service desk for a new one.</p>
{% elif not proof %}
<form method="post" action="/secret/{{ token }}">
<p>This link shows your temporary password once.</p>
<button type="submit">Show my temporary password</button></form>
{% else %}
<p>This link shows your temporary password once, to you only. To prove it is you, we send a
code to your address {{ address or "(none on file)" }}.</p>
<form method="post" action="/secret/{{ token }}/code">
<button type="submit">{{ "Send me another code" if code_out else "Send me a code" }}</button>
</form>
{% if code_out %}
<form method="post" action="/secret/{{ token }}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" required>
</label> <button type="submit">Show my temporary password</button></form>
{% endif %}
{% endif %}
</body></html>"""
)


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/secret/{token}``: the proof (a code by mail), then the one-time secret, once."""
    proof = rt.settings.web.owner_proof == "email"

    def page(token: str, status: int = 200, **facts: object) -> HTMLResponse:
        values = {"secret": None, "gone": False, "problem": None, "code_out": False, **facts}
        return HTMLResponse(_PAGE.render(token=token, proof=proof, **values), status_code=status)

    def ask(token: str, status: int = 200, problem: str | None = None) -> HTMLResponse:
        state = link_state(rt, token)
        if state is None:
            return page(token, 410, gone=True)
        return page(
            token, status, problem=problem, address=state.masked_address, code_out=state.code_out
        )

    @app.get("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_page(token: str) -> HTMLResponse:
        # Only a page: mail scanners and link previews that fetch the link burn nothing.
        return ask(token) if proof else page(token)

    @app.post("/secret/{token}/code", response_class=HTMLResponse, include_in_schema=False)
    def secret_code(token: str) -> HTMLResponse:
        if not proof:
            return page(token, 404, problem="This link needs no code.")
        try:
            address = send_code(rt, token)
        except ProofError as exc:
            return ask(token, 429 if isinstance(exc, TooManyCodesError) else 503, str(exc))
        if address is None:
            return page(token, 410, gone=True)
        return ask(token, problem=f"A code is on its way to {address}.")

    @app.post("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_reveal(token: str, code: str = Form("")) -> HTMLResponse:
        if not proof:
            value = reveal_secret(rt, token)
            return page(token, 200, secret=value) if value else page(token, 410, gone=True)
        answer = reveal_with_code(rt, token, code)
        if answer.secret is not None:
            return page(token, secret=answer.secret)
        if answer.gone:
            return page(token, 410, gone=True)
        return ask(token, 403, answer.problem)
