"""
Finding people, logins, applications and groups in ticket text, as written.

Patterns are anchored on the cue words people use ("for my new hire", "username:", "add me to
the … group", "line manager is …") so free text does not turn every capitalised pair into a
person; the application is matched against the configured catalogue, exactly first and then
fuzzily for misspellings ("confluance").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from intake.config import AppEntry


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_NAMES = _words(
    "hi hello dear team thanks thank please regards kind best the a an it is are was this that "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december today tomorrow access account "
    "password new starter hire user admin manager group role it-support support helpdesk "
    "service desk ad active directory microsoft google office vpn mfa my our her his their "
    "i we you he she they request requests form forms service services action actions ticket "
    "project portal"
)
_COMMON_WORDS = _words(
    "is the a an for to of and or my me please locked unlocked expired disabled has have was "
    "not no with on in at from that this it be been reset access account name id needs need "
    "will can could would should as by currently wrong attempts attempt details detail request "
    "form still being correct incorrect inactive active suspended blocked invalid valid e.g eg "
    "failed issue issues problem"
)
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
_GROUP_AFTER = re.compile(
    r"(?i:\b(?:security\s+group|distribution\s+list|mailing\s+list|group|dl|role|channel|"
    r"shared\s+mailbox|team)\s*(?::|called|named)?)\s*[\"'“`]?"
    r"([A-Za-z0-9][\w.\-&/]{1,60}(?:[ \t]+[A-Z][\w.\-&/]*){0,3})"
)
_GROUP_KIND = re.compile(
    r"\b(?:security\s+group|distribution\s+list|mailing\s+list|group|dl|role|team|"
    r"org(?:ani[sz]ation)?)s?\b",
    re.IGNORECASE,
)
_NOT_GROUP_NAMES = _words(
    "member members lead leader leads admin admins owner owners manager managers vault vaults "
    "account accounts access write read maintain permission permissions grant give add remove "
    "new join joining request requesting join whole entire other same"
)
_EDITION = re.compile(r"[ \t]([A-Z][A-Za-z0-9+]*)\b")
_NOT_EDITION = _words(
    "account accounts license licence licenses licences login log user username id access "
    "admin administrator password team group org organization request requests issue seat seats "
    "subscription portal page site channel the for and or to of in on"
)


def _edition(text: str, at: int) -> str:
    """The capitalised words after a catalogue name that belong to it: "Adobe" + " Acrobat Pro"."""
    kept = ""
    for _ in range(3):
        more = _EDITION.match(text, at + len(kept))
        if more is None or more.group(1).lower() in _NOT_EDITION | _NOT_NAMES:
            break
        kept += more.group(0)
    return kept


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*[A-Za-z0-9+]|[A-Za-z]")
FUZZY_CUTOFF = 86.0
FUZZY_CHARS = 1500


def _clean_name(candidate: str) -> str | None:
    words = candidate.split()
    while words and words[-1].lower() in _NOT_NAMES:
        words.pop()
    if len(words) < 2 or any(w.lower() in _NOT_NAMES for w in words):
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


def find_target_name(text: str) -> str | None:
    """A "First Last" name introduced as the person the ask is for, or a form's name field."""
    for match in _FORM_NAME.finditer(text):
        name = _clean_name(match.group(1).strip())
        if name:
            return name
    for pattern in (_TARGET_CUES, _NAME_THEN_NEED):
        for match in pattern.finditer(text):
            name = _clean_name(match.group(1))
            if name:
                return name
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
    "First Last" or "First L." that begins with it elsewhere ("Tim Shumway", "Trisha S.")."""
    if len(name.split()) != 1:
        return name
    fuller = re.compile(rf"\b{re.escape(name)}[ \t]+([A-Z][a-z'\u2019-]+\b|[A-Z]\.(?!\w))")
    for text in texts:
        match = fuller.search(text)
        if match and match.group(1).lower() not in _NOT_NAMES | _COMMON_WORDS:
            return match.group(0)
    return name


def find_subject_person(subject: str) -> str | None:
    """A person the subject names as the ask's target: "Access for Fred Eisele", "Deactivate
    Matt S's accounts", "Onboard Patrick M.", "Knack login issue - Milad M."."""
    for pattern in _SUBJECT_PERSON:
        for match in pattern.finditer(subject):
            name = match.group(1).strip()
            if name.split()[0].lower() not in _NOT_NAMES | _COMMON_WORDS:
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


