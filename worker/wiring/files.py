"""
Reading the files the pure core is built from: the playbook library, the classifier's model and
its training corpus. The core parses what it is given (``playbooks.load.library_from_texts``,
``LinearModel.from_dict``, ``intake.classifier.examples``); only this module touches the disk
and the installed package's data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from intake.classifier.examples import (
    CORPUS_FILE,
    DESK_STYLE_FILE,
    ENDAVA_LABELS_FILE,
    Example,
    corpus_examples,
    desk_style_examples,
    endava_labels,
)
from intake.classifier.model import MODEL_FILE, LinearModel, ModelFormatError
from intake.classify import Classifier, clean_kind
from intake.config import ClassifierSettings
from playbooks.load import Library, PlaybookLoadError, PlaybookText, library_from_texts

__all__ = [
    "builtin_library_dir",
    "check_library",
    "load_classifier",
    "load_library",
    "read_corpus",
    "read_endava_labels",
    "read_model",
]


def builtin_library_dir() -> Traversable:
    """The directory of the playbooks shipped with deskpilot (``playbooks/library``)."""
    return files("playbooks") / "library"


def load_library(dirs: Sequence[Path | Traversable] | None = None) -> Library:
    """
    Load every ``*.yaml`` playbook of ``dirs``; later directories override same-named playbooks.

    Args:
        dirs: directories to read, in order (default: the shipped library only).

    Returns:
        The library; raises ``PlaybookLoadError`` listing every problem in every file.
    """
    chosen = dirs if dirs is not None else [builtin_library_dir()]
    return library_from_texts([list(_playbook_texts(directory)) for directory in chosen])


def check_library(dirs: Sequence[Path | Traversable] | None = None) -> list[str]:
    """
    Every problem of the playbooks in ``dirs`` as ``FILE:LINE: message`` (empty when all load).

    Args:
        dirs: as for ``load_library``.
    """
    try:
        load_library(dirs)
    except PlaybookLoadError as exc:
        return exc.problems
    return []


def _playbook_texts(directory: Path | Traversable) -> Iterator[PlaybookText]:
    if not directory.is_dir():
        raise PlaybookLoadError([f"{directory}:0: playbook directory does not exist"])
    paths = sorted(
        (p for p in directory.iterdir() if p.name.endswith((".yaml", ".yml")) and p.is_file()),
        key=lambda p: p.name,
    )
    for path in paths:
        yield str(path), path.read_text(encoding="utf-8")


def read_model(model_dir: Path | None) -> LinearModel:
    """Read ``model.json`` from ``model_dir``, or the packaged model when it is None."""
    source: Traversable | Path
    if model_dir is None:
        source = files("intake.corpus").joinpath(MODEL_FILE)
        where = f"intake/corpus/{MODEL_FILE}"
    else:
        source = model_dir / MODEL_FILE
        where = str(source)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{where}: cannot read the model ({exc})") from exc
    return LinearModel.from_dict(data, where=where)


def load_classifier(
    settings: ClassifierSettings, field_names: Mapping[str, Sequence[str]] | None = None
) -> Classifier:
    """The classifier of ``settings``, with the model of ``settings.model_dir`` (or the packaged
    one); ``field_names`` (``playbooks.field_names``) name the desks' form fields."""
    return Classifier.build(settings, read_model(settings.model_dir), field_names=field_names)


def read_corpus() -> list[Example]:
    """deskpilot's own training tickets, shipped with the package: the short plain asks
    (``corpus``) and the desk-style tickets (``desk``)."""
    corpus = corpus_examples(_package_lines(CORPUS_FILE))
    return corpus + desk_style_examples(_package_lines(DESK_STYLE_FILE), clean_kind)


def read_endava_labels() -> dict[str, str]:
    """Our labels for the Endava dev split, shipped with the package: row id -> intent."""
    return endava_labels(_package_lines(ENDAVA_LABELS_FILE))


def _package_lines(name: str) -> list[str]:
    return files("intake.corpus").joinpath(name).read_text(encoding="utf-8").splitlines()
