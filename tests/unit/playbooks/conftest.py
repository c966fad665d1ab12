"""Fixtures for the playbook tests (the builders live in ``playbook_builders``)."""

from __future__ import annotations

from tests.unit.playbooks.playbook_builders import corp, library, policy

__all__ = ["corp", "library", "policy"]
