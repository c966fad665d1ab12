"""
The parts of ``benchmarks/classify.py``: data, cross-validation, gate tuning, entity scoring.

Selection and calibration only ever see ``dev`` rows (github_public dev, Endava dev); the
github_public ``test`` split is scored once, by the final model.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intake.classifier.dates import parse_date
from intake.classifier.examples import (
    Example,
    join_endava,
    join_github,
)
from intake.classifier.model import LinearModel
from intake.classifier.train import HeldOut, TrainingOptions, fit_temperature, train_model
from intake.classify import Classification, Classifier, gate
from intake.config import DEFAULT_TIERS, ClassifierSettings
from worker.wiring.files import read_corpus, read_endava_labels

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "tickets"
TARGET_PRECISION = 0.98
THRESHOLD_GRID = [round(0.30 + 0.01 * i, 2) for i in range(70)]
MARGIN_GRID = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
TIERS = ("low", "medium", "high")


@dataclass(frozen=True)
class Data:
    """Every labelled example the benchmark uses, by source and split."""

    github_dev: list[Example]
    github_test: list[Example]
    endava_dev: list[Example]
    corpus: list[Example]
    entities: dict[str, dict[str, str | None]]
    """github_public row id -> its gold entities."""
    repository: dict[str, str]
    """github_public row id -> OWNER/REPO."""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_data(shared: Path = SHARED) -> Data:
    """Read ``github_public.jsonl`` and ``endava.jsonl`` from ``shared`` plus our corpus."""
    rows = _jsonl(shared / "github_public.jsonl")
    endava = join_endava(_jsonl(shared / "endava.jsonl"), read_endava_labels())
    return Data(
        github_dev=join_github(rows, split="dev"),
        github_test=join_github(rows, split="test"),
        endava_dev=endava,
        corpus=read_corpus(),
        entities={str(r["id"]): dict(r.get("entities") or {}) for r in rows},
        repository={str(r["id"]): str(r["id"]).split(":", 1)[-1].split("#")[0] for r in rows},
    )


def fit(train: Sequence[Example], options: TrainingOptions) -> LinearModel:
    """Train on ``train`` with ``options``."""
    return train_model(train, options)


def classify_all(model: LinearModel, examples: Sequence[Example]) -> list[Classification]:
    """Classify every example with ``model`` through the whole ``classify_text``."""
    classifier = Classifier(ClassifierSettings(), model)
    return [classifier.classify_text(e.subject, e.body, now=NOW) for e in examples]


def folds(
    examples: Sequence[Example], k: int, groups: Sequence[str] | None
) -> list[tuple[list[int], list[int]]]:
    """Stratified folds, or folds grouped so one group (a repository) is never split."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rarest intents have fewer rows than folds
        if groups is not None:
            split = GroupKFold(k).split(examples, groups=groups)
        else:
            labels = [e.intent for e in examples]
            split = StratifiedKFold(k, shuffle=True, random_state=0).split(examples, labels)
        return [(list(a), list(b)) for a, b in split]


FoldModels = list[tuple[LinearModel, list[int]]]


def cross_fit(
    examples: Sequence[Example],
    extra: Sequence[Example],
    options: TrainingOptions,
    *,
    k: int = 5,
    groups: Sequence[str] | None = None,
) -> FoldModels:
    """One model per fold, trained on the other folds plus ``extra``, with its held-out rows."""
    return [
        (fit([examples[i] for i in train_idx] + list(extra), options), test_idx)
        for train_idx, test_idx in folds(examples, k, groups)
    ]


def cross_classify(
    examples: Sequence[Example],
    models: FoldModels,
    temperature: float | None = None,
    gate_temperature: float | None = None,
) -> list[Classification]:
    """Out-of-fold classifications: each row scored by the model that never saw it (with the
    temperatures given, a two-stage model's gate's too)."""
    out: list[Classification | None] = [None] * len(examples)
    for model, test_idx in models:
        scaled = with_temperatures(model, temperature, gate_temperature)
        held = [examples[i] for i in test_idx]
        for i, result in zip(test_idx, classify_all(scaled, held), strict=True):
            out[i] = result
    return [c for c in out if c is not None]


