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
from facilitation.analysis.perspectives import (
    CLUSTERS,
    ConstraintView,
    FrontDoorStage,
    Perspective,
    Rung,
    constraint_clusters,
    front_door,
    perspectives,
    threshold_ladder,
)
from facilitation.analysis.teachability import CHECKS, LintWarning, lint

__all__ = [
    "BEHAVIOURS",
    "CHECKS",
    "CLASSIFICATION_RULE",
    "CLUSTERS",
    "Behaviour",
    "ConstraintView",
    "CouldHaveActed",
    "Debrief",
    "DecisionRow",
    "FactGuidance",
    "Flow",
    "FrontDoorStage",
    "Jigsaw",
    "JigsawCell",
    "Judgement",
    "LateFact",
    "LintWarning",
    "Perspective",
    "PictureShare",
    "Rung",
    "SharingCounts",
    "Split",
    "StageView",
    "analyse",
    "constraint_clusters",
    "decision_rows",
    "front_door",
    "lint",
    "perspectives",
    "threshold_ladder",
]
