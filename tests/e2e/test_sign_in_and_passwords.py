"""Signing in over HTTP: throttling (429 + Retry-After), the cost of unknown usernames,
token kinds, revoking tokens, one's sessions, changing and resetting passwords, and
the failed sign-ins administrators read.

Tests that fail sign-ins do it for users and client addresses of their own, so that
the shared app's other tests never meet a lock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from interfaces.bootstrap import Settings, bootstrap
from interfaces.web import create_app
from tests.builders import PASSWORD, make_town
from tests.e2e.support import API, Api, assert_ok, assert_problem, new_user, unique

NEW_PASSWORD = "a fresh and longer secret"


def _address() -> str:
    """A client address nobody else uses (an IPv6 documentation network of its own)."""
    net = uuid4().hex
    return f"2001:db8:{net[:4]}:{net[4:8]}::1"


class Client:
    """One API client from one address, with its own token."""

    def __init__(self, api: Api, address: str | None = None) -> None:
        self.api = api
        self.address = address or _address()
        self.token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> TestResponse:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        return self.api.client.open(
            API + path,
            method=method,
            json=body,
            headers=sent,
            environ_base={"REMOTE_ADDR": self.address, "HTTP_USER_AGENT": "e2e-client/1.0"},
        )

    def sign_in(self, username: str, password: str) -> TestResponse:
        response = self.call("POST", "/auth/token", {"username": username, "password": password})
        if response.status_code == 200:
            self.token = response.get_json()["token"]
        return response


# -- throttling --------------------------------------------------------------------------------


def test_the_sixth_attempt_after_five_wrong_passwords_is_429_with_retry_after(api: Api) -> None:
    username = new_user(api)
    client = Client(api)
    for _ in range(5):
        assert_problem(client.sign_in(username, "wrong password"), 401)

    response = client.sign_in(username, PASSWORD)

    body = assert_problem(response, 429)
    assert body["type"] == "urn:tsunagu:problem:auth.throttled"
    assert 1 <= int(response.headers["Retry-After"]) <= 30


def test_the_lock_of_an_account_holds_from_every_address(api: Api) -> None:
    username = new_user(api)
    for _ in range(5):
        Client(api).sign_in(username, "wrong password")

    assert_problem(Client(api).sign_in(username, PASSWORD), 429)


def test_thirty_failures_from_one_address_lock_that_address(api: Api) -> None:
    attacker = Client(api)
    for n in range(30):
        assert_problem(attacker.sign_in(f"nobody-{n}-{uuid4().hex[:6]}", "guess"), 401)

    assert_problem(attacker.sign_in("sc", PASSWORD), 429)
    assert_ok(Client(api).sign_in("sc", PASSWORD))


def test_changing_a_password_is_throttled_too(api: Api) -> None:
    username = new_user(api)
    client = Client(api)
    for _ in range(5):
        client.sign_in(username, "wrong password")

    body = {"username": username, "current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = client.call("POST", "/auth/password", body)

    assert_problem(response, 429)
    assert "Retry-After" in response.headers


@pytest.fixture(scope="module")
def argon2_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An app with production-cost password hashing (the others use a cheap one)."""
    path = tmp_path_factory.mktemp("argon2") / "tsunagu.sqlite3"
    container = bootstrap(Settings(database_url=f"sqlite:///{path}", secret_key="test"))
    try:
        make_town(container.services)
        yield Api(create_app(container=container), container, "sqlite")
    finally:
        container.close()


def _seconds(client: Client, username: str) -> float:
    started = time.perf_counter()
    assert_problem(client.sign_in(username, "wrong password"), 401)
    return time.perf_counter() - started


def test_an_unknown_username_takes_as_long_as_a_wrong_password(argon2_api: Api) -> None:
    known = [_seconds(Client(argon2_api), name) for name in ("sc", "boss", "audit")]
    unknown = [_seconds(Client(argon2_api), unique("nobody")) for _ in range(3)]

    # Without the dummy hash an unknown username answered ~70 times faster.
    assert statistics.median(unknown) > 0.5 * statistics.median(known)


