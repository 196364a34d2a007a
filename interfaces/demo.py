"""The fictional demo municipality つなぐ市（架空・デモ）, loaded on first start.

Everything here is invented: the town, its areas and centers, organizations,
resources and people; phone numbers are in the unallocated 000 range. The data
is created only through the use cases of :class:`~application.services.Services`,
as the person who would have done each thing (care managers raise needs, the
coordinator matches them), so the log holds the same events real work would.

Histories span the twelve months before ``today``. The loader first *plans*
every need's history (day offsets, then moments in office hours, Japan time),
then chooses resources by replaying every confirmation and release in time
order so that no confirmation meets a full resource. Around the needs it plans
the coordinator's other two functions and a complex case: development
initiatives (資源開発) where gaps accumulate — one launches its resource and the
process manager releases the needs waiting on it, one is still under way, one
is abandoned —, councils (協議体) at tier 1 and 2 with members joining and
meetings discussing the gaps, contacts with organizations, and one client with
four needs at once (複合課題) matched by a multi-need plan. Finally it runs every
command in one chronological sequence, each inside
:func:`~domain.base.recorded_at`: the log's global order agrees with the
event timestamps.

Same seed, same data (aggregate ids are random uuid4 and differ).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache, partial
from typing import Any
from uuid import UUID

from application.errors import AlreadyExistsError
from application.needs import NeedDTO
from application.security import SYSTEM_ACTOR, Actor
from application.services import Services
from domain.base import recorded_at
from domain.reference import Area
from domain.values import (
    CareLevel,
    Contact,
    CouncilTier,
    DeclinedBy,
    Milestone,
    NeedCategory,
    NeedStatus,
    OrganizationKind,
    Outcome,
    PersonalData,
    Progress,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)

DEMO_MUNICIPALITY = "つなぐ市（架空・デモ）"
DEMO_PASSWORD = "tsunagu-demo"  # noqa: S105 - documented password of the fictional demo accounts
"""Password of every demo account, printed by ``tsunagu demo`` (the demo is for trying out only)."""

MARKER_AREA = "demo-kita"
"""The area whose presence means the demo is loaded."""

JST = timezone(timedelta(hours=9), "JST")
"""Japan Standard Time (no daylight saving time since 1951, so a fixed offset is exact)."""

HISTORY_DAYS = 360
"""The oldest need is raised at most this many days before ``today``."""

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoAccount:
    """One sign-in of the demo municipality."""

    username: str
    password: str
    role: Role
    center_code: str | None


# -- the municipality ---------------------------------------------------------------------


@dataclass(frozen=True)
class _AreaSpec:
    code: str
    name: str
    towns: tuple[str, ...]


AREAS = (
    _AreaSpec("demo-kita", "北部圏域（つなぐ市・架空・デモ）", ("北町", "桜台")),
    _AreaSpec("demo-higashi", "東部圏域（つなぐ市・架空・デモ）", ("東町", "日の出町")),
    _AreaSpec("demo-minami", "南部圏域（つなぐ市・架空・デモ）", ("南町", "緑が丘")),
    _AreaSpec("demo-nishi", "西部圏域（つなぐ市・架空・デモ）", ("西町", "松原")),
)
_AREA_BY_CODE = {a.code: a for a in AREAS}
_ALL_AREAS = tuple(a.code for a in AREAS)

CENTERS = (
    ("demo-hokuto", "つなぐ市北東地域包括支援センター（デモ）", ("demo-kita", "demo-higashi")),
    ("demo-nansei", "つなぐ市南西地域包括支援センター（デモ）", ("demo-minami", "demo-nishi")),
)
_CENTER_OF_AREA = {area: code for code, _, areas in CENTERS for area in areas}

# username, role, center, display name
_ACCOUNTS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("demo-cm", Role.CARE_MANAGER, "demo-hokuto", "北東包括 ケアマネジャー（デモ）"),
    ("demo-sc", Role.COORDINATOR, None, "生活支援コーディネーター（デモ）"),
    ("demo-boss", Role.SUPERVISOR, None, "つなぐ市 高齢福祉課（デモ）"),
    ("demo-audit", Role.AUDITOR, None, "監査・評価担当（デモ）"),
    ("demo-admin", Role.ADMIN, None, "システム管理者（デモ）"),
    ("demo-cm2", Role.CARE_MANAGER, "demo-nansei", "南西包括 ケアマネジャー（デモ）"),
)
_CARE_MANAGER_OF_CENTER = {"demo-hokuto": "demo-cm", "demo-nansei": "demo-cm2"}
_COORDINATOR = "demo-sc"


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts: one per role, plus a care manager at the second center."""
    return [
        DemoAccount(username, DEMO_PASSWORD, role, center)
        for username, role, center, _ in _ACCOUNTS
    ]


@dataclass(frozen=True)
class _OrgSpec:
    key: str
    name: str
    kind: OrganizationKind
    areas: tuple[str, ...]
    phone: str
    address: str
    registered_ago: int | None = None
    """Registered this many days before ``today`` (None: when the demo starts)."""


ORGANIZATIONS = (
    _OrgSpec(
        "shakyo",
        "つなぐ市社会福祉協議会",
        OrganizationKind.WELFARE_COUNCIL,
        _ALL_AREAS,
        "000-100-1001",
        "つなぐ市東町1-1-1 つなぐ市総合福祉センター内",
    ),
    _OrgSpec(
        "silver",
        "公益社団法人つなぐ市シルバー人材センター",
        OrganizationKind.SILVER_CENTRE,
        _ALL_AREAS,
        "000-100-1002",
        "つなぐ市南町2-3-4",
    ),
    _OrgSpec(
        "tasukeai",
        "NPO法人たすけあい北町",
        OrganizationKind.NPO,
        ("demo-kita", "demo-higashi"),
        "000-100-1003",
        "つなぐ市北町2-8-5",
    ),
    _OrgSpec(
        "minami-net",
        "NPO法人みなみ支え合いネット",
        OrganizationKind.NPO,
        ("demo-minami", "demo-nishi"),
        "000-100-1004",
        "つなぐ市緑が丘1-4-2",
    ),
    _OrgSpec(
        "kita-salon",
        "北町ふれあいサロンの会",
        OrganizationKind.RESIDENT_GROUP,
        ("demo-kita",),
        "000-100-1005",
        "つなぐ市北町3-1-10 北町公民館",
    ),
    _OrgSpec(
        "hinode",
        "日の出町町内会",
        OrganizationKind.NEIGHBOURHOOD_ASSOC,
        ("demo-higashi",),
        "000-100-1006",
        "つなぐ市日の出町4-2-1 日の出町集会所",
    ),
    _OrgSpec(
        "midori-club",
        "緑が丘いきいきクラブ",
        OrganizationKind.SENIORS_CLUB,
        ("demo-minami",),
        "000-100-1007",
        "つなぐ市緑が丘3-6-1 緑が丘集会所",
    ),
    _OrgSpec(
        "food",
        "株式会社つなぐフードサービス",
        OrganizationKind.COMPANY,
        _ALL_AREAS,
        "000-100-1008",
        "つなぐ市西町5-5-5",
    ),
    _OrgSpec(
        "coop",
        "つなぐ生活協同組合",
        OrganizationKind.COOPERATIVE,
        ("demo-higashi", "demo-minami", "demo-nishi"),
        "000-100-1009",
        "つなぐ市東町6-2-3",
    ),
    _OrgSpec(
        "fukushikai",
        "社会福祉法人つなぐ福祉会",
        OrganizationKind.SOCIAL_WELFARE_CORP,
        _ALL_AREAS,
        "000-100-1010",
        "つなぐ市松原1-10-1",
    ),
    _OrgSpec(
        "hidamari",
        "ボランティアグループ「ひだまり」",
        OrganizationKind.VOLUNTEER,
        _ALL_AREAS,
        "000-100-1011",
        "つなぐ市西町2-2-7",
    ),
    _OrgSpec(
        "shokokai",
        "つなぐ市商工会",
        OrganizationKind.COMMERCE_ASSOC,
        _ALL_AREAS,
        "000-100-1012",
        "つなぐ市東町2-5-1",
    ),
    _OrgSpec(
        "minsei",
        "つなぐ市民生委員児童委員協議会",
        OrganizationKind.WELFARE_COMMISSIONER,
        _ALL_AREAS,
        "000-100-1013",
        "つなぐ市東町1-1-1 つなぐ市総合福祉センター内",
    ),
    _OrgSpec(
        "kurashi",
        "つなぐ市くらしサポートセンター",
        OrganizationKind.PROFESSIONAL_AGENCY,
        _ALL_AREAS,
        "000-100-1014",
        "つなぐ市東町1-1-1 つなぐ市役所2階",
    ),
    # Organizations that join the network during the year.
    _OrgSpec(
        "nishi-jichikai",
        "西町自治会",
        OrganizationKind.NEIGHBOURHOOD_ASSOC,
        ("demo-nishi",),
        "000-100-1015",
        "つなぐ市西町3-8-2 西町集会所",
        registered_ago=290,
    ),
    _OrgSpec(
        "gomi-supporters",
        "西部ごみ出しサポーターの会",
        OrganizationKind.VOLUNTEER,
        ("demo-nishi",),
        "000-100-1016",
        "つなぐ市松原2-4-6 松原コミュニティハウス",
        registered_ago=127,
    ),
    _OrgSpec(
        "midori-zoen",
        "有限会社みどり造園",
        OrganizationKind.COMPANY,
        ("demo-minami", "demo-nishi"),
        "000-100-1017",
        "つなぐ市南町4-12-3",
        registered_ago=90,
    ),
)
_FOUNDING_ORGANIZATIONS = tuple(o for o in ORGANIZATIONS if o.registered_ago is None)

C = NeedCategory
W = Weekday
_WEEKDAYS = (W.MON, W.TUE, W.WED, W.THU, W.FRI)
_LIGHT = (CareLevel.PROGRAM_ELIGIBLE, CareLevel.SUPPORT_1, CareLevel.SUPPORT_2)
_PREVENTION = (CareLevel.INDEPENDENT, *_LIGHT)


@dataclass(frozen=True)
class _ResourceSpec:
    key: str
    name: str
    org: str
    service_type: ServiceType
    categories: tuple[NeedCategory, ...]
    areas: tuple[str, ...]
    weekdays: tuple[Weekday, ...]
    capacity: int | None
    """Places (None: unlimited)."""
    fee: str
    eligible: tuple[CareLevel, ...] = ()
    """Care levels it accepts (empty: everyone)."""
    popularity: int = 1
    """Relative weight when a coordinator picks among fitting resources."""
    favoured: bool = False
    """Chosen first while it has room (well known and few places: it ends nearly full)."""
    planned: bool = False
    suspended_days_ago: int | None = None
    """Suspended this many days before ``today`` (and still is)."""

    def serves(self, category: NeedCategory, area: str, level: CareLevel) -> bool:
        return (
            not self.planned
            and category in self.categories
            and area in self.areas
            and (not self.eligible or level in self.eligible)
        )


