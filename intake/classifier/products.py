"""
Finding applications and groups in ticket text, as written.

An application is matched against the configured catalogue, exactly first and then fuzzily for
misspellings ("confluance"), or read where the text names a product next to account words ("my
PyPI account", "access to Knack"); a group, team, org or role is read beside its kind word ("the
finance-reports group", "role: Sales Manager").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from rapidfuzz import fuzz, process

from intake.classifier.names import COMMON_WORDS, NOT_NAMES, TOPIC_WORDS, words
from intake.config import AppEntry

_GROUP_AFTER = re.compile(
    r"(?i:\b(?:security\s+group|distribution\s+list|mailing\s+list|group|dl|role|channel|"
    r"shared\s+mailbox|team)[ \t]*(?::|called|named)?)[ \t]*[\"'“`]?"
    r"([A-Za-z0-9][\w.\-&/]{1,60}(?:[ \t]+[A-Z][\w.\-&/]*){0,3})"
)
_GROUP_KIND = re.compile(
    r"\b(?:security\s+group|distribution\s+list|mailing\s+list|group|dl|role|team|"
    r"org(?:ani[sz]ation)?)s?\b",
    re.IGNORECASE,
)
_NOT_GROUP_NAMES = words(
    "member members lead leader leads admin admins owner owners manager managers vault vaults "
    "account accounts access write read maintain permission permissions grant give add remove "
    "new join joining request requesting join whole entire other same cleanup clean invite revoke "
    "delete archive"
)
_EDITION = re.compile(r"[ \t]([A-Z][A-Za-z0-9+]*)\b")
_NOT_EDITION = words(
    "account accounts license licence licenses licences login log user username id access "
    "admin administrator password team group org organization request requests issue seat seats "
    "subscription portal page site channel the for and or to of in on file files folder folders "
    "cleanup setup install installation activation deactivation removal renewal reset update "
    "upgrade problem error"
)


def _edition(text: str, at: int) -> str:
    """The capitalised words after a catalogue name that belong to it: "Adobe" + " Acrobat Pro"."""
    kept = ""
    for _ in range(3):
        more = _EDITION.match(text, at + len(kept))
        if more is None or more.group(1).lower() in _NOT_EDITION | NOT_NAMES:
            break
        kept += more.group(0)
    return kept


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*[A-Za-z0-9+]|[A-Za-z]")
FUZZY_CUTOFF = 86.0
FUZZY_CHARS = 1500

_GROUP_WORD = re.compile(r"^(?:[A-Z0-9][\w&.'-]*|[a-z][a-z]*[0-9_.-][\w.-]*|&)$")
"""A word of a group's name: capitalised ("Platform"), a slug ("finance-reports", "sso_ops",
"libp2p") or an ampersand; a plain lowercase word ("only", "uses") is prose."""
_GROUP_PART = re.compile(r"^(?:[A-Za-z0-9][\w&.'-]*|&)$")
"""Any word of a group's name once it has started: "AP approvers", "bcgov and bcgov-c"."""
_GREETINGS = words("dear hello hi hey thank thanks")
"""Words before a team that address it ("Hello Support Team", "thank you to the PyPI team")."""
_MEMBERS = re.compile(r"[ \t]+(?:members?|mates?|leads?)\b", re.IGNORECASE)
_INTO = words("to into from join")
_OWN_GROUP = re.compile(
    r"(?i:\b(?:i|we)(?:'m|'re|\s+am|\s+are)\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,2}|part\s+|also\s+)?"
    r"(?:with|on|in|of|for|from|at)|\b(?:i|we)\s+(?:work|belong)\s+(?:in|on|for|with|to|at))"
    r"\s+(?:the\s+|our\s+)?$"
)
"""Words that make the group the requester's own ("I am with the Survey team", "I am the project
coordinator for the Harbor Team"): who asks, not the group asked for."""
"""Words before a lowercase name that make it a group's name ("add me to release team")."""


