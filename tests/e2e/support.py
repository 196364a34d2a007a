"""Driving the JSON API through Flask's test client, as a real caller would.

Everything here goes over HTTP: tokens come from ``POST /api/v1/auth/token``,
aggregates are created with the API's own endpoints, commands carry the ETag
they read in ``If-Match``. The only thing read behind the API's back is the
event log's head, to prove that refused requests wrote nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from interfaces.bootstrap import Container, Settings, bootstrap
from interfaces.web import create_app
from tests.builders import PASSWORD, make_town
from tests.conftest import POSTGRES_URL, _drop_schema

API = "/api/v1"

ROLES = ("care_manager", "coordinator", "supervisor", "auditor", "admin")
"""The five roles of the issue's table."""

USERNAMES: dict[str, str] = {
    "care_manager": "cm",
    "other_care_manager": "cm-south",
    "coordinator": "sc",
    "supervisor": "boss",
    "auditor": "audit",
    "admin": "root",
}
"""Who signs in for each role (the users of ``tests.builders.make_town``)."""

PROBLEM_TYPE = "application/problem+json"
JSON_TYPE = "application/json"


def unique(prefix: str) -> str:
    """A short code nobody else in the shared database uses."""
    return f"{prefix}-{uuid4().hex[:10]}"


# -- the app under test ------------------------------------------------------------------------


