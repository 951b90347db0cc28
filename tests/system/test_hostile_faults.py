"""Faults of the database told plainly (finding 6 of the hardening issue): read-only, full, locked and
damaged files give a clear message in the engine, the CLI and the page; the laptop keeps its answers;
an existing data folder and database file are tightened to their owner at start."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from facilitation import settings
from facilitation.cli import main
from facilitation.engine.store import SqliteStore, Store
from facilitation.engine.workshops import Workshops
from facilitation.errors import StoreBusy, StoreUnavailable
from tests.fixtures.engine import decision
from tests.fixtures.ui import button, shown

# The tests run as any user, root included (who ignores file modes): faults are made with SQLite itself.


def _read_only(store: SqliteStore, monkeypatch) -> None:
    """Every connection the store opens from now on refuses writes, as a read-only file does."""
    if not isinstance(store, SqliteStore):
        pytest.skip("SQLite's file faults (PostgreSQL's are its server's)")
    connect = SqliteStore._connect

    def read_only(self):
        db = connect(self)
        db.conn.execute("PRAGMA query_only = 1")
        return db

    store.close()
    monkeypatch.setattr(SqliteStore, "_connect", read_only)


def _full(store: SqliteStore, monkeypatch) -> None:
    """Every connection the store opens from now on finds the disk full (no page may be added)."""
    if not isinstance(store, SqliteStore):
        pytest.skip("SQLite's file faults (PostgreSQL's are its server's)")
    connect = SqliteStore._connect

    def full(self):
        db = connect(self)
        pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
        db.conn.execute(f"PRAGMA max_page_count = {pages}")
        return db

    store.close()
    monkeypatch.setattr(SqliteStore, "_connect", full)


def test_a_read_only_database_is_told_plainly(room, monkeypatch):
    seat = room.join("school")
    room.go("open_stage")
    _read_only(room.engine.store, monkeypatch)
    with pytest.raises(StoreUnavailable, match=r"read-only.*Nothing you confirmed is lost"):
        room.engine.submit(seat.token, 0, decision())
    with pytest.raises(StoreUnavailable, match="read-only"):
        room.join("police")
    assert room.engine.status(room.code).phase == "open"  # reading still works


def test_a_full_disk_is_told_plainly(room, monkeypatch):
    seat = room.join("school")
    room.go("open_stage")
    _full(room.engine.store, monkeypatch)
    with pytest.raises(StoreUnavailable, match="full"):
        for number in range(200):
            room.engine.submit(seat.token, 0, decision(note=f"{number} " + "x" * 900))
            room.join()


def test_a_locked_database_is_told_plainly(tmp_path, mini_snapshot):
    path = tmp_path / "locked.db"
    engine = Workshops(Store(path, busy_timeout=0.2))
    created = engine.create(mini_snapshot)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusy, match="busy"):
            engine.join(created.code)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert engine.join(created.code).code == created.code


def _damage(path) -> None:
    """Overwrite the middle of a database file (its later pages: tables and indexes) with noise."""
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 100, len(data) - 100, 97):
        data[offset] = (data[offset] + 91) % 256
    path.write_bytes(bytes(data))


def _a_database_with_workshops(path, mini_snapshot) -> None:
    store = Store(path)
    engine = Workshops(store)
    for _ in range(5):
        created = engine.create(mini_snapshot)
        for _ in range(8):
            engine.join(created.code, display_name="Someone with a long enough name")
    store.checkpoint()
    store.close()


def test_a_damaged_database_is_refused_at_start(tmp_path, mini_snapshot):
    path = tmp_path / "damaged.db"
    _a_database_with_workshops(path, mini_snapshot)
    _damage(path)
    with pytest.raises(StoreUnavailable, match="damaged"):
        Workshops(Store(path)).list_workshops()


def test_the_cli_tells_a_damaged_database_without_a_traceback(tmp_path, mini_snapshot, capsys):
    path = tmp_path / "damaged.db"
    _a_database_with_workshops(path, mini_snapshot)
    _damage(path)
    assert main(["purge", "--db", str(path), "--older-than", "0", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err


def test_an_open_data_folder_and_database_are_tightened_at_start(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    monkeypatch.setenv("EASI_DATA", str(folder))
    path = folder / "easi.db"
    Store(path).schema_version()
    path.chmod(0o644)
    for suffix in ("-wal", "-shm"):
        companion = folder / f"easi.db{suffix}"
        if companion.exists():
            companion.chmod(0o664)
    Store(path).schema_version()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for suffix in ("-wal", "-shm"):
        companion = folder / f"easi.db{suffix}"
        if companion.exists():
            assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0
    assert settings.data_dir() == folder


def test_the_laptop_keeps_its_answers_when_the_database_is_read_only(
    open_page, ui_room, monkeypatch
):
    seat = ui_room.join("school", "Pat")
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    at.button_group(key="play:0:bruise:share").set_value(["childrens_social_care"]).run()
    at.button_group(key="play:0:bruise:reason").set_value("duty").run()
    at.radio(key="play:0:level").set_value(3).run()
    at.selectbox(key="play:0:action").set_value("refer").run()
    connect = SqliteStore._connect
    _read_only(ui_room.engine.store, monkeypatch)
    at.text_area(key="play:0:note").input("typed with care").run()  # its autosave fails
    assert not at.exception
    assert "read-only" in shown(at.error[0].value)
    button(at, "Submit").click()
    at.run()
    assert not at.exception
    message = shown(at.error[0].value)
    assert "read-only" in message and "Your answers are still below" in message
    assert at.text_area(key="play:0:note").value == "typed with care"
    assert at.radio(key="play:0:level").value == 3
    # The file is writable again: the same press works.
    monkeypatch.setattr(SqliteStore, "_connect", connect)
    ui_room.engine.store.close()
    button(at, "Submit").click()
    at.run()
    assert ui_room.engine.participant_view(seat.token).decision.note == "typed with care"


def test_an_open_passcode_file_is_tightened():
    path = settings.data_dir() / "passcode"
    path.parent.mkdir(parents=True)
    path.write_text("a-long-enough-passcode\n")
    path.chmod(0o644)
    assert settings.resolve_passcode().value == "a-long-enough-passcode"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
