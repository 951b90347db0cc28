"""The room's activities on the pages (streamlit.testing): the facilitator runs the room's own barriers
and approves a line, a laptop answers, the projector shows the closed board; "Who leads?" at a reveal
in one tap, and the split beside the scenario's lead."""

from __future__ import annotations

from facilitation.analysis import ROOM_HEADING
from facilitation.engine import Activities
from facilitation.ui import activities_view
from facilitation.ui.debrief_view import LEADS
from tests.fixtures.ui import button, texts

CSC = "childrens_social_care"


def _facilitate(open_page, ui_room):
    return open_page("facilitate", w=ui_room.code, k=ui_room.key, p=ui_room.projector_key)


def _three(ui_room):
    return [ui_room.join(role) for role in ("school", "police", "gp")]


def test_the_facilitator_runs_the_barriers_approves_a_line_and_closes(open_page, ui_room):
    seats = _three(ui_room)
    at = _facilitate(open_page, ui_room)
    assert "Skip it" in [b.label for b in at.button]
    button(at, "Run the room's own barriers").click().run()
    acts = Activities(ui_room.engine)
    assert acts.record(ui_room.code, ui_room.key).activity("barriers").state == "open"
    for seat in seats:
        acts.answer_barriers(seat.token, {"barriers": ["trust"], "line": "<b>Bold</b> words"})
    at.run()
    assert "3 answered" in texts(at)
    assert "<b>Bold</b> words" in [t.value for t in at.text]  # shown as typed
    at.checkbox(key=f"barriers:line:{seats[0].participant_id}:False").check().run()
    assert any(e.approved for e in acts.record(ui_room.code, ui_room.key).barriers)
    button(at, "Close and show on the projector").click().run()
    assert not at.exception
    assert acts.record(ui_room.code, ui_room.key).activity("barriers").state == "closed"
    assert ui_room.engine.facilitator_view(ui_room.code, ui_room.key).screen.view == (
        activities_view.BARRIERS
    )


def test_a_laptop_answers_the_barriers_from_its_real_job(open_page, ui_room):
    seat = ui_room.join("school")
    Activities(ui_room.engine).open(ui_room.code, ui_room.key, "barriers")
    at = open_page("play", t=seat.token)
    assert "Before we start: what holds you back at work?" in texts(at)
    at.multiselect[0].select("trust")
    at.text_input[0].input("Nobody rings back.")
    at.selectbox[0].select("housing")
    at.button(key="FormSubmitter:barriers-Send").click().run()
    assert not at.exception
    (entry,) = Activities(ui_room.engine).record(ui_room.code, ui_room.key).barriers
    assert entry.answer.barriers == ("trust",) and entry.answer.line == "Nobody rings back."
    assert entry.answer.agency == "housing"
    at.run()
    assert len(at.selectbox) == 0  # the real agency is asked once


def test_the_projector_shows_the_board_only_once_closed(open_page, ui_room):
    seats = _three(ui_room)
    acts = Activities(ui_room.engine)
    acts.open(ui_room.code, ui_room.key, "barriers")
    for seat in seats:
        acts.answer_barriers(seat.token, {"barriers": ["trust", "blame"], "line": "Unapproved"})
    ui_room.engine.set_screen(ui_room.code, ui_room.key, view=activities_view.BARRIERS)
    at = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert "3 answered so far." in texts(at) and "Unapproved" not in texts(at)
    acts.approve_line(ui_room.code, ui_room.key, seats[1].participant_id)
    acts.close(ui_room.code, ui_room.key, "barriers")
    at.run()
    shown = texts(at)
    assert "What holds us back at work" in shown and "Unapproved" in shown
    assert [(m.label, m.value) for m in at.metric] == [("Trust", "3"), ("Fear", "3")]


