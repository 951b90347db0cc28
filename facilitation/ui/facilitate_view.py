"""Facilitate: create a workshop, then run it (`/facilitate?w=CODE&k=KEY`).

The facilitator key in the URL is the right to run the workshop: every control calls the engine with
it and the engine refuses what is not allowed now; the page only greys out buttons that would be refused
anyway. The key stays in the URL, so a refresh or a second tab keeps control; two tabs stay consistent
because each polls the workshop's version and redraws when anything changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from facilitation import network
from facilitation.analysis import Debrief, RoomActivities
from facilitation.content import reference
from facilitation.engine import FacilitatorView, Status
from facilitation.errors import EasiError, NotAllowed, NotFound
from facilitation.outputs import EvaluationReport, render, warm_up
from facilitation.play import WorkshopRecord, acceptable_reasons
from facilitation.ui import (
    activities_view,
    content,
    evaluation_view,
    perspectives_view,
    projector_view,
    services,
)
from facilitation.ui.debrief_view import ENDING, REVEAL, ROOM_PARTS, analysis_for, ending, reveal
from facilitation.ui.widgets import (
    alert,
    css,
    escape_markdown,
    level_label,
    phase_caption,
    qr_image,
    top_links,
    trainer_markdown,
    watch,
)

__all__ = ["CONTROLS", "enabled_controls", "next_step", "page"]

# (engine method, button label, icon): every stage control, always shown, enabled only when valid.
CONTROLS: tuple[tuple[str, str, str], ...] = (
    ("open_stage", "Open stage 1", ":material/play_arrow:"),
    ("lock_stage", "Lock", ":material/lock:"),
    ("reopen_stage", "Reopen", ":material/lock_open:"),
    ("reveal_stage", "Reveal", ":material/visibility:"),
    ("next_stage", "Next stage", ":material/skip_next:"),
    ("start_debrief", "Start the debrief", ":material/forum:"),
)
EXPORTS: tuple[tuple[str, str, str], ...] = (
    ("html", "Report (HTML)", "text/html"),
    ("pdf", "Report (PDF)", "application/pdf"),
    ("md", "Report (Markdown)", "text/markdown"),
    ("csv", "Decisions (CSV)", "text/csv"),
    ("json", "Everything (JSON)", "application/json"),
)
SLOW_EXPORTS = ("html", "pdf")  # rendered ahead, in the background (their charts take seconds)
_renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="easi-report")
_rendered: OrderedDict[tuple[str, int, str, int], Future] = OrderedDict()
_rendered_guard = threading.Lock()
_renders.submit(warm_up)  # the chart renderer's start-up (seconds) off the first report's path
SECTIONS = ("Room", "Stage", "Projector", "Reveal", "Debrief", "What changed", "Export", "Close")
PREVIEW_SCALE = 0.5  # the projector's 1280 x 720 drawn at half size on the facilitator's screen


def enabled_controls(status: Status) -> set[str]:
    """The controls the engine would accept now (for greying out; the engine still decides)."""
    phase, last = status.phase, status.stage_index == status.stage_count - 1
    return {
        "lobby": {"open_stage"},
        "open": {"lock_stage", "reveal_stage"},
        "locked": {"reopen_stage", "reveal_stage"},
        "revealed": {"start_debrief"} if last else {"next_stage"},
    }.get(phase, set())


def next_step(status: Status) -> str | None:
    """The one control shown as the next step (primary) now; the others stay available, secondary."""
    if status.phase == "revealed":
        return "start_debrief" if status.stage_index == status.stage_count - 1 else "next_stage"
    return {"lobby": "open_stage", "open": "lock_stage", "locked": "reveal_stage"}.get(status.phase)


def _default_section(status: Status) -> str:
    return {
        "lobby": "Room",
        "open": "Stage",
        "locked": "Stage",
        "revealed": "Reveal",
        "debrief": "Debrief",
        "closed": "Export",
    }[status.phase]


# ------------------------------------------------------------------------------------------- page


def page() -> None:
    css()
    code, key = st.query_params.get("w", ""), st.query_params.get("k", "")
    if code and not key:
        top_links("facilitate")
        _keyless(code)
        return
    if not code or not key:
        top_links("facilitate")
        _create()
        return
    eng = services.engine()
    try:
        seen = eng.versions(code).any
        view = eng.facilitator_view(code, key)
    except NotFound:
        top_links("facilitate")
        alert("error", f"There is no workshop {code[:20]!r} any more: it may have been deleted.")
        _forget_link()
        return
    except NotAllowed:
        top_links("facilitate")
        st.error(
            "This facilitator link is not right for that workshop. Use the link you were given when you "
            "created it."
        )
        _forget_link()
        return
    status = view.status
    watch(
        lambda: eng.versions(code).any,
        f"facilitate:{status.code}",
        seen,
        countdown_ends_at=status.countdown_ends_at,
    )
    st.caption(f"EASI Workshop · facilitating · {status.scenario_id}")
    title_col, code_col = st.columns([3, 1], vertical_alignment="bottom")
    with title_col:
        st.title(status.title)
    with code_col:
        st.metric("Join code", status.code)
    _loopback_warning()
    _controls(view, key)
    section = st.segmented_control(
        "Section",
        SECTIONS,
        default=_default_section(status),
        required=True,
        key=f"facilitate:section:{status.phase}",
    )
    section = section or _default_section(status)
    if status.phase in ("debrief", "closed") and view.record.revealed_through >= 0:
        # The reports a facilitator exports now: drawn in the background before they are asked for.
        inputs = _report_inputs(view, key, seen)
        for fmt in SLOW_EXPORTS:
            _rendering(status.code, seen, fmt, view.record, *inputs)
    if section == "Room":
        _room(view, key)
    elif section == "Stage":
        _stage(view, key)
    elif section == "Projector":
        _projector(view, key, seen)
    elif section == "Reveal":
        _reveal(view, key, seen)
        activities_view.who_leads_controls(view, key)
        evaluation_view.agreement_form(view, key, st.session_state.get("facilitate:reveal-stage"))
    elif section == "Debrief":
        _debrief(view, key, seen)
    elif section == "What changed":
        evaluation_view.facilitator_section(view, key)
    elif section == "Export":
        _export(view, seen, key)
    else:
        _close(view, key)


def _keyless(code: str) -> None:
    """`/facilitate?w=CODE` without its key: say what is missing instead of showing the create page."""
    st.title("Facilitate a workshop")
    st.error(
        f"This address names workshop {escape_markdown(code[:16])} but not its facilitator key, so it "
        "cannot run it. Open the facilitator link you were given when you created the workshop (it "
        "ends with &k=...). Taking part? Join with the code instead.",
        icon=":material/key_off:",
    )
    st.page_link(
        "facilitation/ui/pages/join.py",
        label="Join this workshop as a participant",
        icon=":material/login:",
        query_params={"code": code[:16]},
    )
    _forget_link()


def _loopback_warning() -> None:
    """A loud warning when the join address can be reached from this computer only."""
    root = services.join_base_url()
    if network.root_is_loopback(root):
        st.error(
            f"**Nobody else can join yet.** The join address ({escape_markdown(root)}) works on this "
            "computer only, and this computer has no other network address. Connect it to the room's "
            "network and reload, or ask whoever runs the server to set EASI_PUBLIC_URL.",
            icon=":material/wifi_off:",
        )


def _forget_link() -> None:
    if st.button("Create a new workshop", icon=":material/add:"):
        st.query_params.clear()
        st.rerun()


def _flash(where: str = "controls") -> None:
    """The answer to the last action, drawn where that action's button is (`where`)."""
    flash = st.session_state.get("facilitate:flash")
    if flash and (len(flash) < 3 or flash[2] == where):
        del st.session_state["facilitate:flash"]
        success = flash[0] == "success"
        alert(
            "success" if success else "error",
            flash[1],
            icon=":material/check:" if success else None,
        )


