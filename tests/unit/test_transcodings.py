"""Domain values in stored events: explicit tags, every earlier tag still read, and
value objects that survive fields being added or removed."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder

from application.transcodings import (
    ENUM_TAGS,
    DataclassAsDict,
    register_domain_transcodings,
)
from domain.values import ALL_ENUMS, CareLevel, Contact, PersonalData

RELEASES = Path(__file__).resolve().parents[1] / "fixtures" / "releases"
LIBRARY_TAGS = {"uuid_hex", "decimal_str", "datetime_iso"}  # the eventsourcing library's own


@pytest.fixture
def transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    register_domain_transcodings(transcoder)
    return transcoder


def stored(tag: str, data: Any) -> bytes:
    return json.dumps({"value": {"_type_": tag, "_data_": data}}).encode()


def decoded(transcoder: JSONTranscoder, tag: str, data: Any) -> Any:
    return transcoder.decode(stored(tag, data))["value"]


def test_every_domain_enum_has_its_own_tag() -> None:
    assert set(ENUM_TAGS) == set(ALL_ENUMS)
    assert len(set(ENUM_TAGS.values())) == len(ENUM_TAGS)


def test_enums_are_written_with_their_explicit_tag(transcoder: JSONTranscoder) -> None:
    written = json.loads(transcoder.encode({"value": CareLevel.CARE_1}))

    assert written == {"value": {"_type_": "care_level", "_data_": "care_1"}}


@pytest.mark.parametrize("tag", ["care_level", "CareLevel"])
def test_an_enum_reads_under_its_tag_and_under_the_class_name_release_0_1_0_wrote(
    transcoder: JSONTranscoder, tag: str
) -> None:
    assert decoded(transcoder, tag, "care_1") is CareLevel.CARE_1


@pytest.mark.parametrize("release", sorted(p.name for p in RELEASES.iterdir() if p.is_dir()))
def test_every_tag_a_release_stored_decodes(transcoder: JSONTranscoder, release: str) -> None:
    database = RELEASES / release / "tsunagu.sqlite3"
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        states = [
            row[0]
            for table in ("stored_events", "stored_snapshots")
            for row in connection.execute(f"SELECT state FROM {table}")  # noqa: S608
        ]
    finally:
        connection.close()
    tags = {tag for state in states for tag in re.findall(rb'"_type_":"([^"]+)"', state)}

    unknown = {tag.decode() for tag in tags} - set(transcoder.names) - LIBRARY_TAGS

    assert tags, "the fixture holds no tagged values"
    assert not unknown, f"stored by {release}, no longer decodable: {sorted(unknown)}"


def test_a_value_object_without_a_field_added_since_takes_its_default(
    transcoder: JSONTranscoder,
) -> None:
    assert decoded(transcoder, "contact", {"phone": "03-0000-0000"}) == Contact(
        phone="03-0000-0000"
    )


def test_a_value_object_ignores_a_stored_field_it_no_longer_has(
    transcoder: JSONTranscoder,
) -> None:
    data = {"person": "佐藤", "phone": None, "email": None, "address": None, "fax": "03-1"}

    assert decoded(transcoder, "contact", data) == Contact(person="佐藤")


def test_a_value_object_missing_a_required_field_is_refused_by_name(
    transcoder: JSONTranscoder,
) -> None:
    data = {"name": "山田 花子", "name_kana": None, "address": None, "phone": None}

    with pytest.raises(ValueError, match="stored 'personal_data' lacks birth_date"):
        decoded(transcoder, "personal_data", data)


def test_a_renamed_field_of_a_value_object_is_read_under_its_old_name() -> None:
    @dataclass(frozen=True)
    class Reachable:
        telephone: str | None = None

    transcoding = DataclassAsDict(Reachable, "reachable", renamed={"phone": "telephone"})

    assert transcoding.decode({"phone": "090"}) == Reachable(telephone="090")


def test_personal_data_round_trips(transcoder: JSONTranscoder) -> None:
    value = PersonalData("山田 花子", "ヤマダ ハナコ", date(1941, 4, 3), None, "090")

    assert transcoder.decode(transcoder.encode({"value": value}))["value"] == value
