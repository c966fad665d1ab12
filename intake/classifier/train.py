"""
Training the intent model (needs the ``train`` dependency group: scikit-learn).

Only training uses scikit-learn; the result is exported to ``LinearModel`` JSON so the running
service needs neither scikit-learn nor numpy. The vectoriser is given deskpilot's own feature
function, so training and inference see exactly the same features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intake.classifier.examples import Example
from intake.classifier.features import extract_features
from intake.classifier.model import LinearModel
from intake.classifier.text import clean_text


class TrainingUnavailableError(RuntimeError):
    """scikit-learn is not installed (install the ``train`` group: ``uv sync --group train``)."""


@dataclass(frozen=True)
class TrainingOptions:
    """Hyper-parameters; the defaults were chosen by cross-validation on the dev split."""

    c: float = 20.0
    min_df: int = 2
    class_weight: str | None = "balanced"
    max_iter: int = 3000
    weight_digits: int = 4


def _analyzer(doc: tuple[str, str]) -> list[str]:
    return extract_features(doc[0], doc[1])


def prepare(example: Example) -> tuple[str, str]:
    """The (subject, cleaned text) pair the model sees for an example."""
    return example.subject, clean_text(example.subject, example.body)


def _sklearn() -> Any:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    except ImportError as exc:
        raise TrainingUnavailableError(
            "training needs scikit-learn: install the `train` extra (pip install 'deskpilot[train]', or uv sync --group train)"
        ) from exc
    return TfidfVectorizer, LogisticRegression


def train_model(
    examples: Sequence[Example],
    options: TrainingOptions | None = None,
    *,
    meta: dict[str, str] | None = None,
) -> LinearModel:
    """Fit a multinomial logistic regression on ``examples`` and export it as a LinearModel."""
    opts = options or TrainingOptions()
    labels = sorted({e.intent for e in examples})
    if len(labels) < 2:
        raise ValueError(f"training needs at least two intents, got {labels}")
    tfidf_cls, logreg_cls = _sklearn()
    vectorizer = tfidf_cls(
        analyzer=_analyzer, sublinear_tf=True, min_df=opts.min_df, norm="l2", lowercase=False
    )
    matrix = vectorizer.fit_transform([prepare(e) for e in examples])
    model = logreg_cls(C=opts.c, class_weight=opts.class_weight, max_iter=opts.max_iter)
    model.fit(matrix, [e.intent for e in examples])
    return _export(vectorizer, model, opts.weight_digits, meta or {})


def _export(vectorizer: Any, model: Any, digits: int, meta: dict[str, str]) -> LinearModel:
    classes = tuple(str(c) for c in model.classes_)
    coef = model.coef_
    intercept = model.intercept_
    if len(classes) == 2:  # binary LR keeps one row: expand to the two-class softmax form
        coef = [-coef[0] / 2, coef[0] / 2]
        intercept = [-intercept[0] / 2, intercept[0] / 2]
    features: dict[str, tuple[float, ...]] = {}
    for name, col in vectorizer.vocabulary_.items():
        weights = tuple(round(float(row[col]), digits) for row in coef)
        if any(weights):
            features[name] = (round(float(vectorizer.idf_[col]), digits), *weights)
    return LinearModel(
        classes=classes,
        intercept=tuple(round(float(v), digits) for v in intercept),
        features=features,
        sublinear_tf=True,
        meta=meta,
    )
