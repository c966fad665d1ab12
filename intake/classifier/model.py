"""
The intent model at run time: TF-IDF features times linear weights, softmax, in pure Python.

The weights are JSON (never pickle) written by ``intake.classifier.train``; inference needs no
scikit-learn and no numpy. Format (``format: deskpilot-linear/1``)::

    {"format": ..., "classes": [...], "intercept": [...], "sublinear_tf": true,
     "binary_tf": false, "l2_norm": true, "temperature": 1.3, "headline_weight": 0.75,
     "ask_weight": 0.0,
     "features": {"w:password": [idf, w_class0, w_class1, ...], ...}, "meta": {...}}

A ticket is read twice with the same weights: whole (subject and cleaned text) and its headline
alone (the subject, with the desk's request kind when there is one). The final scores add the
headline's logits times ``headline_weight`` to the whole ticket's: the headline states the ask in
a few words, the body often buries it in details (absent = 0.0, the whole ticket only). The
body's first request sentence (``ask.ask_sentence``) is read alone too: its logits add
``ask_weight`` times (absent = 0.0, which older files mean), and the intent it reads as is a
second short reading the gate may accept when the headline says nothing of an account ask.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.classifier.ask import ask_sentence
from intake.classifier.features import count_features

FORMAT = "deskpilot-linear/1"
MODEL_FILE = "model.json"
ACCOUNT, NOT_ACCOUNT = "account", "not_account"
"""The classes of a two-stage model's gate (``LinearModel.gate``)."""


class ModelFormatError(ValueError):
    """The weights file is not a deskpilot linear model (wrong format, shape or values)."""


