"""Driving the HTML screens through Flask's test client, as a browser would.

Every request goes over HTTP: people sign in with the form, every form carries
the CSRF token the page gave, and what a test checks is what the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import PASSWORD
from tests.e2e.support import USERNAMES

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Page:
    """A response and its text, as people see it."""

    def __init__(self, response: TestResponse) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)

    @property
    def text(self) -> str:
        return visible_text(self.html)

    @property
    def location(self) -> str:
        return str(self.response.headers.get("Location", ""))

    def links(self, pattern: str) -> list[str]:
        return re.findall(rf'href="({pattern})"', self.html)

    def __contains__(self, text: str) -> bool:
        return text in self.text


class Browser:
    """One person's browser: a cookie jar and the CSRF token of its session."""

    def __init__(self, app: Flask, language: str | None = "ja") -> None:
        self.client: FlaskClient = app.test_client()
        self.headers = {"Accept-Language": language} if language else {}
        self.token: str | None = None

    def get(self, path: str, **query: Any) -> Page:
        page = Page(self.client.get(path, query_string=query or None, headers=self.headers))
        match = CSRF.search(page.html)
        if match:
            self.token = match.group(1)
        return page

    def post(
        self, path: str, data: Mapping[str, Any] | Sequence[tuple[str, Any]], *, csrf: bool = True
    ) -> Page:
        items = list(data.items()) if isinstance(data, Mapping) else list(data)
        if csrf:
            if self.token is None:
                self.get("/sign-in")
            items.append(("csrf_token", self.token))
        fields: dict[str, list[Any]] = {}
        for key, value in items:
            fields.setdefault(key, []).append(value)
        response = self.client.post(path, data=fields, headers=self.headers)
        page = Page(response)
        match = CSRF.search(page.html)
        if match:
            self.token = match.group(1)
        return page

    def follow(self, page: Page) -> Page:
        assert page.status in (302, 303), (page.status, page.text[:500])
        return self.get(page.location)

    def sign_in(self, who: str, password: str = PASSWORD) -> Page:
        self.get("/sign-in")
        return self.post("/sign-in", {"username": USERNAMES.get(who, who), "password": password})


def signed_in(app: Flask, who: str, language: str | None = "ja") -> Browser:
    browser = Browser(app, language)
    page = browser.sign_in(who)
    assert page.status == 303, page.text[:500]
    browser.follow(page)  # the new session's first page gives its CSRF token
    return browser


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title", "desc"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title", "desc") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def need_id_of(page: Page) -> str:
    """The need a redirect after raising or acting points at."""
    match = re.search(r"/needs/([0-9a-f-]{36})", page.location or page.html)
    assert match, page.location
    return match.group(1)


def version_of(page: Page, action: str) -> str:
    """The version an action form on a need page carries."""
    match = re.search(
        rf'action="/needs/[0-9a-f-]+/{action}"[^>]*>\s*<input[^>]*csrf_token[^>]*>\s*'
        r'<input type="hidden" name="version" value="(\d+)"',
        page.html,
    )
    assert match, f"no {action} form"
    return match.group(1)
