"""
The ``where`` expression of a campaign's user filter: a Jinja2 expression over one directory
account (``user.department in ['Finance', 'Treasury'] and not user.disabled``).

It runs in the Jinja2 sandbox playbooks' expressions use, in its immutable form
(``ImmutableSandboxedEnvironment``: no method that changes a list, dict or set), and sees one
name, ``user``: a read-only ``UserView`` of the account. Nothing else is reachable: no globals
(``range``, ``dict``, ``lipsum``… are removed), a short list of filters that only read, the
string and mapping methods that only read, no name starting with ``_``, no string formatting,
and ``**``, ``*`` and ``join`` bounded so a short expression cannot build a huge number or
string.

Undefined names are errors, never a silent false: an unknown name or ``user`` field is refused
when the file is checked; a key missing from ``user.attributes`` is an error for that account
when it is read (``StrictUndefined``), unless the expression asks first
(``user.attributes.costCenter is defined``, ``'costCenter' in user.attributes``,
``user.attributes.get('costCenter')``, ``|default('')``). The result must be true or false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache, wraps
from types import MappingProxyType
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.filters import sync_do_join
from jinja2.nodes import EvalContext
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

READ_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "first", "float", "int", "join", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "select",
    "selectattr", "sort", "string", "title", "trim", "unique", "upper",
})  # fmt: skip
"""The filters a ``where`` expression may use: each reads its input and builds nothing large."""
STR_METHODS = frozenset({
    "casefold", "endswith", "isdigit", "lower", "lstrip", "rstrip", "split", "startswith",
    "strip", "upper",
})  # fmt: skip
MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
MAX_POWER_BITS = 256
"""``a ** b`` is refused when its result could need more bits than this."""
MAX_SIZE = 100_000
"""``'x' * n``, ``[x] * n`` and ``|join`` are refused when the result would hold more characters
and elements than this, and any filter whose result does (so no chain of them can build a huge
string in memory)."""
EMPLOYEE_TYPE_ATTRIBUTES = ("employee_type", "employeeType", "userType")
"""Attributes a directory connector may report the employee type in (first found wins)."""


class WhereError(ValueError):
    """The expression failed for one account (the campaign does not start)."""


@dataclass(frozen=True)
class UserView:
    """What a ``where`` expression sees of one directory account (read-only)."""

    id: str
    login: str
    email: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    employee_id: str | None = None
    title: str | None = None
    department: str | None = None
    manager: str | None = None
    """The manager's login (None: no manager, or one the directory does not list)."""
    employee_type: str | None = None
    """From the first of ``EMPLOYEE_TYPE_ATTRIBUTES`` the connector reports."""
    disabled: bool = False
    locked: bool = False
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Every attribute the connector reports, as it names them (read-only)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))


FIELDS = frozenset(f.name for f in fields(UserView))


def employee_type(attributes: Mapping[str, str]) -> str | None:
    """The employee type a connector reports under one of its usual names, if any."""
    return next((attributes[k] for k in EMPLOYEE_TYPE_ATTRIBUTES if attributes.get(k)), None)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"**", "*", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, UserView):
            return attr in FIELDS
        if isinstance(obj, str):
            return attr in STR_METHODS
        if isinstance(obj, Mapping):
            return attr in MAPPING_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        # Jinja hands out a sandboxed str.format before asking is_safe_attribute: no formatting.
        return None

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not available")
        if operator == "**" and _power_bits(left, right) > MAX_POWER_BITS:
            raise SecurityError(f"{left} ** {right} is too large")
        if operator == "*":
            size = _repeated_size(left, right) or _repeated_size(right, left)
            if size > MAX_SIZE:
                raise SecurityError(f"repeating to {size} characters and elements is too large")
        return super().call_binop(context, operator, left, right)


def _power_bits(base: Any, exponent: Any) -> int:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        return abs(base).bit_length() * exponent
    return 0


def _repeated_size(sequence: Any, times: Any) -> int:
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        return _size(sequence) * times
    return 0


def _size(value: Any) -> int:
    """Characters and elements in ``value`` (nested lists and mappings counted through)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(_size(v) for v in value)
    if isinstance(value, Mapping):
        return len(value) + sum(_size(k) + _size(v) for k, v in value.items())
    return 1


@pass_eval_context
def _join(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    """Jinja's ``join``, refused before joining when the result would exceed ``MAX_SIZE``."""
    items = list(value)
    size = sum(_size(i) for i in items) + max(len(items) - 1, 0) * len(str(d))
    if size > MAX_SIZE:
        raise SecurityError(f"joining to {size} characters is too large")
    return sync_do_join(eval_ctx, items, d, attribute)


def _bounded(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """Filter ``f``, refusing a result over ``MAX_SIZE``: ``string`` of a list is its repr (five
    characters per one-letter item) and ``list`` of a string one item per character, so
    ``|list|string`` chained would grow the input fivefold per link."""

    @wraps(f)  # keeps Jinja's pass_context / pass_eval_context marker
    def bounded(*args: Any, **kwargs: Any) -> Any:
        result = f(*args, **kwargs)
        if isinstance(result, str | list | tuple | Mapping):
            size = _size(result)
            if size > MAX_SIZE:
                raise SecurityError(f"|{name} gave {size} characters and elements: too large")
        return result

    return bounded


def _sandbox() -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False)
    env.globals.clear()
    kept = {name: f for name, f in env.filters.items() if name in READ_FILTERS}
    env.filters = {name: _bounded(name, f) for name, f in (kept | {"join": _join}).items()}
    return env


