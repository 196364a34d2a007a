"""The fictional demo municipality つなぐ市（架空・デモ）, loaded on first start.

Everything in it is invented: the town, its areas and centers, organizations,
resources and people (phone numbers are in the unallocated 000 range). Its data
is ``municipality.toml`` (read by :mod:`.data`); this package plans a year of
history from it and loads it only through the use cases of
:class:`~application.services.Services`, as the person who would have done each
thing (care managers raise needs, the coordinator matches them), so the log
holds the same events real work would.

Histories span the twelve months before ``today``. The loader first *plans*
every need's history (:mod:`.scripts`, :mod:`.plan`: day offsets, then moments
in office hours, Japan time), then chooses resources by replaying every
confirmation and release in time order so that no confirmation meets a full
resource. Around the needs it plans the coordinator's other two functions and a
complex case (:mod:`.stories`): development initiatives (資源開発) where gaps
accumulate — one launches its resource and the process manager releases the
needs waiting on it, one is still under way, one is abandoned —, councils (協議体)
at tier 1 and 2 with members joining and meetings discussing the gaps, contacts
with organizations, and one client with several needs at once (複合課題) matched
by a multi-need plan. Finally it runs every command in one chronological
sequence, each inside :func:`~domain.base.recorded_at` (:mod:`.loader`): the
log's global order agrees with the event timestamps.

Same seed, same data (aggregate ids are random uuid4 and differ). Imported only
when the demo is asked for (``tsunagu demo``, or ``tsunagu serve`` with the demo
on): nothing here is on the code path of a server without it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

from application.errors import AlreadyExistsError
from application.services import Services
from domain.base import recorded_at
from domain.calendar import JST
from domain.reference import Area
from interfaces.demo.common import (
    DEMO_MUNICIPALITY,
    DEMO_PASSWORD,
    HISTORY_DAYS,
    MARKER_AREA,
    DemoAccount,
    ProgressCallback,
    moment,
)
from interfaces.demo.data import municipality
from interfaces.demo.loader import Loader
from interfaces.demo.plan import assign_resources, make_clients, make_needs, place, suspension
from interfaces.demo.scripts import check_scenarios
from interfaces.demo.stories import (
    choose_availability,
    plan_complex_case,
    plan_development,
    plan_network,
)
from interfaces.demo.tables import DemoDataError

__all__ = [
    "DEMO_MUNICIPALITY",
    "DEMO_PASSWORD",
    "JST",
    "MARKER_AREA",
    "DemoAccount",
    "DemoDataError",
    "ProgressCallback",
    "demo_accounts",
    "demo_loaded",
    "load_demo",
]


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts: one per role, plus a care manager at the second center."""
    return [
        DemoAccount(a.username, DEMO_PASSWORD, a.role, a.center) for a in municipality().accounts
    ]


def demo_loaded(app: Services) -> bool:
    """Whether the demo municipality is in this event store (one aggregate read)."""
    return app.aggregates.exists(Area, Area.id_for(MARKER_AREA))


def load_demo(
    app: Services,
    progress: ProgressCallback | None = None,
    *,
    today: date | None = None,
    seed: int = 2026,
) -> list[DemoAccount]:
    """Load the fictional municipality with a year of history before ``today``.

    ``progress(done, total)`` is called after every command. Returns the demo
    accounts (all with :data:`DEMO_PASSWORD`). Refuses to load twice; raises
    :class:`DemoDataError` before any command if the data file is malformed.
    """
    town = municipality()
    check_scenarios(town)
    if demo_loaded(app):
        raise AlreadyExistsError("demo municipality", DEMO_MUNICIPALITY)
    today = today or datetime.now(JST).date()
    rng = random.Random(seed)
    clients = make_clients(rng, town)
    needs = make_needs(rng, town, clients)
    for need in needs:
        place(rng, town, need, today)
    assign_resources(rng, town, needs, today)
    stories = plan_development(rng, town, clients, needs, today)
    choose_availability(rng, town, clients[: town.people.client_count], needs)
    stories += plan_complex_case(rng, town, clients, needs, today)
    stories += plan_network(rng, town, needs, today)

    timeline: list[tuple[datetime, int, Callable[[], None]]] = []
    loader = Loader(app, town, progress, 0)

    def plan(at: datetime, action: Callable[[], None]) -> None:
        timeline.append((at, len(timeline), action))

    for client in clients:
        if client.registered_at is not None:  # every client has a need (see make_needs)
            plan(client.registered_at, partial(loader.register, client))
    for need in needs:
        for step in need.steps:
            plan(step.at, partial(loader.step, need, step))
    for spec in town.resources:
        if (suspended := suspension(spec, today)) is not None:
            plan(suspended, partial(loader.suspend, spec.key))
    for at, story in stories:
        plan(at, partial(story, loader))
    timeline.sort(key=lambda entry: (entry[0], entry[1]))

    start = today - timedelta(days=HISTORY_DAYS + 10)
    loader.total = (
        len(town.areas)
        + len(town.centers)
        + len(town.accounts)
        + len(town.founding_organizations)
        + len(town.resources)
        + len(timeline)
    )
    if progress is not None:
        progress(0, loader.total)
    loader.setup(moment(start, 0))
    loader.network(moment(start + timedelta(days=1), 30))
    for at, _, action in timeline:
        with recorded_at(at):
            action()
        loader.tick()
    return demo_accounts()
