"""Marshmallow schemas of the JSON API: what requests may contain and what
responses look like. The OpenAPI document is generated from these."""

from __future__ import annotations

import dataclasses
import enum
import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from domain.values import (
    CareLevel,
    CouncilTier,
    DeclinedBy,
    InitiativeStatus,
    Milestone,
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

NAME_MAX = 200
TEXT_MAX = 2000
CODE_MAX = 32
LIST_MAX = 50
MAX_POSITION = 2**62  # log positions are 64-bit integers in the database


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CleanString(fields.String):
    """Text without control characters (NUL cannot even be stored by PostgreSQL)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Must not contain control characters.")
        return text


def Name(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return CleanString(validate=validate.Length(min=1, max=NAME_MAX), **kwargs)


def Text(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=TEXT_MAX), **kwargs)


def Code(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=CODE_MAX), **kwargs)


def Username(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=64), **kwargs)


def EnumField(enum: Any, **kwargs: Any) -> fields.Enum[Any]:  # noqa: N802
    return fields.Enum(enum, by_value=True, **kwargs)


def ListOf(inner: fields.Field[Any], *, min_items: int = 0, **kwargs: Any) -> fields.List[Any]:  # noqa: N802
    return fields.List(inner, validate=validate.Length(min=min_items, max=LIST_MAX), **kwargs)


# -- shared ----------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ContactSchema(Schema):
    person = CleanString(validate=validate.Length(max=NAME_MAX), allow_none=True)
    phone = CleanString(validate=validate.Length(max=40), allow_none=True)
    email = fields.Email(validate=validate.Length(max=NAME_MAX), allow_none=True)
    address = CleanString(validate=validate.Length(max=NAME_MAX), allow_none=True)


class ReasonSchema(Schema):
    reason = Text(required=True)


class AggregateSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    position = fields.Integer(
        allow_none=True,
        metadata={
            "description": "A log position at or after this state; pass it as "
            "min_position to lists to see views at least this fresh."
        },
    )


# -- auth and users ----------------------------------------------------------------


class TokenRequestSchema(Schema):
    username = Username(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    username = fields.String(required=True)


class UserCreateSchema(Schema):
    username = CleanString(required=True, validate=validate.Length(min=2, max=64))
    password = CleanString(required=True, validate=validate.Length(min=8, max=200))
    role = EnumField(Role, required=True)
    center_code = Code(load_default=None, allow_none=True)
    display_name = Name(load_default=None, allow_none=True)


class UserSchema(AggregateSchema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(EnumField(Role), required=True)
    center_code = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


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
    frailty = fields.Boolean(load_default=False)
    area_code = Code(required=True)
    center_code = Code(required=True)
    available_weekdays = ListOf(
        EnumField(Weekday),
        load_default=None,
        allow_none=True,
        metadata={"description": "Days the client can take part; matching prefers them."},
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
    planned = fields.Boolean(
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


class ResourceQuerySchema(Schema):
    category = EnumField(NeedCategory, load_default=None)
    area = Code(load_default=None)
    status = EnumField(ResourceStatus, load_default=None)
    service_type = EnumField(ServiceType, load_default=None)


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


class NeedQuerySchema(Schema):
    status = EnumField(NeedStatus, load_default=None)
    category = EnumField(NeedCategory, load_default=None)
    area = Code(load_default=None)
    center = Code(load_default=None)
    assignee = Username(load_default=None)
    urgency = EnumField(Urgency, load_default=None)
    paused = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    min_position = fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=MAX_POSITION)
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


class HistorySchema(Schema):
    events = fields.List(fields.Nested(HistoryEventSchema), required=True)


class AssignSchema(Schema):
    coordinator = Username(required=True)
    reason = Text(
        load_default=None,
        allow_none=True,
        metadata={"description": "Required when the need is already assigned (reassignment)."},
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


class FollowUpSchema(Schema):
    note = Text(required=True)
    progress = EnumField(Progress, required=True)


class CloseSchema(Schema):
    outcome = EnumField(Outcome, required=True)
    reason = Text(required=True)


# -- oversight ----------------------------------------------------------------------------------


class DashboardSchema(Schema):
    by_center = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    by_area = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class DashboardQuerySchema(Schema):
    min_position = fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=MAX_POSITION)
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
    position = fields.Integer(required=True)
    head = fields.Integer(required=True)
    lag = fields.Integer(required=True)


class ProjectionsSchema(Schema):
    head = fields.Integer(required=True)
    views = fields.List(fields.Nested(ViewStatusSchema), required=True)


def list_schema(item: type[Schema], name: str) -> type[Schema]:
    """A ``{items: [item, ...]}`` envelope schema (named for the OpenAPI document)."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item), required=True)})


AreaListSchema = list_schema(AreaSchema, "AreaListSchema")
CenterListSchema = list_schema(CenterSchema, "CenterListSchema")
UserListSchema = list_schema(UserSchema, "UserListSchema")
OrganizationListSchema = list_schema(OrganizationSchema, "OrganizationListSchema")
ResourceListSchema = list_schema(ResourceSchema, "ResourceListSchema")


# -- development ---------------------------------------------------------------------------------


class InitiativeCreateSchema(Schema):
    title = Name(required=True)
    area_code = Code(required=True)
    category = EnumField(NeedCategory, required=True)
    description = Text(required=True)


class InitiativeSchema(AggregateSchema):
    title = fields.String(required=True)
    area_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    description = fields.String(required=True)
    status = EnumField(InitiativeStatus, required=True)
    need_ids = fields.List(fields.UUID(), required=True)
    partner_ids = fields.List(fields.UUID(), required=True)
    milestones = fields.List(fields.Dict(), required=True)
    resource_id = fields.UUID(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class InitiativeRowSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    area_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    status = EnumField(InitiativeStatus, required=True)
    waiting_needs = fields.Integer(required=True)
    partners = fields.Integer(required=True)
    milestones = fields.Integer(required=True)
    resource_id = fields.UUID(allow_none=True)
    opened_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


InitiativeListSchema = list_schema(InitiativeRowSchema, "InitiativeListSchema")


class InitiativeQuerySchema(Schema):
    status = EnumField(InitiativeStatus, load_default=None)
    area = Code(load_default=None)
    category = EnumField(NeedCategory, load_default=None)


class LinkNeedSchema(Schema):
    need_id = fields.UUID(required=True)


class UnlinkNeedSchema(Schema):
    need_id = fields.UUID(required=True)
    reason = Text(required=True)


class PartnerSchema(Schema):
    organization_id = fields.UUID(required=True)


class MilestoneSchema(Schema):
    milestone = EnumField(Milestone, required=True)
    on = fields.Date(required=True)
    note = Text(required=True)
    volunteers = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "People trained (volunteers_trained only)."},
    )


