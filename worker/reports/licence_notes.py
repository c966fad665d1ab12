"""The Markdown of the licence notes: the monthly report and a contract's renewal alert."""

from __future__ import annotations

from collections.abc import Sequence

from playbooks.licences.contracts import Contract
from playbooks.licences.report import SkuLine, totals
from worker.db.licences import LicencePositionRow

__all__ = ["renewal_note", "report_note"]


def _cell(value: object) -> str:
    """Ledger text inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def report_note(
    period: str, lines: Sequence[SkuLine], differences: Sequence[str], files: Sequence[str]
) -> str:
    """The monthly report: per vendor and SKU, seats and waste; totals per currency."""
    out = [f"# Licence report {period}", ""]
    out += [
        "| Vendor | SKU | Purchased | Assigned | Active | Unassigned | Unused | Leaver "
        "| Utilisation % | Cost | Waste |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {_cell(x.vendor)} | {_cell(x.sku)} | {x.purchased} | {x.assigned} | {x.active} "
        f"| {x.unassigned} | {x.unused} | {x.leaver} | {x.utilisation} "
        f"| {x.cost} {x.currency} | {x.waste} {x.currency} |"
        for x in lines
    ] or ["| (no contract in force) | | | | | | | | | | |"]
    out += ["", "**Totals**: " + ("; ".join(
        f"cost {cost} {currency}, waste {waste} {currency}"
        for currency, (cost, waste) in sorted(totals(lines).items())
    ) or "none")]  # fmt: skip
    saved = [x for x in lines if x.reclaimed]
    if saved:
        out += ["", "**Savings realised by reclaims last month** (per billing period): " + "; ".join(
            f"{_cell(x.vendor)} {_cell(x.sku)}: {x.reclaimed} seat(s), {x.savings} {x.currency}"
            for x in saved
        )]  # fmt: skip
        out += ["", "**Of these, confirmed by the next invoice** (or fair-billed): " + "; ".join(
            f"{_cell(x.vendor)} {_cell(x.sku)}: {x.confirmed_seats} of {x.reclaimed} seat(s), "
            f"{x.confirmed_savings} {x.currency} ({x.confirmation}"
            + (f", {_cell(x.confirmed_by)})" if x.confirmed_by else ")")
            for x in saved
        )]  # fmt: skip
    if differences:
        out += ["", "**Where vendors disagree with the ledger**", ""]
        out += [f"- {_cell(d)}" for d in differences]
    if files:
        out += ["", "Files: " + ", ".join(f"`{_cell(f)}`" for f in files)]
    return "\n".join(out) + "\n"


def renewal_note(contract: Contract, latest: LicencePositionRow | None) -> str:
    """A renewal alert: the contract, its notice date and the latest utilisation figures."""
    c = contract
    out = [
        f"# Renewal: {_cell(c.vendor)} {_cell(c.sku)}: give notice by {c.notice_date}",
        "",
        f"The term ends on {c.term_end}; after {c.notice_date} ({c.notice_days} days' notice) "
        "it renews as it stands.",
        "",
        f"- Seats bought: {c.quantity} at {c.unit_price} {c.currency} = {c.cost} {c.currency}",
    ]
    if latest is None:
        out.append("- Utilisation: no licence report has been stored for this SKU yet")
    else:
        used = 0 if not latest.purchased else round(100 * latest.active / latest.purchased, 2)
        out += [
            f"- Utilisation ({latest.period}): {latest.active} active of {latest.purchased} "
            f"bought ({used} %); {latest.assigned} assigned, {latest.unassigned} unassigned, "
            f"{latest.unused} unused, {latest.leaver} held by leavers",
            f"- Waste per period: {latest.waste.normalize():f} {latest.currency}",
        ]
    return "\n".join(out) + "\n"
