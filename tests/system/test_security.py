"""Who may do what: keys, tokens and the rules of play, each refusal leaving the database untouched."""

from __future__ import annotations

import sqlite3
import stat
import threading

import pytest

from facilitation import settings
from facilitation.content.models import NOTE_MAX_CHARS
from facilitation.engine import Activities
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from facilitation.errors import InvalidDecision, NotAllowed, NotFound, StoreBusy, WrongPhase
from facilitation.play.records import StageDecision
from tests.fixtures.engine import TABLES, Room, counts, decision, dump

CSC = "childrens_social_care"

# method -> (facilitator steps that make the call possible, the call)
FACILITATOR_CALLS = {
    "check_facilitator": ((), lambda e, code, key, seat: e.check_facilitator(code, key)),
    "open_stage": ((), lambda e, code, key, seat: e.open_stage(code, key)),
    "lock_stage": (("open_stage",), lambda e, code, key, seat: e.lock_stage(code, key)),
    "reopen_stage": (
        ("open_stage", "lock_stage"),
        lambda e, code, key, seat: e.reopen_stage(code, key),
    ),
    "reveal_stage": (("open_stage",), lambda e, code, key, seat: e.reveal_stage(code, key)),
    "next_stage": (
        ("open_stage", "reveal_stage"),
        lambda e, code, key, seat: e.next_stage(code, key),
    ),
    "start_debrief": (
        ("open_stage", "reveal_stage", "next_stage", "reveal_stage", "next_stage", "reveal_stage"),
        lambda e, code, key, seat: e.start_debrief(code, key),
    ),
    "close_workshop": ((), lambda e, code, key, seat: e.close_workshop(code, key)),
    "set_countdown": (("open_stage",), lambda e, code, key, seat: e.set_countdown(code, key, 90)),
    "add_simulated": ((), lambda e, code, key, seat: e.add_simulated(code, key)),
    "remove_participant": (
        (),
        lambda e, code, key, seat: e.remove_participant(code, key, seat.participant_id),
    ),
    "facilitator_view": ((), lambda e, code, key, seat: e.facilitator_view(code, key)),
    "delete_workshop": ((), lambda e, code, key, seat: e.delete_workshop(code, key)),
}
WRONG_KEYS = [
    "none",
    "empty",
    "garbage",
    "projector key",
    "other workshop's key",
    "participant token",
    "key with a character more",
    "key in upper case",
    "key hash",
]


def _wrong_key(kind: str, room: Room, other: Room, seat) -> object:
    import hashlib

    return {
        "none": None,
        "empty": "",
        "garbage": "not-a-key",
        "projector key": room.projector_key,
        "other workshop's key": other.key,
        "participant token": seat.token,
        "key with a character more": room.key + "A",
        "key in upper case": room.key.upper(),
        "key hash": hashlib.sha256(room.key.encode()).hexdigest(),
    }[kind]


@pytest.fixture
def other(engine, mini_snapshot) -> Room:
    created = engine.create(mini_snapshot)
    return Room(engine, created.code, created.facilitator_key, created.projector_key)


@pytest.mark.parametrize("kind", WRONG_KEYS)
@pytest.mark.parametrize("method", list(FACILITATOR_CALLS))
def test_a_wrong_facilitator_key_changes_nothing(room, other, method, kind):
    seat = room.join("school", "Ann")
    steps, call = FACILITATOR_CALLS[method]
    room.go(*steps)
    before, versions = dump(room.engine.store), room.engine.versions(room.code)
    with pytest.raises(NotAllowed):
        call(room.engine, room.code, _wrong_key(kind, room, other, seat), seat)
    assert dump(room.engine.store) == before and room.engine.versions(room.code) == versions
    call(room.engine, room.code, room.key, seat)  # the right key would have done it


@pytest.mark.parametrize(
    "kind", ["none", "empty", "garbage", "other workshop's key", "participant token"]
)
def test_a_wrong_projector_key_sees_nothing(room, other, kind):
    seat = room.join("school")
    with pytest.raises(NotAllowed):
        room.engine.projector_view(room.code, _wrong_key(kind, room, other, seat))
    with pytest.raises(NotAllowed):
        room.engine.check_projector(room.code, _wrong_key(kind, room, other, seat))


