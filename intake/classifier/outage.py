"""
An outage report: a service failing for many people, which reads like an account ask but is not.

"Jira is down", "nobody in the office can log in since 9:00", "authentication failed for all
users", "it's not just me, the whole team gets a 503": the words are those of access and logins
(the model reads ``access_grant`` or ``account_other``), the ticket is an incident. No account
change helps and none is asked for, so such a ticket is ``not_account`` (``intake.classify``
settles it so and records ``outage`` as its look-alike topic; ``intake.dismiss`` then leaves it to
the agents without a suggestion to grant anything).

A report is an outage when the text says that

- a service is **down**: "outage", "widespread", "service disruption", "downtime", "<it> is /
  went / seems down" (not "down to …"), or a subject that ends in "down"; or
- something **fails for many people**: a many-people scope ("everyone", "nobody", "no one",
  "all users", "all of us", "the whole / entire team, office, site…", "multiple / several / many
  users", "not just me") next to a failure ("can't", "unable", "not working", "fails", "error",
  "down", "unreachable", "locked out", "affected"…), within a few words, in either order;

and it does **not** also ask for an account action: a request ("please", "can you", "I need", an
imperative at the start of a sentence…) for a reset, an unlock, a grant, an invitation, a
creation, a removal… of an account, a password, a second factor, an access, a role, a group or a
licence. "Reset MFA for all users in team X" or "everyone in my team needs access to Y" name many
people, but they ask for account work: they are bulk account asks, never outages. A greeting
("hello everyone", "thanks all") is not a scope.

German, French and Spanish tickets are read on their English rendering (``gloss``), whose
glossaries carry the outage words ("ausgefallen", "niemand kann", "en panne", "personne ne
peut", "está caído"…).
"""

from __future__ import annotations

import re

OUTAGE = "outage"
"""The look-alike topic recorded on a ticket settled as an outage report."""
SEARCH_CAP = 1_500
"""Characters of the cleaned text searched: an outage is reported early."""

