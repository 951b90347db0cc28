"""Play: a participant's laptop, from the lobby to the debrief (`/play?t=TOKEN`).

The token in the URL is the seat: a refresh, a closed lid or a new tab with the same link returns the
same seat with every answer (submitted decisions and drafts come back from the engine). The page draws
what `Workshops.participant_view` returns and nothing more; the engine refuses what is not allowed (a
decision posted after the stage locked is refused, and kept as a draft).

The form: what is new at this stage first, each new fact needing a choice (share it, or keep it within
the agency); decisions made at earlier stages one line each, with "change"; then the judgement. Each
answer is saved on the server as it is given (`_autosave`, a widget's change), so there is no draft to
remember to save. The form is a fragment: an answer reruns the form alone, not the page around it; a
submit that lands, or a stage that closed under the form, reruns the whole page. A poll (a fragment,
two seconds, one small query) reruns the page whenever the workshop moves on, whatever the form's
state: every laptop follows a lock, a reveal or a new stage within one poll. After a reveal, the
participant's own feedback comes from `analysis.feedback`, the debrief's verdict rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from facilitation import settings
from facilitation.analysis import analyse, feedback
from facilitation.content import ACTIONS, NOTE_MAX_CHARS, reference
from facilitation.engine import ParticipantView
from facilitation.errors import (
    EasiError,
    InvalidDecision,
    NotFound,
    StoreBusy,
    StoreUnavailable,
    WrongPhase,
)
from facilitation.play import FactDecision, StageDecision, WorkshopRecord
from facilitation.ui import activities_view, app, evaluation_view, seat_memory, services
from facilitation.ui.widgets import (
    alert,
    css,
    escape_markdown,
    level_label,
    phase_caption,
    role_card,
    trainer_markdown,
    watch,
)

__all__ = [
    "FORM_FRAGMENT",
    "KEEP",
    "decision_from_values",
    "form_values",
    "page",
    "triage",
    "undecided",
]

CONFIDENCE = {
    1: "1 · Not at all sure",
    2: "2 · Unsure",
    3: "3 · Fairly sure",
    4: "4 · Sure",
    5: "5 · Certain",
}
_JOIN_PAGE = "facilitation/ui/pages/join.py"
# Set by a callback inside the decision form (a fragment) whose outcome changes the page around it: a
# submit that landed, the stage closed under the form, the seat gone. The form then reruns the page.
_MOVED = "play:moved"
FORM_FRAGMENT = "play-form"  # the decision form's fragment, by name


# ----------------------------------------------------------------------------------- form values

KEEP = "keep"  # the share choice "keep within my agency" (an explicit decision not to share)


def _key(stage: int, name: str, fact_id: str = "") -> str:
    return f"play:{stage}:{fact_id}:{name}" if fact_id else f"play:{stage}:{name}"


def _fact_values(state: Mapping[str, Any], stage: int, fact_id: str, earlier: list[str]) -> dict:
    """One fact card's values: recipients (with `earlier` ones, whose shares stand), the reason(s),
    concern-only recipients, telling the family, and the barriers."""
    chosen = list(state.get(_key(stage, "share", fact_id)) or [])
    keep = KEEP in chosen
    share_with = list(dict.fromkeys([*earlier, *(r for r in chosen if r != KEEP)]))
    reason = state.get(_key(stage, "reason", fact_id))
    reasons = {}
    if state.get(_key(stage, "differ", fact_id)):
        for recipient in share_with:
            own = state.get(_key(stage, f"reason:{recipient}", fact_id))
            if own and own != reason:
                reasons[recipient] = own
    return {
        "share_with": share_with,
        "keep": keep and not share_with,
        "reason": reason if share_with else None,
        "reasons": reasons,
        "concern_only": [
            r for r in state.get(_key(stage, "concern", fact_id)) or [] if r in share_with
        ],
        "tell_family": bool(state.get(_key(stage, "family", fact_id))) and bool(share_with),
        "barriers": list(state.get(_key(stage, "barriers", fact_id)) or []),
    }


def form_values(
    state: Mapping[str, Any],
    stage: int,
    fact_ids: list[str],
    carried: Mapping[str, FactDecision] | None = None,
) -> dict:
    """The decision form's current values (what a draft stores): plain JSON-able data. A fact decided
    at an earlier stage is in it only while its "change" is open (else its decision is carried)."""
    carried = carried or {}
    facts = {}
    for fact_id in fact_ids:
        earlier = carried.get(fact_id)
        if earlier is not None and not state.get(_key(stage, "change", fact_id)):
            continue
        facts[fact_id] = _fact_values(
            state, stage, fact_id, list(earlier.share_with) if earlier else []
        )
    return {
        "facts": facts,
        "level": state.get(_key(stage, "level")),
        "action": state.get(_key(stage, "action")),
        "confidence": state.get(_key(stage, "confidence")) or 3,
        "note": state.get(_key(stage, "note")) or "",
        "note_shareable": bool(state.get(_key(stage, "shareable"))),
    }


def undecided(values: dict, fact_ids: list[str], carried: Mapping[str, FactDecision]) -> list[str]:
    """The new facts with no choice yet (neither shared nor kept within the agency)."""
    facts = values.get("facts") or {}
    return [
        fact_id
        for fact_id in fact_ids
        if fact_id not in carried
        and not ((f := facts.get(fact_id)) and (f.get("share_with") or f.get("keep")))
    ]


def decision_from_values(values: dict, carried: Mapping[str, FactDecision] | None = None) -> dict:
    """A decision mapping for `Workshops.submit` from form values (the engine validates it): every
    carried decision, changed where the form changed it, then each new fact decided."""
    carried = carried or {}
    facts = values.get("facts") or {}
    entries = []
    for fact_id, earlier in carried.items():
        if fact_id in facts:  # changed: recipients added; what was decided before stands
            changed = _entry(fact_id, facts[fact_id], earlier.gateway)
            before = earlier.model_dump(mode="json")
            changed["reason"] = changed["reason"] or before["reason"]
            changed["reasons"] = {**before["reasons"], **changed["reasons"]}
            for name in ("share_with", "concern_only", "barriers"):
                changed[name] = list(dict.fromkeys([*before[name], *changed[name]]))
            changed["tell_family"] = changed["tell_family"] or before["tell_family"]
            entries.append(changed)
        else:
            entries.append(earlier.model_dump(mode="json"))
    for fact_id, entry in facts.items():
        if fact_id not in carried and (entry.get("share_with") or entry.get("keep")):
            entries.append(_entry(fact_id, entry, entry.get("gateway")))
    return {
        "facts": entries,
        "level": values["level"],
        "action": values["action"],
        "confidence": values["confidence"],
        "note": values["note"],
        "note_shareable": values["note_shareable"],
    }


def _entry(fact_id: str, values: dict, gateway: str | None) -> dict:
    """One fact decision from a card's values (drafts of older workshops lack the newer keys)."""
    return {
        "fact_id": fact_id,
        "share_with": list(values.get("share_with") or []),
        "gateway": values.get("gateway", gateway),
        "reason": values.get("reason"),
        "reasons": dict(values.get("reasons") or {}),
        "concern_only": list(values.get("concern_only") or []),
        "tell_family": bool(values.get("tell_family")),
        "barriers": list(values.get("barriers") or []),
    }


