"""The evaluation on screen: the questionnaires (before play, after the debrief, the follow-up page),
the facilitator's "What changed" section (the room's agreed levels, the improvement plan, the figures,
the follow-up links) and the section drawn from a report (also in the Studio's rehearsal).

The pages of other views call in here through one line each; every change goes through
`engine.Evaluations`, which checks the token or key. Nothing a participant wrote is rendered as HTML.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from facilitation.content import Questionnaire
from facilitation.engine import Evaluations, FacilitatorView
from facilitation.errors import EasiError, NotFound
from facilitation.outputs import (
    EvaluationReport,
    answers_csv,
    evaluation_report,
    follow_up_csv,
    section_blocks,
    what_changed_chart,
)
from facilitation.ui import services
from facilitation.ui.widgets import escape_markdown, level_label

__all__ = [
    "agreement_form",
    "facilitator_section",
    "follow_up_page",
    "post_measure",
    "pre_measure",
    "report_for",
    "what_changed",
]

_KNOWLEDGE_WORDS = {"true": "True", "false": "False", "not_sure": "Not sure"}
_USED_WORDS = {"yes": "Yes", "no": "No", "no_chance": "Not had the chance"}
_DONE = (
    "eval:done:{moment}:{token}"  # session flag: this seat has answered or skipped; no more reads
)


def _evaluations() -> Evaluations:
    return Evaluations(services.engine())


# ========================================================================== participants' questionnaires


def _questions(form: Questionnaire, moment: str, prefix: str) -> dict:
    """The questionnaire's widgets (inside a form); returns what was answered, leaving out the blanks."""
    scale = list(form.scale)
    answers: dict = {"confidence": {}, "retrospective": {}, "knowledge": {}, "open": {}}
    st.markdown("**How confident are you?** (1 = " + form.scale[1] + ", 5 = " + form.scale[5] + ")")
    for item in form.confidence:
        if moment == "post":
            now, then = st.columns(2)
            with now:
                value = st.radio(
                    item.text, scale, index=None, horizontal=True, key=f"{prefix}:c:{item.id}"
                )
            with then:
                retro = st.radio(
                    form.retrospective_prompt,
                    scale,
                    index=None,
                    horizontal=True,
                    key=f"{prefix}:r:{item.id}",
                )
            if retro is not None:
                answers["retrospective"][item.id] = retro
        else:
            value = st.radio(
                item.text, scale, index=None, horizontal=True, key=f"{prefix}:c:{item.id}"
            )
        if value is not None:
            answers["confidence"][item.id] = value
    st.markdown("**True or false?**")
    for item in form.knowledge:
        choice = st.radio(
            item.statement,
            list(_KNOWLEDGE_WORDS),
            format_func=_KNOWLEDGE_WORDS.get,
            index=None,
            horizontal=True,
            key=f"{prefix}:k:{item.id}",
        )
        if choice is not None:
            answers["knowledge"][item.id] = choice
    if moment != "pre":
        for question in form.open:
            text = st.text_area(question.text, max_chars=1000, key=f"{prefix}:o:{question.id}")
            if text.strip():
                answers["open"][question.id] = text
        answers["quotable"] = st.checkbox(
            "My answers to these two questions may be quoted in the report, without my name",
            key=f"{prefix}:quotable",
        )
    return answers


def pre_measure(token: str, *, compact: bool = False) -> None:
    """The questionnaire before play, with its notice, while it is open and not yet answered or skipped.
    `compact`: folded away (the stage has opened: play comes first)."""
    _measure(token, "pre", compact)


def post_measure(token: str) -> None:
    """The questionnaire after the debrief, with the retrospective-pre column."""
    _measure(token, "post", False)


