"""The one registry of stored topics: every topic ever written still resolves.

A stored event names its class by topic (``domain.need:Need.Closed``); a
snapshot and an aggregate's first event name the aggregate's class the same
way. When a class is renamed or moved, its old topic goes into :data:`ALIASES`
(old topic → current topic) and stays there for as long as stored data may
carry it, which is forever. An alias of an aggregate (or of a module) covers
the classes nested in it: ``old:Visit`` → ``new:Visit`` also resolves
``old:Visit.Booked``.

:func:`install_aliases` registers the aliases with the library (the event
store does it when it is built); :func:`topics_of` is what every filter on
topics (the process managers, the views) must use, so that rows stored under
an old topic are not skipped. docs/evolving-events.md shows both at work.
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.utils import get_topic, register_topic, resolve_topic

ALIASES: dict[str, str] = {
    # "old.module:OldClass.Event": "current.module:Class.Event",  (never remove a line)
}
"""Old topic → current topic of every class or module that was renamed or moved."""


def current_topic(topic: str) -> str:
    """The topic that ``topic`` stands for today (itself when it is no alias)."""
    seen = {topic}
    while topic in ALIASES:
        topic = ALIASES[topic]
        if topic in seen:
            raise ValueError(f"topic aliases form a cycle through {topic!r}")
        seen.add(topic)
    return topic


def install_aliases() -> None:
    """Make every old topic resolve to its current class (safe to repeat).

    Raises the library's ``TopicError`` when an old topic already resolves to
    something else, and when a current topic does not resolve at all: both are
    mistakes in :data:`ALIASES` that would otherwise surface on some old row.
    """
    for old, current in ALIASES.items():
        register_topic(old, resolve_topic(current_topic(current)))


def aliases_of(topic: str) -> list[str]:
    """Every old topic that resolves to ``topic`` (directly, through a chain of
    aliases, or through an alias of the class or module that contains it)."""
    found: list[str] = []
    for old, current in ALIASES.items():
        target = current_topic(current)
        if topic == target:
            found.append(old)
        elif topic.startswith(target) and topic[len(target)] in ".:":
            found.append(old + topic[len(target) :])
    return found


def topics_of(classes: Iterable[type]) -> list[str]:
    """The topics under which events of ``classes`` may be stored: each class's
    current topic and all its aliases, without repeats, in a stable order."""
    topics: dict[str, None] = {}
    for cls in classes:
        topic = get_topic(cls)
        topics[topic] = None
        for old in aliases_of(topic):
            topics[old] = None
    return list(topics)
