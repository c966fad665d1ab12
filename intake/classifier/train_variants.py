"""
Learners wrapped around another one for the selection grid's training options (``TrainingOptions``
``domains`` and ``source_model`` in ``train``): each fits with numpy and scipy, as scikit-learn
does, and leaves one linear model in ``classes_`` / ``coef_`` / ``intercept_`` for the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SourceEnsemble:
    """The mixed learner plus ``weight`` times a second learner of the same kind fitted on one
    source's rows alone (``TrainingOptions.source_model``): both are linear in the same
    features, so their weighted sum is one linear model. A class the source lacks gets no
    weights from it."""

    def __init__(
        self, mixed: Any, alone: Any, row_sources: Sequence[str], source_model: tuple[str, float]
    ):
        self.mixed, self.alone = mixed, alone
        self.source, self.weight = source_model
        self.row_sources = list(row_sources)
        self.classes_: Any = None
        self.coef_: Any = None
        self.intercept_: Any = None

    def fit(self, matrix: Any, labels: Sequence[str], sample_weight: Sequence[float]) -> None:
        """Fit both; add the source's weights and intercepts class by class."""
        import numpy as np

        self.mixed.fit(matrix, labels, sample_weight=sample_weight)
        self.classes_ = self.mixed.classes_
        coef = np.array(self.mixed.coef_, dtype=float)
        intercept = np.array(self.mixed.intercept_, dtype=float)
        mine = [i for i, s in enumerate(self.row_sources) if s == self.source]
        own_labels = [labels[i] for i in mine]
        if len(set(own_labels)) > 2:  # a binary fit keeps one row: not worth its special case
            self.alone.fit(matrix[mine], own_labels,
                           sample_weight=[sample_weight[i] for i in mine])  # fmt: skip
            index = {c: n for n, c in enumerate(self.classes_)}
            for row, label in enumerate(self.alone.classes_):
                coef[index[label]] += self.weight * np.asarray(self.alone.coef_[row])
                intercept[index[label]] += self.weight * float(self.alone.intercept_[row])
        self.coef_, self.intercept_ = coef, intercept


class DomainCopies:
    """Feature augmentation (Daumé III 2007, "Frustratingly easy domain adaptation") around a
    linear learner: a row of domain ``d`` is ``[x, 0, …, s·x (d's block), …, 0]``, a row of no
    domain ``[x, 0, …]``; the learner fits the shared and each domain's weights together, and
    ``coef_`` is the shared weights plus ``s`` times those of ``read_as`` (a ticket of that
    domain scores exactly as its augmented row did), so the export is one linear model."""

    def __init__(
        self,
        learner: Any,
        row_domains: Sequence[str | None],
        read_as: str | None = None,
        scale: float = 1.0,
    ):
        self.learner = learner
        self.row_domains = list(row_domains)
        self.names = sorted({d for d in self.row_domains if d is not None})
        self.read_as = read_as
        self.scale = scale
        self.classes_: Any = None
        self.coef_: Any = None
        self.intercept_: Any = None

    def fit(self, matrix: Any, labels: Sequence[str], sample_weight: Sequence[float]) -> None:
        """Fit the learner on the augmented rows; fold the ``read_as`` block into ``coef_``."""
        import numpy as np
        from scipy import sparse  # type: ignore[import-untyped]

        blocks = [matrix]
        for name in self.names:
            mask = np.array([self.scale if d == name else 0.0 for d in self.row_domains])
            blocks.append(sparse.diags(mask) @ matrix)
        self.learner.fit(sparse.hstack(blocks).tocsr(), labels, sample_weight=sample_weight)
        width = matrix.shape[1]
        coef = np.asarray(self.learner.coef_)
        folded = coef[:, :width].copy()
        if self.read_as is not None and self.read_as in self.names:
            start = (1 + self.names.index(self.read_as)) * width
            folded += self.scale * coef[:, start : start + width]
        self.classes_, self.coef_ = self.learner.classes_, folded
        self.intercept_ = self.learner.intercept_
