"""What people take away: the report document, its renderers (Markdown, HTML, PDF, CSV, JSON) and the charts.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.outputs.charts import (
    barrier_chart,
    fact_key_rows,
    flow_chart,
    jigsaw_chart,
    judgement_chart,
    picture_share_chart,
)
from facilitation.outputs.report import render, warm_up

__all__ = [
    "barrier_chart",
    "fact_key_rows",
    "flow_chart",
    "jigsaw_chart",
    "judgement_chart",
    "picture_share_chart",
    "render",
    "warm_up",
]
