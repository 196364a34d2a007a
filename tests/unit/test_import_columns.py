"""Which column is which field, which layout a file has, and our vocabulary in its words."""

from __future__ import annotations

import pytest

from domain.values import CareLevel, NeedCategory, ServiceType
from interfaces.importing.columns import (
    CARE_SERVICES_RECOMMENDED_COLUMNS,
    CARE_SERVICES_STANDARD_COLUMNS,
    KAYOI_NO_BA_COLUMNS,
    field_for,
    map_headers,
    recognise,
)
from interfaces.importing.export import EXPORT_COLUMNS
from interfaces.importing.vocabulary import (
    parse_care_levels,
    parse_categories,
    parse_service_type,
)

C = NeedCategory
S = ServiceType
L = CareLevel


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("name", "name"),
        ("名称", "name"),
        ("介護サービス事業所名称", "name"),
        ("通いの場の名称", "name"),
        ("資源名", "name"),
        ("Organization", "organization"),
        ("法人の名称", "organization"),
        ("運営主体", "organization"),
        ("実施サービス", "service_type"),
        ("種別", "service_type"),
        ("活動内容", "categories"),
        ("主な活動内容", "categories"),
        ("日常生活圏域", "areas"),
        ("圏域", "areas"),
        ("利用可能曜日", "weekdays"),
        ("開催曜日", "weekdays"),
        ("定員", "capacity"),
        ("定員（人）", "capacity"),
        ("ＣＡＰＡＣＩＴＹ", "capacity"),
        (" 定員 ", "capacity"),
        ("参加人数", "capacity"),
        ("対象者", "eligibility"),
        ("参加費", "fee"),
        ("料金（基本）", "fee"),
        ("電話番号", "phone"),
        ("所在地_連結表記", "address"),
        ("住所", "address"),
        ("建物名等(方書)", "address_building"),
        ("会場", "venue"),
        ("緯度", "latitude"),
        ("lng", "longitude"),
        ("事業所番号", "business_number"),
        ("source_key", "source_key"),
        ("FAX番号", None),
        ("名称_カナ", None),
        ("ID", None),
        ("NO", None),
    ],
)
def test_headers_map_to_fields_in_japanese_and_english(header: str, field: str | None) -> None:
    assert field_for(header) == field


def test_a_fields_first_column_wins_and_later_ones_are_ignored() -> None:
    assert map_headers(["名称", "事業所名", "住所"]) == ["name", None, "address"]


@pytest.mark.parametrize(
    ("headers", "layout"),
    [
        (list(CARE_SERVICES_STANDARD_COLUMNS), "care-services-standard"),
        (list(CARE_SERVICES_RECOMMENDED_COLUMNS), "care-services-recommended"),
        (list(KAYOI_NO_BA_COLUMNS), "kayoi-no-ba"),
        (list(EXPORT_COLUMNS), "tsunagu"),
        (
            [
                "都道府県コード又は市町村コード",
                "No",
                "事業所名",
                "サービスの種類",
                "住所",
                "事業所番号",
            ],
            "care-services-mhlw",
        ),
        (["資源名", "種別", "圏域"], "generic"),
    ],
)
def test_published_layouts_are_recognised_by_their_headers(headers: list[str], layout: str) -> None:
    assert recognise(headers).code == layout


def test_the_layouts_have_the_documented_number_of_columns() -> None:
    assert len(CARE_SERVICES_STANDARD_COLUMNS) == 36
    assert len(CARE_SERVICES_RECOMMENDED_COLUMNS) == 22


