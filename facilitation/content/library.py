"""Find and load the trainers' files (`roles/`, `scenarios/`), refusing broken ones with clear messages.

Every file goes through the same three steps, and every problem found is reported at once:

1. `yamlsource.read_yaml`: safe YAML with positions (hostile files refused here);
2. the pydantic models: structure, with each error's location walked back to a line and column and its
   wording translated into plain English;
3. `checks`: the rules that compare one part of the library with another (ids that must exist, unique
   ids, overlaps), run even when step 2 failed, wherever the data allows.

Each problem is a `Problem` naming file, line, column and a breadcrumb such as
`stages[monday].facts[bruise].held_by`; `LibraryError` carries them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from facilitation import settings
from facilitation.content import checks
from facilitation.content.messages import explain
from facilitation.content.models import Role, Scenario, Snapshot
from facilitation.content.yamlsource import MAX_BYTES, Source, YamlRefused, read_yaml, too_big
from facilitation.errors import LibraryError, NotFound

__all__ = [
    "MAX_PROBLEMS",
    "CatalogueEntry",
    "LibraryError",
    "Problem",
    "RoleShelf",
    "catalogue",
    "default_roles_dir",
    "default_scenarios_dir",
    "inspect_role",
    "inspect_scenario",
    "kind_of",
    "load_roles",
    "load_snapshot",
    "locate",
    "parse_role",
    "parse_scenario",
    "scan_roles",
    "validate_paths",
    "yaml_files",
]

MAX_PROBLEMS = (
    50  # beyond this a file is not a draft with mistakes; more lines would only bury the first
)
Kind = Literal["role", "scenario"]


@dataclass(frozen=True)
class Problem:
    """One error in one file, at a 1-based line and column, with the breadcrumb of the field."""

    file: str
    line: int
    column: int
    path: str
    message: str
    found: str | None = None
    expected: str | None = None
    choices: tuple[str, ...] = ()

    def format(self) -> str:
        """`FILE:LINE:COL: PATH: MESSAGE` (no `PATH: ` for a problem with the file as a whole)."""
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready data."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "found": self.found,
            "expected": self.expected,
            "choices": list(self.choices),
        }

    __str__ = format


# ----------------------------------------------------------------------------------------- folders


def default_roles_dir() -> Path:
    """The roles folder: `$EASI_ROLES`, else `<project root>/roles`."""
    return settings.roles_dir()


def default_scenarios_dir() -> Path:
    """The scenarios folder: `$EASI_SCENARIOS`, else `<project root>/scenarios`."""
    return settings.scenarios_dir()


def yaml_files(directory: Path) -> list[Path]:
    """The `.yaml` and `.yml` files directly in `directory`, sorted by name (none if it does not exist)."""
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file()
    )


def kind_of(path: Path, text: str | bytes = "") -> Kind:
    """Role or scenario: by a `roles/` or `scenarios/` folder anywhere in the path, else by content."""
    for part in reversed(Path(path).parent.parts):
        if part in ("roles", "scenarios"):
            return "role" if part == "roles" else "scenario"
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "scenario" if re.search(r"^stages\s*:", text, re.MULTILINE) else "role"


# ------------------------------------------------------------------------------- reading one text


def _file_id(filename: str) -> str | None:
    """The id a file's name demands, or None for text with no real file name (`<pasted>`)."""
    name = Path(filename).name
    return re.sub(r"\.ya?ml$", "", name) if re.search(r"\.ya?ml$", name) else None


def _flaw_problems(filename: str, flaws: Iterable) -> list[Problem]:
    return [Problem(filename, flaw.line, flaw.column, "", flaw.message) for flaw in flaws]


def _read(text: str | bytes, filename: str) -> tuple[Source | None, list[Problem]]:
    try:
        return read_yaml(text, lenient=True), []
    except YamlRefused as refused:
        return None, _capped(_flaw_problems(filename, refused.flaws))


def inspect_role(text: str | bytes, filename: str) -> tuple[Role | None, list[Problem]]:
    """A role and every problem in its text: `(role, [])` if it is valid, `(None, problems)` if not."""
    source, problems = _read(text, filename)
    if source is None:
        return None, problems
    findings = checks.check_role(source.data, file_id=_file_id(filename))
    return _conclude(Role, source, filename, findings)


