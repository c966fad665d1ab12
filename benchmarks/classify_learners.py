"""
Learners tried in the selection grid and not shipped, each exported as the same linear weights.

``benchmarks.classify_select --learner nbsvm svm+mnb svm+cnb`` hands them to training through
``TrainingOptions.learner_factory`` (``with_learner``). Both fit a TF-IDF matrix with sample
weights and end with ``classes_``, ``coef_`` (one row per class, one column per feature) and
``intercept_``, the interface ``train._export`` reads, so the service would score them with the
same pure-Python dot product as the plain SVM (figures in ``docs/classification.md``):

- ``NaiveBayesSVM`` (Wang & Manning 2012, "Baselines and bigrams"): for each class, one-vs-rest,
  every feature is scaled by its log-count ratio ``r`` (how much more often the class's tickets
  have it than the others', smoothed by ``alpha``), and a linear SVM is fitted on the scaled
  features. A weight ``w`` on the scaled feature ``x * r`` is the weight ``w * r`` on ``x``, so
  the scaling folds into the exported weights. ``beta`` < 1 pulls the weights towards their mean
  magnitude, as in the paper.
- ``SvmNaiveBayes``: the linear SVM plus ``nb_weight`` times a naive Bayes's log-probabilities
  (multinomial or complement) on the same features. Naive Bayes is linear in the features, and
  the softmax ignores what the two share for every class, so the sum is one linear model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from intake.classifier.train import TrainingOptions

EXPERIMENTS = ("nbsvm", "svm+mnb", "svm+cnb")


def with_learner(
    options: TrainingOptions, name: str, *, alpha: float, beta: float, nb_weight: float
) -> TrainingOptions:
    """``options`` training the learner ``name``: one of ``EXPERIMENTS`` (with its naive Bayes
    smoothing ``alpha``, ``nbsvm``'s ``beta`` and the ensembles' ``nb_weight``), else a learner
    ``intake.classifier.train`` ships."""
    factory: Callable[[TrainingOptions], Any]
    if name == "nbsvm":
        factory = functools.partial(_nbsvm, alpha=alpha, beta=beta)
    elif name in ("svm+mnb", "svm+cnb"):
        factory = functools.partial(
            _svm_nb, alpha=alpha, nb_weight=nb_weight, complement=name == "svm+cnb"
        )
    else:
        return replace(options, learner=name)
    return replace(options, learner=name, learner_factory=factory)


def _nbsvm(options: TrainingOptions, *, alpha: float, beta: float) -> NaiveBayesSVM:
    return NaiveBayesSVM(
        c=options.c, class_weight=options.class_weight, max_iter=options.max_iter,
        alpha=alpha, beta=beta,
    )  # fmt: skip


def _svm_nb(
    options: TrainingOptions, *, alpha: float, nb_weight: float, complement: bool
) -> SvmNaiveBayes:
    return SvmNaiveBayes(
        c=options.c, class_weight=options.class_weight, max_iter=options.max_iter,
        alpha=alpha, nb_weight=nb_weight, complement=complement,
    )  # fmt: skip


def _balanced(classes: Any, y: Any) -> Any:
    from sklearn.utils.class_weight import compute_class_weight  # type: ignore[import-untyped]

    return compute_class_weight("balanced", classes=classes, y=y)


def _svm(c: float, class_weight: Any, max_iter: int) -> Any:
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

    return LinearSVC(C=c, class_weight=class_weight, max_iter=max_iter, random_state=0)


class NaiveBayesSVM:
    """One-vs-rest linear SVMs on features scaled by each class's log-count ratio."""

    def __init__(
        self, *, c: float, class_weight: str | None, max_iter: int, alpha: float, beta: float
    ) -> None:
        self.c, self.class_weight, self.max_iter = c, class_weight, max_iter
        self.alpha, self.beta = alpha, beta
        self.classes_: Any = None
        self.coef_: Any = None
        self.intercept_: Any = None

    def fit(self, matrix: Any, labels: Sequence[str], sample_weight: Sequence[float]) -> None:
        """Fit one scaled binary SVM per class; ``coef_`` holds the weights on the unscaled
        features (the SVM's weight times the ratio)."""
        import numpy as np
        from scipy import sparse  # type: ignore[import-untyped]

        y = np.asarray(labels)
        weights = np.asarray(sample_weight, dtype=float)
        self.classes_ = np.unique(y)
        present = matrix.copy().tocsr()
        present.data[:] = 1.0  # the paper's binarised counts
        balanced = (
            _balanced(self.classes_, y)
            if self.class_weight == "balanced"
            else np.ones(len(self.classes_))
        )
        coefs, intercepts = [], []
        for k, label in enumerate(self.classes_):
            mine = y == label
            p = self.alpha + present[mine].T @ weights[mine]
            q = self.alpha + present[~mine].T @ weights[~mine]
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            # liblinear's one-vs-rest weighs the class's own rows by its weight, the rest by 1
            svm = _svm(self.c, {1: balanced[k], 0: 1.0}, self.max_iter)
            svm.fit(matrix @ sparse.diags(ratio), mine.astype(int), sample_weight=weights)
            w = svm.coef_[0]
            if self.beta < 1.0:
                w = (1.0 - self.beta) * np.abs(w).mean() + self.beta * w
            coefs.append(w * ratio)
            intercepts.append(svm.intercept_[0])
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)


class SvmNaiveBayes:
    """The linear SVM's scores plus ``nb_weight`` times a naive Bayes's log-probabilities."""

    def __init__(
        self,
        *,
        c: float,
        class_weight: str | None,
        max_iter: int,
        alpha: float,
        nb_weight: float,
        complement: bool,
    ) -> None:
        self.c, self.class_weight, self.max_iter = c, class_weight, max_iter
        self.alpha, self.nb_weight, self.complement = alpha, nb_weight, complement
        self.classes_: Any = None
        self.coef_: Any = None
        self.intercept_: Any = None

    def fit(self, matrix: Any, labels: Sequence[str], sample_weight: Sequence[float]) -> None:
        """Fit both on the same rows; the class prior is uniform, as the balanced SVM's is."""
        import numpy as np
        from sklearn.naive_bayes import ComplementNB, MultinomialNB  # type: ignore[import-untyped]

        svm = _svm(self.c, self.class_weight, self.max_iter)
        svm.fit(matrix, labels, sample_weight=sample_weight)
        nb_cls = ComplementNB if self.complement else MultinomialNB
        nb = nb_cls(alpha=self.alpha, fit_prior=False)
        nb.fit(matrix, labels, sample_weight=sample_weight)
        self.classes_ = svm.classes_
        coef, intercept = svm.coef_, np.asarray(svm.intercept_, dtype=float)
        if len(coef) == 1:  # two classes: the SVM keeps one row, the softmax form has two
            coef, intercept = (
                np.vstack([-coef[0] / 2, coef[0] / 2]),
                np.r_[-intercept / 2, intercept / 2],
            )
        log_prob = nb.feature_log_prob_
        # a feature's log-probability relative to its mean over the classes: the same softmax,
        # and a feature the ticket has adds nothing to every class alike
        log_prob = log_prob - log_prob.mean(axis=0, keepdims=True)
        self.coef_ = coef + self.nb_weight * log_prob
        self.intercept_ = intercept
