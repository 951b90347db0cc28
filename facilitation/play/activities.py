"""The room's activities beside the scenario: the room's own barriers and "Who leads?".

- **The room's own barriers** (before stage 1, run or skipped by the facilitator): each participant,
  speaking from their real job rather than the role they play, says what holds them back from sharing
  at work: reference barrier sentences and/or a short line of their own, and once, optionally, the kind
  of agency they really work in. A line reaches the room only once the facilitator approves it.
- **Who leads?** (at a reveal): which agency should lead now, and who makes the decision; one tap
  among the agencies in play, or "not sure".

These are the records the engine stores and the pure rules of what the projector may show of them
(`barriers_board`, `lead_board`): nothing before the facilitator closes the activity, and no breakdown
for fewer than `PRIVACY_MIN` people (groups too small are pooled, and a pool too small is not shown, so
that no group can be worked out by subtracting the others from the total).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from facilitation.content import CLUSTERS, AgencyKind, Slug, Snapshot, StageLead, Strict, reference
from facilitation.play.records import PRIVACY_MIN

__all__ = [
    "BARRIERS_CHOSEN_MAX",
    "LINE_MAX_CHARS",
    "NOT_SURE",
    "POOLED",
    "ActivitiesRecord",
    "Activity",
    "ActivityKind",
    "ActivityState",
    "AgencyClusters",
    "BarrierAnswer",
    "BarrierEntry",
    "BarriersBoard",
    "ChoiceCount",
    "ClusterCount",
    "LeadAnswer",
    "LeadBoard",
    "LeadEntry",
    "barriers_board",
    "lead_board",
    "room_view",
    "simulated_barriers",
    "simulated_lead",
]

ActivityKind = Literal["barriers", "who_leads"]
ActivityState = Literal["open", "closed", "skipped"]
LINE_MAX_CHARS = 160  # one short line: what holds me back, not a case history
BARRIERS_CHOSEN_MAX = 5
NOT_SURE = "not_sure"  # the "not sure" answer to "Who leads?"
POOLED = "other"  # the group of the agencies too small to show on their own (or not given)
_BARRIERS_STAGE = -1  # the room's barriers belong to no stage


class BarrierAnswer(Strict):
    """What one participant brought: barrier sentences chosen, a line of their own, their real agency."""

    barriers: tuple[Slug, ...] = Field(
        (), max_length=BARRIERS_CHOSEN_MAX, description="Reference barrier ids chosen."
    )
    line: Annotated[str, StringConstraints(max_length=LINE_MAX_CHARS)] = Field(
        "", description="A short line of their own (shown only once the facilitator approves it)."
    )
    agency: AgencyKind | None = Field(
        None, description="The kind of agency they really work in (optional)."
    )

    @field_validator("barriers")
    @classmethod
    def _known_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [barrier for barrier in value if barrier not in reference().barriers]
        if unknown:
            raise ValueError(f"no such barrier {unknown[0]!r}")
        return tuple(dict.fromkeys(value))


class LeadAnswer(Strict):
    """One participant's answer to "Who leads?": a role id in play, or `not_sure`, for each question."""

    lead: Slug = Field(description="The agency that should lead now (a role id, or not_sure).")
    decides: Slug | None = Field(
        None, description="Who makes the decision (a role id, or not_sure); None: not answered."
    )


class Activity(Strict):
    """One activity of a workshop: which, at which stage (-1 for the room's barriers), and its state."""

    kind: ActivityKind
    stage_index: int = _BARRIERS_STAGE
    state: ActivityState


class BarrierEntry(Strict):
    """One participant's barriers answer, with whether the facilitator approved its line."""

    participant_id: int
    simulated: bool = False
    answer: BarrierAnswer
    approved: bool = False


class LeadEntry(Strict):
    """One participant's answer to "Who leads?" at one stage."""

    participant_id: int
    stage_index: int
    simulated: bool = False
    answer: LeadAnswer


class ActivitiesRecord(Strict):
    """Everything the room did in the activities of one workshop (for its facilitator, the debrief)."""

    activities: tuple[Activity, ...] = ()
    barriers: tuple[BarrierEntry, ...] = ()
    leads: tuple[LeadEntry, ...] = ()

    def activity(self, kind: str, stage_index: int = _BARRIERS_STAGE) -> Activity | None:
        """The activity of this kind at this stage, if the facilitator opened or skipped it."""
        return next(
            (a for a in self.activities if a.kind == kind and a.stage_index == stage_index), None
        )

    def leads_at(self, stage_index: int) -> tuple[LeadEntry, ...]:
        """The answers to "Who leads?" at one stage."""
        return tuple(entry for entry in self.leads if entry.stage_index == stage_index)


