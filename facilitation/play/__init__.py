"""The rules of the game, pure: decision records, the picture each agency holds, and the bots.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.play.bots import decide
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
    "ActStages",
    "FactDecision",
    "Ledger",
    "Participant",
    "Receipt",
    "RolePicture",
    "StageDecision",
    "Submission",
    "WorkshopRecord",
    "act_stages",
    "decide",
    "level_for",
    "whole_picture",
]
