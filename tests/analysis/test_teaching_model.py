"""The teaching model's rules, each on a hand-computed mini workshop (tests/data/mini, with the guidance
of one fact changed where a rule needs it): the verdicts come from `play.verdicts` and reach the
debrief's counts, per recipient, once."""

from __future__ import annotations

import pytest

from facilitation.analysis.debrief import analyse, decision_rows
from facilitation.analysis.guidance_room import room_problems
from facilitation.analysis.teachability import check_guidance_room
from facilitation.content.models import Scenario, Snapshot
from facilitation.play.records import Participant
from tests.fixtures.debrief import CSC, fact, record, submission

SCHOOL = [Participant(id=1, role_id="school", display_name="S")]


def snapshot_with(mini_snapshot: Snapshot, mini_data: dict, fact_id: str, **guidance) -> Snapshot:
    """The mini snapshot with one fact's guidance (or the fact itself, for keys of a fact) changed."""
    for stage in mini_data["stages"]:
        for found in stage["facts"]:
            if found["id"] == fact_id:
                for key, value in guidance.items():
                    if key in ("meets_level", "label"):
                        found[key] = value
                    else:
                        found["guidance"][key] = value
    return Snapshot(scenario=Scenario.model_validate(mini_data), roles=mini_snapshot.roles)


def entry(fact_id: str, to: tuple[str, ...] = (), **fields) -> dict:
    return {**fact(fact_id, to), **fields}


def one_stage(snapshot: Snapshot, people, *subs, through: int = 0):
    return analyse(record(snapshot, people, list(subs), through))


def test_a_meets_level_fact_sets_a_floor_for_its_holder(mini_snapshot, mini_data):
    # The bruise weighs 2 (level 1 by weight); meets_level 4 makes the school's picture level 4.
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", meets_level=4)
    chose = {1: 4, 2: 2}
    people = [Participant(id=n, role_id="school", display_name=f"S{n}") for n in chose]
    subs = [
        submission(n, "school", 0, [entry("bruise", (CSC,))], level, "refer")
        for n, level in chose.items()
    ]
    j = one_stage(snap, people, *subs).stage(0).judgement("school")
    assert (j.supported, j.weighed, j.floor, j.lead) == (4, 1, 4, False)
    assert (j.above, j.below) == (
        0,
        1,
    )  # child protection is not "above"; level 2 is below the floor


def test_the_floor_travels_with_the_fact_to_the_lead(mini_snapshot, mini_data):
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", meets_level=4)
    subs = [
        submission(1, "school", 0, [entry("bruise", (CSC,), gateway="ca1989_s47")], 4, "refer"),
        submission(2, CSC, 1, [entry("bruise")], 4, "strategy_discussion"),
    ]
    people = [*SCHOOL, Participant(id=2, role_id=CSC, display_name="C")]
    a = analyse(record(snap, people, subs, 1))
    lead = a.stage(1).judgement(CSC)
    assert (lead.supported, lead.above, lead.below) == (4, 0, 0)
    assert a.stage(0).jigsaw.share(CSC).level == 4  # known once stage 0 is revealed
    assert a.act.actual == 0  # the lead acts at 3: it could act as soon as the bruise reached it


def test_other_roles_levels_are_information_not_a_verdict(mini_snapshot):
    # No meets_level: the school's weighed level is 1; a school saying 4 is not "above".
    subs = [submission(1, "school", 0, [entry("bruise", (CSC,))], 4, "refer")]
    j = one_stage(mini_snapshot, SCHOOL, *subs).stage(0).judgement("school")
    assert (j.supported, j.judged, j.above, j.below) == (1, False, 0, 0)


