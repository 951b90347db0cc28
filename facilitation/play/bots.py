"""Simulated participants: seeded bots that play a role from its profile.

A bot is a caricature of a practitioner, not a model of one. It shares more readily when its agency acts
at a low level of need, when its picture already reaches the level at which it acts, and when a fact
weighs more; it passes on what others told it less readily than what it saw itself. It mostly sends a
fact where guidance says it should go (and to the lead agency), now and then somewhere it should not
(over-sharing), and when it holds a fact back from a role that needs it, it cites the barriers of its
own role's constraints. Everything it draws comes from the `random.Random` it is given, so a seed
replays the same decisions.

`decide` is a pure function; `facilitation.engine.rehearsal` plays a whole workshop with it.

`follow_guidance` is the other bot: a practitioner who does exactly what guidance says (shares each own
fact with every recipient guidance names, for an acceptable reason, with the detail guidance wants,
telling the family only where guidance says yes, keeping what it received within its agency, and giving
the level its picture supports). Its room's debrief must be clean; `easi lint` checks that it is.
"""

from __future__ import annotations

import random

from facilitation.content import Snapshot, reference
from facilitation.play.picture import Ledger, RolePicture
from facilitation.play.records import (
    FactDecision,
    Participant,
    StageDecision,
    Submission,
    WorkshopRecord,
)
from facilitation.play.verdicts import acceptable_reasons

__all__ = ["decide", "follow_guidance", "guidance_record"]

# Chance of sending a fact to a role that needs it, by the level at which the agency acts (acts_at).
_BASE_SHARE = {1: 0.85, 2: 0.7, 3: 0.55, 4: 0.4}
_OVERSHARE_AVOID = 0.08  # to a role guidance says should not have it
_OVERSHARE_OTHER = 0.04  # to a role guidance does not mention
_TELL_FAMILY = {"not_required": 0.25, "seek_unless_unsafe": 0.6, "required": 0.9, "contested": 0.5}


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def decide(
    snapshot: Snapshot, role_id: str, picture: RolePicture, stage_index: int, rng: random.Random
) -> StageDecision:
    """What a simulated participant playing `role_id` decides at `stage_index`, given its picture."""
    role = snapshot.roles[role_id]
    scenario = snapshot.scenario
    ref = reference()
    acts_at = role.threshold.acts_at
    facts = {fact.id: fact for fact in scenario.facts}
    others = [other for other in snapshot.role_ids if other != role_id]
    barriers = [c.barrier for c in role.constraints if c.barrier in ref.barriers] or ["process"]
    gateways = [gateway for gateway in role.gateways if gateway in ref.gateways]
    # A picture at or past the agency's own threshold makes it act; below it, each level short holds it back.
    urgency = 0.2 if picture.level >= acts_at else -0.1 * (acts_at - picture.level)
    entries = []
    for fact_id, known in picture.facts.items():
        fact = facts[fact_id]
        chance = _BASE_SHARE[acts_at] + urgency + 0.05 * fact.weight
        if not known.own:
            chance *= 0.6  # "someone else will have passed it on"
        chance = _clamp(chance, 0.02, 0.97)
        needs_it = set(fact.guidance.share_with) | {scenario.lead_role}
        share_with, withheld = [], False
        for other in others:
            if other in needs_it:
                if rng.random() < chance:
                    share_with.append(other)
                else:
                    withheld = True
            elif rng.random() < (
                _OVERSHARE_AVOID if other in fact.guidance.avoid else _OVERSHARE_OTHER
            ):
                share_with.append(other)
        cited = (
            tuple(rng.sample(barriers, min(len(barriers), 1 if rng.random() < 0.7 else 2)))
            if withheld
            else ()
        )
        gateway = rng.choice(gateways) if share_with and gateways and rng.random() < 0.8 else None
        entries.append(
            FactDecision(
                fact_id=fact_id,
                share_with=tuple(share_with),
                gateway=gateway,
                tell_family=rng.random() < _TELL_FAMILY[fact.guidance.consent],
                barriers=cited,
            )
        )
    level = int(_clamp(picture.level + rng.choice((-1, 0, 0, 1)), 1, 4))
    return StageDecision(
        facts=tuple(entries),
        level=level,
        action=_action(level, acts_at, rng),
        confidence=rng.randint(2, 5),
    )


def _action(level: int, acts_at: int, rng: random.Random) -> str:
    if level >= acts_at:
        return "strategy_discussion" if level == 4 and rng.random() < 0.5 else "refer"
    return rng.choice(
        {
            1: ("no_action", "record_only"),
            2: ("monitor", "early_help"),
            3: ("early_help", "monitor"),
        }[level]
    )


def follow_guidance(snapshot: Snapshot, role_id: str, picture: RolePicture) -> StageDecision:
    """What a practitioner who follows guidance exactly decides, given its picture at a stage."""
    scenario = snapshot.scenario
    in_play = set(snapshot.role_ids) - {role_id}
    facts = {fact.id: fact for fact in scenario.facts}
    order = list(reference().reasons)
    entries = []
    for fact_id, known in picture.facts.items():
        fact = facts[fact_id]
        if not known.own:
            entries.append(FactDecision(fact_id=fact_id))  # kept within the agency
            continue
        guidance = fact.guidance
        recipients = tuple(r for r in guidance.recipients if r in in_play)
        chosen = {r: _best_reason(acceptable_reasons(fact, r), order) for r in recipients}
        common = max(chosen.values(), key=list(chosen.values()).count) if chosen else None
        entries.append(
            FactDecision(
                fact_id=fact_id,
                share_with=recipients,
                reason=common,
                reasons={r: reason for r, reason in chosen.items() if reason != common},
                concern_only=tuple(r for r in recipients if guidance.detail_for(r) == "concern"),
                tell_family=guidance.family == "yes",
            )
        )
    level = picture.level
    acts_at = snapshot.roles[role_id].threshold.acts_at
    return StageDecision(
        facts=tuple(entries),
        level=level,
        action="refer" if level >= acts_at else "monitor",
        confidence=4,
    )


def _best_reason(acceptable: frozenset[str], order: list[str]) -> str:
    """The first acceptable reason in reference order; "not sure" when guidance accepts none."""
    return next((reason for reason in order if reason in acceptable), "not_sure")


def guidance_record(snapshot: Snapshot, per_role: int = 1) -> WorkshopRecord:
    """A whole workshop, every stage revealed, played by `per_role` guidance-following participants in
    each role in play (`follow_guidance`): the best possible room, built without a store."""
    people = [
        Participant(id=n, role_id=role_id, display_name=f"{role_id} {copy + 1}", simulated=True)
        for n, (role_id, copy) in enumerate(
            ((role_id, copy) for role_id in snapshot.role_ids for copy in range(per_role)), start=1
        )
    ]
    submissions: list[Submission] = []
    for stage in range(len(snapshot.scenario.stages)):
        ledger = Ledger(snapshot, submissions, stage - 1)
        submissions += [
            Submission(
                participant_id=person.id,
                role_id=person.role_id,
                stage_index=stage,
                decision=follow_guidance(
                    snapshot, person.role_id, ledger.picture(person.role_id, stage)
                ),
            )
            for person in people
        ]
    return WorkshopRecord(
        code="GUIDED",
        created_at="2000-01-01T00:00:00+00:00",
        snapshot=snapshot,
        participants=tuple(people),
        submissions=tuple(submissions),
        revealed_through=len(snapshot.scenario.stages) - 1,
    )
