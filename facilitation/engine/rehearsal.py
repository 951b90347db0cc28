"""A rehearsal: a whole workshop played through the engine by simulated participants, and its summary.

`simulate_workshop` plays the way the facilitator and the laptops would (open, everyone decides, lock,
reveal, into the debrief) so that a trainer can see a scenario run before a room does.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

from facilitation.content import Snapshot
from facilitation.engine.activities import Activities
from facilitation.engine.evaluation import Evaluations
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from facilitation.play import (
    DEFAULT_EFFECT,
    ActStages,
    Ledger,
    SimulatedEffect,
    act_stages,
    follow_guidance,
    simulated_barriers,
)

__all__ = ["SimulationResult", "StageSummary", "simulate_workshop"]


@dataclass(frozen=True)
class StageSummary:
    """One stage of a simulated workshop."""

    index: int
    stage_id: str
    title: str
    submissions: int
    facts_shared: int  # distinct (fact, recipient role) pairs shared at this stage
    shares: int  # every (participant, fact, recipient role) share at this stage
    levels: dict[str, int]  # each role's picture level once the stage is revealed
    stated_levels: dict[str, float]  # mean level the role's participants said they saw
    # "Who leads?" asked at the reveal: answers per role id (or "not_sure"); {} when too few answered
    who_leads: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationResult:
    """What `simulate_workshop` played, and when the lead role could act."""

    code: str
    scenario_id: str
    title: str
    participants: int
    seed: int
    lead_role: str
    lead_act_actual: (
        int | None
    )  # first stage (0-based) at whose reveal the lead could act; None: never
    lead_act_possible: int | None  # the same, had every holder shared as guidance says
    stages: tuple[StageSummary, ...]
    seconds: float
    # The room's own barriers, run before stage 1: people per cluster; {} when too few answered
    barriers: dict[str, int] = field(default_factory=dict)
    barrier_lines: tuple[str, ...] = ()  # the lines of their own the facilitator approved

    def to_dict(self) -> dict:
        """Plain data, for `--json`."""
        return asdict(self)


def simulate_workshop(
    snapshot: Snapshot,
    participants: int = 12,
    seed: int = 0,
    engine=None,
    *,
    passcode: str | None = None,
    guided: bool = False,
    evaluation: SimulatedEffect | None = DEFAULT_EFFECT,
) -> SimulationResult:
    """Create a workshop, seat `participants` simulated participants (roles balanced), play every stage
    (open, everyone decides, lock, reveal) into the debrief, and sum it up. `engine` is a
    `Workshops` (default: one over the default store).

    `guided`: every participant does exactly what guidance says (`play.follow_guidance`), submitting
    through the engine as a person's laptop would, instead of the seeded bots. The simulated
    participants answer the questionnaires before and after with the `evaluation` effect (None: they
    do not answer)."""
    if participants < 1:
        raise ValueError("A simulation needs at least one participant.")
    started = time.perf_counter()
    engine = engine if engine is not None else Workshops(Store())
    created = engine.create(snapshot, passcode=passcode)
    code, key = created.code, created.facilitator_key
    seats = [
        engine.join(
            code, simulated=not guided, seed=seed, display_name="Guided" if guided else None
        )
        for _ in range(participants)
    ]
    if evaluation is not None:
        Evaluations(engine).simulate(code, key, "pre", evaluation)
    activities = Activities(engine)
    _room_barriers(activities, code, key, snapshot, seats if guided else ())
    for index in range(len(snapshot.scenario.stages)):
        if index == 0:
            engine.open_stage(code, key)
        else:
            engine.next_stage(code, key)
        for seat in seats if guided else ():
            picture = engine.participant_view(seat.token).picture
            engine.submit(seat.token, index, follow_guidance(snapshot, seat.role_id, picture))
        engine.lock_stage(code, key)
        engine.reveal_stage(code, key)
        _who_leads(activities, code, key, snapshot, index, seats if guided else ())
    engine.start_debrief(code, key)
    if evaluation is not None:
        Evaluations(engine).simulate(code, key, "post", evaluation)
    record = engine.record(code)
    summary = _summarise(record, participants, seed, time.perf_counter() - started)
    board = activities.board(code, key)
    return replace(
        summary,
        barriers={c.cluster: c.people for c in board.barriers.clusters} if board.barriers else {},
        barrier_lines=board.barriers.lines if board.barriers else (),
        stages=tuple(
            replace(
                stage,
                who_leads={c.choice: c.count for c in board.leads[stage.index].lead}
                if stage.index in board.leads
                else {},
            )
            for stage in summary.stages
        ),
    )


def _room_barriers(activities: Activities, code: str, key: str, snapshot: Snapshot, guided) -> None:
    """The opening activity: the bots answer as it opens, guided seats answer through their tokens,
    the facilitator approves every line (the bots' lines are stock phrases) and closes it."""
    activities.open(code, key, "barriers")
    for seat in guided:
        activities.answer_barriers(
            seat.token, simulated_barriers(snapshot, seat.role_id, seat.participant_id)
        )
    for entry in activities.record(code, key).barriers:
        if entry.answer.line:
            activities.approve_line(code, key, entry.participant_id)
    activities.close(code, key, "barriers")


def _who_leads(
    activities: Activities, code: str, key: str, snapshot: Snapshot, index: int, guided
) -> None:
    """ "Who leads?" at a reveal: guided seats answer as the stage's guidance says."""
    activities.open(code, key, "who_leads")
    lead = snapshot.scenario.stages[index].lead_for(snapshot.scenario.lead_role)
    for seat in guided:
        activities.answer_lead(seat.token, index, lead.role, lead.decides or lead.role)
    activities.close(code, key, "who_leads")


def _summarise(record, participants: int, seed: int, seconds: float) -> SimulationResult:
    snapshot = record.snapshot
    scenario = snapshot.scenario
    ledger = Ledger(snapshot, record.submissions, record.revealed_through)
    stages = []
    for index, stage in enumerate(scenario.stages):
        at_stage = [s for s in record.submissions if s.stage_index == index]
        pairs = [
            (entry.fact_id, to)
            for s in at_stage
            for entry in s.decision.facts
            for to in entry.share_with
        ]
        stated: dict[str, list[int]] = {}
        for submission in at_stage:
            stated.setdefault(submission.role_id, []).append(submission.decision.level)
        stages.append(
            StageSummary(
                index=index,
                stage_id=stage.id,
                title=stage.title,
                submissions=len(at_stage),
                facts_shared=len(set(pairs)),
                shares=len(pairs),
                levels={
                    role: ledger.picture(role, index, after_reveal=True).level
                    for role in snapshot.role_ids
                },
                stated_levels={
                    role: round(sum(stated[role]) / len(stated[role]), 2)
                    for role in snapshot.role_ids
                    if role in stated
                },
            )
        )
    if scenario.lead_role in snapshot.roles:
        act = act_stages(snapshot, record.submissions, record.revealed_through)
    else:  # a workshop may play a subset of the roles, without the lead
        act = ActStages(actual=None, possible=None)
    return SimulationResult(
        code=record.code,
        scenario_id=scenario.id,
        title=scenario.title,
        participants=participants,
        seed=seed,
        lead_role=scenario.lead_role,
        lead_act_actual=act.actual,
        lead_act_possible=act.possible,
        stages=tuple(stages),
        seconds=round(seconds, 3),
    )