def find_group(text: str, applications: Sequence[AppEntry] = ()) -> str | None:
    """A group, team, org or role named next to its kind ("the finance-reports group", "role:
    X", "the Platform team"); a kind word capitalised like the name is part of it ("the Release
    Working Group")."""
    for match in _GROUP_KIND.finditer(text):
        if text[match.end() : match.end() + 2].lstrip().startswith(":"):
            continue
        if text[max(0, match.start() - 1) : match.start()] in (".", "/", "@", "-"):
            continue  # "pypi.org", "/teams/", "the ops-team list": a link or a slug
        if _MEMBERS.match(text, match.end()):
            continue  # "associated team members": people, not a group's name
        kept: list[str] = []
        before = text[max(0, match.start() - 80) : match.start()].split("\n")[-1]
        words = [w.strip("\"'“”`") for w in before.split()[-6:]]
        for at in range(len(words) - 1, max(-1, len(words) - 6), -1):
            word = words[at]
            low = word.lower()
            listed = low == "and" and kept and at > 0 and _GROUP_WORD.match(kept[0])
            if not listed and (
                low in COMMON_WORDS | NOT_NAMES | _NOT_GROUP_NAMES or not _GROUP_PART.match(word)
            ):
                break
            if re.search(r"['\u2019]s$", word):
                break  # "Sofia's team": whose team, not its name
            kept.insert(0, word)
        at = len(words) - len(kept) - 1
        greeted = bool(_GREETINGS & {w.lower().strip(",") for w in words[: at + 1]})
        joined = at >= 0 and words[at].lower() in _INTO and len(kept) == 1
        listing = {"and", "&"} & set(kept)
        while kept and not (_GROUP_WORD.match(kept[0]) or joined or listing):
            kept.pop(0)  # a name starts with a capital or a slug: "AP approvers", not "uses X"
        if sum(1 for w in kept if w.isalpha() and w.islower() and w != "and") >= 2:
            continue  # prose: "Figma supports learning groups"
        named_at = match.start() - len(before) + before.rfind(kept[0]) if kept else 0
        if kept and _OWN_GROUP.search(text[max(0, named_at - 60) : named_at]):
            continue  # the requester's own team: who asks, not what is asked for
        kind = match.group(0)
        proper = kind[:1].isupper() and kept[-1][:1].isupper() if kept else False
        # "the bcgov and bcgov-c organization", "libp2p teams": several groups, one phrase
        several = kind.lower().endswith("s") or bool({"and", "&"} & set(kept))
        # "our GitHub team", "the Slack org": the platform that holds a group is not the group;
        # "the Acme GitHub organizations" is named, the platform inside its name
        platform = bool(kept) and _is_application(kept[-1], applications)
        if platform and len(kept) > 1 and (proper or several):
            platform = False
        if kept and not greeted and not platform:
            return " ".join([*kept, kind] if proper or several else kept)
    for match in _GROUP_AFTER.finditer(text):
        # a name ends with its sentence: "no security role assigned. This …"
        token = re.split(r"[.,;:!?](?:\s|$)", match.group(1))[0].rstrip(".,")
        first = token.split()[0] if token else ""
        if text[max(0, match.start() - 1) : match.start()] == "-":
            continue  # "the ops-team list": a slug, not a kind word
        if (
            token
            and not _is_application(token, applications)  # "the team Slack": its platform
            and token.lower() not in COMMON_WORDS | _NOT_GROUP_NAMES
            and len(token) > 1
            and _GROUP_WORD.match(first)
            and "/" not in token
            and first.lower() not in COMMON_WORDS | _NOT_GROUP_NAMES
        ):
            return token
    return None


_JOINING = re.compile(rf"{_GROUP_KIND.pattern}|\bmember(?:ship)?s?\b|\bjoin", re.IGNORECASE)


def is_group_kind(word: str) -> bool:
    """``word`` is a kind of group ("teams", "org"), whatever else a catalogue calls it."""
    return bool(_GROUP_KIND.fullmatch(word))


def joins_group(subject: str) -> bool:
    """The subject speaks of a group, an org or a membership ("GitHub org membership")."""
    return bool(_JOINING.search(subject))


def _is_application(word: str, applications: Sequence[AppEntry]) -> bool:
    return bool(applications) and word.lower() in _index_of(applications)[1]


def is_catalogue_name(word: str, applications: Sequence[AppEntry]) -> bool:
    """``word`` is one of the catalogue's names or aliases, exactly ("GitHub", "Slack")."""
    return _is_application(word, applications)


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


_IN_ADDRESS = re.compile(r"\.[a-z]{2,}\b|/")


def _listed(text: str) -> bool:
    """The text holds a list: three or more short lines ("Data Tracker", "Github Team", …)."""
    return sum(0 < len(line.split()) <= 3 for line in text.splitlines()) >= CHECKLIST


def only_application(text: str, applications: Sequence[AppEntry]) -> str | None:
    """The one catalogue application the text mentions, as written (exact aliases only); None
    when it mentions none or several (a checklist of systems names no single one)."""
    if not applications:
        return None
    pattern, names, _ = _index_of(applications)
    first: re.Match[str] | None = None
    for match in pattern.finditer(text):
        if _IN_ADDRESS.match(text, match.end()) or text[
            max(0, match.start() - 1) : match.start()
        ] in ("/", ".", "@"):
            continue  # "https://github.com/acme/x": a link or an address, not the system named
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        if len(text[start : end if end >= 0 else None].split()) <= 3 and _listed(text):
            return None  # a line of its own ("Github Team"): an item of a checklist of systems
        if first is None:
            first = match
        elif names[match.group(1).lower()] != names[first.group(1).lower()]:
            return None
    return first.group(1) + _edition(text, first.end(1)) if first else None


