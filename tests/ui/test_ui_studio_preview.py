"""The Studio's preview of a scenario shows the room's first half: the agencies side by side, the threshold
ladder and each agency in full, for the scenario being edited (streamlit.testing)."""

from __future__ import annotations

from facilitation.analysis import perspectives, threshold_ladder
from facilitation.ui import studio_support
from tests.fixtures.ui import texts
from tests.ui.test_ui_studio import SCENARIO, _paste


def test_the_preview_shows_the_perspectives_and_the_ladder(open_page):
    at = _paste(open_page("studio"), SCENARIO, "mini.yaml")
    snapshot = studio_support.check(SCENARIO, "mini.yaml").snapshot
    audience, lead = snapshot.scenario.audience, snapshot.scenario.lead_role
    shown = texts(at)
    assert "Perspectives" in [tab.label for tab in at.tabs]
    assert "The agencies in the room" in shown and "Where each agency acts" in shown
    views = perspectives(snapshot.roles, audience, lead)
    assert {view.short_name for view in views} == {"School", "Police", "Children's SC", "GP"}
    for view in views:
        assert (view.short_name + (" (lead)" if view.is_lead else "")) in shown
        assert f"{view.name} · acts at {view.acts_at_label}" in [e.label for e in at.expander]
    for rung in threshold_ladder(snapshot.roles, audience):
        assert f"{rung.number} · {rung.label}" in shown
        assert (" · ".join(rung.roles) if rung.roles else "no agency here") in shown
