"""What the evaluation records, as plain data: each respondent's answers before, after and at follow-up,
the room's agreed levels and the improvement plan; and how a simulated participant answers.

The engine stores and reads these; `analysis.evaluation` computes from them. No database, no clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pydantic import Field

from facilitation.content import Answers, LevelNumber, Questionnaire, Role, Strict

__all__ = [
    "DEFAULT_EFFECT",
    "EvaluationRecord",
    "PlannedAction",
    "Respondent",
    "RoomAgreement",
    "SimulatedEffect",
    "agency_of",
    "simulated_answers",
]


def agency_of(role: Role | None, role_id: str) -> str:
    """The agency a role counts under in the evaluation: its `agency:` kind where the role file gives one
    (the teaching model's field), else the role id."""
    return getattr(role, "agency", None) or role_id


class Respondent(Strict):
    """One participant's questionnaires. `None` where not answered; `*_skipped` where they chose to skip."""

    participant_id: int
    role_id: str
    agency: str = Field(description="The role's agency kind where the role gives one, else its id.")
    simulated: bool = False
    pre: Answers | None = None
    pre_skipped: bool = False
    post: Answers | None = None
    post_skipped: bool = False
    follow_up: Answers | None = None
    follow_up_days: float | None = Field(
        None, description="Days from the post measure (or the workshop) to the follow-up answer."
    )
    follow_up_link: bool = Field(False, description="A follow-up link was issued for this seat.")


class RoomAgreement(Strict):
    """The level of need the room agreed the combined picture had reached after a stage's reveal."""

    stage_index: int
    level: LevelNumber
    note: str = ""


class PlannedAction(Strict):
    """One improvement-plan action (HSEEP's improvement plan): what, which agency owns it, by when."""

    id: int
    action: str
    owner_agency: str
    due: str = Field(description="ISO date, YYYY-MM-DD.")


class EvaluationRecord(Strict):
    """Everything the evaluation of one workshop needs besides its `WorkshopRecord`."""

    form: Questionnaire
    respondents: tuple[Respondent, ...] = ()
    agreements: tuple[RoomAgreement, ...] = ()
    plan: tuple[PlannedAction, ...] = ()


@dataclass(frozen=True)
class SimulatedEffect:
    """How simulated participants change: points gained on the 1-5 scale after the day (confidence),
    how much lower the retrospective pre sits than the true pre (response shift), and the chance that a
    wrong knowledge answer becomes right."""

    confidence_gain: float = 0.8
    response_shift: float = 0.4
    knowledge_gain: float = 0.5
    follow_up_fade: float = 0.3  # the part of the confidence gain lost by the follow-up


DEFAULT_EFFECT = SimulatedEffect()


def simulated_answers(
    form: Questionnaire, seed: int, moment: str, effect: SimulatedEffect = DEFAULT_EFFECT
) -> Answers:
    """A simulated participant's answers at `moment`, repeatable from `seed`: the same seed gives the
    same person at every moment, so that pre, post and follow-up pair up with the chosen effect."""
    person = random.Random(f"evaluation:{seed}")
    baseline = {item.id: person.gauss(2.8, 0.8) for item in form.confidence}
    knows = {item.id: person.random() < 0.55 for item in form.knowledge}
    learns = {item.id: person.random() < effect.knowledge_gain for item in form.knowledge}
    noise = random.Random(f"evaluation:{seed}:{moment}")
    gain = {"pre": 0.0, "post": effect.confidence_gain}.get(
        moment, effect.confidence_gain * (1 - effect.follow_up_fade)
    )

    def score(value: float) -> int:
        return min(5, max(1, round(value + noise.gauss(0, 0.4))))

    confidence = {item_id: score(base + gain) for item_id, base in baseline.items()}
    retrospective = (
        {item_id: score(base - effect.response_shift) for item_id, base in baseline.items()}
        if moment == "post"
        else {}
    )
    knowledge = {}
    for item in form.knowledge:
        right = knows[item.id] or (moment != "pre" and learns[item.id])
        if not right and noise.random() < 0.3:
            knowledge[item.id] = "not_sure"
        else:
            knowledge[item.id] = "true" if item.answer == right else "false"
    return Answers(
        confidence=confidence,
        retrospective=retrospective,
        knowledge=knowledge,
        used_at_work=(
            ("yes", "no", "no_chance")[noise.randrange(3)] if moment == "follow_up" else None
        ),
    )
