"""The picture model on the hand-computed mini scenario (weights in tests/data/mini/scenarios/mini.yaml)."""

from __future__ import annotations

import pytest

from facilitation.play.picture import (
    Ledger,
    act_stages,
    guidance_submissions,
    level_for,
    whole_picture,
)
from facilitation.play.records import StageDecision, Submission


def _share(participant_id, role, stage, shares):
    facts = [{"fact_id": fact, "share_with": to} for fact, to in shares.items()]
    decision = StageDecision(facts=facts, level=2, action="monitor", confidence=3)
    return Submission(
        participant_id=participant_id, role_id=role, stage_index=stage, decision=decision
    )


@pytest.mark.parametrize(
    ("weight", "level"), [(0, 1), (2, 1), (3, 2), (5, 2), (6, 3), (9, 3), (10, 4), (40, 4)]
)
def test_level_for_default_levels(weight, level):
    assert level_for(weight, {2: 3, 3: 6, 4: 10}) == level


@pytest.mark.parametrize(("stage", "weight", "level"), [(0, 5, 2), (1, 8, 3), (2, 12, 4)])
def test_whole_picture_grows_by_stage(mini_snapshot, stage, weight, level):
    picture = whole_picture(mini_snapshot, stage)
    assert (picture.weight, picture.level) == (weight, level)


def test_own_facts_enter_at_their_stage(mini_snapshot):
    ledger = Ledger(mini_snapshot, [], revealed_through=-1)
    assert list(ledger.picture("school", 0).facts) == ["bruise"]
    assert list(ledger.picture("school", 2).facts) == ["bruise", "disclosure", "rent_arrears"]
    assert ledger.picture("childrens_social_care", 2).weight == 0


def test_shared_fact_arrives_next_stage_only_once_revealed(mini_snapshot):
    shares = [_share(1, "police", 0, {"dv_callout": ["childrens_social_care", "school"]})]
    before_reveal = Ledger(mini_snapshot, shares, revealed_through=-1)
    assert "dv_callout" not in before_reveal.picture("childrens_social_care", 1)
    revealed = Ledger(mini_snapshot, shares, revealed_through=0)
    assert "dv_callout" not in revealed.picture("childrens_social_care", 0)
    assert "dv_callout" in revealed.picture("childrens_social_care", 0, after_reveal=True)
    known = revealed.picture("school", 1).facts["dv_callout"]
    assert (known.own, known.senders, known.received[0].stage_index) == (False, ("police",), 0)


def test_two_senders_are_both_recorded(mini_snapshot):
    shares = [
        _share(1, "school", 0, {"bruise": ["police"]}),
        _share(2, "police", 1, {"bruise": ["childrens_social_care"]}),
        _share(3, "school", 1, {"bruise": ["childrens_social_care"]}),
    ]
    picture = Ledger(mini_snapshot, shares, revealed_through=1).picture("childrens_social_care", 2)
    assert picture.facts["bruise"].senders == ("police", "school")


def test_guidance_play_lets_the_lead_act_at_the_second_stage(mini_snapshot):
    # Ideal: after stage 0, CSC holds bruise 2 + dv_callout 3 = 5 (level 2); after stage 1, + 1 + 2 = 8 -> 3.
    stages = act_stages(mini_snapshot, [], revealed_through=2)
    assert (stages.actual, stages.possible, stages.delay) == (None, 1, None)
    ideal = Ledger(mini_snapshot, guidance_submissions(mini_snapshot), revealed_through=2)
    assert ideal.picture("childrens_social_care", 1, after_reveal=True).weight == 8


def test_actual_act_stage_and_delay(mini_snapshot):
    shares = [
        _share(
            1,
            "school",
            2,
            {"disclosure": ["childrens_social_care"], "bruise": ["childrens_social_care"]},
        )
    ]
    stages = act_stages(mini_snapshot, shares, revealed_through=2)
    assert (stages.actual, stages.possible, stages.delay) == (2, 1, 1)


def test_unrevealed_stage_does_not_count_for_actual(mini_snapshot):
    shares = [
        _share(
            1,
            "school",
            2,
            {"disclosure": ["childrens_social_care"], "bruise": ["childrens_social_care"]},
        )
    ]
    assert act_stages(mini_snapshot, shares, revealed_through=1).actual is None
