"""Keeping SQL views current from the event log, exactly once, rebuilding them
blue/green, and isolating their failures.

**Generations.** Every view's rows live in tables of one *generation*; readers query
the canonical names, SQL views over the generation that serves. A rebuild, or a new
version of a view, is built into a new generation while the old one keeps serving,
and one transaction switches readers to it once it has caught up
(:mod:`infrastructure.views.generations`). Readers never see an empty or half-built
view. ``projection_builds`` records every generation.

**Exactly once.** A step locks the generation's row, applies the next batch of
events to its tables and moves its position, all in one transaction: a crash
leaves either all of it or none, and two runners (web workers and the
projection worker) never apply the same event twice.

**Fault isolation.** Each view applies a batch in a savepoint of its own: a
view that fails on an event (a handler error, or an event the code cannot
decode) stops just before it, alone — the other views go on, and the command
that wrote the event keeps its answer. The failure (position, event, error) is
recorded and shown by ``status``; the view tries again after a growing delay;
``retry`` tries at once, and ``skip`` lets an operator pass over a poison
event, recorded with who decided it and why.

**Batches folded in memory.** Handlers change row dicts (``View.row``,
``add_row``, ``delete_row``), counters (``count_later``) and append-only rows
(``insert_later``) of a :class:`~infrastructure.views.view.View`; the batch writes
them at its end, one executemany per table and kind (on PostgreSQL, many rows by
``COPY``: :mod:`infrastructure.views.writes`).
Rows stay in memory between batches only while the generation's position is the
one this object committed: any other writer (another process, a rolled-back
transaction) makes it read them again. Views advanced together (after
a command, at start-up, ``rebuild_many``) get each event read and decoded once, in
one savepoint (after a command, in none: a failure rolls the whole step back); if
one fails, the batch is applied again one view at a time so that it stops alone.
Views that read no sealed field get events whose sealed fields were never opened.
The applying itself lives in :mod:`infrastructure.views.applying`; the reading of
the log in batches, with its gap rule, in :mod:`infrastructure.views.log_reader`.

**Lock order.** Nothing is read from the event store while a view transaction
is open: on SQLite the event store and the views share one database lock, and
waiting for the event store's connections while holding it deadlocks.

**Who runs what.** After a command, the serving generations catch up in the
request (a bounded number of batches: a request never runs a rebuild).
Building generations advance only in ``tsunagu projections run`` (the worker),
``tsunagu projections rebuild`` and ``tsunagu init`` / start-up (which build a
view that has no generation of the code's version yet). With inline views, a
process starting up also brings lagging serving generations to the head (all
together, with a warning when far behind), except in the projection commands.

The library's ``ProjectionRunner`` needs a recorder subscription, which the
SQLite recorders do not provide; this catch-up loop over
``select_notifications`` works on every backend.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from eventsourcing.persistence import Notification
from sqlalchemy.engine import Engine

from application.common import ViewStatus
from application.store import EventStore, Reaction, react
from infrastructure.views import generations, registry
from infrastructure.views.applying import Applier, Unisolated, committed
from infrastructure.views.generations import table_names
from infrastructure.views.log_reader import Batch, LogReader
from infrastructure.views.registry import BUILDING, RETIRED, SERVING, Failure, Generation
from infrastructure.views.view import SERVING_CACHE_ROWS, View

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (position reached, head) after each batch."""

BATCH_SIZE = 500
BUILD_BATCH_SIZE = 5000
"""Events per batch while a generation is built far behind the head (its own
transaction: readers use the serving generation meanwhile)."""
BUILD_CACHE_ROWS = 200_000
"""Rows a view being built keeps in memory between batches at most."""
REQUEST_BATCHES = 4
"""Batches a command's request applies to the serving views at most (the rest is
the worker's, or the next request's): a request never runs a rebuild."""
WORKER_PAUSE_MAX = 30.0
"""Seconds the worker waits at most before trying again after a failed pass."""
WORKER_GATHER = 0.02
"""Seconds the worker lets new events gather after a pass that moved the views (at
most its poll interval): passing straight on wrote every command's few events in a
transaction of their own, and on SQLite each held the write lock the commands wait
for (a step of 8 events held it 0.3 ms an event, one of 80 events 0.08-0.15 ms;
docs/benchmarks.md). 20 ms kept nearly all of 50 ms's gain for the commands, and
readers waiting for their own writes (``min_position``) wait less: under a steady
stream the views lag by about this much more."""