def test_secrets_are_stored_only_as_hashes(room):
    seat = room.join("school")
    stored = repr(dump(room.engine.store))
    for secret in (room.key, room.projector_key, seat.token):
        assert len(secret) >= 43 and secret not in stored
    if room.engine.store.dialect == "sqlite":  # the server's files are PostgreSQL's to keep
        raw = (
            room.engine.store.path.read_bytes()
            + room.engine.store.path.with_name("easi.db-wal").read_bytes()
        )
        assert seat.token.encode() not in raw and room.key.encode() not in raw


def test_a_token_speaks_only_for_its_participant_and_workshop(room, other):
    ann, bea = room.join("school", "Ann"), room.join("school", "Bea")
    stranger = other.join("school", "Zed")
    room.go("open_stage")
    other.go("open_stage")
    room.engine.submit(ann.token, 0, decision({"bruise": [CSC]}))
    assert room.engine.participant_view(bea.token).decision is None
    assert (
        room.engine.seat(ann.token).code == room.code
        and room.engine.seat(stranger.token).code == other.code
    )
    record = room.engine.record(other.code)
    assert record.submissions == () and [p.display_name for p in record.participants] == ["Zed"]
    for not_a_token in (room.key, room.projector_key, "", None, ann.token + "x", ann.token[:-1]):
        with pytest.raises(NotFound):
            room.engine.seat(not_a_token)
        with pytest.raises(NotFound):
            room.engine.submit(not_a_token, 0, decision())


# ------------------------------------------------------------------------------ refused submissions


def _constructed_with_long_note() -> StageDecision:
    return StageDecision.model_construct(
        facts=(),
        level=2,
        action="monitor",
        confidence=3,
        note="x" * (NOTE_MAX_CHARS + 1),
        note_shareable=False,
    )


