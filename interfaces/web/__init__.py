"""The web application: JSON API and HTML UI on one Flask app."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from domain.base import correlated
from interfaces.bootstrap import Container, Settings, SettingsError, bootstrap, flag
from interfaces.web.api import api_blueprint
from interfaces.web.api.problems import ProblemError, problem_response, register_problem_handlers
from interfaces.web.ui import init_ui

MAX_REQUEST_BYTES = 1024 * 1024
HSTS = "max-age=63072000; includeSubDomains"
"""Two years, as browsers' preload lists ask; sent only over HTTPS."""
READY_TIMEOUT_SECONDS = 1.0
HEALTH_PATHS = ("/healthz", "/readyz")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpSettings:
    """How the app is reached (see docs/security.md, "HTTPS").

    ``behind_https``: every request reached the client over HTTPS (a TLS-terminating
    proxy in front), so responses carry HSTS and the session cookie is Secure.
    ``trusted_proxies``: how many proxies in front may be believed about the client's
    address, scheme and host (``X-Forwarded-For``, ``-Proto``, ``-Host``); 0 believes
    none of those headers, since anyone can send them.
    """

    behind_https: bool = False
    trusted_proxies: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpSettings:
        env = os.environ if environ is None else environ
        proxies = (env.get("TSUNAGU_TRUSTED_PROXIES") or "0").strip()
        if not proxies.isdigit():
            raise SettingsError(
                f"TSUNAGU_TRUSTED_PROXIES must be a number of proxies, not {proxies!r}"
            )
        return cls(
            behind_https=flag(env, "TSUNAGU_BEHIND_HTTPS", False), trusted_proxies=int(proxies)
        )


def create_app(
    settings: Settings | None = None,
    container: Container | None = None,
    http: HttpSettings | None = None,
    catch_up_views: bool = True,
) -> Flask:
    """Build the Flask app. Settings come from the environment unless given.
    ``catch_up_views``: see :func:`bootstrap`."""
    # The instance folder holds the default SQLite file and the generated keys: the
    # project's instance/ unless TSUNAGU_INSTANCE_PATH names one (e.g. /var/lib/tsunagu).
    instance = os.environ.get("TSUNAGU_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.path.abspath(instance) if instance else None,
    )
    if container is None:
        settings = settings or Settings.from_env(instance_path=app.instance_path)
        container = bootstrap(settings, catch_up_views=catch_up_views)
    http = http or HttpSettings.from_env()
    app.config.update(
        SECRET_KEY=container.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    if http.trusted_proxies:
        n = http.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tsunagu"] = container
    app.extensions["tsunagu.http"] = http
    app.extensions["tsunagu.readiness"] = Readiness(container.services.oversight.head)
    register_problem_handlers(app)
    app.register_blueprint(api_blueprint())
    # After the API: the UI's error handler answers /api/ with problem+json still.
    init_ui(app)
    if http.behind_https:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.after_request(transport_headers)
    if container.reads is not None:  # DATABASE_READ_URL: screens read their own writes
        app.before_request(_reads_after_own_writes)
        app.after_request(_remember_own_writes)
    app.wsgi_app = Correlated(app.wsgi_app)  # type: ignore[method-assign]
    return app


class Correlated:
    """Every event one request triggers shares its correlation id (provenance; the
    answer carries it as ``X-Correlation-Id``). The id is set around the whole call of
    the application and reset when it returns, whatever happened: a request whose
    teardown never ran (an unclosed streamed answer) cannot lend its id to the events
    that the same thread triggers later."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        correlation = uuid.uuid4().hex
        environ[CORRELATION_KEY] = correlation
        with correlated(correlation):
            return self.wsgi_app(environ, start_response)


CORRELATION_KEY = "tsunagu.correlation"


def transport_headers(response: Response) -> Response:
    """HSTS over HTTPS; and no caching nor type sniffing of API answers, which carry
    personal data (the screens set their own headers, ``interfaces.web.ui``)."""
    http: HttpSettings = current_app.extensions["tsunagu.http"]
    if http.behind_https or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    correlation = request.environ.get(CORRELATION_KEY)
    if correlation is not None:
        response.headers["X-Correlation-Id"] = correlation
    if request.path.startswith("/api/") or request.path in HEALTH_PATHS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response


WRITE_MARK = "wal"
"""Session key: the primary's WAL position after this browser's last change."""


def _reads_after_own_writes() -> None:
    """Lists of this request come from the replica only once it has replayed the
    session's last change (infrastructure.replica.ReadRouting); else the primary."""
    container: Container = current_app.extensions["tsunagu"]
    if container.reads is not None:
        container.reads.begin(session.get(WRITE_MARK))


def _remember_own_writes(response: Response) -> Response:
    """A screen's change (a form sent, not refused) marks the session; a mark the
    replica has passed is dropped. The API keeps its own contract (min_position)."""
    container: Container = current_app.extensions["tsunagu"]
    if container.reads is None or request.path.startswith("/api/"):
        return response
    if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
        session[WRITE_MARK] = container.reads.mark()
    elif WRITE_MARK in session and container.reads.replica_caught_up():
        session.pop(WRITE_MARK)
    return response


def healthz() -> Response:
    return jsonify(status="ok")


class Readiness:
    """Whether the database answers, within a bounded time.

    The check runs in a daemon thread: a database that never answers holds that
    thread, not the request (which answers 503 after the timeout) nor the process's
    exit. While one check hangs, later probes wait on the same one instead of
    piling up threads.
    """

    def __init__(self, check: Callable[[], object], timeout: float = READY_TIMEOUT_SECONDS) -> None:
        self._check = check
        self._timeout = timeout
        self._lock = threading.Lock()
        self._running: Future[object] | None = None

    def ready(self) -> bool:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._start()
            running = self._running
        try:
            running.result(timeout=self._timeout)
        except TimeoutError:
            log.warning("not ready: the database did not answer within %.1f s", self._timeout)
            return False
        except Exception:
            log.exception("not ready: the database check failed")
            return False
        return True

    def _start(self) -> Future[object]:
        future: Future[object] = Future()

        def run() -> None:
            try:
                future.set_result(self._check())
            except BaseException as error:  # handed to the waiting request, which logs it
                future.set_exception(error)

        threading.Thread(target=run, name="tsunagu-readiness", daemon=True).start()
        return future


def readyz() -> Response:
    """Ready or not, nothing more: where the database is and why it failed go to the
    log, never to an unauthenticated caller."""
    readiness: Readiness = current_app.extensions["tsunagu.readiness"]
    if readiness.ready():
        return jsonify(status="ready")
    return problem_response(
        ProblemError(503, "not-ready", "Not ready", "the service cannot serve requests now")
    )
