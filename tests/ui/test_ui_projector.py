"""The projector (streamlit.testing): lobby, an open stage (counts, never content), the reveal, the end."""

from __future__ import annotations

import pytest

from tests.fixtures.ui import texts


def _decide(ui_room, seat, shares, level=2, note=""):
    ui_room.engine.submit(
        seat.token,
        ui_room.engine.status(ui_room.code).stage_index,
        {
            "facts": [{"fact_id": f, "share_with": to} for f, to in shares.items()],
            "level": level,
            "action": "monitor",
            "confidence": 3,
            "note": note,
            "note_shareable": True,
        },
    )


def test_without_a_key_it_explains(open_page):
    at = open_page("projector")
    assert at.title[0].value == "Projector"


@pytest.mark.parametrize("key", ["wrong", ""])
def test_a_wrong_key_shows_nothing_of_the_workshop(open_page, ui_room, key):
    ui_room.join("school", "Pat")
    at = open_page("projector", w=ui_room.code, k=key or "x")
    assert "not right" in at.title[0].value
    assert "The Test family" not in texts(at)


def test_lobby_shows_the_code_the_qr_and_who_joined(open_page, ui_room):
    ui_room.join("school", "<b>Pat</b>")
    ui_room.join("police")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    shown = texts(at)
    assert ui_room.code in [m.value for m in at.markdown]
    assert at.metric[0].value == "2"
    assert "School: 1" in shown and "Police: 1" in shown
    assert "Pat" not in shown  # names never reach the room's screen
    assert len(at.get("image")) == 1 and at.get("image")[0].value[0].startswith(
        "data:image/svg+xml"
    )  # the QR


def test_the_facilitator_key_opens_it_too(open_page, ui_room):
    at = open_page("projector", w=ui_room.code, k=ui_room.key)
    assert at.title[0].value == "The Test family"


def test_an_open_stage_shows_the_narrative_and_counts_never_content(open_page, ui_room):
    school = ui_room.join("school", "Pat")
    ui_room.join("police")
    ui_room.go("open_stage")
    _decide(ui_room, school, {"bruise": ["gp"]}, level=4, note="SECRET NOTE")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    shown = texts(at)
    assert "Stage 1: A bruise and a call-out" in shown
    assert "Sam, aged 7, comes to school with a bruise." in shown
    assert at.metric[0].value == "1 of 2"
    # The total only: which agency has not yet decided is never projected.
    assert "School 1 of 1" not in shown and "Police 0 of 1" not in shown
    for secret in ("finger-tip", "SECRET NOTE", "Child protection", "GP 1", "Who knew what"):
        assert secret not in shown
    assert not at.get("vega_lite_chart")


def test_locked_says_the_reveal_is_next(open_page, ui_room):
    ui_room.join("school")
    ui_room.go("open_stage", "lock_stage")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "locked" in texts(at)


@pytest.mark.parametrize(
    "section", ["Who knew what", "Who shared with whom", "Level of need", "Prompts"]
)
def test_revealed_shows_the_jigsaw_flows_spread_and_prompts(open_page, ui_room, section):
    school = ui_room.join("school")
    police = ui_room.join("police")
    ui_room.go("open_stage")
    _decide(
        ui_room,
        school,
        {"bruise": ["childrens_social_care"]},
        level=3,
        note="We would refer today.",
    )
    _decide(ui_room, police, {"dv_callout": ["childrens_social_care", "school"]}, level=2)
    ui_room.go("reveal_stage")
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view=section, stage=0)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    if section == "Prompts":  # before the facilitator approves it, the note stays off the screen
        assert "We would refer today." not in [t.value for t in at.text]
        ui_room.engine.approve_note(ui_room.code, ui_room.key, school.participant_id, 0)
        at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.exception
    if section == "Prompts":
        shown = texts(at)
        assert "Who would have acted on this alone?" in shown
        assert "We would refer today." in [
            t.value for t in at.text
        ]  # approved shareable note, shown as plain text
        assert "One agency" in [c.value for c in at.caption]  # one person plays the school
    elif section == "Who shared with whom":  # one person per agency: the room pooled, in words
        assert "## 3 shares at this stage." in texts(at)  # school 1, police 2
    else:
        assert len(at.get("vega_lite_chart")) == 1


