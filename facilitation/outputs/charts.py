"""Altair charts of a debrief, made to be read from the back of a room.

Pure: each `*_chart` function takes a `facilitation.analysis.debrief.Debrief` (and optionally a stage index) and
returns an Altair chart; each `*_rows` function returns the plain rows the chart draws (for a table
beside it, or a test). No Streamlit here: the projector page calls, for instance,
`st.altair_chart(jigsaw_chart(analysis, stage=i))`.

Legibility rules every chart follows:
- big type (`FONT` points and up) and chunky marks;
- colour-blind-safe colours: Okabe & Ito's palette, or a role's own `colour`, or a one-hue scale;
- nothing carried by colour alone: every mark has a text label (a cell's state, a count, "myth");
- made to fit a 1280 x 720 projector: a jigsaw of many facts narrows its cells and names each fact by
  its short `label:` (`fact_headings`: slanted when the columns are narrow, cut at a word when even
  that does not fit; `fact_key_rows` and the tooltip have the whole fact), and the judgement
  spread keeps 8 agencies within 500 px;
- text of several lines is centred in its cell (`_centred_text`).

`stage=None` means the whole workshop for flows and barriers, and the last analysed stage for the
jigsaw, picture shares and judgement spread (which only make sense at one point in time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import altair as alt

from facilitation.analysis import Debrief, Jigsaw, JigsawCell, Judgement, StageView
from facilitation.content import reference

__all__ = [
    "FONT",
    "STATE_COLOURS",
    "barrier_chart",
    "barrier_rows",
    "fact_headings",
    "fact_key_rows",
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

FONT = 24  # px: the smallest text on any chart (legible from the back of a room)
# Okabe-Ito blue, orange and a light grey: told apart with any colour-vision deficiency, and each cell
# says its state in words as well.
STATE_COLOURS = {"own": "#0072B2", "received": "#E69F00", "unknown": "#EEEEEE"}
STATE_TEXT_COLOURS = {"own": "#FFFFFF", "received": "#000000", "unknown": "#555555"}
_MYTH, _OTHER = "#D55E00", "#0072B2"  # Okabe-Ito vermillion and blue
_CELL_WIDTH, _ROW_HEIGHT = 120, 60  # px: the widest matrix cell, and a matrix or bar row
# px of plotting width that fits a 1280 px projector beside the agency names: the jigsaw's cells share it.
_PLOT_WIDTH = 880
_COMPACT_LABEL_WIDTH = (
    30  # px: narrower jigsaw cells say nothing (the colour, legend, key and tooltip do)
)
_EM = 0.62  # a character's average width in bold type, in ems: for `_fits`
_EM_AXIS = 0.5  # ... and in the axes' regular type (measured): how many characters a heading holds
LABEL_CHARS = 24  # the longest short label a trainer may give a fact (`label:`)
# px along a slanted (45 degree) column heading: with the title, 9 agencies' rows and the legend, a
# jigsaw of 20 facts still fits 1280 x 720 (21 characters of 24 px type, 190 px high).
_TURNED_ROOM = 260
_BRIEF_ROW_HEIGHT = 30  # px: a jigsaw row whose cells say one short thing ("S2", a dot)
_SPREAD_ROW = 48  # px per agency in the judgement spread: 8 agencies, title and axis within 500 px
_DOT_SIZES = (
    576,
    1089,
)  # px² (area) of the spread's circles: 27 to 37 px across, a count legible in each
_DIAMOND = 44  # px across the diamond of the level a picture supported: round the largest circle, in its row


def _inline(rows: list[dict[str, Any]]) -> Any:
    """Inline data for a chart, without Altair's check of every row as the data object is made (it
    turns each row into a dict and validates it: half a second for a big workshop's jigsaw). The rows
    are ours, plain text and numbers; tests/outputs/test_charts validates every chart whole."""
    data = alt.Data(values=[])
    data["values"] = rows  # item assignment stores the value as it is
    return data


def legible(chart: Any, title: str | None = None, description: str | None = None) -> Any:
    """`chart` with projector-sized type, no frame, an optional title, and a `description`: the text
    alternative that says what it shows (screen readers read it as the chart's name)."""
    if title:
        chart = chart.properties(title=alt.TitleParams(title, fontSize=FONT + 8, anchor="start"))
    if description:
        chart = chart.properties(description=description)
    return (
        chart.configure_axis(
            labelFontSize=FONT, titleFontSize=FONT + 2, labelLimit=320, titlePadding=12
        )
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
    return [_jigsaw_row(analysis, cell) for cell in jigsaw.cells]


def _jigsaw_row(analysis: Debrief, cell: JigsawCell) -> dict:
    """One cell as `jigsaw_rows` gives it."""
    senders = [analysis.short(role) for role in cell.senders]
    if cell.state == "own":
        label = "holds"
    elif cell.state == "received":
        first = cell.received[0]
        more = f" +{len(senders) - 1}" if len(senders) > 1 else ""
        label = f"from {senders[0]}{more}\nstage {first.stage_index + 1}"
    else:
        label = "\u2014"
    fact = analysis.fact(cell.fact_id)
    return {
        "role": analysis.short(cell.role_id),
        "fact": fact.short_label or fact.label,
        "fact_text": fact.text,
        "state": cell.state,
        "label": label,
        "from": ", ".join(
            f"{analysis.short(r.from_role)} (stage {r.stage_index + 1})" for r in cell.received
        ),
    }


def fact_headings(analysis: Debrief, room: int | None = None) -> dict[str, str]:
    """Each fact in play by its short label (the trainer's `label:`, at most 24 characters; else its id
    as words), cut at a word to what `room` px of turned axis text holds (the whole label when None), and
    told apart by a number when two facts share a label ("Bruise", "Bruise 2")."""
    most = LABEL_CHARS if room is None else max(6, int(room / (FONT * _EM_AXIS)))
    headings: dict[str, str] = {}
    for view in analysis.stages:
        for fact_id in view.fact_ids:
            heading = _cut(analysis.fact(fact_id).short_label or fact_id, most)
            taken = set(headings.values())
            number = 2
            unique = heading
            while unique in taken:
                unique = f"{_cut(heading, most - 2)} {number}"
                number += 1
            headings[fact_id] = unique
    return headings


def _cut(text: str, most: int) -> str:
    """`text` in at most `most` characters: cut at the last whole word, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    head = text[: most - 1]
    words = head.rsplit(" ", 1)[0] if " " in head else head
    return words.rstrip(" ,;:-") + "\u2026"


def fact_key_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """The jigsaw's facts in full, in its column order: the heading, the stage it entered, who holds
    it, and the fact cut to a line."""
    jigsaw = _jigsaw(analysis, stage)
    if jigsaw is None:
        return []
    headings = fact_headings(analysis)
    return [
        {
            "fact": headings[fact_id],
            "stage": fact.stage_index + 1,
            "held by": analysis.short(fact.held_by),
            "text": fact.short,
        }
        for fact_id in jigsaw.fact_ids
        for fact in [analysis.fact(fact_id)]
    ]


def jigsaw_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Roles x facts once the stage is revealed: each cell holds / received from whom / unknown.

    The facts share `_PLOT_WIDTH`, so that a workshop of many facts still fits the projector. A column is
    headed by its fact's short label ("Bruised ear"), slanted when the columns are too narrow for it
    and then cut at a word to `_TURNED_ROOM` px (`fact_key_rows` has every fact in full); a cell says
    "from Police / stage 1", or in brief "S1" when that does not fit, or nothing (its colour) in a column
    too narrow for that. The tooltip has it all."""
    jigsaw = _jigsaw(analysis, stage)
    roles = [analysis.short(r) for r in jigsaw.role_ids] if jigsaw else []
    fact_ids = jigsaw.fact_ids if jigsaw else ()
    room = _PLOT_WIDTH // max(len(fact_ids), 1)  # px a column has at least on the projector
    headings = fact_headings(analysis)
    upright = _fits((headings[f] for f in fact_ids), room, FONT)
    if not upright:
        headings = fact_headings(analysis, _TURNED_ROOM)
    cells = list(jigsaw.cells) if jigsaw else []
    rows = [_jigsaw_row(analysis, cell) for cell in cells]
    full = _fits((row["label"] for row in rows), room, FONT)
    brief = not full and room >= _COMPACT_LABEL_WIDTH
    rows = [
        {
            **row,
            "column": headings[cell.fact_id],
            "text": row["label"] if full else _brief(cell),
            "ink": STATE_TEXT_COLOURS[cell.state],
        }
        for cell, row in zip(cells, rows)
    ]
    base = alt.Chart(_inline(rows)).encode(
        x=alt.X(
            "column:N",
            sort=[headings[f] for f in fact_ids],
            title=None,
            axis=alt.Axis(
                orient="top",
                labelAngle=0 if upright else -45,
                labelAlign="left",
                labelLimit=_TURNED_ROOM + FONT,  # the cut label, never Vega's own ellipsis
            ),
        ),
        y=alt.Y("role:N", sort=roles, title=None),
    )
    rects = base.mark_rect(
        stroke="#FFFFFF", strokeWidth=3 if room >= 2 * _COMPACT_LABEL_WIDTH else 1
    ).encode(
        color=alt.Color(
            "state:N",
            title=None,  # each entry says what its cells mean; a heading would cost the projector a line
            scale=alt.Scale(domain=list(STATE_COLOURS), range=list(STATE_COLOURS.values())),
            legend=alt.Legend(orient="bottom", symbolType="square", labelExpr=_state_legend(brief)),
        ),
        tooltip=[
            alt.Tooltip("role:N", title="Agency"),
            alt.Tooltip("fact:N", title="Fact"),
            alt.Tooltip("fact_text:N", title="Text"),
            alt.Tooltip("state:N", title="Cell"),
            alt.Tooltip("from:N", title="From"),
        ],
    )
    layers = [rects]
    if full or brief:
        # The ink itself, not a second scale on "state": layers share their scales, and the cells' colours
        # would win and paint each text as its cell.
        layers += _centred_text(base, rows, "text", FONT, color=alt.Color("ink:N", scale=None))
    chart = alt.layer(*layers).properties(
        width=_column_width(len(fact_ids)) * max(len(fact_ids), 1),
        height=(_ROW_HEIGHT if full else _BRIEF_ROW_HEIGHT) * max(len(roles), 1),
    )
    title = _title("Who knew what", analysis, jigsaw.stage_index if jigsaw else None)
    return legible(chart, title, _jigsaw_words(title, analysis, jigsaw))


def _jigsaw_words(title: str, analysis: Debrief, jigsaw: Jigsaw | None) -> str:
    """The jigsaw as a sentence: how many of the facts each agency knew."""
    if jigsaw is None:
        return f"{title}: nothing has been revealed yet."
    known = dict.fromkeys(jigsaw.role_ids, 0)
    for cell in jigsaw.cells:
        if cell.state != "unknown":
            known[cell.role_id] = known.get(cell.role_id, 0) + 1
    parts = [f"{analysis.short(r)} {n}" for r, n in known.items()]
    headings = fact_headings(analysis)
    return (
        f"{title}. A table of agencies by facts: each cell says whether the agency held the fact, "
        f"received it, or did not know it. Facts known, of {len(jigsaw.fact_ids)}: "
        + ", ".join(parts)
        + ". The facts: "
        + "; ".join(headings[f] for f in jigsaw.fact_ids)
        + "."
    )


def _fits(texts: Iterable[str], room: int, font_size: int) -> bool:
    """Whether every line of `texts` fits across `room` px in bold type of `font_size` (estimated from an
    average letter's width: enough to choose between a label and its brief form)."""
    longest = max((len(line) for text in texts for line in text.split("\n")), default=0)
    return longest * font_size * _EM <= room - 8


def _column_width(columns: int) -> int:
    """Px per matrix column: `_CELL_WIDTH`, or less so that every column fits `_PLOT_WIDTH`."""
    return min(_CELL_WIDTH, _PLOT_WIDTH // max(columns, 1))


def _brief(cell: JigsawCell) -> str:
    """What a jigsaw cell too narrow for its label says: a dot for a fact the role holds, "S2" for one it
    received at stage 2, a dash for one it does not know."""
    if cell.state == "own":
        return "\u25cf"
    if cell.state == "received":
        return f"S{cell.received[0].stage_index + 1}"
    return "\u2014"


def _state_legend(brief: bool) -> str:
    """The legend's words for each state, with the `brief` marks when the cells show those."""
    words = {
        "own": "\u25cf holds it (own)" if brief else "holds it (own)",
        "received": "S2: received at stage 2" if brief else "received it",
        "unknown": "\u2014 does not know it" if brief else "does not know it",
    }
    return (
        " : ".join(f"datum.label == '{state}' ? '{text}'" for state, text in words.items())
        + " : datum.label"
    )


def picture_share_rows(analysis: Debrief, stage: int | None = None) -> list[dict]:
    """Each role's share of the whole picture (by weight and by count), and the whole itself."""
    jigsaw = _jigsaw(analysis, stage)
    if jigsaw is None:
        return []
    rows = []
    for share in jigsaw.shares:
        role = analysis.role(share.role_id)
        rows.append(
            {
                "role": role.short_name + (" (lead)" if role.lead else ""),
                "colour": role.colour,
                "weight": share.weight,
                "count": share.count,
                "weight_share": round(share.weight_share, 4),
                "count_share": round(share.count_share, 4),
                "level": share.level,
                "label": f"{share.weight_share:.0%} of the weight, {share.count} of {share.whole_count} facts "
                f"(level {share.level})",
            }
        )
    return rows


def picture_share_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Bars: how much of the whole picture each role held once the stage was revealed."""
    rows = picture_share_rows(analysis, stage)
    jigsaw = _jigsaw(analysis, stage)
    order = [row["role"] for row in rows]
    base = alt.Chart(_inline(rows)).encode(y=alt.Y("role:N", sort=order, title=None))
    bars = base.mark_bar(height=_ROW_HEIGHT - 16).encode(
        x=alt.X(
            "weight_share:Q",
            title="Share of the whole picture (by weight)",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", tickCount=5),
        ),
        color=alt.Color(
            "role:N",
            sort=order,
            legend=None,
            scale=alt.Scale(domain=order, range=[row["colour"] for row in rows]),
        ),
        tooltip=["role:N", "weight:Q", "count:Q", "level:O"],
    )
    text = base.mark_text(align="left", dx=8, fontSize=FONT).encode(
        x="weight_share:Q", text="label:N"
    )
    chart = (bars + text).properties(width=900, height=_ROW_HEIGHT * max(len(rows), 1))
    title = _title("Share of the whole picture", analysis, jigsaw.stage_index if jigsaw else None)
    words = "; ".join(f"{row['role']} {row['label']}" for row in rows) or "nothing revealed yet"
    return legible(chart, title, f"{title}. Bars, one per agency: {words}.")


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
            rows.append(
                {
                    "sender": analysis.short(sender),
                    "recipient": analysis.short(recipient),
                    "shares": flow.shares,
                    "facts": flow.facts,
                    "label": f"{flow.shares}\n{flow.facts} fact{'s' if flow.facts != 1 else ''}"
                    if flow.shares
                    else "0",
                }
            )
    return rows


def flow_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Sender (rows) x recipient (columns): how many shares, and of how many distinct facts."""
    rows = flow_rows(analysis, stage)
    roles = [analysis.short(r) for r in analysis.flows.role_ids]
    top = max((row["shares"] for row in rows), default=0) or 1
    upright = _fits(roles, _column_width(len(roles)), FONT)  # else turned, never overlapping
    base = alt.Chart(_inline(rows)).encode(
        x=alt.X(
            "recipient:N",
            sort=roles,
            title="shared with",
            axis=alt.Axis(orient="top", labelAngle=0 if upright else -45, labelAlign="left"),
        ),
        y=alt.Y("sender:N", sort=roles, title="shared by"),
    )
    cells = base.mark_rect(stroke="#FFFFFF", strokeWidth=3).encode(
        color=alt.Color(
            "shares:Q",
            title="Shares",
            scale=alt.Scale(scheme="blues", domain=[0, top]),
            legend=None,
        ),
        tooltip=["sender:N", "recipient:N", "shares:Q", "facts:Q"],
    )
    # Dark text on pale cells, white on dark ones: readable whatever the count.
    texts = _centred_text(
        base,
        rows,
        "label",
        FONT,
        color=alt.condition(
            f"datum.shares > {top / 2}", alt.value("#FFFFFF"), alt.value("#000000")
        ),
    )
    chart = alt.layer(cells, *texts).properties(
        width=_column_width(len(roles)) * max(len(roles), 1),
        height=_ROW_HEIGHT * max(len(roles), 1),
    )
    title = _title("Who shared with whom", analysis, stage, whole=stage is None)
    busiest = sorted((r for r in rows if r["shares"]), key=lambda r: -r["shares"])
    words = (
        "; ".join(f"{r['sender']} to {r['recipient']} {r['shares']}" for r in busiest[:8])
        if busiest
        else "nobody shared anything"
    )
    return legible(
        chart,
        title,
        f"{title}. A table of senders by recipients, each cell the number of shares. "
        f"{sum(r['shares'] for r in rows)} shares in all; the most: {words}.",
    )


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
                rows.append(
                    {
                        "role": role,
                        "level": level,
                        "count": count,
                        "kind": "chosen by participants",
                        "label": f"{count}",
                    }
                )
        if judgement.supported:  # 0: agencies pooled for the room's screen have no one picture
            rows.append(
                {
                    "role": role,
                    "level": judgement.supported,
                    "count": 0,
                    "kind": "supported by the picture",
                    "label": _supported_label(judgement),
                }
            )
    return rows


def _spread_row(agencies: int) -> int:
    """Px per agency: `_SPREAD_ROW`, narrowed past 8 agencies to keep the height, never below the diamond."""
    return max(_DIAMOND + 2, min(_SPREAD_ROW, 8 * _SPREAD_ROW // max(agencies, 1)))


def judgement_chart(analysis: Debrief, stage: int | None = None) -> Any:
    """Levels of need chosen by each role's participants (circles sized and labelled by count) against
    the level its picture supported (a hollow diamond, "picture" beside it). Rows are `_SPREAD_ROW` high,
    so that 8 agencies fit a projector without scrolling: circles up to `_DOT_SIZES`, within the diamond."""
    rows = judgement_rows(analysis, stage)
    view = _stage_view(analysis, stage)
    roles = [analysis.short(j.role_id) for j in (view.judgements if view else ())]
    chosen = [row for row in rows if row["kind"] == "chosen by participants"]
    supported = [row for row in rows if row["kind"] != "chosen by participants"]
    levels = alt.X(
        "level:O",
        scale=alt.Scale(domain=[1, 2, 3, 4]),
        title="Level of need",
        axis=alt.Axis(labelAngle=0, labelExpr=_level_expr(analysis)),
    )
    y = alt.Y("role:N", sort=roles, title=None)
    dots = (
        alt.Chart(_inline(chosen))
        .mark_circle(color="#333333", opacity=0.85)
        .encode(
            x=levels,
            y=y,
            size=alt.Size("count:Q", scale=alt.Scale(range=list(_DOT_SIZES)), legend=None),
            tooltip=["role:N", "level:O", "count:Q"],
        )
    )
    counts = (
        alt.Chart(_inline(chosen))
        .mark_text(fontSize=FONT, fontWeight="bold", color="#FFFFFF")
        .encode(x=levels, y=y, text="label:N")
    )
    marker = (
        alt.Chart(_inline(supported))
        .mark_point(shape="diamond", size=_DIAMOND**2, filled=False, strokeWidth=4, color="#000000")
        .encode(x=levels, y=y, tooltip=["role:N", "level:O", "label:N"])
    )
    # Beside the diamond, not above it: above, it would sit on the row over it.
    marker_text = (
        alt.Chart(_inline(supported))
        .mark_text(fontSize=FONT, align="left", dx=_DIAMOND // 2 + 6, color="#000000")
        .encode(x=levels, y=y, text=alt.value("picture"))
    )
    chart = (marker + dots + counts + marker_text).properties(
        width=760, height=_spread_row(len(roles)) * max(len(roles), 1)
    )
    # A short title: with the stage's own title after it, it must still fit a 1280 px projector.
    title = _title(
        "Level of need: chosen (\u25cf, how many) vs. picture (\u25c7)",
        analysis,
        view.index if view else None,
    )
    words = "; ".join(
        f"{analysis.short(j.role_id)} chose "
        + (", ".join(f"level {n} ({c})" for n, c in j.level_counts.items() if c) or "nothing")
        + (f", the picture supported level {j.supported}" if j.supported else "")
        for j in (view.judgements if view else ())
    )
    return legible(
        chart,
        title,
        f"Levels of need chosen by each agency's participants against the level its picture "
        f"supported{', stage ' + str(view.index + 1) if view else ''}: {words or 'no decisions'}.",
    )


def _supported_label(judgement: Judgement) -> str:
    return (
        f"the picture supported level {judgement.supported} (weight {judgement.supported_weight})"
    )


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
            "counted": count.counted,
            "kind": "myth: consent or law wrongly cited"
            if count.barrier_id in myth_ids
            else "barrier",
            "roles": ", ".join(f"{analysis.short(r)} {n}" for r, n in count.by_role.items()),
        }
        for count in barriers.counts
    ]


def barrier_chart(analysis: Debrief, stage: int | None = None, limit: int | None = None) -> Any:
    """Horizontal bars of barriers cited, labelled with counts; myths marked in words and colour. With
    `limit`, only the most cited (the projector keeps to one screen)."""
    rows = barrier_rows(analysis, stage)[:limit]
    order = [row["barrier"] for row in rows]
    base = alt.Chart(_inline(rows)).encode(y=alt.Y("barrier:N", sort=order, title=None))
    bars = base.mark_bar(height=_ROW_HEIGHT - 20).encode(
        x=alt.X(
            "count:Q",
            title="Times cited (once per agency left out)",
            axis=alt.Axis(tickMinStep=1, tickCount=5, format="d"),
        ),
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(
                domain=["barrier", "myth: consent or law wrongly cited"], range=[_OTHER, _MYTH]
            ),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=["barrier:N", "sentence:N", "counted:N", "roles:N"],
    )
    text = base.mark_text(align="left", dx=8, fontSize=FONT, fontWeight="bold").encode(
        x="count:Q", text="count:Q"
    )
    chart = (bars + text).properties(width=760, height=(_ROW_HEIGHT - 8) * max(len(rows), 1))
    title = _title("What held people back", analysis, stage, whole=stage is None)
    words = "; ".join(f"{row['barrier']} {row['count']}" for row in rows) or "none cited"
    return legible(
        chart,
        title,
        f"{title}. Bars of the barriers cited, with times cited (once per agency left out): {words}.",
    )


# ------------------------------------------------------------------------------------------ helpers


def _centred_text(
    base: alt.Chart, rows: Sequence[dict], field: str, font_size: int, **encoding: Any
) -> list[alt.Chart]:
    """Bold text layers that centre each row's `field` on its mark whatever its number of lines. Vega puts
    a text's first line where a one-line text would go and the others below it, so each number of lines
    gets its own layer, moved up by half its extra lines."""
    line = font_size + 2  # Vega's own line height, set so that the offset below is exact
    counts = sorted({str(row[field]).count("\n") + 1 for row in rows}) or [1]
    layers = []
    for lines in counts:
        only = (
            base
            if len(counts) == 1
            else base.transform_filter(f"length(split(datum.{field}, '\\n')) == {lines}")
        )
        layers.append(
            only.mark_text(
                fontSize=font_size,
                fontWeight="bold",
                lineBreak="\n",
                lineHeight=line,
                dy=-(lines - 1) * line / 2,
            ).encode(text=f"{field}:N", **encoding)
        )
    return layers


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
