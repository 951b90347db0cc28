"""The "What changed" section: in every format, recomputable from the answers CSV, and updated by a
follow-up answered weeks later."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from scipy import stats

from facilitation.analysis import analyse
from facilitation.content import questionnaire
from facilitation.engine import Evaluations, simulate_workshop
from facilitation.outputs import (
    ANSWER_COLUMNS,
    answers_csv,
    evaluation_report,
    follow_up_csv,
    report,
    what_changed_chart,
    what_changed_rows,
)
from facilitation.play import SimulatedEffect

FORM = questionnaire()


@pytest.fixture
def rehearsed(engine, mini_snapshot):
    result = simulate_workshop(mini_snapshot, participants=12, seed=3, engine=engine)
    return result.code


def _report(engine, code):
    record = engine.record(code)
    return record, evaluation_report(Evaluations(engine).operator_record(code), record)


def test_the_section_is_in_every_document(engine, rehearsed):
    record, ev = _report(engine, rehearsed)
    analysis = analyse(record)
    markdown = report.render("md", record, analysis, ev)
    assert "## What changed" in markdown and "Cohen" in markdown
    assert "True pre and retrospective pre" in markdown
    assert "What changed" in report.render("html", record, analysis, ev)
    assert report.render("pdf", record, analysis, ev)[:4] == b"%PDF"
    document = json.loads(report.render("json", record, analysis, ev))
    assert document["evaluation"]["confidence"]["n"] == 12
    assert {"participant_id", "role_id"}.isdisjoint(document["evaluation_answers"][0])
    # without the evaluation, the report is as before
    assert "What changed" not in report.render("md", record, analysis)


def test_every_figure_can_be_recomputed_from_the_answers_csv(engine, rehearsed):
    record, ev = _report(engine, rehearsed)
    rows = list(csv.DictReader(io.StringIO(report.render("answers", record, analyse(record), ev))))
    assert tuple(rows[0]) == ANSWER_COLUMNS
    assert all(row["respondent"].startswith("R") for row in rows)
    items = [item.id for item in FORM.confidence]

    def scores(moment: str, kind: str) -> dict[str, float]:
        found: dict[str, list[int]] = {}
        for row in rows:
            if row["moment"] == moment and row["kind"] == kind:
                found.setdefault(row["respondent"], []).append(int(row["value"]))
        return {who: np.mean(values) for who, values in found.items() if len(values) == len(items)}

    pre, post = scores("pre", "confidence"), scores("post", "confidence")
    people = sorted(set(pre) & set(post))
    before = np.array([pre[p] for p in people])
    after = np.array([post[p] for p in people])
    figures = ev.result.confidence
    assert figures.n == len(people)
    assert figures.change == pytest.approx((after - before).mean())
    ci = stats.ttest_rel(after, before).confidence_interval()
    assert (figures.ci_low, figures.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert figures.p == pytest.approx(stats.wilcoxon(after - before).pvalue)
    # a knowledge item: the McNemar p from the discordant pairs in the CSV
    item = FORM.knowledge[0].id
    right = {
        (row["respondent"], row["moment"]): row["right"] == "yes"
        for row in rows
        if row["kind"] == "knowledge" and row["item"] == item
    }
    pairs = [(right[(p, "pre")], right[(p, "post")]) for p in people]
    improved = sum(not b and a for b, a in pairs)
    worsened = sum(b and not a for b, a in pairs)
    (k,) = [k for k in ev.result.knowledge_items if k.item_id == item]
    assert (k.improved, k.worsened) == (improved, worsened)
    discordant = improved + worsened
    assert k.p == pytest.approx(stats.binomtest(improved, discordant).pvalue if discordant else 1.0)


def test_a_follow_up_weeks_later_updates_the_report(engine, clock, mini_snapshot):
    code = simulate_workshop(mini_snapshot, participants=10, seed=5, engine=engine).code
    ev = Evaluations(engine)
    record, before = _report(engine, code)
    markdown = report.render("md", record, analyse(record), before)
    assert "Six to eight weeks later" not in markdown
    clock.advance(7 * 7 * 86400)  # seven weeks on
    assert ev.rehearse_follow_up(code) == 10
    record, after = _report(engine, code)
    markdown = report.render("md", record, analyse(record), after)
    assert "Six to eight weeks later" in markdown
    assert after.result.follow_up_confidence.n == 10
    assert {p.follow_up_days for p in after.record.respondents} == {49.0}


def test_chart_rows_carry_the_intervals(engine, rehearsed):
    _, ev = _report(engine, rehearsed)
    rows = what_changed_rows(ev.result)
    assert (
        rows[0]["item"] == "All items"
        and rows[0]["ci_low"] <= rows[0]["change"] <= rows[0]["ci_high"]
    )
    assert what_changed_chart(ev.result).to_dict()["height"] == 48 * len(rows)


def test_too_few_to_say_and_no_effect(engine, mini_snapshot):
    code = simulate_workshop(
        mini_snapshot, participants=3, seed=1, engine=engine, evaluation=SimulatedEffect()
    ).code
    record, ev = _report(engine, code)
    markdown = report.render("md", record, analyse(record), ev)
    assert "too few to say" in markdown
    assert what_changed_chart(ev.result) is None


def test_answers_csv_marks_skips_and_follow_up_csv_guards_formulas(engine, room):
    seat = room.join("school")
    ev = Evaluations(engine)
    ev.skip(seat.token, "pre")
    text = answers_csv(ev.record(room.code, room.key))
    assert "R1,school,no,pre,skipped" in text
    links = follow_up_csv({1: "tok"}, {1: "=SUM(A1)"}, lambda t: f"https://x/followup?f={t}")
    assert "'=SUM(A1),https://x/followup?f=tok" in links


def test_items_still_answered_wrongly_state_the_correct_position(engine, rehearsed):
    from dataclasses import replace

    record, ev = _report(engine, rehearsed)
    first = ev.result.knowledge_items[0]
    wrong = replace(first, answered_after=12, wrong_after=3)  # a quarter: still wrong
    others = tuple(replace(k, wrong_after=0) for k in ev.result.knowledge_items[1:])
    ev = replace(ev, result=replace(ev.result, knowledge_items=(wrong, *others)))
    markdown = report.render("md", record, analyse(record), ev).replace("\\", "")
    assert "Myths that survived" not in markdown
    assert "Points still answered wrongly after the day" in markdown
    correct = "true" if first.answer else "false"
    assert (
        f"Still answered wrongly by 3 of 12. The correct position: {correct}. {first.explanation}"
        in markdown
    )
