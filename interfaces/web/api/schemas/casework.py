"""Schemas of casework: accounts, reference data, clients, organizations, resources,
needs and oversight."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from application.accounts import TokenKind
from application.board import BoardCursor
from application.oversight import FIRST_FISCAL_YEAR
from application.sign_in import SignInEvent
from domain.values import (
    CareLevel,
    DeclinedBy,
    NeedCategory,
    NeedStatus,
    OrganizationKind,
    Outcome,
    Progress,
    ResourceStatus,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)
from interfaces.web.api.schemas.common import (
    MAX_POSITION,
    AggregateSchema,
    CleanString,
    Code,
    ContactSchema,
    EnumField,
    Flag,
    ListOf,
    MinPosition,
    Name,
    Text,
    Username,
    WordFlag,
    list_schema,
)

# -- auth and users ----------------------------------------------------------------

POLICY_TEXT = (
    "At least 12 characters; not containing the username, not a few characters "
    "repeated, not a common or easily guessed password (checked with zxcvbn)."
)
"""What a new password must be (application.password_policy)."""


class TokenRequestSchema(Schema):
    username = Username(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    username = fields.String(required=True)


class UserCreateSchema(Schema):
    username = CleanString(required=True, validate=validate.Length(min=2, max=64))
    password = CleanString(
        required=True,
        validate=validate.Length(min=12, max=200),
        metadata={"description": POLICY_TEXT},
    )
    role = EnumField(Role, required=True)
    center_code = Code(load_default=None, allow_none=True)
    display_name = Name(load_default=None, allow_none=True)


class UserSchema(AggregateSchema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(EnumField(Role), required=True)
    center_code = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class PasswordChangeSchema(Schema):
    username = Username(required=True)
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(
        required=True,
        validate=validate.Length(min=12, max=200),
        metadata={"description": POLICY_TEXT},
    )


class PasswordResetSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    username = fields.String(required=True)
    temporary_password = fields.String(
        required=True,
        metadata={
            "description": "Shown once: give it to the user, who must choose a new "
            "password with it (POST /api/v1/auth/password) before anything else."
        },
    )


class SessionSchema(Schema):
    id = fields.String(
        required=True, metadata={"description": "Names the token for DELETE; not a token."}
    )
    kind = EnumField(TokenKind, required=True)
    issued_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    label = fields.String(required=True, metadata={"description": "The client's User-Agent."})
    current = fields.Boolean(required=True)


class SignInFailureSchema(Schema):
    at = fields.AwareDateTime(required=True)
    event = EnumField(SignInEvent, required=True)
    username = fields.String(required=True)
    address = fields.String(required=True)
    known_user = fields.Boolean(required=True)
    locked_until = fields.AwareDateTime(allow_none=True)
    locked = fields.String(
        allow_none=True, metadata={"description": "What a lockout locked: account or address."}
    )


# -- reference data ------------------------------------------------------------------


class AreaCreateSchema(Schema):
    code = Code(required=True)
    name = Name(required=True)


class AreaSchema(AggregateSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CenterCreateSchema(Schema):
    code = Code(required=True)
    name = Name(required=True)
    area_codes = ListOf(Code(), required=True, min_items=1)


class CenterSchema(AggregateSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    area_codes = fields.List(fields.String(), required=True)


# -- clients ---------------------------------------------------------------------------

PERSONAL_FIELDS = ("name", "name_kana", "birth_date", "address", "phone")


class ClientCreateSchema(Schema):
    name = Name(required=True)
    name_kana = Name(load_default=None, allow_none=True)
    birth_date = fields.Date(required=True)
    address = Name(load_default=None, allow_none=True)
    phone = CleanString(load_default=None, allow_none=True, validate=validate.Length(max=40))
    care_level = EnumField(CareLevel, required=True)
    frailty = Flag(load_default=False)
    area_code = Code(required=True)
    center_code = Code(required=True)
    available_weekdays = ListOf(
        EnumField(Weekday),
        load_default=None,
        allow_none=True,
        metadata={"description": "Days the client can take part; matching prefers them."},
    )
    confirm_duplicate = Flag(
        load_default=False,
        metadata={
            "description": "Register even though a likely duplicate exists (the 409 "
            "problem `client.likely_duplicate` names the candidates)."
        },
    )


def _personal(attr: str) -> fields.Function:
    return fields.Function(
        lambda client: getattr(client.personal, attr) if client.personal else None,
        metadata={"description": "Personal field; absent for roles that may not see it."},
    )


class ClientSchema(AggregateSchema):
    display_code = fields.String(required=True)
    care_level = EnumField(CareLevel, required=True)
    frailty = fields.Boolean(required=True)
    area_code = fields.String(required=True)
    center_code = fields.String(required=True)
    assessed_on = fields.Date(allow_none=True)
    registered_at = fields.AwareDateTime(required=True)
    available_weekdays = fields.List(EnumField(Weekday), allow_none=True)
    erased = fields.Boolean(
        required=True,
        metadata={
            "description": "The personal data was erased (crypto-shredding): the personal "
            "fields are absent for everyone, for good."
        },
    )
    name = _personal("name")
    name_kana = _personal("name_kana")
    birth_date = fields.Function(
        lambda c: c.personal.birth_date.isoformat() if c.personal else None,
        metadata={"description": "Personal field; absent for roles that may not see it."},
    )
    address = _personal("address")
    phone = _personal("phone")

    @post_dump(pass_original=True)
    def _hide_personal(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        if getattr(original, "personal", None) is None:
            for key in PERSONAL_FIELDS:
                data.pop(key, None)
        return data


class ErasureSchema(Schema):
    reason = Text(
        required=True,
        metadata={"description": "Why (e.g. the retention period ended); no personal data."},
    )


class CareLevelChangeSchema(Schema):
    care_level = EnumField(CareLevel, required=True)
    assessed_on = fields.Date(required=True)
    reason = Text(required=True)


# -- organizations and resources ----------------------------------------------------------


class OrganizationCreateSchema(Schema):
    name = Name(required=True)
    kind = EnumField(OrganizationKind, required=True)
    area_codes = ListOf(Code(), required=True, min_items=1)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)


class OrganizationSchema(AggregateSchema):
    name = fields.String(required=True)
    kind = EnumField(OrganizationKind, required=True)
    area_codes = fields.List(fields.String(), required=True)
    contact = fields.Nested(ContactSchema, allow_none=True)


class ResourceCreateSchema(Schema):
    name = Name(required=True)
    organization_id = fields.UUID(load_default=None, allow_none=True)
    service_type = EnumField(ServiceType, required=True)
    categories = ListOf(EnumField(NeedCategory), required=True, min_items=1)
    area_codes = ListOf(Code(), required=True, min_items=1)
    weekdays = ListOf(EnumField(Weekday), load_default=list)
    capacity = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "Places; null for unlimited."},
    )
    eligible_care_levels = ListOf(
        EnumField(CareLevel),
        load_default=list,
        metadata={"description": "Empty: every care level is eligible."},
    )
    fee = Name(load_default=None, allow_none=True)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)
    planned = Flag(
        load_default=False, metadata={"description": "Registered as planned, not yet active."}
    )


class ResourceSchema(AggregateSchema):
    name = fields.String(required=True)
    organization_id = fields.UUID(allow_none=True)
    service_type = EnumField(ServiceType, required=True)
    categories = fields.List(EnumField(NeedCategory), required=True)
    area_codes = fields.List(fields.String(), required=True)
    weekdays = fields.List(EnumField(Weekday), required=True)
    capacity = fields.Integer(allow_none=True)
    places_taken = fields.Integer(required=True)
    places_left = fields.Integer(allow_none=True)
    eligible_care_levels = fields.List(EnumField(CareLevel), required=True)
    fee = fields.String(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    status = EnumField(ResourceStatus, required=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    source_key = fields.String(
        allow_none=True, metadata={"description": "Key of the imported row it came from."}
    )
    service_name = fields.String(
        allow_none=True,
        metadata={
            "description": "The service as the imported list worded it (e.g. 福祉用具貸与 for "
            "a care-insurance provider imported as a professional agency)."
        },
    )


class ResourceQuerySchema(Schema):
    category = EnumField(NeedCategory, load_default=None)
    area = Code(load_default=None)
    status = EnumField(ResourceStatus, load_default=None)
    service_type = EnumField(ServiceType, load_default=None)
    has_capacity = WordFlag(
        load_default=None,
        metadata={"description": "true: only resources with a free place (or no limit)."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200),
        metadata={
            "description": "Resources per page, by name (the first page is the "
            "first 50 of the whole list)."
        },
    )


class CapacitySchema(Schema):
    capacity = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=100_000)
    )
    reason = Text(required=True)


# -- needs ----------------------------------------------------------------------------------


class NeedCreateSchema(Schema):
    client_id = fields.UUID(required=True)
    category = EnumField(NeedCategory, required=True)
    description = Text(required=True)
    goal = Text(required=True, metadata={"description": "取り戻したい生活: the life to regain."})
    urgency = EnumField(Urgency, load_default=Urgency.NORMAL)
    care_plan_ref = Name(load_default=None, allow_none=True)


class NeedSchema(AggregateSchema):
    status = EnumField(NeedStatus, required=True)
    paused = fields.Boolean(required=True)
    client_id = fields.UUID(required=True)
    client_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    description = fields.String(required=True)
    goal = fields.String(required=True)
    urgency = EnumField(Urgency, required=True)
    care_plan_ref = fields.String(allow_none=True)
    center_code = fields.String(required=True)
    area_code = fields.String(required=True)
    assignee = fields.String(allow_none=True, metadata={"description": "Coordinator's username."})
    resource_id = fields.UUID(allow_none=True)
    start_date = fields.Date(allow_none=True)
    initiative_id = fields.UUID(allow_none=True)
    outcome = EnumField(Outcome, allow_none=True)
    last_progress = EnumField(Progress, allow_none=True)
    raised_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    allowed_actions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Actions the need's state allows now (roles aside)."},
    )


class NeedRowSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    status = EnumField(NeedStatus, required=True)
    paused = fields.Boolean(required=True)
    client_id = fields.UUID(required=True)
    client_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    urgency = EnumField(Urgency, required=True)
    center_code = fields.String(required=True)
    area_code = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    resource_id = fields.UUID(allow_none=True)
    outcome = EnumField(Outcome, allow_none=True)
    raised_at = fields.AwareDateTime(required=True)
    last_activity_at = fields.AwareDateTime(required=True)


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    position = fields.Integer(required=True, metadata={"description": "The view's log position."})
    stale = fields.Boolean(
        required=True, metadata={"description": "The view did not reach min_position in time."}
    )


class NeedPageSchema(PageSchema):
    items = fields.List(fields.Nested(NeedRowSchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The URL of the next page (the same filters, `cursor` after this "
            "page's last need); null on the last page. Following it reads every later page "
            "as fast as the first, and no need is skipped or repeated when needs move "
            "between two reads."
        },
    )


class BoardCursorField(fields.String):
    """A cursor of the case board (``next`` of a page of needs), opaque to clients."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        message = "Not a cursor of this list (take it from a page's `next`)."
        if len(text) > 400:
            raise ValidationError(message)
        try:
            return BoardCursor.decode(text)
        except ValueError as error:
            raise ValidationError(message) from error


class NeedQuerySchema(Schema):
    status = EnumField(NeedStatus, load_default=None)
    category = EnumField(NeedCategory, load_default=None)
    area = Code(load_default=None)
    center = Code(load_default=None)
    assignee = Username(load_default=None)
    urgency = EnumField(Urgency, load_default=None)
    paused = WordFlag(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = BoardCursorField(
        load_default=None,
        metadata={
            "description": "The needs after this cursor, as given in a page's `next` link "
            "(keyset pagination; `page` is then ignored). Pass the same filters."
        },
    )
    min_position = MinPosition()
    as_of = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "As it stood at this instant (ISO 8601 with offset), built from "
            "the event log up to then; bounded (422 `as_of.too_costly` beyond the bound)."
        },
    )


