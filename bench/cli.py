"""``python -m bench``: how fast tsunagu is compared with the library's floor.

For each backend (a temporary SQLite file and, when configured, PostgreSQL):

1. the need lifecycle through ``Services`` against a bare eventsourcing
   application doing the same saves, with inline views on (the default) and
   off (a projection worker process keeps the views current, as in production);
2. every view rebuilt from the log against a raw read of that log;
3. the bare save loop on the native recorders against ``eventsourcing_sqlalchemy``.

Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from bench.backends import (
    POSTGRES_URL_VARIABLES,
    Backend,
    BackendKind,
    Target,
    postgres_url_from_env,
)
from bench.bare import BareApp, Counter, load_and_save, make_resources, saves_only
from bench.rebuild import RAW_REPEATS, READ_BATCH, ReadResult, measure_rebuild
from bench.report import ProgressLine, millis, rate, ratio, say, table
from bench.worker import Worker
from bench.workload import (
    EVENTS_PER_NEED,
    SAVES_PER_NEED,
    STEPS,
    Lifecycle,
    LoopResult,
    Plan,
    Runs,
    build_town,
    need_lifecycle,
    timed_loop,
)
from interfaces.bootstrap import Container, bootstrap

DEFAULT_NEEDS = 100
DEFAULT_NEEDS_PER_RESOURCE = 10
DEFAULT_ROUNDS = 3
DEFAULT_WORKER_POLL = 0.05

BareMode = Callable[[BareApp, Plan, list[Counter]], Lifecycle]


@dataclass(frozen=True)
class BackendResults:
    """Everything measured on one backend."""

    backend: str
    version: str
    bare_saves: Runs
    """Also the "native" row of the recorder comparison: it is the same loop."""
    bare_load_save: Runs
    sqlalchemy: Runs
    app_views_off: Runs
    app_views_on: Runs
    log_events: int
    reads: list[ReadResult]

    def read(self, label: str) -> ReadResult:
        return next(r for r in self.reads if r.label == label)

    @property
    def rebuild_all(self) -> ReadResult:
        return next(r for r in self.reads if r.label.startswith("rebuild all"))


# -- running --------------------------------------------------------------------


def _bare_loop(env: dict[str, str], plan: Plan, label: str, mode: BareMode) -> LoopResult:
    app = BareApp(env)
    try:
        setup = ProgressLine(f"{label}: setup", plan.groups, milestones=False)
        resources = make_resources(app, plan, setup.update)
        line = ProgressLine(f"{label}: {plan.warmup} warm-up + {plan.needs} needs", plan.total)
        result = timed_loop(label, plan, mode(app, plan, resources), _head_of(app), line.update)
        line.finish(f"{result.needs_per_second:.1f} needs/s")
        return result
    finally:
        app.close()
        _dispose_sqlalchemy(app)


def _app_loop(
    target: Target, plan: Plan, label: str, *, inline_projections: bool, worker_poll: float
) -> tuple[LoopResult, Container]:
    """One timed run through ``Services``; the caller closes the returned container.

    With inline views off, a projection worker process keeps the views current,
    as in production: proposing a match brings the two views it ranks on up to
    the log's head in the request (it does not wait for the worker).
    """
    container = bootstrap(target.settings(inline_projections=inline_projections))
    worker: Worker | None = None
    with tempfile.TemporaryFile() as log:
        try:
            if not inline_projections:
                worker = Worker(target, worker_poll, log)
            app = container.services
            setup = ProgressLine(
                f"{label}: setup ({plan.groups} clients and resources)", plan.groups
            )
            town = build_town(app, plan, setup.update)
            if worker is not None:
                worker.wait_until_current(container)
            setup.finish()
            line = ProgressLine(f"{label}: {plan.warmup} warm-up + {plan.needs} needs", plan.total)
            lifecycle = need_lifecycle(app, town, plan)
            result = timed_loop(label, plan, lifecycle, app.oversight.head, line.update)
            line.finish(f"{result.needs_per_second:.1f} needs/s")
        except BaseException:
            if worker is not None:
                worker.stop()
            container.close()
            raise
        finally:
            if worker is not None:
                worker.stop()
    return result, container


def _head_of(app: BareApp) -> Callable[[], int]:
    def head() -> int:
        return app.recorder.max_notification_id() or 0

    return head


def _dispose_sqlalchemy(app: BareApp) -> None:
    """eventsourcing_sqlalchemy keeps its engine open after ``close()``."""
    engine = getattr(getattr(app.factory, "datastore", None), "engine", None)
    if isinstance(engine, sa.engine.Engine):
        engine.dispose()


def run_backend(backend: Backend, plan: Plan, rounds: int, worker_poll: float) -> BackendResults:
    """The bare loops ``rounds`` times each, the two tsunagu runs once, between rounds.

    Each round runs the bare loops in a rotating order, and the tsunagu runs
    sit between rounds, so that any drift of the machine falls on both sides
    of each ratio. Every run gets a database of its own.
    """
    name = backend.kind
    version = backend.version()
    say(f"\n{backend.title} ({version}), {backend.where()}")
    runs: dict[str, list[LoopResult]] = {
        "native": [],
        "sqlalchemy": [],
        "load": [],
        "off": [],
        "on": [],
    }
    rebuilt: list[tuple[int, list[ReadResult]]] = []

    def views_off() -> LoopResult:
        result, container = _app_loop(
            backend.fresh("off"),
            plan,
            f"{name} tsunagu, views off + worker",
            inline_projections=False,
            worker_poll=worker_poll,
        )
        container.close()
        return result

    def views_on() -> LoopResult:
        result, container = _app_loop(
            backend.fresh("on"),
            plan,
            f"{name} tsunagu, views on",
            inline_projections=True,
            worker_poll=worker_poll,
        )
        try:
            gc.collect()
            say(f"  {name}: reading the log ({RAW_REPEATS} times after a warm-up), then rebuilds")
            rebuilt.append(measure_rebuild(container))
        finally:
            container.close()
        return result

    def one_round(index: int) -> None:
        tag = f"{name} [{index + 1}/{rounds}]"
        loops: list[tuple[str, Callable[[], LoopResult]]] = [
            (
                "native",
                lambda: _bare_loop(
                    backend.fresh(f"native{index}").native_env(),
                    plan,
                    f"{tag} bare saves, native recorder",
                    saves_only,
                ),
            ),
            (
                "sqlalchemy",
                lambda: _bare_loop(
                    backend.fresh(f"sqla{index}").sqlalchemy_env(),
                    plan,
                    f"{tag} bare saves, eventsourcing_sqlalchemy",
                    saves_only,
                ),
            ),
            (
                "load",
                lambda: _bare_loop(
                    backend.fresh(f"load{index}").native_env(),
                    plan,
                    f"{tag} bare load+save, native recorder",
                    load_and_save,
                ),
            ),
        ]
        shift = index % len(loops)
        for key, loop in loops[shift:] + loops[:shift]:
            gc.collect()
            runs[key].append(loop())

    # The two (slow) tsunagu runs go between rounds: "off" after the first,
    # "on" after the second (both after the first when there is only one).
    off: tuple[str, Callable[[], LoopResult]] = ("off", views_off)
    on: tuple[str, Callable[[], LoopResult]] = ("on", views_on)
    schedule = {0: [off], 1: [on]} if rounds > 1 else {0: [off, on]}
    for index in range(rounds):
        one_round(index)
        for key, app_run in schedule.get(index, []):
            gc.collect()
            runs[key].append(app_run())
    log_events, reads = rebuilt[0]
    return BackendResults(
        backend=backend.title,
        version=version,
        bare_saves=Runs(tuple(runs["native"])),
        bare_load_save=Runs(tuple(runs["load"])),
        sqlalchemy=Runs(tuple(runs["sqlalchemy"])),
        app_views_off=Runs(tuple(runs["off"])),
        app_views_on=Runs(tuple(runs["on"])),
        log_events=log_events,
        reads=reads,
    )


# -- reporting ------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _revision() -> str:
    """The commit measured, and whether the working tree differed from it."""
    git = shutil.which("git")
    root = Path(__file__).resolve().parent.parent
    if git is None:
        return "unknown (no git)"
    try:
        head = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "-C", str(root), "status", "--porcelain", "--untracked-files=normal"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    changed = [line for line in status if not line[3:].startswith(("bench/", "docs/"))]
    if not changed:
        return f"{head} (clean outside bench/ and docs/)"
    return f"{head} plus {len(changed)} uncommitted or untracked paths outside bench/ and docs/"


def _load() -> str:
    """The 1-, 5- and 15-minute load averages, against the number of CPUs."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def _command(args: argparse.Namespace, plan: Plan) -> str:
    """The options in effect (never the PostgreSQL URL, which may hold a password)."""
    return (
        f"python -m bench --needs {plan.needs} --warmup {plan.warmup} "
        f"--needs-per-resource {plan.needs_per_resource} --rounds {args.rounds} "
        f"--worker-poll {args.worker_poll} --backend {args.backend}"
    )