_ACRONYM_BEFORE = re.compile(r"(?<![\w.@/-])([A-Z]{2,6})[ \t]+$")


def _prefix(text: str, at: int, applications: Sequence[AppEntry]) -> str:
    """An organisation's acronym written before a catalogue name: its workspace ("ACME Slack")."""
    match = _ACRONYM_BEFORE.search(text, max(0, at - 12), at)
    if match is None:
        return ""
    word = match.group(1).lower()
    if word in NOT_PRODUCTS | COMMON_WORDS | TOPIC_WORDS or _is_application(word, applications):
        return ""
    return text[match.start(1) : at]


def fullest_spelling(written: str | None, body: str) -> str | None:
    """The fullest spelling ``body`` gives of an application named elsewhere as ``written``: a
    subject cut short ("install Adobe...") names "Adobe", its body "Adobe Acrobat Pro"."""
    if not written:
        return None
    for match in re.finditer(rf"\b{re.escape(written)}\b", body):
        if more := _edition(body, match.end()):
            return written + more
    return written


def find_application(text: str, applications: Sequence[AppEntry]) -> tuple[str | None, str | None]:
    """The catalogue name and the text as written of the first application mentioned."""
    if not applications:
        return None, None
    pattern, names, fuzzy_keys = _index_of(applications)
    exact = pattern.search(text)
    if exact:
        written = exact.group(1) + _edition(text, exact.end(1))
        return names[exact.group(1).lower()], _prefix(text, exact.start(1), applications) + written
    for word in _WORD.findall(text[:FUZZY_CHARS]):
        if len(word) < 5 or word.lower() in COMMON_WORDS:
            continue
        best = process.extractOne(
            word.lower(), fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            return names[best[0]], word
    return None, None


_PRODUCT = (
    r"([A-Z][\w+-]*(?:/[A-Z][\w+-]*)?(?:\.[\w-]+)*(?:[ \t][A-Z][\w+-]*){0,3}"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+)"
)
"""A product as written: capitalised words ("Bluebeam Revu", "AutoDesk/CAD", "CNCF Community
Data Portal") or a host ("forum.example.org")."""
_PRODUCT_KIND = rf"((?:{_PRODUCT[1:-1]})(?:[ \t]+(?:app|application|console|portal)\b)?)"
"""A product with the kind of system it is, as people name the thing they access ("the Field Ops
app", "Billing console access", "the Vendor portal")."""
_LOWER_PRODUCT = r"([a-z][a-z0-9]{2,})"
"""A product written in lower case ("gmail"): read only after the strongest cues, and never a
word of the generic list below."""
_APP_WRITTEN = (
    re.compile(
        r"\b(?i:my|a|an|the|our|your|new|additional|extra|free|get|need|needs|request|requesting|"
        r"renew|buy|purchase|activate|create|creating|register|registering|[\w]+['\u2019]s)[ \t]+"
        r"(?:\d+[ \t]+)?"
        rf"{_PRODUCT}[ \t]+(?i:(?:software|desktop|app|application|pro)[ \t]+)?(?:(?:sub-?)?"
        r"accounts?|licen[cs]es?|log-?in|user[ \t]*(?:id|name)|username|seats?|subscription|access)\b"
    ),
    re.compile(
        r"(?i:\b(?:access(?:[ \t]*/[ \t]*(?:an?[ \t]+)?(?:user[ \t]+)?account)?|log(?:ging)?[ \t]*in|"
        r"login|sign(?:ing)?[ \t]*in|locked[ \t]+out)[ \t]+"
        rf"(?:to|into|at|on|of)[ \t]+(?:the[ \t]+|my[ \t]+)?){_PRODUCT_KIND}"
    ),
    re.compile(
        r"^(?:\[[^\]]{1,20}\][ \t]*)?(?i:(?:disable|enable|revoke|remove|grant|request|need)[ \t]+)?"
        rf"{_PRODUCT_KIND}[ \t]+(?i:(?:user[ \t]+)?(?:account|licen[cs]e|access|login))\b",
        re.MULTILINE,
    ),
    re.compile(rf"(?i:\blicen[cs]es?[ \t]+(?:for|of|to)[ \t]+(?:the[ \t]+)?){_PRODUCT}"),
    re.compile(
        r"(?i:\b(?:unable|cannot|can'?t|can not|not able)[ \t]+(?:to[ \t]+)?(?:access|log[ \t]*in"
        rf"(?:[ \t]*to)?|sign[ \t]*in(?:[ \t]*to)?)[ \t]+(?:the[ \t]+|my[ \t]+)?){_PRODUCT_KIND}"
    ),
    re.compile(rf"\b{_PRODUCT}[ \t]+(?i:log-?in|sign-?in)[ \t]+(?i:issues?|problems?|errors?)\b"),
    re.compile(
        r"(?i:\b(?:group|space|project|channel|role|folder|board|repo(?:sitory)?)[ \t]+(?:in|on)"
        rf"[ \t]+(?:the[ \t]+)?){_PRODUCT}"
    ),
    re.compile(
        r"(?i:\b(?:an?|my|the)[ \t]+(?:account|user(?:[ \t]*id)?|login|profile)[ \t]+"
        rf"(?:in|on|at|with)[ \t]+){_PRODUCT}"
    ),
    re.compile(r"^\[([a-z0-9-]+(?:\.[a-z0-9-]+)+)\]", re.MULTILINE),
    re.compile(
        r"(?i:\b(?:access|permissions?|rights)[ \t]+(?:to|on|for)[ \t]+(?:the[ \t]+)?)[`'\"]"
        r"([\w.-]+(?:/[\w.-]+)?)[`'\"][ \t]+(?i:repo(?:sitory)?)\b"
    ),
    re.compile(
        r"(?i:\b(?:locked[ \t]+out[ \t]+of[ \t]+(?:the[ \t]+|my[ \t]+)?|(?:access|log[ \t]*in"
        r"[ \t]+to|sign[ \t]*in[ \t]+to)[ \t]+(?:the|my)[ \t]+|(?:sign[ \t-]*up|register)[ \t]+(?:in|on|at|for|to)[ \t]+|"
        r"(?:create|open|register)[ \t]+(?:an?|my|the)[ \t]+account[ \t]+(?:for|in|on|at)[ \t]+))"
        rf"{_LOWER_PRODUCT}(?=[ \t]*(?:[.,;:!?)]|$)|[ \t]+(?i:account|"
        r"password|log-?in|because|since|anymore|again)\b)",
        re.MULTILINE,
    ),
    re.compile(
        rf"\bmy[ \t]+{_LOWER_PRODUCT}[ \t]+(?i:account|password|log-?in|licen[cs]e|user[ \t]*name)\b"
    ),
)
NOT_PRODUCTS = NOT_NAMES | words(
    "account accounts license licence login user users new old it get need needs request "
    "requesting please help pro premium cannot unable locked grant write read maintainer "
    "maintainers hello hi team admin accounts access remove add urgent create creating update "
    "updating change changing enable disable delete lost organization organisation org teams "
    "groups group members member free extra add/remove rename renaming unlock unlocking lock "
    "locking restore recover reactivate deactivate activate suspend transfer merge close cancel "
    "migrate verify link unlink claim"
)
_GENERIC = (
    NOT_PRODUCTS
    | COMMON_WORDS
    | words(
        "own original personal work old previous current registered primary linked main computer laptop phone pc machine device "
        "email e-mail mail inbox profile data files file folder system systems site website page "
        "repo repository project projects code server servers dashboard settings credentials "
        "username password passwords login logins key keys codes token tokens way area areas floor "
        "room building door desk printer printers network wifi drive share"
    )
)
_ROLE_WORDS = words("admin admins administrator owner owners maintainer editor viewer reviewer")
_HOST_WRITTEN = re.compile(r"(?<![@/\w.-])((?:[a-z0-9-]+\.)+(?:io|org|com|net|dev|gov|edu|app))\b")


