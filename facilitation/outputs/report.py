"""The debrief report in five formats: Markdown, standalone HTML, PDF, CSV (raw decisions) and JSON.

The report's content is written once, as a list of blocks (`_document`): headings, paragraphs, lists,
tables (a table cell may carry a tone, for the heat maps), bar lists and quotes. Each renderer only
lays those blocks out, so the three documents always say the same thing.

Participant and trainer text is plain text wherever it goes: HTML escapes every piece of it
(`html.escape`), Markdown backslash-escapes its punctuation, the PDF writes it as text. The HTML needs
no network to be read: no script, no web font; its charts are tables and CSS bars, which also print.
Notes appear only when their writer marked them shareable, and with the role, never a name; the raw
decisions (CSV, JSON) name participants by label ("School 2") only.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from facilitation.analysis import (
    ALL_AGENCIES,
    BEHAVIOURS,
    CLASSIFICATION_RULE,
    LAW_COMMISSION,
    PRIVACY_MIN,
    ROOM_HEADING,
    Behaviour,
    CouldHaveActed,
    Debrief,
    DecisionRow,
    FactGuidance,
    FactInfo,
    Flow,
    Jigsaw,
    Judgement,
    LateFact,
    LeadStage,
    PictureShare,
    RoleInfo,
    RoomActivities,
    RoomBarriers,
    SharingCounts,
    Split,
    StageView,
    barriers_status,
    decision_rows,
    handling_hidden,
    lead_guidance,
    lead_sentence,
    pooling,
    projected,
)
from facilitation.content import reference
from facilitation.outputs.charts import barrier_chart, flow_chart, jigsaw_chart
from facilitation.outputs.evaluation_report import EvaluationReport, answers_csv, section_blocks
from facilitation.play import WorkshopRecord

__all__ = [
    "CLOSING_SECTIONS",
    "CSV_COLUMNS",
    "DEJAVU",
    "DETAIL_SECTIONS",
    "FORMATS",
    "JSON_FORMAT",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_pdf",
    "reported",
    "warm_up",
]

CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(DecisionRow))
JSON_FORMAT = "easi-debrief/2"  # docs/debrief-format.md: what changed from /1
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_MYTHS_LISTED = 5  # the most cited; the rest are counted
_EXPLAINED = 5  # barriers given with their explanation; the rest in a line each
_BODY_PT, _BODY_LINE = 9.5, 4.5  # the PDF's body text: size (pt) and line height (mm)
_WIDE = 10  # columns per table slice in the PDF (a jigsaw of many facts is printed in slices)
_STATE_WORDS = {"own": "holds", "received": "received", "unknown": "\u2014"}
_BEHAVIOUR_WORDS = {
    "ideal": "ideal: shared what guidance expects, little over-sharing",
    "over-open": "over-open: shares what should not go",
    "over-cautious": "over-cautious: withholds what should go",
    "chaotic": "chaotic: no consistent pattern",
    "unclassified": "unclassified: no decision guidance could judge",
}


# =========================================================================================== blocks


@dataclass(frozen=True)
class _Cell:
    """A table cell: its text, and a tone for the heat maps (a CSS class; ignored in Markdown)."""

    text: str
    tone: str = ""


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True)
class _Para:
    text: str
    tone: str = ""  # "lead" (larger), "muted", "alert"


@dataclass(frozen=True)
class _Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]
    caption: str = ""
    grid: bool = False  # a heat map: cells centred and coloured by tone


@dataclass(frozen=True)
class _Bar:
    label: str
    value: float
    maximum: float
    text: str
    tone: str = ""


@dataclass(frozen=True)
class _Bars:
    bars: tuple[_Bar, ...]
    caption: str = ""


@dataclass(frozen=True)
class _Quote:
    text: str
    by: str


@dataclass(frozen=True)
class _Entry:
    """One item of a list laid out as text: a bold title, a line of particulars, then its text."""

    title: str
    meta: str
    text: str = ""


@dataclass(frozen=True)
class _Entries:
    entries: tuple[_Entry, ...]
    caption: str = ""


@dataclass(frozen=True)
class _Picture:
    """A chart as a static picture (SVG in HTML, a high-resolution image in the PDF), with its text
    alternative; `fallback` is what a renderer without pictures (Markdown) shows instead. The chart is
    drawn only when a renderer asks for its `spec` or `alt` (Markdown never does: the jigsaw of a big
    workshop takes a second to build)."""

    draw: Callable[[], Any]  # the Altair chart, made on demand
    fallback: tuple = ()
    width: float = 1.0  # of the page's width

    @functools.cached_property
    def _vega_lite(self) -> dict[str, Any]:
        # Not validated again: Altair checks each part as it is made, and tests/outputs/test_charts
        # validates every chart whole.
        return self.draw().to_dict(validate=False)

    @functools.cached_property
    def spec(self) -> str:
        """The chart's Vega-Lite specification, as JSON."""
        return json.dumps(self._vega_lite)

    @property
    def alt(self) -> str:
        """The chart's text alternative (its description)."""
        return self._vega_lite.get("description", "")


@dataclass(frozen=True)
class _PageBreak:
    """The summary ends here: the detail starts on a new page."""


_Block = _Heading | _Para | _Bullets | _Table | _Bars | _Quote | _Entries | _Picture | _PageBreak


def _cells(*texts: object) -> tuple[_Cell, ...]:
    return tuple(text if isinstance(text, _Cell) else _Cell(str(text)) for text in texts)


def _table(
    columns: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "", grid: bool = False
) -> _Table:
    return _Table(tuple(columns), tuple(_cells(*row) for row in rows), caption, grid)


# ========================================================================================= document


def reported(a: Debrief) -> Debrief:
    """The debrief as an export may show it: small agencies pooled exactly as on the projector
    (`analysis.projected`), so that nobody in an agency with fewer than `PRIVACY_MIN` people deciding is identifiable."""
    return projected(a)


def _document(
    a: Debrief, evaluation: EvaluationReport | None = None, room: RoomActivities | None = None
) -> list[_Block]:
    """Every block of the report, in order: a one-page summary, the agencies' perspectives, then the
    detail (`DETAIL_SECTIONS`, with the room's activities and "What changed" when they are given)."""
    a = reported(a)
    blocks: list[_Block] = [_Heading(1, f"Debrief: {a.title}")]
    blocks += _summary(a)
    blocks += [_PageBreak(), *_perspectives_section(a)]
    blocks += [_Heading(2, "The workshop in detail")]
    for section in DETAIL_SECTIONS:
        blocks += section(a)
    if room is not None:
        blocks += _room_section(a, room)
    if evaluation is not None:
        blocks += _evaluation_section(a, evaluation)
    for section in CLOSING_SECTIONS:
        blocks += section(a)
    return blocks


def _front(a: Debrief) -> list[_Block]:
    c = a.counts
    if a.through < 0:
        scope = "No stage has been revealed yet: there is nothing to analyse."
    else:
        scope = f"Stages analysed: 1 to {a.through + 1} of {a.stage_count}."
        if a.through < a.stage_count - 1:
            scope += " Later stages are left out (not revealed, or not asked for)."
    roles = _table(
        ["Role", "Participants", "Acts at level", ""],
        [
            (
                r.short_name,
                f"{r.participants}"
                + (f" ({r.participants - r.active} left)" if r.active < r.participants else "")
                if r.played
                else "nobody played it",
                r.acts_at,
                "lead agency" if r.lead else "",
            )
            for r in a.roles
        ],
        caption="Roles in play",
    )
    return [
        _Para(
            f"Workshop {a.code} \u00b7 {a.date} \u00b7 scenario \u201c{a.title}\u201d ({a.scenario_id}, "
            f"{a.audience.replace('_', ' ')}). {scope}",
            "lead",
        ),
        _Para(a.summary, "muted"),
        roles,
        _Para(
            f"{_plural(c.participants, 'participant', 'participants')} ({c.active} active, {c.left} "
            f"left, {c.simulated} simulated) played {c.roles_played} of "
            f"{_plural(c.roles_in_play, 'role', 'roles')}: "
            f"{_plural(c.submissions, 'submission', 'submissions')}, "
            f"{_plural(c.decisions, 'decision', 'decisions')} about a fact, "
            f"{_plural(c.shares, 'share', 'shares')}, "
            f"{_plural(c.barriers_cited, 'barrier citation', 'barrier citations')} (once per agency "
            f"left out), {c.notes} shared "
            f"note{'s' if c.notes != 1 else ''}."
        ),
    ]


def _picture(
    draw: Callable[[], Any], fallback: Sequence[_Block] = (), width: float = 1.0
) -> _Picture:
    return _Picture(draw, tuple(fallback), width)


