"""Stored events are a contract: tests/fixtures/events.json records, for every
aggregate and stored event class in domain/, its topic, its class_version and
(events) its field names, and every tag a value was ever stored under.

A change of fields without a class_version bump and its upcaster, a class that
disappears or moves without an alias, a tag that no longer decodes: each fails
here with what to do. A new class or a bumped version with its upcasters is
recorded by running this module (it refuses while anything else is wrong):

    .venv/bin/python -m tests.unit.test_event_contract

See docs/evolving-events.md.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate, event
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import TopicError, get_topic, resolve_topic

import domain
from application.topics import ALIASES, install_aliases
from application.transcodings import register_domain_transcodings
from domain.base import TsunaguAggregate

CONTRACT = Path(__file__).resolve().parents[1] / "fixtures" / "events.json"
RECORD = "run `.venv/bin/python -m tests.unit.test_event_contract` to record it"
NOT_STORED = {"originator_id", "originator_version"}  # columns of their own, not state


def aggregate_classes() -> list[type[Aggregate]]:
    """Every aggregate class defined in the modules of domain/."""
    found = []
    for info in pkgutil.iter_modules(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Aggregate)
                and obj.__module__ == module.__name__
                and obj is not TsunaguAggregate
            ):
                found.append(obj)
    return found


def event_classes(aggregate: type[Aggregate]) -> list[type]:
    """The event classes of ``aggregate`` that can be stored: those of its ``@event``
    methods and its first event (the library's default ``Created`` is left out when
    ``__init__`` names another)."""
    nested = [
        obj
        for name, obj in vars(aggregate).items()
        if isinstance(obj, type) and issubclass(obj, CanMutateAggregate) and name != "Event"
    ]
    initial = [cls for cls in nested if issubclass(cls, CanInitAggregate)]
    if len(initial) > 1:
        nested = [cls for cls in nested if cls.__name__ != "Created"]
    return nested


def current_shapes() -> dict[str, dict[str, dict[str, Any]]]:
    """What the code stores today, as the contract records it."""
    aggregates: dict[str, dict[str, Any]] = {}
    events: dict[str, dict[str, Any]] = {}
    for aggregate in aggregate_classes():
        aggregates[get_topic(aggregate)] = {"class_version": aggregate.class_version}
        events.update(event_shapes(*event_classes(aggregate)))
    return {"aggregates": aggregates, "events": events}


def event_shapes(*classes: type) -> dict[str, dict[str, Any]]:
    """Topic → class_version and stored field names of each event class."""
    return {
        get_topic(cls): {
            "class_version": getattr(cls, "class_version", 1),
            "fields": sorted({f.name for f in dataclasses.fields(cls)} - NOT_STORED),
        }
        for cls in classes
    }


def current_tags() -> set[str]:
    transcoder = JSONTranscoder()
    register_domain_transcodings(transcoder)
    return {t.name for t in transcoder.types.values()}


def decodable_tags() -> set[str]:
    transcoder = JSONTranscoder()
    register_domain_transcodings(transcoder)
    return set(transcoder.names)


def check(
    recorded: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """(what is wrong, what is new and only needs recording) for one kind of class."""
    install_aliases()
    wrong: list[str] = []
    unrecorded = [f"{topic} is not recorded: {RECORD}" for topic in current.keys() - recorded]
    for topic, was in sorted(recorded.items()):
        try:
            cls = resolve_topic(topic)
        except TopicError:
            cls = None
        now_topic = get_topic(cls) if isinstance(cls, type) else None
        if now_topic not in current:
            wrong.append(
                f"{topic}: no class has this topic any more, and stored rows carry it. "
                "If the class was renamed or moved, add "
                f'"{topic}": "<its current topic>" to ALIASES in application/topics.py; '
                "if it was deleted, restore it (stored events never go away)."
            )
            continue
        now = current[now_topic]
        found = _compare(topic, cls, was, now)
        wrong += found
        if not found and now_topic == topic and now != was:
            unrecorded.append(f"{topic} changed to class_version {now['class_version']}: {RECORD}")
    return wrong, unrecorded


def _compare(topic: str, cls: Any, was: dict[str, Any], now: dict[str, Any]) -> list[str]:
    old, new = was["class_version"], now["class_version"]
    name = cls.__qualname__
    if new < old:
        return [f"{topic}: class_version went down from {old} to {new}; it only goes up."]
    if "fields" in was and new == old and now["fields"] != was["fields"]:
        added = sorted(set(now["fields"]) - set(was["fields"]))
        removed = sorted(set(was["fields"]) - set(now["fields"]))
        return [
            f"{topic}: fields changed (added: {', '.join(added) or '-'}; removed: "
            f"{', '.join(removed) or '-'}) but class_version is still {old}. Set "
            f"`class_version = {old + 1}` on {name} and add `@staticmethod def "
            f"upcast_v{old}_v{old + 1}(state: dict[str, Any]) -> None` that turns a stored "
            f"version {old} into the new fields (e.g. state.setdefault(...)), then {RECORD}."
        ]
    if "fields" not in was:
        return []  # an aggregate: a snapshot without its upcasters is replayed instead
    return [
        f"{topic}: class_version {new} needs `@staticmethod def upcast_v{v}_v{v + 1}(state)` "
        f"on {name} to read events stored as version {v}."
        for v in range(old, new)
        if not callable(getattr(cls, f"upcast_v{v}_v{v + 1}", None))
    ]


def load_contract() -> dict[str, Any]:
    contract: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))
    return contract


def problems(contract: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(what is wrong, what only needs recording) for the whole contract."""
    shapes = current_shapes()
    wrong, unrecorded = [], []
    for kind in ("aggregates", "events"):
        w, u = check(contract.get(kind, {}), shapes[kind])
        wrong += w
        unrecorded += u
    lost = sorted(set(contract.get("value_tags", [])) - decodable_tags())
    wrong += [
        f'value tag "{tag}" was stored and no longer decodes: map it to its current tag '
        "in EARLIER_TAGS (application/transcodings.py)."
        for tag in lost
    ]
    new_tags = sorted(current_tags() - set(contract.get("value_tags", [])))
    unrecorded += [f'value tag "{tag}" is not recorded: {RECORD}' for tag in new_tags]
    return wrong, unrecorded


