"""Projector: the room's screen (`/projector?w=CODE&k=PROJECTOR_KEY`). Read-only, large type, no menu.

Lobby: the join code, QR code and link, and who has joined. An open stage: its narrative and how many
have decided (the total only: never which agency has not), and a large countdown while one runs. Notes
reach it only once the facilitator approves them. Every per-agency figure (who shared with whom, the
levels chosen, sharing behaviour, barriers by agency) names an agency only where at least three people
play it, the others pooled (`analysis.projected`). After the reveal: who knew what, who shared with whom, the spread of judgements, and questions
for the room. At the end: what happened, key messages, barriers.

The projector has no controls: the facilitator chooses what it shows (`Workshops.set_screen`, the
`Screen` in its view) and it follows within one poll. What it may show at all is decided by the engine
(`Workshops.projector_view`); the page only lays it out, every view within 1280 x 720.
"""

from __future__ import annotations

import streamlit as st

from facilitation.analysis import Debrief, law_layers, panel_fact, projected, projected_panel
from facilitation.engine import ProjectorView, Screen, Status
from facilitation.errors import NotAllowed, NotFound
from facilitation.play import WorkshopRecord
from facilitation.ui import activities_view, perspectives_view, services
from facilitation.ui.debrief_view import (
    ENDING,
    REVEAL,
    ROOM_PARTS,
    analysis_for,
    ending,
    reveal,
    text_size_key,
)
from facilitation.ui.widgets import (
    css,
    escape_markdown,
    phase_caption,
    qr_image,
    trainer_markdown,
    watch,
)

__all__ = [
    "CHART_HEIGHT",
    "JOIN",
    "LADDER",
    "LAW",
    "PERSPECTIVES",
    "STAGE",
    "page",
    "screen_options",
    "shown",
]

CHART_HEIGHT = 340  # px of plotting area: with the title, axes and legend, a chart fits 1280x720
JOIN = "Join code and QR"  # a view for latecomers, at any phase
STAGE = "The stage"  # the stage's narrative and how many have decided
PERSPECTIVES = "The agencies side by side"  # the first half of an EASI day, at any phase
LADDER = "Where each agency acts"  # the threshold ladder, at any phase
LAW = "What lets us share"  # the layers of the law for a revealed fact
_FIRST_HALF = (PERSPECTIVES, LADDER)
NOTES_SHOWN = 3  # approved notes on the screen at once: more would not fit under the prompts


def screen_options(status: Status) -> tuple[str, ...]:
    """The views the facilitator may put on the projector now, the phase's own first."""
    phase = status.phase
    barriers, leads = activities_view.BARRIERS, activities_view.WHO_LEADS  # the room's activities
    if phase == "lobby":
        return (JOIN, *_FIRST_HALF, barriers)
    if phase in ("open", "locked"):
        return (STAGE, JOIN, *_FIRST_HALF, barriers)
    if phase == "revealed":
        return (*REVEAL, LAW, leads, STAGE, JOIN, *_FIRST_HALF, barriers)
    if phase == "debrief":
        return (*ENDING, *REVEAL[1:], LAW, leads, JOIN, *_FIRST_HALF, barriers)
    return ()


def shown(status: Status, screen: Screen, revealed_through: int) -> tuple[str, int]:
    """The view and stage the projector shows: the facilitator's choice where it is valid now, else the
    phase's first view at the current stage."""
    options = screen_options(status)
    view = screen.view if screen.view in options else (options[0] if options else "")
    stage = status.stage_index if screen.stage is None else screen.stage
    return view, max(0, min(stage, revealed_through)) if revealed_through >= 0 else stage


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
        status = view.status
        watch(
            lambda: eng.versions(code).any,
            f"projector:{status.code}",
            seen,
            countdown_ends_at=status.countdown_ends_at,
            large_countdown=True,
        )
        through = view.revealed.revealed_through if view.revealed is not None else -1
        chosen, stage = shown(status, view.screen, through)
        if status.phase == "closed":
            _closed(view)
        elif chosen == JOIN:
            _lobby(view)
        elif chosen == STAGE:
            _stage(view)
        elif chosen == PERSPECTIVES:
            perspectives_view.side_by_side(view.roles_in_play, status.audience, view.lead_role)
        elif chosen == LADDER:
            perspectives_view.ladder(view.roles_in_play, status.audience)
        elif chosen in (activities_view.BARRIERS, activities_view.WHO_LEADS):
            names = {role_id: role.short_name for role_id, role in view.roles_in_play.items()}
            activities_view.projector(code, key, chosen, stage, names)
        elif chosen == LAW and view.revealed is not None:
            _law(view.status.code, seen, view.revealed)
        elif chosen in ENDING and status.phase == "debrief":
            _ending(view, key, seen, chosen)
        elif chosen in REVEAL:
            _revealed(view, seen, chosen, stage)
        else:
            _ending(view, key, seen, chosen)


