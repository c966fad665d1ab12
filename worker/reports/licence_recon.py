"""
What the audit log keeps of an invoice reconciliation (``licences.invoice_reconciled``): which
invoice (path and SHA-256, so the entry names the exact file), ledger and seat pools were read,
how many lines were reconciled, disputed and rejected, the count per reason code, the billed
and expected totals per currency, and the report files written.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from playbooks.licences.invoice import InvoiceRowError
from playbooks.licences.reconcile import Reconciled, totals

__all__ = ["reconcile_audit"]


def reconcile_audit(
    invoice: Path,
    found: Sequence[Reconciled],
    rejected: Sequence[InvoiceRowError],
    files: Sequence[Path],
    contracts: Path,
    pools: Sequence[Path],
) -> dict[str, object]:
    """The audit entry's data for one reconciliation run (JSON-ready: money as text)."""
    return {
        "invoice": str(invoice),
        "sha256": hashlib.sha256(invoice.read_bytes()).hexdigest(),
        "invoices": sorted({r.line.invoice_number for r in found}),
        "contracts": str(contracts),
        "pools": [str(p) for p in pools],
        "lines": len(found),
        "disputed": sum(r.flagged for r in found),
        "rejected": [{"row": e.row, "column": e.column, "problem": e.problem} for e in rejected],
        "reasons": dict(sorted(Counter(r.reason for r in found).items())),
        "totals": {
            currency: {"billed": str(billed), "expected": str(expected)}
            for currency, (billed, expected) in sorted(totals(found).items())
        },
        "files": [str(f) for f in files],
    }
