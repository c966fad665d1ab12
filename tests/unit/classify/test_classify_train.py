"""Training: each learner (shipped, or tried in the selection grid) exports the same linear
weights; the short readings as extra rows; term frequency and norm options."""

from __future__ import annotations

import pytest

from benchmarks.classify_learners import with_learner
from intake.classifier import features
from intake.classifier.examples import Example
from intake.classifier.train import (
    HeldOut,
    TrainingOptions,
    fit_temperature,
    train_model,
)
from intake.classifier.train_variants import DomainCopies

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


def _with(learner: str, *, beta: float = 1.0, nb_weight: float = 0.01) -> TrainingOptions:
    """The selection grid's options for a learner tried and not shipped."""
    return with_learner(
        TrainingOptions(min_df=1), learner, alpha=1.0, beta=beta, nb_weight=nb_weight
    )


@pytest.mark.parametrize(
    "options",
    [
        TrainingOptions(min_df=1),
        TrainingOptions(min_df=1, learner="logreg", c=10.0),
        TrainingOptions(min_df=1, learner="huber", c=10.0),
        TrainingOptions(min_df=1, headline_rows=0.5, ask_rows=0.5),
        _with("nbsvm"),
        _with("nbsvm", beta=0.25),
        _with("svm+mnb", nb_weight=0.03),
        _with("svm+cnb", nb_weight=0.1),
        TrainingOptions(min_df=1, binary_tf=True),
        TrainingOptions(min_df=1, l2_norm=False, c=0.3),
    ],
    ids=[
        "svm-default", "logistic-regression", "modified-huber", "short-rows", "nb-svm",
        "nb-svm-interpolated", "svm-plus-multinomial-nb", "svm-plus-complement-nb",
        "binary-tf", "no-l2-norm",
    ],
)  # fmt: skip
def test_learners_export_a_working_linear_model(options: TrainingOptions) -> None:
    """Whatever the learner, the exported model reads a new ticket the way its examples do."""
    model = train_model(EXAMPLES, options)

    assert model.scores("Locked", "Locked\nPlease unlock my account")[0][0] == "account_unlock"
    assert model.scores("Printer", "Printer\nThe printer jams")[0][0] == "not_account"
    assert model.ask_weight == options.ask_weight
    assert (model.binary_tf, model.l2_norm) == (options.binary_tf, options.l2_norm)


@pytest.mark.parametrize("learner", ["svm+mnb", "svm+cnb"], ids=["multinomial", "complement"])
def test_naive_bayes_at_weight_zero_is_the_plain_svm(learner: str) -> None:
    """The ensemble is the SVM's weights plus the naive Bayes's: at weight 0 only the SVM's."""
    plain = train_model(EXAMPLES, TrainingOptions(min_df=1))
    mixed = train_model(EXAMPLES, _with(learner, nb_weight=0.0))
    heavier = train_model(EXAMPLES, _with(learner, nb_weight=1.0))

    assert (mixed.features, mixed.intercept) == (plain.features, plain.intercept)
    assert heavier.features != plain.features


def test_unknown_learner_is_an_error() -> None:
    """A misspelt learner fails loudly instead of falling back to another."""
    with pytest.raises(ValueError, match="unknown learner 'forest'"):
        train_model(EXAMPLES, TrainingOptions(min_df=1, learner="forest"))


@pytest.mark.parametrize(
    ("sizes", "once", "counts"),
    [
        ((3, 4), False, {"c: un": 2, "c: unl": 2, "c: unlo": 0}),
        ((3, 4), True, {"c: un": 1, "c: unl": 1, "c: unlo": 0}),
        ((3, 4, 5), False, {"c: un": 2, "c: unl": 2, "c: unlo": 2}),
    ],
    ids=["shipped-3-4-counted", "each-gram-once", "3-5-grams"],
)
def test_character_gram_settings_of_the_grid(
    monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, ...], once: bool, counts: dict[str, int]
) -> None:
    """The selection grid's character n-gram lengths and counting (``--char-grams``,
    ``--char-once``) change the features; the words keep their counts either way."""
    monkeypatch.setattr(features, "CHAR_GRAM_SIZES", sizes)
    monkeypatch.setattr(features, "CHAR_GRAMS_ONCE", once)

    found = features.count_features("", "unlock, then unlock again")

    assert {name: found[name] for name in counts} == counts
    assert found["w:unlock"] == 2


