"""The web application: JSON API and HTML UI on one Flask app."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify

from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web.api import api_blueprint
from interfaces.web.api.problems import ProblemError, problem_response, register_problem_handlers
from interfaces.web.ui import init_ui

MAX_REQUEST_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the Flask app. Settings come from the environment unless given."""
    app = Flask(__name__, instance_relative_config=True)
    if container is None:
        settings = settings or Settings.from_env(instance_path=app.instance_path)
        container = bootstrap(settings)
    app.config.update(
        SECRET_KEY=container.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tsunagu"] = container
    register_problem_handlers(app)
    app.register_blueprint(api_blueprint())
    # After the API: the UI's error handler answers /api/ with problem+json still.
    init_ui(app)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
    return app


def healthz() -> Response:
    return jsonify(status="ok")


def readyz() -> Response:
    container: Container = current_app.extensions["tsunagu"]
    try:
        head = container.services.oversight.head()
    except Exception as error:
        return problem_response(
            ProblemError(503, "not-ready", "Not ready", f"the database does not answer: {error}")
        )
    return jsonify(status="ready", database=container.database.describe(), head=head)
