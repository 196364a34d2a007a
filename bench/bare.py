"""The library's floor: a bare eventsourcing application with a trivial aggregate.

It mirrors the need lifecycle save for save: six ``save()`` calls per need,
two of which (confirm and close) save the "need" and its "resource" together,
so eight events per need, with resources shared by the same groups of needs.
What it leaves out is everything tsunagu adds: permission checks, loading the
client, user and resource being referred to, validation, DTOs and the views.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.workload import Laps, Lifecycle, Plan, Tick


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


def saves_only(app: BareApp, plan: Plan, resources: list[Counter]) -> Lifecycle:
    """Aggregates stay in memory; only the saves reach the database."""

    def run_one(index: int, laps: Laps) -> None:
        resource = resources[plan.group_of(index)]
        laps.start()
        need = Counter()
        app.save(need)  # raise
        laps.lap(0)
        need.advance()
        app.save(need)  # assign
        laps.lap(1)
        need.advance()
        app.save(need)  # propose
        laps.lap(2)
        need.advance()
        resource.advance()
        app.save(need, resource)  # confirm: need and resource together
        laps.lap(3)
        need.advance()
        app.save(need)  # follow up
        laps.lap(4)
        need.advance()
        resource.advance()
        app.save(need, resource)  # close: need and resource together
        laps.lap(5)

    return run_one


def load_and_save(app: BareApp, plan: Plan, resources: list[Counter]) -> Lifecycle:
    """Every command first loads what it saves, as a service would."""
    resource_ids = [r.id for r in resources]

    def get(aggregate_id: UUID) -> Counter:
        aggregate: Counter = app.repository.get(aggregate_id)
        return aggregate

    def run_one(index: int, laps: Laps) -> None:
        resource_id = resource_ids[plan.group_of(index)]
        laps.start()
        need = Counter()
        app.save(need)  # raise
        laps.lap(0)
        need_id = need.id
        for step, with_resource in enumerate((False, False, True, False, True), start=1):
            need = get(need_id)
            need.advance()
            if with_resource:  # confirm and close
                resource = get(resource_id)
                resource.advance()
                app.save(need, resource)
            else:
                app.save(need)
            laps.lap(step)

    return run_one
