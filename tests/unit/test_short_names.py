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
    names = {"a": "北地区 (旧A町)", "b": "北地区 (旧B町)", "c": "北地区 (旧A町)"}

    assert short_names(names) == names
