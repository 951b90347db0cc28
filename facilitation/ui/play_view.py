"""Play: a participant's laptop, from the lobby to the debrief (`/play?t=TOKEN`).

The token in the URL is the seat: a refresh, a closed lid or a new tab with the same link returns the
same seat with every answer (submitted decisions and saved drafts come back from the engine). The page
draws what `Workshops.participant_view` returns and nothing more; the engine refuses what is not allowed
(a form posted after the stage locked is refused, and the answers stay on screen).

Typing never reruns anything: the decisions are one `st.form`. A poll (two seconds, one small query)
reruns the page when the workshop moves on, except while the decision form is open, where it offers the
update with a button instead of pulling the form away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from facilitation.analysis import analyse
from facilitation.content import ACTIONS, NOTE_MAX_CHARS, reference
from facilitation.engine import ParticipantView
from facilitation.errors import EasiError, InvalidDecision, NotFound, WrongPhase
from facilitation.play import FactDecision, StageDecision, WorkshopRecord
from facilitation.ui import evaluation_view, services
from facilitation.ui.widgets import (
    css,
    escape_markdown,
    level_label,
    phase_caption,
    role_card,
    watch,
)

__all__ = ["decision_from_values", "form_values", "page", "triage"]

CONFIDENCE = {
    1: "1 · Not at all sure",
    2: "2 · Unsure",
    3: "3 · Fairly sure",
    4: "4 · Sure",
    5: "5 · Certain",
}
_JOIN_PAGE = "facilitation/ui/pages/join.py"


# ----------------------------------------------------------------------------------- form values


def _key(stage: int, name: str, fact_id: str = "") -> str:
    return f"play:{stage}:{fact_id}:{name}" if fact_id else f"play:{stage}:{name}"


def form_values(state: Mapping[str, Any], stage: int, fact_ids: list[str]) -> dict:
    """The decision form's current values (what a draft stores): plain JSON-able data."""
    facts = {}
    for fact_id in fact_ids:
        facts[fact_id] = {
            "share_with": list(state.get(_key(stage, "share", fact_id)) or []),
            "gateway": state.get(_key(stage, "gateway", fact_id)) or None,
            "tell_family": bool(state.get(_key(stage, "family", fact_id))),
            "barriers": list(state.get(_key(stage, "barriers", fact_id)) or []),
        }
    return {
        "facts": facts,
        "level": state.get(_key(stage, "level")),
        "action": state.get(_key(stage, "action")),
        "confidence": state.get(_key(stage, "confidence")) or 3,
        "note": state.get(_key(stage, "note")) or "",
        "note_shareable": bool(state.get(_key(stage, "shareable"))),
    }


def decision_from_values(values: dict) -> dict:
    """A decision mapping for `Workshops.submit` from form values (the engine validates it)."""
    return {
        "facts": [{"fact_id": fact_id, **entry} for fact_id, entry in values["facts"].items()],
        "level": values["level"],
        "action": values["action"],
        "confidence": values["confidence"],
        "note": values["note"],
        "note_shareable": values["note_shareable"],
    }


def _values_from_decision(decision: StageDecision) -> dict:
    return {
        "facts": {
            entry.fact_id: {
                "share_with": list(entry.share_with),
                "gateway": entry.gateway,
                "tell_family": entry.tell_family,
                "barriers": list(entry.barriers),
            }
            for entry in decision.facts
        },
        "level": decision.level,
        "action": decision.action,
        "confidence": decision.confidence,
        "note": decision.note,
        "note_shareable": decision.note_shareable,
    }


