"""The engine's behaviour on the mini scenario: lifecycle, seats, submissions and what each screen sees."""

from __future__ import annotations

import pytest

from facilitation.content.models import NAME_MAX_CHARS
from facilitation.engine.workshops import (
    CODE_ALPHABET,
    Workshops,
    clean_name,
    normalise_code,
    pseudonym,
)
from facilitation.errors import InvalidDecision, NotAllowed, NotFound, WrongPhase
from facilitation.play.picture import act_stages
from tests.fixtures.engine import counts, decision, dump

CSC = "childrens_social_care"


# ------------------------------------------------------------------------------ creating, finding


def test_create_hands_back_a_code_and_two_keys(room):
    assert len(room.code) == 6 and set(room.code) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert len(room.key) >= 43 and len(room.projector_key) >= 43 and room.key != room.projector_key
    status = room.engine.status(room.code)
    assert (status.phase, status.stage_index, status.stage_count, status.title) == (
        "lobby",
        -1,
        3,
        "The Test family",
    )
    assert status.created_at == "2026-01-01T00:00:00+00:00"


def test_codes_are_unique(engine, mini_snapshot):
    codes = {engine.create(mini_snapshot).code for _ in range(100)}
    assert len(codes) == 100


@pytest.mark.parametrize(
    "typed", ["{code}", "{lower}", " {code} ", "{a}-{b}", "{a} {b}", "{lower_a}-{b}"]
)
def test_codes_match_case_insensitively_ignoring_spaces_and_dashes(room, typed):
    code = room.code
    typed = typed.format(
        code=code, lower=code.lower(), a=code[:3], b=code[3:], lower_a=code[:3].lower()
    )
    assert room.engine.status(typed).code == code
    assert room.engine.versions(typed) == room.engine.versions(code)
    assert room.engine.join(typed).code == code


def test_unknown_code(engine):
    with pytest.raises(NotFound, match="No workshop has the code"):
        engine.status("ZZZZZZ")
    with pytest.raises(NotFound):
        engine.versions("ZZZZZZ")


def test_check_facilitator(room):
    assert room.engine.check_facilitator(room.code, room.key).code == room.code
    with pytest.raises(NotAllowed):
        room.engine.check_facilitator(room.code, room.projector_key)


def test_operator_passcode(store, mini_snapshot):
    engine = Workshops(store, passcode="s3cret-pass")
    assert engine.create(mini_snapshot, passcode="s3cret-pass").code
    for wrong in (None, "", "s3cret-pas", "S3CRET-PASS", "s3cret-pass "):
        with pytest.raises(NotAllowed, match="passcode"):
            engine.create(mini_snapshot, passcode=wrong)
    assert counts(store)["workshops"] == 1


def test_list_workshops_newest_first(engine, mini_snapshot, clock):
    first = engine.create(mini_snapshot).code
    clock.advance(60)
    second = engine.create(mini_snapshot).code
    assert [status.code for status in engine.list_workshops()] == [second, first]


# ------------------------------------------------------------------------------ lifecycle


def test_the_whole_lifecycle(room):
    steps = [
        ("open_stage", "open", 0),
        ("lock_stage", "locked", 0),
        ("reopen_stage", "open", 0),
        ("reveal_stage", "revealed", 0),
        ("next_stage", "open", 1),
        ("lock_stage", "locked", 1),
        ("reveal_stage", "revealed", 1),
        ("next_stage", "open", 2),
        ("reveal_stage", "revealed", 2),
        ("start_debrief", "debrief", 2),
        ("close_workshop", "closed", 2),
    ]
    for step, phase, stage in steps:
        status = room.go(step)
        assert (step, status.phase, status.stage_index) == (step, phase, stage)


def test_next_stage_after_the_last_goes_to_debrief(room):
    room.go(
        "open_stage", "reveal_stage", "next_stage", "reveal_stage", "next_stage", "reveal_stage"
    )
    assert room.go("next_stage").phase == "debrief"


