"""
``/access-reviews``: the access review items waiting for the signed-in person, and their keep and
revoke decisions (docs/access-reviews.md, "Deciding on the review page").

Any signed-in token may open the page; what it shows and what it accepts depend only on the
token's ``desk_identity``, resolved in the directory the way a comment's author is, and checked
by the comment path's own rules (``worker.runs.review_mine``): a role, even admin, makes nobody a
reviewer. The forms carry the review page's per-session CSRF token (``review.check_decision``),
and a token whose decisions keep being refused is paused (``worker.web.refusals``). A form with
a mistake (a revoke without a reason, revocations not confirmed, an item of another
campaign) records nothing and comes back, on the page and filter it was sent from, with every
choice and reason as typed and the problem next to its item; a form sent twice records once. The
page draws a page of items per campaign, filtered by campaign and access
(``worker.web.access_review_pages``); keep-all keeps every item waiting in the campaign.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from functools import partial
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from playbooks.reviews.decisions import Verdict, needs_reason
from worker.runs.review_mine import (
    Choice,
    PageInputError,
    PageOutcome,
    decide_from_page,
    keep_all_from_page,
    lines,
    my_reviews,
)
from worker.runtime import Runtime
from worker.web.access_review_pages import PAGE_SIZE, Wanted, listing, wanted
from worker.web.auth import Principal, require
from worker.web.refusals import RefusalLimit
from worker.web.review import TEMPLATES, check_decision, csrf_token
from worker.web.status import signed_status, status_shown

PATH = "/access-reviews"
ROLE = "viewer"
"""Signing in is enough: who may decide what is the reviewer rule's business, not the role's."""
MAX_REASON = 1000
MAX_SAID = 20
MAX_FIELDS = 20_000
"""A form's fields: a decision and a reason for each of 9,999 items, the token and the tick."""
MAX_FORM_BYTES = 8 * 2**20
"""A form's size: 900 items with a full 1,000-character reason in any script (up to 9 bytes a
character once encoded) fit, and so do 9,999 items with 100-character reasons; a body of
gigabytes is refused as it arrives instead of being held in memory (any signed-in token, even a
viewer's, may post)."""
_FIELD = re.compile(r"(decision|reason)-(\d{1,18})")
Typed = dict[int, tuple[str, str]]
"""What the form held, by item id: (verdict or "", reason), to show it again as typed."""