def _summary(a: Debrief) -> list[_Block]:
    """The first page: what happened, when the lead could act, the three largest differences from
    guidance, the myths that surfaced, and who knew what in the end."""
    c = a.counts
    if a.through < 0:
        return [_Para("No stage has been revealed yet: there is nothing to analyse.", "lead")]
    stages = f"stages 1 to {a.through + 1} of {a.stage_count}"
    blocks: list[_Block] = [
        _Para(
            f"Workshop {a.code} \u00b7 {a.date} \u00b7 {a.audience.replace('_', ' ')} \u00b7 "
            f"{_plural(c.participants, 'participant', 'participants')} in {c.roles_played} of "
            f"{_plural(c.roles_in_play, 'agency', 'agencies')} played {stages}: "
            f"{_plural(c.shares, 'share', 'shares')}, "
            f"{_plural(c.barriers_cited, 'barrier citation', 'barrier citations')} (once per agency "
            "left out).",
            "lead",
        ),
        _Heading(2, "Summary"),
        _Heading(3, "When the lead agency could act"),
        _Para(_act_sentence(a.act, a)),
        _Heading(3, "The three largest differences from guidance"),
        _Bullets(_differences(a) or ("Every decision about a fact followed guidance.",)),
    ]
    myths = [m for m in a.barriers.myths if getattr(m, "kind", "myth") == "myth"]
    if myths:
        blocks += [
            _Heading(3, "Myths that surfaced"),
            _Bullets(
                tuple(
                    f"\u201c{_barrier_label(m.barrier_id)}\u201d cited on "
                    f"\u201c{a.fact(m.fact_id).short}\u201d ({m.counted}; {_by_role(a, m.by_role)})."
                    for m in myths[:3]
                )
            ),
        ]
    if a.jigsaw is not None:
        blocks.append(_picture(lambda: jigsaw_chart(a), [_jigsaw_table(a, a.jigsaw)]))
    return blocks


def _differences(a: Debrief) -> tuple[str, ...]:
    """The three facts whose handling was furthest from guidance (missed plus over-shared), the pool of
    small agencies' facts (`reported`) ranked as one."""
    pooled = [g for g in a.pooled_guidance if g.stage_index is None]
    ranked = sorted(
        (g for g in (*a.guidance, *pooled) if g.missed or g.over_shared),
        key=lambda g: -(sum(g.missed.values()) + sum(g.over_shared.values())),
    )
    lines = []
    for g in ranked[:3]:
        parts = []
        if g.missed:
            parts.append(
                f"not shared {_times(sum(g.missed.values()))} where guidance says share ({_by_role(a, g.missed)})"
            )
        if g.over_shared:
            parts.append(
                f"over-shared {_times(sum(g.over_shared.values()))} ({_by_role(a, g.over_shared)})"
            )
        if g in pooled:
            lines.append(f"{_pooled_title(g)}: " + "; ".join(parts) + ".")
            continue
        fact = a.fact(g.fact_id)
        lines.append(
            f"\u201c{fact.short}\u201d ({a.short(fact.held_by)}): " + "; ".join(parts) + "."
        )
    if not lines and any(handling_hidden(a, f.id) for f in a.facts):
        return (
            f"What the room did with facts held or passed on by agencies with fewer than {PRIVACY_MIN} "
            "people deciding at a stage is not shown one by one.",
        )
    return tuple(lines)


def _key_messages(a: Debrief) -> list[_Block]:
    headlines = [_act_sentence(a.act, a)]
    over = sorted(
        (g for g in a.guidance if g.over_shared), key=lambda g: -sum(g.over_shared.values())
    )
    if over:
        g = over[0]
        headlines.append(
            f"Most over-shared: \u201c{a.fact(g.fact_id).short}\u201d ("
            f"{_plural(sum(g.over_shared.values()), 'share', 'shares')} where guidance says it should "
            "not go, or without a lawful basis named)."
        )
    missed = sorted((g for g in a.guidance if g.missed), key=lambda g: -sum(g.missed.values()))
    if missed:
        g = missed[0]
        headlines.append(
            f"Most held back: \u201c{a.fact(g.fact_id).short}\u201d (missed "
            f"{_times(sum(g.missed.values()))} where guidance says it should go)."
        )
    if a.barriers.myths:
        headlines.append(
            f"A misconception was given {_times(sum(m.count for m in a.barriers.myths))} (once per "
            "agency left out) as the reason not to share a fact for which it is one."
        )
    labels = [b.label for b in a.role_behaviours if b.label != "unclassified"]
    if labels:
        headlines.append(
            "Agencies: "
            + "; ".join(
                f"{a.short(b.role_id)} {b.label}"
                for b in a.role_behaviours
                if b.label != "unclassified"
            )
            + "."
        )
    # The summary page has already said when the lead could act.
    return [
        _Heading(2, "Key messages"),
        _Bullets(tuple(a.key_messages)),
        _Heading(3, "What this workshop showed"),
        _Bullets(tuple(headlines[1:])),
    ]


def _act_sentence(act: CouldHaveActed, a: Debrief) -> str:
    lead = a.short(act.lead_role)
    if act.status == "no_lead":
        return f"The lead agency ({act.lead_role}) was not in play."
    could = "following guidance it could have acted at " + _stage_name(act.possible)
    if act.status == "on_time":
        return (
            f"{lead} could act at {_stage_name(act.actual)}, as soon as guidance allows ({could})."
        )
    if act.status == "late":
        return (
            f"{lead} could act only at {_stage_name(act.actual)}: {act.delay} stage"
            f"{'s' if act.delay != 1 else ''} late ({could})."
        )
    if act.status == "missed":
        return f"{lead} never had enough to act by stage {act.through + 1}; {could}."
    if act.status == "not_yet":
        return f"{lead} cannot act yet (through stage {act.through + 1}); {could}."
    return f"{lead} could not act, even following guidance, with the facts in this scenario."


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _stage_name(index: int | None) -> str:
    return "no stage" if index is None else f"stage {index + 1}"


def _acting(a: Debrief) -> list[_Block]:
    act = a.act
    blocks: list[_Block] = [
        _Heading(2, "Could the lead agency have acted sooner?"),
        _Para(_act_sentence(act, a), "lead"),
    ]
    if act.acts_at is not None:
        blocks.append(
            _Para(
                f"{a.short(act.lead_role)} acts at level {act.acts_at}. A picture's level comes from "
                "the total weight of the facts in it."
            )
        )
    if act.late_facts:
        blocks.append(
            _table(
                ["Fact", "Held by", "Guidance: known at", "Reached the lead at", "Late by"],
                [
                    (
                        a.fact(f.fact_id).label,
                        a.short(a.fact(f.fact_id).held_by),
                        _stage_name(f.due_stage),
                        _stage_name(f.arrived_stage)
                        if f.arrived_stage is not None
                        else "not at all",
                        "\u2014" if f.stages_late is None else f"{f.stages_late} stage(s)",
                    )
                    for f in act.late_facts
                ],
                caption="Facts guidance sends to the lead agency that reached it late or not at all",
            )
        )
    return blocks


# ------------------------------------------------------------------------------------------ jigsaw


def _jigsaw_section(a: Debrief) -> list[_Block]:
    if a.jigsaw is None:
        return []
    j = a.jigsaw
    blocks: list[_Block] = [
        _Heading(2, f"The jigsaw: who knew what after stage {j.stage_index + 1}"),
        _share_bars(a, j),
        _Para("The summary's first chart shows it cell by cell.", "muted"),
    ]
    if j.lead is not None:
        missing = ", ".join(a.fact(f).label for f in j.lead_missing) or "nothing"
        blocks.append(
            _Para(
                f"The lead agency held {j.lead.weight} of {j.whole.weight} weight "
                f"({j.lead.weight_share:.0%}) and {j.lead.count} of {j.whole.count} facts: level "
                f"{j.lead.level}, where the whole picture reaches level {j.whole.level}. It lacked: "
                f"{missing}."
            )
        )
    return blocks


def _jigsaw_table(a: Debrief, j: Jigsaw) -> _Table:
    rows = []
    for role_id in j.role_ids:
        row: list[object] = [a.short(role_id)]
        for fact_id in j.fact_ids:
            cell = j.cell(role_id, fact_id)
            text = _STATE_WORDS[cell.state]
            if cell.state == "received":
                first = cell.received[0]
                others = len(cell.senders) - 1
                text = f"from {a.short(first.from_role)}, stage {first.stage_index + 1}" + (
                    f" (+{others})" if others else ""
                )
            row.append(_Cell(text, cell.state))
        rows.append(row)
    return _table(
        ["Role", *(a.fact(f).label for f in j.fact_ids)],
        rows,
        grid=True,
        caption="holds: its own fact \u00b7 received: shared with it (first sender, stage) \u00b7 \u2014: "
        "does not know it",
    )


