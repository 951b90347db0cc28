"""What a workshop changed: the questionnaire's paired figures, the room's agreements and the plan.

Pure functions of an `EvaluationRecord` (and the `WorkshopRecord`, for each agency's own judgement beside
the room's agreed level). The statistics are scipy's, called as docs/evaluation.md states, so that anyone
can recompute every figure from the CSV export:

- a paired change (`PairedChange`): n pairs, the means before and after, the mean change with a 95 %
  t interval (`scipy.stats.t.ppf(0.975, n - 1)`), Cohen's d_z (mean change / SD of the changes), and the
  Wilcoxon signed-rank p (`scipy.stats.wilcoxon(after - before)`, scipy's defaults);
- a knowledge item (`KnowledgeChange`): the share right before and after, and the exact McNemar p, a
  two-sided binomial test on the discordant pairs (`scipy.stats.binomtest(improved, improved + worsened)`);
- below `MIN_PAIRS` pairs nothing but n is given: "too few to say".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from facilitation.content import Answers, Questionnaire
from facilitation.play import EvaluationRecord, Respondent, WorkshopRecord

__all__ = [
    "MIN_PAIRS",
    "STILL_WRONG_SHARE",
    "TOO_FEW",
    "AgencyChange",
    "AgreementRow",
    "Evaluation",
    "EvaluationCounts",
    "KnowledgeChange",
    "PairedChange",
    "PlanRow",
    "Quote",
    "confidence_score",
    "describe",
    "evaluate",
    "format_p",
    "knowledge_score",
    "mcnemar_exact",
    "paired_change",
]

MIN_PAIRS = 5  # fewer pairs than this: "too few to say", and no figure but n
STILL_WRONG_SHARE = 0.2  # a knowledge item is "still wrong" when a fifth or more got it wrong after
TOO_FEW = "too few to say"


@dataclass(frozen=True, slots=True)
class PairedChange:
    """A before-and-after comparison of one item or scale over the people who answered both."""

    key: str  # item id, or "confidence" / "knowledge" for a scale
    label: str
    n: int
    before: float | None = None
    after: float | None = None
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    d_z: float | None = None  # Cohen's d_z: mean change / SD of the changes (None when the SD is 0)
    p: float | None = None  # Wilcoxon signed-rank (None when every change is 0)

    @property
    def enough(self) -> bool:
        """At least `MIN_PAIRS` pairs: the figures are given."""
        return self.n >= MIN_PAIRS


@dataclass(frozen=True, slots=True)
class KnowledgeChange:
    """One knowledge item: share right before and after over the pairs, and the exact McNemar p."""

    item_id: str
    statement: str
    answer: bool
    explanation: str
    n: int  # pairs: answered at both moments
    right_before: float | None = None  # share, 0-1
    right_after: float | None = None
    improved: int = 0  # wrong (or not sure) before, right after
    worsened: int = 0  # right before, wrong (or not sure) after
    p: float | None = None
    answered_after: int = 0  # everyone who answered it after, paired or not
    wrong_after: int = 0

    @property
    def enough(self) -> bool:
        """At least `MIN_PAIRS` pairs."""
        return self.n >= MIN_PAIRS

    @property
    def still_wrong(self) -> bool:
        """A myth that survived the day: at least `MIN_PAIRS` answered after and a fifth or more wrong."""
        return (
            self.answered_after >= MIN_PAIRS
            and self.wrong_after / self.answered_after >= STILL_WRONG_SHARE
        )


@dataclass(frozen=True, slots=True)
class AgencyChange:
    """The scales for one agency (or the agencies pooled because each had fewer than `MIN_PAIRS`)."""

    label: str
    agencies: tuple[str, ...]
    pooled: bool
    confidence: PairedChange
    knowledge: PairedChange


@dataclass(frozen=True, slots=True)
class Quote:
    """An open answer its writer agreed may be quoted, without a name."""

    question: str
    text: str
    moment: str
    agency: str


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """After one stage's reveal: the level the room agreed, beside each agency's own mean level."""

    stage_index: int
    room_level: int
    note: str
    agency_levels: Mapping[str, float]  # role id -> mean level its participants gave at that stage


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One improvement-plan action: what, which agency owns it, by when (ISO date)."""

    id: int
    action: str
    owner_agency: str
    due: str