@pytest.mark.parametrize(
    ("before", "step"),
    [
        ((), "lock_stage"),
        ((), "reopen_stage"),
        ((), "reveal_stage"),
        ((), "next_stage"),
        ((), "start_debrief"),
        (("open_stage",), "open_stage"),
        (("open_stage",), "reopen_stage"),
        (("open_stage",), "next_stage"),
        (("open_stage", "lock_stage"), "lock_stage"),
        (("open_stage", "reveal_stage"), "reopen_stage"),
        (("open_stage", "reveal_stage"), "lock_stage"),
        (("open_stage", "reveal_stage"), "reveal_stage"),
        (("open_stage", "reveal_stage"), "start_debrief"),
        (("close_workshop",), "open_stage"),
    ],
)
def test_impossible_transitions_are_refused_and_change_nothing(room, before, step):
    room.go(*before)
    was = dump(room.engine.store)
    with pytest.raises(WrongPhase):
        room.go(step)
    assert dump(room.engine.store) == was


def test_closing_twice_is_harmless(room):
    room.go("close_workshop")
    versions = room.engine.versions(room.code)
    assert room.go("close_workshop").phase == "closed"
    assert room.engine.versions(room.code) == versions


def test_versions_phase_moves_on_transitions_any_on_everything(room):
    v0 = room.engine.versions(room.code)
    room.join()
    v1 = room.engine.versions(room.code)
    assert (v1.phase, v1.any) == (v0.phase, v0.any + 1)
    room.go("open_stage")
    v2 = room.engine.versions(room.code)
    assert v2.phase > v1.phase and v2.any > v1.any
    seat = room.join("school")
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}))
    v3 = room.engine.versions(room.code)
    assert v3.phase == v2.phase and v3.any > v2.any


def test_countdown_is_advisory_and_cleared_when_the_stage_moves(room, clock):
    room.go("open_stage")
    status = room.engine.set_countdown(room.code, room.key, 120)
    assert status.countdown_ends_at == clock.now + 120 and status.phase == "open"
    assert room.engine.set_countdown(room.code, room.key, None).countdown_ends_at is None
    room.engine.set_countdown(room.code, room.key, 60)
    assert room.go("lock_stage").countdown_ends_at is None
    with pytest.raises(ValueError):
        room.engine.set_countdown(room.code, room.key, 0)


# ------------------------------------------------------------------------------ seats


def test_join_without_a_name_gets_a_pseudonym(room):
    names = [room.join().display_name for _ in range(3)]
    assert names == ["Amber Badger", "Blue Heron", "Coral Otter"]


def test_pseudonyms_are_unique_for_many_seats():
    names = [pseudonym(n) for n in range(1, 400)]
    assert len(set(names)) == len(names)


def test_auto_roles_balance_ties_in_scenario_order(room):
    roles = [room.join().role_id for _ in range(6)]
    assert roles == ["school", "police", CSC, "gp", "school", "police"]


def test_auto_roles_fill_the_emptiest(room):
    for _ in range(3):
        room.join("school")
    room.join("police")
    assert [room.join().role_id for _ in range(4)] == [CSC, "gp", "police", CSC]


def test_join_a_chosen_role(room):
    assert room.join("gp", "Dr Who").role_id == "gp"
    with pytest.raises(NotFound, match="roles in play are school, police"):
        room.join("housing")


def test_join_options_count_active_seats_by_role_in_scenario_order(room):
    room.join("school")
    room.join("school")
    leaving = room.join("gp")
    room.engine.remove_participant(room.code, room.key, leaving.participant_id)
    roles, counts = room.engine.join_options(room.code.lower())
    assert list(roles) == ["school", "police", CSC, "gp"]
    assert counts == {"school": 2, "police": 0, CSC: 0, "gp": 0}


