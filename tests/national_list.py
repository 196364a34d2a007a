"""A generated 介護サービス事業所一覧 in the national 36-column layout (fictional data).

Real municipal lists (自治体標準オープンデータセット) name one service per row in
実施サービス, have no area column, write capacities in their own ways and leave
blank rows. :func:`national_rows` makes such a list: every care-insurance
service type once (with and without the 介護予防 prefix and a qualifier in
brackets), the 総合事業 services, then as many more rows as asked for, cycling
through them, with the quirks published lists have.
"""

from __future__ import annotations

import csv
import io

from interfaces.importing.columns import CARE_SERVICES_STANDARD_COLUMNS
from interfaces.importing.vocabulary import CARE_INSURANCE_SERVICES

# Towns of the fictional つなぐ市 and the area each belongs to (as the tests list them).
TOWNS: dict[str, tuple[str, ...]] = {
    "north": ("北町", "桜台"),
    "south": ("南町", "緑が丘"),
}

COUNTERPARTS = {"訪問介護": "visit_standard", "通所介護": "day_standard"}
"""Care-insurance services that have a life-support counterpart (the 従前相当 types)."""
COUNTERPARTS["地域密着型通所介護"] = "day_standard"

SERVICES: tuple[str, ...] = (
    *CARE_INSURANCE_SERVICES,
    "介護予防訪問看護",
    "介護予防福祉用具貸与",
    "介護予防小規模多機能型居宅介護",
    "短期入所療養介護（介護老人保健施設）",
    "特定施設入居者生活介護（有料老人ホーム）",
    "地域包括支援センター",
    "訪問型サービス（独自）",
    "通所型サービス（独自）",
    "訪問型サービスＡ",
)
"""Every service a generated list names (each at least once)."""

AGENCIES: frozenset[str] = frozenset(
    s
    for s in SERVICES
    if s not in COUNTERPARTS and not s.startswith(("訪問型サービス", "通所型サービス"))
)
"""The services of :data:`SERVICES` that import as professional agencies."""

CAPACITIES: tuple[tuple[str, int | None], ...] = (
    ("", None),
    ("(1) 70名、(2) 15名", 85),
    ("２９名", 29),
    ("定員なし", None),
    ("10～15名", 15),
    ("18", 18),
)
"""How published lists write capacities, and what each is read as (None: unlimited)."""


def _row(index: int, service: str, capacity: str) -> list[str]:
    area = "north" if index % 2 == 0 else "south"
    town = TOWNS[area][index // 2 % 2]
    values = {
        "全国地方公共団体コード": "999999",
        "ID": f"999999-{index:05d}",
        "地方公共団体名": "架空県つなぐ市",
        "名称": f"つなぐ{service}事業所{index}",
        "名称_カナ": f"ツナグジギョウショ{index}",
        "事業所番号": f"99{index:08d}",
        "実施サービス": service,
        "所在地_連結表記": f"架空県つなぐ市{town}{index % 9 + 1}-{index % 7 + 1}",
        "所在地_都道府県": "架空県",
        "所在地_市区町村": "つなぐ市",
        "所在地_町字": town,
        "所在地_番地以下": f"{index % 9 + 1}-{index % 7 + 1}",
        "電話番号": f"0120-{index % 1000:03d}-{index % 10000:04d}",
        "法人の名称": "社会福祉法人つなぐ会" if index % 3 else "株式会社かくう",
        "利用可能曜日": "月～金" if index % 2 else "月～土",
        "定員": capacity,
        "緯度": f"35.{6000 + index % 1000}",
        "経度": f"139.{7000 + index % 1000}",
    }
    return [values.get(column, "") for column in CARE_SERVICES_STANDARD_COLUMNS]


def national_rows(count: int | None = None) -> list[list[str]]:
    """The header and ``count`` data rows (default: each service once), with a blank
    row every 50 rows as published files have them."""
    total = len(SERVICES) if count is None else count
    rows: list[list[str]] = [list(CARE_SERVICES_STANDARD_COLUMNS)]
    for index in range(total):
        service = SERVICES[index % len(SERVICES)]
        capacity = CAPACITIES[index % len(CAPACITIES)][0]
        rows.append(_row(index, service, capacity))
        if index % 50 == 49:
            rows.append([""] * len(CARE_SERVICES_STANDARD_COLUMNS))
    return rows


def national_csv(count: int | None = None, encoding: str = "cp932") -> bytes:
    """The list as CSV (Shift_JIS by default, as most municipalities publish)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(national_rows(count))
    return out.getvalue().encode(encoding)