def _measure(token: str, moment: str, compact: bool) -> None:
    done_key = _DONE.format(moment=moment, token=token)
    if st.session_state.get(done_key):
        return
    evaluations = _evaluations()
    try:
        mine = evaluations.mine(token)
    except NotFound:
        return
    is_open = mine.pre_open if moment == "pre" else mine.post_open
    if getattr(mine, moment) is not None:
        st.session_state[done_key] = True
        return
    if not is_open:
        return
    form = mine.form
    title = (
        "A short questionnaire before you play (optional)"
        if moment == "pre"
        else "A last questionnaire: what today changed (optional)"
    )
    with st.expander(title, expanded=not compact):
        if moment == "pre":
            st.info(form.notice, icon=":material/info:")
        else:
            st.markdown(
                "The same questions as before play, and for each confidence item where you think you "
                "were before today. Skip any question; your answers are never shown with your name."
            )
        with st.form(f"eval:{moment}", border=False):
            answers = _questions(form, moment, f"eval:{moment}")
            send, skip = st.columns(2)
            with send:
                sent = st.form_submit_button("Send my answers", type="primary")
            with skip:
                skipped = st.form_submit_button("Skip the questionnaire")
    if not (sent or skipped):
        return
    try:
        if skipped:
            evaluations.skip(token, moment)
        else:
            evaluations.answer(token, moment, answers)
    except EasiError as refused:
        st.error(escape_markdown(refused))
        return
    st.session_state[done_key] = True
    st.toast("Thank you." if sent else "Skipped: carry on.")
    st.rerun()


def follow_up_page() -> None:
    """`/followup?f=TOKEN`: the follow-up questionnaire, six to eight weeks on, without an account."""
    st.title("Six to eight weeks on")
    token = st.query_params.get("f", "")
    evaluations = _evaluations()
    try:
        seat = evaluations.follow_up_seat(token)
    except NotFound as gone:
        st.error(escape_markdown(gone))
        return
    st.caption(
        f"EASI Workshop · {escape_markdown(seat.title)} · {seat.workshop_date}. Your answers are "
        "pseudonymous and deleted with the workshop; nothing asks for your name or e-mail address."
    )
    if seat.answered:
        st.success("You have answered already, thank you. Sending again replaces your answers.")
    form = seat.form
    with st.form("eval:follow_up", border=False):
        answers = _questions(form, "follow_up", "eval:follow_up")
        used = st.radio(
            form.used_at_work,
            list(_USED_WORDS),
            format_func=_USED_WORDS.get,
            index=None,
            horizontal=True,
            key="eval:follow_up:used",
        )
        sent = st.form_submit_button("Send my answers", type="primary")
    if sent:
        try:
            evaluations.answer_follow_up(token, {**answers, "used_at_work": used})
        except EasiError as refused:
            st.error(escape_markdown(refused))
            return
        st.success("Thank you: your answers are in the workshop's report.")


# ============================================================================= facilitator and report


def report_for(code: str, key: str, view: FacilitatorView) -> EvaluationReport | None:
    """The evaluation for the facilitator's exports (None if it cannot be read now)."""
    try:
        return evaluation_report(_evaluations().record(code, key), view.record)
    except EasiError:
        return None


def agreement_form(view: FacilitatorView, key: str, stage_index: int | None) -> None:
    """After a reveal: record the level of need the room agrees the combined picture had reached."""
    status = view.status
    if stage_index is None or stage_index > view.record.revealed_through:
        return
    with st.form(f"eval:agree:{stage_index}", border=True):
        st.markdown(f"**What the room agrees, after stage {stage_index + 1}**")
        level = st.radio(
            "Level of need the combined picture had reached",
            [1, 2, 3, 4],
            format_func=lambda n: level_label(status.audience, n),
            index=None,
            horizontal=True,
        )
        note = st.text_input("Note (optional)", max_chars=300)
        saved = st.form_submit_button("Record the room's level")
    if saved and level is not None:
        try:
            _evaluations().record_agreement(status.code, key, stage_index, level, note)
        except EasiError as refused:
            st.error(escape_markdown(refused))
            return
        st.toast(f"Recorded: the room agreed level {level} after stage {stage_index + 1}.")