def _share_bars(a: Debrief, j: Jigsaw) -> _Bars:
    return _Bars(
        tuple(
            _Bar(
                a.short(s.role_id) + (" (lead)" if a.role(s.role_id).lead else ""),
                s.weight_share,
                1.0,
                f"{s.weight_share:.0%} of the weight \u00b7 {s.count}/{s.whole_count} facts \u00b7 level {s.level}",
                "lead" if a.role(s.role_id).lead else "",
            )
            for s in j.shares
        ),
        caption=f"Share of the whole picture (weight {j.whole.weight}, {j.whole.count} facts, level {j.whole.level})",
    )


# ------------------------------------------------------------------------------------------- flows


def _flows_section(a: Debrief) -> list[_Block]:
    flows = a.flows
    top = max((f.shares for f in flows.flows), default=0)
    rows = []
    for sender in flows.role_ids:
        row: list[object] = [a.short(sender)]
        for recipient in flows.role_ids:
            if sender == recipient:
                row.append(_Cell("\u00b7", "self"))
                continue
            flow = flows.between(sender, recipient)
            row.append(_Cell(_flow_text(flow), f"heat{_heat(flow.shares, top)}"))
        rows.append(row)
    per_stage = _table(
        ["Stage", "Submissions", "Shares", "Pairs of agencies", "Barriers cited", "New facts"],
        [
            (
                f"{v.index + 1}. {v.title}",
                v.submissions,
                v.flows.shares,
                len(v.flows.flows),
                v.barriers.total,
                len(v.fact_ids),
            )
            for v in a.stages
        ],
    )
    grid = _table(
        ["Shared by \u2193 / with \u2192", *(a.short(r) for r in flows.role_ids)],
        rows,
        grid=True,
        caption="Shares (one participant sending one fact to one agency), and distinct facts",
    )
    return [
        _Heading(2, "Who shared with whom"),
        _picture(lambda: flow_chart(a), [grid], width=0.8),
        per_stage,
    ]


def _flow_text(flow: Flow) -> str:
    if not flow.shares:
        return "0"
    return f"{flow.shares} ({flow.facts} fact{'s' if flow.facts != 1 else ''})"


def _heat(value: int, top: int) -> int:
    """0-4: how dark a heat-map cell is (0 for nothing)."""
    return 0 if not value or not top else 1 + min(3, int(4 * value / (top + 1)))


# --------------------------------------------------------------------------------------- judgement


def _judgement_section(a: Debrief) -> list[_Block]:
    if not a.stages:
        return []
    rows = []
    for label in _row_labels(a):
        row: list[object] = [a.short(label)]
        for view in a.stages:
            found = next((j for j in view.judgements if j.role_id == label), None)
            row.append(
                _Cell(_judgement_text(found), _judgement_tone(found))
                if found
                else _Cell("\u2014", "self")
            )
        rows.append(row)
    levels = reference().levels_for(a.audience)
    return [
        _Heading(2, "Judgement: the level of need each agency saw"),
        _Para(
            "Each cell: the levels its participants chose (lowest to highest, the most chosen in "
            "brackets) \u2192 the level "
            "the picture in front of them supported. "
            + " \u00b7 ".join(f"{n} {level.label}" for n, level in levels.items())
            + "."
        ),
        _table(
            ["Role", *(f"Stage {v.index + 1}" for v in a.stages)],
            rows,
            grid=True,
            caption="\u25b2 most chose above what the picture supported \u00b7 \u25bc below \u00b7 = at it",
        ),
    ]


def _row_labels(a: Debrief) -> tuple[str, ...]:
    """The rows of a per-agency table: each role, or its pool's label (`analysis.pooling`)."""
    groups = pooling(a.roles)
    return tuple(dict.fromkeys(groups[r.id] for r in a.roles))


def _judgement_text(j: Judgement) -> str:
    """A grid cell, short enough for six stages across A4: "1\u20132 (2) \u2192 3 \u25bc" (a pool
    of agencies has no one picture: its levels only)."""
    if not j.levels:
        return f"no one \u2192 {j.supported}" if j.supported else "no one"
    if j.low == j.high:
        chosen = f"all {j.low}" if j.participants > 1 else f"{j.low}"
    else:
        chosen = f"{j.low}\u2013{j.high} ({'/'.join(map(str, j.mode))})"
    if not j.supported:
        return chosen
    return f"{chosen} \u2192 {j.supported} {_judgement_mark(j)}"


def _judgement_mark(j: Judgement) -> str:
    if not j.levels or not j.supported:
        return ""
    if j.above > j.below and j.above * 2 >= len(j.levels):
        return "\u25b2"
    if j.below > j.above and j.below * 2 >= len(j.levels):
        return "\u25bc"
    return "="


def _judgement_tone(j: Judgement) -> str:
    return {"\u25b2": "above", "\u25bc": "below", "=": "at"}.get(_judgement_mark(j), "self")


def _action_label(action: str) -> str:
    known = reference().actions.get(action)
    return known.label if known else action


# ---------------------------------------------------------------------------------------- guidance


def _guidance_section(a: Debrief) -> list[_Block]:
    judged = {g.fact_id: g for g in a.guidance}
    pooled = [g for g in a.pooled_guidance if g.stage_index is None]  # `reported`: small agencies'
    facts = _Entries(
        tuple(_fact_entry(a, f, judged.get(f.id)) for f in a.facts)
        + tuple(_pooled_entry(a, g) for g in pooled),
        caption="The facts and what guidance says, with what the room did (counts by recipient "
        "agency, over every decision about each fact)",
    )
    roles = _behaviour_table(
        "Agency", ((a.short(b.role_id), b) for b in a.role_behaviours), "Each agency"
    )
    people = _behaviour_table(
        "Participant",
        (
            (b.subject + ("" if a.participant(_pid(a, b)).active else " (left)"), b)
            for b in a.participant_behaviours
        ),
        "Each participant",
    )
    tally = {
        label: sum(1 for b in a.participant_behaviours if b.label == label) for label in BEHAVIOURS
    }
    if not a.participant_behaviours:  # pooled (`reported`): a participant's row could name them
        return [
            _Heading(2, "Sharing against guidance"),
            facts,
            _Heading(3, "Sharing behaviours (Richardson & Asthana)"),
            _Para(
                "Agencies with fewer than three people deciding at any one stage are pooled, and no "
                "participant is listed, so that nobody is identifiable.",
                "muted",
            ),
            roles,
        ]
    return [
        _Heading(2, "Sharing against guidance"),
        facts,
        _Heading(3, "Sharing behaviours (Richardson & Asthana)"),
        _Bullets(
            tuple(
                f"{_BEHAVIOUR_WORDS[label]} \u2014 {n} participant{'s' if n != 1 else ''}"
                for label, n in tally.items()
                if n or label != "unclassified"
            )
        ),
        _Para("How a behaviour is decided: see \u201cHow to read this report\u201d.", "muted"),
        roles,
        people,
    ]


def _behaviour_table(who: str, rows: Iterable[tuple[str, Behaviour]], caption: str) -> _Table:
    """Behaviours as a table, one row each: the label and the counts behind it (for an agency, how
    often its own participants disagreed)."""
    found = list(rows)
    splits = any(b.split is not None for _, b in found)
    return _table(
        [who, "Behaviour", "Missed of expected", "Over-shared of shares"]
        + (["Split among its own"] if splits else []),
        [
            (
                name,
                b.label,
                f"{b.counts.missed} of {b.counts.expected}",
                f"{b.counts.over_shared} of {b.counts.shared}",
            )
            + (
                (f"{b.split.contested} of {b.split.faced}" if b.split else "\u2014",)
                if splits
                else ()
            )
            for name, b in found
        ],
        caption=caption,
    )


