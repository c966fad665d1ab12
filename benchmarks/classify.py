"""
How well deskpilot understands real tickets, measured honestly, in one run.

1. Calibration on dev only: github_public dev by 5-fold cross-validation grouped by repository
   and Endava dev by stratified 5-fold, each fold trained on the other folds plus the other
   sources. The temperature, the gate thresholds per tier and the margin are fitted on these
   held-out predictions (the calibration slice), never on test.
2. The final model (all github_public dev + Endava dev + our corpus, down-weighted) is scored
   once on the github_public test split, beside the keyword baseline: intents, gates per tier,
   entities.
3. Beside it: by-repository cross-validation over all 407 github_public rows (a repository's
   issue forms never on both sides), and Endava dev cross-validated.
4. Latency of the whole ``classify_text`` with the final model.

Needs the ``train`` group and ``shared/tickets``. ``--write-model`` saves the final model as the
packaged ``intake/corpus/model.json`` and prints the thresholds to put into ``intake/config.py``.

    uv run python benchmarks/classify.py [--json] [--write-model]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmarks.classify_eval import (
    NOW,
    SHARED,
    Data,
    GateFigures,
    classify_all,
    cross_classify,
    cross_fit,
    entity_scores,
    fit,
    gate_figures,
    load_data,
    slice_models,
    tune_gates,
    with_temperatures,
)
from benchmarks.keyword_baseline import keyword_intent
from intake.classifier.examples import Example
from intake.classifier.metrics import Report, evaluate, format_report
from intake.classifier.model import LinearModel
from intake.classifier.train import TrainingOptions
from intake.classify import Classification, Classifier
from intake.config import ClassifierSettings

MODEL_PATH = Path(__file__).resolve().parents[1] / "intake" / "corpus" / "model.json"


def calibration(data: Data, options: TrainingOptions) -> dict[str, Any]:
    """Held-out predictions on dev: temperature, thresholds, margin (and the dev figures)."""
    models = slice_models(data, options)
    gh, en, temperature = models.github, models.endava, models.temperature
    gate_t = models.gate_temperature
    slice_examples = data.github_dev + data.endava_dev
    results = cross_classify(data.github_dev, gh, temperature, gate_t)
    results += cross_classify(data.endava_dev, en, temperature, gate_t)
    gold = [e.intent for e in slice_examples]
    thresholds, margin = tune_gates(gold, results)
    n = len(data.github_dev)
    return {
        "temperature": temperature, "gate_temperature": gate_t,
        "thresholds": thresholds, "margin": margin,
        "github_dev_grouped": evaluate(gold[:n], [r.intent for r in results[:n]]),
        "endava_dev": evaluate(gold[n:], [r.intent for r in results[n:]]),
        "endava_results": results[n:], "github_results": results[:n],
    }  # fmt: skip


def by_repository(
    data: Data, options: TrainingOptions, temperature: float, gate_t: float | None
) -> Report:
    """5-fold cross-validation over all github_public rows, grouped by repository."""
    rows = data.github_dev + data.github_test
    models = cross_fit(rows, data.endava_dev + data.corpus, options,
                       groups=[data.repository[e.id] for e in rows])  # fmt: skip
    results = cross_classify(rows, models, temperature, gate_t)
    return evaluate([e.intent for e in rows], [r.intent for r in results])


def latency(model: LinearModel, examples: Sequence[Example]) -> dict[str, float]:
    """Per-ticket time of the whole ``classify_text`` (cleaning, entities, model).

    Wall-clock time, and the thread's CPU time: on a shared machine the wall-clock tail is the
    scheduler's, the CPU time is what classifying a ticket costs.
    """
    classifier = Classifier(ClassifierSettings(), model)
    for e in examples[:50]:
        classifier.classify_text(e.subject, e.body, now=NOW)
    wall: list[float] = []
    cpu: list[float] = []
    for e in examples:
        start, start_cpu = time.perf_counter(), time.thread_time()
        classifier.classify_text(e.subject, e.body, now=NOW)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    wall.sort()
    cpu.sort()
    p99 = int(0.99 * (len(wall) - 1))
    return {
        "p50_ms": statistics.median(wall), "p99_ms": wall[p99],
        "cpu_p50_ms": statistics.median(cpu), "cpu_p99_ms": cpu[p99],
    }  # fmt: skip


def _gates_text(name: str, figures: GateFigures) -> str:
    tiers = ", ".join(
        f"{t}: precision {figures.precision[t]:.3f} on {figures.count[t]} runs, "
        f"coverage {figures.coverage[t]:.1%}"
        for t in figures.precision
    )
    return (
        f"{name}: auto-run precision {figures.overall_precision:.3f} ({figures.auto_count} runs), "
        f"{figures.account_coverage:.1%} of account tickets run alone\n    {tiers}"
    )


def _entities_text(scores: dict[str, dict[str, float]]) -> str:
    lines = [f"{'field':<14} {'precision':>9} {'recall':>7} {'F1':>6} {'gold':>5} {'found':>6}"]
    lines += [
        f"{k:<14} {v['precision']:>9.3f} {v['recall']:>7.3f} {v['f1']:>6.3f} "
        f"{int(v['gold']):>5} {int(v['predicted']):>6}"
        for k, v in scores.items()
    ]
    return "\n".join(lines)


def _report_json(report: Report) -> dict[str, Any]:
    return {"n": report.n, "accuracy": report.accuracy, "macro_f1": report.macro_f1,
            "account_f1": report.account_f1,
            "per_intent": {s.intent: asdict(s) for s in report.per_intent}}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-model", action="store_true")
    parser.add_argument(
        "--dev-only", action="store_true",
        help="calibration slice figures only (dev rows): for choosing, never looks at test",
    )  # fmt: skip
    parser.add_argument(
        "--headline-weight", type=float, default=None,
        help="try another headline weight (with --dev-only, while choosing)",
    )  # fmt: skip
    parser.add_argument(
        "--ask-weight", type=float, default=None,
        help="try another ask-sentence weight (with --dev-only, while choosing)",
    )  # fmt: skip
    parser.add_argument("--learner", default=None, help="try another learner (with --dev-only)")
    parser.add_argument("--c", type=float, default=None, help="try another C (with --dev-only)")
    args = parser.parse_args(argv)
    if not (args.shared / "github_public.jsonl").is_file():
        print(f"{args.shared}: the benchmark needs shared/tickets", file=sys.stderr)
        return 2
    data = load_data(args.shared)
    options = TrainingOptions()
    if args.headline_weight is not None:
        options = replace(options, headline_weight=args.headline_weight)
    if args.ask_weight is not None:
        options = replace(options, ask_weight=args.ask_weight)
    if args.learner is not None:
        options = replace(options, learner=args.learner)
    if args.c is not None:
        options = replace(options, c=args.c)
    calib = calibration(data, options)
    temperature = float(calib["temperature"])
    thresholds: dict[str, float] = calib["thresholds"]
    settings = ClassifierSettings(thresholds=thresholds, min_margin=float(calib["margin"]))
    gate_t = calib["gate_temperature"]
    final = with_temperatures(
        fit(data.github_dev + data.endava_dev + data.corpus, options), temperature, gate_t
    )
    if args.write_model:
        meta = {"examples": str(len(data.github_dev + data.endava_dev + data.corpus)),
                "thresholds": json.dumps(thresholds), "min_margin": str(calib["margin"])}  # fmt: skip
        MODEL_PATH.write_text(
            json.dumps(replace(final, meta=meta).to_dict(), separators=(",", ":"))
        )
    if args.dev_only:
        _print_dev(data, calib, settings)
        lat = latency(final, data.github_dev + data.endava_dev)
        print(f"latency per ticket (github dev + Endava dev): p50 {lat['p50_ms']:.2f} ms, "
              f"p99 {lat['p99_ms']:.2f} ms; CPU time: p50 {lat['cpu_p50_ms']:.2f} ms, "
              f"p99 {lat['cpu_p99_ms']:.2f} ms")  # fmt: skip
        return 0
    test = data.github_test
    gold = [e.intent for e in test]
    results = classify_all(final, test)
    out: dict[str, Any] = {
        "calibration": {"temperature": temperature, "thresholds": thresholds,
                        "min_margin": calib["margin"]},
        "github_test": _report_json(evaluate(gold, [r.intent for r in results])),
        "github_test_keyword_baseline": _report_json(
            evaluate(gold, [keyword_intent(e.subject, e.body) for e in test])),
        "github_test_gates": asdict(gate_figures(gold, results, settings)),
        "github_test_gates_shipped": asdict(gate_figures(gold, results, ClassifierSettings())),
        "github_test_entities": entity_scores(test, results, data.entities),
        "github_dev_grouped_cv": _report_json(calib["github_dev_grouped"]),
        "endava_dev_cv": _report_json(calib["endava_dev"]),
        "endava_dev_keyword_baseline": _report_json(evaluate(
            [e.intent for e in data.endava_dev],
            [keyword_intent(e.subject, e.body) for e in data.endava_dev])),
        "endava_dev_gates": asdict(gate_figures(
            [e.intent for e in data.endava_dev], calib["endava_results"], settings)),
        "github_by_repository_cv": _report_json(by_repository(data, options, temperature, gate_t)),
        "latency": latency(final, test + data.endava_dev),
    }  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=2, default=str))
        return 0
    _print(out, test, results, settings)
    return 0


def _print_dev(data: Data, calib: dict[str, Any], settings: ClassifierSettings) -> None:
    """The calibration slice's figures: what choosing may look at."""
    n = len(data.github_dev)
    slice_gold = [e.intent for e in data.github_dev + data.endava_dev]
    results: list[Classification] = calib["github_results"] + calib["endava_results"]
    print({k: calib[k] for k in ("temperature", "thresholds", "margin")})
    for key, title in (("github_dev_grouped", "github_public dev, 5-fold by repository"),
                       ("endava_dev", "Endava dev, 5-fold")):  # fmt: skip
        r = calib[key]
        print(f"{title}: accuracy {r.accuracy:.3f}   macro-F1 {r.macro_f1:.3f}   "
              f"account-vs-not F1 {r.account_f1:.3f}")  # fmt: skip
    print(_gates_text("gates on github dev", gate_figures(slice_gold[:n], results[:n], settings)))
    print(_gates_text("gates on the slice", gate_figures(slice_gold, results, settings)))
    shipped = ClassifierSettings()
    print(_gates_text("gates on the slice at the shipped defaults",
                      gate_figures(slice_gold, results, shipped)))  # fmt: skip