RESOURCES = (
    _ResourceSpec(
        "salon-kita",
        "ふれあいサロン北町",
        org="kita-salon",
        service_type=ServiceType.GATHERING_PLACE,
        categories=(C.SOCIAL_PARTICIPATION, C.COMPANIONSHIP),
        areas=("demo-kita",),
        weekdays=(W.WED,),
        capacity=15,
        fee="1回100円（お茶代）",
        popularity=3,
    ),
    _ResourceSpec(
        "taiso-sakura",
        "桜台いきいき百歳体操",
        org="kita-salon",
        service_type=ServiceType.GATHERING_PLACE,
        categories=(C.EXERCISE, C.SOCIAL_PARTICIPATION),
        areas=("demo-kita",),
        weekdays=(W.MON, W.THU),
        capacity=None,
        fee="無料",
        popularity=2,
    ),
    _ResourceSpec(
        "cafe-hinode",
        "地域カフェ「よりみち」",
        org="hinode",
        service_type=ServiceType.GATHERING_PLACE,
        categories=(C.SOCIAL_PARTICIPATION, C.COMPANIONSHIP),
        areas=("demo-higashi",),
        weekdays=(W.FRI,),
        capacity=12,
        fee="1回200円（お茶代）",
        popularity=3,
        suspended_days_ago=40,
    ),
    _ResourceSpec(
        "taiso-midori",
        "緑が丘ころばん体操",
        org="midori-club",
        service_type=ServiceType.GATHERING_PLACE,
        categories=(C.EXERCISE, C.SOCIAL_PARTICIPATION),
        areas=("demo-minami",),
        weekdays=(W.TUE,),
        capacity=20,
        fee="1回100円",
        popularity=2,
    ),
    _ResourceSpec(
        "hatsuratsu",
        "短期集中予防サービス「はつらつ教室」",
        org="fukushikai",
        service_type=ServiceType.DAY_C,
        categories=(C.EXERCISE,),
        areas=_ALL_AREAS,
        weekdays=(W.TUE, W.FRI),
        capacity=8,
        eligible=_LIGHT,
        fee="1回300円（3か月間）",
        popularity=2,
    ),
    _ResourceSpec(
        "minidei",
        "ミニデイサービス「いきいき広場」",
        org="fukushikai",
        service_type=ServiceType.DAY_A,
        categories=(C.EXERCISE, C.SOCIAL_PARTICIPATION),
        areas=("demo-kita", "demo-higashi"),
        weekdays=(W.THU,),
        capacity=6,
        eligible=_LIGHT,
        fee="1回400円（昼食代込み）",
        favoured=True,
    ),
    _ResourceSpec(
        "hidamari-b",
        "通所型サービスB「ひだまりサロン」",
        org="hidamari",
        service_type=ServiceType.DAY_B,
        categories=(C.SOCIAL_PARTICIPATION, C.EXERCISE, C.COMPANIONSHIP),
        areas=("demo-nishi", "demo-minami"),
        weekdays=(W.MON, W.WED),
        capacity=10,
        eligible=_LIGHT,
        fee="1回300円（昼食代別）",
        popularity=3,
    ),
    _ResourceSpec(
        "bento",
        "配食サービス「つなぐ弁当」",
        org="food",
        service_type=ServiceType.OTHER_SUPPORT,
        categories=(C.MEALS, C.WATCH_OVER),
        areas=_ALL_AREAS,
        weekdays=(*_WEEKDAYS, W.SAT),
        capacity=None,
        fee="1食550円",
        popularity=2,
    ),
    _ResourceSpec(
        "shakyo-meal",
        "ふれあい配食（見守り付き）",
        org="shakyo",
        service_type=ServiceType.OTHER_SUPPORT,
        categories=(C.MEALS, C.WATCH_OVER),
        areas=("demo-kita", "demo-higashi"),
        weekdays=(W.TUE, W.FRI),
        capacity=25,
        fee="1食400円",
        popularity=2,
    ),
    _ResourceSpec(
        "idohanbai",
        "移動販売「とくとく便」",
        org="coop",
        service_type=ServiceType.INFORMAL,
        categories=(C.SHOPPING,),
        areas=("demo-higashi", "demo-minami", "demo-nishi"),
        weekdays=(W.WED,),
        capacity=None,
        fee="無料（商品代のみ）",
        popularity=2,
    ),
    _ResourceSpec(
        "haitatsu",
        "商店会のお買い物代行・配達",
        org="shokokai",
        service_type=ServiceType.INFORMAL,
        categories=(C.SHOPPING,),
        areas=_ALL_AREAS,
        weekdays=_WEEKDAYS,
        capacity=None,
        fee="配達1回100円",
    ),
    _ResourceSpec(
        "kaimono-b",
        "買い物付き添いボランティア",
        org="tasukeai",
        service_type=ServiceType.VISIT_B,
        categories=(C.SHOPPING, C.TRANSPORT),
        areas=("demo-kita", "demo-higashi"),
        weekdays=(W.TUE, W.THU),
        capacity=6,
        eligible=_LIGHT,
        fee="1回100円",
        popularity=2,
    ),
    _ResourceSpec(
        "odekake",
        "移動支援「おでかけ号」",
        org="minami-net",
        service_type=ServiceType.VISIT_D,
        categories=(C.TRANSPORT,),
        areas=("demo-minami", "demo-nishi"),
        weekdays=(W.MON, W.WED, W.FRI),
        capacity=3,
        eligible=_LIGHT,
        fee="1回200円（燃料費実費）",
        favoured=True,
    ),
    _ResourceSpec(
        "gomi",
        "ごみ出しサポーター",
        org="shakyo",
        service_type=ServiceType.VISIT_B,
        categories=(C.GARBAGE,),
        areas=("demo-kita", "demo-higashi", "demo-minami"),
        weekdays=(W.MON, W.THU),
        capacity=12,
        fee="1回50円",
        popularity=2,
    ),
    _ResourceSpec(
        "kaji-b",
        "たすけあい家事サービス",
        org="tasukeai",
        service_type=ServiceType.VISIT_B,
        categories=(C.HOUSEWORK, C.SMALL_REPAIRS, C.GARBAGE),
        areas=("demo-kita",),
        weekdays=_WEEKDAYS,
        capacity=8,
        fee="30分250円",
        popularity=2,
    ),
    _ResourceSpec(
        "kaji-a",
        "訪問型サービスA（生活援助）",
        org="silver",
        service_type=ServiceType.VISIT_A,
        categories=(C.HOUSEWORK, C.MEALS),
        areas=_ALL_AREAS,
        weekdays=_WEEKDAYS,
        capacity=None,
        eligible=_LIGHT,
        fee="1回約250円（1割負担）",
        popularity=2,
    ),
    _ResourceSpec(
        "kusatori",
        "草取り・庭木の手入れ（北部・東部班）",
        org="silver",
        service_type=ServiceType.INFORMAL,
        categories=(C.YARD_WORK, C.SMALL_REPAIRS),
        areas=("demo-kita", "demo-higashi"),
        weekdays=_WEEKDAYS,
        capacity=None,
        fee="1時間1,200円",
    ),
    _ResourceSpec(
        "chokotto",
        "ちょこっと困りごとお助け隊",
        org="minami-net",
        service_type=ServiceType.VISIT_B,
        categories=(C.SMALL_REPAIRS,),
        areas=("demo-higashi", "demo-minami"),
        weekdays=_WEEKDAYS,
        capacity=None,
        fee="30分100円",
    ),
    _ResourceSpec(
        "mimamori",
        "見守り訪問（民生委員・協力員）",
        org="minsei",
        service_type=ServiceType.INFORMAL,
        categories=(C.WATCH_OVER, C.COMPANIONSHIP),
        areas=_ALL_AREAS,
        weekdays=(),
        capacity=None,
        fee="無料",
        popularity=2,
    ),
    _ResourceSpec(
        "keicho",
        "傾聴ボランティア「こころの窓」",
        org="hidamari",
        service_type=ServiceType.INFORMAL,
        categories=(C.COMPANIONSHIP,),
        areas=_ALL_AREAS,
        weekdays=(W.TUE, W.THU),
        capacity=10,
        fee="無料",
        popularity=2,
    ),
    _ResourceSpec(
        "jiritsu",
        "日常生活自立支援事業（金銭管理・書類手続き）",
        org="shakyo",
        service_type=ServiceType.AGENCY_REFERRAL,
        categories=(C.PAPERWORK,),
        areas=_ALL_AREAS,
        weekdays=(),
        capacity=None,
        fee="訪問1回1,200円",
    ),
    _ResourceSpec(
        "kurashi-soudan",
        "くらしと仕事の相談窓口（8050・生活困窮）",
        org="kurashi",
        service_type=ServiceType.AGENCY_REFERRAL,
        categories=(C.OTHER, C.PAPERWORK),
        areas=_ALL_AREAS,
        weekdays=_WEEKDAYS,
        capacity=None,
        fee="無料",
    ),
    _ResourceSpec(
        "otoko-daidokoro",
        "男性の料理教室「おとこの台所」（準備中）",
        org="hinode",
        service_type=ServiceType.GATHERING_PLACE,
        categories=(C.MEALS, C.SOCIAL_PARTICIPATION),
        areas=("demo-higashi",),
        weekdays=(W.SAT,),
        capacity=10,
        eligible=_PREVENTION,
        fee="1回500円（材料費）",
        planned=True,
    ),
)
_RESOURCE_BY_KEY = {r.key: r for r in RESOURCES}