def _post(token: str, stage: int, fact_ids: list[str], submit: bool) -> None:
    """The form's buttons: save a draft, or submit. Runs before the page redraws."""
    state = st.session_state
    values = form_values(state, stage, fact_ids)
    eng = services.engine()
    try:
        if not submit:
            eng.save_draft(token, stage, values)
            state["play:flash"] = (
                "success",
                "Draft saved. It comes back if you refresh or return with your link; "
                "nobody else sees it until you submit.",
            )
            return
        missing = [
            label
            for label, field in (("the level of need", "level"), ("an action", "action"))
            if values[field] is None
        ]
        if missing:
            eng.save_draft(token, stage, values)
            state["play:flash"] = (
                "error",
                f"Choose {' and '.join(missing)} before submitting. "
                "Your answers were saved as a draft.",
            )
            return
        eng.submit(token, stage, decision_from_values(values))
        state["play:flash"] = (
            "success",
            "Submitted. You can change your answers and submit again until the "
            "facilitator locks this stage.",
        )
        state.pop("play:stale", None)
    except WrongPhase as refused:
        # The stage closed under the form: keep every answer on screen and say what happened.
        state["play:stale"] = {"stage": stage, "message": str(refused)}
    except InvalidDecision as refused:
        state["play:flash"] = ("error", str(refused))
    except NotFound as gone:
        state["play:flash"] = ("error", str(gone))


# ------------------------------------------------------------------------------------------- page


def _token() -> str | None:
    """The seat's token: from the URL, else from this tab (put back in the URL after a page switch)."""
    token = st.query_params.get("t")
    if token:
        if (
            st.session_state.get("play:token") != token
        ):  # writes to session state cost more than reads
            st.session_state["play:token"] = token
        return token
    token = st.session_state.get("play:token")
    if token:
        st.query_params["t"] = token
    return token


def page() -> None:
    css()
    token = _token()
    if not token:
        st.title("Play")
        st.info("You have no seat in a workshop yet. Join with the code on the projector.")
        st.page_link(_JOIN_PAGE, label="Join a workshop", icon=":material/login:")
        return
    eng = services.engine()
    try:
        code = st.session_state.get(f"play:code:{token}")
        if code is None:
            code = st.session_state[f"play:code:{token}"] = eng.seat(token).code
        seen = eng.versions(code).phase
        view = eng.participant_view(token)
        if st.session_state.get("play:version") != seen:
            st.session_state["play:version"] = seen
    except NotFound:
        st.title("Play")
        st.error(
            "This seat no longer exists: the facilitator may have removed it, or the workshop was deleted. "
            "Join again with the code on the projector."
        )
        st.session_state.pop("play:token", None)
        st.page_link(_JOIN_PAGE, label="Join a workshop", icon=":material/login:")
        return
    status = view.status
    stale = st.session_state.get("play:stale")
    if stale and status.phase == "open" and status.stage_index == stale["stage"]:
        st.session_state.pop("play:stale", None)  # reopened: the form works again
        stale = None
    # A form with answers not yet submitted is never pulled away by the poll.
    editing = stale is not None or (status.phase == "open" and view.decision is None)

    key = f"play:{code}"
    # The poll first: when a run's tail is lost under load (docs/performance.md, finding 7), the poll's
    # timer is not in it.
    watch(
        lambda: eng.versions(code).phase,
        key,
        seen,
        hold=editing,
        hold_message="The facilitator has moved the workshop on (for example, locked this stage). Your answers "
        "stay on this page until you choose to update it.",
        countdown_ends_at=status.countdown_ends_at if status.phase == "open" else None,
        triage=(lambda: triage(code, token, key, status.phase, status.stage_index))
        if editing
        else None,
    )
    _header(view)

    if status.phase == "lobby":
        evaluation_view.pre_measure(token)  # optional, before the role card
        _lobby(view)
    elif status.phase in ("open", "locked", "revealed"):
        if status.phase != "revealed" and status.stage_index == 0:
            evaluation_view.pre_measure(token, compact=True)  # still open: folded, play comes first
        _stage(view, token, stale)
    else:
        evaluation_view.post_measure(token)
        _ending(view)
    _rejoin(token)


def triage(code: str, token: str, key: str, phase: str, stage_index: int, state=None) -> str:
    """What a change of the workshop means for a laptop with a form being filled in: a countdown
    started or cleared ("ignore": the poll draws it), or anything else ("hold": offer the update; the
    seat removed: "rerun", to say so)."""
    state = st.session_state if state is None else state
    eng = services.engine()
    try:
        now = eng.status(code)
        eng.seat(token)
    except EasiError:
        return "rerun"
    countdown = now.countdown_ends_at if now.phase == "open" else None
    if (now.phase, now.stage_index) == (phase, stage_index) and countdown != state.get(
        f"_countdown:{key}"
    ):
        state[f"_countdown:{key}"] = countdown
        return "ignore"
    return "hold"


