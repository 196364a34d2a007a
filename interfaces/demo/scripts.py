"""One need's history, written as steps a number of days apart, by scenario.

The scenarios are named in ``municipality.toml`` (``[scenarios.counts]``, how many
needs follow each); :func:`build` writes the steps of each. Resources are chosen
later (:func:`.plan.assign_resources`), so a proposal's reason is filled in then.
"""

from __future__ import annotations

import random
from typing import Any

from domain.values import DeclinedBy, Outcome, Progress
from domain.vocabulary import ja
from interfaces.demo.data import DATA_FILE
from interfaces.demo.model import Municipality
from interfaces.demo.state import Attempt, Need, Step
from interfaces.demo.tables import DemoDataError

_EXACT = frozenset(
    {
        "raised",
        "gap_raised",
        "duplicate",
        "matching",
        "gap_matching",
        "matching_declined",
        "matching_full",
        "matching_paused",
        "matching_reopened",
        "closed_withdrawn_proposed",
        "closed_moved_matching",
        "closed_goal_achieved",
        "closed_partially_achieved",
        "closed_not_achieved",
        "closed_withdrawn_matched",
        "closed_transferred",
        "closed_hospitalised",
        "closed_moved_matched",
        "closed_deceased",
    }
)
_FAMILIES = ("proposed", "gap", "matched")
"""Prefixes of scenarios that share a script: ``matched_minidei`` is a ``matched`` whose
need a given resource serves (``[scenarios.targets]``)."""


def is_gap(scenario: str) -> bool:
    """Whether the scenario's need gets a category no resource serves for its client."""
    return scenario.startswith("gap")


def check_scenarios(town: Municipality) -> None:
    """Refuse scenarios of the data file that no script writes."""
    for name in town.scenarios:
        if name not in _EXACT and not name.startswith(_FAMILIES):
            raise DemoDataError(f"{DATA_FILE}: scenarios.counts.{name}: no script writes it")


def gap_reason(town: Municipality, need: Need) -> str:
    """Why nothing serves ``need``, as the coordinator records the gap."""
    area = town.area_by_code[need.client.area].short_name
    return town.texts.gap_reason.format(area=area, category=ja(need.category))


class Script:
    """Builds one need's history as steps a number of days apart."""

    def __init__(self, rng: random.Random, town: Municipality, need: Need) -> None:
        self.rng = rng
        self.town = town
        self.texts = town.texts
        self.need = need
        self.day = 0
        self.attempt: Attempt | None = None
        self.matched = False

    def _add(self, kind: str, after: tuple[int, int], **fields: Any) -> Step:
        self.day += self.rng.randint(*after)
        step = Step(kind, self.day, **fields)
        self.need.steps.append(step)
        return step

    def assign(self) -> None:
        """The coordinator takes the need."""
        self._add("assign", (1, 4))

    def propose(self, *, full: bool = False) -> None:
        """The coordinator proposes a resource (chosen later, with the reason)."""
        step = self._add("propose", (2, 14))
        self.attempt = Attempt(propose=step, full=full)
        step.attempt = self.attempt
        self.need.attempts.append(self.attempt)

    def decline(self, by: DeclinedBy, text: str | None = None) -> None:
        """The client or the provider declines the proposal, or ends the match."""
        assert self.attempt is not None  # noqa: S101 - a script bug, not a business rule
        if text is None:  # a client's reason follows the resource chosen
            text = "" if by is DeclinedBy.CLIENT else self.texts.provider_busy
        step = self._add("decline", (3, 12), declined_by=by, text=text, attempt=self.attempt)
        if self.matched:
            self.attempt.end = step
            self.matched = False
        else:
            self.attempt.declined = step

    def confirm(self) -> None:
        """The coordinator confirms the match; the client starts days later."""
        assert self.attempt is not None  # noqa: S101 - a script bug, not a business rule
        step = self._add("confirm", (3, 10), start_in=self.rng.randint(3, 10), attempt=self.attempt)
        self.attempt.confirm = step
        self.matched = True

    def follow_up(self, progress: Progress, after: tuple[int, int] = (21, 45)) -> None:
        """A follow-up by the care manager or the coordinator."""
        by = self.rng.choice(("cm", "sc"))
        self._add(
            "follow_up",
            after,
            by=by,
            progress=progress,
            text=self.rng.choice(self.texts.follow_ups[progress]),
        )

    def follow_ups(self, count: int) -> None:
        """``count`` follow-ups, mostly on track."""
        for _ in range(count):
            self.follow_up(Progress.ON_TRACK if self.rng.random() < 0.8 else Progress.CONCERN)

    def pause(self) -> None:
        """The care manager pauses the need."""
        self._add("pause", (5, 20), by="cm", text=self.rng.choice(self.texts.pauses))

    def resume(self) -> None:
        """The care manager resumes it."""
        self._add("resume", (14, 40), by="cm", text=self.rng.choice(self.texts.resumes))

    def gap(self) -> None:
        """The coordinator records that nothing serves the need."""
        self._add("gap", (5, 20), text=gap_reason(self.town, self.need))

    def assess(self, kind: str) -> None:
        """The care level is reassessed: ``improve``, ``worsen`` or ``maintain``."""
        self._add("assess", (2, 10), by="cm", assessment=kind)

    def close(
        self,
        outcome: Outcome,
        by: str = "cm",
        after: tuple[int, int] = (5, 20),
        text: str | None = None,
    ) -> None:
        """The need is closed with ``outcome``."""
        text = text or self.rng.choice(self.texts.close_reasons[outcome])
        step = self._add("close", after, by=by, outcome=outcome, text=text)
        if self.matched and self.attempt is not None:
            self.attempt.end = step
            self.matched = False

    def reopen(self) -> None:
        """The closed need is reopened."""
        self._add("reopen", (20, 60), text=self.texts.reopen_reason)

    def match(self) -> None:
        """Propose, then confirm."""
        self.propose()
        self.confirm()