def test_per_recipient_basis(mini_snapshot, mini_data):
    # The call-out goes to CSC under s11 (a duty) and to the school under s49A (a duty or legal order).
    snap = snapshot_with(
        mini_snapshot,
        mini_data,
        "dv_callout",
        share_with={CSC: {"gateways": ["ca2004_s11"]}, "school": {"gateways": ["daa2021_s49a"]}},
        gateway=None,
    )
    people = [Participant(id=3, role_id="police", display_name="P")]
    decision = entry(
        "dv_callout", (CSC, "school"), reason="duty", reasons={"school": "legal_order"}
    )
    a = one_stage(snap, people, submission(3, "police", 0, [decision], 2, "refer"))
    g = next(g for g in a.guidance if g.fact_id == "dv_callout")
    assert (dict(g.as_guidance), g.other_basis, g.consent_myth, g.basis_unknown) == (
        {"school": 1, CSC: 1},
        {},
        {},
        {},
    )
    wrong = entry("dv_callout", (CSC, "school"), reason="legal_order")  # no court order for CSC
    a = one_stage(snap, people, submission(3, "police", 0, [wrong], 2, "refer"))
    g = next(g for g in a.guidance if g.fact_id == "dv_callout")
    assert dict(g.other_basis) == {CSC: 1}
    assert [
        r.basis
        for r in decision_rows(
            record(snap, people, [submission(3, "police", 0, [wrong], 2, "refer")], 0)
        )
    ] == ["other", "right"]


def test_consent_where_consent_is_not_the_basis_is_the_consent_myth(mini_snapshot):
    subs = [submission(1, "school", 0, [entry("bruise", (CSC,), reason="agreed")], 3, "refer")]
    a = one_stage(mini_snapshot, SCHOOL, *subs)
    counts = a.participant_behaviours[0].counts
    assert (counts.consent_myth, counts.wrong_basis, counts.over_shared) == (1, 1, 0)
    assert dict(next(g for g in a.guidance if g.fact_id == "bruise").consent_myth) == {CSC: 1}
    assert "on consent where consent is not the basis" in a.participant_behaviours[0].evidence


def test_not_sure_is_basis_unknown_never_over_sharing(mini_snapshot):
    subs = [submission(1, "school", 0, [entry("bruise", (CSC,), reason="not_sure")], 3, "refer")]
    counts = one_stage(mini_snapshot, SCHOOL, *subs).participant_behaviours[0]
    assert (counts.counts.basis_unknown, counts.counts.over_shared, counts.label) == (1, 0, "ideal")


def test_concern_only_against_the_route(mini_snapshot, mini_data):
    snap = snapshot_with(
        mini_snapshot,
        mini_data,
        "dv_callout",
        share_with={CSC: {}, "school": {"detail": "concern"}},
    )
    people = [Participant(id=3, role_id="police", display_name="P")]
    detail = entry("dv_callout", (CSC, "school"), gateway="ca2004_s11")
    concern = entry("dv_callout", (CSC, "school"), gateway="ca2004_s11", concern_only=("school",))
    too_much = one_stage(snap, people, submission(3, "police", 0, [detail], 2, "refer"))
    right = one_stage(snap, people, submission(3, "police", 0, [concern], 2, "refer"))
    assert dict(
        next(g for g in too_much.guidance if g.fact_id == "dv_callout").too_much_detail
    ) == {"school": 1}
    assert right.participant_behaviours[0].counts.too_much_detail == 0
    assert right.facts[1].concern_only == ("school",)


@pytest.mark.parametrize(
    ("tell_family", "told", "off"),
    [
        ("yes", False, 1),
        ("yes", True, 0),
        ("no", True, 1),
        ("no", False, 0),
        ("not_if_unsafe", True, 0),
    ],
)
def test_telling_the_family_is_judged_against_guidance(
    mini_snapshot, mini_data, tell_family, told, off
):
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", tell_family=tell_family)
    subs = [submission(1, "school", 0, [entry("bruise", (CSC,), tell_family=told)], 3, "refer")]
    assert one_stage(snap, SCHOOL, *subs).participant_behaviours[0].counts.family_off == off