def header(args: argparse.Namespace, plan: Plan) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    libs = ", ".join(
        f"{p} {_version(p)}"
        for p in ("eventsourcing", "eventsourcing-sqlalchemy", "sqlalchemy", "psycopg")
    )
    return "\n".join(
        [
            "tsunagu benchmark",
            f"  date:     {now}",
            f"  options:  {_command(args, plan)}",
            f"  code:     {_revision()}",
            f"  machine:  {os.cpu_count()} CPUs, {_cpu_model()}, {platform.platform()}",
            f"  python:   {platform.python_version()}; {libs}",
            f"  load:     {_load()} at the start (other work on the machine skews every figure)",
            f"  workload: {plan.needs} timed needs after {plan.warmup} warm-up needs; "
            f"{SAVES_PER_NEED} saves and {EVENTS_PER_NEED} events per need; "
            f"{plan.needs_per_resource} needs per resource and per client; "
            f"bare loops run {args.rounds} time{'s' if args.rounds != 1 else ''}, tsunagu once; "
            f"'views off' with a projection worker process polling every {args.worker_poll} s",
        ]
    )


def _spread(runs: Runs) -> str:
    if len(runs.runs) == 1:
        return "1 run"
    return f"{rate(runs.lowest)}-{rate(runs.highest)} ({len(runs.runs)} runs)"


