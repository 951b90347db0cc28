"""The debrief export's JSON Schema (`easi schema debrief`): real exports of the shipped scenarios
(rehearsed with --follow-guidance, by the seeded bots, and by a mixed room), the hand-made workshop and
one with an evaluation all validate; broken exports do not; the shipped copy is the generated one."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from facilitation.analysis import analyse, room_activities
from facilitation.content import default_scenarios_dir, load_snapshot
from facilitation.engine import Activities, Evaluations, Store, Workshops
from facilitation.engine.rehearsal import simulate_workshop
from facilitation.outputs import debrief_schema, debrief_schema_text, evaluation_report
from facilitation.outputs.report import JSON_FORMAT, render_json
from facilitation.play import follow_guidance

SHIPPED = sorted(path.stem for path in default_scenarios_dir().glob("*.yaml"))
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = debrief_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _export(engine: Workshops, code: str, with_evaluation: bool = False) -> dict:
    record = engine.record(code)
    evaluation = (
        evaluation_report(Evaluations(engine).operator_record(code), record)
        if with_evaluation
        else None
    )
    return json.loads(render_json(record, analyse(record), evaluation))


def _mixed_room(snapshot, engine: Workshops) -> str:
    """Half the seats follow guidance, half are the seeded bots; every stage played and revealed."""
    created = engine.create(snapshot)
    code, key = created.code, created.facilitator_key
    seats = [engine.join(code, simulated=n % 2 == 1, seed=n) for n in range(10)]
    for index in range(len(snapshot.scenario.stages)):
        (engine.open_stage if index == 0 else engine.next_stage)(code, key)
        for seat in seats[::2]:
            picture = engine.participant_view(seat.token).picture
            engine.submit(seat.token, index, follow_guidance(snapshot, seat.role_id, picture))
        engine.lock_stage(code, key)
        engine.reveal_stage(code, key)
    engine.start_debrief(code, key)
    return code


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_shipped_scenario_exports_valid_json(validator, tmp_path, scenario_id):
    snapshot = load_snapshot(scenario_id)
    engine = Workshops(Store(tmp_path / "easi.db"))
    guided = simulate_workshop(snapshot, 8, 0, engine, guided=True, evaluation=None)
    bots = simulate_workshop(snapshot, 12, 3, engine, evaluation=None)
    exports = [
        _export(engine, guided.code),
        _export(engine, bots.code),
        _export(engine, _mixed_room(snapshot, engine)),
    ]
    for document in exports:
        _valid(validator, document)
    assert all(document["decisions"] for document in exports)


def _valid(validator: Draft202012Validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_an_export_with_its_evaluation_validates(validator, tmp_path, mini_snapshot):
    engine = Workshops(Store(tmp_path / "easi.db"))
    played = simulate_workshop(mini_snapshot, 10, 1, engine)  # they answer both questionnaires
    document = _export(engine, played.code, with_evaluation=True)
    _valid(validator, document)
    assert document["evaluation"] and document["evaluation_answers"]


def test_an_export_with_the_rooms_activities_validates(validator, tmp_path, mini_snapshot):
    engine = Workshops(Store(tmp_path / "easi.db"))
    played = simulate_workshop(mini_snapshot, 10, 1, engine)  # the bots take part in both
    record = engine.record(played.code)
    analysis = analyse(record)
    room = room_activities(record, Activities(engine).operator_record(played.code), analysis)
    document = json.loads(render_json(record, analysis, None, room))
    _valid(validator, document)
    found = document["room_activities"]
    assert found["barriers"]["shown"] and found["barriers"]["answered"] == 10
    assert [lead["stage_index"] for lead in found["leads"]] == list(range(len(analysis.stages)))
    assert all(lead["verdict"] != "not_closed" for lead in found["leads"])
    broken = copy.deepcopy(document)
    broken["room_activities"]["leads"][0]["verdict"] = "unanimous"
    with pytest.raises(ValidationError):
        validator.validate(broken)


def test_the_hand_made_workshop_validates(validator, played):
    validator.validate(json.loads(render_json(played, analyse(played))))


def test_a_workshop_before_any_reveal_validates(validator, empty_workshop):
    validator.validate(json.loads(render_json(empty_workshop, analyse(empty_workshop))))


def _broken(document: dict) -> list[dict]:
    """Exports broken in the ways a change of code could break them."""
    cases = []
    for change in (
        lambda d: d.update(format="easi-debrief/1"),
        lambda d: d["analysis"].pop("counts"),
        lambda d: d["analysis"]["counts"].update(decisions="many"),
        lambda d: d["analysis"]["judgements"][0].update(supported=None),
        lambda d: d["analysis"]["roles"][0].update(nickname="extra key"),
        lambda d: d["decisions"][0].update(outcome=7),
        lambda d: d["analysis"]["barriers"].update(total=-0.5),
        lambda d: d.update(unexpected=True),
    ):
        broken = copy.deepcopy(document)
        change(broken)
        cases.append(broken)
    return cases


def test_it_rejects_a_broken_export(validator, played):
    document = json.loads(render_json(played, analyse(played)))
    validator.validate(document)
    for broken in _broken(document):
        with pytest.raises(ValidationError):
            validator.validate(broken)


def test_the_shipped_schema_is_the_generated_one():
    committed = (PROJECT / "schemas" / "debrief.schema.json").read_text(encoding="utf-8")
    assert committed == debrief_schema_text(), (
        "run: easi schema debrief -o schemas/debrief.schema.json"
    )
    assert debrief_schema()["properties"]["format"] == {"const": JSON_FORMAT}


def test_easi_schema_debrief_prints_it(capsys):
    from facilitation.cli import main

    assert main(["schema", "debrief"]) == 0
    assert json.loads(capsys.readouterr().out) == debrief_schema()


def test_the_format_doc_links_the_schema():
    doc = (PROJECT / "docs" / "debrief-format.md").read_text(encoding="utf-8")
    assert "schemas/debrief.schema.json" in doc and "easi schema debrief" in doc
