"""The play page (streamlit.testing): every state of a participant's laptop, drafts, stale forms."""

from __future__ import annotations

from unittest import mock

import pytest

from facilitation.ui.play_view import FORM_FRAGMENT
from tests.fixtures.ui import button, run_fragment, shown, texts

CSC = "childrens_social_care"


@pytest.fixture
def seat(ui_room):
    return ui_room.join("school", "Pat")


def _fill(at, *, share=("childrens_social_care",), level=3, action="refer", note=""):
    """Answer as a participant would, one widget at a time (each change reruns and is saved)."""
    at.button_group(key="play:0:bruise:share").set_value(list(share)).run()
    if "keep" not in share:
        at.button_group(key="play:0:bruise:reason").set_value("duty").run()
    at.radio(key="play:0:level").set_value(level).run()
    at.selectbox(key="play:0:action").set_value(action).run()
    if note:
        at.text_area(key="play:0:note").input(note).run()


def test_without_a_token_points_to_join(open_page):
    at = open_page("play")
    assert "no seat" in at.info[0].value


def test_an_unknown_token_says_the_seat_is_gone(open_page, ui_room):
    at = open_page("play", t="not-a-token")
    assert "no longer exists" in at.error[0].value


def test_lobby_shows_the_role_card_and_waits(open_page, ui_room, seat):
    at = open_page("play", t=seat.token)
    shown = texts(at)
    assert "You play Test Primary School (DSL)" in shown
    assert "Waiting to start" in shown
    assert "What pushes you to share" in shown and "What holds you back" in shown
    assert (
        "We act when the picture in front of us is clear enough." in shown
    )  # threshold in practice
    assert not [b for b in at.button if b.label == "Submit"]
    # The rejoin link keeps the seat in the URL.
    assert any(f"/play?t={seat.token}" in c.value for c in at.code)


