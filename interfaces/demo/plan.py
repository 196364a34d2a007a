"""Planning the clients and their needs' histories, before anything is loaded.

First every need's history is written (day offsets, by scenario), then placed
in time (moments in office hours, Japan time, before ``today``); then every
proposal's resource is chosen by replaying the confirmations and releases in
time order, so that no confirmation meets a full resource.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from domain.values import CareLevel, DeclinedBy, NeedCategory, PersonalData, ServiceType, Urgency
from interfaces.demo.common import HISTORY_DAYS, moment, office_minutes
from interfaces.demo.model import Municipality, Resource
from interfaces.demo.scripts import Script, build, is_gap
from interfaces.demo.state import Attempt, Client, Need, Step

_PLACE_TYPES = frozenset(
    {
        ServiceType.GATHERING_PLACE,
        ServiceType.DAY_STANDARD,
        ServiceType.DAY_A,
        ServiceType.DAY_B,
        ServiceType.DAY_C,
    }
)
"""Resources one goes to (通い), as opposed to help at home and agencies."""

_WITH_ALTERNATIVES = frozenset(
    {"proposed_after_decline", "matched_after_decline", "matched_provider_ended"}
)
"""Scenarios that propose a second resource after the first one was declined."""

_URGENT_CATEGORIES = (
    NeedCategory.MEALS,
    NeedCategory.WATCH_OVER,
    NeedCategory.TRANSPORT,
    NeedCategory.OTHER,
)
"""Needs of these categories are more often urgent."""


def make_clients(rng: random.Random, town: Municipality) -> list[Client]:
    """The municipality's clients, each with a name nobody else has."""
    clients: list[Client] = []
    while len(clients) < town.people.client_count:
        add_client(rng, town, clients)
    return clients


