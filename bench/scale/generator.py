"""A synthetic municipality, written straight through the event store in bulk.

Every event is made by the domain aggregates' own methods (``domain/*.py``),
as the use cases would make them, and many aggregates are saved per
transaction by the application's own :meth:`EventStore.save_recognising`
(sealing, snapshots and all). Reference data and accounts go through the use
cases themselves (there are few).

History is simulated in time order: each client and need is a little
programme (a generator) that performs one step, then says how long until its
next one; a heap runs the steps of everyone in timestamp order, each inside
:func:`~domain.base.recorded_at`, so the log's global order agrees with the
events' timestamps, as in the demo. Steps that would fall after ``end`` are
never taken: the needs raised lately are left open in whatever state they
reached — raised, assigned, proposed, matched, gaps, in development, paused.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.security import SYSTEM_ACTOR
from application.services import Services
from application.store import EventStore
from bench.scale.keys import BulkKeyring
from domain.base import correlated, recorded_at
from domain.client import Client
from domain.council import Council
from domain.development import DevelopmentInitiative
from domain.need import Need
from domain.organization import Organization
from domain.resource import Resource
from domain.values import (
    SYSTEM_USER_ID,
    CareLevel,
    ClientId,
    CouncilId,
    CouncilTier,
    DeclinedBy,
    InitiativeId,
    Milestone,
    NeedCategory,
    NeedId,
    NeedStatus,
    OrganizationId,
    OrganizationKind,
    Outcome,
    PersonalData,
    Progress,
    ResourceId,
    Role,
    ServiceType,
    Urgency,
    UserId,
    Weekday,
)

DAY = 86_400.0
PASSWORD = "scale-bench horse battery"  # noqa: S105 - accounts of a throw-away database
CATEGORIES = list(NeedCategory)
SERVICE_TYPES = [
    ServiceType.GATHERING_PLACE,
    ServiceType.VISIT_B,
    ServiceType.DAY_B,
    ServiceType.INFORMAL,
    ServiceType.VISIT_A,
    ServiceType.DAY_A,
    ServiceType.OTHER_SUPPORT,
]
LEVELS = [
    CareLevel.PROGRAM_ELIGIBLE,
    CareLevel.SUPPORT_1,
    CareLevel.SUPPORT_2,
    CareLevel.CARE_1,
    CareLevel.CARE_2,
]
CLOSED_OUTCOMES = [
    (Outcome.GOAL_ACHIEVED, 45),
    (Outcome.PARTIALLY_ACHIEVED, 20),
    (Outcome.NOT_ACHIEVED, 8),
    (Outcome.TRANSFERRED_TO_CARE, 8),
    (Outcome.HOSPITALISED_OR_ADMITTED, 6),
    (Outcome.MOVED_AWAY, 4),
    (Outcome.DECEASED, 4),
    (Outcome.WITHDRAWN, 5),
]
FAMILY = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本".split()  # noqa: SIM905
KANA = "サトウ スズキ タカハシ タナカ イトウ ワタナベ ヤマモト ナカムラ コバヤシ カトウ".split()  # noqa: SIM905
GIVEN = "ハナ タロウ ヨシコ カズオ ミチコ ヒロシ フミ イサム トシコ マサル".split()  # noqa: SIM905


@dataclass(frozen=True)
class Size:
    """How big the municipality is, from the number of needs."""

    needs: int
    years: int = 5

    @property
    def areas(self) -> int:
        return max(4, min(40, self.needs // 4000))

    @property
    def centers(self) -> int:
        return max(2, -(-self.areas // 2))

    @property
    def care_managers_per_center(self) -> int:
        return max(2, min(30, self.needs // (self.centers * 1500)))

    @property
    def coordinators(self) -> int:
        return max(2, min(40, self.centers))

    @property
    def clients(self) -> int:
        return max(1, self.needs * 2 // 5)

    @property
    def resources(self) -> int:
        return max(12, self.needs // 60)

    @property
    def organizations(self) -> int:
        return max(6, self.resources // 3)


@dataclass
class Tally:
    """What the generator wrote, to compare with what the views count."""

    events: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    paused: int = 0
    aggregates: Counter[str] = field(default_factory=Counter)
    ids: dict[str, list[UUID]] = field(default_factory=dict)
    """A few ids of each kind (read paths and the loading test use them)."""

    def keep(self, kind: str, aggregate_id: UUID, limit: int = 200) -> None:
        kept = self.ids.setdefault(kind, [])
        if len(kept) < limit:
            kept.append(aggregate_id)


@dataclass
class Person:
    """A client as the simulation knows it."""

    client: Client
    area: str
    center: str
    needs_left: int
    need_ids: list[UUID] = field(default_factory=list)


class Simulation:
    """Runs everyone's steps in time order and saves them in bulk transactions."""

    def __init__(
        self,
        services: Services,
        store: EventStore,
        keyring: BulkKeyring,
        size: Size,
        end: datetime,
        seed: int,
        batch_events: int,
        progress: Callable[[int, int, float], None] | None = None,
    ) -> None:
        self.services = services
        self.store = store
        self.keyring = keyring
        self.size = size
        self.end = end
        self.start = end - timedelta(days=365 * size.years)
        self.rng = random.Random(seed)
        self.batch_events = batch_events
        self.progress = progress
        self.tally = Tally()
        self.now = self.start
        self._heap: list[tuple[float, int, Iterator[float]]] = []
        self._seq = itertools.count()
        self._dirty: dict[UUID, Aggregate] = {}
        self._pending = 0
        self.needs_raised = 0
        self.write_seconds = 0.0
        self.cpu_seconds = 0.0
        # Filled by setup():
        self.areas: list[str] = []
        self.center_of_area: dict[str, str] = {}
        self.care_managers: dict[str, list[UserId]] = {}
        self.coordinators: list[tuple[str, UserId]] = []
        self.resources_by: dict[tuple[str, NeedCategory], list[Resource]] = {}
        self.resources: list[Resource] = []
        self.organizations: dict[str, list[Organization]] = {}
        self.initiative_for: dict[tuple[str, NeedCategory], DevelopmentInitiative] = {}
        self.needs_waiting: dict[UUID, list[Need]] = {}

    # -- the clock and the heap ---------------------------------------------------------

    def at(self, offset_seconds: float) -> datetime:
        return self.start + timedelta(seconds=offset_seconds)

    def spawn(self, programme: Iterator[float], delay: float = 0.0) -> None:
        """Start ``programme`` ``delay`` seconds from now (its first step runs then)."""
        when = (self.now - self.start).total_seconds() + delay
        if self.at(when) < self.end:
            heapq.heappush(self._heap, (when, next(self._seq), programme))

    def run(self) -> None:
        """Run every step due before ``end``, in time order."""
        while self._heap:
            when, _, programme = heapq.heappop(self._heap)
            self.now = self.at(when)
            with recorded_at(self.now):
                try:
                    delay = next(programme)
                except StopIteration:
                    continue
            self.spawn(programme, delay)
            if self._pending >= self.batch_events:
                self.flush()
        self.flush()

    def changed(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self._dirty[aggregate.id] = aggregate
        self._pending += len(aggregates)  # about one event each

    def flush(self) -> None:
        """Save every changed aggregate in one transaction (keys and links beside it)."""
        if not self._dirty:
            return
        started = time.perf_counter()
        aggregates = list(self._dirty.values())
        events = sum(len(a.pending_events) for a in aggregates)
        self.keyring.flush_keys()
        self.store.save_recognising(*aggregates)
        self.keyring.flush_links()
        self.write_seconds += time.perf_counter() - started
        self.tally.events += events
        self._dirty.clear()
        self._pending = 0
        if self.progress is not None:
            self.progress(self.needs_raised, self.size.needs, self.write_seconds)

    # -- reference data, accounts, the network -------------------------------------------

    def setup(self) -> None:
        """Areas, centers and accounts through the use cases; organizations and
        resources by their aggregates."""
        app, size, rng = self.services, self.size, self.rng
        with recorded_at(self.start - timedelta(days=30)):
            for i in range(size.areas):
                code = f"a{i + 1:02d}"
                app.reference.create_area(code, f"第{i + 1}地区", SYSTEM_ACTOR)
                self.areas.append(code)
            for c in range(size.centers):
                code = f"c{c + 1:02d}"
                covered = self.areas[c * 2 : c * 2 + 2] or [self.areas[-1]]
                app.reference.create_center(
                    code, f"第{c + 1}包括支援センター", covered, SYSTEM_ACTOR
                )
                for area in covered:
                    self.center_of_area.setdefault(area, code)
                self.care_managers[code] = []
                for m in range(size.care_managers_per_center):
                    name = f"cm-{code}-{m + 1}"
                    self._user(name, [Role.CARE_MANAGER], center=code)
                    self.care_managers[code].append(self._id(name))
            for k in range(size.coordinators):
                name = f"sc-{k + 1}"
                self._user(name, [Role.COORDINATOR])
                self.coordinators.append((name, self._id(name)))
            self._user("scale-supervisor", [Role.SUPERVISOR])
            self._user("scale-admin", [Role.ADMIN])
        coordinator = self.coordinators[0][1]
        with recorded_at(self.start - timedelta(days=20)):
            for i in range(size.organizations):
                area = self.areas[i % len(self.areas)]
                org = Organization.register(
                    OrganizationId(uuid4()),
                    f"{rng.choice(FAMILY)}地域の会{i + 1}",
                    rng.choice(list(OrganizationKind)),
                    [area],
                    coordinator,
                )
                self.organizations.setdefault(area, []).append(org)
                self.changed(org)
                self.tally.aggregates["Organization"] += 1
        with recorded_at(self.start - timedelta(days=10)):
            for i in range(size.resources):
                area = self.areas[i % len(self.areas)]
                self._resource(area, rng.sample(CATEGORIES, rng.randint(1, 3)), coordinator, i)
        self.flush()
        # Councils: one for the municipality, one per area; they meet every quarter.
        self.spawn(self._council(None))
        for area in self.areas:
            self.spawn(self._council(area), rng.uniform(0, 90) * DAY)
        # Clients register over the years (a little more each year), then raise needs.
        span = (self.end - self.start).total_seconds()
        needs_left = size.needs
        for i in range(size.clients):
            share = needs_left // (size.clients - i)
            count = max(1, min(share + rng.randint(-1, 2), needs_left - (size.clients - i - 1)))
            needs_left -= count
            offset = span * (rng.random() ** 0.8)
            self.spawn(self._client(count), offset)

    def _user(self, name: str, roles: list[Role], center: str | None = None) -> None:
        self.services.accounts.create_user(name, PASSWORD, roles, SYSTEM_ACTOR, center_code=center)
        self.tally.aggregates["User"] += 1

    def _id(self, username: str) -> UserId:
        return UserId(self.services.accounts.actor_for_username(username).user_id)

    def _resource(
        self, area: str, categories: list[NeedCategory], actor: UserId, i: int
    ) -> Resource:
        rng = self.rng
        capacity = None if rng.random() < 0.2 else rng.randint(8, 40)
        resource = Resource.register(
            ResourceId(uuid4()),
            f"{rng.choice(FAMILY)}サロン{i + 1}",
            rng.choice(SERVICE_TYPES),
            categories,
            [area],
            actor,
            organization_id=OrganizationId(rng.choice(self.organizations[area]).id),
            weekdays=rng.sample(list(Weekday)[:5], rng.randint(1, 3)),
            capacity=capacity,
            eligible_care_levels=[],
        )
        self.resources.append(resource)
        for category in categories:
            self.resources_by.setdefault((area, category), []).append(resource)
        self.changed(resource)
        self.tally.aggregates["Resource"] += 1
        self.tally.keep("resource", resource.id)
        return resource

    # -- councils ---------------------------------------------------------------------

    def _council(self, area: str | None) -> Iterator[float]:
        rng = self.rng
        coordinator = self.coordinators[0][1]
        tier = CouncilTier.AREA if area else CouncilTier.MUNICIPALITY
        name = f"{area}地区協議体" if area else "第1層協議体"
        council = Council.form(CouncilId(uuid4()), name, tier, area, coordinator)
        self.tally.aggregates["Council"] += 1
        members = (
            self.organizations[area]
            if area
            else [orgs[0] for orgs in self.organizations.values() if orgs]
        )
        for org in members[:12]:
            council.admit(OrganizationId(org.id), self.now.date(), coordinator)
            org.join_council(council.id, coordinator)
            self.changed(org)
        self.changed(council)
        while True:
            yield rng.uniform(80, 100) * DAY
            attendees = [m for m in council.member_ids if rng.random() < 0.7] or council.member_ids
            council.record_meeting(
                self.now.date(),
                attendees,
                ["地域の困りごと", "資源の不足"],
                coordinator,
                gaps=[(area or self.areas[0], rng.choice(CATEGORIES))],
                note="次回は担い手の育成を話し合う",
            )
            self.changed(council)

    # -- clients and needs ---------------------------------------------------------------

    def _client(self, needs: int) -> Iterator[float]:
        rng = self.rng
        area = rng.choice(self.areas)
        center = self.center_of_area[area]
        cm = rng.choice(self.care_managers[center])
        client_id = ClientId(uuid4())
        self.keyring.make_key(client_id)
        family = rng.randrange(len(KANA))
        client = Client.register(
            client_id,
            PersonalData(
                f"{FAMILY[family]} {rng.choice(['花子', '太郎', '良子', '和夫', '道子', '博'])}",
                f"{KANA[family]} {rng.choice(GIVEN)}",
                date(rng.randint(1928, 1952), rng.randint(1, 12), rng.randint(1, 28)),
                f"{area}町{rng.randint(1, 9)}-{rng.randint(1, 30)}",
                f"000-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            ),
            rng.choice(LEVELS),
            rng.random() < 0.6,
            area,
            center,
            cm,
            rng.sample(list(Weekday)[:5], 3) if rng.random() < 0.5 else None,
        )
        self.changed(client)
        self.tally.aggregates["Client"] += 1
        self.tally.keep("client", client.id)
        person = Person(client, area, center, needs)
        for n in range(needs):
            # Every need is raised before the end: the gaps shrink near it.
            room = (self.end - self.now).total_seconds() / (needs - n + 1)
            wanted = rng.uniform(0, 3) * DAY if n == 0 else rng.uniform(20, 400) * DAY
            yield min(wanted, room * rng.uniform(0.2, 1.0))
            self.spawn(self._need(person, cm))
            if rng.random() < 0.15:
                levels = list(CareLevel)
                now_level = person.client.care_level
                new = levels[min(len(levels) - 1, levels.index(now_level) + 1)]
                client.change_care_level(new, self.now.date(), "再認定の結果", cm)
                self.changed(client)

    def _coordinator(self) -> tuple[str, UserId]:
        return self.rng.choice(self.coordinators)

    def _need(self, person: Person, cm: UserId) -> Iterator[float]:
        rng = self.rng
        category = rng.choice(CATEGORIES)
        need = Need.raise_need(
            NeedId(uuid4()),
            ClientId(person.client.id),
            person.center,
            person.area,
            category,
            f"{category.value} のことで困っている。家族は遠方に住む",
            "地域の中で自分らしい暮らしを続ける",
            rng.choices([Urgency.LOW, Urgency.NORMAL, Urgency.HIGH], [2, 6, 2])[0],
            cm,
            care_plan_ref=f"CP-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        )
        self.needs_raised += 1
        person.need_ids.append(need.id)
        self.tally.aggregates["Need"] += 1
        self.tally.keep("need", need.id)
        self._track(need, None)
        try:
            yield rng.uniform(0.2, 10) * DAY
            if rng.random() < 0.03:  # withdrawn before anyone took it
                yield from self._close(need, cm, Outcome.WITHDRAWN)
                return
            _, sc = self._coordinator()
            self._step(need, lambda: need.assign(sc, sc))
            tries = 0
            while True:
                yield rng.uniform(2, 30) * DAY
                if rng.random() < 0.08 and not need.paused:
                    self._step(need, lambda: need.pause("入院のため一時中断", cm))
                    yield rng.uniform(10, 120) * DAY
                    self._step(need, lambda: need.resume("退院した", cm))
                    yield rng.uniform(1, 10) * DAY
                resource = self._choose(person.area, category)
                if resource is None or tries >= 2 or rng.random() < 0.08:
                    yield from self._gap(need, person, sc, cm)
                    return
                tries += 1
                self._step(
                    need,
                    lambda r=resource: need.propose(ResourceId(r.id), "近くで通いやすい", sc),
                )
                yield rng.uniform(2, 14) * DAY
                chosen: Resource = resource
                if rng.random() < 0.12 or (
                    chosen.is_full and need.client_id not in chosen.enrolled.values()
                ):
                    by = DeclinedBy.PROVIDER if chosen.is_full else DeclinedBy.CLIENT
                    self._step(need, lambda b=by: need.decline(b, "今回は見送る", sc))
                    continue
                break
            yield from self._matched(need, resource, sc, cm)
        finally:
            self._done(person, need)

    def _choose(self, area: str, category: NeedCategory) -> Resource | None:
        options = self.resources_by.get((area, category))
        if not options:
            return None
        for _ in range(3):
            resource = self.rng.choice(options)
            if not resource.is_full:
                return resource
        return None

    def _matched(self, need: Need, resource: Resource, sc: UserId, cm: UserId) -> Iterator[float]:
        rng = self.rng
        start = self.now.date() + timedelta(days=rng.randint(3, 20))

        def confirm() -> None:
            need.confirm(start, sc)
            resource.enrol(NeedId(need.id), need.client_id, sc)
            self.changed(resource)

        self._step(need, confirm)
        for _ in range(rng.randint(0, 4)):
            yield rng.uniform(25, 120) * DAY
            progress = rng.choices(list(Progress), [7, 2, 1])[0]
            self._step(need, lambda p=progress: need.follow_up("様子を確認した", p, cm))
        yield rng.uniform(20, 200) * DAY
        yield from self._close(need, cm, None, resource)

    def _close(
        self, need: Need, cm: UserId, outcome: Outcome | None, resource: Resource | None = None
    ) -> Iterator[float]:
        rng = self.rng
        chosen = (
            outcome
            or rng.choices([o for o, _ in CLOSED_OUTCOMES], [w for _, w in CLOSED_OUTCOMES])[0]
        )

        def close() -> None:
            if need.close(chosen, "支援を終結した", cm) and resource is not None:
                resource.release(NeedId(need.id), "支援終結", cm)
                self.changed(resource)

        self._step(need, close)
        if rng.random() < 0.02:
            yield rng.uniform(30, 120) * DAY
            self._step(need, lambda: need.reopen("再び支援が必要になった", cm))
            yield rng.uniform(30, 200) * DAY
            self._step(need, lambda: need.close(Outcome.WITHDRAWN, "本人の希望で終結", cm))

    def _gap(self, need: Need, person: Person, sc: UserId, cm: UserId) -> Iterator[float]:
        rng = self.rng
        criteria = {"category": need.category.value, "area_code": person.area}
        self._step(need, lambda: need.record_gap("地域に合う資源がない", sc, criteria))
        if rng.random() < 0.3:  # a gap nobody develops for now: closed after a while
            yield rng.uniform(60, 400) * DAY
            yield from self._close(need, cm, Outcome.NOT_ACHIEVED)
            return
        yield rng.uniform(5, 40) * DAY
        key = (person.area, need.category)
        initiative = self.initiative_for.get(key)
        if initiative is None or not initiative.is_open:
            initiative = DevelopmentInitiative.open(
                InitiativeId(uuid4()),
                f"{person.area} の {need.category.value} を支える資源づくり",
                person.area,
                need.category,
                "ギャップが重なっているため担い手を育てる",
                sc,
            )
            self.initiative_for[key] = initiative
            self.needs_waiting[initiative.id] = []
            self.tally.aggregates["DevelopmentInitiative"] += 1
            self.tally.keep("initiative", initiative.id)
            self.spawn(self._initiative(initiative, sc), rng.uniform(90, 300) * DAY)

        def link(found: DevelopmentInitiative = initiative) -> None:
            found.link_need(NeedId(need.id), sc)
            need.link_development(InitiativeId(found.id), sc)
            self.changed(found)

        self._step(need, link)
        self.needs_waiting[initiative.id].append(need)
        # What comes next is the initiative's doing (_initiative); the need's own
        # programme ends here, and a launch starts a new one for it.

    def _initiative(self, initiative: DevelopmentInitiative, sc: UserId) -> Iterator[float]:
        rng = self.rng
        area = initiative.area_code
        org = rng.choice(self.organizations[area])
        initiative.add_partner(OrganizationId(org.id), sc)
        initiative.record_milestone(
            Milestone.COUNCIL_DISCUSSED, self.now.date(), "協議体で話し合った", sc
        )
        self.changed(initiative)
        yield self.rng.uniform(30, 120) * DAY
        waiting = self.needs_waiting.pop(initiative.id, [])
        if rng.random() < 0.2:
            initiative.abandon("担い手が見つからなかった", sc)
            self.changed(initiative)
            with correlated(str(uuid4())):
                for need in waiting:
                    if need.status is NeedStatus.IN_DEVELOPMENT:
                        self._step(
                            need,
                            lambda n=need: n.unlink_development(
                                "initiative abandoned: 担い手が見つからなかった", SYSTEM_USER_ID
                            ),
                        )
            return
        resource = self._resource(area, [initiative.category], sc, len(self.resources))
        initiative.launch(ResourceId(resource.id), sc)
        self.changed(initiative)
        # What the development policy does on ResourceLaunched (its own reaction,
        # correlated to the launch): the needs waiting on it are ready to match.
        with correlated(str(uuid4())):
            for need in waiting:
                if need.status is NeedStatus.IN_DEVELOPMENT and need.initiative_id == initiative.id:
                    self._step(
                        need,
                        lambda n=need: n.mark_resource_created(
                            ResourceId(resource.id), InitiativeId(initiative.id), SYSTEM_USER_ID
                        ),
                    )
                    if not need.paused:
                        self.spawn(self._created(need, resource, sc), rng.uniform(3, 60) * DAY)

    def _created(self, need: Need, resource: Resource, sc: UserId) -> Iterator[float]:
        rng = self.rng
        if need.status is not NeedStatus.RESOURCE_CREATED or resource.is_full:
            return
        self._step(need, lambda: need.propose(ResourceId(resource.id), "新しくできた資源", sc))
        yield rng.uniform(2, 14) * DAY
        if resource.is_full:
            self._step(need, lambda: need.decline(DeclinedBy.PROVIDER, "定員に達した", sc))
            return
        yield from self._matched(need, resource, sc, UserId(need.raised_by))

    def _step(self, need: Need, action: Callable[[], Any]) -> None:
        before = need.status, need.paused
        action()
        self._track(need, before)
        self.changed(need)

    def _track(self, need: Need, before: tuple[NeedStatus, bool] | None) -> None:
        by = self.tally.by_status
        if before is not None:
            by[before[0].value] -= 1
            self.tally.paused -= before[1]
        by[need.status.value] += 1
        self.tally.paused += need.paused
        if need.id not in self._dirty:
            self._dirty[need.id] = need

    def _done(self, person: Person, need: Need) -> None:
        person.needs_left -= 1

    def written(self) -> dict[str, Any]:
        return {
            "events": self.tally.events,
            "needs_by_status": dict(self.tally.by_status),
            "paused": self.tally.paused,
            "aggregates": dict(self.tally.aggregates),
        }


def end_of_history(now: datetime | None = None) -> datetime:
    """A minute ago: the newest events are in the past, as the clock sees it."""
    return (now or datetime.now(UTC)) - timedelta(minutes=1)
