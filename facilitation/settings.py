"""Where the app keeps its data, and the operator's settings, each overridable from the environment.

| setting            | environment variable  | default                                   |
|--------------------|-----------------------|-------------------------------------------|
| data folder        | `EASI_DATA`           | `<project root>/data`                     |
| database file      | `EASI_DB`             | `<data folder>/easi.db`                   |
| operator passcode  | `EASI_PASSCODE`       | the file `<data folder>/passcode` (made on first use, mode 0600) |
| retention in days  | `EASI_RETENTION_DAYS` | 30                                        |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import NamedTuple

from facilitation.errors import EasiError

__all__ = [
    "Passcode",
    "SettingsError",
    "data_dir",
    "db_path",
    "operator_passcode",
    "project_root",
    "resolve_passcode",
    "retention_days",
]

DEFAULT_PAGE_RUNS = 2
DEFAULT_RETENTION_DAYS = 30.0


class SettingsError(EasiError):
    """An environment variable or settings file holds a value the app cannot use."""


class Passcode(NamedTuple):
    """The operator passcode, and where it came from (`generated` is True only on the run that made it)."""

    value: str
    source: str  # "environment" | "file" | "generated"
    path: Path | None

    @property
    def generated(self) -> bool:
        return self.source == "generated"


def project_root() -> Path:
    """The checkout the package runs from (the folder holding `facilitation/`)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder: `$EASI_DATA`, else `<project root>/data`."""
    configured = os.environ.get("EASI_DATA", "").strip()
    return Path(configured).expanduser() if configured else project_root() / "data"


def db_path() -> Path:
    """The SQLite database file: `$EASI_DB`, else `<data folder>/easi.db`."""
    configured = os.environ.get("EASI_DB", "").strip()
    return Path(configured).expanduser() if configured else data_dir() / "easi.db"


def resolve_passcode() -> Passcode:
    """The operator passcode: `$EASI_PASSCODE`, else the `passcode` file in the data folder, else a new
    random one written to that file (readable by its owner only)."""
    configured = os.environ.get("EASI_PASSCODE", "").strip()
    if configured:
        return Passcode(configured, "environment", None)
    path = data_dir() / "passcode"
    existing = _read_passcode(path)
    if existing:
        return Passcode(existing, "file", path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(9)
    try:
        # O_EXCL: two processes starting at once must not each write their own passcode.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = _read_passcode(path)
        if existing:
            return Passcode(existing, "file", path)
        raise SettingsError(f"The passcode file {path} is empty: delete it or write a passcode in it.") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return Passcode(value, "generated", path)


def operator_passcode() -> str:
    """The operator passcode that creating a workshop requires (see `resolve_passcode`)."""
    return resolve_passcode().value


def retention_days() -> float:
    """How long workshops are kept before `easi purge` removes them: `$EASI_RETENTION_DAYS`, else 30."""
    configured = os.environ.get("EASI_RETENTION_DAYS", "").strip()
    if not configured:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(configured)
    except ValueError:
        days = -1.0
    if not days >= 0:  # also refuses NaN
        raise SettingsError(f"EASI_RETENTION_DAYS must be a number of days of 0 or more, not {configured!r}.")
    return days


def concurrent_page_runs() -> int:
    """How many full page runs one server process lets proceed at once: `$EASI_PAGE_RUNS`, else 2.

    When a stage opens, every laptop reruns its page within the same two seconds. Hundreds of script
    threads contending for one interpreter lock starve the event loop that sends their pages, and every
    laptop waits for all of them; a few at a time finish sooner, each in turn (docs/performance.md)."""
    configured = os.environ.get("EASI_PAGE_RUNS", "").strip()
    if not configured:
        return DEFAULT_PAGE_RUNS
    if not configured.isdigit() or int(configured) < 1:
        raise SettingsError(f"EASI_PAGE_RUNS must be a whole number of 1 or more, not {configured!r}.")
    return int(configured)


def _read_passcode(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