class FormProblem(ValueError):
    """The form cannot be recorded as sent: ``where`` (item id → problem) says what and where."""

    def __init__(self, message: str, where: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.where = dict(where or {})


def read_form(form: Mapping[str, str], confirm: bool) -> dict[int, Choice]:
    """
    The verdicts a decision form holds (``decision-ID``: keep, revoke or empty for later;
    ``reason-ID``); ``FormProblem`` when it cannot be recorded as a whole.
    """
    typed = {
        item_id: (verdict.strip(), " ".join(reason.split()))  # one line, as a comment's reason
        for item_id, (verdict, reason) in typed_form(form).items()
    }
    where: dict[int, str] = {}
    choices: dict[int, Choice] = {}
    for item_id, (verdict, reason) in typed.items():
        if verdict not in ("", "keep", "revoke"):
            where[item_id] = f"choose keep or revoke, not {verdict[:20]!r}"
        elif len(reason) > MAX_REASON:
            where[item_id] = f"the reason is {len(reason)} characters; at most {MAX_REASON}"
        elif verdict and needs_reason(_verdict(verdict), reason):
            where[item_id] = "a revoke needs a reason"
        elif verdict:
            choices[item_id] = (_verdict(verdict), reason or None)
    if where:
        raise FormProblem("Nothing recorded: see the items marked below.", where)
    if not choices:
        raise FormProblem("Nothing recorded: choose keep or revoke for at least one item.")
    revokes = [i for i, (verdict, _) in choices.items() if verdict == "revoke"]
    if revokes and not confirm:
        raise FormProblem(
            "Nothing recorded: tick “I confirm the revocations” to revoke "
            f"{len(revokes)} item{'s' if len(revokes) > 1 else ''}."
        )
    return choices


def _verdict(value: str) -> Verdict:
    return "revoke" if value == "revoke" else "keep"


def said(outcome: PageOutcome) -> tuple[str, bool]:
    """One status line for a submission's outcome; True when something was refused."""

    def cut(lines: tuple[str, ...]) -> str:
        more = len(lines) - MAX_SAID
        return "; ".join(lines[:MAX_SAID]) + (f"; and {more} more" if more > 0 else "")

    parts = []
    if outcome.accepted:
        parts.append(f"Recorded: {cut(outcome.accepted)}.")
    if outcome.already:
        parts.append(f"Already recorded (sent twice): {cut(outcome.already)}.")
    if outcome.refused:
        parts.append(f"Refused: {cut(outcome.refused)}.")
    return " ".join(parts) or "Nothing changed.", bool(outcome.refused)


def _identity(who: Principal) -> str:
    if not who.desk_identity:
        raise HTTPException(
            403, f"{who.name} has no desk_identity configured: access reviews need one"
        )
    return who.desk_identity


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/access-reviews`` and its two forms (after ``auth`` and ``review``: its CSRF key)."""

    def render(
        request: Request,
        who: Principal,
        want: Wanted,
        *,
        message: str = "",
        problem: bool = False,
        typed: Mapping[int, tuple[str, str]] | None = None,
        where: Mapping[int, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        views = my_reviews(rt, who.desk_identity) if who.desk_identity else []
        html = TEMPLATES.get_template("access_reviews.html").render(
            who=who, views=views, shown=listing(views, want, partial(lines, rt)), want=want,
            csrf=csrf_token(request),
            message=message, problem=problem, typed=typed or {}, where=where or {},
            max_reason=MAX_REASON, page_size=PAGE_SIZE,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)

    @app.get(PATH, response_class=HTMLResponse, summary="My access reviews (any signed-in role)")
    def page(
        request: Request, message: str = "", problem: str = "", said: str = ""
    ) -> HTMLResponse:
        """Filtered by ``campaign`` (id) and ``access``; ``page`` and ``done`` count from 1."""
        who = require(request, ROLE)
        want = wanted(request.query_params)
        shown, refused = status_shown(request, message, problem, said)  # deskpilot's words only
        return render(request, who, want, message=shown[:2000], problem=refused)

    def decide(request: Request, campaign_id: int, form: Mapping[str, str]) -> Response:
        who = check_decision(request, form.get("csrf", ""), ROLE, PATH)
        identity = _identity(who)
        want = wanted(form)  # the page the form was on: a mistake brings that page back
        try:
            choices = read_form(form, form.get("confirm") == "yes")
            outcome = decide_from_page(
                rt, who.name, identity, campaign_id, choices, uuid.uuid4().hex
            )
        except FormProblem as exc:  # a typing mistake, caught before any decision: not counted
            return render(request, who, want, message=str(exc), problem=True, status=422,
                          typed=typed_form(form), where=exc.where)  # fmt: skip
        except PageInputError as exc:
            _limit(request).refused(who, PATH)
            return render(request, who, want, message=f"Nothing recorded: {exc}.", problem=True,
                          status=422, typed=typed_form(form))  # fmt: skip
        return _told(request, campaign_id, _counted(request, who, outcome), want)

    def keep_all(request: Request, campaign_id: int, form: Mapping[str, str]) -> Response:
        """Every item waiting for them in the campaign, on every page, whatever the filter."""
        who = check_decision(request, form.get("csrf", ""), ROLE, PATH)
        identity = _identity(who)
        try:
            outcome = keep_all_from_page(rt, who.name, identity, campaign_id, uuid.uuid4().hex)
        except PageInputError as exc:
            _limit(request).refused(who, PATH)
            raise HTTPException(404, str(exc)) from exc
        return _told(request, campaign_id, _counted(request, who, outcome), wanted(form))

    @app.post(f"{PATH}/{{campaign_id}}/decide", summary="Keep or revoke my items (CSRF token)")
    async def decide_form(request: Request, campaign_id: int) -> Response:
        form = await _form(request)
        return await run_in_threadpool(decide, request, campaign_id, form)

    @app.post(f"{PATH}/{{campaign_id}}/keep-all", summary="Keep all my remaining items")
    async def keep_all_form(request: Request, campaign_id: int) -> Response:
        form = await _form(request)
        return await run_in_threadpool(keep_all, request, campaign_id, form)


async def _form(request: Request) -> dict[str, str]:
    """The form's text fields (a field sent twice: its last value); 413 past ``MAX_FORM_BYTES``
    (read as it arrives: Starlette would hold a form of any size in memory) and 415 for anything
    but the urlencoded form the page sends."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the page's form (application/x-www-form-urlencoded)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise HTTPException(413, f"the form is larger than {MAX_FORM_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, f"the form is larger than {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, errors="strict",
            max_num_fields=MAX_FIELDS,
        )  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, f"the form cannot be read: {exc}") from exc
    return dict(pairs)


def _limit(request: Request) -> RefusalLimit:
    limit: RefusalLimit = request.app.state.refusal_limit
    return limit


def _counted(request: Request, who: Principal, outcome: PageOutcome) -> PageOutcome:
    """``outcome``, its refusal counted against ``who`` (``worker.web.refusals``)."""
    if outcome.refused:
        _limit(request).refused(who, PATH)
    return outcome


def typed_form(form: Mapping[str, str]) -> Typed:
    """The form as typed (verdict, reason) by item id, to show it again as it was."""
    typed: Typed = {}
    for name, value in form.items():
        match = _FIELD.fullmatch(name)
        if match is not None:
            verdict, reason = typed.get(int(match.group(2)), ("", ""))
            pair = (value, reason) if match.group(1) == "decision" else (verdict, value)
            typed[int(match.group(2))] = pair
    return typed


def _told(
    request: Request, campaign_id: int, outcome: PageOutcome, want: Wanted
) -> RedirectResponse:
    """
    Back to the page and filter the form was sent from (POST, redirect, GET: reloading it sends
    nothing again; a page past the last one left is shown as the last), its status line signed
    (``worker.web.status``).
    """
    message, refused = said(outcome)
    query = signed_status(request, message, refused)
    kept = want.query()
    where = f"{PATH}?{kept + '&' if kept else ''}{urlencode(query)}#campaign-{campaign_id}"
    return RedirectResponse(where, status_code=303)


__all__ = ["install", "read_form", "said", "typed_form"]