def test_telling_the_family_defaults_from_consent(mini_snapshot):
    # rent arrears: consent required, so the family should be told when it is shared.
    subs = [submission(1, "school", 2, [entry("rent_arrears", ("police",))], 1, "no_action")]
    a = analyse(record(mini_snapshot, SCHOOL, subs, 2))
    assert a.fact("rent_arrears").tell_family == "yes"
    assert a.participant_behaviours[0].counts.family_off == 1


def test_an_onward_share_judged_by_onward_not_avoid(mini_snapshot, mini_data):
    # The bruise: avoid GP. CSC passing it on to the GP for a strategy discussion, with onward [gp].
    subs = [
        submission(1, "school", 0, [entry("bruise", (CSC,))], 3, "refer"),
        submission(2, CSC, 1, [entry("bruise", ("gp",), reason="duty")], 3, "strategy_discussion"),
    ]
    people = [*SCHOOL, Participant(id=2, role_id=CSC, display_name="C")]
    plain = analyse(record(mini_snapshot, people, subs, 1))
    assert (
        plain.stage(1).participants[0].counts.over_avoid == 1
    )  # avoid judges any sender by default
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", onward=["gp"])
    onward = analyse(record(snap, people, subs, 1)).stage(1).participants[0].counts
    assert (onward.over_avoid, onward.onward, onward.as_guidance) == (0, 1, 1)
    holder = [submission(1, "school", 0, [entry("bruise", ("gp",))], 3, "refer")]
    assert one_stage(snap, SCHOOL, *holder).participant_behaviours[0].counts.over_avoid == 1


def test_a_carried_decision_counts_once(mini_snapshot):
    # Stage 0: bruise to CSC. Stage 2: the same share carried, plus the police ("anyone else now?").
    subs = [
        submission(1, "school", 0, [entry("bruise", (CSC,), barriers=("consent",))], 3, "refer"),
        submission(
            1, "school", 2, [entry("bruise", (CSC, "police"), barriers=("consent",))], 3, "refer"
        ),
    ]
    a = analyse(record(mini_snapshot, SCHOOL, subs, 2))
    assert (a.counts.decisions, a.counts.shares, a.counts.carried) == (2, 2, 0)
    # Cited once per agency left out, at the stage first cited (the police and the GP then); not
    # again at stage 2, where the police are told and the GP is still left out.
    assert a.barriers.total == 2
    assert (a.barriers.counts[0].people, a.barriers.counts[0].decisions) == (1, 1)
    carried = [*subs[:1], submission(1, "school", 2, [entry("bruise", (CSC,))], 3, "refer")]
    again = analyse(record(mini_snapshot, SCHOOL, carried, 2))
    assert (again.counts.decisions, again.counts.shares, again.counts.carried) == (1, 1, 1)
    rows = list(decision_rows(record(mini_snapshot, SCHOOL, carried, 2)))
    assert [(r.stage, r.carried) for r in rows] == [(1, False), (3, True)]


def test_undecided_differs_from_keep_within_my_agency(mini_snapshot):
    kept = [submission(1, "school", 0, [entry("bruise")], 1, "monitor")]
    undecided = [submission(1, "school", 0, [], 1, "monitor")]
    k = one_stage(mini_snapshot, SCHOOL, *kept).participant_behaviours[0].counts
    u = one_stage(mini_snapshot, SCHOOL, *undecided).participant_behaviours[0].counts
    assert (k.missed, k.undecided, k.decisions) == (1, 0, 1)
    assert (u.missed, u.undecided, u.decisions) == (1, 1, 0)


def test_an_adults_capacitous_refusal_is_no_myth(mini_snapshot, mini_data):
    mini_data["audience"] = "adults"
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", consent="seek_unless_unsafe")
    subs = [
        submission(
            1,
            "school",
            0,
            [entry("bruise", barriers=("consent", "capacitous_refusal", "legal_fear"))],
            1,
            "monitor",
        )
    ]
    barriers = one_stage(snap, SCHOOL, *subs).barriers
    assert [m.barrier_id for m in barriers.myths] == ["legal_fear"]
    assert {c.barrier_id: c.myth for c in barriers.counts} == {
        "consent": False,
        "capacitous_refusal": False,
        "legal_fear": True,
    }


