"""The packaged model on clear tickets, bad inputs that must never crash, the weights format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.classifier.metrics import evaluate
from intake.classifier.model import LinearModel, ModelFormatError
from intake.classify import Classifier
from intake.config import BUILTIN_INTENTS, ClassifierSettings
from worker.wiring.files import load_classifier, read_model

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier(ClassifierSettings())


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        ("Account locked", "I'm locked out of my Windows account after too many attempts, please unlock it.", "account_unlock"),
        ("Forgot password", "I forgot my password and the reset email never arrived.", "password_reset"),
        ("Leaver form", "Leaver form. Name: Peter Parker. Last day: 12 December. Please disable his accounts.", "account_disable"),
        ("New phone", "I lost my phone and cannot get authenticator codes, please reset my MFA.", "mfa_reset"),
        ("Monitor", "My second monitor flickers, can I get a replacement screen?", "not_account"),
        ("Visual Studio licence", "Please assign me a Visual Studio Professional licence.", "license_request"),
    ],
    ids=["unlock", "password", "leaver", "mfa", "hardware", "licence"],
)  # fmt: skip
def test_clear_tickets(classifier: Classifier, subject: str, body: str, intent: str) -> None:
    """Tickets that say plainly what they want get that intent from the text."""
    result = classifier.classify_text(subject, body, now=NOW)

    assert (intent, "text") == (result.intent, result.route)
    assert [s for _, s in result.top] == sorted((s for _, s in result.top), reverse=True)
    assert len(result.top) == 3


def test_non_english_is_flagged_and_the_configured_penalty_still_scales(
    classifier: Classifier,
) -> None:
    """A German ticket is flagged and read in English words; a configured
    ``non_english_penalty`` (0.8, the old default) still scales its confidence down."""
    text = (
        "Passwort",
        "Hallo, ich habe mein Passwort vergessen, bitte setzen Sie es zurück. Danke",
    )
    german = classifier.classify_text(*text, now=NOW)
    lowered = Classifier(ClassifierSettings(non_english_penalty=0.8), classifier.model)

    assert ("de", "password_reset") == (german.language, german.intent)
    assert lowered.classify_text(*text, now=NOW).confidence == pytest.approx(
        german.confidence * 0.8, abs=1e-3
    )


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("", ""),
        ("   ", "\n\n \t"),
        (None, None),
    ],
    ids=["empty", "whitespace", "none"],
)
def test_empty_ticket_is_not_account_with_no_confidence(
    classifier: Classifier, subject: str, body: str
) -> None:
    """Nothing to read means nothing understood."""
    result = classifier.classify_text(subject, body, now=NOW)

    assert (result.intent, result.confidence, result.route) == ("not_account", 0.0, "empty")


@pytest.mark.parametrize(
    "body",
    [
        "please unlock my account " * 45_000,
        "<html><body>" + "<div><span>garbage</span></div>" * 30_000,
        bytes(range(256)).decode("latin-1") * 2000,
        "\ufffd\x00\x01" * 50_000,
        "<" * 100_000,
    ],
    ids=["one-megabyte", "deep-html", "binary", "replacement-chars", "angle-brackets"],
)
def test_bad_input_never_crashes(classifier: Classifier, body: str) -> None:
    """Huge, HTML, binary or broken bodies still produce a classification."""
    result = classifier.classify_text("subject", body, now=NOW)

    assert result.intent in BUILTIN_INTENTS
    assert 0.0 <= result.confidence <= 1.0


def test_packaged_model_knows_every_builtin_intent() -> None:
    """The shipped weights cover the twelve intents."""
    assert set(BUILTIN_INTENTS) == set(read_model(None).classes)


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    """to_dict/from_dict preserve the weights; a model dir overrides the packaged model."""
    model = LinearModel(("a", "b"), (0.1, -0.1), {"w:unlock": (1.5, 2.0, -2.0)})
    (tmp_path / "model.json").write_text(json.dumps(model.to_dict()))

    loaded = read_model(tmp_path)

    assert model.features == loaded.features
    assert loaded.scores("unlock", "unlock")[0][0] == "a"


@pytest.mark.parametrize(
    ("temperature", "top_score"),
    [(1.0, 0.9526), (0.5, 0.9975), (2.0, 0.8176)],
    ids=["uncalibrated", "sharpened", "softened"],
)
def test_temperature_scales_the_confidence_not_the_ranking(
    tmp_path: Path, temperature: float, top_score: float
) -> None:
    """The calibration temperature divides the logits: same winner, another confidence."""
    model = LinearModel(
        ("a", "b"), (0.0, 0.0), {"w:unlock": (1.0, 1.5, -1.5)}, temperature=temperature
    )
    (tmp_path / "model.json").write_text(json.dumps(model.to_dict()))

    (intent, score), _ = read_model(tmp_path).scores("", "unlock")

    assert (intent, round(score, 4)) == ("a", top_score)


@pytest.mark.parametrize(
    ("weight", "subject", "scores", "headline"),
    [
        (0.0, "unlock", (("a", 0.8808), ("b", 0.1192)), "a"),
        (1.0, "unlock", (("a", 0.982), ("b", 0.018)), "a"),
        (1.0, "licence", (("b", 0.7311), ("a", 0.2689)), "b"),
        (1.0, "", (("a", 0.8808), ("b", 0.1192)), None),
    ],
    ids=["whole-only", "headline-agrees", "headline-disagrees", "no-headline"],
)  # fmt: skip
def test_headline_reading_adds_its_weight(
    weight: float, subject: str, scores: tuple[tuple[str, float], ...], headline: str | None
) -> None:
    """The headline read alone adds ``headline_weight`` times its logits and names its intent."""
    features = {"w:unlock": (1.0, 1.0, -1.0), "w:licence": (1.0, -1.5, 1.5)}
    model = LinearModel(("a", "b"), (0.0, 0.0), features, headline_weight=weight)

    found, alone = model.read(subject, "unlock")

    assert (tuple((c, round(p, 4)) for c, p in found), alone[0] if alone else None) == (
        scores, headline,
    )  # fmt: skip
    assert model.to_dict() == LinearModel.from_dict(model.to_dict()).to_dict()


@pytest.mark.parametrize(
    ("weight", "text", "top"),
    [
        (0.0, "report\nOur quarterly report is due. Could you unlock the folder for me?", ("b", 0.6693)),
        (2.0, "report\nOur quarterly report is due. Could you unlock the folder for me?", ("a", 0.9643)),
        (2.0, "report\nOur quarterly report is due and the report folder stays as it is.", ("b", 0.8808)),
        (2.0, "Could you unlock the folder for me?", ("a", 0.9975)),
    ],
    ids=["no-ask-weight", "ask-sentence-adds", "no-request-in-body", "no-subject"],
)  # fmt: skip
def test_ask_sentence_reading_adds_its_weight(
    weight: float, text: str, top: tuple[str, float]
) -> None:
    """The body's first request sentence, read alone, adds ``ask_weight`` times its logits."""
    features = {"w:unlock": (1.0, 1.0, -1.0), "w:report": (1.0, -1.0, 1.0)}
    model = LinearModel(("a", "b"), (0.0, 0.0), features, ask_weight=weight)
    subject = text.split("\n")[0] if "\n" in text else ""

    (intent, score), *_ = model.scores(subject, text)

    assert (intent, round(score, 4)) == top


