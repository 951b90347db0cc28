"""The first half of an EASI day, as data: each agency's perspective side by side, the threshold ladder,
and what sharing costs the lead agency (the "front door").

Pure functions of a snapshot (and, for the front door, a workshop record): no store, no clock. The UI
draws them for the projector and the facilitator; the report prints them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from facilitation.content import CLUSTERS, Role, reference
from facilitation.play import Ledger, WorkshopRecord

__all__ = [
    "CLUSTERS",
    "ConstraintView",
    "FrontDoorStage",
    "Perspective",
    "Rung",
    "constraint_clusters",
    "front_door",
    "perspectives",
    "threshold_ladder",
]


@dataclass(frozen=True)
class ConstraintView:
    """One thing that holds an agency back, and the barrier it becomes in practice."""

    text: str
    barrier_id: str
    barrier_label: str
    cluster: str


@dataclass(frozen=True)
class Perspective:
    """One agency as the room sees it beside the others."""

    role_id: str
    name: str
    short_name: str
    motivators: tuple[str, ...]
    constraints: tuple[ConstraintView, ...]
    acts_at: int
    acts_at_label: str
    in_practice: str
    is_lead: bool


@dataclass(frozen=True)
class Rung:
    """One level of need on the ladder, with the agencies that act there (by short name)."""

    number: int
    label: str
    description: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class FrontDoorStage:
    """What reached the lead agency at one revealed stage, and how much of it guidance asked for.

    `shares` counts every (participant, fact) share to the lead made at this stage; `facts` the distinct
    facts among them; `expected` those whose guidance lists the lead; `unneeded` those it does not."""

    stage_index: int
    stage_title: str
    shares: int
    facts: int
    expected: int
    unneeded: int
    expected_in_play: (
        int  # facts entered so far whose guidance lists the lead (what it needed by now)
    )


def perspectives(
    roles: Mapping[str, Role], audience: str, lead_role: str | None = None
) -> tuple[Perspective, ...]:
    """Every agency in play (`roles` in scenario order, as a snapshot holds them), with its motivators,
    constraints and threshold."""
    barriers = reference().barriers
    views = []
    for role_id, role in roles.items():
        constraints = tuple(
            ConstraintView(
                text=constraint.text,
                barrier_id=constraint.barrier,
                barrier_label=barriers[constraint.barrier].label,
                cluster=barriers[constraint.barrier].cluster,
            )
            for constraint in role.constraints
        )
        views.append(
            Perspective(
                role_id=role_id,
                name=role.name,
                short_name=role.short_name,
                motivators=tuple(motivator.text for motivator in role.motivators),
                constraints=constraints,
                acts_at=role.threshold.acts_at,
                acts_at_label=reference().level_label(audience, role.threshold.acts_at),
                in_practice=role.threshold.in_practice,
                is_lead=role_id == lead_role,
            )
        )
    return tuple(views)


def threshold_ladder(roles: Mapping[str, Role], audience: str) -> tuple[Rung, ...]:
    """The four levels of need for the audience, highest first, each with the agencies whose threshold
    (`acts_at`) sits there: agencies set the bar differently, and the room sees it at a glance."""
    levels = reference().levels_for(audience)
    at: dict[int, list[str]] = {number: [] for number in levels}
    for role in roles.values():
        at.setdefault(role.threshold.acts_at, []).append(role.short_name)
    return tuple(
        Rung(number, levels[number].label, levels[number].description, tuple(at[number]))
        for number in sorted(levels, reverse=True)
    )


def constraint_clusters(roles: Mapping[str, Role]) -> dict[str, int]:
    """How many of the agencies' constraints fall in each barrier cluster, every cluster listed."""
    barriers = reference().barriers
    counts = Counter(
        barriers[constraint.barrier].cluster
        for role in roles.values()
        for constraint in role.constraints
    )
    return {cluster: counts.get(cluster, 0) for cluster in CLUSTERS}


def front_door(record: WorkshopRecord) -> tuple[FrontDoorStage, ...]:
    """Stage by stage, what the room sent the lead agency, for the workload that sharing creates: over-
    referral is a failure too. Empty when the lead agency is not in play."""
    snapshot = record.snapshot
    scenario = snapshot.scenario
    lead = scenario.lead_role
    if lead not in snapshot.roles:
        return ()
    # A recipient's legitimate onward share to the lead (guidance `onward`) is wanted too.
    wanted = {
        fact.id
        for fact in scenario.facts
        if lead in fact.guidance.share_with or lead in fact.guidance.onward
    }
    ledger = Ledger(snapshot, record.submissions, record.revealed_through, to=(lead,))
    stages = []
    wanted_so_far = 0
    for index, stage in enumerate(scenario.stages[: record.revealed_through + 1]):
        wanted_so_far += sum(1 for fact in stage.facts if fact.id in wanted)
        arrived = [
            (fact_id, receipt)
            for fact_id, known in ledger.picture(lead, index, after_reveal=True).facts.items()
            for receipt in known.received
            if receipt.stage_index == index
        ]
        distinct = {fact_id for fact_id, _ in arrived}
        stages.append(
            FrontDoorStage(
                stage_index=index,
                stage_title=stage.title,
                shares=len(arrived),
                facts=len(distinct),
                expected=len(distinct & wanted),
                unneeded=len(distinct - wanted),
                expected_in_play=wanted_so_far,
            )
        )
    return tuple(stages)
