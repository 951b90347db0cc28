"""A stage's optional `lead:` ({role, decides, why}): valid when absent, checked against the roles in
play, and defaulting to the scenario's lead_role; and the shipped scenarios' stage leads, where the lead
changes or is disputed, as the debrief's "Who leads?" guidance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from facilitation.analysis import room_activities
from facilitation.content.library import load_snapshot, yaml_files
from facilitation.content.models import Scenario
from facilitation.play import ActivitiesRecord, Activity, LeadAnswer, LeadEntry
from tests.content.test_checks import scenario_findings
from tests.fixtures.debrief import record
from tests.paths import PROJECT


def test_without_a_lead_a_stage_defaults_to_the_scenario_lead(mini_data):
    scenario = Scenario.model_validate(mini_data)
    lead = scenario.stages[0].lead_for(scenario.lead_role)
    assert (lead.role, lead.decides, lead.why) == ("childrens_social_care", None, None)


def test_a_stage_lead_is_read_and_checked(mini_data):
    mini_data["stages"][1]["lead"] = {"role": "police", "decides": "gp", "why": "A crime first."}
    scenario = Scenario.model_validate(mini_data)
    assert scenario.stages[1].lead_for(scenario.lead_role).decides == "gp"
    assert scenario_findings(mini_data) == []


@pytest.mark.parametrize("field", ["role", "decides"])
def test_a_stage_lead_names_a_role_in_play(mini_data, field):
    mini_data["stages"][0]["lead"] = {"role": "police", field: "housing"}
    found = scenario_findings(mini_data)
    assert any(f"lead.{field}" in message and "not in play" in message for _, message in found), (
        found
    )


def test_a_stage_lead_has_no_other_keys(mini_data):
    mini_data["stages"][0]["lead"] = {"role": "police", "whom": "gp"}
    with pytest.raises(ValidationError):
        Scenario.model_validate(mini_data)


# ------------------------------------------------------------------- the shipped scenarios' stage leads

# (scenario, stage) -> (who leads, who decides): where the shipped library says the lead changes or is
# disputed (docs/library.md, "Who leads, stage by stage"); every other stage defaults to `lead_role`.
SHIPPED_LEADS = {
    ("county-lines-transition", "september"): ("youth_justice", "childrens_social_care"),
    ("county-lines-transition", "december"): ("childrens_social_care", "childrens_social_care"),
    ("county-lines-transition", "april"): ("childrens_social_care", "childrens_social_care"),
    ("county-lines-transition", "june"): ("police", "police"),
    ("domestic-abuse-marac", "march"): ("gp", "gp"),
    ("domestic-abuse-marac", "september"): ("marac_coordinator", "police"),
    ("hawthorn-court", "march"): ("district_nursing", "adult_social_care"),
    ("hawthorn-court", "april"): ("adult_social_care", "adult_social_care"),
    ("hawthorn-court", "june"): ("adult_social_care", "adult_social_care"),
    ("thin-referral", "november"): ("early_help", "early_help"),
    ("thin-referral", "december"): ("childrens_social_care", "childrens_social_care"),
}


def _shipped(scenario_id: str):
    return load_snapshot(PROJECT / "scenarios" / f"{scenario_id}.yaml", roles_dir=PROJECT / "roles")


def _stage_leads() -> dict[tuple[str, str], tuple[str, str]]:
    found = {}
    for path in yaml_files(PROJECT / "scenarios"):
        for stage in _shipped(path.stem).scenario.stages:
            if stage.lead is not None:
                found[(path.stem, stage.id)] = (
                    stage.lead.role,
                    stage.lead.decides or stage.lead.role,
                )
    return found


def test_the_shipped_stage_leads_are_the_ones_decided():
    assert _stage_leads() == SHIPPED_LEADS


@pytest.mark.parametrize(("scenario_id", "stage_id"), sorted(SHIPPED_LEADS))
def test_each_shipped_stage_lead_says_why(scenario_id, stage_id):
    scenario = _shipped(scenario_id).scenario
    stage = next(s for s in scenario.stages if s.id == stage_id)
    lead = stage.lead_for(scenario.lead_role)
    assert lead.why and len(lead.why) > 80
    assert lead.role in scenario.roles


def test_the_lead_changes_in_a_childrens_and_in_an_adults_scenario():
    """Each of the children's and adults' frameworks has a stage led by someone other than `lead_role`."""
    changed = {
        _shipped(scenario_id).scenario.audience
        for (scenario_id, _), (role, _) in SHIPPED_LEADS.items()
        if role != _shipped(scenario_id).scenario.lead_role
    }
    assert {"children", "adults"} <= changed


def test_the_lead_for_kai_at_18_is_taught_as_disputed():
    """county-lines says no agency leads Kai at 18: the guidance says so, and keeps Maisie in view."""
    scenario = _shipped("county-lines-transition").scenario
    june = scenario.stages[-1].lead_for(scenario.lead_role)
    assert june.why.startswith("Disputed")
    assert "no section 42" in june.why and "Maisie" in june.why


def test_the_adults_lead_turns_on_section_42():
    scenario = _shipped("hawthorn-court").scenario
    leads = [stage.lead_for(scenario.lead_role) for stage in scenario.stages]
    assert leads[0].role == "district_nursing" and "council's decision" in leads[0].why
    assert leads[1].role == "adult_social_care" and "section 42" in leads[1].why


def _who_leads(snapshot, answers_by_stage):
    """A closed "Who leads?" at each given stage, with its answers (lead, decides) one per person."""
    return ActivitiesRecord(
        activities=tuple(
            Activity(kind="who_leads", stage_index=index, state="closed")
            for index in answers_by_stage
        ),
        leads=tuple(
            LeadEntry(
                participant_id=n,
                stage_index=index,
                answer=LeadAnswer(lead=lead, decides=decides),
            )
            for index, answers in answers_by_stage.items()
            for n, (lead, decides) in enumerate(answers, start=1)
        ),
    )


@pytest.mark.parametrize("scenario_id", sorted({s for s, _ in SHIPPED_LEADS}))
def test_the_debrief_reports_the_room_against_the_shipped_stage_leads(scenario_id):
    """analysis.room_activities judges the room's "Who leads?" against each stage's own `lead:`."""
    snapshot = _shipped(scenario_id)
    stages = snapshot.scenario.stages
    guidance = {i: s.lead for i, s in enumerate(stages) if s.lead is not None}
    room = record(snapshot, [], [], revealed_through=len(stages) - 1)
    following = {i: [(g.role, g.decides or g.role)] * 3 for i, g in guidance.items()}
    found = {
        stage.stage_index: stage
        for stage in room_activities(room, _who_leads(snapshot, following)).leads
    }
    assert set(found) == set(guidance)
    for index, lead in guidance.items():
        stage = found[index]
        assert (stage.lead, stage.decides, stage.why) == (
            lead.role,
            lead.decides or lead.role,
            lead.why,
        )
        assert (stage.verdict, stage.with_guidance, stage.decides_with_guidance) == ("agreed", 3, 3)
    # a room that names the scenario's lead_role where the lead has changed differs from the guidance
    changed = [i for i, g in guidance.items() if g.role != snapshot.scenario.lead_role]
    if changed:
        default = snapshot.scenario.lead_role
        room_says = {i: [(default, default)] * 3 for i in changed}
        judged = room_activities(room, _who_leads(snapshot, room_says)).leads
        assert {stage.verdict for stage in judged} == {"differed"}


def test_the_library_doc_tables_every_stage_lead():
    doc = (PROJECT / "docs" / "library.md").read_text(encoding="utf-8")
    section = doc.split("## Who leads, stage by stage", 1)[1].split("\n## ", 1)[0]
    missing = [
        key
        for key, (role, decides) in SHIPPED_LEADS.items()
        if f"| `{key[0]}` | `{key[1]}` | {role} | {decides} |" not in section
    ]
    assert missing == []
