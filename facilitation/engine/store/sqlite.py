"""The SQLite store (the embedded default), through sqlite-utils: a connection policy safe under Streamlit.

Streamlit runs every browser tab's script in its own thread, usually a new thread for each rerun, so
connections are neither cached per session nor per thread: a `Store` keeps a small pool of connections
(opened with `check_same_thread=False`) and lends one to a thread for the length of a `read()` or
`write()` block. A block never shares its connection with another thread while it runs.

- `with store.read() as db:` a consistent snapshot (one deferred transaction) for several queries.
- `with store.write() as db:` one `BEGIN IMMEDIATE` transaction, committed before the block returns and
  rolled back if it raises. Use it for every read-then-write: a plain `BEGIN` lets two writers read the
  same state and then one of them fail with "database is locked" (measured under 16 writers).

Writers in one process also queue on a lock of their own, so that they wait in turn instead of in
SQLite's busy handler, which sleeps up to 100 ms at a time; the busy timeout still covers other processes
(the CLI beside the app). Every connection runs in WAL mode with `synchronous=FULL`, so an accepted change
survives a killed process and a power cut, with foreign keys on and `secure_delete` on (deleted personal
data is overwritten, not left in free pages).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlite_utils import Database

from facilitation import settings
from facilitation.engine.store.base import POOL_SIZE, Store
from facilitation.engine.store.migrations import MIGRATIONS, SCHEMA_VERSION, script_for
from facilitation.engine.storefile import faults_told, quick_check, tighten
from facilitation.errors import StoreBusy, StoreUnavailable

__all__ = ["SqliteConnection", "SqliteStore"]

_process_write_locks: dict[Path, threading.Lock] = {}
_process_write_locks_guard = threading.Lock()


def _write_lock_for(path: Path) -> threading.Lock:
    # One lock per database file, shared by every Store on it in this process.
    with _process_write_locks_guard:
        return _process_write_locks.setdefault(path, threading.Lock())


class SqliteConnection(Database):
    """A sqlite-utils database lent for one block, with the store's portable extras."""

    def for_update(self, alias: str = "") -> str:
        """Nothing: SQLite has one writer at a time (`BEGIN IMMEDIATE`), so the rows are already held."""
        return ""


