"""
People as tickets name them — "User: Ben Whitfield", "for Yasmin", "my line manager", ``dominics``
— found in the directory, or a question for the requester; never a guess.

Pure: ``PeopleIndex`` is built from the users a directory lists; the resolvers only read it. A
name matches a display name (or given + family name) by rapidfuzz score at or above a
threshold; two candidates within a small margin of each other make it ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from connectors.identity import DirectoryUser

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
_TOKEN = re.compile(r"(?<![\w@.-])([a-z0-9][a-z0-9._-]{2,63})(?![\w@-])")
_MY_MANAGER = re.compile(
    r"\b(?:my|our)\s+(?:line\s+|direct\s+|reporting\s+)?(?:manager|boss|supervisor)\b",
    re.IGNORECASE,
)
_SELF_WORDS = frozenset({"me", "myself", "i", "self", "moi"})


_BREAKS = re.compile(r"[\n!?]+")
"""What ends a sentence or a line that ``fold`` would otherwise erase (it keeps full stops)."""


def fold(text: str) -> str:
    """Casefolded, accents removed, spaces collapsed: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w@.'-]+", " ", plain).split())


@dataclass(frozen=True)
class Found:
    """The one account a reference names."""

    user: DirectoryUser
    how: str
    """``email``, ``login``, ``name``, ``given_name``, ``manager`` or ``requester``."""


@dataclass(frozen=True)
class Unclear:
    """A reference that names nobody, or more than one person: the requester is asked."""

    written: str
    candidates: tuple[DirectoryUser, ...] = ()

    @property
    def question(self) -> str:
        """The public question for the requester."""
        if self.candidates:
            names = " or ".join(
                f"{u.display_name or u.login} ({u.email or u.login})" for u in self.candidates[:4]
            )
            return f"Who do you mean by “{self.written}”: {names}? Please reply with their e-mail."
        return (
            f"I could not find “{self.written}” in the directory. "
            "Please reply with their e-mail address."
        )


Resolution = Found | Unclear


