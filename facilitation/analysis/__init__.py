"""Pure functions of a workshop record: the debrief, a participant's own feedback, and
the teachability lint of a scenario.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.analysis.debrief import (
    BEHAVIOURS,
    CLASSIFICATION_RULE,
    PRIVACY_MIN,
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
    attributed,
    decision_rows,
)
from facilitation.analysis.feedback import Feedback, feedback
from facilitation.analysis.guidance_room import problems as guidance_problems
from facilitation.analysis.law_layers import (
    LAW_COMMISSION,
    LAYER_QUESTIONS,
    LawPanel,
    LayerRow,
    law_layers,
    panel_fact,
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
    "LAW_COMMISSION",
    "LAYER_QUESTIONS",
    "PRIVACY_MIN",
    "Behaviour",
    "ConstraintView",
    "CouldHaveActed",
    "Debrief",
    "DecisionRow",
    "FactGuidance",
    "Feedback",
    "Flow",
    "FrontDoorStage",
    "Jigsaw",
    "JigsawCell",
    "Judgement",
    "LateFact",
    "LawPanel",
    "LayerRow",
    "LintWarning",
    "Perspective",
    "PictureShare",
    "Rung",
    "SharingCounts",
    "Split",
    "StageView",
    "analyse",
    "attributed",
    "constraint_clusters",
    "decision_rows",
    "feedback",
    "front_door",
    "guidance_problems",
    "law_layers",
    "lint",
    "panel_fact",
    "perspectives",
    "threshold_ladder",
]