def _fact_entry(a: Debrief, f: FactInfo, g: FactGuidance | None) -> _Entry:
    """One fact as text: what guidance says of it, what the room did with it, and the fact itself."""
    title = f"{f.label} \u00b7 {a.short(f.held_by)}, {_stage_name(f.stage_index)} \u00b7 weight {f.weight}"
    guidance = (
        f"Guidance: share with {', '.join(a.short(r) for r in f.share_with) or 'nobody'}"
        + (f"; not with {', '.join(a.short(r) for r in f.avoid)}" if f.avoid else "")
        + f" \u00b7 {_gateways_by_layer(f)} \u00b7 consent "
        f"{f.consent.replace('_', ' ')}"
    )
    if handling_hidden(a, f.id):  # `reported`: the choice of an agency too small to name
        where = " only pooled with other agencies' facts (below)" if a.pooled_guidance else ""
        return _Entry(
            title,
            f"{guidance}. What the room did with it is shown{where or ' nowhere'}: it was held or "
            f"passed on by an agency with fewer than {PRIVACY_MIN} people deciding at a stage.",
            f.text,
        )
    if g is None:
        return _Entry(title, guidance, f.text)
    title += f" \u00b7 {_plural(g.decisions, 'decision', 'decisions')}: {g.verdict}"
    return _Entry(title, f"{guidance}. The room: {_handled(a, g)}.", f.text)


def _pooled_entry(a: Debrief, g: FactGuidance) -> _Entry:
    """The summed handling of the facts `reported` does not show one by one (`Debrief.pooled_guidance`)."""
    facts = [f.label for f in a.facts if handling_hidden(a, f.id)]
    return _Entry(
        f"{_pooled_title(g)} \u00b7 {_plural(g.decisions, 'decision', 'decisions')}: {g.verdict}",
        f"The room: {_handled(a, g)}.",
        "Summed over " + ", ".join(facts) + ", so that nobody is identifiable.",
    )


def _pooled_title(g: FactGuidance) -> str:
    if g.fact_id == ALL_AGENCIES:
        return "All facts, every agency pooled"
    return (
        f"Facts held or passed on by agencies with fewer than {PRIVACY_MIN} people deciding, pooled"
    )


def _handled(a: Debrief, g: FactGuidance) -> str:
    """What the room did with a fact (or a pool of them), by recipient agency."""
    parts = []
    for words, counts in (
        ("as guidance", g.as_guidance),
        ("missed", g.missed),
        ("over-shared", g.over_shared),
        ("beyond guidance", g.beyond),
    ):
        if counts:  # a count nobody made says nothing
            parts.append(f"{words} {_by_role(a, counts)}")
    return " \u00b7 ".join(parts) or "nothing shared"


_LAYER_WORDS = {
    "power_duty": "power or duty",
    "data_protection": "Art 6",
    "special_category": "Art 9 condition",
    "law_enforcement": "law enforcement (DPA Part 3)",
    "confidentiality": "confidentiality",
    "human_rights": "human rights",
}


def _gateways_by_layer(f: FactInfo) -> str:
    """Every gateway of a fact (its own and its recipients' routes) by legal layer, by reference title:
    "power or duty: ...; Art 6: ...; Art 9 condition: ...; confidentiality: ..."."""
    known = reference().gateways
    ids = f.routed_gateways or f.gateways or ((f.gateway,) if f.gateway else ())
    if not ids:
        return "gateway none named"
    by_layer: dict[str, list[str]] = {}
    for gateway_id in ids:
        gateway = known.get(gateway_id)
        layer = (gateway.layer if gateway is not None else None) or ""
        by_layer.setdefault(layer, []).append(gateway.label if gateway is not None else gateway_id)
    order = [*_LAYER_WORDS, ""]
    return "; ".join(
        f"{_LAYER_WORDS.get(layer, 'gateway')}: {', '.join(titles)}"
        for layer, titles in sorted(by_layer.items(), key=lambda item: order.index(item[0]))
    )


def _pid(a: Debrief, behaviour: Behaviour) -> int:
    return next(p.id for p in a.participants if p.label == behaviour.subject)


def _by_role(a: Debrief, counts: Mapping[str, int]) -> str:
    """ "Police (2), School (1)": counts in brackets, so that "Police 2" stays a participant's label."""
    return ", ".join(f"{a.short(role)} ({n})" for role, n in counts.items()) or "\u2014"


def _verdict_tone(g: FactGuidance) -> str:
    return {
        "as guidance": "ideal",
        "over-shared": "over-open",
        "missed": "over-cautious",
        "partly missed": "over-cautious",
        "missed and over-shared": "chaotic",
    }.get(g.verdict, "")


# ---------------------------------------------------------------------------------------- barriers


def _barriers_section(a: Debrief) -> list[_Block]:
    b = a.barriers
    blocks: list[_Block] = [_Heading(2, "What held people back")]
    if not b.counts:
        return [*blocks, _Para("No barrier was cited.")]
    myth_ids = {m.barrier_id for m in b.myths}
    top = max(c.count for c in b.counts)
    bars = _Bars(
        tuple(
            _Bar(
                c.label + (" (myth here)" if c.barrier_id in myth_ids else ""),
                c.count,
                top,
                str(c.count),
                "myth" if c.barrier_id in myth_ids else "",
            )
            for c in b.counts
        ),
        caption=f"{b.total} barrier citations, once per agency left out",
    )
    blocks.append(_picture(lambda: barrier_chart(a), [bars], width=0.65))
    explained, rest = b.counts[:_EXPLAINED], b.counts[_EXPLAINED:]
    blocks.append(
        _Entries(
            tuple(
                _Entry(
                    f"{c.label} \u00b7 {c.counted}",
                    f"\u201c{c.sentence}\u201d \u00b7 by {_by_role(a, c.by_role)} \u00b7 on "
                    + (
                        _most(
                            (
                                f"{a.fact(f).label} ({n})"
                                for f, n in sorted(c.by_fact.items(), key=lambda item: -item[1])
                            ),
                            shown=3,
                        )
                        # `reported` leaves out the facts that would tell who cited it
                        or f"facts of agencies with fewer than {PRIVACY_MIN} people deciding"
                    ),
                    c.explanation,
                )
                for c in explained
            ),
            caption=f"The {len(explained)} most cited, with what each really is",
        )
    )
    if rest:
        blocks.append(
            _Bullets(
                tuple(
                    f"{c.label}: cited {_times(c.count)} by {_by_role(a, c.by_role)}" for c in rest
                )
            )
        )
    if b.myths:
        blocks.append(_Heading(3, "Myths to bust"))
        blocks.append(
            _first(
                [
                    f"\u201c{_barrier_sentence(m.barrier_id)}\u201d was cited "
                    f"({m.counted}; {_by_role(a, m.by_role)}) on \u201c{a.fact(m.fact_id).short}\u201d. "
                    f"{a.fact(m.fact_id).why_heading} {m.why}"
                    for m in b.myths
                ],
                _MYTHS_LISTED,
                "more citation{s} of a myth",
            )
        )
    if b.constraints:
        # The constraints' words are in "Perspectives": here, how often each became a barrier in play.
        by_role: dict[str, list[str]] = {}
        for link in b.constraints:
            by_role.setdefault(link.role_id, []).append(
                f"{_barrier_label(link.barrier_id)} {link.count}\u00d7"
            )
        blocks += [
            _Heading(3, "The role cards behind them"),
            _Bullets(tuple(f"{a.short(r)}: {', '.join(lines)}" for r, lines in by_role.items())),
        ]
    return blocks


def _first(lines: Sequence[str], shown: int, more: str) -> _Bullets:
    """The first `shown` lines (the most cited come first), then how many more: `more` is its words,
    with `{s}` where the plural takes an s."""
    left = len(lines) - shown
    tail = (f"and {left} " + more.format(s="s" if left != 1 else "") + ".",) if left > 0 else ()
    return _Bullets(tuple(lines[:shown]) + tail)


def _most(items: Iterable[str], shown: int = 5) -> str:
    """The first `shown` items (the most cited come first), and how many more."""
    every = list(items)
    more = len(every) - shown
    return ", ".join(every[:shown]) + (f" and {more} more" if more > 0 else "")


def _barrier_sentence(barrier_id: str) -> str:
    known = reference().barriers.get(barrier_id)
    return known.sentence if known else barrier_id


def _barrier_label(barrier_id: str) -> str:
    known = reference().barriers.get(barrier_id)
    return known.label if known else barrier_id


# ---------------------------------------------------------------------------------- stages, prompts


def _stages_section(a: Debrief) -> list[_Block]:
    """Stage by stage, what each agency would do next (its most chosen action) and how it shared."""
    if not a.stages:
        return []
    rows = []
    for label in _row_labels(a):
        row: list[object] = [a.short(label)]
        for view in a.stages:
            found = next((j for j in view.judgements if j.role_id == label), None)
            modes = found.action_mode if found else ()
            # The action's id in words ("strategy discussion"): a grid cell has no room for its label.
            row.append(" / ".join(x.replace("_", " ") for x in modes) or "\u2014")
        rows.append(row)
    quiet = [f"stage {v.index + 1}" for v in a.stages if v.empty]
    blocks: list[_Block] = [
        _Heading(2, "Stage by stage"),
        _table(
            ["Role", *(f"Stage {v.index + 1}" for v in a.stages)],
            rows,
            grid=True,
            caption="Each cell: the next step most of the agency's participants chose",
        ),
    ]
    if quiet:
        blocks.append(_Para(f"Nobody submitted at this stage: {', '.join(quiet)}.", "alert"))
    return blocks


