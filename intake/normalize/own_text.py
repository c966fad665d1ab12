"""
What a comment's author wrote themself: their own text, without what they quoted or showed as
code. Commands (``/approve`` …) are read only from this text, so an approver's reply that quotes
a message holding ``/approve`` approves nothing.

One normaliser per desk format (pure; each ends in the same plain-text rules):

* :func:`own_text_adf`: Jira rich text (ADF): ``blockquote`` and ``codeBlock`` nodes and text
  marked ``code`` are left out.
* :func:`own_text_html`: Zendesk ``html_body`` and other HTML: ``<blockquote>`` (nested, or never
  closed: everything after it), ``<pre>``, ``<code>``, ``<q>`` and mail clients' quote containers
  (``gmail_quote``, ``moz-cite-prefix``, ``yahoo_quoted``, any class naming a quote) are left
  out, counted by nesting depth rather than matched by pattern.
* :func:`own_text_plain`: plain text, Markdown and Jira wiki markup (ServiceNow journal entries,
  Salesforce comments, Zendesk plain bodies, Jira v2 webhook strings): fenced code, ``{code}``,
  ``{noformat}``, ``{quote}``, ``bq.`` lines, inline backticks, HTML in the text (ServiceNow's
  ``[code]…[/code]``), and e-mail style ``>`` quotes. A ``>`` quote goes on until a blank line, as
  in Markdown (a line right under a quoted line belongs to the quote).

A reply or forward header ends the author's own text: "-----Original Message-----",
"---------- Forwarded message ---------", "Begin forwarded message:", Outlook's underscore rule
and its ``From:``/``Sent:`` header block (also in German, French and Spanish), and an attribution
line ("On … wrote:", "Am … schrieb:", "Le … a écrit :", "El … escribió:") unless a ``>`` quote
follows it. Outlook and forwarded mail do not mark the earlier message with ``>``: the forwarded
text below such a header is someone else's, whoever forwarded it.

Only a line feed (or CR LF) starts a new line. Other line separators (U+2028, U+2029, NEL,
a lone CR, vertical tab, form feed, the information separators) become spaces: a mail client
or a desk that does not break the line there would show ``> quoted\u2028/approve`` as one
quoted line, so nothing after such a separator can start a command.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from intake.classifier.text import is_thread_start
from intake.webhooks.node import Node

_CRLF = re.compile(r"\r\n")
_OTHER_BREAKS = re.compile("[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CODE_BLOCKS = (
    re.compile(r"```.*?(```|\Z)", re.DOTALL),
    re.compile(r"~~~.*?(~~~|\Z)", re.DOTALL),
    re.compile(r"\{(code|noformat|quote)(:[^}]*)?\}.*?(\{\1\}|\Z)", re.DOTALL | re.IGNORECASE),
    re.compile(r"`[^`\n]*`"),
)
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n)+")
_SN_CODE = re.compile(r"\[/?code\]", re.IGNORECASE)
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z]")
_QUOTE_START = re.compile(r"^\s*(>|\uff1e|bq\.\s)", re.IGNORECASE)  # \uff1e: full-width >
_HIDDEN_TAGS = frozenset({"blockquote", "pre", "code", "q", "script", "style", "template", "head"})
_QUOTE_CLASS = re.compile(r"quote|moz-cite|gmail_extra|yahoo_quoted|reply-intro", re.IGNORECASE)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "div", "dl", "dd", "dt", "fieldset", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "p", "section", "table", "tr", "td", "th", "ul",
    }
)  # fmt: skip
_ATTRIBUTION = re.compile(
    r"^\s*(On|Am|Le|El)\b.{0,200}\b(wrote|schrieb|a écrit|escribió)\b.{0,200}:\s*$", re.IGNORECASE
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht|"
    r"Weitergeleitete Nachricht|Message d'origine|Message transféré|Mensaje original|"
    r"Mensaje reenviado)\s*-{2,}|(Begin forwarded message|Début du message réexpédié|"
    r"Anfang der weitergeleiteten Nachricht)\s*:)",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*{0,2}(From|Von|De|Da)\s?:\*{0,2}\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*{0,2}(Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|"
    r"Fecha|Para|Asunto)\s?:",
    re.IGNORECASE,
)
_ADF_HIDDEN = frozenset({"blockquote", "codeBlock"})
_ADF_BLOCKS = frozenset(
    {"paragraph", "heading", "listItem", "panel", "rule", "tableRow", "tableCell", "expand"}
)


def own_text_plain(text: str) -> str:
    """The author's own text of a plain, Markdown or wiki-markup comment (see module doc)."""
    text = _one_kind_of_line_break(text)
    for block in _CODE_BLOCKS:
        text = block.sub(" ", text)
    text = _SN_CODE.sub("", text)
    if _HTML_TAG.search(text):
        text = _html_text(text)
    return _BLANK_RUNS.sub("\n\n", "\n".join(_unquoted_lines(_before_earlier_message(text))))


