"""
Classification figures in plain Python: accuracy, per-intent precision/recall/F1, macro-F1,
account-vs-not F1, and what the confidence gates would have let run on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NOT_ACCOUNT = "not_account"


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent, with how many true examples it had."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """The figures for one set of gold labels and predictions."""

    n: int
    accuracy: float
    macro_f1: float
    account_f1: float
    """F1 of "is an account ticket" (any intent but not_account) against not_account."""
    per_intent: tuple[IntentScore, ...]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _score(gold: Sequence[str], pred: Sequence[str], label: str) -> IntentScore:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
    predicted = sum(1 for p in pred if p == label)
    support = sum(1 for g in gold if g == label)
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    return IntentScore(label, precision, recall, _f1(precision, recall), support)


def evaluate(gold: Sequence[str], pred: Sequence[str]) -> Report:
    """Score predictions; macro-F1 averages the intents that occur in ``gold``."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if not gold:
        return Report(0, 0.0, 0.0, 0.0, ())
    labels = sorted(set(gold))
    per_intent = tuple(_score(gold, pred, label) for label in labels)
    is_account = ["account" if g != NOT_ACCOUNT else NOT_ACCOUNT for g in gold]
    said_account = ["account" if p != NOT_ACCOUNT else NOT_ACCOUNT for p in pred]
    return Report(
        n=len(gold),
        accuracy=sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold),
        macro_f1=sum(s.f1 for s in per_intent) / len(per_intent),
        account_f1=_score(is_account, said_account, "account").f1,
        per_intent=per_intent,
    )


def format_report(report: Report) -> str:
    """A plain-text table of the report."""
    lines = [
        f"examples {report.n}   accuracy {report.accuracy:.3f}   macro-F1 {report.macro_f1:.3f}"
        f"   account-vs-not F1 {report.account_f1:.3f}",
        "",
        f"{'intent':<18} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}",
    ]
    lines += [
        f"{s.intent:<18} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}"
        for s in report.per_intent
    ]
    return "\n".join(lines)
