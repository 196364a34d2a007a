"""Signing in and out: cookies, role homes, CSRF, expiry and deactivation."""

from __future__ import annotations

import pytest

from tests.e2e.support import Api, unique
from tests.ui.support import Browser, signed_in


def test_the_sign_in_page_is_in_japanese_by_default(ui: Api) -> None:
    page = Browser(ui.app, language=None).get("/sign-in")

    assert page.status == 200
    assert '<html lang="ja">' in page.html
    assert "ログイン" in page
    assert 'for="username"' in page.html
    assert 'for="password"' in page.html


def test_accept_language_english_gives_english_on_first_visit(ui: Api) -> None:
    page = Browser(ui.app, language="en-GB,en;q=0.9").get("/sign-in")

    assert '<html lang="en">' in page.html
    assert "Sign in" in page


def test_an_unknown_accept_language_falls_back_to_japanese(ui: Api) -> None:
    page = Browser(ui.app, language="fr-FR,de;q=0.5").get("/sign-in")

    assert '<html lang="ja">' in page.html


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("care_manager", "/home"),
        ("coordinator", "/home"),
        ("supervisor", "/dashboard"),
        ("auditor", "/audit"),
        ("admin", "/admin/users"),
    ],
)
def test_each_role_lands_on_its_own_home(ui: Api, who: str, home: str) -> None:
    browser = Browser(ui.app)
    page = browser.sign_in(who)

    assert page.status == 303
    assert page.location.endswith(home)
    assert browser.follow(page).status == 200


def test_the_session_cookie_is_httponly_and_samesite_lax_but_not_secure_over_http(ui: Api) -> None:
    page = Browser(ui.app).sign_in("coordinator")

    cookie = page.response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_behind_an_https_proxy(ui: Api) -> None:
    browser = Browser(ui.app)
    browser.headers["X-Forwarded-Proto"] = "https"
    page = browser.sign_in("coordinator")

    assert "Secure" in page.response.headers["Set-Cookie"]


def test_a_wrong_password_returns_the_form_with_a_message(ui: Api) -> None:
    browser = Browser(ui.app)
    page = browser.sign_in("coordinator", password="not the password")

    assert page.status == 401
    assert "ユーザー名またはパスワードが違います" in page
    assert 'value="sc"' in page.html  # what was typed stays
    assert browser.get("/needs").status == 303


def test_an_empty_form_says_what_is_missing(ui: Api) -> None:
    browser = Browser(ui.app)
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"username": "", "password": ""})

    assert page.status == 422
    assert page.text.count("入力してください") == 2


def test_pages_need_a_signed_in_user_and_come_back_after_sign_in(ui: Api) -> None:
    browser = Browser(ui.app)
    page = browser.get("/resources")

    assert page.status == 303
    assert "/sign-in?next=/resources" in page.location
    browser.get(page.location)
    signed = browser.post(
        "/sign-in", {"username": "sc", "password": "correct horse battery", "next": "/resources"}
    )
    assert signed.location == "/resources"


def test_sign_in_never_redirects_to_another_site(ui: Api) -> None:
    browser = Browser(ui.app)
    browser.get("/sign-in")
    page = browser.post(
        "/sign-in",
        {"username": "sc", "password": "correct horse battery", "next": "//evil.example/x"},
    )

    assert page.location == "/home"


def test_a_form_without_the_csrf_token_is_refused(ui: Api) -> None:
    browser = signed_in(ui.app, "coordinator")
    page = browser.post("/language", {"language": "en"}, csrf=False)

    assert page.status == 400
    assert "フォームの有効期限が切れました" in page


def test_sign_in_itself_needs_the_csrf_token(ui: Api) -> None:
    page = Browser(ui.app).post(
        "/sign-in", {"username": "sc", "password": "correct horse battery"}, csrf=False
    )

    assert page.status == 400


def test_the_api_takes_bearer_tokens_without_csrf(ui: Api) -> None:
    response = ui.client.post(
        "/api/v1/auth/token", json={"username": "sc", "password": "correct horse battery"}
    )

    assert response.status_code == 200


def test_signing_out_ends_the_session_even_for_a_copied_cookie(ui: Api) -> None:
    browser = signed_in(ui.app, "coordinator")
    copied = browser.client.get_cookie("tsunagu_session")
    assert copied is not None

    page = browser.post("/sign-out", {})
    assert page.location.startswith("/sign-in")

    thief = Browser(ui.app)
    thief.client.set_cookie("tsunagu_session", copied.value)
    assert thief.get("/needs").status == 303


def test_a_deactivated_user_is_signed_out_at_the_next_request(ui: Api) -> None:
    username = unique("u")
    admin = signed_in(ui.app, "admin")
    admin.get("/admin/users/new")
    created = admin.post(
        "/admin/users/new",
        [("username", username), ("password", "long enough"), ("roles", "coordinator")],
    )
    assert created.status == 303
    user = Browser(ui.app)
    assert user.sign_in(username, password="long enough").status == 303
    assert user.get("/needs").status == 200

    admin.get(f"/admin/users/{username}")
    page = admin.post(
        f"/admin/users/{username}/deactivate", {"version": "2", "reason": "退職のため"}
    )
    assert page.status == 303

    ended = user.get("/needs")
    assert ended.status == 303
    assert "ログインが終了しました" in user.follow(ended)
    again = Browser(ui.app).sign_in(username, password="long enough")
    assert again.status == 401
    assert "無効化されています" in again
