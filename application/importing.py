"""Importing the resource directory from a municipality's list.

A driving adapter (``interfaces.importing``) reads the file and turns each row
into a :class:`ResourceDraft` in our vocabulary, noting what it could not
read. This module decides what each row means for the directory — a new
resource, a change to one imported before, nothing, or a row that cannot be
imported and why — and, when asked to, writes it. The drafts, the results and
the row problems (with their stable codes) are in ``application.import_rows``.

Rows are identified by a source key (the 事業所番号, or the normalised name and
address), from which the resource id is derived: importing the same file twice
changes nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.errors import VersionConflictError
from application.import_rows import (
    AREAS_AMBIGUOUS,
    AREAS_INFERRED,
    AREAS_MISSING,
    AREAS_UNKNOWN,
    CATEGORIES_MISSING,
    DRAFT_FIELDS,
    DUPLICATE_KEY,
    NAME_MISSING,
    NO_KEY,
    ORGANIZATION_UNKNOWN,
    OUTCOMES,
    SERVICE_TYPE_MISSING,
    Finding,
    ImportReport,
    Outcome,
    ResourceDraft,
    RowProblem,
    RowResult,
    Severity,
    refusal,
)
from application.organizations import OrganizationDirectory
from application.reference import ReferenceDirectory
from application.security import Actor
from application.store import Aggregates
from domain.errors import DomainError
from domain.reference import CODE_PATTERN, Area
from domain.resource import Resource
from domain.values import Contact, OrganizationId, ResourceId, ServiceType, derived_id

# The row types moved to ``application.import_rows``; callers still find them here.
__all__ = [
    "DRAFT_FIELDS",
    "OUTCOMES",
    "ImportCases",
    "ImportReport",
    "Outcome",
    "ResourceDraft",
    "RowProblem",
    "RowResult",
    "Severity",
    "name_key",
    "source_resource_id",
]

SOURCE_KIND = "resource-source"
"""Namespace of the resource ids derived from source keys."""

SAVE_BATCH = 100
"""Resources saved per transaction when rows may be imported one by one."""


EXPORTED_PREFIX = "tsunagu:"
"""Source key of an exported resource that was typed in, not imported: its own id."""


def source_resource_id(source_key: str) -> ResourceId:
    """The resource a row with ``source_key`` always maps to."""
    if source_key.startswith(EXPORTED_PREFIX):
        try:
            return ResourceId(UUID(source_key.removeprefix(EXPORTED_PREFIX)))
        except ValueError:
            pass
    return ResourceId(derived_id(SOURCE_KIND, source_key))


def name_key(text: str) -> str:
    """A name as compared for lookups: NFKC, no spaces, case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass
class _Plan:
    draft: ResourceDraft
    problems: list[RowProblem]
    resource: Resource | None = None
    outcome: Outcome = "invalid"
    changed: tuple[str, ...] = ()
    redo: Callable[[], Resource] | None = None
    """The same change made again on the resource as stored now (after a failed batch
    save, whose events are spent); refused when someone else changed it meanwhile."""


