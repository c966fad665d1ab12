"""
Package data: deskpilot's own training tickets, our labels for the Endava dev split (ids and
intents only, the text stays in ``shared/tickets``) and the trained weights (``model.json``).
"""
