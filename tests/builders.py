"""Small builders that give tests a municipality to work in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.casework import Casework
from application.dto import ClientDTO, NeedDTO, ResourceDTO
from application.security import SYSTEM_ACTOR, Actor
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


def make_town(app: Casework) -> Town:
    app.create_area("north", "北地区", SYSTEM_ACTOR)
    app.create_area("south", "南地区", SYSTEM_ACTOR)
    app.create_center("c-north", "北地域包括支援センター", ["north"], SYSTEM_ACTOR)
    app.create_center("c-south", "南地域包括支援センター", ["south"], SYSTEM_ACTOR)
    users = {
        "cm": ([Role.CARE_MANAGER], "c-north"),
        "cm-south": ([Role.CARE_MANAGER], "c-south"),
        "sc": ([Role.COORDINATOR], None),
        "boss": ([Role.SUPERVISOR], None),
        "audit": ([Role.AUDITOR], None),
        "root": ([Role.ADMIN], None),
    }
    for username, (roles, center) in users.items():
        app.create_user(username, PASSWORD, roles, SYSTEM_ACTOR, center_code=center)
    actor = app.actor_for_username
    return Town(
        care_manager=actor("cm"),
        other_care_manager=actor("cm-south"),
        coordinator=actor("sc"),
        supervisor=actor("boss"),
        auditor=actor("audit"),
        admin=actor("root"),
    )


def make_client(
    app: Casework, actor: Actor, center: str = "c-north", area: str = "north"
) -> ClientDTO:
    return app.register_client(
        PersonalData("山田 花子", "ヤマダ ハナコ", date(1941, 4, 3), "北町1-2-3", "090-0000-0000"),
        CareLevel.SUPPORT_1,
        True,
        area,
        center,
        actor,
    )


def make_resource(
    app: Casework, actor: Actor, capacity: int | None = 5, area: str = "north"
) -> ResourceDTO:
    return app.register_resource(
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
        [area],
        actor,
        capacity=capacity,
    )


def make_need(app: Casework, town: Town, client: ClientDTO | None = None) -> NeedDTO:
    client = client or make_client(app, town.care_manager)
    return app.raise_need(
        client.id,
        NeedCategory.SOCIAL_PARTICIPATION,
        "外出の機会が減り、閉じこもりがち",
        "週に一度はサロンに通い、友人と話す生活を取り戻す",
        Urgency.NORMAL,
        town.care_manager,
    )
