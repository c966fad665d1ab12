"""
Access reviews page benchmark: one reviewer (Maria) with N items waiting in one campaign run;
``GET /access-reviews`` (median of five), its last page (``?campaign=ID&page=LAST``, median of
five), a form of 100 keeps, then keep-all of the rest (each POST alone, without the page it
redirects to). A page holds 100 items (``worker.web.access_review_pages.PAGE_SIZE``); a tree
without paging draws every item on both.

    uv run python -m benchmarks.access_reviews [--items N] [--db sqlite|postgres] [--compare REV]

20,000 items take about a minute to set up and run (keep-all is most of it). ``--compare REV``
runs the same benchmark on a checkout of git revision ``REV`` first (a temporary worktree, its
own benchmark file, in a subprocess) and prints both side by side.

Figures go to docs/access-reviews.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from connectors.identity import NewUser
from playbooks.reviews.campaign import load_campaign_text
from tests.conftest import _postgres_schema_url
from tests.e2e.review_page_support import STAFF, TOKENS, session_csrf, signed_in
from tests.integration.playbooks.world import company, settings_for, world_of
from worker.db.review_tables import ReviewItemRow
from worker.logging import configure_logging
from worker.runs.review_start import start_campaign


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL schema."""
    if kind == "postgres":
        yield from _postgres_schema_url()
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


def bench(url: str, items: int) -> dict[str, float]:
    """Seconds for the pages and the two forms (and the pages' KiB), with ``items`` reports of Maria's under review."""
    directory = company()
    maria = directory.find_user(login="maria")
    assert maria is not None
    for n in range(items):
        login = f"user{n}"
        directory.create_user(NewUser(login, "User", f"N{n}", email=f"{login}@example.com",
                                      manager_id=maria.id, department="Sales", title="Staff"))  # fmt: skip
        found = directory.find_user(login=login)
        assert found is not None
        directory.add_to_group(found.id, "all-staff")
    settings = settings_for(url, tokens=tuple(TOKENS.values()))
    figures: dict[str, float] = {}
    with world_of(settings, directory) as w:
        text = STAFF + "reviewers: {rule: manager, fallback: [olivia]}\n"
        campaign_id = start_campaign(w.rt, load_campaign_text(text, "staff.yaml"), started_by="b")
        with w.rt.db.session() as session:
            ids = session.scalars(
                select(ReviewItemRow.id).order_by(ReviewItemRow.number).limit(100)
            ).all()
        with signed_in(w, "maria") as client:
            last = f"/access-reviews?campaign={campaign_id}&page={(items + 2 + 99) // 100}"
            for name, address in (("page", "/access-reviews"), ("last page", last)):
                pages = []
                for _ in range(5):
                    started = time.perf_counter()
                    answer = client.get(address)
                    pages.append(time.perf_counter() - started)
                    assert answer.status_code == 200
                figures[name] = statistics.median(pages)
                figures[f"{name} KiB"] = len(answer.content) / 1024
            form = {"csrf": session_csrf(client)} | {f"decision-{i}": "keep" for i in ids}
            for name, path, data in (
                ("100 keeps", "decide", form),
                ("keep-all", "keep-all", {"csrf": form["csrf"]}),
            ):
                started = time.perf_counter()
                answer = client.post(f"/access-reviews/{campaign_id}/{path}", data=data,
                                     follow_redirects=False)  # fmt: skip
                figures[name] = time.perf_counter() - started
                assert answer.status_code == 303, answer.text
    return figures


def shown(name: str, value: float) -> str:
    """A figure as printed: KiB, else milliseconds."""
    return f"{value:8.0f} KiB" if name.endswith("KiB") else f"{value * 1000:8.0f} ms"


def at_revision(revision: str, items: int, db: str) -> dict[str, str]:
    """The figures this benchmark prints on a checkout of ``revision``, by name, as printed."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        git = ["git", "-C", str(root)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), revision], check=True,
                       capture_output=True)  # fmt: skip
        try:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.access_reviews", "--items", str(items),
                 "--db", db],
                cwd=tree, env=os.environ | {"PYTHONPATH": str(tree)}, check=True,
                capture_output=True, text=True,
            ).stdout  # fmt: skip
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=True)
    return {line[:14].strip(): line[14:].strip() for line in out.splitlines() if line.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--compare", metavar="REV", help="also run on git revision REV")
    args = parser.parse_args()
    configure_logging(level="WARNING")
    before = at_revision(args.compare, args.items, args.db) if args.compare else None
    with database(args.db) as url:
        figures = bench(url, args.items)
    if before is not None:
        print(f"{'':14} {args.compare[:12]:>12} {'this tree':>12}")
    for name, value in figures.items():
        if before is None:
            print(f"{name:14} {shown(name, value)}")
        else:
            print(f"{name:14} {before.get(name, '—'):>12} {shown(name, value).strip():>12}")


if __name__ == "__main__":
    main()
