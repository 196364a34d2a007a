"""The demo municipality's data file: what it holds, and how a malformed one is refused."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from domain.values import NeedCategory, Role
from interfaces.demo import DemoDataError, demo_accounts
from interfaces.demo.data import DATA_FILE, municipality, parse_municipality, read_municipality

Raw = dict[str, Any]


def shipped() -> Raw:
    """The data file as parsed TOML, a fresh copy to spoil."""
    text = resources.files("interfaces.demo").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_the_data_file_is_read_into_the_expected_counts() -> None:
    town = municipality()
    assert len(town.areas) == 4
    assert len(town.centers) == 2
    assert len(town.organizations) == 17
    assert len(town.founding_organizations) == 14
    assert len(town.resources) == 23
    launched = [i.resource for i in town.initiatives if i.resource is not None]
    assert len(launched) == 1  # the 24th resource, launched by an initiative
    assert len(town.accounts) == 6
    assert {a.role for a in town.accounts} == set(Role)
    assert town.people.client_count + 1 == 61  # and the complex case
    assert len(town.initiatives) == 3
    assert len(town.councils) == 4
    assert set(town.need_texts) == set(NeedCategory)


def test_demo_accounts_come_from_the_data_file() -> None:
    assert [a.username for a in demo_accounts()] == [a.username for a in municipality().accounts]


def test_the_shipped_file_parses_the_same_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / DATA_FILE
    path.write_text(
        resources.files("interfaces.demo").joinpath(DATA_FILE).read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert read_municipality(path) == municipality()


def _set(path: tuple[str | int, ...], value: object) -> Callable[[Raw], None]:
    def spoil(raw: Raw) -> None:
        target: Any = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return spoil


def _delete(path: tuple[str | int, ...]) -> Callable[[Raw], None]:
    def spoil(raw: Raw) -> None:
        target: Any = raw
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return spoil


def _organization(key: str) -> int:
    return next(i for i, o in enumerate(shipped()["organizations"]) if o["key"] == key)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_delete(("texts",)), "texts: missing"),
        (
            _delete(("organizations", _organization("hinode"), "phone")),
            'organizations["hinode"].phone: missing',
        ),
        (
            _set(("resources", 0, "categories"), ["shoping"]),
            "resources[\"salon-kita\"].categories[0]: unknown need category 'shoping'",
        ),
        (
            _set(("resources", 0, "capacity"), "15"),
            "resources[\"salon-kita\"].capacity: expected an integer, got '15'",
        ),
        (
            _set(("resources", 0, "organization"), "nobody"),
            "resources[\"salon-kita\"].organization: unknown organization 'nobody'",
        ),
        (_set(("areas", 1, "nmae"), "typo"), 'areas["demo-higashi"].nmae: unknown key'),
        (
            _set(("areas", 1, "code"), "demo-kita"),
            "areas[\"demo-kita\"].code: duplicate area 'demo-kita'",
        ),
        (
            _delete(("texts", "close_reasons", "deceased")),
            "texts.close_reasons.deceased: missing",
        ),
        (
            _set(("accounts", 1, "role"), "care_manager"),
            "accounts: no account has the role 'coordinator'",
        ),
        (
            _set(("initiatives", 0, "waiting", 0, "fate"), "vanish"),
            "initiatives[\"gomi\"].waiting[0].fate: unknown fate 'vanish'",
        ),
        (
            _set(("scenarios", "targets", "no_such"), {"resource": "minidei"}),
            "scenarios.targets.no_such: not a scenario of scenarios.counts",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_key(
    spoil: Callable[[Raw], None], message: str
) -> None:
    raw = copy.deepcopy(shipped())
    spoil(raw)
    with pytest.raises(DemoDataError) as refused:
        parse_municipality(raw)
    # The message may go on with the values expected.
    assert str(refused.value).startswith(f"{DATA_FILE}: {message}")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[areas]\ncode = 'x'\n", encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"^broken\.toml: not valid TOML: "):
        read_municipality(path)


def test_serving_the_app_does_not_import_the_demo() -> None:
    # A fresh interpreter: this test process may have imported the demo already.
    code = (
        "import sys, interfaces.bootstrap, interfaces.cli, interfaces.web\n"
        "print(sorted(m for m in sys.modules if m.startswith('interfaces.demo')))"
    )
    run = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]"