def test_the_projector_has_no_controls_of_its_own(open_page, ui_room):
    ui_room.join("school")
    ui_room.go("open_stage", "reveal_stage")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.get("segmented_control") and not at.button and not at.selectbox
    assert len(at.get("vega_lite_chart")) == 1  # the phase's first view: who knew what


def test_the_join_screen_can_be_shown_during_a_stage(open_page, ui_room):
    ui_room.join("school")
    ui_room.go("open_stage")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "Stage 1: A bruise and a call-out" in texts(at)
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="Join code and QR")
    at.run()
    assert ui_room.code in [m.value for m in at.markdown]
    assert at.get("image")[0].proto.imgs[0].alt.startswith("QR code: a link to join")


@pytest.mark.parametrize(
    "section",
    [
        "What happened",
        "Key messages",
        "What held people back",
        "Sharing",
        "The front door",
        "Who knew what",
    ],
)
def test_debrief_sections(open_page, ui_room, mini_snapshot, section):
    school = ui_room.join("school")
    ui_room.go("open_stage")
    _decide(ui_room, school, {"bruise": []})
    ui_room.go(
        "reveal_stage", "next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief"
    )
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view=section)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not at.exception
    shown = texts(at)
    if section == "What happened":
        assert "The new partner was assaulting Sam" in shown
    if section == "Key messages":
        assert "Share below the threshold when pieces add up." in shown
    if section == "The front door":  # three stages revealed; the school shared with nobody
        table = at.table[0].value
        assert list(table.index) == [
            f"Stage {n} \u00b7 {s.title}" for n, s in enumerate(mini_snapshot.scenario.stages, 1)
        ]
        assert list(table["Shares received"]) == [0, 0, 0]
        assert "not a reason to hold back a concern about risk" in shown


def test_closed_thanks_the_room(open_page, ui_room):
    ui_room.go("close_workshop")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "closed" in texts(at)


def test_a_deleted_workshop_says_so(open_page, ui_room):
    ui_room.engine.delete_workshop(ui_room.code, ui_room.key)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert at.title[0].value == "No such workshop"


def test_the_facilitator_puts_the_agencies_and_the_ladder_on_the_projector(open_page, ui_room):
    """The first half of an EASI day: before stage 1, the room sees every agency side by side and
    where each acts; the facilitator's choice, not a control on the projector."""
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="The agencies side by side")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "The agencies in the room" in shown and "Children's SC (lead)" in shown
    assert "**Acts at** 4 · Child protection" in shown  # the GP
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="Where each agency acts")
    at.run()
    assert "Where each agency acts" in texts(at)
    assert not at.button and not at.radio  # the projector has no controls


def test_the_layers_of_the_law_are_shown_for_a_revealed_fact(open_page, ui_room):
    ui_room.join("school")
    ui_room.go("open_stage", "lock_stage", "reveal_stage")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view="What lets us share")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "What lets us share: " in shown and "Power or duty" in at.table[0].value.index
    assert "Law Com No 351" in shown


def test_the_poll_redraws_the_projector_only_when_the_workshop_changed(open_page, ui_room):
    from facilitation.ui.widgets import POLL_FRAGMENT
    from tests.fixtures.ui import run_fragment

    school = ui_room.join("school", "Pat")
    ui_room.go("open_stage")
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "The Test family" in texts(at)
    run_fragment(at, POLL_FRAGMENT)
    assert "The Test family" not in texts(
        at
    )  # nothing changed: the poll alone ran, nothing redrawn
    _decide(ui_room, school, {"bruise": ["gp"]})
    run_fragment(at, POLL_FRAGMENT)
    assert "The Test family" in texts(at)  # a decision came in: the whole screen again
    assert any(m.label == "Decisions in" and m.value.startswith("1 of") for m in at.metric)
