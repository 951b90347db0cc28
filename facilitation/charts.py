"""Altair charts of a debrief, made to be read from the back of a room.

Pure: each `*_chart` function takes a `facilitation.debrief.Debrief` (and optionally a stage index) and
returns an Altair chart; each `*_rows` function returns the plain rows the chart draws (for a table
beside it, or a test). No Streamlit here: the projector page calls, for instance,
`st.altair_chart(jigsaw_chart(analysis, stage=i))`.

Legibility rules every chart follows:
- big type (`FONT` points and up) and chunky marks;
- colour-blind-safe colours: Okabe & Ito's palette, or a role's own `colour`, or a one-hue scale;
- nothing carried by colour alone: every mark has a text label (a cell's state, a count, "myth").

`stage=None` means the whole workshop for flows and barriers, and the last analysed stage for the
jigsaw, picture shares and judgement spread (which only make sense at one point in time).
"""

from __future__ import annotations

from typing import Any

import altair as alt

from facilitation.debrief import Debrief, Jigsaw, Judgement, StageView
from facilitation.reference import reference

__all__ = [
    "FONT",
    "STATE_COLOURS",
    "barrier_chart",
    "barrier_rows",
    "flow_chart",
    "flow_rows",
    "jigsaw_chart",
    "jigsaw_rows",
    "judgement_chart",
    "judgement_rows",
    "legible",
    "picture_share_chart",
    "picture_share_rows",
]

FONT = 18  # points: the smallest text on any chart
# Okabe-Ito blue, orange and a light grey: told apart with any colour-vision deficiency, and each cell
# says its state in words as well.
STATE_COLOURS = {"own": "#0072B2", "received": "#E69F00", "unknown": "#EEEEEE"}
STATE_TEXT_COLOURS = {"own": "#FFFFFF", "received": "#000000", "unknown": "#555555"}
_MYTH, _OTHER = "#D55E00", "#0072B2"  # Okabe-Ito vermillion and blue
_CELL_WIDTH, _ROW_HEIGHT = 120, 56


def legible(chart: Any, title: str | None = None) -> Any:
    """`chart` with projector-sized type, no frame, and an optional title."""
    if title:
        chart = chart.properties(title=alt.TitleParams(title, fontSize=FONT + 8, anchor="start"))
    return (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT + 2, labelLimit=320, titlePadding=12)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, symbolSize=300, labelLimit=400)
        .configure_header(labelFontSize=FONT, titleFontSize=FONT + 2)
        .configure_view(strokeWidth=0)
    )


# ------------------------------------------------------------------------------------------ jigsaw


def jigsaw_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """One row per role and fact: state, label (what the cell says) and who sent it when."""
    jigsaw = _jigsaw(analysis, stage)
    if jigsaw is None:
        return []
    rows = []
    for cell in jigsaw.cells:
        senders = [analysis.short(role) for role in cell.senders]
        if cell.state == "own":
            label = "holds"
        elif cell.state == "received":
            first = cell.received[0]
            more = f" +{len(senders) - 1}" if len(senders) > 1 else ""
            label = f"from {senders[0]}{more}\nstage {first.stage_index + 1}"
        else:
            label = "\u2014"
        rows.append({
            "role": analysis.short(cell.role_id),
            "fact": analysis.fact(cell.fact_id).label,
            "fact_text": analysis.fact(cell.fact_id).text,
            "state": cell.state,
            "label": label,
            "from": ", ".join(f"{analysis.short(r.from_role)} (stage {r.stage_index + 1})" for r in cell.received),
        })
    return rows


def jigsaw_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Roles x facts once the stage is revealed: each cell holds / received from whom / unknown."""
    rows = jigsaw_rows(analysis, stage)
    jigsaw = _jigsaw(analysis, stage)
    roles = [analysis.short(r) for r in jigsaw.role_ids] if jigsaw else []
    facts = [analysis.fact(f).label for f in jigsaw.fact_ids] if jigsaw else []
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("fact:N", sort=facts, title=None, axis=alt.Axis(orient="top", labelAngle=-30)),
        y=alt.Y("role:N", sort=roles, title=None),
    )
    cells = base.mark_rect(stroke="#FFFFFF", strokeWidth=3).encode(
        color=alt.Color("state:N", title="Cell", scale=alt.Scale(domain=list(STATE_COLOURS),
                                                                 range=list(STATE_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", labelExpr=_STATE_LEGEND)),
        tooltip=["role:N", "fact_text:N", "state:N", "from:N"],
    )
    text = base.mark_text(fontSize=FONT - 2, lineBreak="\n", fontWeight="bold").encode(
        text="label:N",
        color=alt.Color("state:N", scale=alt.Scale(domain=list(STATE_TEXT_COLOURS),
                                                   range=list(STATE_TEXT_COLOURS.values())), legend=None),
    )
    chart = (cells + text).properties(width=_CELL_WIDTH * max(len(facts), 1), height=_ROW_HEIGHT * max(len(roles), 1))
    return legible(chart, _title("Who knew what", analysis, jigsaw.stage_index if jigsaw else None))


_STATE_LEGEND = ("datum.label == 'own' ? 'holds it (own)' : datum.label == 'received' ? 'received it' : "
                 "'does not know it'")


def picture_share_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """Each role's share of the whole picture (by weight and by count), and the whole itself."""
    jigsaw = _jigsaw(analysis, stage)
    if jigsaw is None:
        return []
    rows = []
    for share in jigsaw.shares:
        role = analysis.role(share.role_id)
        rows.append({
            "role": role.short_name + (" (lead)" if role.lead else ""),
            "colour": role.colour,
            "weight": share.weight,
            "count": share.count,
            "weight_share": round(share.weight_share, 4),
            "count_share": round(share.count_share, 4),
            "level": share.level,
            "label": f"{share.weight_share:.0%} of the weight, {share.count} of {share.whole_count} facts "
                     f"(level {share.level})",
        })
    return rows


