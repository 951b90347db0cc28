"""Copying every row from one store to another (SQLite to PostgreSQL and back), ids and all."""

from __future__ import annotations

from facilitation.engine.store.base import Store
from facilitation.errors import UserError

__all__ = ["copy_store"]


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every table of `source` into `target`, which must hold no workshops; returns the rows copied
    per table. The source is read in one snapshot and the target written in one transaction, so a
    failed copy leaves the target as it was."""
    copied: dict[str, int] = {}
    with source.read() as src, target.write() as dst:
        if dst.execute("SELECT count(*) FROM workshops").fetchone()[0]:
            raise UserError(
                f"The target {target.describe()} already holds workshops: copy into an empty database."
            )
        for table in source.tables():
            cursor = src.execute(f"SELECT * FROM {table} ORDER BY 1")
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            insert = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            for row in rows:
                dst.execute(insert, tuple(row))
            copied[table] = len(rows)
        if target.dialect == "postgres":
            # Explicit ids do not move an identity's sequence: start it after the highest copied.
            for table in ("workshops", "participants", "events"):
                dst.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
    return copied
