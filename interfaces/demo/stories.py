"""Planning the coordinator's other two functions and a complex case, around the needs.

Woven into the same timeline as the needs: development initiatives (資源開発)
for area × category cells where gaps accumulate, councils (協議体) with members
joining and meetings over the year, the coordinator's contacts with
organizations, and one client with several needs at once (複合課題) matched by
a plan. Each planner returns (moment, action) pairs that the loader runs in time
order with everything else.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from domain.values import (
    CareLevel,
    NeedCategory,
    Outcome,
    Progress,
    Urgency,
    Weekday,
)
from interfaces.demo import commands
from interfaces.demo.common import HISTORY_DAYS, at, days_before, local_day, moment
from interfaces.demo.loader import Loader
from interfaces.demo.model import Initiative, Municipality, NeedText, Resource
from interfaces.demo.plan import add_client, care_plan_ref, registers_before, urgency
from interfaces.demo.scripts import gap_reason
from interfaces.demo.state import Attempt, Client, CouncilRun, InitiativeRun, Need, Step

Action = Callable[[Loader], None]
"""A command of a story, run by the loader at its moment."""
Planned = tuple[datetime, Action]

_GONE_SCENARIOS = frozenset(
    {"closed_deceased", "closed_moved_matching", "closed_moved_matched", "closed_hospitalised"}
)
"""Histories after which the client has no new needs (died, moved, admitted)."""

_WORKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
"""The days clients' available weekdays are drawn from."""


def _story_step(need: Need, kind: str, when: datetime, **fields: Any) -> Step:
    day = (when - need.steps[0].at).days if need.steps else 0
    step = Step(kind, day, at=when, **fields)
    need.steps.append(step)
    return step


def _story_need(
    rng: random.Random,
    town: Municipality,
    client: Client,
    category: NeedCategory,
    raised_at: datetime,
    text: NeedText | None = None,
    urgency_: Urgency | None = None,
) -> Need:
    description, goal = text or rng.choice(town.need_texts[category])
    level = urgency_ or urgency(rng, category)
    need = Need(client, category, description, goal, level, "story")
    _story_step(need, "raise", raised_at, by="cm")
    registers_before(rng, client, raised_at)
    need.care_plan_ref = care_plan_ref(rng, town, client, local_day(raised_at))
    return need


def _story_client(
    rng: random.Random,
    town: Municipality,
    clients: list[Client],
    needs: list[Need],
    area: str,
    category: NeedCategory,
    used: set[int],
) -> Client:
    """A client of ``area`` with no need of ``category`` yet (a new one if nobody fits)."""
    taken: dict[int, set[NeedCategory]] = defaultdict(set)
    gone: set[int] = set()
    for need in needs:
        taken[id(need.client)].add(need.category)
        if need.scenario in _GONE_SCENARIOS:
            gone.add(id(need.client))
    options = [
        c
        for c in clients
        if c.area == area and id(c) not in used | gone and category not in taken[id(c)]
    ]
    client = rng.choice(options) if options else _new_client(rng, town, clients, area)
    used.add(id(client))
    return client


def _new_client(
    rng: random.Random,
    town: Municipality,
    clients: list[Client],
    area: str,
    level: CareLevel | None = None,
) -> Client:
    while (client := add_client(rng, town, clients, area, level)) is None:
        continue
    return client


def _match_to(
    rng: random.Random,
    need: Need,
    spec: Resource,
    propose_at: datetime,
    reason: str,
    today: date,
    town: Municipality,
) -> None:
    """Propose ``spec`` at ``propose_at``, confirm days later, then follow up monthly."""
    propose = _story_step(need, "propose", propose_at, text=reason.format(name=spec.name))
    attempt = Attempt(propose=propose, resource=spec.key)
    propose.attempt = attempt
    need.attempts.append(attempt)
    ago = (today - local_day(propose_at)).days - rng.randint(4, 8)
    confirm = _story_step(
        need, "confirm", at(rng, today, ago), start_in=rng.randint(3, 7), attempt=attempt
    )
    attempt.confirm = confirm
    ago -= rng.randint(25, 40)
    while ago > 3:
        progress = Progress.ON_TRACK if rng.random() < 0.8 else Progress.CONCERN
        text = rng.choice(town.texts.follow_ups[progress])
        _story_step(need, "follow_up", at(rng, today, ago), progress=progress, text=text)
        ago -= rng.randint(25, 40)


