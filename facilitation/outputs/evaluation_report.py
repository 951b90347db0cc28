"""The "What changed" section of the debrief report, its chart, and the raw answers as CSV.

`section_blocks` writes the section once, as plain tuples that `report` lays out in every format (so this
module needs nothing of report's): `("heading", level, text)`, `("para", text, tone)`, `("bullets",
items)`, `("table", columns, rows, caption)`, `("bars", [(label, value, maximum, text, tone)], caption)`,
`("quote", text, by)`.

`answers_csv` carries every answer pseudonymously (respondents "R1", "R2"... in seat order, with their
agency), one row per respondent, moment and item, so that anyone can recompute every figure of the
section with the calls docs/evaluation.md gives. Open answers are not in it (free text may hold case
details); they appear in the report only where their writer agreed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt

from facilitation.analysis import (
    MIN_PAIRS,
    TOO_FEW,
    Evaluation,
    PairedChange,
    describe,
    evaluate,
    format_p,
)
from facilitation.content import reference
from facilitation.play import EvaluationRecord, WorkshopRecord

__all__ = [
    "ANSWER_COLUMNS",
    "EvaluationReport",
    "answers_csv",
    "evaluation_report",
    "follow_up_csv",
    "section_blocks",
    "what_changed_chart",
    "what_changed_rows",
]

ANSWER_COLUMNS = (
    "respondent",
    "agency",
    "simulated",
    "moment",
    "kind",
    "item",
    "value",
    "right",
    "questionnaire",
)
_USED_WORDS = {"yes": "Yes", "no": "No", "no_chance": "Not had the chance"}
_MOMENT_WORDS = {"post": "after the day", "follow_up": "at follow-up"}


@dataclass(frozen=True)
class EvaluationReport:
    """What the report needs of the evaluation: the raw record and the figures computed from it."""

    record: EvaluationRecord
    result: Evaluation

    @property
    def answered(self) -> bool:
        """Whether there is anything to show (answers, agreements or a plan)."""
        c = self.result.counts
        return bool(c.pre_answered or c.post_answered or self.result.agreements or self.result.plan)


def evaluation_report(record: EvaluationRecord, workshop: WorkshopRecord) -> EvaluationReport:
    """Compute the figures of `record` (with `workshop`, for each agency's own levels)."""
    return EvaluationReport(record, evaluate(record, workshop))


# ============================================================================================ section


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def _change_cell(c: PairedChange, unit: str = "") -> str:
    if not c.enough:
        return TOO_FEW
    return f"{c.change:+.1f}{unit} ({c.ci_low:+.1f} to {c.ci_high:+.1f})"


def _change_row(c: PairedChange, label: str | None = None, unit: str = "") -> list[str]:
    if not c.enough:
        return [label or c.label, str(c.n), TOO_FEW, "", "", "", ""]
    return [
        label or c.label,
        str(c.n),
        _num(c.before, unit=unit),
        _num(c.after, unit=unit),
        _change_cell(c, unit),
        _num(c.d_z, 2),
        format_p(c.p),
    ]


_CHANGE_COLUMNS = ("Item", "n", "Before", "After", "Change (95% CI)", "d_z", "Wilcoxon p")


def section_blocks(
    report: EvaluationReport, audience: str, short: Callable[[str], str] = str
) -> list[tuple]:
    """Every block of "What changed", in order (empty when nobody answered and nothing was agreed)."""
    if not report.answered:
        return []
    e = report.result
    c = e.counts
    blocks: list[tuple] = [("heading", 2, "What changed")]
    follow = (
        f"; follow-up: {c.follow_up_answered} of {c.follow_up_links} links answered"
        if c.follow_up_links
        else ""
    )
    blocks.append(
        (
            "para",
            f"{c.participants} took part; {c.pre_answered} answered the questionnaire before play "
            f"({c.pre_skipped} skipped it) and {c.post_answered} after the debrief{follow}. "
            f"Figures pair each person's answers; below {MIN_PAIRS} pairs they say '{TOO_FEW}'. "
            f"Questionnaire {e.form}.",
            "muted",
        )
    )
    blocks += _confidence(e)
    blocks += _response_shift(e)
    blocks += _knowledge(e)
    blocks += _agencies(e)
    blocks += _follow_up(e)
    blocks += _agreements(e, audience, short)
    blocks += _plan(e)
    blocks += _quotes(e)
    blocks.append(
        (
            "para",
            "How these are computed: change = after - before for each person; 95% CI from the t "
            "distribution; d_z (Cohen's d for paired data) = mean change / SD of the changes; Wilcoxon "
            "signed-rank p for the ordinal ratings; knowledge: exact McNemar p (a binomial test on the "
            "people who changed). Self-ratings rose in other evaluations while knowledge did not: read "
            "the two together. The answers export (CSV) holds every answer, to recompute each figure.",
            "muted",
        )
    )
    return blocks


def _confidence(e: Evaluation) -> list[tuple]:
    rows = [_change_row(e.confidence, "All items (the scale)")]
    rows += [_change_row(item) for item in e.confidence_items]
    bars = [
        (
            item.label,
            item.after,
            5.0,
            f"{item.before:.1f} -> {item.after:.1f} (change {_change_cell(item)})",
            "",
        )
        for item in (e.confidence, *e.confidence_items)
        if item.enough
    ]
    blocks: list[tuple] = [
        ("heading", 3, "Confidence before and after (1-5)"),
        (
            "table",
            _CHANGE_COLUMNS,
            rows,
            "Before: the questionnaire before play; after: after the debrief.",
        ),
    ]
    if bars:
        blocks.append(
            ("bars", bars, "After the day, out of 5, with the change and its 95% interval.")
        )
    return blocks


def _response_shift(e: Evaluation) -> list[tuple]:
    rows = []
    for pre, after in (
        (e.response_shift, e.confidence),
        *zip(e.response_shift_items, e.confidence_items),
    ):
        label = "All items (the scale)" if pre.key == "confidence" else pre.label
        if not pre.enough:
            rows.append([label, str(pre.n), TOO_FEW, "", "", ""])
            continue
        rows.append(
            [
                label,
                str(pre.n),
                _num(pre.before),
                _num(pre.after),
                _num(after.after) if after.enough else "-",
                _change_cell(pre),
            ]
        )
    return [
        ("heading", 3, "True pre and retrospective pre"),
        (
            "para",
            "After the day each person also rated where they had been before it. A retrospective pre "
            "below the true pre suggests people now judge their starting point more strictly (response "
            "shift), which makes a before-and-after change look smaller than it is.",
            "",
        ),
        (
            "table",
            ("Item", "n", "True pre", "Retrospective pre", "After", "Shift (95% CI)"),
            rows,
            "",
        ),
    ]


def _knowledge(e: Evaluation) -> list[tuple]:
    rows = [
        [
            "All items: % right per person",
            str(e.knowledge.n),
            *(_change_row(e.knowledge, unit="%")[2:5]),
            format_p(e.knowledge.p) + " (Wilcoxon)" if e.knowledge.enough else "",
        ]
    ]
    for k in e.knowledge_items:
        answer = "true" if k.answer else "false (a myth)"
        if not k.enough:
            rows.append([f"{k.statement} [{answer}]", str(k.n), TOO_FEW, "", "", ""])
            continue
        rows.append(
            [
                f"{k.statement} [{answer}]",
                str(k.n),
                f"{k.right_before:.0%}",
                f"{k.right_after:.0%}",
                f"{k.improved} now right, {k.worsened} now wrong",
                format_p(k.p),
            ]
        )
    blocks: list[tuple] = [
        ("heading", 3, "Knowledge before and after"),
        (
            "table",
            (
                "Statement [right answer]",
                "n",
                "Right before",
                "Right after",
                "Changed",
                "McNemar p",
            ),
            rows,
            "'Not sure' counts as not right.",
        ),
    ]
    survived = e.still_wrong
    if survived:
        blocks += [
            # Not "myths": an item may be a true statement that people got wrong.
            ("heading", 3, "Points still answered wrongly after the day"),
            (
                "bullets",
                tuple(
                    f"\u201c{k.statement}\u201d Still answered wrongly by {k.wrong_after} of "
                    f"{k.answered_after}. The correct position: "
                    f"{'true' if k.answer else 'false'}. {k.explanation}"
                    for k in survived
                ),
            ),
        ]
    return blocks


def _agencies(e: Evaluation) -> list[tuple]:
    if not e.by_agency:
        return []
    rows = [
        [
            group.label + (f" ({', '.join(group.agencies)})" if group.pooled else ""),
            str(group.confidence.n),
            _change_cell(group.confidence),
            _change_cell(group.knowledge, "%"),
        ]
        for group in e.by_agency
    ]
    return [
        ("heading", 3, "By agency"),
        (
            "table",
            ("Agency", "n", "Confidence change (95% CI)", "Knowledge change (95% CI)"),
            rows,
            f"An agency with fewer than {MIN_PAIRS} people who answered both is pooled with the others.",
        ),
    ]


def _follow_up(e: Evaluation) -> list[tuple]:
    c = e.counts
    if not c.follow_up_answered:
        return []
    used = ", ".join(
        f"{_USED_WORDS.get(key, key)}: {count}" for key, count in sorted(c.used_at_work.items())
    )
    return [
        ("heading", 3, "Six to eight weeks later"),
        (
            "bullets",
            (
                f"Confidence, before the day to follow-up: {describe(e.follow_up_confidence)}",
                f"Knowledge, before the day to follow-up: {describe(e.follow_up_knowledge, '%')}",
                f"Used it at work since: {used or 'no answers'} ({c.follow_up_answered} answered).",
            ),
        ),
    ]


def _agreements(e: Evaluation, audience: str, short: Callable[[str], str]) -> list[tuple]:
    if not e.agreements:
        return []
    rows = []
    for a in e.agreements:
        own = ", ".join(
            f"{short(role)} {level:.1f}" for role, level in sorted(a.agency_levels.items())
        )
        rows.append(
            [
                f"Stage {a.stage_index + 1}",
                reference().level_label(audience, a.room_level),
                own or "-",
                a.note,
            ]
        )
    return [
        ("heading", 3, "What the room agreed"),
        (
            "table",
            ("After", "Level the room agreed", "Each agency's own (mean level)", "Note"),
            rows,
            "The level of need the room agreed the combined picture had reached, beside each agency's judgement.",
        ),
    ]


def _plan(e: Evaluation) -> list[tuple]:
    if not e.plan:
        return []
    return [
        ("heading", 3, "Improvement plan"),
        (
            "table",
            ("Action", "Owner", "Due"),
            [[a.action, a.owner_agency, a.due] for a in e.plan],
            "After-action report and improvement plan, in the manner of HSEEP.",
        ),
    ]


def _quotes(e: Evaluation) -> list[tuple]:
    if not e.quotes:
        return []
    return [
        ("heading", 3, "In their own words, after the day"),
        ("para", "Answers their writers agreed to share, without names.", "muted"),
        *(
            ("quote", q.text, f"{q.question} ({_MOMENT_WORDS.get(q.moment, q.moment)})")
            for q in e.quotes
        ),
    ]


# ============================================================================================== chart


def what_changed_rows(e: Evaluation) -> list[dict]:
    """One row per confidence item (and the scale) with at least `MIN_PAIRS` pairs: before, after and
    the change's interval, for the chart or a table beside it."""
    return [
        {
            "item": c.label if c.key != "confidence" else "All items",
            "before": round(c.before, 2),
            "after": round(c.after, 2),
            "change": round(c.change, 2),
            "ci_low": round(c.ci_low, 2),
            "ci_high": round(c.ci_high, 2),
            "n": c.n,
        }
        for c in (e.confidence, *e.confidence_items)
        if c.enough
    ]


def what_changed_chart(e: Evaluation) -> Any:
    """The mean change per confidence item with its 95% interval, zero marked: read from the back of a
    room (large type, a label on every mark)."""
    rows = what_changed_rows(e)
    if not rows:
        return None
    data = alt.Data(values=rows)
    y = alt.Y(
        "item:N",
        sort=None,
        title=None,
        axis=alt.Axis(labelLimit=420, labelFontSize=16),
    )
    base = alt.Chart(data).encode(y=y)
    interval = base.mark_rule(strokeWidth=4, color="#0072B2").encode(
        x=alt.X("ci_low:Q", title="Change on the 1-5 scale (95% interval)"), x2="ci_high:Q"
    )
    point = base.mark_point(filled=True, size=220, color="#0072B2").encode(
        x="change:Q",
        tooltip=["item:N", "before:Q", "after:Q", "change:Q", "ci_low:Q", "ci_high:Q", "n:Q"],
    )
    label = base.mark_text(align="left", dx=12, dy=-12, fontSize=16).encode(
        x="ci_high:Q", text=alt.Text("change:Q", format="+.1f")
    )
    zero = (
        alt.Chart(alt.Data(values=[{"zero": 0}]))
        .mark_rule(color="#555555", strokeDash=[4, 4])
        .encode(x="zero:Q")
    )
    return (
        (zero + interval + point + label)
        .properties(height=48 * len(rows), width=640)
        .configure_axis(labelFontSize=16, titleFontSize=16)
    )


# ================================================================================================ CSV


def answers_csv(record: EvaluationRecord) -> str:
    """Every answer, one row per respondent, moment and item (columns `ANSWER_COLUMNS`)."""
    form = record.form
    answers_right = {item.id: "true" if item.answer else "false" for item in form.knowledge}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ANSWER_COLUMNS)
    for number, person in enumerate(record.respondents, start=1):
        base = [f"R{number}", person.agency, "yes" if person.simulated else "no"]
        for moment in ("pre", "post", "follow_up"):
            answers = getattr(person, moment)
            if answers is None:
                if getattr(person, f"{moment}_skipped", False):
                    writer.writerow([*base, moment, "skipped", "", "", "", form.tag])
                continue
            for kind in ("confidence", "retrospective"):
                for item, value in getattr(answers, kind).items():
                    writer.writerow([*base, moment, kind, item, value, "", form.tag])
            for item, value in answers.knowledge.items():
                right = "yes" if answers_right.get(item) == value else "no"
                writer.writerow([*base, moment, "knowledge", item, value, right, form.tag])
            if answers.used_at_work:
                writer.writerow(
                    [*base, moment, "used_at_work", "", answers.used_at_work, "", form.tag]
                )
    return out.getvalue()


def follow_up_csv(
    links: Mapping[int, str], labels: Mapping[int, str], url_for: Callable[[str], str]
) -> str:
    """The facilitator's list of follow-up links: one per seat, by the name the room knew it by, for
    the facilitator to hand on (the links are not stored anywhere else)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("participant", "follow_up_link"))
    for participant_id, token in links.items():
        label = labels.get(participant_id, str(participant_id))
        # a name a spreadsheet would run as a formula is written as text
        label = "'" + label if label[:1] in ("=", "+", "-", "@") else label
        writer.writerow((label, url_for(token)))
    return out.getvalue()