# -- token kinds and revoking ----------------------------------------------------------------


def _session_token(api: Api, browser: FlaskClient) -> str:
    cookie = browser.get_cookie("tsunagu_session")
    assert cookie is not None
    session = api.app.session_interface.get_signing_serializer(api.app)  # type: ignore[attr-defined]
    token: str = session.loads(cookie.value)["token"]
    return token


def _browser_signed_in(api: Api, username: str) -> FlaskClient:
    browser = api.app.test_client()
    page = browser.get("/sign-in").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = browser.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return browser


def test_a_browser_sessions_token_is_refused_as_a_bearer_token(api: Api) -> None:
    browser = _browser_signed_in(api, "sc")
    token = _session_token(api, browser)

    response = api.client.get(f"{API}/areas", headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401)
    assert browser.get("/home").status_code == 200


def test_an_api_token_is_refused_as_a_browser_session(api: Api) -> None:
    browser = api.app.test_client()
    with browser.session_transaction() as session:
        session["token"] = api.token("coordinator")

    response = browser.get("/home")

    assert response.status_code == 303
    assert "/sign-in" in response.headers["Location"]


def test_delete_token_revokes_the_calling_token_only(api: Api) -> None:
    username = new_user(api)
    ended, kept = Client(api), Client(api)
    ended.sign_in(username, PASSWORD)
    kept.sign_in(username, PASSWORD)

    response = ended.call("DELETE", "/auth/token")

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_problem(ended.call("GET", "/areas"), 401)
    assert_ok(kept.call("GET", "/areas"))


# -- one's sessions ----------------------------------------------------------------------------


def test_sessions_lists_the_callers_tokens_and_sessions(api: Api) -> None:
    username = new_user(api)
    _browser_signed_in(api, username)
    client = Client(api)
    client.sign_in(username, PASSWORD)

    items = assert_ok(client.call("GET", "/auth/sessions"))["items"]

    assert [(i["kind"], i["current"]) for i in items] == [("api", True), ("session", False)]
    assert items[0]["label"] == "e2e-client/1.0"
    assert client.token not in str(items)


def test_ending_a_session_signs_that_browser_out(api: Api) -> None:
    username = new_user(api)
    browser = _browser_signed_in(api, username)
    client = Client(api)
    client.sign_in(username, PASSWORD)
    session = next(
        i for i in assert_ok(client.call("GET", "/auth/sessions"))["items"] if not i["current"]
    )

    response = client.call("DELETE", f"/auth/sessions/{session['id']}")

    assert response.status_code == 204
    assert browser.get("/home").status_code == 303


def test_ending_a_session_that_is_not_yours_is_404(api: Api) -> None:
    client = Client(api)
    client.sign_in(new_user(api), PASSWORD)
    theirs = assert_ok(api.get("/auth/sessions", "supervisor"))["items"][0]["id"]

    assert_problem(client.call("DELETE", f"/auth/sessions/{theirs}"), 404)
    assert_ok(api.get("/auth/sessions", "supervisor"))


# -- changing one's password -------------------------------------------------------------------


def test_change_password_answers_a_new_token_and_ends_the_others(api: Api) -> None:
    username = new_user(api)
    old, browser = Client(api), _browser_signed_in(api, username)
    old.sign_in(username, PASSWORD)

    body = {"username": username, "current_password": PASSWORD, "new_password": NEW_PASSWORD}
    new = Client(api)
    response = new.call("POST", "/auth/password", body)

    new.token = assert_ok(response)["token"]
    assert_ok(new.call("GET", "/areas"))
    assert_problem(old.call("GET", "/areas"), 401)
    assert browser.get("/home").status_code == 303
    assert_ok(Client(api).sign_in(username, NEW_PASSWORD))


def test_change_password_is_401_with_a_wrong_current_password(api: Api) -> None:
    username = new_user(api)
    body = {"username": username, "current_password": "not it", "new_password": NEW_PASSWORD}

    assert_problem(Client(api).call("POST", "/auth/password", body), 401)
    assert_ok(Client(api).sign_in(username, PASSWORD))


