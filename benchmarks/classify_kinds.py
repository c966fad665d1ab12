"""
What the desk's request kind adds: the classifier on desk tickets that carry one.

The measuring set is ``benchmarks/data/desk_kinds.jsonl`` (provenance in ``desk_kinds.md``):
180 desk tickets with the request kind the requester picked, written for this purpose by a
person who saw neither the acceptance scenarios nor any of deskpilot's readings; about one kind
in five does not fit its text and one in five is a catch-all. No model is trained on it.

The tickets are read as their desk delivers them (the kind read as the headline's first line,
``intake.classify``) and once more without their kind. For each reading the report gives
accuracy, macro-F1 and account-vs-not F1, and what the gates let run alone at the shipped and
at the calibrated thresholds (precision, runs, share of the account tickets run alone with the
right intent), on the whole set, on each half (**A**: odd ids, where a design is chosen; **B**:
even ids, where the choice is checked) and by whether the kind fits its text: a kind that does
not fit must not make a ticket run as the wrong intent.

    python -m benchmarks.classify_kinds [--model DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.classify_eval import NOW, gate_figures
from intake.classifier.metrics import evaluate
from intake.classify import Classification, Classifier
from intake.config import CALIBRATED_THRESHOLDS, ClassifierSettings
from worker.wiring.files import read_model

DATA = Path(__file__).resolve().parent / "data" / "desk_kinds.jsonl"
READINGS = (("without the kind", False), ("as delivered", True))


@dataclass(frozen=True)
class KindTicket:
    """One ticket of the measuring set."""

    id: str
    desk: str
    kind: str
    subject: str
    body: str
    intent: str
    fits: bool | None
    """The kind describes the ask (True), does not (False), or is a catch-all (None)."""


def load(path: Path = DATA) -> list[KindTicket]:
    """The measuring set; a malformed row names its line."""
    tickets: list[KindTicket] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ticket = KindTicket(
                row["id"], row["desk"], row["request_kind"], row["subject"], row["body"],
                row["intent"], row["kind_fits"],
            )  # fmt: skip
            tickets.append(ticket)
        except (KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{number}: not a measuring-set row ({exc})") from exc
    return tickets


def half_of(ticket: KindTicket) -> str:
    """``A`` for odd ids, ``B`` for even: the id's trailing number decides."""
    digits = "".join(c for c in ticket.id if c.isdigit())
    return "A" if int(digits or "0") % 2 else "B"


def classify(
    classifier: Classifier, tickets: Sequence[KindTicket], *, with_kind: bool
) -> list[Classification]:
    """Each ticket read as its desk delivers it, with or without its request kind."""
    return [
        classifier.classify_text(
            t.subject, t.body, desk_fields={"request_type": t.kind} if with_kind else {}, now=NOW
        )
        for t in tickets
    ]


def figures(
    tickets: Sequence[KindTicket], results: Sequence[Classification], settings: ClassifierSettings
) -> dict[str, Any]:
    """Intent figures and gate figures at the shipped and the calibrated thresholds."""
    gold = [t.intent for t in tickets]
    report = evaluate(gold, [r.intent for r in results])
    out: dict[str, Any] = {
        "n": report.n, "accuracy": round(report.accuracy, 3),
        "macro_f1": round(report.macro_f1, 3), "account_f1": round(report.account_f1, 3),
    }  # fmt: skip
    calibrated = settings.model_copy(update={"thresholds": dict(CALIBRATED_THRESHOLDS)})
    for name, gated in (("shipped", settings), ("calibrated", calibrated)):
        gates = gate_figures(gold, results, gated)
        out[name] = {
            "precision": round(gates.overall_precision, 3), "runs": gates.auto_count,
            "wrong": round(gates.auto_count * (1 - gates.overall_precision)),
            "account_coverage": round(gates.account_coverage, 3),
        }  # fmt: skip
    return out


PARTS: tuple[tuple[str, Callable[[KindTicket], bool]], ...] = (
    ("A", lambda t: half_of(t) == "A"),
    ("B", lambda t: half_of(t) == "B"),
    ("kind fits", lambda t: t.fits is True),
    ("catch-all kind", lambda t: t.fits is None),
    ("kind misfits", lambda t: t.fits is False),
)
"""The parts reported besides the whole set."""


def measure(model_dir: Path | None = None) -> dict[str, Any]:
    """Both readings, by half and by whether the kind fits."""
    tickets = load()
    settings = ClassifierSettings()
    classifier = Classifier.build(settings, read_model(model_dir))
    report: dict[str, Any] = {}
    for name, with_kind in READINGS:
        results = classify(classifier, tickets, with_kind=with_kind)
        parts: dict[str, Any] = {"all": figures(tickets, results, settings)}
        for label, keep in PARTS:
            chosen = [(t, r) for t, r in zip(tickets, results, strict=True) if keep(t)]
            parts[label] = figures([t for t, _ in chosen], [r for _, r in chosen], settings)
        report[name] = parts
    return report


def _line(name: str, part: str, f: dict[str, Any]) -> str:
    s, c = f["shipped"], f["calibrated"]
    return (
        f"| {name} | {part} | {f['n']} | {f['accuracy']:.3f} | {f['macro_f1']:.3f} | "
        f"{f['account_f1']:.3f} | {s['precision']:.3f} ({s['runs']}, {s['wrong']} wrong) / "
        f"{s['account_coverage']:.1%} | {c['precision']:.3f} ({c['runs']}, {c['wrong']} wrong) / "
        f"{c['account_coverage']:.1%} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classify_kinds")
    parser.add_argument("--model", type=Path, default=None, help="a retrained model's directory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = measure(args.model)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        "| reading | part | n | accuracy | macro-F1 | account F1 | shipped: precision (runs) / "
        "account tickets run alone | calibrated: precision (runs) / account tickets run alone |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, parts in report.items():
        for part, f in parts.items():
            print(_line(name, part, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
