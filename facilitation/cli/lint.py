"""`easi lint`: check that scenarios are teachable, printing each warning at its line in the file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitation.analysis import CHECKS, LintWarning, lint
from facilitation.content import (
    LibraryError,
    default_scenarios_dir,
    load_snapshot,
    locate,
    yaml_files,
)
from facilitation.errors import EasiError

__all__ = ["register", "run", "scenario_files", "summary"]

DESCRIPTION = f"""\
Check that scenarios are teachable: valid files (see `easi validate`) that also make a good workshop.
Checks: {", ".join(CHECKS)}.
Each warning is printed as FILE:LINE: CHECK: MESSAGE, then a summary.

A scenario that does not load is reported with its validation problems and counts as failing.

Exit status: 0 when every scenario passes, 1 when any has warnings or does not load, 2 on bad usage
(a path that does not exist, no scenarios to check).
"""


def register(subparsers) -> None:
    """Add `easi lint`."""
    parser = subparsers.add_parser(
        "lint",
        help="check that scenarios are teachable (jigsaw, escalation, debrief...)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        type=Path,
        help="scenario files or folders of them (default: every scenario in the scenarios folder)",
    )
    parser.add_argument(
        "--roles",
        metavar="DIR",
        type=Path,
        help="the folder of role files the scenarios use (default: $EASI_ROLES, else roles/)",
    )
    parser.set_defaults(func=run)


def scenario_files(paths: list[Path]) -> list[Path]:
    """The scenario files named, or found directly in the folders named; `FileNotFoundError` if one is missing."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += yaml_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(path)
    return list(dict.fromkeys(files))


def _line(text: str, warning: LintWarning) -> int:
    """The line a warning's breadcrumb points at (1 for the file as a whole)."""
    return locate(text, warning.path)[0] if warning.path else 1


def summary(checked: int, failing: int, unloadable: int, warnings: int) -> str:
    """`3 scenarios linted: 2 pass, 1 fail (4 warnings, 0 not loading)`."""
    noun = "scenario" if checked == 1 else "scenarios"
    return (
        f"{checked} {noun} linted: {checked - failing} pass, {failing} fail "
        f"({warnings} warning{'s' * (warnings != 1)}, {unloadable} not loading)"
    )


def run(args: argparse.Namespace) -> int:
    """Lint, print, and return 0 (all pass), 1 (some fail) or 2 (bad usage)."""
    try:
        files = scenario_files(args.paths or [default_scenarios_dir()])
    except FileNotFoundError as missing:
        print(f"easi lint: no such file or folder: {missing}", file=sys.stderr)
        return 2
    if args.roles is not None and not args.roles.is_dir():
        print(f"easi lint: --roles {args.roles} is not a folder", file=sys.stderr)
        return 2
    if not files:
        print("easi lint: no scenario files to check; name the files or folders", file=sys.stderr)
        return 2
    failing = unloadable = total = 0
    for path in files:
        try:
            snapshot = load_snapshot(path, roles_dir=args.roles)
        except LibraryError as error:
            print("\n".join(problem.format() for problem in error.problems))
            failing, unloadable = failing + 1, unloadable + 1
            continue
        except EasiError as error:
            print(f"{path}:1: {error}")
            failing, unloadable = failing + 1, unloadable + 1
            continue
        warnings = lint(snapshot)
        text = path.read_text(encoding="utf-8")
        for warning in warnings:
            print(f"{path}:{_line(text, warning)}: {warning.check}: {warning.message}")
        failing += bool(warnings)
        total += len(warnings)
    print(summary(len(files), failing, unloadable, total))
    return 1 if failing else 0