def _act(method: str, code: str, key: str, where: str = "controls", **kwargs) -> None:
    """A control's callback: ask the engine, and say what it answered beside the button (`where`)."""
    try:
        getattr(services.engine(), method)(code, key, **kwargs)
    except (EasiError, ValueError) as refused:
        st.session_state["facilitate:flash"] = ("error", str(refused), where)


def _controls(view: FacilitatorView, key: str) -> None:
    status = view.status
    with st.container(border=True, key="phase-banner"):
        through = view.record.revealed_through
        on_screen, stage = projector_view.shown(status, view.screen, through)
        where = f" (stage {stage + 1})" if on_screen in REVEAL and through >= 0 else ""
        st.markdown(f"**{phase_caption(status)}**")
        st.caption(f"On the projector: {on_screen or 'the closing screen'}{where}")
        valid = enabled_controls(status)
        primary = next_step(status)
        columns = st.columns(len(CONTROLS))
        for column, (method, label, icon) in zip(columns, CONTROLS):
            if (
                method == "next_stage"
                and status.phase == "revealed"
                and status.stage_index + 1 < status.stage_count
            ):
                label = f"Open stage {status.stage_index + 2}"
            with column:
                st.button(
                    label,
                    key=f"control:{method}",
                    icon=icon,
                    disabled=method not in valid,
                    type="primary" if method == primary else "secondary",
                    width="stretch",
                    on_click=_act,
                    args=(method, status.code, key),
                )
        _flash("controls")


