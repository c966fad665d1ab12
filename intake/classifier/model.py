"""
The intent model at run time: TF-IDF features times linear weights, softmax, in pure Python.

The weights are JSON (never pickle) written by ``intake.classifier.train``; inference needs no
scikit-learn and no numpy. Format (``format: deskpilot-linear/1``)::

    {"format": ..., "classes": [...], "intercept": [...], "sublinear_tf": true,
     "temperature": 1.3, "headline_weight": 0.75,
     "features": {"w:password": [idf, w_class0, w_class1, ...], ...}, "meta": {...}}

A ticket is read twice with the same weights: whole (subject and cleaned text) and its headline
alone (the subject, with the desk's request kind when there is one). The final scores add the
headline's logits times ``headline_weight`` to the whole ticket's: the headline states the ask in
a few words, the body often buries it in details (absent = 0.0, the whole ticket only).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.classifier.features import count_features

FORMAT = "deskpilot-linear/1"
MODEL_FILE = "model.json"


class ModelFormatError(ValueError):
    """The weights file is not a deskpilot linear model (wrong format, shape or values)."""


@dataclass(frozen=True)
class LinearModel:
    """Multinomial logistic regression over TF-IDF features, read-only and thread-safe."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    features: Mapping[str, tuple[float, ...]]
    """feature -> (idf, weight for each class)."""
    sublinear_tf: bool = True
    meta: Mapping[str, str] | None = None
    temperature: float = 1.0
    """Logits are divided by this before the softmax: fitted on held-out predictions so that a
    confidence of 0.9 is right about nine times in ten (1.0 = uncalibrated)."""
    headline_weight: float = 0.0
    """How much the headline's own reading adds to the whole ticket's logits."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "model") -> LinearModel:
        """Validate and build a model from its JSON form; ``where`` names it in errors."""
        if data.get("format") != FORMAT:
            raise ModelFormatError(f"{where}: format is {data.get('format')!r}, want {FORMAT!r}")
        classes = tuple(str(c) for c in data["classes"])
        intercept = tuple(float(v) for v in data["intercept"])
        width = len(classes) + 1
        features: dict[str, tuple[float, ...]] = {}
        for name, row in data["features"].items():
            if len(row) != width:
                raise ModelFormatError(f"{where}: feature {name!r} has {len(row)} values")
            features[str(name)] = tuple(float(v) for v in row)
        if len(intercept) != len(classes) or not classes:
            raise ModelFormatError(f"{where}: {len(classes)} classes, {len(intercept)} intercepts")
        meta = {str(k): str(v) for k, v in dict(data.get("meta") or {}).items()}
        temperature = float(data.get("temperature", 1.0))
        if not 0.05 <= temperature <= 20.0:
            raise ModelFormatError(f"{where}: temperature {temperature} is out of range")
        sublinear = bool(data.get("sublinear_tf", True))
        headline_weight = float(data.get("headline_weight", 0.0))
        if not 0.0 <= headline_weight <= 10.0:
            raise ModelFormatError(f"{where}: headline_weight {headline_weight} is out of range")
        return cls(classes, intercept, features, sublinear, meta, temperature, headline_weight)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by ``from_dict``."""
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercept": list(self.intercept),
            "sublinear_tf": self.sublinear_tf,
            "temperature": self.temperature,
            "headline_weight": self.headline_weight,
            "meta": dict(self.meta or {}),
            "features": {k: list(v) for k, v in self.features.items()},
        }

    def scores(self, subject: str, text: str) -> list[tuple[str, float]]:
        """Calibrated class probabilities for a cleaned ticket, highest first."""
        return self.read(subject, text)[0]

    def read(self, subject: str, text: str) -> tuple[list[tuple[str, float]], tuple[str, ...]]:
        """Calibrated class probabilities (highest first) and the classes the headline
        (``subject``) alone reads as, best first (empty without one): the whole reading and
        the short one."""
        logits, headline = self._readings(subject, text)
        scaled = [v / self.temperature for v in logits]
        scores = sorted(zip(self.classes, softmax(scaled), strict=True), key=lambda p: -p[1])
        if headline is None:
            return scores, ()
        ranked = sorted(zip(headline, self.classes, strict=True), reverse=True)
        return scores, tuple(c for _, c in ranked)

    def combined_logits(self, subject: str, text: str) -> list[float]:
        """The whole ticket's logits plus ``headline_weight`` times the headline's (uncalibrated)."""
        return self._readings(subject, text)[0]

    def _readings(self, subject: str, text: str) -> tuple[list[float], list[float] | None]:
        whole = self.logits(subject, text)
        head = subject.strip()
        if not head:
            return whole, None
        headline = self.logits(head, head)
        if not self.headline_weight:
            return whole, headline
        w = self.headline_weight
        return [a + w * b for a, b in zip(whole, headline, strict=True)], headline

    def logits(self, subject: str, text: str) -> list[float]:
        """The raw linear scores per class (in ``classes`` order), before calibration."""
        rows: list[tuple[float, ...]] = []
        values: list[float] = []
        for name, count in count_features(subject, text).items():
            row = self.features.get(name)
            if row is not None:
                tf = 1.0 + math.log(count) if self.sublinear_tf else float(count)
                rows.append(row)
                values.append(tf * row[0])
        if not rows:
            return list(self.intercept)
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        xs = [v / norm for v in values]
        # one column per class (the first is the idf): C-level zip and sum, not a Python loop
        columns = list(zip(*rows, strict=True))[1:]
        return [
            b + sum(map(operator.mul, xs, col))
            for b, col in zip(self.intercept, columns, strict=True)
        ]


def softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
