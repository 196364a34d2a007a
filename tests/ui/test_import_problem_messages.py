"""The import's row problems on the upload screen: looked up by code, worded in Japanese
with their params, and English only for a code the screen does not know."""

from __future__ import annotations

from typing import Any

import pytest

from application.errors import VersionConflictError
from application.import_rows import IMPORT_PROBLEMS, ProblemKind, ResourceDraft, RowProblem, refusal
from application.importing import source_resource_id
from domain.values import NeedCategory, ServiceType
from interfaces.bootstrap import Container
from interfaces.importing import PROBLEM_CODES
from interfaces.importing.problems import FILE_PROBLEMS, NOTICE_CODES, READER_PROBLEMS
from interfaces.importing.rows import FileNotice
from interfaces.web.ui.import_messages import (
    CATALOGUE,
    NOTICES,
    translate_notice,
    translate_problem,
)
from tests.builders import Town, make_need, make_town
from tests.e2e.support import Api

JAPANESE = {"Accept-Language": "ja"}


def test_every_code_the_import_can_produce_has_a_message_on_the_screen() -> None:
    assert sorted(PROBLEM_CODES - CATALOGUE.keys()) == []
    assert sorted(CATALOGUE.keys() - PROBLEM_CODES) == []  # nor words for codes nothing makes


def test_every_notice_about_a_file_reads_in_japanese() -> None:
    assert NOTICES.keys() == NOTICE_CODES


@pytest.mark.parametrize("kind", list(FILE_PROBLEMS), ids=lambda kind: kind.code)
def test_a_file_notice_is_worded_in_the_screens_language(ui: Api, kind: ProblemKind) -> None:
    found = kind.found()
    notice = FileNotice(found.code, found.message, dict(found.params))

    with ui.app.test_request_context(headers=JAPANESE):
        text = translate_notice(notice)

    assert text != notice.message
    assert "圏域" in text


# A value for each param a problem kind may name, and how the Japanese screen shows it
# (None: the screen words the problem without it).
SAMPLE_PARAMS: dict[str, tuple[str, str | None]] = {
    "cell": ("ふれあい«セル»", "ふれあい«セル»"),
    "rest": ("«残り»", "«残り»"),
    "number": ("42", "42"),
    "items": ("「第2」「第4」", "「第2」「第4」"),
    "value": ("95.5", "95.5"),
    "key": ("jigyosho:0123456789", "jigyosho:0123456789"),
    "other_row": ("17", "17"),
    "area": ("西の果て", "西の果て"),
    "town": ("北町", "北町"),
    "organization": ("北町«会»", "北町«会»"),
    "target": ("訪問型・従前相当", "訪問型・従前相当"),
    "field": ("latitude", "緯度"),
    "service_type": ("visit_b", "訪問型B（住民主体）"),
    "categories": ("shopping, meals", "買い物・調理・配食"),
    "choices": ("visit_a, visit_b", None),  # the screen offers its own choice instead
}
KINDS = sorted([*READER_PROBLEMS, *IMPORT_PROBLEMS], key=lambda kind: kind.code)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.code)
def test_every_problem_reads_in_japanese_with_its_params(ui: Api, kind: ProblemKind) -> None:
    params = {name: SAMPLE_PARAMS[name][0] for name in kind.param_names}
    problem = kind.found(**params).at(2, "capacity", "warning")

    with ui.app.test_request_context(headers=JAPANESE):
        text, translated = translate_problem(problem)

    assert translated
    assert text != problem.message
    shown = [SAMPLE_PARAMS[name][1] for name in sorted(kind.param_names)]
    assert [s for s in shown if s is not None and s not in text] == [], text


def test_a_code_the_screen_does_not_know_shows_the_english_message(ui: Api) -> None:
    unknown = RowProblem(2, "row", "rule.not_worded_yet", "a rule nobody has worded yet")
    unfit = RowProblem(2, "areas", "areas.unknown", "no area with code or name 'x'", params={})

    with ui.app.test_request_context(headers=JAPANESE):
        assert translate_problem(unknown) == ("a rule nobody has worded yet", False)
        assert translate_problem(unfit) == ("no area with code or name 'x'", False)


# -- the domain's refusals, through the import use case ----------------------------------------


@pytest.fixture
def town(memory_container: Container) -> Town:
    return make_town(memory_container.services)


def draft(**overrides: Any) -> ResourceDraft:
    values: dict[str, Any] = {
        "row": 2,
        "source_key": "test:2",
        "name": "ふれあいサロン",
        "service_type": ServiceType.GATHERING_PLACE,
        "categories": (NeedCategory.SOCIAL_PARTICIPATION,),
        "areas": ("north",),
        "capacity": 1,
    }
    values.update(overrides)
    return ResourceDraft(**values)


def japanese(ui: Api, problems: tuple[RowProblem, ...]) -> list[tuple[str, bool]]:
    with ui.app.test_request_context(headers=JAPANESE):
        return [translate_problem(p) for p in problems]


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"name": "名" * 201}, "200 文字以内で入力してください。"),
        ({"name": "  "}, "入力してください。"),
        ({"name": "北\x00町"}, "制御文字を取り除いてください。"),
        ({"capacity": -1}, "0 以上で入力してください。"),
        ({"latitude": 95.0, "longitude": 139.7}, "-90 から 90 までの値にしてください。"),
    ],
)
def test_a_rule_the_domain_refuses_reads_in_japanese(
    ui: Api, memory_container: Container, town: Town, overrides: dict[str, Any], text: str
) -> None:
    report = memory_container.services.importing.import_resources(
        [draft(**overrides)], town.coordinator
    )

    assert japanese(ui, report.rows[0].problems) == [(text, True)]


def test_a_closed_resource_and_a_capacity_below_the_places_taken_read_in_japanese(
    ui: Api, memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources(
        [draft(), draft(row=3, source_key="test:3")], town.coordinator, apply=True
    )
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    need = app.matching.propose(
        need.id, source_resource_id("test:2"), "近い", need.version, town.coordinator
    )
    app.matching.confirm(need.id, need.raised_at.date(), need.version, town.coordinator)
    app.resources.close(source_resource_id("test:3"), "事業終了", None, town.coordinator)

    report = app.importing.import_resources(
        [draft(capacity=0), draft(row=3, source_key="test:3", fee="無料")], town.coordinator
    )

    below, closed = (japanese(ui, row.problems) for row in report.rows)
    assert below == [
        (
            "定員 0 は利用中の 1 名より少なくなります。先にマッチングを終了してください。",
            True,
        )
    ]
    assert closed == [("この資源は「廃止」のため、取り込みでは変更できません。", True)]


def test_a_resource_changed_meanwhile_reads_in_japanese(ui: Api) -> None:
    conflict = refusal(VersionConflictError("resource", None, None)).at(2, "row")

    assert conflict.code == "resource.version_conflict"
    assert japanese(ui, (conflict,)) == [
        (
            "同じときにほかの人がこの資源を変更しました。もう一度ファイルを確認してください。",
            True,
        )
    ]
