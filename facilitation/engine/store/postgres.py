"""The PostgreSQL store, for several server processes (and hosts) sharing one database.

Through psycopg 3 and a psycopg_pool pool per store. The engine's portable SQL (`?` placeholders) is
turned into psycopg's (`%s`) once per statement text.

- `read()`: one `REPEATABLE READ, READ ONLY` transaction, so several queries see one snapshot.
- `write()`: one `READ COMMITTED` transaction. Writers do not queue on one lock for the whole database
  as on SQLite: a write that must not race selects its workshop's row `FOR UPDATE` (`db.for_update()`),
  so writers of one workshop go in turn and writers of different workshops at once.
- Change notification: a trigger publishes every change to a workshop's counters with `pg_notify`
  inside the writing transaction. Each process keeps one listening connection (`_Listener`, shared by
  every store on the same database and schema) and answers `workshop_versions` from memory; a workshop
  it has not heard of costs one query, and after the listener reconnects it re-reads what it knew.
- Deletion: PostgreSQL keeps deleted rows' bytes in the table files until `VACUUM` and later writes
  reuse the space, and in its write-ahead log until the log is recycled. `scrub()` runs a plain `VACUUM`
  of the tables; what more an operator should do is in docs/scaling.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

import psycopg
import psycopg_pool
from psycopg import sql as pgsql

from facilitation.engine.store.base import POOL_SIZE, Store
from facilitation.engine.store.migrations import (
    MIGRATIONS,
    NOTIFY_CHANNEL,
    SCHEMA_VERSION,
    script_for,
)
from facilitation.errors import StoreBusy, StoreUnavailable

__all__ = ["PostgresConnection", "PostgresStore"]

_log = logging.getLogger(__name__)
# Any number: the key of the advisory lock that lets one process at a time migrate.
_MIGRATION_LOCK = 0x4541_5349


@lru_cache(maxsize=512)
def _portable(statement: str) -> str:
    # The engine never puts `?` or `%` inside a string literal, so the swap is safe.
    return statement.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A pooled psycopg connection lent for one block."""

    def __init__(self, conn: psycopg.Connection, mode: str) -> None:
        self.conn = conn
        self.mode = mode

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> psycopg.Cursor:
        """Run one statement written with `?` placeholders."""
        if parameters:
            return self.conn.execute(_portable(statement), tuple(parameters))
        return self.conn.execute(statement.replace("?", "%s") if "?" in statement else statement)

    def for_update(self, alias: str = "") -> str:
        """` FOR UPDATE [OF alias]` in a write block (locks the workshop's row until commit), else ''."""
        if self.mode != "write":
            return ""
        return f" FOR UPDATE OF {alias}" if alias else " FOR UPDATE"

    def table_names(self) -> list[str]:
        """The tables of the current schema."""
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]


