"""``python -m bench.as_of``: what views as of an instant and the read-access log cost.

On a temporary SQLite file loaded with the demo municipality (or ``--database
URL`` of an existing one): the case board and the dashboard rebuilt as of the
log's head and as of its middle (``SqlPastViews.at``, the bounds lifted), then
``--reads`` logged reads of one client and the chain verified. Progress on
stderr, results on stdout. Short: about two minutes on SQLite, most of it loading
the demo.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from application.oversight import AuditQuery
from application.security import SYSTEM_ACTOR
from infrastructure.views.as_of import SqlPastViews
from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.demo import load_demo


def _container(database: str | None, folder: Path) -> Container:
    url = database or f"sqlite:///{folder / 'as-of.sqlite3'}"
    settings = Settings(database_url=url, secret_key="bench", fast_passwords=True)  # noqa: S106
    built = bootstrap(settings)
    if built.services.oversight.head() == 0:
        print("loading the demo municipality...", file=sys.stderr)
        load_demo(built.services)
    return built


def _as_of(built: Container, repeats: int) -> None:
    head = built.services.oversight.head()
    print(f"views as of an instant, log of {head} events ({repeats} runs each):")
    for position in (head // 2, head):
        for what in ("board", "dashboard"):
            times = []
            for _ in range(repeats):
                # A new one each time: a kept build would answer without building.
                past = SqlPastViews(built.store, built.projections.reader, 10**9, 10**6)
                started = time.perf_counter()
                with past.at(position, **{what: True}):
                    pass
                times.append(time.perf_counter() - started)
            best = min(times)
            print(
                f"  {what:<9} as of position {position:>6}: "
                f"{', '.join(f'{t:.2f}' for t in times)} s  ({position / best:,.0f} events/s best)"
            )


def _access(built: Container, reads: int) -> None:
    services = built.services
    reader = SYSTEM_ACTOR.through("bench:as_of", "bench")
    registered = services.oversight.audit_after(
        AuditQuery(event_type="Client.Registered"), reader, limit=1
    ).items
    if not registered:
        print("no client to read", file=sys.stderr)
        return
    client_id = registered[0].aggregate_id
    started = time.perf_counter()
    for _ in range(reads):
        services.clients.get(client_id, reader)
    seconds = time.perf_counter() - started
    rate = reads / seconds
    print(f"read-access log: {reads} logged client reads in {seconds:.2f} s ({rate:,.0f}/s)")
    started = time.perf_counter()
    verified = services.access.verify(reader)
    seconds = time.perf_counter() - started
    print(
        f"  verify: {verified.entries} entries in {seconds:.2f} s "
        f"({verified.entries / seconds:,.0f}/s), intact={verified.intact}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="DATABASE_URL of a loaded database (default: demo)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reads", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        built = _container(args.database, Path(folder))
        try:
            _as_of(built, args.repeats)
            _access(built, args.reads)
        finally:
            built.close()


if __name__ == "__main__":
    main()
