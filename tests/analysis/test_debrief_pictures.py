"""The debrief's pictures (built in one walk over the stages, for speed) against `picture.Ledger`, the
reference that rebuilds each picture from every fact: the jigsaw, the levels the pictures supported and
when the lead could act must be the same, on the hand-made workshop and on whole simulated ones."""

from __future__ import annotations

import random

import pytest

from facilitation.analysis.debrief import Debrief, analyse
from facilitation.content.library import load_snapshot
from facilitation.play.bots import decide
from facilitation.play.picture import Ledger, act_stages
from facilitation.play.records import Participant, Submission, WorkshopRecord


def simulated_record(
    scenario_id: str = "riverside-family", per_role: int = 2, seed: int = 7
) -> WorkshopRecord:
    """A whole workshop on a bundled scenario, each seat deciding as `easi simulate` does (no engine):
    `per_role` participants per agency, one in five of them gone by the end."""
    snapshot = load_snapshot(scenario_id)
    rng = random.Random(seed)
    seats = [role for role in snapshot.role_ids for _ in range(per_role)]
    people = [
        Participant(id=n, role_id=role, display_name=f"P{n}", active=n % 5 != 0)
        for n, role in enumerate(seats, 1)
    ]
    submissions: list[Submission] = []
    for stage in range(len(snapshot.scenario.stages)):
        ledger = Ledger(
            snapshot, submissions, stage - 1
        )  # what each role was sent by the last reveal
        submissions += [
            Submission(
                participant_id=p.id,
                role_id=p.role_id,
                stage_index=stage,
                decision=decide(snapshot, p.role_id, ledger.picture(p.role_id, stage), stage, rng),
            )
            for p in people
        ]
    return WorkshopRecord(
        code="SIM001",
        created_at="2026-03-04T09:30:00+00:00",
        snapshot=snapshot,
        participants=tuple(people),
        submissions=tuple(submissions),
        revealed_through=len(snapshot.scenario.stages) - 1,
    )


def _assert_same_as_ledger(record: WorkshopRecord, analysis: Debrief) -> None:
    ledger = Ledger(record.snapshot, record.submissions, analysis.through)
    order = {role: n for n, role in enumerate(record.snapshot.role_ids)}
    for view in analysis.stages:
        jigsaw = view.jigsaw
        for role in jigsaw.role_ids:
            after = ledger.picture(role, view.index, after_reveal=True)
            share = jigsaw.share(role)
            assert (share.weight, share.count, share.level) == (
                after.weight,
                len(after.facts),
                after.level,
            )
            for fact_id in jigsaw.fact_ids:
                cell, known = jigsaw.cell(role, fact_id), after.facts.get(fact_id)
                assert cell.state == (
                    "unknown" if known is None else "own" if known.own else "received"
                )
                if (
                    cell.state == "received"
                ):  # one receipt per sending role and stage, earliest first
                    got = [(r.stage_index, order[r.from_role]) for r in cell.received]
                    assert got == sorted(
                        {(r.stage_index, order[r.from_role]) for r in known.received}
                    )
            deciding = ledger.picture(role, view.index)
            judgement = view.judgement(role)
            assert (judgement.supported, judgement.supported_weight) == (
                deciding.level,
                deciding.weight,
            )
    acts = act_stages(record.snapshot, record.submissions, analysis.through)
    if analysis.act.status != "no_lead":
        assert (analysis.act.actual, analysis.act.possible) == (acts.actual, acts.possible)


@pytest.mark.parametrize("through", [None, 0, 1])
def test_pictures_of_the_hand_made_workshop_match_the_ledger(played, through):
    _assert_same_as_ledger(played, analyse(played, through))


@pytest.mark.parametrize(
    "scenario_id",
    ["riverside-family", "millbrook-young-carer", "hawthorn-court", "domestic-abuse-marac"],
)
def test_pictures_of_simulated_workshops_match_the_ledger(scenario_id):
    record = simulated_record(scenario_id, per_role=2, seed=11)
    for through in range(len(record.snapshot.scenario.stages)):
        analysis = analyse(record, through)
        _assert_same_as_ledger(record, analysis)
    assert analysis.jigsaw is not None and any(c.state == "received" for c in analysis.jigsaw.cells)


def test_late_facts_are_those_the_lead_got_late_or_never(played):
    analysis = analyse(played)
    ledger = Ledger(played.snapshot, played.submissions, analysis.through)
    final = ledger.picture(analysis.lead_role, analysis.through, after_reveal=True)
    for late in analysis.act.late_facts:
        known = final.facts.get(late.fact_id)
        arrived = known.received[0].stage_index if known and known.received else None
        assert late.arrived_stage == arrived and (arrived is None or arrived > late.due_stage)


def test_the_lead_could_act_on_what_it_holds_as_well_as_what_it_is_sent(mini_snapshot):
    """With the school as lead (mini scenario): had guidance been followed it would hold bruise (2) and
    be sent dv_callout (3) at stage 1, then hold disclosure (4) at stage 3: weight 9, level 3, its
    threshold (without its own facts, never). Nobody played, yet its own 6 reach level 3 as well."""
    data = mini_snapshot.model_dump()
    data["scenario"]["lead_role"] = "school"
    snapshot = type(mini_snapshot).model_validate(data)
    record = WorkshopRecord(
        code="LEAD01",
        created_at="2026-03-04T09:30:00+00:00",
        snapshot=snapshot,
        participants=(),
        submissions=(),
        revealed_through=2,
    )
    analysis = analyse(record)
    assert analysis.act.possible == 2 == act_stages(snapshot, (), 2).possible
    assert (analysis.act.actual, analysis.act.status) == (2, "on_time")
