"""The need lifecycle through the ``Services`` application service.

Each need goes raise -> assign -> propose -> confirm -> follow-up -> close:
six commands, six ``save()`` calls, eight events (confirm and close also save
the resource, which takes and gives back a place in the same transaction).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.security import SYSTEM_ACTOR, Actor
from application.services import Services
from domain.values import (
    CareLevel,
    NeedCategory,
    Outcome,
    PersonalData,
    Progress,
    Role,
    ServiceType,
    Urgency,
)

SAVES_PER_NEED = 6
EVENTS_PER_NEED = 8
PASSWORD = secrets.token_urlsafe(16)  # nobody signs in: the bench calls the service directly
CENTER = "c-bench"
AREA = "bench"
COORDINATOR = "bench-sc"
CARE_MANAGER = "bench-cm"
START_DATE = date(2026, 4, 1)

STEPS = ("raise", "assign", "propose", "confirm", "follow-up", "close")
"""The six commands of a need's lifecycle, in order."""

Tick = Callable[[int], None]


class Laps:
    """Wall time of each step of the lifecycle, summed over the timed needs."""

    def __init__(self) -> None:
        self.totals = [0.0] * len(STEPS)
        self.recording = False
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()

    def lap(self, step: int) -> None:
        """Step number ``step`` (an index into :data:`STEPS`) has just finished."""
        now = time.perf_counter()
        if self.recording:
            self.totals[step] += now - self._last
        self._last = now


Lifecycle = Callable[[int, Laps], None]
"""``run_one(index, laps)``: the whole lifecycle of need number ``index``."""