def add_client(
    rng: random.Random,
    town: Municipality,
    clients: list[Client],
    area_code: str | None = None,
    level: CareLevel | None = None,
) -> Client | None:
    """Append a new client with a name nobody has yet (None: the name was taken)."""
    people = town.people
    surname, surname_kana = rng.choice(people.surnames)
    given, given_kana = rng.choice(people.women if rng.random() < 0.65 else people.men)
    name = f"{surname} {given}"
    if any(c.personal.name == name for c in clients):
        return None
    area = rng.choice(town.areas) if area_code is None else town.area_by_code[area_code]
    town_name = rng.choice(area.towns)
    address = (
        f"{people.city}{town_name}{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 15)}"
    )
    if rng.random() < 0.15:
        address += (
            f" {town_name}{people.apartment}"
            f"{rng.randint(1, 6)}-{rng.randint(1, 4)}0{rng.randint(1, 8)}"
        )
    born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 20 * 365 + 4))
    if level is None:
        weights = people.care_level_weights
        level = rng.choices(list(weights), list(weights.values()))[0]
    frail = rng.random() < (0.4 if level is CareLevel.INDEPENDENT else 0.7)
    client = Client(
        personal=PersonalData(
            name=name,
            name_kana=f"{surname_kana} {given_kana}",
            birth_date=born,
            address=address,
            phone=f"000-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        ),
        care_level=level,
        frailty=frail,
        area=area.code,
        center=town.center_of_area[area.code],
        level_now=level,
    )
    clients.append(client)
    return client


def fitting(town: Municipality, client: Client, category: NeedCategory) -> tuple[Resource, ...]:
    """Resources that serve ``category`` for ``client`` (area and care level)."""
    return town.serving(client.area, client.care_level, category)


def _categories(town: Municipality, client: Client, served: bool) -> list[NeedCategory]:
    """Categories some resource serves for ``client`` (or none does, when not ``served``).

    Needs without a fitting resource avoid the cells of the development
    initiatives, whose needs are written by :func:`.stories.plan_development`.
    """
    return [
        c
        for c in NeedCategory
        if bool(fitting(town, client, c)) == served
        and (
            served
            or (c is not NeedCategory.OTHER and (client.area, c) not in town.initiative_cells)
        )
    ]


def make_needs(rng: random.Random, town: Municipality, clients: list[Client]) -> list[Need]:
    """One need per scenario count, for a client and category that fit the scenario."""
    scenarios = [name for name, count in town.scenarios.items() for _ in range(count)]
    # Needs without any fitting resource first, so they can pick the clients that have such needs.
    gap_first = sorted(scenarios, key=lambda name: not is_gap(name))
    unused = clients[:]
    rng.shuffle(unused)
    taken: dict[int, set[NeedCategory]] = defaultdict(set)
    needs: list[Need] = []
    for scenario in gap_first:
        served = not is_gap(scenario)
        target, only = town.scenario_targets.get(scenario, (None, None))
        for pool in (unused, clients):
            options = [
                (client, category)
                for client in pool
                for category in _categories(town, client, served)
                if category not in taken[id(client)]
                and (only is None or category is only)
                and (scenario not in _WITH_ALTERNATIVES or len(fitting(town, client, category)) > 1)
                and (
                    target is None
                    or town.resource_by_key[target].serves(category, client.area, client.care_level)
                )
            ]
            if options:
                break
        weights = [town.category_weights[category] for _, category in options]
        client, category = rng.choices(options, weights)[0]
        if client in unused:
            unused.remove(client)
        taken[id(client)].add(category)
        description, goal = rng.choice(town.need_texts[category])
        needs.append(Need(client, category, description, goal, urgency(rng, category), scenario))
    rng.shuffle(needs)
    return needs


def urgency(rng: random.Random, category: NeedCategory) -> Urgency:
    """Mostly normal; high more often where going without hurts soonest."""
    high = 0.25 if category in _URGENT_CATEGORIES else 0.08
    roll = rng.random()
    return Urgency.HIGH if roll < high else Urgency.LOW if roll > 0.8 else Urgency.NORMAL


def place(rng: random.Random, town: Municipality, need: Need, today: date) -> None:
    """Write the need's script and fix every step's moment before ``today``."""
    script = Script(rng, town, need)
    slack, ongoing = build(script, need.scenario)
    span = script.day
    if span >= HISTORY_DAYS - slack[0]:  # pragma: no cover - scripts are far shorter
        raise AssertionError(f"the {need.scenario!r} history is too long ({span} days)")
    raised_ago = min(HISTORY_DAYS, span + rng.randint(*slack))
    if ongoing:
        reserve = 25 if need.scenario == "matched_paused" else 0
        while script.day + 56 < raised_ago - reserve:
            script.follow_ups(1)
            if rng.random() < 0.1:
                script.assess("maintain")
        if need.scenario == "matched_paused":
            script.pause()
    raised_on = today - timedelta(days=raised_ago)
    raised_at = moment(raised_on, office_minutes(rng, 30))
    need.steps.insert(0, Step("raise", 0, by="cm", at=raised_at))
    for step in need.steps[1:]:
        step.at = moment(raised_on + timedelta(days=step.day), office_minutes(rng))
    registers_before(rng, need.client, raised_at)
    need.care_plan_ref = care_plan_ref(rng, town, need.client, raised_on)


def registers_before(rng: random.Random, client: Client, raised_at: datetime) -> None:
    """The care manager registers the client minutes before raising their first need."""
    registered = raised_at - timedelta(minutes=rng.randint(10, 30))
    if client.registered_at is None or registered < client.registered_at:
        client.registered_at = registered


def care_plan_ref(
    rng: random.Random, town: Municipality, client: Client, raised_on: date
) -> str | None:
    """The reference of the client's (preventive) care plan, when they have one."""
    level = client.care_level
    if level is not CareLevel.INDEPENDENT and rng.random() < 0.8:
        texts = town.texts
        plan = (
            texts.care_plan if level.rank >= CareLevel.CARE_1.rank else texts.prevention_care_plan
        )
        # Reiwa 1 is 2019: the reference carries the year of the era.
        return texts.care_plan_ref.format(
            plan=plan, reiwa_year=raised_on.year - 2018, number=rng.randint(1, 999)
        )
    return None


def suspension(spec: Resource, today: date) -> datetime | None:
    """When ``spec`` is suspended (10:00 that day), if it is."""
    if spec.suspended_ago is None:
        return None
    return moment(today - timedelta(days=spec.suspended_ago), 60)


def style(spec: Resource) -> str:
    """How the resource is used: ``place``, ``home`` or ``agency``."""
    if spec.service_type is ServiceType.AGENCY_REFERRAL:
        return "agency"
    return "place" if spec.service_type in _PLACE_TYPES else "home"


def assign_resources(
    rng: random.Random, town: Municipality, needs: list[Need], today: date
) -> None:
    """Choose each proposal's resource so that no proposal and no confirmation meets a
    full resource.

    Confirmations and releases are replayed in time order (a greedy, exact
    capacity check). A proposal when every fitting resource is full is dropped
    (with the rest of that history); a confirmation that finds the chosen
    resources full is turned into the provider declining, and the rest dropped.
    """
    texts = town.texts
    suspended_at = {r.key: at for r in town.resources if (at := suspension(r, today)) is not None}
    held: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)

    def active(key: str, *moments: datetime) -> bool:
        return all(m < suspended_at.get(key, datetime.max.replace(tzinfo=UTC)) for m in moments)

    def occupied(key: str, at: datetime) -> int:
        return sum(1 for start, end in held[key] if start <= at and (end is None or at < end))

    def has_room(spec: Resource, at: datetime) -> bool:
        return spec.capacity is None or occupied(spec.key, at) < spec.capacity

    def pick(need: Need, options: list[Resource], at: datetime) -> Resource:
        used = {a.resource for a in need.attempts}
        fresh = [r for r in options if r.key not in used] or options
        favoured = [r for r in fresh if r.favoured and has_room(r, at)]
        if favoured:
            return favoured[0]
        return rng.choices(fresh, [r.popularity for r in fresh])[0]

    def decided(attempt: Attempt) -> datetime:
        return attempt.confirm.at if attempt.confirm else attempt.propose.at

    attempts = [(decided(a), i, need, a) for i, need in enumerate(needs) for a in need.attempts]
    dropped: set[int] = set()
    for _, _, need, attempt in sorted(attempts, key=lambda t: (t[0], t[1])):
        if id(attempt.propose) in dropped:
            continue
        moments = [attempt.propose.at] + ([attempt.confirm.at] if attempt.confirm else [])
        options = [r for r in fitting(town, need.client, need.category) if active(r.key, *moments)]
        # The ranking refuses a proposal to a full resource: only those with room then.
        options = [r for r in options if has_room(r, attempt.propose.at)]
        if not options:  # nothing open to propose at that time: the coordinator keeps looking
            dropped |= _truncate(need, attempt.propose, None)
            continue
        if attempt.full or attempt.confirm is None:
            chosen = pick(need, options, attempt.propose.at)
        else:
            roomy = [r for r in options if has_room(r, attempt.confirm.at)]
            chosen = pick(need, roomy or options, attempt.confirm.at)
            if roomy:
                end = attempt.end.at if attempt.end else None
                held[chosen.key].append((attempt.confirm.at, end))
            else:  # full by the time of the confirmation: the provider declines
                refusal = Step(
                    "decline",
                    attempt.confirm.day,
                    declined_by=DeclinedBy.PROVIDER,
                    text=texts.provider_full,
                    attempt=attempt,
                    at=attempt.confirm.at,
                )
                dropped |= _truncate(need, attempt.confirm, refusal)
        attempt.resource = chosen.key
        how = style(chosen)
        attempt.propose.text = rng.choice(texts.propose_reasons[how]).format(name=chosen.name)
        declined = attempt.declined
        if declined is not None and declined.declined_by is DeclinedBy.CLIENT:
            declined.text = rng.choice(texts.client_declines[how])


def _truncate(need: Need, first: Step, replacement: Step | None) -> set[int]:
    """Drop ``first`` and every later step of ``need``; returns the dropped proposals."""
    index = need.steps.index(first)
    gone = need.steps[index:]
    need.steps[index:] = [replacement] if replacement else []
    return {id(step) for step in gone if step.kind == "propose"}
