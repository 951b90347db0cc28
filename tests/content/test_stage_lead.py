"""A stage's optional `lead:` ({role, decides, why, disputed}): valid when absent, checked against the roles in
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

# (scenario, stage) -> (who leads, who decides, disputed): where the shipped library sets a stage's lead
# (docs/library.md, "Who leads, stage by stage"); every other stage defaults to `lead_role`. "Who decides"
# is None where the stage does not set it: only where someone other than the lead decides what matters.
SHIPPED_LEADS = {
    ("county-lines-transition", "september"): ("youth_justice", "childrens_social_care", False),
    ("county-lines-transition", "december"): ("childrens_social_care", None, False),
    ("county-lines-transition", "april"): ("childrens_social_care", None, False),
    ("county-lines-transition", "june"): ("police", None, True),
    ("domestic-abuse-marac", "march"): ("gp", None, False),
    ("domestic-abuse-marac", "may"): ("police", None, False),
    ("domestic-abuse-marac", "july"): ("police", None, False),
    ("domestic-abuse-marac", "september"): ("marac_coordinator", "police", False),
    ("domestic-abuse-marac", "november"): ("domestic_abuse_service", None, False),
    ("hawthorn-court", "march"): ("district_nursing", "adult_social_care", False),
    ("hawthorn-court", "april"): ("adult_social_care", None, False),
    ("hawthorn-court", "june"): ("adult_social_care", None, False),
    ("riverside-family", "september"): ("school", None, True),
    ("thin-referral", "november"): ("early_help", None, False),
    ("thin-referral", "december"): ("childrens_social_care", None, False),
}


def _shipped(scenario_id: str):
    return load_snapshot(PROJECT / "scenarios" / f"{scenario_id}.yaml", roles_dir=PROJECT / "roles")


def _stage_leads() -> dict[tuple[str, str], tuple[str, str | None, bool]]:
    found = {}
    for path in yaml_files(PROJECT / "scenarios"):
        for stage in _shipped(path.stem).scenario.stages:
            if stage.lead is not None:
                lead = stage.lead
                found[(path.stem, stage.id)] = (lead.role, lead.decides, lead.disputed)
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
        for (scenario_id, _), (role, _, _) in SHIPPED_LEADS.items()
        if role != _shipped(scenario_id).scenario.lead_role
    }
    assert {"children", "adults"} <= changed


def _lead(scenario_id: str, stage_id: str):
    scenario = _shipped(scenario_id).scenario
    return next(s for s in scenario.stages if s.id == stage_id).lead_for(scenario.lead_role)


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def test_the_lead_for_kai_at_18_is_taught_as_disputed():
    """county-lines says no agency leads Kai at 18: marked `disputed`, said without contradicting itself
    (no "Disputed" heading over "the police lead"), and Maisie kept in view."""
    june = _lead("county-lines-transition", "june")
    assert june.disputed and june.role == "police"
    assert june.why.startswith("No agency holds a safeguarding lead for Kai now")
    assert "no section 42" in june.why and "Maisie" in june.why
    assert "Disputed" not in june.why


def test_kai_at_17_is_unknown_to_childrens_social_care_not_below_its_threshold():
    """September: nobody has told children's social care yet (the threshold is for acting, not telling)."""
    september = _flat(_lead("county-lines-transition", "september").why)
    assert "nobody has yet told children's social care" in september
    assert "threshold" not in september


def test_the_plan_for_18_does_not_mix_eligibility_with_section_42():
    """April: s42 applies to an adult with care and support needs whether or not they are being met;
    the eligibility criteria are not its test (Care Act 2014 s42(1))."""
    april = _flat(_lead("county-lines-transition", "april").why)
    assert "not on eligibility but on care and support needs (met or not)" in april
    assert "unable to protect himself" in april
    assert "no adult service will take" not in april


def test_leanne_is_led_by_the_police_before_high_risk_and_by_her_idva_after_she_leaves():
    """domestic-abuse-marac: standard risk (May) and the Clare's Law checks (July) are the police's,
    with children's social care for the children; only high risk goes to a MARAC; once she has left, the
    IDVA is her point of contact while the case transfers to the new area's MARAC."""
    may = _lead("domestic-abuse-marac", "may")
    assert may.role == "police" and may.decides is None
    for words in (
        "Operation Encompass",
        "Children's social care screens",
        "stands at standard risk",
    ):
        assert words in _flat(may.why)
    july = _lead("domestic-abuse-marac", "july")
    assert july.role == "police" and july.decides is None
    for words in ("Clare's Law", "coercive control is a crime", "Children's social care leads"):
        assert words in _flat(july.why)
    november = _lead("domestic-abuse-marac", "november")
    assert november.role == "domestic_abuse_service" and november.decides is None
    assert "IDVA is her point of contact" in _flat(november.why)
    assert "transfers to that area's MARAC" in _flat(november.why)


def test_the_marac_decides_for_no_agency():
    """A MARAC cannot mandate an agency's response nor take over its duties: no stage says it decides,
    and where it leads, another agency decides (the police, for the referral)."""
    for (scenario_id, stage_id), (role, decides, _) in SHIPPED_LEADS.items():
        assert decides != "marac_coordinator", (scenario_id, stage_id)
        if role == "marac_coordinator":
            assert decides is not None and "takes over no agency's duties" in _flat(
                _lead(scenario_id, stage_id).why
            )


def test_decides_is_set_only_where_it_differs_from_the_lead():
    same = [key for key, (role, decides, _) in SHIPPED_LEADS.items() if decides == role]
    assert same == []


def test_riverside_september_has_no_case_for_childrens_social_care_to_lead():
    """Nothing that stands out: universal services hold their own pieces at early help level; nobody
    sees it all, so no single agency leads (the school is nearest, offering early help)."""
    september = _lead("riverside-family", "september")
    assert september.disputed and september.role == "school"
    why = _flat(september.why)
    assert "Nothing yet for children's social care to act on" in why and "early help" in why


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
    """analysis.room_activities judges the room's "Who leads?" against each stage's own `lead:`: a
    disputed stage is reported with its why and the verdict "disputed" (never agreed or differed)."""
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
        # "who decides" is guidance only where the stage says so
        assert (stage.lead, stage.decides, stage.why) == (lead.role, lead.decides, lead.why)
        assert (stage.verdict, stage.with_guidance, stage.decides_with_guidance) == (
            "disputed" if lead.disputed else "agreed",
            3,
            3 if lead.decides else 0,
        )
    # a room that names the scenario's lead_role where the lead has changed differs from the guidance
    changed = [
        i for i, g in guidance.items() if g.role != snapshot.scenario.lead_role and not g.disputed
    ]
    if changed:
        default = snapshot.scenario.lead_role
        room_says = {i: [(default, default)] * 3 for i in changed}
        judged = room_activities(room, _who_leads(snapshot, room_says)).leads
        assert {stage.verdict for stage in judged if not stage.disputed} == {"differed"}


def test_the_library_doc_tables_every_stage_lead():
    doc = (PROJECT / "docs" / "library.md").read_text(encoding="utf-8")
    section = doc.split("## Who leads, stage by stage", 1)[1].split("\n## ", 1)[0]
    missing = [
        key
        for key, (role, decides, disputed) in SHIPPED_LEADS.items()
        if f"| `{key[0]}` | `{key[1]}` | {role} | {decides or '-'} | " not in section
        or disputed
        != (f"| `{key[0]}` | `{key[1]}` | {role} | {decides or '-'} | **Disputed**" in section)
    ]
    assert missing == []