# ------------------------------------------------------------------------------------------ boards


class ClusterCount(Strict):
    """One cluster: how many people chose a barrier in it, and how many choices fell in it."""

    cluster: str
    people: int
    choices: int


class ChoiceCount(Strict):
    """One answer (a barrier id, or a role id or `not_sure`) and how many gave it."""

    choice: str
    count: int


class AgencyClusters(Strict):
    """The clusters for one real agency type (`POOLED`: the agencies too small to show alone)."""

    agency: str
    people: int
    clusters: tuple[ClusterCount, ...]


class BarriersBoard(Strict):
    """What the projector may show of the room's barriers. `shown` False: too few answered, or not
    closed yet; then only `answered` is given."""

    state: ActivityState
    answered: int
    shown: bool
    clusters: tuple[ClusterCount, ...] = ()
    barriers: tuple[ChoiceCount, ...] = ()  # most chosen first
    by_agency: tuple[AgencyClusters, ...] = ()  # only groups of PRIVACY_MIN or more
    lines: tuple[str, ...] = ()  # approved lines, in a fixed order that is not the order of writing


class LeadBoard(Strict):
    """What the projector may show of "Who leads?" at one stage, beside the scenario's guidance."""

    stage_index: int
    state: ActivityState
    answered: int
    shown: bool
    guidance: StageLead
    lead: tuple[ChoiceCount, ...] = ()  # most chosen first
    decides: tuple[ChoiceCount, ...] = ()


def _clusters(answers: list[BarrierAnswer]) -> tuple[ClusterCount, ...]:
    barriers = reference().barriers
    people: Counter[str] = Counter()
    choices: Counter[str] = Counter()
    for answer in answers:
        mine = [barriers[b].cluster for b in answer.barriers]
        choices.update(mine)
        people.update(set(mine))
    return tuple(
        ClusterCount(cluster=c, people=people[c], choices=choices[c]) for c in CLUSTERS if people[c]
    )


def _by_agency(answers: list[BarrierAnswer]) -> tuple[AgencyClusters, ...]:
    """Each real agency type with PRIVACY_MIN people or more; the rest pooled, and the smallest shown
    group folded into the pool while the pool has 1 to PRIVACY_MIN - 1 people (else subtracting the
    shown groups from the room's total would show it)."""
    groups: dict[str, list[BarrierAnswer]] = {}
    for answer in answers:
        groups.setdefault(answer.agency or POOLED, []).append(answer)
    shown = {a: g for a, g in groups.items() if a != POOLED and len(g) >= PRIVACY_MIN}
    pool = [answer for a, g in groups.items() if a not in shown for answer in g]
    while shown and 0 < len(pool) < PRIVACY_MIN:
        smallest = min(shown, key=lambda a: (len(shown[a]), a))
        pool += shown.pop(smallest)
    if len(shown) < 2 and not (shown and len(pool) >= PRIVACY_MIN):
        return ()  # a single group is the room itself: no breakdown to show
    found = [
        AgencyClusters(agency=a, people=len(g), clusters=_clusters(g)) for a, g in shown.items()
    ]
    found.sort(key=lambda group: (-group.people, group.agency))
    if pool:
        found.append(AgencyClusters(agency=POOLED, people=len(pool), clusters=_clusters(pool)))
    return tuple(found)


def _ranked(counter: Counter[str]) -> tuple[ChoiceCount, ...]:
    return tuple(
        ChoiceCount(choice=choice, count=count)
        for choice, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    )


def barriers_board(record: ActivitiesRecord) -> BarriersBoard | None:
    """What the room may see of its barriers now (None: the facilitator never opened the activity)."""
    activity = record.activity("barriers")
    if activity is None:
        return None
    answers = [entry.answer for entry in record.barriers]
    shown = activity.state == "closed" and len(answers) >= PRIVACY_MIN
    if not shown:
        return BarriersBoard(state=activity.state, answered=len(answers), shown=False)
    lines = sorted(
        entry.answer.line for entry in record.barriers if entry.approved and entry.answer.line
    )
    return BarriersBoard(
        state=activity.state,
        answered=len(answers),
        shown=True,
        clusters=_clusters(answers),
        barriers=_ranked(Counter(b for answer in answers for b in answer.barriers)),
        by_agency=_by_agency(answers),
        lines=tuple(lines),
    )


