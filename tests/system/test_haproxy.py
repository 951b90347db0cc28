"""Tested as deployed: HAProxy (Debian's package) with deploy/haproxy.cfg in front of two `easi serve`
processes sharing one PostgreSQL; the security headers and blocks; a whole workshop in Chromium through
it; one process killed mid-workshop while the other goes on serving and the laptops keep their seats.

Skipped with the reason where HAProxy, PostgreSQL or Chromium is missing, except in CI
(EASI_REQUIRE_HAPROXY=1, EASI_REQUIRE_POSTGRES=1, EASI_REQUIRE_BROWSER=1), where that fails."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmarks.loadharness.deployment import (
    Deployment,
    free_port,
    get,
    haproxy_environment,
    insecure_context,
    self_signed_pem,
)
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from tests.paths import PROJECT

pytestmark = [pytest.mark.slow]

MINI = PROJECT / "tests" / "data" / "mini"
PASSCODE = "haproxy-test-passcode-long-enough"
CHROMIUM = Path("/usr/bin/chromium")
WAIT = 30_000


def _require(what: str, present: bool, variable: str) -> None:
    if present:
        return
    if os.environ.get(variable) == "1":
        pytest.fail(f"{what} is missing although {variable}=1", pytrace=False)
    pytest.skip(f"{what} is missing: install it to run the deployment tests")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_schemas):
    _require("haproxy (Debian's package)", bool(shutil.which("haproxy")), "EASI_REQUIRE_HAPROXY")
    folder = tmp_path_factory.mktemp("haproxy")
    running = Deployment(
        folder,
        postgres_schemas.new_url(),
        env={
            "EASI_PASSCODE": PASSCODE,
            "EASI_SCENARIOS": str(MINI / "scenarios"),
            "EASI_ROLES": str(MINI / "roles"),
        },
    )
    try:
        yield running.start()
    finally:
        running.stop()


def test_the_security_headers_are_set(deployment):
    with get(f"{deployment.base}/") as answer:
        headers = answer.headers
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "easi_worker=" in headers["Set-Cookie"] and "Secure" in headers["Set-Cookie"]


def test_metrics_are_not_public(deployment):
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(f"{deployment.base}/_stcore/metrics")
    assert refused.value.code == 404


def test_plain_http_is_sent_to_https(deployment):
    with pytest.raises(urllib.error.HTTPError) as moved:
        get(f"http://127.0.0.1:{deployment.http_port}/facilitate")
    assert moved.value.code == 301
    assert moved.value.headers["Location"].startswith("https://")


# ------------------------------------------------------------------------------ the browser, and a kill


@pytest.fixture(scope="module")
def browser():
    _require(str(CHROMIUM), CHROMIUM.exists(), "EASI_REQUIRE_BROWSER")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=WAIT)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        yield chromium
        chromium.close()


CSP_VIOLATIONS: list[str] = []


def _page(browser):
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    # The policy HAProxy sets must not break the app: Chromium reports each refusal on the console.
    page.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def _worker_of(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "easi_worker")


def _join(browser, base, code, name, role_label):
    from playwright.sync_api import expect

    page = _page(browser)
    page.goto(f"{base}/?code={code.lower()}")
    expect(page.get_by_text("Which agency will you play?")).to_be_visible()
    page.get_by_role("textbox", name="Your name (optional)").fill(name)
    page.get_by_role("radiogroup", name="Which agency will you play?").get_by_text(
        re.compile(re.escape(role_label))
    ).click()
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text(f"You play {role_label}", exact=False)).to_be_visible()
    return page


def _submit(page, level: str):
    """Decide every new fact (keep it within the agency), give a level and an action, submit."""
    from playwright.sync_api import TimeoutError, expect

    for card in page.locator('[class*="st-key-fact-card-"]').all():
        card.locator('[data-testid="stButtonGroup"]').get_by_text(
            "Keep within my agency", exact=True
        ).first.click()
        expect(card.locator('[aria-pressed="true"], [aria-checked="true"]').first).to_be_visible()
    page.get_by_role("radiogroup", name="Level of need you see now (required)").get_by_text(
        level, exact=True
    ).click()
    expect(page.get_by_role("radio", name=level)).to_be_checked()  # its rerun (and save) is done
    for attempt in range(
        3
    ):  # a rerun that lands as the list opens redraws it closed: open it again
        page.get_by_role("combobox", name="What your agency would do next (required)").first.click()
        try:
            page.get_by_role("option", name="Monitor", exact=True).click(timeout=10_000)
            break
        except TimeoutError:
            if attempt == 2:
                raise
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("Submitted. You can change your answers")).to_be_visible()


def test_a_workshop_through_haproxy_survives_a_killed_process(deployment, browser):
    from playwright.sync_api import expect

    facilitator = _page(browser)
    facilitator.goto(f"{deployment.base}/facilitate?passcode={PASSCODE}")
    facilitator.get_by_role("button", name="Create the workshop").click()
    expect(facilitator.get_by_text("Waiting to start")).to_be_visible()
    code = re.search(r"[?&]w=([A-Z0-9]{6})", facilitator.url).group(1)
    projector = _page(browser)
    projector.goto(
        facilitator.get_by_role("link", name="Open the projector view").get_attribute("href")
    )
    expect(projector.get_by_text(code, exact=True)).to_be_visible()

    # Laptops join until both processes hold some (leastconn spreads them; the cookie keeps each).
    roles = ["Test Primary School", "Test Police", "Test children's social care"]
    laptops = [_join(browser, deployment.base, code, f"P{n}", roles[n % 3]) for n in range(4)]
    role_of = {id(page): roles[n % 3] for n, page in enumerate(laptops)}
    on = {_worker_of(page) for page in laptops}
    assert on == {"w1", "w2"}, f"the laptops all went to {on}"
    facilitator.get_by_role("button", name="Open stage 1").click()
    for laptop in laptops:
        expect(laptop.get_by_role("heading", name="Your judgement")).to_be_visible()
    _submit(laptops[0], "2 · Early help")
    _submit(laptops[1], "3 · Child in need")

    # Kill the process that holds the first laptop, mid-workshop.
    doomed = _worker_of(laptops[0])
    deployment.kill_worker(int(doomed[1]) - 1)
    survivors = [page for page in laptops if _worker_of(page) != doomed]
    affected = [page for page in laptops if _worker_of(page) == doomed]

    # The other process goes on serving: its laptops submit as if nothing happened.
    for page in survivors:
        if page not in laptops[:2]:
            _submit(page, "1 · Universal")

    # The affected laptops reconnect (to the live process) and keep their seats and their answers.
    for page in affected:
        expect(page.get_by_role("heading", name="Your judgement")).to_be_visible()
        # its own seat: the heading names the agency it joined as (not the questionnaire's "before you play")
        expect(page.get_by_text(f"You play {role_of[id(page)]}", exact=False)).to_be_visible()
        if page in laptops[:2]:  # the new process's page shows the seat's stored submission
            expect(page.locator(".st-key-phase-banner")).to_contain_text("Submitted")
        else:
            _submit(page, "1 · Universal")

    # The facilitator carries on, whichever process it was on, and every laptop sees the reveal.
    facilitator.get_by_role("button", name="Reveal", exact=True).click()
    for page in laptops:
        expect(page.locator(".st-key-phase-banner")).to_contain_text("Revealed")

    # The projector draws the reveal's chart under the policy.
    expect(projector.locator('[data-testid="stVegaLiteChart"]')).to_be_visible()
    assert CSP_VIOLATIONS == [], sorted({v[:140] for v in CSP_VIOLATIONS})

    # Nothing confirmed is lost: four submissions in the shared database, one per laptop.
    record = Workshops(Store(deployment.database)).record(code)
    assert len({s.participant_id for s in record.submissions if s.stage_index == 0}) == 4
    levels = {
        p.display_name: s.decision.level
        for s in record.submissions
        for p in record.participants
        if p.id == s.participant_id
    }
    assert levels["P0"] == 2 and levels["P1"] == 3


class _Worker(http.server.BaseHTTPRequestHandler):
    """A stand-in for a Streamlit process: healthy, and says which one it is."""

    def do_GET(self) -> None:
        body = b"ok" if self.path == "/_stcore/health" else self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("count", [1, 3])
def test_each_process_named_in_the_environment_is_served(tmp_path, count):
    """deploy/haproxy.cfg takes its processes from EASI_WORKER_1..8: as many as are set, no more, each
    browser kept on its own by the cookie."""
    _require("haproxy (Debian's package)", bool(shutil.which("haproxy")), "EASI_REQUIRE_HAPROXY")
    servers = []
    for index in range(count):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Worker)
        server.name = f"worker {index + 1}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    https_port, http_port = free_port(), free_port()
    workers = [f"127.0.0.1:{s.server_address[1]}" for s in servers]
    environment = haproxy_environment(https_port, http_port, self_signed_pem(tmp_path), workers)
    proxy = subprocess.Popen(
        [shutil.which("haproxy"), "-db", "-f", str(PROJECT / "deploy" / "haproxy.cfg")],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"https://127.0.0.1:{https_port}"
        deadline = time.monotonic() + 30
        seen: dict[str, str] = {}
        while len(seen) < count + 1 and time.monotonic() < deadline:
            try:
                with get(f"{base}/") as answer:  # no cookie: a new browser, balanced
                    cookie = answer.headers["Set-Cookie"].split(";")[0]
                    seen[answer.read().decode()] = cookie
            except OSError:
                time.sleep(0.2)  # HAProxy still starting, or its first health checks pending
            if len(seen) == count:
                break
        assert sorted(seen) == [f"worker {n}" for n in range(1, count + 1)]
        for name, cookie in seen.items():  # a browser with its cookie stays on its process
            request = urllib.request.Request(f"{base}/", headers={"Cookie": cookie})
            opener = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=insecure_context())
            )
            for _ in range(3):
                with opener.open(request, timeout=5) as answer:
                    assert answer.read().decode() == name
    finally:
        proxy.terminate()
        proxy.wait(10)
        for server in servers:
            server.shutdown()
