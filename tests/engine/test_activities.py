"""The room's activities through the engine, on both backends: the room's own barriers (opened in the
lobby, lines approved like notes) and "Who leads?" at a reveal; what the projector may see; bots."""

from __future__ import annotations

import pytest

from facilitation.engine import Activities
from facilitation.errors import InvalidAnswers, NotFound, WrongPhase
from facilitation.play import LINE_MAX_CHARS, NOT_SURE

CSC = "childrens_social_care"


@pytest.fixture
def acts(engine) -> Activities:
    return Activities(engine)


def barriers_of(acts, room):
    return acts.record(room.code, room.key).barriers


def test_barriers_open_in_the_lobby_and_take_each_seat_own_answer(room, acts):
    ann, bob = room.join("school"), room.join("police")
    assert acts.mine(ann.token).open is None
    with pytest.raises(WrongPhase, match="not open"):
        acts.answer_barriers(ann.token, {"barriers": ["trust"]})
    acts.open(room.code, room.key, "barriers")
    assert acts.mine(ann.token).open.kind == "barriers"
    acts.answer_barriers(ann.token, {"barriers": ["trust", "blame"], "agency": "school"})
    acts.answer_barriers(bob.token, {"line": "  Nobody  tells us\u200b back.  "})
    entries = {e.participant_id: e for e in barriers_of(acts, room)}
    assert entries[ann.participant_id].answer.barriers == ("trust", "blame")
    assert entries[bob.participant_id].answer.line == "Nobody tells us back."  # cleaned
    assert not entries[bob.participant_id].approved


def test_the_real_agency_is_asked_once_and_kept(room, acts):
    ann = room.join("school")
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(ann.token, {"barriers": ["trust"], "agency": "housing"})
    kept = acts.answer_barriers(ann.token, {"barriers": ["blame"]})
    assert kept.agency == "housing" and acts.mine(ann.token).agency_given


@pytest.mark.parametrize(
    "answer, words",
    [
        ({"barriers": ["made_up"]}, "no such barrier"),
        ({"line": "x" * (LINE_MAX_CHARS + 1)}, "the most is"),
        ({"agency": "ministry_of_magic"}, "agency"),
        ({"barriers": ["trust", "blame", "consent", "process", "systems", "relevance"]}, "at most"),
        ("a string", "An answer"),
    ],
)
def test_bad_barrier_answers_are_refused(room, acts, answer, words):
    ann = room.join("school")
    acts.open(room.code, room.key, "barriers")
    with pytest.raises(InvalidAnswers, match=words):
        acts.answer_barriers(ann.token, answer)
    assert barriers_of(acts, room) == ()


def test_barriers_are_an_opening_activity(room, acts):
    room.go("open_stage")
    with pytest.raises(WrongPhase, match="before stage 1"):
        acts.open(room.code, room.key, "barriers")
    with pytest.raises(WrongPhase, match="before stage 1"):
        acts.skip(room.code, room.key)


def test_skipping_is_recorded_and_an_open_activity_is_closed_instead(room, acts):
    acts.skip(room.code, room.key)
    assert acts.record(room.code, room.key).activity("barriers").state == "skipped"
    acts.open(room.code, room.key, "barriers")
    with pytest.raises(WrongPhase, match="close them"):
        acts.skip(room.code, room.key)


