"""
``deskpilot classify``: classify a JSONL file of tickets, evaluate on corrections, retrain.

``deskpilot classify FILE.jsonl`` is the default command (``run``): the group below sends any
first argument that is not a subcommand to ``run``, so ``deskpilot classify tickets.jsonl`` and
``deskpilot classify run tickets.jsonl`` are the same. Each input line is
``{"id", "subject", "body", …desk fields}`` (``request_type``, ``labels``, ``desk``,
``desk_type``, ``team``); each output line is ``{"id", "intent", "confidence", "top",
"entities", "route", "language", "auto"}``. A malformed line is reported on stderr with its line
number and skipped; the exit code is 1 when any line failed, 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from typer._click.core import Context  # typer vendors click; its Group takes this Context
from typer.core import TyperGroup

from intake.classifier.examples import (
    Example,
    ExampleError,
    join_endava,
    join_github,
    parse_example,
)
from intake.classifier.metrics import evaluate as score
from intake.classifier.metrics import format_report
from intake.classifier.model import MODEL_FILE
from intake.classifier.text import decode_bytes
from intake.classify import Classification, Classifier, gate
from intake.config import ClassifierSettings
from worker.wiring.files import load_classifier, read_corpus, read_endava_labels

SHARED_TICKETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "tickets"
DEFAULT_ENDAVA = SHARED_TICKETS / "endava.jsonl"
DEFAULT_GITHUB = SHARED_TICKETS / "github_public.jsonl"
_DESK_FIELDS = ("desk", "desk_type", "request_type", "team", "labels", "tags")


class _DefaultRunGroup(TyperGroup):
    """Route ``classify FILE`` to ``classify run FILE``."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultRunGroup,
    help="Classify tickets offline, evaluate on corrections, retrain.",
    no_args_is_help=True,
    add_completion=False,
)
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", envvar="DESKPILOT_CONFIG", help="YAML with a classifier: section."
    ),
]


def load_settings(config: Path | None) -> ClassifierSettings:
    """The ``classifier:`` section of a YAML file (or the whole file), defaults without one."""
    if config is None:
        return ClassifierSettings()
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        section = data.get("classifier", data) if isinstance(data, dict) else data
        return ClassifierSettings.model_validate(section or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        typer.echo(f"error: {config}: {exc}", err=True)
        raise typer.Exit(2) from exc


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, object) for each non-blank line; an error message instead of a bad one."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = decode_bytes(raw).strip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON ({exc.msg})"
                continue
            yield number, value if isinstance(value, dict) else "not a JSON object"


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ExampleError(f"`{key}` must be a string")
    return value


def _desk_fields(row: dict[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key in _DESK_FIELDS:
        value = row.get(key)
        if isinstance(value, list):
            fields["labels"] = "\n".join(str(v) for v in value)
        elif isinstance(value, str):
            fields["labels" if key == "tags" else key] = value
    return fields


def _output(ident: str, result: Classification, auto: bool) -> dict[str, Any]:
    return {
        "id": ident,
        "intent": result.intent,
        "confidence": result.confidence,
        "top": [[intent, score] for intent, score in result.top],
        "entities": result.entities.as_dict(),
        "route": result.route,
        "language": result.language,
        "lookalike": result.lookalike,
        "auto": auto,
    }


def _classify_row(
    classifier: Classifier, row: dict[str, Any], now: datetime, desk: str
) -> dict[str, Any]:
    if not isinstance(row.get("id"), str | int):
        raise ExampleError("`id` (string or number) is required")
    fields = _desk_fields(row)
    result = classifier.classify_text(
        _text(row, "subject"), _text(row, "body"), desk_fields=fields, now=now
    )
    decision = gate(result, classifier.settings, desk=fields.get("desk", desk))
    return _output(str(row["id"]), result, decision.auto)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tickets, JSONL.")],
    config: ConfigOption = None,
    out: Annotated[Path | None, typer.Option(help="Write results here instead of stdout.")] = None,
    desk: Annotated[
        str, typer.Option(help="Desk name for the gates when a line has none.")
    ] = "cli",
) -> None:
    """Classify every ticket of FILE (the default command: `deskpilot classify FILE`)."""
    classifier = load_classifier(load_settings(config))
    now = datetime.now(UTC)
    failed = 0
    sink: IO[str] = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        for number, row in read_jsonl(file):
            try:
                if isinstance(row, str):
                    raise ExampleError(row)
                result = _classify_row(classifier, row, now, desk)
            except ExampleError as exc:
                failed += 1
                typer.echo(f"{file}:{number}: {exc}", err=True)
                continue
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    finally:
        if out:
            sink.close()
    if failed:
        typer.echo(f"{failed} line(s) could not be classified", err=True)
        raise typer.Exit(1)


def read_examples(path: Path, *, source: str) -> list[Example]:
    """Labelled examples from JSONL; a bad line stops with its line number (exit 2)."""
    examples: list[Example] = []
    for number, row in read_jsonl(path):
        try:
            if isinstance(row, str):
                raise ExampleError(row)
            examples.append(parse_example(row, source=source))
        except ExampleError as exc:
            typer.echo(f"error: {path}:{number}: {exc}", err=True)
            raise typer.Exit(2) from exc
    return examples


@app.command("evaluate")
def evaluate_cmd(
    corrections: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="JSONL examples.")],
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Score the current model on agents' corrections: accuracy, macro-F1, per intent."""
    classifier = load_classifier(load_settings(config))
    examples = read_examples(corrections, source="correction")
    now = datetime.now(UTC)
    pred = [classifier.classify_text(e.subject, e.body, now=now).intent for e in examples]
    report = score([e.intent for e in examples], pred)
    if as_json:
        typer.echo(json.dumps(_report_json(report), indent=2))
    else:
        typer.echo(format_report(report))


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "n": report.n,
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1,
        "account_f1": report.account_f1,
        "per_intent": {s.intent: vars(s) for s in report.per_intent},
    }


