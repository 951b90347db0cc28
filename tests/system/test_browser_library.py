"""Every shipped scenario (scenarios/, with roles/) played end to end in a real browser, as a room would:
the facilitator creates the workshop, the projector shows it, two laptops join as different agencies (one
holding a fact guidance sends to the other), and every stage is opened, decided on both laptops, locked
and revealed; the debrief reaches the projector and both laptops, and the HTML report downloads with the
scenario in it.

One server (on the shipped library) and one Chromium serve all six scenarios; two participants, the pair
with the fewest facts between them, keep each run short. One laptop shares a fact with the other through
the form, so that the reveal and the report have a share to show. Skipped, with the reason, only when
/usr/bin/chromium is missing; fails instead when EASI_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from facilitation.content import reference
from facilitation.content.library import load_snapshot, yaml_files
from tests.paths import PROJECT
from tests.system.browser_room import (
    PROJECTOR,
    WAIT,
    app_server,
    browser,
    choose,
    click,
    decide,
    decide_each_new_fact,
    expect,
    join,
    new_page,
    require_chromium,
    workshop_code,
)

__all__ = ["browser"]  # the fixture, imported for pytest

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSCODE = "library-test-passcode"
SCENARIOS = PROJECT / "scenarios"
ROLES = PROJECT / "roles"
SCENARIO_IDS = [path.stem for path in yaml_files(SCENARIOS)]
COLD_START = 120_000  # ms
# ms: a laptop follows the facilitator within one poll; on a loaded machine its rerun can take longer.
FOLLOW = 120_000
SUBMITTED = "Submitted. You can change your answers"
NAMES = ("Zephyrine Quillfeather", "Yorick Vantablack")  # never in a report: labels, not names


@pytest.fixture
def patient():
    """Every wait in this test (a laptop following the facilitator, a rerun) up to FOLLOW, then back to
    the shared WAIT for the other modules."""
    expect.set_options(timeout=FOLLOW)
    yield FOLLOW
    expect.set_options(timeout=WAIT)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on the shipped library, on the loopback address; yields its base URL."""
    with app_server(
        tmp_path_factory.mktemp("library-data"),
        {"EASI_PASSCODE": PASSCODE, "EASI_SCENARIOS": str(SCENARIOS), "EASI_ROLES": str(ROLES)},
        address="127.0.0.1",
    ) as app:
        yield app.base


def _shared_fact(scenario, holder: str, recipient: str) -> tuple[int, str] | None:
    """(stage index, fact id) of the first fact `holder` holds that guidance sends to `recipient`."""
    for index, stage in enumerate(scenario.stages):
        for fact in stage.facts:
            if fact.held_by == holder and recipient in fact.guidance.recipients:
                return index, fact.id
    return None


def _pair(scenario) -> tuple[str, str]:
    """(receiver, sender): two agencies, the sender holding a fact guidance sends to the receiver, with
    the fewest facts between them (each new fact is one more answer on a laptop's form)."""
    held = {r: sum(fact.held_by == r for fact in scenario.facts) for r in scenario.roles}
    pairs = [
        (receiver, sender)
        for receiver in scenario.roles
        for sender in scenario.roles
        if receiver != sender and _shared_fact(scenario, sender, receiver)
    ]
    return min(pairs, key=lambda pair: held[pair[0]] + held[pair[1]])


def test_the_shipped_library_is_what_this_smoke_plays():
    assert len(SCENARIO_IDS) == 6


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_a_shipped_scenario_plays_end_to_end(server, browser, patient, scenario_id):
    snapshot = load_snapshot(SCENARIOS / f"{scenario_id}.yaml", roles_dir=ROLES)
    scenario = snapshot.scenario
    stages = len(scenario.stages)
    receiver_id, sender_id = _pair(scenario)
    receiver, sender = snapshot.roles[receiver_id], snapshot.roles[sender_id]
    share = _shared_fact(scenario, sender_id, receiver_id)
    ref = reference()
    level = ref.level_label(scenario.audience, 2)
    action = ref.actions["monitor"].label

    # The facilitator chooses the scenario and creates the workshop with every agency in play.
    facilitator = new_page(browser)
    facilitator.set_default_timeout(patient)
    facilitator.goto(f"{server}/facilitate?passcode={PASSCODE}")
    # The server's first run imports the whole app: on a loaded machine it takes longer than a redraw.
    expect(facilitator.get_by_role("heading", name="Facilitate a workshop")).to_be_visible(
        timeout=COLD_START
    )
    choose(facilitator, "Scenario", f"{scenario.title} · {scenario.audience.replace('_', ' ')}")
    expect(facilitator.get_by_text(f"{stages} stages", exact=False).first).to_be_visible()
    click(facilitator, "Create the workshop")
    expect(facilitator.get_by_role("heading", name=scenario.title)).to_be_visible()
    code = workshop_code(facilitator)
    projector = new_page(browser, PROJECTOR)
    projector.set_default_timeout(patient)
    projector.goto(
        facilitator.get_by_role("link", name="Open the projector view").get_attribute("href")
    )
    expect(projector.get_by_text(code, exact=True)).to_be_visible()

    # Two laptops join as different agencies.
    laptops = []
    for name, role in zip(NAMES, (receiver, sender), strict=True):
        laptop = join(browser, server, code, name, role.name)
        laptop.set_default_timeout(patient)
        click(laptop, "Join")
        expect(laptop.get_by_text(f"You play {role.name}")).to_be_visible()
        laptops.append(laptop)
    expect(projector.get_by_test_id("stMetricValue")).to_have_text("2")

    for index in range(stages):
        number = index + 1
        click(facilitator, f"Open stage {number}")
        for laptop in laptops:
            expect(laptop.get_by_text(f"Stage {number} of {stages} · Open").first).to_be_visible()
        for laptop in laptops:
            shares = (
                {share[1]: receiver.short_name}
                if laptop is laptops[1] and share[0] == index
                else {}
            )
            decide_each_new_fact(laptop, index, shares)
            decide(laptop, level, action)
            click(laptop, "Submit")
            expect(laptop.get_by_text(SUBMITTED)).to_be_visible()
        expect(projector.get_by_test_id("stMetricValue")).to_have_text("2 of 2")
        click(facilitator, "Lock")
        expect(
            facilitator.get_by_text(f"Stage {number} of {stages} · Locked").first
        ).to_be_visible()
        click(facilitator, "Reveal")
        expect(
            facilitator.get_by_text(f"Stage {number} of {stages} · Revealed").first
        ).to_be_visible()
        for laptop in laptops:
            expect(laptop.get_by_text("Revealed: how your decisions compare")).to_be_visible()
        expect(projector.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()

    click(facilitator, "Start the debrief")
    for page in (projector, *laptops):
        expect(page.get_by_role("heading", name="What happened").first).to_be_visible()

    facilitator.get_by_text("Export", exact=True).click()
    with facilitator.expect_download() as download:
        click(facilitator, "Report (HTML)")
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert html.escape(scenario.title) in report
    assert not [name for name in NAMES if name.split()[0] in report]
    assert "<script" not in report.lower()

    for page in (facilitator, projector, *laptops):
        page.context.close()
