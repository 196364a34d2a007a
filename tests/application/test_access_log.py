"""The read-access log as the use cases write it: which reads of personal data are
logged, with what, and that a read which cannot be logged is refused. On the
in-memory store and ``tests.fakes.FakeAccessLog``; the SQL chain is tested in
tests/integration/test_access_log.py, the HTTP and screen paths in tests/e2e and tests/ui."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.access import AccessLogUnavailableError
from tests.builders import Town
from tests.fakes import Features, in_memory_features, new_client, new_need, settle_town


@pytest.fixture
def app() -> Features:
    return in_memory_features()


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def _logged(app: Features) -> list[tuple[str, str, object, object, str, str | None]]:
    return [
        (actor.username, read.what, read.client_id, read.need_id, actor.via, actor.purpose)
        for actor, read, _ in app.access_log.reads
    ]


def test_reading_a_client_with_personal_data_logs_who_whom_through_what_and_why(
    app: Features, town: Town
) -> None:
    client = new_client(app, town.care_manager)
    reader = town.auditor.through("api:get_client", "苦情対応の確認")

    shown = app.clients.get(client.id, reader)

    assert shown.personal is not None
    assert _logged(app) == [
        ("audit", "client", client.id, None, "api:get_client", "苦情対応の確認")
    ]
    assert app.access_log.reads[0][2] == app.clock()


def test_registering_a_client_is_not_a_read(app: Features, town: Town) -> None:
    new_client(app, town.care_manager)

    assert app.access_log.reads == []


def test_reading_a_client_without_personal_data_is_not_logged(app: Features, town: Town) -> None:
    client = new_client(app, town.care_manager)

    shown = app.clients.get(client.id, town.supervisor)

    assert shown.personal is None
    assert app.access_log.reads == []


def test_the_client_card_is_logged_when_it_shows_personal_data(app: Features, town: Town) -> None:
    client = new_client(app, town.care_manager)

    app.clients.card(client.id, town.care_manager.through("ui:raise_need"))

    assert _logged(app) == [("cm", "client", client.id, None, "ui:raise_need", None)]


def test_every_client_a_search_finds_is_logged(app: Features, town: Town) -> None:
    first = new_client(app, town.care_manager)
    second = new_client(app, town.care_manager)

    found = app.clients.search("ヤマダ", town.care_manager.through("ui:raise_need"))

    assert {c.id for c in found} == {first.id, second.id}
    assert sorted((what, str(client)) for _, what, client, *_ in _logged(app)) == sorted(
        ("client_search", str(c.id)) for c in (first, second)
    )


def test_a_search_that_finds_nobody_logs_nothing(app: Features, town: Town) -> None:
    new_client(app, town.care_manager)

    assert app.clients.search("スズキ", town.care_manager) == []
    assert app.access_log.reads == []


@pytest.mark.parametrize("read", ["get", "history", "page", "replay"])
def test_each_read_of_a_need_is_logged_with_its_client_and_need(
    app: Features, town: Town, read: str
) -> None:
    need = new_need(app, town)
    app.access_log.reads.clear()
    reader = town.auditor.through(f"test:{read}")

    if read == "get":
        app.needs.get(need.id, reader)
    elif read == "history":
        app.needs.history(need.id, reader)
    elif read == "page":
        app.needs.page(need.id, reader)
    else:
        app.needs.replay(need.id, app.clock() + timedelta(seconds=1), reader)

    logged = _logged(app)
    assert logged, "the read left no trace"
    assert {(client, need_id) for _, _, client, need_id, _, _ in logged} == {
        (need.client_id, need.id)
    }
    assert {via for *_, via, _ in logged} == {f"test:{read}"}


def test_the_need_page_logs_the_client_card_it_shows(app: Features, town: Town) -> None:
    need = new_need(app, town)
    app.access_log.reads.clear()

    app.needs.page(need.id, town.coordinator)

    assert sorted(what for _, what, *_ in _logged(app)) == ["client", "need"]


def test_a_read_the_log_cannot_record_is_refused(app: Features, town: Town) -> None:
    client = new_client(app, town.care_manager)
    need = new_need(app, town, client)
    app.access_log.failing = True

    with pytest.raises(AccessLogUnavailableError) as refused:
        app.clients.get(client.id, town.care_manager)
    assert refused.value.code == "access_log.unavailable"
    with pytest.raises(AccessLogUnavailableError):
        app.needs.get(need.id, town.care_manager)
    with pytest.raises(AccessLogUnavailableError):
        app.clients.search("ヤマダ", town.care_manager)
