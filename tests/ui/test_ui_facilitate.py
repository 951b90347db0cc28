"""The facilitator's page (streamlit.testing): creating a workshop, the room, every stage control,
the debrief, exports, closing and deleting."""

from __future__ import annotations

import pytest

from facilitation.errors import NotFound
from facilitation.ui.facilitate_view import CONTROLS
from tests.fixtures.ui import PASSCODE, button, shown, texts


def _controls(at) -> dict[str, bool]:
    """Each stage control's enabled state, by engine method."""
    return {method: not at.button(key=f"control:{method}").disabled for method, _, _ in CONTROLS}


def _facilitate(open_page, ui_room, **extra):
    return open_page("facilitate", w=ui_room.code, k=ui_room.key, p=ui_room.projector_key, **extra)


# --------------------------------------------------------------------------------------------- create


def test_create_form_lists_the_library(open_page):
    at = open_page("facilitate")
    assert at.title[0].value == "Facilitate a workshop"
    scenario = at.selectbox(key="facilitate:scenario")
    assert scenario.options == ["The Test family · children"]
    shown = texts(at)
    assert "A small family known in pieces to four agencies." in shown
    assert "3 stages" in shown
    roles = at.multiselect(key="facilitate:roles:mini")
    assert len(roles.value) == 4  # every agency in play by default


def test_a_wrong_passcode_creates_nothing(open_page, ui_engine):
    at = open_page("facilitate")
    at.text_input(key="facilitate:passcode").input("guess")
    button(at, "Create the workshop").click()
    at.run()
    assert "passcode is not right" in at.error[0].value
    assert ui_engine.list_workshops() == []
    assert "w" not in at.query_params


def test_the_right_passcode_creates_and_keeps_the_keys_in_the_url(open_page, ui_engine):
    at = open_page("facilitate")
    at.multiselect(key="facilitate:roles:mini").set_value(
        ["school", "police", "childrens_social_care"]
    )
    at.text_input(key="facilitate:passcode").input(PASSCODE)
    button(at, "Create the workshop").click()
    at.run()
    assert not at.exception and not at.error
    [workshop] = ui_engine.list_workshops()
    params = {name: at.query_params[name] for name in ("w", "k", "p")}
    params = {
        name: value[0] if isinstance(value, list) else value for name, value in params.items()
    }
    assert params["w"] == workshop.code
    assert ui_engine.check_facilitator(params["w"], params["k"]).code == workshop.code
    assert ui_engine.check_projector(params["w"], params["p"]).code == workshop.code
    assert at.title[0].value == "The Test family"
    assert ui_engine.facilitator_view(params["w"], params["k"]).record.snapshot.role_ids == (
        "school",
        "police",
        "childrens_social_care",
    )


def test_the_passcode_link_prefills_and_leaves_the_address_bar(open_page):
    at = open_page("facilitate", passcode=PASSCODE)
    assert at.text_input(key="facilitate:passcode").value == PASSCODE
    assert "passcode" not in at.query_params


def test_a_wrong_key_controls_nothing(open_page, ui_room):
    at = open_page("facilitate", w=ui_room.code, k="not-the-key")
    assert "not right" in at.error[0].value
    assert not [b for b in at.button if b.key and b.key.startswith("control:")]


# ------------------------------------------------------------------------------------------- the room


def test_lobby_shows_join_code_qr_link_and_roster(open_page, ui_room):
    ui_room.join("school", "<b>Pat</b> **bold**")
    at = _facilitate(open_page, ui_room)
    assert at.metric[0].value == ui_room.code
    assert any(f"/?code={ui_room.code}" in c.value for c in at.code)
    assert len(at.get("image")) == 1
    roster = at.dataframe[0].value
    assert "<b>Pat</b> **bold**" in list(roster["Participant"])  # plain text in a table cell
    assert [b for b in at.get("link_button") if b.proto.label == "Open the projector view"]
    link = next(
        b for b in at.get("link_button") if b.proto.label == "Open the projector view"
    ).proto.url
    assert f"/projector?w={ui_room.code}&k={ui_room.projector_key}" in link
    assert _controls(at) == {
        "open_stage": True,
        "lock_stage": False,
        "reopen_stage": False,
        "reveal_stage": False,
        "next_stage": False,
        "start_debrief": False,
    }


