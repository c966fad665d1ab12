"""
Features of a ticket for the linear model: the same function at training and at inference.

Word unigrams and bigrams without stop words (the Endava tickets were published without them,
so dropping ours makes the two sources speak alike), subject words once more with an ``s:``
prefix (the subject carries the ask more often than the body), the opening words of the body
once more with an ``o:`` prefix (the ask comes before the details), English glosses of German,
French and Spanish account words (``gloss.py``), and character 3-4-grams of each content word
so misspellings and inflections ("licence", "licenses") share evidence.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

from intake.classifier.gloss import gloss


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _words(
    "a an the and or but if of to in on at by for with from as is are was were be been being "
    "i me my we our you your he him his she her they them their it its this that these those "
    "am do does did have has had will would shall should can could may might must not no "
    "so than too very just also please pls hi hello dear thanks thank regards kind best "
    "there here what which who whom when where why how all any both each few more most other "
    "some such only own same into about up down out over under again then once re fw fwd "
    "us let know get got go"
)
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:[-_'][a-z0-9]+)*")
_RUN = re.compile(r"\S+")
_WORD_CHARS = re.compile(r"\w+")
_URL = re.compile(r"https?://\S+")
OPENING_WORDS = 25
"""Content words at the start of the body that count once more (``o:``): the ask comes first."""
CHAR_TEXT_CAP = 1200
"""Characters of content words that char n-grams are taken from (they dominate the cost)."""
CHAR_GRAM_SIZES: tuple[int, ...] = (3, 4)
"""The lengths of the character n-grams (of a word padded with a space at each end)."""
CHAR_GRAMS_ONCE = False
"""Each character n-gram counts once however many words carry it (the words keep their counts)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _URL.sub(" zurl ", _RUN.sub(_masked_email, text))


def _masked_email(run: re.Match[str]) -> str:
    """
    One run of non-space characters with what ``\\S+@\\S+\\.\\w+`` matches in it (from the
    run's start to the last ``.`` and word characters after an ``@``) as ``zemail``, in one pass.

    The pattern itself backtracks over each ``@`` and ``.`` from every starting point: a body of
    5,000 ``@`` took 31 s to read and 200 KB of them hours. Its match always starts where the
    run does (a longer ``\\S+`` matches wherever a shorter one does) and ends after the word
    characters of the last ``.`` that has a word character after it and at least one character
    between it and the run's first ``@`` after its first character, so that is computed directly.
    """
    text = run.group()
    at = text.find("@", 1)
    if at < 0:
        return text
    dot = len(text)
    while (dot := text.rfind(".", at + 2, dot)) >= 0:
        words = _WORD_CHARS.match(text, dot + 1)
        if words is not None:
            return " zemail " + text[words.end() :]
    return text


def content_words(text: str) -> list[str]:
    """Lower-cased, accent-folded tokens without stop words; e-mails and URLs become markers."""
    return [t for t in _TOKEN.findall(_fold(text)) if t not in STOP_WORDS and len(t) > 1]


def _char_grams(words: list[str]) -> list[str]:
    grams: list[str] = []
    used = 0
    for word in words:
        used += len(word) + 1
        if used > CHAR_TEXT_CAP:
            break
        padded = f" {word} "
        for n in CHAR_GRAM_SIZES:
            grams.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return list(dict.fromkeys(grams)) if CHAR_GRAMS_ONCE else grams


def _opening(subject: str, text: str) -> list[str]:
    head = subject.strip()
    body = text[len(head) :] if head and text.startswith(head) else text
    return content_words(body[: OPENING_WORDS * 12])[:OPENING_WORDS]


def extract_features(subject: str, text: str) -> list[str]:
    """The feature names of one ticket (with repeats: counts are term frequencies)."""
    words = content_words(text)
    feats = ["w:" + w for w in words + gloss(words)]
    feats.extend(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    subject_words = content_words(subject)
    feats.extend("s:" + w for w in subject_words + gloss(subject_words))
    feats.extend("o:" + w for w in _opening(subject, text))
    feats.extend(_char_grams(words))
    return feats


def count_features(subject: str, text: str) -> Counter[str]:
    """``extract_features`` as counts."""
    return Counter(extract_features(subject, text))
