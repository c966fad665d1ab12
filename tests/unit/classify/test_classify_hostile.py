"""Bodies written to make the classifier slow: every one is read in linear time, the same way."""

from __future__ import annotations

import random
import re
import time
import unicodedata
from datetime import UTC, datetime

import pytest

from intake.classifier import features
from intake.classify import Classifier
from intake.config import ClassifierSettings
from worker.wiring.files import load_classifier

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SIZE = 200_000
"""Characters of each hostile body (a desk accepts this much in one description)."""
BOUND_S = 10.0
"""Generous for a slow CI machine: each body reads in well under a second now, and the
e-mail pattern's backtracking took 31 s for 5,000 ``@`` (hours for 200 KB) before."""
REFERENCE = re.compile(r"\S+@\S+\.\w+")
"""What counts as an e-mail address in the features (the model was trained with it)."""


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings())


@pytest.mark.parametrize(
    "unit",
    ["@", "a@", "@.", "a@b.", "x.y@", "@a.b@", "a.", "1-", "a-b.", "john.doe ", "[a.b] ",
     "https://", "<blockquote>", "> quoted\n", "```\n"],
    ids=["at", "word-at", "at-dot", "address-no-tld", "dot-at", "two-ats", "word-dot", "digit-dash",
         "host-no-tld", "dotted-names", "bracketed-host", "url-scheme", "blockquote",
         "quote-lines", "open-fence"],
)  # fmt: skip
def test_a_hostile_body_is_classified_in_bounded_time(classifier: Classifier, unit: str) -> None:
    """200 KB of one repeated pattern is read and classified within the bound."""
    body = (unit * (SIZE // len(unit) + 1))[:SIZE]

    started = time.perf_counter()
    result = classifier.classify_text(body[:200], body, now=NOW)
    elapsed = time.perf_counter() - started

    assert elapsed < BOUND_S, f"{elapsed:.1f} s for {unit!r}"
    assert result.intent  # read to the end, not given up on


def _folded_by_pattern(text: str) -> str:
    """``features._fold`` as it was written with the pattern (the training-time reading)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"https?://\S+", " zurl ", REFERENCE.sub(" zemail ", text))


@pytest.mark.parametrize(
    "text",
    ["mail ana.lopez@example.com today", "a@b.c", "@b.c", "a@.c", "a@b.", "a@b.c.", "a@b.c!x",
     "a@b@c.d", "x@y.z and p@q.r", "@@@@", "a@b..c", "a@b.c_d-e", "é@ü.ß", "a@b.c\u00a0d@e.f",
     "see https://x.example/a@b.c", "a.b.c@d", "name@host.com,other@host.org"],
    ids=["sentence", "minimal", "no-local-part", "empty-domain-label", "no-tld", "trailing-dot",
         "then-punctuation", "two-ats", "two-addresses", "only-ats", "double-dot", "word-tail",
         "accented", "no-break-space", "inside-url", "dots-before-at", "comma-joined"],
)  # fmt: skip
def test_addresses_are_masked_as_the_pattern_masks_them(text: str) -> None:
    """The one-pass masking reads each of these exactly as the pattern did."""
    assert _folded_by_pattern(text) == features._fold(text)


def test_random_runs_are_masked_as_the_pattern_masks_them() -> None:
    """20,000 short random strings of the characters that matter: no difference."""
    rng = random.Random(20261208)
    alphabet = ["a", "Z", "@", ".", "_", "-", " ", "\n", "é", "1", "!", "\uff0e", "x.y", "@a.b"]
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20_000)
    ]

    differ = [t for t in texts if _folded_by_pattern(t) != features._fold(t)]

    assert [] == differ
