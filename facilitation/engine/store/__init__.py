"""The store: the engine's only way to the database, SQLite (embedded, the default) or PostgreSQL.

`Store(target)` opens the backend `target` names (a file path, or a `postgresql://` URL; default
`settings.database()`). See `base` for the promises both keep, and each backend's module for how.
"""

from __future__ import annotations

from facilitation.engine.store.base import Connection, Store, is_postgres_url
from facilitation.engine.store.copy import copy_store
from facilitation.engine.store.migrations import MIGRATIONS, SCHEMA_VERSION
from facilitation.engine.store.postgres import PostgresStore
from facilitation.engine.store.sqlite import SqliteStore

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Connection",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "copy_store",
    "is_postgres_url",
]
