"""Running the planned history through the use cases, as the people who did it.

Care managers register clients and raise needs; the coordinator matches them,
records gaps, develops resources and builds the network. The loader keeps the
ids and versions the use cases hand back, and reads back what another
aggregate's command or a process manager moved. The commands of the stories
around the needs (councils, initiatives, the complex case) are in :mod:`.commands`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from application.needs import NeedDTO
from application.security import SYSTEM_ACTOR, Actor
from application.services import Services
from domain.base import recorded_at
from domain.need import Need as DomainNeed
from domain.values import Contact
from domain.vocabulary import ja
from interfaces.demo.common import DEMO_PASSWORD, ProgressCallback, local_day
from interfaces.demo.model import Municipality, Organization, Resource
from interfaces.demo.state import Client, Need, Step


class Loader:
    """Sends the demo's commands and keeps what they hand back."""

    def __init__(
        self, app: Services, town: Municipality, progress: ProgressCallback | None, total: int
    ) -> None:
        self.app = app
        self.town = town
        self.texts = town.texts
        self.progress = progress
        self.total = total
        self.done = 0
        self.actors: dict[str, Actor] = {}
        self.orgs: dict[str, UUID] = {}
        self.org_versions: dict[str, int | None] = {}
        """None: a council's command moved the organization on (read it back)."""
        self.resources: dict[str, UUID] = {}
        self.launched: set[UUID] = set()
        """Resources launched by development initiatives."""

    def tick(self) -> None:
        """One more command done."""
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def setup(self, at: datetime) -> None:
        """Areas, centers and accounts, set up by the system."""
        app = self.app
        with recorded_at(at):
            for area in self.town.areas:
                app.reference.create_area(area.code, area.name, SYSTEM_ACTOR)
                # The towns let an import infer areas from addresses (national lists).
                app.reference.list_towns(area.code, list(area.towns), SYSTEM_ACTOR)
                self.tick()
            for center in self.town.centers:
                app.reference.create_center(
                    center.code, center.name, list(center.areas), SYSTEM_ACTOR
                )
                self.tick()
            for account in self.town.accounts:
                app.accounts.create_user(
                    account.username,
                    DEMO_PASSWORD,
                    [account.role],
                    SYSTEM_ACTOR,
                    center_code=account.center,
                    display_name=account.display_name,
                )
                self.actors[account.username] = app.accounts.actor_for_username(account.username)
                self.tick()

    @property
    def coordinator(self) -> Actor:
        """The coordinator, who does everything but raising needs."""
        return self.actors[self.town.coordinator]

    def network(self, at: datetime) -> None:
        """The founding organizations, then their resources the next day."""
        coordinator = self.coordinator
        for i, org in enumerate(self.town.founding_organizations):
            with recorded_at(at + timedelta(minutes=10 * i)):
                self.register_organization(org)
            self.tick()
        for i, spec in enumerate(self.town.resources):
            with recorded_at(at + timedelta(days=1, minutes=10 * i)):
                resource = self.app.resources.register(
                    spec.name,
                    spec.service_type,
                    list(spec.categories),
                    list(spec.areas),
                    coordinator,
                    organization_id=self.orgs[spec.organization],
                    weekdays=list(spec.weekdays),
                    capacity=spec.capacity,
                    eligible_care_levels=list(spec.eligible),
                    fee=spec.fee,
                    contact=self.resource_contact(spec),
                    planned=spec.planned,
                )
            self.resources[spec.key] = resource.id
            self.tick()

    def resource_contact(self, spec: Resource) -> Contact:
        """Whom to call about ``spec``: its organization's office."""
        org = self.town.organization_by_key[spec.organization]
        person = self.texts.resource_contact.format(organization=org.name)
        return Contact(person=person, phone=org.phone)

    def refresh(self, need: Need) -> None:
        """Read back a need that another aggregate's command or a process manager moved."""
        assert need.id is not None  # noqa: S101 - raised before anything links it
        # The aggregate, not the need's read: a read would be written into the
        # access log, and setting up the demo is nobody looking at a client.
        stored = self.app.aggregates.load(DomainNeed, need.id, "need")
        need.version, need.status = stored.version, stored.status

    # -- network building ---------------------------------------------------------------

    def register_organization(self, spec: Organization) -> None:
        """The coordinator registers an organization."""
        contact = Contact(
            person=self.texts.organization_contact, phone=spec.phone, address=spec.address
        )
        dto = self.app.organizations.register(
            spec.name, spec.kind, list(spec.areas), self.coordinator, contact=contact
        )
        self.orgs[spec.key], self.org_versions[spec.key] = dto.id, dto.version

    # -- clients and needs --------------------------------------------------------------

    def actor(self, who: str, client: Client) -> Actor:
        """``cm``: the care manager of the client's center; ``sc``: the coordinator."""
        if who == "cm":
            return self.actors[self.town.care_manager_of_center[client.center]]
        return self.coordinator

    def register(self, client: Client) -> None:
        """The care manager registers the client."""
        dto = self.app.clients.register(
            client.personal,
            client.care_level,
            client.frailty,
            client.area,
            client.center,
            self.actor("cm", client),
            available_weekdays=list(client.available) if client.available else None,
            # The plan draws distinct people; a chance match of kana and birth date
            # between two of them is not a duplicate to stop the load for.
            confirm_duplicate=True,
        )
        client.id, client.version = dto.id, dto.version

    def suspend(self, key: str) -> None:
        """The coordinator suspends a resource."""
        actor = self.coordinator
        resource = self.app.resources.get(self.resources[key], actor)
        reason = self.town.resource_by_key[key].suspend_reason
        self.app.resources.suspend(resource.id, reason, resource.version, actor)

    def assess(self, client: Client, kind: str, on: date) -> None:
        """The care manager records a reassessed care level."""
        people, texts = self.town.people, self.texts
        before = client.level_now
        after = {"improve": people.improve, "worsen": people.worsen}.get(kind, {}).get(
            before, before
        )
        if after is before:
            reason = texts.care_level_kept.format(before=ja(before))
        elif kind == "improve":
            reason = texts.care_level_improved.format(before=ja(before), after=ja(after))
        else:
            reason = texts.care_level_changed.format(before=ja(before), after=ja(after))
        assert client.id is not None  # noqa: S101 - clients register before their needs
        dto = self.app.clients.change_care_level(
            client.id, after, on, reason, client.version, self.actor("cm", client)
        )
        client.version, client.level_now = dto.version, dto.care_level

    def step(self, need: Need, step: Step) -> None:
        """Run one planned step of a need's history."""
        app = self.app
        client = need.client
        actor = self.actor(step.by, client)
        if step.kind == "raise":
            assert client.id is not None  # noqa: S101 - clients register before their needs
            dto = app.needs.raise_need(
                client.id,
                need.category,
                need.description,
                need.goal,
                need.urgency,
                actor,
                care_plan_ref=need.care_plan_ref,
            )
        elif step.kind == "assess":
            self.assess(client, step.assessment, local_day(step.at))
            return
        else:
            dto = self._change(need, step, actor)
        need.id, need.version, need.status = dto.id, dto.version, dto.status

    def _change(self, need: Need, step: Step, actor: Actor) -> NeedDTO:
        app = self.app
        assert need.id is not None  # noqa: S101 - the raise step runs first
        nid, version = need.id, need.version
        kind = step.kind
        if kind == "assign":
            return app.needs.assign(nid, self.town.coordinator, version, actor)
        if kind == "propose":
            assert step.attempt is not None  # noqa: S101
            assert step.attempt.resource is not None  # noqa: S101
            resource = self.resources[step.attempt.resource]
            return app.matching.propose(nid, resource, step.text, version, actor)
        if kind == "decline":
            assert step.declined_by is not None  # noqa: S101
            return app.matching.decline(nid, step.declined_by, step.text, version, actor)
        if kind == "confirm":
            start = local_day(step.at) + timedelta(days=step.start_in)
            return app.matching.confirm(nid, start, version, actor)
        if kind == "follow_up":
            assert step.progress is not None  # noqa: S101
            return app.needs.follow_up(nid, step.text, step.progress, version, actor)
        if kind == "gap":
            client = need.client
            criteria = {
                "category": need.category.value,
                "area_code": client.area,
                "care_level": client.level_now.value,
                "searched": self.texts.gap_searched,
            }
            return app.matching.record_gap(nid, step.text, version, actor, criteria)
        if kind == "pause":
            return app.needs.pause(nid, step.text, version, actor)
        if kind == "resume":
            return app.needs.resume(nid, step.text, version, actor)
        if kind == "close":
            assert step.outcome is not None  # noqa: S101
            return app.needs.close(nid, step.outcome, step.text, version, actor)
        if kind == "reopen":
            return app.needs.reopen(nid, step.text, version, actor)
        raise AssertionError(f"unknown step {kind!r}")  # pragma: no cover
