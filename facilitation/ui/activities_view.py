"""The room's activities on every screen: the room's own barriers (an opening activity) and "Who
leads?" (at a reveal).

- The facilitator runs, skips, closes and shows them, and approves each line of a participant's own
  (`barriers_controls` in the Room section, `who_leads_controls` in the Reveal section).
- A laptop answers while one is open (`laptop`): barrier sentences and/or a short line, the real agency
  type once (optional); "Who leads?" in one tap.
- The projector (`projector`) shows what the engine's board allows: nothing before the facilitator
  closes the activity, approved lines only, no group of fewer than three. Every view fits 1280 x 720.

Participant text is shown as typed (`st.text`, or escaped Markdown); the engine decides who may do what.
"""

from __future__ import annotations

import streamlit as st

from facilitation.analysis import Debrief, RoomActivities, room_activities
from facilitation.content import AGENCIES, reference
from facilitation.engine import Activities, FacilitatorView, ParticipantView, RoomBoard
from facilitation.errors import EasiError
from facilitation.play import (
    LINE_MAX_CHARS,
    NOT_SURE,
    POOLED,
    ChoiceCount,
    LeadBoard,
    WorkshopRecord,
)
from facilitation.ui import services
from facilitation.ui.widgets import alert, escape_markdown

__all__ = [
    "BARRIERS",
    "BARRIERS_SHOWN",
    "LINES_SHOWN",
    "WHO_LEADS",
    "barriers_controls",
    "debrief_room",
    "laptop",
    "projector",
    "who_leads_controls",
]

BARRIERS = "The room's own barriers"  # projector views (the facilitator puts them on screen)
WHO_LEADS = "Who leads?"
BARRIERS_SHOWN = 4  # most chosen barriers on the projector: more would not fit beside the lines
LINES_SHOWN = 4
AGENCY_ROWS_SHOWN = 3
_FLASH = "activities:flash"


def _activities() -> Activities:
    return Activities(services.engine())


def _agency_label(agency: str) -> str:
    if agency == POOLED:
        return "Other or not given"
    return agency.replace("_", " ").capitalize()


def _choice_label(choice: str, names: dict[str, str]) -> str:
    return "Not sure" if choice == NOT_SURE else names.get(choice, choice)


def _call(method: str, *args, **kwargs) -> None:
    """A button's callback: ask the engine, and keep what it refused to say beside the buttons."""
    try:
        getattr(_activities(), method)(*args, **kwargs)
    except (EasiError, ValueError) as refused:
        st.session_state[_FLASH] = str(refused)


def _show(code: str, key: str, view: str, close: tuple | None = None) -> None:
    """Close an activity (if `close` names it) and put its view on the projector."""
    try:
        if close is not None:
            _activities().close(code, key, *close)
        services.engine().set_screen(code, key, view=view)
    except (EasiError, ValueError) as refused:
        st.session_state[_FLASH] = str(refused)


def _flash() -> None:
    refused = st.session_state.pop(_FLASH, None)
    if refused:
        alert("error", refused)


def debrief_room(
    code: str, key: str, record: WorkshopRecord, analysis: Debrief, *, projector: bool
) -> RoomActivities | None:
    """The room's activities for the debrief and the exports: read with the facilitator's key, or,
    for the `projector`, only what the room may see (`Activities.room_record`). None if refused."""
    try:
        found = (
            _activities().room_record(code, key) if projector else _activities().record(code, key)
        )
    except EasiError:
        return None
    return room_activities(record, found, analysis)


# ------------------------------------------------------------------------------------ facilitator


def barriers_controls(view: FacilitatorView, key: str) -> None:
    """Run or skip the room's own barriers, approve lines, close and show them."""
    status = view.status
    code = status.code
    record = _activities().record(code, key)
    activity = record.activity("barriers")
    with st.container(border=True, key="barriers-controls"):
        st.subheader(BARRIERS)
        st.caption(
            "An opening activity, before stage 1: each participant says, from their real job, what "
            "holds them back from sharing at work. Anonymous; a line of their own reaches the "
            "projector only once you approve it, and nothing is shown until you close the activity."
        )
        state = activity.state if activity else None
        lobby = status.phase == "lobby"
        if state in (None, "skipped"):
            if state == "skipped":
                st.markdown("Skipped.")
            run, skip = st.columns(2)
            run.button(
                "Run the room's own barriers",
                key="barriers:open",
                icon=":material/forum:",
                disabled=not lobby,
                on_click=_call,
                args=("open", code, key, "barriers"),
            )
            if state is None:
                skip.button(
                    "Skip it",
                    key="barriers:skip",
                    disabled=not lobby,
                    on_click=_call,
                    args=("skip", code, key),
                )
            if not lobby:
                st.caption("It can be run only in the lobby, before stage 1 opens.")
        else:
            st.markdown(f"**{len(record.barriers)} answered** · {state}")
            if state == "open":
                st.button(
                    "Close and show on the projector",
                    key="barriers:close",
                    type="primary",
                    icon=":material/tv:",
                    on_click=_show,
                    args=(code, key, BARRIERS, ("barriers",)),
                )
            else:
                st.button(
                    "Show on the projector",
                    key="barriers:show",
                    icon=":material/tv:",
                    on_click=_show,
                    args=(code, key, BARRIERS),
                )
            _lines(code, key, record)
        _flash()