def test_open_stage_shows_the_narrative_the_picture_and_the_form(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    shown = texts(at)
    assert "Stage 1 of 3 · Open for decisions" in shown
    assert "Sam, aged 7, comes to school with a bruise." in shown
    assert "Sam has finger-tip bruising on the upper arm and says he fell." in shown
    assert "Your agency's own information · new at this stage" in shown
    # Only the school's own fact: the police's call-out is not in its picture yet.
    assert "verbal argument" not in shown
    assert "New at this stage (1)" in shown
    share = at.button_group(key="play:0:bruise:share")
    assert share.value == []  # a new fact starts undecided
    assert [share.format_func(o) for o in ("police", CSC, "gp", "keep")] == [
        "Police",
        "Children's SC",
        "GP",
        "Keep within my agency",
    ]
    # No article to choose, no "Select all": the reason appears once something is shared.
    assert not [s for s in at.selectbox if s.key == "play:0:bruise:gateway"]
    share.set_value([CSC]).run()
    reason = at.button_group(key="play:0:bruise:reason")
    assert reason.value is None
    assert reason.format_func("not_sure") == "Not sure: I would seek advice"
    concern = at.button_group(key="play:0:bruise:concern")
    assert concern.value == []  # the detail by default; one click for the concern only
    barriers = at.multiselect(key="play:0:bruise:barriers")
    assert (
        "I'd need the family's consent first." in barriers.options
    )  # the sentence, not the guidance
    assert at.radio(key="play:0:level").options == [
        "1 · Universal",
        "2 · Early help",
        "3 · Child in need",
        "4 · Child protection",
    ]
    assert at.text_area(key="play:0:note").max_chars == 1000
    # Answers are saved as they are given: no Save-draft button to remember.
    assert [b.label for b in at.button if b.label in ("Save draft", "Submit")] == ["Submit"]


def test_submit_then_edit_until_the_stage_locks(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at, note="A <b>note</b> **here**")
    at.checkbox(key="play:0:shareable").check().run()
    button(at, "Submit").click()
    at.run()
    assert any("Submitted" in s.value for s in at.success)
    view = ui_room.engine.participant_view(seat.token)
    decision = view.decision
    assert decision.level == 3 and decision.action == "refer" and decision.note_shareable
    assert decision.for_fact("bruise").share_with == ("childrens_social_care",)
    assert decision.for_fact("bruise").reason == "duty"
    # Change of mind, and a double submit: both harmless, the last one counts.
    at.radio(key="play:0:level").set_value(4).run()
    button(at, "Submit again").click()
    at.run()
    button(at, "Submit again").click()
    at.run()
    assert not at.error
    assert ui_room.engine.participant_view(seat.token).decision.level == 4


def test_submitting_without_a_level_keeps_the_answers_as_a_draft(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    at.button_group(key="play:0:bruise:share").set_value(["police"]).run()
    button(at, "Submit").click()
    at.run()
    assert "Choose the level of need and an action" in at.error[0].value
    view = ui_room.engine.participant_view(seat.token)
    assert view.decision is None
    assert view.draft["facts"]["bruise"]["share_with"] == ["police"]


def test_an_undecided_new_fact_is_asked_for_before_submitting(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    at.radio(key="play:0:level").set_value(2).run()
    at.selectbox(key="play:0:action").set_value("monitor").run()
    button(at, "Submit").click()
    at.run()
    assert "share or keep within your agency each new fact (1 still open)" in shown(
        at.error[0].value
    )
    at.button_group(key="play:0:bruise:share").set_value(["keep"]).run()
    button(at, "Submit").click()
    at.run()
    kept = ui_room.engine.participant_view(seat.token).decision.for_fact("bruise")
    assert kept is not None and kept.share_with == ()  # decided: kept within the agency


def test_answers_are_saved_as_given_and_come_back_after_a_refresh(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at, note="half-way there")  # no button pressed
    fresh = open_page(
        "play", t=seat.token
    )  # a new session: a refresh, or the same link on another laptop
    assert fresh.button_group(key="play:0:bruise:share").value == ["childrens_social_care"]
    assert fresh.button_group(key="play:0:bruise:reason").value == "duty"
    assert fresh.radio(key="play:0:level").value == 3
    assert fresh.selectbox(key="play:0:action").value == "refer"
    assert fresh.text_area(key="play:0:note").value == "half-way there"


def test_a_submitted_decision_comes_back_after_a_refresh(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at)
    button(at, "Submit").click()
    at.run()
    fresh = open_page("play", t=seat.token)
    assert fresh.radio(key="play:0:level").value == 3
    assert "Submitted" in texts(fresh)


def test_a_form_posted_after_the_lock_says_so_and_keeps_the_answers(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at, note="typed before the lock")
    ui_room.go("lock_stage")  # the facilitator locks while the form is still on this laptop
    button(at, "Submit").click()
    at.run()
    assert not at.exception
    assert "Not submitted" in at.error[0].value and "locked" in at.error[0].value
    assert ui_room.engine.participant_view(seat.token).decision is None
    # The page follows the workshop (locked), and the answers are kept as a draft.
    assert "Locked" in texts(at)
    assert ui_room.engine.participant_view(seat.token).draft["note"] == "typed before the lock"
    # If the facilitator reopens the stage, the same answers come back and can be submitted.
    ui_room.go("reopen_stage")
    at.run()
    assert at.text_area(key="play:0:note").value == "typed before the lock"
    assert at.button_group(key="play:0:bruise:share").value == ["childrens_social_care"]
    button(at, "Submit").click()
    at.run()
    assert ui_room.engine.participant_view(seat.token).decision.note == "typed before the lock"


def test_locked_shows_what_was_submitted_read_only(open_page, ui_room, seat):
    ui_room.go("open_stage")
    ui_room.engine.submit(
        seat.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": ["gp"]}],
            "level": 2,
            "action": "monitor",
            "confidence": 4,
        },
    )
    ui_room.go("lock_stage")
    at = open_page("play", t=seat.token)
    assert "Locked" in texts(at)
    shown = texts(at)
    assert "→ Shared with GP" in shown and "Confidence:** 4 · Sure" in shown
    # Read-only as text: no widget to change, no button to press.
    assert (
        not at.multiselect
        and not at.button_group
        and not [b for b in at.button if b.label in ("Submit", "Submit again")]
    )


def test_locked_without_a_submission_says_so(open_page, ui_room, seat):
    ui_room.go("open_stage")
    ui_room.engine.save_draft(seat.token, 0, {"note": "half done"})
    ui_room.go("lock_stage")
    at = open_page("play", t=seat.token)
    assert "You did not submit at this stage. Your saved draft was not submitted." in texts(at)


def test_revealed_compares_with_guidance_and_the_role(open_page, ui_room, seat):
    other = ui_room.join("school", "Other")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        seat.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": ["gp"]}],
            "level": 2,
            "action": "monitor",
            "confidence": 4,
        },
    )
    ui_room.engine.submit(
        other.token,
        0,
        {
            "facts": [
                {
                    "fact_id": "bruise",
                    "share_with": ["childrens_social_care"],
                    "gateway": "ca1989_s47",
                }
            ],
            "level": 3,
            "action": "refer",
            "confidence": 4,
        },
    )
    ui_room.go("reveal_stage")
    at = open_page("play", t=seat.token)
    shown = texts(at).replace("\\", "")  # verdict lines name roles: drawn escaped
    assert "Revealed" in shown
    assert "Guidance" in shown and "Children's SC" in shown
    assert "guidance says not to (over-sharing)" in shown  # the GP is on the avoid list
    assert "Not shared with Children's SC" in shown
    assert "Everyone playing" not in shown  # two schools: under PRIVACY_MIN, no comparison
    assert "Basis for GP not known: seek advice" in shown  # not over-sharing for want of a basis
    assert (
        "Finger-tip bruising on a young child needs a referral" in shown
    )  # the why, after the reveal
    assert "Other" not in shown.replace("Others", "")  # another participant's name never shows


