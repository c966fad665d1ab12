"""
Check requests the connectors send against the vendors' own API descriptions.

``OpenApiSpec`` reads an OpenAPI 3 document (Okta's management spec); ``DiscoverySpec`` reads a
Google API discovery document. Both answer ``problems(method, url, body)`` with what the
description does not allow: an unknown path or method, an undeclared or missing query parameter,
a body where none is taken (or none where one is required), an object key the schema lacks.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import responses
import yaml

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
SPECS = SHARED / "specs"


@dataclass(frozen=True)
class Operation:
    """One method on one path template, with what it accepts."""

    template: str
    pattern: re.Pattern[str]
    query: Mapping[str, tuple[bool, str | None]]  # name → (required, type)
    body_required: bool
    takes_body: bool
    body_schema: Mapping[str, Any] | None
    scopes: frozenset[str] = frozenset()
    """OAuth scopes of which the caller needs any one (empty: the description names none)."""


@dataclass
class _Spec:
    operations: dict[str, dict[str, Operation]] = field(
        default_factory=dict
    )  # template → method → op
    global_query: frozenset[str] = frozenset()

    def problems(self, method: str, url: str, body: bytes | str | None) -> list[str]:
        op = self.operation(method, url)
        if isinstance(op, str):
            return [op]
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        return [
            f"{method} {op.template}: {p}" for p in _query_problems(op, query, self.global_query)
        ] + [f"{method} {op.template}: {p}" for p in self._body_problems(op, body)]

    def operation(self, method: str, url: str) -> Operation | str:
        """The operation ``method url`` calls, or a sentence saying why there is none."""
        path = self._relative(urllib.parse.urlsplit(url))
        if path is None:
            return f"{method} {url}: host not described by this spec"
        op_by_method = self._match(path)
        if op_by_method is None:
            return f"{method} {path}: no such path in the spec"
        op = op_by_method.get(method.upper())
        if op is None:
            return f"{method} {path}: method not allowed (spec has {sorted(op_by_method)})"
        return op

    def describes(self, url: str) -> bool:
        """True if ``url`` is on the host this description covers."""
        return self._relative(urllib.parse.urlsplit(url)) is not None

    def _relative(self, parts: urllib.parse.SplitResult) -> str | None:
        return parts.path

    def _match(self, path: str) -> dict[str, Operation] | None:
        # The most specific template wins, as in a router: fewest catch-all and plain
        # parameters, then the most literal text.
        candidates = [
            (
                (
                    template.count("{+"),
                    template.count("{"),
                    -len(re.sub(r"\{[^}]+\}", "", template)),
                ),
                ops,
            )
            for template, ops in self.operations.items()
            if next(iter(ops.values())).pattern.fullmatch(path)
        ]
        return min(candidates, key=lambda c: c[0])[1] if candidates else None

    def _body_problems(self, op: Operation, body: bytes | str | None) -> list[str]:
        if not body:
            return ["request body is required"] if op.body_required else []
        if not op.takes_body:
            return ["this operation takes no request body"]
        try:
            payload = json.loads(body)
        except ValueError:
            return ["request body is not JSON"]
        return list(self._schema_problems(op.body_schema, payload, "body"))

    def _schema_problems(
        self, schema: Mapping[str, Any] | None, value: Any, where: str
    ) -> Iterable[str]:
        schema = self._resolve(schema)
        if not schema or not isinstance(value, dict):
            return
        properties: Mapping[str, Any] = schema.get("properties") or {}
        for name in schema.get("required", []):
            if name not in value:
                yield f"{where}.{name} is required"
        if not properties or schema.get("additionalProperties"):
            return
        for key, item in value.items():
            if key not in properties:
                yield f"{where}.{key} is not in the schema"
            else:
                yield from self._schema_problems(properties[key], item, f"{where}.{key}")

    def _resolve(self, schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        return schema


def _query_problems(
    op: Operation, query: Mapping[str, list[str]], global_query: frozenset[str]
) -> Iterable[str]:
    for name, values in query.items():
        if name not in op.query and name not in global_query:
            yield f"query parameter {name!r} is not declared"
            continue
        kind = op.query.get(name, (False, None))[1]
        for value in values:
            if kind == "boolean" and value not in ("true", "false"):
                yield f"query parameter {name}={value!r} is not a boolean"
            if kind == "integer" and not value.lstrip("-").isdigit():
                yield f"query parameter {name}={value!r} is not an integer"
    for name, (required, _) in op.query.items():
        if required and name not in query:
            yield f"required query parameter {name!r} is missing"


def _template_pattern(template: str, prefix: str = "") -> re.Pattern[str]:
    out = re.escape(prefix)
    for piece in re.split(r"(\{\+?[^}]+\})", template):
        if piece.startswith("{+"):
            out += ".+"
        elif piece.startswith("{"):
            out += "[^/]+"
        else:
            out += re.escape(piece)
    return re.compile(out)


class OpenApiSpec(_Spec):
    """
    An OpenAPI 3 document.

    Without ``base_url`` requests are matched on their path alone (any host); with one, only
    requests under it are described, and its path (Graph's ``/v1.0``) is taken off first.
    """

    def __init__(self, document: Mapping[str, Any], base_url: str | None = None) -> None:
        super().__init__()
        self._doc = document
        self._base = urllib.parse.urlsplit(base_url.rstrip("/")) if base_url else None
        for template, item in document["paths"].items():
            common = [self._resolve(p) or {} for p in item.get("parameters", [])]
            for method, raw in item.items():
                if method in ("get", "put", "post", "delete", "patch"):
                    params = common + [self._resolve(p) or {} for p in raw.get("parameters", [])]
                    self.operations.setdefault(template, {})[method.upper()] = self._operation(
                        template, params, raw.get("requestBody")
                    )

    def _relative(self, parts: urllib.parse.SplitResult) -> str | None:
        base = self._base
        if base is None:
            return parts.path
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        if not parts.path.startswith(base.path + "/"):
            return None
        return parts.path[len(base.path) :]

    def _operation(self, template: str, params: list[Mapping[str, Any]], body: Any) -> Operation:
        request_body = self._resolve(body) or {}
        content = request_body.get("content", {}).get("application/json", {})
        return Operation(
            template=template,
            pattern=_template_pattern(template),
            query={
                p["name"]: (
                    bool(p.get("required")),
                    (self._resolve(p.get("schema")) or {}).get("type"),
                )
                for p in params
                if p.get("in") == "query"
            },
            body_required=bool(request_body.get("required")),
            takes_body=bool(request_body),
            body_schema=content.get("schema"),
        )

    def _resolve(self, schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        while schema is not None and "$ref" in schema:
            node: Any = self._doc
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        if schema is not None and "allOf" in schema:
            merged: dict[str, Any] = {"properties": {}, "required": []}
            for part in schema["allOf"]:
                resolved = self._resolve(part) or {}
                merged["properties"].update(resolved.get("properties", {}))
                merged["required"] += resolved.get("required", [])
            return merged
        return schema

    def properties(self, schema: str) -> frozenset[str]:
        """The property names the component schema ``schema`` declares (``allOf`` merged)."""
        resolved = self._resolve({"$ref": f"#/components/schemas/{schema}"}) or {}
        return frozenset(resolved.get("properties") or {})

    def payload_problems(self, schema: str, payload: Mapping[str, Any]) -> list[str]:
        """
        What a faked reply ``payload`` holds that the component ``schema`` does not describe
        (OData ``@odata.*`` annotations aside), so replies keep the vendor's shape.
        """
        keys = {k: v for k, v in payload.items() if not k.startswith("@odata.")}
        resolved = self._resolve({"$ref": f"#/components/schemas/{schema}"})
        return list(self._schema_problems(resolved, keys, schema))


class DiscoverySpec(_Spec):
    """A Google discovery document; requests must go to its rootUrl + servicePath."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        super().__init__()
        self._doc = document
        self._prefix = urllib.parse.urlsplit(document["rootUrl"] + document["servicePath"])
        self.global_query = frozenset(document.get("parameters", {}))
        self._walk(document.get("resources", {}))

    def _walk(self, resources: Mapping[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                params = method.get("parameters", {})
                op = Operation(
                    template=method["path"],
                    pattern=_template_pattern(method["path"], self._prefix.path),
                    query={
                        n: (bool(p.get("required")), p.get("type"))
                        for n, p in params.items()
                        if p.get("location") == "query"
                    },
                    body_required="request" in method,
                    takes_body="request" in method,
                    body_schema=method.get("request"),
                    scopes=frozenset(method.get("scopes", ())),
                )
                self.operations.setdefault(method["path"], {})[method["httpMethod"]] = op
            self._walk(resource.get("resources", {}))

    def _relative(self, parts: urllib.parse.SplitResult) -> str | None:
        if (parts.scheme, parts.netloc) != (self._prefix.scheme, self._prefix.netloc):
            return None
        return parts.path

    def _resolve(self, schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        while schema is not None and "$ref" in schema:
            schema = self._doc["schemas"][schema["$ref"]]
        return schema


def load_okta_spec() -> OpenApiSpec | None:
    """Okta's management spec from ``shared/specs``, or None when it is not there."""
    path = SPECS / "management-oneOfInheritance.yaml"
    if not path.is_file():
        return None
    with path.open() as handle:
        return OpenApiSpec(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # noqa: S506 (a safe loader)


def load_openapi(name: str, base_url: str | None = None) -> OpenApiSpec | None:
    """An OpenAPI document (JSON or YAML) from ``shared/specs``, or None when it is not there."""
    path = SPECS / name
    if not path.is_file():
        return None
    with path.open() as handle:
        document = (
            json.load(handle)
            if path.suffix == ".json"
            else yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)
        )
    return OpenApiSpec(document, base_url)


def load_discovery(path: Path) -> DiscoverySpec | None:
    """A discovery document from ``path``, or None when it is not there."""
    return DiscoverySpec(json.loads(path.read_text())) if path.is_file() else None


def assert_scopes_granted(
    calls: Iterable[responses.Call], specs: Iterable[_Spec], granted: Iterable[str]
) -> None:
    """Fail unless each recorded request's operation accepts one of the ``granted`` scopes."""
    have = set(granted)
    missing: list[str] = []
    for call in calls:
        method, url = str(call.request.method), str(call.request.url)
        for spec in (s for s in specs if s.describes(url)):
            op = spec.operation(method, url)
            if isinstance(op, Operation) and op.scopes and not op.scopes & have:
                missing.append(f"{method} {op.template}: needs one of {sorted(op.scopes)}")
    assert not missing, "requests the granted scopes do not cover:\n" + "\n".join(missing)


def assert_calls_allowed(
    calls: Iterable[responses.Call], specs: Iterable[_Spec], *, skip_hosts: Iterable[str] = ()
) -> None:
    """
    Fail unless every recorded request is allowed by every spec that describes its host.

    A request to a host no spec describes fails too, except for ``skip_hosts`` (token endpoints).
    """
    spec_list = list(specs)
    skipped = set(skip_hosts)
    failures: list[str] = []
    for call in calls:
        method, url = str(call.request.method), str(call.request.url)
        if urllib.parse.urlsplit(url).netloc in skipped:
            continue
        relevant = [spec for spec in spec_list if spec.describes(url)]
        if not relevant:
            failures.append(f"{method} {url}: no API description covers this host")
        for spec in relevant:
            failures.extend(spec.problems(method, url, call.request.body))
    assert not failures, "requests the vendor's API description does not allow:\n" + "\n".join(
        failures
    )