def test_join_options_for_an_unknown_code(room):
    with pytest.raises(NotFound):
        room.engine.join_options("ZZZZZZ")


def test_no_joining_a_closed_workshop(room):
    room.go("close_workshop")
    with pytest.raises(WrongPhase, match="closed"):
        room.join()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Ada   Lovelace ", "Ada Lovelace"),
        ("Ada\tLove\nlace", "Ada Love lace"),
        ("Ada\x00\x07\u202eLovelace\u200b", "AdaLovelace"),
        ("x" * 200, "x" * NAME_MAX_CHARS),
        (
            "<b>Bold</b> & <script>alert(1)</script>",
            "<b>Bold</b> & <script>alert(1)</script>"[:NAME_MAX_CHARS],
        ),
        ("**Markdown** _name_ [link](http://x)", "**Markdown** _name_ [link](http://x)"),
        ("Zoë Ñúñez", "Zoë Ñúñez"),
    ],
)
def test_names_are_cleaned_and_stored_literally(room, typed, stored):
    seat = room.join(name=typed)
    assert seat.display_name == stored == clean_name(typed)
    assert room.engine.seat(seat.token).display_name == stored


@pytest.mark.parametrize("blank", [None, "", "   ", "\u200b\x00"])
def test_blank_names_get_a_pseudonym(room, blank):
    assert room.join(name=blank).display_name == "Amber Badger"


def test_seat_from_token(room):
    seat = room.join("police", "Pat")
    assert room.engine.seat(seat.token) == seat


def test_normalise_code():
    assert normalise_code(" ab-c d_ef ") == "ABCDEF"


# ------------------------------------------------------------------------------ submitting


def test_submit_and_resubmit_replaces(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}, note="first"))
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC, "police"]}, note="second"))
    view = room.engine.participant_view(seat.token)
    assert view.decision.note == "second" and view.decision.for_fact("bruise").share_with == (
        CSC,
        "police",
    )
    assert counts(room.engine.store)["submissions"] == 1


def test_submit_accepts_a_mapping(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.submit(
        seat.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": [CSC]}],
            "level": 3,
            "action": "refer",
            "confidence": 4,
        },
    )
    assert room.engine.participant_view(seat.token).decision.level == 3


def test_full_decision_with_gateway_barriers_and_family(room):
    seat = room.join("school")
    room.go("open_stage")
    entry = {
        "fact_id": "bruise",
        "share_with": [CSC],
        "gateway": "ca1989_s47",
        "tell_family": True,
        "barriers": ["relationship", "consent"],
    }
    room.engine.submit(
        seat.token,
        0,
        decision(facts=[entry], level=3, action="refer", note="n", note_shareable=True),
    )
    saved = room.engine.participant_view(seat.token).decision.for_fact("bruise")
    assert (saved.gateway, saved.tell_family, saved.barriers) == (
        "ca1989_s47",
        True,
        ("relationship", "consent"),
    )


def test_missing_fact_entries_mean_not_shared(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision())
    assert room.engine.participant_view(seat.token).decision.facts == ()


