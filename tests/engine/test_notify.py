"""PostgreSQL's change notification: version polls answered from memory, as fresh as a query, through a
lost connection and back."""

from __future__ import annotations

import time

import psycopg
import pytest

from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops


def _eventually(check, seconds: float = 10.0):
    """Wait for `check()` to be true (notifications arrive on another thread); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not come true")
        time.sleep(0.02)


@pytest.fixture
def pg(postgres_schemas, mini_snapshot):
    store = Store(postgres_schemas.new_url())
    engine = Workshops(store)
    created = engine.create(mini_snapshot)
    yield engine, created
    store.close()


def _queries(store, monkeypatch) -> list[bool]:
    calls: list[bool] = []
    real = store.read

    def counted(*args, **kwargs):
        calls.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "read", counted)
    return calls


def _other_process_bumps(store, code: str) -> None:
    # A plain connection, as another server process would write.
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute(
            "UPDATE workshops SET version_any = version_any + 1, version_phase = version_phase + 1 "
            "WHERE code = %s",
            (code,),
        )


def test_polls_are_answered_from_memory_after_the_first(pg, monkeypatch):
    engine, created = pg
    first = engine.versions(created.code)
    queries = _queries(engine.store, monkeypatch)
    for _ in range(50):
        assert engine.versions(created.code) == first
    assert queries == []


def test_without_notifications_every_poll_queries(postgres_schemas, mini_snapshot, monkeypatch):
    store = Store(postgres_schemas.new_url(), notifications=False)
    engine = Workshops(store)
    code = engine.create(mini_snapshot).code
    queries = _queries(store, monkeypatch)
    for _ in range(5):
        engine.versions(code)
    assert len(queries) == 5
    store.close()


def test_a_change_by_another_process_arrives(pg):
    engine, created = pg
    before = engine.versions(created.code)
    _other_process_bumps(engine.store, created.code)
    _eventually(lambda: engine.versions(created.code).phase == before.phase + 1)
    assert engine.versions(created.code).any == before.any + 1


def test_this_process_sees_its_own_change_at_once(pg):
    engine, created = pg
    before = engine.versions(created.code)
    engine.open_stage(created.code, created.facilitator_key)
    assert engine.versions(created.code).phase > before.phase  # no wait for the listener


def test_a_deleted_workshop_is_forgotten(pg):
    engine, created = pg
    engine.versions(created.code)
    engine.delete_workshop(created.code, created.facilitator_key)
    with pytest.raises(Exception, match="No workshop"):
        engine.versions(created.code)


def test_after_a_lost_connection_it_reads_again(pg):
    engine, created = pg
    listener = engine.store._listener
    before = engine.versions(created.code)
    with psycopg.connect(engine.store.url, autocommit=True) as conn:
        # Cut the listener off; while it is away another process changes the workshop.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'easi-listener'"
        )
    _eventually(lambda: not listener.listening.is_set() or listener.reconnects > 0)
    _other_process_bumps(engine.store, created.code)
    # Down: polls query (right answer); back: it re-read what it knew, so memory is right too.
    _eventually(lambda: engine.versions(created.code).phase == before.phase + 1)
    _eventually(lambda: listener.reconnects >= 1 and listener.listening.is_set())
    assert listener.lookup(created.code) == (before.any + 1, before.phase + 1)
