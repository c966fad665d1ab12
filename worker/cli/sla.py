"""``deskpilot sla``: what-if simulation of SLA clocks from a JSON file (docs/sla.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from sla.calendar import CalendarError
from sla.definition import SlaConfigError
from sla.scenario import Scenario, run_scenario
from sla.simulate import Vector, VectorsFile, result_json, run_vector

app = typer.Typer(help="SLA clocks: simulate what-if questions.", no_args_is_help=True)


@app.callback()
def sla() -> None:
    """SLA clocks: simulate what-if questions (docs/sla.md)."""


def _simulate(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and "vectors" in data:
        document = VectorsFile.model_validate(data)
        clocks = [result_json(v.id, run_vector(v, document.calendars)) for v in document.vectors]
        return {"clocks": clocks}
    if isinstance(data, dict) and "sla" in data:
        return run_scenario(Scenario.model_validate(data))
    vector = Vector.model_validate(data)
    return {"clocks": [result_json(vector.id, run_vector(vector, vector.calendars))]}


@app.command()
def simulate(
    file: Annotated[
        Path, typer.Argument(help="JSON: a ticket what-if, one clock, or a vectors file")
    ],
    indent: Annotated[int, typer.Option(help="JSON indentation of the output")] = 2,
) -> None:
    """Print each clock's stage, elapsed, remaining, breach time and breached flag as JSON."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        typer.echo(f"{file}: cannot read: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    except json.JSONDecodeError as exc:
        typer.echo(f"{file}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}", err=True)
        raise typer.Exit(2) from exc
    try:
        output = _simulate(data)
    except SlaConfigError as exc:
        for problem in exc.problems:
            typer.echo(f"{file}: {problem}", err=True)
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            typer.echo(f"{file}: {where}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    except (CalendarError, ValueError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(output, indent=indent or None))
