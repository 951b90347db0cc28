"""`easi new`: write a commented starter role or scenario that already validates."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from facilitation.content import SLUG_PATTERN, default_roles_dir, default_scenarios_dir, starter
from facilitation.errors import NewRefused

__all__ = ["register", "run"]

DESCRIPTION = """\
Write a starter file, with a comment on every field, that already passes `easi validate`: a role into
the roles folder, a scenario into the scenarios folder (or into --dir). A scenario starter puts in play
two roles that exist in the roles folder, so create roles first.
"""


def register(subparsers) -> None:
    """Add `easi new`."""
    parser = subparsers.add_parser(
        "new",
        help="write a starter role or scenario file that already validates",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=("role", "scenario"), help="what to create")
    parser.add_argument(
        "id", metavar="ID", help="the id, which is also the file name (a lowercase slug)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="where to write it (default: $EASI_ROLES or roles/, $EASI_SCENARIOS or scenarios/)",
    )
    parser.add_argument(
        "--roles",
        type=Path,
        metavar="DIR",
        help="the roles a scenario starter may use (default: $EASI_ROLES, else roles/)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the starter; 1 if it was refused (bad id, file exists, too few roles)."""
    roles_dir = args.roles or default_roles_dir()
    target_dir = args.dir or (
        default_roles_dir() if args.kind == "role" else default_scenarios_dir()
    )
    path = target_dir / f"{args.id}.yaml"
    try:
        if not re.match(SLUG_PATTERN, args.id):
            raise NewRefused(
                f"'{args.id}' is not a valid id: ids are lowercase slugs, a letter first, then only "
                "a-z, 0-9, '_' or '-', at most 48 characters, such as 'adult_social_care'"
            )
        if path.exists() and not args.force:
            raise NewRefused(f"{path} already exists; pass --force to overwrite it")
        text = starter(args.kind, args.id, target_dir, roles_dir)
        target_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except (NewRefused, OSError) as error:
        print(f"easi new: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}. Edit it, then check it with: easi validate {path}")
    return 0
