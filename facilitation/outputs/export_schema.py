"""The JSON Schema (draft 2020-12) of the debrief export (`render_json`, format `easi-debrief/2`).

Generated from the code, so that it cannot drift from what the export writes: the export is the
analysis's frozen dataclasses and named tuples made plain by `report._data` (each type's fields, plus
the computed properties of `report._PROPERTIES`; a jigsaw's cells instead of its compact storage), so
the schema walks the same types' annotations. Every object is closed (`additionalProperties: false`) and
every field required: a key renamed or dropped in the code fails the schema test until the format's
version and docs/debrief-format.md change with it.

`easi schema debrief` prints it; the repository ships it as schemas/debrief.schema.json.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from facilitation.analysis import (
    Debrief,
    DecisionRow,
    Evaluation,
    Jigsaw,
    JigsawCell,
    RoomActivities,
)
from facilitation.outputs.report import _PROPERTIES, JSON_FORMAT

__all__ = ["SCHEMA_ID", "debrief_schema", "debrief_schema_text"]

SCHEMA_ID = "https://easi-workshop.invalid/schemas/debrief.schema.json"
_JIGSAW_STORAGE = frozenset({"states", "received"})  # replaced by `cells` in the export


def debrief_schema() -> dict[str, Any]:
    """The schema of a debrief export, as data."""
    defs: dict[str, Any] = {}
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"EASI Workshop debrief export ({JSON_FORMAT})",
        "description": (
            "`easi export CODE --format json`: the analysis of a workshop and the raw decision rows "
            "it was made from (docs/debrief-format.md); with the evaluation and the room's activities "
            "when they were run."
        ),
        "type": "object",
        "properties": {
            "format": {"const": JSON_FORMAT},
            "analysis": _schema(Debrief, defs),
            "decisions": {"type": "array", "items": _schema(DecisionRow, defs)},
            "evaluation": _schema(Evaluation, defs),
            "evaluation_answers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"respondent": {"type": "string", "pattern": "^R[0-9]+$"}},
                    "required": ["respondent"],
                },
                "description": "Each respondent's answers by number, never a name.",
            },
            "room_activities": _schema(RoomActivities, defs),
        },
        "required": ["format", "analysis", "decisions"],
        "additionalProperties": False,
    }
    root["$defs"] = dict(sorted(defs.items()))
    return root


def debrief_schema_text() -> str:
    """The schema as the JSON text `easi schema debrief` prints."""
    return json.dumps(debrief_schema(), indent=2, ensure_ascii=False) + "\n"


def _schema(annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value of this type as `report._data` writes it."""
    if annotation is Any or annotation is object:
        return {}
    if annotation is type(None) or annotation is None:
        return {"type": "null"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is float:
        return {"type": "number"}
    if annotation is str:
        return {"type": "string"}
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema(arg, defs) for arg in args]}
    if annotation is tuple or annotation is list:
        return {"type": "array"}
    if origin in (tuple, list, Sequence, Iterator):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return {
                "type": "array",
                "prefixItems": [_schema(arg, defs) for arg in args],
                "items": False,
            }
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin in (dict, Mapping):
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"type": "object"}
    if isinstance(annotation, type) and (
        is_dataclass(annotation) or hasattr(annotation, "_fields")
    ):
        name = annotation.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder: a type may (one day) contain itself
            defs[name] = _object(annotation, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"No JSON Schema for {annotation!r}: teach export_schema this type.")


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    """An analysis type's fields and exported properties, every one required, nothing else allowed."""
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls)] if is_dataclass(cls) else list(cls._fields)
    properties = {
        name: _schema(hints[name], defs)
        for name in names
        if not (cls is Jigsaw and name in _JIGSAW_STORAGE)
    }
    if cls is Jigsaw:
        properties["cells"] = {"type": "array", "items": _schema(JigsawCell, defs)}
    for name in _PROPERTIES.get(cls, ()):
        properties[name] = _schema(get_type_hints(getattr(cls, name).fget)["return"], defs)
    found: dict[str, Any] = {"type": "object"}
    if cls.__doc__:
        found["description"] = " ".join(cls.__doc__.split())
    found |= {
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return found