# ------------------------------------------------------------------------------------------ room


def _room(view: FacilitatorView, key: str) -> None:
    status = view.status
    join_url = services.link("", join=True, code=status.code)
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.header("Join")
        code_col, qr_col = st.columns([1, 1], vertical_alignment="center")
        with code_col:
            with st.container(key="join-code-small"):
                st.markdown(f"## {escape_markdown(status.code)}")
            st.caption("Participants scan the QR code, or open the link and type the code.")
        with qr_col:
            qr_image(join_url, width=180)
        st.caption("The QR code's address, to type on a laptop:")
        with st.container(key="join-url"):
            st.code(join_url, language=None)
        projector = services.link(
            "projector",
            w=status.code,
            k=st.query_params.get("p") or st.session_state.get(f"projector:{status.code}") or key,
        )
        st.link_button("Open the projector view", projector, icon=":material/tv:")
        if not (st.query_params.get("p") or st.session_state.get(f"projector:{status.code}")):
            st.caption(
                "The projector link uses your facilitator key: keep the projector's address bar out of sight."
            )
        with st.expander("Your facilitator link (keep it private)"):
            st.markdown(
                "Open it in another tab or on another device to run this workshop from there."
            )
            st.code(
                services.link("facilitate", w=status.code, k=key, p=st.query_params.get("p", "")),
                language=None,
            )
    with right:
        _roster(view, key)
    activities_view.barriers_controls(view, key)
    with st.expander("The agencies side by side (for the opening discussion)"):
        snapshot = view.record.snapshot
        st.caption(
            "Put them on the projector from the Projector section: the agencies side by side, or "
            "where each agency acts."
        )
        perspectives_view.agency_details(
            snapshot.roles, snapshot.scenario.audience, snapshot.scenario.lead_role
        )


def _roster(view: FacilitatorView, key: str) -> None:
    status = view.status
    roles = view.record.snapshot.roles
    role_ids = view.record.snapshot.role_ids
    people = list(view.roster)
    st.header(f"Roster · {len(people)} joined")
    by_role = {role_id: [p for p in people if p.role_id == role_id] for role_id in role_ids}
    rows = []
    for role_id in role_ids:
        members = by_role[role_id]
        if not members:
            rows.append(
                {
                    "Agency": roles[role_id].short_name,
                    "Participant": "(nobody yet)",
                    "Kind": "",
                    "Submitted this stage": "",
                }
            )
        for person in members:
            rows.append(
                {
                    "Agency": roles[role_id].short_name,
                    "Participant": person.display_name,
                    "Kind": "simulated" if person.simulated else "person",
                    "Submitted this stage": ("yes" if person.submitted else "no")
                    if status.phase in ("open", "locked", "revealed")
                    else "",
                }
            )
    # A dataframe shows every name as plain text (no Markdown, no HTML).
    st.dataframe(rows, hide_index=True, width="stretch")
    empty = [role_id for role_id in role_ids if not by_role[role_id]]
    st.button(
        f"Fill {len(empty)} empty role{'s' if len(empty) != 1 else ''} with simulated participants",
        icon=":material/smart_toy:",
        disabled=not empty or status.phase == "closed",
        on_click=_act,
        args=("add_simulated", status.code, key, "roster"),
    )
    _flash("roster")
    if people:
        with st.popover("Remove a participant", icon=":material/person_remove:"):
            choice = st.selectbox(
                "Participant to remove",
                [p.participant_id for p in people],
                format_func=lambda pid: next(
                    f"{p.display_name} ({roles[p.role_id].short_name})"
                    for p in people
                    if p.participant_id == pid
                ),
            )
            st.caption("Their seat stops working and their decisions are deleted.")
            st.button(
                "Remove",
                type="primary",
                key="remove-participant",
                on_click=_remove,
                args=(status.code, key, choice),
            )
        _bulk_remove(view, key)


_BULK_CHOICES = {
    "chosen": "The participants chosen below",
    "simulated": "Every simulated participant",
    "silent": "Everyone without a submission at this stage",
    "everyone": "Everyone",
}