def test_a_contested_fact_is_a_discussion_point_never_a_myth(mini_snapshot, mini_data):
    mini_data["audience"] = "early_help"
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", consent="contested")
    subs = [submission(1, "school", 0, [entry("bruise", barriers=("consent",))], 1, "monitor")]
    barriers = one_stage(snap, SCHOOL, *subs).barriers
    assert barriers.myths == ()
    assert [(d.barrier_id, d.fact_id, d.kind) for d in barriers.discussion] == [
        ("consent", "bruise", "discussion")
    ]


def test_a_myth_gives_the_facts_real_reason(mini_snapshot):
    subs = [submission(1, "school", 0, [entry("bruise", barriers=("consent",))], 1, "monitor")]
    myth = one_stage(mini_snapshot, SCHOOL, *subs).barriers.myths[0]
    assert myth.why == mini_snapshot.scenario.fact("bruise").guidance.why
    assert "applies" not in myth.why


def test_a_myth_named_by_the_fact_overrides_the_default(mini_snapshot, mini_data):
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", myths=["relationship"])
    subs = [
        submission(
            1, "school", 0, [entry("bruise", barriers=("consent", "relationship"))], 1, "monitor"
        )
    ]
    assert [m.barrier_id for m in one_stage(snap, SCHOOL, *subs).barriers.myths] == ["relationship"]


def test_shared_but_not_acted_on(mini_snapshot):
    subs = [
        submission(1, "school", 0, [entry("bruise", (CSC,))], 3, "refer"),
        submission(2, CSC, 1, [entry("bruise")], 1, "no_action"),
    ]
    people = [*SCHOOL, Participant(id=2, role_id=CSC, display_name="C")]
    found = analyse(record(mini_snapshot, people, subs, 1)).not_acted_on
    assert [(n.fact_id, n.role_id, n.received_stage, n.stage_index) for n in found] == [
        ("bruise", CSC, 0, 1)
    ]


@pytest.mark.parametrize(
    "scenario_id", ["riverside-family", "millbrook-young-carer", "hawthorn-court"]
)
def test_the_guidance_following_room_is_clean_on_every_shipped_scenario(scenario_id):
    from facilitation.content import load_snapshot

    assert room_problems(load_snapshot(scenario_id)) == []


def test_every_shipped_scenario_has_a_clean_guidance_room():
    from facilitation.content import default_scenarios_dir, load_snapshot

    for path in sorted(default_scenarios_dir().glob("*.yaml")):
        assert room_problems(load_snapshot(str(path))) == [], path.name


def test_a_scenario_that_contradicts_itself_fails_the_lint_naming_the_fact(
    mini_snapshot, mini_data
):
    snap = snapshot_with(mini_snapshot, mini_data, "bruise", reasons=["not_sure"])
    found = check_guidance_room(snap)
    assert found and all(w.path == "stages[first].facts[bruise]" for w in found)
    assert (
        "fact 'bruise' goes to childrens_social_care with no reason guidance accepts"
        in found[0].message
    )


def test_a_gateway_the_sharing_agency_does_not_hold_is_named(mini_snapshot):
    from facilitation.analysis.teachability import check_gateway_holders

    assert check_gateway_holders(mini_snapshot) == []  # no role says what kind of agency it is
    roles = dict(mini_snapshot.roles)
    roles["school"] = roles["school"].model_copy(update={"agency": "school"})
    found = check_gateway_holders(Snapshot(scenario=mini_snapshot.scenario, roles=roles))
    # The school cites s47 (the local authority's) for the bruise and the disclosure.
    assert [w.path for w in found] == [
        "stages[first].facts[bruise].guidance",
        "stages[third].facts[disclosure].guidance",
    ]
    assert "which school does not hold" in found[0].message
