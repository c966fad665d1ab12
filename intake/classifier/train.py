"""
Training the intent model (needs the ``train`` dependency group: scikit-learn).

Only training uses scikit-learn; the result is exported to ``LinearModel`` JSON so the running
service needs neither scikit-learn nor numpy. The vectoriser is given deskpilot's own feature
function, so training and inference see exactly the same features. The learner is a linear
support vector machine (one-vs-rest, C=3): on the dev cross-validation it beat the multinomial
logistic regression in both domains (``docs/classification.md``); its scores become calibrated
probabilities through the fitted temperature and the softmax, as the regression's did.

Examples come from several sources and count with different weights (``SOURCE_WEIGHTS``): real
tickets people wrote (``github``) count fully, a site's own corrections count double, the
Endava tickets (another domain: lower-cased, stop words removed) count less, and the tickets we
wrote ourselves (``corpus``) only as a light supplement.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from intake.classifier.ask import ask_sentence
from intake.classifier.examples import Example
from intake.classifier.features import extract_features
from intake.classifier.model import LinearModel, body_of, softmax
from intake.classifier.text import clean_text

SOURCE_WEIGHTS: Mapping[str, float] = {
    "github": 1.0,
    "correction": 2.0,
    "config": 1.0,
    "endava": 0.5,
    "corpus": 0.3,
}
"""Chosen by cross-validation on the dev rows only (``benchmarks/classify.py --select``)."""


class TrainingUnavailableError(RuntimeError):
    """scikit-learn is not installed (install the ``train`` group: ``uv sync --group train``)."""


@dataclass(frozen=True)
class TrainingOptions:
    """Hyper-parameters; the defaults were chosen by cross-validation on the dev split."""

    c: float = 3.0
    min_df: int = 2
    class_weight: str | None = "balanced"
    max_iter: int = 3000
    weight_digits: int = 4
    source_weights: Mapping[str, float] = field(default_factory=lambda: dict(SOURCE_WEIGHTS))
    temperature: float = 1.0
    headline_weight: float = 0.25
    """``LinearModel.headline_weight``: chosen on the dev cross-validation (see the docs)."""
    ask_weight: float = 0.0
    """``LinearModel.ask_weight``: the body's first request sentence read alone."""
    headline_rows: float = 0.0
    """Each training ticket's headline also trains as a row of its own, at this share of the
    ticket's weight (0 = not at all): the model learns what a short ask looks like."""
    ask_rows: float = 0.0
    """The same for each ticket's ask sentence (``ask.ask_sentence``)."""
    learner: str = "svm"
    """``logreg`` (multinomial logistic regression), ``svm`` (linear SVM, one-vs-rest) or
    ``huber`` (SGD with the modified Huber loss): each exports the same linear weights."""
    learner_factory: Callable[[TrainingOptions], Any] | None = None
    """A learner deskpilot does not ship (the selection grid's experiments,
    ``benchmarks/classify_learners.py``): given these options it returns an estimator with
    ``fit(matrix, labels, sample_weight=...)``, ``classes_``, ``coef_`` and ``intercept_``,
    exported like the others; ``learner`` is then only its name."""
    sublinear_tf: bool = True
    """Term frequency as 1 + log(count) (``LinearModel.sublinear_tf``)."""
    binary_tf: bool = False
    """Term frequency 1 for any feature present (``LinearModel.binary_tf``)."""
    l2_norm: bool = True
    """Each ticket's TF-IDF vector scaled to unit length (``LinearModel.l2_norm``)."""


@functools.lru_cache(maxsize=20_000)
def _features(subject: str, body: str) -> tuple[str, ...]:
    return tuple(extract_features(subject, clean_text(subject, body)))


def clear_feature_cache() -> None:
    """Forget the features computed so far (after ``features.CHAR_GRAM_SIZES`` changed)."""
    _features.cache_clear()


def _analyzer(doc: tuple[str, str]) -> tuple[str, ...]:
    return _features(doc[0], doc[1])


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
    """Fit the weighted linear learner of ``options`` on ``examples``; export a LinearModel."""
    opts = options or TrainingOptions()
    labels = sorted({e.intent for e in examples})
    if len(labels) < 2:
        raise ValueError(f"training needs at least two intents, got {labels}")
    tfidf_cls, logreg_cls = _sklearn()
    vectorizer = tfidf_cls(
        analyzer=_analyzer, sublinear_tf=opts.sublinear_tf, binary=opts.binary_tf,
        min_df=opts.min_df, norm="l2" if opts.l2_norm else None, lowercase=False,
    )  # fmt: skip
    rows = [((e.subject, e.body), e.intent, opts.source_weights.get(e.source, 1.0))
            for e in examples]  # fmt: skip
    rows += _short_rows(examples, opts)
    matrix = vectorizer.fit_transform([doc for doc, _, _ in rows])
    model = _learner(opts, logreg_cls)
    model.fit(matrix, [intent for _, intent, _ in rows], sample_weight=[w for _, _, w in rows])
    return _export(vectorizer, model, opts, meta or {})