def test_nothing_reaches_the_projector_before_close_and_no_line_before_approval(room, acts):
    seats = [room.join(role) for role in ("school", "police", "gp")]
    acts.open(room.code, room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(
            seat.token, {"barriers": ["trust"], "line": f"Line {seat.participant_id}"}
        )
    board = acts.board(room.code, room.projector_key).barriers
    assert (board.shown, board.answered, board.clusters, board.lines) == (False, 3, (), ())
    acts.approve_line(room.code, room.key, seats[0].participant_id)
    assert acts.board(room.code, room.projector_key).barriers.lines == ()  # still open
    acts.close(room.code, room.key, "barriers")
    board = acts.board(room.code, room.projector_key).barriers
    assert board.shown and board.lines == (f"Line {seats[0].participant_id}",)
    assert [(c.cluster, c.people) for c in board.clusters] == [("trust", 3)]
    acts.approve_line(room.code, room.key, seats[0].participant_id, approved=False)
    assert acts.board(room.code, room.projector_key).barriers.lines == ()


def test_a_line_changed_after_approval_must_be_approved_again(room, acts):
    seats = [room.join(role) for role in ("school", "police", "gp")]
    acts.open(room.code, room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(seat.token, {"line": "First words"})
    acts.approve_line(room.code, room.key, seats[0].participant_id)
    acts.answer_barriers(seats[0].token, {"line": "Other words"})
    assert not any(e.approved for e in barriers_of(acts, room))


def test_only_a_line_can_be_approved(room, acts):
    ann = room.join("school")
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(ann.token, {"barriers": ["trust"]})
    with pytest.raises(NotFound, match="no line"):
        acts.approve_line(room.code, room.key, ann.participant_id)


def test_fewer_than_three_answers_are_never_shown(room, acts):
    seats = [room.join(role) for role in ("school", "police")]
    acts.open(room.code, room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(seat.token, {"barriers": ["trust"]})
    acts.close(room.code, room.key, "barriers")
    board = acts.board(room.code, room.projector_key).barriers
    assert not board.shown and board.clusters == () and board.barriers == ()


def test_who_leads_is_asked_at_the_reveal_of_the_current_stage(room, acts):
    ann, bob, cat = room.join("school"), room.join("police"), room.join(CSC)
    with pytest.raises(WrongPhase, match="reveal"):
        acts.open(room.code, room.key, "who_leads")
    room.go("open_stage")
    with pytest.raises(WrongPhase, match="reveal"):
        acts.open(room.code, room.key, "who_leads")
    room.go("lock_stage", "reveal_stage")
    acts.open(room.code, room.key, "who_leads")
    assert acts.mine(ann.token).open.stage_index == 0
    acts.answer_lead(ann.token, 0, CSC, decides=CSC)
    acts.answer_lead(bob.token, 0, "police")
    acts.answer_lead(cat.token, 0, NOT_SURE)
    with pytest.raises(InvalidAnswers, match="agencies in play"):
        acts.answer_lead(ann.token, 0, "housing")
    with pytest.raises(WrongPhase, match="not open"):
        acts.answer_lead(ann.token, 1, CSC)
    assert not acts.board(room.code, room.projector_key).leads[0].shown
    acts.close(room.code, room.key, "who_leads")
    board = acts.board(room.code, room.projector_key).leads[0]
    assert board.shown and board.guidance.role == CSC
    assert {c.choice: c.count for c in board.lead} == {CSC: 1, "police": 1, NOT_SURE: 1}
    assert [(c.choice, c.count) for c in board.decides] == [(CSC, 1)]
    room.go("next_stage")
    with pytest.raises(WrongPhase):
        acts.answer_lead(ann.token, 0, CSC)
    assert acts.mine(ann.token).open is None


def test_opening_and_closing_redraw_laptops_and_answers_only_the_counts(room, acts):
    ann = room.join("school")
    before = room.engine.versions(room.code)
    acts.open(room.code, room.key, "barriers")
    opened = room.engine.versions(room.code)
    assert opened.phase > before.phase
    acts.answer_barriers(ann.token, {"barriers": ["trust"]})
    answered = room.engine.versions(room.code)
    assert answered.phase == opened.phase and answered.any > opened.any


def test_simulated_participants_answer_when_an_activity_opens(room, acts):
    room.engine.add_simulated(room.code, room.key, per_empty_role=1, seed=7)
    acts.open(room.code, room.key, "barriers")
    entries = barriers_of(acts, room)
    assert len(entries) == 4 and all(e.simulated for e in entries)
    assert all(e.answer.barriers or e.answer.line for e in entries)
    room.go("open_stage", "lock_stage", "reveal_stage")
    acts.open(room.code, room.key, "who_leads")
    assert len(acts.record(room.code, room.key).leads_at(0)) == 4
    again = Activities(room.engine)
    assert barriers_of(again, room) == entries  # seeded: the same answers every read


def test_a_removed_participant_takes_their_answers_with_them(room, acts):
    ann = room.join("school")
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(ann.token, {"barriers": ["trust"], "line": "Mine"})
    room.engine.remove_participant(room.code, room.key, ann.participant_id)
    assert barriers_of(acts, room) == ()
    with room.engine.store.read() as db:
        assert db.execute("SELECT count(*) FROM activity_answers").fetchone()[0] == 0


def test_deleting_the_workshop_deletes_its_activities(room, acts):
    ann = room.join("school")
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(ann.token, {"line": "Gone with it"})
    room.engine.delete_workshop(room.code, room.key)
    with room.engine.store.read() as db:
        for table in ("activities", "activity_answers"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    with pytest.raises(NotFound):
        acts.mine(ann.token)
