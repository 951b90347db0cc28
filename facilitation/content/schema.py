"""The JSON Schema of a role or scenario file, generated from the models, for editors that check YAML."""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic import BaseModel

from facilitation.content.models import Role, Scenario

__all__ = ["SCHEMA_KINDS", "json_schema", "schema_text"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_MODELS = {"role": Role, "scenario": Scenario}

SCHEMA_KINDS = tuple(sorted(_MODELS))


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a `role` or `scenario` file, with `$schema`, `$id` and `title` first."""
    model = _MODELS[kind]
    generated = model.model_json_schema(mode="validation")
    if (
        kind == "scenario"
    ):  # pydantic drops the constraint on dict keys; YAML keys 2, 3, 4 are JSON "2".."4"
        generated["properties"]["levels"]["propertyNames"] = {"enum": ["2", "3", "4"]}
    _describe_references(generated, model)
    return {
        "$schema": DRAFT,
        "$id": f"urn:easi-workshop:schema:{kind}",
        "title": f"EASI workshop {kind} file",
        **{key: value for key, value in generated.items() if key != "title"},
    }


def _models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from `model` through its fields, by class name."""
    found = {model.__name__: model}
    pending = [field.annotation for field in model.model_fields.values()]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ not in found:
                found.update(_models(annotation))
        else:
            pending.extend(typing.get_args(annotation))
    return found


def _describe_references(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give fields that are another model (`$ref` only) their description: pydantic leaves it out."""
    models = _models(model)
    for definition in [schema, *schema.get("$defs", {}).values()]:
        fields = models[definition["title"]].model_fields
        for name, spec in definition.get("properties", {}).items():
            if "description" not in spec and fields[name].description:
                spec["description"] = fields[name].description


def schema_text(kind: str) -> str:
    """The schema as the committed `schemas/<kind>.schema.json` holds it (stable, ends with a newline)."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
