"""The library's floor: a bare eventsourcing application with a trivial aggregate.

It mirrors the need lifecycle save for save: six ``save()`` calls per need,
two of which (confirm and close) save the "need" and its "resource" together,
so eight events per need, with resources shared by the same groups of needs.
What it leaves out is everything tsunagu adds: permission checks, loading the
client, user and resource being referred to, validation, DTOs and the views.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.workload import Plan, Tick


class Counter(Aggregate):
    """The trivial aggregate: each step records one small event."""

    @event("Created")
    def __init__(self) -> None:
        self.step = 0

    @event("Stepped")
    def advance(self) -> None:
        self.step += 1


class BareApp(Application[UUID]):
    """No snapshots, no transcodings beyond the library's, no listeners."""

    name = "bench_bare"


def make_resources(app: BareApp, plan: Plan, tick: Tick) -> list[Counter]:
    resources: list[Counter] = []
    for group in range(plan.groups):
        resource = Counter()
        app.save(resource)
        resources.append(resource)
        tick(group + 1)
    return resources


def saves_only(app: BareApp, plan: Plan, resources: list[Counter]) -> Callable[[int], None]:
    """``run_one(index)``: aggregates stay in memory; only the saves reach the database."""

    def run_one(index: int) -> None:
        resource = resources[plan.group_of(index)]
        need = Counter()
        app.save(need)  # raise
        need.advance()
        app.save(need)  # assign
        need.advance()
        app.save(need)  # propose
        need.advance()
        resource.advance()
        app.save(need, resource)  # confirm: need and resource together
        need.advance()
        app.save(need)  # follow up
        need.advance()
        resource.advance()
        app.save(need, resource)  # close: need and resource together

    return run_one


def load_and_save(app: BareApp, plan: Plan, resources: list[Counter]) -> Callable[[int], None]:
    """``run_one(index)``: every command first loads what it saves, as a service would."""
    resource_ids = [r.id for r in resources]
    get = app.repository.get

    def run_one(index: int) -> None:
        resource_id = resource_ids[plan.group_of(index)]
        need = Counter()
        app.save(need)  # raise
        need_id = need.id
        for with_resource in (False, False, True, False, True):
            need = get(need_id)
            need.advance()
            if with_resource:
                resource = get(resource_id)
                resource.advance()
                app.save(need, resource)
            else:
                app.save(need)

    return run_one
