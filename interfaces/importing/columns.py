"""Which column holds which field: the header mapping and the recognised layouts.

Headers are compared after NFKC, without spaces and case-folded, so 「定員」,
「定員 」 and 「ＣＡＰＡＣＩＴＹ」 all match. A header that names no field is
reported as ignored. ``docs/importing.md`` shows these tables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# field → header names that hold it (Japanese and English; the first is the one we export).
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "source_key": ("source_key", "key", "資源キー", "管理番号"),
    "business_number": (
        "事業所番号",
        "介護保険事業所番号",
        "事業所番号(10桁)",
        "business_number",
        "provider_number",
    ),
    "name": (
        "name",
        "名称",
        "資源名",
        "資源の名称",
        "介護サービス事業所名称",
        "事業所名",
        "事業所名称",
        "事業所の名称",
        "施設名",
        "通いの場の名称",
        "通いの場名称",
        "通いの場名",
        "活動名",
        "活動名称",
        "グループ名",
        "サービス名",
        "service_name",
    ),
    "organization": (
        "organization",
        "organization_name",
        "運営主体",
        "運営団体",
        "実施主体",
        "法人の名称",
        "法人名",
        "事業者名",
        "団体名",
        "運営団体名",
    ),
    "service_type": (
        "service_type",
        "種別",
        "サービス種別",
        "サービス類型",
        "類型",
        "事業区分",
        "実施サービス",
        "サービスの種類",
        "介護サービスの種類",
        "サービス種類",
    ),
    "categories": (
        "categories",
        "category",
        "カテゴリ",
        "カテゴリー",
        "生活支援ニーズ",
        "ニーズ",
        "支援内容",
        "サービス内容",
        "活動内容",
        "主な活動内容",
        "活動の内容",
        "内容",
    ),
    "areas": (
        "areas",
        "area",
        "area_codes",
        "area_code",
        "圏域",
        "日常生活圏域",
        "地区",
        "地域",
        "対象地区",
        "対象地域",
        "活動地域",
        "活動地区",
    ),
    "weekdays": (
        "weekdays",
        "schedule",
        "曜日",
        "利用可能曜日",
        "開催曜日",
        "実施曜日",
        "活動日",
        "活動曜日",
        "開催日",
        "営業日",
    ),
    "capacity": (
        "capacity",
        "定員",
        "利用定員",
        "定員数",
        "受入人数",
        "受入可能人数",
        "参加人数",
        "参加者数",
    ),
    "eligibility": (
        "eligibility",
        "eligible_care_levels",
        "対象者",
        "利用対象者",
        "参加対象",
        "対象",
    ),
    "fee": ("fee", "fees", "料金", "利用料", "利用料金", "参加費", "費用", "料金(基本)"),
    "phone": (
        "phone",
        "tel",
        "telephone",
        "電話番号",
        "電話",
        "連絡先電話番号",
        "問合せ先電話番号",
    ),
    "email": ("email", "e-mail", "メールアドレス", "連絡先メールアドレス"),
    "address": ("address", "住所", "所在地", "所在地_連結表記", "開催場所住所", "会場住所"),
    "venue": ("venue", "会場", "開催場所", "活動場所", "場所名称"),
    "address_prefecture": ("所在地_都道府県",),
    "address_city": ("所在地_市区町村",),
    "address_town": ("所在地_町字",),
    "address_block": ("所在地_番地以下",),
    "address_building": ("建物名等(方書)", "方書", "方書(ビル名等)", "building"),
    "latitude": ("latitude", "lat", "緯度"),
    "longitude": ("longitude", "lon", "lng", "経度"),
}
"""Every field the import reads, with the headers that hold it."""

ADDRESS_PARTS = (
    "address_prefecture",
    "address_city",
    "address_town",
    "address_block",
)


def header_key(header: str) -> str:
    """A header as compared: NFKC, no spaces, case-folded."""
    return "".join(unicodedata.normalize("NFKC", header).split()).casefold()


_PARENTHESISED = re.compile(r"\([^)]*\)$")
_FIELD_BY_HEADER = {
    header_key(header): field for field, headers in FIELD_HEADERS.items() for header in headers
}


def field_for(header: str) -> str | None:
    """The field a header holds; a trailing unit in brackets is ignored (「定員(人)」)."""
    key = header_key(header)
    if key in _FIELD_BY_HEADER:
        return _FIELD_BY_HEADER[key]
    return _FIELD_BY_HEADER.get(_PARENTHESISED.sub("", key))


def map_headers(headers: list[str]) -> list[str | None]:
    """The field of each column; a field's first column wins, later ones are ignored."""
    taken: set[str] = set()
    fields: list[str | None] = []
    for header in headers:
        field = field_for(header) if header else None
        if field is not None and field in taken:
            field = None
        if field is not None:
            taken.add(field)
        fields.append(field)
    return fields


