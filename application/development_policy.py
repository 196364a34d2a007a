"""The process manager of resource development: when an initiative launches its
resource, every need waiting on it becomes ``resource_created`` (ready to
match); when it is abandoned, they are gaps again.

It follows the notification log for the topics it reacts to and saves its
reaction together with a tracking record of the notification it handled, in
one transaction (the event store's process recorder). A notification is
therefore handled exactly once, even with several runners or after a crash:
a runner resumes after the last tracked position.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, Tracking

from application.errors import VersionConflictError
from application.store import EventStore
from application.topics import topics_of
from domain.base import correlated, event_reference, provenance_of
from domain.development import DevelopmentInitiative
from domain.errors import DomainError
from domain.need import Need
from domain.values import SYSTEM_USER_ID, InitiativeId, NeedStatus, ResourceId

log = logging.getLogger(__name__)

BATCH = 100
ATTEMPTS = 5


class DevelopmentPolicy:
    """Moves the needs of a launched (or abandoned) initiative on."""

    name = "development-policy"

    def __init__(self, store: EventStore) -> None:
        self.store = store
        # How far this process has looked for relevant events without finding
        # any: most of the log is not for this policy, and rescanning it after
        # every command would cost more as the log grows. Not persisted: after a
        # restart the first scan starts again from the last tracked position.
        self._scanned = 0
        # With every alias: rows stored under a retired topic are events too.
        self.topics = topics_of(
            [DevelopmentInitiative.ResourceLaunched, DevelopmentInitiative.Abandoned]
        )

    def position(self) -> int:
        tracked: int | None = self.store.recorder.max_tracking_id(self.name)  # type: ignore[attr-defined]
        return tracked or 0

    def catch_up(self, upto: int | None = None, saved: Sequence[Notification] = ()) -> int:
        """Handle every pending notification up to ``upto`` (a save's own position, after
        a command) or the head; returns how many were handled.

        After a command this is one read of the log (its topics, from where this
        process last looked): the head and the tracked position are read only when
        no save's position is known, or for this process's first look. A range that
        another runner handled meanwhile is read again, and ``handle`` passes over
        what is tracked. ``saved``: the notifications of that save; when they follow
        straight on from where this process last looked and none is of this policy's
        topics, there is nothing to read (the usual case: one process, most commands)."""
        handled = 0
        if not self._scanned:
            self._scanned = self.position()
        if _nothing_for(self.topics, self._scanned, upto, saved):
            self._scanned = upto or self._scanned
            return 0
        while True:
            head = self.store.head() if upto is None else upto
            start = self._scanned + 1
            if start > head:
                return handled
            notifications = self.store.recorder.select_notifications(
                start=start, limit=BATCH, stop=head, topics=self.topics
            )
            if not notifications:
                self._scanned = head
                return handled
            for notification in notifications:
                self.handle(notification)
                handled += 1
            self._scanned = notifications[-1].id

    def handle(self, notification: Notification) -> None:
        """React to one notification, exactly once."""
        for _ in range(ATTEMPTS):
            if self.position() >= notification.id:
                return  # another runner got there first
            event = self.store.mapper.to_domain_event(notification)
            # The needs' events name the launch (or abandonment) that caused them and
            # carry on its correlation: one trail from the coordinator's click on.
            cause = event_reference(event)
            correlation, _ = provenance_of(event)
            with correlated(correlation or cause, cause):
                needs = self._react(event)
            try:
                self.store.save_tracked(Tracking(self.name, notification.id), *needs)
            except VersionConflictError:
                continue  # handled elsewhere meanwhile, or a need moved on: look again
            return
        raise VersionConflictError("need", None, None)

    def _react(self, event: Any) -> list[Need]:
        launched = isinstance(event, DevelopmentInitiative.ResourceLaunched)
        initiative_id = InitiativeId(event.originator_id)
        moved = []
        for need_id in event.need_ids:
            need = self.store.get(need_id)
            if not isinstance(need, Need):
                continue
            waiting = (
                need.status is NeedStatus.IN_DEVELOPMENT and need.initiative_id == initiative_id
            )
            if not waiting:
                continue  # closed or relinked meanwhile: nothing to do for this need
            try:
                if launched:
                    need.mark_resource_created(
                        ResourceId(event.resource_id), initiative_id, SYSTEM_USER_ID
                    )
                else:
                    need.unlink_development(f"initiative abandoned: {event.reason}", SYSTEM_USER_ID)
            except DomainError as refused:
                # A business refusal is an outcome, not a fault: the need is left as
                # it is, and the reaction goes on with the others (never stalls).
                log.warning(
                    "%s: need %s not moved after %s: %s (%s)",
                    self.name,
                    need.id,
                    type(event).__qualname__,
                    refused,
                    refused.code,
                )
                continue
            moved.append(need)
        return moved


def _nothing_for(
    topics: Sequence[str], scanned: int, upto: int | None, saved: Sequence[Notification]
) -> bool:
    """Whether the log from ``scanned`` up to ``upto`` holds exactly ``saved`` (one
    unbroken run of positions right after ``scanned``) and none of them is of ``topics``."""
    if not saved or upto is None or saved[-1].id != upto:
        return False
    if saved[0].id != scanned + 1 or upto - scanned != len(saved):
        return False  # someone else wrote in between, or a position is missing
    return not any(notification.topic in topics for notification in saved)
