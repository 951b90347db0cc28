"""Across workshops, for the operator: who came, how they shared, what held them back, and what the days
changed, over time. Pure: it takes each workshop's record and evaluation record.

Privacy: no cell counts fewer than `MIN_CELL` people. A count of people below it is `None` (shown as
"<5"); a month, scenario or agency with fewer people shows no rates; paired changes below `MIN_PAIRS`
pairs say "too few to say". Simulated participants are left out unless asked for.

Definitions (docs/evaluation.md):
- a decision is one participant's decision about one fact at one revealed stage; barriers per 100
  decisions = barriers cited in those decisions x 100 / decisions;
- myths in action are the debrief's myth citations (`Debrief.barriers.myths`), per workshop;
- the pooled change pairs each person's own answers, across workshops of the same questionnaire;
- the trend is a least-squares line through each person's change against the days since the first
  workshop shown (`scipy.stats.linregress`), given per 30 days with its 95 % interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from facilitation.analysis.debrief import BEHAVIOURS, analyse
from facilitation.analysis.evaluation import (
    MIN_PAIRS,
    PairedChange,
    confidence_score,
    evaluate,
    knowledge_score,
)
from facilitation.content import questionnaire
from facilitation.play import EvaluationRecord, Respondent, WorkshopRecord, agency_of

__all__ = [
    "MIN_CELL",
    "CountRow",
    "MonthRates",
    "MythRow",
    "Programme",
    "ProgrammeFilters",
    "Trend",
    "programme",
]

MIN_CELL = 5  # no cell shows fewer people than this


def _cell(people: int) -> int | None:
    return people if people >= MIN_CELL else None


@dataclass(frozen=True)
class ProgrammeFilters:
    """Which workshops and people count. Dates are ISO (YYYY-MM-DD), inclusive; None: no limit."""

    date_from: str | None = None
    date_to: str | None = None
    scenario: str | None = None
    audience: str | None = None
    agency: str | None = None
    include_simulated: bool = False


@dataclass(frozen=True, slots=True)
class CountRow:
    """Workshops and people for one month, scenario, audience or agency (`people` None below 5)."""

    key: str
    workshops: int
    people: int | None


@dataclass(frozen=True, slots=True)
class MonthRates:
    """One month: the behaviour mix (people per behaviour) and barriers per 100 decisions."""

    month: str
    people: int | None
    behaviours: dict[str, int | None]
    decisions: int | None  # None, like the rate, where the month has fewer than 5 people
    barriers: int | None
    barriers_per_100: float | None


@dataclass(frozen=True, slots=True)
class MythRow:
    """One workshop: its myth citations, in all and per 100 decisions."""

    code: str
    date: str
    scenario_id: str
    people: int | None
    myths: int | None
    myths_per_100: float | None


@dataclass(frozen=True, slots=True)
class Trend:
    """A line through each person's change against time: slope per 30 days, its 95 % interval, p, n."""

    n: int
    slope_per_30_days: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None


@dataclass(frozen=True)
class Programme:
    """The programme view, filtered."""

    filters: ProgrammeFilters
    workshops: int
    people: int | None
    by_month: tuple[CountRow, ...]
    by_scenario: tuple[CountRow, ...]
    by_audience: tuple[CountRow, ...]
    by_agency: tuple[CountRow, ...]
    months: tuple[MonthRates, ...]
    myths: tuple[MythRow, ...]
    confidence: PairedChange
    knowledge: PairedChange
    confidence_by_month: tuple[tuple[str, PairedChange], ...]
    knowledge_by_month: tuple[tuple[str, PairedChange], ...]
    confidence_trend: Trend
    knowledge_trend: Trend
    follow_up_links: int
    follow_up_answered: int
    questionnaire: str
    other_versions: int = 0  # respondents left out: another questionnaire version
    scenarios: tuple[str, ...] = field(
        default=()
    )  # every scenario and agency seen, for the filters
    agencies: tuple[str, ...] = field(default=())

    @property
    def follow_up_rate(self) -> float | None:
        """Follow-ups answered per link issued, where at least 5 links were issued."""
        if self.follow_up_links < MIN_CELL:
            return None
        return self.follow_up_answered / self.follow_up_links