@dataclass(frozen=True)
class Plan:
    """How many needs to time, and how they are spread over resources."""

    needs: int
    warmup: int
    needs_per_resource: int

    @property
    def total(self) -> int:
        return self.warmup + self.needs

    @property
    def groups(self) -> int:
        """Resources (and clients) needed: one per ``needs_per_resource`` needs."""
        return -(-self.total // self.needs_per_resource)

    def group_of(self, index: int) -> int:
        return index // self.needs_per_resource


@dataclass(frozen=True)
class LoopResult:
    """One timed run of the need lifecycle."""

    label: str
    needs: int
    saves: int
    events: int
    seconds: float
    cpu_seconds: float
    """CPU time of this process (the client side: Python, drivers) over the timed needs."""
    first_tenth_rate: float
    """needs/s over the first tenth of the timed needs."""
    last_tenth_rate: float
    """needs/s over the last tenth: lower than the first when cost grows with history."""
    step_seconds: tuple[float, ...]
    """Wall time per step (see :data:`STEPS`), summed over the timed needs."""

    @property
    def needs_per_second(self) -> float:
        return self.needs / self.seconds

    @property
    def saves_per_second(self) -> float:
        return self.saves / self.seconds

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    @property
    def seconds_per_save(self) -> float:
        return self.seconds / self.saves

    @property
    def cpu_seconds_per_save(self) -> float:
        return self.cpu_seconds / self.saves

    def seconds_per_step(self, step: int) -> float:
        return self.step_seconds[step] / self.needs


@dataclass(frozen=True)
class Runs:
    """Repeated runs of one loop, each on a fresh database; reported by the median."""

    runs: tuple[LoopResult, ...]

    @property
    def median(self) -> LoopResult:
        """The run with the median saves/s (the lower middle one of an even count)."""
        ordered = sorted(self.runs, key=lambda r: r.saves_per_second)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def lowest(self) -> float:
        return min(r.saves_per_second for r in self.runs)

    @property
    def highest(self) -> float:
        return max(r.saves_per_second for r in self.runs)


def timed_loop(
    label: str, plan: Plan, run_one: Lifecycle, events: Callable[[], int], tick: Tick
) -> LoopResult:
    """Run the warm-up needs untimed, then time ``plan.needs`` needs.

    ``events()`` is the log's head, to count what the timed needs wrote;
    ``tick(n)`` reports progress over warm-up and timed needs together.
    """
    laps = Laps()
    for index in range(plan.warmup):
        run_one(index, laps)
        tick(index + 1)
    laps.recording = True
    head_before = events()
    stamps = [0.0] * (plan.needs + 1)
    cpu_started = time.process_time()
    stamps[0] = time.perf_counter()
    for i in range(plan.needs):
        run_one(plan.warmup + i, laps)
        stamps[i + 1] = time.perf_counter()
        tick(plan.warmup + i + 1)
    cpu_seconds = time.process_time() - cpu_started
    written = events() - head_before
    if written != EVENTS_PER_NEED * plan.needs:
        raise RuntimeError(
            f"{label}: expected {EVENTS_PER_NEED * plan.needs} events, the log grew by {written}"
        )
    tenth = max(plan.needs // 10, 1)
    return LoopResult(
        label=label,
        needs=plan.needs,
        saves=SAVES_PER_NEED * plan.needs,
        events=written,
        seconds=stamps[-1] - stamps[0],
        cpu_seconds=cpu_seconds,
        first_tenth_rate=tenth / (stamps[tenth] - stamps[0]),
        last_tenth_rate=tenth / (stamps[-1] - stamps[-1 - tenth]),
        step_seconds=tuple(laps.totals),
    )


@dataclass(frozen=True)
class Town:
    """One area and center, a care manager, a coordinator, clients and resources."""

    care_manager: Actor
    coordinator: Actor
    clients: tuple[UUID, ...]
    resources: tuple[UUID, ...]


def build_town(app: Services, plan: Plan, tick: Tick) -> Town:
    """Reference data, users, and one client and one resource per group of needs."""
    app.reference.create_area(AREA, "ベンチ地区", SYSTEM_ACTOR)
    app.reference.create_center(CENTER, "ベンチ地域包括支援センター", [AREA], SYSTEM_ACTOR)
    app.accounts.create_user(COORDINATOR, PASSWORD, [Role.COORDINATOR], SYSTEM_ACTOR)
    app.accounts.create_user(
        CARE_MANAGER, PASSWORD, [Role.CARE_MANAGER], SYSTEM_ACTOR, center_code=CENTER
    )
    coordinator = app.accounts.actor_for_username(COORDINATOR)
    care_manager = app.accounts.actor_for_username(CARE_MANAGER)
    clients: list[UUID] = []
    resources: list[UUID] = []
    for group in range(plan.groups):
        client = app.clients.register(
            PersonalData(
                f"利用者 {group}", "リヨウシャ", date(1941, 4, 3), "ベンチ町1-2-3", "090-0000-0000"
            ),
            CareLevel.SUPPORT_1,
            True,
            AREA,
            CENTER,
            care_manager,
            # The bench's clients share kana and birth date on purpose.
            confirm_duplicate=True,
        )
        resource = app.resources.register(
            f"ふれあいサロン {group}",
            ServiceType.GATHERING_PLACE,
            [NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
            [AREA],
            coordinator,
            capacity=None,
        )
        clients.append(client.id)
        resources.append(resource.id)
        tick(group + 1)
    return Town(care_manager, coordinator, tuple(clients), tuple(resources))


def need_lifecycle(app: Services, town: Town, plan: Plan) -> Lifecycle:
    """The six commands of one need, as a user would send them."""
    cm, sc = town.care_manager, town.coordinator

    def run_one(index: int, laps: Laps) -> None:
        group = plan.group_of(index)
        laps.start()
        need = app.needs.raise_need(
            town.clients[group],
            NeedCategory.SOCIAL_PARTICIPATION,
            "外出の機会が減り、閉じこもりがち",
            "週に一度はサロンに通い、友人と話す生活を取り戻す",
            Urgency.NORMAL,
            cm,
        )
        laps.lap(0)
        need = app.needs.assign(need.id, COORDINATOR, need.version, sc)
        laps.lap(1)
        need = app.matching.propose(
            need.id, town.resources[group], "近所で通いやすい", need.version, sc
        )
        laps.lap(2)
        need = app.matching.confirm(need.id, START_DATE, need.version, sc)
        laps.lap(3)
        need = app.needs.follow_up(need.id, "毎週参加している", Progress.ON_TRACK, need.version, cm)
        laps.lap(4)
        app.needs.close(need.id, Outcome.GOAL_ACHIEVED, "目標を達成した", need.version, cm)
        laps.lap(5)

    return run_one
