"""The candidates panel of the need screen is worded once per rendering: what it says
is what the wording functions say, candidate by candidate, and each message is looked
up in the request's translations once (not once per candidate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from domain.matching import Candidate, Criterion, CriterionScore
from interfaces.web.ui import matching
from tests.e2e.support import Api

AREAS = {"north": "北区"}


def _candidate(name: str, *, full: bool, total: int) -> Candidate:
    scores = (
        CriterionScore(Criterion.CATEGORY, 40, 40, True, "meals"),
        CriterionScore(Criterion.AREA, 25, 25, True, "north"),
        CriterionScore(Criterion.ELIGIBILITY, 15, 15, True, "support_1"),
        CriterionScore(Criterion.CAPACITY, 0 if full else 10, 10, not full, "0" if full else "3"),
        CriterionScore(Criterion.SCHEDULE, 10, 10, True, "mon,thu"),
        CriterionScore(Criterion.STATUS, 0, 0, True, "active"),
    )
    blockers = (Criterion.CAPACITY,) if full else ()
    return Candidate(uuid4(), name, total, not full, blockers, scores, 0 if full else 3, 2)


CANDIDATES = [
    _candidate("あおぞら", full=False, total=100),
    _candidate("かもめ", full=False, total=100),
    _candidate("みどり", full=True, total=90),
] + [_candidate(f"資源{i}", full=False, total=80 - i) for i in range(20)]


@pytest.fixture
def counted(ui: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every message the wording looks up in the request's translations (Japanese)."""
    lookups: Counter[str] = Counter()
    translate = matching._

    def counting(text: str, **variables: Any) -> str:
        lookups[text] += 1
        return translate(text, **variables)

    with ui.app.test_request_context(headers={"Accept-Language": "ja"}):
        monkeypatch.setattr(matching, "_", counting)
        yield lookups


def test_the_panel_says_what_the_wording_says_candidate_by_candidate(
    counted: Counter[str],
) -> None:
    lines = matching.candidate_panel(CANDIDATES, AREAS)

    for index, (line, c) in enumerate(zip(lines, CANDIDATES, strict=True)):
        assert line.candidate is c
        assert line.rank == index + 1
        assert line.reason == matching.reason_line(c, AREAS)
        assert line.blockers == matching.blocker_labels(c)
        assert line.tie == matching.tie_note(CANDIDATES, index)
        assert line.rank_label == matching._("Rank %(rank)d", rank=index + 1)
        assert line.choose == matching._("Choose %(name)s", name=c.name)
        assert [label for label, _ in line.scores] == [
            str(matching.label(s.criterion)) for s in c.scores if s.max_score
        ]
    assert "北区" in lines[0].reason
    assert "かもめ" in lines[0].tie
    assert lines[2].blockers
    assert not lines[3].tie


def test_each_message_of_the_panel_is_translated_once(counted: Counter[str]) -> None:
    matching.candidate_panel(CANDIDATES, AREAS)

    assert counted, "the panel looks its words up through matching._"
    assert max(counted.values()) == 1, counted.most_common(3)


def test_the_panel_words_the_first_candidates_and_tells_ties_among_all(
    counted: Counter[str],
) -> None:
    tied = [_candidate(f"同点{i}", full=False, total=70) for i in range(6)]

    lines = matching.candidate_panel(tied, AREAS, limit=2)

    assert [line.candidate for line in lines] == tied[:2]
    assert lines[0].tie == matching.tie_note(tied, 0)
    assert "同点1・同点2・同点3 " in lines[0].tie  # three named ...
    assert "ほか 2 件" in lines[0].tie  # ... the other two counted
