"""The screens word what the application refused by its stable code, never by its
English message: rewording a rule's message cannot change what people read."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError

from application.errors import (
    BusyError,
    NotFoundError,
    OutcomeUnknownError,
    RankingChangedError,
    ResourceNotProposableError,
    VersionConflictError,
)
from domain.errors import (
    InvalidValueError,
    NeedPausedError,
    NeedTransitionError,
    ResourceFullError,
    UserRoleError,
)
from tests.e2e.support import Api, new_need
from tests.ui.support import signed_in


def _in_japanese(api: Api, error: Exception) -> str:
    from interfaces.web.ui.refusals import refusal

    with api.app.test_request_context(headers={"Accept-Language": "ja"}):
        return refusal(error)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NeedPausedError("matching", "propose"), "一時停止"),
        (ResourceFullError("サロン", 5), "定員"),
        (VersionConflictError("need", 3, 4), "変更"),
        (NotFoundError("client", "x"), "存在しない"),
        (RankingChangedError(), "候補"),
        (
            ResourceNotProposableError(["capacity", "eligibility"]),
            "定員に達しています・利用者の要介護度",
        ),
        (InvalidValueError("topics", "name at least one topic", code="value.empty"), "議題"),
    ],
    ids=["paused", "full", "conflict", "not-found", "ranking", "not-proposable", "field-specific"],
)
def test_each_refusal_is_worded_from_its_code(ui: Api, error: Exception, expected: str) -> None:
    assert expected in _in_japanese(ui, error)


def test_rewording_a_message_keeps_the_words_people_read(ui: Api) -> None:
    original = UserRoleError("user 'a' already has role 'x'", code="user.role_already_granted")
    reworded = UserRoleError("role x is held by a already", code="user.role_already_granted")
    assert _in_japanese(ui, original) == _in_japanese(ui, reworded)


def test_an_unknown_code_falls_back_to_its_family(ui: Api) -> None:
    error = NeedTransitionError(
        "raised", "confirm", "no resource", code="need.no_resource_proposed"
    )
    assert _in_japanese(ui, error) == _in_japanese(ui, NeedTransitionError("raised", "confirm"))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            OperationalError("server closed the connection unexpectedly"),
            "データベースに接続できません",
        ),
        (BusyError("need"), "同時に変更"),
        (OutcomeUnknownError(), "確認できませんでした"),
    ],
    ids=["database-gone", "busy", "outcome-unknown"],
)
def test_a_page_the_database_cannot_serve_now_says_try_again_with_retry_after(
    ui: Api, monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str
) -> None:
    need = new_need(ui)
    browser = signed_in(ui.app, "care_manager")

    def fails(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(ui.container.store.events.recorder, "select_events", fails)
    page = browser.get(f"/needs/{need['id']}")

    assert page.status == 503
    assert page.response.headers["Retry-After"].isdigit()
    assert expected in page
