"""The reveal and the debrief as the facilitator and the projector show them (charts from
`facilitation.outputs.charts`, words from `facilitation.analysis.debrief`). Nothing here reads the store: callers pass
the record the engine gave them, and what they may show is already decided by which record that is."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from facilitation.analysis import (
    PRIVACY_MIN,
    ROOM_HEADING,
    Debrief,
    Jigsaw,
    RoomActivities,
    analyse,
    attributed,
    barriers_status,
    lead_guidance,
    lead_in_brief,
    lead_sentence,
)
from facilitation.outputs import (
    barrier_chart,
    fact_key_rows,
    flow_chart,
    jigsaw_chart,
    judgement_chart,
    picture_share_chart,
)
from facilitation.play import WorkshopRecord
from facilitation.ui.widgets import escape_markdown, level_label, trainer_markdown

__all__ = [
    "ENDING",
    "LEADS",
    "REVEAL",
    "ROOM_PARTS",
    "analysis_for",
    "ending",
    "reveal",
    "text_size_key",
]

_BEHAVIOUR_WORDS = {
    "ideal": "ideal: shared what guidance expects, with little over-sharing",
    "over-open": "over-open: shared what should not have gone",
    "over-cautious": "over-cautious: held back what should have gone",
    "chaotic": "chaotic: no consistent pattern",
    "unclassified": "not enough decisions to say",
}
ROOM_BARRIERS_SHOWN = 5  # rows of the brought-and-cited table on the projector: one screen
ROW_MIN = 46  # px: the least height of a chart row whose cells carry two lines of text
REVEAL = ("Who knew what", "Who shared with whom", "Level of need", "Prompts")
FRONT_DOOR = "The front door"
LEADS = "Who leads, by stage"
ROOM_PARTS = (ROOM_HEADING, LEADS)  # the parts drawn from the room's activities
ENDING = (
    "What happened",
    "Key messages",
    "What held people back",
    ROOM_HEADING,
    LEADS,
    "Sharing",
    FRONT_DOOR,
    "Who knew what",
)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def _cached(
    kind: str, code: str, version: int, through: int | None, _record: WorkshopRecord
) -> Debrief:
    return analyse(_record, through)


def analysis_for(
    kind: str, code: str, version: int, record: WorkshopRecord, through: int | None = None
) -> Debrief:
    """The analysis of a record, built once per (who sees it, workshop, version): a reveal redraws every
    facilitator tab and the projector at once. `kind` keeps records of different audiences apart."""
    return _cached(kind, code, version, through, record)


def _chart(chart, max_height: int | None = None) -> None:
    """Draw a chart across the page at its own height. Streamlit's default autosize ("fit" into the
    spec's height, decorations included) squashes charts with titles and legends, so the width is
    fitted and the height left to the chart; layers get their own colour scales, so that a cell's text
    colour never merges with its fill colour (a label the colour of its cell cannot be read)."""
    chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    height = getattr(chart, "height", None)
    if max_height and isinstance(height, int | float) and height > max_height:
        chart = chart.properties(height=max_height)  # many agencies: shorter rows, still one screen
    if isinstance(chart, alt.LayerChart):
        chart = chart.resolve_scale(color="independent")
    st.altair_chart(chart, width="stretch", theme=None)


def _jigsaw(analysis: Debrief, stage: int | None, max_height: int | None) -> None:
    """The jigsaw; beneath it, on one line so that the projector keeps to one screen, what the lead
    agency holds and the facts in full, folded (the facilitator opens them when the room asks what a
    shortened heading was)."""
    _chart(jigsaw_chart(analysis, stage), max_height)
    lead_line, facts = st.columns([3, 1], vertical_alignment="center")
    jigsaw = analysis.jigsaw if stage is None else analysis.stage(stage).jigsaw
    if jigsaw is not None and jigsaw.lead is not None:
        lead_line.caption(_lead_holds(analysis, jigsaw))
    with facts.expander("The facts in full"):
        st.dataframe(fact_key_rows(analysis, stage), hide_index=True, width="stretch")


def _lead_holds(analysis: Debrief, jigsaw: Jigsaw) -> str:
    """What the lead agency holds of the whole picture, in one line where it holds all of it."""
    lead = analysis.role(analysis.lead_role).short_name
    held = f"level {level_label(analysis.audience, jigsaw.lead.level)}"
    if jigsaw.lead.count == jigsaw.whole.count:
        return f"{lead}, the lead agency, now holds all {jigsaw.whole.count} facts: {held}."
    return (
        f"{lead}, the lead agency, now holds {jigsaw.lead.count} of {jigsaw.whole.count} facts: "
        f"{held}; the whole picture reaches level "
        f"{level_label(analysis.audience, jigsaw.whole.level)}."
    )


def reveal(
    analysis: Debrief,
    stage: int,
    section: str,
    *,
    prompts_limit: int = 6,
    max_height: int | None = None,
    notes: tuple[int, ...] | None = None,
    projector: bool = False,
) -> None:
    """One part of a stage's reveal. `max_height` caps a chart's plotting height (the projector's screen);
    `notes` picks the stage's shareable notes shown under the prompts by position (default: the first
    three); the `projector` shows fewer prompts."""
    view = analysis.stage(stage)
    # Shorter rows fit more agencies on one screen, down to what a two-line cell label needs.
    max_height = max(max_height, ROW_MIN * len(analysis.roles)) if max_height else None
    if section == "Who knew what":
        _jigsaw(analysis, stage, max_height)
    elif section == "Who shared with whom":
        if len(view.flows.role_ids) == 1 and view.flows.shares:  # the room pooled (`projected`)
            st.markdown(
                f"## {view.flows.shares} share{'' if view.flows.shares == 1 else 's'} at this stage. "
                f"Some agencies had fewer than {PRIVACY_MIN} people deciding at a stage, "
                "so who shared with whom stays off this screen."
            )
        elif view.flows.shares:
            _chart(flow_chart(analysis, stage))  # two-line labels need the chart's own row height
        else:
            st.markdown("## Nobody shared anything at this stage.")
    elif section == "Level of need":
        if view.empty:
            st.markdown("## Nobody submitted at this stage.")
        else:
            _chart(judgement_chart(analysis, stage))  # rows sized for its circles: 8 agencies fit
    else:
        st.header(f"Questions for the room · stage {stage + 1}")
        quoted = [
            view.notes[n] for n in (range(3) if notes is None else notes) if n < len(view.notes)
        ]
        # With notes on the projector, fewer prompts: together they must fit one screen.
        prompts = view.prompts[: (2 if quoted else 4) if projector else prompts_limit]
        if not prompts:
            st.markdown("### What surprised you about what the others knew?")
        for prompt in prompts:
            trainer_markdown(f"- {prompt.text}")
        if quoted:
            st.subheader("In your words")
            for note in quoted:
                # Named by agency only where PRIVACY_MIN of its players decided at every stage (`attributed`).
                st.caption(
                    analysis.short(note.role_id)
                    if attributed(analysis.roles, note.role_id)
                    else "One agency"
                )
                st.text(note.text)  # participant text: shown as typed


def text_size_key(text: str) -> str:
    """A container key that sizes long text down on the projector (see the projector's style sheet)."""
    for limit, key in ((420, "narrative"), (750, "narrative-m"), (1100, "narrative-l")):
        if len(text) <= limit:
            return key
    return "narrative-xl"


def ending(
    analysis: Debrief,
    section: str,
    *,
    max_height: int | None = None,
    projector: bool = False,
    room: RoomActivities | None = None,
) -> None:
    """One part of the debrief at the end of the workshop. The `projector` shows less, larger; `room`
    is the room's activities (`analysis.room_activities`) for their part."""
    max_height = max(max_height, ROW_MIN * len(analysis.roles)) if max_height else None
    if section == "What happened":
        story = analysis.what_happened or "The story is told once every stage has been revealed."
        with st.container(key=text_size_key(story) if projector else None):
            trainer_markdown(story)
        act = analysis.act
        if act.status != "no_lead" and act.possible is not None:
            lead = analysis.short(act.lead_role)
            actual = (
                f"in this room it could act at stage {act.actual + 1}"
                if act.actual is not None
                else "in this room it never held enough to act"
            )
            st.markdown(
                f"**{lead} could have acted at stage {act.possible + 1}** had each piece been shared as "
                f"guidance says; {actual}."
            )
    elif section == "Key messages":
        for message in analysis.key_messages:
            trainer_markdown(f"- {message}")
        if analysis.learning_outcomes and not projector:
            st.caption("Learning outcomes: " + " · ".join(analysis.learning_outcomes))
    elif section == "What held people back":
        if analysis.barriers.counts:
            # The projector keeps to one screen: the most cited barriers and the two largest myths.
            _chart(barrier_chart(analysis, limit=6 if projector else None), max_height)
            for myth in analysis.barriers.myths[: 2 if projector else 3]:
                fact = analysis.fact(myth.fact_id)
                st.caption(
                    escape_markdown(
                        f"Myth: '{myth.barrier_id.replace('_', ' ')}' cited on "
                        f"“{fact.short_label}” ({myth.counted}). {fact.why_heading} {myth.why}"
                    )
                )
            for point in analysis.barriers.discussion[:3]:
                fact = analysis.fact(point.fact_id)
                st.caption(
                    escape_markdown(
                        f"To discuss: '{point.barrier_id.replace('_', ' ')}' cited on "
                        f"“{fact.short_label}” ({point.counted}), where partnership protocols differ."
                    )
                )
        else:
            st.markdown("## Nobody said anything held them back.")
    elif section == "Sharing":
        if projector:  # words that read from the back of the room; the evidence is in the report
            for behaviour in analysis.role_behaviours:
                st.markdown(
                    f"**{analysis.short(behaviour.role_id)}**: {_BEHAVIOUR_WORDS[behaviour.label]}"
                )
            return
        rows = [
            {"Agency": analysis.short(b.role_id), "Behaviour": b.label, "Evidence": b.evidence}
            for b in analysis.role_behaviours
        ]
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(analysis.rule)
    elif section == FRONT_DOOR:
        _front_door(analysis)
    elif section == ROOM_HEADING:
        _room_barriers(analysis, room, projector)
    elif section == LEADS:
        _room_leads(analysis, room, projector)
    else:
        if analysis.jigsaw is not None:
            if not projector:  # the projector keeps to one screen: the jigsaw says it
                _chart(picture_share_chart(analysis), max_height)
            _jigsaw(analysis, None, max_height)


def _stage_row(index: int, title: str) -> str:
    """A stage as a table's row label ("1. September" would be drawn as a numbered list)."""
    return f"Stage {index + 1} \u00b7 {title}"


def _front_door(analysis: Debrief) -> None:
    """What reached the lead agency stage by stage: the workload sharing creates, never a reason to
    hold back a concern about risk."""
    if not analysis.front_door:
        st.markdown("Nothing has been revealed yet, so nothing has reached the front door.")
        return
    lead = analysis.short(analysis.lead_role)
    st.markdown(f"**What reached {escape_markdown(lead)}, stage by stage**")
    rows = [
        {
            "Stage": _stage_row(stage.stage_index, stage.stage_title),
            "Shares received": stage.shares,
            "Distinct facts": stage.facts,
            "Guidance sends it": stage.expected,
            "Guidance does not send it": stage.unneeded,
        }
        for stage in analysis.front_door
    ]
    st.table(pd.DataFrame(rows).set_index("Stage"))  # a table, not a grid: read from the back
    st.caption(
        "Each share is work for the front door, and better sharing raises caseloads: a perverse "
        "incentive a partnership has to plan for. It is not a reason to hold back a concern about risk."
    )


def _room_barriers(analysis: Debrief, room: RoomActivities | None, projector: bool) -> None:
    """The barriers the room brought from their real jobs, beside those cited in play."""
    if room is None or room.barriers.state == "not_run":
        st.markdown("The room's own barriers were not run in this workshop.")
        return
    barriers = room.barriers
    st.markdown("**The barriers of their real jobs, beside those cited in play**")
    if not barriers.shown:
        st.markdown(barriers_status(barriers))
        return
    audience = analysis.audience.replace("_", " ")
    rows = [
        {
            "Barrier": side.label,
            "Brought from work": str(side.brought or "\u2014"),  # one type a column
            "Cited in play": str(side.cited or "\u2014"),
            f"For {audience}": side.verdict,
        }
        for side in barriers.barriers[: ROOM_BARRIERS_SHOWN if projector else None]
    ]
    st.table(pd.DataFrame(rows).set_index("Barrier"))  # a table, not a grid: read from the back
    myths = [side for side in barriers.barriers if side.barrier_id in barriers.brought_myths]
    for side in myths[: 1 if projector else None]:
        st.caption(escape_markdown(f"Myth brought to the room: {side.label}. {side.explanation}"))
    if not projector and barriers.brought_not_cited:
        labels = {side.barrier_id: side.label for side in barriers.barriers}
        st.caption(
            escape_markdown(
                "Brought from work, never cited in play: "
                + ", ".join(labels[i] for i in barriers.brought_not_cited)
            )
        )


def _room_leads(analysis: Debrief, room: RoomActivities | None, projector: bool) -> None:
    """ "Who leads?" at each stage where it was asked, beside the scenario's guidance."""
    if room is None or not room.leads:
        st.markdown("\u201cWho leads?\u201d was not asked in this workshop.")
        return
    if projector:  # one row a stage: a whole workshop's answers fit one screen
        rows = [
            {
                "Stage": _stage_row(stage.stage_index, stage.stage_title),
                "Guidance": lead_guidance(stage, analysis.short),
                "The room": lead_in_brief(stage, analysis.short),
            }
            for stage in room.leads
        ]
        st.table(pd.DataFrame(rows).set_index("Stage"))
        return
    for stage in room.leads:
        st.markdown(
            escape_markdown(
                f"Stage {stage.stage_index + 1} ({stage.stage_title}): "
                f"{lead_sentence(stage, analysis.short)}"
            )
        )
        if stage.why:
            st.caption(escape_markdown(f"Guidance: {stage.why}"))