def with_temperatures(
    model: LinearModel, temperature: float | None, gate_temperature: float | None = None
) -> LinearModel:
    """``model`` with the temperatures given (None: as it is)."""
    if temperature is not None:
        model = replace(model, temperature=temperature)
    if gate_temperature is not None and model.gate is not None:
        model = replace(model, gate=replace(model.gate, temperature=gate_temperature))
    return model


def cross_logits(examples: Sequence[Example], models: FoldModels, into: HeldOut) -> HeldOut:
    """Out-of-fold raw logits and each row's gold class index (for calibration), added to
    ``into``."""
    for model, test_idx in models:
        into.add(model, (examples[i] for i in test_idx))
    return into


@dataclass(frozen=True)
class SliceModels:
    """The calibration slice's fold models and the temperature fitted on their held-out logits."""

    github: FoldModels
    """github_public dev, 5 folds grouped by repository (each also trained on Endava and corpus)."""
    endava: FoldModels
    """Endava dev, 5 stratified folds (each also trained on github_public dev and corpus)."""
    temperature: float
    gate_temperature: float | None = None
    """A two-stage model's gate's temperature, fitted the same way (None: no gate)."""


def slice_models(data: Data, options: TrainingOptions) -> SliceModels:
    """Fold models for the calibration slice and its temperatures (least log loss, held out)."""
    groups = [data.repository[e.id] for e in data.github_dev]
    gh = cross_fit(data.github_dev, data.endava_dev + data.corpus, options, groups=groups)
    en = cross_fit(data.endava_dev, data.github_dev + data.corpus, options)
    held = cross_logits(data.endava_dev, en, cross_logits(data.github_dev, gh, HeldOut()))
    gate_t = fit_temperature(held.gate_logits, held.gate_gold) if held.gate_logits else None
    return SliceModels(gh, en, fit_temperature(held.logits, held.gold), gate_t)


@dataclass(frozen=True)
class GateFigures:
    """What the gates let run alone: per tier and overall."""

    precision: dict[str, float]
    count: dict[str, int]
    coverage: dict[str, float]
    """Per tier: share of the gold tickets of that tier's intents that ran alone, correctly."""
    overall_precision: float
    account_coverage: float
    """Share of all account tickets (gold) that ran alone with the right intent."""
    auto_count: int


def gate_figures(
    gold: Sequence[str], results: Sequence[Classification], settings: ClassifierSettings
) -> GateFigures:
    """Precision and coverage of automatic runs under ``settings``."""
    auto = [gate(r, settings, desk="benchmark").auto for r in results]
    precision, count, coverage = {}, {}, {}
    for tier in TIERS:
        ran = [g == r.intent for g, r, a in zip(gold, results, auto, strict=True)
               if a and settings.tier_of(r.intent) == tier]  # fmt: skip
        in_tier = [i for i, g in enumerate(gold) if DEFAULT_TIERS.get(g) == tier]
        count[tier] = len(ran)
        precision[tier] = sum(ran) / len(ran) if ran else 1.0
        right = sum(1 for i in in_tier if auto[i] and results[i].intent == gold[i])
        coverage[tier] = right / len(in_tier) if in_tier else 0.0
    ran_all = [g == r.intent for g, r, a in zip(gold, results, auto, strict=True) if a]
    accounts = [i for i, g in enumerate(gold) if g != "not_account"]
    right_accounts = sum(1 for i in accounts if auto[i] and results[i].intent == gold[i])
    return GateFigures(
        precision, count, coverage,
        sum(ran_all) / len(ran_all) if ran_all else 1.0,
        right_accounts / len(accounts) if accounts else 0.0,
        len(ran_all),
    )  # fmt: skip


def _smallest_safe(rows: Sequence[tuple[float, bool]], floor: float) -> float:
    """The smallest grid threshold from which on every threshold keeps precision >= target."""
    chosen = 1.0
    for threshold in reversed(THRESHOLD_GRID):
        if threshold < floor:
            break
        picked = [ok for confidence, ok in rows if confidence >= threshold]
        if picked and sum(picked) / len(picked) < TARGET_PRECISION:
            break
        if picked:
            chosen = threshold
    return chosen


