"""Matching on the screens: the ranked candidates of a need explained in words, and
the client page with its available weekdays and its multi-need plan (複合課題)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from flask import flash, request

from application.board import NeedFilter
from application.clients import ClientDTO
from application.errors import (
    ApplicationError,
    InvalidReferenceError,
    MatchPlanChangedError,
    PermissionDeniedError,
    VersionConflictError,
)
from application.matching import MatchPlanDTO, PlannedMatch
from domain.errors import DomainError
from domain.matching import Candidate, Criterion, CriterionScore
from domain.values import CareLevel, NeedCategory, NeedStatus, ResourceStatus, Weekday
from interfaces.web.ui.auth import STALE_DAYS
from interfaces.web.ui.core import Screens, actor, now, redirect_to, render, services, signed_in
from interfaces.web.ui.display import changed_by
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _
from interfaces.web.ui.labels import label
from interfaces.web.ui.refusals import refusal

screens = Screens()

CLIENT_NEEDS_SHOWN = 50
PROPOSABLE = (NeedStatus.MATCHING, NeedStatus.RESOURCE_CREATED)


# -- candidates in words ---------------------------------------------------------------------


Words = Callable[..., str]
"""``_``, or a :class:`_Memo` of it: the translation of a message, variables filled in.
The wording functions below take it as a parameter named ``_``, so that the messages'
extraction (``make translations``, ``tests/ui/test_i18n.py``) still finds them."""


class _Memo:
    """The screen's words for one rendering of the candidates, each message and label
    translated once: fifty candidates say the same few things fifty times over, and each
    lookup of the request's translations costs more than the line it words."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}
        self._labels: dict[Any, str] = {}

    def __call__(self, text: str, **variables: Any) -> str:
        message = self._messages.get(text)
        if message is None:
            message = self._messages[text] = _(text)
        return message % variables if variables else message  # as gettext fills them in

    def label(self, value: Any) -> str:
        text = self._labels.get(value)
        if text is None:
            text = self._labels[value] = str(label(value))
        return text


def _enum_label(cls: Any, value: str, _: Words = _) -> str:
    try:
        member = cls(value)
    except ValueError:
        return value
    return _.label(member) if isinstance(_, _Memo) else str(label(member))


def _weekdays(detail: str, _: Words = _) -> str:
    return _(", ").join(_enum_label(Weekday, d, _) for d in detail.split(",") if d)


def criterion_text(score: CriterionScore, areas: Mapping[str, str], _: Words = _) -> str:
    """What one criterion says about a candidate, in the screen's language ("" if nothing)."""
    ok, detail = score.passed, score.detail
    criterion = score.criterion
    if criterion is Criterion.CATEGORY:
        return _("serves %(category)s", category=_enum_label(NeedCategory, detail, _))
    if criterion is Criterion.AREA:
        area = areas.get(detail, detail)
        return _("covers %(area)s", area=area) if ok else _("outside %(area)s", area=area)
    if criterion is Criterion.ELIGIBILITY:
        level = _enum_label(CareLevel, detail, _)
        return (
            _("%(level)s eligible", level=level) if ok else _("%(level)s not eligible", level=level)
        )
    if criterion is Criterion.CAPACITY:
        if detail == "unlimited":
            return _("no limit on places")
        return _("%(count)s places left", count=detail) if ok else _("full")
    if criterion is Criterion.SCHEDULE:
        if detail == "unknown":
            return _("the client's weekdays are not recorded")
        if detail == "any":
            return _("no fixed weekdays")
        if ok:
            return _("fits on %(days)s", days=_weekdays(detail, _))
        return _("no common weekday")
    if criterion is Criterion.STATUS:
        return "" if ok else _enum_label(ResourceStatus, detail, _)
    return ""  # pragma: no cover - every criterion is worded above


def reason_line(candidate: Candidate, areas: Mapping[str, str], _: Words = _) -> str:
    """One line a person can read: what fits and what does not."""
    parts = [criterion_text(score, areas, _) for score in candidate.scores]
    return _("; ").join(part for part in parts if part)


def blocker_labels(candidate: Candidate, _: Words = _) -> list[str]:
    """Why a candidate cannot be chosen now, as badges."""
    texts = []
    for blocker in candidate.blockers:
        if blocker is Criterion.CAPACITY:
            texts.append(_("Full: %(count)d waiting", count=candidate.waitlist))
        elif blocker is Criterion.STATUS:
            status = candidate.score_of(Criterion.STATUS).detail
            texts.append(_enum_label(ResourceStatus, status, _))
        elif blocker is Criterion.ELIGIBILITY:
            texts.append(_("Care level not eligible"))
    return texts


CANDIDATES_SHOWN = 20
"""Candidates the need screen lists until all are asked for (a large town ranks
hundreds: a list nobody reads, and most of the page's time)."""
TIED_NAMES = 3
"""Candidates a tie note names; the others of the same score it counts."""