def _prompts_section(a: Debrief) -> list[_Block]:
    if not a.prompts:
        return []
    return [
        _Heading(2, "Questions for discussion"),
        _Bullets(
            tuple(
                (f"Stage {p.stage_index + 1}: " if p.kind == "scenario" else "") + p.text
                for p in a.prompts
            )
        ),
    ]


def _notes_section(a: Debrief) -> list[_Block]:
    if not a.notes:
        return []
    return [
        _Heading(2, "In their own words"),
        _Para("Notes their writers agreed to share, without names.", "muted"),
        *(
            _Quote(note.text, f"{a.short(note.role_id)}, stage {note.stage_index + 1}")
            for note in a.notes
        ),
    ]


def _evaluation_section(a: Debrief, evaluation: EvaluationReport) -> list[_Block]:
    """ "What changed" (outputs.evaluation_report), laid out as this report's blocks."""
    made: dict[str, Any] = {
        "heading": _Heading,
        "para": _Para,
        "bullets": lambda items: _Bullets(tuple(items)),
        "table": lambda columns, rows, caption: _table(columns, rows, caption),
        "bars": lambda bars, caption: _Bars(tuple(_Bar(*bar) for bar in bars), caption),
        "quote": _Quote,
    }
    return [made[kind](*parts) for kind, *parts in section_blocks(evaluation, a.audience, a.short)]


def _story_section(a: Debrief) -> list[_Block]:
    blocks: list[_Block] = []
    if a.what_happened:
        blocks += [_Heading(2, "What happened"), _Para(a.what_happened)]
    return [*blocks, _Heading(2, "Learning outcomes"), _Bullets(tuple(a.learning_outcomes))]


def _method_section(a: Debrief) -> list[_Block]:
    return [
        _Heading(2, "How to read this report"),
        _Bullets(
            (
                "A fact shared at a stage reaches the other agency when that stage is revealed. The jigsaw shows what "
                "each agency knew after the reveal; a judgement is compared with the picture its participants saw while "
                "deciding.",
                "Guidance is addressed to the agency that holds a fact: it should reach each agency guidance lists that "
                "does not have it yet. Sending it on from elsewhere is counted, not required.",
                CLASSIFICATION_RULE,
                "Participants are named by role and number only; notes are quoted only where their writer allowed it.",
            )
        ),
    ]


# ------------------------------------------------------------------------------- the EASI themes


def _perspectives_section(a: Debrief) -> list[_Block]:
    """The first half of an EASI day: every agency in play with what pushes it to share, what holds it
    back (and the barrier each constraint becomes) and where it acts, then the threshold ladder."""
    if not a.perspectives:
        return []
    entries = tuple(
        _Entry(
            f"{view.name}"
            + (" (lead agency)" if view.is_lead else "")
            + f" \u00b7 acts at {view.acts_at_label}",
            "Pushes it to share: " + " ".join(_first_sentence(m) for m in view.motivators),
            "Holds it back: "
            + " ".join(
                f"{_first_sentence(c.text)} (\u2192 {c.barrier_label})" for c in view.constraints
            ),
        )
        for view in a.perspectives
    )
    ladder = _table(
        ["Level of need", "Agencies that act here"],
        [
            (f"{rung.number} \u00b7 {rung.label}", ", ".join(rung.roles) or "\u2014")
            for rung in a.ladder
        ],
        caption="The threshold ladder: where each agency acts, highest level first",
    )
    return [
        _Heading(2, "Perspectives: the agencies side by side"),
        _Para(
            "Each agency's motivators and constraints (the first sentence of each; the role cards give "
            "them in full), and the barrier each constraint becomes: why colleagues have other "
            "priorities. Agencies set the bar differently and measure different things.",
            "muted",
        ),
        ladder,
        _Entries(entries),
    ]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])")


def _plural(n: int, one: str, many: str) -> str:
    """ "1 share", "2 shares": a count with its noun."""
    return f"{n} {one if n == 1 else many}"


def _first_sentence(text: str) -> str:
    """A role card's line cut to its first sentence: the report sets the agencies side by side."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def _front_door_section(a: Debrief) -> list[_Block]:
    """What reached the lead agency stage by stage: the workload that sharing creates (over-referral is
    a failure too, not only under-sharing)."""
    if not a.front_door:
        return []
    lead = a.short(a.lead_role)
    arrivals = sum(stage.facts for stage in a.front_door)
    needless = sum(stage.unneeded for stage in a.front_door)
    return [
        _Heading(2, f"The cost of sharing at the front door ({lead})"),
        _Para(
            "A share is one participant sending one fact to the lead agency; guidance expected a fact "
            "whose guidance lists the lead, and did not need one whose guidance does not.",
            "muted",
        ),
        _table(
            [
                "Stage",
                "Shares received",
                "Distinct facts",
                "Guidance expected",
                "Not needed",
                "Needed by then",
            ],
            [
                (
                    f"{stage.stage_index + 1}. {stage.stage_title}",
                    stage.shares,
                    stage.facts,
                    stage.expected,
                    stage.unneeded,
                    stage.expected_in_play,
                )
                for stage in a.front_door
            ],
            caption="What reached the lead agency, stage by stage",
        ),
        _Para(
            f"{lead} received {_plural(sum(s.shares for s in a.front_door), 'share', 'shares')}; "
            f"{needless} of the {arrivals} facts arriving concerned facts guidance did not route to "
            "it. Each is work for the front door, and better sharing raises caseloads, a perverse "
            "incentive a partnership has to plan for. It is not a reason to hold back a concern "
            "about risk."
        ),
    ]


def _law_layers_section(a: Debrief) -> list[_Block]:
    """The layers behind a lawful share of one fact, and which of them the room's reasons touched."""
    panel = a.law_panel
    if panel is None:
        return []
    entries = []
    for row in panel.rows:
        answers = "; ".join(label for label, _ in row.gateways) or (
            "necessity and proportionality, asked of every share"
            if row.layer == "human_rights"
            else "none named for this fact"
        )
        touched = (
            f" \u00b7 the room's reasons: {row.reasons_touching} of {panel.shares}"
            if panel.shares
            else ""
        )
        entries.append(
            _Entry(
                f"{row.title}: {row.question}",
                answers + touched,
                " ".join(summary for _, summary in row.gateways),
            )
        )
    return [
        _Heading(2, f"The layers of the law: \u201c{panel.fact_label}\u201d"),
        _Para(LAW_COMMISSION),
        _Entries(tuple(entries)),
    ]


# The detail, in order: one function per section (a Debrief in, blocks out). A new section (the room's
# barriers activity, "Who leads?") is one more line here.
DETAIL_SECTIONS: tuple[Callable[[Debrief], list[_Block]], ...] = (
    _front,
    _key_messages,
    _acting,
    _front_door_section,
    _jigsaw_section,
    _flows_section,
    _judgement_section,
    _guidance_section,
    _law_layers_section,
    _barriers_section,
    _stages_section,
    _prompts_section,
    _notes_section,
)


def _room_section(a: Debrief, room: RoomActivities) -> list[_Block]:
    """The room's own barriers beside those cited in play, and "Who leads?" beside the guidance;
    nothing when neither activity was run."""
    if room.barriers.state == "not_run" and not room.leads:
        return []
    blocks: list[_Block] = [
        _Heading(2, ROOM_HEADING),
        _Heading(3, "The barriers of their real jobs"),
    ]
    if room.barriers.shown:
        blocks += _room_barriers(a, room.barriers)
    else:
        blocks.append(_Para(barriers_status(room.barriers), "muted"))
    if room.leads:
        blocks += [_Heading(3, "Who leads?"), _room_leads(a, room.leads)]
    return blocks


