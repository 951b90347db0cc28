"""The room's activities in the debrief, on the hand-made `played` workshop (tests/fixtures/debrief.py:
School 2 cited consent on the bruise, relationship on the disclosure; Police 1 cited investigation)."""

from __future__ import annotations

from facilitation.analysis import (
    analyse,
    barriers_status,
    lead_in_brief,
    lead_sentence,
    room_activities,
)
from facilitation.content import StageLead
from facilitation.play import (
    NOT_SURE,
    ActivitiesRecord,
    Activity,
    BarrierAnswer,
    BarrierEntry,
    LeadAnswer,
    LeadEntry,
)
from tests.fixtures.debrief import CSC

BROUGHT = [
    (("consent", "trust"), "We wait for consent.", True),
    (("consent",), "", False),
    (("blame", "legal_fear"), "Not approved", False),
]


def activities(state: str = "closed", leads=(), lead_state: str = "closed") -> ActivitiesRecord:
    return ActivitiesRecord(
        activities=(
            Activity(kind="barriers", state=state),
            *((Activity(kind="who_leads", stage_index=0, state=lead_state),) if leads else ()),
        ),
        barriers=tuple(
            BarrierEntry(
                participant_id=n, answer=BarrierAnswer(barriers=chosen, line=line), approved=ok
            )
            for n, (chosen, line, ok) in enumerate(BROUGHT, start=1)
        ),
        leads=tuple(
            LeadEntry(participant_id=n, stage_index=0, answer=LeadAnswer(lead=lead, decides=CSC))
            for n, lead in enumerate(leads, start=1)
        ),
    )


def test_the_barriers_brought_beside_those_cited_with_the_audience_myths(played):
    found = room_activities(played, activities(), analyse(played))
    barriers = found.barriers
    assert barriers.shown and barriers.answered == 3
    sides = {side.barrier_id: side for side in barriers.barriers}
    assert (sides["consent"].brought, sides["consent"].cited) == (2, 1)
    assert sides["consent"].myth and sides["legal_fear"].myth  # children: both myths
    assert not sides["blame"].myth
    assert barriers.barriers[0].barrier_id == "consent"  # most brought first
    assert set(barriers.brought_myths) == {"consent", "legal_fear"}
    assert set(barriers.brought_not_cited) >= {"trust", "blame"}
    assert {"relationship", "investigation"} <= set(barriers.cited_not_brought)
    assert barriers.lines == ("We wait for consent.",)
    assert found.leads == ()


def test_not_run_open_or_too_few_reports_nothing(played):
    assert room_activities(played, ActivitiesRecord()).barriers.state == "not_run"
    still_open = room_activities(played, activities(state="open")).barriers
    assert (still_open.state, still_open.shown, still_open.barriers) == ("open", False, ())


def test_who_leads_agreed_differed_unsure_split(played):
    def verdict(leads, state="closed"):
        return room_activities(played, activities(leads=leads, lead_state=state)).leads[0]

    agreed = verdict([CSC, CSC, "police"])
    assert (agreed.verdict, agreed.with_guidance, agreed.lead) == ("agreed", 2, CSC)
    assert agreed.decides_with_guidance == 3 and agreed.stage_title == "A bruise and a call-out"
    assert verdict(["police", "police", CSC]).verdict == "differed"
    assert verdict([NOT_SURE, NOT_SURE, CSC]).verdict == "unsure"
    assert verdict(["police", "school", CSC, NOT_SURE]).verdict == "split"
    assert verdict([CSC, CSC]).verdict == "too_few" and verdict([CSC, CSC]).split == ()
    assert verdict([CSC, CSC, CSC], state="open").verdict == "not_closed"


def test_a_stage_lead_in_the_scenario_is_the_guidance(played):
    stages = list(played.snapshot.scenario.stages)
    stages[0] = stages[0].model_copy(
        update={"lead": StageLead(role="police", why="A crime to investigate first.")}
    )
    scenario = played.snapshot.scenario.model_copy(update={"stages": tuple(stages)})
    moved = played.model_copy(
        update={"snapshot": played.snapshot.model_copy(update={"scenario": scenario})}
    )
    stage = room_activities(moved, activities(leads=["police", "police", CSC])).leads[0]
    assert (stage.lead, stage.decides, stage.verdict) == ("police", "police", "agreed")
    assert stage.why == "A crime to investigate first."


def test_plain_data_for_the_export(played):
    import json

    data = room_activities(played, activities(leads=[CSC, CSC, "police"])).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["barriers"]["clusters"][0] == {"cluster": "trust", "people": 1, "choices": 1}
    assert data["leads"][0]["split"][0] == {"choice": CSC, "count": 2}


def test_one_sentence_per_stage_says_what_the_room_answered_beside_the_guidance(played):
    def sentence(leads, state="closed"):
        stage = room_activities(played, activities(leads=leads, lead_state=state)).leads[0]
        return lead_sentence(stage, {CSC: "Children's SC", "police": "Police"}.get)

    assert sentence([CSC, CSC, "police"]) == (
        "Most of the room (2 of 3) named Children's SC, as guidance does. Who decides: guidance "
        "says Children's SC; 3 of the 3 who answered that named it."
    )
    assert sentence(["police", "police", CSC]).startswith(
        "Most of the room (2 of 3) named Police; guidance names Children's SC."
    )
    assert sentence([NOT_SURE, NOT_SURE, CSC]).startswith("Most of the room (2 of 3) was not sure")
    assert sentence(["police", "police", CSC, CSC]).startswith(
        "The room was split (Children's SC 2, Police 2)"
    )
    assert sentence([CSC, CSC]) == "2 answered: fewer than 3, so nothing is shown."
    assert sentence([CSC, CSC, CSC], state="open").startswith("Still open (3 answered)")


def test_why_the_barriers_are_not_shown(played):
    def status(record):
        return barriers_status(room_activities(played, record).barriers)

    assert status(ActivitiesRecord()) == "The room's own barriers were not run in this workshop."
    assert status(activities(state="open")).startswith("3 answered; the answers are shown once")
    assert status(activities()) == ""
    skipped = ActivitiesRecord(activities=(Activity(kind="barriers", state="skipped"),))
    assert status(skipped) == "The facilitator skipped the room's own barriers."


def test_the_rooms_answer_in_brief_for_the_projector(played):
    def brief(leads, state="closed"):
        stage = room_activities(played, activities(leads=leads, lead_state=state)).leads[0]
        return lead_in_brief(stage, {CSC: "Children's SC", "police": "Police"}.get)

    assert brief([CSC, CSC, "police"]) == "agreed (2 of 3)"
    assert brief(["police", "police", CSC]) == "most named Police (2 of 3)"
    assert brief([NOT_SURE, NOT_SURE, CSC]) == "most not sure (2 of 3)"
    assert brief(["police", "police", CSC, CSC]) == "split"
    assert brief([CSC, CSC]) == "fewer than 3 answered"
    assert brief([CSC, CSC, CSC], state="open") == "still open"
