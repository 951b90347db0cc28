"""The debrief analysis on the hand-made workshops of tests/fixtures/debrief.py.

Every expected figure below was worked out by hand from the table in that module's docstring and the
weights in tests/data/mini (school: bruise 2, disclosure 4, rent_arrears 0; police: dv_callout 3,
new_partner 2; gp: missed_appts 1; levels {2: 3, 3: 6, 4: 10}; CSC, the lead, acts at 3).
"""

from __future__ import annotations

import pytest

from facilitation.analysis.debrief import (
    HIGH_RATE,
    PRIVACY_MIN,
    SharingCounts,
    Split,
    _classify,
    analyse,
    decision_rows,
    last_stage,
)
from facilitation.play.records import Participant
from tests.fixtures.debrief import CSC, PEOPLE, fact, record, submission

# ------------------------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("revealed", "through", "last"),
    [(2, None, 2), (1, None, 1), (1, 2, 2), (-1, None, -1), (2, 9, 2), (2, -5, -1)],
)
def test_last_stage_defaults_to_the_revealed_ones(played, revealed, through, last):
    assert last_stage(played.model_copy(update={"revealed_through": revealed}), through) == last


def test_counts(played):
    c = analyse(played).counts
    assert (c.roles_in_play, c.roles_played, c.participants, c.active, c.left, c.simulated) == (
        4,
        3,
        5,
        4,
        1,
        0,
    )
    # Decisions carry forward: School 1's and 2's bruise and Police 1's call-out at stage 2 repeat what
    # they decided at stage 0 (carried, not counted again). Barriers, once per agency left out (of the
    # four in play, the citer's own and those sent the fact aside): School 2's consent on the bruise
    # (police, CSC, GP: 3), Police 2's legal_fear (school, GP: 2), School 2's relationship on the
    # disclosure (police, GP: 2), Police 1's investigation on the new partner (school, CSC, GP: 3).
    assert (
        c.stages_analysed,
        c.submissions,
        c.decisions,
        c.shares,
        c.barriers_cited,
        c.notes,
        c.carried,
    ) == (3, 9, 13, 10, 10, 1, 3)


def test_participants_are_labelled_without_names_active_first(played):
    people = analyse(played).participants
    assert [(p.id, p.label, p.active, p.submissions) for p in people] == [
        (1, "School 1", True, 2),
        (2, "School 2", True, 2),
        (3, "Police 1", True, 2),
        (4, "Police 2", False, 1),
        (5, "Children's SC 1", True, 2),
    ]


def test_roles_keep_their_colour_and_the_unplayed_one_is_marked(played):
    roles = {r.id: r for r in analyse(played).roles}
    assert roles["school"].colour == "#0072b2" and roles[CSC].lead
    assert (roles["gp"].played, roles["gp"].participants) == (False, 0)
    assert (roles["police"].participants, roles["police"].active) == (2, 1)


def test_what_happened_waits_for_the_last_stage(played):
    assert analyse(played).what_happened.startswith("The new partner")
    assert analyse(played, through=1).what_happened is None


# ------------------------------------------------------------------------------------------ jigsaw


@pytest.mark.parametrize(
    ("stage", "shares", "whole"),
    [
        (0, {"school": (5, 2, 2), "police": (3, 1, 2), CSC: (5, 2, 2), "gp": (0, 0, 1)}, (5, 2, 2)),
        (1, {"school": (5, 2, 2), "police": (5, 2, 2), CSC: (5, 2, 2), "gp": (1, 1, 1)}, (8, 4, 3)),
        (
            2,
            {"school": (9, 4, 3), "police": (11, 5, 4), CSC: (9, 3, 3), "gp": (4, 2, 2)},
            (12, 6, 4),
        ),
    ],
)
def test_each_role_share_of_the_whole_picture(played, stage, shares, whole):
    jigsaw = analyse(played).stage(stage).jigsaw
    assert {s.role_id: (s.weight, s.count, s.level) for s in jigsaw.shares} == shares
    assert (jigsaw.whole.weight, jigsaw.whole.count, jigsaw.whole.level) == whole