@pytest.mark.parametrize(
    ("text", "service", "categories"),
    [
        ("visit_b", S.VISIT_B, ()),
        ("訪問型B", S.VISIT_B, ()),
        ("通いの場（一般介護予防）", S.GATHERING_PLACE, ()),
        ("訪問型サービスＡ", S.VISIT_A, (C.HOUSEWORK,)),
        ("訪問型サービスD（移動支援）", S.VISIT_D, (C.TRANSPORT,)),
        ("通所型サービスB", S.DAY_B, (C.SOCIAL_PARTICIPATION,)),
        ("通所型サービス・活動C", S.DAY_C, (C.EXERCISE,)),
        ("訪問型サービス（従前相当）", S.VISIT_STANDARD, (C.HOUSEWORK,)),
        ("第1号通所事業", S.DAY_STANDARD, (C.SOCIAL_PARTICIPATION, C.EXERCISE)),
        ("訪問介護", S.VISIT_STANDARD, (C.HOUSEWORK,)),
        ("地域密着型通所介護", S.DAY_STANDARD, (C.SOCIAL_PARTICIPATION, C.EXERCISE)),
        ("配食サービス", S.OTHER_SUPPORT, (C.MEALS,)),
        ("見守り訪問", S.OTHER_SUPPORT, (C.WATCH_OVER,)),
        ("いきいき百歳体操", S.GATHERING_PLACE, (C.SOCIAL_PARTICIPATION,)),
        ("認知症カフェ", S.GATHERING_PLACE, (C.SOCIAL_PARTICIPATION,)),
    ],
)
def test_service_wordings_map_to_our_service_types(
    text: str, service: ServiceType, categories: tuple[NeedCategory, ...]
) -> None:
    parsed = parse_service_type(text)
    assert parsed.error is None
    assert parsed.value == (service, categories)


@pytest.mark.parametrize("text", ["囲碁クラブ", "理容", "通所型D", "訪問型E"])
def test_services_without_a_clear_counterpart_are_not_mapped(text: str) -> None:
    parsed = parse_service_type(text)
    assert parsed.value is None
    assert parsed.error is not None
    assert parsed.error.code in {"service_type.no_counterpart", "service_type.no_day_d"}
    assert parsed.error.params["cell"] == text


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("shopping, transport", (C.SHOPPING, C.TRANSPORT)),
        ("買い物", (C.SHOPPING,)),
        ("移動・外出支援", (C.TRANSPORT,)),
        ("見守り・安否確認、話し相手", (C.WATCH_OVER, C.COMPANIONSHIP)),
        ("体操・茶話会", (C.SOCIAL_PARTICIPATION, C.EXERCISE)),
        ("電球交換、草取り", (C.YARD_WORK, C.SMALL_REPAIRS)),
        ("会食・おしゃべり", (C.MEALS, C.SOCIAL_PARTICIPATION)),
        ("ゴミ出し", (C.GARBAGE,)),
    ],
)
def test_categories_come_from_identifiers_labels_and_descriptions(
    text: str, categories: tuple[NeedCategory, ...]
) -> None:
    parsed = parse_categories(text)
    assert set(parsed.value) == set(categories)
    assert parsed.notes == ()


def test_words_that_are_no_category_are_reported() -> None:
    parsed = parse_categories("買い物、囲碁")
    assert parsed.value == (C.SHOPPING,)
    assert [(n.code, n.params) for n in parsed.notes] == [
        ("categories.not_known", {"cell": "囲碁"})
    ]


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("要支援1・2", (L.SUPPORT_1, L.SUPPORT_2)),
        ("要支援者", (L.SUPPORT_1, L.SUPPORT_2)),
        ("事業対象者、要支援1", (L.PROGRAM_ELIGIBLE, L.SUPPORT_1)),
        ("要介護1~3", (L.CARE_1, L.CARE_2, L.CARE_3)),
        ("要介護", (L.CARE_1, L.CARE_2, L.CARE_3, L.CARE_4, L.CARE_5)),
        ("自立", (L.INDEPENDENT,)),
        ("support_2, care_1", (L.SUPPORT_2, L.CARE_1)),
        ("どなたでも", ()),
        (None, ()),
    ],
)
def test_eligibility_is_read_as_care_levels(
    text: str | None, levels: tuple[CareLevel, ...]
) -> None:
    parsed = parse_care_levels(text)
    assert parsed.value == levels
    assert parsed.notes == ()


def test_eligibility_conditions_that_are_no_care_level_are_reported() -> None:
    parsed = parse_care_levels("65歳以上の方")
    assert parsed.value == ()
    [note] = parsed.notes
    assert note.code == "eligibility.not_a_care_level"
    assert note.params == {"cell": "65歳以上の方", "rest": "65歳以上"}
