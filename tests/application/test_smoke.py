from __future__ import annotations

from application.board import NeedFilter
from interfaces.bootstrap import Container
from tests.builders import make_need, make_town


def test_raised_need_appears_on_the_case_board(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    need = make_need(app, town)
    page = app.board.board(NeedFilter(), town.coordinator)
    assert [row.id for row in page.items] == [need.id]