@dataclass(frozen=True, slots=True)
class EvaluationCounts:
    """How many answered what."""

    participants: int
    pre_answered: int
    pre_skipped: int
    post_answered: int
    post_skipped: int
    follow_up_links: int
    follow_up_answered: int
    used_at_work: Mapping[str, int]

    @property
    def follow_up_rate(self) -> float | None:
        """Follow-ups answered per link issued (None before any link)."""
        return self.follow_up_answered / self.follow_up_links if self.follow_up_links else None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything "What changed" shows."""

    form: str  # questionnaire id@version
    counts: EvaluationCounts
    confidence_items: tuple[PairedChange, ...]  # pre -> post, per item
    confidence: PairedChange  # pre -> post, the scale
    retrospective_items: tuple[PairedChange, ...]  # retrospective pre -> post, per item
    retrospective: PairedChange
    response_shift_items: tuple[PairedChange, ...]  # true pre -> retrospective pre, per item
    response_shift: PairedChange
    knowledge_items: tuple[KnowledgeChange, ...]
    knowledge: PairedChange  # share right (%) per person, pre -> post
    follow_up_confidence: PairedChange  # pre -> follow-up
    follow_up_knowledge: PairedChange
    by_agency: tuple[AgencyChange, ...]
    quotes: tuple[Quote, ...]
    agreements: tuple[AgreementRow, ...]
    plan: tuple[PlanRow, ...]  # in due-date order

    @property
    def still_wrong(self) -> tuple[KnowledgeChange, ...]:
        """The knowledge items a fifth or more still got wrong after the day, most wrong first."""
        return tuple(
            sorted(
                (k for k in self.knowledge_items if k.still_wrong),
                key=lambda k: -k.wrong_after / k.answered_after,
            )
        )


# ========================================================================================== statistics


def paired_change(
    key: str, label: str, before: Sequence[float], after: Sequence[float]
) -> PairedChange:
    """The paired comparison of `after` with `before` (same people, same order)."""
    if len(before) != len(after):
        raise ValueError("paired_change needs as many values after as before")
    n = len(before)
    if n < MIN_PAIRS:
        return PairedChange(key, label, n)
    b, a = np.asarray(before, float), np.asarray(after, float)
    diff = a - b
    mean = float(diff.mean())
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else None
    return PairedChange(
        key,
        label,
        n,
        before=float(b.mean()),
        after=float(a.mean()),
        change=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        d_z=mean / sd if sd > 0 else None,
        p=p,
    )


def mcnemar_exact(improved: int, worsened: int) -> float:
    """The exact McNemar p: a two-sided binomial test of the discordant pairs against one half."""
    discordant = improved + worsened
    if discordant == 0:
        return 1.0
    return float(stats.binomtest(improved, discordant, 0.5).pvalue)


def confidence_score(answers: Answers, items: Iterable[str], field: str = "confidence") -> float:
    """A person's confidence scale score: the mean of `items` in `answers.<field>` (all must be there)."""
    values = getattr(answers, field)
    return float(np.mean([values[item] for item in items]))


def knowledge_score(answers: Answers, form: Questionnaire, items: Iterable[str]) -> float:
    """A person's knowledge score: the percentage of `items` answered right ("not sure" is not right)."""
    chosen = list(items)
    right = sum(_right(answers, form, item) for item in chosen)
    return 100.0 * right / len(chosen)


def _right(answers: Answers, form: Questionnaire, item_id: str) -> bool:
    expected = "true" if form.knowledge_item(item_id).answer else "false"
    return answers.knowledge.get(item_id) == expected


# ============================================================================================ evaluate


