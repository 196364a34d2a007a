"""Directory views: areas, centers, users, organizations and resources."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.accounts import UserDTO
from application.organizations import OrganizationDTO
from application.reference import AreaDTO, CenterDTO
from application.resources import ResourceDTO, ResourceFilter
from domain.organization import Organization
from domain.reference import Area, SupportCenter
from domain.resource import Resource
from domain.user import User
from domain.values import (
    CareLevel,
    Contact,
    NeedCategory,
    OrganizationKind,
    ResourceStatus,
    Role,
    ServiceType,
    Weekday,
)
from infrastructure.views.schema import (
    dir_areas,
    dir_centers,
    dir_organizations,
    dir_users,
    resource_areas,
    resource_categories,
    resource_directory,
    resource_enrolments,
    resource_locations,
)
from infrastructure.views.view import Handler, View


def _values(items: Sequence[Any]) -> list[Any]:
    return [getattr(item, "value", item) for item in items]


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    return asdict(contact) if contact is not None else None


class DirectoryView(View):
    """``directory``: reference data, users and organizations."""

    name = "directory"
    reads_sealed = False  # none of its handlers reads a sealed field
    tables: ClassVar = (dir_areas, dir_centers, dir_users, dir_organizations)

    def handlers(self) -> dict[type, Handler]:
        return {
            Area.Registered: self._area,
            Area.Renamed: self._area_renamed,
            SupportCenter.Registered: self._center,
            SupportCenter.AreasChanged: self._center_areas,
            SupportCenter.Renamed: self._center_renamed,
            User.Created: self._user,
            User.RoleGranted: self._user_roles,
            User.RoleRevoked: self._user_roles,
            User.PasswordChanged: self._user_version,
            User.PasswordReset: self._user_version,
            User.LanguageChosen: self._user_version,
            User.Deactivated: self._user_deactivated,
            Organization.Registered: self._organization,
            Organization.Updated: self._organization_updated,
            Organization.ContactLogged: self._organization_version,
            Organization.JoinedCouncil: self._organization_version,
        }

    def _area(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_areas.insert().values(
                code=e.code, id=e.originator_id, version=e.originator_version, name=e.name
            )
        )

    def _area_renamed(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_areas.update()
            .where(self.t.dir_areas.c.id == e.originator_id)
            .values(name=e.name, version=e.originator_version)
        )

    def _center(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_centers.insert().values(
                code=e.code,
                id=e.originator_id,
                version=e.originator_version,
                name=e.name,
                area_codes=list(e.area_codes),
            )
        )

    def _center_areas(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_centers.update()
            .where(self.t.dir_centers.c.id == e.originator_id)
            .values(area_codes=list(e.area_codes), version=e.originator_version)
        )

    def _center_renamed(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_centers.update()
            .where(self.t.dir_centers.c.id == e.originator_id)
            .values(name=e.name, version=e.originator_version)
        )

    def _user(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_users.insert().values(
                id=e.originator_id,
                username=e.username,
                version=e.originator_version,
                display_name=e.display_name,
                roles=[],
                center_code=e.center_code,
                active=True,
            )
        )

    def _user_roles(self, conn: Connection, e: Any, position: int) -> None:
        stored: list[str] = conn.execute(
            sa.select(self.t.dir_users.c.roles).where(self.t.dir_users.c.id == e.originator_id)
        ).scalar_one()
        roles = [r for r in stored if r != e.role.value]
        if isinstance(e, User.RoleGranted):
            roles.append(e.role.value)
        conn.execute(
            self.t.dir_users.update()
            .where(self.t.dir_users.c.id == e.originator_id)
            .values(roles=roles, version=e.originator_version)
        )

    def _user_version(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_users.update()
            .where(self.t.dir_users.c.id == e.originator_id)
            .values(version=e.originator_version)
        )

    def _user_deactivated(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_users.update()
            .where(self.t.dir_users.c.id == e.originator_id)
            .values(active=False, version=e.originator_version)
        )

    def _organization(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_organizations.insert().values(
                id=e.originator_id,
                version=e.originator_version,
                name=e.name,
                kind=e.kind.value,
                area_codes=list(e.area_codes),
                contact=_contact(e.contact),
            )
        )

    def _organization_updated(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_organizations.update()
            .where(self.t.dir_organizations.c.id == e.originator_id)
            .values(
                version=e.originator_version,
                name=e.name,
                kind=e.kind.value,
                area_codes=list(e.area_codes),
                contact=_contact(e.contact),
            )
        )

    def _organization_version(self, conn: Connection, e: Any, position: int) -> None:
        conn.execute(
            self.t.dir_organizations.update()
            .where(self.t.dir_organizations.c.id == e.originator_id)
            .values(version=e.originator_version)
        )


class ResourceDirectoryView(View):
    """``resource_directory``: resources with utilisation, filterable by category and area."""

    name = "resource_directory"
    reads_sealed = False  # none of its handlers reads a sealed field
    # 2: resource_locations.service_name, the service as the imported list worded it.
    version = 2
    tables: ClassVar = (
        resource_directory,
        resource_categories,
        resource_areas,
        resource_locations,
        resource_enrolments,
    )

    def handlers(self) -> dict[type, Handler]:
        return {
            Resource.Registered: self._registered,
            Resource.Updated: self._updated,
            Resource.CapacityChanged: self._capacity,
            Resource.Enrolled: self._places,
            Resource.Released: self._places,
            Resource.Suspended: self._status,
            Resource.Reactivated: self._status,
            Resource.Closed: self._status,
        }

    def _registered(self, conn: Connection, e: Any, position: int) -> None:
        self.add_row(
            self.t.resource_directory,
            {
                "id": e.originator_id,
                "version": e.originator_version,
                "name": e.name,
                "organization_id": e.organization_id,
                "service_type": e.service_type.value,
                "categories": _values(e.categories),
                "area_codes": list(e.area_codes),
                "weekdays": _values(e.weekdays),
                "capacity": e.capacity,
                "places_taken": 0,
                "eligible_care_levels": _values(e.eligible_care_levels),
                "fee": e.fee,
                "contact": _contact(e.contact),
                "status": e.status.value,
            },
        )
        # Events stored before the import existed have none of these attributes.
        self.add_row(
            self.t.resource_locations,
            {
                "resource_id": e.originator_id,
                "source_key": getattr(e, "source_key", None),
                "latitude": getattr(e, "latitude", None),
                "longitude": getattr(e, "longitude", None),
                "service_name": getattr(e, "service_name", None),
            },
        )
        self._index(conn, e.originator_id, ([], []), (e.categories, e.area_codes))

    def _updated(self, conn: Connection, e: Any, position: int) -> None:
        values: dict[str, Any] = {"version": e.originator_version}
        location = {
            k: v for k, v in e.changes.items() if k in ("latitude", "longitude", "service_name")
        }
        if location:
            self._locate(conn, e.originator_id, location)
        for key, value in e.changes.items():
            if key in location:
                continue
            if key == "contact":
                values[key] = _contact(value)
            elif isinstance(value, list):
                values[key] = _values(value)
            else:
                values[key] = getattr(value, "value", value)
        row = self.row(conn, self.t.resource_directory, e.originator_id)
        reindex = "categories" in e.changes or "area_codes" in e.changes
        if row is None:
            if reindex:
                raise LookupError(f"resource_directory has no resource {e.originator_id}")
            return
        before = (list(row["categories"]), list(row["area_codes"]))
        row.update(values)
        if reindex:
            self._index(conn, e.originator_id, before, (row["categories"], row["area_codes"]))

    def _locate(self, conn: Connection, resource_id: UUID, values: dict[str, Any]) -> None:
        row = self.row(conn, self.t.resource_locations, resource_id)
        if row is None:  # registered before this table existed
            self.add_row(self.t.resource_locations, {"resource_id": resource_id, **values})
        else:
            row.update(values)

    def _capacity(self, conn: Connection, e: Any, position: int) -> None:
        self._update(conn, e, {"version": e.originator_version, "capacity": e.capacity})

    def _places(self, conn: Connection, e: Any, position: int) -> None:
        enrolled = self._enrolled(conn, e.originator_id)
        if isinstance(e, Resource.Enrolled):
            if e.need_id in enrolled:
                raise ValueError(f"need {e.need_id} is enrolled at {e.originator_id} already")
            self.add_row(
                self.t.resource_enrolments,
                {"resource_id": e.originator_id, "need_id": e.need_id, "client_id": e.client_id},
            )
            enrolled[e.need_id] = e.client_id
        elif enrolled.pop(e.need_id, None) is not None:
            self.delete_row(conn, self.t.resource_enrolments, e.originator_id, e.need_id)
        clients = len(set(enrolled.values()))
        self._update(conn, e, {"version": e.originator_version, "places_taken": clients})

    def _enrolled(self, conn: Connection, resource_id: UUID) -> dict[UUID, UUID]:
        """Need -> client of every place taken at the resource (kept with the rows)."""
        key = ("enrolled", resource_id)
        enrolled: dict[UUID, UUID] | None = self.memo.get(key)
        if enrolled is None and self.memo_complete:
            enrolled = self.memo[key] = {}
        elif enrolled is None:
            c = self.t.resource_enrolments.c
            enrolled = {
                r.need_id: r.client_id
                for r in conn.execute(
                    sa.select(c.need_id, c.client_id).where(c.resource_id == resource_id)
                )
            }
            self.memo[key] = enrolled
        return enrolled

    def _status(self, conn: Connection, e: Any, position: int) -> None:
        status = {
            Resource.Suspended: ResourceStatus.SUSPENDED,
            Resource.Reactivated: ResourceStatus.ACTIVE,
            Resource.Closed: ResourceStatus.CLOSED,
        }[type(e)]
        self._update(conn, e, {"version": e.originator_version, "status": status.value})

    def _update(self, conn: Connection, e: Any, values: dict[str, Any]) -> None:
        row = self.row(conn, self.t.resource_directory, e.originator_id)
        if row is not None:  # (an UPDATE of no row did nothing either)
            row.update(values)

    def _index(
        self,
        conn: Connection,
        resource_id: UUID,
        before: tuple[Sequence[Any], Sequence[str]],
        after: tuple[Sequence[Any], Sequence[str]],
    ) -> None:
        """The filter rows of the resource: ``before`` (categories, areas) become ``after``."""
        for table, column, old, new in (
            (self.t.resource_categories, "category", before[0], after[0]),
            (self.t.resource_areas, "area_code", before[1], after[1]),
        ):
            for value in _values(old):
                self.delete_row(conn, table, resource_id, value)
            for value in _values(new):
                if self.peek(conn, table, resource_id, value) is None:
                    self.add_row(table, {"resource_id": resource_id, column: value})


class _Reader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())


class SqlReferenceDirectory(_Reader):
    """application.reference.ReferenceDirectory on the directory tables."""

    def areas(self) -> list[AreaDTO]:
        return [
            AreaDTO(id=r.id, version=r.version, position=None, code=r.code, name=r.name)
            for r in self._rows(sa.select(dir_areas).order_by(dir_areas.c.code))
        ]

    def centers(self) -> list[CenterDTO]:
        return [
            CenterDTO(
                id=r.id,
                version=r.version,
                position=None,
                code=r.code,
                name=r.name,
                area_codes=tuple(r.area_codes),
            )
            for r in self._rows(sa.select(dir_centers).order_by(dir_centers.c.code))
        ]


class SqlUserDirectory(_Reader):
    """application.accounts.UserDirectory on the directory tables."""

    def users(self) -> list[UserDTO]:
        return [
            UserDTO(
                id=r.id,
                version=r.version,
                position=None,
                username=r.username,
                display_name=r.display_name,
                roles=tuple(Role(x) for x in r.roles),
                center_code=r.center_code,
                active=r.active,
            )
            for r in self._rows(sa.select(dir_users).order_by(dir_users.c.username))
        ]

    def usernames(self, user_ids: Sequence[UUID]) -> dict[UUID, str]:
        if not user_ids:
            return {}
        query = sa.select(dir_users.c.id, dir_users.c.username).where(
            dir_users.c.id.in_(list(user_ids))
        )
        return {r.id: r.username for r in self._rows(query)}


class SqlOrganizationDirectory(_Reader):
    """application.organizations.OrganizationDirectory on the directory tables."""

    def organizations(self) -> list[OrganizationDTO]:
        return [
            OrganizationDTO(
                id=r.id,
                version=r.version,
                position=None,
                name=r.name,
                kind=OrganizationKind(r.kind),
                area_codes=tuple(r.area_codes),
                contact=Contact(**r.contact) if r.contact else None,
            )
            for r in self._rows(
                sa.select(dir_organizations).order_by(
                    dir_organizations.c.name, dir_organizations.c.id
                )
            )
        ]

    def names(self, organization_ids: Collection[UUID]) -> dict[UUID, str]:
        if not organization_ids:
            return {}
        c = dir_organizations.c
        query = sa.select(c.id, c.name).where(c.id.in_(sorted(organization_ids)))
        return {r.id: r.name for r in self._rows(query)}


class SqlResourceDirectory(_Reader):
    """application.resources.ResourceDirectory on the resource directory tables."""

    def names(self, resource_ids: Iterable[UUID]) -> dict[UUID, str]:
        ids = sorted(set(resource_ids))
        if not ids:
            return {}
        c = resource_directory.c
        return {r.id: r.name for r in self._rows(sa.select(c.id, c.name).where(c.id.in_(ids)))}

    def resources(self, filters: ResourceFilter) -> list[ResourceDTO]:
        return [_resource_dto(r) for r in self._rows(self._listed(filters))]

    def page(
        self, filters: ResourceFilter, limit: int, offset: int
    ) -> tuple[list[ResourceDTO], int]:
        counted = _resource_filters(
            sa.select(sa.func.count()).select_from(resource_directory), filters
        )
        with self.engine.connect() as conn:
            total = int(conn.execute(counted).scalar_one())
            rows = conn.execute(self._listed(filters).limit(limit).offset(offset)).all()
        return [_resource_dto(r) for r in rows], total

    @staticmethod
    def _listed(filters: ResourceFilter) -> Any:
        c = resource_directory.c
        loc = resource_locations.c
        query = (
            sa.select(
                resource_directory, loc.source_key, loc.latitude, loc.longitude, loc.service_name
            )
            .select_from(resource_directory.outerjoin(resource_locations, loc.resource_id == c.id))
            .order_by(c.name, c.id)
        )
        return _resource_filters(query, filters)


def _resource_filters(query: Any, filters: ResourceFilter) -> Any:
    """``query`` over resource_directory narrowed to ``filters``."""
    c = resource_directory.c
    if filters.status is not None:
        query = query.where(c.status == filters.status.value)
    if filters.service_type is not None:
        query = query.where(c.service_type == filters.service_type.value)
    if filters.organization_id is not None:
        query = query.where(c.organization_id == filters.organization_id)
    if filters.has_capacity:
        query = query.where(sa.or_(c.capacity.is_(None), c.places_taken < c.capacity))
    if filters.category is not None:
        query = query.where(
            c.id.in_(
                sa.select(resource_categories.c.resource_id).where(
                    resource_categories.c.category == filters.category.value
                )
            )
        )
    if filters.area_code is not None:
        query = query.where(
            c.id.in_(
                sa.select(resource_areas.c.resource_id).where(
                    resource_areas.c.area_code == filters.area_code
                )
            )
        )
    return query


def _resource_dto(r: Any) -> ResourceDTO:
    return ResourceDTO(
        id=r.id,
        version=r.version,
        position=None,
        name=r.name,
        organization_id=r.organization_id,
        service_type=ServiceType(r.service_type),
        categories=tuple(NeedCategory(x) for x in r.categories),
        area_codes=tuple(r.area_codes),
        weekdays=tuple(Weekday(x) for x in r.weekdays),
        capacity=r.capacity,
        places_taken=r.places_taken,
        eligible_care_levels=tuple(CareLevel(x) for x in r.eligible_care_levels),
        fee=r.fee,
        contact=Contact(**r.contact) if r.contact else None,
        status=ResourceStatus(r.status),
        latitude=r.latitude,
        longitude=r.longitude,
        source_key=r.source_key,
        service_name=r.service_name,
    )
