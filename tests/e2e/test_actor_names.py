"""Every actor name the type checker accepts is an actor the runtime declares, and no other."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.pipeline_support import demo_runtime
from worker.queue.actors import PRIORITY
from worker.queue.names import ActorName


def test_declared_actors_are_exactly_the_actor_names(tmp_path: Path) -> None:
    """``Runtime.send`` takes an ``ActorName``; each one has an actor on the broker."""
    with demo_runtime(f"sqlite:///{tmp_path / 'a.sqlite3'}") as demo:
        declared = {name: actor.actor_name for name, actor in demo.rt.actors.items()}
        broker_names = set(demo.rt.broker.get_declared_actors())

    assert {name: str(name) for name in ActorName} == declared
    assert {str(name) for name in ActorName} == broker_names
    assert set(PRIORITY) <= set(ActorName)