class SqliteStore(Store, dialect="sqlite"):
    """One SQLite file, created (with its folder) and migrated on first use.

    Thread-safe: one instance may serve every thread of the process.
    """

    integrity_error = sqlite3.IntegrityError

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = 10.0) -> None:
        """`path` defaults to `settings.database()`; `busy_timeout` is in seconds."""
        if str(path) == ":memory:":
            raise ValueError(
                "The store needs a file: every connection to ':memory:' would see its own database."
            )
        self.path = Path(path if path is not None else settings.database()).expanduser().absolute()
        self.busy_timeout = busy_timeout
        self._idle: list[SqliteConnection] = []
        self._idle_guard = threading.Lock()
        self._local = threading.local()
        self._write_lock = _write_lock_for(self.path)
        self._ready = False
        self._ready_guard = threading.Lock()

    def __repr__(self) -> str:
        return f"<SqliteStore {self.path}>"

    @property
    def target(self) -> str:
        """The file's path."""
        return str(self.path)

    def describe(self) -> str:
        """The file's path."""
        return str(self.path)

    # ------------------------------------------------------------------ transactions
    # `read()` and `write()` are the base's: a read is a deferred transaction (`consistent=False`
    # skips it, for a block of one statement, which SQLite runs atomically anyway: the polls, where
    # every round trip counts); a write is `BEGIN IMMEDIATE`, writers of this process queuing on the
    # file's lock. File faults (read-only, full, damaged) come out as `StoreUnavailable`, a lock held
    # too long as `StoreBusy`.
    _begin_read = "BEGIN"
    _begin_write = "BEGIN IMMEDIATE"

    def _faults_told(self) -> AbstractContextManager[None]:
        return faults_told(self.path)

    def _writer(self) -> AbstractContextManager[None]:
        return self._exclusive()

    def _can_roll_back(self, db: SqliteConnection) -> bool:
        return db.conn.in_transaction

    def checkpoint(self) -> bool:
        """Fold the write-ahead log into the database file and truncate it; False if a reader still
        holding an older snapshot kept it from finishing."""
        self._ensure_ready()
        with self._exclusive(), self._borrow("checkpoint") as db:
            # Wait briefly for readers, not the full busy timeout: `scrub` tries again.
            db.conn.execute("PRAGMA busy_timeout=200")
            try:
                busy, _, _ = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                db.conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        return busy == 0 and self._wal_size() == 0

    def scrub(self) -> None:
        """After a delete: `secure_delete` zeroed the rows in the pages the delete wrote to the log, and
        a full checkpoint copies those pages over the old ones in the file and empties the log. A reader
        that holds an older snapshot (this process's or another's) keeps the old pages alive, so the
        checkpoint is retried until it finishes, within the busy timeout; then `StoreBusy` says so,
        rather than letting anyone believe the text is gone."""
        deadline = time.monotonic() + self.busy_timeout
        while not self.checkpoint():
            if time.monotonic() > deadline:
                raise StoreBusy(
                    f"Deleted, but another program is still reading {self.path.name}, so the deleted "
                    "text is still in its files: close that program (or wait) and delete again, or "
                    "run `easi purge`, to wipe it."
                )
            time.sleep(0.05)

    def _wal_size(self) -> int:
        try:
            return self.path.with_name(self.path.name + "-wal").stat().st_size
        except FileNotFoundError:
            return 0

    def workshop_versions(self, code: str) -> tuple[int, int] | None:
        """One indexed read, outside a transaction: cheap enough for every poll of every laptop."""
        with self.read(consistent=False) as db:
            row = db.execute(
                "SELECT version_any, version_phase FROM workshops WHERE code = ?", (code,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def migrate(self) -> list[int]:
        """Apply the migrations this file has not had; the numbers of those applied."""
        with self._exclusive(), self._borrow("write") as db:
            applied = _migrate(db)
        self._ready = True
        return applied

    def schema_version(self) -> int:
        """How many migrations the database has had."""
        with self.read() as db:
            return db.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        """Close the idle connections; the store opens new ones when next used."""
        with self._idle_guard:
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()

    # ------------------------------------------------------------------ connections
    def _connect(self) -> SqliteConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = not self.path.exists()
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        if created:
            # Workshop data is personal data: only the account running the app may read the file.
            os.chmod(self.path, 0o600)
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        return SqliteConnection(conn)

    @contextmanager
    def _borrow(self, mode: str) -> Iterator[SqliteConnection]:
        with self._idle_guard:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._connect()
        try:
            with self._lent(db, mode):
                yield db
        finally:
            try:
                healthy = not db.conn.in_transaction
            except sqlite3.ProgrammingError:  # closed
                healthy = False
            with self._idle_guard:
                keep = healthy and len(self._idle) < POOL_SIZE
                if keep:
                    self._idle.append(db)
            if not keep:
                db.close()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if not self._write_lock.acquire(timeout=self.busy_timeout):
            raise StoreBusy(
                f"The database {self.path.name} is busy with another change; try again in a moment."
            )
        try:
            yield
        finally:
            self._write_lock.release()

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._ready_guard:
            if self._ready:
                return
            # At start: the file and the data folder tightened to their owner, the file's integrity checked.
            tighten(self.path, settings.data_dir())
            with faults_told(self.path), self._exclusive(), self._borrow("write") as db:
                quick_check(db.conn, self.path)
                _migrate(db)
            self._ready = True


def _migrate(db: SqliteConnection) -> list[int]:
    """Apply the migrations this database has not had, in one transaction; the numbers applied."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"The database is at schema version {version}, newer than this app knows ({SCHEMA_VERSION}): "
                "upgrade the app."
            )
        applied = []
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            db.executescript(script_for(migration, "sqlite"))
            db.conn.execute(f"PRAGMA user_version = {number}")
            applied.append(number)
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    return applied