# -- people ---------------------------------------------------------------------------------


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"漢字:カナ ..."`` as (written, reading) pairs."""
    return tuple(
        (written, reading) for written, _, reading in (w.partition(":") for w in text.split())
    )


_SURNAMES = _pairs(
    """
    佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ
    山本:ヤマモト 中村:ナカムラ 小林:コバヤシ 加藤:カトウ 吉田:ヨシダ 山田:ヤマダ
    佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ 木村:キムラ 林:ハヤシ
    斎藤:サイトウ 清水:シミズ 山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト
    阿部:アベ 石川:イシカワ 前田:マエダ 藤田:フジタ 岡田:オカダ 長谷川:ハセガワ
    村上:ムラカミ 近藤:コンドウ 石井:イシイ 坂本:サカモト 遠藤:エンドウ 青木:アオキ
    西村:ニシムラ 福田:フクダ 太田:オオタ 三浦:ミウラ
    """
)
_WOMEN = _pairs(
    """
    和子:カズコ 幸子:サチコ 節子:セツコ 洋子:ヨウコ 恵子:ケイコ 京子:キョウコ
    美代子:ミヨコ 久子:ヒサコ 文子:フミコ 千代子:チヨコ 静子:シズコ 信子:ノブコ
    照子:テルコ 光子:ミツコ 弘子:ヒロコ 昭子:アキコ 澄子:スミコ 芳子:ヨシコ
    君子:キミコ 富子:トミコ ハル:ハル キヨ:キヨ 松江:マツエ 貞子:サダコ
    """
)
_MEN = _pairs(
    """
    清:キヨシ 茂:シゲル 勇:イサム 博:ヒロシ 実:ミノル 正男:マサオ 武:タケシ
    一郎:イチロウ 三郎:サブロウ 昭:アキラ 進:ススム 勝:マサル 隆:タカシ 稔:ミノル
    義男:ヨシオ 保:タモツ 正:タダシ 健一:ケンイチ 俊夫:トシオ
    """
)

CLIENT_COUNT = 60

_CARE_LEVEL_WEIGHTS = {
    CareLevel.INDEPENDENT: 5,
    CareLevel.PROGRAM_ELIGIBLE: 15,
    CareLevel.SUPPORT_1: 18,
    CareLevel.SUPPORT_2: 14,
    CareLevel.CARE_1: 5,
    CareLevel.CARE_2: 3,
}

CARE_LEVEL_JA = {
    CareLevel.INDEPENDENT: "自立",
    CareLevel.PROGRAM_ELIGIBLE: "事業対象者",
    CareLevel.SUPPORT_1: "要支援1",
    CareLevel.SUPPORT_2: "要支援2",
    CareLevel.CARE_1: "要介護1",
    CareLevel.CARE_2: "要介護2",
    CareLevel.CARE_3: "要介護3",
    CareLevel.CARE_4: "要介護4",
    CareLevel.CARE_5: "要介護5",
}
_IMPROVED = {
    CareLevel.SUPPORT_2: CareLevel.SUPPORT_1,
    CareLevel.SUPPORT_1: CareLevel.PROGRAM_ELIGIBLE,
    CareLevel.PROGRAM_ELIGIBLE: CareLevel.INDEPENDENT,
    CareLevel.CARE_1: CareLevel.SUPPORT_2,
    CareLevel.CARE_2: CareLevel.CARE_1,
}
_WORSENED = {
    CareLevel.INDEPENDENT: CareLevel.SUPPORT_1,
    CareLevel.PROGRAM_ELIGIBLE: CareLevel.SUPPORT_2,
    CareLevel.SUPPORT_1: CareLevel.CARE_1,
    CareLevel.SUPPORT_2: CareLevel.CARE_1,
    CareLevel.CARE_1: CareLevel.CARE_2,
    CareLevel.CARE_2: CareLevel.CARE_3,
}

# -- needs ----------------------------------------------------------------------------------

CATEGORY_JA = {
    C.SHOPPING: "買い物",
    C.TRANSPORT: "移動・外出支援",
    C.GARBAGE: "ゴミ出し",
    C.HOUSEWORK: "掃除・洗濯",
    C.MEALS: "調理・配食",
    C.WATCH_OVER: "見守り・安否確認",
    C.SOCIAL_PARTICIPATION: "通いの場・社会参加",
    C.EXERCISE: "介護予防・体操",
    C.COMPANIONSHIP: "話し相手",
    C.YARD_WORK: "草取り・庭の手入れ",
    C.SMALL_REPAIRS: "ちょっとした困りごと",
    C.PAPERWORK: "金銭管理・手続き支援",
    C.OTHER: "その他",
}

_CATEGORY_WEIGHTS = {
    C.SOCIAL_PARTICIPATION: 14,
    C.EXERCISE: 12,
    C.SHOPPING: 10,
    C.GARBAGE: 8,
    C.MEALS: 8,
    C.WATCH_OVER: 8,
    C.HOUSEWORK: 7,
    C.TRANSPORT: 7,
    C.COMPANIONSHIP: 5,
    C.YARD_WORK: 4,
    C.SMALL_REPAIRS: 3,
    C.PAPERWORK: 3,
    C.OTHER: 2,
}

# (description, goal): the goal is the life the person wants back (取り戻したい生活).
NEED_TEXTS: dict[NeedCategory, tuple[tuple[str, str], ...]] = {
    C.SHOPPING: (
        (
            "膝の痛みで重い荷物が持てず、スーパーまでの坂道がつらい。買い物は週1回の息子頼み",
            "週1回は自分で好きな食材を選んで買い物をする",
        ),
        (
            "近所の商店が閉店し、最寄りのスーパーまで徒歩30分。日用品の買い置きが切れがち",
            "必要な食材や日用品を切らさずに暮らす",
        ),
        (
            "バスの乗り降りに不安があり、買い物に出られなくなった",
            "店に出かけ、顔なじみの店員と話しながら買い物を楽しむ",
        ),
    ),
    C.TRANSPORT: (
        (
            "整形外科への通院（月2回）の交通手段がない。タクシー代の負担が大きい",
            "月2回の通院を自分の力で続ける",
        ),
        ("運転免許を返納してから外出の機会が激減した", "週に一度は町の中心部へ出かける"),
        ("歩行が不安定で、一人ではバス停まで行けない", "付き添いがあれば地区の行事に出かけられる"),
    ),
    C.GARBAGE: (
        (
            "ゴミ集積所まで100m以上あり、分別した袋を運べない",
            "決まった日にゴミを出し、家の中を清潔に保つ",
        ),
        (
            "エレベーターのない団地の4階に住み、ゴミ出しが困難",
            "ゴミ出しの心配をせずに在宅生活を続ける",
        ),
        (
            "収集日を忘れてゴミがたまり、近所との関係が気まずくなっている",
            "収集日に合わせてゴミを出し、近所と気持ちよく暮らす",
        ),
    ),
    C.HOUSEWORK: (
        ("腰痛で浴室やトイレの掃除ができない", "できる家事は自分で続けつつ、清潔な住まいを保つ"),
        (
            "布団干しや高い所の片付けができず、部屋が散らかりがち",
            "片付いた部屋で友人を迎えられるようにする",
        ),
        (
            "妻の入院後、洗濯や掃除の仕方がわからず困っている",
            "身の回りの家事を自分で回せるようになる",
        ),
    ),
    C.MEALS: (
        (
            "一人暮らしで食事が菓子パンなどに偏り、体重が減っている",
            "1日3食、バランスよく食べて体重を戻す",
        ),
        ("火の始末が心配で、家族から調理を止められている", "温かい食事を毎日とる"),
        ("調理が負担になり、夕食を抜くことがある", "夕食を欠かさず、体力を保つ"),
    ),
    C.WATCH_OVER: (
        (
            "一人暮らしで、夜間に転倒した経験がある。家族は県外在住",
            "何かあっても誰かが気づいてくれる安心の中で暮らす",
        ),
        (
            "物忘れが増え、服薬や火の元が心配と別居の娘から相談",
            "見守りを受けながら自宅での生活を続ける",
        ),
        ("近所付き合いが減り、数日誰とも話さない日がある", "毎日誰かと顔を合わせ、声をかけ合う"),
    ),
    C.SOCIAL_PARTICIPATION: (
        ("夫を亡くしてから外出が減り、閉じこもりがち", "週1回はサロンで友人と話す"),
        ("退職後、地域に知り合いがおらず家で過ごすことが多い", "地域の集まりに参加し、役割を持つ"),
        ("老人クラブが解散し、手芸仲間と会う場がなくなった", "仲間と手芸を楽しむ時間を取り戻す"),
    ),
    C.EXERCISE: (
        ("入院後に筋力が落ち、つまずきやすくなった", "近所の公園まで休まず歩けるようになる"),
        (
            "基本チェックリストで運動機能の低下あり。本人も体力の衰えを気にしている",
            "週2回の体操を続け、転ばない体をつくる",
        ),
        ("膝の痛みで外出を控え、足腰が弱ってきた", "孫の運動会を見に行けるようにする"),
    ),
    C.COMPANIONSHIP: (
        (
            "話し相手がいないと訴え、気分の落ち込みがみられる",
            "気軽に話せる相手と週1回おしゃべりを楽しむ",
        ),
        (
            "耳が遠くなり集まりが苦手になって、人と話す機会が減った",
            "一対一でゆっくり話せる時間を持つ",
        ),
    ),
    C.YARD_WORK: (
        (
            "庭の草が伸び放題で、近所から苦情が出ている",
            "季節ごとに庭を整え、花を育てる楽しみを取り戻す",
        ),
        ("庭木の枝が隣家にはみ出しているが、脚立に上れない", "近所に気兼ねなく暮らす"),
    ),
    C.SMALL_REPAIRS: (
        ("電球や蛍光灯の交換ができず、暗い部屋で過ごしている", "明るい部屋で安心して過ごす"),
        (
            "網戸の破れや水道の水漏れなど、ちょっとした修繕を頼める人がいない",
            "困ったときに気軽に頼める人がいる",
        ),
    ),
    C.PAPERWORK: (
        ("介護保険や年金の書類が読めず、手続きが滞っている", "必要な手続きを期限内に済ませる"),
        (
            "公共料金の支払いを忘れがちで、督促状が届いている",
            "支払いを滞りなく済ませ、安心してお金を管理する",
        ),
    ),
    C.OTHER: (
        (
            "同居の長男（50代・無職）との関係に悩み、家計も苦しい（8050世帯）",
            "親子それぞれが相談先を持ち、落ち着いて暮らす",
        ),
        (
            "障害のある娘（40代）と二人暮らし。自分が倒れた後の娘の生活が心配",
            "母娘が支援につながり、安心して暮らし続ける",
        ),
    ),
}

# Reasons depend on how the resource is used: a place one goes to (通い), help at
# home (訪問・配達・見守り), or a professional agency (関係機関).
_PLACE_TYPES = frozenset(
    {
        ServiceType.GATHERING_PLACE,
        ServiceType.DAY_STANDARD,
        ServiceType.DAY_A,
        ServiceType.DAY_B,
        ServiceType.DAY_C,
    }
)
_PROPOSE_REASONS = {
    "place": (
        "{name}を提案。自宅から歩いて通える距離で、本人の希望する曜日に開かれている",
        "{name}を提案。同じ町内の参加者がいて、本人も安心できる",
        "{name}を提案。費用負担が小さく、目標とする暮らしに近づける",
    ),
    "home": (
        "{name}を提案。自宅で受けられ、本人の希望する曜日に対応できる",
        "{name}を提案。費用負担が小さく、目標とする暮らしに近づける",
        "{name}を提案。担当ケアマネジャーと相談し、目標に最も近い資源として選んだ",
    ),
    "agency": ("{name}を紹介。専門的な相談支援が必要なため、関係機関と連携して対応する",),
}
_CLIENT_DECLINES = {
    "place": (
        "開催場所が遠く、通い続ける自信がないとのこと",
        "知り合いがいないので気後れするとのこと",
        "曜日が通院日と重なるため",
        "費用の負担が気になるとのこと",
    ),
    "home": (
        "自宅に他人が入ることに抵抗があるとのこと",
        "費用の負担が気になるとのこと",
        "当面は家族が手伝うので不要とのこと",
    ),
    "agency": ("相談に行くことにまだ気持ちが向かないとのこと",),
}
_PROVIDER_BUSY = "担い手の都合がつかず、当面は受け入れが難しいと連絡あり"
_PROVIDER_FULL = "定員に達しており、空きが出るまで受け入れできないと連絡あり"
_PROVIDER_ENDED = "担い手の転居により、これまでの支援の継続が難しくなった"
_FOLLOW_UPS = {
    Progress.ON_TRACK: (
        "欠かさず利用している。『楽しみが増えた』と本人",
        "利用開始から順調。表情が明るくなったと家族から連絡あり",
        "担い手との関係も良好。本人のペースで継続中",
        "訪問時に近況を聞き取り。生活リズムが整ってきた",
        "支援のある日を目安に身支度をするなど、生活に張りが出てきた",
    ),
    Progress.CONCERN: (
        "膝の痛みで2回続けて休んだ。様子を見て再調整を検討",
        "利用を面倒がる発言あり。本人の意向を改めて確認する",
        "体調を崩し食欲が落ちている。主治医への相談を勧めた",
        "担い手の交代で戸惑いがある。提供者と調整中",
    ),
    Progress.GOAL_MET: (
        "目標としていた暮らしができるようになった",
        "本人から『前の暮らしに戻れた』との言葉あり",
        "できることが増え、支援がなくても続けられる見込み",
    ),
}
_PAUSES = (
    "肺炎で入院したため一時中断",
    "転倒による骨折で入院。退院の見通しが立つまで中断",
    "県外の長女宅に一時滞在するため中断",
    "ショートステイ利用中のため中断",
)
_RESUMES = ("退院し自宅に戻ったため再開", "自宅に戻り、本人から再開の希望あり")
_CLOSE_REASONS = {
    Outcome.GOAL_ACHIEVED: (
        "目標としていた生活を取り戻し、支援を終了",
        "自分で続けられるようになり、本人・家族と合意のうえ終結",
    ),
    Outcome.PARTIALLY_ACHIEVED: (
        "外出の機会は増えたが、目標の一部は未達成。ケアプランを見直す",
        "週1回の利用は定着したが、目標の残りは家族の支援で補う",
    ),
    Outcome.NOT_ACHIEVED: ("利用が続かず、目標は未達成のまま終結",),
    Outcome.WITHDRAWN: ("本人が利用を望まなくなったため終結", "家族の支援で足りるとの本人の意向"),
    Outcome.TRANSFERRED_TO_CARE: ("要介護認定を受け、介護給付のサービスに移行",),
    Outcome.HOSPITALISED_OR_ADMITTED: (
        "長期の入院となったため終結",
        "特別養護老人ホームへの入所が決まり終結",
    ),
    Outcome.MOVED_AWAY: ("市外の家族宅へ転居したため終結",),
    Outcome.DECEASED: ("ご逝去のため終結",),
    Outcome.DUPLICATE: ("同じニーズが重複して登録されていたため",),
}
_GAP_CLOSE_REASONS = {
    Outcome.NOT_ACHIEVED: "圏域内に担い手が見つからないまま、本人と相談のうえ終結",
    Outcome.TRANSFERRED_TO_CARE: "要介護認定を受け、介護給付の訪問介護で対応することになった",
}
_REOPEN_REASON = "本人から再度利用したいと申し出があり再開"
_GAP_REASON = "{area}に{category}を担う団体・事業所が見つからない。第2層協議体で検討を依頼"

# The histories, by how they end: counts per scenario. Needs in ``_GAP_SCENARIOS``
# are given a category no resource serves for their client (area and care level).
_SCENARIOS = {
    "raised": 7,
    "duplicate": 1,
    "matching": 5,
    "matching_declined": 3,
    "matching_full": 1,
    "matching_paused": 1,
    "matching_reopened": 1,
    "proposed": 5,
    "proposed_after_decline": 2,
    "matched": 12,
    "matched_minidei": 4,
    "matched_odekake": 2,
    "matched_after_decline": 3,
    "matched_provider_ended": 1,
    "matched_pause_resume": 3,
    "matched_paused": 2,
    "matched_reopened": 1,
    "closed_goal_achieved": 10,
    "closed_partially_achieved": 4,
    "closed_not_achieved": 2,
    "closed_withdrawn_proposed": 2,
    "closed_withdrawn_matched": 1,
    "closed_transferred": 2,
    "closed_hospitalised": 3,
    "closed_moved_matching": 1,
    "closed_moved_matched": 1,
    "closed_deceased": 2,
    "gap_raised": 1,
    "gap_matching": 2,
    "gap": 5,
    "gap_paused": 1,
    "gap_closed_not_achieved": 1,
    "gap_closed_transferred": 1,
}
_GAP_SCENARIOS = frozenset(k for k in _SCENARIOS if k.startswith("gap"))
# Scenarios that propose a second resource after the first one was declined.
_WITH_ALTERNATIVES = frozenset(
    {"proposed_after_decline", "matched_after_decline", "matched_provider_ended"}
)
# Scenarios whose need is one that a given resource serves (so that the favoured,
# small resources fill up, and a provider can refuse for want of places).
_SCENARIO_TARGETS = {
    "matched_minidei": ("minidei", C.EXERCISE),
    "matched_odekake": ("odekake", C.TRANSPORT),
    "matching_full": ("minidei", C.SOCIAL_PARTICIPATION),
}


# -- resource development, network building and a complex case ------------------------------
#
# Woven into the same timeline as the needs: three development initiatives (資源開発) for
# area × category cells where gaps accumulate (one launches its resource and releases the
# needs waiting on it, one is still under way, one is abandoned), four councils (協議体)
# with members joining and meetings over the year, the coordinator's contacts with
# organizations, and one client with several needs at once (複合課題) matched by a plan.


@dataclass(frozen=True)
class _InitiativeSpec:
    key: str
    title: str
    area: str
    category: NeedCategory
    description: str
    opened_ago: int
    waiting: tuple[tuple[int, int, str], ...]
    """Per need that waits on it: raised between (newest, oldest) days ago, and its fate:
    ``wait`` (nothing more), ``match`` (matched to the launched resource),
    ``admitted`` (closed in hospital before the launch, raised again after coming home),
    ``paused`` (paused before the launch, resumed shortly before ``today``)."""
    partners: tuple[tuple[str, int], ...]
    """(organization, days ago)."""
    milestones: tuple[tuple[Milestone, int, str, int | None], ...]
    """(milestone, days ago, note, volunteers trained)."""
    launched_ago: int | None = None
    resource: _ResourceSpec | None = None
    abandoned_ago: int | None = None
    abandon_reason: str = ""


GOMI_NISHI = _ResourceSpec(
    "gomi-nishi",
    "ごみ出しサポーター（西部圏域）",
    org="gomi-supporters",
    service_type=ServiceType.VISIT_B,
    categories=(C.GARBAGE,),
    areas=("demo-nishi",),
    weekdays=(W.MON, W.THU),
    capacity=8,
    fee="1回50円",
)

INITIATIVES = (
    _InitiativeSpec(
        "gomi",
        "西部圏域 ごみ出し支援の担い手づくり",
        "demo-nishi",
        C.GARBAGE,
        "西町・松原ではゴミ集積所が遠く、団地の上階に住む高齢者も多いが、ゴミ出しを頼める"
        "先が圏域内にない。自治会・ボランティアと協力し、近所の住民がゴミ出しを手伝う"
        "「ごみ出しサポーター」を立ち上げる",
        opened_ago=246,
        waiting=(
            (315, 335, "match"),
            (285, 300, "match"),
            (262, 275, "match"),
            (198, 215, "admitted"),
            (178, 192, "paused"),
        ),
        partners=(
            ("shakyo", 244),
            ("nishi-jichikai", 236),
            ("hidamari", 205),
            ("gomi-supporters", 126),
        ),
        milestones=(
            (
                Milestone.COUNCIL_DISCUSSED,
                185,
                "第2層協議体（西部）でサポーター養成講座の開催と、自治会の回覧での募集を合意",
                None,
            ),
            (
                Milestone.VOLUNTEERS_TRAINED,
                160,
                "ごみ出しサポーター養成講座（全2回）を開催。自治会・民生委員の呼びかけで"
                "住民14名が修了",
                14,
            ),
            (
                Milestone.PILOT_STARTED,
                140,
                "西町2丁目・3丁目の3世帯で試行開始（月・木の朝、集積所まで運ぶ）",
                None,
            ),
        ),
        launched_ago=120,
        resource=GOMI_NISHI,
    ),
    _InitiativeSpec(
        "kusatori",
        "南部圏域 草取り・庭の手入れの担い手づくり",
        "demo-minami",
        C.YARD_WORK,
        "南町・緑が丘には草取りや庭木の手入れを頼める先がない（シルバー人材センターの"
        "草取り班は北部・東部のみ）。造園業者・老人クラブ・シルバー人材センターと、"
        "有償ボランティアによる草取り隊を検討する",
        opened_ago=100,
        waiting=((170, 200, "wait"), (120, 150, "wait"), (80, 100, "wait")),
        partners=(("silver", 96), ("midori-club", 92), ("midori-zoen", 80)),
        milestones=(
            (
                Milestone.COUNCIL_DISCUSSED,
                52,
                "第2層協議体（南部）で、造園業者の指導で住民の草取り隊をつくる方針を確認",
                None,
            ),
            (
                Milestone.VOLUNTEERS_TRAINED,
                25,
                "草刈り機・剪定ばさみの安全講習会を開催（講師：みどり造園）。老人クラブ会員を"
                "中心に8名が受講",
                8,
            ),
        ),
    ),
    _InitiativeSpec(
        "komarigoto",
        "西部圏域 ちょっとした困りごと支援の立ち上げ",
        "demo-nishi",
        C.SMALL_REPAIRS,
        "電球交換や網戸の修理など、ちょっとした困りごとを頼める先が西部圏域にない。"
        "NPO法人みなみ支え合いネットの「ちょこっと困りごとお助け隊」の拡大を含めて検討する",
        opened_ago=292,
        waiting=((330, 345, "wait"), (305, 322, "wait")),
        partners=(("minami-net", 288),),
        milestones=(
            (
                Milestone.COUNCIL_DISCUSSED,
                252,
                "第2層協議体（西部）で担い手の募集方法を協議。お助け隊は人手不足で拡大は難しいとの報告",
                None,
            ),
        ),
        abandoned_ago=200,
        abandon_reason=(
            "担い手が集まらず、今年度の立ち上げは見送り。ごみ出しサポーターの会の活動が"
            "軌道に乗ってから、連携して再検討する"
        ),
    ),
)
_INITIATIVE_CELLS = frozenset((i.area, i.category) for i in INITIATIVES)
"""Where the development initiatives work: other needs do not become gaps there."""
_LAUNCHED_REASON = (
    "待機していた{name}が立ち上がったため提案。近所のサポーターが収集日の朝に集積所まで運ぶ"
)
_READMITTED_TEXT = (
    "退院して自宅に戻ったが、ゴミ出しは引き続き難しい（以前の相談は入院のため終結していた）",
    "ゴミ出しの心配をせずに在宅生活を続ける",
)
_WAITING_PAUSE = "転倒による骨折で入院。退院の見通しが立つまで中断"
_WAITING_RESUME = "リハビリを終えて退院し自宅に戻ったため再開"


@dataclass(frozen=True)
class _MeetingSpec:
    ago: int
    topics: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class _CouncilSpec:
    key: str
    name: str
    tier: CouncilTier
    area: str | None
    formed_ago: int
    members: tuple[tuple[str, int], ...]
    """(organization, joined days ago)."""
    meetings: tuple[_MeetingSpec, ...]


COUNCILS = (
    _CouncilSpec(
        "tier1",
        "つなぐ市生活支援体制整備協議体（第1層）",
        CouncilTier.MUNICIPALITY,
        None,
        formed_ago=352,
        members=(
            ("shakyo", 352),
            ("silver", 352),
            ("fukushikai", 352),
            ("coop", 352),
            ("shokokai", 352),
            ("minsei", 352),
            ("kurashi", 352),
            ("food", 230),
            ("hidamari", 150),
        ),
        meetings=(
            _MeetingSpec(
                345,
                ("今年度の活動計画", "第2層協議体の設置方針", "地域資源マップの更新"),
                "北部・西部・南部に第2層協議体を順次設置することを確認",
            ),
            _MeetingSpec(
                255,
                ("各圏域の生活支援ニーズと不足している資源の報告", "配食事業者による見守りの連携"),
            ),
            _MeetingSpec(
                150,
                (
                    "西部圏域のごみ出しサポーター養成の報告",
                    "移動・外出支援の不足への対応",
                    "住民主体の活動のサービス・活動事業（事業化）への位置づけ",
                ),
                "ごみ出しサポーターを訪問型サービスBとして位置づける方向で市と調整する",
            ),
            _MeetingSpec(
                75,
                ("新たに立ち上がった資源の報告と周知方法", "次年度の担い手養成計画"),
            ),
        ),
    ),
    _CouncilSpec(
        "kita",
        "北部圏域支え合い会議（第2層協議体）",
        CouncilTier.AREA,
        "demo-kita",
        formed_ago=330,
        members=(
            ("tasukeai", 330),
            ("kita-salon", 330),
            ("shakyo", 330),
            ("minsei", 330),
            ("fukushikai", 330),
            ("silver", 200),
        ),
        meetings=(
            _MeetingSpec(322, ("圏域の困りごとの共有", "サロン・体操教室の参加状況")),
            _MeetingSpec(
                230, ("買い物付き添いボランティアの担い手不足", "男性が参加しやすい通いの場")
            ),
            _MeetingSpec(
                140,
                ("ミニデイサービスの定員と待機者への対応", "草取り・家事援助の依頼状況"),
                "ミニデイの待機者には、空きが出るまで体操教室を案内する",
            ),
            _MeetingSpec(40, ("冬に向けた見守り体制", "来年度の通いの場の会場確保")),
        ),
    ),
    _CouncilSpec(
        "nishi",
        "西部圏域支え合い会議（第2層協議体）",
        CouncilTier.AREA,
        "demo-nishi",
        formed_ago=318,
        members=(
            ("minami-net", 318),
            ("hidamari", 318),
            ("shakyo", 318),
            ("minsei", 318),
            ("coop", 318),
            ("nishi-jichikai", 282),
            ("gomi-supporters", 115),
        ),
        meetings=(
            _MeetingSpec(310, ("圏域の困りごとの共有", "電球交換などちょっとした困りごとの相談先")),
            _MeetingSpec(
                252,
                (
                    "ゴミ出しに困る高齢者の増加（集積所が遠い・団地の上階）",
                    "ちょっとした困りごと支援の担い手探し",
                ),
                "ゴミ出し支援の立ち上げを生活支援コーディネーターが中心に進めることを確認",
            ),
            _MeetingSpec(
                185,
                (
                    "ごみ出しサポーター養成講座の開催と募集方法",
                    "困りごと支援の立ち上げ見送りの報告",
                ),
            ),
            _MeetingSpec(
                125,
                (
                    "ごみ出しサポーターの試行結果",
                    "本格実施に向けた利用の流れ（包括・ケアマネとの連携）",
                ),
            ),
            _MeetingSpec(60, ("ごみ出しサポーターの活動状況", "移動販売の停留所の追加")),
        ),
    ),
    _CouncilSpec(
        "minami",
        "南部圏域支え合い会議（第2層協議体）",
        CouncilTier.AREA,
        "demo-minami",
        formed_ago=300,
        members=(
            ("minami-net", 300),
            ("midori-club", 300),
            ("coop", 300),
            ("shakyo", 300),
            ("minsei", 300),
            ("fukushikai", 300),
            ("midori-zoen", 84),
        ),
        meetings=(
            _MeetingSpec(292, ("圏域の困りごとの共有", "ころばん体操の会場の確保")),
            _MeetingSpec(200, ("移動支援「おでかけ号」の待機者への対応", "草取りの依頼先がない")),
            _MeetingSpec(
                108,
                ("草取り・庭の手入れの不足（件数の報告）", "担い手づくりの進め方"),
                "生活支援コーディネーターが資源開発の取組として立ち上げを進める",
            ),
            _MeetingSpec(52, ("草取り隊づくり：造園業者・老人クラブとの協力", "安全講習会の開催")),
        ),
    ),
)

# The coordinator's contacts (purpose, outcome) by organization; about one a week.
_CONTACTS: dict[str, tuple[tuple[str, str], ...]] = {
    "shakyo": (
        (
            "ボランティアセンターの登録状況の確認",
            "ゴミ出し・買い物支援のボランティア登録者が増加。圏域別の一覧を共有してもらう",
        ),
        (
            "ふれあい配食の利用状況の情報交換",
            "北部・東部で配達ボランティアが不足気味。協議体で報告する",
        ),
    ),
    "silver": (
        (
            "草取り・家事援助の受注状況の確認",
            "夏場は依頼が集中し2週間待ち。早めの依頼を包括に周知する",
        ),
        ("訪問型サービスAの担い手研修の打合せ", "新規会員向けの研修を秋に実施予定"),
    ),
    "tasukeai": (
        (
            "買い物付き添いボランティアの活動報告の聞き取り",
            "利用者の満足度は高いが、担い手の高齢化が課題",
        ),
    ),
    "minami-net": (
        (
            "移動支援「おでかけ号」の運行状況の確認",
            "定員が埋まり待機者あり。運転ボランティアの追加募集を検討",
        ),
        ("お助け隊の依頼件数と担い手の状況", "南部は対応できているが、西部へ広げる余力はない"),
    ),
    "kita-salon": (
        ("サロン参加者の近況の聞き取り", "新規参加者2名が定着。男性の参加が少ないことが課題"),
    ),
    "hinode": (
        (
            "地域カフェの今後について相談",
            "集会所の改修後に再開予定。それまで町内会長宅で茶話会を開く案",
        ),
    ),
    "midori-club": (
        ("ころばん体操の参加状況の確認", "参加者が20名近くになり会場が手狭。2部制を検討"),
    ),
    "food": (
        (
            "配食時の見守り（安否確認）の連絡体制の確認",
            "異変時の連絡先を地域包括支援センターに一本化することで合意",
        ),
    ),
    "coop": (
        (
            "移動販売の停留所の追加について相談",
            "西町の団地前に停留所を追加する方向で検討してもらえることに",
        ),
    ),
    "fukushikai": (
        ("はつらつ教室の修了者の受け皿について", "修了後は地域の体操教室へつなぐ流れを包括と確認"),
    ),
    "hidamari": (
        ("傾聴ボランティア養成講座の打合せ", "講座の会場と日程を決定。社会福祉協議会と共催"),
        ("ひだまりサロンの送迎の相談", "近所の参加者同士で誘い合う形を試す"),
    ),
    "shokokai": (
        (
            "お買い物代行・配達の利用拡大について説明",
            "加盟店に高齢者向け配達の案内を配布してもらえることに",
        ),
    ),
    "minsei": (
        (
            "見守り訪問の対象者の情報共有（個人情報の取扱いを確認のうえ）",
            "見守りが必要な一人暮らしの高齢者3名を包括につなぐ",
        ),
    ),
    "kurashi": (("8050世帯の支援の連携について", "同行訪問の手順と役割分担を確認"),),
    "nishi-jichikai": (
        (
            "ごみ出しサポーターの募集の回覧について",
            "次回の回覧板で募集チラシを回してもらえることに",
        ),
    ),
    "gomi-supporters": (
        ("サポーターの活動の振り返り", "雨の日の対応と、不在時の連絡方法を決めた"),
    ),
    "midori-zoen": (("草取り隊への技術指導の相談", "安全講習会の講師を引き受けてもらえることに"),),
}
_CONTACT_WEIGHTS = {"shakyo": 3, "minsei": 2, "minami-net": 2, "silver": 2, "hidamari": 2}
# Contacts that belong to the development stories: (days ago, organization, purpose, outcome).
_STORY_CONTACTS = (
    (
        296,
        "minami-net",
        "西部圏域での困りごと支援について相談",
        "お助け隊は人手不足で、西部への拡大は当面難しい",
    ),
    (
        240,
        "nishi-jichikai",
        "ゴミ出しに困っている世帯の状況を聞き取り",
        "集積所が遠い地区が多く、自治会でも課題と認識している",
    ),
    (
        210,
        "hidamari",
        "ごみ出しサポーター養成講座への協力の依頼",
        "講座の運営と、修了者の見守り活動への参加に協力してもらえる",
    ),
    (124, "gomi-supporters", "会の活動のルールづくり", "会則・連絡網・活動日（月・木）を決めた"),
    (
        98,
        "silver",
        "南部での草取り班の設置について相談",
        "会員が少なく班の設置は難しいが、講習の講師なら出せる",
    ),
    (
        88,
        "midori-zoen",
        "草取り隊の立ち上げへの協力のお願い",
        "道具の貸し出しと講習会の講師を引き受けてもらえることに",
    ),
)

# The complex case: one person with several needs at once, raised on the same day.
COMPLEX_AREA = "demo-nishi"
COMPLEX_LEVEL = CareLevel.SUPPORT_2
COMPLEX_RAISED_AGO = 47
COMPLEX_WEEKDAYS = (W.MON, W.TUE, W.THU, W.FRI)
"""Wednesday is the hospital day."""
COMPLEX_NEEDS: tuple[tuple[NeedCategory, str, str, Urgency], ...] = (
    (
        C.SHOPPING,
        "心不全での入院から退院したばかりで長く歩けず、食料品の買い出しができない",
        "食べたい物を自分で選び、食事を切らさずに暮らす",
        Urgency.NORMAL,
    ),
    (
        C.GARBAGE,
        "集積所まで坂道を下る必要があり、退院後はゴミ袋を運べない",
        "ゴミ出しの心配をせずに在宅生活を続ける",
        Urgency.NORMAL,
    ),
    (
        C.WATCH_OVER,
        "一人暮らしで、体調の急変に気づく人がいない。別居の長男は県外在住",
        "何かあっても誰かが気づいてくれる安心の中で暮らす",
        Urgency.HIGH,
    ),
    (
        C.COMPANIONSHIP,
        "入院をきっかけに気持ちが沈み、誰とも話さない日が続いている",
        "気軽に話せる相手と週に一度はおしゃべりを楽しむ",
        Urgency.NORMAL,
    ),
)
COMPLEX_PLAN_REASON = (
    "退院後の一人暮らしを支えるため、買い物・ゴミ出し・見守り・話し相手をまとめて提案"
    "（複合課題。担当ケアマネジャーと協議済み）"
)
AVAILABILITY_SHARE = 0.35
"""Share of clients whose available weekdays are known when they register."""


# -- the plan -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Client:
    personal: PersonalData
    care_level: CareLevel
    frailty: bool
    area: str
    center: str
    registered_at: datetime | None = None
    available: tuple[Weekday, ...] | None = None
    """Weekdays the client can take part, when known at registration."""
    id: UUID | None = None
    version: int = 0
    level_now: CareLevel = CareLevel.INDEPENDENT


_UNPLACED = datetime.min.replace(tzinfo=UTC)


@dataclass(eq=False)
class _Step:
    kind: str
    day: int
    """Days after the need was raised."""
    by: str = "sc"
    """``cm`` (the client's care manager) or ``sc`` (the coordinator)."""
    text: str = ""
    progress: Progress | None = None
    outcome: Outcome | None = None
    declined_by: DeclinedBy | None = None
    assessment: str = ""
    start_in: int = 0
    attempt: _Attempt | None = None
    at: datetime = _UNPLACED


@dataclass(eq=False)
class _Attempt:
    """One proposal of a resource, and whether and how long it held a place."""

    propose: _Step
    confirm: _Step | None = None
    declined: _Step | None = None
    """Declined before confirmation."""
    end: _Step | None = None
    """The step that gave the place back (declined or closed while matched)."""
    full: bool = False
    """The provider declines because it is full (when some fitting resource is)."""
    resource: str | None = None


@dataclass(eq=False)
class _Need:
    client: _Client
    category: NeedCategory
    description: str
    goal: str
    urgency: Urgency
    scenario: str
    care_plan_ref: str | None = None
    steps: list[_Step] = field(default_factory=list)
    attempts: list[_Attempt] = field(default_factory=list)
    id: UUID | None = None
    version: int = 0
    status: NeedStatus | None = None
    """As the last command left it (the loader reads it back after a process manager moved it)."""
    proposed: UUID | None = None
    """The resource a match plan proposed."""


class _Script:
    """Builds one need's history as steps a number of days apart."""

    def __init__(self, rng: random.Random, need: _Need) -> None:
        self.rng = rng
        self.need = need
        self.day = 0
        self.attempt: _Attempt | None = None
        self.matched = False

    def _add(self, kind: str, after: tuple[int, int], **fields: Any) -> _Step:
        self.day += self.rng.randint(*after)
        step = _Step(kind, self.day, **fields)
        self.need.steps.append(step)
        return step

    def assign(self) -> None:
        self._add("assign", (1, 4))

    def propose(self, *, full: bool = False) -> None:
        step = self._add("propose", (2, 14))  # the reason follows the resource chosen
        self.attempt = _Attempt(propose=step, full=full)
        step.attempt = self.attempt
        self.need.attempts.append(self.attempt)

    def decline(self, by: DeclinedBy, text: str | None = None) -> None:
        assert self.attempt is not None  # noqa: S101 - a script bug, not a business rule
        if text is None:  # a client's reason follows the resource chosen
            text = "" if by is DeclinedBy.CLIENT else _PROVIDER_BUSY
        step = self._add("decline", (3, 12), declined_by=by, text=text, attempt=self.attempt)
        if self.matched:
            self.attempt.end = step
            self.matched = False
        else:
            self.attempt.declined = step

    def confirm(self) -> None:
        assert self.attempt is not None  # noqa: S101 - a script bug, not a business rule
        step = self._add("confirm", (3, 10), start_in=self.rng.randint(3, 10), attempt=self.attempt)
        self.attempt.confirm = step
        self.matched = True

    def follow_up(self, progress: Progress, after: tuple[int, int] = (21, 45)) -> None:
        by = self.rng.choice(("cm", "sc"))
        self._add(
            "follow_up",
            after,
            by=by,
            progress=progress,
            text=self.rng.choice(_FOLLOW_UPS[progress]),
        )

    def follow_ups(self, count: int) -> None:
        for _ in range(count):
            self.follow_up(Progress.ON_TRACK if self.rng.random() < 0.8 else Progress.CONCERN)

    def pause(self) -> None:
        self._add("pause", (5, 20), by="cm", text=self.rng.choice(_PAUSES))

    def resume(self) -> None:
        self._add("resume", (14, 40), by="cm", text=self.rng.choice(_RESUMES))

    def gap(self) -> None:
        self._add("gap", (5, 20), text=_gap_reason(self.need))

    def assess(self, kind: str) -> None:
        self._add("assess", (2, 10), by="cm", assessment=kind)

    def close(
        self,
        outcome: Outcome,
        by: str = "cm",
        after: tuple[int, int] = (5, 20),
        text: str | None = None,
    ) -> None:
        text = text or self.rng.choice(_CLOSE_REASONS[outcome])
        step = self._add("close", after, by=by, outcome=outcome, text=text)
        if self.matched and self.attempt is not None:
            self.attempt.end = step
            self.matched = False

    def reopen(self) -> None:
        self._add("reopen", (20, 60), text=_REOPEN_REASON)

    def match(self) -> None:
        self.propose()
        self.confirm()


def _build(s: _Script, scenario: str) -> tuple[tuple[int, int], bool]:
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
    if scenario.startswith("gap"):
        s.gap()
        if scenario == "gap_paused":
            s.pause()
        elif scenario == "gap_closed_not_achieved":
            outcome = Outcome.NOT_ACHIEVED
            s.close(outcome, by="sc", after=(30, 90), text=_GAP_CLOSE_REASONS[outcome])
        elif scenario == "gap_closed_transferred":
            s.assess("worsen")
            outcome = Outcome.TRANSFERRED_TO_CARE
            s.close(outcome, text=_GAP_CLOSE_REASONS[outcome])
        return ((1, 120) if scenario in ("gap", "gap_paused") else (10, 200)), False
    if scenario.startswith("matched"):
        if scenario == "matched_after_decline":
            s.propose()
            s.decline(DeclinedBy.CLIENT)
        s.match()
        if scenario == "matched_provider_ended":
            s.follow_ups(1)
            s.decline(DeclinedBy.PROVIDER, _PROVIDER_ENDED)
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
    else:  # pragma: no cover - a scenario without a script is a bug
        raise AssertionError(f"no script for scenario {scenario!r}")
    return (5, 300), False


def _moment(day: date, minutes: int) -> datetime:
    """``minutes`` after 9:00 in Tokyo on ``day``, in UTC."""
    return (datetime.combine(day, time(9, 0), tzinfo=JST) + timedelta(minutes=minutes)).astimezone(
        UTC
    )


def _office_minutes(rng: random.Random, earliest: int = 0) -> int:
    """Minutes after 9:00 within office hours (until 17:30)."""
    return rng.randint(earliest, 510)


def _make_clients(rng: random.Random) -> list[_Client]:
    clients: list[_Client] = []
    while len(clients) < CLIENT_COUNT:
        _add_client(rng, clients)
    return clients


def _add_client(
    rng: random.Random,
    clients: list[_Client],
    area_code: str | None = None,
    level: CareLevel | None = None,
) -> _Client | None:
    """Append a new client with a name nobody has yet (None: the name was taken)."""
    surname, surname_kana = rng.choice(_SURNAMES)
    given, given_kana = rng.choice(_WOMEN if rng.random() < 0.65 else _MEN)
    name = f"{surname} {given}"
    if any(c.personal.name == name for c in clients):
        return None
    area = rng.choice(AREAS) if area_code is None else _AREA_BY_CODE[area_code]
    town = rng.choice(area.towns)
    address = f"つなぐ市{town}{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 15)}"
    if rng.random() < 0.15:
        address += f" {town}団地{rng.randint(1, 6)}-{rng.randint(1, 4)}0{rng.randint(1, 8)}"
    born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 20 * 365 + 4))
    if level is None:
        level = rng.choices(list(_CARE_LEVEL_WEIGHTS), list(_CARE_LEVEL_WEIGHTS.values()))[0]
    frail = rng.random() < (0.4 if level is CareLevel.INDEPENDENT else 0.7)
    client = _Client(
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
        center=_CENTER_OF_AREA[area.code],
        level_now=level,
    )
    clients.append(client)
    return client


