"""
What one view of ``/access-reviews`` shows: the campaigns and items filtered by campaign and by
access (application and entitlement), a page of ``PAGE_SIZE`` items per campaign, and the counts
of what waits overall (docs/access-reviews.md, "Deciding on the review page").

Paging only chooses which items are drawn: the decisions still go item by item through
``worker.runs.review_mine`` and keep-all still keeps every item waiting in the campaign. Items
are counted, filtered and paged as ``ItemRef`` (id, number, access); only the items of the page
drawn are loaded whole (``Lines``: ``review_mine.lines``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from worker.runs.review_mine import CampaignView, ItemLine, ItemRef

Lines = Callable[[Sequence[int]], tuple[ItemLine, ...]]
"""Items by id in words, in that order (``review_mine.lines`` on a runtime)."""
PAGE_SIZE = 100
"""Items drawn per campaign and table (about 0.8 KiB of HTML each)."""
MAX_ACCESS = 300
"""A filter value longer than this is no access name: it is cut."""


@dataclass(frozen=True)
class Wanted:
    """What the reviewer asked for; ``page`` (waiting) and ``done`` (decided) count from 1."""

    campaign: int | None = None
    access: str = ""
    page: int = 1
    done: int = 1

    def query(
        self, *, campaign: int | None = None, page: int | None = None, done: int | None = None
    ) -> str:
        """This view's query string, with ``campaign``, ``page``, ``done`` changed if given."""
        wanted = replace(
            self,
            campaign=self.campaign if campaign is None else campaign,
            page=self.page if page is None else page,
            done=self.done if done is None else done,
        )
        pairs = {
            "campaign": "" if wanted.campaign is None else str(wanted.campaign),
            "access": wanted.access,
            "page": "" if wanted.page == 1 else str(wanted.page),
            "done": "" if wanted.done == 1 else str(wanted.done),
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def wanted(params: Mapping[str, str]) -> Wanted:
    """Read from a query string or a form: a value that is no number falls back to the default."""

    def number(name: str) -> int | None:
        raw = params.get(name, "").strip()
        return int(raw) if raw.isdigit() and len(raw) <= 9 else None

    return Wanted(
        campaign=number("campaign"),
        access=params.get("access", "").strip()[:MAX_ACCESS],
        page=max(number("page") or 1, 1),
        done=max(number("done") or 1, 1),
    )


@dataclass(frozen=True)
class Slice:
    """One page of a table: its items, where it stands, how many match in all."""

    items: tuple[ItemLine, ...]
    page: int
    pages: int
    total: int

    @property
    def first(self) -> int:
        """The number (from 1) of the first item drawn; 0 when none."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def cut(items: Sequence[ItemRef], page: int, load: Lines) -> Slice:
    """Page ``page`` of ``items``, held between the first and the last page, drawn by ``load``."""
    pages = max((len(items) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    shown = load([i.id for i in items[start : start + PAGE_SIZE]])
    return Slice(shown, page, pages, len(items))


@dataclass(frozen=True)
class Section:
    """One campaign as drawn: its view, the page of waiting and decided items, the counts."""

    view: CampaignView
    waiting: Slice
    """The waiting items that match the access filter, one page of them."""
    mine: Slice
    waiting_all: int
    """Everything waiting for the reviewer in the campaign, whatever the filter: keep-all's."""


@dataclass(frozen=True)
class Listing:
    """The whole page: the sections drawn, the filter choices, the counts overall."""

    sections: tuple[Section, ...]
    campaigns: tuple[tuple[int, str], ...]
    """Every campaign with something for the reviewer: (id, its label), for the filter."""
    accesses: tuple[str, ...]
    """Every access among the items waiting for the reviewer (in the chosen campaign, if any)."""
    waiting: int
    """Items waiting for the reviewer in every running campaign."""
    running: int
    """Running campaigns with an item waiting for them."""
    items: bool
    """Whether the reviewer has any item at all (waiting or decided): else no filter to offer."""


def listing(views: Sequence[CampaignView], want: Wanted, load: Lines) -> Listing:
    """What ``want`` shows of ``views`` (every campaign the reviewer has something in); the
    items of the pages drawn come from ``load``."""
    chosen = [v for v in views if want.campaign is None or v.id == want.campaign]
    among = chosen or views  # a campaign that is not (or no longer) theirs: every access
    accesses = sorted({i.entitlement for v in among for i in v.waiting}, key=str.casefold)

    def matches(item: ItemRef) -> bool:
        return not want.access or item.entitlement == want.access

    sections = []
    for view in chosen:
        waiting = [i for i in view.waiting if matches(i)]
        mine = [i for i in view.mine if matches(i)]
        if want.access and not waiting and not mine:
            continue
        sections.append(
            Section(
                view, cut(waiting, want.page, load), cut(mine, want.done, load), len(view.waiting)
            )
        )
    return Listing(
        sections=tuple(sections),
        campaigns=tuple((v.id, f"{v.title} (#{v.id})") for v in views),
        accesses=tuple(accesses),
        waiting=sum(len(v.waiting) for v in views if v.active),
        running=sum(1 for v in views if v.active and v.waiting),
        items=any(v.waiting or v.mine for v in views),
    )


__all__ = [
    "PAGE_SIZE",
    "Lines",
    "Listing",
    "Section",
    "Slice",
    "Wanted",
    "cut",
    "listing",
    "wanted",
]