class AsOfQuerySchema(Schema):
    as_of = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "ISO 8601 with offset, e.g. 2026-11-27T10:00:00+09:00."},
    )


def jsonable(value: Any) -> Any:
    """Event data as plain JSON: ids as strings, enums as their values, dates ISO."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return value


class HistoryEventSchema(Schema):
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    timestamp = fields.AwareDateTime(required=True)
    actor = fields.String(required=True)
    reason = fields.String(allow_none=True)
    data = fields.Function(
        lambda event: jsonable(event.data),
        required=True,
        metadata={"description": "The event's other fields, as recorded."},
    )
    correlation_id = fields.String(
        allow_none=True,
        metadata={
            "description": "Shared by every event one request or one reaction recorded "
            "(null for events recorded before provenance existed)."
        },
    )
    causation_id = fields.String(
        allow_none=True,
        metadata={
            "description": "The event that caused this one, as '<aggregate id>:<version>' "
            "(a process manager's reaction); null for people's decisions."
        },
    )


class HistorySchema(Schema):
    events = fields.List(fields.Nested(HistoryEventSchema), required=True)


class AssignSchema(Schema):
    coordinator = Username(required=True)
    reason = Text(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Why this coordinator: optional for a first assignment, "
            "required when the need is already assigned (reassignment)."
        },
    )


class ProposeSchema(Schema):
    resource_id = fields.UUID(required=True)
    reason = Text(required=True)
    ranking = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": (
                "The `digest` of the candidates the choice was made from "
                "(GET /needs/{need_id}/candidates). When given and the ranking has changed "
                "since (a resource changed, places were taken), nothing is proposed and the "
                "answer is 409 `urn:tsunagu:problem:match.ranking_changed`."
            )
        },
    )


class DeclineSchema(Schema):
    by = EnumField(DeclinedBy, required=True)
    reason = Text(required=True)


class ConfirmSchema(Schema):
    start_date = fields.Date(required=True)
    reason = Text(
        load_default=None,
        allow_none=True,
        metadata={"description": "Why this match (optional); shown in the need's history."},
    )


class FollowUpSchema(Schema):
    note = Text(required=True)
    progress = EnumField(Progress, required=True)


class CloseSchema(Schema):
    outcome = EnumField(Outcome, required=True)
    reason = Text(required=True)


class NeedEditSchema(Schema):
    """The need's description, goal and urgency as they are to be (all three), and why."""

    description = Text(required=True)
    goal = Text(required=True, metadata={"description": "取り戻したい生活: the life to regain."})
    urgency = EnumField(Urgency, required=True)
    reason = Text(required=True)


