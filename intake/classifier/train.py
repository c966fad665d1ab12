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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from intake.classifier.ask import ask_sentence
from intake.classifier.examples import Example
from intake.classifier.features import extract_features
from intake.classifier.model import ACCOUNT, NOT_ACCOUNT, LinearModel, body_of, softmax
from intake.classifier.text import clean_text
from intake.classifier.train_variants import DomainCopies, SourceEnsemble

SOURCE_WEIGHTS: Mapping[str, float] = {
    "github": 1.0,
    "correction": 2.0,
    "config": 1.0,
    "endava": 0.5,
    "corpus": 0.3,
    "desk": 0.3,
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
    domains: Mapping[str, str] = field(default_factory=dict)
    """Domain adaptation by feature augmentation (Daumé III 2007): a source named here (source
    -> domain) trains every feature twice, as the shared feature and as its domain's own copy
    (empty = off, every feature shared). The learner fits shared and domain weights at once; the
    export folds them into one weight per feature (``read_as``)."""
    read_as: str | None = None
    """The domain whose own weights are added to the shared ones in the exported model (None:
    the shared weights alone): the domain a deployment's tickets are read as."""
    account_gate: TrainingOptions | None = None
    """A two-stage model (``LinearModel.gate``): a binary account-vs-not model trained with
    these options (its own C, class weighting, term frequency) on every example, labelled
    ``account`` or ``not_account``, gates the intents (None: one model for every intent)."""
    gate_account_rows_only: bool = True
    """With ``account_gate``: the intent model learns from the account examples only
    (p(intent | account)); else from all of them, ``not_account`` dropped when read."""
    source_model: tuple[str, float] | None = None
    """An ensemble folded into one linear model: ``(source, weight)`` adds ``weight`` times the
    weights of a second learner fitted on that source's rows alone (the same features and
    IDF) to the mixed model's (None: the mixed model alone)."""
    domain_scale: float = 1.0
    """The value of a domain's copy relative to the shared feature (1 in the paper; smaller
    makes a domain's own weights dearer, so more of what it says is learnt as shared)."""


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
    if opts.account_gate is not None:
        return _two_stage(examples, opts, meta or {})
    labels = sorted({e.intent for e in examples})
    if len(labels) < 2:
        raise ValueError(f"training needs at least two intents, got {labels}")
    tfidf_cls, logreg_cls = _sklearn()
    vectorizer = tfidf_cls(
        analyzer=_analyzer, sublinear_tf=opts.sublinear_tf, binary=opts.binary_tf,
        min_df=opts.min_df, norm="l2" if opts.l2_norm else None, lowercase=False,
    )  # fmt: skip
    rows = [((e.subject, e.body), e.intent, opts.source_weights.get(e.source, 1.0), e.source)
            for e in examples]  # fmt: skip
    rows += _short_rows(examples, opts)
    matrix = vectorizer.fit_transform([doc for doc, _, _, _ in rows])
    model = _learner(opts, logreg_cls)
    if opts.domains:
        domains = [opts.domains.get(r[3]) for r in rows]
        model = DomainCopies(model, domains, opts.read_as, opts.domain_scale)
    elif opts.source_model is not None:
        sources = [r[3] for r in rows]
        model = SourceEnsemble(model, _learner(opts, logreg_cls), sources, opts.source_model)
    model.fit(matrix, [r[1] for r in rows], sample_weight=[r[2] for r in rows])
    return _export(vectorizer, model, opts, meta or {})


def _two_stage(
    examples: Sequence[Example], opts: TrainingOptions, meta: dict[str, str]
) -> LinearModel:
    """The intent model with its account gate (``TrainingOptions.account_gate``)."""
    assert opts.account_gate is not None
    as_gate = [replace(e, intent=NOT_ACCOUNT if e.intent == NOT_ACCOUNT else ACCOUNT)
               for e in examples]  # fmt: skip
    gate = train_model(as_gate, replace(opts.account_gate, account_gate=None))
    rows = examples
    if opts.gate_account_rows_only:
        rows = [e for e in examples if e.intent != NOT_ACCOUNT]
    intents = train_model(rows, replace(opts, account_gate=None), meta=meta)
    return replace(intents, gate=gate)


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
) -> list[tuple[tuple[str, str], str, float, str]]:
    """The headline and ask-sentence rows of ``TrainingOptions.headline_rows`` / ``ask_rows``:
    each read the way the model reads it at run time (as its own subject and text)."""
    rows: list[tuple[tuple[str, str], str, float, str]] = []
    if not (opts.headline_rows or opts.ask_rows):
        return rows
    for e in examples:
        weight = opts.source_weights.get(e.source, 1.0)
        head = " ".join(e.subject.split())
        if opts.headline_rows and head:
            rows.append(((head, ""), e.intent, weight * opts.headline_rows, e.source))
        if opts.ask_rows:
            ask = ask_sentence(body_of(head, clean_text(e.subject, e.body)))
            if ask:
                rows.append(((ask, ""), e.intent, weight * opts.ask_rows, e.source))
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


