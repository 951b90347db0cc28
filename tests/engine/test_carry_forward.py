"""Decision storage for the teaching model: carried decisions, and workshops stored before it."""

from __future__ import annotations

import json

import pytest

from facilitation.analysis import analyse
from facilitation.engine.workshops import carried_decisions
from facilitation.errors import InvalidDecision
from facilitation.play.records import StageDecision
from tests.fixtures.engine import decision

CSC = "childrens_social_care"


def test_carried_decisions_keep_every_recipient_ever_shared():
    first = decision({"bruise": [CSC]})
    blank = decision({"bruise": []})  # the old form re-asked each stage blank
    later = decision({"bruise": ["police"]})
    carried = carried_decisions({0: first, 1: blank, 2: later}, 3)
    assert carried["bruise"].share_with == (CSC, "police")
    assert carried_decisions({0: first, 1: blank}, 1)["bruise"].share_with == (CSC,)
    assert carried_decisions({0: first}, 0) == {}


def test_the_participant_view_carries_earlier_decisions(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}, facts=[]))
    room.go("reveal_stage", "next_stage")
    view = room.engine.participant_view(seat.token)
    assert view.decision is None and view.carried["bruise"].share_with == (CSC,)


def test_reasons_and_details_are_checked(room):
    seat = room.join("school")
    room.go("open_stage")
    bad = decision(facts=[{"fact_id": "bruise", "share_with": [CSC], "reason": "hunch"}])
    with pytest.raises(InvalidDecision, match="unknown reason 'hunch'"):
        room.engine.submit(seat.token, 0, bad)
    stray = decision(facts=[{"fact_id": "bruise", "share_with": [CSC], "concern_only": ["gp"]}])
    with pytest.raises(InvalidDecision, match="'gp' has a reason or detail but is not shared with"):
        room.engine.submit(seat.token, 0, stray)


def test_a_workshop_stored_before_the_teaching_model_still_plays_and_analyses(room):
    """Decisions stored as the old form wrote them (a gateway, no reason, every fact re-asked) load
    with today's meaning: no schema change was needed, the new fields have defaults."""
    seat = room.join("school")
    room.go("open_stage")
    old = {
        "facts": [
            {
                "fact_id": "bruise",
                "share_with": [CSC],
                "gateway": "ca1989_s47",
                "tell_family": False,
                "barriers": [],
            }
        ],
        "level": 3,
        "action": "refer",
        "confidence": 3,
        "note": "",
        "note_shareable": False,
    }
    with room.engine.store.write() as db:
        db.execute(
            "INSERT INTO submissions (participant_id, workshop_id, stage_index, decision_json, updated_at) "
            "SELECT ?, workshop_id, 0, ?, '2025-01-01T00:00:00+00:00' FROM participants WHERE id = ?",
            (seat.participant_id, json.dumps(old), seat.participant_id),
        )
    room.go("reveal_stage")
    record = room.engine.record(room.code)
    stored = record.submissions[0].decision
    assert isinstance(stored, StageDecision) and stored.for_fact("bruise").reason is None
    a = analyse(record)
    school = a.participant_behaviours[0].counts
    assert (school.as_guidance, school.basis_unknown, school.wrong_basis) == (1, 0, 0)