def _lines(code: str, key: str, record) -> None:
    lines = [entry for entry in record.barriers if entry.answer.line]
    if not lines:
        return
    st.markdown("**Lines of their own** (approve those the room may see)")
    for entry in lines:
        st.text(entry.answer.line)  # participant text: shown as typed
        st.checkbox(
            "Show on the projector",
            value=entry.approved,
            key=f"barriers:line:{entry.participant_id}:{entry.approved}",
            on_change=_call,
            args=("approve_line", code, key, entry.participant_id),
            kwargs={"approved": not entry.approved},
        )


def who_leads_controls(view: FacilitatorView, key: str) -> None:
    """At a reveal: ask "Who leads?", close and show the room's split beside the scenario's lead."""
    status = view.status
    if status.phase != "revealed":
        return
    code, stage = status.code, status.stage_index
    record = _activities().record(code, key)
    activity = record.activity("who_leads", stage)
    snapshot = view.record.snapshot
    names = {role_id: role.short_name for role_id, role in snapshot.roles.items()}
    guidance = snapshot.scenario.stages[stage].lead_for(snapshot.scenario.lead_role)
    with st.container(border=True, key="who-leads-controls"):
        st.header(f"Who leads? (stage {stage + 1})")
        st.caption(
            f"The scenario's lead here: {names.get(guidance.role, guidance.role)}. The laptops answer "
            "in one tap; the projector shows the split once you close it."
        )
        state = activity.state if activity else None
        answers = record.leads_at(stage)
        if state is None:
            st.button(
                "Ask the room: who leads now?",
                key="who-leads:open",
                icon=":material/how_to_vote:",
                on_click=_call,
                args=("open", code, key, "who_leads"),
            )
        elif state == "open":
            st.markdown(f"**{len(answers)} answered**")
            st.button(
                "Close and show on the projector",
                key="who-leads:close",
                type="primary",
                icon=":material/tv:",
                on_click=_show,
                args=(code, key, WHO_LEADS, ("who_leads",)),
            )
        else:
            st.markdown(f"**{len(answers)} answered** · closed")
            st.button(
                "Show on the projector",
                key="who-leads:show",
                icon=":material/tv:",
                on_click=_show,
                args=(code, key, WHO_LEADS),
            )
        _flash()


# ---------------------------------------------------------------------------------------- laptops


def laptop(token: str, view: ParticipantView) -> None:
    """The open activity for this seat, if any, above the rest of the page."""
    try:
        mine = _activities().mine(token)
    except EasiError:
        return
    if mine.open is None:
        return
    if mine.open.kind == "barriers":
        _barriers_form(token, mine)
    else:
        _lead_buttons(token, view, mine)


def _barriers_form(token: str, mine) -> None:
    barriers = reference().barriers
    with st.container(border=True, key="barriers-form"):
        st.subheader("Before we start: what holds you back at work?")
        st.caption(
            "Speak from your real job, not the role you play. Anonymous: nobody sees who said what, "
            "and a line of your own reaches the screen only if the facilitator approves it. Please do "
            "not name anyone or describe a case."
        )
        earlier = mine.barriers
        with st.form("barriers", border=False):
            chosen = st.multiselect(
                "Choose what holds you back (up to 5)",
                list(barriers),
                default=list(earlier.barriers) if earlier else [],
                format_func=lambda b: barriers[b].sentence,
                max_selections=5,
            )
            line = st.text_input(
                "Or in your own words (optional)",
                value=earlier.line if earlier else "",
                max_chars=LINE_MAX_CHARS,
            )
            agency = None
            if not mine.agency_given:
                agency = st.selectbox(
                    "The kind of service you really work in (optional, asked once)",
                    [None, *AGENCIES],
                    format_func=lambda a: "Prefer not to say" if a is None else _agency_label(a),
                )
            sent = st.form_submit_button("Send", type="primary")
        if sent:
            try:
                _activities().answer_barriers(
                    token, {"barriers": chosen, "line": line, "agency": agency}
                )
            except EasiError as refused:
                alert("error", str(refused))
            else:
                st.success("Thank you. You can change it while the activity is open.")
        elif earlier is not None:
            st.success("Sent. You can change it while the activity is open.")