def test_before_the_reveal_no_guidance_is_shown(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    assert "needs a referral" not in texts(at)


def test_debrief_and_closed_show_the_story(open_page, ui_room, seat):
    ui_room.go(
        "open_stage",
        "reveal_stage",
        "next_stage",
        "reveal_stage",
        "next_stage",
        "reveal_stage",
        "start_debrief",
    )
    at = open_page("play", t=seat.token)
    shown = texts(at)
    assert "What happened" in shown
    assert "The new partner was assaulting Sam" in shown
    assert "Share below the threshold when pieces add up." in shown
    ui_room.go("close_workshop")
    at = open_page("play", t=seat.token)
    assert "The workshop has closed" in texts(at)


def test_later_stages_show_received_facts_with_their_sender(open_page, ui_room):
    police = ui_room.join("police")
    csc = ui_room.join("childrens_social_care")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        police.token,
        0,
        {
            "facts": [{"fact_id": "dv_callout", "share_with": ["childrens_social_care"]}],
            "level": 2,
            "action": "monitor",
            "confidence": 3,
        },
    )
    ui_room.go("reveal_stage", "next_stage")
    at = open_page("play", t=csc.token)
    shown = texts(at)
    assert "Police were called to a verbal argument" in shown
    assert "Received from Police at stage 1" in shown
    assert "The story so far" in [e.label for e in at.expander]


def test_an_open_form_follows_the_workshop_and_a_countdown_is_only_drawn(ui_room, seat):
    """What the poll does on a laptop with an unsubmitted form (AppTest never fires the timer): a
    change of stage reruns the page (the poll is given no hold: "hold" becomes a rerun)."""
    from facilitation.ui.play_view import triage

    ui_room.go("open_stage")
    state = {"_countdown:k": None}
    args = (ui_room.code, seat.token, "k", "open", 0)
    ui_room.engine.set_countdown(ui_room.code, ui_room.key, 300)
    assert triage(*args, state=state) == "ignore"  # a countdown: drawn by the poll, the form stays
    assert state["_countdown:k"] is not None
    ui_room.go("lock_stage")
    assert triage(*args, state=state) == "hold"  # the stage moved: with no hold, the page reruns
    ui_room.engine.remove_participant(ui_room.code, ui_room.key, seat.participant_id)
    assert triage(*args, state=state) == "rerun"  # the seat is gone: say so at once


