"""SQLite through sqlite-utils: the schema, its migrations, and a connection policy safe under Streamlit.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from facilitation import settings
from facilitation.errors import StoreBusy, StoreUnavailable

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Store", "StoreBusy"]

# Each entry moves the schema one version on; never edit an entry once released, append a new one.
# `PRAGMA user_version` records how many have been applied.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE workshops (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so caches keyed by id cannot go stale
        code TEXT NOT NULL UNIQUE,
        scenario_id TEXT NOT NULL,
        title TEXT NOT NULL,
        audience TEXT NOT NULL,
        stage_count INTEGER NOT NULL,
        snapshot_json TEXT NOT NULL,
        facilitator_key_hash TEXT NOT NULL UNIQUE,
        projector_key_hash TEXT NOT NULL UNIQUE,
        phase TEXT NOT NULL DEFAULT 'lobby'
            CHECK (phase IN ('lobby', 'open', 'locked', 'revealed', 'debrief', 'closed')),
        stage_index INTEGER NOT NULL DEFAULT -1,
        revealed_through INTEGER NOT NULL DEFAULT -1,
        version_any INTEGER NOT NULL DEFAULT 1,
        version_phase INTEGER NOT NULL DEFAULT 1,
        seats INTEGER NOT NULL DEFAULT 0,  -- participants ever seated: numbers pseudonyms and bot seeds
        countdown_ends_at REAL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX workshops_by_created ON workshops (created_at);
    CREATE TABLE participants (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workshop_id INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
        token_hash TEXT UNIQUE,  -- NULL once removed: the token then matches nothing
        role_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        simulated INTEGER NOT NULL DEFAULT 0,
        bot_seed INTEGER,
        active INTEGER NOT NULL DEFAULT 1,
        joined_at TEXT NOT NULL
    );
    CREATE INDEX participants_by_workshop ON participants (workshop_id, role_id);
    CREATE TABLE submissions (
        participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
        workshop_id INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
        stage_index INTEGER NOT NULL,
        decision_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (participant_id, stage_index)
    );
    CREATE INDEX submissions_by_stage ON submissions (workshop_id, stage_index);
    CREATE TABLE drafts (
        participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
        workshop_id INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
        stage_index INTEGER NOT NULL,
        draft_json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (participant_id, stage_index)
    );
    CREATE INDEX drafts_by_workshop ON drafts (workshop_id);
    -- Who did what when, for the operator: ids and event names only, never names or notes.
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        workshop_id INTEGER REFERENCES workshops (id) ON DELETE CASCADE,
        actor TEXT NOT NULL CHECK (actor IN ('facilitator', 'participant', 'projector', 'operator', 'system')),
        participant_id INTEGER,
        event TEXT NOT NULL,
        stage_index INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_workshop ON events (workshop_id);
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
    BEGIN
        SELECT RAISE(ABORT, 'the event log is append-only');
    END;
    """,
    # What the projector shows, chosen on the facilitator's screen: {"view", "stage", "notes"}.
    """
    ALTER TABLE workshops ADD COLUMN screen_json TEXT NOT NULL DEFAULT '{}';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_POOL_SIZE = 16
_process_write_locks: dict[Path, threading.Lock] = {}
_process_write_locks_guard = threading.Lock()


def _write_lock_for(path: Path) -> threading.Lock:
    # One lock per database file, shared by every Store on it in this process.
    with _process_write_locks_guard:
        return _process_write_locks.setdefault(path, threading.Lock())


class Store:
    """One SQLite file, created (with its folder) and migrated on first use.

    Thread-safe: one instance may serve every thread of the process.
    """

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = 10.0) -> None:
        """`path` defaults to `settings.db_path()`; `busy_timeout` is in seconds."""
        if str(path) == ":memory:":
            raise ValueError(
                "The store needs a file: every connection to ':memory:' would see its own database."
            )
        self.path = Path(path if path is not None else settings.db_path()).expanduser().absolute()
        self.busy_timeout = busy_timeout
        self._idle: list[Database] = []
        self._idle_guard = threading.Lock()
        self._local = threading.local()
        self._write_lock = _write_lock_for(self.path)
        self._ready = False
        self._ready_guard = threading.Lock()

    def __repr__(self) -> str:
        return f"<Store {self.path}>"

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def read(self, *, consistent: bool = True) -> Iterator[Database]:
        """A consistent view of the database for the length of the block. Never write inside it.

        `consistent=False` skips the transaction, for a block of one statement (which SQLite runs
        atomically anyway): the polls, where every round trip counts."""
        current = getattr(self._local, "db", None)
        if current is not None:  # nested in this thread's own block: share its transaction
            yield current
            return
        self._ensure_ready()
        with self._borrow("read") as db:
            if not consistent:
                yield db
                return
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                db.conn.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One `BEGIN IMMEDIATE` transaction: committed when the block ends, rolled back if it raises."""
        current = getattr(self._local, "db", None)
        if current is not None:
            if self._local.mode != "write":
                raise RuntimeError("store.write() inside store.read(): open the write block first.")
            yield current
            return
        self._ensure_ready()
        with self._exclusive():
            with self._borrow("write") as db:
                db.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
                try:
                    db.conn.execute("COMMIT")
                except BaseException:
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and truncate it, so that deleted data does not
        linger in the log (best effort: readers still open keep their pages until they finish)."""
        self._ensure_ready()
        with self._exclusive(), self._borrow("checkpoint") as db:
            # Wait briefly for readers, not the full busy timeout: a later checkpoint will finish the job.
            db.conn.execute("PRAGMA busy_timeout=500")
            try:
                db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            finally:
                db.conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")

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
    def _connect(self) -> Database:
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
        return Database(conn)

    @contextmanager
    def _borrow(self, mode: str) -> Iterator[Database]:
        with self._idle_guard:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._connect()
        self._local.db, self._local.mode = db, mode
        try:
            yield db
        finally:
            self._local.db = self._local.mode = None
            try:
                healthy = not db.conn.in_transaction
            except sqlite3.ProgrammingError:  # closed
                healthy = False
            with self._idle_guard:
                keep = healthy and len(self._idle) < _POOL_SIZE
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
            with self._exclusive(), self._borrow("write") as db:
                _migrate(db)
            self._ready = True


def _migrate(db: Database) -> None:
    """Apply the migrations this database has not had, in one transaction."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"The database is at schema version {version}, newer than this app knows ({SCHEMA_VERSION}): "
                "upgrade the app."
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            db.executescript(script)
            db.conn.execute(f"PRAGMA user_version = {number}")
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
