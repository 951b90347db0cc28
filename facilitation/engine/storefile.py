"""The SQLite file's health, as the store meets it: its permissions, its integrity, and its faults told
plainly.

- `tighten`: workshop data is personal data; an existing database file (and its WAL and shared-memory
  files) and the data folder are tightened to their owner at start, or refused with a message.
- `quick_check`: `PRAGMA quick_check` once at start; a damaged file is refused, never half-read (a
  damaged index can report a workshop that is in the file as "no workshop").
- `faults_told`: SQLite's "readonly", "disk full", "locked" and "malformed" errors become
  `StoreUnavailable` / `StoreBusy` with a message saying what is wrong and what to do.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facilitation.errors import StoreBusy, StoreUnavailable

__all__ = ["fault", "faults_told", "quick_check", "tighten"]

_COMPANIONS = ("", "-wal", "-shm")


def fault(error: sqlite3.Error, path: Path) -> StoreUnavailable | StoreBusy | None:
    """The user error an SQLite error stands for, or None if it is not a fault of the file (a bug)."""
    text = str(error).lower()
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable(
            f"The database {path.name} is read-only, so nothing can be saved right now. Nothing you "
            "confirmed is lost: whoever runs this server must make the file and its folder writable."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StoreUnavailable(
            f"The disk holding the database {path.name} is full, so nothing can be saved right now. "
            "Nothing you confirmed is lost: whoever runs this server must free some space."
        )
    if "locked" in text or "busy" in text:
        return StoreBusy(
            f"The database {path.name} is busy with another change; try again in a moment."
        )
    if "malformed" in text or "not a database" in text or "disk i/o error" in text:
        return StoreUnavailable(
            f"The database {path.name} is damaged or unreadable. Whoever runs this server must restore "
            "it from a backup (see docs/security.md)."
        )
    if "unable to open" in text:
        return StoreUnavailable(
            f"The database {path.name} cannot be opened: check that its folder exists and that this "
            "account may read and write it."
        )
    return None


@contextmanager
def faults_told(path: Path) -> Iterator[None]:
    """Re-raise SQLite's file faults inside the block as `StoreUnavailable` or `StoreBusy`."""
    try:
        yield
    except sqlite3.OperationalError as error:
        told = fault(error, path)
        if told is None:
            raise
        raise told from None
    except (
        sqlite3.DatabaseError
    ) as error:  # "file is not a database", "database disk image is malformed"
        told = fault(error, path)
        if told is None:
            raise
        raise told from None
    except UnicodeDecodeError:  # a damaged header can answer a PRAGMA with bytes that are not text
        raise StoreUnavailable(
            f"The database {path} is damaged: the app will not use it. Restore it from a backup, or "
            "move it aside to start with an empty one."
        ) from None


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database (`PRAGMA quick_check` finds anything but "ok")."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        told = fault(error, path)
        raise (told or StoreUnavailable(f"The database {path.name} cannot be checked.")) from None
    if rows != [("ok",)]:
        raise StoreUnavailable(
            f"The database {path} is damaged ({rows[0][0][:120] if rows else 'no answer'}): the app "
            "will not use it. Restore it from a backup, or move it aside to start with an empty one."
        )


def tighten(path: Path, data_dir: Path | None) -> None:
    """Make an existing database file, its WAL and shared-memory files readable by their owner only, and
    the data folder (`data_dir`, when the file lives in it) enterable by its owner only. Refuses with
    `StoreUnavailable` a file this account does not own or cannot change."""
    targets = [(Path(f"{path}{suffix}"), 0o600) for suffix in _COMPANIONS]
    if data_dir is not None and path.parent.resolve() == data_dir.resolve():
        targets.append((path.parent, 0o700))
    for target, mode in targets:
        try:
            info = target.stat()
        except FileNotFoundError:
            continue
        if stat.S_IMODE(info.st_mode) & 0o077 == 0:
            continue
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise StoreUnavailable(
                f"{target} belongs to another account and others may read it: workshop data is personal "
                f"data. Give it to the account running the app, or run `chmod {mode:o} {target}`."
            )
        try:
            os.chmod(target, stat.S_IMODE(info.st_mode) & mode)
        except OSError as error:
            raise StoreUnavailable(
                f"{target} may be read by other accounts and could not be tightened ({error.strerror}): "
                f"run `chmod {mode:o} {target}`."
            ) from None