class PostgresStore(Store, dialect="postgres"):
    """One PostgreSQL database (and schema), migrated on first use. Thread-safe."""

    integrity_error = psycopg.IntegrityError

    def __init__(self, url: str, *, busy_timeout: float = 10.0, notifications: bool = True) -> None:
        """`url`: a libpq URL (`postgresql://user@host:port/db`, options such as
        `?options=-csearch_path%3Dname` pass through); `notifications=False` answers every version poll
        with a query (for measuring what the listener saves)."""
        self.url = url
        self.busy_timeout = busy_timeout
        self.notifications = notifications
        self._local = threading.local()
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._pool_guard = threading.Lock()
        self._ready = False
        self._schema = ""
        self._listener: _Listener | None = None

    def __repr__(self) -> str:
        return f"<PostgresStore {self.describe()}>"

    @property
    def target(self) -> str:
        """The URL."""
        return self.url

    def describe(self) -> str:
        """host:port/database, without the user or password."""
        parts = urlsplit(self.url)
        return f"postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"

    # ------------------------------------------------------------------ transactions
    # `read()` and `write()` are the base's: a read is one snapshot (`consistent=False`: autocommit,
    # for single statements); a write one transaction, whose changes the listener applies at once.
    _begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    _begin_write = "BEGIN"

    def _commit(self, db: PostgresConnection) -> None:
        changes = db.conn.execute("SELECT current_setting('easi.changes', true)").fetchone()
        db.conn.execute("COMMIT")
        if self._listener is not None and changes and changes[0]:
            self._listener.heard_own(changes[0])

    def _can_roll_back(self, db: PostgresConnection) -> bool:
        return not db.conn.closed

    def workshop_versions(self, code: str) -> tuple[int, int] | None:
        """From the listener's memory when it has heard of the workshop, else one query."""
        self._ensure_ready()
        listener = self._listener
        if listener is not None:
            known = listener.lookup(code)
            if known is not None:
                return known
            ticket = listener.ticket()
        with self.read(consistent=False) as db:
            row = db.execute(
                "SELECT version_any, version_phase FROM workshops WHERE code = ?", (code,)
            ).fetchone()
        if row is None:
            return None
        versions = (row[0], row[1])
        if listener is not None:
            listener.remember(code, versions, ticket)
        return versions

    def scrub(self) -> None:
        """A plain `VACUUM` of the tables: dead rows' space marked free and their index entries gone.
        Their bytes stay in the files until reused, and in the write-ahead log until it is recycled
        (docs/scaling.md says what an operator does about that)."""
        self._ensure_ready()
        with self._borrow("vacuum") as db:
            for table in self.tables():
                db.conn.execute(pgsql.SQL("VACUUM {}").format(pgsql.Identifier(table)))

    def schema_version(self) -> int:
        """How many migrations the database has had."""
        self._ensure_ready()
        with self._borrow("read") as db:
            return _recorded_version(db.conn)

    def migrate(self) -> list[int]:
        """Apply the migrations this database has not had; the numbers of those applied."""
        with self._borrow("write") as db:
            applied = _migrate(db.conn)
        self._ready = True
        return applied

    def close(self) -> None:
        """Close the pool (and stop using the process's listener); reopened when next used."""
        with self._pool_guard:
            pool, self._pool = self._pool, None
            self._ready = False
        if pool is not None:
            pool.close()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.release()

    # ------------------------------------------------------------------ connections
    def _open_pool(self) -> psycopg_pool.ConnectionPool:
        with self._pool_guard:
            if self._pool is None:
                pool = psycopg_pool.ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=POOL_SIZE,
                    kwargs={
                        "autocommit": True,
                        "options": _session_options(self.url, self.busy_timeout),
                    },
                    timeout=self.busy_timeout,
                    open=False,
                    name="easi",
                )
                try:
                    pool.open(wait=True, timeout=self.busy_timeout)
                except psycopg_pool.PoolTimeout as error:
                    pool.close()
                    raise StoreUnavailable(
                        f"Cannot reach the database at {self.describe()}: is PostgreSQL running, and "
                        "does EASI_DB name the right host, port, database and user?"
                    ) from error
                self._pool = pool
            return self._pool

    @contextmanager
    def _borrow(self, mode: str) -> Iterator[PostgresConnection]:
        pool = self._open_pool()
        try:
            with pool.connection() as conn, self._lent(PostgresConnection(conn, mode), mode) as db:
                yield db
        except psycopg_pool.PoolTimeout as error:
            raise StoreBusy(
                "Every database connection of this server is busy; try again in a moment."
            ) from error
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as error:
            raise StoreBusy(
                "The workshop stayed locked by another change for too long; try again in a moment."
            ) from error
        except psycopg.OperationalError as error:
            raise StoreUnavailable(
                f"Lost the connection to the database at {self.describe()}; try again in a moment. "
                "If it goes on, ask whoever runs the server to check PostgreSQL."
            ) from error

    def _ensure_ready(self) -> None:
        if self._ready and self._pool is not None:
            return
        with self._borrow("write") as db:
            _migrate(db.conn)
            self._schema = db.conn.execute("SELECT current_schema()").fetchone()[0]
        self._ready = True
        if self.notifications and self._listener is None:
            self._listener = _Listener.acquire(self.url, self._schema)


def _session_options(url: str, busy_timeout: float) -> str:
    """The URL's own `options` (a search_path, say) plus ours."""
    given = psycopg.conninfo.conninfo_to_dict(url).get("options") or ""
    # A write waits at most the busy timeout for a workshop's row lock, as SQLite does for its lock.
    return f"{given} -c lock_timeout={int(busy_timeout * 1000)}".strip()


