"""What the Studio page needs from the library, lint and the file system, without Streamlit widgets:
check a pasted file, the text around an error, the library's status, schemas and starter files, and
saving a checked file into the library (operator only)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from facilitation.analysis import lint
from facilitation.content import (
    Role,
    Snapshot,
    catalogue,
    default_roles_dir,
    default_scenarios_dir,
    inspect_role,
    inspect_scenario,
    kind_of,
    load_snapshot,
    locator,
    scan_roles,
    schema_text,
    starter_files,
)
from facilitation.errors import EasiError, SaveRefused

__all__ = [
    "CHECK_BUDGET_SECONDS",
    "CHECK_MAX_CHARS",
    "CheckResult",
    "FileStatus",
    "Issue",
    "SaveRefused",
    "check",
    "digest",
    "excerpt",
    "library_status",
    "save",
    "schemas",
    "starters",
]


# The biggest file the Studio checks (the upload limit, `server.maxUploadSize`, is 1 MB too), and the CPU
# time a check may take before the rest of it is given up: the process also serves live workshops.
CHECK_MAX_CHARS = 1024 * 1024
CHECK_BUDGET_SECONDS = 5.0


def digest(text: str, filename: str = "") -> str:
    """The key a check's result is kept under: the same text and file name never need checking twice."""
    hashed = hashlib.sha256(filename.encode("utf-8", "surrogatepass") + b"\0")
    hashed.update(text.encode("utf-8", "surrogatepass"))
    return hashed.hexdigest()