def build(s: Script, scenario: str) -> tuple[tuple[int, int], bool]:
    """Write ``scenario`` into ``s``.

    Returns the range of days between the last step and today, and whether the
    history goes on with follow-ups up to about today.
    """
    rng = s.rng
    if scenario in ("raised", "gap_raised"):
        return (1, 12), False
    if scenario == "duplicate":
        s.close(Outcome.DUPLICATE, after=(1, 3))
        return (30, 330), False
    s.assign()
    if scenario in ("matching", "gap_matching"):
        return (1, 25), False
    if scenario == "matching_declined":
        s.propose()
        s.decline(DeclinedBy.CLIENT)
        return (1, 30), False
    if scenario == "matching_full":
        s.propose(full=True)
        s.decline(DeclinedBy.PROVIDER)
        return (1, 30), False
    if scenario == "matching_paused":
        s.pause()
        return (3, 20), False
    if scenario == "matching_reopened":
        s.match()
        s.follow_ups(1)
        s.close(Outcome.WITHDRAWN)
        s.reopen()
        return (1, 20), False
    if scenario.startswith("proposed"):
        if scenario == "proposed_after_decline":
            s.propose()
            s.decline(DeclinedBy.CLIENT)
        s.propose()
        return (1, 20), False
    if is_gap(scenario):
        return _build_gap(s, scenario)
    if scenario.startswith("matched"):
        _build_matched(s, scenario)
        return (1, 300), True
    # closed_*: long enough ago that the whole history fits
    if scenario == "closed_withdrawn_proposed":
        s.propose()
        s.decline(DeclinedBy.CLIENT)
        s.close(Outcome.WITHDRAWN)
        return (5, 300), False
    if scenario == "closed_moved_matching":
        s.close(Outcome.MOVED_AWAY, after=(10, 40))
        return (5, 300), False
    s.match()
    if scenario == "closed_goal_achieved":
        s.follow_ups(rng.randint(1, 3))
        s.follow_up(Progress.GOAL_MET)
        if rng.random() < 0.6:
            s.assess("improve" if rng.random() < 0.65 else "maintain")
        s.close(Outcome.GOAL_ACHIEVED, by=rng.choice(("cm", "sc")))
    elif scenario == "closed_partially_achieved":
        s.follow_ups(rng.randint(2, 3))
        s.close(Outcome.PARTIALLY_ACHIEVED, by=rng.choice(("cm", "sc")))
    elif scenario == "closed_not_achieved":
        s.follow_up(Progress.CONCERN)
        s.follow_up(Progress.CONCERN)
        s.close(Outcome.NOT_ACHIEVED, by="sc")
    elif scenario == "closed_withdrawn_matched":
        s.follow_ups(1)
        s.close(Outcome.WITHDRAWN)
    elif scenario == "closed_transferred":
        s.follow_ups(1)
        s.follow_up(Progress.CONCERN)
        s.assess("worsen")
        s.close(Outcome.TRANSFERRED_TO_CARE)
    elif scenario == "closed_hospitalised":
        s.follow_ups(rng.randint(1, 2))
        s.pause()
        s.close(Outcome.HOSPITALISED_OR_ADMITTED, after=(20, 60))
    elif scenario == "closed_moved_matched":
        s.follow_ups(rng.randint(1, 2))
        s.close(Outcome.MOVED_AWAY)
    elif scenario == "closed_deceased":
        s.follow_ups(rng.randint(1, 3))
        s.close(Outcome.DECEASED)
    else:  # pragma: no cover - check_scenarios refuses a scenario without a script
        raise AssertionError(f"no script for scenario {scenario!r}")
    return (5, 300), False


def _build_gap(s: Script, scenario: str) -> tuple[tuple[int, int], bool]:
    s.gap()
    reasons = s.texts.gap_close_reasons
    if scenario == "gap_paused":
        s.pause()
    elif scenario == "gap_closed_not_achieved":
        outcome = Outcome.NOT_ACHIEVED
        s.close(outcome, by="sc", after=(30, 90), text=reasons[outcome])
    elif scenario == "gap_closed_transferred":
        s.assess("worsen")
        outcome = Outcome.TRANSFERRED_TO_CARE
        s.close(outcome, text=reasons[outcome])
    return ((1, 120) if scenario in ("gap", "gap_paused") else (10, 200)), False


def _build_matched(s: Script, scenario: str) -> None:
    if scenario == "matched_after_decline":
        s.propose()
        s.decline(DeclinedBy.CLIENT)
    s.match()
    if scenario == "matched_provider_ended":
        s.follow_ups(1)
        s.decline(DeclinedBy.PROVIDER, s.texts.provider_ended)
        s.match()
    elif scenario == "matched_pause_resume":
        s.follow_ups(1)
        s.pause()
        s.resume()
    elif scenario == "matched_reopened":
        s.follow_ups(1)
        s.close(Outcome.WITHDRAWN)
        s.reopen()
        s.match()
