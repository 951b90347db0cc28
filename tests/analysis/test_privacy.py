"""The projector's privacy rule (`analysis.pooling`, `analysis.projected`), on hand-built workshops with
1, 2 and 3 participants per role: a role is named beside what its people did only where at least
`PRIVACY_MIN` play it; the others are pooled, and the whole room where a pool would single anyone out."""

from __future__ import annotations

import pytest

from facilitation.analysis import (
    ALL_AGENCIES,
    OTHER_AGENCIES,
    PRIVACY_MIN,
    analyse,
    pooling,
    projected,
)
from tests.fixtures.debrief import CSC, fact, record, seated, submission


def _room(mini_snapshot, per_role: dict[str, int]):
    """Everyone of `per_role` submits at stage 0: the school sends the bruise to CSC and the GP (to
    avoid), the police send the call-out to CSC; levels 2 (school), 3 (police), 1 (CSC)."""
    people, subs = seated(per_role), []
    for person in people:
        pid, role = person.id, person.role_id
        if role == "school":
            subs.append(submission(pid, role, 0, [fact("bruise", (CSC, "gp"))], 2, "refer", 3))
        elif role == "police":
            subs.append(
                submission(
                    pid, role, 0, [fact("dv_callout", (CSC,), barriers=("consent",))], 3, "refer"
                )
            )
        else:
            subs.append(submission(pid, role, 0, [], 1, "no_action", 3))
    return record(mini_snapshot, people, subs, revealed_through=0)


def test_the_threshold_is_three():
    assert PRIVACY_MIN == 3


@pytest.mark.parametrize(
    ("per_role", "expected"),
    [
        # Nobody named: the whole room pooled.
        (
            {"school": 1, "police": 1, CSC: 1},
            dict.fromkeys(("school", "police", CSC, "gp"), ALL_AGENCIES),
        ),
        (
            {"school": 2, "police": 2, CSC: 2},
            dict.fromkeys(("school", "police", CSC, "gp"), ALL_AGENCIES),
        ),
        (
            {"school": 3, "police": 3, CSC: 3},
            {"school": "school", "police": "police", CSC: CSC, "gp": "gp"},
        ),
        # Three schools named; the police (1) and CSC (2) pooled: two agencies, three people.
        (
            {"school": 3, "police": 1, CSC: 2},
            {
                "school": "school",
                "police": OTHER_AGENCIES,
                CSC: OTHER_AGENCIES,
                "gp": OTHER_AGENCIES,
            },
        ),
        # Three schools and one police officer: a pool of one agency is that agency, so all pooled.
        ({"school": 3, "police": 1}, dict.fromkeys(("school", "police", CSC, "gp"), ALL_AGENCIES)),
        # Three schools, one police officer, one CSC worker: two agencies but two people, all pooled.
        (
            {"school": 3, "police": 1, CSC: 1},
            dict.fromkeys(("school", "police", CSC, "gp"), ALL_AGENCIES),
        ),
    ],
)
def test_pooling(mini_snapshot, per_role, expected):
    assert pooling(analyse(_room(mini_snapshot, per_role)).roles) == expected


@pytest.mark.parametrize("n", [1, 2])
def test_with_fewer_than_three_per_role_no_agency_is_named_beside_what_it_did(mini_snapshot, n):
    shown = projected(analyse(_room(mini_snapshot, {"school": n, "police": n, CSC: n})))
    view = shown.stage(0)
    # Every share is within the room: its diagonal, which the matrix does not draw.
    assert [(f.sender, f.recipient, f.shares) for f in view.flows.flows] == [
        (ALL_AGENCIES, ALL_AGENCIES, 3 * n)
    ]
    assert view.flows.role_ids == (ALL_AGENCIES,)
    (judgement,) = view.judgements
    assert judgement.role_id == ALL_AGENCIES
    assert judgement.levels == tuple(sorted([2] * n + [3] * n + [1] * n))
    assert judgement.supported == 0  # no one picture: the chart draws no marker
    assert [b.role_id for b in shown.role_behaviours] == [ALL_AGENCIES]
    assert shown.role_behaviours[0].counts.shared == 3 * n  # school x2 recipients, police x1
    assert shown.participant_behaviours == () and view.participants == ()
    (consent,) = [c for c in shown.barriers.counts if c.barrier_id == "consent"]
    assert consent.by_role == {ALL_AGENCIES: 2 * n}  # each police officer left out school and GP
    assert view.submitted_by_role == {ALL_AGENCIES: 3 * n}
    assert all(m.by_role.keys() <= {ALL_AGENCIES} for m in shown.barriers.myths)