def test_share_fractions(played):
    lead = analyse(played).jigsaw.lead
    assert (lead.weight_share, lead.count_share) == (0.75, 0.5)


@pytest.mark.parametrize(
    ("role", "fact_id", "state", "receipts"),
    [
        ("school", "bruise", "own", []),
        ("school", "dv_callout", "received", [("police", 0)]),
        ("police", "bruise", "received", [(CSC, 2)]),
        ("gp", "dv_callout", "received", [("school", 2)]),
        ("gp", "missed_appts", "own", []),
        (CSC, "new_partner", "unknown", []),
    ],
)
def test_jigsaw_cells(played, role, fact_id, state, receipts):
    cell = analyse(played).jigsaw.cell(role, fact_id)
    assert (cell.state, [(r.from_role, r.stage_index) for r in cell.received]) == (state, receipts)


def test_jigsaw_grows_with_the_stages_and_names_what_the_lead_lacks(played):
    debrief = analyse(played)
    assert debrief.stage(0).jigsaw.fact_ids == ("bruise", "dv_callout")
    assert len(list(debrief.jigsaw.cells)) == 4 * 6
    assert [debrief.stage(s).jigsaw.lead_missing for s in range(3)] == [
        (),
        ("missed_appts", "new_partner"),
        ("missed_appts", "new_partner"),  # rent arrears go to nobody: no gap in the lead's picture
    ]


def test_a_myth_is_counted_only_where_the_holder_cites_it(mini_snapshot):
    """Housing-style case: a role that should never have had the fact keeps it, citing legal fear. It is
    counted as a barrier, but it believed no myth: only the holder's citation is a myth to bust."""
    submissions = [
        submission(1, "school", 0, [fact("bruise", (), barriers=("legal_fear",))], 3, "monitor"),
        submission(2, "school", 0, [fact("bruise", ("police",))], 3, "refer"),
        submission(3, "police", 1, [fact("bruise", (), barriers=("legal_fear",))], 3, "monitor"),
    ]
    barriers = analyse(record(mini_snapshot, PEOPLE, submissions, revealed_through=1)).barriers
    (legal_fear,) = [count for count in barriers.counts if count.barrier_id == "legal_fear"]
    # Once per agency left out: each of the two left out the three other agencies in play.
    assert dict(legal_fear.by_role) == {"school": 3, "police": 3}
    assert (legal_fear.people, legal_fear.decisions) == (2, 2)
    myths = [m for m in barriers.myths if m.barrier_id == "legal_fear" and m.fact_id == "bruise"]
    assert [(dict(m.by_role), m.decisions) for m in myths] == [({"school": 3}, 1)]


# ------------------------------------------------------------------------------------------ acting


def test_the_lead_could_have_acted_a_stage_sooner(played):
    act = analyse(played).act
    assert (act.actual, act.possible, act.delay, act.status) == (2, 1, 1, "late")
    assert [(f.fact_id, f.due_stage, f.arrived_stage) for f in act.late_facts] == [
        ("missed_appts", 1, None),
        ("new_partner", 1, None),
    ]


@pytest.mark.parametrize(
    ("through", "status", "actual"), [(0, "not_yet", None), (1, "missed", None)]
)
def test_acting_before_the_end(played, through, status, actual):
    act = analyse(played, through=through).act
    assert (act.status, act.actual, act.possible, act.delay) == (status, actual, 1, None)


# ------------------------------------------------------------------------------------------- flows


def test_flows_for_the_whole_workshop(played):
    flows = analyse(played).flows
    assert {(f.sender, f.recipient): (f.shares, f.fact_ids) for f in flows.flows} == {
        ("school", "police"): (2, ("disclosure", "rent_arrears")),
        ("school", CSC): (3, ("bruise", "disclosure")),
        ("school", "gp"): (1, ("dv_callout",)),
        ("police", "school"): (1, ("dv_callout",)),
        ("police", CSC): (2, ("dv_callout",)),
        (CSC, "police"): (1, ("bruise",)),
    }
    assert flows.shares == 10 and flows.between("gp", CSC).shares == 0