def _header(view: ParticipantView) -> None:
    status, seat = view.status, view.seat
    role = view.role
    st.caption(f"EASI Workshop · {status.title}")
    st.markdown(f"### You play {role.name}")
    # The name is the participant's own text: escaped, so that "<b>" or "**x**" shows as typed.
    st.caption(f"Seated as {escape_markdown(seat.display_name)} · code {status.code}")
    with st.container(key="phase-banner"):
        text = phase_caption(status)
        if status.phase == "open" and view.decision is not None:
            st.success(f"{text} · Submitted", icon=":material/task_alt:")
        elif status.phase == "open":
            st.info(text, icon=":material/edit:")
        elif status.phase == "closed":
            st.warning(text, icon=":material/lock:")
        else:
            st.info(
                text,
                icon=":material/hourglass_top:"
                if status.phase in ("lobby", "locked")
                else ":material/visibility:",
            )


def _lobby(view: ParticipantView) -> None:
    st.markdown(
        "Read your role card while everyone joins. The first stage opens when the facilitator starts; "
        "this page updates by itself."
    )
    with st.container(border=True):
        role_card(view.role, view.status.audience, heading=False)


def _stage(view: ParticipantView, token: str, stale: dict | None) -> None:
    status = view.status
    index = status.stage_index
    stages = {stage.index: stage for stage in view.stages}
    current = stages.get(index)
    if current is not None:
        st.header(f"Stage {index + 1}: {current.title}")
        st.markdown(current.narrative)
    earlier = [stage for stage in view.stages if stage.index < index]
    if earlier:
        with st.expander("The story so far"):
            st.markdown(
                "\n\n".join(
                    f"**Stage {stage.index + 1}: {stage.title}**\n\n{stage.narrative}"
                    for stage in earlier
                )
            )
    with st.expander(f"Your role card: {view.role.name}"):
        role_card(view.role, status.audience, heading=False)

    flash = st.session_state.pop("play:flash", None)
    if stale is not None:
        st.error(f"Not saved: {stale['message']}", icon=":material/block:")
        st.caption(
            "Your answers are still below, as you left them. If the facilitator reopens the stage you can "
            "submit them."
        )
        if stale["stage"] == index:
            # The same live form (its widgets keep what was typed); the engine refuses it until a reopen.
            _decision_form(view, token)
        if st.button("Dismiss and show the current stage"):
            st.session_state.pop("play:stale", None)
            st.rerun()
        return
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])

    if status.phase == "open":
        _decision_form(view, token)
    elif status.phase == "locked":
        st.info(
            "The facilitator has locked this stage. The reveal comes next: everyone's decisions side by side."
        )
        with st.container(border=True):
            _answers(view)
    else:  # revealed
        st.success(
            "Revealed: how your decisions compare with guidance and with the rest of your role."
        )
        _comparison(view, index)
        with st.expander("Your answers at this stage"):
            _answers(view)


def _picture_line(view: ParticipantView, fact_id: str) -> str:
    known = view.picture.facts[fact_id]
    roles = view.roles_in_play
    parts = []
    if known.own:
        earlier = view.revealed is not None and any(
            f.id == fact_id for f in view.revealed.snapshot.scenario.facts
        )
        parts.append("Your agency's own information" + ("" if earlier else " · new at this stage"))
    # Several participants of one agency may have sent it: one line per agency and stage, with a count.
    counts: dict[tuple[str, int], int] = {}
    for receipt in known.received:
        counts[(receipt.from_role, receipt.stage_index)] = (
            counts.get((receipt.from_role, receipt.stage_index), 0) + 1
        )
    for (sender_id, stage), count in counts.items():
        sender = roles[sender_id].short_name if sender_id in roles else sender_id
        times = f" ({count} of its participants sent it)" if count > 1 else ""
        parts.append(f"Received from {sender} at stage {stage + 1}{times}")
    return " · ".join(parts)


def _defaults(view: ParticipantView) -> dict:
    """Where the form starts: the submitted decision, else the saved draft, else blank. Fixed once per
    stage and tab, so a widget's default never moves under it."""
    stage = view.status.stage_index
    if view.decision is not None:
        fresh = _values_from_decision(view.decision)
    elif view.draft:
        fresh = view.draft
    else:
        fresh = {}
    return st.session_state.setdefault(_key(stage, "defaults"), fresh)