@cache
def _serving(area: str, level: CareLevel, category: NeedCategory) -> tuple[_ResourceSpec, ...]:
    return tuple(r for r in RESOURCES if r.serves(category, area, level))


def _fitting(client: _Client, category: NeedCategory) -> tuple[_ResourceSpec, ...]:
    """Resources that serve ``category`` for ``client`` (area and care level)."""
    return _serving(client.area, client.care_level, category)


def _categories(client: _Client, served: bool) -> list[NeedCategory]:
    """Categories some resource serves for ``client`` (or none does, when not ``served``).

    Needs without a fitting resource avoid the cells of the development
    initiatives, whose needs are written by :func:`_plan_development`.
    """
    return [
        c
        for c in NeedCategory
        if bool(_fitting(client, c)) == served
        and (served or (c is not C.OTHER and (client.area, c) not in _INITIATIVE_CELLS))
    ]


def _make_needs(rng: random.Random, clients: list[_Client]) -> list[_Need]:
    scenarios = [name for name, count in _SCENARIOS.items() for _ in range(count)]
    # Needs without any fitting resource first, so they can pick the clients that have such needs.
    gap_first = sorted(scenarios, key=lambda name: name not in _GAP_SCENARIOS)
    unused = clients[:]
    rng.shuffle(unused)
    taken: dict[int, set[NeedCategory]] = defaultdict(set)
    needs: list[_Need] = []
    for scenario in gap_first:
        served = scenario not in _GAP_SCENARIOS
        target, only = _SCENARIO_TARGETS.get(scenario, (None, None))
        for pool in (unused, clients):
            options = [
                (client, category)
                for client in pool
                for category in _categories(client, served)
                if category not in taken[id(client)]
                and (only is None or category is only)
                and (scenario not in _WITH_ALTERNATIVES or len(_fitting(client, category)) > 1)
                and (
                    target is None
                    or _RESOURCE_BY_KEY[target].serves(category, client.area, client.care_level)
                )
            ]
            if options:
                break
        weights = [_CATEGORY_WEIGHTS[category] for _, category in options]
        client, category = rng.choices(options, weights)[0]
        if client in unused:
            unused.remove(client)
        taken[id(client)].add(category)
        description, goal = rng.choice(NEED_TEXTS[category])
        needs.append(_Need(client, category, description, goal, _urgency(rng, category), scenario))
    rng.shuffle(needs)
    return needs


