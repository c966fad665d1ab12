"""``deskpilot demo``: bundled tickets, directory and licences, and the runner."""

from __future__ import annotations
