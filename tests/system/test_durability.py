"""A process killed mid-workshop loses nothing it had accepted, and the workshop goes on after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from tests.fixtures.engine import decision
from tests.paths import PROJECT

CSC = "childrens_social_care"

# Joins a participant and submits for them, again and again, resubmitting for earlier ones now and then;
# prints a line only once the engine has accepted the change.
CHILD = textwrap.dedent(f"""
    import sys
    from facilitation.engine.store import Store
    from facilitation.engine.workshops import Workshops
    from tests.fixtures.engine import decision
    engine = Workshops(Store(sys.argv[1]))
    code, start = sys.argv[2], int(sys.argv[3])
    seats = []
    for n in range(start, start + 100_000):
        seat = engine.join(code, role_id="school")
        print("J", seat.participant_id, flush=True)
        seats.append(seat)
        again = seats[n % len(seats)]
        for chosen in (seat, again):
            engine.submit(chosen.token, 0, decision({{"bruise": [{CSC!r}]}}, note=str(n)))
            print("S", chosen.participant_id, n, flush=True)
""")


def _run_and_kill(path: str, code: str, start: int, lines_before_kill: int) -> list[list[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), code, str(start)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed = []
    try:
        for line in child.stdout:
            printed.append(line.split())
            if len(printed) >= lines_before_kill:
                break
        os.kill(child.pid, signal.SIGKILL)  # mid-stride: it is busy writing the next change
        child.wait(10)
        printed.extend(line.split() for line in child.stdout.read().splitlines())
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return printed


@pytest.mark.slow
def test_sigkill_loses_no_accepted_change(room):
    room.go("open_stage")
    path = room.engine.store.target
    printed: list[list[str]] = []
    for round_, kill_after in enumerate((150, 211, 97)):
        printed += _run_and_kill(path, room.code, round_ * 1_000_000, kill_after)
        reopened = Workshops(Store(path))  # as the restarted app would
        if reopened.store.dialect == "sqlite":
            with reopened.store.read() as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        record = reopened.record(room.code)
        joined = {int(line[1]) for line in printed if line[0] == "J"}
        assert joined <= {p.id for p in record.participants if p.active}
        latest: dict[int, int] = {}
        for line in printed:
            if line[0] == "S":
                latest[int(line[1])] = max(latest.get(int(line[1]), -1), int(line[2]))
        stored = {s.participant_id: int(s.decision.note) for s in record.submissions}
        assert all(stored.get(pid, -1) >= n for pid, n in latest.items()), (
            "an accepted submission was lost"
        )
    assert len(printed) >= 150 + 211 + 97


def test_a_restarted_app_carries_on(room, mini_snapshot):
    seat = room.join("school", "Ann")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}))
    room.engine.store.close()
    restarted = Workshops(Store(room.engine.store.target))
    assert restarted.seat(seat.token).display_name == "Ann"
    assert restarted.participant_view(seat.token).decision.for_fact("bruise").share_with == (CSC,)
    assert restarted.reveal_stage(room.code, room.key).phase == "revealed"
