"""
The parts of ``intake.classify``: text cleaning, language guess, dates, names, features, the
linear model (pure-Python inference over JSON weights), training and the confidence gates.
"""
