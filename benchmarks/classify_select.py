"""
How the training options were chosen: a grid on dev rows only, never on test.

Each candidate (the learner, C, the Endava and corpus weights, the class weighting, the
headline's and the ask sentence's weights, the short readings as extra training rows, the term
frequency, the norm, the character n-grams, domain copies, a two-stage gate, an ensemble) is
scored by 5-fold cross-validation on the github_public dev rows grouped by repository (a
repository's issue forms never on both sides), each fold trained on the other folds plus Endava
dev and our corpus, and on the Endava dev rows (5-fold stratified, each fold trained on the other
folds plus github_public dev and our corpus). The defaults in ``intake.classifier.train`` were
chosen from these figures; they are in ``docs/classification.md``. Slow: one model per fold and
candidate.

    uv run python -m benchmarks.classify_select --c 4 10 25 --endava 0.5 1 --corpus 0.1 0.3 0.7
    uv run python -m benchmarks.classify_select --headline 0 0.25 0.5 0.75 1
    uv run python -m benchmarks.classify_select --learner logreg svm huber --c 1 3 10
    uv run python -m benchmarks.classify_select --ask 0 0.25 0.5 --ask-rows 0 0.5 --headline-rows 0 0.5
    uv run python -m benchmarks.classify_select --learner nbsvm --c 0.3 1 3 --nb-alpha 0.5 1 --nb-beta 0.25 1
    uv run python -m benchmarks.classify_select --learner svm+mnb svm+cnb --nb-weight 0.01 0.03 0.1
    uv run python -m benchmarks.classify_select --tf sublinear binary raw --norm l2 none
    uv run python -m benchmarks.classify_select --char-grams 2-4 3-4 3-5 --char-once no yes
    uv run python -m benchmarks.classify_select --domains github,endava,corpus --read-as github own
    uv run python -m benchmarks.classify_select --gate svm --gate-c 0.3 1 --gate-tf binary --gate-rows all
    uv run python -m benchmarks.classify_select --source-model none github:0.5 --calibrated yes github

``--domains`` trains with feature augmentation (``TrainingOptions.domains``), ``--gate`` a
two-stage model (``TrainingOptions.account_gate``), ``--source-model`` an ensemble with a model of
one source's rows. A two-stage model's reading depends on its temperatures, so they are fitted on
the held-out logits of both domains before it is scored (``--calibrated yes`` does the same for
any model, ``github`` on the github rows only); the calibrated points also print the expected
calibration error of the top confidence per domain and how often a reading at 0.9 or more was
right. Only the columns whose values differ from the defaults are printed.

The experimental learners (``nbsvm``, ``svm+mnb``, ``svm+cnb``) are in
``benchmarks/classify_learners.py``; ``--char-grams`` and ``--char-once`` set the feature
function's module settings for the run, training and inference alike.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from benchmarks.classify_eval import SHARED, cross_classify, cross_fit, cross_logits, load_data
from benchmarks.classify_learners import with_learner
from intake.classifier import features, train
from intake.classifier.examples import Example
from intake.classifier.metrics import evaluate
from intake.classifier.train import SOURCE_WEIGHTS, HeldOut, TrainingOptions, fit_temperature
from intake.classify import Classification


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--c", type=float, nargs="+", default=[TrainingOptions().c])
    parser.add_argument("--endava", type=float, nargs="+", default=[SOURCE_WEIGHTS["endava"]])
    parser.add_argument("--corpus", type=float, nargs="+", default=[SOURCE_WEIGHTS["corpus"]])
    parser.add_argument("--desk", type=float, nargs="+", default=[SOURCE_WEIGHTS["desk"]])
    parser.add_argument("--class-weight", nargs="+", default=["balanced"])
    parser.add_argument(
        "--headline", type=float, nargs="+", default=[TrainingOptions().headline_weight]
    )
    parser.add_argument("--ask", type=float, nargs="+", default=[TrainingOptions().ask_weight])
    parser.add_argument(
        "--headline-rows", type=float, nargs="+", default=[TrainingOptions().headline_rows]
    )
    parser.add_argument("--ask-rows", type=float, nargs="+", default=[TrainingOptions().ask_rows])
    parser.add_argument("--learner", nargs="+", default=[TrainingOptions().learner])
    parser.add_argument("--nb-alpha", type=float, nargs="+", default=[1.0])
    parser.add_argument("--nb-beta", type=float, nargs="+", default=[1.0])
    parser.add_argument("--nb-weight", type=float, nargs="+", default=[0.01])
    parser.add_argument("--tf", nargs="+", default=["sublinear"], help="sublinear, binary or raw")
    parser.add_argument("--norm", nargs="+", default=["l2"], help="l2 or none")
    parser.add_argument(
        "--char-grams", nargs="+", default=[_sizes(features.CHAR_GRAM_SIZES)],
        help="character n-gram lengths, as 3-4 (3 and 4) or 2-5",
    )  # fmt: skip
    parser.add_argument(
        "--char-once", nargs="+", default=["no"], help="yes: each character n-gram counts once"
    )
    parser.add_argument(
        "--domains", nargs="+", default=["none"],
        help="feature augmentation: the sources with their own copy of every feature, as "
        "github,endava,corpus (a source=domain pair shares a domain); none: off",
    )  # fmt: skip
    parser.add_argument(
        "--read-as", nargs="+", default=["github"],
        help="the domain copy the scored model adds to the shared weights: a domain, shared "
        "(none), or own (each source's rows read as their own domain)",
    )  # fmt: skip
    parser.add_argument("--domain-scale", type=float, nargs="+", default=[1.0])
    parser.add_argument(
        "--gate", nargs="+", default=["none"],
        help="two-stage: a binary account-vs-not model gates the intents, as svm or logreg "
        "(its learner); none: one model",
    )  # fmt: skip
    parser.add_argument("--gate-c", type=float, nargs="+", default=[1.0])
    parser.add_argument("--gate-tf", nargs="+", default=["sublinear"], help="sublinear or binary")
    parser.add_argument("--gate-class-weight", nargs="+", default=["balanced"])
    parser.add_argument(
        "--gate-endava", type=float, nargs="+", default=[SOURCE_WEIGHTS["endava"]],
        help="the Endava rows' weight in the gate's training",
    )  # fmt: skip
    parser.add_argument(
        "--gate-rows", nargs="+", default=["account"],
        help="the intent model's rows under a gate: account (only) or all",
    )  # fmt: skip
    parser.add_argument(
        "--source-model", nargs="+", default=["none"],
        help="an ensemble: SOURCE:WEIGHT adds WEIGHT times a model fitted on that source's rows "
        "alone (github:0.5); none: the mixed model alone",
    )  # fmt: skip
    parser.add_argument(
        "--calibrated", nargs="+", default=["no"],
        help="yes: the temperatures fitted on the held-out logits of both domains (as "
        "benchmarks.classify does) before reading, and the top confidence's calibration "
        "printed; github: fitted on the github rows' only; a two-stage model is always "
        "calibrated (yes unless github)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    data = load_data(args.shared)
    dev = data.github_dev
    groups = [data.repository[e.id] for e in dev]
    axes = {
        "learner": args.learner, "C": args.c, "endava": args.endava, "corpus": args.corpus,
        "desk": args.desk,
        "class weight": args.class_weight, "headline": args.headline, "ask": args.ask,
        "h rows": args.headline_rows, "a rows": args.ask_rows, "nb alpha": args.nb_alpha,
        "nb beta": args.nb_beta, "nb weight": args.nb_weight, "tf": args.tf, "norm": args.norm,
        "char grams": args.char_grams, "char once": args.char_once, "domains": args.domains,
        "read as": args.read_as, "d scale": args.domain_scale, "gate": args.gate,
        "gate C": args.gate_c, "gate tf": args.gate_tf, "gate cw": args.gate_class_weight,
        "gate rows": args.gate_rows, "gate endava": args.gate_endava,
        "source model": args.source_model,
        "calibrated": args.calibrated,
    }  # fmt: skip
    defaults = vars(parser.parse_args([]))
    shown = [name for name in axes
             if getattr(args, _arg(name)) != defaults[_arg(name)]] or ["learner", "C"]  # fmt: skip
    figures = ("macro-F1", "accuracy", "account F1", "Endava macro", "Endava acc F1",
               "ECE github", "ECE Endava", "top>=.9 right")  # fmt: skip
    print(" ".join(f"{name:>{max(6, len(name))}}" for name in (*shown, *figures)))
    for point in itertools.product(*axes.values()):
        named = dict(zip(axes, point, strict=True))
        _use_char_grams(str(named["char grams"]), once=named["char once"] == "yes")
        options = _options(named)
        models = cross_fit(dev, data.endava_dev + data.corpus, options,
                           groups=groups)  # fmt: skip
        en_options = options
        if named["read as"] == "own" and options.domains:
            en_options = replace(options, read_as=options.domains.get("endava"))
        en_models = cross_fit(data.endava_dev, dev + data.corpus, en_options)
        temperature = gate_t = None
        if named["calibrated"] != "no" or options.account_gate is not None:
            held = cross_logits(dev, models, HeldOut())
            if named["calibrated"] != "github":
                held = cross_logits(data.endava_dev, en_models, held)
            temperature = fit_temperature(held.logits, held.gold)
            if held.gate_logits:
                gate_t = fit_temperature(held.gate_logits, held.gate_gold)
        results = cross_classify(dev, models, temperature, gate_t)
        en_results = cross_classify(data.endava_dev, en_models, temperature, gate_t)
        report = evaluate([e.intent for e in dev], [r.intent for r in results])
        en = evaluate([e.intent for e in data.endava_dev], [r.intent for r in en_results])
        values = (report.macro_f1, report.accuracy, report.account_f1, en.macro_f1, en.account_f1)
        calibration = ("", "", "")
        if temperature is not None:
            calibration = (_ece(dev, results), _ece(data.endava_dev, en_results),
                           _right_when_sure(dev + data.endava_dev, results + en_results))  # fmt: skip
        print(" ".join([*(f"{named[n]!s:>{max(6, len(n))}}" for n in shown),
                        *(f"{v:>{len(n)}.3f}" for n, v in zip(figures, values, strict=False)),
                        *(f"{v:>{len(n)}}" for n, v in zip(figures[5:], calibration,
                                                           strict=True))]),
              flush=True)  # fmt: skip
    return 0


def _arg(column: str) -> str:
    """The argparse destination of a column: "gate C" -> gate_c, "h rows" -> headline_rows."""
    named = {"h rows": "headline_rows", "a rows": "ask_rows", "d scale": "domain_scale",
             "gate cw": "gate_class_weight"}  # fmt: skip
    return named.get(column, column.lower().replace(" ", "_"))


def _ece(examples: Sequence[Example], results: Sequence[Classification]) -> str:
    """The expected calibration error of the top confidence (10 equal-width bins) on held-out
    readings: how far, on average, a reading's confidence is from how often such readings were
    right."""
    bins: dict[int, list[tuple[float, bool]]] = {}
    for e, r in zip(examples, results, strict=True):
        bins.setdefault(min(int(r.confidence * 10), 9), []).append(
            (r.confidence, r.intent == e.intent)
        )
    ece = sum(abs(sum(c for c, _ in rows) - sum(ok for _, ok in rows)) for rows in bins.values())
    return f"{ece / len(examples):.3f}"


def _right_when_sure(examples: Sequence[Example], results: Sequence[Classification]) -> str:
    """How often a held-out reading at 0.9 or more was right (and how many there were)."""
    sure = [r.intent == e.intent for e, r in zip(examples, results, strict=True)
            if r.confidence >= 0.9]  # fmt: skip
    return f"{sum(sure) / len(sure):.3f} ({len(sure)})" if sure else "-"


def _options(point: dict[str, object]) -> TrainingOptions:
    """The training options of one point of the grid (named by its column headers)."""
    weighting = str(point["class weight"])
    options = TrainingOptions(
        c=float(str(point["C"])),
        source_weights={**SOURCE_WEIGHTS, "endava": float(str(point["endava"])),
                        "corpus": float(str(point["corpus"])), "desk": float(str(point["desk"]))},
        class_weight=None if weighting == "none" else weighting,
        headline_weight=float(str(point["headline"])), ask_weight=float(str(point["ask"])),
        headline_rows=float(str(point["h rows"])), ask_rows=float(str(point["a rows"])),
        sublinear_tf=point["tf"] == "sublinear", binary_tf=point["tf"] == "binary",
        l2_norm=point["norm"] == "l2", domains=_domains(str(point["domains"])),
        domain_scale=float(str(point["d scale"])),
        gate_account_rows_only=point["gate rows"] == "account",
        source_model=_source_model(str(point["source model"])),
    )  # fmt: skip
    if point["gate"] != "none":
        gate_weighting = str(point["gate cw"])
        gate = TrainingOptions(
            c=float(str(point["gate C"])), learner=str(point["gate"]),
            source_weights={**options.source_weights, "endava": float(str(point["gate endava"]))},
            headline_weight=options.headline_weight,
            class_weight=None if gate_weighting == "none" else gate_weighting,
            binary_tf=point["gate tf"] == "binary",
        )  # fmt: skip
        options = replace(options, account_gate=gate)
    read_as = str(point["read as"])
    if options.domains:
        own = options.domains.get("github") if read_as == "own" else read_as
        options = replace(options, read_as=None if own == "shared" else own)
    return with_learner(
        options, str(point["learner"]), alpha=float(str(point["nb alpha"])),
        beta=float(str(point["nb beta"])), nb_weight=float(str(point["nb weight"])),
    )  # fmt: skip


def _domains(spec: str) -> dict[str, str]:
    """``--domains``: "github,endava,corpus" (each source its own domain), "github,corpus=github"
    (the corpus shares github's copy), "none" (no augmentation)."""
    if spec == "none":
        return {}
    pairs = (part.split("=", 1) if "=" in part else (part, part) for part in spec.split(","))
    return {source: domain for source, domain in pairs}


def _source_model(spec: str) -> tuple[str, float] | None:
    """``--source-model``: "github:0.5" -> ("github", 0.5); "none" -> None."""
    if spec == "none":
        return None
    source, weight = spec.split(":", 1)
    return source, float(weight)


def _sizes(sizes: tuple[int, ...]) -> str:
    return f"{sizes[0]}-{sizes[-1]}"


def _use_char_grams(spec: str, *, once: bool) -> None:
    """Set the character n-gram lengths and counting for training and inference alike (the
    feature function reads ``features.CHAR_GRAM_SIZES`` and ``CHAR_GRAMS_ONCE``; the training
    cache of features is emptied)."""
    low, high = (int(v) for v in spec.split("-"))
    sizes = tuple(range(low, high + 1))
    if (sizes, once) != (features.CHAR_GRAM_SIZES, features.CHAR_GRAMS_ONCE):
        features.CHAR_GRAM_SIZES, features.CHAR_GRAMS_ONCE = sizes, once
        train.clear_feature_cache()


if __name__ == "__main__":
    sys.exit(main())
