"""The operator's settings: one table of every environment variable the app reads, and their readers.

This module is the only reader of the environment. `SETTINGS` lists each setting with its default and
what it does; `docs/settings.md` is generated from it (`easi settings --markdown`) and a test checks that
every setting is documented there and in nothing else.
"""

from __future__ import annotations

import functools
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from facilitation.errors import SettingsError

__all__ = [
    "SETTINGS",
    "Passcode",
    "Setting",
    "concurrent_page_runs",
    "data_dir",
    "database",
    "db_path",
    "environment_for_child",
    "max_seats",
    "operator_passcode",
    "passcode_from_environment",
    "passcode_weakness",
    "poll_seconds",
    "project_root",
    "public_url",
    "resolve_passcode",
    "retention_days",
    "roles_dir",
    "scenarios_dir",
    "settings_table",
    "streamlit_fixes_enabled",
]

DEFAULT_PAGE_RUNS = 2
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_MAX_SEATS = 200
DEFAULT_POLL_SECONDS = 2
PASSCODE_MIN_CHARS = 12


@dataclass(frozen=True)
class Setting:
    """One environment variable the app reads."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "EASI_DATA", "<project root>/data", "The data folder: the database and the passcode file."
    ),
    Setting(
        "EASI_DB",
        "<data folder>/easi.db",
        "The database: a SQLite file, or a PostgreSQL URL such as "
        "`postgresql://easi@db.internal:5432/easi` (several server processes or hosts; docs/scaling.md).",
    ),
    Setting(
        "EASI_PASSCODE",
        "the file <data folder>/passcode (made on first use, mode 0600)",
        "The operator passcode that creating workshops and saving library files requires: at least "
        f"{PASSCODE_MIN_CHARS} characters, not one repeated or a run such as 123456789012.",
    ),
    Setting(
        "EASI_RETENTION_DAYS",
        "30",
        "How many days workshops are kept before `easi purge` removes them.",
    ),
    Setting(
        "EASI_PAGE_RUNS", "2", "How many full page runs one server process lets proceed at once."
    ),
    Setting(
        "EASI_MAX_SEATS",
        str(DEFAULT_MAX_SEATS),
        "The most active seats one workshop holds (people and simulated participants).",
    ),
    Setting(
        "EASI_POLL_SECONDS",
        str(DEFAULT_POLL_SECONDS),
        "How often, in whole seconds (1 to 10), a participant's page asks whether the workshop has "
        "moved on. 3 lightens a room of 200 or more on a small host (docs/scaling.md); the projector "
        "and the facilitator's page always ask every 2.",
    ),
    Setting("EASI_ROLES", "<project root>/roles", "The folder of role files."),
    Setting("EASI_SCENARIOS", "<project root>/scenarios", "The folder of scenario files."),
    Setting(
        "EASI_PUBLIC_URL",
        "the address the browser used",
        "The public address join links and QR codes point at, such as https://easi.example.org.",
    ),
    Setting(
        "EASI_STREAMLIT_FIXES",
        "on",
        "`off` runs plain Streamlit, without the measured run-time changes (docs/streamlit-fixes.md).",
    ),
)
_NAMES = frozenset(setting.name for setting in SETTINGS)


def _read(name: str) -> str:
    """The stripped value of a setting in the table ('' when unset)."""
    assert name in _NAMES, f"{name} is not in SETTINGS"  # every setting read must be in the table
    return os.environ.get(name, "").strip()


def settings_table() -> str:
    """The settings as a Markdown table (for `docs/settings.md`)."""
    rows = [f"| `{s.name}` | {s.default} | {s.help} |" for s in SETTINGS]
    return "\n".join(["| variable | default | what it does |", "|---|---|---|", *rows]) + "\n"


class Passcode(NamedTuple):
    """The operator passcode, and where it came from (`generated` is True only on the run that made it)."""

    value: str
    source: str  # "environment" | "secrets" | "file" | "generated"
    path: Path | None

    @property
    def generated(self) -> bool:
        """True only on the run that made the passcode file."""
        return self.source == "generated"


@functools.cache  # a fact of the process; resolving it costs a system call per folder, every page run
def project_root() -> Path:
    """The checkout the package runs from (the folder holding `facilitation/`)."""
    return Path(__file__).resolve().parent.parent


def _folder(name: str, default: Path) -> Path:
    configured = _read(name)
    return Path(configured).expanduser() if configured else default


def data_dir() -> Path:
    """The data folder: `$EASI_DATA`, else `<project root>/data`."""
    return _folder("EASI_DATA", project_root() / "data")


def database() -> str:
    """The database: `$EASI_DB` (a SQLite file or a `postgresql://` URL), else `<data folder>/easi.db`."""
    configured = _read("EASI_DB")
    if configured.startswith(("postgresql://", "postgres://")):
        return configured
    return str(db_path())


def db_path() -> Path:
    """The SQLite database file: `$EASI_DB`, else `<data folder>/easi.db` (`SettingsError` when
    `$EASI_DB` is a PostgreSQL URL: use `database()` where either will do)."""
    if _read("EASI_DB").startswith(("postgresql://", "postgres://")):
        raise SettingsError(
            "EASI_DB is a PostgreSQL URL, but this needs a SQLite file: give the file with --db."
        )
    return _folder("EASI_DB", data_dir() / "easi.db")


def roles_dir() -> Path:
    """The roles folder: `$EASI_ROLES`, else `<project root>/roles`."""
    return _folder("EASI_ROLES", project_root() / "roles")


def scenarios_dir() -> Path:
    """The scenarios folder: `$EASI_SCENARIOS`, else `<project root>/scenarios`."""
    return _folder("EASI_SCENARIOS", project_root() / "scenarios")


def public_url() -> str:
    """`$EASI_PUBLIC_URL` without a trailing slash, or '' when unset."""
    return _read("EASI_PUBLIC_URL").rstrip("/")


def passcode_from_environment() -> str:
    """`$EASI_PASSCODE`, or '' when unset."""
    return _read("EASI_PASSCODE")


def passcode_weakness(value: str) -> str | None:
    """Why `value` is too weak to be the operator passcode, or None if it is strong enough.

    The rule is length first (12 characters or more) and then no trivial shape: not mostly one
    character, not a run of the keyboard or the alphabet. The generated passcode (12 random URL-safe
    characters, 72 bits) always passes."""
    if len(value) < PASSCODE_MIN_CHARS:
        return (
            f"it is {len(value)} character{'s' if len(value) != 1 else ''} long; use at least "
            f"{PASSCODE_MIN_CHARS} (three or four "
            "unrelated words will do)"
        )
    if len(set(value.lower())) < 5:
        return "it repeats too few different characters; use three or four unrelated words"
    lowered = value.lower()
    for run in (
        "0123456789012345678901234567890",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm",
    ):
        if lowered in run or lowered in run[::-1]:
            return "it is a run of the keyboard or the alphabet; use three or four unrelated words"
    return None


def resolve_passcode() -> Passcode:
    """The operator passcode: `$EASI_PASSCODE`, else the `passcode` file in the data folder, else a new
    random one written to that file (readable by its owner only). A weak configured passcode is refused
    with `SettingsError` saying why (see `passcode_weakness`)."""
    configured = passcode_from_environment()
    if configured:
        weakness = passcode_weakness(configured)
        if weakness:
            raise SettingsError(
                f"EASI_PASSCODE is too weak to protect this server: {weakness}. Set a stronger one, "
                "or unset it to have one generated."
            )
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
        raise SettingsError(
            f"The passcode file {path} is empty: delete it or write a passcode in it."
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return Passcode(value, "generated", path)


def operator_passcode() -> str:
    """The operator passcode that creating a workshop requires (see `resolve_passcode`)."""
    return resolve_passcode().value


def retention_days() -> float:
    """How long workshops are kept before `easi purge` removes them: `$EASI_RETENTION_DAYS`, else 30."""
    configured = _read("EASI_RETENTION_DAYS")
    if not configured:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(configured)
    except ValueError:
        days = -1.0
    if not days >= 0:  # also refuses NaN
        raise SettingsError(
            f"EASI_RETENTION_DAYS must be a number of days of 0 or more, not {configured!r}."
        )
    return days


def _whole_number(name: str, default: int, low: int = 1, high: int | None = None) -> int:
    """`$name` as a whole number from `low` to `high` (no upper bound when None), else `default`."""
    configured = _read(name)
    if not configured:
        return default
    if (
        not configured.isdigit()
        or int(configured) < low
        or (high is not None and int(configured) > high)
    ):
        span = f"from {low} to {high}" if high is not None else f"of {low} or more"
        raise SettingsError(f"{name} must be a whole number {span}, not {configured!r}.")
    return int(configured)


def concurrent_page_runs() -> int:
    """How many full page runs one server process lets proceed at once: `$EASI_PAGE_RUNS`, else 2
    (why a few at a time: docs/performance.md)."""
    return _whole_number("EASI_PAGE_RUNS", DEFAULT_PAGE_RUNS)


def max_seats() -> int:
    """The most active seats one workshop holds: `$EASI_MAX_SEATS`, else 200."""
    return _whole_number("EASI_MAX_SEATS", DEFAULT_MAX_SEATS)


def poll_seconds() -> int:
    """How often a participant's page polls the workshop: `$EASI_POLL_SECONDS` (1 to 10), else 2."""
    return _whole_number("EASI_POLL_SECONDS", DEFAULT_POLL_SECONDS, 1, 10)


def streamlit_fixes_enabled() -> bool:
    """Whether the run-time changes to Streamlit apply: `$EASI_STREAMLIT_FIXES` (on | off), else on."""
    configured = _read("EASI_STREAMLIT_FIXES").lower()
    if configured in ("", "on", "1", "true", "yes"):
        return True
    if configured in ("off", "0", "false", "no"):
        return False
    raise SettingsError(f"EASI_STREAMLIT_FIXES must be on or off, not {configured!r}.")


def environment_for_child(**extra: str) -> dict[str, str]:
    """This process's environment plus `extra`, for a server process the CLI starts."""
    return {**os.environ, **extra}


def _read_passcode(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    _owner_only(path, 0o600)
    return text


def _owner_only(path: Path, mode: int) -> None:
    """Take group and other permissions off an existing file (the passcode), or refuse saying how."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077 == 0:
        return
    try:
        os.chmod(path, current & mode)
    except OSError as error:
        raise SettingsError(
            f"{path} may be read by other accounts and could not be tightened ({error.strerror}): "
            f"run `chmod {mode:o} {path}`."
        ) from None
