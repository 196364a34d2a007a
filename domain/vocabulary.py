"""Japanese labels of the domain's identifiers, as DOMAIN.md gives them.

Used where a sentence must be produced in Japanese outside the web UI's
translation catalogues (the API's explanations of a match, reports).
"""

from __future__ import annotations

import enum

from domain.values import CareLevel, NeedCategory, ResourceStatus, Weekday

JA: dict[enum.Enum, str] = {
    NeedCategory.SHOPPING: "買い物",
    NeedCategory.TRANSPORT: "移動・外出支援",
    NeedCategory.GARBAGE: "ゴミ出し",
    NeedCategory.HOUSEWORK: "掃除・洗濯",
    NeedCategory.MEALS: "調理・配食",
    NeedCategory.WATCH_OVER: "見守り・安否確認",
    NeedCategory.SOCIAL_PARTICIPATION: "通いの場・サロン・社会参加",
    NeedCategory.EXERCISE: "介護予防・体操",
    NeedCategory.COMPANIONSHIP: "話し相手",
    NeedCategory.YARD_WORK: "庭の手入れ・草取り",
    NeedCategory.SMALL_REPAIRS: "ちょっとした困りごと",
    NeedCategory.PAPERWORK: "金銭管理・手続き支援",
    NeedCategory.OTHER: "その他",
    CareLevel.INDEPENDENT: "自立",
    CareLevel.PROGRAM_ELIGIBLE: "事業対象者",
    CareLevel.SUPPORT_1: "要支援1",
    CareLevel.SUPPORT_2: "要支援2",
    CareLevel.CARE_1: "要介護1",
    CareLevel.CARE_2: "要介護2",
    CareLevel.CARE_3: "要介護3",
    CareLevel.CARE_4: "要介護4",
    CareLevel.CARE_5: "要介護5",
    Weekday.MON: "月",
    Weekday.TUE: "火",
    Weekday.WED: "水",
    Weekday.THU: "木",
    Weekday.FRI: "金",
    Weekday.SAT: "土",
    Weekday.SUN: "日",
    ResourceStatus.PLANNED: "準備中",
    ResourceStatus.ACTIVE: "稼働中",
    ResourceStatus.SUSPENDED: "休止中",
    ResourceStatus.CLOSED: "終了",
}


def ja(value: enum.Enum) -> str:
    """The Japanese label of ``value`` (its identifier if none is known)."""
    return JA.get(value, str(value.value))