def _labelled_loops(results: BackendResults) -> list[tuple[str, Runs]]:
    return [
        ("bare app: saves only", results.bare_saves),
        ("bare app: load + save", results.bare_load_save),
        ("tsunagu: inline views off + worker", results.app_views_off),
        ("tsunagu: inline views on (default)", results.app_views_on),
    ]


def _loop_rows(results: BackendResults) -> list[list[str]]:
    floor = results.bare_saves.median.saves_per_second
    loaded = results.bare_load_save.median.saves_per_second
    rows = []
    for label, runs in _labelled_loops(results):
        r = runs.median
        rows.append(
            [
                label,
                rate(r.needs_per_second),
                rate(r.saves_per_second),
                millis(r.seconds_per_save),
                millis(r.cpu_seconds_per_save),
                _spread(runs),
                f"{rate(r.first_tenth_rate)} / {rate(r.last_tenth_rate)}",
                ratio(floor / r.saves_per_second),
                ratio(loaded / r.saves_per_second),
            ]
        )
    return rows


def _step_rows(results: BackendResults) -> list[list[str]]:
    rows = []
    for label, runs in _labelled_loops(results):
        r = runs.median
        per_step = [r.seconds_per_step(i) for i in range(len(STEPS))]
        others = [t for step, t in zip(STEPS, per_step, strict=True) if step != "propose"]
        rows.append([label, *map(millis, per_step), millis(sum(others) / len(others))])
    return rows


