"""The evaluation on screen (streamlit.testing): the questionnaire before the role card, skippable; the
one after the debrief with its retrospective column; the follow-up page; the facilitator's What changed
section; the operator's programme page behind the passcode."""

from __future__ import annotations

from facilitation.content import questionnaire
from facilitation.engine import Evaluations
from tests.fixtures.ui import PASSCODE, button, texts

FORM = questionnaire()


def _through_debrief(ui_room) -> None:
    ui_room.go("open_stage")
    for index in range(3):
        if index:
            ui_room.go("next_stage")
        ui_room.go("lock_stage", "reveal_stage")
    ui_room.go("start_debrief")


def test_the_pre_questionnaire_comes_before_the_role_card_and_is_kept(open_page, ui_room):
    seat = ui_room.join("school", "Pat")
    at = open_page("play", t=seat.token)
    shown = texts(at)
    assert FORM.notice.split(".")[0] in shown  # what is asked, why, and that it is optional
    assert "optional" in shown
    assert shown.index("How confident are you?") < shown.index("What pushes you to share")
    first = FORM.confidence[0].id
    at.radio(key=f"eval:pre:c:{first}").set_value(2)
    at.radio(key=f"eval:pre:k:{FORM.knowledge[0].id}").set_value("true")
    button(at, "Send my answers").click().run()
    assert not at.exception
    (person,) = Evaluations(ui_room.engine).record(ui_room.code, ui_room.key).respondents
    assert person.pre.confidence == {first: 2}
    assert person.pre.knowledge == {FORM.knowledge[0].id: "true"}
    assert "How confident are you?" not in texts(at)  # answered: gone, the role card stays
    assert "What pushes you to share" in texts(at)


def test_skipping_the_pre_questionnaire(open_page, ui_room):
    seat = ui_room.join("school")
    at = open_page("play", t=seat.token)
    button(at, "Skip the questionnaire").click().run()
    (person,) = Evaluations(ui_room.engine).record(ui_room.code, ui_room.key).respondents
    assert person.pre_skipped and person.pre is None


def test_the_post_questionnaire_has_a_retrospective_column(open_page, ui_room):
    seat = ui_room.join("school")
    _through_debrief(ui_room)
    at = open_page("play", t=seat.token)
    first = FORM.confidence[0].id
    at.radio(key=f"eval:post:c:{first}").set_value(4)
    at.radio(key=f"eval:post:r:{first}").set_value(2)
    at.text_area(key="eval:post:o:do_differently").input("Ask the DSL sooner.")
    at.checkbox(key="eval:post:quotable").check()
    button(at, "Send my answers").click().run()
    (person,) = Evaluations(ui_room.engine).record(ui_room.code, ui_room.key).respondents
    assert person.post.confidence == {first: 4} and person.post.retrospective == {first: 2}
    assert person.post.open == {"do_differently": "Ask the DSL sooner."} and person.post.quotable


def test_the_follow_up_page(open_page, ui_room):
    seat = ui_room.join("school")
    _through_debrief(ui_room)
    links = Evaluations(ui_room.engine).follow_up_links(ui_room.code, ui_room.key)
    at = open_page("followup", f=links[seat.participant_id])
    assert "Six to eight weeks on" in texts(at)
    at.radio(key="eval:follow_up:used").set_value("yes")
    button(at, "Send my answers").click().run()
    (person,) = Evaluations(ui_room.engine).record(ui_room.code, ui_room.key).respondents
    assert person.follow_up.used_at_work == "yes"
    gone = open_page("followup", f="not-a-link")
    assert "no longer works" in gone.error[0].value


def test_the_facilitators_what_changed_section(open_page, ui_room):
    ui_room.engine.add_simulated(ui_room.code, ui_room.key, per_empty_role=2, seed=1)
    evaluations = Evaluations(ui_room.engine)
    evaluations.simulate(ui_room.code, ui_room.key, "pre")
    _through_debrief(ui_room)
    evaluations.simulate(ui_room.code, ui_room.key, "post")
    evaluations.record_agreement(ui_room.code, ui_room.key, 0, 2, "Early help")
    at = open_page("facilitate", w=ui_room.code, k=ui_room.key)
    at.segmented_control(key="facilitate:section:debrief").set_value("What changed").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "What changed" in shown and "Confidence before and after" in shown
    assert "What the room agreed" in shown


def test_the_programme_page_needs_the_passcode(open_page, ui_room):
    at = open_page("programme")
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert "passcode is not right" in at.error[0].value
    at.text_input[0].input(PASSCODE)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Who came" in shown and "What the days changed" in shown