@dataclass
class HeldOut:
    """Raw logits of tickets a model did not see, with each one's gold class index: the intents'
    (all classes; a two-stage model's account intents on its account tickets) and, for a
    two-stage model, its gate's (``account`` / ``not_account``) on every ticket."""

    logits: list[list[float]] = field(default_factory=list)
    gold: list[int] = field(default_factory=list)
    gate_logits: list[list[float]] = field(default_factory=list)
    gate_gold: list[int] = field(default_factory=list)

    def add(self, model: LinearModel, examples: Iterable[Example]) -> None:
        """Read ``examples`` (which ``model`` never saw) and keep their logits."""
        gate = model.gate
        if gate is None:
            index = {c: n for n, c in enumerate(model.classes)}
        else:
            index = {c: n for n, c in enumerate(c for c in model.classes if c != NOT_ACCOUNT)}
        for e in examples:
            text = clean_text(e.subject, e.body)
            if gate is not None:
                self.gate_logits.append(gate.combined_logits(e.subject, text))
                self.gate_gold.append(gate.classes.index(_gate_class(e.intent)))
            if e.intent in index:
                logits = model.combined_logits(e.subject, text)
                if gate is not None:
                    logits = [v for c, v in zip(model.classes, logits, strict=True)
                              if c != NOT_ACCOUNT]  # fmt: skip
                self.logits.append(logits)
                self.gold.append(index[e.intent])

    def calibrate(self, model: LinearModel) -> LinearModel:
        """``model`` with the temperatures (its own, its gate's) fitted on these logits."""
        out = replace(model, temperature=fit_temperature(self.logits, self.gold))
        if model.gate is not None and self.gate_logits:
            gate_t = fit_temperature(self.gate_logits, self.gate_gold)
            out = replace(out, gate=replace(model.gate, temperature=gate_t))
        return out


def _gate_class(intent: str) -> str:
    return NOT_ACCOUNT if intent == NOT_ACCOUNT else ACCOUNT


def calibrated_model(
    examples: Sequence[Example],
    options: TrainingOptions | None = None,
    *,
    folds: int = 3,
    meta: dict[str, str] | None = None,
) -> LinearModel:
    """Train on all ``examples`` with the temperature fitted on ``folds``-fold held-out logits.

    Each fold's model scores the examples it did not see; the temperature that makes those
    held-out scores honest probabilities is given to the model trained on everything (a
    two-stage model's gate gets its own).
    """
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    opts = options or TrainingOptions()
    labels = [e.intent for e in examples]
    rare = min(labels.count(label) for label in set(labels))
    held = HeldOut()
    if rare >= folds:
        split = StratifiedKFold(folds, shuffle=True, random_state=0).split(examples, labels)
        for train_idx, test_idx in split:
            model = train_model([examples[i] for i in train_idx], opts)
            held.add(model, (examples[i] for i in test_idx))
    final = train_model(examples, opts, meta=meta)
    return held.calibrate(final) if held.logits else replace(final, temperature=opts.temperature)