def _room_barriers(a: Debrief, b: RoomBarriers) -> list[_Block]:
    audience = a.audience.replace("_", " ")
    blocks: list[_Block] = [
        _Para(
            f"{_plural(b.answered, 'person', 'people')} said, from their real jobs, what holds them "
            "back from sharing at work, before the case began. Beside each: how many cited it in "
            "play (people, any fact, any stage)."
        ),
        _table(
            ["Barrier", "Cluster", "Brought from work", "Cited in play", f"For {audience}"],
            [
                (
                    side.label,
                    side.cluster,
                    side.brought or "\u2014",
                    side.cited or "\u2014",
                    side.verdict,
                )
                for side in b.barriers
            ],
            caption="The room's barriers and the role cards' barriers",
        ),
    ]
    myths = [side for side in b.barriers if side.barrier_id in b.brought_myths]
    if myths:
        blocks.append(_Heading(3, "Brought to the room, and myths for this audience"))
        blocks.append(
            _Entries(
                tuple(
                    _Entry(
                        side.label,
                        f"\u201c{side.sentence}\u201d \u00b7 {side.brought} brought it",
                        side.explanation,
                    )
                    for side in myths
                )
            )
        )
    labels = {side.barrier_id: side.label for side in b.barriers}
    for ids, words, question in (
        (
            b.brought_not_cited,
            "Brought from work but never cited in play",
            "Worth asking why the case did not bring them out.",
        ),
        (
            b.cited_not_brought,
            "Cited in play but brought by nobody",
            "The role cards, or the case, may be carrying them.",
        ),
    ):
        if ids:
            blocks.append(_Para(f"{words}: {', '.join(labels[i] for i in ids)}. {question}"))
    if b.lines:
        blocks += [_Heading(3, "In their own words (approved)"), _Bullets(b.lines)]
    return blocks


def _room_leads(a: Debrief, leads: Sequence[LeadStage]) -> _Entries:
    def guidance(stage: LeadStage) -> str:
        why = f". {stage.why}" if stage.why else ""
        return f"Guidance: {lead_guidance(stage, a.short)}{why}"

    return _Entries(
        tuple(
            _Entry(
                f"Stage {stage.stage_index + 1}. {stage.stage_title}",
                guidance(stage),
                lead_sentence(stage, a.short),
            )
            for stage in leads
        ),
        caption="The room's answers at each reveal where the facilitator asked",
    )


# After "What changed" (when the evaluation is given): the story, and how to read the report.
CLOSING_SECTIONS: tuple[Callable[[Debrief], list[_Block]], ...] = (_story_section, _method_section)


# ============================================================================================ Markdown


_FULL, _EMPTY = "\u2588", "\u2591"  # a bar's filled and empty blocks in Markdown
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def _md(text: str) -> str:
    """Plain text made inert in Markdown, on one line: punctuation backslash-escaped, and an `&` that
    would start an entity written as one."""
    return _MD_ENTITY.sub("&amp;", _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split())))


def render_markdown(
    analysis: Debrief,
    evaluation: EvaluationReport | None = None,
    room: RoomActivities | None = None,
) -> str:
    """The report as Markdown (GitHub-flavoured tables)."""
    out: list[str] = []
    for block in _document(analysis, evaluation, room):
        out.extend(_md_block(block))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_block(block: _Block) -> Iterator[str]:
    if isinstance(block, _PageBreak):
        yield "---"
    elif isinstance(block, _Picture):
        for part in block.fallback:
            yield from _md_block(part)
            yield ""
    elif isinstance(block, _Entries):
        if block.caption:
            yield f"**{_md(block.caption)}**"
            yield ""
        for entry in block.entries:
            yield f"- **{_md(entry.title)}**  "
            if entry.meta:
                yield f"  {_md(entry.meta)}" + ("  " if entry.text else "")
            if entry.text:
                yield f"  {_md(entry.text)}"
    elif isinstance(block, _Heading):
        yield "#" * block.level + " " + _md(block.text)
    elif isinstance(block, _Para):
        yield f"*{_md(block.text)}*" if block.tone == "muted" else _md(block.text)
    elif isinstance(block, _Bullets):
        yield from (f"- {_md(item)}" for item in block.items)
    elif isinstance(block, _Quote):
        yield f"> {_md(block.text)}"
        yield f"> \u2014 {_md(block.by)}"
    elif isinstance(block, _Bars):
        if block.caption:
            yield f"**{_md(block.caption)}**"
            yield ""
        width = max((len(bar.label) for bar in block.bars), default=0)
        yield "```"
        for bar in block.bars:
            filled = round(20 * bar.value / bar.maximum) if bar.maximum else 0
            # Inside a code block nothing is interpreted, so the label is written as it is.
            yield f"{bar.label.ljust(width)}  {_FULL * filled}{_EMPTY * (20 - filled)}  {bar.text}"
        yield "```"
    elif isinstance(block, _Table):
        if block.caption:
            yield f"**{_md(block.caption)}**"
            yield ""
        yield "| " + " | ".join(_md(c) for c in block.columns) + " |"
        yield "|" + "|".join("---" for _ in block.columns) + "|"
        for row in block.rows:
            yield "| " + " | ".join(_md(cell.text) for cell in row) + " |"


# ============================================================================================ pictures


@functools.lru_cache(maxsize=32)
def _svg(spec: str) -> str | None:
    """A chart as SVG (vl-convert renders Vega-Lite without a browser), or None without vl-convert."""
    try:
        import vl_convert
    except ImportError:
        return None
    return vl_convert.vegalite_to_svg(json.loads(spec))


@functools.lru_cache(maxsize=32)
def _png(spec: str) -> bytes | None:
    """A chart as a PNG at twice its size (a 1000 px chart across 18 cm: about 280 dpi), flattened on
    white (the PDF then embeds it without an alpha channel to split), or None without vl-convert."""
    try:
        import vl_convert
    except ImportError:
        return None
    png = vl_convert.vegalite_to_png(json.loads(spec), scale=2)
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with Streamlit; without it the PDF embeds the PNG as it is
        return png
    flat = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(flat, format="PNG", optimize=False)
    return flat.getvalue()


_SVG_HEAD = re.compile(r"^<svg\b")


def warm_up() -> None:
    """Start the chart renderer (its first picture takes seconds), so that a report asked for later is
    drawn at once."""
    _svg(json.dumps({"mark": "point", "data": {"values": [{"x": 1}]}}))


# ================================================================================================ HTML