def test_draft_survives_a_refresh_and_is_per_stage(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.save_draft(
        seat.token, 0, {"bruise": ["childrens_social_care"], "note": "half-written"}
    )
    assert room.engine.participant_view(seat.token).draft == {
        "bruise": ["childrens_social_care"],
        "note": "half-written",
    }
    room.go("reveal_stage", "next_stage")
    assert room.engine.participant_view(seat.token).draft is None


@pytest.mark.parametrize("bad", [{"x": object()}, {"big": "x" * 70_000}, ["not", "a", "mapping"]])
def test_bad_drafts_are_refused(room, bad):
    seat = room.join("school")
    room.go("open_stage")
    with pytest.raises(InvalidDecision):
        room.engine.save_draft(seat.token, 0, bad)


def test_no_draft_for_a_stage_that_is_not_open(room):
    seat = room.join("school")
    with pytest.raises(WrongPhase):
        room.engine.save_draft(seat.token, 0, {})


# ------------------------------------------------------------------------------ what each screen sees


def test_participant_view_in_the_lobby(room):
    seat = room.join("school", "Sam")
    view = room.engine.participant_view(seat.token)
    assert view.seat == seat and view.status.phase == "lobby"
    assert (view.picture, view.stages, view.fact_texts, view.decision, view.revealed) == (
        None,
        (),
        {},
        None,
        None,
    )
    assert view.role.id == "school" and list(view.roles_in_play) == ["school", "police", CSC, "gp"]


def test_participant_sees_only_their_picture(room):
    school = room.join("school")
    room.go("open_stage")
    view = room.engine.participant_view(school.token)
    assert list(view.picture.facts) == ["bruise"]
    assert list(view.fact_texts) == ["bruise"] and "finger-tip" in view.fact_texts["bruise"]
    assert [stage.title for stage in view.stages] == ["A bruise and a call-out"]


def test_projector_and_facilitator_counts(room):
    school, police, _ = (
        room.join("school", "Ann"),
        room.join("police", "Bob"),
        room.join("school", "Cy"),
    )
    room.go("open_stage")
    room.engine.submit(school.token, 0, decision({"bruise": [CSC]}))
    projector = room.engine.projector_view(room.code, room.projector_key)
    assert projector.participants_by_role == {"school": 2, "police": 1, CSC: 0, "gp": 0}
    assert projector.submitted_by_role == {"school": 1, "police": 0, CSC: 0, "gp": 0}
    assert projector.revealed is None
    facilitator = room.engine.facilitator_view(room.code, room.key)
    assert [(e.display_name, e.submitted) for e in facilitator.roster] == [
        ("Ann", True),
        ("Bob", False),
        ("Cy", False),
    ]
    assert facilitator.submitted_by_role == projector.submitted_by_role
    assert len(facilitator.record.submissions) == 1 and len(facilitator.stages) == 3
    assert (
        room.engine.projector_view(room.code, room.key).status.code == room.code
    )  # the facilitator key works too
    assert police.display_name == "Bob"


def test_revealed_record_hides_names_unshareable_notes_and_the_future(room):
    ann, bea = room.join("school", "Ann Smith"), room.join("school", "Bea Jones")
    room.go("open_stage")
    room.engine.submit(ann.token, 0, decision({"bruise": [CSC]}, note="Ann's private note"))
    room.engine.submit(
        bea.token,
        0,
        decision({"bruise": ["police"]}, note="Bea's shareable note", note_shareable=True),
    )
    room.go("reveal_stage")
    view = room.engine.participant_view(ann.token)
    names = {p.id: p.display_name for p in view.revealed.participants}
    assert names == {ann.participant_id: "Ann Smith", bea.participant_id: "School 2"}
    notes = {s.participant_id: s.decision.note for s in view.revealed.submissions}
    # A shareable note reaches the room only once the facilitator approves it.
    assert notes == {ann.participant_id: "Ann's private note", bea.participant_id: ""}
    projector = room.engine.projector_view(room.code, room.projector_key).revealed
    assert {s.decision.note for s in projector.submissions} == {""}
    # Its writer still sees it, as their own (private) note: never quoted from their laptop.
    own = room.engine.participant_view(bea.token).revealed.submissions
    assert [
        (s.decision.note, s.decision.note_shareable)
        for s in own
        if s.participant_id == bea.participant_id
    ] == [("Bea's shareable note", False)]
    with pytest.raises(NotFound):  # Ann's note is private: there is nothing to approve
        room.engine.approve_note(room.code, room.key, ann.participant_id, 0)
    with pytest.raises(NotAllowed):
        room.engine.approve_note(room.code, room.projector_key, bea.participant_id, 0)
    room.engine.approve_note(room.code, room.key, bea.participant_id, 0)
    assert room.engine.approved_notes(room.code, room.key) == {(bea.participant_id, 0)}
    projector = room.engine.projector_view(room.code, room.projector_key).revealed
    assert {p.display_name for p in projector.participants} == {"School 1", "School 2"}
    assert {s.decision.note for s in projector.submissions} == {"", "Bea's shareable note"}
    room.engine.approve_note(room.code, room.key, bea.participant_id, 0, approved=False)
    projector = room.engine.projector_view(room.code, room.projector_key).revealed
    assert {s.decision.note for s in projector.submissions} == {""}  # withdrawn
    assert [stage.id for stage in projector.snapshot.scenario.stages] == ["first"]
    assert "assaulting" not in projector.snapshot.scenario.debrief.what_happened
    room.go("next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief")
    after = room.engine.projector_view(room.code, room.projector_key).revealed
    assert (
        len(after.snapshot.scenario.stages) == 3
        and "assaulting" in after.snapshot.scenario.debrief.what_happened
    )


def test_record_is_complete_for_the_operator(room):
    seat = room.join("school", "Ann")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}, note="kept"))
    record = room.engine.record(room.code)
    assert (
        record.participants[0].display_name == "Ann"
        and record.submissions[0].decision.note == "kept"
    )
    assert record.revealed_through == -1