# -- oversight ----------------------------------------------------------------------------------


class DashboardSchema(Schema):
    by_center = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    by_area = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    position = fields.Integer(required=True, metadata={"description": "The view's log position."})
    stale = fields.Boolean(
        required=True, metadata={"description": "The view did not reach min_position in time."}
    )


class DashboardQuerySchema(Schema):
    area = Code(load_default=None, metadata={"description": "Only this area's needs."})
    center = Code(load_default=None, metadata={"description": "Only this support center's needs."})
    fiscal_year = fields.Integer(
        load_default=None,
        validate=validate.Range(min=FIRST_FISCAL_YEAR, max=9999),
        metadata={
            "description": "Only the needs raised in this fiscal year (April to March; a "
            "later year than next is 422 `value.out_of_range`)."
        },
    )
    min_position = MinPosition()
    as_of = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "As it stood at this instant (ISO 8601 with offset), built from "
            "the event log up to then; bounded (422 `as_of.too_costly` beyond the bound)."
        },
    )


class AuditQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_POSITION))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    aggregate_id = fields.UUID(load_default=None)
    actor = Username(load_default=None)


class AuditEntrySchema(Schema):
    position = fields.Integer(required=True)
    aggregate_id = fields.UUID(required=True)
    aggregate_type = fields.String(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    timestamp = fields.AwareDateTime(required=True)
    actor_id = fields.UUID(allow_none=True)
    actor = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next_after = fields.Integer(
        required=True, metadata={"description": "Pass as 'after' to read the next page."}
    )


class ViewStatusSchema(Schema):
    name = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "Of the serving version."})
    head = fields.Integer(required=True)
    lag = fields.Integer(required=True)
    version = fields.Integer(
        allow_none=True, metadata={"description": "Version of the view that serves readers."}
    )
    generation = fields.Integer(allow_none=True)
    building_version = fields.Integer(
        allow_none=True,
        metadata={"description": "A rebuild or a new version being built beside it, if any."},
    )
    building_generation = fields.Integer(allow_none=True)
    building_position = fields.Integer(allow_none=True)
    failed_position = fields.Integer(
        allow_none=True,
        metadata={"description": "The event this view stopped before, failing on it."},
    )
    failed_event = fields.String(allow_none=True, metadata={"description": "Its topic."})
    error = fields.String(allow_none=True)
    failures = fields.Integer(metadata={"description": "Failed tries on that event so far."})
    retry_at = fields.AwareDateTime(allow_none=True)


