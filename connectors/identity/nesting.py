"""
Walking nested groups upwards, for directories whose server does not do it for us.

Active Directory answers transitive membership itself (LDAP_MATCHING_RULE_IN_CHAIN) and Graph
has ``transitiveMemberOf``; OpenLDAP (whose memberOf overlay is not transitive), SCIM servers,
Google's Directory API and the memory directory only know direct membership, so their
connectors climb from an account or group to the groups holding it, one level at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MAX_GROUPS = 5000
"""A walk that reaches more groups than this is refused rather than left to run without end."""


class NestingTooDeepError(ValueError):
    """The nesting reached more groups than ``MAX_GROUPS``: refuse rather than guess."""


def walk_up(start: Iterable[str], parents: Callable[[str], Iterable[str]]) -> set[str]:
    """
    Every group reachable upwards from ``start`` (the start keys themselves excluded).

    Each key is expanded once, so a cycle (A in B, B in A) ends the walk instead of looping.

    Args:
        start: the keys to climb from (an account's DN, a group's id…).
        parents: the keys of the groups directly holding a key.

    Raises:
        NestingTooDeepError: more than ``MAX_GROUPS`` groups were reached.
    """
    seen: set[str] = set()
    frontier = list(dict.fromkeys(start))
    origin = set(frontier)
    while frontier:
        key = frontier.pop()
        for parent in parents(key):
            if parent in seen or parent in origin:
                continue
            seen.add(parent)
            if len(seen) > MAX_GROUPS:
                raise NestingTooDeepError(f"more than {MAX_GROUPS} nested groups above {key!r}")
            frontier.append(parent)
    return seen