def _values_from_decision(decision: StageDecision, carried: Mapping[str, FactDecision]) -> dict:
    """A submitted decision as form values: the facts it changed or decided anew at this stage."""
    facts = {}
    for entry in decision.facts:
        earlier = carried.get(entry.fact_id)
        if earlier is not None and entry == earlier:
            continue
        facts[entry.fact_id] = {
            "share_with": list(entry.share_with),
            "keep": not entry.share_with,
            "gateway": entry.gateway,
            "reason": entry.reason,
            "reasons": dict(entry.reasons),
            "concern_only": list(entry.concern_only),
            "tell_family": entry.tell_family,
            "barriers": list(entry.barriers),
        }
    return {
        "facts": facts,
        "level": decision.level,
        "action": decision.action,
        "confidence": decision.confidence,
        "note": decision.note,
        "note_shareable": decision.note_shareable,
    }


def _autosave(token: str, stage: int, fact_ids: list[str], carried_ids: list[str]) -> None:
    """Every answer is saved on the server as it is given (a widget's change): a refresh, a closed lid
    or a dropped connection brings it back."""
    state = st.session_state
    carried = state.get(_key(stage, "carried")) or {}
    try:
        services.engine().save_draft(token, stage, form_values(state, stage, fact_ids, carried))
        state[_key(stage, "saved")] = True
    except WrongPhase as refused:
        state["play:flash"] = ("error", f"Not saved: {refused}")
        state[_MOVED] = True
    except NotFound as gone:
        state["play:flash"] = ("error", str(gone))
        state[_MOVED] = True
    except InvalidDecision as refused:
        state["play:flash"] = ("error", str(refused))
    except (StoreBusy, StoreUnavailable) as fault:
        state["play:flash"] = ("error", f"Not saved yet: {fault} Your answers are still below.")