@pytest.mark.parametrize(
    ("new_password", "problem"),
    [
        ("short", "validation"),
        ("password1234", "password.too_common"),
        ("aaaaaaaaaaaaaaaa", "password.repetitive"),
    ],
)
def test_change_password_is_422_for_a_weak_new_password(
    api: Api, new_password: str, problem: str
) -> None:
    username = new_user(api)
    body = {"username": username, "current_password": PASSWORD, "new_password": new_password}

    refused = assert_problem(Client(api).call("POST", "/auth/password", body), 422)

    assert refused["type"] == f"urn:tsunagu:problem:{problem}"
    assert "new_password" in refused["errors"]


def test_change_password_refuses_the_username_in_the_new_password(api: Api) -> None:
    username = new_user(api)
    body = {
        "username": username,
        "current_password": PASSWORD,
        "new_password": f"{username}-is-secret",
    }

    refused = assert_problem(Client(api).call("POST", "/auth/password", body), 422)

    assert refused["type"] == "urn:tsunagu:problem:password.contains_username"


def test_create_user_refuses_a_password_of_eight_digits(api: Api) -> None:
    body = {"username": unique("u"), "password": "12345678", "role": "auditor"}

    refused = assert_problem(api.post("/users", body, "admin"), 422)

    assert "password" in refused["errors"]


# -- an administrator's reset ------------------------------------------------------------------


def _reset(api: Api, username: str) -> TestResponse:
    users = assert_ok(api.get("/users", "admin"))["items"]
    current = next(u["version"] for u in users if u["username"] == username)
    return api.post(f"/users/{username}/reset-password", None, "admin", if_match=current)


def test_reset_password_gives_a_temporary_password_once(api: Api) -> None:
    username = new_user(api)

    response = _reset(api, username)

    body = assert_ok(response)
    assert body["username"] == username
    assert len(body["temporary_password"]) >= 16
    assert response.headers["ETag"] == f'"{body["version"]}"'


def test_after_a_reset_a_token_needs_a_new_password_first(api: Api) -> None:
    username = new_user(api)
    temporary = assert_ok(_reset(api, username))["temporary_password"]

    refused = assert_problem(Client(api).sign_in(username, temporary), 403)
    body = {"username": username, "current_password": temporary, "new_password": NEW_PASSWORD}
    changed = Client(api).call("POST", "/auth/password", body)

    assert refused["type"] == "urn:tsunagu:problem:auth.password_change_required"
    assert_ok(changed)
    assert_ok(Client(api).sign_in(username, NEW_PASSWORD))


def test_reset_password_ends_the_users_tokens(api: Api) -> None:
    username = new_user(api)
    client = Client(api)
    client.sign_in(username, PASSWORD)

    _reset(api, username)

    assert_problem(client.call("GET", "/areas"), 401)


def test_reset_password_needs_if_match(api: Api) -> None:
    username = new_user(api)

    assert_problem(api.post(f"/users/{username}/reset-password", None, "admin"), 428)


@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_reset_password_is_for_administrators_only(api: Api, who: str) -> None:
    response = api.post("/users/sc/reset-password", None, who, if_match=1)

    assert_problem(response, 403)


# -- failed sign-ins for administrators --------------------------------------------------------


def test_administrators_read_failed_sign_ins_and_lockouts(api: Api) -> None:
    username = new_user(api)
    client = Client(api)
    for _ in range(5):
        client.sign_in(username, "wrong password")

    items = assert_ok(api.get("/auth/sign-in-failures", "admin"))["items"]

    mine = [i for i in items if i["username"] == username]
    assert [i["event"] for i in mine] == [
        "locked",
        "failed",
        "failed",
        "failed",
        "failed",
        "failed",
    ]
    assert {i["address"] for i in mine} == {client.address}
    assert mine[0]["locked"] == "account"
    assert mine[0]["locked_until"] is not None


@pytest.mark.parametrize("who", ["care_manager", "coordinator", "supervisor", "auditor"])
def test_failed_sign_ins_are_for_administrators_only(api: Api, who: str) -> None:
    assert_problem(api.get("/auth/sign-in-failures", who), 403)
