"""Every shipped scenario's "Who knew what" fits the projector's 1280x720, legend and lead line included,
in a real browser, at the end of a simulated workshop of 14: the room reads the whole jigsaw without
anyone scrolling the room's screen. Riverside's 9 agencies by 20 facts is the tallest. Screenshots go
to artifacts/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import pytest

from facilitation.content import load_snapshot
from facilitation.engine import Store, Workshops
from facilitation.engine.rehearsal import simulate_workshop
from tests.paths import PROJECT
from tests.system.browser_room import (
    PASSCODE,
    PROJECTOR,
    app_server,
    launch,
    new_page,
    scrolls,
    settle,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCENARIOS = sorted((PROJECT / "scenarios").glob("*.yaml"))


def _rooms(engine: Workshops) -> list[tuple[str, object]]:
    """One simulated workshop per shipped scenario, its projector showing the jigsaw."""
    created = []
    create = engine.create

    def remembering(*args, **kwargs):
        created.append(
            create(*args, **kwargs)
        )  # the keys are the facilitator's: only `create` has them
        return created[-1]

    engine.create = remembering
    rooms = []
    for path in SCENARIOS:
        simulate_workshop(load_snapshot(path), 14, 5, engine)
        workshop = created[-1]
        engine.set_screen(workshop.code, workshop.facilitator_key, view="Who knew what")
        rooms.append((path.stem, workshop))
    return rooms


def test_every_shipped_jigsaw_fits_the_projector(tmp_path):
    assert len(SCENARIOS) >= 6
    store = Store(tmp_path / "easi.db")
    rooms = _rooms(Workshops(store))
    store.close()
    with app_server(tmp_path, {"EASI_PASSCODE": PASSCODE}) as app, launch() as browser:
        page = new_page(browser, PROJECTOR)
        for name, workshop in rooms:
            page.goto(f"{app.base}/projector?w={workshop.code}&k={workshop.projector_key}")
            page.get_by_text("The facts in full").first.wait_for()
            chart = page.get_by_test_id("stVegaLiteChart").first
            chart.wait_for()
            settle(page)
            page.wait_for_timeout(1000)  # the chart draws itself after the run
            assert scrolls(page) == [], f"{name}: the jigsaw must fit 1280x720"
            box = chart.bounding_box()
            assert box is not None and box["y"] + box["height"] <= PROJECTOR["height"], name
            assert page.get_by_text("the lead agency, now holds").first.is_visible(), name
            shot(page, f"projector-jigsaw-{name}")