def tie_note(candidates: Sequence[Candidate], index: int, _: Words = _) -> str:
    """Why a candidate stands where it does among others of the same score ("" if none
    ties with it): the order domain.matching.rank_candidates gives to equal totals."""
    here = candidates[index]
    tied = [
        c.name
        for i, c in enumerate(candidates)
        if i != index and c.total == here.total and c.proposable == here.proposable
    ]
    return _tie_words(tied, _)


def _tie_words(tied: Sequence[str], _: Words) -> str:
    if not tied:
        return ""
    if len(tied) > TIED_NAMES:
        return _(
            "Same score as %(names)s and %(count)d others; ordered by places left (more "
            "first), then by name.",
            names=_(", ").join(tied[:TIED_NAMES]),
            count=len(tied) - TIED_NAMES,
        )
    return _(
        "Same score as %(names)s; ordered by places left (more first), then by name.",
        names=_(", ").join(tied),
    )


@dataclass(frozen=True)
class CandidateLines:
    """What the candidates panel says about one candidate, worded once in Python."""

    candidate: Candidate
    rank: int
    rank_label: str
    points: str
    blockers: list[str]
    waiting: str
    """"N proposals waiting" for a proposable candidate with a waiting list, else ""."""
    reason: str
    tie: str
    scores: list[tuple[str, CriterionScore]]
    """(criterion's label, score) of every criterion that scores points."""
    choose: str


def candidate_panel(
    candidates: Sequence[Candidate], areas: Mapping[str, str], limit: int | None = None
) -> list[CandidateLines]:
    """The lines of the candidates panel (``needs/_candidates.html``) for the first
    ``limit`` candidates (all: None), worded with one translation per message:
    rendering them in the template looked the request's translations up some five
    hundred times for fifty candidates. Ties are told among all the candidates."""
    _ = _Memo()
    by_total: dict[tuple[int, bool], list[Candidate]] = {}
    for c in candidates:
        by_total.setdefault((c.total, c.proposable), []).append(c)
    lines = []
    for index, c in enumerate(candidates[:limit]):
        rank = index + 1
        same = by_total[(c.total, c.proposable)]
        tie = _tie_words([o.name for o in same if o is not c], _) if len(same) > 1 else ""
        lines.append(
            CandidateLines(
                candidate=c,
                rank=rank,
                rank_label=_("Rank %(rank)d", rank=rank),
                points=_("%(total)d points", total=c.total),
                blockers=blocker_labels(c, _),
                waiting=(
                    _("%(count)d proposals waiting", count=c.waitlist)
                    if c.proposable and c.waitlist
                    else ""
                ),
                reason=reason_line(c, areas, _),
                tie=tie,
                scores=[(_.label(s.criterion), s) for s in c.scores if s.max_score],
                choose=_("Choose %(name)s", name=c.name),
            )
        )
    return lines


screens.template_global(candidate_panel, "candidate_panel")


# -- the client page --------------------------------------------------------------------------


def _places() -> dict[str, Any]:
    app = services()
    who = actor()
    return {
        "areas": {a.code: a.name for a in app.reference.list_areas(who)},
        "centers": {c.code: c.name for c in app.reference.list_centers(who)},
    }


def _client_screen(
    client: ClientDTO,
    status: int = 200,
    *,
    availability: Form | None = None,
    assessment: Form | None = None,
    contact: Form | None = None,
    plan_form: Form | None = None,
    plan_message: str | None = None,
) -> Any:
    app = services()
    who = actor()
    moment = now()
    page = app.board.board(NeedFilter(client_id=client.id), who, per_page=CLIENT_NEEDS_SHOWN)
    rows = [
        {
            "need": row,
            "age": (moment - row.raised_at).days,
            "idle": (moment - row.last_activity_at).days,
            "stale": row.status is not NeedStatus.CLOSED
            and (moment - row.last_activity_at).days >= STALE_DAYS,
            "urgent": row.urgency.value == "high" and row.status is not NeedStatus.CLOSED,
        }
        for row in page.items
    ]
    plan: MatchPlanDTO | None = None
    plan_problem = None
    waiting = [r for r in page.items if r.status in PROPOSABLE and not r.paused]
    if waiting:
        try:
            plan = app.matching.plan(client.id, who)
        except InvalidReferenceError:
            plan_problem = _(
                "This client has too many needs waiting for a proposal to plan them at once; "
                "propose on each need's page instead."
            )
    names = app.resources.names(plan.resource_ids) if plan is not None else {}
    planned = [m.need_id for m in plan.matches] + list(plan.gaps) if plan is not None else []
    needs = {r.id: r for r in app.board.rows(planned, who)}
    return render(
        "clients/detail.html",
        status,
        client=client,
        rows=rows,
        total=page.total,
        plan=plan,
        plan_problem=plan_problem,
        plan_message=plan_message,
        plan_form=plan_form or Form(),
        resource_names=names,
        needs=needs,
        availability=availability or Form(),
        assessment=assessment or Form(),
        contact=contact or Form(),
        care_levels=list(CareLevel),
        today=now().date(),
        weekdays=list(Weekday),
        **_places(),
    )