def tune_gates(
    gold: Sequence[str], results: Sequence[Classification]
) -> tuple[dict[str, float], float]:
    """Thresholds per tier and the margin, on held-out (calibration) predictions only.

    For each margin of the grid, each tier gets the smallest threshold from which on the
    automatic runs stay right at least ``TARGET_PRECISION`` of the time (a riskier tier never
    below a safer one); the margin that lets the most account tickets run alone wins, the larger
    one on a tie.
    """
    best: tuple[float, dict[str, float], float] = (-1.0, {}, 0.0)
    for margin in MARGIN_GRID:
        base = ClassifierSettings(thresholds=dict.fromkeys(TIERS, 0.0), min_margin=margin)
        eligible = [gate(r, base, desk="benchmark").auto for r in results]
        thresholds: dict[str, float] = {}
        floor = 0.0
        for tier in TIERS:
            rows = [(r.confidence, g == r.intent)
                    for g, r, ok in zip(gold, results, eligible, strict=True)
                    if ok and base.tier_of(r.intent) == tier]  # fmt: skip
            thresholds[tier] = floor = _smallest_safe(rows, floor)
        settings = ClassifierSettings(thresholds=thresholds, min_margin=margin)
        coverage = gate_figures(gold, results, settings).account_coverage
        if coverage >= best[0]:
            best = (coverage, thresholds, margin)
    return best[1], best[2]


ENTITY_FIELDS: dict[str, Callable[[Classification], str | None]] = {
    "target_user": lambda c: c.entities.target_text,
    "application": lambda c: c.entities.application_text,
    "group_or_role": lambda c: c.entities.group,
    "start_date": lambda c: (
        c.entities.effective_date.date().isoformat()
        if c.entities.effective_date and not c.entities.until
        else None
    ),
    "end_date": lambda c: c.entities.until.date().isoformat() if c.entities.until else None,
}


_OUTER = "`'\"*.,:;!?()[]<>\u201c\u201d\u2018\u2019"
"""Marks around a span that are not part of it: quotes (curly too), brackets, a sentence's end."""


def _norm(value: str | None) -> str:
    """A span as the guidelines compare it: case, spacing, outer quotes and brackets, a leading
    ``@`` ("@jdoe" is jdoe) and a link's closing slash ignored."""
    text = (value or "").strip().strip(_OUTER).lstrip("@").strip(_OUTER)
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w)/+$", "", text)).lower()


def _gold_date(value: str | None) -> set[str]:
    if not value:
        return set()
    found = {d.date().isoformat() for d in (parse_date(value, NOW),) if d}
    parts = re.split(r"[./-]", value)
    if len(parts) == 3 and all(p.isdigit() for p in parts):  # month-first, as US forms write
        swapped = f"{parts[1]}/{parts[0]}/{parts[2]}"
        found |= {d.date().isoformat() for d in (parse_date(swapped, NOW),) if d}
    return found


def entity_scores(
    examples: Sequence[Example],
    results: Sequence[Classification],
    gold: dict[str, dict[str, str | None]],
) -> dict[str, dict[str, float]]:
    """Per field: exact-match precision, recall and F1 (case, spaces, a leading @, outer quotes
    and brackets and a link's closing slash ignored; dates compared as days). Tickets classified
    not_account extract nothing."""
    scores: dict[str, dict[str, float]] = {}
    for name, get in ENTITY_FIELDS.items():
        predicted = right = wanted = 0
        for example, result in zip(examples, results, strict=True):
            truth = gold.get(example.id, {}).get(name)
            guess = get(result) if result.intent != "not_account" else None
            wanted += bool(truth)
            predicted += bool(guess)
            if truth and guess:
                dates = name.endswith("_date")
                right += guess in _gold_date(truth) if dates else _norm(guess) == _norm(truth)
        p = right / predicted if predicted else 0.0
        r = right / wanted if wanted else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        scores[name] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "gold": wanted,
            "predicted": predicted,
        }
    return scores