def _learner(opts: TrainingOptions, logreg_cls: Any) -> Any:
    if opts.learner_factory is not None:
        return opts.learner_factory(opts)
    if opts.learner == "logreg":
        return logreg_cls(C=opts.c, class_weight=opts.class_weight, max_iter=opts.max_iter)
    if opts.learner == "svm":
        from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

        return LinearSVC(
            C=opts.c, class_weight=opts.class_weight, max_iter=opts.max_iter, random_state=0
        )
    if opts.learner == "huber":
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(
            loss="modified_huber", alpha=1.0 / (opts.c * 1000), class_weight=opts.class_weight,
            max_iter=opts.max_iter, random_state=0,
        )  # fmt: skip
    raise ValueError(f"unknown learner {opts.learner!r}: logreg, svm or huber")


def _short_rows(
    examples: Sequence[Example], opts: TrainingOptions
) -> list[tuple[tuple[str, str], str, float]]:
    """The headline and ask-sentence rows of ``TrainingOptions.headline_rows`` / ``ask_rows``:
    each read the way the model reads it at run time (as its own subject and text)."""
    rows: list[tuple[tuple[str, str], str, float]] = []
    if not (opts.headline_rows or opts.ask_rows):
        return rows
    for e in examples:
        weight = opts.source_weights.get(e.source, 1.0)
        head = " ".join(e.subject.split())
        if opts.headline_rows and head:
            rows.append(((head, ""), e.intent, weight * opts.headline_rows))
        if opts.ask_rows:
            ask = ask_sentence(body_of(head, clean_text(e.subject, e.body)))
            if ask:
                rows.append(((ask, ""), e.intent, weight * opts.ask_rows))
    return rows


def _export(
    vectorizer: Any, model: Any, opts: TrainingOptions, meta: dict[str, str]
) -> LinearModel:
    digits = opts.weight_digits
    classes = tuple(str(c) for c in model.classes_)
    coef = model.coef_
    intercept = model.intercept_
    if len(coef) == 1:  # a binary learner keeps one row: expand to the two-class softmax form
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
        sublinear_tf=opts.sublinear_tf,
        meta=meta,
        temperature=opts.temperature,
        headline_weight=opts.headline_weight,
        ask_weight=opts.ask_weight,
        binary_tf=opts.binary_tf,
        l2_norm=opts.l2_norm,
    )


def fit_temperature(logits: Sequence[Sequence[float]], gold_index: Sequence[int]) -> float:
    """The temperature minimising the log loss of held-out logits (grid 0.05-5, step ~2 %).

    ``logits`` are raw model scores of tickets the model did not see (cross-validated), and
    ``gold_index`` the index of each one's true class.
    """
    if not logits:
        return 1.0
    best, best_loss = 1.0, math.inf
    temperature = 0.05
    while temperature <= 5.0:
        loss = 0.0
        for row, gold in zip(logits, gold_index, strict=True):
            probs = softmax([v / temperature for v in row])
            loss -= math.log(max(probs[gold], 1e-12))
        if loss < best_loss:
            best, best_loss = temperature, loss
        temperature = round(temperature * 1.02, 4)
    return round(best, 3)


def calibrated_model(
    examples: Sequence[Example],
    options: TrainingOptions | None = None,
    *,
    folds: int = 3,
    meta: dict[str, str] | None = None,
) -> LinearModel:
    """Train on all ``examples`` with the temperature fitted on ``folds``-fold held-out logits.

    Each fold's model scores the examples it did not see; the temperature that makes those
    held-out scores honest probabilities is given to the model trained on everything.
    """
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    opts = options or TrainingOptions()
    labels = [e.intent for e in examples]
    rare = min(labels.count(label) for label in set(labels))
    logits: list[list[float]] = []
    gold: list[int] = []
    if rare >= folds:
        split = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, labels)
        for train_idx, test_idx in split:
            model = train_model([examples[i] for i in train_idx], opts)
            index = {c: n for n, c in enumerate(model.classes)}
            for i in test_idx:
                e = examples[i]
                if e.intent in index:
                    logits.append(model.combined_logits(e.subject, clean_text(e.subject, e.body)))
                    gold.append(index[e.intent])
    temperature = fit_temperature(logits, gold) if logits else opts.temperature
    return train_model(examples, replace(opts, temperature=temperature), meta=meta)
