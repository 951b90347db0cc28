"""The evaluation through the engine: when each questionnaire is open, skipping, the follow-up link,
the room's agreements and the plan, who may do what, and that everything goes with the workshop."""

from __future__ import annotations

import pytest

from facilitation.analysis.evaluation import evaluate
from facilitation.content import Answers, questionnaire
from facilitation.engine import Evaluations
from facilitation.errors import InvalidAnswers, NotAllowed, NotFound, WrongPhase

FORM = questionnaire()
WEEK = 7 * 86400


def all_stages(room):
    count = len(room.engine.record(room.code).snapshot.scenario.stages)
    room.go("open_stage")
    for index in range(count):
        if index:
            room.go("next_stage")
        room.go("lock_stage", "reveal_stage")
    room.go("start_debrief")


def mine(level: int) -> Answers:
    return Answers(confidence=dict.fromkeys((i.id for i in FORM.confidence), level))


@pytest.fixture
def ev(engine) -> Evaluations:
    return Evaluations(engine)


def test_pre_is_open_until_the_first_reveal_and_post_from_the_debrief(room, ev):
    seat = room.join("school")
    state = ev.mine(seat.token)
    assert (state.pre_open, state.post_open, state.pre, state.post) == (True, False, None, None)
    assert "optional" in state.form.notice
    ev.answer(seat.token, "pre", mine(2))
    with pytest.raises(WrongPhase, match="opens with the debrief"):
        ev.answer(seat.token, "post", mine(4))
    room.go("open_stage")
    ev.answer(seat.token, "pre", mine(3))  # still before any reveal: a true pre; replaces the first
    room.go("lock_stage", "reveal_stage")
    with pytest.raises(WrongPhase, match="first stage is revealed"):
        ev.skip(seat.token, "pre")
    assert ev.mine(seat.token).pre == "answered"
    record = ev.record(room.code, room.key)
    assert record.respondents[0].pre.confidence["share_timely"] == 3


def test_skipping_is_recorded_and_never_blocks_play(room, ev):
    seat = room.join("school")
    ev.skip(seat.token, "pre")
    room.go("open_stage")  # nothing waits for the questionnaire
    assert ev.mine(seat.token).pre == "skipped"
    (person,) = ev.record(room.code, room.key).respondents
    assert person.pre is None and person.pre_skipped


def test_answers_are_checked(room, ev):
    seat = room.join("school")
    with pytest.raises(InvalidAnswers, match="no such item"):
        ev.answer(seat.token, "pre", {"knowledge": {"made_up": "true"}})
    with pytest.raises(InvalidAnswers):
        ev.answer(seat.token, "pre", {"confidence": {"share_timely": 9}})
    with pytest.raises(InvalidAnswers, match="post measure only"):
        ev.answer(seat.token, "pre", {"retrospective": {"share_timely": 2}})
    with pytest.raises(NotFound):
        ev.answer("not-a-token", "pre", mine(3))


def test_follow_up_weeks_later_through_a_token_link(room, ev, clock):
    seats = [room.join(role) for role in ("school", "police", "gp", "school", "police")]
    for seat in seats:
        ev.answer(seat.token, "pre", mine(2))
    all_stages(room)
    for seat in seats:
        ev.answer(seat.token, "post", mine(4))
    links = ev.follow_up_links(room.code, room.key)
    assert set(links) == {seat.participant_id for seat in seats}
    assert links == ev.follow_up_links(room.code, room.key)  # the export can list them again
    with pytest.raises(NotAllowed):
        ev.follow_up_links(room.code, "wrong key")
    before = evaluate(ev.record(room.code, room.key))
    assert before.follow_up_confidence.n == 0 and before.counts.follow_up_links == 5

    clock.advance(7 * WEEK)
    for seat in seats:
        token = links[seat.participant_id]
        assert not ev.follow_up_seat(token).answered
        ev.answer_follow_up(token, {**mine(3).model_dump(), "used_at_work": "yes"})
        assert ev.follow_up_seat(token).answered
    after = evaluate(ev.record(room.code, room.key))
    assert after.follow_up_confidence.n == 5 and after.follow_up_confidence.change == 1
    assert after.counts.follow_up_answered == 5 and after.counts.used_at_work == {"yes": 5}
    assert {p.follow_up_days for p in ev.record(room.code, room.key).respondents} == {49.0}
    with pytest.raises(InvalidAnswers, match="follow-up only"):
        ev.answer(seats[0].token, "post", {"used_at_work": "yes"})


