"""
A new account's login and e-mail address, derived from the person's name by naming templates.

Pure: the directory is only asked whether a login or an address is taken. The templates are
``str.format`` fields with indexing only (``{first}{last[0]}``); attribute access and anything
but the named fields are refused when the configuration is loaded.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_DROP = str.maketrans("", "", " -'\u2019.\t")
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "œ": "oe", "þ": "th"})


class NamingError(ValueError):
    """A naming template is malformed, or no free name was found."""


def name_part(text: str) -> str:
    """
    A name as it goes into a login: lowercase, ASCII-folded, no spaces, hyphens or apostrophes.

    Args:
        text: a given or family name (``Théo``, ``El-Amin``, ``O'Brien``).
    """
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c) and c.isascii())
    return ascii_only.translate(_DROP)


def check_template(template: str, fields: Iterable[str], *, where: str) -> None:
    """
    Refuse a template that names anything but ``fields`` (indexing like ``{last[0]}`` is allowed).

    Args:
        template: the ``str.format`` template.
        fields: the field names it may use.
        where: the configuration key, for the error.
    """
    allowed = set(fields)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise NamingError(f"{where}: {exc}") from exc
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        base, _, rest = field.partition("[")
        if base not in allowed or "." in field or spec or conversion:
            raise NamingError(
                f"{where}: `{{{field}}}` is not allowed; use {', '.join(sorted(allowed))}"
                " with an optional index such as [0]"
            )
        if rest and not rest.rstrip("]").isdigit():
            raise NamingError(f"{where}: `{{{field}}}` may only be indexed by a number")


def render_name(template: str, **parts: str) -> str:
    """
    Fill a naming template; an index past the end of a part gives an empty string.

    Args:
        template: checked by ``check_template``.
        parts: the field values.
    """
    try:
        return template.format(**{k: _Part(v) for k, v in parts.items()})
    except (KeyError, IndexError) as exc:
        raise NamingError(f"naming template {template!r}: {exc}") from exc


class _Part(str):
    """A string whose index past the end is empty (a one-letter family name has no [1])."""

    __slots__ = ()

    def __getitem__(self, key: object) -> str:
        if isinstance(key, int) and key >= len(self):
            return ""
        return str.__getitem__(self, key)  # type: ignore[index]


@dataclass(frozen=True)
class DerivedName:
    """The login and address a new account gets, and how many candidates were taken."""

    login: str
    email: str | None
    number: int
    """1: the template's own name was free; n > 1: the n-th candidate (a collision)."""


def derive_name(
    given: str,
    family: str,
    *,
    login_template: str,
    email_template: str | None,
    collision: str = "{login}{n}",
    email_collision: str = "{local}{n}",
    taken: Callable[[str, str | None], bool],
    max_tries: int = 50,
    middle: str = "",
) -> DerivedName:
    """
    The first free login (and e-mail) for a person: the template's, then numbered from 2.

    Args:
        given: the given name as written.
        family: the family name as written.
        login_template: e.g. ``{first}.{last}``.
        email_template: e.g. ``{first[0]}.{last}@example.com``; None for no address.
        collision: how a taken login is numbered (``{login}{n}``).
        email_collision: how a taken address's local part is numbered (``{local}{n}``).
        taken: ``taken(login, email)`` is True when either is already used in the directory.
        max_tries: give up (``NamingError``) after this many candidates.
        middle: a middle name, when the template uses one.
    """
    parts = {"first": name_part(given), "last": name_part(family), "middle": name_part(middle)}
    if not parts["first"] or not parts["last"]:
        raise NamingError(f"cannot derive a login from {given!r} {family!r}")
    login = render_name(login_template, **parts)
    email = render_name(email_template, **parts) if email_template else None
    for number in range(1, max_tries + 1):
        candidate = login if number == 1 else render_name(collision, login=login, n=str(number))
        address = (
            email if number == 1 or email is None else _numbered(email, email_collision, number)
        )
        if not taken(candidate, address):
            return DerivedName(candidate, address, number)
    raise NamingError(f"no free login after {max_tries} candidates for {login!r}")


def _numbered(email: str, template: str, number: int) -> str:
    local, at, domain = email.partition("@")
    return render_name(template, local=local, n=str(number)) + at + domain