def _bulk_remove(view: FacilitatorView, key: str) -> None:
    """Remove many seats at once (a flood of fake seats, a room that left), in one change."""
    status = view.status
    roles = view.record.snapshot.roles
    people = list(view.roster)
    with st.popover("Remove several participants", icon=":material/group_remove:"):
        which = st.radio(
            "Which seats", list(_BULK_CHOICES), format_func=_BULK_CHOICES.get, key="bulk:which"
        )
        chosen = st.multiselect(
            "Participants",
            [p.participant_id for p in people],
            format_func=lambda pid: next(
                f"{p.display_name} ({roles[p.role_id].short_name})"
                for p in people
                if p.participant_id == pid
            ),
            disabled=which != "chosen",
            key="bulk:chosen",
        )
        ids = {
            "chosen": list(chosen),
            "simulated": [p.participant_id for p in people if p.simulated],
            "silent": [p.participant_id for p in people if not p.submitted],
            "everyone": [p.participant_id for p in people],
        }[which]
        st.caption(
            "Their seats stop working and their decisions are deleted. This cannot be undone."
        )
        st.button(
            f"Remove {len(ids)} participant{'s' if len(ids) != 1 else ''}",
            type="primary",
            key="bulk:remove",
            disabled=not ids,
            on_click=_remove_many,
            args=(status.code, key, tuple(ids)),
        )


def _remove_many(code: str, key: str, participant_ids: tuple[int, ...]) -> None:
    try:
        removed = services.engine().remove_participants(code, key, participant_ids)
        st.session_state["facilitate:flash"] = (
            "success",
            f"{removed} participant{'s' if removed != 1 else ''} removed.",
        )
    except EasiError as refused:
        st.session_state["facilitate:flash"] = ("error", str(refused))


def _remove(code: str, key: str, participant_id: int) -> None:
    try:
        services.engine().remove_participant(code, key, participant_id)
        st.session_state["facilitate:flash"] = ("success", "Participant removed.", "roster")
    except EasiError as refused:
        st.session_state["facilitate:flash"] = ("error", str(refused), "roster")


# ----------------------------------------------------------------------------------------- stage


def _stage(view: FacilitatorView, key: str) -> None:
    status = view.status
    scenario = view.record.snapshot.scenario
    roles = view.record.snapshot.roles
    if status.stage_index < 0:
        st.info("No stage is open yet. Open stage 1 when the room is ready.")
        first = scenario.stages[0]
        st.header(f"Stage 1: {first.title}")
        trainer_markdown(first.narrative)
        return
    stage = scenario.stages[status.stage_index]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.header(f"Stage {status.stage_index + 1}: {stage.title}")
        trainer_markdown(stage.narrative)
        with st.expander(f"Facts entering at this stage ({len(stage.facts)}) and guidance"):
            _facts(view, status.stage_index)
    with right:
        st.header("Decisions in")
        playing = {
            role_id: sum(1 for p in view.roster if p.role_id == role_id) for role_id in roles
        }
        total = sum(playing.values())
        done = sum(view.submitted_by_role.values())
        st.progress(
            done / total if total else 0.0, text=f"{done} of {total} participants have submitted"
        )
        for role_id, count in playing.items():
            if count:
                submitted = view.submitted_by_role.get(role_id, 0)
                st.progress(
                    submitted / count, text=f"{roles[role_id].short_name}: {submitted} of {count}"
                )
        _countdown(view, key)


def _facts(view: FacilitatorView, stage_index: int) -> None:
    ref = reference()
    roles = view.record.snapshot.roles
    for fact in view.record.snapshot.scenario.stages[stage_index].facts:
        holder = (
            roles[fact.held_by].short_name
            if fact.held_by in roles
            else f"{fact.held_by} (not in play)"
        )
        st.markdown(f"**{holder}** · weight {fact.weight} · {fact.sensitivity.replace('_', ' ')}")
        trainer_markdown(fact.text)
        guidance = fact.guidance
        share = (
            ", ".join(roles[r].short_name for r in guidance.share_with if r in roles) or "nobody"
        )
        avoid = ", ".join(roles[r].short_name for r in guidance.avoid if r in roles)
        gateway = (
            "; ".join(
                ref.gateways[g].label if g in ref.gateways else g for g in guidance.all_gateways
            )
            or "none named"
        )
        st.caption(
            f"Guidance: share with {share}"
            + (f"; not with {avoid}" if avoid else "")
            + f"; gateway {gateway}; consent {guidance.consent.replace('_', ' ')}. {guidance.why}"
        )
        # The law behind the practitioners' reasons, for the facilitator only.
        reasons = sorted(
            {r for recipient in guidance.recipients for r in acceptable_reasons(fact, recipient)},
            key=list(ref.reasons).index,
        )
        for reason in reasons:
            st.caption(f"“{ref.reasons[reason].words}”: {ref.reasons[reason].explanation}")