def test_fill_empty_roles_with_simulated_participants(open_page, ui_room):
    ui_room.join("school")
    at = _facilitate(open_page, ui_room)
    button(at, "Fill 3 empty roles with simulated participants").click()
    at.run()
    roster = at.dataframe[0].value
    assert list(roster["Kind"]).count("simulated") == 3
    assert button(at, "Fill 0 empty roles with simulated participants").disabled


def test_remove_a_participant(open_page, ui_room):
    seat = ui_room.join("school", "Pat")
    ui_room.join("police", "Quinn")
    at = _facilitate(open_page, ui_room)
    at.selectbox[0].set_value(seat.participant_id)
    at.button(key="remove-participant").click()
    at.run()
    assert "Participant removed." in shown(at.success[0].value)
    assert "Pat" not in list(at.dataframe[0].value["Participant"])
    with pytest.raises(NotFound):
        ui_room.engine.seat(seat.token)


# ----------------------------------------------------------------------------------- stage controls


def test_every_stage_control_in_turn(open_page, ui_room):
    ui_room.join("school")
    at = _facilitate(open_page, ui_room)
    steps = [
        ("open_stage", "Stage 1 of 3 · Open for decisions", {"lock_stage", "reveal_stage"}),
        (
            "lock_stage",
            "Stage 1 of 3 · Locked: waiting for the reveal",
            {"reopen_stage", "reveal_stage"},
        ),
        ("reopen_stage", "Stage 1 of 3 · Open for decisions", {"lock_stage", "reveal_stage"}),
        ("reveal_stage", "Stage 1 of 3 · Revealed", {"next_stage"}),
        ("next_stage", "Stage 2 of 3 · Open for decisions", {"lock_stage", "reveal_stage"}),
        ("reveal_stage", "Stage 2 of 3 · Revealed", {"next_stage"}),
        ("next_stage", "Stage 3 of 3 · Open for decisions", {"lock_stage", "reveal_stage"}),
        ("reveal_stage", "Stage 3 of 3 · Revealed", {"start_debrief"}),
        ("start_debrief", "Debrief", set()),
    ]
    for method, caption, enabled in steps:
        at.button(key=f"control:{method}").click()
        at.run()
        assert not at.exception and not at.error, (method, [e.value for e in at.error])
        assert f"**{caption}**" in [m.value for m in at.markdown], method
        assert {m for m, on in _controls(at).items() if on} == enabled, method
    assert ui_room.engine.status(ui_room.code).phase == "debrief"


def test_a_refused_control_says_why(open_page, ui_room):
    at = _facilitate(open_page, ui_room)
    ui_room.go("open_stage")  # another facilitator tab moved on meanwhile
    at.button(key="control:open_stage").click()
    at.run()
    assert "already started" in at.error[0].value


def test_open_stage_shows_progress_by_role_and_the_guidance(open_page, ui_room):
    school = ui_room.join("school")
    ui_room.join("school")
    ui_room.join("police")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        school.token, 0, {"facts": [], "level": 2, "action": "monitor", "confidence": 3}
    )
    at = _facilitate(open_page, ui_room)
    bars = [p.proto.text for p in at.get("progress")]
    assert "1 of 3 participants have submitted" in bars
    assert "School: 1 of 2" in bars and "Police: 0 of 1" in bars
    shown = texts(at)
    assert (
        "Finger-tip bruising on a young child needs a referral" in shown
    )  # guidance for the facilitator


def test_countdown_starts_and_clears(open_page, ui_room):
    ui_room.go("open_stage")
    at = _facilitate(open_page, ui_room)
    at.number_input[0].set_value(3)
    button(at, "Start countdown").click()
    at.run()
    ends = ui_room.engine.status(ui_room.code).countdown_ends_at
    assert ends is not None
    button(at, "Clear").click()
    at.run()
    assert ui_room.engine.status(ui_room.code).countdown_ends_at is None


def test_two_facilitator_tabs_stay_consistent(open_page, ui_room):
    first = _facilitate(open_page, ui_room)
    second = _facilitate(open_page, ui_room)
    first.button(key="control:open_stage").click()
    first.run()
    second.run()  # what the poll does when versions.any moves
    assert "**Stage 1 of 3 · Open for decisions**" in [m.value for m in second.markdown]


# -------------------------------------------------------------------------------- reveal and debrief


