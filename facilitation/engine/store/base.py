"""What every store offers the engine, whichever database is behind it.

`Store(target)` opens the backend the target names: a file path (SQLite, the embedded default) or a
`postgresql://` URL. The engine writes portable SQL with `?` placeholders against the `Connection` it is
lent; the two backends keep the same promises:

- `with store.read() as db:` one consistent snapshot for several queries; never write inside it.
- `with store.write() as db:` one transaction, committed before the block returns and rolled back if it
  raises. A read-then-write that must not race puts `db.for_update()` after the SELECT of the workshop
  row: PostgreSQL then locks that workshop's row (writers of other workshops go on); SQLite has one
  writer at a time anyway.
- `store.workshop_versions(code)`: a workshop's change counters, answered from memory where the backend
  publishes changes (PostgreSQL's NOTIFY), else by one indexed query.
- `store.scrub()`: after a delete, make sure the deleted rows and text are gone from the database's files
  as far as the backend allows (docs/scaling.md, "Deleting for good").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, ClassVar, Protocol

from facilitation import settings

__all__ = ["POOL_SIZE", "Connection", "Cursor", "Store", "is_postgres_url"]

POOL_SIZE = 16  # connections a store keeps (SQLite) or opens at most (PostgreSQL's pool)


class Cursor(Protocol):
    """The part of a DB-API cursor the engine uses."""

    description: Any

    def fetchone(self) -> Sequence[Any] | None:
        """The next row, or None."""

    def fetchall(self) -> list[Sequence[Any]]:
        """Every remaining row."""


class Connection(Protocol):
    """A connection lent for one block: portable SQL with `?` placeholders."""

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        """Run one statement."""

    def for_update(self, alias: str = "") -> str:
        """The clause that locks the rows just selected (of table `alias`) until the write commits:
        '' where the backend needs none."""

    def table_names(self) -> list[str]:
        """The tables of the schema."""


def is_postgres_url(target: object) -> bool:
    """True for a `postgresql://` (or `postgres://`) URL."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Store:
    """The store interface. `Store(target)` returns the backend for the target (see the module doc)."""

    dialect: ClassVar[str]
    _backends: ClassVar[dict[str, type[Store]]] = {}
    # The database's own "constraint broken" error, for callers that must tell it apart.
    integrity_error: ClassVar[type[Exception]]

    def __init_subclass__(cls, *, dialect: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.dialect = dialect
        Store._backends[dialect] = cls

    def __new__(cls, target: str | Path | None = None, **options: Any) -> Store:
        if cls is Store:
            chosen = settings.database() if target is None else target
            cls = Store._backends["postgres" if is_postgres_url(chosen) else "sqlite"]
        return super().__new__(cls)

    # How a block is lent, the same on every backend: a nested block shares its thread's connection
    # and transaction, a write nested in a read is a bug; else a connection is borrowed for the block,
    # a read's transaction is rolled back at its end, a write's committed (rolled back if it raises).
    _local: threading.local
    _begin_read: ClassVar[str]  # the statement that opens a read's snapshot
    _begin_write: ClassVar[str]  # ... and a write's transaction

    def read(self, *, consistent: bool = True) -> AbstractContextManager[Connection]:
        """A consistent view for the length of the block (`consistent=False`: one statement, no
        transaction). Never write inside it."""
        return self._block("read", consistent=consistent)

    def write(self) -> AbstractContextManager[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        return self._block("write")

    @contextmanager
    def _block(self, mode: str, *, consistent: bool = True) -> Iterator[Any]:
        with self._faults_told():
            current = getattr(self._local, "db", None)
            if current is not None:  # nested in this thread's own block: share its transaction
                if mode == "write" and self._local.mode != "write":
                    raise RuntimeError(
                        "store.write() inside store.read(): open the write block first."
                    )
                yield current
                return
            self._ensure_ready()
            with self._writer() if mode == "write" else nullcontext(), self._borrow(mode) as db:
                if mode == "read":
                    if not consistent:
                        yield db
                        return
                    db.conn.execute(self._begin_read)
                    try:
                        yield db
                    finally:
                        db.conn.execute("ROLLBACK")
                    return
                db.conn.execute(self._begin_write)
                try:
                    yield db
                    self._commit(db)
                except BaseException:
                    if self._can_roll_back(db):
                        db.conn.execute("ROLLBACK")
                    raise

    @contextmanager
    def _lent(self, db: Any, mode: str) -> Iterator[Any]:
        """`db` is this thread's block's connection while the block runs (a nested block finds it)."""
        self._local.db, self._local.mode = db, mode
        try:
            yield db
        finally:
            self._local.db = self._local.mode = None

    # What each backend implements.
    def _borrow(self, mode: str) -> AbstractContextManager[Any]:
        """A connection for one block (lent through `_lent`), returned to the pool after it."""
        raise NotImplementedError

    def _ensure_ready(self) -> None:
        """Open and migrate the database on first use."""
        raise NotImplementedError

    def _faults_told(self) -> AbstractContextManager[None]:
        """Around every block: the database's faults told as the errors of facilitation.errors."""
        return nullcontext()

    def _writer(self) -> AbstractContextManager[None]:
        """Around a write's borrowing: a lock the backend's writers queue on, if it has one."""
        return nullcontext()

    def _commit(self, db: Any) -> None:
        """End a write's transaction."""
        db.conn.execute("COMMIT")

    def _can_roll_back(self, db: Any) -> bool:
        """Whether a failed write's connection can still take a ROLLBACK."""
        raise NotImplementedError

    def workshop_versions(self, code: str) -> tuple[int, int] | None:
        """(version_any, version_phase) of the workshop with this (normalised) code, None if none."""
        raise NotImplementedError

    def scrub(self) -> None:
        """Wipe what deletes left behind in the database's files (see each backend)."""
        raise NotImplementedError

    def schema_version(self) -> int:
        """How many migrations the database has had."""
        raise NotImplementedError

    def migrate(self) -> list[int]:
        """Apply the migrations the database has not had; the numbers of those applied."""
        raise NotImplementedError

    @property
    def target(self) -> str:
        """What `Store(...)` was given (a path or a URL): another `Store(store.target)` opens the same data."""
        raise NotImplementedError

    def describe(self) -> str:
        """Where the data is, for messages (never a password)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close idle connections; the store opens new ones when next used."""
        raise NotImplementedError

    def tables(self) -> Iterator[str]:
        """The schema's tables, parents before children."""
        yield from ("workshops", "participants", "submissions", "drafts", "events")
        # The evaluation's tables (engine/evaluation.py, migration 2).
        yield from (
            "evaluation_forms",
            "evaluation_responses",
            "follow_up_links",
            "room_agreements",
            "improvement_actions",
        )
        # The room's activities (engine/activities.py, migration 4).
        yield from ("activities", "activity_answers")