def _urgency(rng: random.Random, category: NeedCategory) -> Urgency:
    high = 0.25 if category in (C.MEALS, C.WATCH_OVER, C.TRANSPORT, C.OTHER) else 0.08
    roll = rng.random()
    return Urgency.HIGH if roll < high else Urgency.LOW if roll > 0.8 else Urgency.NORMAL


def _place(rng: random.Random, need: _Need, today: date) -> None:
    """Write the need's script and fix every step's moment before ``today``."""
    script = _Script(rng, need)
    slack, ongoing = _build(script, need.scenario)
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
    raised_at = _moment(raised_on, _office_minutes(rng, 30))
    need.steps.insert(0, _Step("raise", 0, by="cm", at=raised_at))
    for step in need.steps[1:]:
        step.at = _moment(raised_on + timedelta(days=step.day), _office_minutes(rng))
    _registers_before(rng, need.client, raised_at)
    need.care_plan_ref = _care_plan_ref(rng, need.client, raised_on)


def _registers_before(rng: random.Random, client: _Client, raised_at: datetime) -> None:
    """The care manager registers the client minutes before raising their first need."""
    registered = raised_at - timedelta(minutes=rng.randint(10, 30))
    if client.registered_at is None or registered < client.registered_at:
        client.registered_at = registered


