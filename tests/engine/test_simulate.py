"""Simulated participants: repeatable, within the rules of play, and shaped by their role's profile."""

from __future__ import annotations

import random

import pytest

from facilitation.engine.rehearsal import simulate_workshop
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops, check_decision
from facilitation.play.bots import decide
from facilitation.play.picture import Ledger

ROLES = ("school", "police", "childrens_social_care", "gp")


def _pictures(snapshot):
    """Every role's picture at every stage, with everything held shared as guidance says (so that
    received facts are in play too)."""
    from facilitation.play.picture import guidance_submissions

    ledger = Ledger(snapshot, guidance_submissions(snapshot), revealed_through=2)
    return [(role, stage, ledger.picture(role, stage)) for role in ROLES for stage in range(3)]


def _with_threshold(snapshot, role_id: str, acts_at: int):
    role = snapshot.roles[role_id]
    changed = role.model_copy(
        update={"threshold": role.threshold.model_copy(update={"acts_at": acts_at})}
    )
    return snapshot.model_copy(update={"roles": {**snapshot.roles, role_id: changed}})


def test_the_same_seed_gives_the_same_decision(mini_snapshot):
    for role, stage, picture in _pictures(mini_snapshot):
        first = decide(mini_snapshot, role, picture, stage, random.Random(f"7:{stage}"))
        assert decide(mini_snapshot, role, picture, stage, random.Random(f"7:{stage}")) == first


def test_different_seeds_give_different_decisions(mini_snapshot):
    role, stage, picture = "school", 2, _pictures(mini_snapshot)[2][2]
    decisions = {
        decide(mini_snapshot, role, picture, stage, random.Random(seed)).model_dump_json()
        for seed in range(30)
    }  # as JSON: a decision holds a mapping (per-recipient reasons), so is not hashable
    assert len(decisions) > 10


@pytest.mark.parametrize("seed", range(20))
def test_decisions_keep_the_rules_of_play(mini_snapshot, seed):
    for role, stage, picture in _pictures(mini_snapshot):
        made = decide(mini_snapshot, role, picture, stage, random.Random(seed))
        check_decision(mini_snapshot, role, picture, made)  # what the engine enforces on people
        assert [entry.fact_id for entry in made.facts] == list(picture.facts)
        own_barriers = {c.barrier for c in mini_snapshot.roles[role].constraints}
        for entry in made.facts:
            assert role not in entry.share_with
            assert set(entry.barriers) <= own_barriers
            assert entry.gateway in (None, *mini_snapshot.roles[role].gateways)
        assert abs(made.level - picture.level) <= 1 and made.note == "" and not made.note_shareable


def test_barriers_are_cited_only_when_holding_back(mini_snapshot):
    for seed in range(50):
        for role, stage, picture in _pictures(mini_snapshot):
            for entry in decide(mini_snapshot, role, picture, stage, random.Random(seed)).facts:
                if entry.barriers:
                    fact = mini_snapshot.scenario.fact(entry.fact_id)
                    needs = set(fact.guidance.share_with) | {"childrens_social_care"}
                    assert needs - {role} - set(entry.share_with)


def _share_rate(snapshot, role="school", stage=2, runs=400) -> float:
    picture = Ledger(snapshot, [], revealed_through=-1).picture(role, stage)
    shared = sum(
        len(entry.share_with)
        for seed in range(runs)
        for entry in decide(snapshot, role, picture, stage, random.Random(seed)).facts
    )
    return shared / runs


def test_agencies_that_act_early_share_more(mini_snapshot):
    rates = [
        _share_rate(_with_threshold(mini_snapshot, "school", acts_at)) for acts_at in (1, 2, 3, 4)
    ]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1] * 1.3


def test_bots_overshare_now_and_then(mini_snapshot):
    # rent_arrears: guidance shares it with nobody and says avoid police.
    picture = Ledger(mini_snapshot, [], revealed_through=-1).picture("school", 2)
    to_police = sum(
        "police"
        in decide(mini_snapshot, "school", picture, 2, random.Random(seed))
        .for_fact("rent_arrears")
        .share_with
        for seed in range(500)
    )
    assert 0 < to_police < 100


def test_simulate_a_whole_workshop(engine, mini_snapshot):
    result = simulate_workshop(mini_snapshot, participants=12, seed=3, engine=engine)
    assert engine.status(result.code).phase == "debrief"
    assert [stage.submissions for stage in result.stages] == [12, 12, 12]
    assert all(set(stage.levels) == set(ROLES) for stage in result.stages)
    assert all(stage.facts_shared <= stage.shares for stage in result.stages)
    assert result.lead_act_possible == 1 and result.lead_role == "childrens_social_care"
    assert result.to_dict()["stages"][0]["stage_id"] == "first"


def test_a_seed_replays_the_same_workshop_in_any_database(tmp_path, mini_snapshot):
    first = simulate_workshop(mini_snapshot, 9, 11, Workshops(Store(tmp_path / "a.db")))
    busy = Workshops(Store(tmp_path / "b.db"))
    simulate_workshop(mini_snapshot, 5, 1, busy)  # other ids already taken in this one
    second = simulate_workshop(mini_snapshot, 9, 11, busy)
    assert first.stages == second.stages
    assert (first.lead_act_actual, first.lead_act_possible) == (
        second.lead_act_actual,
        second.lead_act_possible,
    )


def test_simulation_needs_a_participant(engine, mini_snapshot):
    with pytest.raises(ValueError):
        simulate_workshop(mini_snapshot, 0, 0, engine)


def test_simulation_uses_the_default_store(mini_snapshot, tmp_path):
    result = simulate_workshop(mini_snapshot, 4, 0)
    assert (
        Workshops(Store(tmp_path / "easi.db")).status(result.code).phase == "debrief"
    )  # $EASI_DB, per conftest