def inspect_scenario(
    text: str | bytes,
    filename: str,
    roles: Mapping[str, Role],
    *,
    broken_roles: Collection[str] = (),
    known_roles: Collection[str] | None = None,
) -> tuple[Scenario | None, list[Problem]]:
    """A scenario and every problem in its text, checked against the valid `roles` of the library.

    `broken_roles` are ids whose role file exists but does not load; `known_roles` (default: `roles`) are
    every role id in the library, for telling "not in play" from "no such role".
    """
    source, problems = _read(text, filename)
    if source is None:
        return None, problems
    known = set(roles) if known_roles is None else set(known_roles) - set(broken_roles)
    findings = checks.check_scenario(
        source.data, known_roles=known, broken_roles=broken_roles, file_id=_file_id(filename)
    )
    return _conclude(Scenario, source, filename, findings)


def parse_role(text: str | bytes, filename: str) -> Role:
    """The role in `text`; `LibraryError` with every problem in it. `filename` names it in messages."""
    role, problems = inspect_role(text, filename)
    if problems:
        raise LibraryError(problems)
    return role


def parse_scenario(text: str | bytes, filename: str, roles: Mapping[str, Role]) -> Scenario:
    """The scenario in `text`, its role ids checked against `roles`; `LibraryError` with every problem."""
    scenario, problems = inspect_scenario(text, filename, roles)
    if problems:
        raise LibraryError(problems)
    return scenario


def locate(text: str | bytes, path: tuple[str | int, ...] | str) -> tuple[int, int]:
    """The (line, column) of a field, given as a path tuple or a breadcrumb (`stages[monday].title`).

    A field that is missing is located at its nearest ancestor; unreadable text at (1, 1).
    """
    return locator(text)(path)


def locator(text: str | bytes) -> Callable[[tuple[str | int, ...] | str], tuple[int, int]]:
    """A function that locates fields of `text` as `locate` does, reading the text once for all of them
    (a thousand warnings must not mean a thousand parses)."""
    try:
        source = read_yaml(text)
    except YamlRefused:
        return lambda path: (1, 1)

    def place(path: tuple[str | int, ...] | str) -> tuple[int, int]:
        if isinstance(path, str):
            path = _unbreadcrumb(source.data, path)
        return source.locate(path)

    return place


def _unbreadcrumb(data: Any, crumb: str) -> tuple[str | int, ...]:
    """The path tuple a breadcrumb names, resolving `[id]` against the items' ids."""
    path: list[str | int] = []
    node = data
    for name, item in re.findall(r"([^.\[\]]+)|\[([^\]]*)\]", crumb):
        if name:
            path.append(
                int(name)
                if isinstance(node, dict) and name.isdigit() and int(name) in node
                else name
            )
            node = node.get(path[-1]) if isinstance(node, dict) else None
            continue
        items = node if isinstance(node, list) else []
        index = (
            int(item)
            if item.isdigit()
            else next(
                (i for i, x in enumerate(items) if isinstance(x, dict) and x.get("id") == item),
                len(items),
            )
        )
        path.append(index)
        node = items[index] if index < len(items) else None
    return tuple(path)


# ---------------------------------------------------------------------------- from pydantic to people


def _conclude(
    model: type[BaseModel], source: Source, filename: str, findings: list[checks.Finding]
):
    """Validate `source` with `model`; merge its errors with `findings` into sorted, located problems."""
    try:
        value, errors = model.model_validate(source.data), []
    except ValidationError as error:
        value, errors = None, error.errors(include_url=False)
    structural = [finding for finding in (explain(model, error) for error in errors) if finding]
    taken = {finding.path for finding in structural}
    # A cross-reference finding on a field the model already refused would say the same thing twice.
    merged = structural + [finding for finding in findings if finding.path not in taken]
    located = sorted(
        ((*source.locate(finding.path), index) for index, finding in enumerate(merged))
    )
    # Breadcrumbs only for the problems shown: a hostile file can have tens of thousands.
    problems = _flaw_problems(filename, source.flaws) + [
        _place(source, filename, merged[index], line, column)
        for line, column, index in located[: MAX_PROBLEMS + 1]
    ]
    problems.sort(key=lambda problem: (problem.line, problem.column))
    problems = _capped(problems, len(source.flaws) + len(located))
    return (value if not problems else None), problems


