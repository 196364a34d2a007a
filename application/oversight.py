"""Use cases of the screens people work in: sessions, the case board, the need
page and its replay, client search, the dashboard, the audit log, user and
resource administration.

``UiCases`` is a mixin of :class:`application.casework.Casework`; it uses the
application's persistence helpers and read models, and adds its own read
models (:class:`~application.oversight_ports.OversightReadSide`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from application.base import (
    CaseworkBase,
    organization_dto,
    project_events,
    resource_dto,
    user_dto,
)
from application.development import _initiative_dto
from application.dto import (
    NeedFilter,
    NeedRow,
    ResourceDTO,
    ResourceFilter,
    TokenDTO,
    UserDTO,
)
from application.errors import AuthenticationError, NotFoundError
from application.network import CONTACT_WINDOW
from application.oversight_ports import (
    AuditPage,
    AuditQuery,
    BoardPage,
    BoardSort,
    ChangeNote,
    ClientCard,
    ClientSummary,
    ContactEntry,
    DashboardStats,
    InitiativePage,
    MonthlyFlow,
    NeedPage,
    NeedReplay,
    OrganizationPage,
    OversightReadSide,
    TimelineEntry,
)
from application.security import Actor
from domain.development import DevelopmentInitiative
from domain.errors import InvalidValueError
from domain.need import Need
from domain.organization import Organization
from domain.reference import Area
from domain.resource import UPDATABLE_FIELDS, Resource
from domain.user import User
from domain.values import NeedStatus, Role, UserId

JST = timezone(timedelta(hours=9), "JST")
"""The municipality's clock for calendar months (Japan has no daylight saving time)."""

MONTHS_SHOWN = 12
SEARCH_LIMIT = 20
MAX_PER_PAGE = 200
CONTACTS_SHOWN = 20
"""Latest contacts an organization's page lists."""

ACTION_PERMISSIONS: dict[str, str] = {
    "assign": "need.assign",
    "reassign": "need.assign",
    "propose": "need.propose",
    "decline": "need.decline",
    "confirm": "need.confirm",
    "record_gap": "need.record_gap",
    "follow_up": "need.follow_up",
    "pause": "need.pause",
    "resume": "need.resume",
    "close": "need.close",
    "reopen": "need.reopen",
}
"""Need actions the screens offer, and the permission each needs."""

UNMET_STATUSES = frozenset({NeedStatus.RESOURCE_GAP.value, NeedStatus.IN_DEVELOPMENT.value})

# Fields of a need whose provenance the replay shows, in the order people read them.
REPLAY_FIELDS = (
    "status",
    "paused",
    "assignee",
    "resource_id",
    "start_date",
    "last_progress",
    "outcome",
    "initiative_id",
    "category",
    "urgency",
    "description",
    "goal",
    "care_plan_ref",
    "center_code",
    "area_code",
)

_ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp"})
_SECRET_FIELDS = frozenset({"password_hash"})


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in to the screens."""

    actor: Actor
    display_name: str
    language: str | None


class UiCases(CaseworkBase):
    """Use cases of the HTML screens (mixed into ``Casework``)."""

    _oversight: OversightReadSide | None = None

    # -- wiring ------------------------------------------------------------------

    def attach_oversight(self, views: OversightReadSide) -> None:
        """Connect the read models of the screens."""
        self._oversight = views

    @property
    def oversight(self) -> OversightReadSide:
        if self._oversight is None:
            raise RuntimeError("this Casework was built without the screens' read models")
        return self._oversight

    # -- sessions ------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> TokenDTO:
        """A token for a browser session (same rules as API tokens)."""
        return self.issue_token(username, password)

    def session_user(self, token: str) -> SessionUser:
        """The signed-in user a session's token stands for (deactivation and expiry apply)."""
        user_id = self.tokens.lookup(token, self.clock())
        if user_id is None:
            raise AuthenticationError("the session has expired; sign in again")
        try:
            user = self._load(User, user_id, "user")
        except NotFoundError:
            raise AuthenticationError("the session's user no longer exists") from None
        return SessionUser(self.actor_for(user), user.display_name, user.language)

    def sign_out(self, token: str) -> None:
        """End a browser session: its token stops working at once."""
        self.oversight.sessions.revoke(token)

    def choose_language(self, language: str, actor: Actor) -> None:
        """Remember the signed-in user's screen language."""
        user = self._load(User, actor.user_id, "user")
        if user.choose_language(language, actor.user_id):
            self._commit(user, kind="user")

    # -- users (administrators) -------------------------------------------------------

    def coordinators(self, actor: Actor) -> list[UserDTO]:
        """Active coordinators (to assign needs to, and to filter the board by)."""
        actor.require("need.read")
        return [
            u for u in self.read_side.directory.users() if u.active and Role.COORDINATOR in u.roles
        ]

    def grant_role(
        self, username: str, role: Role, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        # Changing accounts is administrators' work, like creating them.
        actor.require("user.create")
        user = self._load_expected(User, User.id_for(username), "user", expected_version)
        user.grant_role(role, actor.user_id)
        position = self._commit(user, kind="user")
        return user_dto(user, position)

    def revoke_role(
        self, username: str, role: Role, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        actor.require("user.create")
        user = self._load_expected(User, User.id_for(username), "user", expected_version)
        user.revoke_role(role, actor.user_id)
        position = self._commit(user, kind="user")
        return user_dto(user, position)

    def deactivate_user(
        self, username: str, reason: str, expected_version: int | None, actor: Actor
    ) -> UserDTO:
        """Deactivate an account; its tokens and browser sessions stop working."""
        actor.require("user.create")
        if username == actor.username:
            raise InvalidValueError("username", "you cannot deactivate your own account")
        user = self._load_expected(User, User.id_for(username), "user", expected_version)
        user.deactivate(reason, actor.user_id)
        position = self._commit(user, kind="user")
        self.tokens.revoke_user(UserId(user.id))
        return user_dto(user, position)

    # -- resources -------------------------------------------------------------------

    def update_resource(
        self,
        resource_id: UUID,
        changes: dict[str, Any],
        expected_version: int | None,
        actor: Actor,
    ) -> ResourceDTO:
        """Change a resource's descriptive fields (only those that differ are recorded)."""
        actor.require("resource.change")
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise InvalidValueError(sorted(unknown)[0], "cannot be changed here")
        if "area_codes" in changes:
            for code in changes["area_codes"]:
                if not self._exists_area(code):
                    raise InvalidValueError("area_codes", f"no area with code {code!r}")
        resource = self._load_expected(Resource, resource_id, "resource", expected_version)
        resource.update(actor.user_id, **changes)
        position = self._commit(resource, kind="resource")
        return resource_dto(resource, position)

    def _exists_area(self, code: str) -> bool:
        try:
            self._load(Area, Area.id_for(code), "area")
        except NotFoundError:
            return False
        return True

    # -- the case board ----------------------------------------------------------------

    def board(
        self,
        filters: NeedFilter,
        actor: Actor,
        sort: BoardSort = BoardSort.LAST_ACTIVITY,
        page: int = 1,
        per_page: int = 25,
    ) -> BoardPage:
        """A page of the case board and the count per status (care managers: their center)."""
        actor.require("need.read")
        page = max(page, 1)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        scope = actor.center_scope
        if scope is not None and filters.center_code not in (None, scope):
            return BoardPage((), 0, page, per_page, {})
        if scope is not None:
            filters = replace(filters, center_code=scope)
        rows, total = self.oversight.board.page(filters, sort, page, per_page)
        counts = self.oversight.board.status_counts(filters)
        return BoardPage(tuple(rows), total, page, per_page, counts)

    # -- clients -----------------------------------------------------------------------

    def search_clients(self, text: str, actor: Actor) -> list[ClientSummary]:
        """Clients by display code or kana, for raising a need (care managers: their center)."""
        actor.require("need.raise")
        text = text.strip()
        if not text or len(text) > 100:
            return []
        return self.oversight.clients.search(text, actor.center_scope, SEARCH_LIMIT)

    def client_card(self, client_id: UUID, actor: Actor) -> ClientCard:
        actor.require("client.read")
        card = self.oversight.clients.card(client_id, actor.can("client.read_personal"))
        if card is None or not actor.sees_center(card.summary.center_code):
            raise NotFoundError("client", client_id)
        return card

    # -- one need ------------------------------------------------------------------------

    def need_page(self, need_id: UUID, actor: Actor) -> NeedPage:
        """The need now, its timeline, its client and what this actor may do (one stream)."""
        actor.require("need.read")
        events = list(self.events.get(need_id))
        need = _replay(events)
        if need is None or not actor.sees_center(need.center_code):
            raise NotFoundError("need", need_id)
        dto = self._need_dto(need, self.head())
        client = self.oversight.clients.card(need.client_id, actor.can("client.read_personal"))
        timeline = self._timeline(events)
        return NeedPage(
            need=dto,
            timeline=tuple(timeline),
            client=client,
            resource_name=self._resource_name(need.resource_id),
            actions=tuple(
                action
                for action in ACTION_PERMISSIONS
                if action in dto.allowed_actions and actor.can(ACTION_PERMISSIONS[action])
            ),
            names=self._names(timeline),
        )

    def need_replay(self, need_id: UUID, as_of: datetime, actor: Actor) -> NeedReplay:
        """The need exactly as it was at ``as_of`` and the event behind each field."""
        actor.require("audit.read")
        events = list(self.events.get(need_id))
        first = _replay(events[:1])
        if first is None or not actor.sees_center(first.center_code):
            raise NotFoundError("need", need_id)
        timeline = self._timeline(events)
        need: Need | None = None
        provenance: dict[str, TimelineEntry] = {}
        before: dict[str, Any] = {}
        for event, entry in zip(events, timeline, strict=True):
            if entry.timestamp > as_of:
                break
            need = event.mutate(need)  # type: ignore[attr-defined]
            after = {name: getattr(need, name, None) for name in REPLAY_FIELDS}
            for name, value in after.items():
                if name not in before or before[name] != value:
                    provenance[name] = entry
            before = after
        return NeedReplay(
            as_of=as_of,
            need=self._need_dto(need, None) if need is not None else None,
            provenance=provenance,
            timeline=tuple(timeline),
            resource_name=self._resource_name(need.resource_id) if need is not None else None,
            names=self._names(timeline),
        )

    def last_change(self, aggregate_id: UUID, actor: Actor) -> ChangeNote | None:
        """Who changed an aggregate last, and when (for a "changed by X at T" message)."""
        actor.require("need.read")
        latest = list(self.events.get(aggregate_id, desc=True, limit=1))
        if not latest:
            return None
        event: Any = latest[0]
        actor_id = getattr(event, "actor", None)
        names = self._usernames([actor_id])
        return ChangeNote(
            actor=names.get(actor_id, str(actor_id)) if actor_id else "",
            timestamp=event.timestamp,
            event_type=type(event).__qualname__,
            version=event.originator_version,
        )

    def _timeline(self, events: Sequence[Any]) -> list[TimelineEntry]:
        names = self._usernames(getattr(e, "actor", None) for e in events)
        entries = []
        for e in events:
            data = {k: v for k, v in vars(e).items() if k not in _ENVELOPE}
            actor_id = data.pop("actor", None)
            reason = data.pop("reason", None)
            for secret in _SECRET_FIELDS & data.keys():
                data[secret] = "(hidden)"
            entries.append(
                TimelineEntry(
                    version=e.originator_version,
                    type=type(e).__qualname__,
                    timestamp=e.timestamp,
                    actor=names.get(actor_id, str(actor_id)) if actor_id else "",
                    reason=reason,
                    data=data,
                )
            )
        return entries

    def _names(self, timeline: Sequence[TimelineEntry]) -> dict[UUID, str]:
        """Usernames and resource names of the ids a timeline mentions."""
        users = [e.data.get("coordinator") for e in timeline]
        resources: list[Any] = [e.data.get("resource_id") for e in timeline]
        for entry in timeline:  # the ranking a proposal recorded names its candidates
            for candidate in entry.data.get("candidates") or ():
                if isinstance(candidate, dict):
                    resources.append(_as_uuid(candidate.get("resource_id")))
        names: dict[UUID, str] = dict(self._usernames(u for u in users if isinstance(u, UUID)))
        names.update(self.resource_names(r for r in resources if isinstance(r, UUID)))
        return names

    def _resource_name(self, resource_id: UUID | None) -> str | None:
        if resource_id is None:
            return None
        return self.resource_names([resource_id]).get(resource_id)

    def resource_names(self, resource_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Names of resources from the directory (unknown ids are left out)."""
        wanted = set(resource_ids)
        if not wanted:
            return {}
        return {
            r.id: r.name
            for r in self.read_side.directory.resources(ResourceFilter())
            if r.id in wanted
        }

    # -- coordination: development, network, needs named elsewhere ----------------------

    def need_rows(self, need_ids: Collection[UUID], actor: Actor) -> list[NeedRow]:
        """Case-board rows of the given needs that this actor may see (unknown ids left out)."""
        actor.require("need.read")
        if not need_ids:
            return []
        rows = self.oversight.need_rows.by_ids(need_ids)
        return [row for row in rows if actor.sees_center(row.center_code)]

    def initiative_page(self, initiative_id: UUID, actor: Actor) -> InitiativePage:
        """An initiative, its history and the needs waiting on it (one stream, read models)."""
        actor.require("initiative.read")
        events = list(self.events.get(initiative_id))
        initiative = project_events(None, events) if events else None
        if not isinstance(initiative, DevelopmentInitiative):
            raise NotFoundError("development initiative", initiative_id)
        dto = _initiative_dto(initiative, self.head())
        organizations = {o.id: o.name for o in self.read_side.directory.organizations()}
        needs = self.need_rows(dto.need_ids, actor) if actor.can("need.read") else []
        return InitiativePage(
            initiative=dto,
            timeline=tuple(self._timeline(events)),
            needs=tuple(needs),
            partners={p: organizations.get(p, str(p)) for p in dto.partner_ids},
            resource_name=self._resource_name(dto.resource_id),
        )

    def organization_page(self, organization_id: UUID, actor: Actor) -> OrganizationPage:
        """An organization with its councils, resources, and (for report readers) its contacts."""
        actor.require("organization.read")
        events: list[Any] = list(self.events.get(organization_id))
        org = project_events(None, events) if events else None
        if not isinstance(org, Organization):
            raise NotFoundError("organization", organization_id)
        councils = tuple(c for c in self.read_side.network.councils() if c.id in org.councils)
        resources = tuple(
            r
            for r in self.read_side.directory.resources(ResourceFilter())
            if r.organization_id == org.id
        )
        network = None
        contacts: list[ContactEntry] = []
        if actor.can("report.read"):
            since = self.clock().astimezone(JST).date() - CONTACT_WINDOW
            overview = self.read_side.network.overview(since=since)
            network = next((o for o in overview.organizations if o.id == org.id), None)
            logged = [e for e in events if isinstance(e, Organization.ContactLogged)]
            names = self._usernames(getattr(e, "actor", None) for e in logged)
            contacts = [
                ContactEntry(
                    on=e.on,
                    purpose=e.purpose,
                    outcome=e.outcome,
                    actor=names.get(e.actor, str(e.actor)),
                    recorded_at=e.timestamp,
                )
                for e in logged
            ]
            contacts.sort(key=lambda c: (c.on, c.recorded_at), reverse=True)
        return OrganizationPage(
            organization=organization_dto(org, self.head()),
            councils=councils,
            resources=resources,
            network=network,
            contacts=tuple(contacts[:CONTACTS_SHOWN]),
        )

    # -- audit ---------------------------------------------------------------------------

    def search_audit(
        self, query: AuditQuery, actor: Actor, page: int = 1, per_page: int = 50
    ) -> AuditPage:
        actor.require("audit.read")
        page = max(page, 1)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        items, total = self.oversight.audit.search(query, page, per_page)
        return AuditPage(tuple(items), total, page, per_page)

    def audit_event_types(self, actor: Actor) -> list[str]:
        actor.require("audit.read")
        return self.oversight.audit.event_types()

    # -- dashboard -----------------------------------------------------------------------

    def dashboard_stats(self, actor: Actor, months: int = MONTHS_SHOWN) -> DashboardStats:
        """Everything the supervisor dashboard charts, for the last ``months`` months."""
        actor.require("dashboard.read")
        stats = self.oversight.statistics
        month_keys = _last_months(self.clock().astimezone(JST), months)
        flows = {flow.month: flow for flow in stats.monthly(month_keys[0])}
        open_statuses = frozenset(s.value for s in NeedStatus if s is not NeedStatus.CLOSED)
        by_status = stats.by_status()
        return DashboardStats(
            pipeline={status: by_status.get(status.value, 0) for status in NeedStatus},
            monthly=tuple(flows.get(key, MonthlyFlow(key)) for key in month_keys),
            match_days=tuple(stats.match_days()),
            unmet=stats.by_area_category(UNMET_STATUSES),
            outcomes=stats.outcomes(),
            by_area_category=stats.by_area_category(open_statuses),
        )


def _last_months(now: datetime, count: int) -> list[str]:
    """``YYYY-MM`` of the ``count`` months ending with ``now``'s, oldest first."""
    year, month = now.year, now.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]


def _as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def _replay(events: Sequence[Any]) -> Need | None:
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate if isinstance(aggregate, Need) else None
