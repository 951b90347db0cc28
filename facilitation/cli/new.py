"""`easi new`: write a commented starter role or scenario that already validates."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from facilitation.library import default_roles_dir, default_scenarios_dir, scan_roles
from facilitation.models import SLUG_PATTERN

__all__ = ["register", "run", "starter"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SCHEMAS = Path(__file__).resolve().parent.parent.parent / "schemas"
# The ids the templates are written with, replaced by the ones asked for.
_TEMPLATE_ID = {"role": "new_role", "scenario": "new_scenario"}
_TEMPLATE_ROLES = ("school", "childrens_social_care")  # (fact holder, lead role) in scenario.yaml
_ROLE_FIELDS = re.compile(r"^\s*(roles|lead_role|held_by|share_with|avoid):.*$", re.MULTILINE)
_LEADS = ("childrens_social_care", "adult_social_care", "mash", "social_care")

DESCRIPTION = """\
Write a starter file, with a comment on every field, that already passes `easi validate`: a role into
the roles folder, a scenario into the scenarios folder (or into --dir). A scenario starter puts in play
two roles that exist in the roles folder, so create roles first.
"""


class NewRefused(Exception):
    """The starter was not written; the message says why and what to do."""


def register(subparsers) -> None:
    """Add `easi new`."""
    parser = subparsers.add_parser("new", help="write a starter role or scenario file that already validates",
                                   description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("role", "scenario"), help="what to create")
    parser.add_argument("id", metavar="ID", help="the id, which is also the file name (a lowercase slug)")
    parser.add_argument("--dir", type=Path, metavar="DIR",
                        help="where to write it (default: $EASI_ROLES or roles/, $EASI_SCENARIOS or scenarios/)")
    parser.add_argument("--roles", type=Path, metavar="DIR",
                        help="the roles a scenario starter may use (default: $EASI_ROLES, else roles/)")
    parser.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    parser.set_defaults(func=run)


def _pick_roles(roles_dir: Path) -> tuple[str, str]:
    """(fact holder, lead role): two valid roles from the folder, a social-care lead when there is one."""
    valid = sorted(scan_roles(roles_dir).roles)
    if len(valid) < 2:
        raise NewRefused(
            f"a scenario needs at least two roles, and {roles_dir} has {len(valid)} valid role file"
            f"{'s' * (len(valid) != 1)}; create roles first with `easi new role ID`, then run this again"
        )
    lead = next((role for role in _LEADS if role in valid), valid[-1])
    holder = "school" if "school" in valid and lead != "school" else next(r for r in valid if r != lead)
    return holder, lead


def starter(kind: str, item_id: str, target_dir: Path, roles_dir: Path) -> str:
    """The starter text for `kind` with this id, its schema line pointing from `target_dir` to schemas/."""
    text = (TEMPLATES / f"{kind}.yaml").read_text(encoding="utf-8")
    text = re.sub(rf"\b{_TEMPLATE_ID[kind]}\b", item_id, text)
    schema = os.path.relpath(SCHEMAS / f"{kind}.schema.json", target_dir.resolve()).replace(os.sep, "/")
    text = re.sub(r"(?m)^(# yaml-language-server: \$schema=).*$", lambda m: m.group(1) + schema, text, count=1)
    if kind == "scenario":
        chosen = dict(zip(_TEMPLATE_ROLES, _pick_roles(roles_dir)))
        pattern = re.compile(r"\b(" + "|".join(_TEMPLATE_ROLES) + r")\b")
        text = _ROLE_FIELDS.sub(lambda line: pattern.sub(lambda m: chosen[m.group()], line.group()), text)
    return text


def run(args: argparse.Namespace) -> int:
    """Write the starter; 1 if it was refused (bad id, file exists, too few roles)."""
    roles_dir = args.roles or default_roles_dir()
    target_dir = args.dir or (default_roles_dir() if args.kind == "role" else default_scenarios_dir())
    path = target_dir / f"{args.id}.yaml"
    try:
        if not re.match(SLUG_PATTERN, args.id):
            raise NewRefused(f"'{args.id}' is not a valid id: ids are lowercase slugs, a letter first, then only "
                             "a-z, 0-9, '_' or '-', at most 48 characters, such as 'adult_social_care'")
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
