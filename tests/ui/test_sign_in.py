"""Signing in and out: cookies, role homes, CSRF, expiry and deactivation."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from tests.builders import PASSWORD
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
    assert len(re.findall(r'class="field-errors"', page.html)) == 2  # at each field
    assert page.text.count("入力してください") == 4  # and as links in the error summary
    assert 'href="#username"' in page.html
    assert 'href="#password"' in page.html


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
        [("username", username), ("password", "long enough secret"), ("roles", "coordinator")],
    )
    assert created.status == 303
    user = Browser(ui.app)
    assert user.sign_in(username, password="long enough secret").status == 303
    assert user.get("/needs").status == 200

    admin.get(f"/admin/users/{username}")
    page = admin.post(
        f"/admin/users/{username}/deactivate",
        {"version": "2", "reason": "退職のため", "confirm": "1"},
    )
    assert page.status == 303

    ended = user.get("/needs")
    assert ended.status == 303
    assert "ログインが終了しました" in user.follow(ended)
    again = Browser(ui.app).sign_in(username, password="long enough secret")
    assert again.status == 401
    assert "無効化されています" in again


# -- redirect targets ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/needs\r\nSet-Cookie: x=1", "/needs\n", "/ne\x00eds", "/\t"])
def test_a_control_character_in_next_after_sign_in_lands_on_the_home_page(
    ui: Api, target: str
) -> None:
    browser = Browser(ui.app)
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"username": "sc", "password": PASSWORD, "next": target})

    assert page.status == 303
    assert page.location == "/home"


def test_a_line_break_in_next_of_the_language_switch_goes_to_the_start(ui: Api) -> None:
    browser = signed_in(ui.app, "coordinator")
    page = browser.post("/language", {"language": "en", "next": "/needs\r\nX-Evil: 1"})

    assert page.status == 303
    assert page.location == "/"


# -- throttling ----------------------------------------------------------------------------------


def _new_user(ui: Api) -> str:
    username = unique("u")
    body = {"username": username, "password": PASSWORD, "role": "coordinator"}
    assert ui.post("/users", body, "admin").status_code == 201
    return username


def _from_own_address(browser: Browser) -> Browser:
    net = uuid4().hex
    browser.client.environ_base["REMOTE_ADDR"] = f"2001:db8:{net[:4]}:{net[4:8]}::7"
    return browser


def test_the_form_is_refused_with_429_after_five_wrong_passwords(ui: Api) -> None:
    username = _new_user(ui)
    browser = _from_own_address(Browser(ui.app))
    for _ in range(5):
        assert browser.sign_in(username, password="not the password").status == 401

    page = browser.sign_in(username)

    assert page.status == 429
    assert 1 <= int(page.response.headers["Retry-After"]) <= 30
    assert "ログインの失敗が多すぎます" in page
    assert browser.get("/needs").status == 303


# -- passwords -----------------------------------------------------------------------------------

NEW_PASSWORD = "a fresh and longer secret"


def _reset_by_admin(ui: Api, username: str) -> str:
    admin = signed_in(ui.app, "admin")
    user_page = admin.get(f"/admin/users/{username}")
    version = re.search(r'name="version" value="(\d+)"', user_page.html)
    assert version is not None
    page = admin.post(f"/admin/users/{username}/reset", {"version": version.group(1)})
    assert page.status == 200, page.text[:500]
    shown = re.search(r'<code class="secret">([^<]+)</code>', page.html)
    assert shown is not None
    return shown.group(1)


def test_an_administrator_resets_a_password_and_sees_it_once(ui: Api) -> None:
    username = _new_user(ui)

    temporary = _reset_by_admin(ui, username)

    assert len(temporary) >= 16
    assert temporary not in signed_in(ui.app, "admin").get(f"/admin/users/{username}").html


def test_after_a_reset_signing_in_asks_for_a_new_password_then_signs_in(ui: Api) -> None:
    username = _new_user(ui)
    temporary = _reset_by_admin(ui, username)
    browser = Browser(ui.app)

    asked = browser.sign_in(username, password=temporary)
    assert asked.status == 200
    assert "新しいパスワード" in asked
    assert browser.get("/needs").status == 303
    page = browser.post(
        "/sign-in/password",
        {
            "username": username,
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )

    assert page.status == 303
    assert page.location.endswith("/home")
    assert browser.get("/needs").status == 200
    assert Browser(ui.app).sign_in(username, password=NEW_PASSWORD).status == 303


def test_changing_ones_password_keeps_this_session_and_ends_the_others(ui: Api) -> None:
    username = _new_user(ui)
    other = signed_in(ui.app, username)
    browser = signed_in(ui.app, username)
    browser.get("/account/password")

    page = browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )

    assert page.status == 303
    assert browser.get("/needs").status == 200
    assert other.get("/needs").status == 303
    assert Browser(ui.app).sign_in(username, password=PASSWORD).status == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current_password": "not it"}, "現在のパスワードが違います"),
        ({"new_password": "password1234", "repeat_password": "password1234"}, "ありふれた"),
        ({"repeat_password": "something else entirely"}, "新しいパスワードが一致しません"),
        ({"new_password": "short", "repeat_password": "short"}, "12文字以上"),
    ],
    ids=["wrong-current", "common", "differ", "short"],
)
def test_the_password_form_says_what_is_wrong(
    ui: Api, fields: dict[str, str], message: str
) -> None:
    username = _new_user(ui)
    browser = signed_in(ui.app, username)
    browser.get("/account/password")
    sent = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD,
        **fields,
    }

    page = browser.post("/account/password", sent)

    assert page.status in (401, 422)
    assert message in page
    assert Browser(ui.app).sign_in(username).status == 303


# -- sessions and the sign-in log ----------------------------------------------------------------


def test_the_account_page_lists_sessions_and_ends_another(ui: Api) -> None:
    username = _new_user(ui)
    other = signed_in(ui.app, username)
    browser = signed_in(ui.app, username)

    page = browser.get("/account")
    ends = re.findall(r'action="(/account/sessions/[0-9a-f]+/end)"', page.html)
    assert page.status == 200
    assert "このセッション" in page
    assert len(ends) == 2
    current = re.search(
        r'このセッション.*?action="(/account/sessions/[0-9a-f]+/end)"', page.html, re.DOTALL
    )
    assert current is not None
    ended = browser.post(next(e for e in ends if e != current.group(1)), {})

    assert ended.status == 303
    assert other.get("/needs").status == 303
    assert browser.get("/needs").status == 200


def test_ending_this_session_on_the_account_page_signs_out(ui: Api) -> None:
    browser = signed_in(ui.app, _new_user(ui))
    page = browser.get("/account")
    current = re.search(
        r'このセッション.*?action="(/account/sessions/[0-9a-f]+/end)"', page.html, re.DOTALL
    )
    assert current is not None

    ended = browser.post(current.group(1), {})

    assert ended.location.startswith("/sign-in")
    assert browser.get("/needs").status == 303


def test_administrators_see_failed_sign_ins(ui: Api) -> None:
    username = _new_user(ui)
    for _ in range(5):
        _from_own_address(Browser(ui.app)).sign_in(username, password="not the password")

    page = signed_in(ui.app, "admin").get("/admin/sign-ins")

    assert page.status == 200
    assert page.text.count(username) == 6
    assert "アカウントをロック" in page


def test_only_administrators_see_failed_sign_ins(ui: Api) -> None:
    assert signed_in(ui.app, "coordinator").get("/admin/sign-ins").status == 403
