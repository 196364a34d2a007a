"""The commands of the stories around the needs, run by the :class:`~.loader.Loader`.

Networking, resource development and the complex case: each is planned by
:mod:`.stories` as ``partial(command, ...)`` and called with the loader at its
moment, as the coordinator (or the client's care manager).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from uuid import UUID

from domain.values import Milestone, NeedStatus, Progress, Weekday
from interfaces.demo.loader import Loader
from interfaces.demo.model import Meeting
from interfaces.demo.state import Client, CouncilRun, InitiativeRun, Need

MEETING_NEEDS = 8
"""At most this many waiting needs are named in a tier-2 council's minutes."""

_WAITING = frozenset({NeedStatus.RESOURCE_GAP, NeedStatus.IN_DEVELOPMENT})
"""Statuses of needs that nothing serves yet: what councils discuss."""

# -- network building -------------------------------------------------------------------


def form_council(loader: Loader, run: CouncilRun) -> None:
    """The coordinator forms a council."""
    spec = run.spec
    dto = loader.app.network.form_council(
        spec.name, spec.tier, loader.coordinator, area_code=spec.area
    )
    run.id, run.version = dto.id, dto.version


def admit(loader: Loader, run: CouncilRun, org: str, on: date) -> None:
    """An organization joins a council."""
    assert run.id is not None  # noqa: S101 - formed before members join
    dto = loader.app.network.admit_to_council(
        run.id, loader.orgs[org], on, run.version, loader.coordinator
    )
    run.version = dto.version
    loader.org_versions[org] = None  # the organization recorded the joining too


def meeting(
    loader: Loader,
    run: CouncilRun,
    spec: Meeting,
    on: date,
    attendees: tuple[str, ...],
    needs: list[Need],
) -> None:
    """Minutes, with the unmet needs of the council's area (tier 2) or the largest
    gaps of the municipality (tier 1) as they stand on the day."""
    assert run.id is not None  # noqa: S101 - formed before it meets
    area = run.spec.area
    waiting = [
        n
        for n in needs
        if n.id is not None and n.status in _WAITING and area in (None, n.client.area)
    ]
    cells = Counter((n.client.area, n.category) for n in waiting)
    if area is None:
        need_ids: list[UUID] = []
        ranked = sorted(cells, key=lambda cell: (-cells[cell], cell[0], cell[1].value))
        gaps = ranked[:4]
    else:
        need_ids = [n.id for n in waiting if n.id is not None][:MEETING_NEEDS]
        gaps = sorted(cells, key=lambda cell: cell[1].value)
    dto = loader.app.network.record_council_meeting(
        run.id,
        on,
        [loader.orgs[org] for org in attendees],
        list(spec.topics),
        run.version,
        loader.coordinator,
        need_ids=need_ids,
        gaps=gaps,
        note=spec.note,
    )
    run.version = dto.version


def contact(loader: Loader, org: str, on: date, purpose: str, outcome: str) -> None:
    """The coordinator logs a contact with an organization."""
    version = loader.org_versions.get(org)
    if version is None:
        version = loader.app.organizations.get(loader.orgs[org], loader.coordinator).version
    dto = loader.app.organizations.log_contact(
        loader.orgs[org], on, purpose, outcome, version, loader.coordinator
    )
    loader.org_versions[org] = dto.version


# -- resource development ---------------------------------------------------------------


def open_initiative(loader: Loader, run: InitiativeRun) -> None:
    """The coordinator opens a development initiative."""
    spec = run.spec
    dto = loader.app.development.open(
        spec.title, spec.area, spec.category, spec.description, loader.coordinator
    )
    run.id, run.version = dto.id, dto.version


def link(loader: Loader, run: InitiativeRun, need: Need) -> None:
    """A waiting need is linked to the initiative."""
    assert run.id is not None  # noqa: S101 - opened first
    assert need.id is not None  # noqa: S101 - raised first
    dto = loader.app.development.link_need(run.id, need.id, run.version, loader.coordinator)
    run.version = dto.version
    loader.refresh(need)


def partner(loader: Loader, run: InitiativeRun, org: str) -> None:
    """An organization becomes a partner of the initiative."""
    assert run.id is not None  # noqa: S101 - opened first
    dto = loader.app.development.add_partner(
        run.id, loader.orgs[org], run.version, loader.coordinator
    )
    run.version = dto.version