def _answers(view: ParticipantView) -> None:
    """What this participant submitted at the current stage, as text. Read-only, so no widgets: every
    laptop draws this at once when a stage is locked or revealed, and widgets cost the server most."""
    decision = view.decision
    if decision is None:
        st.caption(
            "You did not submit at this stage."
            + (" Your saved draft was not submitted." if view.draft else "")
        )
        return
    ref = reference()
    shorts = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    items = []
    for entry in decision.facts:
        parts = [
            "Shared with " + (", ".join(shorts.get(r, r) for r in entry.share_with) or "nobody")
        ]
        if entry.gateway in ref.gateways:
            parts.append(f"lawful basis: {ref.gateways[entry.gateway].label}")
        if entry.tell_family:
            parts.append("you would tell the family")
        held = [ref.barriers[b].sentence for b in entry.barriers if b in ref.barriers]
        if held:
            parts.append("held back by: " + " ".join(f"“{sentence}”" for sentence in held))
        text = view.fact_texts.get(entry.fact_id, entry.fact_id).strip().replace("\n", "\n  ")
        items.append(f"- {text}  \n  → {' · '.join(parts)}")
    judgement = [
        f"**Level of need:** {level_label(view.status.audience, decision.level)}"
        if decision.level
        else "",
        f"**Next:** {ref.actions[decision.action].label}" if decision.action in ref.actions else "",
        f"**Confidence:** {CONFIDENCE.get(decision.confidence, decision.confidence)}",
    ]
    st.markdown(
        "**Your answers**\n\n" + "\n".join(items) + "\n\n" + " · ".join(p for p in judgement if p)
    )
    if decision.note:
        st.caption("Your note")
        st.text(decision.note)


def _decision_form(view: ParticipantView, token: str) -> None:
    """The decisions for the current stage: live widgets, whose state survives reruns (and a stage that
    closed under the form, where the engine refuses a post until a reopen)."""
    status = view.status
    stage = status.stage_index
    ref = reference()
    defaults = _defaults(view)
    fact_defaults = defaults.get("facts") or {}
    picture = view.picture
    fact_ids = list(picture.facts) if picture is not None else []
    others = [role_id for role_id in view.roles_in_play if role_id != view.role.id]
    shorts = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    gateways = [None] + [g.id for g in ref.gateways.values() if status.audience in g.audience]
    barriers = list(ref.barriers)

    def k(name: str, fact_id: str = "") -> str:
        return _key(stage, name, fact_id)

    with st.form(f"decide:{stage}", border=False, enter_to_submit=False):
        st.subheader("Your picture")
        if not fact_ids:
            st.markdown(
                "Your agency holds no information about this family yet. You can still say what level of "
                "need you see and what your agency would do."
            )
        for fact_id in fact_ids:
            start = fact_defaults.get(fact_id) or {}
            # One column of widgets: fewer layout blocks for every laptop to redraw when a stage opens,
            # and the order the eye reads on a laptop anyway.
            with st.container(border=True, key=f"fact-card-{stage}-{fact_id}"):
                st.caption(_picture_line(view, fact_id))
                st.markdown(view.fact_texts.get(fact_id, fact_id))
                st.multiselect(
                    "Share with",
                    others,
                    default=[r for r in start.get("share_with", []) if r in others],
                    format_func=shorts.get,
                    key=k("share", fact_id),
                    placeholder="Nobody",
                    help="The agencies you would pass this to now.",
                )
                gateway = start.get("gateway")
                st.selectbox(
                    "Lawful basis you rely on",
                    gateways,
                    index=gateways.index(gateway) if gateway in gateways else 0,
                    format_func=lambda g: "Not sure" if g is None else ref.gateways[g].label,
                    key=k("gateway", fact_id),
                    help="The legal gateway that permits sharing, or 'Not sure'.",
                )
                st.checkbox(
                    "I would tell the family I am sharing this",
                    value=bool(start.get("tell_family")),
                    key=k("family", fact_id),
                )
                st.multiselect(
                    "If you leave an agency out, what holds you back?",
                    barriers,
                    default=[b for b in start.get("barriers", []) if b in barriers],
                    format_func=lambda b: ref.barriers[b].sentence,
                    key=k("barriers", fact_id),
                    placeholder="Nothing holds me back",
                )

        st.subheader("Your judgement")
        levels = [1, 2, 3, 4]
        level = defaults.get("level")
        st.radio(
            "Level of need you see now",
            levels,
            index=levels.index(level) if level in levels else None,
            format_func=lambda n: level_label(status.audience, n),
            key=k("level"),
            horizontal=True,
        )
        action = defaults.get("action")
        st.selectbox(
            "What your agency would do next",
            list(ACTIONS),
            index=list(ACTIONS).index(action) if action in ACTIONS else None,
            format_func=lambda a: ref.actions[a].label,
            key=k("action"),
            placeholder="Choose an action",
        )
        st.select_slider(
            "How confident are you?",
            options=list(CONFIDENCE),
            value=defaults.get("confidence") or 3,
            format_func=CONFIDENCE.get,
            key=k("confidence"),
        )
        st.text_area(
            f"Note (optional, at most {NOTE_MAX_CHARS} characters)",
            value=defaults.get("note") or "",
            max_chars=NOTE_MAX_CHARS,
            key=k("note"),
            placeholder="Why you decided as you did. Please use no real names or case details.",
        )
        st.checkbox(
            "My note may be quoted anonymously in the debrief",
            value=bool(defaults.get("note_shareable")),
            key=k("shareable"),
        )
        with st.container(horizontal=True, gap="small"):
            st.form_submit_button(
                "Save draft",
                on_click=_post,
                args=(token, stage, fact_ids, False),
                icon=":material/save:",
            )
            st.form_submit_button(
                "Submit again" if view.decision is not None else "Submit",
                type="primary",
                on_click=_post,
                args=(token, stage, fact_ids, True),
                icon=":material/send:",
            )


