"""What the room's real-browser tests share: `streamlit run` on a free port (all interfaces, so that the
join address other laptops are given answers too), Debian's Chromium, and the checks a person would
make: nothing scrolls on the projector, axe-core finds nothing critical or serious.

Test modules import the fixtures by name (`from tests.system.browser_room import browser, server`).
Skipped, with the reason, when /usr/bin/chromium is missing (CI installs it and sets
EASI_REQUIRE_BROWSER, and then a missing browser fails).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import PROJECT

CHROMIUM = Path("/usr/bin/chromium")
MINI = PROJECT / "tests" / "data" / "mini"
SHOTS = PROJECT / "artifacts" / "screenshots"
PASSCODE = "room-test-passcode"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
WAIT = 20_000  # ms: ample for a page to draw on a slow machine
POLL = 2 * 2_000 + 2_000  # ms: one poll of 2 s, its redraw, and a margin: "within one poll"
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# WCAG 2.1 A and AA; a violation of these rules at "critical" or "serious" impact fails the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"critical", "serious"})

if not CHROMIUM.exists():
    if os.environ.get("EASI_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing although EASI_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
expect.set_options(timeout=WAIT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port with a throw-away database; yields the address a facilitator on this
    machine would type: `http://localhost:<port>`."""
    data = tmp_path_factory.mktemp("room-data")
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
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
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


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
            return answer.read().strip() == b"ok"
    except OSError:
        return False


healthy = _healthy


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def new_page(browser, viewport=LAPTOP):
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(WAIT)
    return page


def settle(page) -> None:
    """Wait until the script has finished running (the running indicator has gone)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT
    )
    page.wait_for_timeout(400)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def scrolls(page) -> list[str]:
    """Elements whose content is taller than their box: empty when everything fits the screen."""
    return page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => {
        const style = getComputedStyle(e);
        return ['auto', 'scroll'].includes(style.overflowY) && e.scrollHeight > e.clientHeight + 2;
    }).map(e => (e.getAttribute('data-testid') || e.tagName) + ' ' + e.scrollHeight + '>' + e.clientHeight)""")


def axe_problems(page, state: str) -> list[str]:
    """axe-core's critical and serious WCAG 2.1 A/AA violations on the page as it is now, and any
    heading that skips a level (axe's `heading-order`: a screen reader's outline of the page)."""
    from axe_playwright_python.sync_playwright import Axe

    settle(page)
    page.wait_for_timeout(1000)  # elements fade in after a run: judge their colours once they have
    # ... and once the app's own style sheet (st.html, loaded with the page's first run) is in.
    page.wait_for_function(
        "() => [...document.querySelectorAll('style')]"
        ".some(s => s.textContent.includes('stCaptionContainer'))",
        timeout=WAIT,
    )
    axe = Axe()
    wcag = axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    ).response["violations"]
    headings = axe.run(
        page, options={"runOnly": {"type": "rule", "values": ["heading-order"]}}
    ).response["violations"]
    return [
        f"{state}: {violation['id']} ({violation['impact']}) at "
        + "; ".join(
            f"{' '.join(node['target'])} {node['html'][:100]!r} {node.get('failureSummary', '')[:160]!r}"
            for node in violation["nodes"][:3]
        )
        for violation in [*wcag, *headings]
        if violation["impact"] in FAILING_IMPACTS or violation["id"] == "heading-order"
    ]


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
