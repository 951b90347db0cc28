"""A fact's handling (`FactGuidance`: decisions, counts by recipient, verdict) is its holder's choice
and of those who passed it on: `analysis.projected` shows it fact by fact only where all of them are
named (three or more people), else summed into one `pooled_guidance` entry where those agencies form a
safe pool, else not at all. Rooms of tests/analysis/test_privacy (`_room`) and one with an onward share."""

from __future__ import annotations

import pytest

from facilitation.analysis import (
    ALL_AGENCIES,
    OTHER_AGENCIES,
    analyse,
    handling_hidden,
    projected,
)
from tests.analysis.test_privacy import _room
from tests.fixtures.debrief import CSC, fact, record, seated, submission

# One police officer holds the call-out; two school staff the bruise; three CSC workers are named.
SMALL_HOLDERS_SAFE = {"school": 2, "police": 1, CSC: 3}
# One police officer is the only small agency that holds a fact: no safe pool of holders.
SMALL_HOLDER_ALONE = {"school": 3, "police": 1, CSC: 2}
NAMED = {"school": 3, "police": 3, CSC: 3}


def test_facts_of_named_holders_are_shown_as_before(mini_snapshot):
    analysis = analyse(_room(mini_snapshot, NAMED))
    shown = projected(analysis)
    assert shown.guidance == analysis.guidance
    assert shown.pooled_guidance == ()
    assert not handling_hidden(shown, "dv_callout")
    assert [m.fact_id for m in shown.barriers.myths] == [m.fact_id for m in analysis.barriers.myths]


def test_a_lone_holder_s_fact_is_pooled_with_the_other_small_holders(mini_snapshot):
    analysis = analyse(_room(mini_snapshot, SMALL_HOLDERS_SAFE))
    shown = projected(analysis)
    assert {g.fact_id for g in shown.guidance}.isdisjoint({"bruise", "dv_callout"})
    assert handling_hidden(shown, "dv_callout") and handling_hidden(shown, "bruise")
    assert all(g.fact_id not in ("bruise", "dv_callout") for v in shown.stages for g in v.guidance)
    whole = [g for g in shown.pooled_guidance if g.stage_index is None]
    assert [g.fact_id for g in whole] == [OTHER_AGENCIES]
    pool = whole[0]
    mine = {g.fact_id: g for g in analysis.guidance}
    assert pool.decisions == mine["bruise"].decisions + mine["dv_callout"].decisions == 3
    assert pool.as_guidance == {CSC: 3}  # both facts to the named CSC
    # Recipients pooled as everywhere: the GP (the bruise, to avoid) and the school are in the pool.
    assert pool.over_shared == {OTHER_AGENCIES: 2}
    assert pool.missed == {OTHER_AGENCIES: 1}  # the call-out not sent to the school
    assert [g.stage_index for g in shown.pooled_guidance] == [0, None]
    # The police officer's consent myth on the call-out would name them: left out, the barrier kept.
    assert all(m.fact_id != "dv_callout" for m in shown.barriers.myths)
    consent = next(c for c in shown.barriers.counts if c.barrier_id == "consent")
    assert consent.count and "dv_callout" not in consent.by_fact


def test_a_lone_holder_with_no_safe_pool_shows_no_handling_at_all(mini_snapshot):
    analysis = analyse(_room(mini_snapshot, SMALL_HOLDER_ALONE))
    shown = projected(analysis)
    assert handling_hidden(shown, "dv_callout")
    assert not handling_hidden(shown, "bruise")  # the three schools' own
    assert shown.pooled_guidance == ()
    assert all(m.fact_id != "dv_callout" for m in shown.barriers.myths)


def test_when_every_agency_is_pooled_so_is_every_fact(mini_snapshot):
    shown = projected(analyse(_room(mini_snapshot, {"school": 3, "police": 1, CSC: 3})))
    assert shown.guidance == ()  # the schools' figures less the room's would be the officer's
    [whole] = [g for g in shown.pooled_guidance if g.stage_index is None]
    assert whole.fact_id == ALL_AGENCIES
    assert set(whole.as_guidance) == {ALL_AGENCIES}


def _onward(mini_snapshot):
    """Three schools and three police officers decide at stage 0; the one CSC worker passes the bruise
    on to the police at stage 2, when two GPs submit and share nothing (so that the CSC worker and the
    GPs make a pool of three people deciding at every stage where any of them did)."""
    per_role = {"school": 3, "police": 3, CSC: 1, "gp": 2}
    people, subs = seated(per_role), []
    for person in people:
        pid, role = person.id, person.role_id
        if role == "school":
            subs.append(submission(pid, role, 0, [fact("bruise", (CSC,))], 2, "refer"))
        elif role == "police":
            subs.append(submission(pid, role, 0, [fact("dv_callout", (CSC,))], 3, "refer"))
        elif role == CSC:
            subs.append(submission(pid, role, 2, [fact("bruise", ("police",))], 3, "refer"))
        else:
            subs.append(submission(pid, role, 2, [], 2, "monitor"))
    return record(mini_snapshot, people, subs, revealed_through=2)


def test_a_share_passed_on_by_a_lone_recipient_pools_the_fact(mini_snapshot):
    analysis = analyse(_onward(mini_snapshot))
    assert next(g for g in analysis.guidance if g.fact_id == "bruise").beyond == {"police": 1}
    shown = projected(analysis)
    assert handling_hidden(shown, "bruise")  # the CSC worker's own share is in its figures
    # Stage 1 was the schools' alone, but beside the whole it would leave stage 3's: pooled too.
    assert [g.fact_id for g in analysis.stage(0).guidance] == ["bruise", "dv_callout"]
    assert [g.fact_id for g in shown.stage(0).guidance] == ["dv_callout"]
    assert not handling_hidden(shown, "dv_callout")
    # The one CSC worker is the pool's only small agency: the schools' figures would not hide them.
    assert shown.pooled_guidance == ()


@pytest.mark.parametrize("per_role", [SMALL_HOLDERS_SAFE, SMALL_HOLDER_ALONE])
def test_what_guidance_says_of_a_pooled_fact_stays(mini_snapshot, per_role):
    analysis = analyse(_room(mini_snapshot, per_role))
    assert projected(analysis).facts == analysis.facts


def test_generated_prompts_about_a_pooled_fact_go(mini_snapshot):
    # Three schools send the bruise to CSC; the one police officer keeps the call-out.
    people = seated(SMALL_HOLDER_ALONE)
    shared = {"school": [fact("bruise", (CSC,))], "police": [fact("dv_callout")]}
    subs = [submission(p.id, p.role_id, 0, shared.get(p.role_id, []), 2, "refer") for p in people]
    analysis = analyse(record(mini_snapshot, people, subs, revealed_through=0))
    about = [p for p in analysis.prompts if "dv_callout" in p.fact_ids]
    assert about  # "School shared “bruise” ...; another did not share “dv callout”": the officer
    shown = projected(analysis)
    assert all("dv_callout" not in p.fact_ids for p in shown.prompts)
    assert all("dv_callout" not in p.fact_ids for v in shown.stages for p in v.prompts)
    assert [p for p in shown.prompts if p.kind == "scenario"] == [
        p for p in analysis.prompts if p.kind == "scenario"
    ]