@pytest.mark.parametrize(
    ("stage", "pairs"),
    [
        (0, {("school", CSC): 1, ("police", "school"): 1, ("police", CSC): 2}),
        (1, {}),
        (2, {("school", "police"): 2, ("school", CSC): 2, ("school", "gp"): 1, (CSC, "police"): 1}),
    ],
)
def test_flows_by_stage(played, stage, pairs):
    assert {
        (f.sender, f.recipient): f.shares for f in analyse(played).stage(stage).flows.flows
    } == pairs


# --------------------------------------------------------------------------------------- judgement


@pytest.mark.parametrize(
    ("stage", "role", "levels", "mode", "supported", "above", "actions", "confidence"),
    [
        # Only the lead's levels get a verdict (no meets_level in the mini scenario): the others' "above"
        # is information, not counted.
        (0, "school", (1, 2), (1, 2), 1, 0, {"monitor": 1, "refer": 1}, 3.0),  # a tie
        (0, "police", (2, 3), (2, 3), 2, 0, {"refer": 1, "strategy_discussion": 1}, 4.0),
        (0, CSC, (1,), (1,), 1, 0, {"no_action": 1}, 3.0),
        (0, "gp", (), (), 1, 0, {}, None),  # nobody played it
        (1, "school", (), (), 2, 0, {}, None),  # the empty stage
        (2, "school", (3, 4), (3, 4), 3, 0, {"refer": 1, "strategy_discussion": 1}, 4.0),
        (2, "police", (3,), (3,), 2, 0, {"monitor": 1}, 4.0),
        (2, CSC, (3,), (3,), 2, 1, {"strategy_discussion": 1}, 4.0),
    ],
)
def test_judgement_spread(played, stage, role, levels, mode, supported, above, actions, confidence):
    j = analyse(played).stage(stage).judgement(role)
    assert (
        j.levels,
        j.mode,
        j.supported,
        j.above,
        j.below,
        dict(j.actions),
        j.confidence_mean,
    ) == (levels, mode, supported, above, 0, actions, confidence)


def test_judgement_counts_per_level_and_spread(played):
    j = analyse(played).stage(2).judgement("school")
    assert (dict(j.level_counts), j.low, j.high, j.spread, j.supported_weight) == (
        {1: 0, 2: 0, 3: 1, 4: 1},
        3,
        4,
        1,
        9,
    )


# ---------------------------------------------------------------------------------------- guidance


@pytest.mark.parametrize(
    ("label", "counts", "behaviour"),
    [
        # decisions, expected, missed, shared, as guidance, to avoid, beyond, onward, basis unknown,
        # consent myth, other basis, too much detail, family off, undecided. Carried decisions count
        # once; "no gateway" is "basis unknown", never over-sharing; rent arrears (consent required)
        # wants the family told where it is shared (School 1 shared it; School 2 kept it).
        (
            "School 1",
            (4, 3, 0, 4, 3, 1, 0, 0, 1, 0, 0, 0, 1, 0),
            "over-open",
        ),  # over-sharing 1/4: exactly at the threshold
        ("School 2", (4, 3, 2, 2, 1, 0, 1, 0, 2, 0, 0, 0, 0, 0), "over-cautious"),
        ("Police 1", (2, 3, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0), "over-cautious"),
        # left, but what they shared counts
        ("Police 2", (1, 2, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0), "over-cautious"),
        ("Children's SC 1", (2, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), "ideal"),
    ],
)
def test_participant_behaviours(played, label, counts, behaviour):
    found = next(b for b in analyse(played).participant_behaviours if b.subject == label)
    assert (tuple(found.counts), found.label) == (counts, behaviour)


