"""The store: file, pragmas, migrations, transactions and the connection policy, on both backends
(`store` runs each test on SQLite and on PostgreSQL; `sqlite_store` and `postgres_store` one only)."""

from __future__ import annotations

import sqlite3
import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from facilitation import settings
from facilitation.engine.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    PostgresStore,
    SqliteStore,
    Store,
)
from facilitation.errors import EasiError
from tests.fixtures.engine import TABLES

PROBE = "INSERT INTO events (actor, event, at) VALUES ('operator', 'probe', 'now')"


@pytest.fixture
def sqlite_store(tmp_path):
    store = Store(tmp_path / "engine" / "easi.db")
    yield store
    store.close()


@pytest.fixture
def postgres_store(postgres_schemas):
    store = Store(postgres_schemas.new_url())
    yield store
    store.close()


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
def test_connection_pragmas(sqlite_store, pragma, expected):
    with sqlite_store.read() as db:
        assert db.execute(f"PRAGMA {pragma}").fetchone()[0] == expected


def test_every_table_exists(store):
    with store.read() as db:
        assert set(TABLES) <= set(db.table_names())


def test_the_target_chooses_the_backend(store_target, backend):
    chosen = Store(store_target)
    assert isinstance(chosen, {"sqlite": SqliteStore, "postgres": PostgresStore}[backend])
    assert "@" not in chosen.describe()  # never a user or password in messages


def test_migrations_run_once(store_target):
    assert Store(store_target).migrate() == list(range(1, SCHEMA_VERSION + 1))
    with Store(store_target).write() as db:  # a second store finds the schema in place
        db.execute(PROBE)
    again = Store(store_target)
    assert again.migrate() == []
    assert again.schema_version() == SCHEMA_VERSION
    with again.read() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 1


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
def test_hot_reads_use_an_index(sqlite_store, sql, index):
    with sqlite_store.read() as db:
        plan = " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
    assert index in plan


def test_write_commits_before_returning(store_target):
    store = Store(store_target)
    with store.write() as db:
        db.execute(PROBE)
    other = Store(store_target)  # another store, as another process would see it
    with other.read() as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 1


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
    with pytest.raises(store.integrity_error, match="append-only"), store.write() as db:
        db.execute("UPDATE events SET event = 'forged'")


def test_event_actor_kinds_are_checked(store):
    with pytest.raises(store.integrity_error), store.write() as db:
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
    if isinstance(store, SqliteStore):
        assert len(store._idle) <= 16  # the pool stays bounded
    else:
        assert store._pool.get_stats()["pool_size"] <= 16


def test_checkpoint_truncates_the_log(sqlite_store):
    with sqlite_store.write() as db:
        db.execute(PROBE)
    assert sqlite_store.checkpoint()
    assert sqlite_store.path.with_name(sqlite_store.path.name + "-wal").stat().st_size == 0


def test_a_newer_postgres_schema_is_refused(postgres_store):
    with postgres_store.write() as db:
        db.execute("UPDATE easi_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(EasiError, match="upgrade the app"):
        Store(postgres_store.url).migrate()


def test_postgres_epochs_keep_their_fractions(postgres_store):
    # PostgreSQL's REAL would round an epoch to minutes: countdowns need DOUBLE PRECISION.
    with postgres_store.write() as db:
        (kind,) = db.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'workshops' AND column_name = 'countdown_ends_at'"
        ).fetchone()
    assert kind == "double precision"


def test_postgres_writes_of_one_workshop_lock_its_row(postgres_store):
    with postgres_store.write() as db:
        assert db.for_update() == " FOR UPDATE"
        assert db.for_update("w") == " FOR UPDATE OF w"
    with postgres_store.read() as db:
        assert db.for_update() == ""  # a read-only snapshot takes no locks


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
    ("name", "read", "value", "expected"),
    [
        ("EASI_PAGE_RUNS", settings.concurrent_page_runs, None, settings.DEFAULT_PAGE_RUNS),
        ("EASI_PAGE_RUNS", settings.concurrent_page_runs, "1", 1),
        ("EASI_PAGE_RUNS", settings.concurrent_page_runs, " 6 ", 6),
        ("EASI_POLL_SECONDS", settings.poll_seconds, None, 2),
        ("EASI_POLL_SECONDS", settings.poll_seconds, "3", 3),
        ("EASI_POLL_SECONDS", settings.poll_seconds, " 10 ", 10),
    ],
)
def test_whole_number_settings(monkeypatch, name, read, value, expected):
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)
    assert read() == expected


@pytest.mark.parametrize(
    ("name", "read", "value", "says"),
    [
        *(
            ("EASI_PAGE_RUNS", settings.concurrent_page_runs, v, "of 1 or more")
            for v in ("0", "-2", "two", "1.5")
        ),
        *(
            ("EASI_POLL_SECONDS", settings.poll_seconds, v, "from 1 to 10")
            for v in ("0", "11", "2.5", "soon")
        ),
    ],
)
def test_whole_number_settings_refuse_nonsense(monkeypatch, name, read, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingsError, match=f"{name} must be a whole number {says}"):
        read()
