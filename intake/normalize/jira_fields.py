"""Jira issue JSON (webhook REST v2 shape or REST v3 search result) → ``Ticket`` fields."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from intake.model import Attachment, Comment, Person, Priority, StatusCategory
from intake.normalize.adf import adf_to_text
from intake.normalize.mapping import priority_by_name, status_by_name, status_override
from intake.normalize.options import IntakeOptions
from intake.normalize.own_text import own_text_adf
from intake.webhooks.node import Node

_CATEGORY: Mapping[str, StatusCategory] = {
    "new": StatusCategory.NEW,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.RESOLVED,
}


def jira_person(node: Node) -> Person | None:
    """A Jira user (Cloud ``accountId``, Server ``name``/``key`` or ``?username=`` in self)."""
    if node.missing:
        return None
    ident = node.get("accountId").text() or node.get("name").text() or node.get("key").text()
    if ident is None:
        query = parse_qs(urlsplit(node.get("self").text() or "").query)
        found = query.get("username") or query.get("accountId")
        ident = found[0] if found else None
    name = node.get("displayName").text()
    email = node.get("emailAddress").text()
    if ident is None and email is None and name is None:
        return None
    return Person(id=ident or email or name or "", email=email, name=name)


def jira_status(status: Node, options: IntakeOptions) -> tuple[StatusCategory, str | None]:
    """Map ``fields.status``: admin override, well-known JSM names, then statusCategory.key."""
    raw = status.get("name").text()
    override = status_override(options, raw)
    if override is not None:
        return override, raw
    by_name = status_by_name(options, raw)
    if by_name is not None and by_name not in (StatusCategory.NEW, StatusCategory.RESOLVED):
        return by_name, raw
    key = status.get("statusCategory").get("key").text()
    return _CATEGORY.get(key or "", by_name or StatusCategory.OPEN), raw


def status_from_name(raw: str | None, current: Node, options: IntakeOptions) -> StatusCategory:
    """A changelog's target status: the current status' mapping when it is the same one."""
    if raw is not None and raw == current.get("name").text():
        return jira_status(current, options)[0]
    return status_by_name(options, raw) or StatusCategory.OPEN


def jira_priority(priority: Node, options: IntakeOptions) -> tuple[Priority, str | None]:
    """Map ``fields.priority.name`` (Highest/High/Medium/Low/Lowest, Blocker…)."""
    raw = priority.get("name").text()
    return priority_by_name(options, raw), raw


def request_type(fields: Node, options: IntakeOptions) -> tuple[str | None, str | None]:
    """The JSM request type name and the custom field id that holds it."""
    configured = options.request_type_field
    candidates = [configured] if configured else fields.member_names()
    for name in candidates:
        value = fields.get(name)
        if name.startswith("customfield_") and value.is_object():
            request = value.get("requestType")
            if request.is_object():
                return request.get("name").text(), name
    return None, None


def field_text(value: Node) -> str | None:
    """A custom field value as text: select options, users, arrays (comma-joined), scalars."""
    if value.missing:
        return None
    if isinstance(value.value, list):
        texts = [field_text(item) for item in value.items()]
        joined = ", ".join(t for t in texts if t)
        return joined or None
    if value.is_object():
        for key in ("value", "name", "displayName", "key", "id"):
            if (text := value.get(key).text()) is not None:
                return text
        return None
    return value.text()


def custom_fields(fields: Node, skip: str | None) -> dict[str, str]:
    """Every non-empty ``customfield_*`` as text, except the request-type field."""
    result = {}
    for name in fields.member_names():
        if name.startswith("customfield_") and name != skip:
            text = field_text(fields.get(name))
            if text is not None:
                result[name] = text
    return result


def jira_comment(node: Node) -> Comment:
    """A Jira comment; ``jsdPublic`` false means a JSM internal note (absent: public)."""
    public = node.get("jsdPublic").flag()
    author = jira_person(node.get("author"))
    editor = jira_person(node.get("updateAuthor"))
    return Comment(
        id=node.req("id").req_text(),
        body=adf_to_text(node.get("body")),
        public=True if public is None else public,
        author=author,
        created_at=node.get("created").instant(),
        own_text=own_text_adf(node.get("body")),
        edited_by=editor if editor and (author is None or editor.id != author.id) else None,
    )


def jira_attachments(fields: Node) -> tuple[Attachment, ...]:
    """Metadata of ``fields.attachment``."""
    return tuple(
        Attachment(
            id=item.req("id").req_text(),
            filename=item.get("filename").text() or "",
            size=item.get("size").integer(),
            content_type=item.get("mimeType").text(),
            url=item.get("content").text(),
        )
        for item in fields.get("attachment").items()
    )


def issue_url(issue: Node, base_url: str | None) -> str | None:
    """``<base>/browse/<key>``, the base taken from config or from the issue's REST self link."""
    key = issue.get("key").text()
    base = base_url
    if base is None:
        self_link = issue.get("self").text() or ""
        base = self_link.split("/rest/", 1)[0] if "/rest/" in self_link else None
    if base is None or key is None:
        return None
    return f"{base.rstrip('/')}/browse/{key}"


def team(fields: Node, options: IntakeOptions) -> str | None:
    """``options.team_field`` when set, else the first component's name."""
    configured = options.team_field
    if configured:
        return field_text(fields.get(configured))
    for component in fields.get("components").items():
        return component.get("name").text()
    return None