def plan_development(
    rng: random.Random,
    town: Municipality,
    clients: list[Client],
    needs: list[Need],
    today: date,
) -> list[Planned]:
    """Gap needs accumulate in each initiative's cell; the initiative opens, links them,
    gains partners and milestones, and launches its resource or is abandoned."""
    planned: list[Planned] = []
    for spec in town.initiatives:
        run = InitiativeRun(spec)
        opened = at(rng, today, spec.opened_ago, 0, 240)
        planned.append((opened, partial(commands.open_initiative, run=run)))
        used: set[int] = set()
        for waiting in spec.waiting:
            client = _story_client(rng, town, clients, needs, spec.area, spec.category, used)
            raised_ago = rng.randint(*waiting.raised_ago)
            need = _story_need(rng, town, client, spec.category, at(rng, today, raised_ago, 30))
            assign_ago = raised_ago - rng.randint(1, 3)
            _story_step(need, "assign", at(rng, today, assign_ago))
            gap_ago = assign_ago - rng.randint(4, 12)
            _story_step(need, "gap", at(rng, today, gap_ago), text=gap_reason(town, need))
            link_ago = min(gap_ago - rng.randint(1, 3), spec.opened_ago - rng.randint(1, 3))
            planned.append((at(rng, today, link_ago), partial(commands.link, run=run, need=need)))
            run.needs.append(need)
            needs.append(need)
            _plan_fate(rng, town, spec, need, waiting.fate, link_ago, needs, today)
        for partner in spec.partners:
            action = partial(commands.partner, run=run, org=partner.organization)
            planned.append((at(rng, today, partner.ago), action))
        for entry in spec.milestones:
            action = partial(
                commands.milestone,
                run=run,
                milestone=entry.milestone,
                on=days_before(today, entry.ago),
                note=entry.note,
                volunteers=entry.volunteers,
            )
            planned.append((at(rng, today, entry.ago, 460), action))  # after that day's meeting
        if spec.launched_ago is not None:
            when = at(rng, today, spec.launched_ago, 0, 240)
            planned.append((when, partial(commands.launch, run=run)))
        if spec.abandoned_ago is not None:
            when = at(rng, today, spec.abandoned_ago)
            planned.append((when, partial(commands.abandon, run=run)))
    return planned


def _plan_fate(
    rng: random.Random,
    town: Municipality,
    spec: Initiative,
    need: Need,
    fate: str,
    link_ago: int,
    needs: list[Need],
    today: date,
) -> None:
    """What happens to a need waiting on ``spec`` after it was linked."""
    if fate == "wait":
        return
    launched_ago, resource = spec.launched_ago, spec.resource
    if launched_ago is None or resource is None:  # pragma: no cover - the data file is checked
        raise AssertionError(f"fate {fate!r} needs a launched initiative ({spec.key})")
    texts = town.texts.development
    if fate == "match":
        propose_at = at(rng, today, launched_ago - rng.randint(2, 8))
        _match_to(rng, need, resource, propose_at, texts.launched_reason, today, town)
    elif fate == "paused":
        pause_ago = launched_ago + rng.randint(20, 35)
        if pause_ago >= link_ago:  # pragma: no cover - a data bug
            raise AssertionError(f"{spec.key}: paused before being linked")
        _story_step(need, "pause", at(rng, today, pause_ago), by="cm", text=texts.waiting_pause)
        resume = at(rng, today, rng.randint(10, 18))
        _story_step(need, "resume", resume, by="cm", text=texts.waiting_resume)
    elif fate == "admitted":
        close_ago = launched_ago + rng.randint(25, 40)
        if close_ago >= link_ago:  # pragma: no cover - a data bug
            raise AssertionError(f"{spec.key}: closed before being linked")
        outcome = Outcome.HOSPITALISED_OR_ADMITTED
        text = town.texts.close_reasons[outcome][0]
        _story_step(need, "close", at(rng, today, close_ago), by="cm", outcome=outcome, text=text)
        # Home again: the same need is raised again (a re-occurrence within 180 days).
        raised_ago = rng.randint(66, 74)
        again = _story_need(
            rng,
            town,
            need.client,
            need.category,
            at(rng, today, raised_ago, 30),
            texts.readmitted,
        )
        _story_step(again, "assign", at(rng, today, raised_ago - rng.randint(1, 2)))
        propose_at = at(rng, today, raised_ago - rng.randint(4, 7))
        reason = rng.choice(town.texts.propose_reasons["home"])
        _match_to(rng, again, resource, propose_at, reason, today, town)
        needs.append(again)
    else:  # pragma: no cover - the data file is checked
        raise AssertionError(f"unknown fate {fate!r}")