def test_old_model_files_load_without_the_ask_weight(tmp_path: Path) -> None:
    """A weights file written before the ask-sentence reading loads with ``ask_weight`` 0."""
    old = {
        "format": "deskpilot-linear/1", "classes": ["a", "b"], "intercept": [0.0, 0.0],
        "sublinear_tf": True, "temperature": 1.3, "headline_weight": 0.25, "meta": {},
        "features": {"w:unlock": [1.0, 1.0, -1.0]},
    }  # fmt: skip
    (tmp_path / "model.json").write_text(json.dumps(old))

    model = read_model(tmp_path)

    assert (model.ask_weight, model.headline_weight, model.temperature) == (0.0, 0.25, 1.3)
    assert model.to_dict()["ask_weight"] == 0.0
    assert (model.binary_tf, model.l2_norm) == (False, True)


@pytest.mark.parametrize(
    ("binary_tf", "l2_norm", "logit"),
    [(False, True, 1.0), (True, True, 1.0), (False, False, 2.0986), (True, False, 1.0)],
    ids=["sublinear-l2", "binary-l2", "sublinear-unnormalised", "binary-unnormalised"],
)
def test_term_frequency_and_norm_follow_the_file(
    binary_tf: bool, l2_norm: bool, logit: float
) -> None:
    """A word said three times counts 1 + log 3 (sublinear) or once (binary); the unit-length
    scaling is the model's to turn off, and both survive the JSON form."""
    features = {"w:unlock": (1.0, 1.0, -1.0)}
    model = LinearModel(("a", "b"), (0.0, 0.0), features, binary_tf=binary_tf, l2_norm=l2_norm)
    again = LinearModel.from_dict(model.to_dict())

    assert [round(v, 4) for v in again.logits("", "unlock unlock unlock")] == [logit, -logit]