def evaluate(evaluation: EvaluationRecord, workshop: WorkshopRecord | None = None) -> Evaluation:
    """The "What changed" figures of one workshop (or of several pooled: pass their respondents in one
    record, with the same form)."""
    form = evaluation.form
    people = list(evaluation.respondents)
    c_items = [(item.id, item.text) for item in form.confidence]
    k_ids = [item.id for item in form.knowledge]

    def item_changes(
        first: Callable[[Respondent], Answers | None],
        first_field: str,
        second: Callable[[Respondent], Answers | None],
        second_field: str,
    ) -> tuple[PairedChange, ...]:
        rows = []
        for item_id, text in c_items:
            pairs = [
                (getattr(first(r), first_field)[item_id], getattr(second(r), second_field)[item_id])
                for r in people
                if first(r) is not None
                and second(r) is not None
                and item_id in getattr(first(r), first_field)
                and item_id in getattr(second(r), second_field)
            ]
            rows.append(paired_change(item_id, text, [p[0] for p in pairs], [p[1] for p in pairs]))
        return tuple(rows)

    def pre(r: Respondent) -> Answers | None:
        return r.pre

    def post(r: Respondent) -> Answers | None:
        return r.post

    def follow(r: Respondent) -> Answers | None:
        return r.follow_up

    c_ids = [item_id for item_id, _ in c_items]
    return Evaluation(
        form=form.tag,
        counts=_counts(people),
        confidence_items=item_changes(pre, "confidence", post, "confidence"),
        confidence=_confidence_scale(people, c_ids, pre, "confidence", post, "confidence"),
        retrospective_items=item_changes(post, "retrospective", post, "confidence"),
        retrospective=_confidence_scale(people, c_ids, post, "retrospective", post, "confidence"),
        response_shift_items=item_changes(pre, "confidence", post, "retrospective"),
        response_shift=_confidence_scale(people, c_ids, pre, "confidence", post, "retrospective"),
        knowledge_items=tuple(_knowledge_item(form, people, item_id) for item_id in k_ids),
        knowledge=_knowledge_scale(form, people, k_ids, pre, post),
        follow_up_confidence=_confidence_scale(
            people, c_ids, pre, "confidence", follow, "confidence"
        ),
        follow_up_knowledge=_knowledge_scale(form, people, k_ids, pre, follow),
        by_agency=_by_agency(form, people, c_ids, k_ids),
        quotes=_quotes(form, people),
        agreements=_agreements(evaluation, workshop),
        plan=tuple(
            PlanRow(a.id, a.action, a.owner_agency, a.due)
            for a in sorted(evaluation.plan, key=lambda a: (a.due, a.id))
        ),
    )


def _confidence_scale(
    people: Sequence[Respondent],
    items: Sequence[str],
    first: Callable[[Respondent], Answers | None],
    first_field: str,
    second: Callable[[Respondent], Answers | None],
    second_field: str,
) -> PairedChange:
    """The scale over people who answered every item at both moments (a person's score: their mean)."""
    before, after = [], []
    for r in people:
        one, two = first(r), second(r)
        if one is None or two is None:
            continue
        if all(i in getattr(one, first_field) and i in getattr(two, second_field) for i in items):
            before.append(confidence_score(one, items, first_field))
            after.append(confidence_score(two, items, second_field))
    return paired_change("confidence", "Confidence (mean of the items, 1-5)", before, after)


def _knowledge_scale(
    form: Questionnaire,
    people: Sequence[Respondent],
    items: Sequence[str],
    first: Callable[[Respondent], Answers | None],
    second: Callable[[Respondent], Answers | None],
) -> PairedChange:
    """The knowledge score (% right) over people who answered every item at both moments."""
    before, after = [], []
    for r in people:
        one, two = first(r), second(r)
        if one is None or two is None:
            continue
        if all(i in one.knowledge and i in two.knowledge for i in items):
            before.append(knowledge_score(one, form, items))
            after.append(knowledge_score(two, form, items))
    return paired_change("knowledge", "Knowledge (% of the items right)", before, after)


def _knowledge_item(
    form: Questionnaire, people: Sequence[Respondent], item_id: str
) -> KnowledgeChange:
    item = form.knowledge_item(item_id)
    pairs = [
        (_right(r.pre, form, item_id), _right(r.post, form, item_id))
        for r in people
        if r.pre is not None
        and r.post is not None
        and item_id in r.pre.knowledge
        and item_id in r.post.knowledge
    ]
    after = [
        _right(r.post, form, item_id) for r in people if r.post and item_id in r.post.knowledge
    ]
    base = {
        "item_id": item_id,
        "statement": item.statement,
        "answer": item.answer,
        "explanation": item.explanation,
        "n": len(pairs),
        "answered_after": len(after),
        "wrong_after": sum(not right for right in after),
    }
    if len(pairs) < MIN_PAIRS:
        return KnowledgeChange(**base)
    improved = sum(not b and a for b, a in pairs)
    worsened = sum(b and not a for b, a in pairs)
    return KnowledgeChange(
        **base,
        right_before=sum(b for b, _ in pairs) / len(pairs),
        right_after=sum(a for _, a in pairs) / len(pairs),
        improved=improved,
        worsened=worsened,
        p=mcnemar_exact(improved, worsened),
    )


