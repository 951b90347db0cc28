"""How the pages reach the engine and the settings: one engine per database, the operator passcode, the
console link printed once, and the addresses participants are given."""

from __future__ import annotations

import threading

import pytest

from facilitation.ui import services
from tests.fixtures.ui import shown


@pytest.fixture
def fresh_announcement(monkeypatch):
    monkeypatch.setattr(services, "_announced", False)


def test_one_engine_per_database(ui_env):
    assert services.engine() is services.engine()


def test_the_engine_requires_the_operator_passcode(ui_engine, mini_snapshot):
    from facilitation.errors import NotAllowed

    with pytest.raises(NotAllowed):
        ui_engine.create(mini_snapshot, passcode="wrong")


def test_a_generated_passcode_is_printed_once_as_a_link(fresh_announcement, monkeypatch, capsys):
    monkeypatch.delenv("EASI_PASSCODE", raising=False)
    services.announce_once()
    services.announce_once()
    printed = capsys.readouterr().out
    passcode = services.operator_passcode().value
    assert printed.count(f"/facilitate?passcode={passcode}") == 1
    assert "http://localhost:" in printed


def test_a_passcode_from_the_environment_is_never_printed(fresh_announcement, monkeypatch, capsys):
    monkeypatch.setenv("EASI_PASSCODE", "from-the-environment")
    services.announce_once()
    assert "from-the-environment" not in capsys.readouterr().out


def test_a_stored_passcode_is_not_printed_again(fresh_announcement, monkeypatch, capsys):
    monkeypatch.delenv("EASI_PASSCODE", raising=False)
    first = services.operator_passcode().value  # generated and stored now
    services.announce_once()
    out = capsys.readouterr().out
    assert first not in out and "passcode is in" in out


def test_the_public_address_can_be_configured(monkeypatch):
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org/room/")
    assert services.base_url() == "https://easi.example.org/room"
    assert services.link("play", t="abc") == "https://easi.example.org/room/play?t=abc"
    assert services.link("", code="K7QW3M") == "https://easi.example.org/room/?code=K7QW3M"


def test_without_a_session_links_point_at_localhost(monkeypatch):
    monkeypatch.delenv("EASI_PUBLIC_URL", raising=False)
    assert services.base_url().startswith("http://localhost:")


def test_a_loopback_join_address_becomes_the_lan_address(monkeypatch):
    monkeypatch.delenv("EASI_PUBLIC_URL", raising=False)
    monkeypatch.setattr(services.network, "machine_addresses", lambda: ["127.0.0.1", "10.4.0.9"])
    assert services.join_base_url().startswith("http://10.4.0.9:")
    assert services.link("", join=True, code="K7QW3M").endswith("/?code=K7QW3M")
    assert services.link("play", t="x").startswith("http://localhost:")  # other links as browsed


def test_a_public_join_address_is_kept(monkeypatch):
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org")
    monkeypatch.setattr(services.network, "machine_addresses", lambda: ["10.4.0.9"])
    assert services.join_base_url() == "https://easi.example.org"


def test_join_options_count_active_participants(ui_room):
    first = ui_room.join("school")
    ui_room.join("school")
    ui_room.engine.remove_participant(ui_room.code, ui_room.key, first.participant_id)
    roles, counts = services.join_options(ui_room.code.lower())
    assert list(roles) == ["school", "police", "childrens_social_care", "gp"]
    assert counts == {"school": 1, "police": 0, "childrens_social_care": 0, "gp": 0}


def _hold_every_slot():
    from facilitation.ui import services

    slots = services.page_run_slots()
    held = 0
    while slots.acquire(blocking=False):
        held += 1
    return slots, held


def test_laptop_pages_take_turns_and_the_facilitator_never_queues(open_page, ui_room):
    """With every run slot taken (a herd of laptops redrawing), a laptop's page waits for a turn; the
    facilitator's page runs at once."""
    from tests.fixtures.ui import PAGES

    seat = ui_room.join("school", "Sam")
    play = open_page("play", t=seat.token)
    facilitate = open_page("home")
    facilitate.switch_page(PAGES["facilitate"])
    facilitate.query_params.update(w=ui_room.code, k=ui_room.key)
    slots, held = _hold_every_slot()
    released = threading.Event()

    def release() -> None:
        released.set()
        for _ in range(held):
            slots.release()

    try:
        assert held >= 1
        facilitate.run()  # no slot needed
        assert not facilitate.exception and "Sam" in str(facilitate.dataframe[0].value)
        assert not released.is_set()
        threading.Timer(1.0, release).start()
        play.run()  # waits for a slot: it can only finish after the release
        assert released.is_set()
    finally:
        released.wait(5)
    assert not play.exception and "### You play Test Primary School (DSL)" in [
        shown(m.value) for m in play.markdown
    ]


def test_a_bad_page_runs_setting_falls_back_to_the_default(monkeypatch, capsys):
    from facilitation import settings
    from facilitation.ui import services

    monkeypatch.setattr(services, "_slots", None)
    monkeypatch.setenv("EASI_PAGE_RUNS", "lots")
    slots, held = _hold_every_slot()
    for _ in range(held):
        slots.release()
    assert held == settings.DEFAULT_PAGE_RUNS
    assert "EASI_PAGE_RUNS" in capsys.readouterr().err


def test_each_session_makes_its_pages_once(open_page):
    """A session's `st.Page` objects are made on its first run and reused (making them resolves paths on
    disk, which under load holds a run slot); another session has its own."""
    from facilitation.ui.app import _PAGES_KEY, PAGES

    at = open_page("home")
    pages = at.session_state[_PAGES_KEY]
    assert [page.title for page in pages] == [title for _, title, _, _ in PAGES]
    at.run()
    assert at.session_state[_PAGES_KEY] is pages and not at.exception
    other = open_page("play")
    assert other.session_state[_PAGES_KEY] is not pages
