"""Hostile input to the engine: text that misleads, forged strings, absurd nesting, guessers and floods
(findings 3, 7 and 8 of the hardening issue). Each refusal is a clear user error that changes nothing."""

from __future__ import annotations

import pytest

from facilitation import settings
from facilitation.engine.store import Store
from facilitation.engine.text import clean_text
from facilitation.engine.workshops import Workshops, clean_name
from facilitation.errors import (
    InvalidDecision,
    NotAllowed,
    NotFound,
    SettingsError,
    TooManyAttempts,
)
from tests.fixtures.engine import Room, decision, dump

BIDI = "\u202e"  # right-to-left override: "\u202etxt.exe" shows as "exe.txt"
HIDDEN = "\u200b\u200d\ufeff\u2060"  # zero-width space, joiner, BOM, word joiner
STRONG = "a-long-enough-passcode"


@pytest.fixture
def other(engine, mini_snapshot) -> Room:
    created = engine.create(mini_snapshot)
    return Room(engine, created.code, created.facilitator_key, created.projector_key)


# ----------------------------------------------------------------------------------------- text (7)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"{BIDI}gnihton{HIDDEN} hid\x00den", "gnihton hidden"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("bell\x07 and\x1b[31m escape", "bell and[31m escape"),
        ("e\u0301cole", "\u00e9cole"),  # NFC
        ("tab\tkept as a space", "tab kept as a space"),
        ("a\n\n\n\n\n\nb", "a\n\n\nb"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("<b>**as typed**</b>", "<b>**as typed**</b>"),
    ],
)
def test_clean_text_removes_what_misleads_and_keeps_lines(typed, stored):
    assert clean_text(typed, 1000, multiline=True) == stored


def test_names_use_the_same_cleaning_on_one_line():
    assert clean_name(f"  {BIDI}Ann{HIDDEN}\nBee\x00 ") == "Ann Bee"
    assert clean_text(f"{BIDI}Ann\nBee", 40) == clean_name(f"{BIDI}Ann\nBee")


def test_notes_are_cleaned_on_the_way_in(room):
    seat = room.join("school")
    room.go("open_stage")
    note = f"{BIDI}reversed{HIDDEN} note\x00 with\r\nlines"
    room.engine.submit(seat.token, 0, decision(note=note, note_shareable=True))
    stored = room.engine.participant_view(seat.token).decision.note
    assert stored == "reversed note with\nlines"


def test_drafts_are_cleaned_on_the_way_in(room):
    seat = room.join("school")
    room.go("open_stage")
    room.engine.save_draft(seat.token, 0, {"note": f"{BIDI}x{HIDDEN}\x00", f"k{BIDI}": ["\ud800y"]})
    assert room.engine.participant_view(seat.token).draft == {"note": "x", "k": ["y"]}


# ------------------------------------------------------------------------------ forged strings (8)

LONE = "\udc80"


@pytest.mark.parametrize("code", [f"K7QW3{LONE}", LONE * 6, f"{LONE}"])
def test_a_lone_surrogate_in_a_code_is_refused(room, code):
    before = dump(room.engine.store)
    for call in (
        lambda: room.engine.status(code),
        lambda: room.engine.versions(code),
        lambda: room.engine.join(code),
        lambda: room.engine.check_facilitator(code, room.key),
    ):
        with pytest.raises(NotFound):
            call()
    assert dump(room.engine.store) == before


def test_a_lone_surrogate_in_a_key_or_token_is_refused(room, mini_snapshot):
    forged = room.key[:-1] + LONE
    with pytest.raises(NotAllowed):
        room.engine.open_stage(room.code, forged)
    with pytest.raises(NotAllowed):
        room.engine.projector_view(room.code, forged)
    with pytest.raises(NotFound):
        room.engine.seat(forged)
    with pytest.raises(NotFound):
        room.engine.submit(forged, 0, decision())
    guarded = Workshops(room.engine.store, passcode=STRONG)
    with pytest.raises(NotAllowed):
        guarded.create(mini_snapshot, passcode=STRONG[:-1] + LONE)


def test_a_deep_draft_is_refused(room):
    seat = room.join("school")
    room.go("open_stage")
    deep: dict = {}
    for _ in range(3000):
        deep = {"x": deep}
    with pytest.raises(InvalidDecision, match="nests"):
        room.engine.save_draft(seat.token, 0, deep)
    listed: list = []
    for _ in range(3000):
        listed = [listed]
    with pytest.raises(InvalidDecision, match="nests"):
        room.engine.save_draft(seat.token, 0, {"x": listed})
    assert room.engine.participant_view(seat.token).draft is None


# ----------------------------------------------------------------------------- join codes (3)


@pytest.mark.parametrize("typed", ["abc", "K7QW3M9", "", "!!!!!!", "K7 QW"])
def test_a_code_of_the_wrong_shape_says_what_a_code_is(room, typed):
    with pytest.raises(NotFound, match="six letters and digits"):
        room.engine.status(typed)