_MORE = [
    ("Forgot password", "I forgot my password, please reset it.", "password_reset"),
    ("Password reset", "Could you reset my password? It expired.", "password_reset"),
    ("New password", "Please send me a password reset link.", "password_reset"),
]  # fmt: skip
THREE = [
    *EXAMPLES,
    *(Example(f"e{n}", s, b, i, "endava") for n, (s, b, i) in enumerate(_ROWS + _MORE)),
    *(Example(f"p{n}", s, b, i, "github") for n, (s, b, i) in enumerate(_MORE)),
]
"""Three intents from two sources: enough for a two-stage model and for domain copies."""


@pytest.mark.parametrize(
    "options",
    [
        TrainingOptions(min_df=1, domains={"github": "github", "endava": "endava"},
                        read_as="github"),
        TrainingOptions(min_df=1, domains={"github": "github", "endava": "endava"},
                        domain_scale=0.5),
        TrainingOptions(min_df=1, source_model=("github", 0.5)),
        TrainingOptions(min_df=1, account_gate=TrainingOptions(min_df=1, c=0.3)),
        TrainingOptions(min_df=1, account_gate=TrainingOptions(min_df=1, learner="logreg"),
                        gate_account_rows_only=False),
    ],
    ids=["domain-copies-read-as-github", "domain-copies-shared", "github-model-added",
         "two-stage", "two-stage-all-rows"],
)  # fmt: skip
def test_domain_and_two_stage_options_read_new_tickets(options: TrainingOptions) -> None:
    """Domain copies, the source ensemble and the two-stage model export models that read a
    new ticket the way their examples do."""
    model = train_model(THREE, options)

    assert model.scores("Locked", "Locked\nPlease unlock my account")[0][0] == "account_unlock"
    assert model.scores("Printer", "Printer\nThe printer jams")[0][0] == "not_account"
    assert model.scores("Password", "Password\nReset my password")[0][0] == "password_reset"
    assert (model.gate is not None) == (options.account_gate is not None)


def test_domain_copies_fold_into_the_read_as_weights() -> None:
    """The exported weights are the shared block plus the scaled block of ``read_as``: a ticket
    of that domain scores exactly as its augmented row did in the learner."""
    import numpy as np
    from scipy import sparse  # type: ignore[import-untyped]
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

    matrix = sparse.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [0.8, 0.6]]))
    labels, domains = ["x", "y", "y", "x"], ["github", "github", "endava", "endava"]
    opts = TrainingOptions(domains={"github": "github", "endava": "endava"}, read_as="github",
                           domain_scale=0.5)  # fmt: skip
    learner = LinearSVC(C=1.0, random_state=0)
    folded = DomainCopies(learner, domains, opts.read_as, opts.domain_scale)
    folded.fit(matrix, labels, sample_weight=[1.0] * 4)

    row = np.array([0.6, 0.8])
    augmented = np.concatenate([row, 0.0 * row, 0.5 * row])  # blocks: shared, endava, github
    assert float(row @ folded.coef_[0] + folded.intercept_[0]) == pytest.approx(
        float(learner.decision_function(augmented.reshape(1, -1))[0])
    )
    shared = DomainCopies(LinearSVC(C=1.0, random_state=0), domains)
    shared.fit(matrix, labels, sample_weight=[1.0] * 4)
    assert shared.coef_[0] == pytest.approx(np.asarray(shared.learner.coef_)[0, :2])


def test_source_model_at_weight_zero_is_the_mixed_model() -> None:
    """The ensemble adds the one-source model's weights times its weight: at 0, nothing."""
    plain = train_model(THREE, TrainingOptions(min_df=1))
    zero = train_model(THREE, TrainingOptions(min_df=1, source_model=("github", 0.0)))
    added = train_model(THREE, TrainingOptions(min_df=1, source_model=("github", 1.0)))

    assert (zero.features, zero.intercept) == (plain.features, plain.intercept)
    assert added.features != plain.features


def test_held_out_logits_of_a_two_stage_model() -> None:
    """Calibrating a two-stage model: the gate's logits of every ticket, the intents' logits
    (without ``not_account``) of the account tickets only; each temperature fitted on its own."""
    model = train_model(THREE, TrainingOptions(min_df=1, account_gate=TrainingOptions(min_df=1)))
    held = HeldOut()

    held.add(model, EXAMPLES)

    accounts = [e for e in EXAMPLES if e.intent != "not_account"]
    assert (len(held.gate_logits), len(held.logits)) == (len(EXAMPLES), len(accounts))
    assert {len(row) for row in held.logits} == {2}
    assert held.gate_gold == [0, 0, 0, 1, 1, 1]
    calibrated = held.calibrate(model)
    assert calibrated.gate is not None
    assert calibrated.gate.temperature == fit_temperature(held.gate_logits, held.gate_gold)
    assert calibrated.temperature == fit_temperature(held.logits, held.gold)
