"""`easi db`: the database itself. `migrate` brings its schema up to date; `copy` moves every workshop
from one database to another (SQLite to PostgreSQL and back) and proves the copy by comparing a debrief
export of every workshop on both sides."""

from __future__ import annotations

import argparse
import sys

from facilitation import settings

__all__ = ["debrief_exports", "register", "run_copy", "run_migrate"]


def register(subparsers) -> None:
    """Add `easi db migrate` and `easi db copy`."""
    parser = subparsers.add_parser(
        "db",
        help="migrate the database, or copy it to another (SQLite <-> PostgreSQL)",
        description="The database: a SQLite file or a postgresql:// URL (default: $EASI_DB).",
    )
    commands = parser.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    migrate = commands.add_parser(
        "migrate", help="apply the schema migrations the database has not had, and say which"
    )
    migrate.add_argument(
        "--db", metavar="PATH_OR_URL", help="the database (default: $EASI_DB, else data/easi.db)"
    )
    migrate.set_defaults(func=run_migrate)
    copy = commands.add_parser(
        "copy",
        help="copy every workshop into an empty database, then check a debrief export of each",
        description="Copy every row (workshops, participants, decisions, drafts, the event log) from one "
        "database into another that holds no workshops, for example a SQLite file into PostgreSQL. The "
        "source is only read. Afterwards the JSON debrief export of every workshop is made from both "
        "and compared; any difference is an error.",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL")
    copy.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL")
    copy.set_defaults(func=run_copy)


def run_migrate(args: argparse.Namespace) -> int:
    """Apply the missing migrations; 0 when the schema is up to date."""
    from facilitation.engine import Store

    store = Store(args.db or settings.database())
    try:
        applied = store.migrate()
        version = store.schema_version()
    finally:
        store.close()
    if applied:
        numbers = ", ".join(str(n) for n in applied)
        print(
            f"{store.describe()}: applied migration {numbers}; the schema is at version {version}."
        )
    else:
        print(f"{store.describe()}: nothing to do; the schema is at version {version}.")
    return 0


def debrief_exports(store) -> dict[str, str]:
    """The JSON debrief export (every stage, the room's activities with it) of every workshop in
    `store`, by code."""
    from facilitation.analysis import analyse, room_activities
    from facilitation.engine import Activities, Workshops
    from facilitation.outputs import render

    engine = Workshops(store)
    exports = {}
    for status in engine.list_workshops():
        record = engine.record(status.code)
        analysis = analyse(record, len(record.snapshot.scenario.stages) - 1)
        room = room_activities(record, Activities(engine).operator_record(status.code), analysis)
        exports[status.code] = render("json", record, analysis, None, room)
    return exports


def run_copy(args: argparse.Namespace) -> int:
    """Copy, then compare the exports; 1 if they differ."""
    from facilitation.engine import Store, copy_store

    source, target = Store(args.source), Store(args.target)
    try:
        copied = copy_store(source, target)
        before, after = debrief_exports(source), debrief_exports(target)
    finally:
        source.close()
        target.close()
    rows = ", ".join(f"{count} {table}" for table, count in copied.items())
    print(f"Copied {source.describe()} -> {target.describe()}: {rows}.")
    differ = sorted(code for code in before if before[code] != after.get(code))
    if differ or set(before) != set(after):
        print(
            f"easi db copy: the copy differs from the source for {', '.join(differ) or 'the list'}: "
            "do not use it; report this as a bug.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Checked: the debrief export of each of the {len(before)} workshops is identical on both."
    )
    return 0
