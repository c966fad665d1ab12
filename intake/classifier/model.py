"""
The intent model at run time: TF-IDF features times linear weights, softmax, in pure Python.

The weights are JSON (never pickle) written by ``intake.classifier.train``; inference needs no
scikit-learn and no numpy. Format (``format: deskpilot-linear/1``)::

    {"format": ..., "classes": [...], "intercept": [...], "sublinear_tf": true,
     "features": {"w:password": [idf, w_class0, w_class1, ...], ...}, "meta": {...}}
"""

from __future__ import annotations

import math
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
        return cls(classes, intercept, features, bool(data.get("sublinear_tf", True)), meta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by ``from_dict``."""
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercept": list(self.intercept),
            "sublinear_tf": self.sublinear_tf,
            "meta": dict(self.meta or {}),
            "features": {k: list(v) for k, v in self.features.items()},
        }

    def scores(self, subject: str, text: str) -> list[tuple[str, float]]:
        """Class probabilities for a cleaned ticket, highest first."""
        found: list[tuple[float, tuple[float, ...]]] = []
        for name, count in count_features(subject, text).items():
            row = self.features.get(name)
            if row is not None:
                tf = 1.0 + math.log(count) if self.sublinear_tf else float(count)
                found.append((tf * row[0], row))
        norm = math.sqrt(sum(v * v for v, _ in found)) or 1.0
        logits = list(self.intercept)
        for value, row in found:
            x = value / norm
            # zip from index 1 skips the idf; a comprehension is ~3x faster than indexing
            logits = [acc + x * w for acc, w in zip(logits, row[1:], strict=False)]
        return sorted(zip(self.classes, _softmax(logits), strict=True), key=lambda p: -p[1])


def _softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
