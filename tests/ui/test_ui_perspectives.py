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

    return AppTest.from_function(script, kwargs={"kind": kind}, default_timeout=30).run()


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

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    layers = at.table[0].value  # one row a layer: the six fit the projector
    assert list(layers.index)[:3] == [
        "Power or duty",
        "Data protection",
        "Special category and offence data",
    ]
    assert layers.loc["Special category and offence data", "What answers it here"] == (
        "DPA 2018 Schedule 1 para 18"
    )
    assert layers.loc["Human rights", "What answers it here"] == (
        "necessity and proportionality, asked of every share"
    )
    assert "Law Com No 351" in at.caption[0].value


def test_more_than_eight_agencies_go_five_a_row_in_smaller_type():
    def script() -> None:
        from facilitation.content import default_scenarios_dir, load_snapshot
        from facilitation.ui import perspectives_view

        snapshot = load_snapshot(default_scenarios_dir() / "riverside-family.yaml")
        perspectives_view.side_by_side(
            snapshot.roles, snapshot.scenario.audience, snapshot.scenario.lead_role
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert len(at.subheader) == 9  # every agency of the shipped riverside-family
    assert len(at.columns) == 10  # two rows of five (four a row would make three rows of four)