def test_who_leads_in_one_tap_and_the_split_beside_the_lead(open_page, ui_room):
    seats = _three(ui_room)
    ui_room.go("open_stage", "lock_stage", "reveal_stage")
    at = _facilitate(open_page, ui_room)
    button(at, "Ask the room: who leads now?").click().run()
    assert not at.exception
    laptop = open_page("play", t=seats[0].token)
    assert "Who should lead now?" in texts(laptop)
    laptop.button(key=f"who-leads:0:{CSC}").click().run()
    assert not laptop.exception
    acts = Activities(ui_room.engine)
    for seat in seats[1:]:
        acts.answer_lead(seat.token, 0, "police")
    (mine,) = [
        e
        for e in acts.record(ui_room.code, ui_room.key).leads
        if e.participant_id == seats[0].participant_id
    ]
    assert mine.answer.lead == CSC
    at.run()
    button(at, "Close and show on the projector").click().run()
    projector = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    shown = texts(projector)
    assert "Who leads now? Stage 1" in shown and "The scenario's lead" in shown
    assert [p.proto.text for p in projector.get("progress")] == ["Police: 2", "Children's SC: 1"]


def _debrief_with_activities(ui_room):
    """Three laptops bring their barriers (one line approved), answer "Who leads?" at stage 1, and
    the workshop reaches its debrief."""
    seats = _three(ui_room)
    acts = Activities(ui_room.engine)
    acts.open(ui_room.code, ui_room.key, "barriers")
    for seat, chosen in zip(seats, (["consent", "trust"], ["consent"], ["blame"]), strict=True):
        acts.answer_barriers(seat.token, {"barriers": chosen, "line": f"Line of {seat.role_id}"})
    acts.approve_line(ui_room.code, ui_room.key, seats[0].participant_id)
    acts.close(ui_room.code, ui_room.key, "barriers")
    ui_room.go("open_stage", "lock_stage", "reveal_stage")
    acts.open(ui_room.code, ui_room.key, "who_leads", 0)
    for seat, lead in zip(seats, ("police", "police", CSC), strict=True):
        acts.answer_lead(seat.token, 0, lead)
    acts.close(ui_room.code, ui_room.key, "who_leads", 0)
    stages = len(ui_room.engine.record(ui_room.code).snapshot.scenario.stages)
    for _ in range(stages - 1):
        ui_room.go("next_stage", "lock_stage", "reveal_stage")
    ui_room.go("start_debrief")
    return seats


def test_the_debrief_shows_what_the_room_brought_beside_the_play(open_page, ui_room):
    _debrief_with_activities(ui_room)
    at = _facilitate(open_page, ui_room)
    at.segmented_control(key="facilitate:screen-view").set_value(ROOM_HEADING).run()
    assert not at.exception
    assert "The barriers of their real jobs, beside those cited in play" in texts(at)
    table = at.table[0].value
    assert table.loc["Waiting for consent", "Brought from work"] == "2"
    assert table.loc["Waiting for consent", "For children"] == "a myth"
    assert table.loc["Fear of blame", "For children"] == "real, to weigh"
    # The projector shows the same part once the facilitator puts it on screen.
    projector = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert not projector.exception and ROOM_HEADING in texts(projector)
    assert projector.table[0].value.loc["Waiting for consent", "Brought from work"] == "2"
    # Then who the room said leads, stage by stage, beside the guidance.
    at.segmented_control(key="facilitate:screen-view").set_value(LEADS).run()
    assert "Stage 1 (A bruise and a call-out): Most of the room (2 of 3) named Police" in texts(at)
    projector.run()
    leads = projector.table[0].value  # one row a stage: every stage fits the screen
    stage = "Stage 1 \u00b7 A bruise and a call-out"
    assert leads.loc[stage, "The room"] == "most named Police (2 of 3)"
    assert leads.loc[stage, "Guidance"] == "Children's SC"


def test_the_report_of_the_room_carries_its_activities(open_page, ui_room):
    from facilitation.analysis import analyse, room_activities
    from facilitation.outputs import render

    _debrief_with_activities(ui_room)
    record = ui_room.engine.record(ui_room.code)
    analysis = analyse(record)
    room = room_activities(
        record, Activities(ui_room.engine).record(ui_room.code, ui_room.key), analysis
    )
    markdown = render("md", record, analysis, None, room)
    assert f"## {ROOM_HEADING}" in markdown and "Line of school" in markdown
    assert "Line of police" not in markdown
    assert "Most of the room (2 of 3) named Police; guidance names" in markdown
