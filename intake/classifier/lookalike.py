"""
Topics that read like account requests but are not: deskpilot suggests, it never acts on them.

"Access to the 3rd-floor printer", "my badge stopped opening the door", "VPN keeps dropping",
"open port 443 to the build server", "make me project manager of P-1234", "create a
distribution list for the board": the words are those of access and accounts, the work is not.
When the text is about one of these topics the gate keeps the ticket in suggestion mode, whatever
the model's confidence (guidelines rules 10, 15 and 18 in ``shared/tickets/README.md``).
"""

from __future__ import annotations

import re

_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "device",
            r"\b(?:need|needs|request\w*|order|replace\w*|broken|faulty|set ?up|install)\b"
            r".{0,30}\b(?:laptop|docking station|monitors?|keyboard|mouse|headset|desk ?phone|"
            r"hardware)\b|\b(?:register (?:my|a|the|his|her) (?:device|phone|laptop)|device "
            r"(?:registration|enrol?ment)|intune|mdm)\b",
        ),
        (
            "connectivity",
            r"\b(?:wi-?fi|wireless|internet|network|vpn|ztna|zscaler)\b.{0,60}\b(?:connect\w*|"
            r"disconnect\w*|drops?|dropping|slow|down|outage|not working|unreachable|timing out|"
            r"time-?outs?)\b|\b(?:can'?t|cannot|unable to) connect\b.{0,40}\b(?:wi-?fi|vpn|"
            r"network|internet)\b|\b(?:wi-?fi|wireless|guest network|ssid)\b.{0,40}\b(?:password|"
            r"passcode|passphrase|network key|vouchers?)\b|\b(?:password|passphrase) (?:for|to|of) "
            r"(?:the |our )?(?:guest |visitor )?(?:wi-?fi|wireless)\b",
        ),
        (
            "network_route",
            r"\b(?:firewall|open (?:the )?port|ports? \d{2,5}|route to|routing|whitelist|"
            r"allowlist|ip address(?:es)?|dns record|proxy exception)\b",
        ),
        (
            "project_role",
            r"\bproject (?:manager|approver|owner|code|role)\b.{0,60}\b(?:change|update|assign|"
            r"replace|set)\b|\b(?:change|update|assign|replace|set)\b.{0,60}\bproject "
            r"(?:manager|approver|owner|code)\b",
        ),
        (
            "badge",
            r"\b(?:badge|access card|key ?card|door reader|door access|swipe card|turnstile)",
        ),
        ("printer", r"\bprint(?:er|ers|ing)?\b"),
        (
            "create_group",
            r"\b(?:create|set ?up|new|make)\b.{0,30}\b(?:distribution list|mailing list|"
            r"security group|ad group|shared mailbox|shared calendar|dl|teams? channel|"
            r"(?:github |gitlab )?repo(?:sitory)?|namespace|openshift project|jira project|"
            r"confluence space|sharepoint site)\b",
        ),
    )
)


PART_OF_ASK: dict[str, frozenset[str]] = {
    "account_create": frozenset({"device", "badge"}),
    "account_disable": frozenset({"device", "badge"}),
}
"""Topics that belong to an intent's own work: a joiner's or a leaver's checklist names the
laptop and the badge beside the accounts ("return laptop and badge", "needs a laptop, e-mail and
Teams"), so for those intents such a mention is not a look-alike."""


def lookalike_topic(text: str, intent: str | None = None) -> str | None:
    """The first look-alike topic the text is about (``printer``, ``badge``…), or None; topics
    that are part of ``intent``'s own work (``PART_OF_ASK``) do not count."""
    head = text[:1000]
    own = PART_OF_ASK.get(intent or "", frozenset())
    for name, pattern in _TOPICS:
        if name not in own and pattern.search(head):
            return name
    return None


def topic_name(topic: str) -> str:
    """A look-alike topic as the notes and reasons say it: "a printer", "a network route",
    "an outage" (``intake.classifier.outage``)."""
    words = topic.replace("_", " ")
    return f"{'an' if words[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {words}"