class ViewUpdater:
    """Brings views up to the log's head: in-process, as a worker, or from scratch."""

    def __init__(
        self,
        store: EventStore,
        writer: Engine,
        reader: Engine,
        views: Sequence[View],
        batch_size: int = BATCH_SIZE,
        reactions: Sequence[Reaction] = (),
    ) -> None:
        self.store = store
        self.reactions = tuple(reactions)
        self.writer = writer
        self.reader = reader
        self.views: dict[str, type[View]] = {view.name: type(view) for view in views}
        self.batch_size = batch_size
        self._bound: dict[tuple[str, int], View] = {}
        self.applier = Applier(store)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.log = LogReader(store, reader)

    @property
    def gap_wait(self) -> float:
        """Seconds at most a missing position below the head is waited for."""
        return self.log.gap_wait

    @gap_wait.setter
    def gap_wait(self, seconds: float) -> None:
        self.log.gap_wait = seconds

    @property
    def names(self) -> list[str]:
        return list(self.views)

    def bound(self, name: str, generation: int) -> View:
        """The view ``name`` writing to the tables of ``generation``."""
        key = (name, generation)
        if key not in self._bound:
            self._bound[key] = self.views[name](generation)
        return self._bound[key]

    # -- schema and start-up ------------------------------------------------------

    def create_tables(self, progress: Callable[[str], Progress] | None = None) -> None:
        """Make every view servable at the code's version (safe to repeat).

        Adopts the views of a database written before generations existed (its
        tables become generation 1); builds, now, every view that has no
        generation of the code's version yet — at start-up or in ``tsunagu
        init``, never in a request — and drops retired views' tables.
        ``progress(view name)`` gives a progress callback for a build.
        """
        with self.writer.begin() as conn:
            generations.adopt_legacy(conn, self.views)
            generations.drop_retired(conn)
        todo: list[tuple[str, int]] = []
        for name, view in self.views.items():
            serving = self.serving(name)
            if serving is not None and serving.version == view.version:
                continue
            todo.append((name, self._building(name) or self._start(name)))
        self._build_many(todo, progress)

    # -- catching up ----------------------------------------------------------------

    def changed(self, position: int) -> None:
        """ChangeListener: bring the serving views up to (at least) ``position`` now.

        After a command only a few events are new and every view stands at the
        same position, so all views move together: one read of the log, each
        event decoded once, each view in its own savepoint. Bounded: a view far
        behind is left to the worker. Never raises: the command's events are
        saved, whatever a view makes of them.
        """
        try:
            with self._lock:
                for _ in range(REQUEST_BATCHES):
                    if not self._step_together().more:
                        return
        except Exception:
            log.exception("views could not catch up after a command; the worker will")

    def catch_up(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Bring the serving generations up to the current head; returns how far they moved.

        Views far behind move together (each event read and decoded once for all of
        them, as in :meth:`rebuild_many`), then each takes its last steps alone.
        """
        todo: list[tuple[str, int]] = []
        for name in names or list(self.views):
            self._require_view(name)
            serving = self.serving(name)
            if serving is not None:
                todo.append((name, serving.generation))
        # Batches of the serving size: these generations serve, and a step after a
        # command waits for their locks (on SQLite, every writer waits for it).
        applied = self._advance_together(
            todo, {name: progress for name, _ in todo}, self.batch_size
        )
        # Near the head, every view in one transaction per batch, as after a command:
        # a step per view took the write lock once per view and pass (on SQLite every
        # command waited behind those transactions) and read the log once per view.
        wanted = {name for name, _ in todo}
        while True:
            with self._lock:  # the views' rows in memory, shared with :meth:`changed`
                step = self._step_together(wanted)
            applied += step.moved
            if step.moved and progress is not None:
                progress(step.reached, step.head)
            if not step.more or not step.moved:  # at the head, or held at a gap
                break
        # What the joint step leaves: a view alone far behind (the one that stayed
        # behind when the others caught up). New events meanwhile are the next pass's.
        with self.reader.connect() as conn:
            steps = registry.serving_steps(conn)
        head = self.store.head()
        for name, generation in todo:
            if head - steps.get((name, generation), (head, None))[0] <= self.batch_size:
                continue
            while count := self._step(name, generation, progress):
                applied += count
        return applied

    def behind(self) -> int:
        """How many positions the serving view furthest behind the log's head lags."""
        with self.reader.connect() as conn:
            positions = [
                g.position for g in registry.generations(conn, [SERVING]) if g.view in self.views
            ]
        return max(self.store.head() - min(positions, default=self.store.head()), 0)

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Build the view anew beside the serving one, then switch readers to it."""
        self._require_view(name)
        generation = self._building(name) or self._start(name)
        return self._build(name, generation, progress)

    def rebuild_many(
        self, names: Sequence[str], progress: Callable[[str], Progress] | None = None
    ) -> int:
        """Build several views anew in one pass over the log (each event read and
        decoded once for all of them), then switch each one's readers to it."""
        for name in names:
            self._require_view(name)
        todo = [(name, self._building(name) or self._start(name)) for name in names]
        return self._build_many(todo, progress)

    def build_pending(
        self, progress: Progress | None = None, names: Sequence[str] | None = None
    ) -> int:
        """Advance every building generation (of ``names``), switching those that caught
        up; in one pass over the log."""
        todo = [
            (name, g)
            for name in (names or list(self.views))
            if (g := self._building(name)) is not None
        ]
        return self._build_many(todo, (lambda _name: progress) if progress else None)

    def run_forever(
        self,
        poll_interval: float = 0.5,
        on_batch: Progress | None = None,
        names: Sequence[str] | None = None,
        reactions: bool = True,
    ) -> None:
        """Follow the log until :meth:`stop` is called (the projection worker).

        Each pass lets the process managers react (they write events), brings
        the serving views up to date and advances any view being built. ``names``:
        only these views (one worker per group of views, each view's row lock keeps
        them apart); ``reactions=False``: leave the process managers and the ledger
        to another worker (docs/deployment.md). A pass
        that fails (the database went away) is logged and tried again after a
        growing pause: the worker never dies of it.
        """
        self._stopping.clear()
        pause = poll_interval
        while not self._stopping.is_set():
            try:
                reacted = react(self.reactions) if reactions else 0
                moved = self.catch_up(names, on_batch) + self.build_pending(on_batch, names)
            except Exception:
                log.exception("a pass of the projection worker failed; again in %.1f s", pause)
                self._stopping.wait(pause)
                pause = min(pause * 2, WORKER_PAUSE_MAX)
                continue
            pause = poll_interval
            busy = moved or reacted
            self._stopping.wait(min(poll_interval, WORKER_GATHER) if busy else poll_interval)

    def stop(self) -> None:
        self._stopping.set()

    def deliver(self, name: str, notifications: Sequence[Notification]) -> int:
        """Apply the given notifications to the serving view, skipping those it has seen.

        Re-delivery is harmless: this is how the exactly-once guarantee is
        exercised in tests.
        """
        self._require_view(name)
        serving = self.serving(name)
        if serving is None:
            raise LookupError(f"view {name!r} has no serving generation; run 'tsunagu init'")
        last = notifications[-1].id if notifications else 0
        batch = Batch(last, notifications, last)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            position = registry.lock_generation(conn, name, serving.generation)
            view = self.bound(name, serving.generation)
            reached, failure = self.applier.apply(
                conn, view, position, batch, registry.skips(conn), done=done
            )
        committed(done)
        if failure is not None:
            raise RuntimeError(f"view {name!r} failed at {failure.position}: {failure.error}")
        return sum(1 for n in notifications if position < n.id <= reached)

    # -- operators ---------------------------------------------------------------------

    def retry(self, name: str) -> bool:
        """A failed view tries again now; returns whether it had failed."""
        self._require_view(name)
        with self.writer.begin() as conn:
            failed = registry.retry_now(conn, name)
        self.catch_up([name])
        return failed

    def skip(self, name: str, position: int, reason: str, by: str) -> None:
        """Let the view pass over the event at ``position`` (a poison event) for good;
        recorded with who decided it and why."""
        self._require_view(name)
        if not reason.strip():
            raise ValueError("say why the event is skipped")
        found = self.store.recorder.select_notifications(start=position, limit=1, stop=position)
        if not found or found[0].id != position:
            raise LookupError(f"no event at position {position}")
        with self.writer.begin() as conn:
            registry.skip(conn, name, position, found[0].topic, reason.strip(), by)
            registry.retry_now(conn, name)
        log.warning("view %s skips the event at %d, as %s decided: %s", name, position, by, reason)
        self.catch_up([name])

    # -- generations ------------------------------------------------------------------

    def serving(self, name: str) -> Generation | None:
        with self.reader.connect() as conn:
            return registry.serving(conn, name)

    def _building(self, name: str) -> int | None:
        with self.reader.connect() as conn:
            return registry.latest(conn, name, BUILDING)

    def _start(self, name: str) -> int:
        """A new, empty generation of the view at the code's version."""
        view_cls = self.views[name]
        with self.writer.begin() as conn:
            generation = (registry.latest(conn, name) or 0) + 1
            generations.make(conn, self.bound(name, generation))
            registry.record(
                conn, name, generation, view_cls.version, BUILDING, 0, table_names(view_cls)
            )
        return generation

    def _build_many(
        self,
        todo: Sequence[tuple[str, int]],
        progress: Callable[[str], Progress] | None = None,
    ) -> int:
        """Catch several building generations up together while far behind the head
        (:meth:`_advance_together`); then each one finishes and switches on its own
        (:meth:`_build`)."""
        callbacks = {name: progress(name) if progress else None for name, _ in todo}
        for name, generation in todo:
            self.bound(name, generation).cache_limit = BUILD_CACHE_ROWS
        applied = self._advance_together(todo, callbacks, BUILD_BATCH_SIZE)
        for name, generation in todo:
            applied += self._build(name, generation, callbacks[name])
        return applied

    def _advance_together(
        self, todo: Sequence[tuple[str, int]], callbacks: dict[str, Progress | None], limit: int
    ) -> int:
        """Move several generations (building or serving) while they are far behind
        the head: one read of the log per batch (of ``limit`` events) for all of them,
        each event decoded once and applied to every view in turn (see
        :meth:`_apply_many`). Stops when fewer than two are left far behind, or at a
        gap; returns how far they moved. Their rows are locked in the order of their
        names, as :func:`registry.lock_serving` locks them after a command (two
        processes taking them in different orders deadlock on PostgreSQL)."""
        applied = 0
        going = sorted(todo)
        while len(going) > 1:
            head = self.store.head()
            with self.reader.connect() as conn:
                positions = {key: registry.position_of(conn, *key) for key in going}
                failures = registry.failures(conn)
            # Only those still far behind: one near the head takes its own small steps.
            going = [
                key
                for key in going
                if key not in failures and head - positions[key] > self.batch_size
            ]
            if len(going) < 2:
                break
            start = min(positions[key] for key in going)
            views = [self.bound(*key) for key in going]
            topics = [self.applier.topics(view) for view in views]
            wanted = None if any(t is None for t in topics) else sorted(set().union(*topics))  # type: ignore[arg-type]
            batch = self.log.read(self.batch_size, wanted, start, head, limit=limit)
            done: list[tuple[View, int, int]] = []
            with self.writer.begin() as conn:
                entries = [
                    (view, registry.lock_generation(conn, *key))
                    for view, key in zip(views, going, strict=True)
                ]
                results = self.applier.apply_many(conn, entries, batch, registry.skips(conn), done)
            committed(done)
            for (view, position), (reached, failure) in zip(entries, results, strict=True):
                applied += reached - position
                callback = callbacks[view.name]
                if callback is not None and failure is None:
                    callback(reached, batch.head)
            if batch.reached <= start:
                break  # stopped at a gap: each goes on alone
        return applied

    def _build(self, name: str, generation: int, progress: Progress | None) -> int:
        """Catch a building generation up with the log and make it the serving one."""
        applied = 0
        indexed = False
        self.bound(name, generation).cache_limit = BUILD_CACHE_ROWS
        while True:
            head = self.store.head()
            position = self._position(name, generation)
            if head - position > self.batch_size:
                moved = self._step(name, generation, progress, limit=BUILD_BATCH_SIZE)
                if not moved:  # failing: the failure is recorded and shown
                    return applied
                applied += moved
                continue
            if not indexed:
                generations.index(self.writer, self.bound(name, generation))
                indexed = True
            if self._switch(name, generation, progress):
                return applied
            if self._failure(name, generation) is not None:
                return applied

    def _switch(self, name: str, generation: int, progress: Progress | None) -> bool:
        """Finish the building generation and point the readers at it, in one transaction.

        The last events are read first; if, under the serving generation's lock,
        that one has moved past them, another round is needed (False).
        """
        view = self.bound(name, generation)
        batch = self.log.read(self.batch_size, view.topics(), self._position(name, generation))
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            serving = registry.serving(conn, name, lock=True)
            position = registry.lock_generation(conn, name, generation)
            if serving is not None and serving.position > batch.reached:
                return False  # the log ran ahead meanwhile: another round first
            reached, failure = self.applier.apply(
                conn, view, position, batch, registry.skips(conn), done=done
            )
            if failure is not None or reached < batch.reached:
                return False
            generations.point(conn, type(view).tables, generation)
            registry.mark(conn, name, generation, SERVING)
            if serving is not None:
                registry.mark(conn, name, serving.generation, RETIRED)
                registry.clear_failure(conn, name, serving.generation)
                generations.retire(conn, serving, table_names(self.views[name]))
        committed(done)
        view.cache_limit = SERVING_CACHE_ROWS  # it serves now
        for key in [k for k in self._bound if k[0] == name and k[1] != generation]:
            del self._bound[key]  # retired generations: their rows kept in memory go too
        generations.analyze_tables(self.writer, type(view).tables, generation)
        if progress is not None:
            progress(batch.head, batch.head)
        return True

    # -- one step --------------------------------------------------------------------

    def _step_together(self, names: Collection[str] | None = None) -> _JointStep:
        """One batch for every serving view (of ``names``) near the head at once.

        The views share one transaction without a savepoint each (two round trips less
        per command on PostgreSQL): should one fail, the whole step is rolled back and
        taken again with each view in a savepoint of its own, so the failing view stops
        alone."""
        try:
            return self._step_together_once(names, isolated=False)
        except Unisolated:
            return self._step_together_once(names, isolated=True)

    def _step_together_once(self, names: Collection[str] | None, isolated: bool) -> _JointStep:
        with self.reader.connect() as conn:
            steps = registry.serving_steps(conn)
        at = registry.now()
        head = self.store.head()
        views = self.views if names is None else names
        # Failed views wait for their retry; a view far behind catches up on its own.
        due = {
            key: p
            for key, (p, retry_at) in steps.items()
            if key[0] in views
            and key[0] in self.views
            and head - p <= self.batch_size
            and (retry_at is None or retry_at <= at)
        }
        start = min(due.values(), default=head)
        if start >= head:
            return _JointStep(0, head, head, more=False)
        batch = self.log.read(self.batch_size, None, start, head)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            locked = registry.lock_serving(conn, sorted({key[0] for key in due}))
            # Under the locks: no failure can appear meanwhile.
            skips, failing = registry.skips_and_failing(conn)
            moves: list[tuple[str, int, int]] = []
            entries = [  # (else: switched to another generation meanwhile)
                (self.bound(*key), locked[key]) for key in sorted(due) if key in locked
            ]
            results = self.applier.apply_many(
                conn, entries, batch, skips, done, moves, failing, isolated
            )
            registry.move_many(conn, moves)  # one statement for every view's position
        committed(done)
        moved = sum(
            reached - position for (_, position), (reached, _) in zip(entries, results, strict=True)
        )
        return _JointStep(moved, batch.reached, batch.head, more=batch.reached < batch.head)

    def _step(
        self, name: str, generation: int, progress: Progress | None = None, limit: int = 0
    ) -> int:
        """One batch in one transaction; returns how many positions the generation moved.
        ``limit``: events per batch when far behind (default: the batch size)."""
        view = self.bound(name, generation)
        failure = self._failure(name, generation)
        if failure is not None and not failure.due(registry.now()):
            return 0
        start = self._position(name, generation)
        batch = self.log.read(self.batch_size, view.topics(), start, limit=limit)
        if start >= batch.head:
            return 0  # at the head: no transaction (on SQLite it took the write lock)
        done: list[tuple[View, int, int]] = []
        with self.writer.begin() as conn:
            position = registry.lock_generation(conn, name, generation)
            if position >= batch.head:
                return 0
            reached, _ = self.applier.apply(
                conn, view, position, batch, registry.skips(conn), done=done
            )
        committed(done)
        if progress is not None:
            progress(reached, batch.head)
        return reached - position

    def _position(self, name: str, generation: int) -> int:
        with self.reader.connect() as conn:
            return registry.position_of(conn, name, generation)

    def _failure(self, name: str, generation: int) -> Failure | None:
        with self.reader.connect() as conn:
            return registry.failures(conn).get((name, generation))

    def _require_view(self, name: str) -> type[View]:
        try:
            return self.views[name]
        except KeyError:
            known = ", ".join(sorted(self.views))
            raise LookupError(f"no view named {name!r} (known: {known})") from None

    # -- monitoring (application.common.ViewMonitor) --------------------------------

    def status(self) -> list[ViewStatus]:
        head = self.store.head()
        with self.reader.connect() as conn:
            return registry.statuses(conn, list(self.views), head)

    def position(self, name: str) -> int:
        serving = self.serving(name)
        return serving.position if serving is not None else 0

    def bring_up(self, views: Sequence[str], position: int) -> bool:
        """Step each of ``views`` (serving generation) to ``position`` here and now,
        at most :data:`REQUEST_BATCHES` batches each: a command that reads a view
        does the little work the worker has not done yet instead of waiting for
        it. A view far behind, failing, or stopped at a gap is left as it is."""
        reached = True
        for name in views:
            serving = self.serving(name)
            if serving is None:
                reached = False
                continue
            at = serving.position
            for _ in range(REQUEST_BATCHES):
                if at >= position:
                    break
                moved = self._step(name, serving.generation)
                if not moved:
                    break
                at += moved
            reached = reached and at >= position
        return reached

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            if self.position(view) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)


class _JointStep(NamedTuple):
    """What one step of the serving views together did."""

    moved: int
    """Positions moved, summed over the views."""
    reached: int
    """Where the batch took them (those that did not fail)."""
    head: int
    more: bool
    """Whether the log may hold more after this batch."""
