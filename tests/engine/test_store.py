"""The store: file, pragmas, migrations, transactions and the connection policy."""

from __future__ import annotations

import sqlite3
import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from facilitation import settings
from facilitation.engine.store import MIGRATIONS, SCHEMA_VERSION, Store
from facilitation.errors import EasiError
from tests.fixtures.engine import TABLES


def test_created_on_first_use_with_its_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "easi.db"
    store = Store(path)
    assert not path.exists()  # nothing happens until it is used
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_default_path_comes_from_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("EASI_DB", str(tmp_path / "from-env.db"))
    assert Store().path == settings.db_path() == tmp_path / "from-env.db"


def test_memory_database_is_refused():
    with pytest.raises(ValueError, match="file"):
        Store(":memory:")


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("foreign_keys", 1),
        ("synchronous", 2),
        ("secure_delete", 1),
        ("busy_timeout", 10000),
    ],
)
def test_connection_pragmas(store, pragma, expected):
    with store.read() as db:
        assert db.execute(f"PRAGMA {pragma}").fetchone()[0] == expected


def test_every_table_exists(store):
    with store.read() as db:
        assert set(TABLES) <= set(db.table_names())


def test_migrations_run_once(tmp_path):
    path = tmp_path / "easi.db"
    Store(path).schema_version()
    with Store(path).write() as db:  # a second store on the same file finds the schema in place
        db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
    assert Store(path).schema_version() == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "easi.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(EasiError, match="upgrade the app"):
        Store(path).schema_version()


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        ("SELECT version_any FROM workshops WHERE code = 'ABCDEF'", "sqlite_autoindex_workshops_1"),
        ("SELECT id FROM participants WHERE token_hash = 'x'", "sqlite_autoindex_participants_1"),
        (
            "SELECT count(*) FROM submissions WHERE workshop_id = 1 AND stage_index = 0",
            "submissions_by_stage",
        ),
        (
            "SELECT id FROM participants WHERE workshop_id = 1 AND active = 1",
            "participants_by_workshop",
        ),
    ],
)
def test_hot_reads_use_an_index(store, sql, index):
    with store.read() as db:
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
    assert index in plan


def test_write_commits_before_returning(store, tmp_path):
    with store.write() as db:
        db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
    other = sqlite3.connect(store.path)  # another connection, as another process would see it
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_write_rolls_back_on_error(store):
    with pytest.raises(RuntimeError), store.write() as db:
        db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
        raise RuntimeError("boom")
    with store.read() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_nested_write_joins_the_outer_transaction(store):
    with pytest.raises(RuntimeError), store.write():
        with store.write() as db:
            db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
        raise RuntimeError("the outer block fails, so the inner insert goes too")
    with store.read() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_write_inside_read_is_refused(store):
    with store.read(), pytest.raises(RuntimeError, match="open the write block first"):
        with store.write():
            pass


def test_read_sees_one_snapshot(store):
    with store.read() as db:
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
        done = threading.Event()

        def writer():
            with store.write() as other:
                other.execute(
                    "INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')"
                )
            done.set()

        threading.Thread(target=writer).start()
        assert done.wait(5)
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == before
    with store.read() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == before + 1


def test_event_log_is_append_only(store):
    with store.write() as db:
        db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), store.write() as db:
        db.execute("UPDATE events SET event = 'forged'")


def test_event_actor_kinds_are_checked(store):
    with pytest.raises(sqlite3.IntegrityError), store.write() as db:
        db.execute("INSERT INTO events (actor, event, at) VALUES ('intruder', 'probe', 'now')")


def test_connections_are_shared_safely_between_threads(store):
    def work(n):
        with store.write() as db:
            db.execute(
                "INSERT INTO events (actor, event, stage_index, at) VALUES ('system', 'probe', ?, 'now')",
                (n,),
            )
        with store.read() as db:
            return db.execute("SELECT count(*) FROM events WHERE stage_index = ?", (n,)).fetchone()[
                0
            ]

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(work, range(200))) == [1] * 200
    assert len(store._idle) <= 16  # the pool stays bounded


def test_checkpoint_truncates_the_log(store):
    with store.write() as db:
        db.execute("INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')")
    store.checkpoint()
    assert store.path.with_name(store.path.name + "-wal").stat().st_size == 0


# ------------------------------------------------------------------------------ settings


def test_paths_default_under_the_project(monkeypatch):
    monkeypatch.delenv("EASI_DATA")
    monkeypatch.delenv("EASI_DB")
    assert settings.data_dir() == settings.project_root() / "data"
    assert settings.db_path() == settings.project_root() / "data" / "easi.db"
    assert (settings.project_root() / "facilitation" / "settings.py").is_file()


def test_paths_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EASI_DATA", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("EASI_DB")
    assert settings.db_path() == tmp_path / "elsewhere" / "easi.db"


@pytest.mark.parametrize(
    ("value", "days"), [(None, 30.0), ("", 30.0), ("7", 7.0), ("0.5", 0.5), ("0", 0.0)]
)
def test_retention_days(monkeypatch, value, days):
    if value is None:
        monkeypatch.delenv("EASI_RETENTION_DAYS", raising=False)
    else:
        monkeypatch.setenv("EASI_RETENTION_DAYS", value)
    assert settings.retention_days() == days


@pytest.mark.parametrize("value", ["-1", "a month", "nan"])
def test_retention_days_refuses_nonsense(monkeypatch, value):
    monkeypatch.setenv("EASI_RETENTION_DAYS", value)
    with pytest.raises(settings.SettingsError, match="EASI_RETENTION_DAYS"):
        settings.retention_days()


@pytest.mark.parametrize(
    ("value", "runs"), [(None, settings.DEFAULT_PAGE_RUNS), ("1", 1), (" 6 ", 6)]
)
def test_concurrent_page_runs(monkeypatch, value, runs):
    if value is None:
        monkeypatch.delenv("EASI_PAGE_RUNS", raising=False)
    else:
        monkeypatch.setenv("EASI_PAGE_RUNS", value)
    assert settings.concurrent_page_runs() == runs


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_concurrent_page_runs_refuses_nonsense(monkeypatch, value):
    monkeypatch.setenv("EASI_PAGE_RUNS", value)
    with pytest.raises(settings.SettingsError, match="EASI_PAGE_RUNS"):
        settings.concurrent_page_runs()