def recorded_now(contract: dict[str, Any]) -> dict[str, Any]:
    """The contract with today's classes; entries of retired topics stay as they were."""
    shapes = current_shapes()
    updated: dict[str, Any] = {}
    for kind in ("aggregates", "events"):
        merged = {**contract.get(kind, {}), **shapes[kind]}
        updated[kind] = dict(sorted(merged.items()))
    # Every tag that decodes today, earlier ones included: all of them may be stored.
    updated["value_tags"] = sorted(set(contract.get("value_tags", [])) | decodable_tags())
    return updated


def dump(contract: dict[str, Any]) -> str:
    """JSON with one line per class, so that a change reads as a one-line diff."""
    parts = []
    for kind in ("aggregates", "events"):
        lines = [f"    {json.dumps(t)}: {json.dumps(s)}" for t, s in contract[kind].items()]
        parts.append(f'  "{kind}": {{\n' + ",\n".join(lines) + "\n  }")
    parts.append(f'  "value_tags": {json.dumps(contract["value_tags"])}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


# -- the tests ------------------------------------------------------------------------------


def test_every_aggregate_declares_its_class_version_through_the_base() -> None:
    strays = [cls for cls in aggregate_classes() if not issubclass(cls, TsunaguAggregate)]
    assert not strays, f"derive these from domain.base.TsunaguAggregate: {strays}"
    assert "class_version" in vars(TsunaguAggregate)
    assert "class_version" in vars(TsunaguAggregate.Event)


def test_stored_classes_keep_their_contract() -> None:
    wrong, _ = problems(load_contract())
    assert not wrong, "\n".join(wrong)


def test_the_contract_records_every_stored_class_and_tag() -> None:
    _, unrecorded = problems(load_contract())
    assert not unrecorded, "\n".join(unrecorded)


# -- the check itself: each kind of breach is caught and says what to do ----------------------


class Parcel(TsunaguAggregate):
    """An aggregate of these tests only, whose recorded shape they make up."""

    @event("Sent")
    def __init__(self, to: str) -> None:
        self.to = to

    @event("Delivered")
    def deliver(self, at: str) -> None:
        self.at = at


DELIVERED = get_topic(Parcel.Delivered)
TODAY = event_shapes(Parcel.Delivered)
"""As Parcel.Delivered is today: version 1 with ``at`` and ``timestamp``."""


def test_changed_fields_without_a_version_bump_are_refused_with_what_to_do() -> None:
    recorded = {DELIVERED: {"class_version": 1, "fields": ["by", "timestamp"]}}

    wrong, _ = check(recorded, TODAY)

    assert wrong == [
        f"{DELIVERED}: fields changed (added: at; removed: by) but class_version is still 1. "
        "Set `class_version = 2` on Parcel.Delivered and add `@staticmethod def "
        "upcast_v1_v2(state: dict[str, Any]) -> None` that turns a stored version 1 into the "
        f"new fields (e.g. state.setdefault(...)), then {RECORD}."
    ]


def test_a_version_bump_without_its_upcaster_is_refused() -> None:
    bumped = {DELIVERED: {**TODAY[DELIVERED], "class_version": 2}}

    wrong, _ = check(TODAY, bumped)

    assert wrong == [
        f"{DELIVERED}: class_version 2 needs `@staticmethod def upcast_v1_v2(state)` on "
        "Parcel.Delivered to read events stored as version 1."
    ]


def test_a_version_never_goes_down() -> None:
    recorded = {DELIVERED: {**TODAY[DELIVERED], "class_version": 2}}

    wrong, _ = check(recorded, TODAY)

    assert wrong == [f"{DELIVERED}: class_version went down from 2 to 1; it only goes up."]


def test_a_topic_that_no_longer_resolves_is_refused_until_an_alias_names_its_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = "tests.retired.parcels:Parcel.Delivered"  # where the class once lived
    recorded = {**TODAY, old: TODAY[DELIVERED]}

    wrong, _ = check(recorded, TODAY)
    assert len(wrong) == 1
    assert wrong[0].startswith(f"{old}: no class has this topic any more")
    assert f'add "{old}": "<its current topic>" to ALIASES' in wrong[0]

    monkeypatch.setitem(ALIASES, old, DELIVERED)
    assert check(recorded, TODAY) == ([], [])


def test_a_new_class_only_needs_recording() -> None:
    wrong, unrecorded = check({}, TODAY)

    assert wrong == []
    assert unrecorded == [f"{DELIVERED} is not recorded: {RECORD}"]


def test_a_stored_value_tag_that_no_longer_decodes_is_refused() -> None:
    contract = {**load_contract(), "value_tags": ["care_level", "CareLevelV0"]}

    wrong, _ = problems(contract)

    assert wrong == [
        'value tag "CareLevelV0" was stored and no longer decodes: map it to its current tag '
        "in EARLIER_TAGS (application/transcodings.py)."
    ]


def main() -> int:
    contract = load_contract() if CONTRACT.exists() else {}
    wrong, _ = problems(contract)
    if wrong:
        print("Not recorded; first:\n" + "\n".join(wrong), file=sys.stderr)
        return 1
    CONTRACT.write_text(dump(recorded_now(contract)), encoding="utf-8")
    print(f"recorded {CONTRACT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
