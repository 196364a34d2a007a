"""The views read an event stored under an old topic through its alias.

Passes once ``View.topics()`` (infrastructure/views/projection.py) expands its
handlers' classes with ``application.topics.topics_of``: until then a view that
catches up by topic skips the row, and this test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from application import topics
from application.board import NeedFilter
from domain.values import NeedStatus
from interfaces.bootstrap import Container, Settings, bootstrap
from tests.builders import make_need, make_town
from tests.integration.stored_rows import write_event

# As if Need had once been domain.case:Case.
OLD_TOPIC = "domain.case:Case.Closed"


@pytest.fixture
def container(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The application started after a developer added the alias to the registry."""
    monkeypatch.setitem(topics.ALIASES, OLD_TOPIC, "domain.need:Need.Closed")
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


def test_the_case_board_shows_a_need_closed_under_an_old_topic(container: Container) -> None:
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    write_event(
        container.store,
        need.id,
        need.version + 1,
        OLD_TOPIC,
        {
            "timestamp": datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
            "outcome": {"_type_": "Outcome", "_data_": "withdrawn"},
            "reason": "本人辞退",
            "actor": town.care_manager.user_id,
        },
    )

    container.projections.catch_up()

    board = app.board.board(NeedFilter(status=NeedStatus.CLOSED), town.coordinator)
    assert [row.id for row in board.items] == [need.id]