def _care_plan_ref(rng: random.Random, client: _Client, raised_on: date) -> str | None:
    level = client.care_level
    if level is not CareLevel.INDEPENDENT and rng.random() < 0.8:
        plan = "ケアプラン" if level.rank >= CareLevel.CARE_1.rank else "介護予防ケアプラン"
        return f"{plan} R{raised_on.year - 2018}-{rng.randint(1, 999):04d}"
    return None


def _gap_reason(need: _Need) -> str:
    area = _AREA_BY_CODE[need.client.area].name.split("（")[0]
    return _GAP_REASON.format(area=area, category=CATEGORY_JA[need.category])


def _assign_resources(rng: random.Random, needs: list[_Need], today: date) -> None:
    """Choose each proposal's resource so that no confirmation meets a full resource.

    Confirmations and releases are replayed in time order (a greedy, exact
    capacity check). A confirmation that finds every fitting resource full is
    turned into the provider declining, and the rest of that history dropped.
    """
    suspended_at = {r.key: at for r in RESOURCES if (at := _suspension(r, today)) is not None}
    held: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)

    def active(key: str, *moments: datetime) -> bool:
        return all(m < suspended_at.get(key, datetime.max.replace(tzinfo=UTC)) for m in moments)

    def occupied(key: str, moment: datetime) -> int:
        return sum(
            1 for start, end in held[key] if start <= moment and (end is None or moment < end)
        )

    def has_room(spec: _ResourceSpec, moment: datetime) -> bool:
        return spec.capacity is None or occupied(spec.key, moment) < spec.capacity

    def pick(need: _Need, options: list[_ResourceSpec], moment: datetime) -> _ResourceSpec:
        used = {a.resource for a in need.attempts}
        fresh = [r for r in options if r.key not in used] or options
        favoured = [r for r in fresh if r.favoured and has_room(r, moment)]
        if favoured:
            return favoured[0]
        return rng.choices(fresh, [r.popularity for r in fresh])[0]

    def decided(attempt: _Attempt) -> datetime:
        return attempt.confirm.at if attempt.confirm else attempt.propose.at

    attempts = [(decided(a), i, need, a) for i, need in enumerate(needs) for a in need.attempts]
    dropped: set[int] = set()
    for _, _, need, attempt in sorted(attempts, key=lambda t: (t[0], t[1])):
        if id(attempt.propose) in dropped:
            continue
        client = need.client
        moments = [attempt.propose.at] + ([attempt.confirm.at] if attempt.confirm else [])
        options = [r for r in _fitting(client, need.category) if active(r.key, *moments)]
        if not options:  # nothing open to propose at that time: the coordinator keeps looking
            dropped |= _truncate(need, attempt.propose, None)
            continue
        if attempt.full:
            full = [r for r in options if not has_room(r, attempt.propose.at)]
            chosen = pick(need, full or options, attempt.propose.at)
            if full and attempt.declined is not None:
                attempt.declined.text = _PROVIDER_FULL
        elif attempt.confirm is None:
            chosen = pick(need, options, attempt.propose.at)
        else:
            roomy = [r for r in options if has_room(r, attempt.confirm.at)]
            chosen = pick(need, roomy or options, attempt.confirm.at)
            if roomy:
                end = attempt.end.at if attempt.end else None
                held[chosen.key].append((attempt.confirm.at, end))
            else:
                refusal = _Step(
                    "decline",
                    attempt.confirm.day,
                    declined_by=DeclinedBy.PROVIDER,
                    text=_PROVIDER_FULL,
                    attempt=attempt,
                    at=attempt.confirm.at,
                )
                dropped |= _truncate(need, attempt.confirm, refusal)
        attempt.resource = chosen.key
        style = _style(chosen)
        attempt.propose.text = rng.choice(_PROPOSE_REASONS[style]).format(name=chosen.name)
        declined = attempt.declined
        if declined is not None and declined.declined_by is DeclinedBy.CLIENT:
            declined.text = rng.choice(_CLIENT_DECLINES[style])


def _suspension(spec: _ResourceSpec, today: date) -> datetime | None:
    """When ``spec`` is suspended (10:00 that day), if it is."""
    if spec.suspended_days_ago is None:
        return None
    return _moment(today - timedelta(days=spec.suspended_days_ago), 60)


def _style(spec: _ResourceSpec) -> str:
    if spec.service_type is ServiceType.AGENCY_REFERRAL:
        return "agency"
    return "place" if spec.service_type in _PLACE_TYPES else "home"


def _truncate(need: _Need, first: _Step, replacement: _Step | None) -> set[int]:
    """Drop ``first`` and every later step of ``need``; returns the dropped proposals."""
    index = need.steps.index(first)
    gone = need.steps[index:]
    need.steps[index:] = [replacement] if replacement else []
    return {id(step) for step in gone if step.kind == "propose"}


# -- planning the development, network and complex-case stories --------------------------------

"""The read models that candidates and match plans are computed from."""
MEETING_NEEDS = 8
"""At most this many waiting needs are named in a tier-2 council's minutes."""
_Action = Callable[["_Loader"], None]
_Planned = tuple[datetime, _Action]
_GONE_SCENARIOS = frozenset(
    {"closed_deceased", "closed_moved_matching", "closed_moved_matched", "closed_hospitalised"}
)
"""Histories after which the client has no new needs (died, moved, admitted)."""
_WAITING = frozenset({NeedStatus.RESOURCE_GAP, NeedStatus.IN_DEVELOPMENT})


@dataclass(eq=False)
class _InitiativeRun:
    spec: _InitiativeSpec
    needs: list[_Need] = field(default_factory=list)
    id: UUID | None = None
    version: int = 0


@dataclass(eq=False)
class _CouncilRun:
    spec: _CouncilSpec
    id: UUID | None = None
    version: int = 0


def _on(today: date, ago: int) -> date:
    return today - timedelta(days=ago)


def _at(
    rng: random.Random, today: date, ago: int, earliest: int = 0, latest: int = 510
) -> datetime:
    """``ago`` days before ``today``, ``earliest`` to ``latest`` minutes after 9:00."""
    return _moment(_on(today, ago), rng.randint(earliest, latest))


def _story_step(need: _Need, kind: str, at: datetime, **fields: Any) -> _Step:
    day = (at - need.steps[0].at).days if need.steps else 0
    step = _Step(kind, day, at=at, **fields)
    need.steps.append(step)
    return step


def _story_need(
    rng: random.Random,
    client: _Client,
    category: NeedCategory,
    raised_at: datetime,
    text: tuple[str, str] | None = None,
    urgency: Urgency | None = None,
) -> _Need:
    description, goal = text or rng.choice(NEED_TEXTS[category])
    need = _Need(client, category, description, goal, urgency or _urgency(rng, category), "story")
    _story_step(need, "raise", raised_at, by="cm")
    _registers_before(rng, client, raised_at)
    need.care_plan_ref = _care_plan_ref(rng, client, raised_at.astimezone(JST).date())
    return need


def _story_client(
    rng: random.Random,
    clients: list[_Client],
    needs: list[_Need],
    area: str,
    category: NeedCategory,
    used: set[int],
) -> _Client:
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
    client = rng.choice(options) if options else _new_client(rng, clients, area)
    used.add(id(client))
    return client


def _new_client(
    rng: random.Random, clients: list[_Client], area: str, level: CareLevel | None = None
) -> _Client:
    while (client := _add_client(rng, clients, area, level)) is None:
        continue
    return client


def _match_to(
    rng: random.Random,
    need: _Need,
    spec: _ResourceSpec,
    propose_at: datetime,
    reason: str,
    today: date,
) -> None:
    """Propose ``spec`` at ``propose_at``, confirm days later, then follow up monthly."""
    propose = _story_step(need, "propose", propose_at, text=reason.format(name=spec.name))
    attempt = _Attempt(propose=propose, resource=spec.key)
    propose.attempt = attempt
    need.attempts.append(attempt)
    ago = (today - propose_at.astimezone(JST).date()).days - rng.randint(4, 8)
    confirm = _story_step(
        need, "confirm", _at(rng, today, ago), start_in=rng.randint(3, 7), attempt=attempt
    )
    attempt.confirm = confirm
    ago -= rng.randint(25, 40)
    while ago > 3:
        progress = Progress.ON_TRACK if rng.random() < 0.8 else Progress.CONCERN
        text = rng.choice(_FOLLOW_UPS[progress])
        _story_step(need, "follow_up", _at(rng, today, ago), progress=progress, text=text)
        ago -= rng.randint(25, 40)