def _countdown(view: FacilitatorView, key: str) -> None:
    status = view.status
    if status.phase not in ("open", "locked"):
        return
    st.subheader("Countdown (advisory)")
    st.caption("Shown on every screen as a suggestion; it never locks the stage.")
    with st.form("countdown", border=False):
        minutes = st.number_input("Minutes", min_value=1, max_value=180, value=5, step=1)
        start, clear = st.columns(2)
        with start:
            started = st.form_submit_button(
                "Start countdown", icon=":material/timer:", width="stretch"
            )
        with clear:
            cleared = st.form_submit_button(
                "Clear", disabled=status.countdown_ends_at is None, width="stretch"
            )
    if started:
        _act("set_countdown", status.code, key, "countdown", seconds=int(minutes) * 60)
        st.rerun()
    if cleared:
        _act("set_countdown", status.code, key, "countdown", seconds=None)
        st.rerun()
    _flash("countdown")


# ---------------------------------------------------------------------------------- reveal, debrief


def _stage_picker(
    status: Status, revealed_through: int, key: str, on_change=None, args=()
) -> int | None:
    if revealed_through < 0:
        return None
    options = list(range(revealed_through + 1))
    return st.selectbox(
        "Stage",
        options,
        format_func=lambda i: f"Stage {i + 1}",
        key=key,
        on_change=on_change,
        args=args,
    )


def _sync(state_key: str, value: object, options: tuple | list) -> None:
    """Show the projector's current choice in this tab's widget (another tab may have changed it)."""
    if value in options and st.session_state.get(state_key) != value:
        st.session_state[state_key] = value


def _put_on_screen(code: str, key: str, view_key: str, stage_key: str | None):
    """A screen widget's callback: put this tab's choice on the projector."""
    state = st.session_state
    stage = state.get(stage_key) if stage_key else None
    _act("set_screen", code, key, "screen", view=state.get(view_key) or "", stage=stage)


def _projector(view: FacilitatorView, key: str, version: int) -> None:
    """What the room sees: choose the view, the stage and the notes; a live preview beside it."""
    status = view.status
    record = view.record
    options = projector_view.screen_options(status)
    chosen, stage = projector_view.shown(status, view.screen, record.revealed_through)
    choose, preview = st.columns([2, 3], gap="large")
    with choose:
        st.header("On the projector")
        if not options:
            st.info("The workshop has closed: the projector thanks the room.")
        else:
            _sync("facilitate:screen-view", chosen, options)
            _sync("facilitate:screen-stage", stage, range(record.revealed_through + 1))
            picked = st.radio(
                "The room sees",
                options,
                key="facilitate:screen-view",
                on_change=_put_on_screen,
                args=(status.code, key, "facilitate:screen-view", "facilitate:screen-stage"),
            )
            if picked in REVEAL and record.revealed_through >= 0:
                _stage_picker(
                    status,
                    record.revealed_through,
                    "facilitate:screen-stage",
                    _put_on_screen,
                    (status.code, key, "facilitate:screen-view", "facilitate:screen-stage"),
                )
            if picked == "Prompts" and record.revealed_through >= 0:
                analysis = analysis_for("facilitator", status.code, version, record)
                _approve_notes(view, analysis, stage, key)
            _flash("screen")
            st.caption("The projector follows within two seconds; it has no controls of its own.")
    with preview:
        st.header("Preview: what the room sees")
        projector = services.link(
            "projector",
            w=status.code,
            k=st.query_params.get("p") or st.session_state.get(f"projector:{status.code}") or key,
        )
        # Scaled by the style sheet (`.st-key-preview`), to PREVIEW_SCALE of its size.
        with st.container(key="preview", height=int(720 * PREVIEW_SCALE) + 8, border=True):
            st.iframe(
                projector,
                width=1280,
                height=720,
                tab_index=-1,
                alt="Preview of the projector: what the room sees now",
            )


