"""`easi purge`: delete workshops older than the retention period."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitation import settings
from facilitation.errors import EasiError

__all__ = ["register", "run"]

DESCRIPTION = """\
Delete every workshop created more than DAYS days ago, with everything that belongs to it: participants,
decisions, drafts and its event log. Workshop data is personal data: keep it no longer than needed.

Run it on a schedule. With cron (every night at 03:15):

    15 3 * * *  cd /srv/easi && EASI_DB=/srv/easi/data/easi.db easi purge

or with a systemd timer: a oneshot easi-purge.service whose ExecStart runs `easi purge`, and an
easi-purge.timer with OnCalendar=daily and Persistent=true.
"""


def register(subparsers) -> None:
    """Add `easi purge`."""
    parser = subparsers.add_parser(
        "purge",
        help="delete workshops older than the retention period (schedule it with cron or a systemd timer)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--older-than",
        type=_days,
        default=None,
        metavar="DAYS",
        help="age in days (default: $EASI_RETENTION_DAYS, else 30)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="the database, a SQLite file or a postgresql:// URL (default: $EASI_DB, else data/easi.db)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be deleted, delete nothing"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Purge (or list, with --dry-run); 1 if the database or the settings cannot be used."""
    from facilitation.engine import Store, Workshops

    try:
        days = args.older_than if args.older_than is not None else settings.retention_days()
    except EasiError as error:
        print(f"easi purge: {error}", file=sys.stderr)
        return 1
    from facilitation.engine import is_postgres_url

    path = settings.database() if args.db is None else args.db
    if not is_postgres_url(path) and not Path(path).expanduser().is_file():
        # The default database not existing yet is normal; a --db that does not exist is probably a typo.
        print(
            f"No database at {path}: nothing to purge.",
            file=sys.stdout if args.db is None else sys.stderr,
        )
        return 0 if args.db is None else 1
    engine = Workshops(Store(path))
    if args.dry_run:
        candidates = engine.purge_candidates(days)
        print(f"Would remove {len(candidates)} workshop(s) created more than {days:g} days ago.")
        for status in candidates:
            print(
                f"  {status.code}  created {status.created_at}  {status.phase:<8}  {status.title}"
            )
        return 0
    removed = engine.purge(days)
    print(f"Removed {removed} workshop(s) created more than {days:g} days ago.")
    return 0


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"give a number of days of 0 or more, not {text!r}")
    return value
