"""The topic registry: old topics resolve to today's classes, and topic filters
include every alias."""

from __future__ import annotations

import pytest
from eventsourcing.utils import TopicError, resolve_topic

from application import topics
from application.topics import install_aliases, topics_of
from domain.development import DevelopmentInitiative
from domain.need import Need

# Retired topics made up for these tests; registering one leaves nothing behind
# that another test could trip on.
OLD_CLOSED = "tests.retired.cases:Case.Closed"
OLD_NEED = "tests.retired.needs:Need"


@pytest.fixture
def aliases(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The registry's table, restored after the test."""
    table: dict[str, str] = {}
    monkeypatch.setattr(topics, "ALIASES", table)
    return table


def test_a_class_without_aliases_has_its_own_topic(aliases: dict[str, str]) -> None:
    assert topics_of([Need.Closed]) == ["domain.need:Need.Closed"]


def test_topics_of_a_class_include_its_aliases(aliases: dict[str, str]) -> None:
    aliases[OLD_CLOSED] = "domain.need:Need.Closed"

    assert topics_of([Need.Closed, Need.Reopened]) == [
        "domain.need:Need.Closed",
        OLD_CLOSED,
        "domain.need:Need.Reopened",
    ]


def test_an_alias_of_an_aggregate_covers_its_events(aliases: dict[str, str]) -> None:
    aliases[OLD_NEED] = "domain.need:Need"
    install_aliases()

    assert topics_of([Need.Closed]) == ["domain.need:Need.Closed", f"{OLD_NEED}.Closed"]
    assert resolve_topic(f"{OLD_NEED}.Closed") is Need.Closed


def test_an_alias_of_a_module_covers_its_classes(aliases: dict[str, str]) -> None:
    aliases["tests.retired.casework"] = "domain.need"
    install_aliases()

    assert resolve_topic("tests.retired.casework:Need.Closed") is Need.Closed
    assert topics_of([Need.Closed])[1:] == ["tests.retired.casework:Need.Closed"]


def test_an_alias_of_an_alias_reaches_the_current_class(aliases: dict[str, str]) -> None:
    aliases["tests.retired.first:Launched"] = "tests.retired.second:Launched"
    aliases["tests.retired.second:Launched"] = (
        "domain.development:DevelopmentInitiative.ResourceLaunched"
    )
    install_aliases()

    assert resolve_topic("tests.retired.first:Launched") is DevelopmentInitiative.ResourceLaunched
    assert topics_of([DevelopmentInitiative.ResourceLaunched])[1:] == [
        "tests.retired.first:Launched",
        "tests.retired.second:Launched",
    ]


def test_installing_aliases_twice_is_harmless(aliases: dict[str, str]) -> None:
    aliases[OLD_CLOSED] = "domain.need:Need.Closed"

    install_aliases()
    install_aliases()

    assert resolve_topic(OLD_CLOSED) is Need.Closed


def test_an_alias_over_a_topic_of_another_class_is_refused(aliases: dict[str, str]) -> None:
    aliases["domain.need:Need.Reopened"] = "domain.need:Need.Closed"

    with pytest.raises(TopicError, match="already registered"):
        install_aliases()


def test_an_alias_to_nothing_is_refused(aliases: dict[str, str]) -> None:
    aliases["tests.retired.x:Gone"] = "domain.need:Need.NoSuchEvent"

    with pytest.raises(TopicError):
        install_aliases()


def test_a_cycle_of_aliases_is_refused(aliases: dict[str, str]) -> None:
    aliases["tests.retired.a:A"] = "tests.retired.b:B"
    aliases["tests.retired.b:B"] = "tests.retired.a:A"

    with pytest.raises(ValueError, match="cycle"):
        install_aliases()
