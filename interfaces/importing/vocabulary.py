"""Our vocabulary in the words municipal files use: service types, need categories,
care levels. Identifiers (``visit_b``) and the Japanese labels of DOMAIN.md are
always accepted; the rules below map the other common wordings.

A mapping is made only where it is clear. 「訪問介護」 and 「通所介護」 (long-term
care insurance benefits) are mapped to the former-equivalent types
(訪問型・通所型 従前相当), which the same providers run, with a note; the other
care-insurance services (訪問看護, 特養, グループホーム, 福祉用具貸与, ...) have no
life-support counterpart and are imported as professional agencies (関係機関,
``agency_referral``): see :data:`CARE_INSURANCE_SERVICES`.
"""

from __future__ import annotations

import re
import unicodedata

from application.import_rows import Finding
from domain.values import CareLevel, NeedCategory, ServiceType
from interfaces.importing.normalize import Parsed, split_items
from interfaces.importing.problems import (
    CATEGORY_NOT_KNOWN,
    NOT_A_CARE_LEVEL,
    SERVICE_TYPE_CARE_AGENCY,
    SERVICE_TYPE_CARE_BENEFIT,
    SERVICE_TYPE_NO_COUNTERPART,
    SERVICE_TYPE_NO_DAY_D,
)

C = NeedCategory
S = ServiceType

CATEGORY_LABELS: dict[NeedCategory, str] = {
    C.SHOPPING: "買い物",
    C.TRANSPORT: "移動・外出支援",
    C.GARBAGE: "ゴミ出し",
    C.HOUSEWORK: "掃除・洗濯",
    C.MEALS: "調理・配食",
    C.WATCH_OVER: "見守り・安否確認",
    C.SOCIAL_PARTICIPATION: "通いの場・サロン・社会参加",
    C.EXERCISE: "介護予防・体操",
    C.COMPANIONSHIP: "話し相手",
    C.YARD_WORK: "庭の手入れ・草取り",
    C.SMALL_REPAIRS: "ちょっとした困りごと(電球交換等)",
    C.PAPERWORK: "金銭管理・手続き支援",
    C.OTHER: "その他",
}
"""DOMAIN.md's labels (NFKC form)."""

SERVICE_LABELS: dict[ServiceType, str] = {
    S.VISIT_STANDARD: "訪問型・従前相当",
    S.VISIT_A: "訪問型A",
    S.VISIT_B: "訪問型B",
    S.VISIT_C: "訪問型C",
    S.VISIT_D: "訪問型D",
    S.DAY_STANDARD: "通所型・従前相当",
    S.DAY_A: "通所型A",
    S.DAY_B: "通所型B",
    S.DAY_C: "通所型C",
    S.OTHER_SUPPORT: "その他の生活支援(配食・見守り等)",
    S.GATHERING_PLACE: "通いの場(一般介護予防)",
    S.INFORMAL: "総合事業に該当しない多様な活動",
    S.AGENCY_REFERRAL: "関係機関への紹介・連携",
}

# Words that say which needs an activity serves (活動内容, 実施サービス, カテゴリ).
CATEGORY_WORDS: list[tuple[re.Pattern[str], NeedCategory]] = [
    (re.compile(r"買い?物|買い出し|移動販売"), C.SHOPPING),
    (re.compile(r"移動支援|送迎|外出|通院|移送|乗り?合い|付き添い|付添"), C.TRANSPORT),
    (re.compile(r"ゴミ|ごみ|塵"), C.GARBAGE),
    (re.compile(r"掃除|洗濯|家事|清掃|生活援助"), C.HOUSEWORK),
    (re.compile(r"調理|配食|食事|会食|弁当|料理|食堂"), C.MEALS),
    (re.compile(r"見守り|安否|声かけ|声掛け"), C.WATCH_OVER),
    (
        re.compile(r"サロン|交流|茶話|カフェ|集い|つどい|居場所|通いの場|趣味|おしゃべり|社会参加"),
        C.SOCIAL_PARTICIPATION,
    ),
    (
        re.compile(
            r"体操|運動|介護予防|筋力|筋トレ|ウォーキング|リハビリ|ストレッチ|ヨガ|脳トレ|口腔"
        ),
        C.EXERCISE,
    ),
    (re.compile(r"話し相手|傾聴"), C.COMPANIONSHIP),
    (re.compile(r"庭|草取り|草刈|除草|剪定|植木"), C.YARD_WORK),
    (
        re.compile(r"電球|修理|修繕|困りごと|困り事|ちょっとした|家具の移動|ちょこっと"),
        C.SMALL_REPAIRS,
    ),
    (re.compile(r"金銭管理|手続|書類|代筆|代読"), C.PAPERWORK),
]

