"""Matching over HTTP: explained candidates, client availability, multi-need plans."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint

from application.matching import CandidateList, PlannedMatch
from domain.matching import Candidate, Criterion
from domain.values import CareLevel, NeedCategory, ResourceStatus, Weekday
from domain.vocabulary import ja
from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

candidates = Blueprint("candidates", __name__, url_prefix="/needs")
plans = Blueprint("plans", __name__, url_prefix="/clients")


@operation(
    candidates,
    "GET",
    "/<uuid:need_id>/candidates",
    summary="Ranked resources for a need, each criterion scored and explained",
    permission="need.read",
    response=s.CandidateListSchema,
)
def need_candidates(call: Call, need_id: UUID) -> Any:
    return _explained(call.services.matching.candidates(need_id, call.actor))


@operation(
    plans,
    "POST",
    "/<uuid:client_id>/availability",
    summary="Record the weekdays a client can take part",
    permission="client.assess",
    body=s.AvailabilitySchema,
    response=s.ClientSchema,
    if_match=True,
)
def record_availability(call: Call, client_id: UUID) -> Any:
    return call.services.clients.record_availability(
        client_id, call.body["weekdays"], call.expected_version, call.actor
    )


@operation(
    plans,
    "GET",
    "/<uuid:client_id>/match-plan",
    summary="The fewest resources covering a client's needs awaiting a proposal",
    permission="need.read",
    response=s.MatchPlanSchema,
)
def match_plan(call: Call, client_id: UUID) -> Any:
    return call.services.matching.plan(client_id, call.actor)


@operation(
    plans,
    "POST",
    "/<uuid:client_id>/match-plan/accept",
    summary="Accept the plan as shown: every need's match proposed in one save",
    permission="match.plan",
    body=s.AcceptPlanSchema,
    response=s.MatchPlanSchema,
    responses=(409, 412),
)
def accept_match_plan(call: Call, client_id: UUID) -> Any:
    accepted = [
        PlannedMatch(m["need_id"], m["version"], m["resource_id"]) for m in call.body["matches"]
    ]
    return call.services.matching.accept_plan(client_id, accepted, call.body["reason"], call.actor)


def _explained(result: CandidateList) -> dict[str, Any]:
    return {
        "need_id": result.need_id,
        "version": result.version,
        "rule_set": result.rule_set,
        "digest": result.digest,
        "candidates": [
            {"candidate": c, "reason": {"ja": reason_ja(c), "en": reason_en(c)}}
            for c in result.candidates
        ],
    }


def reason_en(candidate: Candidate) -> str:
    """One line a person can read: what fits and what does not."""
    parts = []
    for score in candidate.scores:
        text = _EN[score.criterion](score.passed, score.detail)
        if text:
            parts.append(text)
    return "; ".join(parts)


def reason_ja(candidate: Candidate) -> str:
    parts = []
    for score in candidate.scores:
        text = _JA[score.criterion](score.passed, score.detail)
        if text:
            parts.append(text)
    return "・".join(parts)


def _weekdays(detail: str, label: Any) -> str:
    return "".join(label(Weekday(d)) for d in detail.split(",") if d)


_EN: dict[Criterion, Any] = {
    Criterion.CATEGORY: lambda ok, d: f"serves {d}",
    Criterion.AREA: lambda ok, d: f"covers {d}" if ok else f"outside {d}",
    Criterion.ELIGIBILITY: lambda ok, d: f"{d} eligible" if ok else f"{d} not eligible",
    Criterion.CAPACITY: lambda ok, d: (
        "unlimited places" if d == "unlimited" else f"{d} places left" if ok else "full"
    ),
    Criterion.SCHEDULE: lambda ok, d: (
        "client's days unknown"
        if d == "unknown"
        else "no fixed days"
        if d == "any"
        else f"fits {d.replace(',', ', ')}"
        if ok
        else "no common weekday"
    ),
    Criterion.STATUS: lambda ok, d: "" if ok else f"{d}",
}

_JA: dict[Criterion, Any] = {
    Criterion.CATEGORY: lambda ok, d: f"{ja(NeedCategory(d))}に対応",
    Criterion.AREA: lambda ok, d: f"{d}を対象" if ok else f"{d}は対象外",
    Criterion.ELIGIBILITY: lambda ok, d: (
        f"{ja(CareLevel(d))}は利用可" if ok else f"{ja(CareLevel(d))}は対象外"
    ),
    Criterion.CAPACITY: lambda ok, d: (
        "定員なし" if d == "unlimited" else f"空き{d}" if ok else "満員"
    ),
    Criterion.SCHEDULE: lambda ok, d: (
        "本人の都合の曜日は未登録"
        if d == "unknown"
        else "曜日の定めなし"
        if d == "any"
        else f"{_weekdays(d, ja)}曜が合う"
        if ok
        else "曜日が合わない"
    ),
    Criterion.STATUS: lambda ok, d: "" if ok else ja(ResourceStatus(d)),
}
