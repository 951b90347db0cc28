"""The rules of the game, pure: decision records, the picture each agency holds, and the bots.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.play.bots import decide
from facilitation.play.evaluation import (
    DEFAULT_EFFECT,
    EvaluationRecord,
    PlannedAction,
    Respondent,
    RoomAgreement,
    SimulatedEffect,
    agency_of,
    simulated_answers,
)
from facilitation.play.picture import (
    ActStages,
    Ledger,
    Receipt,
    RolePicture,
    act_stages,
    level_for,
    whole_picture,
)
from facilitation.play.records import (
    FactDecision,
    Participant,
    StageDecision,
    Submission,
    WorkshopRecord,
)

__all__ = [
    "DEFAULT_EFFECT",
    "ActStages",
    "EvaluationRecord",
    "FactDecision",
    "Ledger",
    "Participant",
    "PlannedAction",
    "Receipt",
    "Respondent",
    "RolePicture",
    "RoomAgreement",
    "SimulatedEffect",
    "StageDecision",
    "Submission",
    "WorkshopRecord",
    "act_stages",
    "agency_of",
    "decide",
    "level_for",
    "simulated_answers",
    "whole_picture",
]
