"""``code_span``: outside text in a note is shown literally on every desk's rendering."""

from __future__ import annotations

import pytest

from connectors.render import to_html, to_plain
from playbooks.render import code_span


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