# -------------------------------------------------------------------------------------- after reveal


@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def _cached_analysis(code: str, version: int, people: int, _record: WorkshopRecord):
    return analyse(_record)


def _analysis(view: ParticipantView):
    """The debrief of what the room may see, built once per workshop version for every laptop (a reveal
    redraws hundreds at once). The participant's record is personalised (their own name and private
    notes), but the analysis reads neither names nor unshareable notes, so it is the same for everyone:
    the test `test_a_private_note_never_reaches_another_laptop` holds that line."""
    version = st.session_state.get("play:version", 0)
    return _cached_analysis(
        view.status.code, version, len(view.revealed.participants), view.revealed
    )


def _comparison(view: ParticipantView, stage: int) -> None:
    """Guidance against what you and the others in your role did with each fact, at one revealed stage."""
    record = view.revealed
    if record is None or stage > record.revealed_through:
        return
    analysis = _analysis(view)
    ref = reference()
    me, my_role = view.seat.participant_id, view.role.id
    shorts = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    mine = next(
        (
            s.decision
            for s in record.submissions
            if s.participant_id == me and s.stage_index == stage
        ),
        None,
    )
    colleagues = [
        s.decision for s in record.submissions if s.role_id == my_role and s.stage_index == stage
    ]
    stage_view = analysis.stage(stage)
    judgement = stage_view.judgement(my_role)
    audience = view.status.audience

    with st.container(border=True):
        st.markdown("**Level of need**")
        supported = level_label(audience, judgement.supported)
        if mine is not None:
            st.markdown(
                f"You said **{level_label(audience, mine.level)}**. The picture your role held supported "
                f"**{supported}**."
            )
        else:
            st.markdown(f"The picture your role held supported **{supported}**.")
        if judgement.levels:
            chosen = ", ".join(level_label(audience, n) for n in judgement.levels)
            st.caption(f"Everyone playing {shorts[my_role]} chose: {chosen}.")
    if mine is None:
        st.caption(
            "You did not submit at this stage. Here is what guidance says about your agency's information."
        )
        entries = [
            FactDecision(fact_id=fact.id)
            for fact in analysis.facts
            if fact.held_by == my_role and fact.stage_index <= stage
        ]
    else:
        entries = list(mine.facts)
    for entry in entries:
        try:
            fact = analysis.fact(entry.fact_id)
        except StopIteration:
            continue
        with st.container(border=True):
            st.markdown(fact.text)
            should = [shorts.get(r, r) for r in fact.share_with if r in shorts and r != my_role]
            avoid = [shorts.get(r, r) for r in fact.avoid if r in shorts]
            holder_note = (
                ""
                if fact.held_by == my_role
                else (
                    f" (guidance is addressed to {shorts.get(fact.held_by, fact.held_by)}, who held it first)"
                )
            )
            st.markdown(
                "**Guidance**"
                + holder_note
                + ": share with "
                + (", ".join(should) or "nobody")
                + (f"; not with {', '.join(avoid)}" if avoid else "")
                + (f"; gateway: {fact.gateway_label}" if fact.gateway_label else "")
                + f"; consent: {_CONSENT[fact.consent]}."
            )
            st.caption(fact.why)
            lines = []
            for recipient in entry.share_with:
                name = shorts.get(recipient, recipient)
                if recipient in fact.avoid:
                    lines.append(f"⚠ Shared with {name}: guidance says not to (over-sharing).")
                elif fact.sensitivity != "personal" and entry.gateway is None:
                    lines.append(
                        f"⚠ Shared with {name} with no lawful basis named for {fact.sensitivity.replace('_', '-')}"
                        " data."
                    )
                elif recipient in fact.share_with:
                    lines.append(f"✓ Shared with {name}, as guidance says.")
                else:
                    lines.append(f"• Shared with {name}: guidance does not mention it.")
            if fact.held_by == my_role:
                for recipient in fact.share_with:
                    if (
                        recipient in shorts
                        and recipient not in entry.share_with
                        and recipient != my_role
                    ):
                        lines.append(
                            f"✗ Not shared with {shorts[recipient]}: guidance says it should go there."
                        )
            if not entry.share_with and not lines and mine is not None:
                lines.append("You shared it with nobody.")
            if entry.barriers:
                held = "; ".join(
                    ref.barriers[b].sentence for b in entry.barriers if b in ref.barriers
                )
                lines.append(f"What held you back: {held}")
            if lines and mine is not None:
                st.markdown("**You**  \n" + "  \n".join(lines))
            if len(colleagues) > 1:
                counts = {
                    r: sum(
                        1 for d in colleagues if (e := d.for_fact(fact.id)) and r in e.share_with
                    )
                    for r in shorts
                    if r != my_role
                }
                shared = [f"{shorts[r]} {n} of {len(colleagues)}" for r, n in counts.items() if n]
                st.caption(
                    f"Everyone playing {shorts[my_role]} ({len(colleagues)}): "
                    + ("shared with " + ", ".join(shared) if shared else "nobody shared it")
                    + "."
                )


