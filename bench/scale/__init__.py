"""``python -m bench.scale``: a synthetic municipality at scale, and its read paths.

Writes areas, support centers, accounts, organizations, resources with
capacity, clients (personal data sealed with per-client keys), needs in every
state over five years, development initiatives and councils — ``--needs N`` of
them — straight through the event store in bulk transactions (events made by
the domain aggregates' own methods), then rebuilds every view, reporting
events/s of both, and checks that the views count the needs by status as the
generator wrote them. ``--measure`` then times the read paths through the HTTP
stack (p50/p95 per endpoint) against the issue's targets.

The database is ``--database URL`` (it must be empty) or a throw-away one: a
temporary SQLite file, or with ``--backend postgres`` a fresh schema in the
database of TSUNAGU_TEST_POSTGRES_URL / BENCH_POSTGRES_URL, removed afterwards.
Progress goes to stderr; the figures to stdout (``--json FILE`` too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import time
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from application.store import EventStore
from bench.backends import Backend, BackendKind, Target, postgres_url_from_env
from bench.report import ProgressLine, say
from bench.scale.generator import Simulation, Size, end_of_history
from bench.scale.keys import BulkKeyring
from infrastructure.persistence import Database, DatabaseUrlError, analyze
from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app  # noqa: F401 - fail early when the web stack is broken

DEFAULT_NEEDS = 2_000
BATCH_EVENTS = 5_000


def generate(
    built: Container,
    needs: int,
    *,
    seed: int = 12,
    years: int = 5,
    batch_events: int = BATCH_EVENTS,
    quiet: bool = False,
) -> tuple[Simulation, float]:
    """Write the municipality into ``built``'s (empty) event store; returns the
    simulation (with its tally) and the wall seconds it took."""
    database = built.database
    reader, writer = built.projections.reader, built.projections.writer
    keyring = BulkKeyring(writer, built.settings.master(), reader)
    store = EventStore(database.event_store_env(), keyring=keyring)
    line = None if quiet else ProgressLine("needs raised", needs)

    def progress(done: int, total: int, _seconds: float) -> None:
        if line is not None:
            line.update(done)

    try:
        sim = Simulation(
            built.services,
            store,
            keyring,
            Size(needs, years),
            end_of_history(),
            seed,
            batch_events,
            progress,
        )
        started, cpu = time.perf_counter(), time.process_time()
        sim.setup()
        sim.run()
        seconds = time.perf_counter() - started
        sim.cpu_seconds = time.process_time() - cpu
        if line is not None:
            line.finish(f"{sim.tally.events:,} events")
    finally:
        store.close()
    # Tables written in bulk get the planner statistics a running database would have
    # from autovacuum (the views' generations get theirs when they are built), before
    # anything reads them back: where autovacuum is off, PostgreSQL planned each
    # aggregate's load below as a parallel scan of the whole log (at 1M needs the
    # development policy's catch-up crept at about 2,400 positions a second, and went
    # some twenty times faster once the log was analysed).
    recorder = built.store.recorder
    log_tables = [
        name
        for name in (
            getattr(recorder, "events_table_name", None),
            getattr(recorder, "tracking_table_name", None),
        )
        if name
    ]
    analyze(built.projections.writer, log_tables)
    analyze(built.projections.writer, BULK_WRITTEN, vacuum=True)
    # The development policy tracks the launches it has seen (it finds the needs
    # moved on already, as the generator did what it does).
    built.services.aggregates.react()
    return sim, seconds


BULK_WRITTEN = ("matching_resources", "matching_waiting", "personal_keys", "personal_key_subjects")
"""Tables besides the event store's that the generator fills in bulk."""


def rebuild_views(
    built: Container, quiet: bool = False, one_pass: bool = False
) -> tuple[float, dict[str, float]]:
    """Every view rebuilt from the log, with progress; (total seconds, per view).
    ``one_pass``: all of them in one pass over the log, as ``tsunagu projections
    rebuild`` does (then no time per view)."""
    projections = built.projections
    head = built.store.head()
    per_view: dict[str, float] = {}
    if one_pass:
        line = None if quiet else ProgressLine(f"rebuild {len(projections.names)} views", head)
        started = time.perf_counter()
        if line is None:
            projections.rebuild_many(projections.names)
        else:
            on_batch = line.on_batch
            projections.rebuild_many(projections.names, progress=lambda _name: on_batch)
            line.finish()
        return time.perf_counter() - started, per_view
    for name in projections.names:
        line = None if quiet else ProgressLine(f"rebuild {name}", head)
        started = time.perf_counter()
        projections.rebuild(name, progress=line.on_batch if line else None)
        per_view[name] = time.perf_counter() - started
        if line is not None:
            line.finish()
    return sum(per_view.values()), per_view


def counted_by_views(built: Container) -> dict[str, int]:
    """Needs by status as the dashboard view counts them."""
    services = built.services
    actor = services.accounts.actor_for_username("scale-supervisor")
    return {k: v for k, v in services.oversight.dashboard(actor).totals.items() if v}


