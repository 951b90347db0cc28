"""The rules of the game, pure: decision records, the picture each agency holds, and the bots.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.play.bots import decide, follow_guidance, guidance_record
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
from facilitation.play.verdicts import (
    BASIS_KINDS,
    acceptable_reasons,
    basis_verdict,
    detail_verdict,
    discussion_points,
    family_verdict,
    level_verdict,
    myths_for,
    picture_level,
    share_verdict,
)

__all__ = [
    "BASIS_KINDS",
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
    "acceptable_reasons",
    "act_stages",
    "agency_of",
    "basis_verdict",
    "decide",
    "detail_verdict",
    "discussion_points",
    "family_verdict",
    "follow_guidance",
    "guidance_record",
    "level_for",
    "level_verdict",
    "myths_for",
    "picture_level",
    "share_verdict",
    "simulated_answers",
    "whole_picture",
]