def _post(token: str, stage: int, fact_ids: list[str]) -> None:
    """The submit button. Runs before the page redraws; its message is drawn next to the button."""
    state = st.session_state
    carried = state.get(_key(stage, "carried")) or {}
    values = form_values(state, stage, fact_ids, carried)
    eng = services.engine()
    try:
        eng.save_draft(token, stage, values)
        missing = [
            label
            for label, field in (("the level of need", "level"), ("an action", "action"))
            if values[field] is None
        ]
        left = undecided(values, fact_ids, carried)
        if left:
            missing.insert(
                0,
                f"share or keep within your agency each new fact ({len(left)} still open)",
            )
        if missing:
            state["play:flash"] = (
                "error",
                f"Choose {' and '.join(missing)} before submitting. Your answers are saved.",
            )
            return
        eng.submit(token, stage, decision_from_values(values, carried))
        state["play:flash"] = (
            "success",
            "Submitted. You can change your answers and submit again until the "
            "facilitator locks this stage.",
        )
        state.pop("play:stale", None)
        state[_MOVED] = True
    except WrongPhase as refused:
        # The stage closed under the form: the answers are kept as a draft; say what happened.
        state["play:stale"] = {"stage": stage, "message": str(refused)}
        state[_MOVED] = True
    except InvalidDecision as refused:
        state["play:flash"] = ("error", str(refused))
    except NotFound as gone:
        state["play:flash"] = ("error", str(gone))
        state[_MOVED] = True
    except (StoreBusy, StoreUnavailable) as fault:
        # The database cannot take it now: the form and every answer stay on screen for another try.
        state["play:flash"] = (
            "error",
            f"{fault} Your answers are still below: press the button again in a moment.",
        )


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


# The status bar stays in view at the top, the submit button and its message at the bottom: static
# style only (no participant or trainer text ever goes in it). While the connection is down (the
# frontend marks the app `data-test-connection-state`), a calm notice replaces Streamlit's "Connection
# error ... streamlit run yourscript.py" dialog; it goes when the connection is back.
_DOWN = (
    ":is([data-test-connection-state='PINGING_SERVER'], [data-test-connection-state='CONNECTING'])"
)
_LOST = "[data-test-connection-state='DISCONNECTED_FOREVER']"
_PLAY_CSS = f"""<style>
.st-key-phase-banner {{ position: sticky; top: 3.75rem; z-index: 990; background: #ffffff; }}
.st-key-play-actions {{ position: sticky; bottom: 0; z-index: 990; background: #ffffff;
  padding: 0.5rem 0; border-top: 1px solid #d5d9de; }}
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] .easi-connection) {{
  position: absolute; }}
.easi-connection > p {{ display: none; position: fixed; top: 4rem; left: 50%;
  transform: translateX(-50%); z-index: 100000; margin: 0; padding: 0.75rem 1.25rem;
  background: #fff8e1; color: #1b1f24; border: 2px solid #8a6100; border-radius: 0.5rem;
  font-size: 1.05rem; box-shadow: 0 2px 10px rgba(0, 0, 0, 0.2); }}
.stApp{_DOWN} .easi-connection > .easi-reconnecting,
.stApp{_LOST} .easi-connection > .easi-lost {{ display: block; }}
body:has(.stApp{_DOWN}) .stDialog, body:has(.stApp{_LOST}) .stDialog {{ display: none; }}
</style>"""
_CONNECTION_NOTICE = (
    '<div class="easi-connection" role="status" aria-live="polite">'
    '<p class="easi-reconnecting">Reconnecting… your answers are saved.</p>'
    '<p class="easi-lost">The connection was lost. Reload the page: your answers are saved.</p></div>'
)


