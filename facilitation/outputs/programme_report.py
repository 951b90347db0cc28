"""The programme view as text (for `easi programme`), as long rows (CSV) and as JSON.

Every renderer reads the same `programme_rows`, so the three always agree; a suppressed cell (fewer than
five people) is written "<5" in text and CSV and null in JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict

from facilitation.analysis import (
    BEHAVIOURS,
    MIN_CELL,
    TOO_FEW,
    PairedChange,
    Programme,
    Trend,
    describe,
    format_p,
)

__all__ = [
    "PROGRAMME_COLUMNS",
    "PROGRAMME_FORMAT",
    "programme_csv",
    "programme_json",
    "programme_rows",
    "programme_text",
]

PROGRAMME_COLUMNS = ("section", "key", "measure", "value", "n")
PROGRAMME_FORMAT = "easi-programme/1"
SUPPRESSED = f"<{MIN_CELL}"


def _shown(value: object) -> object:
    return SUPPRESSED if value is None else value


def _change_rows(section: str, key: str, c: PairedChange) -> Iterator[dict]:
    if not c.enough:
        yield {"section": section, "key": key, "measure": "change", "value": TOO_FEW, "n": c.n}
        return
    for measure in ("before", "after", "change", "ci_low", "ci_high", "d_z", "p"):
        value = getattr(c, measure)
        yield {
            "section": section,
            "key": key,
            "measure": measure,
            "value": None if value is None else round(value, 4),
            "n": c.n,
        }


def _trend_rows(key: str, t: Trend) -> Iterator[dict]:
    if t.slope_per_30_days is None:
        yield {
            "section": "trend",
            "key": key,
            "measure": "slope_per_30_days",
            "value": TOO_FEW,
            "n": t.n,
        }
        return
    for measure in ("slope_per_30_days", "ci_low", "ci_high", "p"):
        yield {
            "section": "trend",
            "key": key,
            "measure": measure,
            "value": round(getattr(t, measure), 4),
            "n": t.n,
        }


def programme_rows(p: Programme) -> list[dict]:
    """The whole view as long rows: section, key, measure, value, n (value None: fewer than 5 people)."""
    rows: list[dict] = [
        {"section": "total", "key": "all", "measure": "workshops", "value": p.workshops, "n": None},
        {"section": "total", "key": "all", "measure": "people", "value": p.people, "n": None},
    ]
    for section, table in (
        ("month", p.by_month),
        ("scenario", p.by_scenario),
        ("audience", p.by_audience),
        ("agency", p.by_agency),
    ):
        for row in table:
            rows.append(
                {
                    "section": section,
                    "key": row.key,
                    "measure": "workshops",
                    "value": row.workshops,
                    "n": None,
                }
            )
            rows.append(
                {
                    "section": section,
                    "key": row.key,
                    "measure": "people",
                    "value": row.people,
                    "n": None,
                }
            )
    for month in p.months:
        for behaviour, count in month.behaviours.items():
            rows.append(
                {
                    "section": "behaviour",
                    "key": month.month,
                    "measure": behaviour,
                    "value": count,
                    "n": month.people,
                }
            )
        rows.append(
            {
                "section": "barriers",
                "key": month.month,
                "measure": "per_100_decisions",
                "value": month.barriers_per_100,
                "n": month.decisions,
            }
        )
    for myth in p.myths:
        rows.append(
            {
                "section": "myths",
                "key": myth.code,
                "measure": "citations",
                "value": myth.myths,
                "n": myth.people,
            }
        )
        rows.append(
            {
                "section": "myths",
                "key": myth.code,
                "measure": "per_100_decisions",
                "value": myth.myths_per_100,
                "n": myth.people,
            }
        )
    rows += _change_rows("confidence", "pooled", p.confidence)
    rows += _change_rows("knowledge", "pooled", p.knowledge)
    for month, change in p.confidence_by_month:
        rows += _change_rows("confidence", month, change)
    for month, change in p.knowledge_by_month:
        rows += _change_rows("knowledge", month, change)
    rows += _trend_rows("confidence", p.confidence_trend)
    rows += _trend_rows("knowledge", p.knowledge_trend)
    rows.append(
        {
            "section": "follow_up",
            "key": "all",
            "measure": "response_rate",
            "value": None if p.follow_up_rate is None else round(p.follow_up_rate, 4),
            "n": p.follow_up_links if p.follow_up_links >= MIN_CELL else None,
        }
    )
    return rows


def programme_csv(p: Programme) -> str:
    """The long rows as CSV (columns `PROGRAMME_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PROGRAMME_COLUMNS)
    for row in programme_rows(p):
        writer.writerow(
            [
                _shown(row["value"])
                if column == "value"
                else ("" if row[column] is None else row[column])
                for column in PROGRAMME_COLUMNS
            ]
        )
    return out.getvalue()


def programme_json(p: Programme) -> str:
    """The filters and the long rows as JSON (format `PROGRAMME_FORMAT`)."""
    document = {
        "format": PROGRAMME_FORMAT,
        "filters": asdict(p.filters),
        "questionnaire": p.questionnaire,
        "minimum_cell": MIN_CELL,
        "rows": programme_rows(p),
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(str(line[i])) for line in [headers, *rows]) for i in range(len(headers))]
    return [
        "  "
        + "  ".join(
            str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths))
        )
        for line in [headers, *rows]
    ]


def _trend_text(t: Trend, unit: str) -> str:
    if t.slope_per_30_days is None:
        return f"{TOO_FEW} (n {t.n})"
    return (
        f"{t.slope_per_30_days:+.2f}{unit} per 30 days (95% CI {t.ci_low:+.2f} to {t.ci_high:+.2f}), "
        f"p {format_p(t.p)}, n {t.n}"
    )


def programme_text(p: Programme) -> str:
    """The programme view as plain text, section by section."""
    f = p.filters
    scope = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("from", f.date_from),
            ("to", f.date_to),
            ("scenario", f.scenario),
            ("audience", f.audience),
            ("agency", f.agency),
        )
        if value
    )
    lines = [
        f"Programme: {p.workshops} workshops, {_shown(p.people)} people"
        + (f" ({scope})" if scope else "")
        + ("" if f.include_simulated else "; simulated participants left out"),
        f"No cell shows fewer than {MIN_CELL} people ('{SUPPRESSED}').",
        "",
    ]
    for title, table in (
        ("By month", p.by_month),
        ("By scenario", p.by_scenario),
        ("By audience", p.by_audience),
        ("By agency", p.by_agency),
    ):
        lines.append(title)
        lines += _table(
            ["", "workshops", "people"],
            [[r.key, str(r.workshops), str(_shown(r.people))] for r in table],
        )
        lines.append("")
    lines.append("Behaviour mix (people) and barriers per 100 decisions, by month")
    lines += _table(
        ["month", *BEHAVIOURS, "barriers/100"],
        [
            [
                m.month,
                *(str(_shown(m.behaviours.get(b))) for b in BEHAVIOURS),
                str(_shown(m.barriers_per_100)),
            ]
            for m in p.months
        ],
    )
    lines += ["", "Myths in action, by workshop"]
    lines += _table(
        ["workshop", "date", "scenario", "people", "myths", "per 100 decisions"],
        [
            [
                m.code,
                m.date,
                m.scenario_id,
                str(_shown(m.people)),
                str(_shown(m.myths)),
                str(_shown(m.myths_per_100)),
            ]
            for m in p.myths
        ],
    )
    lines += [
        "",
        f"Confidence, pooled (1-5): {describe(p.confidence)}",
        f"Knowledge, pooled (% right): {describe(p.knowledge, '%')}",
        "By month:",
    ]
    for (month, c), (_, k) in zip(p.confidence_by_month, p.knowledge_by_month):
        lines.append(f"  {month}  confidence {describe(c)}; knowledge {describe(k, '%')}")
    lines += [
        f"Trend in the confidence change: {_trend_text(p.confidence_trend, '')}",
        f"Trend in the knowledge change: {_trend_text(p.knowledge_trend, ' points')}",
        "",
        "Follow-up: "
        + (
            f"{p.follow_up_answered} of {p.follow_up_links} links answered ({p.follow_up_rate:.0%})"
            if p.follow_up_rate is not None
            else f"fewer than {MIN_CELL} links issued"
        ),
        f"Questionnaire {p.questionnaire}"
        + (f"; {p.other_versions} answers to other versions left out" if p.other_versions else ""),
    ]
    return "\n".join(lines) + "\n"