class ProjectionsSchema(Schema):
    head = fields.Integer(required=True)
    views = fields.List(fields.Nested(ViewStatusSchema), required=True)


AreaListSchema = list_schema(AreaSchema, "AreaListSchema")
CenterListSchema = list_schema(CenterSchema, "CenterListSchema")
UserListSchema = list_schema(UserSchema, "UserListSchema")
SessionListSchema = list_schema(SessionSchema, "SessionListSchema")
SignInFailureListSchema = list_schema(SignInFailureSchema, "SignInFailureListSchema")
OrganizationListSchema = list_schema(OrganizationSchema, "OrganizationListSchema")


class ResourcePageSchema(Schema):
    items = fields.List(fields.Nested(ResourceSchema), required=True)
    total = fields.Integer(
        required=True, metadata={"description": "How many resources match the filters."}
    )
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The URL of the next page (same filters), or null on the last."},
    )


# -- the ledger (docs/audit.md) ------------------------------------------------------------


class CheckpointQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))


class CheckpointSchema(Schema):
    format = fields.String(required=True)
    tree_size = fields.Integer(required=True)
    root_hash = fields.String(required=True, metadata={"description": "SHA-256, hex"})
    last_position = fields.Integer(required=True)
    timestamp = fields.String(required=True, metadata={"description": "ISO 8601, signed"})
    key_id = fields.String(required=True)
    signature = fields.String(required=True, metadata={"description": "Ed25519, base64"})


CheckpointListSchema = list_schema(CheckpointSchema, "CheckpointListSchema")


class ProvenEventSchema(Schema):
    originator_id = fields.UUID(required=True)
    originator_version = fields.Integer(required=True)
    topic = fields.String(required=True)


class InclusionProofSchema(Schema):
    format = fields.String(required=True)
    position = fields.Integer(required=True)
    leaf_index = fields.Integer(required=True)
    event = fields.Nested(ProvenEventSchema, required=True)
    leaf = fields.String(required=True, metadata={"description": "the canonical leaf, base64"})
    audit_path = fields.List(fields.String(), required=True)
    checkpoint = fields.Nested(CheckpointSchema, required=True)


class VerificationSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["running", "done", "stale"]),
        metadata={"description": "stale: its server process stopped before it ended"},
    )
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    root_hash = fields.String(required=True)
    checkpoints = fields.Integer(required=True)
    position = fields.Integer(allow_none=True, required=True)
    kind = fields.String(allow_none=True, required=True)
    detail = fields.String(required=True)
    started_at = fields.String(allow_none=True, required=True)
    finished_at = fields.String(allow_none=True, required=True)
