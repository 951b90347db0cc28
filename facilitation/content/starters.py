"""Starter files for trainers: the commented templates `easi new` writes and the Studio offers."""

from __future__ import annotations

import os
import re
from pathlib import Path

from facilitation.content.library import scan_roles
from facilitation.errors import NewRefused
from facilitation.settings import project_root

__all__ = ["TEMPLATES", "starter", "starter_files"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
SCHEMAS = project_root() / "schemas"
# The ids the templates are written with, replaced by the ones asked for.
_TEMPLATE_ID = {"role": "new_role", "scenario": "new_scenario"}
_TEMPLATE_ROLES = ("school", "childrens_social_care")  # (fact holder, lead role) in scenario.yaml
_ROLE_FIELDS = re.compile(r"^\s*(roles|lead_role|held_by|share_with|avoid):.*$", re.MULTILINE)
_LEADS = ("childrens_social_care", "adult_social_care", "mash", "social_care")


def _pick_roles(roles_dir: Path) -> tuple[str, str]:
    """(fact holder, lead role): two valid roles from the folder, a social-care lead when there is one."""
    valid = sorted(scan_roles(roles_dir).roles)
    if len(valid) < 2:
        raise NewRefused(
            f"a scenario needs at least two roles, and {roles_dir} has {len(valid)} valid role file"
            f"{'s' * (len(valid) != 1)}; create roles first with `easi new role ID`, then run this again"
        )
    lead = next((role for role in _LEADS if role in valid), valid[-1])
    holder = (
        "school" if "school" in valid and lead != "school" else next(r for r in valid if r != lead)
    )
    return holder, lead


def starter(kind: str, item_id: str, target_dir: Path, roles_dir: Path) -> str:
    """The starter text for `kind` with this id, its schema line pointing from `target_dir` to schemas/."""
    text = (TEMPLATES / f"{kind}.yaml").read_text(encoding="utf-8")
    text = re.sub(rf"\b{_TEMPLATE_ID[kind]}\b", item_id, text)
    schema = os.path.relpath(SCHEMAS / f"{kind}.schema.json", target_dir.resolve()).replace(
        os.sep, "/"
    )
    text = re.sub(
        r"(?m)^(# yaml-language-server: \$schema=).*$", lambda m: m.group(1) + schema, text, count=1
    )
    if kind == "scenario":
        chosen = dict(zip(_TEMPLATE_ROLES, _pick_roles(roles_dir)))
        pattern = re.compile(r"\b(" + "|".join(_TEMPLATE_ROLES) + r")\b")
        text = _ROLE_FIELDS.sub(
            lambda line: pattern.sub(lambda m: chosen[m.group()], line.group()), text
        )
    return text


def starter_files() -> dict[str, str]:
    """Starter files (the templates `easi new` copies), by file name."""
    return {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(TEMPLATES.iterdir())
        if path.is_file() and path.suffix in (".yaml", ".yml")
    }
