"""
The parts of ``intake.classify``: reading the text (``text``, ``forms``), the language guess and
the German/French/Spanish glosses, dates, names and form fields, features, the linear model
(pure-Python inference over JSON weights), training, and the confidence gates with their
look-alike topics and cue words.
"""