_CSS = """
:root { --ink:#1a1a1a; --muted:#555; --line:#d0d0d0; --own:#0072B2; --received:#E69F00; --unknown:#f0f0f0;
        --myth:#D55E00; --bar:#0072B2; }
* { box-sizing: border-box; }
body { font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       max-width: 1200px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 2rem; margin-bottom: .25rem; } h2 { font-size: 1.5rem; margin-top: 2.5rem;
     border-bottom: 3px solid var(--ink); padding-bottom: .2rem; } h3 { font-size: 1.2rem; margin-top: 1.5rem; }
p.lead { font-size: 1.15rem; } p.muted { color: var(--muted); } p.alert { font-weight: 600; color: var(--myth); }
.scroll { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; vertical-align: top; text-align: left; }
th { background: #f5f5f5; }
table.grid td { text-align: center; vertical-align: middle; min-width: 6.5rem; font-weight: 600; }
table.grid td:first-child, table.grid th { text-align: left; }
/* No text on a coloured fill: a table's tones are words and marks (the charts carry the colour). */
td.self, td.heat0, td.unclassified { color: var(--muted); }
td.above, td.below, td.over-open, td.over-cautious, td.chaotic { font-weight: 700; }
.entries { margin: 1rem 0; } .entries .cap { font-weight: 600; }
.entry { margin: .6rem 0 .9rem; break-inside: avoid; } .entry p { margin: .1rem 0; }
.entry .title { font-weight: 700; } .entry .meta { color: var(--muted); font-size: .95rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9rem; }
.bars { margin: 1rem 0; } .bars .cap { font-weight: 600; margin-bottom: .3rem; }
.bar { display: grid; grid-template-columns: 15rem minmax(10rem, 28rem) 1fr; gap: .75rem; align-items: center;
       margin: .3rem 0; }
.bar .track { background: #eee; height: 1.6rem; display: block; }
.bar .fill { background: var(--bar); height: 100%; display: block; } .bar.myth .fill { background: var(--myth); }
.bar.lead .label, .bar .text { font-weight: 700; }
blockquote { border-left: 5px solid var(--line); margin: 1rem 0; padding: .2rem 1rem; }
blockquote footer { color: var(--muted); }
.page-break { height: 0; }
@page { size: A4 portrait; margin: 14mm; }
@media print { body { margin: 0; max-width: none; font-size: 9.5pt; } h2, h3 { break-after: avoid; }
  ul { margin: .3rem 0; padding-left: 1.2rem; } h3 { margin-top: .8rem; }
  h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 1.2rem; } h3 { font-size: 11pt; }
  table { font-size: 8.5pt; } th, td { padding: .2rem .35rem; }
  tr, .bar, blockquote, figure { break-inside: avoid; } .scroll { overflow: visible; }
  thead { display: table-header-group; } p.lead { font-size: 10.5pt; } h2 { padding-bottom: 0; }
  .page-break { break-after: page; } figure svg { max-height: 85mm; width: auto; }
  figcaption { display: none; } /* on paper the chart speaks; its words stay for screen readers */
  .bar { grid-template-columns: 11rem minmax(6rem, 1fr) 16rem; }
  .bar .fill { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def render_html(
    analysis: Debrief,
    evaluation: EvaluationReport | None = None,
    room: RoomActivities | None = None,
) -> str:
    """The report as one standalone HTML page: inline CSS, no script, no network; prints well."""
    body = "\n".join(_html_block(block) for block in _document(analysis, evaluation, room))
    title = html.escape(f"Debrief: {analysis.title} ({analysis.code}, {analysis.date})")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_block(block: _Block) -> str:
    if isinstance(block, _PageBreak):
        return '<div class="page-break"></div>'
    if isinstance(block, _Picture):
        svg = _svg(block.spec)
        if svg is None:
            return "\n".join(_html_block(part) for part in block.fallback)
        # The SVG is drawn by vl-convert from our own chart (its text escaped as XML); named for
        # screen readers by the chart's text alternative.
        named = _SVG_HEAD.sub(f'<svg role="img" aria-label="{_e(block.alt)}"', svg, count=1)
        return f"<figure>{named}<figcaption>{_e(block.alt)}</figcaption></figure>"
    if isinstance(block, _Entries):
        caption = f'<p class="cap">{_e(block.caption)}</p>' if block.caption else ""
        entries = "".join(
            f'<div class="entry"><p class="title">{_e(entry.title)}</p>'
            + (f'<p class="meta">{_e(entry.meta)}</p>' if entry.meta else "")
            + (f"<p>{_e(entry.text)}</p>" if entry.text else "")
            + "</div>"
            for entry in block.entries
        )
        return f'<div class="entries">{caption}{entries}</div>'
    if isinstance(block, _Heading):
        return f"<h{block.level}>{_e(block.text)}</h{block.level}>"
    if isinstance(block, _Para):
        tone = f' class="{_e(block.tone)}"' if block.tone else ""
        return f"<p{tone}>{_e(block.text)}</p>"
    if isinstance(block, _Bullets):
        return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, _Quote):
        return f"<blockquote><p>{_e(block.text)}</p><footer>\u2014 {_e(block.by)}</footer></blockquote>"
    if isinstance(block, _Bars):
        bars = "".join(
            f'<div class="bar {_e(bar.tone)}"><span class="label">{_e(bar.label)}</span><span class="track">'
            f'<span class="fill" style="width:{_pct(bar.value, bar.maximum)}%"></span></span>'
            f'<span class="text">{_e(bar.text)}</span></div>'
            for bar in block.bars
        )
        caption = f'<div class="cap">{_e(block.caption)}</div>' if block.caption else ""
        return f'<div class="bars">{caption}{bars}</div>'
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in block.columns)
    rows = "".join(
        "<tr>" + "".join(_html_cell(n, cell) for n, cell in enumerate(row)) + "</tr>"
        for row in block.rows
    )
    caption = f"<caption>{_e(block.caption)}</caption>" if block.caption else ""
    cls = ' class="grid"' if block.grid else ""
    return f'<div class="scroll"><table{cls}>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _html_cell(position: int, cell: _Cell) -> str:
    tag = 'th scope="row"' if position == 0 else "td"
    tone = f' class="{_e(cell.tone)}"' if cell.tone and position else ""
    return f"<{tag}{tone}>{_e(cell.text)}</{tag.split()[0]}>"


def _pct(value: float, maximum: float) -> str:
    return f"{max(0.0, min(100.0, 100 * value / maximum)) if maximum else 0:.1f}"


# ================================================================================================= PDF


def render_pdf(
    analysis: Debrief,
    evaluation: EvaluationReport | None = None,
    room: RoomActivities | None = None,
) -> bytes:
    """The report as a PDF (A4 portrait), in DejaVu Sans where installed, else a core font."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(f"Debrief: {analysis.title}")
    unicode_font = _add_fonts(pdf)
    text = (lambda s: str(s)) if unicode_font else _latin1
    family = "DejaVu" if unicode_font else "Helvetica"
    pdf.add_page()
    blocks = _document(analysis, evaluation, room)
    for block, after in zip(blocks, [*blocks[1:], None]):
        if isinstance(block, _Heading) and isinstance(after, _Picture):
            _keep_with_picture(pdf, after)
        elif isinstance(block, _Heading) and isinstance(after, _Bars):
            if pdf.get_y() + 12 + _bars_height(after) > pdf.h - pdf.b_margin:
                pdf.add_page()  # a heading stays with its bars
        _pdf_block(pdf, block, family, text)
    return bytes(pdf.output())


def _keep_with_picture(pdf: Any, picture: _Picture) -> None:
    """A new page before a heading whose picture would not fit under it (a heading never ends a page)."""
    png = _png(picture.spec)
    if png is None:
        return
    from fpdf.image_parsing import get_img_info

    info = get_img_info("chart", io.BytesIO(png))
    height = pdf.epw * picture.width * info["h"] / info["w"] + 12  # the picture and the heading
    room = pdf.h - pdf.b_margin - pdf.get_y()
    if height > room and room < 90 + 12:
        pdf.add_page()


def _add_fonts(pdf: Any) -> bool:
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if not regular.is_file():
        return False
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold if bold.is_file() else regular))
    return True


_LATIN1 = str.maketrans(
    {
        "\u2014": "-",
        "\u2013": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00b7": "-",
        "\u2192": "->",
        "\u2193": "v",
        "\u25b2": "^",
        "\u25bc": "v",
        "\u25c7": "<>",
        "\u2588": "#",
        "\u2591": ".",
        "\u00d7": "x",
    }
)