class LaunchSchema(Schema):
    name = Name(required=True)
    service_type = EnumField(ServiceType, required=True)
    categories = ListOf(
        EnumField(NeedCategory),
        load_default=list,
        metadata={"description": "Further categories; the initiative's is always served."},
    )
    area_codes = ListOf(
        Code(), load_default=list, metadata={"description": "Default: the initiative's area."}
    )
    organization_id = fields.UUID(load_default=None, allow_none=True)
    weekdays = ListOf(EnumField(Weekday), load_default=list)
    capacity = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=100_000)
    )
    eligible_care_levels = ListOf(EnumField(CareLevel), load_default=list)
    fee = Name(load_default=None, allow_none=True)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)


class GapCellSchema(Schema):
    area_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    unmet = fields.Integer(required=True)


class GapMonthSchema(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM (Japan time)"})
    area_code = fields.String(required=True)
    category = EnumField(NeedCategory, required=True)
    opened = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    unmet_at_end = fields.Integer(required=True)


class GapReportSchema(Schema):
    current = fields.List(fields.Nested(GapCellSchema), required=True)
    months = fields.List(fields.Nested(GapMonthSchema), required=True)
    position = fields.Integer(required=True)


class ReportFormatQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
    min_position = fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=MAX_POSITION)
    )


# -- matching ------------------------------------------------------------------------------------


class CriterionScoreSchema(Schema):
    criterion = fields.Function(lambda s: s.criterion.value, required=True)
    score = fields.Integer(required=True)
    max_score = fields.Integer(required=True)
    passed = fields.Boolean(required=True)
    detail = fields.String(required=True)


class CandidateSchema(Schema):
    resource_id = fields.Function(lambda e: str(e["candidate"].resource_id), required=True)
    name = fields.Function(lambda e: e["candidate"].name, required=True)
    total = fields.Function(lambda e: e["candidate"].total, required=True)
    proposable = fields.Function(lambda e: e["candidate"].proposable, required=True)
    blockers = fields.Function(
        lambda e: [b.value for b in e["candidate"].blockers],
        required=True,
        metadata={
            "description": "Why it cannot be proposed now: status, capacity (full), eligibility."
        },
    )
    places_left = fields.Function(lambda e: e["candidate"].places_left, allow_none=True)
    waitlist = fields.Function(
        lambda e: e["candidate"].waitlist,
        metadata={"description": "Needs proposed to it and awaiting confirmation."},
    )
    scores = fields.Function(
        lambda e: CriterionScoreSchema(many=True).dump(e["candidate"].scores), required=True
    )
    reason = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "One line in ja and en."},
    )


class CandidateListSchema(Schema):
    need_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    rule_set = fields.String(required=True)
    digest = fields.String(
        required=True,
        metadata={
            "description": "Fingerprint of this ranking; send it as `ranking` with the proposal."
        },
    )
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)


class AvailabilitySchema(Schema):
    weekdays = ListOf(EnumField(Weekday), required=True)