def _plan_development(
    rng: random.Random, clients: list[_Client], needs: list[_Need], today: date
) -> list[_Planned]:
    """Gap needs accumulate in each initiative's cell; the initiative opens, links them,
    gains partners and milestones, and launches its resource or is abandoned."""
    planned: list[_Planned] = []
    for spec in INITIATIVES:
        run = _InitiativeRun(spec)
        opened = _at(rng, today, spec.opened_ago, 0, 240)
        planned.append((opened, partial(_Loader.open_initiative, run=run)))
        used: set[int] = set()
        for newest, oldest, fate in spec.waiting:
            client = _story_client(rng, clients, needs, spec.area, spec.category, used)
            raised_ago = rng.randint(newest, oldest)
            need = _story_need(rng, client, spec.category, _at(rng, today, raised_ago, 30))
            assign_ago = raised_ago - rng.randint(1, 3)
            _story_step(need, "assign", _at(rng, today, assign_ago))
            gap_ago = assign_ago - rng.randint(4, 12)
            _story_step(need, "gap", _at(rng, today, gap_ago), text=_gap_reason(need))
            link_ago = min(gap_ago - rng.randint(1, 3), spec.opened_ago - rng.randint(1, 3))
            planned.append((_at(rng, today, link_ago), partial(_Loader.link, run=run, need=need)))
            run.needs.append(need)
            needs.append(need)
            _plan_fate(rng, spec, need, fate, link_ago, needs, today)
        for org, ago in spec.partners:
            planned.append((_at(rng, today, ago), partial(_Loader.partner, run=run, org=org)))
        for milestone, ago, note, volunteers in spec.milestones:
            action = partial(
                _Loader.milestone,
                run=run,
                milestone=milestone,
                on=_on(today, ago),
                note=note,
                volunteers=volunteers,
            )
            planned.append((_at(rng, today, ago, 460), action))  # after that day's meeting
        if spec.launched_ago is not None:
            at = _at(rng, today, spec.launched_ago, 0, 240)
            planned.append((at, partial(_Loader.launch, run=run)))
        if spec.abandoned_ago is not None:
            at = _at(rng, today, spec.abandoned_ago)
            planned.append((at, partial(_Loader.abandon, run=run)))
    return planned


def _plan_fate(
    rng: random.Random,
    spec: _InitiativeSpec,
    need: _Need,
    fate: str,
    link_ago: int,
    needs: list[_Need],
    today: date,
) -> None:
    """What happens to a need waiting on ``spec`` after it was linked."""
    if fate == "wait":
        return
    launched_ago, resource = spec.launched_ago, spec.resource
    if launched_ago is None or resource is None:  # pragma: no cover - a spec bug
        raise AssertionError(f"fate {fate!r} needs a launched initiative ({spec.key})")
    if fate == "match":
        propose_ago = launched_ago - rng.randint(2, 8)
        _match_to(rng, need, resource, _at(rng, today, propose_ago), _LAUNCHED_REASON, today)
    elif fate == "paused":
        pause_ago = launched_ago + rng.randint(20, 35)
        if pause_ago >= link_ago:  # pragma: no cover - a spec bug
            raise AssertionError(f"{spec.key}: paused before being linked")
        _story_step(need, "pause", _at(rng, today, pause_ago), by="cm", text=_WAITING_PAUSE)
        resume = _at(rng, today, rng.randint(10, 18))
        _story_step(need, "resume", resume, by="cm", text=_WAITING_RESUME)
    elif fate == "admitted":
        close_ago = launched_ago + rng.randint(25, 40)
        if close_ago >= link_ago:  # pragma: no cover - a spec bug
            raise AssertionError(f"{spec.key}: closed before being linked")
        outcome = Outcome.HOSPITALISED_OR_ADMITTED
        text = _CLOSE_REASONS[outcome][0]
        _story_step(need, "close", _at(rng, today, close_ago), by="cm", outcome=outcome, text=text)
        # Home again: the same need is raised again (a re-occurrence within 180 days).
        raised_ago = rng.randint(66, 74)
        again = _story_need(
            rng, need.client, need.category, _at(rng, today, raised_ago, 30), _READMITTED_TEXT
        )
        _story_step(again, "assign", _at(rng, today, raised_ago - rng.randint(1, 2)))
        propose_at = _at(rng, today, raised_ago - rng.randint(4, 7))
        reason = rng.choice(_PROPOSE_REASONS["home"])
        _match_to(rng, again, resource, propose_at, reason, today)
        needs.append(again)
    else:  # pragma: no cover - a spec bug
        raise AssertionError(f"unknown fate {fate!r}")


def _plan_complex_case(
    rng: random.Random, clients: list[_Client], needs: list[_Need], today: date
) -> list[_Planned]:
    """A person back from hospital with four needs at once (複合課題), matched by one plan."""
    client = _new_client(rng, clients, COMPLEX_AREA, COMPLEX_LEVEL)
    client.frailty = True
    ago = COMPLEX_RAISED_AGO
    mine: list[_Need] = []
    for i, (category, description, goal, urgency) in enumerate(COMPLEX_NEEDS):
        raised_at = _moment(_on(today, ago), 90 + 6 * i)
        need = _story_need(rng, client, category, raised_at, (description, goal), urgency)
        _story_step(need, "assign", _moment(_on(today, ago - 2), 60 + 4 * i))
        mine.append(need)
        needs.append(need)
    planned: list[_Planned] = [
        (
            _at(rng, today, ago - 3),
            partial(_Loader.record_availability, client=client, weekdays=COMPLEX_WEEKDAYS),
        ),
        (_at(rng, today, ago - 5), partial(_Loader.plan_matches, client=client, needs=mine)),
    ]
    for need in mine:
        confirm_ago = ago - rng.randint(9, 12)
        action = partial(
            _Loader.confirm_planned,
            need=need,
            start=_on(today, confirm_ago - rng.randint(2, 5)),
        )
        planned.append((_at(rng, today, confirm_ago), action))
        follow_ago = rng.randint(5, 15)
        progress = Progress.ON_TRACK
        action = partial(
            _Loader.follow_up_planned,
            need=need,
            text=rng.choice(_FOLLOW_UPS[progress]),
            progress=progress,
        )
        planned.append((_at(rng, today, follow_ago), action))
    return planned


def _plan_network(rng: random.Random, needs: list[_Need], today: date) -> list[_Planned]:
    """Organizations joining, councils with members and meetings, the coordinator's contacts."""
    planned: list[_Planned] = []
    for org_spec in ORGANIZATIONS:
        if org_spec.registered_ago is not None:
            at = _at(rng, today, org_spec.registered_ago, 0, 200)
            planned.append((at, partial(_Loader.register_organization, spec=org_spec)))
    for spec in COUNCILS:
        run = _CouncilRun(spec)
        formed = _moment(_on(today, spec.formed_ago), rng.randint(240, 300))
        planned.append((formed, partial(_Loader.form_council, run=run)))
        for i, (org, ago) in enumerate(spec.members):
            at = (
                formed + timedelta(minutes=5 * (i + 1))
                if ago == spec.formed_ago
                else _at(rng, today, ago, 0, 300)
            )
            action = partial(_Loader.admit, run=run, org=org, on=_on(today, ago))
            planned.append((at, action))
        for meeting in spec.meetings:
            members = [org for org, ago in spec.members if ago > meeting.ago]
            attendees = [org for org in members if rng.random() < 0.85] or members
            action = partial(
                _Loader.meeting,
                run=run,
                spec=meeting,
                on=_on(today, meeting.ago),
                attendees=tuple(attendees),
                needs=needs,
            )
            planned.append((_at(rng, today, meeting.ago, 360, 450), action))
    registered = {o.key: o.registered_ago or HISTORY_DAYS + 10 for o in ORGANIZATIONS}
    ago = HISTORY_DAYS - rng.randint(0, 5)
    while ago > 2:
        known = [key for key in _CONTACTS if registered[key] > ago]
        org = rng.choices(known, [_CONTACT_WEIGHTS.get(key, 1) for key in known])[0]
        purpose, outcome = rng.choice(_CONTACTS[org])
        planned.append(
            (_at(rng, today, ago), _contact_action(org, _on(today, ago), purpose, outcome))
        )
        ago -= rng.randint(4, 10)
    for ago, org, purpose, outcome in _STORY_CONTACTS:
        planned.append(
            (_at(rng, today, ago), _contact_action(org, _on(today, ago), purpose, outcome))
        )
    return planned


def _contact_action(org: str, on: date, purpose: str, outcome: str) -> _Action:
    return partial(_Loader.contact, org=org, on=on, purpose=purpose, outcome=outcome)


def _choose_availability(rng: random.Random, clients: list[_Client], needs: list[_Need]) -> None:
    """Some clients tell their available weekdays at registration: a few days of the
    week, including one on which each resource proposed to them is open."""
    specs = {**_RESOURCE_BY_KEY, GOMI_NISHI.key: GOMI_NISHI}
    proposed: dict[int, set[str]] = defaultdict(set)
    for need in needs:
        for attempt in need.attempts:
            if attempt.resource is not None:
                proposed[id(need.client)].add(attempt.resource)
    for client in clients:
        if rng.random() >= AVAILABILITY_SHARE:
            continue
        days = set(rng.sample(_WEEKDAYS, rng.randint(2, 4)))
        for key in sorted(proposed[id(client)]):
            weekdays = specs[key].weekdays
            if weekdays and not days.intersection(weekdays):
                days.add(rng.choice(weekdays))
        client.available = tuple(d for d in Weekday if d in days)


# -- running the plan -----------------------------------------------------------------------


