"""Who may do what in the room's activities: only the facilitator key opens, closes, skips and approves;
a participant token speaks only for its own seat; the projector key sees only what the room may; each
refusal leaves the database untouched (the pattern of test_security.py)."""

from __future__ import annotations

import pytest

from facilitation.engine import Activities
from facilitation.errors import NotAllowed, NotFound, WrongPhase
from tests.fixtures.engine import Room, dump
from tests.system.test_security import WRONG_KEYS, _wrong_key

CSC = "childrens_social_care"


@pytest.fixture
def other(engine, mini_snapshot) -> Room:
    created = engine.create(mini_snapshot)
    return Room(engine, created.code, created.facilitator_key, created.projector_key)


def _with_a_line(room: Room, seat) -> None:
    acts = Activities(room.engine)
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(seat.token, {"barriers": ["trust"], "line": "My line"})


# method -> (setup before the call, the call)
FACILITATOR_CALLS = {
    "open barriers": (
        lambda room, seat: None,
        lambda a, code, key, seat: a.open(code, key, "barriers"),
    ),
    "skip barriers": (lambda room, seat: None, lambda a, code, key, seat: a.skip(code, key)),
    "close barriers": (_with_a_line, lambda a, code, key, seat: a.close(code, key, "barriers")),
    "approve a line": (
        _with_a_line,
        lambda a, code, key, seat: a.approve_line(code, key, seat.participant_id),
    ),
    "read everything": (_with_a_line, lambda a, code, key, seat: a.record(code, key)),
    "ask who leads": (
        lambda room, seat: room.go("open_stage", "reveal_stage"),
        lambda a, code, key, seat: a.open(code, key, "who_leads"),
    ),
}


@pytest.mark.parametrize("kind", WRONG_KEYS)
@pytest.mark.parametrize("method", list(FACILITATOR_CALLS))
def test_a_wrong_facilitator_key_changes_nothing(room, other, method, kind):
    seat = room.join("school", "Ann")
    setup, call = FACILITATOR_CALLS[method]
    setup(room, seat)
    acts = Activities(room.engine)
    before, versions = dump(room.engine.store), room.engine.versions(room.code)
    with pytest.raises(NotAllowed):
        call(acts, room.code, _wrong_key(kind, room, other, seat), seat)
    assert dump(room.engine.store) == before and room.engine.versions(room.code) == versions
    call(acts, room.code, room.key, seat)  # the right key would have done it


@pytest.mark.parametrize(
    "kind", ["none", "empty", "garbage", "other workshop's key", "participant token"]
)
def test_a_wrong_projector_key_sees_nothing(room, other, kind):
    seat = room.join("school")
    with pytest.raises(NotAllowed):
        Activities(room.engine).board(room.code, _wrong_key(kind, room, other, seat))
    with pytest.raises(NotAllowed):
        Activities(room.engine).room_record(room.code, _wrong_key(kind, room, other, seat))


def test_a_token_speaks_only_for_its_own_seat_and_workshop(room, other):
    ann, bea = room.join("school", "Ann"), room.join("police", "Bea")
    stranger = other.join("school", "Zed")
    acts = Activities(room.engine)
    acts.open(room.code, room.key, "barriers")
    acts.answer_barriers(ann.token, {"barriers": ["trust"], "line": "Ann's own"})
    assert acts.mine(bea.token).barriers is None  # nobody else's answer comes back
    with pytest.raises(WrongPhase):  # the other workshop has no open activity
        acts.answer_barriers(stranger.token, {"barriers": ["trust"]})
    for not_a_token in (room.key, room.projector_key, "", None, ann.token + "x"):
        with pytest.raises(NotFound):
            acts.answer_barriers(not_a_token, {"barriers": ["blame"]})
        with pytest.raises(NotFound):
            acts.mine(not_a_token)
    (entry,) = acts.record(room.code, room.key).barriers
    assert entry.participant_id == ann.participant_id and entry.answer.barriers == ("trust",)


def test_a_refused_answer_leaves_nothing(room):
    ann = room.join("school")
    acts = Activities(room.engine)
    before = dump(room.engine.store)
    with pytest.raises(WrongPhase):
        acts.answer_barriers(ann.token, {"barriers": ["trust"]})  # not open
    with pytest.raises(WrongPhase):
        acts.answer_lead(ann.token, 0, CSC)  # never asked
    assert dump(room.engine.store) == before


def test_the_projector_never_sees_who_said_what(room):
    seats = [room.join(role) for role in ("school", "police", "gp")]
    acts = Activities(room.engine)
    acts.open(room.code, room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(
            seat.token,
            {"barriers": ["trust"], "line": f"From {seat.display_name}", "agency": "school"},
        )
    acts.approve_line(room.code, room.key, seats[0].participant_id)
    acts.close(room.code, room.key, "barriers")
    board = Activities(room.engine).board(room.code, room.projector_key)
    shown = repr(board)
    for seat in seats:
        assert f"participant_id={seat.participant_id}" not in shown
    assert f"From {seats[1].display_name}" not in shown  # not approved
    assert board.barriers.lines == (f"From {seats[0].display_name}",)


def test_the_projector_debrief_record_holds_only_what_the_room_may_see(room):
    seats = [room.join(role) for role in ("school", "police", "gp")]
    acts = Activities(room.engine)
    acts.open(room.code, room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(seat.token, {"barriers": ["trust"], "line": f"From {seat.role_id}"})
    still_open = acts.room_record(room.code, room.projector_key)
    assert [e.answer.barriers for e in still_open.barriers] == [(), (), ()]  # counted, not shown
    assert not any(e.answer.line for e in still_open.barriers)
    acts.approve_line(room.code, room.key, seats[0].participant_id)
    acts.close(room.code, room.key, "barriers")
    closed = acts.room_record(room.code, room.projector_key)
    assert sorted(e.answer.line for e in closed.barriers) == ["", "", "From school"]
    assert {e.participant_id for e in closed.barriers} == {0}  # no seat's id
    assert [e.answer.barriers for e in closed.barriers] == [("trust",)] * 3