def lead_board(record: ActivitiesRecord, snapshot: Snapshot, stage_index: int) -> LeadBoard | None:
    """What the room may see of "Who leads?" at one stage (None: never asked there)."""
    activity = record.activity("who_leads", stage_index)
    if activity is None or not 0 <= stage_index < len(snapshot.scenario.stages):
        return None
    answers = [entry.answer for entry in record.leads_at(stage_index)]
    guidance = snapshot.scenario.stages[stage_index].lead_for(snapshot.scenario.lead_role)
    shown = activity.state == "closed" and len(answers) >= PRIVACY_MIN
    if not shown:
        return LeadBoard(
            stage_index=stage_index,
            state=activity.state,
            answered=len(answers),
            shown=False,
            guidance=guidance,
        )
    return LeadBoard(
        stage_index=stage_index,
        state=activity.state,
        answered=len(answers),
        shown=True,
        guidance=guidance,
        lead=_ranked(Counter(answer.lead for answer in answers)),
        decides=_ranked(Counter(answer.decides for answer in answers if answer.decides)),
    )


def room_view(record: ActivitiesRecord) -> ActivitiesRecord:
    """The record as the room may see it, for the projector's debrief: an activity's answers only
    once it is closed and `PRIVACY_MIN` or more answered (before that, blank answers that only count),
    lines only once approved, and no seat's id."""

    def shown(kind: str, stage_index: int, answered: int) -> bool:
        activity = record.activity(kind, stage_index)
        return activity is not None and activity.state == "closed" and answered >= PRIVACY_MIN

    barriers_shown = shown("barriers", _BARRIERS_STAGE, len(record.barriers))
    barriers = tuple(
        BarrierEntry(
            participant_id=0,
            answer=BarrierAnswer(
                barriers=entry.answer.barriers,
                line=entry.answer.line if entry.approved else "",
                agency=entry.answer.agency,
            )
            if barriers_shown
            else BarrierAnswer(),
            approved=entry.approved and barriers_shown,
        )
        for entry in record.barriers
    )
    answered = Counter(entry.stage_index for entry in record.leads)
    leads = tuple(
        LeadEntry(
            participant_id=0,
            stage_index=entry.stage_index,
            answer=entry.answer
            if shown("who_leads", entry.stage_index, answered[entry.stage_index])
            else LeadAnswer(lead=NOT_SURE),
        )
        for entry in record.leads
    )
    return ActivitiesRecord(activities=record.activities, barriers=barriers, leads=leads)


# -------------------------------------------------------------------------------------------- bots

_BOT_LINES = (
    "I refer and never hear what happened next.",
    "I don't know who to ring in the other agencies.",
    "Our manager has to sign off anything we send out.",
    "I worry about getting the law wrong.",
    "Families stop talking to us once we share.",
)


def simulated_barriers(snapshot: Snapshot, role_id: str, seed: int) -> BarrierAnswer:
    """A simulated participant's barriers: mostly its role's constraints (a bot's "real job" is the
    agency of the role it plays), now and then one more, and sometimes a line of its own."""
    rng = random.Random(f"{seed}:barriers")
    role = snapshot.roles.get(role_id)
    known = list(reference().barriers)
    own = [c.barrier for c in role.constraints if c.barrier in known] if role else []
    chosen = rng.sample(own, k=min(len(own), rng.randint(1, 2))) if own else []
    if rng.random() < 0.5:
        chosen.append(rng.choice(known))
    line = rng.choice(_BOT_LINES) if rng.random() < 0.4 else ""
    agency = role.agency if role and rng.random() < 0.8 else None
    return BarrierAnswer(
        barriers=tuple(dict.fromkeys(chosen))[:BARRIERS_CHOSEN_MAX], line=line, agency=agency
    )


def simulated_lead(snapshot: Snapshot, role_id: str, stage_index: int, seed: int) -> LeadAnswer:
    """A simulated participant's answer to "Who leads?": mostly the scenario's guidance, sometimes its
    own agency, now and then not sure."""
    rng = random.Random(f"{seed}:lead:{stage_index}")
    guidance = snapshot.scenario.stages[stage_index].lead_for(snapshot.scenario.lead_role)
    draw = rng.random()
    lead = guidance.role if draw < 0.65 else role_id if draw < 0.85 else NOT_SURE
    if lead != NOT_SURE and lead not in snapshot.roles:
        lead = NOT_SURE
    decides = guidance.decides or guidance.role
    return LeadAnswer(lead=lead, decides=decides if decides in snapshot.roles else NOT_SURE)
