"""Passwords pasted into ticket text are masked wherever deskpilot shows or exports it."""

from __future__ import annotations

import pytest

from intake.pasted import MASKED, mask_pasted_passwords
from worker.runs.secretlinks import redact_links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My old password was Summer2024! and now I'm locked out",
         f"My old password was {MASKED} and now I'm locked out"),
        ("Password: hunter2", f"Password: {MASKED}"),
        ("pwd=Xy9$kL", f"pwd={MASKED}"),
        ("temporary password is Welcome1.", f"temporary password is {MASKED}"),
        ("Mein Passwort ist Sommer2024#", f"Mein Passwort ist {MASKED}"),
        ("mot de passe : Soleil!42", f"mot de passe : {MASKED}"),
        ("contraseña: Verano2024", f"contraseña: {MASKED}"),
        ("PIN: 4821", f"PIN: {MASKED}"),
        ("my password is expired, please reset it", "my password is expired, please reset it"),
        ("my password is still not working", "my password is still not working"),
        ("Password reset: please send me a link", "Password reset: please send me a link"),
        ("Password:\nI forgot it", "Password:\nI forgot it"),
        ("The VPN pinned: yes", "The VPN pinned: yes"),
        ("Could you reset my password? Thanks", "Could you reset my password? Thanks"),
    ],
    ids=["sentence-was", "announced-colon", "announced-equals", "temporary-is", "german",
         "french", "spanish", "pin", "word-of-the-sentence", "still-not-working",
         "password-reset-label", "value-on-the-next-line", "pinned-is-no-pin", "no-value"],
)  # fmt: skip
def test_mask_pasted_passwords(text: str, expected: str) -> None:
    """A pasted value is masked; the sentence around it, and sentences without one, stay."""
    assert mask_pasted_passwords(text) == expected


def test_pages_and_exports_mask_pasted_passwords_at_any_depth() -> None:
    """What the review page, the evidence pack and sent notes show goes through redact_links."""
    data = {"ticket": {"snapshot": {"description": "Hi, my password was Tr0ub4dor&3 - reset?"}},
            "notes": ["see /secret/abcdefghijklmnopqrstuvwxyz012345 for it"]}  # fmt: skip

    shown = redact_links(data)

    assert "Tr0ub4dor" not in str(shown)
    assert MASKED in shown["ticket"]["snapshot"]["description"]
    assert "abcdefghijklmnop" not in str(shown)