def milestone(
    loader: Loader,
    run: InitiativeRun,
    milestone: Milestone,
    on: date,
    note: str,
    volunteers: int | None,
) -> None:
    """The initiative reaches a milestone."""
    assert run.id is not None  # noqa: S101 - opened first
    dto = loader.app.development.record_milestone(
        run.id, milestone, on, note, run.version, loader.coordinator, volunteers=volunteers
    )
    run.version = dto.version


def launch(loader: Loader, run: InitiativeRun) -> None:
    """Launch the new resource; the process manager (run inside this command's save)
    moves every waiting need to ``resource_created``, so they are read back."""
    spec = run.spec.resource
    assert run.id is not None  # noqa: S101 - opened first
    assert spec is not None  # noqa: S101 - only initiatives with a resource launch
    dto = loader.app.development.launch(
        run.id,
        spec.name,
        spec.service_type,
        run.version,
        loader.coordinator,
        categories=list(spec.categories),
        area_codes=list(spec.areas),
        organization_id=loader.orgs[spec.organization],
        weekdays=list(spec.weekdays),
        capacity=spec.capacity,
        eligible_care_levels=list(spec.eligible),
        fee=spec.fee,
        contact=loader.resource_contact(spec),
    )
    assert dto.resource_id is not None  # noqa: S101 - a launched initiative has one
    run.version = dto.version
    loader.resources[spec.key] = dto.resource_id
    loader.launched.add(dto.resource_id)
    for need in run.needs:
        loader.refresh(need)


def abandon(loader: Loader, run: InitiativeRun) -> None:
    """Give up; the process manager puts the waiting needs back among the gaps."""
    assert run.id is not None  # noqa: S101 - opened first
    dto = loader.app.development.abandon(
        run.id, run.spec.abandon_reason, run.version, loader.coordinator
    )
    run.version = dto.version
    for need in run.needs:
        loader.refresh(need)


# -- the complex case -------------------------------------------------------------------


def record_availability(loader: Loader, client: Client, weekdays: tuple[Weekday, ...]) -> None:
    """The care manager records the weekdays the client can take part."""
    assert client.id is not None  # noqa: S101 - registered first
    dto = loader.app.clients.record_availability(
        client.id, list(weekdays), client.version, loader.actor("cm", client)
    )
    client.version = dto.version


def plan_matches(loader: Loader, client: Client, needs: list[Need]) -> None:
    """Compute the client's match plan and accept it as shown (one atomic save)."""
    assert client.id is not None  # noqa: S101 - registered first
    plan = loader.app.matching.plan(client.id, loader.coordinator)
    if not plan.matches:  # pragma: no cover - only when the views cannot be brought up
        return
    accepted = loader.app.matching.accept_plan(
        client.id, plan.matches, loader.town.complex_case.plan_reason, loader.coordinator
    )
    by_id = {need.id: need for need in needs}
    for match in accepted.matches:
        need = by_id[match.need_id]
        need.version, need.status = match.version, NeedStatus.PROPOSED
        need.proposed = match.resource_id


def confirm_planned(loader: Loader, need: Need, start: date) -> None:
    """Confirm a planned match where a place is sure: an unlimited resource, or one
    the demo launched (the capacity plan of :func:`.plan.assign_resources` knows no
    others)."""
    if need.status is not NeedStatus.PROPOSED or need.proposed is None:
        return
    assert need.id is not None  # noqa: S101 - proposed needs exist
    resource = loader.app.resources.get(need.proposed, loader.coordinator)
    if resource.capacity is not None and resource.id not in loader.launched:
        return
    dto = loader.app.matching.confirm(need.id, start, need.version, loader.coordinator)
    need.version, need.status = dto.version, dto.status


def follow_up_planned(loader: Loader, need: Need, text: str, progress: Progress) -> None:
    """Follow up a planned match, if it was confirmed."""
    if need.status is not NeedStatus.MATCHED:
        return
    assert need.id is not None  # noqa: S101 - matched needs exist
    dto = loader.app.needs.follow_up(need.id, text, progress, need.version, loader.coordinator)
    need.version, need.status = dto.version, dto.status
