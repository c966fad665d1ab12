"""
The JSON a Jira field takes, chosen by the field's type in the issue's edit metadata.

``PUT /rest/api/{2,3}/issue/{key}`` wants a different shape per field type: a text field takes a
string, a select list ``{"value": …}``, a user picker ``{"accountId": …}`` (Cloud) or
``{"name": …}`` (Data Center), a paragraph field ADF on REST v3 and wiki text on v2, a multi-value
field a list of those. ``GET …/editmeta`` says, per field the API user may edit on that issue,
its ``schema`` (``type``, ``items``, ``custom``) and, for choice fields, its ``allowedValues``.
A value that is not allowed, a field that is not editable and a type deskpilot cannot write are
refused with a sentence saying which, before the PUT.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.render import to_adf

TEXTAREA = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"
_BY_NAME = frozenset({"priority", "version", "component", "group", "resolution", "issuetype"})


class FieldValueError(ValueError):
    """The value cannot be written to this field; the message says why."""


def field_value(
    meta: Mapping[str, Any], field_id: str, value: str, *, cloud: bool = True, adf: bool = True
) -> Any:
    """
    The JSON for ``value`` in field ``field_id``, given the issue's ``editmeta`` answer.

    Args:
        meta: the body of ``GET …/issue/{key}/editmeta`` (``{"fields": {id: {...}}}``).
        field_id: e.g. ``customfield_10099`` or ``summary``.
        value: the text deskpilot wants in the field.
        cloud: people are ``accountId`` on Cloud, ``name`` (user name) on Data Center.
        adf: paragraph (rich text) fields take ADF (REST v3) instead of wiki text (REST v2).
    """
    field = (meta.get("fields") or {}).get(field_id)
    if not isinstance(field, Mapping):
        raise FieldValueError(
            f"{field_id} is not editable on this issue (not on its edit screen, or the API user "
            "may not edit it)"
        )
    schema: Mapping[str, Any] = field.get("schema") or {}
    kind = str(schema.get("type") or "")
    if kind == "array":
        item = str(schema.get("items") or "")
        return [_one(item, {}, field, field_id, part, cloud, adf) for part in _parts(value)]
    return _one(kind, schema, field, field_id, value, cloud, adf)


def _one(
    kind: str,
    schema: Mapping[str, Any],
    field: Mapping[str, Any],
    field_id: str,
    value: str,
    cloud: bool,
    adf: bool,
) -> Any:
    if kind == "string":
        rich = schema.get("custom") == TEXTAREA or schema.get("system") in (
            "description",
            "environment",
        )
        return to_adf(value) if rich and adf else value
    if kind in ("option", "option-with-child"):
        return {"value": _allowed(field, field_id, value, "value")}
    if kind == "user":
        return {"accountId": value} if cloud else {"name": value}
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            raise FieldValueError(f"{field_id} takes a number, not {value[:40]!r}") from None
    if kind in ("date", "datetime"):
        return value
    if kind in _BY_NAME:
        return {"name": _allowed(field, field_id, value, "name")}
    raise FieldValueError(f"{field_id} is a {kind or 'untyped'} field, which deskpilot cannot set")


def _allowed(field: Mapping[str, Any], field_id: str, value: str, key: str) -> str:
    allowed = [a for a in field.get("allowedValues") or [] if isinstance(a, Mapping)]
    if not allowed:
        return value
    names = [str(a.get(key) or a.get("value") or a.get("name") or "") for a in allowed]
    for name in names:
        if name.casefold() == value.casefold():
            return name
    raise FieldValueError(
        f"{value[:40]!r} is not an allowed value of {field_id} (allowed: {', '.join(names)})"
    )


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


__all__ = ["FieldValueError", "field_value"]