@pytest.mark.parametrize(
    ("role", "counts", "split", "behaviour"),
    [
        # split: the bruise at stage 2 is carried by both, so no longer a choice they faced again
        ("school", (8, 6, 2, 6, 4, 1, 1, 0, 3, 0, 0, 0, 1, 0), (5, 3), "chaotic"),
        ("police", (3, 5, 2, 3, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0), (2, 1), "chaotic"),
        (CSC, (2, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), (0, 0), "ideal"),
        ("gp", (0,) * 14, (0, 0), "unclassified"),
    ],
)
def test_role_behaviours(played, role, counts, split, behaviour):
    found = analyse(played).role_behaviour(role)
    assert (tuple(found.counts), tuple(found.split), found.label) == (counts, split, behaviour)


@pytest.mark.parametrize(
    ("stage", "labels"),
    [
        (0, {"school": "chaotic", "police": "chaotic", CSC: "unclassified", "gp": "unclassified"}),
        (
            1,
            {
                "school": "unclassified",
                "police": "unclassified",
                CSC: "unclassified",
                "gp": "unclassified",
            },
        ),
        (2, {"school": "chaotic", "police": "over-cautious", CSC: "ideal", "gp": "unclassified"}),
    ],
)
def test_role_behaviours_by_stage(played, stage, labels):
    assert {b.role_id: b.label for b in analyse(played).stage(stage).roles} == labels


def test_evidence_states_the_counts(played):
    found = next(b for b in analyse(played).participant_behaviours if b.subject == "School 2")
    assert found.evidence == ("missed 2 of 3 expected shares (67%); over-shared 0 of 2 shares (0%)")
    first = next(b for b in analyse(played).participant_behaviours if b.subject == "School 1")
    assert first.counts.basis_unknown == 1  # rent arrears with no basis given: a learning point


@pytest.mark.parametrize(
    ("counts", "split", "label"),
    [
        (SharingCounts(), None, "unclassified"),
        (SharingCounts(expected=4, missed=1), None, "over-cautious"),  # 25%: high
        (SharingCounts(expected=5, missed=1), None, "ideal"),  # 20%
        (SharingCounts(shared=4, over_avoid=1), None, "over-open"),
        (SharingCounts(expected=4, missed=1, shared=4, over_avoid=1), None, "chaotic"),
        (SharingCounts(expected=5, missed=0, shared=5), Split(3, 1), "chaotic"),  # split on a third
        (SharingCounts(expected=5, missed=0, shared=5), Split(4, 1), "ideal"),
    ],
)
def test_the_classification_rule(counts, split, label):
    assert _classify(counts, split) == label
    assert HIGH_RATE == 0.25


@pytest.mark.parametrize(
    ("fact_id", "decisions", "as_guidance", "missed", "over", "beyond", "verdict"),
    [
        # Carried decisions (the bruise and call-out at stage 2 of those who decided them at stage 0)
        # count once; a share with no basis given is "basis unknown", not over-sharing.
        ("bruise", 3, {CSC: 1}, {CSC: 1}, {}, {"police": 1}, "partly missed"),
        ("dv_callout", 5, {"school": 1, CSC: 2}, {"school": 1}, {}, {"gp": 1}, "partly missed"),
        ("missed_appts", 0, {}, {}, {}, {}, "not decided"),
        ("new_partner", 1, {}, {CSC: 1}, {}, {}, "missed"),
        ("disclosure", 2, {"police": 1, CSC: 2}, {"police": 1}, {}, {}, "partly missed"),
        ("rent_arrears", 2, {}, {}, {"police": 1}, {}, "over-shared"),
    ],
)
def test_guidance_for_each_fact(
    played, fact_id, decisions, as_guidance, missed, over, beyond, verdict
):
    g = next(g for g in analyse(played).guidance if g.fact_id == fact_id)
    assert (
        g.decisions,
        dict(g.as_guidance),
        dict(g.missed),
        dict(g.over_shared),
        dict(g.beyond),
        g.verdict,
    ) == (decisions, as_guidance, missed, over, beyond, verdict)


def test_guidance_at_one_stage_lists_only_what_was_decided(played):
    assert [g.fact_id for g in analyse(played).stage(0).guidance] == ["bruise", "dv_callout"]
    assert analyse(played).stage(1).guidance == ()


