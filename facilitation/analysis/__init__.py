"""Pure functions of a workshop record: the debrief, a participant's own feedback, and
the teachability lint of a scenario.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.analysis.teachability import CHECKS, LintWarning, lint
from facilitation.analysis.debrief import (
    BEHAVIOURS,
    Behaviour,
    CLASSIFICATION_RULE,
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

__all__ = [
    "CHECKS",
    "LintWarning",
    "lint",
    "BEHAVIOURS",
    "Behaviour",
    "CLASSIFICATION_RULE",
    "CouldHaveActed",
    "Debrief",
    "DecisionRow",
    "FactGuidance",
    "Flow",
    "Jigsaw",
    "JigsawCell",
    "Judgement",
    "LateFact",
    "PictureShare",
    "SharingCounts",
    "Split",
    "StageView",
    "analyse",
    "decision_rows",
]