# name -> (facilitator steps after stage 0 opened, stage index, decision, error, message)
REFUSALS = {
    "after lock": (
        ("lock_stage",),
        0,
        decision({"bruise": [CSC]}),
        WrongPhase,
        "stopped decisions",
    ),
    "after reveal": (("reveal_stage",), 0, decision({"bruise": [CSC]}), WrongPhase, "revealed"),
    "after close": (("close_workshop",), 0, decision(), WrongPhase, "closed"),
    "stale stage": (
        ("reveal_stage", "next_stage"),
        0,
        decision({"bruise": [CSC]}),
        WrongPhase,
        "moved on",
    ),
    "future stage": ((), 1, decision(), WrongPhase, "not opened yet"),
    "fact held by another role": (
        (),
        0,
        decision({"dv_callout": [CSC]}),
        InvalidDecision,
        "not in your role's",
    ),
    "fact not yet in play": (
        (),
        0,
        decision({"disclosure": [CSC]}),
        InvalidDecision,
        "not in your role's",
    ),
    "unknown fact": (
        (),
        0,
        {"facts": [{"fact_id": "nope"}], "level": 2, "action": "monitor", "confidence": 3},
        InvalidDecision,
        "not in your role's",
    ),
    "role not in play": (
        (),
        0,
        decision({"bruise": ["housing"]}),
        InvalidDecision,
        "not a role in play",
    ),
    "own role": ((), 0, decision({"bruise": ["school"]}), InvalidDecision, "your own role"),
    "unknown gateway": (
        (),
        0,
        decision(facts=[{"fact_id": "bruise", "share_with": [CSC], "gateway": "magna_carta"}]),
        InvalidDecision,
        "unknown gateway",
    ),
    "unknown barrier": (
        (),
        0,
        decision(facts=[{"fact_id": "bruise", "barriers": ["laziness"]}]),
        InvalidDecision,
        "unknown barrier",
    ),
    "fact twice": (
        (),
        0,
        decision(facts=[{"fact_id": "bruise"}, {"fact_id": "bruise", "share_with": [CSC]}]),
        InvalidDecision,
        "twice",
    ),
    "oversized note": (
        (),
        0,
        {"level": 2, "action": "monitor", "confidence": 3, "note": "x" * 5000},
        InvalidDecision,
        "5000 characters",
    ),
    "oversized note past validation": (
        (),
        0,
        _constructed_with_long_note(),
        InvalidDecision,
        "characters long",
    ),
    "absurdly many facts": (
        (),
        0,
        {
            "facts": [{"fact_id": "bruise"}] * 10_000,
            "level": 2,
            "action": "monitor",
            "confidence": 3,
        },
        InvalidDecision,
        "at most",
    ),
    "level out of range": (
        (),
        0,
        {"level": 9, "action": "monitor", "confidence": 3},
        InvalidDecision,
        "level",
    ),
    "unknown action": (
        (),
        0,
        {"level": 2, "action": "shrug", "confidence": 3},
        InvalidDecision,
        "action",
    ),
    "unknown field": (
        (),
        0,
        {"level": 2, "action": "monitor", "confidence": 3, "admin": True},
        InvalidDecision,
        "admin",
    ),
    "not a decision": ((), 0, "share everything", InvalidDecision, "StageDecision"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_submissions_change_nothing(room, case):
    steps, stage, submitted, error, message = REFUSALS[case]
    seat = room.join("school")
    room.go("open_stage")
    room.engine.submit(seat.token, 0, decision({"bruise": ["police"]}, note="the accepted one"))
    room.go(*steps)
    before = dump(room.engine.store)
    with pytest.raises(error, match=message):
        room.engine.submit(seat.token, stage, submitted)
    assert dump(room.engine.store) == before


def test_submitting_in_the_lobby_is_refused(room):
    seat = room.join("school")
    with pytest.raises(WrongPhase, match="not opened yet"):
        room.engine.submit(seat.token, 0, decision())
    assert counts(room.engine.store)["submissions"] == 0


def test_every_problem_is_named_at_once(room):
    seat = room.join("school")
    room.go("open_stage")
    with pytest.raises(InvalidDecision) as refused:
        room.engine.submit(
            seat.token, 0, decision({"bruise": ["school", "housing"], "dv_callout": []})
        )
    assert all(part in str(refused.value) for part in ("own role", "housing", "dv_callout"))


# ------------------------------------------------------------------------------ what others can see


def test_no_one_sees_others_decisions_before_the_reveal(room):
    ann, bea = room.join("school", "Ann"), room.join("police", "Bea")
    room.go("open_stage")
    room.engine.submit(
        bea.token,
        0,
        decision({"dv_callout": [CSC, "school"]}, note="BEA-SECRET", note_shareable=True),
    )
    for step in ((), ("lock_stage",)):
        room.go(*step)
        view = room.engine.participant_view(ann.token)
        assert view.revealed is None and view.decision is None
        assert "BEA-SECRET" not in repr(view) and "dv_callout" not in repr(view)
        projector = room.engine.projector_view(room.code, room.projector_key)
        assert projector.revealed is None and projector.submitted_by_role["police"] == 1
        assert "BEA-SECRET" not in repr(projector) and "Bea" not in repr(projector)
    room.go("reveal_stage")
    revealed = repr(room.engine.participant_view(ann.token).revealed)
    assert "dv_callout" in revealed  # the decisions are revealed
    assert (
        "BEA-SECRET" not in revealed
    )  # a note reaches others only once the facilitator approves it


def test_revealed_content_carries_no_other_names(room):
    ann, bea = room.join("school", "Ann Uniquename"), room.join("police", "Bea Othername")
    room.go("open_stage")
    room.engine.submit(ann.token, 0, decision({"bruise": [CSC]}))
    room.engine.submit(bea.token, 0, decision({"dv_callout": [CSC]}))
    room.go("reveal_stage")
    assert "Bea Othername" not in repr(room.engine.participant_view(ann.token))
    assert "Uniquename" not in repr(room.engine.projector_view(room.code, room.projector_key))


def test_removed_participants_token_stops_working(room):
    seat = room.join("school", "Gone")
    room.go("open_stage")
    room.engine.remove_participant(room.code, room.key, seat.participant_id)
    for call in (
        lambda: room.engine.seat(seat.token),
        lambda: room.engine.participant_view(seat.token),
        lambda: room.engine.submit(seat.token, 0, decision()),
        lambda: room.engine.save_draft(seat.token, 0, {}),
    ):
        with pytest.raises(NotFound):
            call()
    assert "Gone" not in repr(dump(room.engine.store))


def test_the_event_log_holds_no_personal_text(room):
    seat = room.join("school", "Personal Name")
    room.go("open_stage")
    room.engine.submit(
        seat.token, 0, decision({"bruise": [CSC]}, note="Personal note about a family")
    )
    room.engine.save_draft(seat.token, 0, {"note": "Personal draft"})
    room.go("reveal_stage")
    with room.engine.store.read() as db:
        events = db.execute("SELECT * FROM events").fetchall()
    assert {e[4] for e in events} >= {
        "workshop_created",
        "participant_joined",
        "decision_submitted",
        "stage_revealed",
    }
    assert not any("Personal" in str(value) for event in events for value in event)


# ------------------------------------------------------------------------------ deleting everything


def _play_a_little(room: Room) -> None:
    seat = room.join("school", "Zebediah Quixotic")
    room.engine.add_simulated(room.code, room.key)
    barriers = Activities(room.engine)
    barriers.open(room.code, room.key, "barriers")
    barriers.answer_barriers(seat.token, {"barriers": ["trust"], "line": "Quixotic line"})
    barriers.approve_line(room.code, room.key, seat.participant_id)
    barriers.close(room.code, room.key, "barriers")
    room.go("open_stage")
    room.engine.save_draft(seat.token, 0, {"note": "Quixotic draft"})
    room.engine.submit(seat.token, 0, decision({"bruise": [CSC]}, note="Quixotic note"))
    room.go("reveal_stage")
    activities = Activities(room.engine)  # the room's activities' rows go with the workshop too
    activities.open(room.code, room.key, "who_leads")
    activities.answer_lead(seat.token, 0, CSC)
    room.go("next_stage")


def _rows_of(store, workshop_code: str) -> dict[str, int]:
    with store.read() as db:
        found = db.execute("SELECT id FROM workshops WHERE code = ?", (workshop_code,)).fetchone()
        workshop_id = found[0] if found else -1
        rows = {
            table: db.execute(
                f"SELECT count(*) FROM {table} WHERE workshop_id = ?", (workshop_id,)
            ).fetchone()[0]
            for table in TABLES
            if table != "workshops"
        }
        rows["workshops"] = int(found is not None)
    return rows


@pytest.mark.parametrize("how", ["purge", "delete_workshop"])
def test_deleting_a_workshop_removes_every_row_and_leaves_others(room, clock, mini_snapshot, how):
    _play_a_little(room)
    assert all(_rows_of(room.engine.store, room.code).values())
    clock.advance(40 * 86400)
    created = room.engine.create(mini_snapshot)
    other = Room(room.engine, created.code, created.facilitator_key, created.projector_key)
    _play_a_little(other)
    kept = _rows_of(other.engine.store, other.code)
    if how == "purge":
        assert room.engine.purge(30) == 1
    else:
        room.engine.delete_workshop(room.code, room.key)
    assert _rows_of(room.engine.store, room.code) == dict.fromkeys(TABLES, 0)
    assert _rows_of(other.engine.store, other.code) == kept
    with room.engine.store.read() as db:  # nothing orphaned anywhere
        orphans = db.execute(
            "SELECT count(*) FROM submissions WHERE participant_id NOT IN "
            "(SELECT id FROM participants)"
        ).fetchone()[0]
    assert orphans == 0


def _database_files(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_deleted_personal_text_is_gone_from_the_file(room):
    _play_a_little(room)
    room.engine.delete_workshop(room.code, room.key)
    if room.engine.store.dialect == "sqlite":
        assert b"Quixotic" not in _database_files(room.engine.store.path)
    else:  # PostgreSQL: the tables were vacuumed after the delete (docs/scaling.md says the rest)
        with room.engine.store.read() as db:
            vacuumed = db.execute(
                "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                f"AND relname IN ({', '.join('?' for _ in TABLES)}) AND last_vacuum IS NOT NULL",
                TABLES,
            ).fetchone()[0]
        assert vacuumed == len(TABLES)


@pytest.mark.parametrize("reader", ["another process", "this process"])
def test_deleted_text_is_gone_from_the_files_even_while_a_reader_holds_a_snapshot(
    sqlite_room, reader
):
    """The delete waits for a reader that still sees the old rows, then wipes them from the file and
    the log before it returns: the facilitator is told "deleted" only when it is true."""
    room = sqlite_room
    _play_a_little(room)
    path = room.engine.store.path
    assert b"Quixotic" in _database_files(path)
    holding, release = threading.Event(), threading.Event()

    def hold_a_snapshot():
        if reader == "another process":
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM participants").fetchone()
            holding.set()
            release.wait(10)
            conn.execute("ROLLBACK")
            conn.close()
        else:
            with room.engine.store.read() as db:
                db.execute("SELECT count(*) FROM participants").fetchone()
                holding.set()
                release.wait(10)

    thread = threading.Thread(target=hold_a_snapshot)
    thread.start()
    assert holding.wait(5)
    threading.Timer(1.5, release.set).start()  # the reader finishes while the delete retries
    room.engine.delete_workshop(room.code, room.key)
    assert release.is_set()  # the delete did not return while the snapshot was held
    assert b"Quixotic" not in _database_files(path)
    thread.join(5)


def test_a_reader_that_never_lets_go_is_reported_not_hidden(tmp_path, mini_snapshot):
    engine = Workshops(Store(tmp_path / "easi.db", busy_timeout=1.0))
    created = engine.create(mini_snapshot)
    room = Room(engine, created.code, created.facilitator_key, created.projector_key)
    _play_a_little(room)
    stuck = sqlite3.connect(engine.store.path, isolation_level=None)
    stuck.execute("BEGIN")
    stuck.execute("SELECT count(*) FROM participants").fetchone()
    with pytest.raises(StoreBusy, match="still reading"):
        engine.delete_workshop(room.code, room.key)
    stuck.execute("ROLLBACK")
    stuck.close()
    engine.store.scrub()  # once the reader has gone, the wipe finishes
    assert b"Quixotic" not in _database_files(engine.store.path)


def test_deleted_workshop_seats_stop_working(room):
    seat = room.join("school")
    room.engine.delete_workshop(room.code, room.key)
    with pytest.raises(NotFound):
        room.engine.seat(seat.token)
    with pytest.raises(NotFound):
        room.engine.versions(room.code)


# ------------------------------------------------------------------------------ the operator passcode


def test_passcode_from_the_environment(monkeypatch):
    monkeypatch.setenv("EASI_PASSCODE", " from-the-env-42 ")
    assert settings.resolve_passcode() == settings.Passcode("from-the-env-42", "environment", None)
    assert settings.operator_passcode() == "from-the-env-42"


def test_passcode_generated_once_readable_by_the_owner_only():
    first = settings.resolve_passcode()
    assert first.generated and len(first.value) >= 12
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    again = settings.resolve_passcode()
    assert (again.value, again.generated, again.source) == (first.value, False, "file")


def test_an_empty_passcode_file_is_reported():
    path = settings.data_dir() / "passcode"
    path.parent.mkdir(parents=True)
    path.write_text("\n")
    with pytest.raises(settings.SettingsError, match="empty"):
        settings.resolve_passcode()


def test_the_engine_demands_the_configured_passcode(store, mini_snapshot):
    engine = Workshops(store, passcode=settings.operator_passcode())
    with pytest.raises(NotAllowed):
        engine.create(mini_snapshot)
    assert engine.create(mini_snapshot, passcode=settings.operator_passcode()).code