def page() -> None:
    st.session_state.pop(_MOVED, None)  # a whole run reads everything afresh
    css()
    st.html(_PLAY_CSS)
    st.html(_CONNECTION_NOTICE)
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
    seat_memory.remember(code, token)  # re-opening the join link in this browser returns here
    status = view.status
    stale = st.session_state.get("play:stale")
    if stale and status.phase == "open" and status.stage_index == stale["stage"]:
        st.session_state.pop("play:stale", None)  # reopened: the form works again
        stale = None
    # Every laptop follows the workshop within one poll, whatever its form's state: what was typed is
    # already saved on the server as a draft, and comes back where it belongs.

    key = f"play:{code}"
    # The poll first: when a run's tail is lost under load (docs/performance.md, finding 7), the poll's
    # timer is not in it.
    watch(
        lambda: eng.versions(code).phase,
        key,
        seen,
        countdown_ends_at=status.countdown_ends_at if status.phase == "open" else None,
        triage=lambda: triage(code, token, key, status.phase, status.stage_index),
        every=settings.poll_seconds(),
    )
    _header(view)
    activities_view.laptop(token, view)  # the room's barriers or "Who leads?", while one is open

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
    """What a change of the workshop means for a laptop: a countdown started or cleared ("ignore": the
    poll draws it), or anything else ("hold", which the page's poll, given no hold, turns into a rerun;
    the seat removed: "rerun", to say so)."""
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
    st.markdown(f"### You play {escape_markdown(role.name)}")
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
        trainer_markdown(current.narrative)
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

    if status.phase != "open":  # the form is gone: when the stage reopens, it starts from the draft
        st.session_state.pop(_key(index, "defaults"), None)
    if stale is not None:
        alert(
            "error",
            f"Not submitted: {stale['message']} Your answers are kept as a draft: if the facilitator "
            "reopens the stage you can submit them.",
            icon=":material/block:",
        )
        if status.phase != "open":
            st.session_state.pop("play:stale", None)  # shown once; the page follows the workshop
    elif status.phase != "open" and (flash := st.session_state.pop("play:flash", None)):
        alert("success" if flash[0] == "success" else "error", flash[1])

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
        if entry.reason in ref.reasons:
            parts.append(f"why: {ref.reasons[entry.reason].words}")
        elif entry.gateway in ref.gateways:  # workshops from before the practitioner reasons
            parts.append(f"lawful basis: {ref.gateways[entry.gateway].label}")
        if entry.concern_only:
            parts.append(
                "the concern only for " + ", ".join(shorts.get(r, r) for r in entry.concern_only)
            )
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


def _defaults(view: ParticipantView) -> dict:
    """Where the form starts: the submitted decision, else the saved draft, else blank. Fixed once per
    stage and tab, so a widget's default never moves under it."""
    stage = view.status.stage_index
    if view.decision is not None:
        fresh = _values_from_decision(view.decision, view.carried)
    elif view.draft:
        fresh = view.draft
    else:
        fresh = {}
    return st.session_state.setdefault(_key(stage, "defaults"), fresh)


def _carried_line(view: ParticipantView, entry: FactDecision) -> str:
    """A decision made at an earlier stage, in one line: the fact, whom it went to, and why."""
    shorts = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    reasons = reference().reasons
    text = " ".join(view.fact_texts.get(entry.fact_id, entry.fact_id).split())
    label = text if len(text) <= 60 else text[:59].rsplit(" ", 1)[0] + "…"
    if not entry.share_with:
        return f"{label} → kept within your agency"
    to = ", ".join(
        shorts.get(r, r) + (" (concern only)" if r in entry.concern_only else "")
        for r in entry.share_with
    )
    why = reasons[entry.reason].words if entry.reason in reasons else ""
    return f"{label} → {to}" + (f" · {why}" if why else "")


