"""A database written by release 0.1.0 (personal data in plain text) keeps working:
its clients are found by the blind index, new events about them are sealed with a
key made on first need, and they can be erased (docs/privacy.md says what of the
old plain text remains)."""

from __future__ import annotations

import shutil
from pathlib import Path

from application.security import SYSTEM_ACTOR
from domain.need import Need
from domain.values import ERASED, NeedStatus, Outcome
from interfaces.bootstrap import bootstrap
from tests.releases import settings_for

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "releases" / "v0.1.0"


def test_a_release_database_seals_what_is_new_and_erases_its_clients(tmp_path: Path) -> None:
    working = tmp_path / "tsunagu.sqlite3"
    shutil.copyfile(RELEASE / "tsunagu.sqlite3", working)
    container = bootstrap(settings_for(f"sqlite:///{working}"))
    try:
        app = container.services
        store = container.store
        raised = [
            store.mapper.to_domain_event(n)
            for n in store.recorder.select_notifications(start=1, limit=100_000)
            if n.topic.endswith("Need.Raised")
        ]
        need = next(
            app.needs.get(e.originator_id, SYSTEM_ACTOR)
            for e in raised
            if app.needs.get(e.originator_id, SYSTEM_ACTOR).status is not NeedStatus.CLOSED
        )
        client = app.clients.get(need.client_id, SYSTEM_ACTOR)
        assert client.personal is not None
        kana = client.personal.name_kana or client.personal.name
        assert client.id in [c.id for c in app.clients.search(kana[:2], SYSTEM_ACTOR)]

        reason = "リリース後の終結理由ABC"
        app.needs.close(need.id, Outcome.WITHDRAWN, reason, need.version, SYSTEM_ACTOR)
        last = store.recorder.select_events(need.id, desc=True, limit=1)[0]
        assert reason.encode() not in last.state  # sealed with a key made for the old client
        assert isinstance(store.mapper.to_domain_event(last), Need.Closed)

        erased = app.clients.erase(client.id, "保存期間の満了", client.version, SYSTEM_ACTOR)

        assert erased.erased
        assert erased.personal is None
        assert [e for e in store.stream(need.id) if isinstance(e, Need.Closed)][-1].reason == ERASED
        assert client.id not in [c.id for c in app.clients.search(kana[:2], SYSTEM_ACTOR)]
    finally:
        container.close()
