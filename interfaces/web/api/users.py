"""Users, API tokens, passwords and one's own sessions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from application.accounts import PasswordChangeRequiredError, TokenDTO
from application.sign_in import SignInThrottledError
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation
from interfaces.web.api.problems import ProblemError

auth = Blueprint("auth", __name__, url_prefix="/auth")
users = Blueprint("users", __name__, url_prefix="/users")

USER_AGENT_LENGTH = 200


def _client() -> tuple[str | None, str]:
    """The client's address (as the proxy settings give it) and User-Agent."""
    return request.remote_addr, request.user_agent.string[:USER_AGENT_LENGTH]


def _bearer_token() -> str:
    """The calling token (the framework has already authenticated it)."""
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


def _password_check(run: Any) -> TokenDTO:
    """Run a use case that checks a password, answering its throttling with 429 and
    Retry-After, and a forced password change with 403."""
    try:
        token: TokenDTO = run()
    except SignInThrottledError as error:
        raise ProblemError(
            429,
            error.code,
            "Too many failed sign-ins",
            str(error),
            headers={"Retry-After": str(error.retry_after)},
        ) from None
    except PasswordChangeRequiredError as error:
        raise ProblemError(403, error.code, "Password change required", str(error)) from None
    return token


def _no_content() -> Response:
    return Response(status=204)


# -- tokens and passwords --------------------------------------------------------------------


@operation(
    auth,
    "POST",
    "/token",
    summary="Exchange username and password for a bearer token (throttled: 429)",
    permission=None,
    responses=(401, 403, 429),
    secret=True,
    body=s.TokenRequestSchema,
    response=s.TokenSchema,
)
def issue_token(call: Call) -> Any:
    """After 5 failed attempts for a username (30 from one address) the next attempts
    are refused with 429 and Retry-After for 30 s, doubling with every further failure
    up to 15 minutes. After an administrator's reset: 403
    ``auth.password_change_required``; change the password first."""
    address, agent = _client()
    return _password_check(
        lambda: call.services.accounts.issue_token(
            call.body["username"], call.body["password"], address, agent
        )
    )


@operation(
    auth,
    "DELETE",
    "/token",
    summary="Revoke the calling token (sign out of the API)",
    permission="account.self",
    status=204,
)
def revoke_token(call: Call) -> Any:
    call.services.accounts.revoke_token(_bearer_token())
    return _no_content()


@operation(
    auth,
    "POST",
    "/password",
    summary="Change one's password with the current one; answers a new token (throttled: 429)",
    permission=None,
    responses=(401, 403, 429),
    secret=True,
    body=s.PasswordChangeSchema,
    response=s.TokenSchema,
)
def change_password(call: Call) -> Any:
    """Every token and browser session of the user ends; the answer is a new API token.
    Also the way to choose a password after an administrator's reset (the temporary
    password is the current one)."""
    address, agent = _client()
    b = call.body
    return _password_check(
        lambda: call.services.accounts.change_password(
            b["username"], b["current_password"], b["new_password"], address, label=agent
        )
    )


@operation(
    auth,
    "GET",
    "/sessions",
    summary="List one's valid API tokens and browser sessions",
    permission="account.self",
    response=s.SessionListSchema,
)
def list_sessions(call: Call) -> Any:
    return {"items": call.services.accounts.sessions(call.actor, _bearer_token())}


@operation(
    auth,
    "DELETE",
    "/sessions/<session_id>",
    summary="End one of one's API tokens or browser sessions",
    permission="account.self",
    status=204,
)
def end_session(call: Call, session_id: str) -> Any:
    call.services.accounts.end_session(session_id, call.actor)
    return _no_content()


@operation(
    auth,
    "GET",
    "/sign-in-failures",
    summary="The newest failed sign-ins and lockouts (kept 90 days)",
    permission="user.read",
    response=s.SignInFailureListSchema,
)
def sign_in_failures(call: Call) -> Any:
    return {"items": call.services.accounts.sign_in_failures(call.actor)}


# -- users -----------------------------------------------------------------------------------


@operation(
    users,
    "POST",
    "",
    summary="Create a user",
    permission="user.create",
    body=s.UserCreateSchema,
    response=s.UserSchema,
    status=201,
    secret=True,
)
def create_user(call: Call) -> Any:
    b = call.body
    return call.services.accounts.create_user(
        b["username"],
        b["password"],
        [b["role"]],
        call.actor,
        center_code=b["center_code"],
        display_name=b["display_name"],
    )


@operation(
    users, "GET", "", summary="List users", permission="user.read", response=s.UserListSchema
)
def list_users(call: Call) -> Any:
    return {"items": call.services.accounts.list_users(call.actor)}


@operation(
    users,
    "GET",
    "/<username>",
    summary="Read a user (its ETag is the version a reset's If-Match names)",
    permission="user.read",
    response=s.UserSchema,
)
def get_user(call: Call, username: str) -> Any:
    return call.services.accounts.get_user(username, call.actor)


@operation(
    users,
    "POST",
    "/<username>/reset-password",
    summary="Give a user a temporary password they must change at their next sign-in",
    permission="user.create",
    response=s.PasswordResetSchema,
    if_match=True,
    secret=True,
)
def reset_password(call: Call, username: str) -> Any:
    """The user's tokens and sessions end and a lock on the account is lifted."""
    reset = call.services.accounts.reset_password(username, call.expected_version, call.actor)
    response = jsonify(
        s.PasswordResetSchema().dump(
            {
                "id": reset.user.id,
                "version": reset.user.version,
                "username": reset.user.username,
                "temporary_password": reset.temporary_password,
            }
        )
    )
    response.headers["ETag"] = f'"{reset.user.version}"'
    return response
