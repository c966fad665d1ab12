"""
What a note template may use, checked when a playbook is loaded (so ``deskpilot check`` says it).

A note is rendered at the end of a run; a name it uses that the run does not provide would fail
then, after the directory changed. An internal note is read by every agent, so it must never
print the one-time link or anything password-like; a public reply may carry the one-time link
(to its owner) but never a password.
"""

from __future__ import annotations

import re

from jinja2 import TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables

from playbooks.template import ENV

NOTE_VARIABLES = frozenset(
    {
        "status", "requester", "target", "inputs", "application", "items", "until", "question",
        "one_time_link", "done", "ticket",
    }
)  # fmt: skip
"""The names every note template is rendered with (``playbooks.notes._context`` builds these)."""
PUBLIC_ONLY = frozenset({"allowed"})
"""Names only a public reply has (who may ask, for the refusal)."""
PERSON_FIELDS = frozenset({"login", "display_name", "email", "first_name"})
"""The fields of ``requester`` and ``target`` in a note."""
LINK = "one_time_link"
_SECRET = re.compile(r"pass(word|wd)?|secret|otp|token|credential", re.IGNORECASE)


def check_note(source: str, *, internal: bool) -> list[str]:
    """
    Why a note template would fail or leak when rendered (empty when it is fine).

    Args:
        source: the Jinja2 template.
        internal: True for the agents' internal note (no one-time link may be printed there).
    """
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError:
        return []  # compile_template reports syntax errors with the same location
    known = NOTE_VARIABLES if internal else NOTE_VARIABLES | PUBLIC_ONLY
    problems = [
        f"undefined variable {name!r} (a note knows: {', '.join(sorted(known))})"
        for name in sorted(find_undeclared_variables(tree) - known - set(ENV.globals))
    ]
    for node in tree.find_all(nodes.Getattr):
        owner = node.node.name if isinstance(node.node, nodes.Name) else None
        if owner in ("requester", "target") and node.attr not in PERSON_FIELDS:
            problems.append(
                f"{owner}.{node.attr} is not defined ({owner} has {', '.join(sorted(PERSON_FIELDS))})"
            )
    for printed in _printed_names(tree):
        if internal and printed == LINK:
            problems.append(
                "the one-time link is printed in the internal note, which every agent reads"
            )
        elif printed != LINK and _SECRET.search(printed):
            problems.append(f"{printed!r} looks like a secret and is printed in a note")
    return problems


def _printed_names(tree: nodes.Template) -> list[str]:
    """The variable and attribute names whose value a template writes out (not mere tests)."""
    names = []
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            for node in _values(child):
                if isinstance(node, nodes.Name):
                    names.append(node.name)
                elif isinstance(node, nodes.Getattr):
                    names.append(node.attr)
                elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                    names.append(str(node.arg.value))
    return names


def _values(node: nodes.Node) -> list[nodes.Node]:
    """The expressions whose value ends up in the output (a condition's test does not)."""
    if isinstance(node, nodes.CondExpr):
        return [*_values(node.expr1), *(_values(node.expr2) if node.expr2 else [])]
    if isinstance(node, nodes.Filter) and node.node is not None:
        return [node, *_values(node.node)]
    if isinstance(node, nodes.Concat):
        return [n for part in node.nodes for n in _values(part)]
    return [node]