def training_examples(
    settings: ClassifierSettings,
    corrections: Sequence[Example],
    endava: Path | None,
    github: Path | None = None,
) -> list[Example]:
    """Our corpus + the github_public dev rows and labelled Endava dev rows (when the files
    exist) + custom intents' examples + corrections; a correction replaces any example with the
    same id. Each example keeps its source, which sets its weight (``SOURCE_WEIGHTS``)."""
    examples = read_corpus()
    if github is not None and github.is_file():
        rows = [row for _, row in read_jsonl(github) if isinstance(row, dict)]
        examples += join_github(rows, split="dev")
    if endava is not None and endava.is_file():
        rows = [row for _, row in read_jsonl(endava) if isinstance(row, dict)]
        examples += join_endava(rows, read_endava_labels())
    for custom in settings.custom_intents:
        examples += [
            Example(f"{custom.name}-{i}", "", text, custom.name, "config")
            for i, text in enumerate(custom.examples)
        ]
    fixes = [replace(c, source="correction") for c in corrections]
    corrected = {c.id for c in fixes}
    return [e for e in examples if e.id not in corrected] + fixes


def _stored(config: Path) -> list[Example]:
    """The corrections kept in the database the configuration names (none when it has none)."""
    from sqlalchemy.engine import make_url

    from worker.cli.corrections import stored_corrections
    from worker.config import ConfigError, load_config
    from worker.db import migrate
    from worker.db.database import Database

    try:
        url = load_config(config).database_url
    except ConfigError:
        typer.echo(
            f"{config}: not a whole deskpilot configuration, no stored corrections", err=True
        )
        return []
    local = make_url(url)
    if local.get_backend_name() == "sqlite" and not Path(local.database or "").is_file():
        typer.echo(f"no deskpilot database at {url}: no stored corrections", err=True)
        return []
    db = Database(url)
    try:
        if migrate.current_revision(db) is None:
            typer.echo(f"no deskpilot database at {db.url}: no stored corrections", err=True)
            return []
        return stored_corrections(db)
    finally:
        db.dispose()


@app.command()
def retrain(
    corrections: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="JSONL corrections.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Directory for model.json.")] = None,
    config: ConfigOption = None,
    endava: Annotated[Path | None, typer.Option(help="Endava tickets JSONL.")] = DEFAULT_ENDAVA,
    github: Annotated[
        Path | None, typer.Option(help="github_public tickets JSONL (dev rows are used).")
    ] = DEFAULT_GITHUB,
    calibrate: Annotated[
        bool, typer.Option(help="Fit the confidence temperature by 3-fold cross-validation.")
    ] = True,
    stored: Annotated[
        bool,
        typer.Option(
            "--stored/--no-stored",
            help="Also learn from the corrections agents made on tickets (`/intent`, review "
            "page), read from the database of --config.",
        ),
    ] = True,
) -> None:
    """Fold corrections and custom intents into the training data and write new weights."""
    from intake.classifier.train import TrainingUnavailableError, calibrated_model, train_model

    settings = load_settings(config)
    fixes = read_examples(corrections, source="correction") if corrections else []
    if stored and config is not None:
        fixes = _stored(config) + fixes
    examples = training_examples(settings, fixes, endava, github)
    target = out or settings.model_dir or Path("classifier-model")
    meta = {"trained_at": datetime.now(UTC).isoformat(), "examples": str(len(examples)),
            "corrections": str(len(fixes))}  # fmt: skip
    try:
        model = (
            calibrated_model(examples, meta=meta) if calibrate else train_model(examples, meta=meta)
        )
    except (TrainingUnavailableError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    target.mkdir(parents=True, exist_ok=True)
    (target / MODEL_FILE).write_text(json.dumps(model.to_dict(), separators=(",", ":")))
    typer.echo(
        f"wrote {target / MODEL_FILE} ({len(examples)} examples, {len(model.classes)} intents, "
        f"temperature {model.temperature})"
    )
