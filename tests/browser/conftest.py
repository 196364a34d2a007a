"""A real browser against the app served on 127.0.0.1.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or
``TSUNAGU_CHROMIUM``); no browser is downloaded. Without Chromium these tests
are skipped with a clear reason, unless ``TSUNAGU_REQUIRE_BROWSER=1`` (set by
``.ci/run``), which turns a missing browser into a failure.

The app runs in a thread of the test process on an SQLite file (and, for one
journey, on PostgreSQL when ``TSUNAGU_TEST_POSTGRES_URL`` is set), with the
town of ``tests.builders``. Each test makes its own data and saves a
screenshot of its final page under ``tests/browser/screenshots/``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app
from tests.builders import PASSWORD, Town, make_town
from tests.conftest import POSTGRES_URL, _drop_schema

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = os.environ.get("TSUNAGU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REQUIRED = os.environ.get("TSUNAGU_REQUIRE_BROWSER", "").strip() == "1"
AVAILABLE = Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
SKIP_REASON = (
    f"browser tests skipped: no Chromium at {CHROMIUM} "
    "(apt-get install chromium chromium-driver; CI sets TSUNAGU_REQUIRE_BROWSER=1 to fail instead)"
)
SCREENSHOTS = Path(__file__).parent / "screenshots"
USERNAMES = {
    "care_manager": "cm",
    "coordinator": "sc",
    "supervisor": "boss",
    "auditor": "audit",
    "admin": "root",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if not AVAILABLE and not REQUIRED:
                item.add_marker(pytest.mark.skipif(True, reason=SKIP_REASON))


@dataclass
class Site:
    """The app under test, served over HTTP."""

    url: str
    container: Container
    town: Town
    backend: str


def closing_each_response(app: WSGIApplication) -> WSGIApplication:
    """``app`` with each response read whole and closed before it is sent.

    Werkzeug's server closes a response only after reading what is left of the
    request; when the browser has already dropped the connection (a page left
    while a stylesheet was still being sent) that read fails and the open static
    file is never closed, which the suite reports as an unclosed-file warning in
    an unrelated test. Every response here is small and finite.
    """

    def buffered(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return buffered


@contextmanager
def serving(backend: str, directory: Path) -> Iterator[Site]:
    """The app on ``backend`` with the builders' town, served on a free port."""
    schema: str | None = None
    if backend == "sqlite":
        settings = Settings(
            database_url=f"sqlite:///{directory / 'tsunagu.sqlite3'}",
            secret_key="browser-tests",
            demo=False,
            fast_passwords=True,
        )
    else:
        schema = f"browser_{uuid4().hex[:16]}"
        settings = Settings(
            database_url=POSTGRES_URL,
            db_schema=schema,
            secret_key="browser-tests",
            demo=False,
            fast_passwords=True,
        )
    container = bootstrap(settings)
    server: BaseWSGIServer | None = None
    try:
        town = make_town(container.services)
        app = closing_each_response(create_app(container=container))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield Site(f"http://127.0.0.1:{server.server_port}", container, town, backend)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        container.close()
        if schema is not None:
            _drop_schema(schema)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app the browser tests share (SQLite)."""
    with serving("sqlite", tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not AVAILABLE:
        pytest.fail(f"TSUNAGU_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of pages, each in a browser context of its own (its own cookies)."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900, locale: str = "ja-JP") -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save the final page of a test (the folder is git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions on ``locator`` (imported when a test runs).

    After a click that submits a form, ``locator.count()`` or ``get_attribute`` may
    still read the page the click left: they do not wait for the next one; these do.
    """
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(page: Any, site: Site, who: str) -> None:
    page.goto(site.url + "/sign-in")
    page.get_by_label("ユーザー名").fill(USERNAMES[who])
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
