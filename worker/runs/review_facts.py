"""
What of an access-review item the reviewer rules read (``review_decide.status_of`` and
``why_not``), as a Protocol a ``ReviewItemRow`` and a row of just these columns both satisfy:
the review page checks thousands of items without loading them whole (``review_mine``).
"""

from __future__ import annotations

from typing import Any, Protocol

from worker.db.review_tables import ReviewItemRow


class ItemFacts(Protocol):
    """What ``status_of`` and ``why_not`` read of an item: a ``ReviewItemRow``, or a row of
    just these columns (``ITEM_FACTS``)."""

    @property
    def number(self) -> int: ...
    @property
    def subject_names(self) -> list[Any]: ...
    @property
    def subject_login(self) -> str: ...
    @property
    def entitlement(self) -> str: ...
    @property
    def reviewer(self) -> str: ...
    @property
    def second_level(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def first(self) -> dict[str, Any] | None: ...
    @property
    def escalated(self) -> bool: ...
    @property
    def flagged(self) -> bool: ...


ITEM_FACTS = (
    ReviewItemRow.number, ReviewItemRow.subject_names, ReviewItemRow.subject_login,
    ReviewItemRow.entitlement, ReviewItemRow.reviewer, ReviewItemRow.second_level,
    ReviewItemRow.state, ReviewItemRow.first, ReviewItemRow.escalated, ReviewItemRow.flagged,
)  # fmt: skip
"""The columns of ``ItemFacts``."""


class PageFacts(ItemFacts, Protocol):
    """``ItemFacts`` and what the review page adds: the id, the application, who decided."""

    @property
    def id(self) -> int: ...
    @property
    def application(self) -> str | None: ...
    @property
    def decided_by(self) -> str | None: ...


PAGE_FACTS = (ReviewItemRow.id, *ITEM_FACTS, ReviewItemRow.application, ReviewItemRow.decided_by)


__all__ = ["ITEM_FACTS", "PAGE_FACTS", "ItemFacts", "PageFacts"]