def picture_share_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Bars: how much of the whole picture each role held once the stage was revealed."""
    rows = picture_share_rows(analysis, stage)
    jigsaw = _jigsaw(analysis, stage)
    order = [row["role"] for row in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("role:N", sort=order, title=None))
    bars = base.mark_bar(height=_ROW_HEIGHT - 16).encode(
        x=alt.X("weight_share:Q", title="Share of the whole picture (by weight)",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", tickCount=5)),
        color=alt.Color("role:N", sort=order, legend=None,
                        scale=alt.Scale(domain=order, range=[row["colour"] for row in rows])),
        tooltip=["role:N", "weight:Q", "count:Q", "level:O"],
    )
    text = base.mark_text(align="left", dx=8, fontSize=FONT).encode(x="weight_share:Q", text="label:N")
    chart = (bars + text).properties(width=900, height=_ROW_HEIGHT * max(len(rows), 1))
    return legible(chart, _title("Share of the whole picture", analysis, jigsaw.stage_index if jigsaw else None))


# ------------------------------------------------------------------------------------------- flows


def flow_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """Every sender x recipient pair of roles (zeros included, so the matrix is whole)."""
    flows = analysis.flows if stage is None else analysis.stage(stage).flows
    rows = []
    for sender in flows.role_ids:
        for recipient in flows.role_ids:
            if sender == recipient:
                continue
            flow = flows.between(sender, recipient)
            rows.append({
                "sender": analysis.short(sender),
                "recipient": analysis.short(recipient),
                "shares": flow.shares,
                "facts": flow.facts,
                "label": f"{flow.shares}\n{flow.facts} fact{'s' if flow.facts != 1 else ''}" if flow.shares else "0",
            })
    return rows


def flow_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Sender (rows) x recipient (columns): how many shares, and of how many distinct facts."""
    rows = flow_rows(analysis, stage)
    roles = [analysis.short(r) for r in analysis.flows.role_ids]
    top = max((row["shares"] for row in rows), default=0) or 1
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("recipient:N", sort=roles, title="shared with", axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("sender:N", sort=roles, title="shared by"),
    )
    cells = base.mark_rect(stroke="#FFFFFF", strokeWidth=3).encode(
        color=alt.Color("shares:Q", title="Shares", scale=alt.Scale(scheme="blues", domain=[0, top]), legend=None),
        tooltip=["sender:N", "recipient:N", "shares:Q", "facts:Q"],
    )
    # Dark text on pale cells, white on dark ones: readable whatever the count.
    text = base.mark_text(fontSize=FONT, lineBreak="\n", fontWeight="bold").encode(
        text="label:N",
        color=alt.condition(f"datum.shares > {top / 2}", alt.value("#FFFFFF"), alt.value("#000000")),
    )
    chart = (cells + text).properties(width=_CELL_WIDTH * max(len(roles), 1), height=_ROW_HEIGHT * max(len(roles), 1))
    return legible(chart, _title("Who shared with whom", analysis, stage, whole=stage is None))


# --------------------------------------------------------------------------------------- judgement


def judgement_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """Per role: each level chosen with how many chose it, and the level its picture supported."""
    view = _stage_view(analysis, stage)
    if view is None:
        return []
    rows = []
    for judgement in view.judgements:
        role = analysis.short(judgement.role_id)
        for level, count in judgement.level_counts.items():
            if count:
                rows.append({"role": role, "level": level, "count": count, "kind": "chosen by participants",
                             "label": f"{count}"})
        rows.append({"role": role, "level": judgement.supported, "count": 0,
                     "kind": "supported by the picture", "label": _supported_label(judgement)})
    return rows