def test_with_three_per_role_everything_is_named(mini_snapshot):
    analysis = analyse(_room(mini_snapshot, {"school": 3, "police": 3, CSC: 3}))
    assert projected(analysis) is analysis
    flows = {(f.sender, f.recipient): f.shares for f in analysis.stage(0).flows.flows}
    assert flows == {("school", CSC): 3, ("school", "gp"): 3, ("police", CSC): 3}


def test_a_pool_of_the_small_agencies_beside_a_named_one(mini_snapshot):
    shown = projected(analyse(_room(mini_snapshot, {"school": 3, "police": 1, CSC: 2})))
    view = shown.stage(0)
    flows = {(f.sender, f.recipient): f.shares for f in view.flows.flows}
    # The school's shares to CSC and the GP land in the pool; the police's to CSC stay inside it.
    assert flows == {("school", OTHER_AGENCIES): 6, (OTHER_AGENCIES, OTHER_AGENCIES): 1}
    assert [j.role_id for j in view.judgements] == ["school", OTHER_AGENCIES]
    assert view.judgement("school").supported > 0  # a named agency keeps its picture marker
    assert view.judgement(OTHER_AGENCIES).levels == (1, 1, 3)
    assert [b.role_id for b in shown.role_behaviours] == ["school", OTHER_AGENCIES]
    assert view.submitted_by_role == {"school": 3, OTHER_AGENCIES: 3}


def test_the_pool_sums_what_it_pools(mini_snapshot):
    analysis = analyse(_room(mini_snapshot, {"school": 2, "police": 2, CSC: 1}))
    shown = projected(analysis)
    assert shown.counts == analysis.counts  # totals are never attributed: unchanged
    assert shown.role_behaviours[0].counts.shared == sum(
        b.counts.shared for b in analysis.role_behaviours
    )
    assert sum(shown.stage(0).submitted_by_role.values()) == analysis.stage(0).submissions


def _receipts(analysis, role: str, fact_id: str) -> list[tuple[str, int]]:
    """Who the jigsaw says told `role` the fact, and at which stage."""
    cell = analysis.stage(0).jigsaw.cell(role, fact_id)
    return [(r.from_role, r.stage_index) for r in cell.received]


def test_the_jigsaw_names_who_told_an_agency_only_where_the_teller_is_named(mini_snapshot):
    """What CSC knows stays on the picture; that the lone police officer told it is that officer's
    choice, so the sender is pooled as the flows' senders are. Three schools are named."""
    analysis = analyse(_room(mini_snapshot, {"school": 3, "police": 1, CSC: 2}))
    assert _receipts(analysis, CSC, "dv_callout") == [("police", 0)]
    shown = projected(analysis)
    assert _receipts(shown, CSC, "dv_callout") == [(OTHER_AGENCIES, 0)]
    assert _receipts(shown, CSC, "bruise") == [("school", 0)]
    assert shown.stage(0).jigsaw.cell(CSC, "dv_callout").state == (
        analysis.stage(0).jigsaw.cell(CSC, "dv_callout").state
    )  # what it knows is unchanged
    assert shown.jigsaw.cell(CSC, "dv_callout").senders == (OTHER_AGENCIES,)


def test_a_report_names_no_small_agency_as_a_sender(mini_snapshot):
    from facilitation.outputs import render

    room = _room(mini_snapshot, {"school": 3, "police": 1, CSC: 2})
    text = render("md", room, analyse(room))
    assert "from Police" not in text and f"from {OTHER_AGENCIES}, stage 1" in text
    assert "from School, stage 1" in text


