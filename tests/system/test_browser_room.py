"""The facilitator drives the room's screen, in a real browser: the join address other laptops can use,
every projector view within 1280x720, the facilitator's choice on the projector within one poll, a
countdown that stops with the lock, and Close only once confirmed. Screenshots go to
artifacts/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from facilitation import network
from tests.system.browser_room import (
    LAPTOP,
    PASSCODE,
    POLL,
    PROJECTOR,
    browser,
    click,
    expect,
    healthy,
    new_page,
    scrolls,
    server,
    settle,
    shot,
)

__all__ = ["browser", "server"]  # the fixtures, imported for pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REVEAL = (
    "Who knew what",
    "Who shared with whom",
    "Level of need",
    "Prompts",
    "What lets us share",
    "The stage",
)
ENDING = (
    "What happened",
    "Key messages",
    "What held people back",
    "What the room brought",
    "Who leads, by stage",
    "Sharing",
    "The front door",
    "Who knew what",
)


def _create(browser, server):
    facilitator = new_page(browser, LAPTOP)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    return facilitator, code


def _show(facilitator, view: str) -> None:
    """Choose what the room sees in the facilitator's Projector section."""
    facilitator.get_by_role("radiogroup", name="The room sees").get_by_text(
        view, exact=True
    ).click()
    settle(facilitator)


def _fits(projector, name: str) -> None:
    settle(projector)
    assert scrolls(projector) == [], f"the projector's {name!r} must fit 1280x720"
    shot(projector, f"room-projector-{name.lower().replace(' ', '-')}")


def test_the_join_address_is_one_other_laptops_can_reach(server, browser):
    facilitator, code = _create(browser, server)
    link = facilitator.locator(".st-key-join-url code").inner_text().strip()
    assert link.endswith(f"/?code={code}")
    host = urlsplit(link).hostname
    lan = network.choose_address(network.machine_addresses())
    if lan is None:  # a machine with no network: the facilitator is told, loudly
        expect(facilitator.get_by_text("Nobody else can join yet")).to_be_visible()
        return
    assert not network.is_loopback_host(host), link  # the facilitator browsed to localhost
    assert healthy(f"http://{link.split('://', 1)[1].split('/', 1)[0]}")  # and it answers
    expect(facilitator.get_by_text("Nobody else can join yet")).to_have_count(0)
    qr = facilitator.get_by_role("img", name=re.compile("^QR code: a link to join"))
    expect(qr).to_have_attribute("alt", re.compile(re.escape(link)))


def test_the_facilitator_drives_the_projector(server, browser):
    facilitator, code = _create(browser, server)
    projector_url = facilitator.get_by_role("link", name="Open the projector view").get_attribute(
        "href"
    )
    projector = new_page(browser, PROJECTOR)
    projector.goto(projector_url)
    expect(projector.get_by_text(code, exact=True)).to_be_visible()
    _fits(projector, "lobby")
    click(facilitator, "Fill 4 empty roles with simulated participants")
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("4", timeout=POLL)

    # The first half of the day, before stage 1: the agencies side by side, then where each acts.
    facilitator.get_by_text("Projector", exact=True).first.click()
    _show(facilitator, "The agencies side by side")
    expect(projector.get_by_role("heading", name="The agencies in the room")).to_be_visible(
        timeout=POLL
    )
    _fits(projector, "perspectives")
    _show(facilitator, "Where each agency acts")
    expect(projector.get_by_role("heading", name="Where each agency acts")).to_be_visible(
        timeout=POLL
    )
    _fits(projector, "ladder")
    _show(facilitator, "Join code and QR")
    expect(projector.get_by_text(code, exact=True)).to_be_visible(timeout=POLL)

    # One next step at a time: in the lobby, opening stage 1.
    primary = facilitator.locator('[data-testid="stBaseButton-primary"]')
    expect(primary).to_have_count(1)
    expect(primary).to_have_text(re.compile("Open stage 1"))
    click(facilitator, "Open stage 1")
    expect(projector.get_by_role("heading", name=re.compile("^Stage 1:"))).to_be_visible(
        timeout=POLL
    )
    expect(primary).to_have_text(re.compile("Lock"))

    # A countdown shows large on the projector, and stops with the lock.
    facilitator.get_by_text("Stage", exact=True).first.click()
    click(facilitator, "Start countdown")
    countdown = projector.locator(".st-key-countdown-large")
    expect(countdown).to_contain_text("left", timeout=POLL)
    _fits(projector, "stage")
    click(facilitator, "Lock")
    expect(countdown).to_have_count(0, timeout=POLL)
    expect(primary).to_have_text(re.compile("Reveal"))

    # After the reveal the facilitator picks each view; the projector follows within one poll.
    click(facilitator, "Reveal")
    expect(projector.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    facilitator.get_by_text("Projector", exact=True).first.click()
    expect(
        facilitator.get_by_title("Preview of the projector: what the room sees now")
    ).to_be_visible()
    for view in REVEAL:
        _show(facilitator, view)
        expected = {
            "Who knew what": projector.get_by_text("Who knew what", exact=False),
            "Prompts": projector.get_by_role("heading", name=re.compile("^Questions for the room")),
            "What lets us share": projector.get_by_role(
                "heading", name=re.compile("^What lets us share")
            ),
            "The stage": projector.get_by_text("This stage has been revealed."),
            # one person per agency here: who shared with whom is pooled off the screen
            "Who shared with whom": projector.get_by_text(
                "who shared with whom stays off this screen"
            ),
        }.get(view)
        if expected is not None:
            expect(expected.first).to_be_visible(timeout=POLL)
        else:
            chart = projector.locator(f'[aria-label^="{view}"], [aria-label*="{view.lower()}"]')
            expect(chart.first).to_be_attached(timeout=POLL)
        _fits(projector, f"reveal {view}")
    _show(facilitator, "Join code and QR")
    expect(projector.get_by_text(code, exact=True)).to_be_visible(timeout=POLL)
    _fits(projector, "join during a stage")
    shot(facilitator, "room-facilitator-projector-section")

    for _ in range(2):
        facilitator.get_by_role("button", name=re.compile(r"^Open stage [23]$")).click()
        click(facilitator, "Reveal")
        settle(facilitator)
    click(facilitator, "Start the debrief")
    expect(projector.get_by_role("heading", name="What happened")).to_be_visible(timeout=POLL)
    facilitator.get_by_text("Projector", exact=True).first.click()
    for view in ENDING:
        _show(facilitator, view)
        settle(projector)
        projector.wait_for_timeout(POLL)
        _fits(projector, f"debrief {view}")

    # Close asks first; then the room is thanked.
    facilitator.get_by_text("Close", exact=True).first.click()
    click(facilitator, "Close the workshop…")
    expect(facilitator.get_by_text("cannot be undone")).to_be_visible()
    click(facilitator, "Yes, close the workshop")
    expect(projector.get_by_text("This workshop has closed")).to_be_visible(timeout=POLL)
    _fits(projector, "closed")


def test_a_facilitator_link_without_its_key_says_so(server, browser):
    page = new_page(browser, LAPTOP)
    page.goto(f"{server}/facilitate?w=K7QW3M")
    expect(page.get_by_text("not its facilitator key")).to_be_visible()
    expect(page.get_by_role("button", name="Create the workshop")).to_have_count(0)