class _Loader:
    def __init__(self, app: Services, progress: ProgressCallback | None, total: int) -> None:
        self.app = app
        self.progress = progress
        self.total = total
        self.done = 0
        self.actors: dict[str, Actor] = {}
        self.orgs: dict[str, UUID] = {}
        self.org_versions: dict[str, int | None] = {}
        """None: a council's command moved the organization on (read it back)."""
        self.resources: dict[str, UUID] = {}
        self.launched: set[UUID] = set()
        """Resources launched by development initiatives."""

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def setup(self, at: datetime) -> None:
        app = self.app
        with recorded_at(at):
            for area in AREAS:
                app.reference.create_area(area.code, area.name, SYSTEM_ACTOR)
                self.tick()
            for code, name, areas in CENTERS:
                app.reference.create_center(code, name, list(areas), SYSTEM_ACTOR)
                self.tick()
            for username, role, center, display_name in _ACCOUNTS:
                app.accounts.create_user(
                    username,
                    DEMO_PASSWORD,
                    [role],
                    SYSTEM_ACTOR,
                    center_code=center,
                    display_name=display_name,
                )
                self.actors[username] = app.accounts.actor_for_username(username)
                self.tick()

    @property
    def coordinator(self) -> Actor:
        return self.actors[_COORDINATOR]

    def network(self, at: datetime) -> None:
        coordinator = self.coordinator
        for i, org in enumerate(_FOUNDING_ORGANIZATIONS):
            with recorded_at(at + timedelta(minutes=10 * i)):
                self.register_organization(org)
            self.tick()
        for i, spec in enumerate(RESOURCES):
            with recorded_at(at + timedelta(days=1, minutes=10 * i)):
                org = _ORG_BY_KEY[spec.org]
                resource = self.app.resources.register(
                    spec.name,
                    spec.service_type,
                    list(spec.categories),
                    list(spec.areas),
                    coordinator,
                    organization_id=self.orgs[spec.org],
                    weekdays=list(spec.weekdays),
                    capacity=spec.capacity,
                    eligible_care_levels=list(spec.eligible),
                    fee=spec.fee,
                    contact=Contact(person=f"{org.name} 事務局", phone=org.phone),
                    planned=spec.planned,
                )
            self.resources[spec.key] = resource.id
            self.tick()

    def refresh(self, need: _Need) -> None:
        """Read back a need that another aggregate's command or a process manager moved."""
        assert need.id is not None  # noqa: S101 - raised before anything links it
        dto = self.app.needs.get(need.id, self.coordinator)
        need.version, need.status = dto.version, dto.status

    # -- network building ---------------------------------------------------------------

    def register_organization(self, spec: _OrgSpec) -> None:
        contact = Contact(person="事務局", phone=spec.phone, address=spec.address)
        dto = self.app.organizations.register(
            spec.name, spec.kind, list(spec.areas), self.coordinator, contact=contact
        )
        self.orgs[spec.key], self.org_versions[spec.key] = dto.id, dto.version

    def form_council(self, run: _CouncilRun) -> None:
        spec = run.spec
        dto = self.app.network.form_council(
            spec.name, spec.tier, self.coordinator, area_code=spec.area
        )
        run.id, run.version = dto.id, dto.version

    def admit(self, run: _CouncilRun, org: str, on: date) -> None:
        assert run.id is not None  # noqa: S101 - formed before members join
        dto = self.app.network.admit_to_council(
            run.id, self.orgs[org], on, run.version, self.coordinator
        )
        run.version = dto.version
        self.org_versions[org] = None  # the organization recorded the joining too

    def meeting(
        self,
        run: _CouncilRun,
        spec: _MeetingSpec,
        on: date,
        attendees: tuple[str, ...],
        needs: list[_Need],
    ) -> None:
        """Minutes, with the unmet needs of the council's area (tier 2) or the largest
        gaps of the municipality (tier 1) as they stand on the day."""
        assert run.id is not None  # noqa: S101 - formed before it meets
        area = run.spec.area
        waiting = [
            n
            for n in needs
            if n.id is not None and n.status in _WAITING and area in (None, n.client.area)
        ]
        cells = Counter((n.client.area, n.category) for n in waiting)
        if area is None:
            need_ids: list[UUID] = []
            ranked = sorted(cells, key=lambda cell: (-cells[cell], cell[0], cell[1].value))
            gaps = ranked[:4]
        else:
            need_ids = [n.id for n in waiting if n.id is not None][:MEETING_NEEDS]
            gaps = sorted(cells, key=lambda cell: cell[1].value)
        dto = self.app.network.record_council_meeting(
            run.id,
            on,
            [self.orgs[org] for org in attendees],
            list(spec.topics),
            run.version,
            self.coordinator,
            need_ids=need_ids,
            gaps=gaps,
            note=spec.note,
        )
        run.version = dto.version

    def contact(self, org: str, on: date, purpose: str, outcome: str) -> None:
        version = self.org_versions.get(org)
        if version is None:
            version = self.app.organizations.get(self.orgs[org], self.coordinator).version
        dto = self.app.organizations.log_contact(
            self.orgs[org], on, purpose, outcome, version, self.coordinator
        )
        self.org_versions[org] = dto.version

    # -- resource development -----------------------------------------------------------

    def open_initiative(self, run: _InitiativeRun) -> None:
        spec = run.spec
        dto = self.app.development.open(
            spec.title, spec.area, spec.category, spec.description, self.coordinator
        )
        run.id, run.version = dto.id, dto.version

    def link(self, run: _InitiativeRun, need: _Need) -> None:
        assert run.id is not None  # noqa: S101 - opened first
        assert need.id is not None  # noqa: S101 - raised first
        dto = self.app.development.link_need(run.id, need.id, run.version, self.coordinator)
        run.version = dto.version
        self.refresh(need)

    def partner(self, run: _InitiativeRun, org: str) -> None:
        assert run.id is not None  # noqa: S101 - opened first
        dto = self.app.development.add_partner(
            run.id, self.orgs[org], run.version, self.coordinator
        )
        run.version = dto.version

    def milestone(
        self,
        run: _InitiativeRun,
        milestone: Milestone,
        on: date,
        note: str,
        volunteers: int | None,
    ) -> None:
        assert run.id is not None  # noqa: S101 - opened first
        dto = self.app.development.record_milestone(
            run.id, milestone, on, note, run.version, self.coordinator, volunteers=volunteers
        )
        run.version = dto.version

    def launch(self, run: _InitiativeRun) -> None:
        """Launch the new resource; the process manager (run inside this command's save)
        moves every waiting need to ``resource_created``, so they are read back."""
        spec = run.spec.resource
        assert run.id is not None  # noqa: S101 - opened first
        assert spec is not None  # noqa: S101 - only initiatives with a resource launch
        org = _ORG_BY_KEY[spec.org]
        dto = self.app.development.launch(
            run.id,
            spec.name,
            spec.service_type,
            run.version,
            self.coordinator,
            categories=list(spec.categories),
            area_codes=list(spec.areas),
            organization_id=self.orgs[spec.org],
            weekdays=list(spec.weekdays),
            capacity=spec.capacity,
            eligible_care_levels=list(spec.eligible),
            fee=spec.fee,
            contact=Contact(person=f"{org.name} 事務局", phone=org.phone),
        )
        assert dto.resource_id is not None  # noqa: S101 - a launched initiative has one
        run.version = dto.version
        self.resources[spec.key] = dto.resource_id
        self.launched.add(dto.resource_id)
        for need in run.needs:
            self.refresh(need)

    def abandon(self, run: _InitiativeRun) -> None:
        """Give up; the process manager puts the waiting needs back among the gaps."""
        assert run.id is not None  # noqa: S101 - opened first
        dto = self.app.development.abandon(
            run.id, run.spec.abandon_reason, run.version, self.coordinator
        )
        run.version = dto.version
        for need in run.needs:
            self.refresh(need)

    # -- the complex case ---------------------------------------------------------------

    def record_availability(self, client: _Client, weekdays: tuple[Weekday, ...]) -> None:
        assert client.id is not None  # noqa: S101 - registered first
        dto = self.app.clients.record_availability(
            client.id, list(weekdays), client.version, self.actor("cm", client)
        )
        client.version = dto.version

    def plan_matches(self, client: _Client, needs: list[_Need]) -> None:
        """Compute the client's match plan and accept it as shown (one atomic save)."""
        assert client.id is not None  # noqa: S101 - registered first
        plan = self.app.matching.plan(client.id, self.coordinator)
        if not plan.matches:  # pragma: no cover - only when the views cannot be brought up
            return
        accepted = self.app.matching.accept_plan(
            client.id, plan.matches, COMPLEX_PLAN_REASON, self.coordinator
        )
        by_id = {need.id: need for need in needs}
        for match in accepted.matches:
            need = by_id[match.need_id]
            need.version, need.status = match.version, NeedStatus.PROPOSED
            need.proposed = match.resource_id

    def confirm_planned(self, need: _Need, start: date) -> None:
        """Confirm a planned match where a place is sure: an unlimited resource, or one
        the demo launched (the capacity plan of :func:`_assign_resources` knows no others)."""
        if need.status is not NeedStatus.PROPOSED or need.proposed is None:
            return
        assert need.id is not None  # noqa: S101 - proposed needs exist
        resource = self.app.resources.get(need.proposed, self.coordinator)
        if resource.capacity is not None and resource.id not in self.launched:
            return
        dto = self.app.matching.confirm(need.id, start, need.version, self.coordinator)
        need.version, need.status = dto.version, dto.status

    def follow_up_planned(self, need: _Need, text: str, progress: Progress) -> None:
        if need.status is not NeedStatus.MATCHED:
            return
        assert need.id is not None  # noqa: S101 - matched needs exist
        dto = self.app.needs.follow_up(need.id, text, progress, need.version, self.coordinator)
        need.version, need.status = dto.version, dto.status

    def actor(self, who: str, client: _Client) -> Actor:
        if who == "cm":
            return self.actors[_CARE_MANAGER_OF_CENTER[client.center]]
        return self.actors[_COORDINATOR]

    def register(self, client: _Client) -> None:
        dto = self.app.clients.register(
            client.personal,
            client.care_level,
            client.frailty,
            client.area,
            client.center,
            self.actor("cm", client),
            available_weekdays=list(client.available) if client.available else None,
        )
        client.id, client.version = dto.id, dto.version

    def suspend(self, key: str) -> None:
        actor = self.actors[_COORDINATOR]
        resource = self.app.resources.get(self.resources[key], actor)
        self.app.resources.suspend(
            resource.id, "会場の改修工事のため当面休止", resource.version, actor
        )

    def assess(self, client: _Client, kind: str, on: date) -> None:
        before = client.level_now
        after = {"improve": _IMPROVED, "worsen": _WORSENED}.get(kind, {}).get(before, before)
        if after is before:
            reason = f"更新認定の結果、{CARE_LEVEL_JA[before]}を維持"
        elif kind == "improve":
            reason = f"更新認定で改善（{CARE_LEVEL_JA[before]}→{CARE_LEVEL_JA[after]}）"
        else:
            reason = f"区分変更の結果（{CARE_LEVEL_JA[before]}→{CARE_LEVEL_JA[after]}）"
        assert client.id is not None  # noqa: S101 - clients register before their needs
        dto = self.app.clients.change_care_level(
            client.id, after, on, reason, client.version, self.actor("cm", client)
        )
        client.version, client.level_now = dto.version, dto.care_level

    def step(self, need: _Need, step: _Step) -> None:
        app = self.app
        client = need.client
        actor = self.actor(step.by, client)
        if step.kind == "raise":
            assert client.id is not None  # noqa: S101 - clients register before their needs
            dto = app.needs.raise_need(
                client.id,
                need.category,
                need.description,
                need.goal,
                need.urgency,
                actor,
                care_plan_ref=need.care_plan_ref,
            )
        elif step.kind == "assess":
            self.assess(client, step.assessment, step.at.astimezone(JST).date())
            return
        else:
            dto = self._change(need, step, actor)
        need.id, need.version, need.status = dto.id, dto.version, dto.status

    def _change(self, need: _Need, step: _Step, actor: Actor) -> NeedDTO:
        app = self.app
        assert need.id is not None  # noqa: S101 - the raise step runs first
        nid, version = need.id, need.version
        kind = step.kind
        if kind == "assign":
            return app.needs.assign(nid, _COORDINATOR, version, actor)
        if kind == "propose":
            assert step.attempt is not None  # noqa: S101
            assert step.attempt.resource is not None  # noqa: S101
            resource = self.resources[step.attempt.resource]
            return app.matching.propose(nid, resource, step.text, version, actor)
        if kind == "decline":
            assert step.declined_by is not None  # noqa: S101
            return app.matching.decline(nid, step.declined_by, step.text, version, actor)
        if kind == "confirm":
            start = step.at.astimezone(JST).date() + timedelta(days=step.start_in)
            return app.matching.confirm(nid, start, version, actor)
        if kind == "follow_up":
            assert step.progress is not None  # noqa: S101
            return app.needs.follow_up(nid, step.text, step.progress, version, actor)
        if kind == "gap":
            client = need.client
            criteria = {
                "category": need.category.value,
                "area_code": client.area,
                "care_level": client.level_now.value,
                "searched": "地域資源一覧・第2層協議体・近隣圏域",
            }
            return app.matching.record_gap(nid, step.text, version, actor, criteria)
        if kind == "pause":
            return app.needs.pause(nid, step.text, version, actor)
        if kind == "resume":
            return app.needs.resume(nid, step.text, version, actor)
        if kind == "close":
            assert step.outcome is not None  # noqa: S101
            return app.needs.close(nid, step.outcome, step.text, version, actor)
        if kind == "reopen":
            return app.needs.reopen(nid, step.text, version, actor)
        raise AssertionError(f"unknown step {kind!r}")  # pragma: no cover


_ORG_BY_KEY = {o.key: o for o in ORGANIZATIONS}


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
    accounts (all with :data:`DEMO_PASSWORD`). Refuses to load twice.
    """
    if demo_loaded(app):
        raise AlreadyExistsError("demo municipality", DEMO_MUNICIPALITY)
    today = today or datetime.now(JST).date()
    rng = random.Random(seed)
    clients = _make_clients(rng)
    needs = _make_needs(rng, clients)
    for need in needs:
        _place(rng, need, today)
    _assign_resources(rng, needs, today)
    stories = _plan_development(rng, clients, needs, today)
    _choose_availability(rng, clients[:CLIENT_COUNT], needs)
    stories += _plan_complex_case(rng, clients, needs, today)
    stories += _plan_network(rng, needs, today)

    timeline: list[tuple[datetime, int, Callable[[], None]]] = []
    loader = _Loader(app, progress, 0)

    def plan(at: datetime, action: Callable[[], None]) -> None:
        timeline.append((at, len(timeline), action))

    for client in clients:
        if client.registered_at is not None:  # every client has a need (see _make_needs)
            plan(client.registered_at, partial(loader.register, client))
    for need in needs:
        for step in need.steps:
            plan(step.at, partial(loader.step, need, step))
    for spec in RESOURCES:
        if (suspended := _suspension(spec, today)) is not None:
            plan(suspended, partial(loader.suspend, spec.key))
    for at, story in stories:
        plan(at, partial(story, loader))
    timeline.sort(key=lambda entry: (entry[0], entry[1]))

    start = today - timedelta(days=HISTORY_DAYS + 10)
    loader.total = (
        len(AREAS)
        + len(CENTERS)
        + len(_ACCOUNTS)
        + len(_FOUNDING_ORGANIZATIONS)
        + len(RESOURCES)
        + len(timeline)
    )
    if progress is not None:
        progress(0, loader.total)
    loader.setup(_moment(start, 0))
    loader.network(_moment(start + timedelta(days=1), 30))
    for at, _, action in timeline:
        with recorded_at(at):
            action()
        loader.tick()
    return demo_accounts()
