"""Row problems: a stable code, params, and an English message made from the same params."""

from __future__ import annotations

import re

import pytest

from application.import_rows import (
    IMPORT_PROBLEMS,
    REFUSAL_CODES,
    ProblemKind,
    ProblemKinds,
    RowProblem,
)
from interfaces.importing import PROBLEM_CODES
from interfaces.importing.problems import READER_PROBLEMS

READ_AS = ProblemKind("capacity.read_as", "「{cell}」 read as {number}")


def test_the_message_is_made_from_the_params() -> None:
    problem = READ_AS.found(cell="約30名", number=30).at(4, "capacity", "warning")

    assert problem == RowProblem(
        4,
        "capacity",
        "capacity.read_as",
        "「約30名」 read as 30",
        "warning",
        {"cell": "約30名", "number": "30"},
    )


@pytest.mark.parametrize("params", [{"cell": "約30名"}, {"cell": "x", "number": 1, "row": 2}])
def test_params_the_message_does_not_name_exactly_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"capacity\.read_as needs the params"):
        READ_AS.found(**params)


def test_a_code_is_declared_once() -> None:
    kinds = ProblemKinds()
    kinds.declare("capacity.read_as", "「{cell}」 read as {number}")

    with pytest.raises(ValueError, match="declared twice"):
        kinds.declare("capacity.read_as", "「{cell}」 was read as {number}")


def test_codes_name_a_field_or_subject_and_a_problem_and_belong_to_one_declaration() -> None:
    assert [c for c in PROBLEM_CODES if not re.fullmatch(r"[a-z_]+\.[a-z_]+", c)] == []
    assert READER_PROBLEMS.codes.isdisjoint(IMPORT_PROBLEMS.codes)
    assert REFUSAL_CODES.isdisjoint(READER_PROBLEMS.codes | IMPORT_PROBLEMS.codes)
