"""
What the monthly licence run is configured with (``licences:`` in the configuration, beside its
``sources``): the ledger and allow-list files, the ticket that receives the report and renewal
alerts, when the report is due (site time), and the inactivity thresholds.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from playbooks.licences.reconcile import Thresholds
from playbooks.licences.usage import Policy


class LicenceRunSettings(BaseModel):
    """The monthly run's settings; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    contracts: Path | None = None
    """The seat ledger (CSV or .xlsx); the monthly run and renewal alerts need it."""
    usage: Path | None = None
    """A usage CSV for vendors without an API (and HR facts), added to the vendor snapshots."""
    directories: list[str] = Field(default_factory=list)
    """Configured directories whose last logons add to the vendors' signals (Active Directory
    ``lastLogonTimestamp``, OpenLDAP ``lastbind`` ``authTimestamp``)."""
    allow: Path | None = None
    """The allow-list CSV (exemptions with an expiry)."""
    ticket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}:.+$")
    """``desk:KEY`` of the ticket that receives the monthly report; renewal tickets are opened
    in the same desk."""
    project: str | None = None
    """The Jira project renewal tickets are opened in (Jira needs one; other desks ignore it)."""
    renewal_requester: str | None = None
    """The address renewal tickets are opened for (the licence owner, say), where the desk can."""
    report_dir: Path | None = None
    """Where the monthly CSV and .xlsx go (``licences-YYYY-MM.csv``/``.xlsx``)."""
    timezone: str = "UTC"
    hour: int = Field(default=9, ge=0, le=23)
    """The report is due at this hour (site time) on the first day of the month."""
    lead_days: int = Field(default=30, ge=0)
    """A renewal alert is due this many days before the contract's notice date."""
    default_days: int = Field(default=90, ge=1)
    days_by_vendor: dict[str, int] = Field(default_factory=dict)
    downgrade_to: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Vendor, then SKU, to the cheaper SKU a reclaim moves the seat to instead of removing it
    (``{Zoom: {Licensed: Basic}}``)."""
    reconcile_seats: int = Field(default=1, ge=1)
    """An invoice line whose quantity is off by this many seats or more is a discrepancy."""
    reconcile_price_pct: Decimal = Field(default=Decimal("0.5"), ge=0)
    """An invoice line whose unit price is off by more than this percentage is a discrepancy."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)")
        return value

    def site_time(self, now: datetime) -> datetime:
        """``now`` (aware) in the site's time zone."""
        return now.astimezone(ZoneInfo(self.timezone))

    def due_period(self, now: datetime) -> str | None:
        """
        The month (``YYYY-MM``) whose report is due at ``now``: from ``hour`` on its first day
        (site time) to its end, so a report missed while every worker was down still runs late;
        None before ``hour`` on the first day.
        """
        local = self.site_time(now)
        if local.day == 1 and local.hour < self.hour:
            return None
        return f"{local:%Y-%m}"

    def unknown_references(self, desks: set[str], directories: set[str]) -> list[str]:
        """The desk of ``ticket`` and the ``directories`` that are not configured."""
        problems = [
            f"licences.directories: unknown directory {name!r}"
            for name in self.directories
            if name not in directories
        ]
        if self.ticket is not None and self.ticket.split(":", 1)[0] not in desks:
            problems.append(f"licences.ticket: unknown desk in {self.ticket!r}")
        return problems

    def thresholds(self) -> Thresholds:
        """The invoice reconciliation's discrepancy thresholds."""
        return Thresholds(seats=self.reconcile_seats, price_pct=self.reconcile_price_pct)

    def policy(self) -> Policy:
        """The inactivity thresholds as the classifier takes them."""
        return Policy(default_days=self.default_days, days_by_vendor=dict(self.days_by_vendor))
