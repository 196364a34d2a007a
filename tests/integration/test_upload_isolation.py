"""Uploads are read in a child process that the kernel stops when a file costs too much."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from interfaces.importing import FileFormatError, RowDefaults, read_resource_file
from interfaces.importing.isolation import ReadingLimits, _SafeUnpickler, read_upload

FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"
HEADER = "名称,住所,サービス種別,対象地域,分類\n"


def _long_csv(rows: int) -> bytes:
    return (
        HEADER + "".join(f"サロン{i},北町{i},通いの場,北地区,交流\n" for i in range(rows))
    ).encode()


@pytest.mark.parametrize("name", ["good_cp932.csv", "mixed.xlsx", "kayoi_no_ba.csv"])
def test_a_file_reads_the_same_in_the_child_as_in_process(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    defaults = RowDefaults(areas=("north",))

    isolated = read_upload(data, name, defaults=defaults)

    assert isolated == read_resource_file(data, name, defaults=defaults)


def test_a_file_that_cannot_be_read_keeps_its_code() -> None:
    with pytest.raises(FileFormatError) as refused:
        read_upload(b"hello,world\n1,2\n", "x.csv")
    assert refused.value.code == "file.no_header"


def test_a_file_that_needs_more_memory_than_allowed_is_refused_as_too_costly() -> None:
    with pytest.raises(FileFormatError) as refused:
        read_upload(_long_csv(20_000), "long.csv", limits=ReadingLimits(memory_bytes=64 << 20))
    assert refused.value.code == "file.too_costly"


def test_a_file_that_needs_more_cpu_than_allowed_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(FileFormatError) as refused:
        read_upload(_long_csv(40_000), "long.csv", limits=ReadingLimits(cpu_seconds=1))
    assert refused.value.code == "file.too_costly"
    assert time.monotonic() - started < 10


def test_a_file_that_takes_too_long_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(FileFormatError) as refused:
        read_upload(_long_csv(40_000), "long.csv", limits=ReadingLimits(wall_seconds=0.5))
    assert refused.value.code == "file.too_costly"
    assert time.monotonic() - started < 5


def test_the_answer_of_the_child_may_hold_only_the_parts_of_a_parsed_file() -> None:
    hostile = pickle.dumps(("parsed", print))
    with pytest.raises(pickle.UnpicklingError):
        _SafeUnpickler(__import__("io").BytesIO(hostile)).load()
