"""The projector names an agency beside what its people did only where at least three play it
(streamlit.testing, rooms of 1, 2 and 3 participants per role on the mini scenario): every chart and
line of every reveal and debrief view, read as the room sees it (the charts' own data and text
alternatives included)."""

from __future__ import annotations

import json
import re

import pytest

from tests.fixtures.ui import texts

CSC = "childrens_social_care"
NAMES = ("School", "Police", "Children's SC")  # the mini roles' short names
VIEWS = (
    ("reveal", "Who shared with whom"),
    ("reveal", "Level of need"),
    ("reveal", "Prompts"),
    ("debrief", "What held people back"),
    ("debrief", "Sharing"),
)


def _play(ui_room, per_role: int) -> None:
    """`per_role` people in each of school, police and CSC decide at stage 1; the school shares the
    bruise with CSC and the GP (to avoid), the police hold the call-out back citing consent."""
    seats = {
        role: [ui_room.join(role) for _ in range(per_role)] for role in ("school", "police", CSC)
    }
    ui_room.go("open_stage")
    stage = ui_room.engine.status(ui_room.code).stage_index
    for role, people in seats.items():
        for seat in people:
            facts = {
                "school": [{"fact_id": "bruise", "share_with": [CSC, "gp"]}],
                "police": [{"fact_id": "dv_callout", "share_with": [], "barriers": ["consent"]}],
                CSC: [],
            }[role]
            ui_room.engine.submit(
                seat.token,
                stage,
                {"facts": facts, "level": 3, "action": "refer", "confidence": 3},
            )
    ui_room.go("reveal_stage")


def _seen(at) -> str:
    """Every text of the page and every chart's data and description."""
    charts = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    # Facts are quoted in curly quotes, and a fact's own text may name an agency ("Police were called").
    return re.sub(
        "\u201c[^\u201d]*\u201d", "\u201cfact\u201d", texts(at) + "\n" + json.dumps(charts)
    )


def _described(at) -> str:
    """The charts' text alternatives (what a screen reader says each chart shows), joined."""
    return "\n".join(
        json.loads(c.proto.spec).get("description", "") for c in at.get("vega_lite_chart")
    )


@pytest.mark.parametrize("per_role", [1, 2, 3])
@pytest.mark.parametrize(("phase", "view"), VIEWS)
def test_agencies_are_named_only_where_three_play_them(open_page, ui_room, per_role, phase, view):
    _play(ui_room, per_role)
    if phase == "debrief":
        ui_room.go("next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief")
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view=view, stage=0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.exception
    seen = _seen(at)
    described = _described(at)
    if per_role >= 3:
        if view == "Who shared with whom":
            assert "School to Children's SC 3" in described
        if view == "Level of need":
            assert "School chose level 3 (3)" in described and "Police chose" in described
        if view == "Sharing":
            assert "**School**" in seen
        return
    for name in NAMES:
        for said in (f"{name} ", f"{name}:", f"**{name}**", f'"{name}"'):
            assert said not in seen, (name, said)
    if view == "Who shared with whom":
        assert (
            f"## {2 * per_role} shares at this stage. Some agencies had fewer than 3 people deciding"
            in seen
        )
    if view == "Level of need":
        assert f"All agencies chose level 3 ({3 * per_role})" in described
    if view == "Sharing":
        assert "**All agencies**" in seen


def test_the_stage_never_shows_who_has_not_decided(open_page, ui_room):
    seats = [ui_room.join("school"), ui_room.join("police")]
    ui_room.go("open_stage")
    ui_room.engine.submit(
        seats[0].token, 0, {"facts": [], "level": 2, "action": "monitor", "confidence": 3}
    )
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert at.metric[0].value == "1 of 2"
    assert len(at.metric) == 1  # the total only
    for line in [c.value for c in at.caption] + [m.value for m in at.markdown]:
        assert not any(f"{name} 0" in line or f"{name}: 0" in line for name in NAMES), line
    assert "Police" not in " ".join(c.value for c in at.caption)


def test_a_note_reaches_the_screen_only_once_approved_and_unnamed(open_page, ui_room):
    seat = ui_room.join("school")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        seat.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": [CSC]}],
            "level": 3,
            "action": "refer",
            "confidence": 3,
            "note": "We would refer today.",
            "note_shareable": True,
        },
    )
    ui_room.go("reveal_stage")
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="Prompts", stage=0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "We would refer today." not in _seen(at)
    ui_room.engine.approve_note(ui_room.code, ui_room.key, seat.participant_id, 0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "We would refer today." in [t.value for t in at.text]
    assert "One agency" in [c.value for c in at.caption]
    assert "School" not in [c.value for c in at.caption]
