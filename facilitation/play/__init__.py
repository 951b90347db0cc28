"""The rules of the game, pure: decision records, the picture each agency holds, and the bots.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.play.bots import decide, follow_guidance, guidance_record
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
    "ActStages",
    "FactDecision",
    "Ledger",
    "Participant",
    "Receipt",
    "RolePicture",
    "StageDecision",
    "Submission",
    "WorkshopRecord",
    "acceptable_reasons",
    "act_stages",
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
    "whole_picture",
]