def find_login(text: str) -> str | None:
    """A login given after a cue ("username: jdoe", "CORP\\jdoe", "remove @jdoe", "user jdoe is
    locked", "Player ID 1234"), never a plain word; of several, the first the text gives."""
    domain = _DOMAIN_LOGIN.search(text) or _NAME_THEN_LOGIN.search(text)
    if domain:
        return domain.group(domain.lastindex or 1)
    for renamed in _RENAMED.finditer(text):
        if renamed.group(1).lower() not in _COMMON_WORDS:
            return renamed.group(1)
    found: list[tuple[int, str]] = []
    for match in _LOGIN.finditer(text):
        token = match.group(1).rstrip(".-_")
        if token.lower() not in _COMMON_WORDS and "@" not in token:
            found.append((match.start(), token))
            break
    for pattern in (_MENTION, _NUMBER_ID, _STATE_LOGIN):
        for match in pattern.finditer(text):
            if match.group(1).lower() not in _COMMON_WORDS:
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


_GROUP_WORD = re.compile(r"^(?:[A-Z0-9][\w&.'-]*|[a-z][a-z]*[0-9_.-][\w.-]*|&)$")
"""A word of a group's name: capitalised ("Platform"), a slug ("finance-reports", "sso_ops",
"libp2p") or an ampersand; a plain lowercase word ("only", "uses") is prose."""
_GROUP_PART = re.compile(r"^(?:[A-Za-z0-9][\w&.'-]*|&)$")
"""Any word of a group's name once it has started: "AP approvers", "bcgov and bcgov-c"."""
_GREETINGS = _words("dear hello hi hey")


def find_group(text: str, applications: Sequence[AppEntry] = ()) -> str | None:
    """A group, team, org or role named next to its kind ("the finance-reports group", "role:
    X", "the Platform team"); a kind word capitalised like the name is part of it ("the Release
    Working Group")."""
    for match in _GROUP_KIND.finditer(text):
        if text[match.end() : match.end() + 2].lstrip().startswith(":"):
            continue
        kept: list[str] = []
        before = text[max(0, match.start() - 80) : match.start()].split("\n")[-1]
        words = before.split()[-4:]
        for word in reversed([w.strip("\"'“”`") for w in words]):
            low = word.lower()
            if low in _COMMON_WORDS | _NOT_NAMES | _NOT_GROUP_NAMES or not _GROUP_PART.match(word):
                break
            if re.search(r"['\u2019]s$", word):
                break  # "Sofia's team": whose team, not its name
            kept.insert(0, word)
        greeted = len(kept) < len(words) and words[-len(kept) - 1].lower() in _GREETINGS
        while kept and not _GROUP_WORD.match(kept[0]):
            kept.pop(0)  # a name starts with a capital or a slug: "AP approvers", not "uses X"
        # "our GitHub team", "the Slack org": the platform that holds a group is not the group
        platform = bool(kept) and _is_application(kept[-1], applications)
        if kept and not greeted and not platform:
            kind = match.group(0)
            proper = kind[:1].isupper() and kept[-1][:1].isupper()
            return " ".join([*kept, kind] if proper else kept)
    for match in _GROUP_AFTER.finditer(text):
        token = match.group(1).rstrip(".,")
        first = token.split()[0]
        if (
            token.lower() not in _COMMON_WORDS | _NOT_GROUP_NAMES
            and len(token) > 1
            and _GROUP_WORD.match(first)
            and "/" not in token
            and first.lower() not in _COMMON_WORDS | _NOT_GROUP_NAMES
        ):
            return token
    return None


def _is_application(word: str, applications: Sequence[AppEntry]) -> bool:
    return bool(applications) and word.lower() in _index_of(applications)[1]


_Index = tuple[re.Pattern[str], dict[str, str], list[str]]
_LAST_INDEX: list[tuple[Sequence[AppEntry], _Index]] = []


def _index_of(applications: Sequence[AppEntry]) -> _Index:
    """The catalogue's index; the same catalogue object as last time skips hashing its entries."""
    if _LAST_INDEX and _LAST_INDEX[0][0] is applications:
        return _LAST_INDEX[0][1]
    index = _catalogue_index(tuple(applications))
    _LAST_INDEX[:] = [(applications, index)]
    return index


@functools.lru_cache(maxsize=16)
def _catalogue_index(applications: tuple[AppEntry, ...]) -> _Index:
    names: dict[str, str] = {}
    for app in applications:
        for alias in (app.name, *app.aliases):
            names[alias.lower()] = app.name
    ordered = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in ordered) + r")\b", re.IGNORECASE)
    fuzzy_keys = [a for a in ordered if len(a) >= 5 and " " not in a]
    return pattern, names, fuzzy_keys


