"""A whole workshop in a real browser: `streamlit run` on a free port, Debian's Chromium through Playwright,
a facilitator, a projector and three participants in separate browser contexts, from creating the workshop
to downloading the HTML report. One participant refreshes mid-stage and keeps their draft.

Screenshots of every view go to artifacts/screenshots/ (git-ignored) for a person to look at.
Skipped, with the reason, only when /usr/bin/chromium is missing (CI installs it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import PROJECT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
MINI = PROJECT / "tests" / "data" / "mini"
SHOTS = PROJECT / "artifacts" / "screenshots"
PASSCODE = "browser-test-passcode"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT = 20_000  # ms: two polls and a redraw, with room to spare on a slow machine
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    # CI installs chromium and sets EASI_REQUIRE_BROWSER: there, a missing browser fails rather than skips.
    if os.environ.get("EASI_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing although EASI_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium package to run the browser test",
        allow_module_level=True,
    )

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
expect = sync_api.expect
expect.set_options(timeout=WAIT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run workshop_app.py` on a free port with a throw-away database; yields its base URL."""
    data = tmp_path_factory.mktemp("browser-data")
    port = _free_port()
    env = {
        **os.environ,
        "EASI_DB": str(data / "easi.db"),
        "EASI_DATA": str(data),
        "EASI_PASSCODE": PASSCODE,
        "EASI_SCENARIOS": str(MINI / "scenarios"),
        "EASI_ROLES": str(MINI / "roles"),
    }
    env.pop("EASI_PUBLIC_URL", None)
    log = open(data / "server.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "workshop_app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("streamlit did not start:\n" + (data / "server.log").read_text())
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


# ------------------------------------------------------------------------------------------ helpers


def _page(browser, viewport=LAPTOP):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    return page


def _settle(page) -> None:
    """Wait until the script has finished running (the running indicator has gone)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT
    )
    page.wait_for_timeout(300)


def _shot(page, name: str, *, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _settle(page)
    if full:  # the page scrolls inside Streamlit's own container: grow the viewport to take it all
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
        )
        size = page.viewport_size
        page.set_viewport_size(
            {"width": size["width"], "height": min(max(height + 40, size["height"]), 4000)}
        )
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def _scrolls(page) -> list[str]:
    """Elements that scroll (content taller than the box): empty when everything fits the screen."""
    return page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => {
        const style = getComputedStyle(e);
        return ['auto', 'scroll'].includes(style.overflowY) && e.scrollHeight > e.clientHeight + 2;
    }).map(e => (e.getAttribute('data-testid') || e.tagName) + ' ' + e.scrollHeight + '>' + e.clientHeight)""")


def _choose(page, label: str, option: str, *, within=None, multiple: bool = False) -> None:
    """Pick `option` in the select box (or, `multiple`, the multiselect) labelled `label`."""
    scope = within or page
    for attempt in range(
        3
    ):  # a rerun that lands as the list opens redraws it closed: open it again
        scope.get_by_role("combobox", name=label).first.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=WAIT // 3)
            break
        except sync_api.TimeoutError:
            if attempt == 2:
                raise
    if multiple:  # a multiselect stays open for more; a select box closes (Escape would clear it)
        page.keyboard.press("Escape")
        # Its list covers the widgets below it until it has gone: a click before then lands on the list.
        expect(page.get_by_role("listbox")).to_have_count(0)


def _pill(page, within, label: str) -> None:
    """Click the pill `label` (one click: no list to open) and let the rerun that saves it settle. (A
    multi-select pill is a pressed button; a single-select one is a radio.)"""
    within.locator('[data-testid="stButtonGroup"]').get_by_text(label, exact=True).first.click()
    expect(
        within.locator('[aria-pressed="true"], [aria-checked="true"]').filter(has_text=label).first
    ).to_be_visible()


def _radio(page, group: str, option: str) -> None:
    page.get_by_role("radiogroup", name=group).get_by_text(option, exact=True).click()


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def _join(browser, base: str, code: str, name: str, role_label: str):
    page = _page(browser)
    page.goto(f"{base}/?code={code.lower()}")
    expect(page.get_by_text("Which agency will you play?")).to_be_visible()
    page.get_by_role("textbox", name="Your name (optional)").fill(name)
    page.get_by_role("radiogroup", name="Which agency will you play?").get_by_text(
        re.compile(re.escape(role_label))
    ).click()
    return page


def _decide(page, level: str, action: str) -> None:
    _radio(page, "Level of need you see now (required)", level)
    expect(page.get_by_role("radio", name=level)).to_be_checked()  # each answer reruns and is saved
    _choose(page, "What your agency would do next (required)", action)
    expect(
        page.get_by_role("combobox", name="What your agency would do next (required)")
    ).to_have_value(action)


# --------------------------------------------------------------------------------------------- test