def test_a_private_note_never_reaches_another_laptop(open_page, ui_room, seat):
    other = ui_room.join("school", "Other")
    ui_room.go("open_stage")
    ui_room.engine.submit(
        seat.token,
        0,
        {
            "facts": [{"fact_id": "bruise", "share_with": ["gp"]}],
            "level": 2,
            "action": "monitor",
            "confidence": 4,
            "note": "PRIVATE-NOTE-OF-PAT",
            "note_shareable": False,
        },
    )
    ui_room.engine.submit(
        other.token,
        0,
        {
            "facts": [],
            "level": 3,
            "action": "refer",
            "confidence": 2,
            "note": "SHAREABLE-NOTE",
            "note_shareable": True,
        },
    )
    ui_room.go(
        "reveal_stage", "next_stage", "reveal_stage", "next_stage", "reveal_stage", "start_debrief"
    )
    open_page(
        "play", t=seat.token
    )  # builds the shared analysis from Pat's own, personalised record first
    theirs = open_page("play", t=other.token)
    everything = (
        texts(theirs)
        + "\n".join(t.value for t in theirs.text)
        + "\n".join(c.value for c in theirs.code)
    )
    assert "PRIVATE-NOTE-OF-PAT" not in everything
    assert "Pat" not in everything.replace("Patience", "")


def test_earlier_decisions_carry_forward_one_line_each_with_change(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at)
    button(at, "Submit").click()
    at.run()
    ui_room.go("reveal_stage", "next_stage")
    at = open_page("play", t=seat.token)
    shown = texts(at).replace("\\", "")
    assert "Decided earlier (1)" in shown
    assert (
        "Sam has finger-tip bruising on the upper arm and says he… → Children's SC · "
        "A safeguarding or statutory duty"
    ) in shown  # one line: the fact (cut to a line), whom it went to, and why
    assert not [b for b in at.button_group if b.key == "play:1:bruise:share"]  # not re-asked
    # Submitting with nothing new carries the decision: the engine stores it again, unchanged.
    at.radio(key="play:1:level").set_value(3).run()
    at.selectbox(key="play:1:action").set_value("refer").run()
    button(at, "Submit").click()
    at.run()
    carried = ui_room.engine.participant_view(seat.token).decision.for_fact("bruise")
    assert (carried.share_with, carried.reason) == (("childrens_social_care",), "duty")
    # "change": anyone else now? The earlier share stands; the police are added.
    at.toggle(key="play:1:bruise:change").set_value(True).run()
    assert "Already shared with Children's SC (it stands)." in texts(at)
    at.button_group(key="play:1:bruise:share").set_value(["police"]).run()
    button(at, "Submit again").click()
    at.run()
    changed = ui_room.engine.participant_view(seat.token).decision.for_fact("bruise")
    assert changed.share_with == ("childrens_social_care", "police")
    assert changed.reason == "duty"  # the reason given before stands for the new recipient too


# ------------------------------------------------------------------ the form as a fragment


@pytest.fixture
def page_reads(ui_room, monkeypatch):
    """The whole-page runs, counted: each reads the participant's view once (the form reads none)."""
    reads = []
    real = ui_room.engine.participant_view
    monkeypatch.setattr(
        ui_room.engine, "participant_view", lambda token: reads.append(token) or real(token)
    )
    return reads


def test_an_answer_reruns_only_the_form_and_is_saved(open_page, ui_room, seat, page_reads):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    assert len(page_reads) == 1 and "You play Test Primary School (DSL)" in texts(at)
    at.radio(key="play:0:level").set_value(3)
    run_fragment(at, FORM_FRAGMENT)
    assert len(page_reads) == 1  # the page around the form was not run again ...
    assert "You play" not in texts(at) and "Stage 1 of 3" not in texts(at)  # ... nor redrawn
    assert at.radio(key="play:0:level").value == 3  # the form was
    assert "Your answers are saved as you go" in texts(at)
    assert ui_room.engine.participant_view(seat.token).draft["level"] == 3
    at.button_group(key="play:0:bruise:share").set_value([CSC])
    run_fragment(at, FORM_FRAGMENT)
    # The reason appears once something is shared: the form redraws itself as it is answered.
    assert at.button_group(key="play:0:bruise:reason").value is None
    assert len(page_reads) == 2  # only the check above read the view


def test_a_submit_from_the_form_reruns_the_whole_page(open_page, ui_room, seat, page_reads):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at)
    reads = len(page_reads)
    button(at, "Submit").click()
    run_fragment(at, FORM_FRAGMENT)
    assert len(page_reads) == reads + 1  # the banner and the button's label changed: the whole page
    shown = texts(at)
    assert "Stage 1 of 3 · Open for decisions · Submitted" in shown
    assert "Submitted. You can change your answers" in shown
    assert [b.label for b in at.button if b.label.startswith("Submit")] == ["Submit again"]
    assert at.button_group(key="play:0:bruise:share").value == [CSC]  # the answers stay on screen
    assert at.radio(key="play:0:level").value == 3
    # Submitting again from the form: harmless, and the page says so once more.
    at.radio(key="play:0:level").set_value(4)
    run_fragment(at, FORM_FRAGMENT)
    button(at, "Submit again").click()
    run_fragment(at, FORM_FRAGMENT)
    assert not at.error and "Submitted. You can change your answers" in texts(at)
    assert ui_room.engine.participant_view(seat.token).decision.level == 4