@dataclass(frozen=True)
class LinearModel:
    """A linear classifier over TF-IDF features (one weight per feature and class, however it
    was trained), read-only and thread-safe."""

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
    ask_weight: float = 0.0
    """How much the body's first request sentence read alone (``ask.ask_sentence``) adds."""
    binary_tf: bool = False
    """A feature counts once however often it occurs (``sublinear_tf`` is then moot)."""
    l2_norm: bool = True
    """The TF-IDF vector is scaled to unit length (absent = true, which older files mean)."""
    gate: LinearModel | None = None
    """A two-stage reading (absent = none): a binary model (classes ``account`` and
    ``not_account``, its own features, weights and temperature) whose probability of an account
    ask gates this model's account intents, read without ``not_account``:
    p(intent) = p(account) · p(intent | account), p(not_account) = 1 - p(account)."""

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
        ask_weight = float(data.get("ask_weight", 0.0))
        if not 0.0 <= ask_weight <= 10.0:
            raise ModelFormatError(f"{where}: ask_weight {ask_weight} is out of range")
        gate = data.get("gate")
        if gate is not None:
            gate = cls.from_dict(gate, where=f"{where} gate")
            if sorted(gate.classes) != [ACCOUNT, NOT_ACCOUNT] or gate.gate is not None:
                raise ModelFormatError(f"{where}: the gate's classes are {list(gate.classes)}")
        return cls(
            classes, intercept, features, sublinear, meta, temperature, headline_weight, ask_weight,
            binary_tf=bool(data.get("binary_tf", False)), l2_norm=bool(data.get("l2_norm", True)),
            gate=gate,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by ``from_dict``."""
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercept": list(self.intercept),
            "sublinear_tf": self.sublinear_tf,
            "binary_tf": self.binary_tf,
            "l2_norm": self.l2_norm,
            "temperature": self.temperature,
            "headline_weight": self.headline_weight,
            "ask_weight": self.ask_weight,
            "meta": dict(self.meta or {}),
            "features": {k: list(v) for k, v in self.features.items()},
            **({"gate": self.gate.to_dict()} if self.gate is not None else {}),
        }

    def scores(self, subject: str, text: str) -> list[tuple[str, float]]:
        """Calibrated class probabilities for a cleaned ticket, highest first."""
        return self.read(subject, text)[0]

    def read(self, subject: str, text: str) -> tuple[list[tuple[str, float]], tuple[str, ...]]:
        """Calibrated class probabilities (highest first) and the classes the headline
        (``subject``) alone reads as, best first (empty without one): the whole reading and
        the short one."""
        scores, headline, _ = self.read_all(subject, text)
        return scores, headline

    def read_all(
        self, subject: str, text: str, *, ask_if: Callable[[tuple[str, ...]], bool] | None = None
    ) -> tuple[list[tuple[str, float]], tuple[str, ...], tuple[str, ...]]:
        """``read``, plus the classes the body's first request sentence alone reads as, best
        first (empty when the body has no request sentence, or when ``ask_if``, given the
        headline's ranking, says it is not wanted; with an ``ask_weight`` it is always read)."""
        if self.gate is not None:
            return self._read_gated(self.gate, subject, text, ask_if)
        logits, headline, ask = self._readings(subject, text, ask_if)
        scaled = [v / self.temperature for v in logits]
        scores = sorted(zip(self.classes, softmax(scaled), strict=True), key=lambda p: -p[1])
        return scores, self._ranked(headline), self._ranked(ask)

    def _read_gated(
        self,
        gate: LinearModel,
        subject: str,
        text: str,
        ask_if: Callable[[tuple[str, ...]], bool] | None,
    ) -> tuple[list[tuple[str, float]], tuple[str, ...], tuple[str, ...]]:
        """``read_all`` of a two-stage model: every reading (whole, headline, ask sentence) is
        the gate's and the intents' own reading of it, combined by ``_gated``."""
        whole, gate_whole = self.logits(subject, text), gate.logits(subject, text)
        head = subject.strip()
        head_rank: tuple[str, ...] = ()
        if head:
            mine, gates = self.logits(head, head), gate.logits(head, head)
            whole = [a + self.headline_weight * b for a, b in zip(whole, mine, strict=True)]
            gate_whole = [a + gate.headline_weight * b
                          for a, b in zip(gate_whole, gates, strict=True)]  # fmt: skip
            head_rank = tuple(c for c, _ in self._gated(mine, gates))
        ask_rank: tuple[str, ...] = ()
        if self.ask_weight or ask_if is None or ask_if(head_rank):
            sentence = ask_sentence(body_of(head, text))
            if sentence:
                mine, gates = self.logits(sentence, sentence), gate.logits(sentence, sentence)
                whole = [a + self.ask_weight * b for a, b in zip(whole, mine, strict=True)]
                gate_whole = [a + gate.ask_weight * b
                              for a, b in zip(gate_whole, gates, strict=True)]  # fmt: skip
                ask_rank = tuple(c for c, _ in self._gated(mine, gates))
        return self._gated(whole, gate_whole), head_rank, ask_rank

    def _gated(self, logits: list[float], gate_logits: list[float]) -> list[tuple[str, float]]:
        """p(account) from the gate's logits times the account intents' softmax (this model's
        ``not_account``, if it has one, left out), and 1 - p(account) for ``not_account``;
        highest first."""
        assert self.gate is not None
        p_gate = dict(zip(self.gate.classes,
                          softmax([v / self.gate.temperature for v in gate_logits]),
                          strict=True))  # fmt: skip
        pairs = [(c, v) for c, v in zip(self.classes, logits, strict=True) if c != NOT_ACCOUNT]
        probs = softmax([v / self.temperature for _, v in pairs])
        out = [(c, p_gate[ACCOUNT] * p) for (c, _), p in zip(pairs, probs, strict=True)]
        out.append((NOT_ACCOUNT, p_gate[NOT_ACCOUNT]))
        return sorted(out, key=lambda p: -p[1])

    def _ranked(self, logits: list[float] | None) -> tuple[str, ...]:
        if logits is None:
            return ()
        return tuple(c for _, c in sorted(zip(logits, self.classes, strict=True), reverse=True))

    def combined_logits(self, subject: str, text: str) -> list[float]:
        """The whole ticket's logits plus ``headline_weight`` times the headline's and
        ``ask_weight`` times the ask sentence's (uncalibrated)."""
        return self._readings(subject, text)[0]

    def _readings(
        self,
        subject: str,
        text: str,
        ask_if: Callable[[tuple[str, ...]], bool] | None = None,
    ) -> tuple[list[float], list[float] | None, list[float] | None]:
        """The combined logits, and the headline's and the ask sentence's alone (None when
        there is none)."""
        combined = self.logits(subject, text)
        head = subject.strip()
        headline = self.logits(head, head) if head else None
        if headline is not None and self.headline_weight:
            w = self.headline_weight
            combined = [a + w * b for a, b in zip(combined, headline, strict=True)]
        if not self.ask_weight and ask_if is not None and not ask_if(self._ranked(headline)):
            return combined, headline, None  # finding the sentence costs; nobody wants it
        sentence = ask_sentence(body_of(head, text))
        ask = self.logits(sentence, sentence) if sentence else None
        if ask is not None and self.ask_weight:
            w = self.ask_weight
            combined = [a + w * b for a, b in zip(combined, ask, strict=True)]
        return combined, headline, ask

    def logits(self, subject: str, text: str) -> list[float]:
        """The raw linear scores per class (in ``classes`` order), before calibration."""
        rows: list[tuple[float, ...]] = []
        values: list[float] = []
        binary, sublinear = self.binary_tf, self.sublinear_tf
        for name, count in count_features(subject, text).items():
            row = self.features.get(name)
            if row is not None:
                tf = 1.0 if binary else (1.0 + math.log(count) if sublinear else float(count))
                rows.append(row)
                values.append(tf * row[0])
        if not rows:
            return list(self.intercept)
        norm = (math.sqrt(sum(v * v for v in values)) or 1.0) if self.l2_norm else 1.0
        xs = [v / norm for v in values]
        # one column per class (the first is the idf): C-level zip and sum, not a Python loop
        columns = list(zip(*rows, strict=True))[1:]
        return [
            b + sum(map(operator.mul, xs, col))
            for b, col in zip(self.intercept, columns, strict=True)
        ]


def body_of(head: str, text: str) -> str:
    """The body of a cleaned ticket ``text``, which starts with its headline ``head``."""
    if text.startswith(head):
        return text[len(head) :]
    if not head:
        return text
    lines = head.count("\n") + 1
    parts = text.split("\n", lines)
    return parts[lines] if len(parts) > lines else ""


def softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
