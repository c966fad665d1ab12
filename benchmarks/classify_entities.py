"""
Entity extraction measured on the github_public **dev** rows only: for studying and choosing rules.

Two readings of the same rows, per field exact-match precision, recall and F1 (the scorer of
``benchmarks.classify``, ``entity_scores``):

- *gold intents*: every row is given its labelled intent, so extraction is measured apart from
  classification (a ticket labelled ``not_account`` still extracts nothing);
- *model intents*: the intents a model that never saw the row gives it (5-fold cross-validation
  grouped by repository, each fold trained on the other folds plus Endava dev and our corpus),
  so the figure includes what classification costs: a ticket read as ``not_account`` extracts
  nothing;
- *gold intents, account rows*: the first reading on the rows labelled an account intent only,
  where the entities are used (the guidelines also label entities on ``not_account`` rows, which
  the first two readings count as missed).

The test split is never read. ``--show FIELD`` lists the dev rows where that field was missed or
wrong (gold vs guess) for studying; ``--gold-only`` skips the cross-validation (about a minute).

    uv run python -m benchmarks.classify_entities [--gold-only] [--show target_user] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.classify_eval import (
    ENTITY_FIELDS,
    NOW,
    SHARED,
    Data,
    _gold_date,
    _norm,
    cross_classify,
    cross_fit,
    entity_scores,
    load_data,
)
from intake.classifier.examples import Example
from intake.classifier.text import read_ticket
from intake.classifier.train import TrainingOptions
from intake.classify import Classification
from intake.entities import extract_entities


def extract(example: Example, intent: str) -> Classification:
    """The entities ``classify_text`` would extract from ``example``, under ``intent``."""
    reading = read_ticket(example.subject, example.body)
    entities = extract_entities(example.subject, reading.text, now=NOW, fields=reading.fields)
    return Classification(intent, 1.0, ((intent, 1.0),), entities, "benchmark", None)


def model_intents(data: Data) -> list[str]:
    """Out-of-fold intents for the dev rows (grouped by repository)."""
    groups = [data.repository[e.id] for e in data.github_dev]
    models = cross_fit(
        data.github_dev, data.endava_dev + data.corpus, TrainingOptions(), groups=groups
    )
    return [r.intent for r in cross_classify(data.github_dev, models)]


def _right(field: str, truth: str, guess: str) -> bool:
    if field.endswith("_date"):
        return guess in _gold_date(truth)
    return _norm(guess) == _norm(truth)


def misses(
    examples: Sequence[Example], results: Sequence[Classification], data: Data, field: str
) -> list[tuple[str, str | None, str | None]]:
    """(row id, gold, guess) for every row where ``field`` is missed, wrong or invented."""
    get = ENTITY_FIELDS[field]
    out: list[tuple[str, str | None, str | None]] = []
    for example, result in zip(examples, results, strict=True):
        truth = data.entities.get(example.id, {}).get(field)
        guess = get(result) if result.intent != "not_account" else None
        if (truth or guess) and not (truth and guess and _right(field, truth, guess)):
            out.append((example.id, truth, guess))
    return out


def _table(name: str, scores: dict[str, dict[str, float]]) -> str:
    lines = [
        name,
        f"{'field':<14} {'precision':>9} {'recall':>7} {'F1':>6} {'gold':>5} {'found':>6}",
    ]
    lines += [
        f"{k:<14} {v['precision']:>9.3f} {v['recall']:>7.3f} {v['f1']:>6.3f} "
        f"{int(v['gold']):>5} {int(v['predicted']):>6}"
        for k, v in scores.items()
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--gold-only", action="store_true", help="skip the model intents")
    parser.add_argument("--show", choices=sorted(ENTITY_FIELDS), help="list this field's misses")
    args = parser.parse_args(argv)
    if not (args.shared / "github_public.jsonl").is_file():
        print(f"{args.shared}: the benchmark needs shared/tickets", file=sys.stderr)
        return 2
    data = replace(load_data(args.shared), github_test=[])  # the test split is never read
    dev = data.github_dev
    gold_results = [extract(e, e.intent) for e in dev]
    accounts = [(e, r) for e, r in zip(dev, gold_results, strict=True) if e.intent != "not_account"]
    out: dict[str, Any] = {
        "rows": len(dev),
        "gold_intents": entity_scores(dev, gold_results, data.entities),
        "gold_intents_account_rows": entity_scores(
            [e for e, _ in accounts], [r for _, r in accounts], data.entities
        ),
    }
    if not args.gold_only:
        model_results = [extract(e, i) for e, i in zip(dev, model_intents(data), strict=True)]
        out["model_intents"] = entity_scores(dev, model_results, data.entities)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"github_public dev, {len(dev)} rows, exact match\n")
        print(_table("gold intents:", out["gold_intents"]))
        print(
            "\n"
            + _table(
                f"gold intents, the {len(accounts)} rows labelled an account intent:",
                out["gold_intents_account_rows"],
            )
        )
        if "model_intents" in out:
            print("\n" + _table("model intents (5-fold by repository):", out["model_intents"]))
    if args.show:
        print(f"\n{args.show} misses, gold intents (id | intent | gold | guess):")
        intents = {e.id: e.intent for e in dev}
        for ident, truth, guess in misses(dev, gold_results, data, args.show):
            print(f"{ident} | {intents[ident]} | {truth!r} | {guess!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