def test_a_fact_its_holder_already_sent_is_not_expected_again(mini_snapshot):
    shared_then_quiet = [
        submission(1, "school", 0, [fact("bruise", (CSC,), "ca1989_s47")], 2, "refer"),
        submission(1, "school", 1, [fact("bruise")], 2, "refer"),
    ]
    counts = (
        analyse(record(mini_snapshot, PEOPLE[:1], shared_then_quiet, 1))
        .participant_behaviours[0]
        .counts
    )
    assert (counts.expected, counts.missed) == (1, 0)


# ---------------------------------------------------------------------------------------- barriers


def test_barriers_counted_by_role_and_fact(played):
    barriers = analyse(played).barriers
    # Once per (participant, fact, agency left out): see `test_counts` for each one worked out.
    assert barriers.total == 10
    assert [(c.barrier_id, dict(c.by_role), dict(c.by_fact), c.myth) for c in barriers.counts] == [
        ("consent", {"school": 3}, {"bruise": 3}, True),
        ("investigation", {"police": 3}, {"new_partner": 3}, False),
        ("legal_fear", {"police": 2}, {"dv_callout": 2}, True),
        ("relationship", {"school": 2}, {"disclosure": 2}, False),
    ]
    assert [(c.people, c.decisions) for c in barriers.counts] == [(1, 1)] * 4
    assert barriers.counts[0].counted == "1 person, 1 decision, 3 agencies left out"
    assert barriers.counts[0].sentence == "I'd need the family's consent first."


def test_myths_name_the_gateway_that_applies(played):
    myths = analyse(played).barriers.myths
    assert [(m.barrier_id, m.fact_id, m.gateway_label) for m in myths] == [
        ("consent", "bruise", "Children Act 1989 s47"),
        ("legal_fear", "dv_callout", "Children Act 2004 s11"),
    ]


def test_consent_is_no_myth_where_guidance_asks_for_it(mini_snapshot):
    subs = [
        submission(1, "school", 2, [fact("rent_arrears", barriers=("consent",))], 1, "no_action")
    ]
    barriers = analyse(record(mini_snapshot, PEOPLE[:1], subs)).barriers
    assert barriers.total == 3 and barriers.myths == ()  # police, CSC and the GP left out


def test_cited_barriers_link_to_the_role_cards(played):
    links = analyse(played).barriers.constraints
    assert [(link.role_id, link.constraint_id, link.barrier_id, link.count) for link in links] == [
        ("school", "held_back", "relationship", 2),
        ("police", "held_back", "investigation", 3),
    ]


@pytest.mark.parametrize(("stage", "total"), [(0, 3 + 2), (1, 0), (2, 2 + 3)])
def test_barriers_by_stage(played, stage, total):
    assert analyse(played).stage(stage).barriers.total == total


# ----------------------------------------------------------------------------------------- prompts


def test_prompts_start_with_the_scenario_then_the_largest_divergences(played):
    prompts = analyse(played).stage(0).prompts
    assert [p.kind for p in prompts] == ["scenario", "split", "split"]
    # Two people play the school: the room is not told which agency split (fewer than PRIVACY_MIN).
    assert prompts[1].text == (
        "Within one agency, some shared \u201cSam has finger-tip bruising on the upper arm "
        "and says he fell\u201d with Children's SC and some did not. What made the difference?"
    )


def test_prompts_name_a_role_only_where_three_play_it(mini_snapshot):
    people = [Participant(id=n, role_id="school", display_name=f"S{n}") for n in (1, 2, 3)]
    submissions = [
        submission(1, "school", 0, [fact("bruise", (CSC,), "ca1989_s47")], 2, "refer"),
        submission(2, "school", 0, [fact("bruise")], 1, "monitor"),
        submission(3, "school", 0, [fact("bruise")], 1, "monitor"),
    ]
    prompts = analyse(record(mini_snapshot, people, submissions, 0)).stage(0).prompts
    assert PRIVACY_MIN == 3
    assert prompts[1].text.startswith(
        "1 of 3 School participants shared \u201cSam has finger-tip bruising"
    )