# ------------------------------------------------------------------------------ simulated and removed


def test_simulated_participants_fill_empty_roles_and_submit_when_a_stage_opens(room):
    room.join("school")
    bots = room.engine.add_simulated(room.code, room.key, per_empty_role=2, seed=1)
    assert sorted(bot.role_id for bot in bots) == sorted(["police", "police", CSC, CSC, "gp", "gp"])
    assert counts(room.engine.store)["submissions"] == 0
    room.go("open_stage")
    view = room.engine.facilitator_view(room.code, room.key)
    assert {e.participant_id for e in view.roster if e.submitted} == {
        bot.participant_id for bot in bots
    }
    police_decision = room.engine.participant_view(bots[0].token).decision
    assert {entry.fact_id for entry in police_decision.facts} == {"dv_callout"}


def test_simulated_participants_added_while_open_submit_at_once(room):
    room.go("open_stage")
    bots = room.engine.add_simulated(room.code, room.key)
    assert len(bots) == 4 and counts(room.engine.store)["submissions"] == 4


def test_reopening_lets_only_missing_bots_submit(room):
    room.go("open_stage")
    room.engine.add_simulated(room.code, room.key)
    room.go("lock_stage")
    late = room.engine.join(room.code, role_id="gp", simulated=True, seed=5)
    before = {s.participant_id: s.decision for s in room.engine.record(room.code).submissions}
    room.go("reopen_stage")
    after = {s.participant_id: s.decision for s in room.engine.record(room.code).submissions}
    assert set(after) == set(before) | {late.participant_id}
    assert all(after[pid] == before[pid] for pid in before)


def test_removed_participant_disappears(room):
    keep, gone = room.join("school", "Keep"), room.join("school", "Gone")
    room.go("open_stage")
    room.engine.submit(gone.token, 0, decision({"bruise": [CSC]}))
    room.engine.save_draft(gone.token, 0, {"x": 1})
    room.engine.remove_participant(room.code, room.key, gone.participant_id)
    assert [e.display_name for e in room.engine.facilitator_view(room.code, room.key).roster] == [
        "Keep"
    ]
    assert counts(room.engine.store)["submissions"] == counts(room.engine.store)["drafts"] == 0
    room.engine.remove_participant(room.code, room.key, gone.participant_id)  # twice is harmless
    with pytest.raises(NotFound):
        room.engine.remove_participant(room.code, room.key, 999_999)
    assert room.engine.seat(keep.token).display_name == "Keep"


# ------------------------------------------------------------------------------ deleting


