"""A practitioner's seat in a real browser: re-opening the join link (the QR code's address) in a
browser that already holds a seat goes back to that seat with its answers, never to a second one, while
another browser gets a seat of its own; a dropped connection shows a calm "Reconnecting" notice that goes
when the connection is back, with every answer still there."""

from __future__ import annotations

import re

import pytest

from tests.system.browser_room import (
    LAPTOP,
    PASSCODE,
    POLL,
    PROJECTOR,
    WAIT,
    browser,
    click,
    expect,
    new_page,
    server,
    settle,
    shot,
)

__all__ = ["browser", "server"]  # the fixtures, imported for pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEVEL = "3 · Child in need"
LEVEL_GROUP = "Level of need you see now (required)"


def _page(browser, viewport):
    """A page in a new browser context, whose loads may take longer than one WAIT on a loaded machine."""
    page = new_page(browser, viewport)
    page.set_default_navigation_timeout(3 * WAIT)
    return page


def _room(browser, server):
    """A new workshop: the facilitator's page, its code, and the projector (which counts the seats)."""
    facilitator = _page(browser, LAPTOP)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    # The server's first page run imports the whole app: on a loaded machine, more than one WAIT.
    create = facilitator.get_by_role("button", name="Create the workshop", exact=True)
    expect(create).to_be_visible(timeout=3 * WAIT)
    create.click()
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    link = facilitator.get_by_role("link", name="Open the projector view")
    expect(link).to_be_visible(timeout=3 * WAIT)  # the page streams in: the heading comes first
    projector = _page(browser, PROJECTOR)
    projector.goto(link.get_attribute("href"))
    expect(projector.get_by_text(code, exact=True)).to_be_visible()
    return facilitator, code, projector


def _token(page) -> str:
    expect(page).to_have_url(re.compile(r"/play\?t="))
    return re.search(r"[?&]t=([\w-]+)", page.url).group(1)


def _join_as_school(page, server: str, code: str) -> str:
    page.goto(f"{server}/?code={code}")
    school = page.get_by_role("radiogroup", name="Which agency will you play?").get_by_text(
        re.compile("Test Primary School")
    )
    expect(school).to_be_visible(timeout=3 * WAIT)  # a loaded machine, a proxied websocket
    school.click()
    click(page, "Join")
    expect(page.get_by_text("You play Test Primary School (DSL)")).to_be_visible()
    return _token(page)


def _seats(projector, count: int) -> None:
    """The projector's lobby counts `count` people, and still does one poll later."""
    expect(projector.get_by_test_id("stMetricValue")).to_have_text(str(count))
    projector.wait_for_timeout(POLL)
    expect(projector.get_by_test_id("stMetricValue")).to_have_text(str(count))


def test_the_join_link_in_a_seated_browser_returns_the_seat(server, browser):
    facilitator, code, projector = _room(browser, server)
    laptop = _page(browser, LAPTOP)
    token = _join_as_school(laptop, server, code)
    _seats(projector, 1)

    # The same browser opens the QR code's address again (and a lower-case join link): the same seat.
    laptop.goto(f"{server}/?code={code}")
    assert _token(laptop) == token
    expect(laptop.get_by_text("You play Test Primary School (DSL)")).to_be_visible()
    laptop.goto(f"{server}/join?code={code.lower()}")
    assert _token(laptop) == token
    _seats(projector, 1)

    # Another browser is another person: a seat of its own.
    other = _page(browser, LAPTOP)
    other.goto(f"{server}/?code={code}")
    expect(other.get_by_text("Which agency will you play?")).to_be_visible()
    click(other, "Join")
    assert _token(other) != token
    _seats(projector, 2)

    # An answer given, then the join link in a new tab of the first browser: the seat and its answer.
    click(facilitator, "Open stage 1")
    expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    laptop.get_by_role("radiogroup", name=LEVEL_GROUP).get_by_text(LEVEL, exact=True).click()
    expect(laptop.get_by_role("radio", name=LEVEL)).to_be_checked()
    settle(laptop)  # the answer is saved by the run its click started
    again = laptop.context.new_page()
    again.set_default_navigation_timeout(3 * WAIT)
    again.goto(f"{server}/?code={code}")
    assert _token(again) == token
    expect(again.get_by_role("radio", name=LEVEL)).to_be_checked()
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("0 of 2")


def test_a_dropped_connection_says_reconnecting_and_comes_back(server, browser):
    facilitator, code, _projector = _room(browser, server)
    laptop = _page(browser, LAPTOP)
    down = {"now": False}
    sockets = []

    def stream(socket) -> None:  # the page's websocket, through a switch this test holds
        if down["now"]:
            socket.close()
            return
        sockets.append(socket)
        socket.connect_to_server()

    def health(route) -> None:  # the frontend asks this before it reconnects
        if down["now"]:
            route.abort()
        else:
            route.continue_()

    laptop.route_web_socket(re.compile(r"/_stcore/stream"), stream)
    laptop.route(re.compile(r"/_stcore/health"), health)
    _join_as_school(laptop, server, code)
    click(facilitator, "Open stage 1")
    expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    # The stage's own run ends first: this test is about the connection, not that race.
    settle(laptop)
    laptop.get_by_role("radiogroup", name=LEVEL_GROUP).get_by_text(LEVEL, exact=True).click()
    expect(laptop.get_by_role("radio", name=LEVEL)).to_be_checked()
    settle(laptop)
    notice = laptop.get_by_text("Reconnecting… your answers are saved.")
    expect(notice).to_be_hidden()

    down["now"] = True  # the wifi drops
    for socket in sockets:
        socket.close()
    expect(notice).to_be_visible()
    expect(laptop.get_by_text("Is Streamlit still running?")).to_be_hidden()
    laptop.wait_for_timeout(3000)  # long enough for Streamlit's own "Connection error" dialog
    expect(notice).to_be_visible()
    expect(laptop.get_by_text("Is Streamlit still running?")).to_be_hidden()
    shot(laptop, "seat-reconnecting")

    down["now"] = False  # and comes back
    expect(notice).to_be_hidden(timeout=3 * WAIT)
    expect(laptop.locator('[data-test-connection-state="CONNECTED"]')).to_have_count(1)
    expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    expect(laptop.get_by_role("radio", name=LEVEL)).to_be_checked()
    laptop.reload()  # what the server kept, not only what the page still showed
    expect(laptop.get_by_role("radio", name=LEVEL)).to_be_checked()