ENV = _sandbox()


def check_where(source: str) -> str:
    """
    Refuse an expression that cannot be evaluated: a syntax error, a filter or test that does not
    exist, a name other than ``user``, a ``user`` field that does not exist, a name starting
    with ``_``. The message is what ``deskpilot check`` prints after the field.
    """
    if not source.strip():
        raise ValueError("the expression is empty")
    try:
        ENV.compile_expression(source)
        tree = Parser(ENV, source, state="variable").parse_expression()
    except TemplateSyntaxError as exc:
        raise ValueError(f"expression syntax error: {exc.message}") from None
    problems = list(dict.fromkeys(_problems(tree)))
    if problems:
        raise ValueError("; ".join(problems))
    return source


def _problems(tree: nodes.Node) -> Iterator[str]:
    for node in (tree, *tree.find_all(nodes.Node)):
        if isinstance(node, nodes.Name) and node.name != "user":
            yield f"unknown name `{node.name}` (the expression sees only `user`)"
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        name = _attribute(node)
        if name is None:
            continue
        if name.startswith("_"):
            yield f"`{name}`: names starting with _ are not available"
        elif isinstance(node.node, nodes.Name) and node.node.name == "user" and name not in FIELDS:
            yield (
                f"`user.{name}` is not a field (fields: {', '.join(sorted(FIELDS))}; "
                "other directory attributes are under `user.attributes`)"
            )


CASE_FREE_FIELDS = frozenset({"employee_type"})
"""Fields whose values directories write in any case (``Contractor``, ``contractor``,
``CONTRACTOR``: RFC 2798 and RFC 7643 only suggest a spelling), so a comparison with a literal
as written matches one spelling only."""


def case_warnings(source: str) -> list[str]:
    """
    What ``deskpilot check`` warns about in a valid expression: a ``CASE_FREE_FIELDS`` field
    compared (``==``, ``!=``, ``in``, ``not in``) with a string literal as it is, which matches
    only the directories that write the literal's case; the message gives the ``lower`` form
    that matches every spelling. The field's value itself is never changed: a campaign's
    population does not move under an expression that already names the directory's case.
    """
    tree = Parser(ENV, source, state="variable").parse_expression()
    warned: dict[str, str] = {}
    for compare in (tree, *tree.find_all(nodes.Compare)):
        if not isinstance(compare, nodes.Compare) or len(compare.ops) != 1:
            continue
        left, right = compare.expr, compare.ops[0].expr
        for field_side, other, first in ((left, right, True), (right, left, False)):
            name = _case_free_field(field_side)
            literal = _string_literal(other)
            if name is not None and literal is not None and name not in warned:
                warned[name] = _case_warning(name, compare.ops[0].op, literal, first)
    return list(warned.values())


def _case_free_field(node: nodes.Node) -> str | None:
    if (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "user"
        and node.attr in CASE_FREE_FIELDS
    ):
        return node.attr
    return None


def _string_literal(node: nodes.Node) -> str | list[str] | None:
    """A string constant, or a list or tuple of them, as written; None for anything else."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        found = [i.value for i in node.items if isinstance(i, nodes.Const)]
        if found and all(isinstance(v, str) for v in found):
            return [str(v) for v in found]
    return None


_OPERATORS = {"eq": "==", "ne": "!=", "in": "in", "notin": "not in"}


def _case_warning(name: str, op: str, literal: str | list[str], field_first: bool) -> str:
    """The warning, with the comparison rewritten on the lower-cased field (the field kept on
    its side: ``'x' in user.f`` tests a substring, ``user.f in [...]`` a membership)."""
    values = [literal] if isinstance(literal, str) else literal
    folded: str | list[str] = (
        literal.lower() if isinstance(literal, str) else [v.lower() for v in literal]
    )
    spellings = dict.fromkeys((values[0].capitalize(), values[0].lower(), values[0].upper()))
    sides = [f"(user.{name} or '') | lower", repr(folded)]
    rewritten = f" {_OPERATORS.get(op, op)} ".join(sides if field_first else sides[::-1])
    return (
        f"`user.{name}` is compared with {', '.join(map(repr, values[:3]))} in that exact case, "
        f"but directories write it in any case ({', '.join(map(repr, spellings))}), so "
        f"accounts spelt otherwise are not matched; to match every spelling write `{rewritten}`"
    )


def _attribute(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const):
        value = node.arg.value
        return value if isinstance(value, str) else None
    return None


@lru_cache(maxsize=64)
def _compiled(source: str) -> Callable[..., Any]:
    return ENV.compile_expression(source, undefined_to_none=False)


def matches(source: str, user: UserView) -> bool:
    """
    Whether ``user`` passes the expression; ``WhereError`` says why it could not be decided
    (an error in the expression for this account, or a result that is not true or false).
    """
    try:
        result = _compiled(source)(user=user)
        if isinstance(result, Undefined):
            bool(result)  # StrictUndefined raises, naming what is missing
    except Exception as exc:  # any failure is this account's error: never a silent drop
        raise WhereError(f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(result, bool):
        raise WhereError(
            f"the expression gave {result!r} ({type(result).__name__}), not true or false"
        )
    return result
