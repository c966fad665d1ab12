"""The names ``check`` allows in a note are the names a note is rendered with."""

from __future__ import annotations

import datetime as dt

from playbooks.notecheck import NOTE_VARIABLES, PERSON_FIELDS
from playbooks.notes import RunFacts, _context, _person
from playbooks.planned import Plan


def test_note_variables_match_the_rendering_context() -> None:
    plan = Plan("p", "P", "apply", dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    context = _context(RunFacts(plan, None), "done")

    assert set(context) == NOTE_VARIABLES
    assert set(_person(None)) == PERSON_FIELDS