def _played(ui_room):
    school = ui_room.join("school")
    police = ui_room.join("police")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        school.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": ["childrens_social_care"]}],
            "level": 3,
            "action": "refer",
            "confidence": 4,
            "note": "Quote <me> **please**",
            "note_shareable": True,
        },
    )
    ui_room.engine.submit(
        police.token,
        0,
        {
            "facts": [{"fact_id": "dv_callout", "share_with": [], "barriers": ["investigation"]}],
            "level": 2,
            "action": "monitor",
            "confidence": 2,
        },
    )
    ui_room.go("reveal_stage")
    return school, police


def _on_the_projector(ui_room) -> str:
    from facilitation.ui.projector_view import shown

    view = ui_room.engine.projector_view(ui_room.code, ui_room.key)
    return shown(view.status, view.screen, view.revealed.revealed_through)[0]


@pytest.mark.parametrize(
    "section", ["Who knew what", "Who shared with whom", "Level of need", "Prompts"]
)
def test_reveal_sections(open_page, ui_room, section):
    _played(ui_room)
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:screen-view").set_value(section)
    at.run()
    assert not at.exception
    assert _on_the_projector(ui_room) == section
    if section == "Prompts":
        assert "Quote <me> **please**" in [t.value for t in at.text]
    else:
        assert at.get("vega_lite_chart")


def test_a_note_reaches_the_projector_only_once_approved(open_page, ui_room):
    school, _ = _played(ui_room)
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:screen-view").set_value("Prompts").run()
    approve = at.checkbox(key=f"facilitate:note:{school.participant_id}:0")
    assert approve.label == "Show on the projector" and not approve.value
    assert ui_room.engine.approved_notes(ui_room.code, ui_room.key) == frozenset()
    approve.check().run()
    assert ui_room.engine.approved_notes(ui_room.code, ui_room.key) == {(school.participant_id, 0)}


@pytest.mark.parametrize(
    "section",
    [
        "What happened",
        "Key messages",
        "What held people back",
        "What the room brought",
        "Who leads, by stage",
        "Sharing",
        "The front door",
        "Who knew what",
    ],
)
def test_debrief_sections(open_page, ui_room, section):
    _played(ui_room)
    ui_room.go("next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief")
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:screen-view").set_value(section)
    at.run()
    assert not at.exception
    assert _on_the_projector(ui_room) == section
    if section == "What happened":
        assert "The new partner was assaulting Sam" in texts(at)
    if section == "What held people back":
        assert at.get("vega_lite_chart")
    if section == "What the room brought":  # neither activity was run in this room
        assert "The room's own barriers were not run in this workshop." in texts(at)
    if section == "Who leads, by stage":
        assert "was not asked in this workshop" in texts(at)


def test_every_export_is_offered(open_page, ui_room):
    _played(ui_room)
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:section:revealed").set_value("Export")
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Report (HTML)",
        "Report (PDF)",
        "Report (Markdown)",
        "Decisions (CSV)",
        "Everything (JSON)",
    ]
    names = [b.proto.label for b in at.get("download_button")]
    assert len(set(names)) == 5


def test_exports_before_any_reveal_wait(open_page, ui_room):
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:section:lobby").set_value("Export")
    at.run()
    assert "Nothing to export yet" in at.info[0].value


# ------------------------------------------------------------------------------- close and delete


def test_close_then_delete_with_confirmation(open_page, ui_room):
    ui_room.join("school")
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:section:lobby").set_value("Close")
    at.run()
    button(at, "Close the workshop…").click()
    at.run()
    assert ui_room.engine.status(ui_room.code).phase == "lobby"  # not before it is confirmed
    button(at, "Cancel").click()
    at.run()
    button(at, "Close the workshop…").click()
    at.run()
    assert "cannot be undone" in at.warning[0].value
    button(at, "Yes, close the workshop").click()
    at.run()
    assert ui_room.engine.status(ui_room.code).phase == "closed"
    at.segmented_control(key="facilitate:section:closed").set_value("Close")
    at.run()
    at.text_input[0].input("WRONG1")
    button(at, "Delete for good").click()
    at.run()
    assert "does not match" in at.error[0].value
    assert ui_room.engine.status(ui_room.code)  # still there
    at.text_input[0].input(ui_room.code.lower())
    button(at, "Delete for good").click()
    at.run()
    assert not at.exception
    assert ui_room.engine.list_workshops() == []
    assert "were deleted" in at.success[0].value