def host_named(text: str) -> str | None:
    """The first host the text names outside an address or a link ("wrong email in
    account.example.org"): the service's own site."""
    match = _HOST_WRITTEN.search(text)
    return match.group(1) if match else None


_GROUP_WORDS = re.compile(
    r"[ \t]+(?:groups?|teams?|org|orgs|organi[sz]ations?|channels?|(?:mailing|distribution)"
    r"[ \t]+lists?)\b",
    re.IGNORECASE,
)


def find_application_written(text: str) -> str | None:
    """An application named next to account words ("my PyPI account", "access to Knack"); none
    when the text names three or more such (a checklist of systems names no single one)."""
    found = list(_written_products(text))
    if len({f.lower() for f in found}) >= CHECKLIST:
        return None
    return found[0] if found else None


CHECKLIST = 3


def _written_products(text: str) -> Iterator[str]:
    for pattern in _APP_WRITTEN:
        for match in pattern.finditer(text):
            if _GROUP_WORDS.match(text, match.end(1)):
                continue  # "access to the Hosting team": a group, not an application
            words = match.group(1).split()
            while words and words[0].lower() in NOT_PRODUCTS:
                words.pop(0)
            if _GROUP_WORDS.search(" " + " ".join(words)):
                continue  # "the DevOps GitHub Group access": a group, not an application
            if words and words[-1].lower() in _ROLE_WORDS:
                continue  # "PM Admin access": a role, not an application
            product = " ".join(words)
            generic = _GENERIC if product.islower() and "." not in product else NOT_PRODUCTS
            if product and product.lower() not in generic and len(product) > 1:
                yield product
