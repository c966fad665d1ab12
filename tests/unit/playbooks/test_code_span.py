"""``code_span``: outside text in a note is shown literally on every desk's rendering."""

from __future__ import annotations

import pytest

from connectors.render import to_html, to_plain
from playbooks.render import code_span, literal


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("starters.csv", "starters.csv"),
        ("[Verify your account](https://evil.example/x).csv", "[Verify your account](https://evil.example/x).csv"),
        ("**urgent**.csv", "**urgent**.csv"),
        ("a`b``c.csv", "a`b``c.csv"),
        ("`edge`.csv", "`edge`.csv"),
        ("two\nlines\r\n.csv", "two lines .csv"),
        ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
        ("", "(no name)"),
    ],
    ids=["plain", "markdown-link", "emphasis", "backticks-inside", "backtick-edges", "new-lines",
         "html", "empty"],
)  # fmt: skip
def test_outside_text_is_one_literal_code_span(text: str, shown: str) -> None:
    html = to_html(f"The file {code_span(text)} was read.")
    assert not [tag for tag in ("<a ", "<strong>", "<img") if tag in html]
    assert html.count("<code>") == 1
    assert (
        to_plain(f"The file {code_span(text)} was read.").strip() == f"The file {shown} was read."
    )


LITERALS = [
    ("plain", "Senior Account Executive"),
    ("link", "[Approve now](https://evil.example/sso)"),
    ("image", "![logo](https://evil.example/p.png)"),
    ("autolink", "<https://evil.example/a>"),
    ("emphasis-and-code", "**urgent** _now_ `x`"),
    ("table-cell", "a | b"),
    ("entity", "&lt;b&gt; &#60;"),
    ("heading-start", "# Approved"),
    ("list-start", "1. first"),
    ("quote-start", "> quoted"),
    ("intraword-underscore", "john_doe@example.com"),
]


@pytest.mark.parametrize("text", [t for _, t in LITERALS], ids=[i for i, _ in LITERALS])
def test_literal_renders_as_its_own_text(text: str) -> None:
    """``literal``: every desk's rendering shows the text itself, and nothing it would make."""
    html = to_html(f"Title: {literal(text)}")
    assert not [tag for tag in ("<a ", "<strong>", "<em>", "<img", "<code>") if tag in html]
    assert f"Title: {text}" == to_plain(f"Title: {literal(text)}")
    assert text == to_plain(literal(text))