def _law(code: str, version: int, record: WorkshopRecord) -> None:
    """The layers of the law for the richest fact the room has seen revealed (the room's reasons on
    it only where its handling may be shown: `analysis.projected_panel`)."""
    fact_id = panel_fact(record.snapshot, record.revealed_through)
    if fact_id is None:
        st.header("What lets us share")
        st.markdown("No fact has been revealed yet.")
        return
    panel = law_layers(record.snapshot, fact_id, record)
    perspectives_view.law_panel(projected_panel(panel, _for_the_room(code, version, record)))


def _bare(url: str) -> str:
    return url.split("://", 1)[-1]


def _lobby(view: ProjectorView) -> None:
    status = view.status
    joined = sum(view.participants_by_role.values())
    url = services.link("", join=True, code=status.code)
    st.title(status.title)
    left, right = st.columns([3, 2], gap="large", vertical_alignment="center")
    with left:
        st.markdown("## Join with this code")
        with st.container(key="join-code"):
            st.markdown(status.code)
        with st.container(key="join-link"):
            st.markdown(
                escape_markdown(f"at {_bare(services.join_base_url())}/join or scan the QR code")
            )
        st.metric("Joined so far", joined)
        _role_counts(view, view.participants_by_role, "playing")
    with right:
        qr_image(url, width=340, caption="Scan to join")


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
            trainer_markdown(stage.narrative)
    playing = sum(view.participants_by_role.values())
    done = sum(view.submitted_by_role.values())
    with st.container(border=True):
        count, words = st.columns([1, 3], vertical_alignment="center")
        with count:
            st.metric("Decisions in", f"{done} of {playing}")
        with words:
            if status.phase == "locked":
                st.markdown("## Decisions are locked. The reveal is next.")
            elif status.phase == "open":
                st.markdown("## Decide on your laptop what you would share, with whom, and why.")
            else:
                st.markdown("## This stage has been revealed.")
            # The total only: who (which agency) has not yet decided is never projected.


def _where(status: Status, words: str) -> None:
    st.caption(f"{status.title} · {words} · code {status.code}")


def _revealed(view: ProjectorView, version: int, section: str, stage: int) -> None:
    status = view.status
    record = view.revealed
    if record is None:
        st.markdown("## Nothing has been revealed yet.")
        return
    analysis = _for_the_room(status.code, version, record)
    _where(status, phase_caption(status))  # the charts carry the stage's title themselves
    # The record holds only the notes the facilitator approved (`Workshops.approve_note`).
    reveal(analysis, stage, section, max_height=CHART_HEIGHT, projector=True)


def _ending(view: ProjectorView, key: str, version: int, section: str) -> None:
    status = view.status
    record = view.revealed
    _where(status, "Debrief")
    if section in ("What happened", "Key messages", "Sharing", *ROOM_PARTS):  # charts: own titles
        st.header(section)
    if record is None:
        st.markdown("## Nothing was revealed in this workshop.")
        return
    analysis = _for_the_room(status.code, version, record)
    room = (
        activities_view.debrief_room(status.code, key, record, analysis, projector=True)
        if section in ROOM_PARTS
        else None
    )
    ending(analysis, section, max_height=CHART_HEIGHT, projector=True, room=room)


def _for_the_room(code: str, version: int, record: WorkshopRecord) -> Debrief:
    """The analysis with every agency with fewer than three people deciding pooled (`analysis.projected`)."""
    return projected(analysis_for("projector", code, version, record))


def _closed(view: ProjectorView) -> None:
    st.title(view.status.title)
    st.markdown("## This workshop has closed. Thank you for taking part.")
    if view.revealed is not None:
        for message in view.revealed.snapshot.scenario.debrief.key_messages:
            st.markdown(f"- {message}")
