"""
How the training options were chosen: a grid on dev rows only, never on test.

Each candidate (the learner, C, the Endava and corpus weights, the class weighting, the
headline's and the ask sentence's weights, the short readings as extra training rows) is
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
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.classify_eval import SHARED, cross_classify, cross_fit, load_data
from intake.classifier.metrics import evaluate
from intake.classifier.train import SOURCE_WEIGHTS, TrainingOptions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--c", type=float, nargs="+", default=[10.0])
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
    args = parser.parse_args(argv)
    data = load_data(args.shared)
    dev = data.github_dev
    groups = [data.repository[e.id] for e in dev]
    print(f"{'learner':>7} {'C':>5} {'endava':>6} {'corpus':>6} {'class weight':>12} {'headline':>8} {'ask':>5} "
          f"{'h rows':>6} {'a rows':>6} {'macro-F1':>8} {'accuracy':>8} {'account F1':>10} {'Endava macro':>12} "
          f"{'Endava acc F1':>13}")  # fmt: skip
    for learner, c, endava, corpus, weighting, headline, ask, h_rows, a_rows in itertools.product(
        args.learner, args.c, args.endava, args.corpus, args.class_weight, args.headline, args.ask,
        args.headline_rows, args.ask_rows,
    ):  # fmt: skip
        weights = {**SOURCE_WEIGHTS, "endava": endava, "corpus": corpus}
        options = TrainingOptions(
            c=c, source_weights=weights, class_weight=None if weighting == "none" else weighting,
            headline_weight=headline, ask_weight=ask, headline_rows=h_rows, ask_rows=a_rows,
            learner=learner,
        )  # fmt: skip
        models = cross_fit(dev, data.endava_dev + data.corpus, options, groups=groups)
        report = evaluate([e.intent for e in dev], [r.intent for r in cross_classify(dev, models)])
        en_models = cross_fit(data.endava_dev, dev + data.corpus, options)
        en = evaluate([e.intent for e in data.endava_dev],
                      [r.intent for r in cross_classify(data.endava_dev, en_models)])  # fmt: skip
        print(f"{learner:>7} {c:>5} {endava:>6} {corpus:>6} {weighting:>12} {headline:>8} {ask:>5} "
              f"{h_rows:>6} {a_rows:>6} "
              f"{report.macro_f1:>8.3f} {report.accuracy:>8.3f} {report.account_f1:>10.3f} "
              f"{en.macro_f1:>12.3f} {en.account_f1:>13.3f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
