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
from facilitation.outputs.evaluation_report import (
    ANSWER_COLUMNS,
    EvaluationReport,
    answers_csv,
    evaluation_report,
    follow_up_csv,
    section_blocks,
    what_changed_chart,
    what_changed_rows,
)
from facilitation.outputs.export_schema import debrief_schema, debrief_schema_text
from facilitation.outputs.programme_report import (
    PROGRAMME_COLUMNS,
    programme_csv,
    programme_json,
    programme_rows,
    programme_text,
)
from facilitation.outputs.report import render, warm_up

__all__ = [
    "ANSWER_COLUMNS",
    "PROGRAMME_COLUMNS",
    "EvaluationReport",
    "answers_csv",
    "barrier_chart",
    "debrief_schema",
    "debrief_schema_text",
    "evaluation_report",
    "fact_key_rows",
    "flow_chart",
    "follow_up_csv",
    "jigsaw_chart",
    "judgement_chart",
    "picture_share_chart",
    "programme_csv",
    "programme_json",
    "programme_rows",
    "programme_text",
    "render",
    "section_blocks",
    "warm_up",
    "what_changed_chart",
    "what_changed_rows",
]
