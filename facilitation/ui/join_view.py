"""Join: enter (or arrive with) a workshop code, optionally a name, choose a role or be given one, then
go to your seat (`/play?t=TOKEN`). A wrong code says so and keeps what was typed. A browser that already
holds a seat in the workshop (this tab, or its cookie: `seat_memory`) goes back to that seat instead."""

from __future__ import annotations

import streamlit as st

from facilitation.content import NAME_MAX_CHARS
from facilitation.engine import CODE_ALPHABET, CODE_LENGTH, Status, normalise_code
from facilitation.errors import EasiError, NotAllowed, NotFound, TooManyAttempts, WrongPhase
from facilitation.ui import seat_memory, services
from facilitation.ui.widgets import alert, css, top_links

__all__ = ["AUTO", "page", "role_order"]

AUTO = "__auto__"  # "give me a role": the engine seats me in the least-filled one
_PLAY_PAGE = "facilitation/ui/pages/play.py"


def role_order(role_ids: list[str], counts: dict[str, int]) -> list[str]:
    """Roles nobody plays first, then the least played; ties keep the scenario's order."""
    return sorted(role_ids, key=lambda role_id: (counts.get(role_id, 0), role_ids.index(role_id)))


def _count_words(count: int) -> str:
    return (
        "nobody yet"
        if count == 0
        else ("1 person playing" if count == 1 else f"{count} people playing")
    )


def page() -> None:
    """The join page: the code, the workshop, then either the seat this browser already holds there
    or the choice of a role."""
    css()
    top_links("join")
    st.title("Join a workshop")
    code = _code_asked()
    if not code:
        st.caption("No code? Ask the facilitator: it is on the projector, with a QR code to scan.")
        return
    status = _workshop(code)
    if status is None:
        return
    if st.query_params.get("code") != status.code:
        st.query_params["code"] = status.code
    _back_to_a_held_seat(status.code)  # leaves the page when this browser holds a seat here
    if status.phase == "closed":
        st.error(
            "This workshop has closed: ask the facilitator for the code of a new one.",
            icon=":material/lock:",
        )
        return
    st.header(status.title)
    _seat_form(status)


def _code_asked() -> str:
    """The code form; returns the code looked up (or arrived with in the address), else ""."""
    state = st.session_state
    arrived = st.query_params.get("code", "")
    if "join:code" not in state:
        state["join:code"] = arrived
    with st.form("join-code", border=False, enter_to_submit=True):
        code_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        with code_col:
            st.text_input(
                "Workshop code",
                key="join:code",
                max_chars=16,
                placeholder="e.g. K7QW3M",
                help="The six characters shown on the projector. Upper or lower case, spaces don't matter.",
            )
        with button_col:
            # Once a code is in, choosing a role and "Join" is the next step: one primary at a time.
            known = bool(state.get("join:looked") or arrived)
            looked_up = st.form_submit_button(
                "Continue", type="secondary" if known else "primary", width="stretch"
            )
    if looked_up:
        state["join:looked"] = state.get("join:code", "").strip()
    return state.get("join:looked") or arrived


def _workshop(code: str) -> Status | None:
    """The workshop a code names, or None once the reason it cannot be joined is shown."""
    shape = normalise_code(code)
    if len(shape) != CODE_LENGTH or not set(shape) <= set(CODE_ALPHABET):
        typed = code if len(code) <= 24 else code[:24] + "…"  # a pasted essay is not echoed whole
        alert(
            "error",
            f"{typed} is not a workshop code: a code has six letters and digits, like K7QW3M (no "
            "letter O or I, no digit 0 or 1). Check it on the projector.",
            icon=":material/error:",
        )
        return None
    try:
        return services.engine().status(code, caller=services.caller())
    except NotFound as missing:
        alert("error", missing, icon=":material/error:")
    except TooManyAttempts as throttled:
        alert("error", throttled, icon=":material/timer:")
    return None


def _back_to_a_held_seat(code: str) -> None:
    """Go to the seat this tab, or this browser (its cookie), already holds in workshop `code`; a seat
    since removed or deleted is forgotten and the join form is shown."""
    state = st.session_state
    for token in (state.get(f"join:seat:{code}"), seat_memory.remembered_token(code)):
        if not token:
            continue
        try:
            held = services.engine().seat(token)
        except NotFound:
            state.pop(f"join:seat:{code}", None)
            continue
        if held.code == code:
            state[f"join:seat:{code}"] = state["play:token"] = token
            st.switch_page(_PLAY_PAGE, query_params={"t": token})


def _seat_form(status: Status) -> None:
    """The name and role form; "Join" takes the seat and goes to it."""
    try:
        roles, counts = services.join_options(status.code)
    except EasiError as error:
        alert("error", error)
        return
    ordered = role_order(list(roles), counts)
    labels = {AUTO: "Give me a role (the least played)"}
    labels.update(
        {
            role_id: f"{roles[role_id].name} · {_count_words(counts.get(role_id, 0))}"
            for role_id in ordered
        }
    )
    with st.form("join-seat"):
        name = st.text_input(
            "Your name (optional)",
            max_chars=NAME_MAX_CHARS,
            placeholder="Leave empty for a pseudonym such as Amber Badger",
            help="Shown only to the facilitator. The room sees your role, never your name.",
        )
        role_id = st.radio(
            "Which agency will you play?",
            [AUTO, *ordered],
            format_func=labels.get,
            help="Agencies nobody plays yet come first.",
        )
        joined = st.form_submit_button("Join", type="primary", icon=":material/login:")
    if not joined:
        return
    try:
        seat = services.engine().join(
            status.code,
            display_name=name or None,
            role_id=None if role_id == AUTO else role_id,
            caller=services.caller(),
        )
    except (NotFound, NotAllowed, WrongPhase) as refused:
        alert("error", refused)
        return
    state = st.session_state
    state[f"join:seat:{status.code}"] = state["play:token"] = seat.token
    st.switch_page(_PLAY_PAGE, query_params={"t": seat.token})