# 訪問型/通所型 サービス・活動 A–D (総合事業), however the letter is written.
_LETTERED = re.compile(r"(訪問|通所)型(?:サービス)?[・･]?(?:活動)?[・･]?\(?([ABCD])(?![A-Z])")
_LETTERED_TYPES: dict[tuple[str, str], tuple[ServiceType, tuple[NeedCategory, ...]]] = {
    ("訪問", "A"): (S.VISIT_A, (C.HOUSEWORK,)),
    ("訪問", "B"): (S.VISIT_B, (C.HOUSEWORK,)),
    ("訪問", "C"): (S.VISIT_C, (C.EXERCISE,)),
    ("訪問", "D"): (S.VISIT_D, (C.TRANSPORT,)),
    ("通所", "A"): (S.DAY_A, (C.SOCIAL_PARTICIPATION, C.EXERCISE)),
    ("通所", "B"): (S.DAY_B, (C.SOCIAL_PARTICIPATION,)),
    ("通所", "C"): (S.DAY_C, (C.EXERCISE,)),
}

# (pattern, service type, the categories such a service serves, note when the match is a stretch)
SERVICE_RULES: list[
    tuple[re.Pattern[str], ServiceType, tuple[NeedCategory, ...], Finding | None]
] = [
    (re.compile(r"緩和した基準.*訪問"), S.VISIT_A, (C.HOUSEWORK,), None),
    (re.compile(r"住民主体.*訪問"), S.VISIT_B, (C.HOUSEWORK,), None),
    (re.compile(r"短期集中.*訪問"), S.VISIT_C, (C.EXERCISE,), None),
    (re.compile(r"移動支援|移送"), S.VISIT_D, (C.TRANSPORT,), None),
    (re.compile(r"緩和した基準.*通所"), S.DAY_A, (C.SOCIAL_PARTICIPATION, C.EXERCISE), None),
    (re.compile(r"住民主体.*通所"), S.DAY_B, (C.SOCIAL_PARTICIPATION,), None),
    (re.compile(r"短期集中.*通所"), S.DAY_C, (C.EXERCISE,), None),
    (
        re.compile(r"訪問型.*従前|従前相当.*訪問|第1号訪問|介護予防訪問介護|訪問介護相当"),
        S.VISIT_STANDARD,
        (C.HOUSEWORK,),
        None,
    ),
    (
        re.compile(r"通所型.*従前|従前相当.*通所|第1号通所|介護予防通所介護|通所介護相当"),
        S.DAY_STANDARD,
        (C.SOCIAL_PARTICIPATION, C.EXERCISE),
        None,
    ),
    (
        re.compile(r"^訪問介護$"),
        S.VISIT_STANDARD,
        (C.HOUSEWORK,),
        SERVICE_TYPE_CARE_BENEFIT.found(cell="訪問介護", target="訪問型・従前相当"),
    ),
    (
        re.compile(r"^(地域密着型)?通所介護$"),
        S.DAY_STANDARD,
        (C.SOCIAL_PARTICIPATION, C.EXERCISE),
        SERVICE_TYPE_CARE_BENEFIT.found(cell="通所介護", target="通所型・従前相当"),
    ),
    (re.compile(r"配食"), S.OTHER_SUPPORT, (C.MEALS,), None),
    (re.compile(r"見守り|安否確認"), S.OTHER_SUPPORT, (C.WATCH_OVER,), None),
    (
        re.compile(
            r"通いの場|サロン|百歳体操|体操教室|介護予防教室|認知症カフェ|オレンジカフェ|一般介護予防"
        ),
        S.GATHERING_PLACE,
        (C.SOCIAL_PARTICIPATION,),
        None,
    ),
    (re.compile(r"関係機関|専門機関"), S.AGENCY_REFERRAL, (C.OTHER,), None),
    # 総合事業 services under the municipality's own standards, as 介護サービス情報公表
    # lists them: the providers that ran the former 介護予防訪問介護・通所介護.
    (re.compile(r"^訪問型サービス\(独自\)$"), S.VISIT_STANDARD, (C.HOUSEWORK,), None),
    (
        re.compile(r"^通所型サービス\(独自\)$"),
        S.DAY_STANDARD,
        (C.SOCIAL_PARTICIPATION, C.EXERCISE),
        None,
    ),
    (
        re.compile(r"インフォーマル|総合事業.*(該当|対象)(し|で)?ない|民間サービス|自費"),
        S.INFORMAL,
        (),
        None,
    ),
]


