"""Pure functions of a workshop record: the debrief, a participant's own feedback, and
the teachability lint of a scenario.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.analysis.debrief import (
    BEHAVIOURS,
    CLASSIFICATION_RULE,
    Behaviour,
    CouldHaveActed,
    Debrief,
    DecisionRow,
    FactGuidance,
    Flow,
    Jigsaw,
    JigsawCell,
    Judgement,
    LateFact,
    PictureShare,
    SharingCounts,
    Split,
    StageView,
    analyse,
    decision_rows,
)
from facilitation.analysis.guidance_room import problems as guidance_problems
from facilitation.analysis.teachability import CHECKS, LintWarning, lint

__all__ = [
    "BEHAVIOURS",
    "CHECKS",
    "CLASSIFICATION_RULE",
    "Behaviour",
    "CouldHaveActed",
    "Debrief",
    "DecisionRow",
    "FactGuidance",
    "Flow",
    "Jigsaw",
    "JigsawCell",
    "Judgement",
    "LateFact",
    "LintWarning",
    "PictureShare",
    "SharingCounts",
    "Split",
    "StageView",
    "analyse",
    "decision_rows",
    "guidance_problems",
    "lint",
]