@dataclass(frozen=True)
class _Form:
    """What every step of the decision form needs: the stage, its facts, where the form starts, and
    the autosave callback every widget carries."""

    stage: int
    fact_ids: list[str]
    carried: dict[str, FactDecision]
    new: list[str]
    defaults: dict
    save: dict

    def key(self, name: str, fact_id: str = "") -> str:
        return _key(self.stage, name, fact_id)


@st.fragment(key=FORM_FRAGMENT)
def _decision_form(view: ParticipantView, token: str) -> None:
    """The decisions for the current stage: what is new first, each needing a choice (share it, or keep
    it within the agency); earlier decisions one line each with "change"; then the judgement. Every
    change is saved on the server as it is made (`_autosave`); submitting sends it to the room.

    A fragment: answering a widget reruns this form only, not the page around it (about nine answers a
    stage on every laptop). `view` is the one the last full run read; whatever makes it stale (a submit
    that landed, the stage closed under the form, the seat gone) reruns the whole page (`_MOVED`)."""
    if st.session_state.pop(_MOVED, False):
        # The banner, the button's label or the phase changed: the whole page, without drawing the form
        # first (a rerun that stops a run keeps the widgets it did not reach, Streamlit 1.67).
        st.rerun(scope="app")
    with app.errors_shown_plainly():  # a form-only run does not pass the page's own handler
        form = _form(view, token)
        _new_facts(view, form)
        _earlier_decisions(view, form)
        _judgement(view, form)
        _submit_bar(view, form, token)


def _form(view: ParticipantView, token: str) -> _Form:
    """The form's starting point for this stage: its facts, those decided earlier, and the defaults."""
    stage = view.status.stage_index
    state = st.session_state
    picture = view.picture
    fact_ids = list(picture.facts) if picture is not None else []
    carried = {f: e for f, e in view.carried.items() if f in fact_ids}
    if state.get(_key(stage, "carried")) != carried:
        state[_key(stage, "carried")] = carried
    return _Form(
        stage=stage,
        fact_ids=fact_ids,
        carried=carried,
        new=[f for f in fact_ids if f not in carried],
        defaults=_defaults(view),
        save={"on_change": _autosave, "args": (token, stage, fact_ids, list(carried))},
    )


def _new_facts(view: ParticipantView, form: _Form) -> None:
    """One card per fact new at this stage, each asking: share it, or keep it within the agency."""
    fact_defaults = form.defaults.get("facts") or {}
    if form.new:
        st.subheader(f"New at this stage ({len(form.new)})")
        st.caption(
            "For each: share it with the agencies you choose, or keep it within your agency."
        )
    elif not form.fact_ids:
        st.markdown(
            "Your agency holds no information about this family yet. You can still say what level of "
            "need you see and what your agency would do."
        )
    for fact_id in form.new:
        with st.container(border=True, key=f"fact-card-{form.stage}-{fact_id}"):
            st.caption(_picture_line(view, fact_id))
            trainer_markdown(view.fact_texts.get(fact_id, fact_id))
            _fact_fields(view, form.stage, fact_id, fact_defaults.get(fact_id) or {}, [], form.save)


def _earlier_decisions(view: ParticipantView, form: _Form) -> None:
    """The decisions made at earlier stages, one line each; "change" opens one to share it further."""
    if not form.carried:
        return
    state = st.session_state
    fact_defaults = form.defaults.get("facts") or {}
    st.subheader(f"Decided earlier ({len(form.carried)})")
    st.caption("Your decisions stand. Change one to share it with anyone else now.")
    for fact_id, entry in form.carried.items():
        change = form.key("change", fact_id)
        changing = bool(state.get(change, fact_id in fact_defaults))
        with st.container(key=f"carried-{form.stage}-{fact_id}"):
            with st.container(horizontal=True, gap="small", vertical_alignment="center"):
                st.markdown(escape_markdown(_carried_line(view, entry)))
                st.toggle("change", value=changing, key=change, **form.save)
            if state.get(change, changing):
                with st.container(border=True):
                    trainer_markdown(view.fact_texts.get(fact_id, fact_id))
                    _fact_fields(
                        view,
                        form.stage,
                        fact_id,
                        fact_defaults.get(fact_id) or {},
                        list(entry.share_with),
                        form.save,
                    )


