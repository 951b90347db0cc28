"""Projector: the room's screen (`/projector?w=CODE&k=PROJECTOR_KEY`). Read-only, large type, no menu.

Lobby: the join code, QR code and link, and who has joined. An open stage: its narrative and how many
have decided (the total only: never which agency has not). Notes reach it only once the facilitator
approves them, and name an agency only where at least three people play it. After the reveal: who knew what, who shared with whom, the
spread of judgements, and questions for the room. At the end: what happened, key messages, barriers.
What it may show is decided by the engine (`Workshops.projector_view`); the page only lays it out.
"""

from __future__ import annotations

import streamlit as st

from facilitation.engine import ProjectorView
from facilitation.errors import NotAllowed, NotFound
from facilitation.ui import services
from facilitation.ui.debrief_view import ENDING, REVEAL, analysis_for, ending, reveal, text_size_key
from facilitation.ui.widgets import css, phase_caption, qr_svg, watch

__all__ = ["CHART_HEIGHT", "page"]

CHART_HEIGHT = 340  # px of plotting area: with the title, axes and legend, a chart fits 1280x720


def page() -> None:
    css(projector=True)
    code, key = st.query_params.get("w", ""), st.query_params.get("k", "")
    with st.container(key="projector"):
        if not code or not key:
            st.title("Projector")
            st.markdown(
                "Open this page from the facilitator's screen: its link carries the workshop and its key."
            )
            return
        eng = services.engine()
        try:
            seen = eng.versions(code).any
            view = eng.projector_view(code, key)
        except NotFound:
            st.title("No such workshop")
            st.markdown(
                "It may have been deleted. Open the projector again from the facilitator's screen."
            )
            return
        except NotAllowed:
            st.title("This projector link is not right")
            st.markdown("Open the projector again from the facilitator's screen.")
            return
        watch(
            lambda: eng.versions(code).any,
            f"projector:{view.status.code}",
            seen,
            countdown_ends_at=view.status.countdown_ends_at,
        )
        phase = view.status.phase
        if phase == "lobby":
            _lobby(view)
        elif phase in ("open", "locked"):
            _stage(view)
        elif phase == "revealed":
            _revealed(view, seen)
        elif phase == "debrief":
            _ending(view, seen)
        else:
            _closed(view)


def _join_url(code: str) -> str:
    return services.link("", code=code)


def _bare(url: str) -> str:
    return url.split("://", 1)[-1]


def _lobby(view: ProjectorView) -> None:
    status = view.status
    joined = sum(view.participants_by_role.values())
    url = _join_url(status.code)
    st.title(status.title)
    left, right = st.columns([3, 2], gap="large", vertical_alignment="center")
    with left:
        st.markdown("### Join with this code")
        with st.container(key="join-code"):
            st.markdown(status.code)
        with st.container(key="join-link"):
            st.markdown(f"at {_bare(services.base_url())}/join or scan the QR code")
        st.metric("Joined so far", joined)
        _role_counts(view, view.participants_by_role, "playing")
    with right:
        st.image(qr_svg(url), width=340, caption="Scan to join")


def _role_counts(view: ProjectorView, counts: dict[str, int], words: str) -> None:
    parts = [
        f"{view.roles_in_play[role_id].short_name}: {count}"
        for role_id, count in counts.items()
        if role_id in view.roles_in_play
    ]
    st.caption(f"{words.capitalize()} · " + " · ".join(parts))


def _stage(view: ProjectorView) -> None:
    status = view.status
    stage = next((s for s in view.stages if s.index == status.stage_index), None)
    st.caption(f"{status.title} · {phase_caption(status)} · join with code {status.code}")
    if stage is not None:
        st.title(f"Stage {stage.index + 1}: {stage.title}")
        with st.container(key=text_size_key(stage.narrative)):
            st.markdown(stage.narrative)
    playing = sum(view.participants_by_role.values())
    done = sum(view.submitted_by_role.values())
    with st.container(border=True):
        count, words = st.columns([1, 3], vertical_alignment="center")
        with count:
            st.metric("Decisions in", f"{done} of {playing}")
        with words:
            if status.phase == "locked":
                st.markdown("### Decisions are locked. The reveal is next.")
            else:
                st.markdown("### Decide on your laptop what you would share, with whom, and why.")
            # The total only: who (which agency) has not yet decided is never projected.


def _revealed(view: ProjectorView, version: int) -> None:
    status = view.status
    record = view.revealed
    if record is None:
        return
    analysis = analysis_for("projector", status.code, version, record)
    # One row for where we are and what is shown; the charts carry the stage's title themselves.
    where, choice = st.columns([2, 3], vertical_alignment="bottom")
    with where:
        st.caption(f"{status.title} · {phase_caption(status)} · code {status.code}")
    with choice:
        section = st.segmented_control(
            "On the screen",
            REVEAL,
            default=REVEAL[0],
            required=True,
            key=f"projector:reveal:{status.stage_index}",
        )
    reveal(analysis, status.stage_index, section or REVEAL[0], max_height=CHART_HEIGHT)


def _ending(view: ProjectorView, version: int) -> None:
    status = view.status
    record = view.revealed
    where, choice = st.columns([2, 3], vertical_alignment="bottom")
    with where:
        st.caption(f"{status.title} · Debrief · code {status.code}")
    with choice:
        section = st.segmented_control(
            "On the screen", ENDING, default=ENDING[0], required=True, key="projector:ending"
        )
    section = section or ENDING[0]
    if section in ("What happened", "Key messages", "Sharing"):  # the charts carry their own titles
        st.header(section)
    if record is None:
        st.markdown("### Nothing was revealed in this workshop.")
        return
    ending(
        analysis_for("projector", status.code, version, record),
        section,
        max_height=CHART_HEIGHT,
        projector=True,
    )


def _closed(view: ProjectorView) -> None:
    st.title(view.status.title)
    st.markdown("## This workshop has closed. Thank you for taking part.")
    if view.revealed is not None:
        for message in view.revealed.snapshot.scenario.debrief.key_messages:
            st.markdown(f"- {message}")
