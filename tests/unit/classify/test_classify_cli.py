"""``deskpilot classify``: output format, malformed lines, evaluate and retrain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from worker.cli.classify import app

runner = CliRunner()
LINES = [
    '{"id": "T-1", "subject": "Locked out", "body": "I am locked out of my account, please unlock it."}',
    "this is not json",
    '{"id": 2, "subject": "", "body": ""}',
    '{"id": "T-3", "subject": "x", "request_type": "Reset password", "desk_type": "jira"}',
    "[1, 2]",
    '{"subject": "no id"}',
    '{"id": "T-7", "subject": 5}',
]


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "deskpilot.yaml"
    path.write_text(
        "classifier:\n  routes:\n    - {desk: jira, field: request_type, value: Reset password,"
        " intent: password_reset}\n"
    )
    return path


def test_classify_file_writes_one_result_per_good_line(tmp_path: Path) -> None:
    """Good lines give {id, intent, confidence, top, entities, auto}; routes come from --config."""
    source = _write(tmp_path, "tickets.jsonl", LINES)

    result = runner.invoke(app, [str(source), "--config", str(_config(tmp_path))])

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["T-1", "2", "T-3"]
    assert {
        "id",
        "intent",
        "confidence",
        "top",
        "entities",
        "route",
        "language",
        "lookalike",
        "auto",
    } == set(rows[0])
    assert (rows[0]["intent"], rows[0]["route"]) == ("account_unlock", "text")
    assert (rows[1]["intent"], rows[1]["route"], rows[1]["auto"]) == ("not_account", "empty", False)
    assert (
        rows[2]["intent"],
        rows[2]["confidence"],
        rows[2]["auto"],
    ) == ("password_reset", 1.0, True)
    assert all(len(pair) == 2 for pair in rows[0]["top"])
    assert "target_is_requester" in rows[0]["entities"]


def test_malformed_lines_are_reported_with_their_numbers(tmp_path: Path) -> None:
    """Each bad line is named on stderr; processing goes on; the exit code says some failed."""
    source = _write(tmp_path, "tickets.jsonl", LINES)

    result = runner.invoke(app, ["run", str(source)])

    assert result.exit_code == 1
    for number in (2, 5, 6, 7):
        assert f"tickets.jsonl:{number}:" in result.stderr
    assert "tickets.jsonl:1:" not in result.stderr


def test_out_option_and_clean_file_exit_zero(tmp_path: Path) -> None:
    """With only good lines the exit code is 0; --out receives the results."""
    source = _write(tmp_path, "ok.jsonl", [LINES[0], LINES[2]])
    out = tmp_path / "out.jsonl"

    result = runner.invoke(app, [str(source), "--out", str(out)])

    assert result.exit_code == 0
    assert len(out.read_text().splitlines()) == 2


def test_non_utf8_line_is_decoded(tmp_path: Path) -> None:
    """A Windows-1252 line is read, not rejected."""
    source = tmp_path / "latin.jsonl"
    source.write_bytes('{"id": "L", "subject": "Café", "body": "réinitialiser"}\n'.encode("cp1252"))

    result = runner.invoke(app, [str(source)])

    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "L"


def test_bad_config_exits_2(tmp_path: Path) -> None:
    """An invalid classifier section stops before any ticket."""
    config = tmp_path / "bad.yaml"
    config.write_text("classifier:\n  thresholds: {low: 7}\n")
    source = _write(tmp_path, "t.jsonl", [LINES[0]])

    result = runner.invoke(app, [str(source), "--config", str(config)])

    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr


def test_evaluate_reports_accuracy_and_macro_f1(tmp_path: Path) -> None:
    """Corrections are scored against the current model."""
    corrections = _write(tmp_path, "corrections.jsonl", [
        '{"id": "c1", "subject": "Locked out", "body": "My account is locked, please unlock", "intent": "account_unlock", "source": "agent"}',
        '{"id": "c2", "subject": "Printer", "body": "The printer is jammed", "intent": "not_account"}',
    ])  # fmt: skip

    result = runner.invoke(app, ["evaluate", "--corrections", str(corrections), "--json"])

    figures = json.loads(result.stdout)
    assert (figures["n"], figures["accuracy"]) == (2, 1.0)
    assert figures["macro_f1"] == 1.0


def test_evaluate_rejects_a_bad_correction_with_its_line(tmp_path: Path) -> None:
    """A correction without an intent is an error naming its line."""
    corrections = _write(tmp_path, "c.jsonl", ['{"id": "c1", "subject": "x"}'])

    result = runner.invoke(app, ["evaluate", "--corrections", str(corrections)])

    assert result.exit_code == 2
    assert "c.jsonl:1:" in result.stderr


@pytest.mark.slow
def test_retrain_folds_in_corrections_and_custom_intents(tmp_path: Path) -> None:
    """Retrain writes weights that know the admin's intent; --config model_dir then loads them."""
    pytest.importorskip("sklearn", reason="retrain needs the train group (scikit-learn)")
    config = tmp_path / "c.yaml"
    examples = ", ".join(f'"My RSA token number {i} for the VPN stopped working"' for i in range(6))
    config.write_text(
        f"classifier:\n  model_dir: {tmp_path / 'model'}\n  custom_intents:\n"
        f"    - {{name: vpn_token, tier: low, examples: [{examples}]}}\n"
    )
    corrections = _write(tmp_path, "c.jsonl", [
        '{"id": "c1", "subject": "token", "body": "RSA token broken again", "intent": "vpn_token"}',
    ])  # fmt: skip

    result = runner.invoke(app, ["retrain", "--corrections", str(corrections), "--config", str(config),
                                 "--endava", str(tmp_path / "absent.jsonl")])  # fmt: skip

    assert result.exit_code == 0, result.stderr
    model = json.loads((tmp_path / "model" / "model.json").read_text())
    assert "vpn_token" in model["classes"]
    source = _write(
        tmp_path,
        "t.jsonl",
        ['{"id": "1", "subject": "RSA token", "body": "my RSA token for the VPN stopped working"}'],
    )
    classified = runner.invoke(app, [str(source), "--config", str(config)])
    assert json.loads(classified.stdout)["intent"] == "vpn_token"
