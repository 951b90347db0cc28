"""A whole workshop in a real browser: `streamlit run` on a free port, Debian's Chromium through Playwright,
a facilitator, a projector and three participants in separate browser contexts, from creating the workshop
to downloading the HTML report. One participant refreshes mid-stage and keeps their draft.

Screenshots of every view go to artifacts/screenshots/ (git-ignored) for a person to look at.
Skipped, with the reason, only when /usr/bin/chromium is missing (CI installs it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.system.browser_room import (
    MINI_LIBRARY,
    PROJECTOR,
    app_server,
    browser,
    click,
    decide,
    expect,
    join,
    new_page,
    pill,
    require_chromium,
    scrolls,
    shot,
)

__all__ = ["browser"]  # the fixture, imported for pytest

# CI installs chromium and sets EASI_REQUIRE_BROWSER: there, a missing browser fails rather than skips.
require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSCODE = "browser-test-passcode"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on the mini library, on the loopback address only; yields its base URL."""
    with app_server(
        tmp_path_factory.mktemp("browser-data"),
        {"EASI_PASSCODE": PASSCODE, **MINI_LIBRARY},
        address="127.0.0.1",
    ) as app:
        yield app.base


# --------------------------------------------------------------------------------------------- test


def test_a_whole_workshop_in_the_browser(server, browser):
    # The facilitator creates the workshop from the passcode link printed on the console.
    facilitator = new_page(browser)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    expect(facilitator.get_by_role("heading", name="Facilitate a workshop")).to_be_visible()
    assert "passcode" not in facilitator.url
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    assert re.search(r"[?&]k=[\w-]{30,}", facilitator.url)
    expect(facilitator.get_by_text("Waiting to start")).to_be_visible()
    projector_url = facilitator.get_by_role("link", name="Open the projector view").get_attribute(
        "href"
    )
    shot(facilitator, "facilitator-lobby", full=True)

    # The projector, read-only, at 1280x720.
    projector = new_page(browser, PROJECTOR)
    assert projector_url.startswith(f"{server}/projector?w={code}&k="), projector_url
    projector.goto(projector_url)
    expect(projector.get_by_text(code, exact=True)).to_be_visible()
    expect(projector.get_by_role("img")).to_be_visible()  # the QR code

    # Three participants join from their laptops.
    school = join(browser, server, code, "Ana", "Test Primary School")
    shot(school, "join", full=True)
    click(school, "Join")
    expect(school.get_by_text("You play Test Primary School (DSL)")).to_be_visible()
    assert "/play?t=" in school.url
    expect(school.get_by_text("What pushes you to share")).to_be_visible()
    shot(school, "role-card", full=True)

    police = join(browser, server, code, "<b>Bo</b> **bold**", "Test Police")
    click(police, "Join")
    expect(
        police.get_by_text("Seated as <b>Bo</b> **bold**", exact=False)
    ).to_be_visible()  # literally
    social = join(browser, server, code, "", "Test children's social care")
    click(social, "Join")
    expect(social.get_by_text("You play Test children's social care")).to_be_visible()

    # The projector's poll picks up the three joins.
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("3")
    assert scrolls(projector) == [], "the projector lobby must fit 1280x720"
    shot(projector, "projector-lobby")

    # Stage 1 opens; every laptop redraws by itself.
    click(facilitator, "Open stage 1")
    for laptop in (school, police, social):
        expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    expect(school.get_by_role("heading", name="New at this stage (1)")).to_be_visible()

    # The school fills in part of its form (each answer saved as given) and refreshes: nothing is lost.
    card = school.locator(".st-key-fact-card-0-bruise")
    pill(school, card, "Children's SC")
    pill(school, card, "A safeguarding or statutory duty")
    decide(school, "3 · Child in need", "Refer to social care / MASH")
    note = school.get_by_role("textbox", name=re.compile("^Note"))
    note.fill("Finger-tip bruises: refer today.")
    note.press("Tab")  # a text box commits (and saves) when it loses focus
    expect(school.get_by_text("Your answers are saved as you go")).to_be_visible()
    school.wait_for_timeout(1000)
    school.reload()
    expect(school.get_by_role("heading", name="New at this stage (1)")).to_be_visible()
    card = school.locator(".st-key-fact-card-0-bruise")
    expect(card.locator('button[aria-pressed="true"]').first).to_have_text("Children's SC")
    expect(school.get_by_role("textbox", name=re.compile("^Note"))).to_have_value(
        "Finger-tip bruises: refer today."
    )
    expect(
        school.get_by_role("combobox", name="What your agency would do next (required)")
    ).to_have_value("Refer to social care / MASH")
    expect(school.get_by_role("radio", name="3 · Child in need")).to_be_checked()
    shot(school, "play", full=True)
    click(school, "Submit")
    expect(school.get_by_text("Submitted. You can change your answers")).to_be_visible()

    police_card = police.locator(".st-key-fact-card-0-dv_callout")
    pill(police, police_card, "School")
    decide(police, "2 · Early help", "Monitor")
    click(police, "Submit")
    expect(police.get_by_text("Submitted. You can change your answers")).to_be_visible()
    decide(social, "1 · Universal", "No further action")
    click(social, "Submit")
    expect(social.get_by_text("Submitted. You can change your answers")).to_be_visible()

    # The projector counts decisions while the stage is open, and shows none of them.
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("3 of 3")
    assert "Finger-tip" not in projector.content()
    assert scrolls(projector) == [], "the projector's stage screen must fit 1280x720"
    shot(projector, "projector-stage")

    # Reveal: the projector shows who knew what; each laptop compares with guidance.
    click(facilitator, "Reveal")
    expect(projector.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    shot(projector, "projector-reveal")
    expect(school.get_by_text("Revealed: how your decisions compare")).to_be_visible()
    expect(school.get_by_text("as guidance says", exact=False).first).to_be_visible()
    shot(school, "play-revealed", full=True)
    shot(facilitator, "facilitator-reveal", full=True)

    # The remaining stages, straight through, then the debrief.
    for _ in range(2):
        facilitator.get_by_role("button", name=re.compile(r"Open stage [23]$")).click()
        expect(
            facilitator.get_by_text(re.compile(r"Stage \d of 3 · Open for decisions"))
        ).to_be_visible()
        # Let the police laptop's 2-second poll catch up: it shows the new stage's form, whatever its
        # earlier form's state. Without this wait the facilitator can outrun the poll.
        expect(police.get_by_text(re.compile(r"Stage [23] of 3 · Open")).first).to_be_visible()
        click(facilitator, "Reveal")
        expect(facilitator.get_by_text(re.compile(r"Stage \d of 3 · Revealed"))).to_be_visible()
    click(facilitator, "Start the debrief")
    expect(projector.get_by_role("heading", name="What happened")).to_be_visible()
    expect(projector.get_by_text("The new partner was assaulting Sam")).to_be_visible()
    shot(projector, "projector-debrief")
    # The police laptop had stage 3's form open, unsubmitted: it follows within one poll, no click.
    expect(police.get_by_text("The new partner was assaulting Sam")).to_be_visible()

    # Every export is offered; the HTML report downloads and reads right.
    facilitator.get_by_text("Export", exact=True).click()
    expect(facilitator.get_by_role("button", name="Report (HTML)")).to_be_visible()
    with facilitator.expect_download() as download:
        click(facilitator, "Report (HTML)")
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "The Test family" in report
    assert "<script" not in report.lower()
    assert "Ana" not in report and "Bo</b>" not in report  # labels, never names
    for label in ("Report (PDF)", "Report (Markdown)", "Decisions (CSV)", "Everything (JSON)"):
        expect(facilitator.get_by_role("button", name=label)).to_be_visible()

    # The studio shows a broken file's errors at their lines.
    studio = new_page(browser)
    studio.goto(f"{server}/studio")
    expect(studio.get_by_role("heading", name="Studio")).to_be_visible()
    studio.get_by_role("textbox", name="YAML").fill("id: broken\ntitle: [unclosed\n")
    click(studio, "Check")
    expect(studio.get_by_text(re.compile(r"problems? in"))).to_be_visible()
    shot(studio, "studio", full=True)