def backend_section(results: BackendResults, markdown: bool) -> str:
    r = results
    first = r.bare_saves.median
    steps = table(
        ["ms per command (median run)", *STEPS, "mean without propose"],
        _step_rows(r),
        markdown=markdown,
    )
    loops = table(
        [
            "need lifecycle",
            "needs/s",
            "saves/s",
            "ms/save",
            "CPU ms/save",
            "saves/s min-max",
            "needs/s first/last 10%",
            "slowdown vs bare saves",
            "vs bare load+save",
        ],
        _loop_rows(r),
        markdown=markdown,
    )
    raw = r.read("raw read + decode")
    reads = table(
        ["reading the log", "seconds", "log events/s", "slowdown vs raw read + decode"],
        [
            [
                x.label,
                f"{x.seconds:.3f}",
                rate(x.log_events_per_second),
                ratio(raw.log_events_per_second / x.log_events_per_second),
            ]
            for x in r.reads
        ],
        markdown=markdown,
    )
    native = r.bare_saves.median.saves_per_second
    recorders = table(
        [
            "bare save loop",
            "needs/s",
            "saves/s",
            "events/s",
            "ms/save",
            "saves/s min-max",
            "native is faster by",
        ],
        [
            [
                label,
                rate(x.median.needs_per_second),
                rate(x.median.saves_per_second),
                rate(x.median.events_per_second),
                millis(x.median.seconds_per_save),
                _spread(x),
                ratio(native / x.median.saves_per_second),
            ]
            for label, x in (
                ("native (eventsourcing.sqlite/.postgres)", r.bare_saves),
                ("eventsourcing_sqlalchemy", r.sqlalchemy),
            )
        ],
        markdown=markdown,
    )
    title = f"{r.backend} ({r.version})"
    return "\n".join(
        [
            "",
            f"## {title}" if markdown else f"== {title} ==",
            "",
            f"1. Need lifecycle: {first.needs} needs = {first.saves} saves = {first.events} "
            "events per run; the median run is shown where there were several. CPU ms/save: "
            "this process only (Python, drivers), not the database server nor the worker.",
            "",
            loops,
            "",
            steps,
            "",
            f"2. Projection rebuild after the 'views on' run: a log of {r.log_events} events "
            f"(batches of {READ_BATCH}; raw reads: median of {RAW_REPEATS})",
            "",
            reads,
            "",
            "3. Event-store recorder: the bare save loop (saves only) on each recorder",
            "",
            recorders,
        ]
    )


def _against(floor: float, runs: Runs) -> str:
    """``saves/s (slowdown against the floor)``."""
    value = runs.median.saves_per_second
    return f"{rate(value)} ({ratio(floor / value)})"


def summary(all_results: Sequence[BackendResults], markdown: bool) -> str:
    rows = []
    for r in all_results:
        bare = r.bare_saves.median.saves_per_second
        raw = r.read("raw read + decode").log_events_per_second
        rows.append(
            [
                r.backend,
                rate(bare),
                _against(bare, r.app_views_off),
                _against(bare, r.app_views_on),
                ratio(raw / r.rebuild_all.log_events_per_second),
                ratio(bare / r.sqlalchemy.median.saves_per_second),
            ]
        )
    return "\n".join(
        [
            "",
            "## Summary" if markdown else "== Summary ==",
            "",
            table(
                [
                    "backend",
                    "bare saves/s",
                    "tsunagu, views off: saves/s (slowdown)",
                    "views on: saves/s (slowdown)",
                    "rebuild all views vs raw read + decode",
                    "native vs sqlalchemy recorder",
                ],
                rows,
                markdown=markdown,
            ),
        ]
    )


# -- command line ---------------------------------------------------------------


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Throughput of tsunagu's need lifecycle against a bare eventsourcing "
            "application, of view rebuilds against a raw read of the log, and of "
            "the native event-store recorders against eventsourcing_sqlalchemy."
        ),
        epilog=(
            "PostgreSQL is measured when "
            + " or ".join(POSTGRES_URL_VARIABLES)
            + " is set (or --postgres-url is given), each run in a fresh schema "
            "that is dropped afterwards. SQLite runs in temporary files."
        ),
    )
    parser.add_argument(
        "--needs",
        type=_positive,
        default=DEFAULT_NEEDS,
        help=f"timed needs per run, {SAVES_PER_NEED} saves each (default {DEFAULT_NEEDS})",
    )
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgres", "all"],
        default="all",
        help="which database to measure; 'all' is SQLite plus PostgreSQL when configured "
        "(default all)",
    )
    parser.add_argument(
        "--warmup",
        type=_non_negative,
        default=None,
        help="untimed needs before each timed run (default: a tenth of --needs, at least 5)",
    )
    parser.add_argument(
        "--needs-per-resource",
        type=_positive,
        default=DEFAULT_NEEDS_PER_RESOURCE,
        help="needs matched to each resource (and raised for each client); resources "
        "gain two events per need, so a large value shows how their growing history "
        f"costs (default {DEFAULT_NEEDS_PER_RESOURCE})",
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        default=DEFAULT_ROUNDS,
        help="runs of each bare loop, reported by their median; the two tsunagu runs "
        f"(inline views off and on) go once each between rounds (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--worker-poll",
        type=float,
        default=DEFAULT_WORKER_POLL,
        help="idle poll interval (s) of the projection worker that keeps the views current "
        "in the 'inline views off' runs; 'tsunagu projections run' polls every 0.5 s by "
        f"default (default {DEFAULT_WORKER_POLL})",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="PostgreSQL URL (default: " + ", then ".join(POSTGRES_URL_VARIABLES) + ")",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the result tables as Markdown"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write every figure and ratio, machine-readable, to PATH "
        "(make bench: bench/results.json)",
    )
    return parser.parse_args(argv)


