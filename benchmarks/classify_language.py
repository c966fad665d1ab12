"""
How deskpilot reads German, French and Spanish tickets, measured on our own translations.

No labelled German, French or Spanish ticket exists in the data, so we translated a stratified
sample of github_public **dev** rows (``intake/corpus/translations.jsonl``: the common account
intents and a share of ``not_account``, each row keeping its source row's gold intent). The
translations are a measuring set only: no model, packaged or cross-fitted, is trained on them.
Batch 1 was used to extend the glossary (``intake/classifier/gloss.py``); batch 2 was written
after the glossary was fixed and never used to change it, so its figures are printed apart.

Every translation is read by a model that never saw its source row: the github_public dev rows
are cross-fitted in 5 folds grouped by repository (each fold trained on the other folds plus
Endava dev and our corpus, exactly as ``benchmarks/classify.py`` calibrates), the temperature is
fitted on those held-out predictions plus Endava dev's, and a translation is classified by the
fold model that held its source row out. Its English original is read by the same model, so the
two readings differ only by the language.

Per language: how often the language is detected, accuracy, macro-F1 and account-vs-not F1, and
how trustworthy the confident readings are: the precision of readings at or above each tier's
threshold (the shipped 0.85 / 0.85 / 0.90 and the calibrated 0.99), of confident ``not_account``
readings (which would drop a ticket silently), and of the readings every other gate lets run
(margin, look-alike, headline agreement, cue words, target) when the language rule is left out,
beside what the shipped language rule lets run.

Needs the ``train`` group and ``shared/tickets``.

    python -m benchmarks.classify_language [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.classify_eval import (
    NOW,
    SHARED,
    Data,
    load_data,
    slice_models,
)
from intake.classifier.examples import Example, parse_example
from intake.classifier.metrics import NOT_ACCOUNT, evaluate
from intake.classifier.model import LinearModel
from intake.classifier.train import TrainingOptions
from intake.classify import Classification, Classifier, gate
from intake.config import CALIBRATED_THRESHOLDS, DEFAULT_THRESHOLDS, ClassifierSettings

TRANSLATIONS = Path(__file__).resolve().parents[1] / "intake" / "corpus" / "translations.jsonl"
LANGUAGES = ("de", "fr", "es")
THRESHOLDS = {
    "shipped": dict(DEFAULT_THRESHOLDS),
    "calibrated": dict(CALIBRATED_THRESHOLDS),
}
"""The tier thresholds whose confident readings are scored."""
_AS_IS = ClassifierSettings(non_english_penalty=1.0)
"""Read without any language penalty: the model's own calibrated confidence."""
_SHIPPED = ClassifierSettings()
"""The shipped configuration: its language rule included."""


@dataclass(frozen=True)
class Translation:
    """One translated ticket: the example (with its source's gold intent) and where it came from."""

    example: Example
    source_id: str
    language: str
    batch: int
    """1: written before the glossary was extended on the measurement; 2: written after it was
    fixed, never used to change it (the check that the figures hold for new wording)."""


def load_translations(path: Path = TRANSLATIONS) -> list[Translation]:
    """Our translations, in file order."""
    out: list[Translation] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            example = parse_example(row, source="translation")
            out.append(
                Translation(example, str(row["source_id"]), str(row["language"]), int(row["batch"]))
            )
    return out


def held_out_models(data: Data, options: TrainingOptions) -> dict[str, LinearModel]:
    """github_public dev row id -> the calibrated fold model that never saw that row."""
    models = slice_models(data, options)
    return {
        data.github_dev[i].id: replace(model, temperature=models.temperature)
        for model, test_idx in models.github
        for i in test_idx
    }


def read_all(
    examples: Sequence[tuple[str, Example]],
    models: dict[str, LinearModel],
    settings: ClassifierSettings,
) -> list[Classification]:
    """Each (source id, example) read by the model that held the source row out."""
    classifiers: dict[int, Classifier] = {}
    out: list[Classification] = []
    for source_id, example in examples:
        model = models[source_id]
        classifier = classifiers.setdefault(id(model), Classifier(settings, model))
        out.append(classifier.classify_text(example.subject, example.body, now=NOW))
    return out


def _share(hits: Sequence[bool]) -> dict[str, Any]:
    return {"n": len(hits), "right": sum(hits),
            "precision": sum(hits) / len(hits) if hits else None}  # fmt: skip


def confident(
    gold: Sequence[str], results: Sequence[Classification], thresholds: dict[str, float]
) -> dict[str, Any]:
    """Precision of the readings at or above their tier's threshold, per tier, and of the
    ``not_account`` readings at or above the low tier's (those would be dismissed)."""
    settings = ClassifierSettings()
    out: dict[str, Any] = {}
    for tier in ("low", "medium", "high"):
        out[tier] = _share([g == r.intent for g, r in zip(gold, results, strict=True)
                            if settings.tier_of(r.intent) == tier
                            and r.confidence >= thresholds[tier]])  # fmt: skip
    out["not_account"] = _share([g == r.intent for g, r in zip(gold, results, strict=True)
                                 if r.intent == NOT_ACCOUNT
                                 and r.confidence >= thresholds["low"]])  # fmt: skip
    return out