def plan_complex_case(
    rng: random.Random,
    town: Municipality,
    clients: list[Client],
    needs: list[Need],
    today: date,
) -> list[Planned]:
    """A person back from hospital with several needs at once (複合課題), matched by one plan."""
    case = town.complex_case
    client = _new_client(rng, town, clients, case.area, case.care_level)
    client.frailty = True
    ago = case.raised_ago
    mine: list[Need] = []
    for i, spec in enumerate(case.needs):
        raised_at = moment(days_before(today, ago), 90 + 6 * i)
        text = NeedText(spec.description, spec.goal)
        need = _story_need(rng, town, client, spec.category, raised_at, text, spec.urgency)
        _story_step(need, "assign", moment(days_before(today, ago - 2), 60 + 4 * i))
        mine.append(need)
        needs.append(need)
    planned: list[Planned] = [
        (
            at(rng, today, ago - 3),
            partial(commands.record_availability, client=client, weekdays=case.weekdays),
        ),
        (at(rng, today, ago - 5), partial(commands.plan_matches, client=client, needs=mine)),
    ]
    for need in mine:
        confirm_ago = ago - rng.randint(9, 12)
        action = partial(
            commands.confirm_planned,
            need=need,
            start=days_before(today, confirm_ago - rng.randint(2, 5)),
        )
        planned.append((at(rng, today, confirm_ago), action))
        follow_ago = rng.randint(5, 15)
        progress = Progress.ON_TRACK
        action = partial(
            commands.follow_up_planned,
            need=need,
            text=rng.choice(town.texts.follow_ups[progress]),
            progress=progress,
        )
        planned.append((at(rng, today, follow_ago), action))
    return planned


def plan_network(
    rng: random.Random, town: Municipality, needs: list[Need], today: date
) -> list[Planned]:
    """Organizations joining, councils with members and meetings, the coordinator's contacts."""
    planned: list[Planned] = []
    for org_spec in town.organizations:
        if org_spec.registered_ago is not None:
            when = at(rng, today, org_spec.registered_ago, 0, 200)
            planned.append((when, partial(Loader.register_organization, spec=org_spec)))
    for spec in town.councils:
        run = CouncilRun(spec)
        formed = moment(days_before(today, spec.formed_ago), rng.randint(240, 300))
        planned.append((formed, partial(commands.form_council, run=run)))
        for i, member in enumerate(spec.members):
            when = (
                formed + timedelta(minutes=5 * (i + 1))
                if member.ago == spec.formed_ago
                else at(rng, today, member.ago, 0, 300)
            )
            on = days_before(today, member.ago)
            planned.append((when, partial(commands.admit, run=run, org=member.organization, on=on)))
        for meeting in spec.meetings:
            members = [m.organization for m in spec.members if m.ago > meeting.ago]
            attendees = [org for org in members if rng.random() < 0.85] or members
            action = partial(
                commands.meeting,
                run=run,
                spec=meeting,
                on=days_before(today, meeting.ago),
                attendees=tuple(attendees),
                needs=needs,
            )
            planned.append((at(rng, today, meeting.ago, 360, 450), action))
    contacts = town.contacts
    # Organizations that join later are contacted only once registered.
    registered = {o.key: o.registered_ago or HISTORY_DAYS + 10 for o in town.organizations}
    ago = HISTORY_DAYS - rng.randint(0, 5)
    while ago > 2:
        known = [key for key in contacts.topics if registered[key] > ago]
        org = rng.choices(known, [contacts.weights.get(key, 1) for key in known])[0]
        purpose, outcome = rng.choice(contacts.topics[org])
        planned.append(
            (at(rng, today, ago), _contact(org, days_before(today, ago), purpose, outcome))
        )
        ago -= rng.randint(4, 10)
    for story in contacts.stories:
        contact = _contact(
            story.organization, days_before(today, story.ago), story.purpose, story.outcome
        )
        planned.append((at(rng, today, story.ago), contact))
    return planned


def _contact(org: str, on: date, purpose: str, outcome: str) -> Action:
    return partial(commands.contact, org=org, on=on, purpose=purpose, outcome=outcome)


def choose_availability(
    rng: random.Random, town: Municipality, clients: list[Client], needs: list[Need]
) -> None:
    """Some clients tell their available weekdays at registration: a few days of the
    week, including one on which each resource proposed to them is open."""
    proposed: dict[int, set[str]] = defaultdict(set)
    for need in needs:
        for attempt in need.attempts:
            if attempt.resource is not None:
                proposed[id(need.client)].add(attempt.resource)
    for client in clients:
        if rng.random() >= town.people.availability_share:
            continue
        days = set(rng.sample(_WORKDAYS, rng.randint(2, 4)))
        for key in sorted(proposed[id(client)]):
            weekdays = town.resource_by_key[key].weekdays
            if weekdays and not days.intersection(weekdays):
                days.add(rng.choice(weekdays))
        client.available = tuple(d for d in Weekday if d in days)
