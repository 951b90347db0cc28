"""Many sessions at once through one engine, as Streamlit's threads would drive it: nothing lost, nothing
doubled, nobody refused for the database being busy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from tests.fixtures.engine import decision
from tests.paths import PROJECT

CSC = "childrens_social_care"
PARTICIPANTS, RESUBMITS, WORKERS = 50, 4, 16


def _seated(room, count: int = PARTICIPANTS):
    seats = [room.join("school" if n % 2 else "police") for n in range(count)]
    room.go("open_stage")
    return seats


def _decision_for(seat, round_: int):
    fact = "bruise" if seat.role_id == "school" else "dv_callout"
    return decision({fact: [CSC]}, note=f"{seat.participant_id}:{round_}", confidence=1 + round_)


def _submitted(engine, code):
    with engine.store.read() as db:
        (workshop_id,) = db.execute("SELECT id FROM workshops WHERE code = ?", (code,)).fetchone()
        events = db.execute(
            "SELECT participant_id FROM events WHERE workshop_id = ? AND event = 'decision_submitted'",
            (workshop_id,),
        ).fetchall()
    return Counter(pid for (pid,) in events)


def test_200_interleaved_submits_lose_nothing_and_double_nothing(room):
    seats = _seated(room)
    jobs = [
        (seat, round_) for round_ in range(RESUBMITS) for seat in seats
    ]  # rounds interleave across threads
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda job: room.engine.submit(job[0].token, 0, _decision_for(*job)), jobs))
    record = room.engine.record(room.code)
    assert len(record.submissions) == PARTICIPANTS
    assert Counter(s.participant_id for s in record.submissions) == Counter(
        {s.participant_id: 1 for s in seats}
    )
    assert _submitted(room.engine, room.code) == Counter(
        {s.participant_id: RESUBMITS for s in seats}
    )
    for submission in record.submissions:  # each stored decision is one this participant sent
        pid, round_ = submission.decision.note.split(":")
        assert int(pid) == submission.participant_id and 0 <= int(round_) < RESUBMITS


def test_each_participants_last_resubmit_wins(room):
    seats = _seated(room)

    def play(seat):
        for round_ in range(RESUBMITS):
            room.engine.submit(seat.token, 0, _decision_for(seat, round_))

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(play, seats))
    notes = {s.participant_id: s.decision.note for s in room.engine.record(room.code).submissions}
    assert notes == {
        seat.participant_id: f"{seat.participant_id}:{RESUBMITS - 1}" for seat in seats
    }


def test_readers_and_writers_together(room):
    seats = _seated(room)

    def work(n):
        seat = seats[n % len(seats)]
        if n % 3 == 0:
            room.engine.submit(seat.token, 0, _decision_for(seat, n % RESUBMITS))
        elif n % 3 == 1:
            assert (
                room.engine.participant_view(seat.token).seat.participant_id == seat.participant_id
            )
        else:
            assert room.engine.versions(room.code).any > 0
            room.engine.facilitator_view(room.code, room.key)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, range(300)))
    assert len(room.engine.record(room.code).submissions) == PARTICIPANTS


def test_concurrent_joins_balance_roles_and_never_share_a_name(room):
    with ThreadPoolExecutor(WORKERS) as pool:
        seats = list(pool.map(lambda _: room.join(), range(100)))
    assert Counter(seat.role_id for seat in seats) == Counter(
        {"school": 25, "police": 25, CSC: 25, "gp": 25}
    )
    assert len({seat.display_name for seat in seats}) == len({seat.token for seat in seats}) == 100


def test_a_transition_during_a_submit_storm_is_clean_cut(room):
    """Every submit either lands before the lock or is refused: none lands after it."""
    seats = _seated(room)
    outcomes = []

    def submit(seat):
        try:
            room.engine.submit(seat.token, 0, _decision_for(seat, 0))
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(type(error).__name__)

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(submit, seat) for seat in seats]
        room.go("lock_stage")
        for future in futures:
            future.result()
    assert set(outcomes) <= {"ok", "WrongPhase"}
    assert len(room.engine.record(room.code).submissions) == outcomes.count("ok")


def test_two_processes_write_to_one_database(room, tmp_path):
    """The CLI and the app are separate processes on one database: SQLite's busy timeout, or
    PostgreSQL's row lock on the workshop, makes them take turns."""
    seats = _seated(room, 20)
    script = textwrap.dedent(f"""
        import sys
        from facilitation.engine.store import Store
        from facilitation.engine.workshops import Workshops
        from tests.fixtures.engine import decision
        engine = Workshops(Store({room.engine.store.target!r}))
        for token, fact in zip(sys.argv[1::2], sys.argv[2::2]):
            for _ in range(5):
                engine.submit(token, 0, decision({{fact: [{CSC!r}]}}, note="child"))
    """)
    args = [
        item
        for seat in seats[::2]
        for item in (seat.token, "bruise" if seat.role_id == "school" else "dv_callout")
    ]
    child = subprocess.Popen([sys.executable, "-c", script, *args], cwd=PROJECT)
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda seat: [
                    room.engine.submit(seat.token, 0, _decision_for(seat, r)) for r in range(5)
                ],
                seats[1::2],
            )
        )
    assert child.wait(60) == 0
    other = Workshops(Store(room.engine.store.target))
    assert len(other.record(room.code).submissions) == 20
