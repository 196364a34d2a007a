"""The network view: councils and meetings, contacts, and who runs which resource."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.network import (
    AreaNetwork,
    CouncilRow,
    MeetingRow,
    NetworkOverview,
    OrganizationNetwork,
)
from domain.council import Council
from domain.need import Need
from domain.organization import Organization
from domain.resource import Resource
from domain.values import CouncilTier, NeedCategory, OrganizationKind
from infrastructure.views.schema import view_metadata
from infrastructure.views.view import Handler, View

net_organizations = sa.Table(
    "net_organizations",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("area_codes", sa.JSON, nullable=False),
)

net_councils = sa.Table(
    "net_councils",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("area_code", sa.String(32), nullable=True),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("meetings", sa.Integer, nullable=False),
    sa.Column("last_meeting_on", sa.Date, nullable=True),
)

# A membership row per joining; ``left_on`` is set when the organization leaves.
net_memberships = sa.Table(
    "net_memberships",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("council_id", sa.Uuid, nullable=False, index=True),
    sa.Column("organization_id", sa.Uuid, nullable=False, index=True),
    sa.Column("joined_on", sa.Date, nullable=False),
    sa.Column("left_on", sa.Date, nullable=True),
)

net_meetings = sa.Table(
    "net_meetings",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("council_id", sa.Uuid, nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("attendee_ids", sa.JSON, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("need_ids", sa.JSON, nullable=False),
    sa.Column("gaps", sa.JSON, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
)

net_contacts = sa.Table(
    "net_contacts",
    view_metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("organization_id", sa.Uuid, nullable=False, index=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
)

net_resources = sa.Table(
    "net_resources",
    view_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organization_id", sa.Uuid, nullable=True, index=True),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("matches", sa.Integer, nullable=False),
)


class NetworkView(View):
    """``network``: organizations, councils, memberships, meetings, contacts and resources."""

    name = "network"
    reads_sealed = False  # none of its handlers reads a sealed field
    lookups = frozenset({"net_memberships.council_id"})  # a member leaving
    tables: ClassVar = (
        net_organizations,
        net_councils,
        net_memberships,
        net_meetings,
        net_contacts,
        net_resources,
    )

    def handlers(self) -> dict[type, Handler]:
        return {
            Organization.Registered: self._organization,
            Organization.Updated: self._organization_updated,
            Organization.ContactLogged: self._contact,
            Council.Formed: self._council,
            Council.MemberJoined: self._joined,
            Council.MemberLeft: self._left,
            Council.MeetingRecorded: self._meeting,
            Resource.Registered: self._resource,
            Resource.Updated: self._resource_updated,
            Resource.Closed: self._resource_closed,
            Need.MatchConfirmed: self._matched,
        }

    def _organization(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.net_organizations,
            {
                "id": e.originator_id,
                "name": e.name,
                "kind": e.kind.value,
                "area_codes": list(e.area_codes),
            },
        )

    def _organization_updated(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.net_organizations, e.originator_id)
        if row is not None:  # (an UPDATE of no row did nothing either)
            row.update(name=e.name, kind=e.kind.value, area_codes=list(e.area_codes))

    def _contact(self, conn: Connection, e: Any, position: int) -> None:
        self.insert_later(  # append-only: one executemany per batch
            self.t.net_contacts,
            {
                "position": position,
                "organization_id": e.originator_id,
                "on": e.on,
                "purpose": e.purpose,
            },
        )

    def _council(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.net_councils,
            {
                "id": e.originator_id,
                "version": e.originator_version,
                "name": e.name,
                "tier": e.tier.value,
                "area_code": e.area_code,
                "members": 0,
                "meetings": 0,
            },
        )

    def _joined(self, conn: Connection, e: Any, position: int) -> None:
        # Memberships are written at once: a leaving updates them with SQL.
        conn.execute(
            self.t.net_memberships.insert().values(
                position=position,
                council_id=e.originator_id,
                organization_id=e.organization_id,
                joined_on=e.on,
            )
        )
        council = self._council_changed(conn, e)
        if council is not None:
            council["members"] += 1

    def _left(self, conn: Connection, e: Any, position: int) -> None:
        m = self.t.net_memberships.c
        conn.execute(
            self.t.net_memberships.update()
            .where(
                m.council_id == e.originator_id,
                m.organization_id == e.organization_id,
                m.left_on.is_(None),
            )
            .values(left_on=e.on)
        )
        council = self._council_changed(conn, e)
        if council is not None:
            council["members"] -= 1

    def _meeting(self, conn: Connection, e: Any, position: int) -> None:
        self.insert_later(  # append-only: one executemany per batch
            self.t.net_meetings,
            {
                "position": position,
                "council_id": e.originator_id,
                "held_on": e.held_on,
                "attendee_ids": [str(a) for a in e.attendees],
                "topics": list(e.topics),
                "need_ids": [str(n) for n in e.need_ids],
                "gaps": [
                    {"area_code": g["area_code"], "category": g["category"].value} for g in e.gaps
                ],
                "note": e.note,
            },
        )
        council = self._council_changed(conn, e)
        if council is not None:
            council["meetings"] += 1
            last = council["last_meeting_on"]
            council["last_meeting_on"] = e.held_on if last is None else max(last, e.held_on)

    def _council_changed(self, conn: Connection, e: Any) -> dict[str, Any] | None:
        council = self.row(conn, self.t.net_councils, e.originator_id)
        if council is not None:  # (an UPDATE of no row did nothing either)
            council["version"] = e.originator_version
        return council

    def _resource(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.net_resources,
            {
                "id": e.originator_id,
                "organization_id": e.organization_id,
                "closed": False,
                "matches": 0,
            },
        )

    def _resource_updated(self, conn: Connection, e: Any, position: int) -> None:
        if "organization_id" in e.changes:
            row = self.row(conn, self.t.net_resources, e.originator_id)
            if row is not None:
                row["organization_id"] = e.changes["organization_id"]

    def _resource_closed(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.net_resources, e.originator_id)
        if row is not None:
            row["closed"] = True

    def _matched(self, conn: Connection, e: Any, position: int) -> None:
        row = self.row(conn, self.t.net_resources, e.resource_id)
        if row is not None:
            row["matches"] += 1


class SqlNetworkBoard:
    """application.ports.NetworkBoard on the network tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def councils(self) -> list[CouncilRow]:
        c = net_councils.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(net_councils).order_by(c.tier.desc(), c.name, c.id))
            return [
                CouncilRow(
                    id=r.id,
                    version=r.version,
                    name=r.name,
                    tier=CouncilTier(r.tier),
                    area_code=r.area_code,
                    members=r.members,
                    meetings=r.meetings,
                    last_meeting_on=r.last_meeting_on,
                )
                for r in rows
            ]

    def meetings(self, council_id: UUID) -> list[MeetingRow]:
        m = net_meetings.c
        query = (
            sa.select(net_meetings)
            .where(m.council_id == council_id)
            .order_by(m.held_on.desc(), m.position.desc())
        )
        with self.engine.connect() as conn:
            return [
                MeetingRow(
                    position=r.position,
                    council_id=r.council_id,
                    held_on=r.held_on,
                    attendee_ids=tuple(UUID(a) for a in r.attendee_ids),
                    topics=tuple(r.topics),
                    need_ids=tuple(UUID(n) for n in r.need_ids),
                    gaps=tuple((g["area_code"], NeedCategory(g["category"])) for g in r.gaps),
                    note=r.note,
                )
                for r in conn.execute(query)
            ]

    def organization(self, organization_id: UUID, since: date) -> OrganizationNetwork | None:
        o, m, k, r = net_organizations.c, net_memberships.c, net_contacts.c, net_resources.c
        with self.engine.connect() as conn:
            org = conn.execute(sa.select(net_organizations).where(o.id == organization_id)).first()
            if org is None:
                return None
            councils: Any = conn.execute(
                sa.select(sa.func.coalesce(net_councils.c.name, "?"))
                .select_from(
                    net_memberships.outerjoin(net_councils, net_councils.c.id == m.council_id)
                )
                .where(m.organization_id == organization_id, m.left_on.is_(None))
            ).scalars()
            names = sorted(str(name) for name in councils)
            contacts: Any = conn.execute(
                sa.select(sa.func.count(sa.case((k.on >= since, 1))), sa.func.max(k.on)).where(
                    k.organization_id == organization_id
                )
            ).one()
            resources: Any = conn.execute(
                sa.select(
                    sa.func.count(sa.case((sa.not_(r.closed), 1))),
                    sa.func.coalesce(sa.func.sum(r.matches), 0),
                ).where(r.organization_id == organization_id)
            ).one()
        return OrganizationNetwork(
            id=org.id,
            name=org.name,
            kind=OrganizationKind(org.kind),
            area_codes=tuple(org.area_codes),
            councils=tuple(names),
            recent_contacts=int(contacts[0]),
            last_contact_on=contacts[1],
            resources=int(resources[0]),
            needs_matched=int(resources[1]),
        )

    def overview(self, since: date, organization_id: UUID | None = None) -> NetworkOverview:
        def only(table: sa.Table, column: str) -> Any:
            query = sa.select(table)
            if organization_id is not None:  # one organization's page: its rows only
                query = query.where(table.c[column] == organization_id)
            return query

        with self.engine.connect() as conn:
            orgs = list(
                conn.execute(only(net_organizations, "id").order_by(net_organizations.c.name))
            )
            council_names: dict[UUID, str] = {
                row.id: row.name
                for row in conn.execute(sa.select(net_councils.c.id, net_councils.c.name))
            }
            memberships = conn.execute(only(net_memberships, "organization_id")).all()
            contacts = conn.execute(only(net_contacts, "organization_id")).all()
            resources = conn.execute(only(net_resources, "organization_id")).all()

        current: dict[UUID, list[str]] = defaultdict(list)
        ties: dict[UUID, set[str]] = defaultdict(set)
        for m in memberships:
            if m.left_on is None:
                current[m.organization_id].append(council_names.get(m.council_id, "?"))
            ties[m.organization_id].add(m.joined_on.strftime("%Y-%m"))
        recent: dict[UUID, int] = defaultdict(int)
        last_contact: dict[UUID, date] = {}
        first_contact: dict[UUID, date] = {}
        for c in contacts:
            if c.on >= since:
                recent[c.organization_id] += 1
            last_contact[c.organization_id] = max(c.on, last_contact.get(c.organization_id, c.on))
            first_contact[c.organization_id] = min(c.on, first_contact.get(c.organization_id, c.on))
        for org_id, first in first_contact.items():
            ties[org_id].add(first.strftime("%Y-%m"))
        running: dict[UUID, int] = defaultdict(int)
        matched: dict[UUID, int] = defaultdict(int)
        for r in resources:
            if r.organization_id is None:
                continue
            matched[r.organization_id] += r.matches
            if not r.closed:
                running[r.organization_id] += 1

        organizations = tuple(
            OrganizationNetwork(
                id=o.id,
                name=o.name,
                kind=OrganizationKind(o.kind),
                area_codes=tuple(o.area_codes),
                councils=tuple(sorted(current[o.id])),
                recent_contacts=recent[o.id],
                last_contact_on=last_contact.get(o.id),
                resources=running[o.id],
                needs_matched=matched[o.id],
            )
            for o in orgs
        )
        active: dict[str, int] = defaultdict(int)
        monthly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for org in organizations:
            for area in org.area_codes:
                active[area] += int(org.active)
                for month in ties[org.id]:
                    monthly[area][month] += 1
        areas = tuple(
            AreaNetwork(
                area_code=area,
                active_organizations=active[area],
                new_ties=tuple(sorted(monthly[area].items())),
            )
            for area in sorted(set(active) | set(monthly))
        )
        return NetworkOverview(organizations=organizations, areas=areas, since=since)
