"""The agencies side by side, the threshold ladder and the front door, on the mini scenario (figures by
hand from tests/data/mini: school, police and children's social care act at 3, the GP at 4)."""

from __future__ import annotations

from facilitation.analysis import constraint_clusters, front_door, perspectives, threshold_ladder
from tests.fixtures.debrief import CSC, PEOPLE, fact, record, submission


def test_every_agency_in_scenario_order_with_its_constraints_as_barriers(mini_snapshot):
    views = perspectives(mini_snapshot.roles, "children", CSC)
    assert [view.role_id for view in views] == ["school", "police", CSC, "gp"]
    assert [view.is_lead for view in views] == [False, False, True, False]
    gp = views[3]
    assert (gp.acts_at, gp.acts_at_label) == (4, "4 · Child protection")
    assert [(c.barrier_id, c.cluster) for c in gp.constraints] == [("confidence", "trust")]
    assert gp.motivators and gp.in_practice


def test_the_ladder_puts_each_agency_where_it_acts_highest_level_first(mini_snapshot):
    ladder = threshold_ladder(mini_snapshot.roles, "children")
    assert [(rung.number, rung.label, rung.roles) for rung in ladder] == [
        (4, "Child protection", ("GP",)),
        (3, "Child in need", ("School", "Police", "Children's SC")),
        (2, "Early help", ()),
        (1, "Universal", ()),
    ]


def test_constraints_cluster_as_delegates_drew_them(mini_snapshot):
    assert constraint_clusters(mini_snapshot.roles) == {
        "trust": 1,
        "fear": 0,
        "risk": 1,
        "relationships": 1,
        "processes": 1,
        "leadership": 0,
    }


def test_the_front_door_counts_what_reached_the_lead_and_what_it_needed(mini_snapshot):
    submissions = [
        submission(1, "school", 0, [fact("bruise", (CSC,))], 2, "refer"),
        submission(2, "school", 0, [fact("bruise", (CSC, "gp"))], 2, "refer"),
        submission(3, "police", 0, [fact("dv_callout", (CSC, "school"))], 2, "monitor"),
        submission(3, "police", 1, [fact("new_partner", (CSC,))], 3, "refer"),
        submission(
            1, "school", 2, [fact("rent_arrears", (CSC,)), fact("disclosure", (CSC,))], 4, "refer"
        ),
    ]
    stages = front_door(record(mini_snapshot, PEOPLE, submissions, revealed_through=2))
    assert [(s.shares, s.facts, s.expected, s.unneeded, s.expected_in_play) for s in stages] == [
        (3, 2, 2, 0, 2),  # the bruise twice and the call-out; both wanted
        (1, 1, 1, 0, 4),  # the partner's record; the GP's missed appointments never came
        (2, 2, 1, 1, 5),  # the disclosure, and rent arrears guidance did not send the lead
    ]


def test_no_front_door_before_a_reveal_or_without_the_lead(mini_snapshot):
    assert front_door(record(mini_snapshot, PEOPLE, [], revealed_through=-1)) == ()
    without_lead = mini_snapshot.model_copy(
        update={"roles": {r: v for r, v in mini_snapshot.roles.items() if r != CSC}}
    )
    assert front_door(record(without_lead, PEOPLE, [], revealed_through=2)) == ()


def test_a_legitimate_onward_share_to_the_lead_is_not_unneeded(mini_snapshot):
    # Rent arrears (stage 3) is not routed to CSC; with `onward: [CSC]` a recipient may pass it on.
    scenario = mini_snapshot.scenario
    facts = [
        f.model_copy(update={"guidance": f.guidance.model_copy(update={"onward": (CSC,)})})
        if f.id == "rent_arrears"
        else f
        for f in scenario.facts
    ]
    stages = [
        s.model_copy(update={"facts": [f for f in facts if f.id in {x.id for x in s.facts}]})
        for s in scenario.stages
    ]
    onward = mini_snapshot.model_copy(
        update={"scenario": scenario.model_copy(update={"facts": facts, "stages": stages})}
    )
    submissions = [
        submission(
            1, "school", 2, [fact("rent_arrears", (CSC,)), fact("disclosure", (CSC,))], 4, "refer"
        ),
    ]
    last = front_door(record(onward, PEOPLE, submissions, revealed_through=2))[2]
    # Hand count: both arrivals wanted now (was 1 wanted, 1 unneeded); 5 + rent arrears by then.
    assert (last.shares, last.facts, last.expected, last.unneeded, last.expected_in_play) == (
        2,
        2,
        2,
        0,
        6,
    )