def test_wrong_join_codes_are_throttled_per_session(engine, clock, mini_snapshot):
    created = engine.create(mini_snapshot)
    guesser = ("session:guesser", "address:10.0.0.9")
    for _ in range(10):
        with pytest.raises(NotFound):
            engine.status("ZZZZZZ", caller=guesser)
    with pytest.raises(TooManyAttempts, match=r"wait \d+ s") as refused:
        engine.status(created.code, caller=guesser)  # even the right code, while throttled
    assert 0 < refused.value.retry_after <= 60
    with pytest.raises(TooManyAttempts):
        engine.join(created.code, caller=guesser)
    # Another person behind the same address is not held up by one guesser.
    assert engine.status(created.code, caller=("session:other", "address:10.0.0.9")).code
    clock.advance(61)
    assert engine.status(created.code, caller=guesser).code == created.code


def test_wrong_join_codes_are_throttled_per_address(engine):
    for number in range(60):
        with pytest.raises(NotFound):
            engine.status("ZZZZZZ", caller=(f"session:{number}", "address:10.0.0.9"))
    with pytest.raises(TooManyAttempts):
        engine.status("ZZZZZZ", caller=("session:fresh", "address:10.0.0.9"))


def test_a_room_typing_the_right_code_never_meets_the_throttle(engine, mini_snapshot):
    created = engine.create(mini_snapshot)
    for number in range(150):
        caller = (f"session:{number}", "address:10.0.0.1")  # a whole room behind one address
        if number % 10 == 0:
            with pytest.raises(NotFound):
                engine.status("ZZZZZZ", caller=caller)  # a typo now and then
        engine.status(created.code, caller=caller)
        engine.join(created.code, caller=caller)


# ------------------------------------------------------------------------------- passcodes (3)


def test_wrong_passcodes_are_throttled(store, clock, mini_snapshot):
    engine = Workshops(store, passcode=STRONG, clock=clock)
    caller = ("session:s", "address:a")
    for _ in range(5):
        with pytest.raises(NotAllowed):
            engine.create(mini_snapshot, passcode="guess", caller=caller)
    with pytest.raises(TooManyAttempts, match="Too many wrong passcodes"):
        engine.create(mini_snapshot, passcode=STRONG, caller=caller)
    clock.advance(61)
    assert engine.create(mini_snapshot, passcode=STRONG, caller=caller).code


@pytest.mark.parametrize(
    ("weak", "why"),
    [
        ("a", "1 character long"),
        ("password", "8 characters long"),
        ("aaaaaaaaaaaaaaaa", "too few different characters"),
        ("123456789012", "a run of the keyboard"),
        ("qwertyuiopasdf", "a run of the keyboard"),
    ],
)
def test_a_weak_passcode_is_refused_at_start(monkeypatch, weak, why):
    monkeypatch.setenv("EASI_PASSCODE", weak)
    with pytest.raises(SettingsError, match=why):
        settings.resolve_passcode()


def test_the_generated_passcode_is_strong():
    generated = settings.resolve_passcode()
    assert generated.generated
    assert settings.passcode_weakness(generated.value) is None


# -------------------------------------------------------------------------------- seats (3)


def test_a_workshop_holds_at_most_max_seats(tmp_path, mini_snapshot):
    engine = Workshops(Store(tmp_path / "capped.db"), max_seats=3)
    created = engine.create(mini_snapshot)
    seats = [engine.join(created.code) for _ in range(2)]
    with pytest.raises(NotAllowed, match="full"):
        engine.add_simulated(created.code, created.facilitator_key)  # two more roles to fill
    engine.join(created.code)
    with pytest.raises(NotAllowed, match="full"):
        engine.join(created.code)
    engine.remove_participant(created.code, created.facilitator_key, seats[0].participant_id)
    assert engine.join(created.code).code == created.code


def test_max_seats_setting(monkeypatch):
    assert settings.max_seats() == 200
    monkeypatch.setenv("EASI_MAX_SEATS", "40")
    assert settings.max_seats() == 40
    monkeypatch.setenv("EASI_MAX_SEATS", "lots")
    with pytest.raises(SettingsError, match="EASI_MAX_SEATS"):
        settings.max_seats()


def test_bulk_removal_needs_the_facilitator_key_and_removes_in_one_change(room, other):
    seats = [room.join() for _ in range(6)]
    elsewhere = other.join()
    ids = [seat.participant_id for seat in seats[:4]]
    before = dump(room.engine.store)
    with pytest.raises(NotAllowed):
        room.engine.remove_participants(room.code, other.key, ids)
    assert dump(room.engine.store) == before
    removed = room.engine.remove_participants(
        room.code, room.key, [*ids, elsewhere.participant_id, 999_999]
    )
    assert removed == 4  # another workshop's seat and an unknown id are ignored
    roster = {
        entry.participant_id for entry in room.engine.facilitator_view(room.code, room.key).roster
    }
    assert roster == {seat.participant_id for seat in seats[4:]}
    for seat in seats[:4]:
        with pytest.raises(NotFound):
            room.engine.seat(seat.token)
    assert other.engine.seat(elsewhere.token).participant_id == elsewhere.participant_id
    assert room.engine.remove_participants(room.code, room.key, ids) == 0


def test_easi_serve_refuses_a_weak_passcode_and_says_why(monkeypatch, capsys):
    from facilitation.cli import main

    monkeypatch.setenv("EASI_PASSCODE", "a")
    assert main(["serve", "--port", "8599"]) == 1
    err = capsys.readouterr().err
    assert "EASI_PASSCODE is too weak to protect this server: it is 1 character long" in err
