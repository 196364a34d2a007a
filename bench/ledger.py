"""``python -m bench.ledger``: what the ledger costs and how fast it verifies.

For each backend (a temporary SQLite file and, when configured, PostgreSQL):

1. the need lifecycle through ``Services`` (inline views on, the default) without
   the ledger, and with the ledger following every need in the same process
   (``Ledger.catch_up``: leaves added, a checkpoint signed every
   ``--checkpoint-every`` events) — an upper bound of its cost, since in
   production the projection worker does it in another process;
2. a log of ``--events`` events (the lifecycle's own stored states, repeated)
   leafed and signed, then verified: events/s, and the peak memory verify
   allocates (traced in a second, untimed run).

Progress goes to stderr, results to stdout (docs/benchmarks.md, "Ledger").
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from bench.backends import Backend, BackendKind, Target, postgres_url_from_env
from bench.report import ProgressLine, rate, ratio, say, table
from bench.workload import LoopResult, Plan, build_town, need_lifecycle, timed_loop
from interfaces.bootstrap import Container, bootstrap

DEFAULT_EVENTS = 100_000
DEFAULT_NEEDS = 100
CHECKPOINT_EVENTS = 1000


@dataclass(frozen=True)
class LedgerResults:
    backend: str
    without: LoopResult
    with_ledger: LoopResult
    log_events: int
    leaf_and_sign_per_s: float
    verify_per_s: float
    verify_per_cpu_s: float
    """Events per CPU second of this process: what verify does when it has a core."""
    verify_peak_mb: float


def _lifecycle(
    target: Target, plan: Plan, label: str, follow: bool
) -> tuple[LoopResult, Container]:
    container = bootstrap(target.settings(inline_projections=True))
    ledger = container.ledger
    ledger.every_events = CHECKPOINT_EVENTS
    app = container.services
    setup = ProgressLine(f"{label}: setup", plan.groups, milestones=False)
    town = build_town(app, plan, setup.update)
    setup.finish()
    run = need_lifecycle(app, town, plan)
    if follow:
        ledger.catch_up()
        inner = run

        def run(index: int, laps: object) -> None:  # type: ignore[no-redef]
            inner(index, laps)  # type: ignore[arg-type]
            ledger.catch_up()

    line = ProgressLine(f"{label}: {plan.warmup} warm-up + {plan.needs} needs", plan.total)
    result = timed_loop(label, plan, run, app.oversight.head, line.update)
    line.finish(
        f"{result.events_per_second:.0f} events/s, "
        f"{result.cpu_seconds * 1000 / result.events:.1f} CPU ms/event"
    )
    return result, container


def _fill(container: Container, events: int, tick: Callable[[int], None]) -> None:
    """Grow the log to ``events`` events with copies of the states it holds."""
    rows = container.ledger._log.rows(0, 1000)
    samples = [(row[3], row[4]) for row in rows]
    head = container.store.head()
    batch = 1000
    while head < events:
        size = min(batch, events - head)
        container.store.recorder.insert_events(
            [StoredEvent(uuid4(), 1, *samples[(head + i) % len(samples)]) for i in range(size)]
        )
        head += size
        tick(head)


def run_backend(backend: Backend, plan: Plan, events: int) -> LedgerResults:
    kind = backend.kind
    say(f"\n{backend.title} ({backend.version()}), {backend.where()}")
    without, container = _lifecycle(backend.fresh("plain"), plan, f"{kind} without ledger", False)
    container.close()
    gc.collect()
    with_ledger, container = _lifecycle(backend.fresh("ledger"), plan, f"{kind} with ledger", True)
    try:
        line = ProgressLine(f"{kind}: filling the log to {events} events", events)
        _fill(container, events, line.update)
        line.finish()
        ledger = container.ledger
        started = time.perf_counter()
        before = ledger._store.size()[0]
        ledger.checkpoint()
        leafed = ledger._store.size()[0] - before
        leaf_rate = leafed / (time.perf_counter() - started)
        say(f"  {kind}: {leafed} leaves added and signed at {rate(leaf_rate)}/s")
        gc.collect()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = ledger.verify()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        if not result.ok:
            raise RuntimeError(f"the bench log does not verify: {result.describe()}")
        say(f"  {kind}: verified {result.events} events at {rate(result.events / seconds)}/s")
        tracemalloc.start()
        ledger.verify()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return LedgerResults(
            backend=kind,
            without=without,
            with_ledger=with_ledger,
            log_events=result.events,
            leaf_and_sign_per_s=leaf_rate,
            verify_per_s=result.events / seconds,
            verify_per_cpu_s=result.events / cpu_seconds,
            verify_peak_mb=peak / 1e6,
        )
    finally:
        container.close()


def _cpu_ms(result: LoopResult) -> str:
    return f"{result.cpu_seconds * 1000 / result.events:.2f}"


def report(results: list[LedgerResults], markdown: bool) -> str:
    rows = [
        [
            r.backend,
            rate(r.without.events_per_second),
            rate(r.with_ledger.events_per_second),
            _cpu_ms(r.without),
            _cpu_ms(r.with_ledger),
            ratio(r.with_ledger.cpu_seconds / r.without.cpu_seconds),
            f"{r.log_events:,}",
            rate(r.leaf_and_sign_per_s),
            rate(r.verify_per_s),
            rate(r.verify_per_cpu_s),
            f"{r.verify_peak_mb:.1f}",
        ]
        for r in results
    ]
    headers = [
        "backend",
        "write ev/s, no ledger",
        "write ev/s, ledger",
        "CPU ms/event, no ledger",
        "CPU ms/event, ledger",
        "CPU with/without",
        "log events",
        "leaf+sign ev/s",
        "verify ev/s",
        "verify ev/CPU-s",
        "verify peak MB",
    ]
    return table(headers, rows, markdown=markdown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="log size to verify")
    parser.add_argument("--needs", type=int, default=DEFAULT_NEEDS, help="needs to time")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres", "all"], default="all", help="where to run"
    )
    parser.add_argument("--markdown", action="store_true", help="results as a Markdown table")
    args = parser.parse_args(argv)
    plan = Plan(needs=args.needs, warmup=max(args.needs // 10, 5), needs_per_resource=10)
    kinds: list[BackendKind] = ["sqlite"]
    url = postgres_url_from_env()
    if args.backend in ("postgres", "all") and url:
        kinds.append("postgres")
    if args.backend == "postgres":
        kinds.remove("sqlite")
    results = []
    for kind in kinds:
        with Backend(kind, url) as backend:
            results.append(run_backend(backend, plan, args.events))
    with open("/proc/loadavg", encoding="ascii") as load:
        say(f"load average at the end: {load.read().split()[0]}")
    print(report(results, args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
