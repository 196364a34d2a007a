"""Area and center names in tables: the repeated suffix goes."""

from __future__ import annotations

from interfaces.web.ui.names import short_names


def test_a_suffix_every_name_repeats_is_left_out() -> None:
    names = {
        "kita": "北部圏域（つなぐ市・架空・デモ）",
        "minami": "南部圏域（つなぐ市・架空・デモ）",
    }

    assert short_names(names) == {"kita": "北部圏域", "minami": "南部圏域"}


def test_a_suffix_only_one_name_has_stays() -> None:
    names = {
        "kita": "北部圏域（つなぐ市・架空・デモ）",
        "minami": "南部圏域（つなぐ市・架空・デモ）",
        "minato": "港地区（つなぐ市・架空・固定データ）",
    }

    assert short_names(names)["minato"] == "港地区（つなぐ市・架空・固定データ）"
    assert short_names(names)["kita"] == "北部圏域"


def test_names_that_would_become_alike_are_kept_whole() -> None:
    names = {
        "a-kita": "北地区（A市）",
        "b-kita": "北地区（B市）",
        "a-minami": "南地区（A市）",
        "b-minami": "南地区（B市）",
    }

    assert short_names(names) == names


def test_names_alike_already_do_not_keep_the_others_whole() -> None:
    names = {
        "a": "試験地区",
        "b": "試験地区",
        "east": "東地区（試験市）",
        "west": "西地区（試験市）",
    }

    assert short_names(names)["east"] == "東地区"


def test_only_the_names_that_would_become_alike_keep_their_note() -> None:
    names = {
        "a-kita": "北地区（A市）",
        "b-kita": "北地区（B市）",
        "a-minami": "南地区（A市）",
        "b-higashi": "東地区（B市）",
    }

    assert short_names(names) == {
        "a-kita": "北地区（A市）",
        "b-kita": "北地区（B市）",
        "a-minami": "南地区",
        "b-higashi": "東地区",
    }
