"""
How well deskpilot understands real tickets: cross-validated on our labels of the Endava dev split.

Every fold retrains the model on our own corpus plus the other folds and classifies the held-out
fold, so no ticket is scored by a model that saw it. The gate thresholds are tuned on these
cross-validated predictions (the smallest threshold per risk tier whose auto-run precision is at
least the target). Latency is the full ``classify_text`` (cleaning, entities, model) per ticket
with the packaged model. Needs the ``train`` group (scikit-learn) and ``shared/tickets``.

    uv run python benchmarks/classify.py [--folds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from intake.classifier.examples import Example, join_endava
from intake.classifier.metrics import Report, evaluate, format_report
from intake.classifier.train import train_model
from intake.classify import Classifier
from intake.config import DEFAULT_THRESHOLDS, ClassifierSettings
from worker.cli.classify import DEFAULT_ENDAVA, read_jsonl
from worker.wiring.files import read_corpus, read_endava_labels, read_model

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TARGET_PRECISION = 0.98
CANDIDATES = [round(0.50 + 0.01 * i, 2) for i in range(50)]


def dev_examples(path: Path) -> list[Example]:
    rows = [row for _, row in read_jsonl(path) if isinstance(row, dict)]
    return join_endava(rows, read_endava_labels())


def cross_validate(dev: Sequence[Example], folds: int, seed: int) -> list[tuple[str, float]]:
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    ours = read_corpus()
    settings = ClassifierSettings()
    predictions: list[tuple[str, float]] = [("", 0.0)] * len(dev)
    labels = [e.intent for e in dev]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rarest intents have fewer rows than folds
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(dev, labels))
    for train_idx, test_idx in splits:
        model = train_model(ours + [dev[i] for i in train_idx])
        classifier = Classifier(settings, model)
        for i in test_idx:
            result = classifier.classify_text(dev[i].subject, dev[i].body, now=NOW)
            predictions[i] = (result.intent, result.confidence)
    return predictions


def _auto(pred: Sequence[tuple[str, float]], settings: ClassifierSettings) -> list[bool]:
    return [
        settings.tier_of(intent) != "never"
        and conf >= settings.threshold_of(settings.tier_of(intent))
        for intent, conf in pred
    ]


def tune_thresholds(gold: Sequence[str], pred: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Per tier: the smallest threshold whose auto-run precision reaches the target.

    A riskier tier never gets a lower threshold than a safer one (high >= medium >= low).
    """
    settings = ClassifierSettings()
    tuned: dict[str, float] = {}
    floor = 0.0
    for tier in ("low", "medium", "high"):
        rows = [
            (g, p, c) for g, (p, c) in zip(gold, pred, strict=True) if settings.tier_of(p) == tier
        ]
        tuned[tier] = 1.0
        for threshold in CANDIDATES:
            picked = [g == p for g, p, c in rows if c >= threshold]
            if picked and sum(picked) / len(picked) >= TARGET_PRECISION:
                tuned[tier] = max(threshold, floor)
                break
        floor = tuned[tier]
    return tuned


def gate_figures(
    gold: Sequence[str], pred: Sequence[tuple[str, float]], thresholds: dict[str, float]
) -> dict[str, float]:
    settings = ClassifierSettings(thresholds=thresholds)
    auto = _auto(pred, settings)
    ran = [g == p for g, (p, _), a in zip(gold, pred, auto, strict=True) if a]
    account = sum(1 for g in gold if g != "not_account")
    return {
        "auto_precision": sum(ran) / len(ran) if ran else 0.0,
        "auto_share_all": len(ran) / len(gold),
        "auto_share_account": sum(
            1 for g, a in zip(gold, auto, strict=True) if a and g != "not_account"
        )
        / max(account, 1),
        "auto_count": float(len(ran)),
    }


def latency(dev: Sequence[Example]) -> dict[str, float]:
    classifier = Classifier(ClassifierSettings(), read_model(None))
    for e in dev[:50]:
        classifier.classify_text(e.subject, e.body, now=NOW)
    times = []
    for e in dev:
        start = time.perf_counter()
        classifier.classify_text(e.subject, e.body, now=NOW)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    big = "Please unlock my account. " + "lorem ipsum dolor sit amet " * 40_000
    start = time.perf_counter()
    classifier.classify_text("1 MB body", big, now=NOW)
    return {
        "p50_ms": statistics.median(times),
        "p99_ms": times[int(0.99 * (len(times) - 1))],
        "one_mb_body_ms": (time.perf_counter() - start) * 1000,
    }


def _json(
    report: Report,
    gates: dict[str, float],
    thresholds: dict[str, float],
    lat: dict[str, float],
    folds: int,
) -> dict[str, object]:
    return {
        "examples": report.n, "folds": folds, "accuracy": report.accuracy,
        "macro_f1": report.macro_f1, "account_f1": report.account_f1,
        "per_intent": {s.intent: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support} for s in report.per_intent},
        "thresholds": thresholds, **gates, **lat,
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--endava", type=Path, default=DEFAULT_ENDAVA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.endava.is_file():
        print(f"{args.endava} not found: the benchmark needs shared/tickets", file=sys.stderr)
        return 2
    dev = dev_examples(args.endava)
    pred = cross_validate(dev, args.folds, args.seed)
    gold = [e.intent for e in dev]
    report = evaluate(gold, [p for p, _ in pred])
    thresholds = tune_thresholds(gold, pred)
    gates = gate_figures(gold, pred, thresholds)
    default_gates = gate_figures(gold, pred, dict(DEFAULT_THRESHOLDS))
    lat = latency(dev)
    if args.json:
        out = _json(report, gates, thresholds, lat, args.folds)
        out["default_thresholds"] = {**DEFAULT_THRESHOLDS, **default_gates}
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"{args.folds}-fold cross-validation on {report.n} labelled Endava dev tickets (+ our corpus in every training fold)\n"
    )
    print(format_report(report))
    print(
        f"\ngates (default thresholds {DEFAULT_THRESHOLDS}): auto-run precision {default_gates['auto_precision']:.3f}, "
        f"auto-run share {default_gates['auto_share_all']:.1%} of all, {default_gates['auto_share_account']:.1%} of account tickets"
    )
    print(
        f"gates (tuned for precision >= {TARGET_PRECISION}: {thresholds}): auto-run precision {gates['auto_precision']:.3f}, "
        f"auto-run share {gates['auto_share_all']:.1%} of all, {gates['auto_share_account']:.1%} of account tickets"
    )
    print(
        f"\nlatency per ticket: p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, 1 MB body {lat['one_mb_body_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