def _settings(url: str, schema: str | None, master_key: str | None) -> Settings:
    return Settings(
        database_url=url,
        db_schema=schema,
        inline_projections=False,
        fast_passwords=True,
        master_key=master_key,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Example: python -m bench.scale --needs 100000 --backend postgres --measure",
    )
    parser.add_argument(
        "--needs", type=int, default=DEFAULT_NEEDS, help="needs to write (default %(default)s)"
    )
    parser.add_argument(
        "--database",
        help="an EMPTY database to write into (sqlite:///FILE or postgresql://...); the "
        "clients' keys are wrapped with TSUNAGU_MASTER_KEY, else the master_key file beside "
        "a SQLite file (PostgreSQL: a new key, printed)",
    )
    parser.add_argument("--schema", help="with a postgresql --database: the schema to use")
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="throw-away database kind (without --database)",
    )
    parser.add_argument(
        "--years", type=int, default=5, help="years of history (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--batch-events", type=int, default=BATCH_EVENTS, help="events per transaction (about)"
    )
    parser.add_argument("--no-views", action="store_true", help="write the log only")
    parser.add_argument(
        "--per-view",
        action="store_true",
        help="rebuild the views one after another and time each (default: all of them "
        "in one pass over the log, as `tsunagu projections rebuild` does)",
    )
    parser.add_argument("--measure", action="store_true", help="time the read paths over HTTP")
    parser.add_argument(
        "--repeats", type=int, default=40, help="requests per read path (default %(default)s)"
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="only time the read paths of a --database generated before",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.measure_only and not args.database:
        parser.error("--measure-only needs the --database generated before")
    if args.needs < 1:
        parser.error("--needs must be at least 1")

    with ExitStack() as stack:
        master_key = os.environ.get("TSUNAGU_MASTER_KEY") or None
        if args.database:
            try:
                kind = Database.from_url(args.database).kind
            except DatabaseUrlError as error:
                parser.error(str(error))
            if kind == "postgresql" and master_key is None:
                master_key = secrets.token_hex(32)
                say(
                    "no TSUNAGU_MASTER_KEY: the clients' keys are wrapped with "
                    f"TSUNAGU_MASTER_KEY={master_key}"
                )
            target = Target(
                "sqlite" if kind == "sqlite" else "postgres", args.database, args.schema
            )
        else:
            postgres = postgres_url_from_env()
            kind_arg: BackendKind = args.backend
            if kind_arg == "postgres" and not postgres:
                parser.error(
                    "--backend postgres needs TSUNAGU_TEST_POSTGRES_URL or BENCH_POSTGRES_URL"
                )
            backend = stack.enter_context(Backend(kind_arg, postgres))
            target = backend.fresh("scale")
            master_key = master_key or secrets.token_hex(32)
        built = bootstrap(_settings(target.database_url, target.schema, master_key))
        stack.callback(built.close)
        if args.measure_only:
            say(f"read paths over {target.database.describe()}, {args.repeats} requests each:")
            from bench.scale.measure import measure

            timings = measure(built, {}, args.repeats, say)
            text = json.dumps(
                {
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "load": os.getloadavg()[0],
                    "backend": target.kind,
                    "events": built.store.head(),
                    "read_paths": [asdict(t) | {"target_ms": t.target_ms} for t in timings],
                },
                ensure_ascii=False,
                indent=2,
            )
            print(text)
            if args.json:
                args.json.write_text(text + "\n", encoding="utf-8")
            return 0
        if built.store.head() != 0:
            say(
                f"refused: {target.database.describe()} already holds events; "
                "give an empty database"
            )
            return 2
        say(f"writing {args.needs:,} needs into {target.database.describe()}")
        sim, write_seconds = generate(
            built, args.needs, seed=args.seed, years=args.years, batch_events=args.batch_events
        )
        written = sim.written()
        result: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_before": os.getloadavg()[0],
            "backend": target.kind,
            "needs": args.needs,
            "written": written,
            "write_seconds": round(write_seconds, 2),
            "write_events_per_second": round(written["events"] / write_seconds),
            "save_seconds": round(sim.write_seconds, 2),
            "write_cpu_seconds": round(sim.cpu_seconds, 2),
            "write_events_per_cpu_second": round(written["events"] / sim.cpu_seconds),
        }
        say(
            f"wrote {written['events']:,} events in {write_seconds:.1f} s: "
            f"{result['write_events_per_second']:,} events/s "
            f"({sim.write_seconds:.1f} s of it in saves; "
            f"{result['write_events_per_cpu_second']:,} events per CPU second of this process)"
        )
        if not args.no_views:
            view_seconds, per_view = rebuild_views(built, one_pass=not args.per_view)
            head = built.store.head()
            result["view_seconds"] = round(view_seconds, 2)
            result["view_events_per_second"] = round(head / view_seconds)
            result["rebuild"] = "per view" if args.per_view else "one pass"
            if per_view:
                result["per_view_seconds"] = {k: round(v, 2) for k, v in per_view.items()}
            say(
                f"rebuilt {len(built.projections.names)} views "
                f"({result['rebuild']}) over {head:,} events in {view_seconds:.1f} s: "
                f"{result['view_events_per_second']:,} log events/s"
            )
            counted = counted_by_views(built)
            expected = {k: v for k, v in written["needs_by_status"].items() if v}
            result["views_agree"] = counted == expected
            if counted != expected:
                say(f"MISMATCH: the views count {counted}, the generator wrote {expected}")
            if args.measure:
                from bench.scale.measure import measure

                say(f"read paths, {args.repeats} requests each:")
                timings = measure(built, sim.tally.ids, args.repeats, say)
                result["read_paths"] = [asdict(t) | {"target_ms": t.target_ms} for t in timings]
        result["load_after"] = os.getloadavg()[0]
        text = json.dumps(result, ensure_ascii=False, indent=2)
        print(text)
        if args.json:
            args.json.write_text(text + "\n", encoding="utf-8")
        return 0 if result.get("views_agree", True) else 1