def runs(
    gold: Sequence[str], results: Sequence[Classification], settings: ClassifierSettings
) -> dict[str, Any]:
    """The readings the gates let run alone under ``settings``, and how many were right."""
    ran = [(g, r) for g, r in zip(gold, results, strict=True)
           if gate(r, settings, desk="benchmark").auto]  # fmt: skip
    figures = _share([g == r.intent for g, r in ran])
    figures["by_intent"] = {
        intent: f"{sum(g == r.intent for g, r in ran if r.intent == intent)}/"
        f"{sum(1 for _, r in ran if r.intent == intent)}"
        for intent in sorted({r.intent for _, r in ran})
    }
    figures["wrong"] = [f"{r.intent} (gold {g})" for g, r in ran if g != r.intent]
    return figures


def language_figures(
    language: str | None,
    gold: Sequence[str],
    as_is: Sequence[Classification],
    shipped: Sequence[Classification],
) -> dict[str, Any]:
    """All figures of one language's readings (``language`` None: the English originals)."""
    report = evaluate(gold, [r.intent for r in as_is])
    detected = [(r.language or "en") == (language or "en") for r in as_is]
    as_english = [replace(r, language=None) for r in as_is]
    return {
        "n": len(gold),
        "detected": sum(detected) / len(detected) if detected else 0.0,
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1,
        "account_f1": report.account_f1,
        "confident": {name: confident(gold, as_is, t) for name, t in THRESHOLDS.items()},
        "runs_without_language_rule": {
            name: runs(gold, as_english, ClassifierSettings(thresholds=t))
            for name, t in THRESHOLDS.items()
        },
        "runs_shipped_rule": {
            name: runs(gold, shipped, ClassifierSettings(thresholds=t))
            for name, t in THRESHOLDS.items()
        },
        "per_intent": {
            s.intent: {"recall": s.recall, "precision": s.precision, "support": s.support}
            for s in report.per_intent
        },
        "misread": sorted(
            {f"{g} -> {r.intent}" for g, r in zip(gold, as_is, strict=True) if g != r.intent}
        ),
    }


def measure(
    models: dict[str, LinearModel],
    github_dev: Sequence[Example],
    translations: Sequence[Translation],
) -> dict[str, Any]:
    """The figures per language, the English originals of the same rows first; ``models`` from
    ``held_out_models``."""
    github = {e.id: e for e in github_dev}
    sources = list(dict.fromkeys(t.source_id for t in translations))
    originals = [(s, github[s]) for s in sources]
    out: dict[str, Any] = {}
    gold = [e.intent for _, e in originals]
    out["en (originals)"] = language_figures(
        None, gold, read_all(originals, models, _AS_IS), read_all(originals, models, _SHIPPED)
    )
    for language in LANGUAGES:
        rows = [(t.source_id, t.example) for t in translations if t.language == language]
        gold = [e.intent for _, e in rows]
        out[language] = language_figures(
            language, gold, read_all(rows, models, _AS_IS), read_all(rows, models, _SHIPPED)
        )
    return out


def _intents(runs: dict[str, Any]) -> str:
    return " ".join(f"{intent} {share}" for intent, share in runs["by_intent"].items()) or "-"


def _text(figures: dict[str, Any]) -> str:
    lines = [
        f"{'reading':<15} {'n':>3} {'detected':>8} {'accuracy':>8} {'macro-F1':>8} "
        f"{'acct F1':>7}   confident readings right/n (low, medium, high; not_account)"
    ]
    for name, f in figures.items():
        for t in THRESHOLDS:
            c = f["confident"][t]
            tiers = ", ".join(f"{c[k]['right']}/{c[k]['n']}" for k in ("low", "medium", "high"))
            head = (f"{name:<15} {f['n']:>3} {f['detected']:>8.2f} {f['accuracy']:>8.3f} "
                    f"{f['macro_f1']:>8.3f} {f['account_f1']:>7.3f}") if t == "shipped" else (
                    " " * 56)  # fmt: skip
            lines.append(f"{head}   {t}: {tiers}; {c['not_account']['right']}/"
                         f"{c['not_account']['n']}")  # fmt: skip
    lines.append("")
    lines.append("runs alone right/n: other gates only (as if English) | the shipped language rule")
    for name, f in figures.items():
        for t in THRESHOLDS:
            a, s = f["runs_without_language_rule"][t], f["runs_shipped_rule"][t]
            lines.append(
                f"{name:<15} {t:<10} {a['right']}/{a['n']} {_intents(a)} | "
                f"{s['right']}/{s['n']} {_intents(s)}"
            )
    lines.append("")
    for name, f in figures.items():
        lines.append(f"{name} misread: {'; '.join(f['misread']) or 'none'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--translations", type=Path, default=TRANSLATIONS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.shared / "github_public.jsonl").is_file():
        print(f"{args.shared}: the benchmark needs shared/tickets", file=sys.stderr)
        return 2
    data = load_data(args.shared)
    translations = load_translations(args.translations)
    dev = {e.id for e in data.github_dev}
    strays = sorted({t.source_id for t in translations} - dev)
    if strays:
        print(f"translations of rows that are not github_public dev: {strays}", file=sys.stderr)
        return 2
    models = held_out_models(data, TrainingOptions())
    figures = {
        "all": measure(models, data.github_dev, translations),
        "batch 2": measure(models, data.github_dev, [t for t in translations if t.batch == 2]),
    }
    if args.json:
        print(json.dumps(figures, indent=2, default=asdict))
        return 0
    for name, part in figures.items():
        print(f"== {name} translations ==\n{_text(part)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
