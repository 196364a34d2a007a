"""Applying a batch of the log to views: each event decoded once for every view that
reads it, a failing view stopped alone just before its event (the others go on),
and the writes each view folded in memory flushed at the batch's end.

The runner (:mod:`infrastructure.views.projection`) decides which views take which
batch, in which transaction, and under which locks; this module does the applying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any

from eventsourcing.persistence import Mapper, Notification
from sqlalchemy.engine import Connection

from application.privacy import ENVELOPE, ERASED_VALUES, SealingMapper
from application.store import EventStore
from domain.values import ERASED
from infrastructure.views import registry
from infrastructure.views.log_reader import Batch
from infrastructure.views.registry import Failure
from infrastructure.views.view import View

log = logging.getLogger(__name__)


class Applier:
    """Applies batches to views, in the connection's transaction."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._topic_sets: dict[str, frozenset[str] | None] = {}

    def apply(
        self,
        conn: Connection,
        view: View,
        position: int,
        batch: Batch,
        skips: set[tuple[str, int]],
        moves: list[tuple[str, int, int]] | None = None,
        failed: bool = True,
        done: list[tuple[View, int, int]] | None = None,
    ) -> tuple[int, Failure | None]:
        """Apply the batch's events after ``position`` to one view in a savepoint of its
        own and move its position; a failure stops this view just before the event.

        ``moves``: collect the new position there (written by the caller for every
        view at once) instead of updating it now; ``failed=False``: the caller
        knows, under the generation's lock, that the view has no failure to clear.
        A batch with none of the view's events needs no savepoint. ``done``: where the
        caller learns what to tell the view once the transaction has committed (its
        rows kept in memory are then true at the new position).
        """
        token = view.begin_batch(position)
        wanted = self.topics(view)
        todo = [
            n
            for n in batch.notifications
            if n.id > position and (wanted is None or n.topic in wanted)
        ]
        if todo:
            savepoint = conn.begin_nested()
            current: Notification | None = None
            flushing = False
            try:
                for current in todo:
                    self._apply_one(conn, view, current, batch, skips)
                flushing = True
                view.flush(conn)
            except Exception as error:
                savepoint.rollback()
                view.discard_pending()
                view.rolled_back()
                assert current is not None  # noqa: S101 - only events raise here
                if flushing:  # which event made the batch's writes fail?
                    current, error = self._culprit(conn, view, todo, batch, skips) or (
                        current,
                        error,
                    )
                return self._failed(conn, view, position, batch, skips, current, error)
            savepoint.commit()
        reached = max(position, batch.reached)
        if moves is None:
            registry.move(conn, view.name, view.generation, reached)
        elif reached != position:
            moves.append((view.name, view.generation, reached))
        if failed and registry.clear_failure(conn, view.name, view.generation):
            log.warning("view %s recovered: it is at %d again", view.name, reached)
        if done is not None:
            done.append((view, token, reached))
        return reached, None

    def apply_many(
        self,
        conn: Connection,
        entries: Sequence[tuple[View, int]],
        batch: Batch,
        skips: set[tuple[str, int]],
        done: list[tuple[View, int, int]],
        moves: list[tuple[str, int, int]] | None = None,
        failing: Collection[tuple[str, int]] = (),
        isolated: bool = True,
    ) -> list[tuple[int, Failure | None]]:
        """Apply the batch to several views (each at its own position) in one pass:
        each event is decoded once and handed to every view that reads it, all in one
        savepoint. Should any view fail, that savepoint is rolled back and the batch
        applied again one view at a time (:meth:`_apply`), each in a savepoint of its
        own, so that the failing view stops alone, just before its event.
        ``isolated=False``: no savepoint; a failure raises :class:`Unisolated` (the
        caller rolls the transaction back and takes the step again isolated)."""
        wanted = [self.topics(view) for view, _ in entries]
        tokens = [view.begin_batch(position) for view, position in entries]
        savepoint = conn.begin_nested() if isolated else None
        try:
            to_domain_event = self.decoder([view for view, _ in entries])
            self._decode_together(entries, wanted, batch, skips, to_domain_event)
            for notification in batch.notifications:
                event = batch.decoded.get(notification.id)
                for (view, position), topics in zip(entries, wanted, strict=True):
                    if notification.id <= position or (
                        topics is not None and notification.topic not in topics
                    ):
                        continue
                    if (view.name, notification.id) in skips:
                        continue
                    if event is None:
                        event = to_domain_event(notification)
                    view.apply(conn, event, notification.id)
            for view, _ in entries:
                view.flush(conn)
        except Exception as error:
            if savepoint is not None:
                savepoint.rollback()
            for view, _ in entries:
                view.discard_pending()
                view.rolled_back()
            if savepoint is None:
                raise Unisolated from error
            return [
                self.apply(
                    conn,
                    view,
                    position,
                    batch,
                    skips,
                    moves,
                    (view.name, view.generation) in failing if moves is not None else True,
                    done,
                )
                for view, position in entries
            ]
        if savepoint is not None:
            savepoint.commit()
        results: list[tuple[int, Failure | None]] = []
        for (view, position), token in zip(entries, tokens, strict=True):
            reached = max(position, batch.reached)
            if moves is None:
                registry.move(conn, view.name, view.generation, reached)
            elif reached != position:
                moves.append((view.name, view.generation, reached))
            check = (view.name, view.generation) in failing if moves is not None else True
            if check and registry.clear_failure(conn, view.name, view.generation):
                log.warning("view %s recovered: it is at %d again", view.name, reached)
            done.append((view, token, reached))
            results.append((reached, None))
        return results

    def _decode_together(
        self,
        entries: Sequence[tuple[View, int]],
        wanted: Sequence[frozenset[str] | None],
        batch: Batch,
        skips: set[tuple[str, int]],
        to_domain_event: Callable[[Notification], Any],
    ) -> None:
        """Open the batch's events that the views will read all at once, when they are
        opened at all: the keys of every client they name are looked up together
        (one query, where one per client was made when each event was opened alone)."""
        mapper = self.store.mapper
        if not isinstance(mapper, SealingMapper) or to_domain_event != mapper.to_domain_event:
            return
        needed = [
            notification
            for notification in batch.notifications
            if notification.id not in batch.decoded
            and any(
                notification.id > position
                and (topics is None or notification.topic in topics)
                and (view.name, notification.id) not in skips
                for (view, position), topics in zip(entries, wanted, strict=True)
            )
        ]
        events = mapper.to_domain_events(needed)  # all or none: a failure is found later
        batch.decoded.update(
            (notification.id, event) for notification, event in zip(needed, events, strict=True)
        )

    def _apply_one(
        self,
        conn: Connection,
        view: View,
        notification: Notification,
        batch: Batch,
        skips: set[tuple[str, int]],
    ) -> None:
        if (view.name, notification.id) in skips:
            return
        wanted = self.topics(view)
        if wanted is not None and notification.topic not in wanted:
            return  # not this view's: never decoded for it (it may not even decode)
        if not view.reads_sealed:
            view.apply(conn, self.decoder([view])(notification), notification.id)
            return
        event = batch.decoded.get(notification.id)
        if event is None:
            event = self.store.mapper.to_domain_event(notification)
            batch.decoded[notification.id] = event
        view.apply(conn, event, notification.id)

    def decoder(self, views: Sequence[View]) -> Callable[[Notification], Any]:
        """How the events for ``views`` are decoded: sealed fields opened only when one
        of them reads them."""
        mapper = self.store.mapper
        if any(view.reads_sealed for view in views) or not isinstance(mapper, SealingMapper):
            return mapper.to_domain_event
        return partial(unsealed, mapper)

    def _culprit(
        self,
        conn: Connection,
        view: View,
        todo: Sequence[Notification],
        batch: Batch,
        skips: set[tuple[str, int]],
    ) -> tuple[Notification, Exception] | None:
        """The batch's writes failed when they were written together at its end: apply
        its events again one at a time, each written at once, to find the event that
        fails (rolled back whatever it finds; only run after a failure)."""
        savepoint = conn.begin_nested()
        try:
            for notification in todo:
                try:
                    self._apply_one(conn, view, notification, batch, skips)
                    view.flush(conn)
                except Exception as error:
                    return notification, error
            return None
        finally:
            savepoint.rollback()
            view.discard_pending()
            view.rolled_back()

    def _failed(
        self,
        conn: Connection,
        view: View,
        position: int,
        batch: Batch,
        skips: set[tuple[str, int]],
        failing: Notification,
        error: Exception,
    ) -> tuple[int, Failure]:
        """Keep the events before the failing one, stop there, record the failure."""
        before = [n for n in batch.notifications if position < n.id < failing.id]
        savepoint = conn.begin_nested()
        for notification in before:
            self._apply_one(conn, view, notification, batch, skips)
        view.flush(conn)
        savepoint.commit()
        reached = before[-1].id if before else position
        registry.move(conn, view.name, view.generation, reached)
        failure = registry.fail(
            conn,
            view.name,
            view.generation,
            failing.id,
            failing.topic,
            f"{type(error).__name__}: {error}",
        )
        if failure.attempts == 1:  # logged once, not at every retry
            log.error(
                "view %s stopped before the event at %d (%s); the other views go on",
                view.name,
                failing.id,
                failing.topic,
                exc_info=error,
            )
        return reached, failure

    def topics(self, view: View) -> frozenset[str] | None:
        key = type(view).__name__
        if key not in self._topic_sets:
            topics = view.topics()
            self._topic_sets[key] = frozenset(topics) if topics is not None else None
        return self._topic_sets[key]


class Unisolated(Exception):  # noqa: N818 - a signal, not an error shown to anyone
    """A view failed in a step taken without savepoints: take it again with them."""


def unsealed(mapper: SealingMapper, notification: Notification) -> Any:
    """The event with its sealed fields left closed (they read as erased): what a view
    that reads none of them needs, without a key lookup and a decryption per event."""
    event = Mapper.to_domain_event(mapper, notification)
    state = vars(event)
    envelope = state.pop(ENVELOPE, None)
    if envelope is not None:
        state.update({name: ERASED_VALUES.get(name, ERASED) for name in envelope["fields"]})
    return event


def committed(done: Sequence[tuple[View, int, int]]) -> None:
    """The transaction of these batches committed: the views' rows in memory hold."""
    for view, token, position in done:
        view.committed(token, position)
