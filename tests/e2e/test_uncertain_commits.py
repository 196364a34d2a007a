"""A save whose reply was lost is answered honestly.

When the connection drops after the database committed, the event store's driver
tries the insert again and meets its own events. That is this request's success,
not "changed by someone else". When nothing tells whether the save happened, the
answer is 503 "outcome unknown", which tells the client to read before repeating.

The faults are injected into the recorder's insert, the one place they happen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError

from tests.e2e.support import Api, assert_aggregate, assert_problem, new_need, step

CLOSE = {"outcome": "goal_achieved", "reason": "自立した"}


def _insert(api: Api) -> tuple[Any, Callable[..., Any]]:
    recorder = api.container.store.events.recorder
    return recorder, recorder.insert_events


def _committed_then_retried(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt commits, its reply is lost, the driver inserts again."""
    recorder, insert = _insert(api)

    def lost_reply(stored: Sequence[Any], **kwargs: Any) -> Any:
        insert(stored, **kwargs)  # committed
        return insert(stored, **kwargs)  # the retry meets what the first attempt wrote

    monkeypatch.setattr(recorder, "insert_events", lost_reply)


def _reply_never_came(api: Api, monkeypatch: pytest.MonkeyPatch, *, committed: bool) -> None:
    recorder, insert = _insert(api)

    def gone(stored: Sequence[Any], **kwargs: Any) -> Any:
        if committed:
            insert(stored, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(recorder, "insert_events", gone)


def _stream_topics(api: Api, need: dict[str, Any]) -> list[str]:
    return [type(e).__qualname__ for e in api.container.store.stream(UUID(need["id"]))]


def test_a_retried_insert_that_meets_its_own_events_is_this_requests_success(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    need = new_need(api)
    _committed_then_retried(api, monkeypatch)

    response = api.post(
        f"/needs/{need['id']}/close", CLOSE, "care_manager", if_match=need["version"]
    )

    closed = assert_aggregate(response)
    assert closed["status"] == "closed"
    assert _stream_topics(api, need).count("Need.Closed") == 1


def test_an_insert_that_meets_someone_elses_events_is_still_a_conflict(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    need = new_need(api)
    recorder, insert = _insert(api)

    def someone_else_first(stored: Sequence[Any], **kwargs: Any) -> Any:
        monkeypatch.setattr(recorder, "insert_events", insert)
        step(api, need, "assign", {"coordinator": "sc"}, "coordinator")  # takes the version
        return insert(stored, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", someone_else_first)
    response = api.post(
        f"/needs/{need['id']}/close", CLOSE, "care_manager", if_match=need["version"]
    )

    assert_problem(response, 412)


@pytest.mark.parametrize("committed", [True, False], ids=["saved", "not-saved"])
def test_a_save_the_database_never_confirmed_is_503_outcome_unknown(
    api: Api, monkeypatch: pytest.MonkeyPatch, committed: bool
) -> None:
    need = new_need(api)
    _reply_never_came(api, monkeypatch, committed=committed)

    response = api.post(
        f"/needs/{need['id']}/close", CLOSE, "care_manager", if_match=need["version"]
    )
    monkeypatch.undo()

    body = assert_problem(response, 503)
    assert body["type"] == "urn:tsunagu:problem:store.outcome_unknown"
    assert response.headers["Retry-After"].isdigit()
    status = api.get(f"/needs/{need['id']}", "care_manager").get_json()["status"]
    assert status == ("closed" if committed else need["status"])