def test_purge_by_age(engine, mini_snapshot, clock):
    old = engine.create(mini_snapshot).code
    clock.advance(10 * 86400)
    new = engine.create(mini_snapshot).code
    clock.advance(86400)
    assert [s.code for s in engine.purge_candidates(5)] == [old]
    assert engine.purge(5) == 1
    assert [s.code for s in engine.list_workshops()] == [new]
    assert engine.purge(30) == 0
    with pytest.raises(ValueError):
        engine.purge(-1)


def test_delete_workshop(room):
    room.join()
    room.engine.delete_workshop(room.code, room.key)
    with pytest.raises(NotFound):
        room.engine.status(room.code)


# ------------------------------------------------------------------------------ a whole workshop


def test_several_people_play_the_whole_mini_scenario(room):
    """Facilitator and five participants; pictures checked at every stage (weights in mini.yaml)."""
    engine, code = room.engine, room.code
    school, police, csc, gp = (
        room.join(role, name)
        for role, name in [("school", "Ann"), ("police", "Bob"), (CSC, "Cat"), ("gp", "Dan")]
    )
    school2 = room.join("school", "Eve")

    def picture(seat):
        view = engine.participant_view(seat.token)
        return sorted(view.picture.facts), view.picture.level

    room.go("open_stage")
    assert picture(school) == (["bruise"], 1) and picture(police) == (["dv_callout"], 2)
    assert picture(csc) == ([], 1) and picture(gp) == ([], 1)
    engine.submit(school.token, 0, decision({"bruise": [CSC]}))
    engine.submit(police.token, 0, decision({"dv_callout": [CSC, "school"]}))
    engine.submit(school2.token, 0, decision({"bruise": ["police"]}))
    engine.submit(csc.token, 0, decision())
    room.go("lock_stage")
    with pytest.raises(WrongPhase):
        engine.submit(gp.token, 0, decision())
    room.go("reveal_stage")
    assert picture(csc) == ([], 1)  # still stage 0's picture: shared facts arrive at the next stage
    assert engine.participant_view(gp.token).revealed.revealed_through == 0

    room.go("next_stage")
    assert picture(csc) == (["bruise", "dv_callout"], 2)  # weight 5
    assert picture(school) == (["bruise", "dv_callout"], 2)
    assert picture(police) == (["bruise", "dv_callout", "new_partner"], 3)  # 2 + 3 + 2
    assert picture(gp) == (["missed_appts"], 1)
    with pytest.raises(InvalidDecision, match="not in your role's picture"):
        engine.submit(csc.token, 1, decision({"disclosure": ["police"]}))
    with pytest.raises(WrongPhase, match="moved on"):
        engine.submit(school.token, 0, decision({"bruise": [CSC]}))
    engine.submit(gp.token, 1, decision({"missed_appts": [CSC]}))
    engine.submit(police.token, 1, decision({"new_partner": [CSC]}))
    engine.submit(csc.token, 1, decision({"bruise": ["gp"]}))  # a received fact may be passed on
    room.go("reveal_stage", "next_stage")
    assert picture(csc) == (["bruise", "dv_callout", "missed_appts", "new_partner"], 3)  # weight 8
    assert picture(gp) == (["bruise", "missed_appts"], 2)  # 2 + 1
    assert picture(school) == (
        ["bruise", "disclosure", "dv_callout", "rent_arrears"],
        3,
    )  # 2 + 4 + 3 + 0
    engine.submit(school.token, 2, decision({"disclosure": [CSC, "police"]}))
    room.go("reveal_stage")
    assert room.go("next_stage").phase == "debrief"

    record = engine.record(code)
    assert len(record.submissions) == 8 and record.revealed_through == 2
    stages = act_stages(record.snapshot, record.submissions, record.revealed_through)
    assert (stages.actual, stages.possible) == (1, 1)
    assert room.go("close_workshop").phase == "closed"
    assert engine.participant_view(csc.token).revealed.revealed_through == 2