def _judgement(view: ParticipantView, form: _Form) -> None:
    """The level of need, the next action, the confidence and the optional note."""
    ref = reference()
    defaults, save = form.defaults, form.save
    st.subheader("Your judgement")
    levels = [1, 2, 3, 4]
    level = defaults.get("level")
    st.radio(
        "Level of need you see now (required)",
        levels,
        index=levels.index(level) if level in levels else None,
        format_func=lambda n: level_label(view.status.audience, n),
        key=form.key("level"),
        horizontal=True,
        **save,
    )
    action = defaults.get("action")
    offered = [a for a in ACTIONS if a in ref.actions]
    st.selectbox(
        "What your agency would do next (required)",
        offered,
        index=offered.index(action) if action in offered else None,
        format_func=lambda a: ref.actions[a].label,
        key=form.key("action"),
        placeholder="Choose an action",
        **save,
    )
    st.select_slider(
        "How confident are you?",
        options=list(CONFIDENCE),
        value=defaults.get("confidence") or 3,
        format_func=CONFIDENCE.get,
        key=form.key("confidence"),
        **save,
    )
    st.text_area(
        f"Note (optional, at most {NOTE_MAX_CHARS} characters)",
        value=defaults.get("note") or "",
        max_chars=NOTE_MAX_CHARS,
        key=form.key("note"),
        placeholder="Why you decided as you did. Please use no real names or case details.",
        **save,
    )
    st.checkbox(
        "My note may be quoted anonymously in the debrief (after the facilitator approves it)",
        value=bool(defaults.get("note_shareable")),
        key=form.key("shareable"),
        **save,
    )


def _submit_bar(view: ParticipantView, form: _Form, token: str) -> None:
    """The submit button and its message, kept in view at the bottom."""
    state = st.session_state
    with st.container(key="play-actions"):
        st.button(
            "Submit again" if view.decision is not None else "Submit",
            type="primary",
            on_click=_post,
            args=(token, form.stage, form.fact_ids),
            icon=":material/send:",
        )
        flash = state.pop("play:flash", None)
        if flash:  # next to the button: where the eyes are
            alert("success" if flash[0] == "success" else "error", flash[1])
        elif state.get(form.key("saved")):
            st.caption("Your answers are saved as you go; nobody else sees them until you submit.")


