"""`easi schema` and the committed JSON Schemas: up to date, documented, and agreeing with the loader."""

from __future__ import annotations

import json

import pytest
import yaml

from facilitation.cli import main
from facilitation.content.schema import json_schema, schema_text
from tests.paths import MINI, PROJECT

KINDS = ("role", "scenario")

# Every field the contract (shared/design/scenario-format.md) names, by the object that holds it.
CONTRACT = {
    "role": {
        "Role": {
            "id",
            "name",
            "short_name",
            "colour",
            "summary",
            "motivators",
            "constraints",
            "threshold",
            "gateways",
        },
        "Motivator": {"id", "text"},
        "Constraint": {"id", "text", "barrier"},
        "Threshold": {"acts_at", "in_practice"},
    },
    "scenario": {
        "Scenario": {
            "id",
            "title",
            "audience",
            "summary",
            "duration_minutes",
            "learning_outcomes",
            "roles",
            "lead_role",
            "levels",
            "stages",
            "debrief",
        },
        "Stage": {"id", "title", "narrative", "facts", "prompts"},
        "Fact": {"id", "held_by", "text", "weight", "sensitivity", "guidance"},
        "Guidance": {"share_with", "avoid", "gateway", "consent", "why"},
        "Debrief": {"what_happened", "key_messages"},
    },
}


def objects(schema: dict) -> dict[str, dict]:
    """Each object in a schema by title (the root too)."""
    found = {definition["title"]: definition for definition in schema.get("$defs", {}).values()}
    found[schema["title"]] = schema
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_up_to_date(kind):
    committed = (PROJECT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(kind), (
        f"stale: run `easi schema {kind} -o schemas/{kind}.schema.json`"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_header(kind):
    schema = json_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:easi-workshop:schema:{kind}"
    assert schema["title"] == f"EASI workshop {kind} file"
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    "kind, model, field",
    [
        (kind, model, field)
        for kind, models in CONTRACT.items()
        for model, fields in models.items()
        for field in fields
    ],
)
def test_every_contract_field_is_documented(kind, model, field):
    schema = json_schema(kind)
    title = schema["title"] if model in ("Role", "Scenario") else model
    properties = objects(schema)[title]["properties"]
    assert properties[field].get("description"), f"{model}.{field} has no description"


@pytest.mark.parametrize("kind", KINDS)
def test_no_undocumented_extra_fields(kind):
    for title, definition in objects(json_schema(kind)).items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{title}.{field} has no description"


@pytest.mark.parametrize(
    "kind, path",
    [("role", MINI / "roles" / "school.yaml"), ("scenario", MINI / "scenarios" / "mini.yaml")],
)
def test_schema_accepts_valid_files(kind, path):
    jsonschema = pytest.importorskip("jsonschema")
    data = yaml.safe_load(path.read_text())
    data = json.loads(json.dumps(data))  # levels keys become strings, as in JSON
    jsonschema.Draft202012Validator(json_schema(kind)).validate(data)


def test_schema_refuses_bad_levels_key():
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(json.dumps(yaml.safe_load((MINI / "scenarios" / "mini.yaml").read_text())))
    data["levels"] = {"2": 3, "3": 6, "5": 10}
    assert not jsonschema.Draft202012Validator(json_schema("scenario")).is_valid(data)


@pytest.mark.parametrize("kind", KINDS)
def test_cli_prints(capsys, kind):
    assert main(["schema", kind]) == 0
    assert capsys.readouterr().out == schema_text(kind)


def test_cli_writes_file(capsys, tmp_path):
    target = tmp_path / "role.schema.json"
    assert main(["schema", "role", "-o", str(target)]) == 0
    assert target.read_text() == schema_text("role")
    assert capsys.readouterr().err == f"Wrote {target}\n"


def test_cli_cannot_write(capsys, tmp_path):
    assert main(["schema", "role", "-o", str(tmp_path / "absent" / "x.json")]) == 1
    assert "easi schema: cannot write" in capsys.readouterr().err


def test_cli_refuses_unknown_kind(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["schema", "workshop"])
    assert caught.value.code == 2


@pytest.mark.parametrize("kind", KINDS)
def test_starter_template_points_at_schema(kind):
    first = (
        (PROJECT / "facilitation" / "content" / "templates" / f"{kind}.yaml")
        .read_text()
        .splitlines()[0]
    )
    assert first == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"