@screens.get("/clients/<uuid:client_id>")
@signed_in("client.read")
def client(client_id: UUID) -> Any:
    return _client_screen(services().clients.get(client_id, actor()))


@screens.post("/clients/<uuid:client_id>/availability")
@signed_in("client.assess")
def client_availability(client_id: UUID) -> Any:
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    weekdays = form.choices("weekdays", Weekday, required=True)
    return _change_client(
        client_id,
        form,
        "availability",
        (lambda: app.clients.record_availability(client_id, weekdays, version, who))
        if form.ok and version is not None
        else None,
        _("The available weekdays were saved."),
        conflict=_(
            "Someone else changed this client since you opened the page. The weekdays "
            "below are yours; check the current ones and save again."
        ),
    )


@screens.post("/clients/<uuid:client_id>/assessment")
@signed_in("client.assess")
def client_assessment(client_id: UUID) -> Any:
    """Record a care-level assessment (要介護認定の結果) from the client's page."""
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    care_level = form.choice("care_level", CareLevel)
    assessed_on = form.day("assessed_on")
    reason = form.text("reason")
    return _change_client(
        client_id,
        form,
        "assessment",
        (
            lambda: app.clients.change_care_level(
                client_id, care_level, assessed_on, reason, version, who
            )
        )
        if form.ok and version is not None and care_level and assessed_on and reason
        else None,
        _("The assessment was recorded."),
    )


@screens.post("/clients/<uuid:client_id>/contact")
@signed_in("client.change_contact")
def client_contact(client_id: UUID) -> Any:
    """Correct the client's address and phone, with a reason (Client.ContactChanged)."""
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    address = form.text("address", required=False, max_length=NAME_MAX)
    phone = form.text("phone", required=False, max_length=40)
    reason = form.text("reason")
    return _change_client(
        client_id,
        form,
        "contact",
        (lambda: app.clients.change_contact(client_id, address, phone, reason, version, who))
        if form.ok and version is not None and reason
        else None,
        _("The contact details were saved."),
    )


def _change_client(
    client_id: UUID,
    form: Form,
    section: Literal["availability", "assessment", "contact"],
    change: Callable[[], object] | None,
    saved: str,
    conflict: str = "",
) -> Any:
    """Run ``change`` (None: the form is not valid) for a form of the client page's
    ``section``: back to that section when saved, else the page again with the form,
    its errors and, after a conflict, the current version to save over."""
    app = services()
    who = actor()
    status = 422
    if change is not None:
        try:
            change()
        except VersionConflictError:
            status = 412
            last = changed_by(app.history.last_change(client_id, who))
            form.error(FORM, f"{conflict} {last}" if conflict else last)
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            form.refused(error)
        else:
            flash(saved, "success")
            return redirect_to("ui.client", client_id=client_id, _anchor=section)
    current = app.clients.get(client_id, who)
    if status == 412:
        form.data.setlist("version", [str(current.version)])
    return _client_screen(
        current,
        status,
        availability=form if section == "availability" else None,
        assessment=form if section == "assessment" else None,
        contact=form if section == "contact" else None,
    )


def _accepted(form: Form) -> list[PlannedMatch] | None:
    """The plan as the coordinator saw it: need, version and resource of every match."""
    needs, versions, resources = (form.values(k) for k in ("need", "need_version", "resource"))
    if not needs or not len(needs) == len(versions) == len(resources):
        return None
    accepted = []
    try:
        for need_id, version, resource_id in zip(needs, versions, resources, strict=True):
            accepted.append(PlannedMatch(UUID(need_id), int(version), UUID(resource_id)))
    except ValueError:
        return None
    return accepted


@screens.post("/clients/<uuid:client_id>/plan")
@signed_in("match.plan")
def accept_plan(client_id: UUID) -> Any:
    app = services()
    who = actor()
    who.require("need.propose")
    form = Form(request.form)
    reason = form.text("reason")
    accepted = _accepted(form)
    if accepted is None:
        form.error(FORM, _("The form is incomplete; reload the page and try again."))
    status = 422
    message = None
    if form.ok and accepted is not None and reason is not None:
        try:
            result = app.matching.accept_plan(client_id, accepted, reason, who)
        except (VersionConflictError, MatchPlanChangedError) as error:
            status = 412 if isinstance(error, VersionConflictError) else 409
            message = _(
                "The plan changed since you opened the page (a need or a resource moved "
                "on). Nothing was proposed. Check the plan below as it is now and accept "
                "it again."
            )
        except PermissionDeniedError:
            raise
        except DomainError as error:
            status = 409
            form.error(FORM, refusal(error))
        except ApplicationError as error:
            form.refused(error)
        else:
            flash(
                _("%(count)d matches were proposed.", count=len(result.matches)),
                "success",
            )
            return redirect_to("ui.client", client_id=client_id, _anchor="plan")
    current = app.clients.get(client_id, who)
    if message is not None:
        form = Form({"reason": form.value("reason")})
    return _client_screen(current, status, plan_form=form, plan_message=message)