def only_application(text: str, applications: Sequence[AppEntry]) -> str | None:
    """The one catalogue application the text mentions, as written (exact aliases only); None
    when it mentions none or several (a checklist of systems names no single one)."""
    if not applications:
        return None
    pattern, names, _ = _index_of(applications)
    first: re.Match[str] | None = None
    for match in pattern.finditer(text):
        if first is None:
            first = match
        elif names[match.group(1).lower()] != names[first.group(1).lower()]:
            return None
    return first.group(1) + _edition(text, first.end(1)) if first else None


def find_application(text: str, applications: Sequence[AppEntry]) -> tuple[str | None, str | None]:
    """The catalogue name and the text as written of the first application mentioned."""
    if not applications:
        return None, None
    pattern, names, fuzzy_keys = _index_of(applications)
    exact = pattern.search(text)
    if exact:
        return names[exact.group(1).lower()], exact.group(1) + _edition(text, exact.end(1))
    for word in _WORD.findall(text[:FUZZY_CHARS]):
        if len(word) < 5 or word.lower() in _COMMON_WORDS:
            continue
        best = process.extractOne(
            word.lower(), fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            return names[best[0]], word
    return None, None


_PRODUCT = r"([A-Z][\w+-]*(?:\.[\w-]+)*(?:[ \t][A-Z][\w+-]*){0,2}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)"
_APP_WRITTEN = (
    re.compile(
        r"\b(?i:my|a|an|the|our|your|new|additional|get|need|needs|request|requesting|renew|buy|"
        rf"purchase|activate)[ \t]+{_PRODUCT}[ \t]+(?i:(?:software|desktop|app|application|pro)"
        r"[ \t]+)?(?:account|licen[cs]es?|log-?in|user[ \t]*(?:id|name)|username|seats?|"
        r"subscription|access)\b"
    ),
    re.compile(
        r"(?i:\b(?:access|log[ \t]*in|login|sign[ \t]*in|locked[ \t]+out)[ \t]+(?:to|into|at|on|of)"
        rf"[ \t]+(?:the[ \t]+|my[ \t]+)?){_PRODUCT}"
    ),
    re.compile(
        rf"^(?:\[[^\]]{{1,20}}\][ \t]*)?{_PRODUCT}[ \t]+(?i:(?:user[ \t]+)?(?:account|licen[cs]e|"
        r"access|login))\b",
        re.MULTILINE,
    ),
    re.compile(rf"(?i:\blicen[cs]es?[ \t]+(?:for|of|to)[ \t]+(?:the[ \t]+)?){_PRODUCT}"),
    re.compile(
        r"(?i:\b(?:unable|cannot|can'?t|can not|not able)[ \t]+(?:to[ \t]+)?(?:access|log[ \t]*in"
        rf"(?:[ \t]*to)?|sign[ \t]*in(?:[ \t]*to)?)[ \t]+(?:the[ \t]+|my[ \t]+)?){_PRODUCT}"
    ),
    re.compile(rf"\b{_PRODUCT}[ \t]+(?i:log-?in|sign-?in)[ \t]+(?i:issues?|problems?|errors?)\b"),
    re.compile(
        r"(?i:\b(?:group|space|project|channel|role|folder|board|repo(?:sitory)?)[ \t]+(?:in|on)"
        rf"[ \t]+(?:the[ \t]+)?){_PRODUCT}"
    ),
)
_NOT_PRODUCTS = _NOT_NAMES | _words(
    "account accounts license licence login user users new old it get need needs request "
    "requesting please help pro premium cannot unable locked grant write read maintainer "
    "maintainers hello hi team admin accounts access remove add urgent create creating update "
    "updating change changing enable disable delete lost organization organisation org teams "
    "groups group members member"
)
_GROUP_WORDS = re.compile(
    r"[ \t]+(?:groups?|teams?|org|orgs|organi[sz]ations?|channels?|(?:mailing|distribution)"
    r"[ \t]+lists?)\b",
    re.IGNORECASE,
)


def find_application_written(text: str) -> str | None:
    """An application named next to account words ("my PyPI account", "access to Knack")."""
    for pattern in _APP_WRITTEN:
        for match in pattern.finditer(text):
            if _GROUP_WORDS.match(text, match.end(1)):
                continue  # "access to the Hosting team": a group, not an application
            words = match.group(1).split()
            while words and words[0].lower() in _NOT_PRODUCTS:
                words.pop(0)
            product = " ".join(words)
            if product and product.lower() not in _NOT_PRODUCTS and len(product) > 1:
                return product
    return None
