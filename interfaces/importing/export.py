"""The resource directory as files: CSV (UTF-8 with BOM, for Excel), .xlsx, and
Open Referral HSDS 3.0-shaped JSON. The CSV and .xlsx use the import's own
column names, so an exported file imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID, uuid5

from application.organizations import OrganizationDTO
from application.resources import ResourceDTO
from domain.values import ResourceStatus, derived_id
from interfaces.importing.vocabulary import CATEGORY_LABELS, SERVICE_LABELS

EXPORT_COLUMNS: tuple[str, ...] = (
    "source_key",
    "name",
    "organization",
    "service_type",
    "categories",
    "areas",
    "weekdays",
    "capacity",
    "eligibility",
    "fee",
    "phone",
    "email",
    "address",
    "latitude",
    "longitude",
    "status",
    "places_taken",
    "id",
)
FORMATS = ("csv", "xlsx", "hsds")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "hsds": "application/json",
}
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "hsds": "json"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_rows(
    resources: Sequence[ResourceDTO], organizations: Mapping[UUID, OrganizationDTO]
) -> list[list[Any]]:
    """One row per resource, in ``EXPORT_COLUMNS`` order (lists joined with ", ")."""
    rows = []
    for r in resources:
        org = organizations.get(r.organization_id) if r.organization_id else None
        contact = r.contact
        rows.append(
            [
                r.source_key or f"tsunagu:{r.id}",
                r.name,
                org.name if org else None,
                r.service_type.value,
                ", ".join(c.value for c in r.categories),
                ", ".join(r.area_codes),
                ", ".join(d.value for d in r.weekdays),
                r.capacity,
                ", ".join(level.value for level in r.eligible_care_levels),
                r.fee,
                contact.phone if contact else None,
                contact.email if contact else None,
                contact.address if contact else None,
                r.latitude,
                r.longitude,
                r.status.value,
                r.places_taken,
                str(r.id),
            ]
        )
    return [[_safe(v) for v in row] for row in rows]


def to_csv(
    resources: Sequence[ResourceDTO], organizations: Mapping[UUID, OrganizationDTO]
) -> bytes:
    """CSV in UTF-8 with a BOM and CRLF line ends, which Excel opens as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(resources, organizations):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(
    resources: Sequence[ResourceDTO], organizations: Mapping[UUID, OrganizationDTO]
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("resources")
    sheet.append(list(EXPORT_COLUMNS))
    for row in export_rows(resources, organizations):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- HSDS -----------------------------------------------------------------------------------

HSDS_STATUS = {
    ResourceStatus.ACTIVE: "active",
    ResourceStatus.PLANNED: "inactive",
    ResourceStatus.SUSPENDED: "temporarily closed",
    ResourceStatus.CLOSED: "defunct",
}
_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
UNAFFILIATED = derived_id("hsds-organization", "unaffiliated")
"""The organization HSDS services get when no organization runs them in our directory."""


def _child(parent: UUID, kind: str) -> str:
    return str(uuid5(parent, kind))


def to_hsds(
    resources: Sequence[ResourceDTO],
    organizations: Mapping[UUID, OrganizationDTO],
    area_names: Mapping[str, str],
) -> dict[str, Any]:
    """The directory shaped like HSDS 3.0: organizations, services, locations and
    service_at_locations (see docs/importing.md for the field mapping)."""
    services, locations, links = [], [], []
    used_orgs: set[UUID] = set()
    for r in resources:
        org_id = r.organization_id if r.organization_id in organizations else None
        used_orgs.add(org_id or UNAFFILIATED)
        contact = r.contact
        service: dict[str, Any] = {
            "id": str(r.id),
            "organization_id": str(org_id or UNAFFILIATED),
            "name": r.name,
            "alternate_name": None,
            "description": f"{SERVICE_LABELS[r.service_type]} ({r.service_type.value})",
            "status": HSDS_STATUS[r.status],
            "fees_description": r.fee,
            "eligibility_description": ", ".join(level.value for level in r.eligible_care_levels)
            or None,
            "email": contact.email if contact else None,
            "phones": (
                [{"id": _child(r.id, "phone"), "service_id": str(r.id), "number": contact.phone}]
                if contact and contact.phone
                else []
            ),
            "schedules": (
                [
                    {
                        "id": _child(r.id, "schedule"),
                        "service_id": str(r.id),
                        "freq": "WEEKLY",
                        "wkst": "MO",
                        "byday": ",".join(_BYDAY[d.value] for d in r.weekdays),
                    }
                ]
                if r.weekdays
                else []
            ),
            "service_areas": [
                {
                    "id": _child(r.id, f"area:{code}"),
                    "service_id": str(r.id),
                    "name": area_names.get(code, code),
                    "description": code,
                }
                for code in r.area_codes
            ],
            "capacities": (
                [
                    {
                        "id": _child(r.id, "capacity"),
                        "service_id": str(r.id),
                        "unit": {"id": "places", "name": "places"},
                        "maximum": r.capacity,
                        "available": max(r.capacity - r.places_taken, 0),
                    }
                ]
                if r.capacity is not None
                else []
            ),
            "attributes": [
                _attribute(
                    r.id,
                    "tsunagu:service_type",
                    r.service_type.value,
                    SERVICE_LABELS[r.service_type],
                ),
                *(
                    _attribute(r.id, "tsunagu:need_category", c.value, CATEGORY_LABELS[c])
                    for c in r.categories
                ),
            ],
        }
        services.append(service)
        address = contact.address if contact else None
        if address or r.latitude is not None:
            location_id = _child(r.id, "location")
            locations.append(
                {
                    "id": location_id,
                    "location_type": "physical",
                    "name": r.name,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                    "addresses": (
                        [
                            {
                                "id": _child(r.id, "address"),
                                "location_id": location_id,
                                "address_1": address,
                                "city": "",
                                "state_province": "",
                                "postal_code": "",
                                "country": "JP",
                                "address_type": "physical",
                            }
                        ]
                        if address
                        else []
                    ),
                }
            )
            links.append(
                {
                    "id": _child(r.id, "service_at_location"),
                    "service_id": str(r.id),
                    "location_id": location_id,
                }
            )
    orgs = [
        {
            "id": str(org.id),
            "name": org.name,
            "description": org.kind.value,
            "email": org.contact.email if org.contact else None,
        }
        for org_id, org in sorted(organizations.items(), key=lambda item: str(item[0]))
        if org_id in used_orgs
    ]
    if UNAFFILIATED in used_orgs:
        orgs.append(
            {
                "id": str(UNAFFILIATED),
                "name": "(運営主体未登録 / organization not registered)",
                "description": "services whose organization is not in the tsunagu directory",
                "email": None,
            }
        )
    return {
        "hsds_version": "3.0",
        "profile": "tsunagu subset (see docs/importing.md)",
        "organizations": orgs,
        "services": services,
        "locations": locations,
        "service_at_locations": links,
    }


def _attribute(resource_id: UUID, taxonomy: str, code: str, label: str) -> dict[str, Any]:
    return {
        "id": _child(resource_id, f"{taxonomy}:{code}"),
        "link_id": str(resource_id),
        "link_type": "service",
        "link_entity": "service",
        "value": code,
        "taxonomy_term": {
            "id": str(derived_id("hsds-term", f"{taxonomy}:{code}")),
            "code": code,
            "name": label,
            "taxonomy": taxonomy,
            "language": "ja",
        },
    }
