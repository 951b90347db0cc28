"""The perspectives and the threshold ladder as drawn (streamlit.testing), on the mini scenario."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from facilitation.ui.widgets import escape_markdown


def _draw(kind: str) -> AppTest:
    def script(kind: str) -> None:
        from facilitation.content import load_snapshot
        from facilitation.ui import perspectives_view
        from tests.paths import MINI

        snapshot = load_snapshot(MINI / "scenarios" / "mini.yaml", roles_dir=MINI / "roles")
        args = (snapshot.roles, snapshot.scenario.audience)
        lead = () if kind == "ladder" else (snapshot.scenario.lead_role,)
        getattr(perspectives_view, kind)(*args, *lead)

    return AppTest.from_function(script, kwargs={"kind": kind}).run()


def test_the_room_sees_every_agency_where_it_acts_and_what_holds_it_back():
    at = _draw("side_by_side")
    assert not at.exception
    names = ["School", "Police", "Children's SC (lead)", "GP"]
    assert [s.value for s in at.subheader] == [escape_markdown(name) for name in names]
    texts = [m.value for m in at.markdown]
    assert "**Acts at** 4 · Child protection" in texts
    assert any(
        text.startswith("**Held back by**") and "Duty of confidence" in text for text in texts
    )


def test_the_ladder_reads_from_the_top_level_down():
    at = _draw("ladder")
    rungs = [m.value for m in at.markdown if m.value.startswith("**")]
    assert rungs[:2] == ["**4 · Child protection**", "**3 · Child in need**"]
    assert escape_markdown("School · Police · Children's SC") in [m.value for m in at.markdown]


def test_the_facilitator_reads_each_agency_in_full():
    at = _draw("agency_details")
    assert len(at.expander) == 4
    assert any("→ *Duty of confidence*" in m.value for m in at.markdown)


def test_the_layers_of_the_law_panel_names_each_layer_and_its_gateways():
    def script() -> None:
        from facilitation.analysis import law_layers
        from facilitation.content import load_snapshot
        from facilitation.ui import perspectives_view
        from tests.paths import MINI

        snapshot = load_snapshot(MINI / "scenarios" / "mini.yaml", roles_dir=MINI / "roles")
        perspectives_view.law_panel(law_layers(snapshot, "missed_appts"))

    at = AppTest.from_function(script).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**Special category and offence data**") for t in texts)
    assert escape_markdown("DPA 2018 Schedule 1 para 18") in texts
    assert "Law Com No 351" in at.caption[0].value