def _capped(problems: list[Problem], total: int | None = None) -> list[Problem]:
    """At most `MAX_PROBLEMS` of `total`, then one line saying how many more there are."""
    total = len(problems) if total is None else total
    if total <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS]
    return [
        *problems[:MAX_PROBLEMS],
        replace(
            rest,
            path="",
            found=None,
            expected=None,
            choices=(),
            message=f"... and {total - MAX_PROBLEMS:,} more problems not shown; fix these first",
        ),
    ]


def _place(
    source: Source, filename: str, finding: checks.Finding, line: int, column: int
) -> Problem:
    return Problem(
        filename,
        line,
        column,
        checks.breadcrumb(source.data, finding.path),
        finding.message,
        finding.found,
        finding.expected,
        finding.choices,
    )


# ------------------------------------------------------------------------------------------- files


def _read_bytes(path: Path) -> bytes | Problem:
    """The file's bytes, or a problem (too big is decided from its size, before reading it)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _flaw_problems(str(path), [too_big(size)])[0]
        return path.read_bytes()
    except OSError as error:
        return Problem(str(path), 1, 1, "", f"the file cannot be read: {error.strerror or error}")


@dataclass(frozen=True)
class RoleShelf:
    """The roles folder read once: the valid roles by id, and the problems of each file that is not."""

    roles: dict[str, Role]
    broken: dict[str, list[Problem]]

    @property
    def known(self) -> set[str]:
        """Every role id with a file, valid or not."""
        return set(self.roles) | set(self.broken)


def scan_roles(
    directory: Path | str | None = None, only: Collection[str] | None = None
) -> RoleShelf:
    """Read every role file in `directory` (default: `default_roles_dir()`), or only the ids in `only`."""
    directory = Path(directory) if directory is not None else default_roles_dir()
    roles: dict[str, Role] = {}
    broken: dict[str, list[Problem]] = {}
    for path in yaml_files(directory):
        if only is not None and path.stem not in only:
            continue
        role, problems = _inspect_path(path, "role")
        if problems:
            broken[path.stem] = problems
        else:
            roles[role.id] = role
    return RoleShelf(roles, broken)


def _inspect_path(
    path: Path, kind: Kind, shelf: RoleShelf | None = None
) -> tuple[Any, list[Problem]]:
    raw = _read_bytes(path)
    if isinstance(raw, Problem):
        return None, [raw]
    if kind == "role":
        return inspect_role(raw, str(path))
    shelf = shelf or RoleShelf({}, {})
    return inspect_scenario(
        raw, str(path), shelf.roles, broken_roles=set(shelf.broken), known_roles=shelf.known
    )


def load_roles(directory: Path | str | None = None) -> dict[str, Role]:
    """Every role in `directory` (default: `default_roles_dir()`) by id; `LibraryError` with all problems."""
    directory = Path(directory) if directory is not None else default_roles_dir()
    if not directory.is_dir():
        raise NotFound(
            f"no roles folder at {directory}: set EASI_ROLES or pass the folder that holds the roles"
        )
    shelf = scan_roles(directory)
    if shelf.broken:
        raise LibraryError([problem for problems in shelf.broken.values() for problem in problems])
    return shelf.roles


def _scenario_path(scenario: str | Path, scenarios_dir: Path) -> Path:
    """A scenario path from an id (looked up in `scenarios_dir`) or a path; `NotFound` listing the ids."""
    candidate = Path(scenario)
    if (
        isinstance(scenario, Path)
        or candidate.suffix in (".yaml", ".yml")
        or len(candidate.parts) > 1
    ):
        if candidate.is_file():
            return candidate
        raise NotFound(f"no scenario file at {candidate}")
    for suffix in (".yaml", ".yml"):
        if (scenarios_dir / f"{scenario}{suffix}").is_file():
            return scenarios_dir / f"{scenario}{suffix}"
    available = [path.stem for path in yaml_files(scenarios_dir)]
    hint = checks.did_you_mean(str(scenario), available)
    raise NotFound(
        f"no scenario '{scenario}' in {scenarios_dir}{hint} (available: {', '.join(available) or 'none'})"
    )


def load_snapshot(
    scenario: str | Path,
    *,
    roles_dir: Path | str | None = None,
    scenarios_dir: Path | str | None = None,
) -> Snapshot:
    """A scenario (an id in `scenarios_dir`, or a path) with the roles it puts in play, from `roles_dir`.

    Only the role files in play are read, so a broken role elsewhere does not stop this scenario. Raises
    `NotFound` for a missing scenario, `LibraryError` with every problem of the scenario and of its roles.
    """
    roles_dir = Path(roles_dir) if roles_dir is not None else default_roles_dir()
    path = _scenario_path(
        scenario, Path(scenarios_dir) if scenarios_dir is not None else default_scenarios_dir()
    )
    raw = _read_bytes(path)
    if isinstance(raw, Problem):
        raise LibraryError([raw])
    try:
        in_play = read_yaml(raw).data.get("roles")
    except YamlRefused:
        in_play = None
    wanted = (
        {role for role in in_play if isinstance(role, str)} if isinstance(in_play, list) else set()
    )
    shelf = scan_roles(roles_dir, only=wanted)
    known = {path.stem for path in yaml_files(roles_dir)}
    parsed, problems = inspect_scenario(
        raw, str(path), shelf.roles, broken_roles=set(shelf.broken), known_roles=known
    )
    problems += [problem for role_problems in shelf.broken.values() for problem in role_problems]
    if problems:
        raise LibraryError(problems)
    return Snapshot(
        scenario=parsed, roles={role_id: shelf.roles[role_id] for role_id in parsed.roles}
    )


def validate_paths(
    paths: Iterable[Path | str], *, roles_dir: Path | str | None = None
) -> dict[Path, list[Problem]]:
    """Every problem in each file named or found (recursively) in the folders named, by file.

    Scenarios are checked against the roles in `roles_dir` (default: `default_roles_dir()`); a file is a
    role or a scenario by `kind_of`. Raises `NotFound` for a path that does not exist.
    """
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files += sorted(
                p for p in given.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
            )
        elif given.is_file():
            files.append(given)
        else:
            raise NotFound(f"no such file or folder: {given}")
    shelf: RoleShelf | None = None
    report: dict[Path, list[Problem]] = {}
    for path in dict.fromkeys(files):
        raw = _read_bytes(path)
        kind = kind_of(path, raw if isinstance(raw, bytes) else b"")
        if kind == "scenario" and shelf is None:
            shelf = scan_roles(roles_dir)
        report[path] = _inspect_path(path, kind, shelf)[1]
    return report


# ----------------------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class CatalogueEntry:
    """A role or scenario file in the library and whether it loads (`problems` empty)."""

    id: str
    path: Path
    kind: Kind
    title: str | None
    audience: str | None
    summary: str | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the file loads without problems."""
        return not self.problems


