"""The home and join pages (streamlit.testing): codes, names, roles, and the way to the seat."""

from __future__ import annotations

import pytest

from tests.fixtures.ui import PASSCODE, button, shown, texts


def test_home_links_to_every_view(open_page):
    at = open_page("home")
    assert at.title[0].value == "EASI Workshop"
    page_links = [element.proto.label for element in at.get("page_link")]
    assert {"Join a workshop", "Facilitate", "Studio"} <= set(page_links)


def test_home_with_a_code_opens_the_join_form(open_page, ui_room):
    at = open_page("home", code=ui_room.code.lower())
    assert at.title[0].value == "Join a workshop"
    assert at.text_input(key="join:code").value == ui_room.code.lower()
    assert "The Test family" in texts(at)
    assert at.radio[0].label == "Which agency will you play?"


def test_join_page_without_a_code_asks_for_one(open_page):
    at = open_page("join")
    assert at.text_input(key="join:code").value == ""
    assert "No code?" in texts(at)
    assert not at.radio


@pytest.mark.parametrize(
    "typed, answer",
    [
        ("ZZZZZZ", "No workshop has the code"),
        ("K7Q-W3M", "No workshop has the code"),
        ("not a code", "is not a workshop code: a code has six letters and digits"),
        ("abc", "is not a workshop code"),
        ("OOOOOO", "is not a workshop code"),  # no code has an O
    ],
)
def test_a_wrong_code_says_so_and_keeps_what_was_typed(open_page, ui_room, typed, answer):
    at = open_page("join")
    at.text_input(key="join:code").input(typed)
    button(at, "Continue").click()
    at.run()
    assert not at.exception
    assert answer in shown(at.error[0].value)
    assert at.text_input(key="join:code").value == typed
    assert not at.radio  # no role choice for a workshop that does not exist


def test_a_good_code_typed_in_any_case_shows_the_roles(open_page, ui_room):
    at = open_page("join")
    at.text_input(key="join:code").input(f" {ui_room.code.lower()[:3]} {ui_room.code.lower()[3:]} ")
    button(at, "Continue").click()
    at.run()
    assert not at.error
    assert at.query_params["code"] == [ui_room.code] or at.query_params["code"] == ui_room.code


def test_roles_nobody_plays_come_first_with_counts(open_page, ui_room):
    ui_room.join("school")
    ui_room.join("school")
    ui_room.join("police")
    at = open_page("join", code=ui_room.code)
    options = at.radio[0].options
    assert options[0].startswith("Give me a role")
    assert options[1:] == [
        "Test children's social care · nobody yet",
        "Test GP practice · nobody yet",
        "Test Police public protection · 1 person playing",
        "Test Primary School (DSL) · 2 people playing",
    ]


def test_choosing_a_role_seats_you_there_and_goes_to_play(open_page, ui_room):
    at = open_page("join", code=ui_room.code)
    at.text_input[1].input("Sam Tester")
    at.radio[0].set_value("gp")
    button(at, "Join").click()
    at.run()
    assert not at.exception
    token = at.query_params["t"]
    token = token[0] if isinstance(token, list) else token
    seat = ui_room.engine.seat(token)
    assert (seat.role_id, seat.display_name) == ("gp", "Sam Tester")
    assert "You play Test GP practice" in texts(at)


def test_no_role_chosen_gives_the_least_played_one(open_page, ui_room):
    ui_room.join("school")
    at = open_page("join", code=ui_room.code)
    button(at, "Join").click()
    at.run()
    token = at.query_params["t"]
    seat = ui_room.engine.seat(token[0] if isinstance(token, list) else token)
    assert seat.role_id == "police"  # the first role in scenario order that nobody plays
    assert seat.display_name  # a pseudonym such as "Blue Heron"


def test_a_closed_workshop_cannot_be_joined(open_page, ui_room):
    ui_room.go("close_workshop")
    at = open_page("join", code=ui_room.code)
    assert "has closed" in at.error[0].value
    assert not at.radio


@pytest.mark.parametrize(
    "name", ["<b>Bold</b> <script>alert(1)</script>", "**x** _y_ :red[z] $a$ [l](http://e)"]
)
def test_a_name_with_html_or_markdown_shows_literally(open_page, ui_room, name):
    at = open_page("join", code=ui_room.code)
    at.text_input[1].input(name)
    button(at, "Join").click()
    at.run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Seated as"))
    # Every Markdown or HTML character is escaped, so the browser shows the name exactly as typed.
    from facilitation.ui.widgets import escape_markdown

    assert escape_markdown(name) in caption
    assert "<b>" not in caption and "**x**" not in caption


# --------------------------------------------------------------- a browser that already holds a seat


def _browser_holds(monkeypatch, cookies: dict[str, str]) -> None:
    from facilitation.ui import seat_memory

    monkeypatch.setattr(seat_memory, "browser_cookies", lambda: cookies)


def _seats(ui_room) -> int:
    return len(ui_room.engine.facilitator_view(ui_room.code, ui_room.key).roster)


def test_the_join_link_in_a_browser_holding_a_seat_goes_back_to_it(open_page, ui_room, monkeypatch):
    from facilitation.ui.seat_memory import cookie_name

    seat = ui_room.join("gp", name="Sam Tester")
    _browser_holds(monkeypatch, {cookie_name(ui_room.code): seat.token})
    at = open_page("home", code=ui_room.code)  # the QR code's address
    assert not at.exception
    token = at.query_params["t"]
    assert (token[0] if isinstance(token, list) else token) == seat.token
    assert "You play Test GP practice" in texts(at)
    assert _seats(ui_room) == 1  # no second seat


@pytest.mark.parametrize("whose", ["removed", "another workshop's", "malformed"])
def test_a_cookie_that_speaks_for_no_seat_here_shows_the_join_form(
    open_page, ui_room, ui_engine, mini_snapshot, monkeypatch, whose
):
    from facilitation.ui.seat_memory import cookie_name

    if whose == "removed":
        seat = ui_room.join("gp")
        participant = ui_room.engine.facilitator_view(ui_room.code, ui_room.key).roster[0]
        ui_room.engine.remove_participant(ui_room.code, ui_room.key, participant.participant_id)
        token = seat.token
    elif whose == "another workshop's":
        other = ui_engine.create(mini_snapshot, passcode=PASSCODE)
        token = ui_engine.join(other.code, role_id="gp").token
    else:
        token = "<script>alert(1)</script>"
    _browser_holds(monkeypatch, {cookie_name(ui_room.code): token})
    at = open_page("join", code=ui_room.code)
    assert at.radio[0].label == "Which agency will you play?"
    assert "t" not in at.query_params


def test_the_play_page_keeps_its_seat_in_this_browser(open_page, ui_room):
    from facilitation.ui.seat_memory import cookie_name

    seat = ui_room.join("school")
    at = open_page("play", t=seat.token)
    frames = [element.proto.srcdoc for element in at.get("iframe")]
    assert len(frames) == 1
    assert f"{cookie_name(ui_room.code)}={seat.token}" in frames[0]
    assert "SameSite=Strict" in frames[0]