def test_a_whole_workshop_in_the_browser(server, browser):
    started = time.monotonic()

    # The facilitator creates the workshop from the passcode link printed on the console.
    facilitator = _page(browser)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    expect(facilitator.get_by_role("heading", name="Facilitate a workshop")).to_be_visible()
    assert "passcode" not in facilitator.url
    _click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name="The Test family")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    assert re.search(r"[?&]k=[\w-]{30,}", facilitator.url)
    expect(facilitator.get_by_text("Waiting to start")).to_be_visible()
    projector_url = facilitator.get_by_role("link", name="Open the projector view").get_attribute(
        "href"
    )
    _shot(facilitator, "facilitator-lobby", full=True)

    # The projector, read-only, at 1280x720.
    projector = _page(browser, PROJECTOR)
    assert projector_url.startswith(f"{server}/projector?w={code}&k="), projector_url
    projector.goto(projector_url)
    expect(projector.get_by_text(code, exact=True)).to_be_visible()
    expect(projector.get_by_role("img")).to_be_visible()  # the QR code

    # Three participants join from their laptops.
    school = _join(browser, server, code, "Ana", "Test Primary School")
    _shot(school, "join", full=True)
    _click(school, "Join")
    expect(school.get_by_text("You play Test Primary School (DSL)")).to_be_visible()
    assert "/play?t=" in school.url
    expect(school.get_by_text("What pushes you to share")).to_be_visible()
    _shot(school, "role-card", full=True)

    police = _join(browser, server, code, "<b>Bo</b> **bold**", "Test Police")
    _click(police, "Join")
    expect(
        police.get_by_text("Seated as <b>Bo</b> **bold**", exact=False)
    ).to_be_visible()  # literally
    social = _join(browser, server, code, "", "Test children's social care")
    _click(social, "Join")
    expect(social.get_by_text("You play Test children's social care")).to_be_visible()

    # The projector's poll picks up the three joins.
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("3")
    assert _scrolls(projector) == [], "the projector lobby must fit 1280x720"
    _shot(projector, "projector-lobby")

    # Stage 1 opens; every laptop redraws by itself.
    _click(facilitator, "Open stage 1")
    for laptop in (school, police, social):
        expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    expect(school.get_by_role("heading", name="New at this stage (1)")).to_be_visible()

    # The school fills in part of its form (each answer saved as given) and refreshes: nothing is lost.
    card = school.locator(".st-key-fact-card-0-bruise")
    _pill(school, card, "Children's SC")
    _pill(school, card, "A safeguarding or statutory duty")
    _decide(school, "3 · Child in need", "Refer to social care / MASH")
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
    _shot(school, "play", full=True)
    _click(school, "Submit")
    expect(school.get_by_text("Submitted. You can change your answers")).to_be_visible()

    police_card = police.locator(".st-key-fact-card-0-dv_callout")
    _pill(police, police_card, "School")
    _decide(police, "2 · Early help", "Monitor")
    _click(police, "Submit")
    expect(police.get_by_text("Submitted. You can change your answers")).to_be_visible()
    _decide(social, "1 · Universal", "No further action")
    _click(social, "Submit")
    expect(social.get_by_text("Submitted. You can change your answers")).to_be_visible()

    # The projector counts decisions while the stage is open, and shows none of them.
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("3 of 3")
    assert "Finger-tip" not in projector.content()
    assert _scrolls(projector) == [], "the projector's stage screen must fit 1280x720"
    _shot(projector, "projector-stage")

    # Reveal: the projector shows who knew what; each laptop compares with guidance.
    _click(facilitator, "Reveal")
    expect(projector.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    _shot(projector, "projector-reveal")
    expect(school.get_by_text("Revealed: how your decisions compare")).to_be_visible()
    expect(school.get_by_text("as guidance says", exact=False).first).to_be_visible()
    _shot(school, "play-revealed", full=True)
    _shot(facilitator, "facilitator-reveal", full=True)

    # The remaining stages, straight through, then the debrief.
    for _ in range(2):
        facilitator.get_by_role("button", name=re.compile(r"Open stage [23]$")).click()
        expect(
            facilitator.get_by_text(re.compile(r"Stage \d of 3 · Open for decisions"))
        ).to_be_visible()
        # Let the police laptop's 2-second poll catch up: it shows the new stage's form, whatever its
        # earlier form's state. Without this wait the facilitator can outrun the poll.
        expect(police.get_by_text(re.compile(r"Stage [23] of 3 · Open")).first).to_be_visible()
        _click(facilitator, "Reveal")
        expect(facilitator.get_by_text(re.compile(r"Stage \d of 3 · Revealed"))).to_be_visible()
    _click(facilitator, "Start the debrief")
    expect(projector.get_by_role("heading", name="What happened")).to_be_visible()
    expect(projector.get_by_text("The new partner was assaulting Sam")).to_be_visible()
    _shot(projector, "projector-debrief")
    # The police laptop had stage 3's form open, unsubmitted: it follows within one poll, no click.
    expect(police.get_by_text("The new partner was assaulting Sam")).to_be_visible()

    # Every export is offered; the HTML report downloads and reads right.
    facilitator.get_by_text("Export", exact=True).click()
    expect(facilitator.get_by_role("button", name="Report (HTML)")).to_be_visible()
    with facilitator.expect_download() as download:
        _click(facilitator, "Report (HTML)")
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "The Test family" in report
    assert "<script" not in report.lower()
    assert "Ana" not in report and "Bo</b>" not in report  # labels, never names
    for label in ("Report (PDF)", "Report (Markdown)", "Decisions (CSV)", "Everything (JSON)"):
        expect(facilitator.get_by_role("button", name=label)).to_be_visible()

    # The studio shows a broken file's errors at their lines.
    studio = _page(browser)
    studio.goto(f"{server}/studio")
    expect(studio.get_by_role("heading", name="Studio")).to_be_visible()
    studio.get_by_role("textbox", name="YAML").fill("id: broken\ntitle: [unclosed\n")
    _click(studio, "Check")
    expect(studio.get_by_text(re.compile(r"problems? in"))).to_be_visible()
    _shot(studio, "studio", full=True)

    assert time.monotonic() - started < 170, "the browser test should stay under three minutes"
