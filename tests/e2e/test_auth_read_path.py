"""Authentication reads the user's stream version, not the whole stream, yet a
deactivation or a revoked role takes effect on the very next request — with the
views updated inline and with the views deferred to a worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from application.security import SYSTEM_ACTOR
from domain.user import User
from domain.values import Role, UserId
from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app
from tests.builders import PASSWORD, make_town
from tests.ui.support import signed_in

API = "/api/v1"


@pytest.fixture(params=[True, False], ids=["inline-views", "deferred-views"])
def town(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Container]:
    container = bootstrap(dataclasses.replace(settings, inline_projections=request.param))
    try:
        make_town(container.services)
        yield container
    finally:
        container.close()


def _token(client: FlaskClient, username: str) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_a_revoked_role_stops_working_on_the_next_request(town: Container) -> None:
    client = create_app(container=town).test_client()
    accounts = town.services.accounts
    accounts.grant_role("sc", Role.ADMIN, None, accounts.actor_for_username("root"), "cover")
    headers = _token(client, "sc")
    for _ in range(2):  # the second request is answered from what the first one read
        assert client.get(f"{API}/users", headers=headers).status_code == 200

    accounts.revoke_role("sc", Role.ADMIN, None, accounts.actor_for_username("root"), "back")

    response = client.get(f"{API}/users", headers=headers)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert client.get(f"{API}/areas", headers=headers).status_code == 200


def test_a_granted_role_works_on_the_next_request(town: Container) -> None:
    client = create_app(container=town).test_client()
    accounts = town.services.accounts
    headers = _token(client, "sc")
    assert client.get(f"{API}/users", headers=headers).status_code == 403

    accounts.grant_role("sc", Role.ADMIN, None, accounts.actor_for_username("root"), "cover")

    assert client.get(f"{API}/users", headers=headers).status_code == 200


def test_deactivation_stops_the_token_on_the_next_request(town: Container) -> None:
    client = create_app(container=town).test_client()
    headers = _token(client, "cm")
    assert client.get(f"{API}/areas", headers=headers).status_code == 200

    accounts = town.services.accounts
    accounts.deactivate_user("cm", "left the center", None, accounts.actor_for_username("root"))

    response = client.get(f"{API}/areas", headers=headers)
    assert response.status_code == 401, response.get_data(as_text=True)


def test_a_deactivation_event_alone_stops_a_token_already_in_use(town: Container) -> None:
    """Even before (or without) the tokens being revoked, the stored deactivation
    is seen at once: the user read for the token is never older than its stream."""
    client = create_app(container=town).test_client()
    headers = _token(client, "cm")
    assert client.get(f"{API}/areas", headers=headers).status_code == 200

    user = town.store.get(User.id_for("cm"))
    assert isinstance(user, User)
    user.deactivate("left", UserId(SYSTEM_ACTOR.user_id))
    town.store.save(user)

    response = client.get(f"{API}/areas", headers=headers)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["type"] == "urn:tsunagu:problem:auth.user_deactivated"


def test_a_screen_session_ends_with_a_revoked_role_and_a_deactivation(town: Container) -> None:
    """The screens resolve their session's token the same way."""
    app = create_app(container=town)
    accounts = town.services.accounts
    root = accounts.actor_for_username("root")
    accounts.grant_role("sc", Role.ADMIN, None, root, "cover")
    browser = signed_in(app, "coordinator", language="en")
    assert browser.get("/admin/users").status == 200

    accounts.revoke_role("sc", Role.ADMIN, None, root, "back")
    assert browser.get("/admin/users").status == 403

    user = town.store.get(User.id_for("sc"))
    assert isinstance(user, User)
    user.deactivate("left", UserId(SYSTEM_ACTOR.user_id))
    town.store.save(user)
    page = browser.get("/resources")
    assert page.status in (302, 303)
    assert "/sign-in" in page.location
