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
    locator,
    parse_scenario,
    scan_roles,
    validate_paths,
    yaml_files,
)
from facilitation.content.models import (
    ACTIONS,
    NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    SLUG_PATTERN,
    ActionId,
    Fact,
    LevelNumber,
    Role,
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
    "NAME_MAX_CHARS",
    "NOTE_MAX_CHARS",
    "SCHEMA_KINDS",
    "SLUG_PATTERN",
    "ActionId",
    "Fact",
    "LevelNumber",
    "LibraryError",
    "Role",
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
    "locator",
    "parse_scenario",
    "reference",
    "scan_roles",
    "schema_text",
    "starter",
    "starter_files",
    "validate_paths",
    "yaml_files",
]