def _backends(args: argparse.Namespace) -> tuple[list[BackendKind], str | None, str | None]:
    """(backends to run, PostgreSQL URL, a note or error about PostgreSQL)."""
    url = (args.postgres_url or "").strip() or postgres_url_from_env()
    if args.backend == "sqlite":
        return ["sqlite"], url, None
    if url is None:
        note = "PostgreSQL: no URL; set " + " or ".join(POSTGRES_URL_VARIABLES)
        if args.backend == "postgres":
            return [], None, note
        return ["sqlite"], None, note + " to measure it too"
    if args.backend == "postgres":
        return ["postgres"], url, None
    return ["sqlite", "postgres"], url, None


def _loop_json(result: LoopResult) -> dict[str, object]:
    return {
        "needs_per_second": result.needs_per_second,
        "saves_per_second": result.saves_per_second,
        "cpu_ms_per_save": result.cpu_seconds_per_save * 1000,
        "ms_per_command": [result.seconds_per_step(step) * 1000 for step in range(6)],
    }


def results_json(results: BackendResults) -> dict[str, object]:
    """One backend's figures, with the ratios the issue's targets are set in."""
    bare = results.bare_saves.median
    load_save = results.bare_load_save.median
    off, on = results.app_views_off.median, results.app_views_on.median
    decoded = results.read("raw read + decode")
    return {
        "backend": results.backend,
        "version": results.version,
        "bare_saves": _loop_json(bare),
        "bare_load_save": _loop_json(load_save),
        "views_off_with_worker": _loop_json(off),
        "views_on": _loop_json(on),
        "ratios": {
            "views_on_vs_bare_load_save": load_save.saves_per_second / on.saves_per_second,
            "views_off_vs_bare_load_save": load_save.saves_per_second / off.saves_per_second,
            "views_on_vs_bare_saves": bare.saves_per_second / on.saves_per_second,
            "views_off_vs_bare_saves": bare.saves_per_second / off.saves_per_second,
            "native_vs_sqlalchemy": bare.saves_per_second
            / results.sqlalchemy.median.saves_per_second,
            **{
                f"{r.label.replace(' ', '_')}_vs_raw_read_decode": r.seconds / decoded.seconds
                for r in results.reads
                if r.label.startswith("rebuild")
            },
        },
        "log_events": results.log_events,
        "reads_seconds": {r.label: r.seconds for r in results.reads},
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    warmup = args.warmup if args.warmup is not None else max(args.needs // 10, 5)
    plan = Plan(needs=args.needs, warmup=warmup, needs_per_resource=args.needs_per_resource)
    kinds, url, note = _backends(args)
    if not kinds:
        say(f"error: {note}")
        return 2
    print(header(args, plan), flush=True)
    if note:
        print(f"  note:     {note}", flush=True)
    started = time.perf_counter()
    results = []
    for kind in kinds:
        with Backend(kind, postgres_url=url) as backend:
            measured = run_backend(backend, plan, args.rounds, args.worker_poll)
        results.append(measured)
        print(backend_section(measured, args.markdown), flush=True)
    print(summary(results, args.markdown))
    if args.json is not None:
        document = {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "options": {k: str(v) for k, v in vars(args).items()},
            "load_at_end": _load(),
            "backends": [results_json(r) for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nTotal time: {time.perf_counter() - started:.0f} s; {_load()} at the end", flush=True)
    return 0