def test_prompts_contrast_one_role_with_another(played):
    prompts = analyse(played).stage(2).prompts
    assert [(p.kind, p.score) for p in prompts] == [
        ("split", 1.0),
        ("contrast", 1.0),
        ("over_shared", 0.5),
    ]
    assert prompts[1].text == (
        "One agency shared \u201cSam says he is scared of his mum's boyfriend\u201d with "
        "Children's SC; another did not share \u201cMother's new partner has a conviction "
        "for assault\u201d. Why?"
    )


def test_whole_workshop_prompts(played):
    prompts = analyse(played).prompts
    assert [(p.kind, p.stage_index) for p in prompts] == [
        ("scenario", 0),
        ("split", 0),
        ("split", 0),
        ("split", 2),
        ("contrast", 2),
        ("over_shared", 2),
    ]


# ------------------------------------------------------------------------------------------- notes


def test_only_shareable_notes_are_quoted_by_role(played):
    notes = analyse(played).notes
    assert [(n.stage_index, n.role_id) for n in notes] == [(0, "school")]
    assert "Alice" not in repr(analyse(played)) and "private" not in repr(analyse(played))


# -------------------------------------------------------------------------------------- edge cases


def test_an_empty_stage(played):
    view = analyse(played).stage(1)
    assert (view.empty, view.submissions, view.flows.flows, view.prompts, view.notes) == (
        True,
        0,
        (),
        (),
        (),
    )
    assert dict(view.submitted_by_role) == {"school": 0, "police": 0, CSC: 0, "gp": 0}


def test_nothing_revealed_yet(empty_workshop):
    debrief = analyse(empty_workshop)
    assert (debrief.through, debrief.stages, debrief.jigsaw, debrief.flows.flows) == (
        -1,
        (),
        None,
        (),
    )
    assert (debrief.act.status, debrief.counts.submissions, debrief.counts.participants) == (
        "not_yet",
        0,
        2,
    )
    with pytest.raises(IndexError):
        debrief.stage(0)


def test_unrevealed_stages_are_left_out_unless_asked(played):
    partial = played.model_copy(update={"revealed_through": 1})
    assert analyse(partial).counts.submissions == 5
    assert analyse(partial, through=2).counts.submissions == 9


def test_a_submission_from_someone_not_on_the_roster_counts_as_left(mini_snapshot):
    subs = [submission(9, "police", 0, [fact("dv_callout", (CSC,), "ca2004_s11")], 2, "refer")]
    people = analyse(record(mini_snapshot, [], subs, 0)).participants
    assert [(p.id, p.label, p.active) for p in people] == [(9, "Police 1", False)]


def test_without_the_lead_in_play(mini_snapshot, played):
    roles = {k: v for k, v in mini_snapshot.roles.items() if k != CSC}
    scenario = mini_snapshot.scenario.model_copy(update={"roles": ("school", "police", "gp")})
    snapshot = mini_snapshot.model_copy(update={"roles": roles, "scenario": scenario})
    subs = [s for s in played.submissions if s.role_id != CSC]
    debrief = analyse(record(snapshot, PEOPLE[:4], subs))
    assert (debrief.act.status, debrief.jigsaw.lead) == ("no_lead", None)
    assert (
        debrief.flows.between("school", CSC).shares == 0
    )  # shares to a role not in play are not counted


# ------------------------------------------------------------------------------------- raw decisions


def test_decision_rows_one_per_recipient_or_none(played):
    rows = list(decision_rows(played))
    assert len(rows) == 16 + 2 + 1  # 16 decisions, two shared with two roles; one empty submission
    first = rows[0]
    assert (first.stage, first.participant, first.fact, first.recipient, first.outcome) == (
        1,
        "School 1",
        "bruise",
        CSC,
        "as_guidance",
    )
    quiet = next(r for r in rows if r.participant == "School 2" and r.stage == 1)
    assert (quiet.recipient, quiet.missed, quiet.barriers) == ("", CSC, "consent")