def programme(
    workshops: Sequence[tuple[WorkshopRecord, EvaluationRecord]],
    filters: ProgrammeFilters = ProgrammeFilters(),
) -> Programme:
    """The programme view over `workshops` (each a record and its evaluation record)."""
    form = questionnaire()
    every_scenario = sorted({w.snapshot.scenario.id for w, _ in workshops})
    every_agency = sorted(
        {
            agency_of(w.snapshot.roles.get(p.role_id), p.role_id)
            for w, _ in workshops
            for p in w.participants
        }
    )
    chosen = [(w, e) for w, e in workshops if _workshop_matches(w, filters)]
    people_rows: list[tuple[WorkshopRecord, str]] = []  # (workshop, agency) per person counted
    months: dict[str, dict] = {}
    myths: list[MythRow] = []
    respondents: list[tuple[str, Respondent]] = []  # (date, respondent)
    other_versions = links = answered = 0
    for record, evaluation in chosen:
        kept = _people(record, filters)
        date = record.created_at[:10]
        month = date[:7]
        people_rows += [(record, agency) for _, agency in kept]
        analysis = analyse(_restricted(record, {p.id for p, _ in kept}))
        ids = {p.id for p, _ in kept}
        decisions, barriers = _decisions(record, ids)
        slot = months.setdefault(
            month, {"people": 0, "behaviours": dict.fromkeys(BEHAVIOURS, 0), "d": 0, "b": 0}
        )
        slot["people"] += len(kept)
        slot["d"] += decisions
        slot["b"] += barriers
        labels = {info.label for info in analysis.participants if info.id in ids}
        for behaviour in analysis.participant_behaviours:
            if behaviour.subject in labels:
                slot["behaviours"][behaviour.label] = slot["behaviours"].get(behaviour.label, 0) + 1
        roles = {p.role_id for p, _ in kept}
        myth_count = sum(
            count
            for citation in analysis.barriers.myths
            for role, count in citation.by_role.items()
            if role in roles
        )
        enough = len(kept) >= MIN_CELL
        myths.append(
            MythRow(
                code=record.code,
                date=date,
                scenario_id=record.snapshot.scenario.id,
                people=_cell(len(kept)),
                myths=myth_count if enough else None,
                myths_per_100=round(100 * myth_count / decisions, 1)
                if enough and decisions
                else None,
            )
        )
        for respondent in evaluation.respondents:
            if respondent.participant_id not in ids:
                continue
            if evaluation.form.id != form.id or evaluation.form.version != form.version:
                other_versions += 1
                continue
            respondents.append((date, respondent))
            links += respondent.follow_up_link
            answered += respondent.follow_up is not None
    pooled = evaluate(EvaluationRecord(form=form, respondents=tuple(r for _, r in respondents)))
    by_month_change = _by_month(form, respondents)
    return Programme(
        filters=filters,
        workshops=len(chosen),
        people=_cell(len(people_rows)),
        by_month=_counts(people_rows, lambda w, _: w.created_at[:7]),
        by_scenario=_counts(people_rows, lambda w, _: w.snapshot.scenario.id),
        by_audience=_counts(people_rows, lambda w, _: w.snapshot.scenario.audience),
        by_agency=_counts(people_rows, lambda _, agency: agency),
        months=tuple(
            MonthRates(
                month=month,
                people=_cell(slot["people"]),
                behaviours={k: _cell(v) for k, v in slot["behaviours"].items()},
                decisions=slot["d"] if slot["people"] >= MIN_CELL else None,
                barriers=slot["b"] if slot["people"] >= MIN_CELL else None,
                barriers_per_100=round(100 * slot["b"] / slot["d"], 1)
                if slot["people"] >= MIN_CELL and slot["d"]
                else None,
            )
            for month, slot in sorted(months.items())
        ),
        myths=tuple(myths),
        confidence=pooled.confidence,
        knowledge=pooled.knowledge,
        confidence_by_month=tuple((m, c) for m, c, _ in by_month_change),
        knowledge_by_month=tuple((m, k) for m, _, k in by_month_change),
        confidence_trend=_trend(form, respondents, "confidence"),
        knowledge_trend=_trend(form, respondents, "knowledge"),
        follow_up_links=links,
        follow_up_answered=answered,
        questionnaire=form.tag,
        other_versions=other_versions,
        scenarios=tuple(every_scenario),
        agencies=tuple(every_agency),
    )