def _fact_fields(
    view: ParticipantView,
    stage: int,
    fact_id: str,
    start: dict,
    earlier: list[str],
    save: dict,
) -> None:
    """One fact's questions: whom to share with (or keep), why, how much, the family, what held back.
    Only what applies is asked: a reason once something is shared, per recipient only on request."""
    state = st.session_state
    ref = reference()
    shorts = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
    others = [r for r in view.roles_in_play if r != view.role.id and r not in earlier]

    def k(name: str) -> str:
        return _key(stage, name, fact_id)

    if earlier:
        st.caption(
            "Already shared with " + ", ".join(shorts.get(r, r) for r in earlier) + " (it stands)."
        )
    chosen_start = [r for r in start.get("share_with", []) if r in others]
    if start.get("keep") and not earlier:
        chosen_start = [KEEP]
    options = others if earlier else [*others, KEEP]
    chosen = st.pills(
        "Anyone else now?" if earlier else "Share with",
        options,
        selection_mode="multi",
        default=chosen_start,
        format_func=lambda r: "Keep within my agency" if r == KEEP else shorts.get(r, r),
        key=k("share"),
        **save,
    )
    chosen = list(chosen or [])
    recipients = [*earlier, *(r for r in chosen if r != KEEP)] if chosen else list(earlier)
    adding = [r for r in chosen if r != KEEP]
    if KEEP in chosen and adding:
        st.warning("Choose agencies to share with, or keep it within your agency: not both.")
    if adding:
        reasons = list(ref.reasons)
        reason = start.get("reason")
        st.pills(
            "Why you may share it",
            reasons,
            default=reason if reason in reasons else None,
            format_func=lambda r: ref.reasons[r].words,
            key=k("reason"),
            **save,
        )
        if len(adding) > 1:
            differ = st.checkbox(
                "A different reason for some of them",
                value=bool(start.get("reasons")),
                key=k("differ"),
                **save,
            )
            if differ:
                for recipient in adding:
                    own = (start.get("reasons") or {}).get(recipient)
                    st.pills(
                        f"Why, for {shorts.get(recipient, recipient)}",
                        reasons,
                        default=own if own in reasons else None,
                        format_func=lambda r: ref.reasons[r].words,
                        key=k(f"reason:{recipient}"),
                        **save,
                    )
        st.pills(
            "Only the concern, not the detail, for",
            adding,
            selection_mode="multi",
            default=[r for r in start.get("concern_only", []) if r in adding],
            format_func=shorts.get,
            key=k("concern"),
            help="By default you share the detail. Pick an agency to tell it only that there is a concern.",
            **save,
        )
        st.checkbox(
            "I would tell the family I am sharing this",
            value=bool(start.get("tell_family")),
            key=k("family"),
            **save,
        )
    left_out = [r for r in others if r not in recipients]
    if (chosen or state.get(k("barriers"))) and left_out:
        barriers = list(ref.barriers)
        st.multiselect(
            "If you leave an agency out, what holds you back?",
            barriers,
            default=[b for b in start.get("barriers", []) if b in barriers],
            format_func=lambda b: ref.barriers[b].sentence,
            key=k("barriers"),
            placeholder="Nothing holds me back",
            **save,
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
    """Your own feedback at one revealed stage: `analysis.feedback`, from the same verdict rules as the
    debrief. Drawn as text (trainer text through `escape_markdown`), never as HTML."""
    record = view.revealed
    if record is None or stage > record.revealed_through:
        return
    found = feedback(record, _analysis(view), view.seat.participant_id, stage)
    if found is None:
        return
    audience = view.status.audience
    level = found.level
    with st.container(border=True):
        st.markdown("**Level of need**")
        supported = level_label(audience, level.supported)
        if level.said is None:
            st.markdown(f"The picture your role held supported **{supported}**.")
        elif level.lead or level.verdict == "below":
            verdict = {
                "above": "above what the picture supported",
                "below": "below what the picture supported",
                "as_expected": "what the picture supported",
            }[level.verdict]
            st.markdown(
                f"You said **{level_label(audience, level.said)}**: {verdict} (**{supported}**)."
            )
        else:
            st.markdown(
                f"You said **{level_label(audience, level.said)}**. For information: the facts your "
                f"agency held weighed up to **{level_label(audience, level.weighed or level.supported)}**."
            )
        if level.floor:
            st.caption(
                f"One fact you held meets {level_label(audience, level.floor)} on its own, whatever "
                "else is known."
            )
        if level.colleagues:
            chosen = ", ".join(level_label(audience, n) for n in level.colleagues)
            st.caption(f"Everyone playing {view.role.short_name} chose: {chosen}.")
    if not found.submitted:
        st.caption(
            "You did not submit at this stage. Here is what guidance says about your agency's information."
        )
    new = [f for f in found.facts if not f.carried]
    carried = [f for f in found.facts if f.carried]
    for fact in new:
        with st.container(border=True):
            trainer_markdown(fact.text)
            st.markdown(escape_markdown(fact.guidance))
            st.caption(fact.why)
            if fact.lines:
                st.markdown(
                    "**You**  \n" + "  \n".join(escape_markdown(str(line)) for line in fact.lines)
                )
            if fact.colleagues:
                st.caption(fact.colleagues)
    if carried:
        st.caption(
            f"{len(carried)} decision(s) carried from earlier stages, unchanged: judged when you made them."
        )


def _ending(view: ParticipantView) -> None:
    status = view.status
    record = view.revealed
    if status.phase == "closed":
        st.success("The workshop has closed. Thank you for taking part.")
    if record is None:
        return
    debrief = record.snapshot.scenario.debrief
    st.header("What happened")
    trainer_markdown(debrief.what_happened)
    st.subheader("Key messages")
    for message in debrief.key_messages:
        trainer_markdown(f"- {message}")
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
