"""
Load playbooks from YAML files, with every problem reported as FILE:LINE: message.

Each ``*.yaml`` file holds one playbook. ``load_library`` reads directories in order; a later
directory's playbook replaces an earlier one with the same ``name`` (a site overrides the
shipped library). A broken playbook never loads silently: ``PlaybookLoadError`` lists them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from playbooks.model import Playbook

LineMap = dict[tuple[str | int, ...], int]


class PlaybookLoadError(ValueError):
    """One or more playbooks are invalid; ``problems`` holds ``FILE:LINE: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Library:
    """The loaded playbooks, by name."""

    playbooks: Mapping[str, Playbook]

    def get(self, name: str) -> Playbook:
        """
        The playbook called ``name``.

        Args:
            name: a playbook name; ``KeyError`` if there is none.
        """
        return self.playbooks[name]

    def for_intent(self, intent: str) -> tuple[Playbook, ...]:
        """
        The playbooks answering ``intent``, in name order.

        Args:
            intent: one of ``playbooks.model.INTENTS``.
        """
        return tuple(p for _, p in sorted(self.playbooks.items()) if intent in p.intents)


PlaybookText = tuple[str, str]
"""(source file name, YAML text) of one playbook file, as the shell read it."""


def library_from_texts(directories: Sequence[Sequence[PlaybookText]]) -> Library:
    """
    Build the library from every directory's playbook files; later directories override
    same-named playbooks, and a name defined twice in one directory is a problem.

    Args:
        directories: per directory, in order, its files' (source, text), in name order.

    Returns:
        The library; raises ``PlaybookLoadError`` listing every problem in every file.
    """
    found: dict[str, Playbook] = {}
    problems: list[str] = []
    for files_here in directories:
        seen_here: dict[str, str] = {}
        for source, text in files_here:
            try:
                playbook = load_playbook_text(text, source)
            except PlaybookLoadError as exc:
                problems.extend(exc.problems)
                continue
            if playbook.name in seen_here:
                problems.append(
                    f"{source}:1: playbook `{playbook.name}` is also defined in {seen_here[playbook.name]}"
                )
            seen_here[playbook.name] = source
            found[playbook.name] = playbook
    if problems:
        raise PlaybookLoadError(problems)
    return Library(found)


def load_playbook_text(text: str, source: str) -> Playbook:
    """
    Parse and validate one playbook's YAML.

    Args:
        text: the YAML document.
        source: the file name to report problems against.
    """
    data, lines = _parse(text, source)
    if not isinstance(data, dict):
        raise PlaybookLoadError([f"{source}:1: a playbook is a mapping (name:, title:, steps: …)"])
    try:
        return Playbook.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise PlaybookLoadError(_problems(exc, source, lines)) from None


def _parse(text: str, source: str) -> tuple[Any, LineMap]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlaybookLoadError([f"{source}:1: the file is empty"])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PlaybookLoadError([f"{source}:{line}: invalid YAML: {exc.problem}"]) from None
    finally:
        loader.dispose()
    lines: LineMap = {}
    _record_lines(node, (), lines)
    return data, lines


def _record_lines(node: yaml.Node, path: tuple[str | int, ...], lines: LineMap) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            _record_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


def _problems(exc: ValidationError, source: str, lines: LineMap) -> list[str]:
    problems = []
    for error in exc.errors():
        path = _yaml_path(error["loc"], lines)
        line = lines.get(path, 1)
        where = ".".join(str(p) for p in error["loc"] if not _is_tag(p)) or "(top)"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{source}:{line}: {where}: {message}")
    return problems


def _yaml_path(loc: tuple[int | str, ...], lines: LineMap) -> tuple[str | int, ...]:
    """Map a pydantic error location onto the deepest YAML path that exists (skipping union tags)."""
    path: tuple[str | int, ...] = ()
    for part in loc:
        candidate = (*path, part)
        if candidate in lines:
            path = candidate
    return path


def _is_tag(part: int | str) -> bool:
    """Pydantic puts union member names (``function-after[...]``, ``CompensationSpec``) in locs."""
    return isinstance(part, str) and ("[" in part or part[:1].isupper())


yaml_with_lines = _parse
"""Parse one YAML document with the line of every key (for other files beside the playbooks)."""
problems_of = _problems
"""A ``ValidationError`` as ``FILE:LINE: field: message`` lines, using ``yaml_with_lines``'s map."""
