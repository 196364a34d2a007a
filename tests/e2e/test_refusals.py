"""Each kind of refusal on every endpoint, as problem documents, writing nothing.

The request checks (JSON body, If-Match, Idempotency-Key, ids in the path) are
one piece of code for every operation: each endpoint is refused once per kind,
and the variants of a kind (every malformed payload, header or id) are tried on
one endpoint. Business rules behind the 409s, 403s and 422s of the use cases are
tested in ``tests/application``.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from werkzeug.test import TestResponse

from application.security import PERMISSIONS
from domain.values import Role
from interfaces.web.api.framework import OPERATIONS
from tests.e2e.support import (
    API,
    AU,
    JSON_TYPE,
    Api,
    aggregate_path,
    allowed_role,
    assert_aggregate,
    assert_ok,
    assert_problem,
    need_body,
    seed,
    template,
    url_for_template,
    valid_body,
)

WITH_BODY = [op for op in OPERATIONS if op.body is not None]
WITH_IF_MATCH = [op for op in OPERATIONS if op.if_match]
IDEMPOTENT = [op for op in OPERATIONS if op.idempotent]
# every command; POST /ledger/verify and /ledger/checkpoints are not (auditors run them:
# they change no record)
CHANGES = [
    op
    for op in OPERATIONS
    if op.method == "POST"
    and op.permission is not None
    and Role.AUDITOR not in PERMISSIONS[op.permission]
]


def _ids(ops: list[Any]) -> list[str]:
    return [f"{op.method} {op.rule}" for op in ops]


def _operation(method: str, path_template: str) -> Any:
    return next(
        op for op in OPERATIONS if (op.method, template(op.rule)) == (method, path_template)
    )


PAUSE = _operation("POST", "/needs/{need}/pause")
"""The endpoint the variants of each refusal are tried on."""


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, str]:
    return seed(api)


def _snapshot(api: Api, ids: dict[str, str]) -> dict[str, Any]:
    """What a refused request must leave as it was."""
    return {
        "head": api.head(),
        "audit": api.audit_log()[-5:],
        "client": assert_aggregate(api.get(f"/clients/{ids['client']}"))["version"],
        "resource": assert_aggregate(api.get(f"/resources/{ids['resource']}"))["version"],
        "need": assert_aggregate(api.get(f"/needs/{ids['need']}"))["version"],
    }


def _current_version(api: Api, op: Any, ids: dict[str, str]) -> int | None:
    path = aggregate_path(template(op.rule), ids)
    return int(api.etag(path).strip('"')) if path else None


# -- 400: the body is not a JSON object --------------------------------------------------------


def _post_raw(
    api: Api, ids: dict[str, str], op: Any, payload: str, content_type: str | None = JSON_TYPE
) -> TestResponse:
    path = template(op.rule)
    return api.post_raw(
        url_for_template(path, ids),
        payload,
        allowed_role("POST", path),
        content_type=content_type,
        if_match=_current_version(api, op, ids),
    )


@pytest.mark.parametrize(
    "payload",
    ["{not json", '{"reason": "x",}', "\ufeff{}x"],
    ids=["garbage", "trailing-comma", "bom-garbage"],
)
def test_malformed_json_body_is_400(api: Api, ids: dict[str, str], payload: str) -> None:
    head = api.head()
    response = _post_raw(api, ids, PAUSE, payload)
    assert "JSON" in assert_problem(response, 400)["detail"]
    assert api.head() == head


@pytest.mark.parametrize("op", WITH_BODY, ids=_ids(WITH_BODY))
def test_every_endpoint_with_a_body_refuses_malformed_json_with_400(
    api: Api, ids: dict[str, str], op: Any
) -> None:
    head = api.head()
    assert "JSON" in assert_problem(_post_raw(api, ids, op, "{not json"), 400)["detail"]
    assert api.head() == head


@pytest.mark.parametrize(
    "payload",
    ["[]", '[{"reason": "x"}]', '"text"', "42", "null", "true"],
    ids=["empty-array", "array", "string", "number", "null", "boolean"],
)
def test_json_body_that_is_not_an_object_is_400(
    api: Api, ids: dict[str, str], payload: str
) -> None:
    head = api.head()
    assert_problem(_post_raw(api, ids, PAUSE, payload), 400)
    assert api.head() == head


@pytest.mark.parametrize("op", WITH_BODY, ids=_ids(WITH_BODY))
def test_every_endpoint_with_a_body_refuses_a_json_array_with_400(
    api: Api, ids: dict[str, str], op: Any
) -> None:
    head = api.head()
    assert_problem(_post_raw(api, ids, op, '[{"reason": "x"}]'), 400)
    assert api.head() == head


# -- 415: the body is not JSON at all ----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
    ids=["text", "form", "xml", "none"],
)
def test_body_that_is_not_json_is_415(
    api: Api, ids: dict[str, str], content_type: str | None
) -> None:
    head = api.head()
    response = _post_raw(api, ids, PAUSE, '{"reason": "x"}', content_type)
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert api.head() == head


@pytest.mark.parametrize("op", WITH_BODY, ids=_ids(WITH_BODY))
def test_every_endpoint_with_a_body_refuses_a_body_that_is_not_json_with_415(
    api: Api, ids: dict[str, str], op: Any
) -> None:
    head = api.head()
    response = _post_raw(api, ids, op, '{"reason": "x"}', "text/plain")
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert api.head() == head


# -- 428 / 412 / 400: If-Match -----------------------------------------------------------------


@pytest.mark.parametrize("op", WITH_IF_MATCH, ids=_ids(WITH_IF_MATCH))
def test_command_without_if_match_is_428(api: Api, ids: dict[str, str], op: Any) -> None:
    path = template(op.rule)
    head = api.head()
    response = api.post(
        url_for_template(path, ids), valid_body("POST", path, ids), allowed_role("POST", path)
    )
    assert "If-Match" in assert_problem(response, 428)["detail"]
    assert api.head() == head


@pytest.mark.parametrize("op", WITH_IF_MATCH, ids=_ids(WITH_IF_MATCH))
def test_command_with_stale_if_match_is_412(api: Api, ids: dict[str, str], op: Any) -> None:
    path = template(op.rule)
    stale = (_current_version(api, op, ids) or 0) + 1
    head = api.head()
    response = api.post(
        url_for_template(path, ids),
        valid_body("POST", path, ids),
        allowed_role("POST", path),
        if_match=stale,
    )
    assert "version" in assert_problem(response, 412)["detail"]
    assert api.head() == head


@pytest.mark.parametrize(
    "if_match",
    ["abc", '"one', '"1" "2"', "**", 'W/"1"'],
    ids=["word", "unclosed", "no-comma", "two-stars", "weak"],
)
@pytest.mark.parametrize(
    "path",
    ["/needs/{need}/pause", "/resources/{resource}/capacity", "/clients/{client}/care-level"],
    ids=["need", "resource", "client"],
)
def test_malformed_if_match_is_400(api: Api, ids: dict[str, str], path: str, if_match: str) -> None:
    head = api.head()
    response = api.post(
        url_for_template(path, ids),
        valid_body("POST", path, ids),
        allowed_role("POST", path),
        if_match=if_match,
    )
    assert "If-Match" in assert_problem(response, 400)["detail"]
    assert api.head() == head


# -- 400: Idempotency-Key ----------------------------------------------------------------------

RAISE = _operation("POST", "/needs")


def _post_with_key(api: Api, ids: dict[str, str], op: Any, key: str) -> TestResponse:
    path = template(op.rule)
    return api.client.post(
        API + path,
        json=valid_body("POST", path, ids),
        headers=api.headers(allowed_role("POST", path), key=key.encode().decode("latin-1")),
    )


@pytest.mark.parametrize(
    "key",
    ["has space", "k" * 201, "キー", "tab\tkey"],
    ids=["space", "too-long", "non-ascii", "control-character"],
)
def test_malformed_idempotency_key_is_400(api: Api, ids: dict[str, str], key: str) -> None:
    head = api.head()
    response = _post_with_key(api, ids, RAISE, key)
    assert "Idempotency-Key" in assert_problem(response, 400)["detail"]
    assert api.head() == head


@pytest.mark.parametrize("op", IDEMPOTENT, ids=_ids(IDEMPOTENT))
def test_every_idempotent_endpoint_refuses_a_malformed_idempotency_key_with_400(
    api: Api, ids: dict[str, str], op: Any
) -> None:
    head = api.head()
    response = _post_with_key(api, ids, op, "has space")
    assert "Idempotency-Key" in assert_problem(response, 400)["detail"]
    assert api.head() == head


# -- 404: ids in the path ----------------------------------------------------------------------

WITH_PATH_ID = [op for op in OPERATIONS if "<" in op.rule]
READ_NEED = _operation("GET", "/needs/{need}")


def _with_id(api: Api, ids: dict[str, str], op: Any, bad_id: str) -> TestResponse:
    path = template(op.rule)
    url = re.sub(r"{[a-z]+}", bad_id, path)
    if op.method == "GET":
        return api.get(url, allowed_role("GET", path))
    if op.method == "DELETE":
        return api.client.delete(API + url, headers=api.headers(allowed_role("DELETE", path)))
    return api.post(url, valid_body("POST", path, ids), allowed_role("POST", path), if_match=1)


@pytest.mark.parametrize(
    "bad_id",
    [str(uuid4()), "not-a-uuid", "1234", "00000000-0000-0000-0000-00000000000g"],
    ids=["unknown", "malformed", "number", "bad-hex"],
)
def test_unknown_or_malformed_id_in_the_path_is_404(
    api: Api, ids: dict[str, str], bad_id: str
) -> None:
    head = api.head()
    assert_problem(_with_id(api, ids, READ_NEED, bad_id), 404)
    assert api.head() == head


@pytest.mark.parametrize("bad_id", [str(uuid4()), "not-a-uuid"], ids=["unknown", "malformed"])
@pytest.mark.parametrize("op", WITH_PATH_ID, ids=_ids(WITH_PATH_ID))
def test_every_endpoint_with_an_id_in_the_path_answers_404_for_a_bad_one(
    api: Api, ids: dict[str, str], op: Any, bad_id: str
) -> None:
    head = api.head()
    assert_problem(_with_id(api, ids, op, bad_id), 404)
    assert api.head() == head


# -- 403 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", CHANGES, ids=_ids(CHANGES))
def test_auditor_is_refused_every_change(api: Api, ids: dict[str, str], op: Any) -> None:
    path = template(op.rule)
    head = api.head()
    response = api.post(
        url_for_template(path, ids),
        valid_body("POST", path, ids),
        AU,
        if_match=_current_version(api, op, ids),
    )
    assert_problem(response, 403)
    assert api.head() == head


# -- 422 on need commands ----------------------------------------------------------------------

NEED_422 = [
    ("/needs", {}, {"client_id", "category", "description", "goal"}),
    ("/needs", "CLIENT|description=" + "あ" * 2001, {"description"}),
    ("/needs", "CLIENT|goal=" + "あ" * 2001, {"goal"}),
    ("/needs", "CLIENT|care_plan_ref=" + "x" * 201, {"care_plan_ref"}),
    ("/needs", "CLIENT|category=gardening", {"category"}),
    ("/needs", "CLIENT|urgency=asap", {"urgency"}),
    (
        "/needs",
        {"client_id": "not-a-uuid", "category": "meals", "description": "x", "goal": "y"},
        {"client_id"},
    ),
    (
        "/needs",
        {"client_id": 12, "category": "meals", "description": "x", "goal": "y"},
        {"client_id"},
    ),
    (
        "/needs",
        {"client_id": None, "category": None, "description": None, "goal": None},
        {"client_id", "category", "description", "goal"},
    ),
    ("/needs", "CLIENT|colour=red", {"colour"}),
    ("/needs/{need}/assign", {"coordinator": "x" * 65}, {"coordinator"}),
    ("/needs/{need}/assign", {"coordinator": ["sc"]}, {"coordinator"}),
    ("/needs/{need}/propose", {"reason": "x"}, {"resource_id"}),
    ("/needs/{need}/decline", {"by": "neighbour", "reason": "x"}, {"by"}),
    ("/needs/{need}/confirm", {"start_date": "tomorrow"}, {"start_date"}),
    ("/needs/{need}/confirm", {"start_date": 20261201}, {"start_date"}),
    ("/needs/{need}/follow-up", {"note": "x", "progress": "great"}, {"progress"}),
    ("/needs/{need}/follow-up", {"note": "あ" * 2001, "progress": "on_track"}, {"note"}),
    ("/needs/{need}/close", {"outcome": "solved", "reason": "x"}, {"outcome"}),
    ("/needs/{need}/pause", {"reason": ""}, {"reason"}),
    ("/needs/{need}/pause", {"reason": None}, {"reason"}),
    ("/needs/{need}/pause", {"reason": {"text": "x"}}, {"reason"}),
    ("/needs/{need}/pause", {"reason": "理" * 2001}, {"reason"}),
    ("/needs/{need}/pause", {"reason": "x", "until": "2027-01-01"}, {"until"}),
]


def _need_422_body(spec: Any, ids: dict[str, str]) -> Any:
    if isinstance(spec, str) and spec.startswith("CLIENT|"):
        field, _, value = spec.removeprefix("CLIENT|").partition("=")
        return need_body(ids["client"], **{field: value})
    return spec


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    NEED_422,
    ids=[f"{p.rsplit('/', 1)[-1]}-{sorted(f)[0]}-{i}" for i, (p, _, f) in enumerate(NEED_422)],
)
def test_invalid_need_request_is_422_naming_the_fields(
    api: Api, ids: dict[str, str], path: str, body: Any, fields: set[str]
) -> None:
    need = assert_aggregate(api.get(f"/needs/{ids['need']}"))
    head = api.head()
    response = api.post(
        url_for_template(path, ids),
        _need_422_body(body, ids),
        "coordinator",
        if_match=need["version"],
    )
    assert fields <= assert_problem(response, 422)["errors"].keys()
    assert api.head() == head


@pytest.mark.parametrize(
    ("field", "limit"), [("description", 2000), ("goal", 2000), ("care_plan_ref", 200)]
)
def test_need_text_at_its_limit_is_accepted(
    api: Api, ids: dict[str, str], field: str, limit: int
) -> None:
    body = need_body(ids["client"], **{field: "あ" * limit})
    assert assert_aggregate(api.post("/needs", body, "care_manager"), 201)[field] == "あ" * limit


# -- routing, size -----------------------------------------------------------------------------


def test_unknown_route_is_404_problem(api: Api) -> None:
    assert_problem(api.get("/no-such-thing", "admin"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/areas"), ("PUT", "/needs"), ("GET", "/auth/token"), ("PATCH", "/clients")],
)
def test_method_not_served_is_405_problem(api: Api, method: str, path: str) -> None:
    response = api.client.open(API + path, method=method, headers=api.headers("admin"))
    assert_problem(response, 405)


def test_body_over_a_megabyte_is_413_problem(api: Api) -> None:
    head = api.head()
    body = '{"code": "x", "name": "' + "x" * (1024 * 1024) + '"}'
    assert_problem(api.post_raw("/areas", body, "admin"), 413)
    assert api.head() == head


# -- a rejected request writes nothing ---------------------------------------------------------


def test_rejected_requests_write_nothing(api: Api, ids: dict[str, str]) -> None:
    before = _snapshot(api, ids)
    need, resource, client = ids["need"], ids["resource"], ids["client"]
    version = before["need"]
    refusals = [
        (401, lambda: api.post("/needs", need_body(client), None)),
        (401, lambda: api.post(f"/needs/{need}/pause", {"reason": "x"}, None, if_match=version)),
        (
            403,
            lambda: api.post(f"/needs/{need}/pause", {"reason": "x"}, "auditor", if_match=version),
        ),
        (403, lambda: api.post("/areas", {"code": "zz-denied", "name": "x"}, "coordinator")),
        (
            404,
            lambda: api.post(
                f"/needs/{need}/pause", {"reason": "x"}, "other_care_manager", if_match=version
            ),
        ),
        (
            409,
            lambda: api.post(
                f"/needs/{need}/confirm",
                {"start_date": "2026-12-01"},
                "coordinator",
                if_match=version,
            ),
        ),
        (409, lambda: api.post("/areas", {"code": "north", "name": "x"}, "admin")),
        (
            412,
            lambda: api.post(
                f"/needs/{need}/pause", {"reason": "x"}, "coordinator", if_match=version + 7
            ),
        ),
        (
            412,
            lambda: api.post(
                f"/resources/{resource}/suspend",
                {"reason": "x"},
                "coordinator",
                if_match=before["resource"] + 7,
            ),
        ),
        (
            422,
            lambda: api.post(
                f"/needs/{need}/close",
                {"outcome": "solved", "reason": "x"},
                "coordinator",
                if_match=version,
            ),
        ),
        (422, lambda: api.post("/needs", need_body(client, category="gardening"), "care_manager")),
        (
            422,
            lambda: api.post(
                f"/clients/{client}/care-level",
                {"care_level": "care_9"},
                "care_manager",
                if_match=before["client"],
            ),
        ),
        (428, lambda: api.post(f"/needs/{need}/pause", {"reason": "x"}, "coordinator")),
        (
            400,
            lambda: api.post_raw(f"/needs/{need}/pause", "{oops", "coordinator", if_match=version),
        ),
        (
            400,
            lambda: api.post(
                f"/needs/{need}/pause", [{"reason": "x"}], "coordinator", if_match=version
            ),
        ),
        (
            415,
            lambda: api.post_raw(
                "/needs",
                "client_id=1",
                "care_manager",
                content_type="application/x-www-form-urlencoded",
            ),
        ),
    ]
    for status, send in refusals:
        assert_problem(send(), status)
    assert _snapshot(api, ids) == before


def test_problem_documents_are_the_same_shape_for_every_status(api: Api) -> None:
    statuses = {
        401: api.get("/needs", None),
        403: api.get("/users", "coordinator"),
        404: api.get("/needs/00000000-0000-0000-0000-000000000000", "admin"),
        405: api.client.delete(f"{API}/needs"),
        422: api.get("/needs", "admin", {"page": 0}),
    }
    types = set()
    for status, response in statuses.items():
        body = assert_problem(response, status)
        types.add(body["type"])
        assert set(body) <= {"type", "title", "status", "detail", "errors"}
    assert len(types) == len(statuses)
    assert_ok(api.get("/needs", "admin"))
