"""`easi validate`: check role and scenario files, printing every problem with its file, line and column."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from facilitation.content import default_roles_dir, default_scenarios_dir, validate_paths
from facilitation.errors import EasiError

__all__ = ["register", "run", "summary"]

DESCRIPTION = """\
Check role and scenario files against the format in shared/design/scenario-format.md. Every problem in
every file is printed on one line, FILE:LINE:COL: PATH: MESSAGE, then a summary.

A file is a role or a scenario by its folder (roles/ or scenarios/ anywhere in its path), else by its
content (a file with `stages:` is a scenario). Scenarios are checked against the roles in --roles.

Exit status: 0 when every file is valid, 1 when any is not, 2 when a path does not exist.
"""


def register(subparsers) -> None:
    """Add `easi validate`."""
    parser = subparsers.add_parser(
        "validate",
        help="check role and scenario files, showing every error with its line and column",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to check (default: the roles and scenarios folders)",
    )
    parser.add_argument(
        "--roles",
        metavar="DIR",
        type=Path,
        help="the folder of role files scenarios refer to (default: $EASI_ROLES, else roles/)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the errors as a JSON list of objects (summary on stderr)",
    )
    parser.set_defaults(func=run)


def summary(report: dict) -> str:
    """`2 files checked: 1 valid, 1 invalid (3 errors)`."""
    files, invalid = len(report), sum(1 for problems in report.values() if problems)
    errors = sum(len(problems) for problems in report.values())
    noun = "file" if files == 1 else "files"
    return (
        f"{files} {noun} checked: {files - invalid} valid, {invalid} invalid "
        f"({errors} error{'s' * (errors != 1)})"
    )


def run(args: argparse.Namespace) -> int:
    """Validate, print, and return 0 (all valid), 1 (some invalid) or 2 (bad usage)."""
    paths = args.paths or [
        folder for folder in (default_roles_dir(), default_scenarios_dir()) if folder.is_dir()
    ]
    if not paths:
        print(
            "easi validate: no roles/ or scenarios/ folder here; name the files or folders to check",
            file=sys.stderr,
        )
        return 2
    if args.roles is not None and not args.roles.is_dir():
        print(f"easi validate: --roles {args.roles} is not a folder", file=sys.stderr)
        return 2
    try:
        report = validate_paths(paths, roles_dir=args.roles)
    except EasiError as error:
        print(f"easi validate: {error}", file=sys.stderr)
        return 2
    problems = [problem for found in report.values() for problem in found]
    if args.json:
        print(json.dumps([problem.to_dict() for problem in problems], indent=2, ensure_ascii=False))
        print(summary(report), file=sys.stderr)
    else:
        for problem in problems:
            print(problem.format())
        print(summary(report))
    return 1 if problems else 0