def _reveal(view: FacilitatorView, key: str, version: int) -> None:
    status = view.status
    record = view.record
    if record.revealed_through < 0:
        st.info("Nothing has been revealed yet. Reveal a stage to compare the room's decisions.")
        return
    analysis = analysis_for("facilitator", status.code, version, record)
    chosen, stage = projector_view.shown(status, view.screen, record.revealed_through)
    _sync("facilitate:screen-view", chosen, REVEAL)
    _sync("facilitate:screen-stage", stage, range(record.revealed_through + 1))
    put = (status.code, key, "facilitate:screen-view", "facilitate:screen-stage")
    picker, section_col = st.columns([1, 3])
    with picker:
        stage = _stage_picker(
            status, record.revealed_through, "facilitate:screen-stage", _put_on_screen, put
        )
    with section_col:
        section = st.segmented_control(
            "Part of the reveal (the projector shows it too)",
            REVEAL,
            required=True,
            key="facilitate:screen-view",
            on_change=_put_on_screen,
            args=put,
        )
    section = section if section in REVEAL else REVEAL[0]
    _flash("screen")
    # The notes are listed below, each with its approval for the projector.
    reveal(analysis, stage, section, prompts_limit=12, notes=())
    if section == "Prompts":
        _approve_notes(view, analysis, stage, key)
    if section == "Level of need":
        audience = analysis.audience
        rows = [
            {
                "Agency": analysis.short(j.role_id),
                "Chosen": ", ".join(str(n) for n in j.levels) or "-",
                "Picture supported": level_label(audience, j.supported),
                "Confidence (mean)": ""
                if j.confidence_mean is None
                else f"{j.confidence_mean:.1f}",
            }
            for j in analysis.stage(stage).judgements
        ]
        st.dataframe(rows, hide_index=True, width="stretch")


def _approve_notes(view: FacilitatorView, analysis, stage: int, key: str) -> None:
    """Quotable notes reach the projector only once approved here (the engine keeps the approvals)."""
    notes = analysis.stage(stage).notes
    if not notes:
        return
    code = view.status.code
    approved = services.engine().approved_notes(code, key)
    st.subheader("Notes participants offered to quote")
    st.caption("A note reaches the projector only once you approve it.")
    for note in notes:
        shown = (note.participant_id, note.stage_index) in approved
        st.text(note.text)  # participant text: shown as typed
        st.checkbox(
            "Show on the projector",
            value=shown,
            key=f"facilitate:note:{note.participant_id}:{note.stage_index}",
            on_change=_act,
            args=("approve_note", code, key, "screen"),
            kwargs={
                "participant_id": note.participant_id,
                "stage_index": note.stage_index,
                "approved": not shown,
            },
        )


def _debrief(view: FacilitatorView, key: str, version: int) -> None:
    status = view.status
    record = view.record
    if status.phase not in ("debrief", "closed"):
        st.info(
            "The debrief opens once the last stage is revealed. You can look ahead at what it will show."
        )
    if record.revealed_through < 0:
        return
    analysis = analysis_for("facilitator", status.code, version, record)
    chosen, _ = projector_view.shown(status, view.screen, record.revealed_through)
    live = status.phase == "debrief"  # before it, a look ahead that the room does not see
    if live:
        _sync("facilitate:screen-view", chosen, ENDING)
    section = st.segmented_control(
        "Part of the debrief" + (" (the projector shows it too)" if live else ""),
        ENDING,
        default=ENDING[0],
        required=True,
        key="facilitate:screen-view" if live else "facilitate:ending-section",
        on_change=_put_on_screen if live else None,
        args=(status.code, key, "facilitate:screen-view", None) if live else (),
    )
    section = section if section in ENDING else ENDING[0]
    _flash("screen")
    room = (
        activities_view.debrief_room(status.code, key, record, analysis, projector=False)
        if section in ROOM_PARTS
        else None
    )
    ending(analysis, section, room=room)
    if section == "Key messages" and analysis.prompts:
        st.header("Questions for the room")
        for prompt in analysis.prompts[:8]:
            trainer_markdown(f"- {prompt.text}")
    if analysis.notes and section == "What happened":
        st.header("Notes participants let us quote")
        for note in analysis.notes:
            st.caption(f"{analysis.short(note.role_id)}, stage {note.stage_index + 1}")
            st.text(note.text)


