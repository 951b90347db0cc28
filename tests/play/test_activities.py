"""What the projector may show of the room's activities (pure rules): nothing before close, no group of
fewer than three, pools that cannot be worked out by subtraction; seeded bots."""

from __future__ import annotations

import pytest

from facilitation.play import (
    NOT_SURE,
    POOLED,
    ActivitiesRecord,
    Activity,
    BarrierAnswer,
    BarrierEntry,
    LeadAnswer,
    LeadEntry,
    barriers_board,
    lead_board,
    simulated_barriers,
    simulated_lead,
)

CSC = "childrens_social_care"


def room(
    agencies: list[str | None], state: str = "closed", barriers=("trust",)
) -> ActivitiesRecord:
    return ActivitiesRecord(
        activities=(Activity(kind="barriers", state=state),),
        barriers=tuple(
            BarrierEntry(participant_id=n, answer=BarrierAnswer(barriers=barriers, agency=agency))
            for n, agency in enumerate(agencies, start=1)
        ),
    )


def groups(record: ActivitiesRecord) -> list[tuple[str, int]]:
    return [(g.agency, g.people) for g in barriers_board(record).by_agency]


def test_never_opened_is_no_board_and_open_shows_only_the_count():
    assert barriers_board(ActivitiesRecord()) is None
    board = barriers_board(room(["school"] * 5, state="open"))
    assert (board.shown, board.answered, board.clusters) == (False, 5, ())


def test_clusters_count_people_and_choices():
    board = barriers_board(
        room([None] * 3, barriers=("trust", "relationship", "blame", "legal_fear"))
    )
    assert [(c.cluster, c.people, c.choices) for c in board.clusters] == [
        ("trust", 3, 3),
        ("fear", 3, 6),
        ("relationships", 3, 3),
    ]


@pytest.mark.parametrize(
    "agencies, expected",
    [
        (["police"] * 3 + ["school"] * 3, [("police", 3), ("school", 3)]),
        # two others would be the total minus the police: folded in, and a single group is no breakdown
        (["police"] * 3 + ["school", "gp"], []),
        (["police"] * 4 + ["school"] * 3 + ["gp"], [("police", 4), (POOLED, 4)]),
        (["police"] * 3 + ["school"] * 3 + [None] * 3, [("police", 3), ("school", 3), (POOLED, 3)]),
        (["police"] * 2 + [None], []),
    ],
)
def test_agencies_are_shown_only_in_groups_of_three_that_cannot_be_subtracted(agencies, expected):
    assert groups(room(agencies)) == expected


def test_fewer_than_three_answers_show_nothing_even_closed():
    board = barriers_board(room(["police", "police"]))
    assert not board.shown and board.barriers == () and board.by_agency == ()


def test_only_approved_lines_and_not_in_writing_order():
    record = ActivitiesRecord(
        activities=(Activity(kind="barriers", state="closed"),),
        barriers=tuple(
            BarrierEntry(participant_id=n, answer=BarrierAnswer(line=line), approved=ok)
            for n, (line, ok) in enumerate([("Zed", True), ("Hidden", False), ("Abe", True)])
        ),
    )
    assert barriers_board(record).lines == ("Abe", "Zed")


def test_lead_board_beside_the_stage_guidance(mini_snapshot):
    record = ActivitiesRecord(
        activities=(Activity(kind="who_leads", stage_index=1, state="closed"),),
        leads=tuple(
            LeadEntry(participant_id=n, stage_index=1, answer=LeadAnswer(lead=lead))
            for n, lead in enumerate([CSC, CSC, "police", NOT_SURE])
        ),
    )
    board = lead_board(record, mini_snapshot, 1)
    assert board.shown and board.guidance.role == CSC  # no stage lead: the scenario's lead_role
    assert [(c.choice, c.count) for c in board.lead] == [(CSC, 2), (NOT_SURE, 1), ("police", 1)]
    assert lead_board(record, mini_snapshot, 0) is None


def test_bots_answer_the_same_for_the_same_seed(mini_snapshot):
    first = [simulated_barriers(mini_snapshot, "gp", seed) for seed in range(20)]
    assert first == [simulated_barriers(mini_snapshot, "gp", seed) for seed in range(20)]
    assert any(answer.line for answer in first) and all(a.barriers for a in first)
    leads = {simulated_lead(mini_snapshot, "gp", 0, seed).lead for seed in range(40)}
    assert CSC in leads and leads <= {CSC, "gp", NOT_SURE}
