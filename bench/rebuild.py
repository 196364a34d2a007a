"""Rebuilding the SQL views against a raw read of the same notification log."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.report import ProgressLine
from infrastructure.views.projection import BATCH_SIZE, ViewUpdater
from interfaces.bootstrap import Container

READ_BATCH = BATCH_SIZE
"""Raw reads use the batches the view updater uses."""
RAW_REPEATS = 3


@dataclass(frozen=True)
class ReadResult:
    """One pass over the log (or one view rebuilt from it)."""

    label: str
    log_events: int
    """Length of the log the pass covered."""
    seconds: float

    @property
    def log_events_per_second(self) -> float:
        return self.log_events / self.seconds


def raw_read(container: Container, head: int, decode: bool) -> float:
    """Seconds to read notifications 1..head in the updater's batches (and decode them)."""
    recorder = container.store.recorder
    to_domain_event = container.store.mapper.to_domain_event
    position = 0
    seen = 0
    started = time.perf_counter()
    while position < head:
        batch = recorder.select_notifications(start=position + 1, limit=READ_BATCH, stop=head)
        if not batch:
            break
        if decode:
            for notification in batch:
                to_domain_event(notification)
        seen += len(batch)
        position = batch[-1].id
    seconds = time.perf_counter() - started
    if seen != head:
        raise RuntimeError(f"raw read saw {seen} notifications, expected {head}")
    return seconds


def measure_rebuild(container: Container) -> tuple[int, list[ReadResult]]:
    """Raw reads (median of three, after one warm-up pass), every view rebuilt alone,
    then all views rebuilt together in one pass over the log."""
    head = container.store.head()
    raw_read(container, head, decode=True)  # warm-up: caches, prepared statements, imports
    results = []
    for decode, label in ((False, "raw read, no decoding"), (True, "raw read + decode")):
        seconds = statistics.median(raw_read(container, head, decode) for _ in range(RAW_REPEATS))
        results.append(ReadResult(label, head, seconds))
    projections: ViewUpdater = container.projections
    names = projections.names
    for name in names:
        line = ProgressLine(f"rebuild {name}", head)
        started = time.perf_counter()
        projections.rebuild(name, progress=line.on_batch)
        seconds = time.perf_counter() - started
        line.finish()
        results.append(ReadResult(f"rebuild {name}", head, seconds))
    line = ProgressLine(f"rebuild all {len(names)} views", head)
    reached: dict[str, int] = {}

    def progress(name: str) -> Callable[[int, int], None]:
        def on_batch(position: int, _head: int) -> None:
            reached[name] = position
            line.on_batch(min(reached.get(n, 0) for n in names), head)

        return on_batch

    started = time.perf_counter()
    projections.rebuild_many(names, progress=progress)
    seconds = time.perf_counter() - started
    line.finish()
    # "rebuild all": the views together in one pass (what `tsunagu projections rebuild`
    # and start-up do); the sum of the single rebuilds is kept beside it.
    single = sum(r.seconds for r in results if r.label.startswith("rebuild "))
    results.append(ReadResult(f"rebuild all {len(names)} views in one pass", head, seconds))
    results.append(ReadResult(f"sum of the {len(names)} single-view rebuilds", head, single))
    return head, results
