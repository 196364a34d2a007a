"""Schemas of the coordinator's functions: development, matching, network, the logic
model."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from application.oversight import FIRST_FISCAL_YEAR
from domain.values import (
    CareLevel,
    CouncilTier,
    InitiativeStatus,
    Milestone,
    NeedCategory,
    OrganizationKind,
    ServiceType,
    Weekday,
)
from interfaces.web.api.schemas.common import (
    AggregateSchema,
    Code,
    ContactSchema,
    EnumField,
    ListOf,
    MinPosition,
    Name,
    Text,
    list_schema,
)

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
    min_position = MinPosition()


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
        required=True,
        validate=validate.Range(min=FIRST_FISCAL_YEAR, max=9999),
        metadata={
            "description": "April to March; 2026 = 2026-04-01..2027-03-31. From "
            f"{FIRST_FISCAL_YEAR} to next year (a later year is 422 `value.out_of_range`)."
        },
    )
    area = Code(load_default=None, metadata={"description": "Omit for the whole municipality."})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))
    min_position = MinPosition()


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
