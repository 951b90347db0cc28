"""What the real-server and real-browser tests share: the app started with `streamlit run` on a free port
(`app_server`), Debian's Chromium (`launch`), the `server` and `browser` fixtures, and the steps a person
takes (join, choose, decide) and checks they make (nothing scrolls on the projector, axe-core finds nothing
critical or serious).

Test modules import the fixtures by name (`from tests.system.browser_room import browser, server`).
A test that needs Chromium is skipped, with the reason, when /usr/bin/chromium is missing, and fails when
EASI_REQUIRE_BROWSER is set (CI installs it and sets it): call `require_chromium()` at a module's top for
the whole module, or rely on the fixtures, which call it. `app_server` alone needs no browser (the hostile
network test uses it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import MINI, PROJECT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = PROJECT / "artifacts" / "screenshots"
PASSCODE = "room-test-passcode"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT = 20_000  # ms: ample for a page to draw on a slow machine
POLL = 2 * 2_000 + 2_000  # ms: one poll of 2 s, its redraw, and a margin: "within one poll"
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# WCAG 2.1 A and AA; a violation of these rules at "critical" or "serious" impact fails the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"critical", "serious"})
MINI_LIBRARY = {"EASI_SCENARIOS": str(MINI / "scenarios"), "EASI_ROLES": str(MINI / "roles")}

# Playwright is a test dependency (pyproject's `test` extra): missing, the browser tests cannot run.
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
expect.set_options(timeout=WAIT)


def require_chromium() -> None:
    """Skip (module level or in a fixture) when Chromium is missing; fail instead when CI requires it."""
    if CHROMIUM.exists():
        return
    if os.environ.get("EASI_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing although EASI_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)


# -------------------------------------------------------------------------------------------- server


def _free_port(address: str = "") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def healthy(base: str) -> bool:
    """Whether the Streamlit server at `base` answers its health check."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
            return answer.read().strip() == b"ok"
    except OSError:
        return False


@dataclass(frozen=True)
class AppServer:
    """A running app: the address to browse to, its port and its process."""

    base: str
    port: int
    process: subprocess.Popen


@contextmanager
def app_server(
    data: Path, env: Mapping[str, str] | None = None, *, address: str | None = None
) -> Iterator[AppServer]:
    """`streamlit run workshop_app.py` from the project root (so with .streamlit/config.toml) on a free
    port, with a throw-away database in `data` and the extra environment `env`; on all interfaces
    (browsed as localhost) unless `address` is given. Stopped on exit; its log is `data/server.log`."""
    port = _free_port(address or "")
    full_env = {
        **os.environ,
        "EASI_DB": str(data / "easi.db"),
        "EASI_DATA": str(data),
        **(env or {}),
    }
    full_env.pop("EASI_PUBLIC_URL", None)
    bind = ["--server.address", address] if address else []
    log_path = data / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "workshop_app.py",
                "--server.port",
                str(port),
                *bind,
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=PROJECT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://{address or 'localhost'}:{port}"
        try:
            deadline = time.monotonic() + 60
            while not healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError("streamlit did not start:\n" + log_path.read_text())
                time.sleep(0.3)
            yield AppServer(base, port, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on the mini library, on all interfaces (so that the join address other laptops are given
    answers too); yields the address a facilitator on this machine would type: `http://localhost:<port>`."""
    require_chromium()
    with app_server(
        tmp_path_factory.mktemp("room-data"), {"EASI_PASSCODE": PASSCODE, **MINI_LIBRARY}
    ) as app:
        yield app.base


# ------------------------------------------------------------------------------------------- browser


@contextmanager
def launch() -> Iterator[object]:
    """Debian's Chromium through Playwright, closed on exit."""
    require_chromium()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser():
    with launch() as chromium:
        yield chromium


def new_page(browser, viewport=LAPTOP):
    """A page in a fresh context (its own cookies and session: another laptop), downloads accepted."""
    page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    page.set_default_timeout(WAIT)
    return page


def settle(page) -> None:
    """Wait until the script has finished running (the running indicator has gone)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT
    )
    page.wait_for_timeout(400)


def shot(page, name: str, *, full: bool = False) -> None:
    """A screenshot in artifacts/screenshots/ for a person to look at; `full`: the whole page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    if not full:
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        return
    # The page scrolls inside Streamlit's own container: grow the viewport to take it all.
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


# ----------------------------------------------------------------------------- what a person does


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def choose(page, label: str, option: str, *, within=None, multiple: bool = False) -> None:
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


def pill(page, within, label: str) -> None:
    """Click the pill `label` (one click: no list to open) and let the rerun that saves it settle. (A
    multi-select pill is a pressed button; a single-select one is a radio.)"""
    within.locator('[data-testid="stButtonGroup"]').get_by_text(label, exact=True).first.click()
    expect(
        within.locator('[aria-pressed="true"], [aria-checked="true"]').filter(has_text=label).first
    ).to_be_visible()


def radio(page, group: str, option: str) -> None:
    page.get_by_role("radiogroup", name=group).get_by_text(option, exact=True).click()


def join(browser, base: str, code: str, name: str, role_name: str):
    """A new laptop at the join link, its name typed and the agency whose name starts `role_name` chosen
    (not yet joined: click Join)."""
    page = new_page(browser)
    page.goto(f"{base}/?code={code.lower()}")
    expect(page.get_by_text("Which agency will you play?")).to_be_visible()
    page.get_by_role("textbox", name="Your name (optional)").fill(name)
    page.get_by_role("radiogroup", name="Which agency will you play?").get_by_text(
        re.compile("^" + re.escape(role_name))
    ).click()
    return page


def decide(page, level: str, action: str) -> None:
    """The two required answers of a stage: the level of need seen now and the agency's next step."""
    radio(page, "Level of need you see now (required)", level)
    expect(page.get_by_role("radio", name=level)).to_be_checked()  # each answer reruns and is saved
    choose(page, "What your agency would do next (required)", action)
    expect(
        page.get_by_role("combobox", name="What your agency would do next (required)")
    ).to_have_value(action)


def workshop_code(facilitator) -> str:
    """The join code in the facilitator's address once a workshop is created."""
    return re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)


KEEP = "Keep within my agency"


def decide_each_new_fact(page, stage_index: int, share: Mapping[str, str] | None = None) -> None:
    """Answer every fact card new at this stage (Submit refuses while one is open): share the facts in
    `share` (fact id -> the recipient's short name) and keep the rest within the agency."""
    expect(page.get_by_role("heading", name="Your judgement")).to_be_visible()
    prefix = f"st-key-fact-card-{stage_index}-"
    keys = page.eval_on_selector_all(
        f'[class*="{prefix}"]',
        "(cards, prefix) => cards.map(c => [...c.classList].find(k => k.startsWith(prefix)))",
        prefix,
    )
    for key in dict.fromkeys(keys):
        fact_id = key.removeprefix(prefix)
        pill(page, page.locator(f".{key}"), (share or {}).get(fact_id, KEEP))