# -- layouts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A published file format we recognise by its headers."""

    code: str
    title: str
    required: tuple[tuple[str, ...], ...]
    """Every group must have one of its headers present."""
    default_service: str | None = None
    """Service-type words assumed when a row has none (the layout's subject)."""
    source: str = ""

    def matches(self, keys: set[str]) -> bool:
        return all(any(header_key(h) in keys for h in group) for group in self.required)


# Order matters: the first layout whose headers are all present is the file's.
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        code="tsunagu",
        title="tsunagu resource export (CSV/xlsx)",
        required=(("source_key",), ("service_type",), ("categories",), ("areas",)),
    ),
    Layout(
        code="care-services-standard",
        title="自治体標準オープンデータセット「介護サービス事業所一覧」(current, 36 columns)",
        required=(
            ("全国地方公共団体コード",),
            ("名称", "介護サービス事業所名称"),
            ("事業所番号",),
            ("所在地_連結表記", "所在地_市区町村"),
        ),
    ),
    Layout(
        code="care-services-recommended",
        title="推奨データセット「介護サービス事業所一覧」(2017-2020, 22 columns)",
        required=(
            ("都道府県コード又は市区町村コード",),
            ("介護サービス事業所名称",),
            ("実施サービス",),
            ("住所",),
        ),
    ),
    Layout(
        code="care-services-mhlw",
        title="介護サービス情報公表システム オープンデータ (MHLW, per service type)",
        required=(
            ("都道府県コード又は市町村コード", "都道府県コード又は市区町村コード"),
            ("事業所名",),
            ("サービスの種類",),
            ("事業所番号",),
        ),
    ),
    Layout(
        code="kayoi-no-ba",
        title="通いの場 一覧 (MHLW 一般介護予防事業 通いの場; no national column standard)",
        required=(
            ("通いの場の名称", "通いの場名称", "通いの場名", "名称", "活動名", "活動名称"),
            ("活動内容", "主な活動内容", "活動の内容"),
            ("開催曜日", "活動日", "開催日", "開催頻度", "活動曜日"),
        ),
        default_service="通いの場",
    ),
)

GENERIC = Layout(code="generic", title="columns matched by header names", required=())


def recognise(headers: list[str]) -> Layout:
    """The published layout a header row belongs to, or the generic mapping."""
    keys = {header_key(h) for h in headers if h}
    for layout in LAYOUTS:
        if layout.matches(keys):
            return layout
    return GENERIC


# The columns of each recognised open-data layout, as we expect them (see docs/importing.md
# for where each list comes from). Used by the tests' sample files and the documentation.
CARE_SERVICES_STANDARD_COLUMNS: tuple[str, ...] = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "名称",
    "名称_カナ",
    "名称_英字",
    "事業所番号",
    "実施サービス",
    "所在地_全国地方公共団体コード",
    "町字ID",
    "所在地_連結表記",
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等(方書)",
    "緯度",
    "経度",
    "電話番号",
    "内線番号",
    "FAX番号",
    "連絡先メールアドレス",
    "連絡先FormURL",
    "連絡先備考(その他、SNSなど)",
    "郵便番号",
    "法人の名称",
    "法人番号",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能日時特記事項",
    "定員",
    "URL",
    "画像",
    "画像_ライセンス",
    "備考",
)

CARE_SERVICES_RECOMMENDED_COLUMNS: tuple[str, ...] = (
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "介護サービス事業所名称",
    "介護サービス事業所名称_カナ",
    "実施サービス",
    "住所",
    "方書",
    "緯度",
    "経度",
    "電話番号",
    "内線番号",
    "FAX番号",
    "法人番号",
    "法人の名称",
    "事業所番号",
    "利用可能曜日",
    "利用可能曜日特記事項",
    "定員",
    "URL",
    "備考",
)

KAYOI_NO_BA_COLUMNS: tuple[str, ...] = (
    "NO",
    "通いの場の名称",
    "運営主体",
    "主な活動内容",
    "開催曜日",
    "開催頻度",
    "開催時間",
    "会場",
    "住所",
    "日常生活圏域",
    "参加人数",
    "参加対象",
    "参加費",
    "電話番号",
    "緯度",
    "経度",
    "備考",
)