_CONSENT = {
    "not_required": "not required",
    "seek_unless_unsafe": "seek it unless that is unsafe",
    "required": "required",
}


def _ending(view: ParticipantView) -> None:
    status = view.status
    record = view.revealed
    if status.phase == "closed":
        st.success("The workshop has closed. Thank you for taking part.")
    if record is None:
        return
    debrief = record.snapshot.scenario.debrief
    st.header("What happened")
    st.markdown(debrief.what_happened)
    st.subheader("Key messages")
    for message in debrief.key_messages:
        st.markdown(f"- {message}")
    analysis = _analysis(view)
    label = next((p.label for p in analysis.participants if p.id == view.seat.participant_id), None)
    behaviour = next((b for b in analysis.participant_behaviours if b.subject == label), None)
    if behaviour is not None:
        st.subheader("Your sharing, over the whole workshop")
        st.markdown(f"**{behaviour.label.capitalize()}**: {behaviour.evidence}.")
        st.caption(analysis.rule)
    st.subheader("Stage by stage")
    for index in range(record.revealed_through + 1):
        stage = record.snapshot.scenario.stages[index]
        with st.expander(f"Stage {index + 1}: {stage.title}"):
            _comparison(view, index)


def _rejoin(token: str) -> None:
    st.divider()
    with st.expander("Your rejoin link"):
        st.markdown(
            "This link brings you back to your seat with every answer, from this or another device. "
            "Keep it to yourself: it speaks for you."
        )
        st.code(services.link("play", t=token), language=None)