def _lead_buttons(token: str, view: ParticipantView, mine) -> None:
    stage = mine.open.stage_index
    names = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    choices = [*mine.roles_in_play, NOT_SURE]
    with st.container(border=True, key="who-leads-form"):
        st.subheader("Who should lead now?")
        answer = mine.lead
        columns = st.columns(min(len(choices), 4))
        for n, choice in enumerate(choices):
            columns[n % len(columns)].button(
                _choice_label(choice, names),
                key=f"who-leads:{stage}:{choice}",
                type="primary" if answer and answer.lead == choice else "secondary",
                width="stretch",
                on_click=_call,
                args=("answer_lead", token, stage, choice),
                kwargs={"decides": answer.decides if answer else None},
            )
        if answer is None:
            return
        st.caption(f"You said: {_choice_label(answer.lead, names)}. And who makes the decision?")
        columns = st.columns(min(len(choices), 4))
        for n, choice in enumerate(choices):
            columns[n % len(columns)].button(
                _choice_label(choice, names),
                key=f"who-decides:{stage}:{choice}",
                type="primary" if answer.decides == choice else "secondary",
                width="stretch",
                on_click=_call,
                args=("answer_lead", token, stage, answer.lead),
                kwargs={"decides": choice},
            )
        _flash()


# -------------------------------------------------------------------------------------- projector


def projector(code: str, key: str, chosen: str, stage: int, names: dict[str, str]) -> None:
    """The projector's view of an activity (`chosen`: BARRIERS or WHO_LEADS) at `stage`."""
    board: RoomBoard = _activities().board(code, key)
    if chosen == BARRIERS:
        _barriers_board(board)
    else:
        _lead_board(board.leads.get(stage), stage, names)


def _barriers_board(board: RoomBoard) -> None:
    st.header("What holds us back at work")
    found = board.barriers
    if found is None or not found.shown:
        answered = found.answered if found else 0
        st.markdown(f"## {answered} answered so far.")
        st.markdown(
            "The room's answers appear here once the facilitator closes the activity (and only if "
            "three or more people answered)."
        )
        return
    columns = st.columns(max(len(found.clusters), 1))
    for column, cluster in zip(columns, found.clusters):
        column.metric(cluster.cluster.capitalize(), cluster.people)
    barriers = reference().barriers
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Most often")
        for count in found.barriers[:BARRIERS_SHOWN]:
            known = barriers.get(count.choice)
            words = known.sentence if known else count.choice
            st.markdown(f"**{count.count}** · {escape_markdown(words)}")
    with right:
        st.subheader("In the room's words")
        for line in found.lines[:LINES_SHOWN]:
            st.markdown(f"“{escape_markdown(line)}”")
        if not found.lines:
            st.markdown("No line of their own has been approved.")
    rows = [
        f"{_agency_label(group.agency)} ({group.people}): "
        + ", ".join(f"{c.cluster} {c.people}" for c in group.clusters)
        for group in found.by_agency[:AGENCY_ROWS_SHOWN]
    ]
    if rows:
        st.caption(" · ".join(rows))
    st.caption(
        f"{found.answered} people · by the clusters delegates drew in the Centre's workshops"
    )


def _split(counts: tuple[ChoiceCount, ...], total: int, names: dict[str, str]) -> None:
    for count in counts[:5]:
        st.progress(
            count.count / total if total else 0.0,
            text=f"{_choice_label(count.choice, names)}: {count.count}",
        )


def _lead_board(board: LeadBoard | None, stage: int, names: dict[str, str]) -> None:
    st.header(f"Who leads now? Stage {stage + 1}")
    if board is None or not board.shown:
        answered = board.answered if board else 0
        st.markdown(f"## {answered} answered so far.")
        st.markdown("The split appears once the facilitator closes the question (three or more).")
        return
    room, guide = st.columns([3, 2], gap="large")
    with room:
        st.subheader("The room said")
        _split(board.lead, board.answered, names)
        if board.decides:
            st.caption(
                "Who makes the decision: "
                + ", ".join(
                    f"{_choice_label(c.choice, names)} {c.count}" for c in board.decides[:4]
                )
            )
    with guide:
        st.subheader("The scenario's lead")
        guidance = board.guidance
        st.markdown(f"## {escape_markdown(names.get(guidance.role, guidance.role))}")
        if guidance.decides and guidance.decides != guidance.role:
            st.markdown(
                f"Decides: {escape_markdown(names.get(guidance.decides, guidance.decides))}"
            )
        if guidance.why:
            st.markdown(escape_markdown(guidance.why))