@pytest.mark.parametrize(
    "data",
    [
        {"format": "pickle"},
        {
            "format": "deskpilot-linear/1",
            "classes": ["a"],
            "intercept": [0.0],
            "features": {"w:x": [1.0]},
        },
        {"format": "deskpilot-linear/1", "classes": [], "intercept": [], "features": {}},
        {
            "format": "deskpilot-linear/1",
            "classes": ["a", "b"],
            "intercept": [0.0, 0.0],
            "features": {},
            "temperature": 0.0,
        },
        {
            "format": "deskpilot-linear/1",
            "classes": ["a", "b"],
            "intercept": [0.0, 0.0],
            "features": {},
            "headline_weight": -1.0,
        },
        {
            "format": "deskpilot-linear/1",
            "classes": ["a", "b"],
            "intercept": [0.0, 0.0],
            "features": {},
            "ask_weight": -0.5,
        },
        {
            "format": "deskpilot-linear/1",
            "classes": ["a", "b"],
            "intercept": [0.0, 0.0],
            "features": {},
            "ask_weight": 11.0,
        },
    ],
    ids=[
        "wrong-format",
        "short-row",
        "no-classes",
        "zero-temperature",
        "negative-headline-weight",
        "negative-ask-weight",
        "too-large-ask-weight",
    ],
)
def test_bad_weights_are_rejected(tmp_path: Path, data: dict[str, object]) -> None:
    """A broken weights file is a clear error naming the file."""
    (tmp_path / "model.json").write_text(json.dumps(data))

    with pytest.raises(ModelFormatError, match=r"model\.json"):
        read_model(tmp_path)


def test_missing_model_dir_is_a_clear_error(tmp_path: Path) -> None:
    """Pointing the config at an empty directory fails at load, not per ticket."""
    with pytest.raises(ModelFormatError, match="cannot read"):
        load_classifier(ClassifierSettings(model_dir=tmp_path))


def test_metrics() -> None:
    """Per-intent and macro figures, account-vs-not F1."""
    report = evaluate(["a", "a", "b", "not_account"], ["a", "b", "b", "not_account"])

    assert report.accuracy == 0.75
    assert {
        s.intent: (s.precision, s.recall) for s in report.per_intent if s.intent != "not_account"
    } == {"a": (1.0, 0.5), "b": (0.5, 1.0)}
    assert report.account_f1 == 1.0


def _two_stage(gate_temperature: float = 1.0) -> LinearModel:
    """Intents ``a`` / ``b`` (and a ``not_account`` of their own), gated by an account model."""
    gate = LinearModel(
        ("account", "not_account"), (0.0, 0.0),
        {"w:unlock": (1.0, 1.0, -1.0), "w:printer": (1.0, -1.0, 1.0)},
        temperature=gate_temperature,
    )  # fmt: skip
    features = {"w:unlock": (1.0, 1.0, -1.0, 0.0), "w:printer": (1.0, 0.0, 0.0, 3.0)}
    return LinearModel(("a", "b", "not_account"), (0.0, 0.0, 0.0), features, gate=gate)


@pytest.mark.parametrize(
    ("gate_temperature", "text", "expected"),
    [
        (1.0, "unlock", (("a", 0.7758), ("not_account", 0.1192), ("b", 0.105))),
        (1.0, "printer", (("not_account", 0.8808), ("a", 0.0596), ("b", 0.0596))),
        (2.0, "unlock", (("a", 0.6439), ("not_account", 0.2689), ("b", 0.0871))),
    ],
    ids=["account-ask", "not-an-account-ask", "gate-softened"],
)  # fmt: skip
def test_two_stage_reading(
    gate_temperature: float, text: str, expected: tuple[tuple[str, float], ...]
) -> None:
    """p(intent) = p(account) · p(intent | account), the intents' own ``not_account`` left out;
    p(not_account) = 1 - p(account); the gate's temperature is its own. The JSON form keeps the
    gate."""
    model = LinearModel.from_dict(_two_stage(gate_temperature).to_dict())

    scores, headline = model.read(text, text)

    assert tuple((c, round(p, 4)) for c, p in scores) == expected
    assert round(sum(p for _, p in scores), 6) == 1.0
    assert headline[0] == expected[0][0]
    assert model.gate is not None
    assert model.gate.temperature == gate_temperature


def test_a_gate_must_read_account_or_not(tmp_path: Path) -> None:
    """A gate whose classes are not ``account`` / ``not_account`` is a broken file."""
    data = _two_stage().to_dict()
    data["gate"]["classes"] = ["x", "y"]
    (tmp_path / "model.json").write_text(json.dumps(data))

    with pytest.raises(ModelFormatError, match=r"model\.json: the gate's classes"):
        read_model(tmp_path)