class PlannedMatchSchema(Schema):
    need_id = fields.UUID(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    resource_id = fields.UUID(required=True)
    score = fields.Integer(
        load_default=None, metadata={"description": "Informative; ignored when accepting."}
    )


class MatchPlanSchema(Schema):
    client_id = fields.UUID(required=True)
    rule_set = fields.String(required=True)
    matches = fields.List(fields.Nested(PlannedMatchSchema), required=True)
    resource_ids = fields.List(fields.UUID(), required=True)
    gaps = fields.List(
        fields.UUID(), required=True, metadata={"description": "Needs no resource covers."}
    )
    position = fields.Integer(allow_none=True)


class AcceptPlanSchema(Schema):
    matches = fields.List(
        fields.Nested(PlannedMatchSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The plan's matches exactly as shown (with each need's version)."},
    )
    reason = Text(required=True)


# -- network ---------------------------------------------------------------------------------------


class CouncilCreateSchema(Schema):
    name = Name(required=True)
    tier = EnumField(CouncilTier, required=True)
    area_code = Code(
        load_default=None, allow_none=True, metadata={"description": "Required for tier 'area'."}
    )


class CouncilSchema(AggregateSchema):
    name = fields.String(required=True)
    tier = EnumField(CouncilTier, required=True)
    area_code = fields.String(allow_none=True)
    member_ids = fields.List(fields.UUID(), required=True)
    meetings = fields.Integer(required=True)
    formed_at = fields.AwareDateTime(required=True)


class CouncilRowSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    tier = EnumField(CouncilTier, required=True)
    area_code = fields.String(allow_none=True)
    members = fields.Integer(required=True)
    meetings = fields.Integer(required=True)
    last_meeting_on = fields.Date(allow_none=True)


CouncilListSchema = list_schema(CouncilRowSchema, "CouncilListSchema")


class MembershipSchema(Schema):
    organization_id = fields.UUID(required=True)
    on = fields.Date(required=True)


class LeaveSchema(Schema):
    organization_id = fields.UUID(required=True)
    on = fields.Date(required=True)
    reason = Text(required=True)


class GapKeySchema(Schema):
    area_code = Code(required=True)
    category = EnumField(NeedCategory, required=True)


class MeetingCreateSchema(Schema):
    held_on = fields.Date(required=True)
    attendees = ListOf(fields.UUID(), load_default=list)
    topics = ListOf(Name(), required=True, min_items=1)
    need_ids = ListOf(fields.UUID(), load_default=list)
    gaps = ListOf(fields.Nested(GapKeySchema), load_default=list)
    note = Text(load_default=None, allow_none=True)


class MeetingSchema(Schema):
    position = fields.Integer(required=True)
    council_id = fields.UUID(required=True)
    held_on = fields.Date(required=True)
    attendee_ids = fields.List(fields.UUID(), required=True)
    topics = fields.List(fields.String(), required=True)
    need_ids = fields.List(fields.UUID(), required=True)
    gaps = fields.Function(
        lambda m: [{"area_code": a, "category": c.value} for a, c in m.gaps], required=True
    )
    note = fields.String(allow_none=True)


MeetingListSchema = list_schema(MeetingSchema, "MeetingListSchema")


class ContactLogSchema(Schema):
    on = fields.Date(required=True)
    purpose = Text(required=True)
    outcome = Text(required=True)


class OrganizationNetworkSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    kind = EnumField(OrganizationKind, required=True)
    area_codes = fields.List(fields.String(), required=True)
    councils = fields.List(fields.String(), required=True)
    recent_contacts = fields.Integer(required=True)
    last_contact_on = fields.Date(allow_none=True)
    resources = fields.Integer(required=True)
    needs_matched = fields.Integer(required=True)
    active = fields.Boolean(required=True)


class AreaNetworkSchema(Schema):
    area_code = fields.String(required=True)
    active_organizations = fields.Integer(required=True)
    new_ties = fields.Function(
        lambda a: [{"month": m, "organizations": n} for m, n in a.new_ties], required=True
    )


class NetworkSchema(Schema):
    since = fields.Date(required=True, metadata={"description": "Start of 'recent' (90 days)."})
    organizations = fields.List(fields.Nested(OrganizationNetworkSchema), required=True)
    areas = fields.List(fields.Nested(AreaNetworkSchema), required=True)


# -- logic model -------------------------------------------------------------------------------


class LogicModelQuerySchema(Schema):
    fiscal_year = fields.Integer(
        required=True, metadata={"description": "April to March; 2026 = 2026-04-01..2027-03-31"}
    )
    area = Code(load_default=None, metadata={"description": "Omit for the whole municipality."})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
    min_position = fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=MAX_POSITION)
    )


class LogicModelSchema(Schema):
    fiscal_year = fields.Integer(required=True)
    area_code = fields.String(allow_none=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    inputs = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    activities = fields.Dict(
        keys=fields.String(), values=fields.Raw(allow_none=True), required=True
    )
    outputs = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    outcomes = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