def _latin1(text: object) -> str:
    """Text the core PDF fonts can draw: common typography mapped, anything else as '?'."""
    return str(text).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _pdf_block(pdf: Any, block: _Block, family: str, text: Any) -> None:
    width = pdf.epw
    if isinstance(block, _PageBreak):
        pdf.add_page()
    elif isinstance(block, _Picture):
        _pdf_picture(pdf, block, family, text)
    elif isinstance(block, _Entries):
        _pdf_entries(pdf, block, family, text)
    elif isinstance(block, _Heading):
        size = {1: 18, 2: 14, 3: 11}.get(block.level, 11)
        if block.level <= 3 and pdf.get_y() > pdf.h * (0.84 if block.level == 2 else 0.88):
            pdf.add_page()  # a heading never ends a page
        pdf.ln(3 if block.level > 1 else 0)
        pdf.set_font(family, "B", size)
        pdf.multi_cell(width, size * 0.5, text(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif isinstance(block, _Para):
        pdf.set_font(family, "", 10.5 if block.tone == "lead" else _BODY_PT)
        pdf.set_text_color(90 if block.tone == "muted" else 0)
        pdf.multi_cell(width, _BODY_LINE, text(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(1.5)
    elif isinstance(block, _Bullets):
        pdf.set_font(family, "", _BODY_PT)
        for item in block.items:
            pdf.multi_cell(
                width,
                _BODY_LINE,
                text("\u2022 " if family == "DejaVu" else "- ") + text(item),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(2)
    elif isinstance(block, _Quote):
        pdf.set_font(family, "", 10)
        pdf.set_x(pdf.l_margin + 6)
        pdf.multi_cell(
            width - 6,
            5,
            text(f"\u201c{block.text}\u201d \u2014 {block.by}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(1)
    elif isinstance(block, _Bars):
        _pdf_bars(pdf, block, family, text)
    else:
        for part in _slices(block):
            _pdf_table(pdf, part, family, text)


def _pdf_picture(pdf: Any, block: _Picture, family: str, text: Any) -> None:
    png = _png(block.spec)
    if png is None:
        for part in block.fallback:
            _pdf_block(pdf, part, family, text)
        return
    from fpdf.image_parsing import get_img_info

    info = get_img_info("chart", io.BytesIO(png))
    width = pdf.epw * block.width
    height = width * info["h"] / info["w"]
    room = pdf.h - pdf.b_margin - pdf.get_y()
    if height > room:
        if room > 90:  # shrink to the room left rather than leave half a page empty
            width, height = width * room / height, room
        else:
            pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height, alt_text=text(block.alt))
    pdf.ln(2)


def _pdf_entries(pdf: Any, block: _Entries, family: str, text: Any) -> None:
    if block.caption:
        pdf.set_font(family, "B", 10)
        pdf.multi_cell(pdf.epw, 5, text(block.caption), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    for entry in block.entries:
        if pdf.get_y() > pdf.h - pdf.b_margin - 18:
            pdf.add_page()  # a title never ends a page
        pdf.set_font(family, "B", 9)
        pdf.multi_cell(pdf.epw, 4.3, text(entry.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8.5)
        if entry.meta:
            pdf.set_text_color(70)
            pdf.multi_cell(pdf.epw, 3.9, text(entry.meta), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
        if entry.text:
            pdf.set_font(family, "", 8.5)
            pdf.multi_cell(pdf.epw, 4.0, text(entry.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(1)


def _bars_height(block: _Bars) -> float:
    """How tall `_pdf_bars` draws a block (mm)."""
    return 6 * len(block.bars) + (5 if block.caption else 0) + 2


def _pdf_bars(pdf: Any, block: _Bars, family: str, text: Any) -> None:
    if pdf.get_y() + _bars_height(block) > pdf.h - pdf.b_margin:
        pdf.add_page()  # bars are drawn as one piece: a page break between them loses their tracks
    pdf.set_font(family, "B", 10)
    if block.caption:
        pdf.multi_cell(pdf.epw, 5, text(block.caption), new_x="LMARGIN", new_y="NEXT")
    label_width, track = 48, 60  # mm; the words go beside the track, never on its colour
    pdf.set_font(family, "", 9)
    for bar in block.bars:
        y = pdf.get_y()
        pdf.cell(label_width, 6, text(bar.label))
        pdf.set_fill_color(235, 235, 235)
        pdf.rect(pdf.l_margin + label_width, y + 1, track, 4, style="F")
        pdf.set_fill_color(*((213, 94, 0) if bar.tone == "myth" else (0, 114, 178)))
        filled = track * bar.value / bar.maximum if bar.maximum else 0
        if filled > 0:
            pdf.rect(pdf.l_margin + label_width, y + 1, filled, 4, style="F")
        pdf.set_xy(pdf.l_margin + label_width + track + 3, y)
        pdf.cell(
            pdf.epw - label_width - track - 3, 6, text(bar.text), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.set_fill_color(255)  # tables after this draw no fill of their own
    pdf.ln(2)


def _slices(table: _Table) -> Iterator[_Table]:
    """A wide table as slices of `_WIDE` columns, each keeping the first (row names)."""
    columns = len(table.columns)
    if columns <= _WIDE + 1 or not table.grid:
        yield table
        return
    for start in range(1, columns, _WIDE):
        keep = [0, *range(start, min(start + _WIDE, columns))]
        yield _Table(
            tuple(table.columns[i] for i in keep),
            tuple(tuple(row[i] for i in keep) for row in table.rows),
            table.caption
            + f" (columns {start}-{min(start + _WIDE, columns) - 1} of {columns - 1})",
            table.grid,
        )


def _pdf_table(pdf: Any, table: _Table, family: str, text: Any) -> None:
    from fpdf.fonts import FontFace

    if table.caption:
        pdf.set_font(family, "B", 10)
        pdf.multi_cell(pdf.epw, 5, text(table.caption), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8 if len(table.columns) > 6 else 9)
    # Columns as wide as their longest word and their usual text: names and counts stay on one line.
    widths = []
    for n, column in enumerate(table.columns):
        texts = [column] + [row[n].text for row in table.rows if n < len(row)]
        longest_word = max((len(word) for t in texts for word in str(t).split()), default=1)
        typical = sorted(len(str(t)) for t in texts)[len(texts) // 2]
        widths.append(max(longest_word, min(typical, 40), 3) + 2)
    # Row names keep their words whole ("Emergency", never "Emerge-ncy"): the first column gets at
    # least its longest word's printed width (bold, as fpdf draws row names), the rest share the page.
    pdf.set_font(style="B")
    names = [table.columns[0]] + [row[0].text for row in table.rows if row]
    first = max(pdf.get_string_width(text(word)) for t in names for word in str(t).split()) + 3
    pdf.set_font(style="")
    share = first / pdf.epw * sum(widths[1:]) / max(1 - first / pdf.epw, 0.2)
    widths[0] = max(widths[0], share)
    with pdf.table(
        col_widths=tuple(widths),
        text_align="LEFT",
        line_height=4.5,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(240, 240, 240)),
    ) as out:
        heading = out.row()
        for column in table.columns:
            heading.cell(text(column))
        for cells in table.rows:
            row = out.row()
            for cell in cells:
                # No text on a coloured fill: tones are in the words and marks.
                row.cell(text(cell.text))
    pdf.ln(3)


# ============================================================================================ CSV, JSON


def render_csv(record: WorkshopRecord, through: int | None = None) -> str:
    """The raw decisions through `through` (default: the last revealed stage): one row per participant,
    stage, fact and recipient (or one row with an empty recipient), columns `CSV_COLUMNS` in that order.
    Participants appear by label; notes are not exported."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in decision_rows(record, through):
        writer.writerow([_csv_safe(getattr(row, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render_json(
    record: WorkshopRecord,
    analysis: Debrief,
    evaluation: EvaluationReport | None = None,
    room: RoomActivities | None = None,
) -> str:
    """The analysis and the raw decisions it was made from, as JSON (format `JSON_FORMAT`); with the
    evaluation's figures and its record (answers by respondent number, never a name), and the room's
    activities as the debrief shows them, when given."""
    document = {
        "format": JSON_FORMAT,
        "analysis": _data(reported(analysis)),
        "decisions": [_data(row) for row in decision_rows(record, analysis.through)],
    }
    if evaluation is not None:
        document["evaluation"] = _data(evaluation.result)
        document["evaluation_answers"] = [
            {"respondent": f"R{number}", **person.model_dump(exclude={"participant_id", "role_id"})}
            for number, person in enumerate(evaluation.record.respondents, start=1)
        ]
    if room is not None:
        document["room_activities"] = room.to_dict()
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


# Computed properties worth having in the JSON beside each type's fields.
_PROPERTIES: dict[type, tuple[str, ...]] = {
    SharingCounts: ("over_shared", "missing_rate", "over_sharing_rate"),
    Split: ("rate",),
    Behaviour: ("evidence",),
    Judgement: ("participants", "low", "high", "spread", "mode", "action_mode", "above", "below"),
    PictureShare: ("weight_share", "count_share"),
    RoleInfo: ("deciding",),
    Flow: ("facts",),
    CouldHaveActed: ("delay",),
    LateFact: ("stages_late",),
    FactGuidance: ("verdict",),
    StageView: ("empty",),
}


def _data(value: Any) -> Any:
    """Plain JSON data for any analysis value (dataclasses, named tuples, mappings, sequences)."""
    if isinstance(value, Jigsaw):
        skip = {"states", "received"}
        found = {f.name: _data(getattr(value, f.name)) for f in fields(value) if f.name not in skip}
        found["cells"] = [_data(cell) for cell in value.cells]
        return found
    if is_dataclass(value) and not isinstance(value, type):
        found = {f.name: _data(getattr(value, f.name)) for f in fields(value)}
    elif isinstance(value, tuple) and hasattr(value, "_fields"):
        found = {name: _data(getattr(value, name)) for name in value._fields}
    elif isinstance(value, Mapping):
        return {str(key): _data(item) for key, item in value.items()}
    elif isinstance(value, list | tuple):
        return [_data(item) for item in value]
    else:
        return value
    for name in _PROPERTIES.get(type(value), ()):
        found[name] = _data(getattr(value, name))
    return found


# ============================================================================================ dispatch

FORMATS = ("md", "html", "pdf", "csv", "json")


def render(
    fmt: str,
    record: WorkshopRecord,
    analysis: Debrief,
    evaluation: EvaluationReport | None = None,
    room: RoomActivities | None = None,
) -> str | bytes:
    """The report in format `fmt` (one of `FORMATS`, or `answers`): text, or bytes for the PDF. With
    `evaluation`, the documents carry "What changed", and `answers` is its raw answers as CSV; with
    `room` (`analysis.room_activities`), the room's own barriers and "Who leads?"."""
    if fmt == "md":
        return render_markdown(analysis, evaluation, room)
    if fmt == "html":
        return render_html(analysis, evaluation, room)
    if fmt == "pdf":
        return render_pdf(analysis, evaluation, room)
    if fmt == "csv":
        return render_csv(record, analysis.through)
    if fmt == "json":
        return render_json(record, analysis, evaluation, room)
    if fmt == "answers":
        if evaluation is None:
            raise ValueError("The answers export needs the workshop's evaluation.")
        return answers_csv(evaluation.record)
    raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