def test_an_incomplete_submit_stays_in_the_form(open_page, ui_room, seat, page_reads):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    at.button_group(key="play:0:bruise:share").set_value(["police"]).run()
    reads = len(page_reads)
    button(at, "Submit").click()
    run_fragment(at, FORM_FRAGMENT)
    assert len(page_reads) == reads  # nothing outside the form changed
    assert "Choose the level of need and an action" in at.error[0].value
    assert at.button_group(key="play:0:bruise:share").value == ["police"]
    assert ui_room.engine.participant_view(seat.token).decision is None


def test_a_form_posted_after_the_lock_from_the_form_shows_the_locked_page(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at, note="typed before the lock")
    ui_room.go("lock_stage")  # the poll has not fired yet: the form is still on this laptop
    button(at, "Submit").click()
    run_fragment(at, FORM_FRAGMENT)
    assert "Not submitted" in at.error[0].value and "locked" in at.error[0].value
    assert "Locked" in texts(at)  # the whole page followed the workshop
    assert ui_room.engine.participant_view(seat.token).decision is None
    assert ui_room.engine.participant_view(seat.token).draft["note"] == "typed before the lock"
    ui_room.go("reopen_stage")
    at.run()
    assert at.text_area(key="play:0:note").value == "typed before the lock"


def test_an_answer_given_after_the_lock_shows_the_locked_page(open_page, ui_room, seat):
    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    _fill(at)
    ui_room.go("lock_stage")
    at.text_area(key="play:0:note").input("one more thought")
    run_fragment(at, FORM_FRAGMENT)
    assert "Not saved" in at.error[0].value
    assert "Locked" in texts(at)
    assert ui_room.engine.participant_view(seat.token).draft["level"] == 3  # what was saved stays


def test_the_poll_reruns_the_page_only_when_the_workshop_moved_on(
    open_page, ui_room, seat, page_reads
):
    from facilitation.ui.widgets import POLL_FRAGMENT

    ui_room.go("open_stage")
    at = open_page("play", t=seat.token)
    at.radio(key="play:0:level").set_value(2).run()
    reads = len(page_reads)
    ui_room.join("police", "Someone late")  # moves the workshop's version, not its phase
    run_fragment(at, POLL_FRAGMENT)
    assert len(page_reads) == reads and "You play" not in texts(
        at
    )  # one small query, nothing redrawn
    ui_room.go("lock_stage")
    run_fragment(at, POLL_FRAGMENT)
    assert len(page_reads) == reads + 1  # the stage moved on: the whole page follows it
    assert "Locked" in texts(at)
    assert ui_room.engine.participant_view(seat.token).draft["level"] == 2


def _poll_intervals(at) -> list[float]:
    """The auto-rerun intervals a page run arms (what tells a browser how often to poll)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    armed: list[float] = []
    original = ScriptRunContext.enqueue

    def recording(self, msg):
        if msg.WhichOneof("type") == "auto_rerun":
            armed.append(msg.auto_rerun.interval)
        return original(self, msg)

    with mock.patch.object(ScriptRunContext, "enqueue", recording):
        at.run()
    return armed


def test_a_laptop_polls_as_often_as_the_operator_set_and_the_projector_every_two_seconds(
    open_page, ui_room, seat, monkeypatch
):
    ui_room.go("open_stage")
    laptop = open_page("play", t=seat.token)
    assert _poll_intervals(laptop) == [2.0]
    monkeypatch.setenv("EASI_POLL_SECONDS", "3")
    assert _poll_intervals(laptop) == [3.0]
    assert "You play" in texts(laptop) and not laptop.exception
    projector = open_page("projector", w=ui_room.code, k=ui_room.projector_key)
    assert _poll_intervals(projector) == [2.0]
