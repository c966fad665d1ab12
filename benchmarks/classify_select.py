"""
How the training options were chosen: a grid on dev rows only, never on test.

Each candidate (the learner, C, the Endava and corpus weights, the class weighting, the
headline's and the ask sentence's weights, the short readings as extra training rows, the term
frequency, the norm and the character n-grams) is
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

The experimental learners (``nbsvm``, ``svm+mnb``, ``svm+cnb``) are in
``benchmarks/classify_learners.py``; ``--char-grams`` and ``--char-once`` set the feature
function's module settings for the run, training and inference alike.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.classify_eval import SHARED, cross_classify, cross_fit, load_data
from benchmarks.classify_learners import with_learner
from intake.classifier import features, train
from intake.classifier.metrics import evaluate
from intake.classifier.train import SOURCE_WEIGHTS, TrainingOptions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--c", type=float, nargs="+", default=[TrainingOptions().c])
    parser.add_argument("--endava", type=float, nargs="+", default=[SOURCE_WEIGHTS["endava"]])
    parser.add_argument("--corpus", type=float, nargs="+", default=[SOURCE_WEIGHTS["corpus"]])
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
    args = parser.parse_args(argv)
    data = load_data(args.shared)
    dev = data.github_dev
    groups = [data.repository[e.id] for e in dev]
    axes = {
        "learner": args.learner, "C": args.c, "endava": args.endava, "corpus": args.corpus,
        "class weight": args.class_weight, "headline": args.headline, "ask": args.ask,
        "h rows": args.headline_rows, "a rows": args.ask_rows, "nb alpha": args.nb_alpha,
        "nb beta": args.nb_beta, "nb weight": args.nb_weight, "tf": args.tf, "norm": args.norm,
        "char grams": args.char_grams, "char once": args.char_once,
    }  # fmt: skip
    figures = ("macro-F1", "accuracy", "account F1", "Endava macro", "Endava acc F1")
    print(" ".join(f"{name:>{max(6, len(name))}}" for name in (*axes, *figures)))
    for point in itertools.product(*axes.values()):
        named = dict(zip(axes, point, strict=True))
        _use_char_grams(str(named["char grams"]), once=named["char once"] == "yes")
        options = _options(named)
        models = cross_fit(dev, data.endava_dev + data.corpus, options, groups=groups)
        report = evaluate([e.intent for e in dev], [r.intent for r in cross_classify(dev, models)])
        en_models = cross_fit(data.endava_dev, dev + data.corpus, options)
        en = evaluate([e.intent for e in data.endava_dev],
                      [r.intent for r in cross_classify(data.endava_dev, en_models)])  # fmt: skip
        values = (report.macro_f1, report.accuracy, report.account_f1, en.macro_f1, en.account_f1)
        print(" ".join([*(f"{v!s:>{max(6, len(n))}}" for n, v in zip(axes, point, strict=True)),
                        *(f"{v:>{len(n)}.3f}" for n, v in zip(figures, values, strict=True))]),
              flush=True)  # fmt: skip
    return 0


def _options(point: dict[str, object]) -> TrainingOptions:
    """The training options of one point of the grid (named by its column headers)."""
    weighting = str(point["class weight"])
    options = TrainingOptions(
        c=float(str(point["C"])),
        source_weights={**SOURCE_WEIGHTS, "endava": float(str(point["endava"])),
                        "corpus": float(str(point["corpus"]))},
        class_weight=None if weighting == "none" else weighting,
        headline_weight=float(str(point["headline"])), ask_weight=float(str(point["ask"])),
        headline_rows=float(str(point["h rows"])), ask_rows=float(str(point["a rows"])),
        sublinear_tf=point["tf"] == "sublinear", binary_tf=point["tf"] == "binary",
        l2_norm=point["norm"] == "l2",
    )  # fmt: skip
    return with_learner(
        options, str(point["learner"]), alpha=float(str(point["nb alpha"])),
        beta=float(str(point["nb beta"])), nb_weight=float(str(point["nb weight"])),
    )  # fmt: skip


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
