"""The room's activities in a real browser: the facilitator runs the room's own barriers, a laptop
sends a line of its own, the facilitator approves it and closes the activity, and the projector shows
the board; at the first reveal the facilitator asks "Who leads?", the laptop answers in one tap, and the
projector shows the split beside the scenario's lead. Every projector view fits 1280x720."""

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
    scrolls,
    server,
    settle,
    shot,
)

__all__ = ["browser", "server"]  # the fixtures, imported for pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINE = "Nobody rings back after a referral."


def _fits(projector, name: str) -> None:
    settle(projector)
    assert scrolls(projector) == [], f"the projector's {name!r} must fit 1280x720"
    shot(projector, f"activities-projector-{name}")


def test_barriers_with_approval_and_who_leads_at_a_reveal(server, browser):
    facilitator = new_page(browser, LAPTOP)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    # The first page of a fresh server compiles every module: on a loaded machine, give it time.
    expect(facilitator.get_by_role("button", name="Create the workshop")).to_be_visible(
        timeout=3 * WAIT
    )
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible(
        timeout=3 * WAIT
    )
    expect(facilitator.get_by_role("link", name="Open the projector view")).to_be_visible(
        timeout=3 * WAIT
    )
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    projector = new_page(browser, PROJECTOR)
    projector.goto(
        facilitator.get_by_role("link", name="Open the projector view").get_attribute("href")
    )
    expect(projector.get_by_text(code, exact=True)).to_be_visible()

    # One person on a laptop plays the school; simulated participants fill the other roles.
    laptop = new_page(browser, LAPTOP)
    laptop.goto(f"{server}/?code={code.lower()}")
    laptop.get_by_role("radiogroup", name="Which agency will you play?").get_by_text(
        re.compile("Test Primary School")
    ).click()
    click(laptop, "Join")
    expect(laptop.get_by_text("You play Test Primary School (DSL)")).to_be_visible()
    click(facilitator, "Fill 3 empty roles with simulated participants")
    settle(facilitator)

    # The room's own barriers: run, answered on the laptop, approved, closed and shown.
    click(facilitator, "Run the room's own barriers")
    expect(laptop.get_by_text("Before we start: what holds you back at work?")).to_be_visible(
        timeout=POLL
    )
    laptop.get_by_role("textbox", name="Or in your own words (optional)").fill(LINE)
    click(laptop, "Send")
    expect(laptop.get_by_text("Thank you.", exact=False)).to_be_visible()
    controls = facilitator.locator(".st-key-barriers-controls")
    ours = controls.locator('[data-testid="stText"]', has_text=LINE)
    expect(ours).to_be_visible(timeout=POLL)
    expect(projector.get_by_text(LINE)).to_have_count(0)  # nothing before approval and close
    ours.locator('xpath=following::*[@data-testid="stCheckbox"][1]').locator("label").click()
    settle(facilitator)
    click(facilitator, "Close and show on the projector")
    expect(projector.get_by_role("heading", name="What holds us back at work")).to_be_visible(
        timeout=POLL
    )
    expect(projector.get_by_text(LINE, exact=False)).to_be_visible(timeout=POLL)
    _fits(projector, "barriers")

    # "Who leads?" at the first reveal: one tap on the laptop, the split beside the lead.
    click(facilitator, "Open stage 1")
    settle(facilitator)
    click(facilitator, "Reveal")
    settle(facilitator)
    click(facilitator, "Ask the room: who leads now?")
    expect(laptop.get_by_text("Who should lead now?")).to_be_visible(timeout=POLL)
    click(laptop, "Children's SC")
    expect(laptop.get_by_text("You said: Children's SC.", exact=False)).to_be_visible()
    expect(facilitator.get_by_text("4 answered")).to_be_visible(timeout=POLL)
    click(facilitator, "Close and show on the projector")
    expect(projector.get_by_role("heading", name="Who leads now? Stage 1")).to_be_visible(
        timeout=POLL
    )
    expect(projector.get_by_text("The scenario's lead")).to_be_visible()
    expect(projector.get_by_text(re.compile(r"^Children's SC: \d$")).first).to_be_visible()
    _fits(projector, "who-leads")

    # The debrief: what the room brought beside the play, and who it said leads, on the projector.
    for _ in range(2):
        facilitator.get_by_role("button", name=re.compile(r"Open stage [23]$")).click()
        settle(facilitator)
        click(facilitator, "Reveal")
        expect(facilitator.get_by_text(re.compile(r"Stage \d of 3 · Revealed"))).to_be_visible()
    click(facilitator, "Start the debrief")
    expect(projector.get_by_role("heading", name="What happened")).to_be_visible(timeout=POLL)
    facilitator.get_by_text("What the room brought", exact=True).click()
    expect(projector.get_by_role("heading", name="What the room brought")).to_be_visible(
        timeout=POLL
    )
    expect(
        projector.get_by_text("The barriers of their real jobs, beside those cited in play")
    ).to_be_visible()
    _fits(projector, "debrief-room")
    facilitator.get_by_text("Who leads, by stage", exact=True).click()
    expect(
        projector.get_by_text("Stage 1 \u00b7 A bruise and a call-out", exact=True)
    ).to_be_visible(timeout=POLL)
    _fits(projector, "debrief-leads")
