"""The room's activities in the debrief: the barriers the room brought beside those it cited in play,
which were myths for this scenario's audience, and where the room agreed on who leads.

`room_activities(record, activities)` is a pure function of the workshop record and its activities
record (`engine.Activities.record`). Nothing is reported of an activity the facilitator has not closed,
no line that was not approved, and no count from fewer than `PRIVACY_MIN` people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal

from pydantic import BaseModel

from facilitation.analysis.debrief import Debrief, analyse
from facilitation.content import reference
from facilitation.play import (
    NOT_SURE,
    PRIVACY_MIN,
    ActivitiesRecord,
    AgencyClusters,
    ChoiceCount,
    ClusterCount,
    WorkshopRecord,
    barriers_board,
    lead_board,
)

__all__ = [
    "ROOM_HEADING",
    "BarrierSide",
    "LeadStage",
    "LeadVerdict",
    "RoomActivities",
    "RoomBarriers",
    "barriers_status",
    "lead_in_brief",
    "lead_sentence",
    "room_activities",
]

ROOM_HEADING = (
    "What the room brought"  # the debrief's part for the activities, on screen and in print
)
LeadVerdict = Literal["agreed", "differed", "unsure", "split", "too_few", "not_closed"]


@dataclass(frozen=True, slots=True)
class BarrierSide:
    """One barrier: how many brought it from their real job, how many cited it in play."""

    barrier_id: str
    label: str
    cluster: str
    sentence: str
    brought: int  # people who chose it in the opening activity
    cited: int  # participants who cited it in play (any fact, any stage)
    citations: int  # (participant, fact) citations in play, each counted once (the debrief's rule)
    myth: bool  # a misconception for this scenario's audience (the reference's per-audience flag)
    explanation: str  # what it really is, for this audience


@dataclass(frozen=True, slots=True)
class RoomBarriers:
    """The room's own barriers. `state` "not_run" when never opened; `shown` False when not closed or
    fewer than PRIVACY_MIN answered (then only `state` and `answered` are given)."""

    state: Literal["open", "closed", "skipped", "not_run"]
    answered: int
    shown: bool
    clusters: tuple[ClusterCount, ...] = ()
    by_agency: tuple[
        AgencyClusters, ...
    ] = ()  # real agency types of PRIVACY_MIN or more (`POOLED`)
    barriers: tuple[BarrierSide, ...] = ()  # brought or cited; most brought, then most cited, first
    lines: tuple[str, ...] = ()  # the approved lines only
    brought_myths: tuple[str, ...] = ()  # ids of barriers brought that are myths for this audience
    brought_not_cited: tuple[str, ...] = ()  # brought to the room, never cited in play
    cited_not_brought: tuple[str, ...] = ()  # cited in play, brought by nobody


@dataclass(frozen=True, slots=True)
class LeadStage:
    """ "Who leads?" at one stage: the room's answers beside the scenario's guidance."""

    stage_index: int
    stage_title: str
    lead: str  # the role guidance says should lead (the stage's `lead`, else the scenario's)
    decides: str  # the role guidance says makes the decision
    why: str
    answered: int
    # agreed: most named the guidance's lead; differed: most named another; unsure: most were not
    # sure; split: no answer had most; too_few: fewer than PRIVACY_MIN answered; not_closed: still open
    verdict: LeadVerdict
    with_guidance: int = 0  # answers naming the guidance's lead
    decides_with_guidance: int = 0  # answers naming the guidance's decision-maker
    split: tuple[ChoiceCount, ...] = ()  # role id or "not_sure" -> answers, most first
    decides_split: tuple[ChoiceCount, ...] = ()


@dataclass(frozen=True, slots=True)
class RoomActivities:
    """The debrief's data for the room's activities."""

    audience: str
    barriers: RoomBarriers
    leads: tuple[LeadStage, ...]  # every stage at which "Who leads?" was asked, in stage order

    def to_dict(self) -> dict[str, Any]:
        """Plain data (mappings, lists, text and numbers), for the JSON export."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def room_activities(
    record: WorkshopRecord, activities: ActivitiesRecord, debrief: Debrief | None = None
) -> RoomActivities:
    """The room's barriers beside those cited in play, and who the room said leads at each stage.
    `debrief` (the record's `analyse`, if already made) gives the barriers cited in play."""
    audience = record.snapshot.scenario.audience
    cited = (debrief if debrief is not None else analyse(record)).barriers
    return RoomActivities(
        audience=audience,
        barriers=_barriers(activities, cited, audience),
        leads=tuple(
            _lead(record, activities, activity.stage_index)
            for activity in activities.activities
            if activity.kind == "who_leads"
        ),
    )


