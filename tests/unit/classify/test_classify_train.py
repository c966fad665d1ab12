"""Training: each learner exports the same linear weights; the short readings as extra rows."""

from __future__ import annotations

import pytest

from intake.classifier.examples import Example
from intake.classifier.train import TrainingOptions, train_model

pytest.importorskip("sklearn", reason="training needs the train group (scikit-learn)")

_ROWS = [
    ("Locked out", "Hi. Could you unlock my account? I am locked out after three tries.", "account_unlock"),
    ("Account locked", "My account is locked, please unlock it.", "account_unlock"),
    ("Locked again", "Locked out of Windows again, can you unlock me?", "account_unlock"),
    ("Printer jam", "The printer on floor 2 jams on every page, please fix it.", "not_account"),
    ("Printer offline", "Could you look at the printer? It shows offline since Monday.", "not_account"),
    ("Printer toner", "The printer is out of toner, please replace the cartridge.", "not_account"),
]  # fmt: skip
EXAMPLES = [Example(f"t{n}", s, b, i, "github") for n, (s, b, i) in enumerate(_ROWS)]


@pytest.mark.parametrize(
    "options",
    [
        TrainingOptions(min_df=1),
        TrainingOptions(min_df=1, learner="logreg", c=10.0),
        TrainingOptions(min_df=1, learner="huber", c=10.0),
        TrainingOptions(min_df=1, headline_rows=0.5, ask_rows=0.5),
    ],
    ids=["svm-default", "logistic-regression", "modified-huber", "short-rows"],
)
def test_learners_export_a_working_linear_model(options: TrainingOptions) -> None:
    """Whatever the learner, the exported model reads a new ticket the way its examples do."""
    model = train_model(EXAMPLES, options)

    assert model.scores("Locked", "Locked\nPlease unlock my account")[0][0] == "account_unlock"
    assert model.scores("Printer", "Printer\nThe printer jams")[0][0] == "not_account"
    assert model.ask_weight == options.ask_weight


def test_unknown_learner_is_an_error() -> None:
    """A misspelt learner fails loudly instead of falling back to another."""
    with pytest.raises(ValueError, match="unknown learner 'forest'"):
        train_model(EXAMPLES, TrainingOptions(min_df=1, learner="forest"))