class ImportCases:
    """Check a resource list row by row and write what is valid (idempotently)."""

    def __init__(
        self,
        aggregates: Aggregates,
        areas: ReferenceDirectory,
        organizations: OrganizationDirectory,
    ) -> None:
        self._aggregates = aggregates
        self._areas = areas
        self._organizations = organizations

    def import_resources(
        self,
        drafts: Sequence[ResourceDraft],
        actor: Actor,
        *,
        apply: bool = False,
        all_or_nothing: bool = False,
        reason: str = "imported from a resource list",
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Check every row and, with ``apply``, write the valid ones.

        A dry run (the default) writes nothing. With ``all_or_nothing`` a
        single invalid row aborts the whole import; otherwise valid rows are
        written and invalid ones reported. ``reason`` is recorded on capacity
        changes.
        """
        actor.require("resource.create")
        areas = _AreaLookup(self._aggregates, self._areas)
        organizations = {name_key(o.name): o.id for o in self._organizations.organizations()}
        seen: dict[str, int] = {}
        plans: list[_Plan] = []
        total = len(drafts)
        for done, draft in enumerate(drafts, start=1):
            plans.append(self._plan_row(draft, actor, areas, organizations, seen, reason))
            if progress is not None:
                progress(done, total)
        invalid = any(p.outcome == "invalid" for p in plans)
        if not apply or (all_or_nothing and invalid):
            return _report(plans, dry_run=not apply, aborted=apply and invalid, position=None)
        position = self._save_plans(plans, atomic=all_or_nothing)
        return _report(plans, dry_run=False, aborted=False, position=position)

    # -- one row -------------------------------------------------------------------

    def _plan_row(
        self,
        draft: ResourceDraft,
        actor: Actor,
        areas: _AreaLookup,
        organizations: dict[str, UUID],
        seen: dict[str, int],
        reason: str,
    ) -> _Plan:
        plan = _Plan(draft, list(draft.problems))

        def error(field_name: str, finding: Finding) -> None:
            plan.problems.append(finding.at(draft.row, field_name))

        def reported(field_name: str) -> bool:
            return any(p.field == field_name and p.severity == "error" for p in plan.problems)

        key = draft.source_key
        if not key:
            error("source_key", NO_KEY.found())
        elif key in seen:
            error("source_key", DUPLICATE_KEY.found(key=key, other_row=seen[key]))
        else:
            seen[key] = draft.row
        if not draft.name and not reported("name"):
            error("name", NAME_MISSING.found())
        if draft.service_type is None and not reported("service_type"):
            error("service_type", SERVICE_TYPE_MISSING.found())
        if not draft.categories and draft.service_type is not None and not reported("categories"):
            error("categories", CATEGORIES_MISSING.found())
        area_codes = [
            code
            for code in (areas.resolve(a, draft.row, plan.problems) for a in draft.areas)
            if code
        ]
        if not draft.areas and not reported("areas"):
            town = areas.infer(draft.address)
            if town is None:
                error("areas", AREAS_MISSING.found())
            else:
                area_codes = [town[1]]
                inferred = AREAS_INFERRED.found(town=town[0], area=town[1])
                plan.problems.append(inferred.at(draft.row, "areas", "warning"))
        organization_id = None
        if draft.organization:
            found = organizations.get(name_key(draft.organization))
            if found is None:
                unknown = ORGANIZATION_UNKNOWN.found(organization=draft.organization)
                plan.problems.append(unknown.at(draft.row, "organization", "warning"))
            else:
                organization_id = OrganizationId(found)
        if any(p.severity == "error" for p in plan.problems) or key is None:
            return plan
        resource_id = source_resource_id(key)
        existing = self._aggregates.find(Resource, resource_id)
        base = existing.version if existing is not None else None

        def change(resource: Resource | None) -> tuple[Resource, tuple[str, ...]]:
            if resource is None:
                return _register(draft, resource_id, area_codes, organization_id, actor), ()
            return resource, _update(resource, draft, area_codes, organization_id, actor, reason)

        def redo() -> Resource:
            fresh = self._aggregates.find(Resource, resource_id)
            if (fresh.version if fresh is not None else None) != base:
                raise VersionConflictError("resource", base, fresh.version if fresh else None)
            return change(fresh)[0]

        try:
            plan.resource, plan.changed = change(existing)
            plan.redo = redo
            if existing is None:
                plan.outcome = "new"
            else:
                plan.outcome = "updated" if plan.changed else "unchanged"
        except DomainError as refused:
            # The domain's own code and params: a screen words the rule, not our guess of it.
            error(getattr(refused, "field", "row"), refusal(refused))
            plan.resource = None
            plan.outcome = "invalid"
        return plan

    # -- writing ---------------------------------------------------------------------

    def _save_plans(self, plans: list[_Plan], *, atomic: bool) -> int | None:
        pending = [p for p in plans if p.outcome in ("new", "updated") and p.resource is not None]
        if not pending:
            return None
        batches = (
            [pending]
            if atomic
            else [pending[i : i + SAVE_BATCH] for i in range(0, len(pending), SAVE_BATCH)]
        )
        position: int | None = None
        with self._aggregates.views_deferred():
            for batch in batches:
                resources: list[Aggregate] = [p.resource for p in batch if p.resource]
                try:
                    position = self._aggregates.save(*resources, kind="resource")
                except VersionConflictError:
                    if atomic:
                        raise
                    position = self._save_one_by_one(batch) or position
        return position

    def _save_one_by_one(self, batch: list[_Plan]) -> int | None:
        """After a conflict in a batch: save each row alone, reporting the ones that lost."""
        position = None
        for plan in batch:
            assert plan.redo is not None  # noqa: S101 - only planned rows get here
            try:
                plan.resource = plan.redo()
                position = self._aggregates.save(plan.resource, kind="resource")
            except VersionConflictError as conflict:
                plan.outcome = "invalid"
                plan.changed = ()
                plan.problems.append(refusal(conflict).at(plan.draft.row, "row"))
        return position


# What may come before a town in an address (the municipality's suffix, 大字・字) and
# after it (the block number, 丁目, a space): 「本町」 is not found in 「本町田」 nor in
# 「元本町」. Addresses are NFKC with no spaces, so numbers are ASCII digits.
_BEFORE_TOWN = frozenset("都道府県郡市区町村字")
_AFTER_TOWN = re.compile(r"$|[0-9一二三四五六七八九十〇-]|丁目|番|字|大字")


class _AreaLookup:
    """Area codes by code and by name, from the directory (and the log, when it lags);
    and by the towns (町・字) the areas list, to infer a row's area from its address."""

    def __init__(self, aggregates: Aggregates, directory: ReferenceDirectory) -> None:
        self._aggregates = aggregates
        listed = directory.areas()
        self._codes = {a.code for a in listed}
        self._by_name: dict[str, list[str]] = {}
        for area in listed:
            self._by_name.setdefault(name_key(area.name), []).append(area.code)
        # Read from the log: towns are few, and a view need not hold them.
        self._towns: dict[str, set[str]] = {}
        for area in listed:
            stored = aggregates.find(Area, area.id)
            for town in stored.towns if stored is not None else ():
                self._towns.setdefault(name_key(town), set()).add(area.code)
        self._longest_first = sorted(self._towns, key=len, reverse=True)

    def infer(self, address: str | None) -> tuple[str, str] | None:
        """(town, area code) of the longest listed town the address names, when exactly
        one area lists it; None when no town fits or several areas share it."""
        if not address or not self._towns:
            return None
        text = name_key(address)
        for town in self._longest_first:
            start = text.find(town)
            while start >= 0:
                end = start + len(town)
                if (start == 0 or text[start - 1] in _BEFORE_TOWN) and _AFTER_TOWN.match(text, end):
                    codes = self._towns[town]
                    return (town, next(iter(codes))) if len(codes) == 1 else None
                start = text.find(town, start + 1)
        return None

    def resolve(self, written: str, row: int, problems: list[RowProblem]) -> str | None:
        if written in self._codes:
            return written
        codes = self._by_name.get(name_key(written), [])
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1:
            problems.append(AREAS_AMBIGUOUS.found(area=written).at(row, "areas"))
            return None
        if CODE_PATTERN.fullmatch(written) and self._aggregates.exists(Area, Area.id_for(written)):
            self._codes.add(written)
            return written
        problems.append(AREAS_UNKNOWN.found(area=written).at(row, "areas"))
        return None


def _contact(draft: ResourceDraft, existing: Contact | None) -> Contact | None:
    base = existing or Contact()
    provided = draft.provided
    contact = Contact(
        person=base.person,
        phone=draft.phone if "phone" in provided else base.phone,
        email=draft.email if "email" in provided else base.email,
        address=draft.address if "address" in provided else base.address,
    )
    return None if contact == Contact() else contact


def _register(
    draft: ResourceDraft,
    resource_id: ResourceId,
    area_codes: list[str],
    organization_id: OrganizationId | None,
    actor: Actor,
) -> Resource:
    return Resource.register(
        resource_id,
        draft.name or "",
        draft.service_type or ServiceType.INFORMAL,  # both checked by the caller
        list(draft.categories),
        area_codes,
        actor.user_id,
        organization_id=organization_id,
        weekdays=list(draft.weekdays),
        capacity=draft.capacity,
        eligible_care_levels=list(draft.eligible_care_levels),
        fee=draft.fee,
        contact=_contact(draft, None),
        latitude=draft.latitude,
        longitude=draft.longitude,
        source_key=draft.source_key,
        service_name=draft.service_name,
    )


def _update(
    resource: Resource,
    draft: ResourceDraft,
    area_codes: list[str],
    organization_id: OrganizationId | None,
    actor: Actor,
    reason: str,
) -> tuple[str, ...]:
    """Apply what the row says to ``resource`` (in memory); returns the fields that changed."""
    provided = draft.provided
    wanted: dict[str, object] = {}
    simple: dict[str, object] = {
        "name": draft.name,
        "service_type": draft.service_type,
        "categories": list(dict.fromkeys(draft.categories)),
        "area_codes": list(dict.fromkeys(area_codes)),
        "weekdays": list(dict.fromkeys(draft.weekdays)),
        "eligible_care_levels": list(dict.fromkeys(draft.eligible_care_levels)),
        "fee": draft.fee,
        "latitude": draft.latitude,
        "longitude": draft.longitude,
    }
    sources = {"area_codes": "areas"}
    for name, value in simple.items():
        if sources.get(name, name) in provided:
            wanted[name] = value
    if organization_id is not None:
        wanted["organization_id"] = organization_id
    if draft.service_name is not None:
        # Only a list that words the service itself says it; our own export, which
        # writes the service type, leaves the wording kept from the first list alone.
        wanted["service_name"] = draft.service_name
    if provided & {"phone", "email", "address"}:
        wanted["contact"] = _contact(draft, resource.contact)
    changes: dict[str, Any] = {k: v for k, v in wanted.items() if getattr(resource, k) != v}
    changed = sorted(changes)
    if changes:
        resource.update(actor.user_id, reason=reason, **changes)
    if "capacity" in provided and resource.capacity != draft.capacity:
        resource.change_capacity(draft.capacity, reason, actor.user_id)
        changed.append("capacity")
    return tuple(changed)


def _report(
    plans: list[_Plan], *, dry_run: bool, aborted: bool, position: int | None
) -> ImportReport:
    rows = tuple(
        RowResult(
            row=p.draft.row,
            source_key=p.draft.source_key,
            name=p.draft.name,
            outcome=p.outcome,
            resource_id=p.resource.id if p.resource is not None else None,
            changed=p.changed,
            problems=tuple(p.problems),
        )
        for p in plans
    )
    counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    for row in rows:
        counts[row.outcome] += 1
    applied = not dry_run and not aborted and (counts["new"] + counts["updated"]) > 0
    return ImportReport(
        rows=rows,
        dry_run=dry_run,
        applied=applied,
        aborted=aborted,
        position=position,
        counts=counts,
    )