def judgement_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Levels of need chosen by each role's participants (circles sized and labelled by count) against
    the level its picture supported (a hollow diamond)."""
    rows = judgement_rows(analysis, stage)
    view = _stage_view(analysis, stage)
    roles = [analysis.short(r.id) for r in analysis.roles]
    chosen = [row for row in rows if row["kind"] == "chosen by participants"]
    supported = [row for row in rows if row["kind"] != "chosen by participants"]
    levels = alt.X("level:O", scale=alt.Scale(domain=[1, 2, 3, 4]), title="Level of need",
                   axis=alt.Axis(labelAngle=0, labelExpr=_level_expr(analysis)))
    y = alt.Y("role:N", sort=roles, title=None)
    dots = alt.Chart(alt.Data(values=chosen)).mark_circle(color="#333333", opacity=0.85).encode(
        x=levels, y=y,
        size=alt.Size("count:Q", scale=alt.Scale(range=[400, 2400]), legend=None),
        tooltip=["role:N", "level:O", "count:Q"],
    )
    counts = alt.Chart(alt.Data(values=chosen)).mark_text(fontSize=FONT, fontWeight="bold", color="#FFFFFF").encode(
        x=levels, y=y, text="label:N")
    marker = alt.Chart(alt.Data(values=supported)).mark_point(
        shape="diamond", size=1600, filled=False, strokeWidth=4, color="#000000").encode(
        x=levels, y=y, tooltip=["role:N", "level:O", "label:N"])
    marker_text = alt.Chart(alt.Data(values=supported)).mark_text(
        fontSize=FONT - 2, dy=-34, color="#000000").encode(x=levels, y=y, text=alt.value("picture"))
    chart = (marker + dots + counts + marker_text).properties(width=760, height=(_ROW_HEIGHT + 20) * max(len(roles), 1))
    return legible(chart, _title("Level of need: chosen (circles, count) vs. supported by the picture (\u25c7)",
                                 analysis, view.index if view else None))


def _supported_label(judgement: Judgement) -> str:
    return f"the picture supported level {judgement.supported} (weight {judgement.supported_weight})"


def _level_expr(analysis: Debrief) -> str:
    """Axis labels "3 Child in need" for the scenario's audience (trainer-free reference text)."""
    labels = {n: level.label for n, level in reference().levels_for(analysis.audience).items()}
    cases = " : ".join(f"datum.value == {n} ? '{n} {label}'" for n, label in labels.items())
    return f"{cases} : datum.value" if cases else "datum.value"


# ---------------------------------------------------------------------------------------- barriers


def barrier_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """Each barrier cited, most cited first, with its sentence and whether it is a myth."""
    barriers = analysis.barriers if stage is None else analysis.stage(stage).barriers
    myth_ids = {m.barrier_id for m in barriers.myths}
    return [
        {
            "barrier": count.label + (" (myth here)" if count.barrier_id in myth_ids else ""),
            "sentence": count.sentence,
            "count": count.count,
            "kind": "myth: consent or law wrongly cited" if count.barrier_id in myth_ids else "barrier",
            "roles": ", ".join(f"{analysis.short(r)} {n}" for r, n in count.by_role.items()),
        }
        for count in barriers.counts
    ]


def barrier_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Horizontal bars of barriers cited, labelled with counts; myths marked in words and colour."""
    rows = barrier_rows(analysis, stage)
    order = [row["barrier"] for row in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("barrier:N", sort=order, title=None))
    bars = base.mark_bar(height=_ROW_HEIGHT - 20).encode(
        x=alt.X("count:Q", title="Times cited", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(
            domain=["barrier", "myth: consent or law wrongly cited"], range=[_OTHER, _MYTH]),
            legend=alt.Legend(orient="bottom")),
        tooltip=["barrier:N", "sentence:N", "count:Q", "roles:N"],
    )
    text = base.mark_text(align="left", dx=8, fontSize=FONT, fontWeight="bold").encode(x="count:Q", text="count:Q")
    chart = (bars + text).properties(width=760, height=(_ROW_HEIGHT - 8) * max(len(rows), 1))
    return legible(chart, _title("What held people back", analysis, stage, whole=stage is None))


# ------------------------------------------------------------------------------------------ helpers


def _jigsaw(analysis: Debrief, stage: int | None) -> Jigsaw | None:
    return analysis.jigsaw if stage is None else analysis.stage(stage).jigsaw


def _stage_view(analysis: Debrief, stage: int | None) -> StageView | None:
    if stage is None:
        return analysis.stages[-1] if analysis.stages else None
    return analysis.stage(stage)


def _title(text: str, analysis: Debrief, stage: int | None, *, whole: bool = False) -> str:
    if whole or stage is None:
        return f"{text} \u2014 whole workshop" if whole else text
    return f"{text} \u2014 stage {stage + 1}: {analysis.stage(stage).title}"