def _print(
    out: dict[str, Any],
    test: Sequence[Example],
    results: list[Classification],
    settings: ClassifierSettings,
) -> None:
    gold = [e.intent for e in test]
    print(f"calibration (held-out dev predictions): {out['calibration']}\n")
    print("== github_public test (final model, scored once) ==")
    print(format_report(evaluate(gold, [r.intent for r in results])))
    base = evaluate(gold, [keyword_intent(e.subject, e.body) for e in test])
    print(f"\nkeyword baseline on test: accuracy {base.accuracy:.3f}   macro-F1 {base.macro_f1:.3f}"
          f"   account-vs-not F1 {base.account_f1:.3f}")  # fmt: skip
    print("\n" + _gates_text("gates on test", gate_figures(gold, results, settings)))
    shipped = GateFigures(**out["github_test_gates_shipped"])
    print(_gates_text("gates on test at the shipped defaults", shipped))
    print("\nentities on test (exact match):\n" + _entities_text(out["github_test_entities"]))
    for key, title in (("github_by_repository_cv", "github_public, 5-fold by repository (all 407 rows)"),
                       ("github_dev_grouped_cv", "github_public dev, 5-fold by repository (calibration slice)"),
                       ("endava_dev_cv", "Endava dev, 5-fold"), ("endava_dev_keyword_baseline", "Endava dev, keyword baseline")):  # fmt: skip
        r = out[key]
        print(f"\n{title}: accuracy {r['accuracy']:.3f}   macro-F1 {r['macro_f1']:.3f}   "
              f"account-vs-not F1 {r['account_f1']:.3f}")  # fmt: skip
    print(
        "\n"
        + _gates_text(
            "gates on Endava dev (cross-validated)", GateFigures(**out["endava_dev_gates"])
        )
    )
    lat = out["latency"]
    print(f"\nlatency per ticket: p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms; "
          f"CPU time: p50 {lat['cpu_p50_ms']:.2f} ms, p99 {lat['cpu_p99_ms']:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
