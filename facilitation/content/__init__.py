"""What trainers write and checking it: the models, the reference data, the YAML reader, the checks,
the library of files, the JSON Schema and the starter files.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.content.library import (
    LibraryError,
    catalogue,
    default_roles_dir,
    default_scenarios_dir,
    inspect_role,
    inspect_scenario,
    kind_of,
    load_roles,
    load_snapshot,
    locate,
    parse_scenario,
    scan_roles,
    validate_paths,
    yaml_files,
)
from facilitation.content.models import (
    ACTIONS,
    ActionId,
    Fact,
    LevelNumber,
    NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    Role,
    SLUG_PATTERN,
    Scenario,
    Slug,
    Snapshot,
    Stage,
    Strict,
)
from facilitation.content.reference import reference
from facilitation.content.schema import SCHEMA_KINDS, json_schema, schema_text
from facilitation.content.starters import starter, starter_files

__all__ = [
    "ACTIONS",
    "ActionId",
    "Fact",
    "LevelNumber",
    "LibraryError",
    "NAME_MAX_CHARS",
    "NOTE_MAX_CHARS",
    "Role",
    "SCHEMA_KINDS",
    "SLUG_PATTERN",
    "Scenario",
    "Slug",
    "Snapshot",
    "Stage",
    "Strict",
    "catalogue",
    "default_roles_dir",
    "default_scenarios_dir",
    "inspect_role",
    "inspect_scenario",
    "json_schema",
    "kind_of",
    "load_roles",
    "load_snapshot",
    "locate",
    "parse_scenario",
    "reference",
    "scan_roles",
    "schema_text",
    "starter",
    "starter_files",
    "validate_paths",
    "yaml_files",
]
