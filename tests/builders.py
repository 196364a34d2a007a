"""Small builders that give tests a municipality to work in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.clients import ClientDTO
from application.needs import NeedDTO
from application.resources import ResourceDTO
from application.security import SYSTEM_ACTOR, Actor
from application.services import Services
from domain.values import (
    CareLevel,
    NeedCategory,
    PersonalData,
    Role,
    ServiceType,
    Urgency,
)

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Town:
    """Two areas, two centers and one user per role (plus a second care manager)."""

    care_manager: Actor
    other_care_manager: Actor
    coordinator: Actor
    supervisor: Actor
    auditor: Actor
    admin: Actor


def make_town(app: Services) -> Town:
    app.reference.create_area("north", "北地区", SYSTEM_ACTOR)
    app.reference.create_area("south", "南地区", SYSTEM_ACTOR)
    app.reference.create_center("c-north", "北地域包括支援センター", ["north"], SYSTEM_ACTOR)
    app.reference.create_center("c-south", "南地域包括支援センター", ["south"], SYSTEM_ACTOR)
    users = {
        "cm": ([Role.CARE_MANAGER], "c-north"),
        "cm-south": ([Role.CARE_MANAGER], "c-south"),
        "sc": ([Role.COORDINATOR], None),
        "boss": ([Role.SUPERVISOR], None),
        "audit": ([Role.AUDITOR], None),
        "root": ([Role.ADMIN], None),
    }
    for username, (roles, center) in users.items():
        app.accounts.create_user(username, PASSWORD, roles, SYSTEM_ACTOR, center_code=center)
    actor = app.accounts.actor_for_username
    return Town(
        care_manager=actor("cm"),
        other_care_manager=actor("cm-south"),
        coordinator=actor("sc"),
        supervisor=actor("boss"),
        auditor=actor("audit"),
        admin=actor("root"),
    )


def make_client(
    app: Services, actor: Actor, center: str = "c-north", area: str = "north"
) -> ClientDTO:
    return app.clients.register(
        PersonalData("山田 花子", "ヤマダ ハナコ", date(1941, 4, 3), "北町1-2-3", "090-0000-0000"),
        CareLevel.SUPPORT_1,
        True,
        area,
        center,
        actor,
        confirm_duplicate=True,  # the same sample person, many times over
    )


def make_resource(
    app: Services, actor: Actor, capacity: int | None = 5, area: str = "north"
) -> ResourceDTO:
    return app.resources.register(
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
        [area],
        actor,
        capacity=capacity,
    )


def make_need(app: Services, town: Town, client: ClientDTO | None = None) -> NeedDTO:
    client = client or make_client(app, town.care_manager)
    return app.needs.raise_need(
        client.id,
        NeedCategory.SOCIAL_PARTICIPATION,
        "外出の機会が減り、閉じこもりがち",
        "週に一度はサロンに通い、友人と話す生活を取り戻す",
        Urgency.NORMAL,
        town.care_manager,
    )