def test_an_agency_is_named_only_where_three_of_its_people_decided_at_every_stage(mini_snapshot):
    # Three play each agency, and all decide at stage 0; at stage 1 one police officer and two GPs do.
    # Those figures would be that officer's own, plain to the two others who play police: police and
    # the GP are pooled (two agencies, three people deciding), at every stage, school and CSC named.
    people = seated({"school": 3, "police": 3, CSC: 3, "gp": 3})
    subs = [submission(p.id, p.role_id, 0, [], 2, "monitor") for p in people]
    deciding_later = [p for p in people if p.role_id in ("school", CSC)]
    deciding_later += [p for p in people if p.role_id == "police"][:1]
    deciding_later += [p for p in people if p.role_id == "gp"][:2]
    subs += [submission(p.id, p.role_id, 1, [], 3, "refer") for p in deciding_later]
    analysis = analyse(record(mini_snapshot, people, subs, revealed_through=1))
    assert {r.id: (r.participants, r.deciding) for r in analysis.roles} == {
        "school": (3, 3),
        "police": (3, 1),
        CSC: (3, 3),
        "gp": (3, 2),
    }
    assert pooling(analysis.roles) == {
        "school": "school",
        "police": OTHER_AGENCIES,
        CSC: CSC,
        "gp": OTHER_AGENCIES,
    }
    shown = projected(analysis)
    for stage in (0, 1):
        assert [j.role_id for j in shown.stage(stage).judgements] == ["school", OTHER_AGENCIES, CSC]
    assert shown.stage(1).submitted_by_role == {"school": 3, CSC: 3, OTHER_AGENCIES: 3}
    assert shown.stage(1).judgement(OTHER_AGENCIES).levels == (3, 3, 3)
    # Before stage 1's reveal the same room names everyone: each stage analysed counts.
    assert (
        projected(analyse(record(mini_snapshot, people, subs, revealed_through=0)))
        .stage(0)
        .judgements[1]
        .role_id
        == "police"
    )


def test_a_pool_is_safe_only_where_it_is_at_every_stage(mini_snapshot):
    # Police: three seats, one deciding at stage 1; GP: two seats, both at stage 0 only. 1 + 2 people
    # in two agencies would pass as a pool, but stage 1's pool would be that one officer: all pooled.
    people = seated({"school": 3, "police": 3, CSC: 3, "gp": 2})
    subs = [submission(p.id, p.role_id, 0, [], 2, "monitor") for p in people]
    later = [p for p in people if p.role_id in ("school", CSC)]
    later += [p for p in people if p.role_id == "police"][:1]
    subs += [submission(p.id, p.role_id, 1, [], 3, "refer") for p in later]
    analysis = analyse(record(mini_snapshot, people, subs, revealed_through=1))
    assert {r.id: r.deciding_at for r in analysis.roles} == {
        "school": (3, 3),
        "police": (3, 1),
        CSC: (3, 3),
        "gp": (2, 0),
    }
    assert set(pooling(analysis.roles).values()) == {ALL_AGENCIES}


def test_a_prompt_counts_and_names_only_a_choice_three_people_made(mini_snapshot):
    # Everyone decides at both stages, but one officer alone decides on the new partner (to the
    # school, against guidance): the room is not told "1 of 1 Police participant".
    people = seated({"school": 3, "police": 3, CSC: 3})
    police = [p for p in people if p.role_id == "police"]
    subs = [
        submission(p.id, p.role_id, stage, [], 2, "monitor") for stage in (0, 1) for p in people
    ]
    subs = [s for s in subs if not (s.stage_index == 1 and s.participant_id == police[0].id)]
    subs.append(
        submission(police[0].id, "police", 1, [fact("new_partner", ("school",))], 3, "refer")
    )
    analysis = analyse(record(mini_snapshot, people, subs, revealed_through=1))
    assert pooling(analysis.roles) == {r.id: r.id for r in analysis.roles}  # everyone named
    (prompt,) = [p for p in analysis.stage(1).prompts if p.kind == "over_shared"]
    assert prompt.text.startswith("One agency sent"), prompt.text
    assert "Police" not in prompt.text and "1 of" not in prompt.text