def _barriers(activities: ActivitiesRecord, cited, audience: str) -> RoomBarriers:
    board = barriers_board(activities)
    if board is None:
        return RoomBarriers(state="not_run", answered=0, shown=False)
    if not board.shown:
        return RoomBarriers(state=board.state, answered=board.answered, shown=False)
    ref = reference().barriers
    brought = Counter(b for entry in activities.barriers for b in entry.answer.barriers)
    in_play = {count.barrier_id: count for count in cited.counts}
    order = list(ref)
    sides = []
    for barrier_id in sorted(
        set(brought) | set(in_play),
        key=lambda b: (
            -brought[b],
            -(in_play[b].people if b in in_play else 0),
            order.index(b) if b in ref else len(order),
        ),
    ):
        known = ref.get(barrier_id)
        played = in_play.get(barrier_id)
        sides.append(
            BarrierSide(
                barrier_id=barrier_id,
                label=known.label if known else barrier_id,
                cluster=known.cluster if known else "",
                sentence=known.sentence if known else "",
                brought=brought[barrier_id],
                cited=played.people if played else 0,
                citations=played.count if played else 0,
                myth=bool(known and known.is_myth(audience)),
                explanation=known.explanation_for(audience) if known else "",
            )
        )
    return RoomBarriers(
        state=board.state,
        answered=board.answered,
        shown=True,
        clusters=board.clusters,
        by_agency=board.by_agency,
        barriers=tuple(sides),
        lines=board.lines,
        brought_myths=tuple(s.barrier_id for s in sides if s.brought and s.myth),
        brought_not_cited=tuple(s.barrier_id for s in sides if s.brought and not s.cited),
        cited_not_brought=tuple(s.barrier_id for s in sides if s.cited and not s.brought),
    )


def _lead(record: WorkshopRecord, activities: ActivitiesRecord, stage_index: int) -> LeadStage:
    snapshot = record.snapshot
    stage = snapshot.scenario.stages[stage_index]
    board = lead_board(activities, snapshot, stage_index)
    guidance = board.guidance
    decides = guidance.decides or guidance.role
    base = {
        "stage_index": stage_index,
        "stage_title": stage.title,
        "lead": guidance.role,
        "decides": decides,
        "why": guidance.why or "",
        "answered": board.answered,
    }
    if board.state != "closed":
        return LeadStage(**base, verdict="not_closed")
    if board.answered < PRIVACY_MIN:
        return LeadStage(**base, verdict="too_few")
    counts = {c.choice: c.count for c in board.lead}
    top = board.lead[0]
    majority = top.count * 2 > board.answered
    if majority and top.choice == guidance.role:
        verdict: LeadVerdict = "agreed"
    elif majority:
        verdict = "unsure" if top.choice == NOT_SURE else "differed"
    else:
        verdict = "split"
    return LeadStage(
        **base,
        verdict=verdict,
        with_guidance=counts.get(guidance.role, 0),
        decides_with_guidance=next((c.count for c in board.decides if c.choice == decides), 0),
        split=board.lead,
        decides_split=board.decides,
    )


def barriers_status(barriers: RoomBarriers) -> str:
    """Why the room's own barriers are not shown (empty when they are): the words every screen and
    export uses."""
    if barriers.shown:
        return ""
    if barriers.state == "not_run":
        return "The room's own barriers were not run in this workshop."
    if barriers.state == "skipped":
        return "The facilitator skipped the room's own barriers."
    answered = f"{barriers.answered} answered"
    if barriers.state == "open":
        return f"{answered}; the answers are shown once the facilitator closes the activity."
    return (
        f"{answered}: fewer than {PRIVACY_MIN}, so nothing is shown (nobody may be identifiable)."
    )


def lead_sentence(stage: LeadStage, short: Callable[[str], str]) -> str:
    """One stage's "Who leads?" in a sentence: the room's answers beside the guidance. `short` names a
    role (the debrief's `short`)."""

    def name(choice: str) -> str:
        return "not sure" if choice == NOT_SURE else short(choice)

    lead = short(stage.lead)
    if stage.verdict == "not_closed":
        return f"Still open ({stage.answered} answered): the room's answers show once it is closed."
    if stage.verdict == "too_few":
        return f"{stage.answered} answered: fewer than {PRIVACY_MIN}, so nothing is shown."
    of = f"of {stage.answered}"
    top = stage.split[0]
    if stage.verdict == "agreed":
        said = f"Most of the room ({stage.with_guidance} {of}) named {lead}, as guidance does."
    elif stage.verdict == "differed":
        said = (
            f"Most of the room ({top.count} {of}) named {name(top.choice)}; guidance names {lead}."
        )
    elif stage.verdict == "unsure":
        said = f"Most of the room ({top.count} {of}) was not sure; guidance names {lead}."
    else:
        answers = ", ".join(f"{name(c.choice)} {c.count}" for c in stage.split)
        said = f"The room was split ({answers}); guidance names {lead}."
    decided = sum(c.count for c in stage.decides_split)
    if decided:
        said += (
            f" Who decides: guidance says {short(stage.decides)}; {stage.decides_with_guidance} of "
            f"the {decided} who answered that named it."
        )
    return said


def lead_in_brief(stage: LeadStage, short: Callable[[str], str]) -> str:
    """The room's answer at one stage in a few words, for a table read from the back of the room."""
    if stage.verdict in ("not_closed", "too_few"):
        return (
            "still open" if stage.verdict == "not_closed" else f"fewer than {PRIVACY_MIN} answered"
        )
    top = stage.split[0]
    share = f"{top.count} of {stage.answered}"
    if stage.verdict == "agreed":
        return f"agreed ({share})"
    if stage.verdict == "differed":
        return f"most named {short(top.choice)} ({share})"
    if stage.verdict == "unsure":
        return f"most not sure ({share})"
    return "split"
