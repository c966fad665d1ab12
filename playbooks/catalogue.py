"""
Which catalogue items (applications, groups, licences) a ticket asks for — all of them.

Pure. The form's item fields ("Application", "System / application", "Software", "Licence")
decide when they name something in the catalogue; otherwise every item the requester's own
message names (by name, alias, group or licence id, words in any order) is asked for, and a
forwarded thread is read only when the requester's own words name none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from playbooks.config import Application, app_names, field_key
from playbooks.people import fold

ITEM_FIELDS = (
    "Application",
    "System / application",
    "System",
    "Software",
    "Licence",
    "License",
    "Group",
    "Access to",
    "Product",
    "Applications",
)
FIELD_SCORE = 90.0


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def _phrases(app: Application) -> list[str]:
    """Every way the item may be written, as words, longest first (word order free up to 3)."""
    phrases: set[str] = set()
    for name in app_names(app):
        words = _words(name).split()
        if not words:
            continue
        if 1 < len(words) <= 3:
            phrases.update(" ".join(p) for p in itertools.permutations(words))
        phrases.add(" ".join(words))
    return sorted(phrases, key=len, reverse=True)


def items_in_text(text: str, catalogue: Sequence[Application]) -> list[Application]:
    """
    Every catalogue item ``text`` names, in the order they first appear.

    A mention inside a longer one counts once ("BigQuery analytics" is not also "BigQuery").

    Args:
        text: free text.
        catalogue: the items.
    """
    folded = f" {_words(text)} "
    spans: list[tuple[int, int, Application]] = []
    for app in catalogue:
        for phrase in _phrases(app):
            for match in re.finditer(re.escape(f" {phrase} "), folded):
                spans.append((match.start(), match.end(), app))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, Application]] = []
    for start, end, app in spans:
        if any(start >= k_start and end <= k_end for k_start, k_end, _ in kept):
            continue
        kept.append((start, end, app))
    found: dict[str, Application] = {}
    for _, _, app in sorted(kept, key=lambda s: s[0]):
        found.setdefault(app.name, app)
    return list(found.values())


def item_for_value(value: str, catalogue: Sequence[Application]) -> list[Application]:
    """
    The items a form field's value names: exactly, by the words it contains, or fuzzily.

    Args:
        value: the field's value ("Remote access (ZTNA)", "LIMS (Lyon)", "NetSuite").
        catalogue: the items.
    """
    wanted = _words(value)
    exact = [a for a in catalogue if wanted in {_words(n) for n in app_names(a)}]
    if exact:
        return exact[:1]
    contained = items_in_text(value, catalogue)
    if contained:
        return contained
    scored = sorted(
        (
            (max(fuzz.token_set_ratio(wanted, _words(n)) for n in app_names(a)), a)
            for a in catalogue
        ),
        key=lambda pair: -pair[0],
    )
    best = [a for score, a in scored if score >= FIELD_SCORE]
    top = [a for score, a in scored if score == scored[0][0]] if best else []
    return top if len(top) == 1 else []


def find_items(
    fields: Mapping[str, str],
    own_text: str,
    thread_text: str,
    catalogue: Sequence[Application],
    *,
    item_fields: Sequence[str] = ITEM_FIELDS,
) -> list[Application]:
    """
    The catalogue items a ticket asks for.

    Args:
        fields: the form fields by label.
        own_text: subject and the requester's own message.
        thread_text: the whole description (quoted and forwarded mails included).
        catalogue: the items.
        item_fields: labels of the fields that name items.
    """
    if not catalogue:
        return []
    folded = {field_key(k): v for k, v in fields.items() if v and v.strip()}
    from_fields: dict[str, Application] = {}
    for label in item_fields:
        value = folded.get(field_key(label))
        if value:
            for app in item_for_value(value, catalogue):
                from_fields.setdefault(app.name, app)
    if from_fields:
        return list(from_fields.values())
    return items_in_text(own_text, catalogue) or items_in_text(thread_text, catalogue)