CARE_INSURANCE_SERVICES: tuple[str, ...] = (
    # 居宅サービス
    "訪問介護",
    "訪問入浴介護",
    "訪問看護",
    "訪問リハビリテーション",
    "居宅療養管理指導",
    "通所介護",
    "通所リハビリテーション",
    "短期入所生活介護",
    "短期入所療養介護",
    "特定施設入居者生活介護",
    "福祉用具貸与",
    "特定福祉用具販売",
    "居宅介護支援",
    # 施設サービス
    "介護老人福祉施設",
    "介護老人保健施設",
    "介護療養型医療施設",
    "介護医療院",
    # 地域密着型サービス
    "定期巡回・随時対応型訪問介護看護",
    "夜間対応型訪問介護",
    "地域密着型通所介護",
    "療養通所介護",
    "認知症対応型通所介護",
    "小規模多機能型居宅介護",
    "認知症対応型共同生活介護",
    "地域密着型特定施設入居者生活介護",
    "地域密着型介護老人福祉施設入所者生活介護",
    "看護小規模多機能型居宅介護",
    "複合型サービス",
    # 介護予防サービス (those not named by 介護予防 + one of the above)
    "介護予防支援",
    "特定介護予防福祉用具販売",
)
"""Every service type of the long-term care insurance (介護保険) that a national
介護サービス事業所一覧 lists in 実施サービス, as the MHLW names them. Each may carry
the prefix 介護予防 and a qualifier in brackets (「短期入所療養介護(介護老人保健施設)」);
「地域包括支援センター」 is listed by some municipalities too. 訪問介護 and 通所介護 map
to the former-equivalent types (the same providers run them); every other one
has no life-support counterpart and imports as a professional agency."""

_CARE_INSURANCE = re.compile(
    r"^(?:介護予防)?(?:"
    + "|".join(
        re.escape(unicodedata.normalize("NFKC", name))
        for name in sorted(
            [*CARE_INSURANCE_SERVICES, "地域包括支援センター"], key=len, reverse=True
        )
    )
    + r")(?:\(.*\))?$"
)


def is_care_insurance_service(text: str) -> bool:
    """Whether ``text`` names a service of the long-term care insurance (or a 地域包括)."""
    return bool(_CARE_INSURANCE.match("".join(unicodedata.normalize("NFKC", text).split())))


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_CATEGORY_BY_NAME = {
    **{_key(c.value): c for c in NeedCategory},
    **{_key(label): c for c, label in CATEGORY_LABELS.items()},
}
_SERVICE_BY_NAME = {
    **{_key(s.value): s for s in ServiceType},
    **{_key(label): s for s, label in SERVICE_LABELS.items()},
}


def categories_in(text: str) -> list[NeedCategory]:
    """Need categories named or described in free text, in the order of our list."""
    found = {category for pattern, category in CATEGORY_WORDS if pattern.search(text)}
    return [c for c in NeedCategory if c in found]


def parse_categories(text: str | None) -> Parsed[tuple[NeedCategory, ...]]:
    """A categories cell: identifiers, DOMAIN.md labels or descriptive words."""
    if text is None:
        return Parsed(())
    found: list[NeedCategory] = []
    unknown: list[str] = []
    for item in split_items(text):
        exact = _CATEGORY_BY_NAME.get(_key(item))
        if exact is not None:
            found.append(exact)
            continue
        described = categories_in(item)
        if described:
            found += described
        else:
            unknown.append(item)
    notes = tuple(CATEGORY_NOT_KNOWN.found(cell=item) for item in unknown)
    return Parsed(tuple(dict.fromkeys(found)), notes)