@dataclass(frozen=True)
class Issue:
    """One problem in a file, at a place."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""


@dataclass(frozen=True)
class CheckResult:
    """What checking one file found: its kind and id, its problems, or what it loads into."""

    kind: str  # "scenario" | "role"
    id: str
    problems: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()  # teachability (lint): the file loads, but may teach little
    snapshot: Snapshot | None = None
    role: Role | None = None


@dataclass(frozen=True)
class FileStatus:
    """A file in the library and whether it loads."""

    kind: str
    file: str
    id: str
    title: str
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def as_row(self) -> dict:
        status = "error" if self.problems else ("warnings" if self.warnings else "ok")
        return {
            "File": self.file,
            "Id": self.id,
            "Title": self.title,
            "Status": status,
            "Errors": len(self.problems),
            "Warnings": len(self.warnings),
        }


def _issues(problems) -> tuple[Issue, ...]:
    return tuple(
        Issue(message=p.message, line=p.line or None, column=p.column or None, path=p.path or "")
        for p in problems
    )


def _lint(snapshot: Snapshot) -> tuple:
    """Teachability warnings (`LintWarning`) of a valid scenario."""
    return tuple(lint(snapshot))


def _lint_issues(
    snapshot: Snapshot, text: str | None = None, deadline: float | None = None
) -> tuple[Issue, ...]:
    """The lint warnings as issues, placed at their line when the text is at hand and the CPU clock has
    not passed `deadline` (`time.process_time()`); past it, the remaining warnings have no line."""
    issues = []
    place = locator(text) if text is not None else None  # one parse for every warning
    for warning in _lint(snapshot):
        line = column = None
        if deadline is not None and place is not None and time.process_time() > deadline:
            place = None
        if place is not None and getattr(warning, "path", ""):
            line, column = place(warning.path)
        issues.append(
            Issue(
                message=f"{getattr(warning, 'check', 'lint')}: {getattr(warning, 'message', warning)}",
                line=line,
                column=column,
                path=getattr(warning, "path", ""),
            )
        )
    return tuple(issues)


def check(
    text: str, filename: str = "", *, budget_seconds: float = CHECK_BUDGET_SECONDS
) -> CheckResult:
    """Check one pasted or uploaded file: every problem at once, or what it loads into. Scenarios are
    checked against the roles in the library. Without a file name, the id is not compared with one.

    Bounded: a text over `CHECK_MAX_CHARS` is refused unread, and once `budget_seconds` of CPU have gone
    the teachability lint is skipped (or its warnings left unplaced) with a note saying so."""
    name = Path(filename).name if filename.strip() else "<pasted>"
    if len(text) > CHECK_MAX_CHARS:
        return CheckResult(
            "scenario",
            "",
            problems=(
                Issue(
                    f"the text is {len(text):,} characters long; the Studio checks files of up to "
                    f"{CHECK_MAX_CHARS:,} (1 MiB): split it, or check it with `easi validate`"
                ),
            ),
        )
    deadline = time.process_time() + budget_seconds
    kind = kind_of(Path(name), text)
    if kind == "role":
        role, problems = inspect_role(text, name)
        if problems:
            return CheckResult(kind, "", problems=_issues(problems))
        return CheckResult(kind, role.id, role=role)
    shelf = scan_roles()
    scenario, problems = inspect_scenario(
        text, name, shelf.roles, broken_roles=set(shelf.broken), known_roles=shelf.known
    )
    if problems:
        return CheckResult(kind, "", problems=_issues(problems))
    snapshot = Snapshot(scenario=scenario, roles={r: shelf.roles[r] for r in scenario.roles})
    if time.process_time() > deadline:
        note = Issue(
            f"lint: the teachability checks were skipped, the file took over {budget_seconds:g} s "
            "to read; run `easi lint` on it for them"
        )
        return CheckResult(kind, scenario.id, snapshot=snapshot, warnings=(note,))
    return CheckResult(
        kind, scenario.id, snapshot=snapshot, warnings=_lint_issues(snapshot, text, deadline)
    )


def excerpt(lines: list[str], line: int, column: int | None = None, around: int = 3) -> str:
    """The lines around `line` (from 1), numbered, the line itself marked with ">", and a caret under
    `column`. A line past the end of the text (an error "at the end of the file") shows as empty."""
    first, last = max(1, line - around), max(line, min(len(lines), line + around))
    width = len(str(last))
    out = []
    for number in range(first, last + 1):
        mark = ">" if number == line else " "
        text = lines[number - 1] if number <= len(lines) else ""
        out.append(f"{mark} {number:>{width}} | {text}".rstrip())
        if number == line and column:
            out.append(" " * (width + 4 + column) + "^")
    return "\n".join(out)


def library_status() -> tuple[list[FileStatus], list[FileStatus]]:
    """Every scenario and role file in the library with its problems and lint warnings."""
    scenarios, roles = [], []
    for entry in catalogue():
        problems = tuple(problem.format() for problem in entry.problems)
        warnings: tuple[str, ...] = ()
        if entry.kind == "scenario" and not problems:
            try:
                warnings = tuple(str(w) for w in _lint(load_snapshot(entry.path)))
            except (EasiError, OSError) as error:  # a role in play that does not load
                problems = (str(error),)
        status = FileStatus(
            entry.kind, entry.path.name, entry.id, entry.title or "", problems, warnings
        )
        (scenarios if entry.kind == "scenario" else roles).append(status)
    return scenarios, roles


def _library_dir(kind: str) -> Path:
    return default_roles_dir() if kind == "role" else default_scenarios_dir()


def save(
    kind: str, item_id: str, text: str, passcode: str, *, overwrite: bool, expected: str
) -> Path:
    """Write a checked file into the library, if `passcode` is the operator's. Returns the path."""
    if not passcode or not hmac.compare_digest(passcode.encode("utf-8"), expected.encode("utf-8")):
        raise SaveRefused("That operator passcode is not right: nothing was saved.")
    if kind not in ("scenario", "role") or not re.fullmatch(r"[a-z][a-z0-9_-]{0,47}", item_id):
        raise SaveRefused("Only a checked scenario or role with a valid id can be saved.")
    result = check(text, f"{item_id}.yaml")
    if result.problems or result.id != item_id:
        raise SaveRefused("The file no longer checks: fix it and check it again.")
    folder = _library_dir(kind)
    path = folder / f"{item_id}.yaml"
    if path.exists() and not overwrite:
        raise SaveRefused(
            f"{path.name} already exists in the library: tick 'Replace' to overwrite it."
        )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path


def schemas() -> dict[str, str]:
    """The JSON schemas trainers' editors use, by file name (as `easi schema` prints them)."""
    return {f"{kind}.schema.json": schema_text(kind) for kind in ("scenario", "role")}


def starters() -> dict[str, str]:
    """Starter files (the templates `easi new` copies), by file name."""
    return starter_files()
