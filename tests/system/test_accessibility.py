"""WCAG 2.1 AA in a real browser: axe-core (bundled by axe-playwright-python) on every page state of a
workshop, failing on any critical or serious violation; and the join flow by keyboard alone."""

from __future__ import annotations

import re

import pytest

from tests.system.browser_room import (
    LAPTOP,
    PASSCODE,
    PHONE,
    POLL,
    PROJECTOR,
    axe_problems,
    browser,
    click,
    expect,
    new_page,
    server,
    settle,
)

__all__ = ["browser", "server"]  # the fixtures, imported for pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _section(facilitator, name: str) -> None:
    facilitator.get_by_text(name, exact=True).first.click()
    settle(facilitator)


def test_every_page_state_passes_axe(server, browser):
    found: list[str] = []
    check = lambda page, state: found.extend(axe_problems(page, state))

    home = new_page(browser, LAPTOP)
    home.goto(server)
    check(home, "home")
    home.goto(f"{server}/studio")
    expect(home.get_by_role("heading", name="Studio")).to_be_visible()
    check(home, "studio")

    facilitator = new_page(browser, LAPTOP)
    facilitator.goto(f"{server}/facilitate")
    check(facilitator, "facilitate: create")
    facilitator.get_by_role("textbox", name=re.compile("^Operator passcode")).fill("wrong")
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_text("passcode is not right")).to_be_visible()
    check(facilitator, "facilitate: wrong passcode")
    facilitator.goto(f"{server}/facilitate?w=K7QW3M")
    check(facilitator, "facilitate: no key")
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    check(facilitator, "facilitator: lobby")
    projector = new_page(browser, PROJECTOR)
    projector.goto(
        facilitator.get_by_role("link", name="Open the projector view").get_attribute("href")
    )
    expect(projector.get_by_text(code, exact=True)).to_be_visible()
    check(projector, "projector: lobby")

    phone = new_page(browser, PHONE)
    phone.goto(f"{server}/join")
    check(phone, "join: no code")
    phone.get_by_role("textbox", name="Workshop code").fill("abc")
    click(phone, "Continue")
    expect(phone.get_by_text("is not a workshop code")).to_be_visible()
    check(phone, "join: wrong code")
    phone.goto(f"{server}/?code={code}")
    expect(phone.get_by_text("Which agency will you play?")).to_be_visible()
    check(phone, "join: choose a role")
    click(phone, "Join")
    expect(phone).to_have_url(re.compile(r"/play\?t="))
    check(phone, "play: lobby")

    click(facilitator, "Fill 3 empty roles with simulated participants")
    click(facilitator, "Open stage 1")
    expect(projector.get_by_role("heading", name=re.compile("^Stage 1:"))).to_be_visible(
        timeout=POLL
    )
    check(facilitator, "facilitator: stage open")
    check(projector, "projector: stage open")
    check(phone, "play: stage open")
    click(facilitator, "Reveal")
    expect(projector.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    check(facilitator, "facilitator: revealed")
    check(projector, "projector: revealed")
    check(phone, "play: revealed")
    _section(facilitator, "Projector")
    check(facilitator, "facilitator: projector section")
    for _ in range(2):
        facilitator.get_by_role("button", name=re.compile(r"^Open stage [23]$")).click()
        click(facilitator, "Reveal")
        settle(facilitator)
    click(facilitator, "Start the debrief")
    expect(projector.get_by_role("heading", name="What happened")).to_be_visible(timeout=POLL)
    check(projector, "projector: debrief")
    check(facilitator, "facilitator: debrief")
    _section(facilitator, "Export")
    check(facilitator, "facilitator: export")
    _section(facilitator, "Close")
    click(facilitator, "Close the workshop…")
    check(facilitator, "facilitator: confirm close")
    click(facilitator, "Yes, close the workshop")
    expect(projector.get_by_text("This workshop has closed")).to_be_visible(timeout=POLL)
    check(projector, "projector: closed")
    assert found == [], "\n".join(found)


def test_joining_by_keyboard_alone(server, browser):
    facilitator = new_page(browser, LAPTOP)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)

    laptop = new_page(browser, LAPTOP)
    laptop.goto(f"{server}/join")
    settle(laptop)
    field = laptop.get_by_role("textbox", name="Workshop code")
    for _ in range(30):  # Tab from the top of the page to the code field
        laptop.keyboard.press("Tab")
        if field.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reaches the workshop code")
    laptop.keyboard.type(code.lower())
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_text("Which agency will you play?")).to_be_visible()
    name = laptop.get_by_role("textbox", name="Your name (optional)")
    for _ in range(30):
        laptop.keyboard.press("Tab")
        if name.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reaches the name")
    laptop.keyboard.type("Kim")
    laptop.keyboard.press("Tab")  # to the first role: "Give me a role"
    laptop.keyboard.press("ArrowDown")  # the next: the first agency nobody plays
    join = laptop.get_by_role("button", name="Join", exact=True)
    for _ in range(10):
        laptop.keyboard.press("Tab")
        if join.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reaches Join")
    laptop.keyboard.press("Enter")
    expect(laptop).to_have_url(re.compile(r"/play\?t="))
    expect(laptop.get_by_text("Kim", exact=False).first).to_be_visible()