def parse_service_type(
    text: str | None,
) -> Parsed[tuple[ServiceType, tuple[NeedCategory, ...]] | None]:
    """A service-type cell → our service type and the categories it implies.

    None with an error when the words have no clear counterpart.
    """
    if text is None:
        return Parsed(None)
    exact = _SERVICE_BY_NAME.get(_key(text))
    if exact is not None:
        return Parsed((exact, ()))
    compact = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    lettered = _LETTERED.search(compact)
    if lettered:
        kind = (lettered.group(1), lettered.group(2))
        if kind in _LETTERED_TYPES:
            return Parsed(_LETTERED_TYPES[kind])
        return Parsed(None, error=SERVICE_TYPE_NO_DAY_D.found(cell=text))
    for pattern, service, categories, note in SERVICE_RULES:
        if pattern.search(compact):
            return Parsed((service, categories), (note,) if note else ())
    if is_care_insurance_service(text):
        # A professional agency a coordinator refers complex cases to (関係機関); which
        # needs it serves is the coordinator's call, so only 「その他」 is recorded.
        agency = (S.AGENCY_REFERRAL, (C.OTHER,))
        return Parsed(agency, (SERVICE_TYPE_CARE_AGENCY.found(cell=text),))
    choices = ", ".join(s.value for s in ServiceType)
    return Parsed(None, error=SERVICE_TYPE_NO_COUNTERPART.found(cell=text, choices=choices))


_LEVEL_GROUP = re.compile(r"(要支援|要介護)\s*((?:\d\s*(?:[~〜\-・、,及びと]\s*)?)*)")
_INDEPENDENT = re.compile(r"自立|非該当|一般高齢者")
_EVERYONE = re.compile(r"どなたでも|誰でも|だれでも|制限なし|問わない|不問|everyone|all")
_CARE_LEVEL_BY_NAME = {_key(level.value): level for level in CareLevel}


def parse_care_levels(text: str | None) -> Parsed[tuple[CareLevel, ...]]:
    """Who may use it: 「要支援1・2」「事業対象者」「要介護1~5」.

    Empty or 「どなたでも」 means everyone (an empty list).
    """
    if text is None:
        return Parsed(())
    levels: list[CareLevel] = []
    for item in split_items(text):
        level = _CARE_LEVEL_BY_NAME.get(_key(item))
        if level is not None:
            levels.append(level)
    rest = text
    for match in _LEVEL_GROUP.finditer(text):
        prefix = "support" if match.group(1) == "要支援" else "care"
        top = 2 if prefix == "support" else 5
        digits = [int(d) for d in re.findall(r"\d", match.group(2)) if 1 <= int(d) <= top]
        if re.search(r"\d\s*[~〜\-]\s*\d", match.group(2)) and len(digits) == 2:
            digits = list(range(digits[0], digits[1] + 1))
        for number in digits or range(1, top + 1):
            levels.append(CareLevel(f"{prefix}_{number}"))
    rest = _LEVEL_GROUP.sub(" ", rest)
    if "事業対象者" in rest:
        levels.append(CareLevel.PROGRAM_ELIGIBLE)
        rest = rest.replace("事業対象者", " ")
    if _INDEPENDENT.search(rest):
        levels.append(CareLevel.INDEPENDENT)
        rest = _INDEPENDENT.sub(" ", rest)
    everyone = bool(_EVERYONE.search(rest.casefold()))
    leftover = re.sub(
        r"[\s・、,/()（）のかたの方者及びと]+", "", _EVERYONE.sub("", rest.casefold())
    )
    for level in CareLevel:
        leftover = leftover.replace(level.value, "")
    notes: tuple[Finding, ...] = ()
    if leftover:
        notes = (NOT_A_CARE_LEVEL.found(cell=text, rest=leftover),)
    if everyone and not levels:
        return Parsed((), notes)
    ordered = tuple(level for level in CareLevel if level in levels)
    return Parsed(ordered, notes)
