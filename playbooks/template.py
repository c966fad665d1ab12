"""
The one Jinja2 environment playbooks are rendered with: sandboxed, strict about undefined names.

Templates are compiled when a playbook is loaded, so a syntax error is a load error with a
FILE:LINE, never a surprise in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment


def _finalize(value: object) -> object:
    # An optional input that is not given renders as nothing, not as the word "None".
    return "" if value is None else value


ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize)


class TemplateRenderError(ValueError):
    """A template could not be rendered with the facts of this run (an undefined name, a bad filter)."""


def compile_template(source: str) -> Template:
    """
    Compile a template string.

    Args:
        source: Jinja2 source.

    Returns:
        The compiled template; raises ``ValueError`` on a syntax error (pydantic reports it).
    """
    try:
        return ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template syntax error: {exc.message}") from None


def check_expression(source: str) -> None:
    """
    Compile a Jinja2 expression (``when``, ``for_each``) to catch syntax errors at load time.

    Args:
        source: the expression, without ``{{ }}``.
    """
    try:
        ENV.compile_expression(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"expression syntax error: {exc.message}") from None


@lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    # Compiling is ~100x the cost of rendering; the sources are the playbooks' own, a few hundred.
    return ENV.from_string(source)


@lru_cache(maxsize=1024)
def _expression(source: str) -> Callable[..., Any]:
    return ENV.compile_expression(source, undefined_to_none=False)


def render(source: str, context: Mapping[str, Any], *, where: str) -> str:
    """
    Render a template with ``context``; any failure becomes a ``TemplateRenderError``.

    Args:
        source: Jinja2 template source.
        context: the names the template may use.
        where: what is being rendered, for the error message (``step 2 (add_to_group).group``).
    """
    try:
        return _template(source).render(**context).strip()
    except TemplateError as exc:
        raise TemplateRenderError(f"{where}: {exc}") from exc


def evaluate(source: str, context: Mapping[str, Any], *, where: str) -> Any:
    """
    Evaluate a Jinja2 expression (``when``, ``for_each``, ``applies_when``) with ``context``.

    Args:
        source: the expression, without ``{{ }}``.
        context: the names the expression may use.
        where: what is being evaluated, for the error message.
    """
    try:
        return _expression(source)(**context)
    except TemplateError as exc:
        raise TemplateRenderError(f"{where}: {exc}") from exc
