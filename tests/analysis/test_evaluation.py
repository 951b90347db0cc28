"""The evaluation's figures: against figures computed by hand, and against scipy on generated data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from facilitation.analysis.evaluation import (
    MIN_PAIRS,
    describe,
    evaluate,
    mcnemar_exact,
    paired_change,
)
from facilitation.content import Answers, questionnaire
from facilitation.play import EvaluationRecord, PlannedAction, Respondent, RoomAgreement

FORM = questionnaire()
C_IDS = [item.id for item in FORM.confidence]
K_IDS = [item.id for item in FORM.knowledge]


def right(item_id: str) -> str:
    return "true" if FORM.knowledge_item(item_id).answer else "false"


def wrong(item_id: str) -> str:
    return "false" if FORM.knowledge_item(item_id).answer else "true"


def answers(
    level: int, knows: int = 0, *, retro: int | None = None, quotable=False, text=""
) -> Answers:
    """Every confidence item at `level`; the first `knows` knowledge items right, the rest wrong."""
    return Answers(
        confidence=dict.fromkeys(C_IDS, level),
        retrospective=dict.fromkeys(C_IDS, retro) if retro is not None else {},
        knowledge={k: right(k) if i < knows else wrong(k) for i, k in enumerate(K_IDS)},
        open={"do_differently": text} if text else {},
        quotable=quotable,
    )


def person(
    pid: int, pre: Answers | None, post: Answers | None, agency="school", **more
) -> Respondent:
    return Respondent(participant_id=pid, role_id=agency, agency=agency, pre=pre, post=post, **more)


# ------------------------------------------------------------------------------------- by hand


def test_paired_change_by_hand():
    # changes 1, 2, 3, 4, 5: mean 3, SD sqrt(2.5); t(0.975, 4) = 2.776445; exact Wilcoxon 2/32
    change = paired_change("x", "X", [1, 1, 1, 1, 1], [2, 3, 4, 5, 6])
    sd = math.sqrt(2.5)
    assert change.n == 5 and change.before == 1 and change.after == 4 and change.change == 3
    assert change.ci_low == pytest.approx(3 - 2.776445 * sd / math.sqrt(5), abs=1e-5)
    assert change.ci_high == pytest.approx(1.036 + 2 * 1.9632, abs=1e-3)
    assert change.d_z == pytest.approx(3 / sd)
    assert change.p == pytest.approx(0.0625)


def test_too_few_pairs_gives_only_n():
    change = paired_change("x", "X", [1, 2, 3, 4], [2, 3, 4, 5])
    assert change.n == 4 and not change.enough
    assert (change.before, change.change, change.ci_low, change.d_z, change.p) == (None,) * 5
    assert describe(change) == "too few to say (n 4)"


def test_no_change_at_all_has_no_effect_size_and_no_p():
    change = paired_change("x", "X", [3] * 6, [3] * 6)
    assert change.change == 0 and change.ci_low == 0 and change.ci_high == 0
    assert change.d_z is None and change.p is None
    assert "no one changed" in describe(change)


@pytest.mark.parametrize(
    ("improved", "worsened", "p"),
    [(7, 0, 2 * 0.5**7), (3, 1, 2 * (1 + 4) / 16), (0, 0, 1.0), (2, 2, 1.0)],
)
def test_exact_mcnemar_by_hand(improved, worsened, p):
    assert mcnemar_exact(improved, worsened) == pytest.approx(p)


def test_evaluate_by_hand():
    # Six people: confidence 2 -> 4 for three, 3 -> 4 for three; retrospective pre 1 for all.
    # Knowledge: 2 of 7 right before and 5 of 7 after for everyone.
    people = [person(i, answers(2 if i < 3 else 3, 2), answers(4, 5, retro=1)) for i in range(6)]
    e = evaluate(EvaluationRecord(form=FORM, respondents=tuple(people)))
    assert e.confidence.n == 6
    assert e.confidence.before == pytest.approx(2.5) and e.confidence.after == 4
    assert e.confidence.change == pytest.approx(1.5)
    # changes 2, 2, 2, 1, 1, 1: SD sqrt(0.3); d_z 1.5 / sqrt(0.3)
    assert e.confidence.d_z == pytest.approx(1.5 / math.sqrt(0.3))
    assert e.retrospective.before == 1 and e.retrospective.change == 3
    assert e.response_shift.change == pytest.approx(
        -1.5
    )  # retrospective pre sits below the true pre
    assert e.knowledge.before == pytest.approx(200 / 7) and e.knowledge.after == pytest.approx(
        500 / 7
    )
    first, fourth = e.knowledge_items[0], e.knowledge_items[3]
    assert (first.right_before, first.right_after, first.p) == (1.0, 1.0, 1.0)
    assert (fourth.right_before, fourth.right_after) == (0.0, 1.0)
    assert (fourth.improved, fourth.worsened) == (6, 0)
    assert fourth.p == pytest.approx(2 * 0.5**6)
    # items 6 and 7 are wrong for all six after the day: the myths that survived
    assert [k.item_id for k in e.still_wrong] == K_IDS[5:]
    assert e.counts.pre_answered == 6 and e.counts.post_answered == 6


def test_a_person_missing_a_moment_is_not_paired():
    people = [person(i, answers(2, 1), answers(4, 4)) for i in range(5)]
    people += [person(9, answers(1, 0), None), person(10, None, answers(5, 7))]
    e = evaluate(EvaluationRecord(form=FORM, respondents=tuple(people)))
    assert e.confidence.n == 5 and e.confidence.before == 2
    assert e.knowledge_items[0].n == 5
    assert (
        e.knowledge_items[0].answered_after == 6
    )  # the unpaired answer after counts as still wrong or not
    assert e.counts.participants == 7


def test_by_agency_pools_the_small_ones_and_says_so():
    people = [person(i, answers(2), answers(4), "school") for i in range(5)]
    people += [
        person(10 + i, answers(3), answers(3), agency)
        for i, agency in enumerate(["gp", "gp", "police"])
    ]
    e = evaluate(EvaluationRecord(form=FORM, respondents=tuple(people)))
    assert [(g.label, g.agencies, g.pooled, g.confidence.n) for g in e.by_agency] == [
        ("school", ("school",), False, 5),
        ("Other agencies (pooled)", ("gp", "police"), True, 3),
    ]
    assert e.by_agency[0].confidence.change == 2
    assert not e.by_agency[1].confidence.enough


def test_only_consented_open_answers_are_quoted():
    people = [
        person(1, None, answers(4, text="Ask the DSL sooner.", quotable=True)),
        person(2, None, answers(4, text="Something private.", quotable=False)),
    ]
    e = evaluate(EvaluationRecord(form=FORM, respondents=tuple(people)))
    assert [q.text for q in e.quotes] == ["Ask the DSL sooner."]


def test_agreements_sit_beside_each_agencys_levels_and_plan_is_in_date_order(played):
    record = played
    evaluation = EvaluationRecord(
        form=FORM,
        agreements=(RoomAgreement(stage_index=0, level=3, note="Child in need"),),
        plan=(
            PlannedAction(
                id=2, action="Threshold workshop", owner_agency="police", due="2027-03-01"
            ),
            PlannedAction(id=1, action="Consent briefing", owner_agency="school", due="2027-01-15"),
        ),
    )
    e = evaluate(evaluation, record)
    (row,) = e.agreements
    levels = {}
    for s in record.submissions:
        if s.stage_index == 0:
            levels.setdefault(s.role_id, []).append(s.decision.level)
    assert row.room_level == 3
    assert row.agency_levels == {role: pytest.approx(np.mean(v)) for role, v in levels.items()}
    assert [a.id for a in e.plan] == [1, 2]


# --------------------------------------------------------------------------- against scipy


@pytest.mark.parametrize("seed", range(8))
def test_paired_change_agrees_with_scipy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(MIN_PAIRS, 60))
    before = rng.integers(1, 6, n)
    after = np.clip(before + rng.integers(-1, 3, n), 1, 5)
    change = paired_change("x", "X", before.tolist(), after.tolist())
    t_test = stats.ttest_rel(after, before)
    ci = t_test.confidence_interval(0.95)
    assert change.ci_low == pytest.approx(ci.low) and change.ci_high == pytest.approx(ci.high)
    diff = after - before
    assert change.d_z == pytest.approx(diff.mean() / diff.std(ddof=1))
    # d_z and the paired t statistic are one and the same up to sqrt(n)
    assert change.d_z * math.sqrt(n) == pytest.approx(t_test.statistic)
    if np.any(diff != 0):
        assert change.p == pytest.approx(stats.wilcoxon(after, before).pvalue)


@pytest.mark.parametrize("seed", range(6))
def test_knowledge_item_agrees_with_a_mcnemar_table(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(MIN_PAIRS, 40))
    item = K_IDS[0]
    before = rng.random(n) < 0.4
    after = before | (rng.random(n) < 0.5)
    after &= rng.random(n) > 0.1  # some forget
    people = [
        person(
            i,
            Answers(knowledge={item: right(item) if b else "not_sure"}),
            Answers(knowledge={item: right(item) if a else wrong(item)}),
        )
        for i, (b, a) in enumerate(zip(before, after))
    ]
    k = evaluate(EvaluationRecord(form=FORM, respondents=tuple(people))).knowledge_items[0]
    improved, worsened = int((~before & after).sum()), int((before & ~after).sum())
    assert (k.n, k.improved, k.worsened) == (n, improved, worsened)
    assert k.right_before == pytest.approx(before.mean()) and k.right_after == pytest.approx(
        after.mean()
    )
    discordant = improved + worsened
    expected = stats.binomtest(improved, discordant).pvalue if discordant else 1.0
    assert k.p == pytest.approx(expected)