def _recorded_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('easi_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM easi_schema").fetchone()
    return 0 if row is None else row[0]


def _migrate(conn: psycopg.Connection) -> list[int]:
    """Apply the missing migrations in one transaction, one process at a time (an advisory lock)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS easi_schema (version INTEGER NOT NULL)")
        version = _recorded_version(conn)
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"The database is at schema version {version}, newer than this app knows "
                f"({SCHEMA_VERSION}): upgrade the app."
            )
        applied = []
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute(script_for(migration, "postgres"))
            applied.append(number)
        if applied:
            conn.execute("DELETE FROM easi_schema")
            conn.execute("INSERT INTO easi_schema (version) VALUES (%s)", (applied[-1],))
    return applied


class _Listener:
    """One listening connection per database and schema in this process, and what it has heard.

    `_versions` holds a workshop's counters only while the connection listens: a notification of a
    change can then not be missed, so memory is as fresh as a query. While it is down, lookups miss
    and every poll queries; after it reconnects it re-reads every workshop it knew."""

    _instances: ClassVar[dict[tuple[str, str], _Listener]] = {}
    _instances_guard = threading.Lock()
    _WAKE_SECONDS = (
        1.0  # how often the loop looks up from waiting (to stop, or to check the server)
    )
    _KEEPALIVE_SECONDS = 5.0
    _MAX_KNOWN = 10_000

    @classmethod
    def acquire(cls, url: str, schema: str) -> _Listener:
        """The process's listener for this database and schema, started on first use; `release` it."""
        with cls._instances_guard:
            listener = cls._instances.get((url, schema))
            if listener is None:
                listener = cls._instances[(url, schema)] = cls(url, schema)
            listener._users += 1
            return listener

    def release(self) -> None:
        """One store fewer uses it; the last one stops it."""
        with self._instances_guard:
            self._users -= 1
            if self._users > 0:
                return
            self._instances.pop((self.url, self.schema), None)
        self._stop.set()

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self._guard = threading.Lock()
        self._versions: dict[str, tuple[int, int]] = {}
        self._heard_at: dict[str, int] = {}  # code -> sequence number of its last notification
        self._sequence = 0
        self.listening = threading.Event()
        self.reconnects = 0
        self._users = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="easi-listener", daemon=True)
        self._thread.start()
        self.listening.wait(timeout=5)

    def lookup(self, code: str) -> tuple[int, int] | None:
        """The counters heard for `code`, or None (unknown, or not listening)."""
        if not self.listening.is_set():
            return None
        return self._versions.get(code)

    def ticket(self) -> int:
        """Taken before a fallback query: `remember` drops the answer if a notification came since."""
        return self._sequence

    def remember(self, code: str, versions: tuple[int, int], ticket: int) -> None:
        """Keep what a fallback query read, unless a notification about `code` overtook it."""
        with self._guard:
            if not self.listening.is_set() or self._heard_at.get(code, -1) > ticket:
                return
            if len(self._versions) < self._MAX_KNOWN:
                self._versions[code] = versions

    def heard_own(self, changes: str) -> None:
        """This process's own committed changes (from the writing transaction), applied at once."""
        for payload in changes.split(";"):
            if payload:
                self._apply(payload)

    def _apply(self, payload: str) -> None:
        try:
            schema, op, code, version_any, version_phase = payload.split(" ")
        except ValueError:
            return
        if schema != self.schema:
            return
        with self._guard:
            self._sequence += 1
            self._heard_at[code] = self._sequence
            if op == "D":
                self._versions.pop(code, None)
                return
            versions = (int(version_any), int(version_phase))
            old = self._versions.get(code)
            # Counters only grow; an insert is a new workshop (a code may be reused after a delete).
            if op == "I" or old is None or versions > old:
                if old is not None or len(self._versions) < self._MAX_KNOWN:
                    self._versions[code] = versions

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.url, autocommit=True, connect_timeout=5, application_name="easi-listener"
                ) as conn:
                    conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(NOTIFY_CHANNEL)))
                    self._reread(conn)
                    self.listening.set()
                    checked = time.monotonic()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=self._WAKE_SECONDS):
                            self._apply(notice.payload)
                        if time.monotonic() - checked > self._KEEPALIVE_SECONDS:
                            conn.execute("SELECT 1")  # a dead server shows here, not never
                            checked = time.monotonic()
            except psycopg.Error as error:
                _log.warning(
                    "EASI listener lost its connection (%s); retrying", type(error).__name__
                )
            self.listening.clear()
            if not self._stop.is_set():
                self.reconnects += 1
                self._stop.wait(1.0)

    def _reread(self, conn: psycopg.Connection) -> None:
        """After (re)connecting: what was known is read again, since changes may have been missed."""
        with self._guard:
            known = list(self._versions)
            self._versions.clear()
            self._sequence += 1
            ticket = self._sequence
        if not known:
            return
        rows = conn.execute(
            pgsql.SQL(
                "SELECT code, version_any, version_phase FROM {}.workshops WHERE code = ANY(%s)"
            ).format(pgsql.Identifier(self.schema)),
            (known,),
        ).fetchall()
        with self._guard:
            for code, version_any, version_phase in rows:
                if self._heard_at.get(code, -1) < ticket:
                    self._versions[code] = (version_any, version_phase)
