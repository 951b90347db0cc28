"""The hostile-input findings as the pages meet them: guessers told to wait, floods of seats removed in
one go, weak passcodes refused (finding 3 of the hardening issue)."""

from __future__ import annotations

import pytest

from facilitation.errors import NotFound
from tests.fixtures.ui import button, shown, texts


def _guess(at, code: str):
    at.text_input(key="join:code").input(code)
    button(at, "Continue").click()
    at.run()
    return at


def test_a_join_code_guesser_is_told_to_wait(open_page, ui_room):
    at = open_page("join")
    for letter in "23456789AB":  # well-formed codes, so that each reaches the engine's throttle
        _guess(at, f"ZZZZ{letter}Z")
        assert "No workshop has the code" in shown(at.error[0].value)
    _guess(at, ui_room.code)  # the right code, but this session has guessed too often
    assert "Too many wrong join codes from here: wait" in shown(at.error[0].value)
    assert not at.radio  # no seat for a throttled guesser


def test_a_passcode_guesser_is_told_to_wait(open_page, ui_engine):
    at = open_page("facilitate")
    for _ in range(5):
        at.text_input(key="facilitate:passcode").input("guess")
        button(at, "Create the workshop").click()
        at.run()
        assert "passcode is not right" in shown(at.error[0].value)
    at.text_input(key="facilitate:passcode").input("another guess")
    button(at, "Create the workshop").click()
    at.run()
    assert "Too many wrong passcodes from here: wait" in shown(at.error[0].value)
    assert ui_engine.list_workshops() == []


@pytest.mark.parametrize(
    ("which", "left"),
    [("simulated", {"Pat"}), ("everyone", set()), ("silent", set())],
)
def test_the_facilitator_removes_many_seats_at_once(open_page, ui_room, which, left):
    pat = ui_room.join("school", "Pat")
    ui_room.engine.add_simulated(ui_room.code, ui_room.key)
    at = open_page("facilitate", w=ui_room.code, k=ui_room.key, p=ui_room.projector_key)
    at.radio(key="bulk:which").set_value(which)
    at.run()
    at.button(key="bulk:remove").click()
    at.run()
    assert "removed" in shown(at.success[0].value)
    roster = ui_room.engine.facilitator_view(ui_room.code, ui_room.key).roster
    assert {entry.display_name for entry in roster} == left
    if "Pat" not in left:
        with pytest.raises(NotFound):
            ui_room.engine.seat(pat.token)


def test_chosen_seats_are_removed_and_the_others_kept(open_page, ui_room):
    seats = [ui_room.join("school", name) for name in ("Ann", "Bea", "Cal")]
    at = open_page("facilitate", w=ui_room.code, k=ui_room.key, p=ui_room.projector_key)
    at.multiselect(key="bulk:chosen").set_value([seats[0].participant_id, seats[2].participant_id])
    at.run()
    at.button(key="bulk:remove").click()
    at.run()
    assert "2 participants removed." in texts(at)
    roster = ui_room.engine.facilitator_view(ui_room.code, ui_room.key).roster
    assert [entry.display_name for entry in roster] == ["Bea"]


def test_a_weak_passcode_in_the_environment_is_refused_on_the_page(open_page, monkeypatch):
    monkeypatch.setenv("EASI_PASSCODE", "letmein")
    at = open_page("facilitate")
    at.text_input(key="facilitate:passcode").input("letmein")
    button(at, "Create the workshop").click()
    at.run()
    assert "EASI_PASSCODE is too weak to protect this server: it is 7 characters long" in texts(at)