_FLAGS = re.IGNORECASE
_DOWN = re.compile(
    r"\b(?:outages?|widespread|downtime|service (?:disruption|interruption|degradation))\b|"
    r"\b(?:is|are|was|were|went|goes|seems|seem|appears?|looks?|being|been|still|currently)\s+"
    r"(?:to be\s+)?(?:completely\s+|totally\s+|currently\s+|still\s+|all\s+|fully\s+)?"
    r"down\b(?!\s*(?:to|from|by|the|a|with|grade|load|time)\b)|"
    r"\A[^\n]{0,80}\b(?<!shut )(?<!turn )(?<!turned )(?<!step )(?<!close )(?<!closed )"
    r"(?<!taken )(?<!scale )(?<!scaled )(?<!break )(?<!broken )(?<!slow )(?<!lock )(?<!locked )"
    r"down\b[\s?!.]*(?:\n|\Z)",
    _FLAGS,
)
_SCOPE = (
    r"(?<!hello )(?<!hi )(?<!dear )(?<!thanks )(?<!thank you )"
    r"(?:everyone|everybody|every user|nobody|no one|no-one|noone|none of us|all of us|we all|"
    r"us all|not (?:just|only) me|(?:not|isn'?t|is not) (?:just|only) (?:for )?me|others too|"
    r"all (?:the |our |of (?:the |our )?)?(?:users|staff|employees|colleagues|people|members|"
    r"agents|developers|accounts|clients|customers)|"
    r"(?:the |our )?(?:whole|entire) (?:\w+ ){0,2}?(?:team|office|site|company|department|"
    r"floor|building|org|organi[sz]ation|branch|region|plant|school|division|unit|staff|user base)|"
    r"(?:multiple|several|many|most|lots of|a lot of|numerous|dozens of|hundreds of|"
    r"various) (?:users|people|colleagues|staff|employees|members|of us|others|team ?mates|"
    r"developers|engineers|agents|teams|departments|offices|sites|customers|clients|students))"
)
_FAILURE = (
    r"(?:can'?t|cannot|can not|couldn'?t|could not|unable|(?:is|are|isn'?t|aren'?t) (?:not )?"
    r"able|not able|not working|(?:isn'?t|aren'?t|doesn'?t|does not|don'?t|do not) work|"
    r"stopped working|fail\w*|broken|errors?|down|offline|unreachable|unavailable|inaccessible|"
    r"timing out|time-?outs?|timed out|locked out|affected|impacted|denied|lost access|"
    r"(?:has|have|having|get|gets|getting|see|sees|seeing|report\w*) (?:the |this |that )?"
    r"(?:same )?(?:issue|problem|error)|(?:the )?same (?:issue|problem|error))"
)
_GAP = r"\b(?:\W+\w+){0,6}?\W+"
"""A few words between the scope and its failure ("nobody in the office can")."""
_MANY_FAILING = re.compile(
    rf"\b{_SCOPE}{_GAP}{_FAILURE}\b|"
    rf"\b{_FAILURE}\b(?:\W+\w+){{0,5}}?\W+(?:for|across|among)\W+(?:\w+\W+){{0,3}}?{_SCOPE}\b|"
    rf"\b(?:affect\w*|impact\w*|hit\w*) {_SCOPE}\b|"
    r"\b(?:nobody|no one|no-one|noone|none of us)\b(?:\W+\w+){0,6}?\W+"
    r"(?:can|could|is able|are able|has|have|gets?|manages?|works?)\b",
    _FLAGS,
)
_VERB = (
    r"(?:reset|unlock|grant|give|add|provide|create|set ?up|invite|assign|enable|re-?enable|"
    r"remove|revoke|disable|delete|deactivate|onboard|offboard|change|renew)"
)
_OBJECT = (
    r"(?:access|accounts?|passwords?|passcodes?|mfa|2fa|two-factor|authenticators?|otp|tokens?|"
    r"permissions?|rights|roles?|licen[cs]es?|seats?|memberships?|groups?|admin|logins?|"
    r"credentials|users?|@[\w.-]+|(?-i:[A-Z][a-z]+ [A-Z][a-z]+))"
)
"""What an account action is done to: an account thing, or a named person ("Ann Lee", "@ann")."""
_MARKER = (
    r"(?:please|pls|plz|kindly|(?:could|can|would|will) (?:you|someone|somebody|anyone)|"
    r"(?:i|we)(?:'d| would) like|(?:i|we) (?:need|want|request)|requesting|request)"
)
_ACTION = re.compile(
    rf"\b{_MARKER}\b[^.!?\n]{{0,60}}?(?:\b{_VERB}\b[^.!?\n]{{0,60}}?(?<!\w){_OBJECT}|"
    rf"(?<!\w){_OBJECT}\b[^.!?\n]{{0,60}}?\b{_VERB}|"
    r"\b(?:reset|unlock|re-?enable|invite|add) (?:me|him|her|them|us|everyone|all)\b)\b|"
    rf"(?:^|[.!?\n]\s*){_VERB}\b[^.!?\n]{{0,60}}?(?<!\w){_OBJECT}\b|"
    r"\bneeds?\b(?:\W+\w+){0,4}?\W+access\b|"
    r"\b(?:do(?:es)?n'?t|do(?:es)? not|no longer) have (?:any |the )?(?:access|permissions?|"
    r"rights|licen[cs]es?|accounts?)\b|"
    r"\b(?:missing|insufficient|lack of) (?:access|permissions?|rights)\b",
    _FLAGS | re.MULTILINE,
)


def outage_report(text: str) -> bool:
    """True when ``text`` (the cleaned ticket, subject first) reports a service down or failing
    for many people and asks for no account action (see the module's docstring)."""
    head = text[:SEARCH_CAP]
    reported = _DOWN.search(head) or _MANY_FAILING.search(head)
    return bool(reported) and not _ACTION.search(head)