def _export(view: FacilitatorView, version: int, key: str) -> None:
    status = view.status
    record = view.record
    st.header("Export the debrief")
    st.caption(
        "The reports (Markdown, HTML, PDF) pool any agency with fewer than three people deciding at a "
        "stage, and quote a "
        "note only where its writer agreed: share those. The raw data (CSV, JSON) is per seat "
        '("School 2", never a name): keep it as workshop data, not for circulation.'
    )
    if record.revealed_through < 0:
        st.info("Nothing to export yet: reveal a stage first.")
        return
    analysis, evaluation, room = _report_inputs(view, key, version)
    stem = f"easi-{status.code}-{analysis.date}"
    # The reports draw their charts (seconds): started now, in the background; their buttons wait
    # for them, redrawn each second until they are ready, so that a click downloads at once.
    ready = {
        fmt: _rendering(status.code, version, fmt, record, analysis, evaluation, room)
        for fmt in SLOW_EXPORTS
    }
    pending = not all(future.done() for future in ready.values())
    st.fragment(_export_buttons, run_every=1.0 if pending else None)(
        stem, ready, record, analysis, evaluation, room
    )


def _report_inputs(
    view: FacilitatorView, key: str, version: int
) -> tuple[Debrief, EvaluationReport | None, RoomActivities | None]:
    """What every export is made from: the analysis, the evaluation ("What changed") and the room's
    activities (the facilitator's whole record of them)."""
    status = view.status
    analysis = analysis_for("facilitator", status.code, version, view.record)
    evaluation = evaluation_view.report_for(status.code, key, view)
    room = activities_view.debrief_room(status.code, key, view.record, analysis, projector=False)
    return analysis, evaluation, room


def _export_buttons(
    stem: str,
    ready: dict[str, Future],
    record: WorkshopRecord,
    analysis: Debrief,
    evaluation: EvaluationReport | None,
    room: RoomActivities | None,
) -> None:
    """The download buttons; a report still being drawn is offered once it is ready."""
    if not all(future.done() for future in ready.values()):
        st.caption("Preparing the reports: their charts take a few seconds…")
    columns = st.columns(len(EXPORTS))
    for column, (fmt, label, mime) in zip(columns, EXPORTS):
        future = ready.get(fmt)
        if future is None:  # a quick format: rendered here
            data: str | bytes = render(fmt, record, analysis, evaluation, room)
        else:
            data = future.result() if future.done() else b""
        with column:
            st.download_button(
                label,
                data=data,
                file_name=f"{stem}.{fmt}",
                mime=mime,
                key=f"export:{fmt}",
                icon=":material/download:",
                on_click="ignore",
                width="stretch",
                disabled=future is not None and not future.done(),
            )


def _rendering(
    code: str,
    version: int,
    fmt: str,
    record: WorkshopRecord,
    analysis: Debrief,
    evaluation: EvaluationReport | None,
    room: RoomActivities | None,
) -> Future:
    """The report `fmt` of this version of the workshop, rendered once in the background (one at a
    time for the whole process: the server's cores serve the room first)."""
    with _rendered_guard:
        # Questionnaire and activity answers can arrive without a new workshop version: in the key too.
        cache_key = (code, version, fmt, hash(repr(evaluation)), hash(repr(room)))
        future = _rendered.get(cache_key)
        if future is None:
            future = _rendered[cache_key] = _renders.submit(
                render, fmt, record, analysis, evaluation, room
            )
            while len(_rendered) > 8:  # a few workshops' latest reports
                _rendered.popitem(last=False)
        return future


def _close(view: FacilitatorView, key: str) -> None:
    status = view.status
    st.header("Close the workshop")
    st.markdown(
        "Closing stops joins and decisions; the debrief and the exports stay available until you delete it."
    )
    if status.phase == "closed":
        st.success("This workshop is closed.", icon=":material/lock:")
    elif st.session_state.get("facilitate:confirm-close") != status.code:
        st.button(
            "Close the workshop…",
            icon=":material/lock:",
            on_click=st.session_state.__setitem__,
            args=("facilitate:confirm-close", status.code),
        )
    else:
        with st.container(border=True, key="confirm-close"):
            st.warning(
                "Close now? Nobody can join or change a decision afterwards; this cannot be undone.",
                icon=":material/warning:",
            )
            yes, no = st.columns(2)
            with yes:
                st.button(
                    "Yes, close the workshop",
                    type="primary",
                    icon=":material/lock:",
                    on_click=_close_now,
                    args=(status.code, key),
                    width="stretch",
                )
            with no:
                st.button(
                    "Cancel",
                    on_click=st.session_state.pop,
                    args=("facilitate:confirm-close", None),
                    width="stretch",
                )
    _flash("close")
    st.header("Delete the workshop")
    st.markdown(
        "Deleting removes every participant, decision and note for good. Export first if you need a record."
    )
    with st.form("delete", border=True):
        typed = st.text_input(f"Type the join code ({status.code}) to confirm")
        confirmed = st.form_submit_button(
            "Delete for good", type="primary", icon=":material/delete_forever:"
        )
    if confirmed:
        if typed.strip().upper() != status.code:
            st.error("The code typed does not match: nothing was deleted.", icon=":material/error:")
            return
        try:
            services.engine().delete_workshop(status.code, key)
        except EasiError as refused:
            alert("error", refused)
            return
        st.query_params.clear()
        st.session_state["facilitate:flash"] = (
            "success",
            f"Workshop {status.code} and all its data were deleted.",
        )
        st.rerun()