def test_room_agreements_and_improvement_plan(room, ev):
    room.join("school")
    with pytest.raises(WrongPhase):
        ev.record_agreement(room.code, room.key, 0, 3)
    room.go("open_stage", "lock_stage", "reveal_stage")
    ev.record_agreement(room.code, room.key, 0, 2, "Early help")
    ev.record_agreement(room.code, room.key, 0, 3, "  Child   in need ")  # changed their minds
    with pytest.raises(InvalidAnswers):
        ev.record_agreement(room.code, room.key, 0, 5)
    with pytest.raises(NotAllowed):
        ev.record_agreement(room.code, "nope", 0, 3)
    later = ev.add_action(room.code, room.key, "Threshold workshop", "police", "2027-03-01")
    first = ev.add_action(room.code, room.key, "Consent briefing", "school", "2027-01-15")
    with pytest.raises(InvalidAnswers, match="due date"):
        ev.add_action(room.code, room.key, "Something", "gp", "next week")
    with pytest.raises(InvalidAnswers):
        ev.add_action(room.code, room.key, "   ", "gp", "2027-01-01")
    record = ev.record(room.code, room.key)
    assert [(a.stage_index, a.level, a.note) for a in record.agreements] == [
        (0, 3, "Child in need")
    ]
    assert [a.id for a in record.plan] == [first, later]
    ev.remove_action(room.code, room.key, later)
    assert [a.id for a in ev.record(room.code, room.key).plan] == [first]


def test_everything_goes_with_the_workshop(room, ev, store):
    seat = room.join("school")
    ev.answer(seat.token, "pre", mine(2))
    all_stages(room)
    ev.answer(seat.token, "post", mine(3))
    ev.record_agreement(room.code, room.key, 0, 2)
    ev.add_action(room.code, room.key, "Act", "school", "2027-01-01")
    (token,) = ev.follow_up_links(room.code, room.key).values()
    room.engine.delete_workshop(room.code, room.key)
    with store.read() as db:
        for table in (
            "evaluation_forms",
            "evaluation_responses",
            "follow_up_links",
            "room_agreements",
            "improvement_actions",
        ):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    with pytest.raises(NotFound, match="deleted"):
        ev.follow_up_seat(token)


def test_a_removed_participants_answers_go_with_them(room, ev):
    seat = room.join("school")
    ev.answer(seat.token, "pre", mine(2))
    ev.follow_up_links(room.code, room.key)
    room.engine.remove_participant(room.code, room.key, seat.participant_id)
    assert ev.record(room.code, room.key).respondents == ()


def test_simulated_participants_answer_with_the_chosen_effect(room, ev):
    room.engine.add_simulated(room.code, room.key, per_empty_role=3, seed=7)
    assert ev.simulate(room.code, room.key, "pre", skip_every=4) > 0
    all_stages(room)
    ev.simulate(room.code, room.key, "post")
    result = evaluate(ev.record(room.code, room.key))
    assert result.counts.pre_skipped == result.counts.participants // 4
    assert result.confidence.change > 0.4  # the default effect: +0.8 on the scale
    assert result.response_shift.change < 0  # retrospective pre below the true pre
    again = evaluate(ev.record(room.code, room.key))
    assert again == result  # seeded: the same answers every time


def test_the_form_is_frozen_at_first_use(room, ev):
    seat = room.join("school")
    ev.answer(seat.token, "pre", mine(2))
    assert ev.form(room.code) == FORM


def test_programme_needs_the_passcode_where_the_server_has_one(store, clock, mini_snapshot):
    from facilitation.engine import Workshops

    engine = Workshops(store, passcode="let-me-in", clock=clock)
    engine.create(mini_snapshot, passcode="let-me-in")
    ev = Evaluations(engine)
    with pytest.raises(NotAllowed):
        ev.programme("wrong")
    assert len(ev.programme("let-me-in")) == 1