@dataclass(frozen=True)
class PeopleIndex:
    """The directory's people, indexed by e-mail, login, full name and given name."""

    users: tuple[DirectoryUser, ...]
    threshold: float = 88.0
    margin: float = 4.0
    _by_email: dict[str, DirectoryUser] = field(default_factory=dict, repr=False)
    _by_login: dict[str, DirectoryUser] = field(default_factory=dict, repr=False)
    _by_id: dict[str, DirectoryUser] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls, users: Iterable[DirectoryUser], *, threshold: float = 88.0, margin: float = 4.0
    ) -> PeopleIndex:
        """
        Index ``users`` (disabled accounts included: a leaver is still named).

        Args:
            users: every account of the directory.
            threshold: the rapidfuzz score a name must reach.
            margin: a runner-up this close to the best makes a name ambiguous.
        """
        listed = tuple(users)
        index = cls(listed, threshold, margin)
        for user in listed:
            index._by_login[user.login.casefold()] = user
            index._by_id[user.id] = user
            if user.email:
                index._by_email[user.email.casefold()] = user
        return index

    def by_email(self, email: str) -> DirectoryUser | None:
        """The account with this e-mail address (case-insensitive)."""
        return self._by_email.get(email.strip().casefold())

    def by_login(self, login: str) -> DirectoryUser | None:
        """The account with this login (case-insensitive)."""
        return self._by_login.get(login.strip().casefold())

    def by_id(self, user_id: str | None) -> DirectoryUser | None:
        """The account with this directory id."""
        return None if user_id is None else self._by_id.get(user_id)

    def by_name(self, written: str) -> Resolution:
        """
        The one account whose name matches ``written`` (full name, or a given name alone).

        Args:
            written: a name as a person wrote it (``Ben Whitfield``, ``Chloe Dubois``, ``Yasmin``).
        """
        wanted = fold(written)
        if not wanted:
            return Unclear(written)
        if " " not in wanted:
            return self._by_given_name(written, wanted)
        scored = sorted(
            ((max(fuzz.ratio(wanted, n) for n in _names(u)), u) for u in self.users),
            key=lambda pair: -pair[0],
        )
        best = [(s, u) for s, u in scored if s >= self.threshold]
        if not best:
            return Unclear(written)
        top = best[0][0]
        close = [u for s, u in best if s >= top - self.margin]
        if len(close) > 1:
            return Unclear(written, tuple(close))
        return Found(close[0], "name")

    def _by_given_name(self, written: str, wanted: str) -> Resolution:
        matches = [u for u in self.users if fold(u.given_name or "") == wanted and u.enabled]
        if len(matches) == 1:
            return Found(matches[0], "given_name")
        return Unclear(written, tuple(matches))

    def resolve(self, written: str, *, requester: DirectoryUser | None = None) -> Resolution:
        """
        The account a reference names: an e-mail, a login, "me", "my manager" or a name.

        Args:
            written: the reference as written (a form field's value, a name in the text).
            requester: for "me" and "my manager".
        """
        text = written.strip()
        email = EMAIL.search(text)
        if email:
            user = self.by_email(email.group(0))
            return Found(user, "email") if user else Unclear(text)
        if requester is not None and fold(text) in _SELF_WORDS:
            return Found(requester, "requester")
        if _MY_MANAGER.search(text):
            return self.manager_of(requester, text)
        user = self.by_login(text) if " " not in text else None
        if user is not None:
            return Found(user, "login")
        return self.by_name(text)

    def manager_of(self, user: DirectoryUser | None, written: str = "my manager") -> Resolution:
        """
        The manager the directory records for ``user``.

        Args:
            user: whose manager.
            written: the phrase, for the question when there is none.
        """
        manager = self.by_id(user.manager_id) if user is not None else None
        return Found(manager, "manager") if manager else Unclear(written)

    def logins_in(self, text: str, *, skip: Sequence[DirectoryUser] = ()) -> list[DirectoryUser]:
        """
        Accounts whose login appears as a word of its own in ``text`` (``t0-tomasi``, ``dominics``).

        Args:
            text: free text.
            skip: accounts not to report (the requester).
        """
        skipped = {u.id for u in skip}
        found: dict[str, DirectoryUser] = {}
        for token in _TOKEN.findall(text.casefold()):
            user = self._by_login.get(token.strip("._-"))
            if user is not None and user.id not in skipped:
                found.setdefault(user.id, user)
        return list(found.values())

    def full_names_in(self, text: str, *, skip: Sequence[DirectoryUser] = ()) -> list[Mention]:
        """
        Where a full name of an account (its display name) appears in ``text``.

        Args:
            text: free text (compared accent- and case-insensitively, word by word).
            skip: accounts not to report (the requester).
        """
        # Lines and sentences stay apart (" . "): the words around a name are its own sentence's,
        # not the subject line's or a greeting's ("… log in to the console / Hi, Samir Haddad …").
        folded = f" {' . '.join(fold(part) for part in _BREAKS.split(text))} "
        skipped = {u.id for u in skip}
        found = []
        for user in self.users:
            if user.id in skipped:
                continue
            for name in _names(user):
                if " " not in name:
                    continue
                at = folded.find(f" {name} ")
                if at >= 0:
                    before = folded[max(0, at - 48) : at]
                    after = folded[at + len(name) + 1 : at + len(name) + 40]
                    found.append(Mention(user, before, after))
                    break
        return found


@dataclass(frozen=True)
class Mention:
    """A person named in text, with the words around the name."""

    user: DirectoryUser
    before: str
    after: str


def _names(user: DirectoryUser) -> set[str]:
    """The display name; given + family name only when there is no display name (an admin
    account shares its owner's given and family name but not their display name)."""
    if user.display_name:
        return {fold(user.display_name)}
    if user.given_name and user.family_name:
        return {fold(f"{user.given_name} {user.family_name}")}
    return set()


def says_my_manager(text: str) -> bool:
    """True when ``text`` refers to the writer's manager ("my line manager")."""
    return bool(_MY_MANAGER.search(text))