def _entry(path: Path, kind: Kind, value: Any, problems: list[Problem]) -> CatalogueEntry:
    """An entry with what the model gives, or the best the raw file offers when it does not load."""
    if value is None:
        try:
            fields = read_yaml(path.read_bytes()).data
        except (YamlRefused, OSError):
            fields = {}
        text = {key: item for key, item in fields.items() if isinstance(item, str)}
    else:
        text = value.model_dump(include={"title", "name", "audience", "summary"})
    title = text.get("title") if kind == "scenario" else text.get("name")
    return CatalogueEntry(
        path.stem, path, kind, title, text.get("audience"), text.get("summary"), tuple(problems)
    )


def catalogue(
    *,
    scenarios_dir: Path | str | None = None,
    roles_dir: Path | str | None = None,
    kind: Kind | None = None,
) -> list[CatalogueEntry]:
    """Every scenario then every role file in the library with its validation status (`kind` filters)."""
    shelf = scan_roles(roles_dir)
    entries = []
    if kind in (None, "scenario"):
        folder = Path(scenarios_dir) if scenarios_dir is not None else default_scenarios_dir()
        for path in yaml_files(folder):
            entries.append(_entry(path, "scenario", *_inspect_path(path, "scenario", shelf)))
    if kind in (None, "role"):
        folder = Path(roles_dir) if roles_dir is not None else default_roles_dir()
        for path in yaml_files(folder):
            role = shelf.roles.get(path.stem)
            entries.append(_entry(path, "role", role, shelf.broken.get(path.stem, [])))
    return entries
