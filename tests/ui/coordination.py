"""Builders for the coordination screens' tests: a district of their own, clients,
needs in a chosen state and resources, made through the application itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from application.clients import ClientDTO
from application.needs import NeedDTO
from application.resources import ResourceDTO
from application.security import Actor
from application.services import Services
from domain.values import (
    CareLevel,
    NeedCategory,
    PersonalData,
    ServiceType,
    Urgency,
    Weekday,
)
from tests.e2e.support import Api, District, new_district, unique
from tests.ui.support import Page


@dataclass(frozen=True)
class Town:
    """One test's district, and the actors who work in it."""

    api: Api
    app: Services
    district: District
    coordinator: Actor
    care_manager: Actor
    supervisor: Actor

    @property
    def area(self) -> str:
        return self.district.area


def town(api: Api) -> Town:
    app = api.container.services
    return Town(
        api,
        app,
        new_district(api),
        app.accounts.actor_for_username("sc"),
        app.accounts.actor_for_username("cm"),
        app.accounts.actor_for_username("boss"),
    )


def client(
    t: Town,
    care_level: CareLevel = CareLevel.SUPPORT_1,
    weekdays: Sequence[Weekday] | None = None,
    name: str = "試験 花子",
) -> ClientDTO:
    return t.app.clients.register(
        PersonalData(name, "シケン ハナコ", date(1940, 5, 6), "北町1-2-3", "090-1111-2222"),
        care_level,
        False,
        t.area,
        t.district.center,
        t.coordinator,
        available_weekdays=list(weekdays) if weekdays is not None else None,
        confirm_duplicate=True,  # the same sample person, many times over
    )


def need(
    t: Town,
    of: ClientDTO,
    category: NeedCategory = NeedCategory.SHOPPING,
    status: str = "matching",
) -> NeedDTO:
    """A need of ``of`` in ``raised``, ``matching`` or ``resource_gap``."""
    raised = t.app.needs.raise_need(
        of.id,
        category,
        "近くの店まで歩けない",
        "自分で選んで買い物をする生活を取り戻す",
        Urgency.NORMAL,
        t.coordinator,
    )
    if status == "raised":
        return raised
    matching = t.app.needs.assign(raised.id, "sc", raised.version, t.coordinator)
    if status == "matching":
        return matching
    assert status == "resource_gap", status
    return t.app.matching.record_gap(
        matching.id, "近くに資源がない", matching.version, t.coordinator
    )


def resource(
    t: Town,
    categories: Sequence[NeedCategory] = (NeedCategory.SHOPPING,),
    *,
    name: str | None = None,
    capacity: int | None = 5,
    weekdays: Sequence[Weekday] = (),
    eligible: Sequence[CareLevel] = (),
    areas: Sequence[str] | None = None,
) -> ResourceDTO:
    return t.app.resources.register(
        name or unique("資源"),
        ServiceType.VISIT_B,
        list(categories),
        list(areas) if areas is not None else [t.area],
        t.coordinator,
        capacity=capacity,
        weekdays=list(weekdays),
        eligible_care_levels=list(eligible),
    )


def hidden(page: Page, name: str, form_action: str | None = None) -> str:
    """The value of a hidden field (in the form posting to ``form_action``, if given)."""
    html = page.html
    if form_action is not None:
        start = html.index(f'action="{form_action}"')
        html = html[start : html.index("</form>", start)]
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)
