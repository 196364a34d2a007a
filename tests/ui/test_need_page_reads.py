"""The need page reads the need's stream once: the candidates it shows are ranked on the
need the page has just read (the client's stream is read for the ranking, as before)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.e2e.support import Api
from tests.ui.coordination import client, need, resource, town
from tests.ui.support import signed_in


def test_the_need_page_reads_the_need_once_and_ranks_its_candidates(
    ui: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = town(ui)
    person = client(t)
    shown = resource(t, name="読み取り一回の買い物便")
    item = need(t, person)
    # Ranking once before: the first ranking on a database may fill the matching inputs
    # from the log (once per database), which reads every stream; the shared app's
    # first ranking is whichever test ranks first.
    signed_in(ui.app, "coordinator").get(f"/needs/{item.id}")
    recorder = ui.container.store.recorder
    select = recorder.select_events
    read: list[UUID] = []

    def counted(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        read.append(originator_id)
        return select(originator_id, *args, **kwargs)

    monkeypatch.setattr(recorder, "select_events", counted)
    page = signed_in(ui.app, "coordinator").get(f"/needs/{item.id}")

    assert shown.name in page  # the candidates are there
    assert read.count(item.id) == 1
    assert read.count(person.id) <= 1
