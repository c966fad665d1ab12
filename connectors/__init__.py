"""
Connectors hide vendors: one Protocol per kind (a desk, a directory), one module per vendor.

Nothing here imports the rest of deskpilot; ``intake``, ``playbooks`` and ``worker`` import the
Protocols and value types from ``connectors.desks`` and ``connectors.identity``.
"""