def _by_agency(
    form: Questionnaire, people: Sequence[Respondent], c_ids: Sequence[str], k_ids: Sequence[str]
) -> tuple[AgencyChange, ...]:
    """Each agency with at least `MIN_PAIRS` paired respondents on its own; the rest pooled."""

    def pre(r: Respondent) -> Answers | None:
        return r.pre

    def post(r: Respondent) -> Answers | None:
        return r.post

    paired = [r for r in people if r.pre is not None and r.post is not None]
    agencies = sorted({r.agency for r in paired})
    own = [a for a in agencies if sum(r.agency == a for r in paired) >= MIN_PAIRS]
    rest = [a for a in agencies if a not in own]
    groups = [(a, (a,), False) for a in own]
    if rest:
        label = "Other agencies (pooled)" if own else "All agencies (pooled)"
        groups.append((label, tuple(rest), True))
    rows = []
    for label, members, pooled in groups:
        chosen = [r for r in paired if r.agency in members]
        rows.append(
            AgencyChange(
                label=label,
                agencies=members,
                pooled=pooled,
                confidence=_confidence_scale(chosen, c_ids, pre, "confidence", post, "confidence"),
                knowledge=_knowledge_scale(form, chosen, k_ids, pre, post),
            )
        )
    return tuple(rows)


def _quotes(form: Questionnaire, people: Sequence[Respondent]) -> tuple[Quote, ...]:
    questions = {q.id: q.text for q in form.open}
    found = []
    for r in people:
        for moment, answers in (("post", r.post), ("follow_up", r.follow_up)):
            if answers is None or not answers.quotable:
                continue
            for question_id, text in answers.open.items():
                if text.strip() and question_id in questions:
                    found.append(Quote(questions[question_id], text.strip(), moment, r.agency))
    return tuple(found)


def _agreements(
    evaluation: EvaluationRecord, workshop: WorkshopRecord | None
) -> tuple[AgreementRow, ...]:
    rows = []
    for agreement in sorted(evaluation.agreements, key=lambda a: a.stage_index):
        levels: dict[str, list[int]] = {}
        for submission in workshop.submissions if workshop else ():
            if submission.stage_index == agreement.stage_index:
                levels.setdefault(submission.role_id, []).append(submission.decision.level)
        rows.append(
            AgreementRow(
                stage_index=agreement.stage_index,
                room_level=agreement.level,
                note=agreement.note,
                agency_levels={role: float(np.mean(values)) for role, values in levels.items()},
            )
        )
    return tuple(rows)


def _counts(people: Sequence[Respondent]) -> EvaluationCounts:
    used: dict[str, int] = {}
    for r in people:
        if r.follow_up is not None and r.follow_up.used_at_work:
            used[r.follow_up.used_at_work] = used.get(r.follow_up.used_at_work, 0) + 1
    return EvaluationCounts(
        participants=len(people),
        pre_answered=sum(r.pre is not None for r in people),
        pre_skipped=sum(r.pre_skipped for r in people),
        post_answered=sum(r.post is not None for r in people),
        post_skipped=sum(r.post_skipped for r in people),
        follow_up_links=sum(r.follow_up_link for r in people),
        follow_up_answered=sum(r.follow_up is not None for r in people),
        used_at_work=used,
    )


def describe(change: PairedChange, unit: str = "") -> str:
    """One line for a paired change: "3.1 -> 3.9, change +0.8 (95% CI +0.5 to +1.1), d_z 1.2, Wilcoxon
    p 0.004, n 12", or "too few to say (n 3)"."""
    if not change.enough:
        return f"{TOO_FEW} (n {change.n})"
    parts = [
        f"{change.before:.1f}{unit} -> {change.after:.1f}{unit}",
        f"change {change.change:+.1f}{unit} (95% CI {change.ci_low:+.1f} to {change.ci_high:+.1f})",
        f"d_z {change.d_z:.2f}" if change.d_z is not None else "d_z n/a (no variation)",
        f"Wilcoxon p {format_p(change.p)}" if change.p is not None else "no one changed",
        f"n {change.n}",
    ]
    return ", ".join(parts)


def format_p(p: float | None) -> str:
    """A p-value as people read it: "<0.001", or three decimals."""
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"