class Api:
    """One running tsunagu app, its test client and a token per role."""

    def __init__(self, app: Flask, container: Container, backend: str) -> None:
        self.app = app
        self.container = container
        self.backend = backend
        self.client: FlaskClient = app.test_client()
        self._tokens: dict[str, str] = {}

    # -- authentication ----------------------------------------------------------------

    def token(self, who: str) -> str:
        """A bearer token for ``who`` (a role, or ``other_care_manager``)."""
        if who not in self._tokens:
            response = self.client.post(
                f"{API}/auth/token", json={"username": USERNAMES[who], "password": PASSWORD}
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            self._tokens[who] = response.get_json()["token"]
        return self._tokens[who]

    def headers(
        self,
        who: str | None,
        *,
        if_match: int | str | None = None,
        key: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        headers: dict[str, str] = {}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        if key is not None:
            headers["Idempotency-Key"] = key
        headers.update(extra or {})
        return headers

    # -- requests ------------------------------------------------------------------------

    def get(
        self,
        path: str,
        who: str | None = "admin",
        query: Mapping[str, Any] | None = None,
        *,
        client: FlaskClient | None = None,
    ) -> TestResponse:
        return (client or self.client).get(
            _url(path), headers=self.headers(who), query_string=dict(query or {})
        )

    def post(
        self,
        path: str,
        body: Any,
        who: str | None,
        *,
        if_match: int | str | None = None,
        key: str | None = None,
        client: FlaskClient | None = None,
    ) -> TestResponse:
        """POST ``body`` as JSON (any JSON value, not only objects)."""
        return (client or self.client).post(
            _url(path),
            data=json.dumps(body, ensure_ascii=False),
            content_type=JSON_TYPE,
            headers=self.headers(who, if_match=if_match, key=key),
        )

    def post_raw(
        self,
        path: str,
        data: bytes | str,
        who: str | None,
        *,
        content_type: str | None = JSON_TYPE,
        if_match: int | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """POST bytes as they are, with whatever content type (or none)."""
        return self.client.post(
            _url(path),
            data=data,
            content_type=content_type,
            headers=self.headers(who, if_match=if_match, extra=headers),
        )

    def etag(self, path: str, who: str = "admin") -> str:
        """The ETag of an aggregate as ``who`` reads it now."""
        response = self.get(path, who)
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.headers["ETag"])

    def head(self) -> int:
        """The event log's head (the position of its newest event)."""
        return self.container.services.oversight.head()

    def audit_log(self) -> list[dict[str, Any]]:
        """Every entry of the audit log, read over the API."""
        entries: list[dict[str, Any]] = []
        after = 0
        while True:
            response = self.get("/audit/events", "auditor", {"after": after, "limit": 1000})
            assert response.status_code == 200, response.get_data(as_text=True)
            page = response.get_json()
            entries.extend(page["events"])
            if not page["events"]:
                return entries
            after = page["next_after"]


def _url(path: str) -> str:
    return path if path.startswith((API + "/", "/healthz", "/readyz")) else API + path


@contextmanager
def running_api(backend: str, directory: Path) -> Iterator[Api]:
    """A fresh app on ``backend`` with the town of ``tests.builders.make_town``.

    On PostgreSQL the app lives in a schema of its own, dropped afterwards.
    """
    schema: str | None = None
    if backend == "sqlite":
        settings = Settings(
            database_url=f"sqlite:///{directory / 'tsunagu.sqlite3'}",
            secret_key="test",
            demo=False,
            fast_passwords=True,
        )
    else:
        schema = f"e2e_{uuid4().hex[:16]}"
        settings = Settings(
            database_url=POSTGRES_URL,
            db_schema=schema,
            secret_key="test",
            demo=False,
            fast_passwords=True,
        )
    try:
        container = bootstrap(settings)
        try:
            make_town(container.services)
            yield Api(create_app(container=container), container, backend)
        finally:
            container.close()
    finally:
        if schema is not None:
            _drop_schema(schema)


# -- assertions --------------------------------------------------------------------------------


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; returns its body."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == PROBLEM_TYPE, text
    body: dict[str, Any] = json.loads(text)
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == status
    assert all(isinstance(body[k], str) and body[k] for k in ("type", "title", "detail")), body
    if status == 422:
        errors = body.get("errors")
        assert isinstance(errors, dict), body
        assert errors, body
        assert all(
            isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values()
        ), body
    return body


def assert_ok(response: TestResponse, status: int = 200) -> dict[str, Any]:
    """A JSON success with ``status``; returns its body."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == JSON_TYPE, text
    body: dict[str, Any] = json.loads(text)
    return body


def assert_aggregate(response: TestResponse, status: int = 200) -> dict[str, Any]:
    """A JSON aggregate with id, version, position and the matching ETag."""
    body = assert_ok(response, status)
    assert isinstance(body["id"], str)
    assert isinstance(body["version"], int)
    assert "position" in body
    assert response.headers.get("ETag") == f'"{body["version"]}"'
    return body


def assert_created(api: Api, response: TestResponse) -> dict[str, Any]:
    """201 with a Location that can be fetched and gives the same aggregate."""
    body = assert_aggregate(response, 201)
    assert isinstance(body["position"], int)
    location = response.headers.get("Location")
    assert location is not None
    assert location.endswith(f"/{body['id']}")
    fetched = assert_aggregate(api.get(location, "admin"))
    assert fetched["id"] == body["id"]
    assert fetched["version"] == body["version"]
    return body


# -- request bodies ----------------------------------------------------------------------------


def client_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "山田 花子",
        "name_kana": "ヤマダ ハナコ",
        "birth_date": "1941-04-03",
        "address": "北町1-2-3",
        "phone": "090-0000-0000",
        "care_level": "support_1",
        "frailty": True,
        "area_code": "north",
        "center_code": "c-north",
        "confirm_duplicate": True,  # the same sample person, many times over
    }
    body.update(overrides)
    return body


def organization_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "北町サロンの会",
        "kind": "resident_group",
        "area_codes": ["north"],
        "contact": {"person": "佐藤 一郎", "email": "salon@example.jp"},
    }
    body.update(overrides)
    return body


def resource_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "ふれあいサロン北",
        "service_type": "gathering_place",
        "categories": ["social_participation", "exercise"],
        "area_codes": ["north"],
        "weekdays": ["mon", "thu"],
        "capacity": 5,
        "eligible_care_levels": [],
        "fee": "100円",
        "contact": {"person": "佐藤 一郎", "phone": "0120-000-000"},
    }
    body.update(overrides)
    return body


def need_body(client_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": client_id,
        "category": "social_participation",
        "description": "外出の機会が減り、閉じこもりがち",
        "goal": "週に一度はサロンに通い、友人と話す生活を取り戻す",
        "urgency": "normal",
    }
    body.update(overrides)
    return body


# -- builders over HTTP ------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """An area and a support center of its own, so that counts and filters
    in the shared database see only what one test made."""

    area: str
    center: str


def new_district(api: Api) -> District:
    area, center = unique("a"), unique("c")
    assert_ok(api.post("/areas", {"code": area, "name": "試験地区"}, "admin"), 201)
    body = {"code": center, "name": "試験センター", "area_codes": [area]}
    assert_ok(api.post("/centers", body, "admin"), 201)
    return District(area, center)


def new_client(
    api: Api, who: str = "care_manager", district: District | None = None, **overrides: Any
) -> dict[str, Any]:
    if district is not None:
        overrides = {"area_code": district.area, "center_code": district.center, **overrides}
    return assert_ok(api.post("/clients", client_body(**overrides), who), 201)


def new_resource(api: Api, who: str = "coordinator", **overrides: Any) -> dict[str, Any]:
    return assert_ok(api.post("/resources", resource_body(**overrides), who), 201)


def new_organization(api: Api, who: str = "coordinator", **overrides: Any) -> dict[str, Any]:
    return assert_ok(api.post("/organizations", organization_body(**overrides), who), 201)


def new_need(
    api: Api,
    client: dict[str, Any] | None = None,
    who: str = "care_manager",
    **overrides: Any,
) -> dict[str, Any]:
    client = client or new_client(api, who)
    return assert_ok(api.post("/needs", need_body(client["id"], **overrides), who), 201)


def step(api: Api, need: dict[str, Any], action: str, body: Any, who: str) -> dict[str, Any]:
    """Run one command on ``need`` with its ETag; it must succeed."""
    response = api.post(f"/needs/{need['id']}/{action}", body, who, if_match=need["version"])
    return assert_aggregate(response)


PROPOSE_REASON = "徒歩圏内で、本人の希望する曜日に開催"


def need_in(
    api: Api,
    status: str,
    *,
    resource: dict[str, Any] | None = None,
    client: dict[str, Any] | None = None,
    who: str = "care_manager",
) -> dict[str, Any]:
    """A need driven over the API to ``status`` (raised, matching, proposed,
    matched, resource_gap, closed or paused)."""
    need = new_need(api, client, who)
    if status == "raised":
        return need
    if status == "paused":
        return step(api, need, "pause", {"reason": "入院のため"}, "care_manager")
    if status == "closed":
        body = {"outcome": "withdrawn", "reason": "本人が辞退"}
        return step(api, need, "close", body, "care_manager")
    need = step(api, need, "assign", {"coordinator": "sc"}, "coordinator")
    if status == "matching":
        return need
    if status == "resource_gap":
        return step(api, need, "record-gap", {"reason": "近くに該当する資源がない"}, "coordinator")
    resource = resource or new_resource(api)
    body = {"resource_id": resource["id"], "reason": PROPOSE_REASON}
    need = step(api, need, "propose", body, "coordinator")
    if status == "proposed":
        return need
    need = step(api, need, "confirm", {"start_date": "2026-12-01"}, "coordinator")
    assert status == "matched", status
    return need


# -- the endpoint table of the issue -----------------------------------------------------------

ALL_ROLES = frozenset(ROLES)
CM, CO, SU, AU, AD = ROLES

EXPECTED_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/auth/token"): ALL_ROLES,
    ("POST", "/areas"): frozenset({AD}),
    ("GET", "/areas"): ALL_ROLES,
    ("POST", "/centers"): frozenset({AD}),
    ("GET", "/centers"): ALL_ROLES,
    ("POST", "/users"): frozenset({AD}),
    ("GET", "/users"): frozenset({AD}),
    # Issue 11: an administrator's reset and the sign-in log; everyone's own sessions.
    ("GET", "/users/{username}"): frozenset({AD}),
    ("POST", "/users/{username}/reset-password"): frozenset({AD}),
    ("POST", "/auth/password"): ALL_ROLES,
    ("DELETE", "/auth/token"): ALL_ROLES,
    ("GET", "/auth/sessions"): ALL_ROLES,
    ("DELETE", "/auth/sessions/{session}"): ALL_ROLES,
    ("GET", "/auth/sign-in-failures"): frozenset({AD}),
    ("POST", "/clients"): frozenset({CM, CO, AD}),
    ("GET", "/clients/{client}"): ALL_ROLES,
    # The issue names no writer for care-level assessments. Assessments are care
    # management work: care managers and coordinators; never auditors (they
    # change nothing) nor supervisors (who may not even see personal fields).
    ("POST", "/clients/{client}/care-level"): frozenset({CM, CO}),
    # Erasure cannot be undone: administrators only (docs/privacy.md).
    ("POST", "/clients/{client}/erase"): frozenset({AD}),
    ("POST", "/organizations"): frozenset({CO, AD}),
    ("GET", "/organizations"): ALL_ROLES,
    ("GET", "/organizations/{organization}"): ALL_ROLES,
    ("POST", "/resources"): frozenset({CO, AD}),
    ("GET", "/resources"): ALL_ROLES,
    ("GET", "/resources/{resource}"): ALL_ROLES,
    ("POST", "/resources/{resource}/suspend"): frozenset({CO, AD}),
    ("POST", "/resources/{resource}/reactivate"): frozenset({CO, AD}),
    ("POST", "/resources/{resource}/close"): frozenset({CO, AD}),
    ("POST", "/resources/{resource}/capacity"): frozenset({CO, AD}),
    ("POST", "/resources/import"): frozenset({CO, AD}),
    ("GET", "/resources/export"): ALL_ROLES,
    ("POST", "/needs"): frozenset({CM, CO}),
    ("GET", "/needs"): ALL_ROLES,
    ("GET", "/needs/{need}"): ALL_ROLES,
    ("GET", "/needs/{need}/history"): ALL_ROLES,
    ("POST", "/needs/{need}/assign"): frozenset({CO, SU}),
    ("POST", "/needs/{need}/propose"): frozenset({CO}),
    ("POST", "/needs/{need}/decline"): frozenset({CO}),
    ("POST", "/needs/{need}/confirm"): frozenset({CO}),
    ("POST", "/needs/{need}/record-gap"): frozenset({CO}),
    ("POST", "/needs/{need}/follow-up"): frozenset({CM, CO}),
    ("POST", "/needs/{need}/pause"): frozenset({CM, CO}),
    ("POST", "/needs/{need}/resume"): frozenset({CM, CO}),
    ("POST", "/needs/{need}/close"): frozenset({CM, CO}),
    ("POST", "/needs/{need}/reopen"): frozenset({CO, SU}),
    # Issue 13: correcting what a need says is the work of those who raise and follow it.
    ("POST", "/needs/{need}/edit"): frozenset({CM, CO}),
    ("GET", "/dashboard"): frozenset({SU, CO, AU, AD}),
    ("GET", "/audit/events"): frozenset({AU, SU, AD}),
    ("GET", "/audit/access"): frozenset({AU, SU, AD}),
    ("GET", "/system/projections"): frozenset({AD, SU, AU}),
    # Issue 10: the ledger is for auditors (and administrators).
    ("GET", "/ledger/checkpoints"): frozenset({AU, AD}),
    ("POST", "/ledger/checkpoints"): frozenset({AU, AD}),
    ("GET", "/ledger/proof/{position}"): frozenset({AU, AD}),
    ("POST", "/ledger/verify"): frozenset({AU, AD}),
    ("GET", "/ledger/verifications/{verification}"): frozenset({AU, AD}),
    # Issue 4: development initiatives are coordinators' work; reports are for
    # the municipality's oversight and the coordinators themselves.
    ("POST", "/initiatives"): frozenset({CO}),
    ("GET", "/initiatives"): ALL_ROLES,
    ("GET", "/initiatives/{initiative}"): ALL_ROLES,
    ("POST", "/initiatives/{initiative}/needs"): frozenset({CO}),
    ("POST", "/initiatives/{initiative}/unlink"): frozenset({CO}),
    ("POST", "/initiatives/{initiative}/partners"): frozenset({CO}),
    ("POST", "/initiatives/{initiative}/milestones"): frozenset({CO}),
    ("POST", "/initiatives/{initiative}/launch"): frozenset({CO}),
    ("POST", "/initiatives/{initiative}/abandon"): frozenset({CO}),
    ("GET", "/reports/gaps"): frozenset({SU, CO, AU, AD}),
    ("GET", "/needs/{need}/candidates"): ALL_ROLES,
    ("POST", "/clients/{client}/availability"): frozenset({CM, CO}),
    ("GET", "/clients/{client}/match-plan"): ALL_ROLES,
    ("POST", "/clients/{client}/match-plan/accept"): frozenset({CO}),
    ("POST", "/councils"): frozenset({CO, AD}),
    ("GET", "/councils"): ALL_ROLES,
    ("GET", "/councils/{council}"): ALL_ROLES,
    ("GET", "/councils/{council}/meetings"): ALL_ROLES,
    ("POST", "/councils/{council}/members"): frozenset({CO}),
    ("POST", "/councils/{council}/leave"): frozenset({CO}),
    ("POST", "/councils/{council}/meetings"): frozenset({CO}),
    ("POST", "/organizations/{organization}/contacts"): frozenset({CO}),
    ("GET", "/reports/network"): frozenset({SU, CO, AU, AD}),
    ("GET", "/reports/logic-model"): frozenset({SU, CO, AU, AD}),
    ("GET", "/healthz"): ALL_ROLES,
    ("GET", "/readyz"): ALL_ROLES,
    ("GET", "/openapi.json"): ALL_ROLES,
}
"""(method, path under /api/v1 or health route) -> roles allowed, from the issue's table."""

OPEN_ROUTES = frozenset(
    {
        ("POST", "/auth/token"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/openapi.json"),
    }
)
"""Routes that need no token and answer 200 to ``valid_body``. ``POST /auth/password``
needs no token either, but its valid body (the current password again) is refused
with 422 so that calling it never changes anything (see test_sign_in_and_passwords)."""


def template(rule: str) -> str:
    """An operation's Flask rule as a template of the table: ``<uuid:need_id>`` -> ``{need}``,
    ``<username>`` -> ``{username}``."""
    return re.sub(r"<(?:[^:>]+:)?([a-z]+?)(?:_id)?>", r"{\1}", rule)


def allowed_role(method: str, path_template: str) -> str:
    """One role that may call the endpoint (the first in the order of ``ROLES``)."""
    allowed = EXPECTED_ROLES[(method, path_template)]
    return next(role for role in ROLES if role in allowed)


def url_for_template(path_template: str, ids: Mapping[str, str]) -> str:
    return re.sub(r"{([a-z]+)}", lambda m: ids[m.group(1)], path_template)


REASON = "理由を記録する"


def valid_body(method: str, path_template: str, ids: Mapping[str, str]) -> Any:
    """A body the endpoint accepts (None for GETs)."""
    if method == "GET":
        return None
    bodies: dict[str, Any] = {
        "/auth/token": {"username": "sc", "password": PASSWORD},
        "/ledger/verify": None,
        "/ledger/checkpoints": None,
        # The seeded user's current password as the new one: checked, then refused (422
        # password.unchanged), so that any number of calls changes nothing.
        "/auth/password": {
            "username": ids["signer"],
            "current_password": PASSWORD,
            "new_password": PASSWORD,
        },
        "/users/{username}/reset-password": {},
        "/auth/sessions/{session}": {},
        "/areas": {"code": unique("a"), "name": "試験地区"},
        "/centers": {"code": unique("c"), "name": "試験センター", "area_codes": ["north"]},
        "/users": {"username": unique("u"), "password": "a long secret", "role": "coordinator"},
        "/clients": client_body(),
        "/clients/{client}/care-level": {
            "care_level": "care_1",
            "assessed_on": "2026-10-01",
            "reason": REASON,
        },
        "/clients/{client}/erase": {"reason": REASON},
        "/organizations": organization_body(),
        "/resources": resource_body(),
        "/resources/{resource}/suspend": {"reason": REASON},
        "/resources/{resource}/reactivate": {"reason": REASON},
        "/resources/{resource}/close": {"reason": REASON},
        "/resources/{resource}/capacity": {"capacity": 10, "reason": REASON},
        # A multipart upload: JSON is refused with 415, after the role check.
        "/resources/import": {},
        "/needs": need_body(ids["client"]),
        "/needs/{need}/assign": {"coordinator": "sc"},
        "/needs/{need}/propose": {"resource_id": ids["resource"], "reason": REASON},
        "/needs/{need}/decline": {"by": "client", "reason": REASON},
        "/needs/{need}/confirm": {"start_date": "2026-12-01"},
        "/needs/{need}/record-gap": {"reason": REASON},
        "/needs/{need}/follow-up": {"note": "様子を確認", "progress": "on_track"},
        "/needs/{need}/pause": {"reason": REASON},
        "/needs/{need}/resume": {"reason": REASON},
        "/needs/{need}/close": {"outcome": "withdrawn", "reason": REASON},
        "/needs/{need}/reopen": {"reason": REASON},
        "/needs/{need}/edit": {
            "description": "膝の痛みが強くなった",
            "goal": "自分で買い物に行く",
            "urgency": "high",
            "reason": REASON,
        },
        "/initiatives": {
            "title": "立ち上げ",
            "area_code": "north",
            "category": "social_participation",
            "description": "通いの場がない",
        },
        "/initiatives/{initiative}/needs": {"need_id": ids["need"]},
        "/initiatives/{initiative}/unlink": {"need_id": ids["need"], "reason": REASON},
        "/initiatives/{initiative}/partners": {"organization_id": ids["organization"]},
        "/initiatives/{initiative}/milestones": {
            "milestone": "council_discussed",
            "on": "2026-10-01",
            "note": "第2層協議体で検討",
        },
        "/initiatives/{initiative}/launch": {"name": "新サロン", "service_type": "gathering_place"},
        "/initiatives/{initiative}/abandon": {"reason": REASON},
        "/clients/{client}/availability": {"weekdays": ["tue", "thu"]},
        "/councils": {"name": "第1層協議体", "tier": "municipality"},
        "/councils/{council}/members": {"organization_id": ids["organization"], "on": "2026-04-01"},
        "/councils/{council}/leave": {
            "organization_id": ids["organization"],
            "on": "2026-10-01",
            "reason": REASON,
        },
        "/councils/{council}/meetings": {"held_on": "2026-10-01", "topics": ["移動支援"]},
        "/organizations/{organization}/contacts": {
            "on": "2026-11-01",
            "purpose": "担い手募集の相談",
            "outcome": "次回会合に参加",
        },
        "/clients/{client}/match-plan/accept": {
            "matches": [{"need_id": ids["need"], "version": 1, "resource_id": ids["resource"]}],
            "reason": REASON,
        },
    }
    return bodies[path_template]


AGGREGATE_OF = {
    "client": "/clients/{client}",
    "resource": "/resources/{resource}",
    "need": "/needs/{need}",
    "initiative": "/initiatives/{initiative}",
    "council": "/councils/{council}",
    "organization": "/organizations/{organization}",
    "username": "/users/{username}",
}


def aggregate_path(path_template: str, ids: Mapping[str, str]) -> str | None:
    """The GET path of the aggregate a command changes, or None."""
    match = re.match(r"^/([a-z]+)s/{([a-z]+)}/", path_template)
    return url_for_template(AGGREGATE_OF[match.group(2)], ids) if match else None


def seed(api: Api) -> dict[str, str]:
    """One client, organization, resource and need (at c-north) to aim requests at."""
    client = new_client(api)
    return {
        "client": client["id"],
        "organization": new_organization(api)["id"],
        "resource": new_resource(api, capacity=100)["id"],
        "need": new_need(api, client)["id"],
        "initiative": new_initiative(api)["id"],
        "council": assert_ok(
            api.post("/councils", {"name": "第1層協議体", "tier": "municipality"}, "coordinator"),
            201,
        )["id"],
        # One user whose password an administrator resets, one who only signs in.
        "username": new_user(api),
        "signer": new_user(api),
        # Well formed, naming no token: ending it is a 404, never anyone's session.
        "session": "0" * 16,
        # The ledger: the first event of the log; a verification that may not exist yet.
        "position": "1",
        "verification": "1",
    }


def new_user(api: Api, role: str = "coordinator") -> str:
    """A user of this test's own (password ``PASSWORD``); returns the username."""
    body = {"username": unique("u"), "password": PASSWORD, "role": role}
    return str(assert_ok(api.post("/users", body, "admin"), 201)["username"])


def new_initiative(api: Api) -> dict[str, Any]:
    body = {
        "title": "北地区サロン立ち上げ",
        "area_code": "north",
        "category": "social_participation",
        "description": "通いの場が徒歩圏にない",
    }
    return assert_ok(api.post("/initiatives", body, "coordinator"), 201)