def _workshop_matches(record: WorkshopRecord, f: ProgrammeFilters) -> bool:
    date = record.created_at[:10]
    scenario = record.snapshot.scenario
    return (
        (f.date_from is None or date >= f.date_from)
        and (f.date_to is None or date <= f.date_to)
        and (f.scenario is None or scenario.id == f.scenario)
        and (f.audience is None or scenario.audience == f.audience)
    )


def _people(record: WorkshopRecord, f: ProgrammeFilters) -> list[tuple]:
    """The active participants who count, with their agency."""
    found = []
    for person in record.participants:
        if not person.active or (person.simulated and not f.include_simulated):
            continue
        agency = agency_of(record.snapshot.roles.get(person.role_id), person.role_id)
        if f.agency is None or agency == f.agency:
            found.append((person, agency))
    return found


def _restricted(record: WorkshopRecord, ids: set[int]) -> WorkshopRecord:
    """The record without the people who do not count (simulated, or of another agency)."""
    return record.model_copy(
        update={
            "participants": tuple(p for p in record.participants if p.id in ids),
            "submissions": tuple(s for s in record.submissions if s.participant_id in ids),
        }
    )


def _decisions(record: WorkshopRecord, ids: set[int]) -> tuple[int, int]:
    """(decisions, barriers cited) at the revealed stages by the people who count."""
    decisions = barriers = 0
    for submission in record.submissions:
        if submission.participant_id in ids and submission.stage_index <= record.revealed_through:
            decisions += len(submission.decision.facts)
            barriers += sum(len(entry.barriers) for entry in submission.decision.facts)
    return decisions, barriers


def _counts(rows: list[tuple[WorkshopRecord, str]], key) -> tuple[CountRow, ...]:
    workshops: dict[str, set[str]] = {}
    people: dict[str, int] = {}
    for record, agency in rows:
        k = key(record, agency)
        workshops.setdefault(k, set()).add(record.code)
        people[k] = people.get(k, 0) + 1
    return tuple(CountRow(k, len(workshops[k]), _cell(people[k])) for k in sorted(people))


def _by_month(form, respondents: list[tuple[str, Respondent]]):
    months = sorted({date[:7] for date, _ in respondents})
    rows = []
    for month in months:
        chosen = tuple(r for date, r in respondents if date[:7] == month)
        result = evaluate(EvaluationRecord(form=form, respondents=chosen))
        rows.append((month, result.confidence, result.knowledge))
    return rows


def _trend(form, respondents: list[tuple[str, Respondent]], scale: str) -> Trend:
    """Each person's pre-to-post change on `scale` against the day of their workshop."""
    c_ids = [item.id for item in form.confidence]
    k_ids = [item.id for item in form.knowledge]
    points = []
    for date, r in respondents:
        if r.pre is None or r.post is None:
            continue
        if scale == "confidence":
            if all(i in r.pre.confidence and i in r.post.confidence for i in c_ids):
                change = confidence_score(r.post, c_ids) - confidence_score(r.pre, c_ids)
                points.append((date, change))
        elif all(i in r.pre.knowledge and i in r.post.knowledge for i in k_ids):
            change = knowledge_score(r.post, form, k_ids) - knowledge_score(r.pre, form, k_ids)
            points.append((date, change))
    n = len(points)
    days = np.array([np.datetime64(d) for d, _ in points], dtype="datetime64[D]")
    if n < MIN_PAIRS or len(set(days.tolist())) < 2:
        return Trend(n)
    x = (days - days.min()).astype(float)
    y = np.array([c for _, c in points])
    fit = stats.linregress(x, y)
    half = float(stats.t.ppf(0.975, n - 2)) * fit.stderr
    return Trend(
        n=n,
        slope_per_30_days=30 * fit.slope,
        ci_low=30 * (fit.slope - half),
        ci_high=30 * (fit.slope + half),
        p=float(fit.pvalue),
    )