def own_text_html(html: str) -> str:
    """The author's own text of an HTML comment (see module doc)."""
    return own_text_plain(_html_text(_one_kind_of_line_break(html)))


def own_text_adf(node: Node) -> str:
    """The author's own text of a Jira ADF document (a v2 string is read as plain text)."""
    if node.missing:
        return ""
    if not node.is_object():
        return own_text_plain(node.req_text())
    parts: list[str] = []
    _adf(node, parts)
    return own_text_plain("".join(parts))


def _one_kind_of_line_break(text: str) -> str:
    return _OTHER_BREAKS.sub(" ", _CRLF.sub("\n", text))


def _before_earlier_message(text: str) -> str:
    """``text`` up to the first reply or forward header (see the module doc)."""
    lines = text.split("\n")
    for index in range(len(lines)):
        if _starts_earlier_message(lines, index):
            return "\n".join(lines[:index])
    return text


def _starts_earlier_message(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ATTRIBUTION.match(line):  # before is_thread_start, which takes every "On … wrote:"
        after = next((nxt for nxt in lines[index + 1 :] if nxt.strip()), "")
        return not _QUOTE_START.match(after)
    if _SEPARATOR.match(line) or is_thread_start(lines, index):
        return True
    return bool(_HEADER_FROM.match(line)) and any(
        _HEADER_NEXT.match(nxt) for nxt in lines[index + 1 : index + 5]
    )


def _unquoted_lines(text: str) -> list[str]:
    """Lines outside ``>`` quotes; a quote runs on until a blank line (lazy continuation)."""
    kept: list[str] = []
    quoting = False
    for line in text.split("\n"):
        if not line.strip():
            quoting = False
        elif quoting or _QUOTE_START.match(line):
            quoting = True
            continue
        kept.append(line)
    return kept


def _adf(node: Node, parts: list[str]) -> None:
    kind = node.get("type").text() or ""
    if kind in _ADF_HIDDEN:
        parts.append("\n")
        return
    attrs = node.get("attrs")
    if kind == "text":
        marks = {m.get("type").text() for m in node.get("marks").items() if m.is_object()}
        parts.append("" if "code" in marks else node.get("text").text() or "")
    elif kind == "hardBreak":
        parts.append("\n")
    elif kind == "mention":
        parts.append(attrs.get("text").text() or "@someone")
    if kind in _ADF_BLOCKS:
        parts.append("\n")
    for child in node.get("content").items():
        if child.is_object():
            _adf(child, parts)
    if kind in _ADF_BLOCKS:
        parts.append("\n")


class _OwnHtml(HTMLParser):
    """Collects the text outside quoted and code elements, tracking their nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []
        """Open elements, and whether each hides its content."""

    @property
    def hidden(self) -> bool:
        return any(hides for _, hides in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS or tag == "br":
            self.parts.append("\n")
        if tag in _VOID_TAGS:
            return
        classes = " ".join(value or "" for name, value in attrs if name in ("class", "id"))
        hides = tag in _HIDDEN_TAGS or bool(_QUOTE_CLASS.search(classes))
        self.open.append((tag, hides))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS or tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        # An end tag closes its element and everything opened inside it; a stray one is ignored.
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _OwnHtml()
    parser.feed(html)
    parser.close()
    return _one_kind_of_line_break("".join(parser.parts))
