"""
Finding people, logins and managers in ticket text, as written (applications and groups:
``products.py``).

Patterns are anchored on the cue words people use ("for my new hire", "username:", "line
manager is …") so free text does not turn every capitalised pair into a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def words(text: str) -> frozenset[str]:
    """A word list written as one string."""
    return frozenset(text.split())


NOT_NAMES = words(
    "hi hello dear team thanks thank please regards kind best the a an it is are was this that "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today tomorrow access account "
    "password new starter hire user admin manager group role it-support support helpdesk "
    "service desk ad active directory microsoft google office vpn mfa my our her his their "
    "i we you he she they request requests form forms service services action actions ticket "
    "project portal"
)
COMMON_WORDS = words(
    "is the a an for to of and or my me please locked unlocked expired disabled has have was "
    "not no with on in at from that this it be been reset access account name id needs need "
    "will can could would should as by currently wrong attempts attempt details detail request "
    "form still being correct incorrect inactive active suspended blocked invalid valid e.g eg "
    "failed issue issues problem"
)
TOPIC_WORDS = words(
    "urgent question error bug feature task title contact monitoring action required rfe feat "
    "performance offboard offboarding onboarding onboard support request requests note fyi info "
    "help idea proposal docs documentation chore fix enhancement update reminder re fw fwd aw wg "
    "tr sv subject ticket incident case important follow follow-up status ref attention notice "
    "alert warning asap"
)
"""Words a subject is tagged with that name a topic, not a product ("[URGENT]", "Question:",
"RE:")."""
_NAME_WORD = r"[A-Z][a-zà-ÿ'\u2019\-]+"
_FULL_NAME = rf"({_NAME_WORD}(?:[ \t]+(?:van|de|der|von|da|di|le|la|O')?[ \t]*{_NAME_WORD}){{1,2}})"
_TARGET_CUES = re.compile(
    r"(?i:\bfor\s+(?:my|our|the|a)?\s*(?:new\s+)?(?:hire|starter|joiner|employee|colleague|"
    r"team\s*member|intern|contractor|report|direct\s+report)?|\bon\s+behalf\s+of|"
    r"\b(?:new\s+)?(?:hire|starter|joiner|leaver|employee|colleague|contractor|intern|user)"
    r"(?:\s+name)?\s*:?|\bname\s*:|\bmy\s+name\s+is|\b(?:add|give|grant|remove|unlock|reset|"
    r"disable|offboard(?:ing)?(?:\s+of)?)"
    r"(?:\s+user)?)"
    rf"[\s,:\-\u2013]+{_FULL_NAME}"
)
_FORM_NAME = re.compile(
    r"^\s*(?i:(?:employee|full|user|starter|leaver|display|new\s+user)?\s*name)\s*[:=]\s*"
    r"([^\n,;]{3,60})$",
    re.MULTILINE,
)
_LOGIN = re.compile(
    r"(?i:\b(?:user\s*name|user\s*id|userid|login(?:\s+name)?|samaccountname|uid|github\s+id|"
    r"account(?:\s+name)?)\s*(?:is\b|was\b|:|=|-)\s*|\b(?:user\s*name|login|user\s*id|github\s+id)"
    r"\s+(?=[\"'`]?[A-Za-z][A-Za-z]*[0-9._-]))"
    r"[\"'`]?([A-Za-z][A-Za-z0-9._-]{1,39})",
)
_MENTION = re.compile(
    r"(?i:\b(?:for|remove|add|invite|offboard(?:ing)?(?:\s+of)?|grant|revoke|deactivate|"
    r"membership\s+for|access\s+for|i)\s+\(?)@([A-Za-z0-9][A-Za-z0-9_-]{0,38})"
)
_DOMAIN_LOGIN = re.compile(r"\b[A-Z][A-Z0-9-]{1,14}\\([A-Za-z][A-Za-z0-9._-]{1,39})\b")
_MANAGER = re.compile(
    r"(?i:\b(?:line\s+|reporting\s+|new\s+)?manager(?:\s+is|\s+will\s+be|\s+to|\s+should\s+be)?"
    r"\s*:?|\breports?\s+to|\bapproved\s+by)\s+"
    rf"(?:{_FULL_NAME}|([A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{{2,}}))"
)


def _clean_name(candidate: str) -> str | None:
    words = candidate.split()
    while words and words[-1].lower() in NOT_NAMES:
        words.pop()
    if len(words) < 2 or any(w.lower() in NOT_NAMES for w in words):
        return None
    return " ".join(words)


_NAME_THEN_NEED = re.compile(
    rf"(?:^|[.!?][ \t]+)[ \t]*(?:[-*][ \t]+)?{_FULL_NAME}[ \t]+(?:"
    r"(?i:needs|requires|would[ \t]+like|wants|is[ \t]+requesting|cannot|can'?t|can[ \t]+not|"
    r"(?:is|was)[ \t]+(?:unable|not[ \t]+able))"
    r"(?=[^.\n]{0,60}\b(?i:access|accounts?|licen[cs]es?|log-?in|sign[ \t]+in|password|"
    r"permissions?|seats?|mfa|2fa|unlock(?:ed)?|reset|added|removed)\b)"
    r"|(?i:has[ \t]+left|left|is[ \t]+leaving|will[ \t]+be[ \t]+leaving|no[ \t]+longer|"
    r"(?:is|was|has[ \t]+been)[ \t]+locked))\b",
    re.MULTILINE,
)
"""A sentence whose subject is the person the ask is for: "Jane Doe needs a Visio licence"."""


_INITIALLED = r"[A-Z][a-z'\u2019-]+[ \t][A-Z]\.?"
_INITIALLED_LIST = re.compile(
    rf"(?:^|[:.][ \t]+)[ \t]*(?:[-*\u2022][ \t]+)?({_INITIALLED})(?:,?[ \t]+and[ \t]+|,[ \t]*|"
    rf"[ \t]*\n[ \t]*[-*\u2022][ \t]+){_INITIALLED}(?![\w'\u2019-])",
    re.MULTILINE,
)
"""People listed as first name and initial, as some desks write them ("Omar T, Lena V and
Joao P.", a bullet list "- Ines R." "- Tomas B."): the first is the target as written."""


def find_target_name(text: str) -> str | None:
    """A "First Last" name introduced as the person the ask is for, or a form's name field; else
    the first of a list of people written "First L."."""
    for match in _FORM_NAME.finditer(text):
        name = _clean_name(match.group(1).strip())
        if name:
            return name
    for pattern in (_TARGET_CUES, _NAME_THEN_NEED):
        for match in pattern.finditer(text):
            name = _clean_name(match.group(1))
            if name:
                return name
    for match in _INITIALLED_LIST.finditer(text):
        if match.group(1).split()[0].lower() not in NOT_NAMES | COMMON_WORDS:
            return match.group(1)
    return None


_PERSON = r"((?:(?:Mr|Ms|Mrs|Dr)\.?[ \t]+)?[A-Z][a-z]+(?:[ \t][A-Z][a-z]+|[ \t][A-Z]\.?){0,2})"
_SUBJECT_PERSON = (
    re.compile(rf"\bfor[ \t]+{_PERSON}[ \t]*(?:[-(\[,:]|$)"),
    re.compile(
        r"\b(?i:onboard(?:ing)?|offboard(?:ing)?|deactivate|disable|remove|add(?:ing)?)[ \t:]+"
        rf"{_PERSON}(?:'s)?[ \t]*(?:\b(?i:from|to|accounts?)\b|,|\W*$)"
    ),
    re.compile(rf"[ \t][-\u2013][ \t]+{_PERSON}[ \t]*$"),
)


def fuller_name(name: str, texts: Sequence[str]) -> str:
    """``name`` as a text spells it more fully: a first name alone ("Tim", "Trisha") becomes the
    "First Last", "First L." or "First L" that begins with it elsewhere ("Tim Shumway", "Trisha
    S.", "Trisha S" signing a message)."""
    if len(name.split()) != 1:
        return name
    fuller = re.compile(
        rf"\b{re.escape(name)}[ \t]+([A-Z][a-z'\u2019-]+\b|[A-Z]\.(?!\w)|(?![AI]\b)[A-Z](?![\w.'\u2019-]))"
    )
    for text in texts:
        match = fuller.search(text)
        if match and match.group(1).lower() not in NOT_NAMES | COMMON_WORDS:
            return match.group(0)
    return name


def find_subject_person(subject: str) -> str | None:
    """A person the subject names as the ask's target: "Access for Fred Eisele", "Deactivate
    Matt S's accounts", "Onboard Patrick M.", "Knack login issue - Milad M."."""
    for pattern in _SUBJECT_PERSON:
        for match in pattern.finditer(subject):
            name = match.group(1).strip()
            if name.split()[0].lower() not in NOT_NAMES | COMMON_WORDS:
                return name
    return None


_NAME_THEN_LOGIN = re.compile(rf"{_FULL_NAME}[ \t]*\(@?([a-z][a-z0-9._-]{{1,38}})\)")
_RENAMED = re.compile(
    r"(?i:\b(?:user[ \t]*name|login|handle|user[ \t]*id|account[ \t]+name)[ \t]+(?:from[ \t]+)?)"
    r"[\"'`]?@?([A-Za-z0-9][\w.-]{0,38}?)[\"'`]?\s+(?i:(?:be\s+|to\s+be\s+)?(?:renamed|changed)\s+)?"
    r"(?i:to|into)\s+[\"'`]?@?[A-Za-z0-9]"
)
"""The login as it is now in a rename: "change my username from jdoe1 to jdoe", "could my
username jdoe1 be renamed to jdoe"."""
_NUMBER_ID = re.compile(
    r"(?i:\b(?:player|member|customer|account|user|employee)\s*(?:id|number|no\.?|#))"
    r"\s*(?:is\s+)?[:#=]?\s*(\d{3,12})\b"
)
"""An account known by a number: "Player ID 1234567", "member number: 80412"."""
_STATE_LOGIN = re.compile(
    r"(?i:\b(?:user|account)\s+)[\"'`]?([A-Za-z][\w.-]{1,38})[\"'`]?\s+"
    r"(?i:(?:is\s+|was\s+|has\s+been\s+|got\s+|gets\s+)?(?:locked|disabled|blocked|suspended|"
    r"deactivated)\b)"
)
"""A login the sentence says is locked or disabled: "user jdoe locked", "account ops2 is
disabled"."""


_QUOTED_ACCOUNT = re.compile(
    r"(?i:\b(?:password|account|log-?in)[ \t]+(?:for|of)[ \t]+(?:the[ \t]+(?:user|account)[ \t]+)?)"
    r"[(\"'`\u201c\u2018][ \t]*([A-Za-z][\w.-]{1,38})[ \t]*[)\"'`\u201d\u2019]"
)
"""An account set apart in brackets or quotes after "password for": "the password for (OPS2)",
"reset the account of 'ops2'"."""


def find_login(text: str) -> str | None:
    """A login given after a cue ("username: jdoe", "CORP\\jdoe", "remove @jdoe", "user jdoe is
    locked", "Player ID 1234", "the password for (OPS2)"), never a plain word; of several, the
    first the text gives."""
    domain = _DOMAIN_LOGIN.search(text) or _NAME_THEN_LOGIN.search(text)
    if domain:
        return domain.group(domain.lastindex or 1)
    for renamed in _RENAMED.finditer(text):
        if renamed.group(1).lower() not in COMMON_WORDS:
            return renamed.group(1)
    found: list[tuple[int, str]] = []
    for match in _LOGIN.finditer(text):
        token = match.group(1).rstrip(".-_")
        if token.lower() not in COMMON_WORDS and "@" not in token:
            found.append((match.start(), token))
            break
    for pattern in (_MENTION, _NUMBER_ID, _STATE_LOGIN, _QUOTED_ACCOUNT):
        for match in pattern.finditer(text):
            if match.group(1).lower() not in COMMON_WORDS:
                found.append((match.start(), match.group(1)))
                break
    return min(found)[1] if found else None


def find_manager(text: str) -> str | None:
    """The manager named after "manager is", "reports to", "approved by"… as written."""
    for match in _MANAGER.finditer(text):
        if match.group(2):
            return match.group(2)
        name = _clean_name(match.group(1))
        if name:
            return name
    return None
