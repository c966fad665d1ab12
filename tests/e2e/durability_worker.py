"""A worker process for the durability test: the real runtime on the shared desk and directory."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from tests.e2e.shared_systems import SharedDesk, SharedDirectory
from worker.boot import Workers, build_runtime
from worker.config import AppSettings
from worker.logging import configure_logging


def main(config_path: str) -> None:
    configure_logging(json_output=True, level="WARNING")
    data = json.loads(Path(config_path).read_text())
    settings = AppSettings.model_validate(data["settings"])
    fakes = data["fakes_url"]
    rt = build_runtime(
        settings,
        desks={d.name: SharedDesk(fakes, d.name) for d in settings.desks},
        directories={"corp": SharedDirectory(fakes)},
        upgrade_schema=False,
    )
    workers = Workers(rt, threads=4)
    workers.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)  # noqa: T201 (the parent waits for this line)
    stop.wait()
    workers.stop()


if __name__ == "__main__":
    main(sys.argv[1])
