"""The projector never shows what one person did with a fact they hold (streamlit.testing, the mini
scenario): a myth cited on a fact, and the room's reasons on the laws panel's fact, reach the screen
only where the fact's holder has three people (`analysis.projected`, `analysis.projected_panel`)."""

from __future__ import annotations

import pytest

from tests.fixtures.ui import texts

CSC = "childrens_social_care"


def _play(ui_room, per_role: dict[str, int]) -> None:
    """Stage 1: the school shares the bruise with CSC (for a duty); the police keep the call-out back
    citing consent (a myth for it); CSC decide nothing."""
    seats = {role: [ui_room.join(role) for _ in range(n)] for role, n in per_role.items()}
    ui_room.go("open_stage")
    stage = ui_room.engine.status(ui_room.code).stage_index
    facts = {
        "school": [{"fact_id": "bruise", "share_with": [CSC], "reason": "duty"}],
        "police": [{"fact_id": "dv_callout", "share_with": [], "barriers": ["consent"]}],
    }
    for role, people in seats.items():
        for seat in people:
            ui_room.engine.submit(
                seat.token,
                stage,
                {"facts": facts.get(role, []), "level": 3, "action": "refer", "confidence": 3},
            )
    ui_room.go("reveal_stage")


# One officer beside three schools and two CSC workers (a safe pool of police and CSC), or three of each.
@pytest.mark.parametrize(("police", "csc", "shown"), [(1, 2, False), (3, 3, True)])
def test_a_myth_on_a_lone_officer_s_fact_is_not_projected(open_page, ui_room, police, csc, shown):
    _play(ui_room, {"school": 3, "police": police, CSC: csc})
    ui_room.go("next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief")
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="What held people back", stage=0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.exception
    seen = texts(at)
    assert at.get("vega_lite_chart")  # the barriers chart: the view itself was drawn
    assert ("cited on \u201cdv callout\u201d" in seen) is shown


# Two schools and one officer (a safe pool) beside three CSC workers, or three of each.
@pytest.mark.parametrize(("small", "shown"), [((2, 1), False), ((3, 3), True)])
def test_the_room_s_reasons_on_the_law_panel_only_for_a_named_holder(
    open_page, ui_room, small, shown
):
    _play(ui_room, {"school": small[0], "police": small[1], CSC: 3})
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="What lets us share", stage=0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.exception
    assert "What lets us share: bruise" in [h.value for h in at.header]
    columns = list(at.table[0].value.columns)
    assert ("The room's reasons" in columns) is shown