def facilitator_section(view: FacilitatorView, key: str) -> None:
    """The facilitator's "What changed": agreements, the plan, the figures, follow-up links."""
    status = view.status
    evaluations = _evaluations()
    report = report_for(status.code, key, view)
    if report is None:
        st.error("The evaluation cannot be read just now: reload the page.")
        return
    _plan_editor(view, key, report)
    if view.record.revealed_through >= 0:
        with st.expander("The room's agreed levels"):
            stage = st.selectbox(
                "Stage",
                list(range(view.record.revealed_through + 1)),
                format_func=lambda i: f"Stage {i + 1}",
                key="eval:agree-stage",
            )
            agreement_form(view, key, stage)
    what_changed(report, status.audience, _short_names(view))
    with st.expander("Follow-up links (six to eight weeks later)"):
        st.markdown(
            "One link per participant, for them to keep: it opens the same questions again, with no "
            "account and no e-mail address stored. Hand each on (for example in your thank-you "
            "message). The links stop working when the workshop is deleted."
        )
        if st.button("Make the links", key="eval:links"):
            links = evaluations.follow_up_links(status.code, key)
            labels = {entry.participant_id: entry.display_name for entry in view.roster}
            st.download_button(
                "Follow-up links (CSV)",
                data=follow_up_csv(links, labels, lambda t: services.link("followup", f=t)),
                file_name=f"easi-{status.code}-follow-up-links.csv",
                mime="text/csv",
                on_click="ignore",
                icon=":material/download:",
            )
    if report.answered:
        st.download_button(
            "Answers (CSV, pseudonymous)",
            data=answers_csv(report.record),
            file_name=f"easi-{status.code}-answers.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="eval:answers",
        )


def _short_names(view: FacilitatorView):
    roles = view.record.snapshot.roles
    return lambda role_id: roles[role_id].short_name if role_id in roles else role_id


def _plan_editor(view: FacilitatorView, key: str, report: EvaluationReport) -> None:
    status = view.status
    with st.expander("Improvement plan", expanded=status.phase in ("debrief", "closed")):
        st.caption("Actions the room agrees, each with the agency that owns it and a date.")
        for action in report.result.plan:
            text, remove = st.columns([6, 1])
            with text:
                st.text(f"{action.due} · {action.owner_agency} · {action.action}")
            with remove:
                if st.button("Remove", key=f"eval:plan:rm:{action.id}"):
                    _evaluations().remove_action(status.code, key, action.id)
                    st.rerun()
        agencies = [role.short_name for role in view.record.snapshot.roles.values()] + ["Other"]
        with st.form("eval:plan:add", border=True):
            action = st.text_input("Action", max_chars=300)
            owner, due = st.columns(2)
            with owner:
                agency = st.selectbox("Owner agency", agencies)
            with due:
                when = st.date_input("Due", value=date.today() + timedelta(weeks=8))
            added = st.form_submit_button("Add the action")
        if added:
            try:
                _evaluations().add_action(status.code, key, action, agency, when)
            except EasiError as refused:
                st.error(escape_markdown(refused))
                return
            st.rerun()


def what_changed(report: EvaluationReport | None, audience: str, short=str) -> None:
    """The "What changed" section drawn from a report: the interval chart, then its tables and text."""
    if report is None or not report.answered:
        st.info("Nobody has answered the questionnaires yet, and nothing has been agreed.")
        return
    chart = what_changed_chart(report.result)
    blocks = section_blocks(report, audience, short)
    for kind, *parts in blocks:
        if kind == "heading":
            level, text = parts
            if level == 2:
                st.subheader(escape_markdown(text))
            else:
                st.markdown(f"**{escape_markdown(text)}**")
            if level == 2 and chart is not None:
                st.altair_chart(chart, width="stretch")
        elif kind == "para":
            text, tone = parts
            (st.caption if tone == "muted" else st.markdown)(escape_markdown(text))
        elif kind == "bullets":
            for item in parts[0]:
                st.markdown(f"- {escape_markdown(item)}")
        elif kind == "table":
            columns, rows, caption = parts
            st.dataframe(
                [dict(zip(columns, row)) for row in rows], hide_index=True, width="stretch"
            )
            if caption:
                st.caption(escape_markdown(caption))
        elif kind == "quote":
            text, by = parts
            st.text(text)
            st.caption(escape_markdown(by))