def _close_now(code: str, key: str) -> None:
    st.session_state.pop("facilitate:confirm-close", None)
    _act("close_workshop", code, key, "close")


# ---------------------------------------------------------------------------------------- create


def _create() -> None:
    st.title("Facilitate a workshop")
    _flash()
    state = st.session_state
    arrived = st.query_params.get("passcode")
    if arrived:
        # Keep the passcode out of the address bar (and out of history) once read.
        state["facilitate:passcode"] = arrived
        del st.query_params["passcode"]
    mine = state.get("facilitate:created", [])
    if mine:
        st.caption("Workshops you created in this tab")
        for entry in mine:
            st.page_link(
                "facilitation/ui/pages/facilitate.py",
                label=f"{entry['title']} · {entry['code']}",
                icon=":material/arrow_forward:",
                query_params={"w": entry["code"], "k": entry["k"], "p": entry["p"]},
            )
    try:
        choices = content.scenarios()
    except OSError as error:  # the library folder cannot be read: say so, don't crash the page
        alert("error", f"The scenario library could not be read: {error}")
        return
    playable = [choice for choice in choices if choice.ok]
    if not playable:
        st.warning("No scenario in the library can be played. Check the files in the Studio.")
        st.page_link("facilitation/ui/pages/studio.py", label="Studio", icon=":material/edit_note:")
        return
    by_id = {choice.id: choice for choice in playable}
    scenario_id = st.selectbox(
        "Scenario",
        list(by_id),
        format_func=lambda i: f"{by_id[i].title} · {by_id[i].audience.replace('_', ' ')}",
        key="facilitate:scenario",
    )
    choice = by_id[scenario_id]
    with st.container(border=True):
        st.markdown(f"**{choice.title}**")
        facts = [
            f"audience: {choice.audience.replace('_', ' ')}",
            f"{choice.stage_count} stages",
            f"{len(choice.roles)} agencies",
        ]
        if choice.duration_minutes:
            facts.append(f"about {choice.duration_minutes} minutes")
        st.caption(" · ".join(facts))
        trainer_markdown(choice.summary)
    with st.form("create"):
        role_ids = st.multiselect(
            "Agencies in play (required)",
            list(choice.roles),
            default=list(choice.roles),
            format_func=choice.roles.get,
            select_all=False,
            key=f"facilitate:roles:{scenario_id}",
            help="Leave out agencies nobody in the room can play. Facts they hold are then "
            "held by no one.",
        )
        passcode = st.text_input(
            "Operator passcode (required)",
            type="password",
            key="facilitate:passcode",
            help="Whoever runs this server has it (EASI_PASSCODE, or the passcode file).",
        )
        answer = st.empty()  # what creating answered, right above the button the eyes are on
        created = st.form_submit_button(
            "Create the workshop", type="primary", icon=":material/add:"
        )
    if choice.lead_role not in role_ids and role_ids:
        st.caption(
            f"Note: the lead agency ({choice.roles.get(choice.lead_role, choice.lead_role)}) is not in play; "
            "the debrief will not say when it could have acted."
        )
    if not created:
        return
    if not role_ids:
        answer.error("Choose at least one agency to play.", icon=":material/error:")
        return
    try:
        snapshot = content.snapshot(scenario_id, role_ids)
        workshop = services.engine().create(snapshot, passcode=passcode, caller=services.caller())
    except NotAllowed as refused:
        with answer:
            alert("error", refused, icon=":material/key_off:")
        return
    except (EasiError, OSError) as error:  # a file changed since the list was drawn, for instance
        with answer:
            alert("error", f"The workshop could not be created: {error}", icon=":material/error:")
        return
    state.setdefault("facilitate:created", []).append(
        {
            "code": workshop.code,
            "k": workshop.facilitator_key,
            "p": workshop.projector_key,
            "title": choice.title,
        }
    )
    state[f"projector:{workshop.code}"] = workshop.projector_key
    st.query_params.from_dict(
        {"w": workshop.code, "k": workshop.facilitator_key, "p": workshop.projector_key}
    )
    st.rerun()
