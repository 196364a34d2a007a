"""The worked examples of docs/evolving-events.md, run on each backend.

Each example has rows stored in the old shape (written past the application,
as the earlier code left them) read back by the new code through the event
store. The example aggregates below are the *new* code; the old code exists
only as the rows it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest
from eventsourcing.domain import event

from application import topics
from application.store import EventStore
from application.topics import topics_of
from domain.base import TsunaguAggregate
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.integration.stored_rows import write_event

HERE = __name__  # the module these example classes live in, as their topics name it
THEN = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ACTOR = uuid4()


class Visit(TsunaguAggregate):
    """A home visit (example aggregate)."""

    @event("Booked")
    def __init__(self, client_code: str, actor: UUID) -> None:
        self.client_code = client_code
        self.minutes: int | None = None
        self.withdrawn: str | None = None

    # 1. A field added: version 1 had no ``minutes``.
    class Held(TsunaguAggregate.Event):
        class_version = 2
        note: str
        minutes: int | None
        actor: UUID

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["minutes"] = None  # not recorded before version 2

    @event(Held)
    def hold(self, note: str, minutes: int | None, actor: UUID) -> None:
        self.minutes = minutes

    # 2. An event renamed: it was ``Cancelled``.
    @event("Withdrawn")
    def withdraw(self, reason: str, actor: UUID) -> None:
        self.withdrawn = reason


class Household(TsunaguAggregate):
    """A household (example aggregate) whose contact log became an aggregate of its own."""

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name

    # Retired: contacts are logged on ContactLog now. The class stays, so that the
    # stored rows still load; no command triggers it any more.
    @event("ContactLogged")
    def _contact_logged(self, note: str) -> None:
        pass


class ContactLog(TsunaguAggregate):
    """The contacts with one household (example aggregate, split from Household)."""

    @event("Opened")
    def __init__(self, id: UUID, household_id: UUID, carried_over: list[str]) -> None:
        self.household_id = household_id
        self.notes = list(carried_over)

    @event("Logged")
    def log(self, note: str) -> None:
        self.notes.append(note)

    @staticmethod
    def id_for(household_id: UUID) -> UUID:
        return uuid5(household_id, "contact-log")


def split_contact_logs(store: EventStore, batch: int = 500) -> int:
    """Open every household's ContactLog with the notes its old events hold; returns how
    many were opened. Safe to run again: a log that exists is left alone."""
    notes: dict[UUID, list[str]] = {}
    start, head = 1, store.head()
    while start <= head:
        found = store.recorder.select_notifications(
            start=start, limit=batch, stop=head, topics=topics_of([Household.ContactLogged])
        )
        for notification in found:
            logged = store.mapper.to_domain_event(notification)
            notes.setdefault(logged.originator_id, []).append(logged.note)
        if len(found) < batch:
            break
        start = found[-1].id + 1
    opened = 0
    for household_id, carried_over in notes.items():
        log_id = ContactLog.id_for(household_id)
        if store.get(log_id) is None:
            store.save(ContactLog(id=log_id, household_id=household_id, carried_over=carried_over))
            opened += 1
    return opened


# The lines a developer adds to ALIASES in application/topics.py for examples 2 and 3.
EXAMPLE_ALIASES = {
    f"{HERE}:Visit.Cancelled": f"{HERE}:Visit.Withdrawn",  # 2. renamed
    "tests.casework.visits:HomeVisit": f"{HERE}:Visit",  # 3. moved (and renamed)
}


@pytest.fixture
def container(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    for old, current in EXAMPLE_ALIASES.items():
        monkeypatch.setitem(topics.ALIASES, old, current)
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


def booked(store: EventStore, aggregate_topic: str = f"{HERE}:Visit") -> UUID:
    """A visit booked, as every version of the code stored it."""
    visit_id = uuid4()
    write_event(
        store,
        visit_id,
        1,
        f"{aggregate_topic}.Booked",
        {
            "timestamp": THEN,
            "originator_topic": aggregate_topic,
            "client_code": "CL-ABCD1234",
            "actor": ACTOR,
        },
    )
    return visit_id


def test_1_an_event_stored_before_a_field_was_added_is_upcast(container: Container) -> None:
    store = container.store
    visit_id = booked(store)
    write_event(
        store,
        visit_id,
        2,
        f"{HERE}:Visit.Held",
        {"timestamp": THEN, "note": "順調", "actor": ACTOR},
    )

    visit = store.get(visit_id)
    held = store.stream(visit_id)[1]

    assert isinstance(visit, Visit)
    assert visit.minutes is None
    assert (held.note, held.minutes) == ("順調", None)


def test_1_an_event_of_the_new_version_records_its_version(container: Container) -> None:
    store = container.store
    visit = Visit(client_code="CL-ABCD1234", actor=ACTOR)
    visit.hold("順調", 45, ACTOR)
    store.save(visit)

    [row] = store.recorder.select_events(visit.id, gt=1)

    assert json.loads(row.state)["class_version"] == 2
    assert store.stream(visit.id)[1].minutes == 45


def test_2_an_event_stored_under_its_old_name_is_read_as_the_renamed_one(
    container: Container,
) -> None:
    store = container.store
    visit_id = booked(store)
    write_event(
        store,
        visit_id,
        2,
        f"{HERE}:Visit.Cancelled",
        {"timestamp": THEN, "reason": "入院", "actor": ACTOR},
    )

    visit = store.get(visit_id)

    assert isinstance(visit, Visit)
    assert visit.withdrawn == "入院"
    assert isinstance(store.stream(visit_id)[1], Visit.Withdrawn)
    assert f"{HERE}:Visit.Cancelled" in topics_of([Visit.Withdrawn])


def test_3_an_aggregate_stored_under_its_old_module_and_name_loads_as_the_moved_class(
    container: Container,
) -> None:
    store = container.store
    visit_id = booked(store, aggregate_topic="tests.casework.visits:HomeVisit")
    write_event(
        store,
        visit_id,
        2,
        "tests.casework.visits:HomeVisit.Held",
        {"timestamp": THEN, "note": "順調", "actor": ACTOR},
    )

    visit = store.get(visit_id)

    assert isinstance(visit, Visit)
    assert (visit.version, visit.client_code, visit.minutes) == (2, "CL-ABCD1234", None)
    assert "tests.casework.visits:HomeVisit.Held" in topics_of([Visit.Held])


def test_4_a_split_carries_the_old_events_over_to_the_new_aggregate_once(
    container: Container,
) -> None:
    store = container.store
    household_id = uuid4()
    rows: list[tuple[str, dict[str, Any]]] = [
        ("Registered", {"originator_topic": f"{HERE}:Household", "name": "山田家"}),
        ("ContactLogged", {"note": "電話で近況確認"}),
        ("ContactLogged", {"note": "民生委員が訪問"}),
    ]
    for version, (name, state) in enumerate(rows, start=1):
        write_event(
            store, household_id, version, f"{HERE}:Household.{name}", {"timestamp": THEN, **state}
        )

    first, again = split_contact_logs(store), split_contact_logs(store)

    contact_log = store.get(ContactLog.id_for(household_id))
    assert (first, again) == (1, 0)
    assert isinstance(contact_log, ContactLog)
    assert contact_log.notes == ["電話で近況確認", "民生委員が訪問"]
    assert isinstance(store.get(household_id), Household)  # the old history still loads
