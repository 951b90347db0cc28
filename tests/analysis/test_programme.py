"""The programme view: counts and rates across workshops, no cell under five people, filters, the pooled
change and its trend."""

from __future__ import annotations

import pytest

from facilitation.analysis import MIN_CELL, ProgrammeFilters, programme
from facilitation.content import Answers, questionnaire
from facilitation.play import EvaluationRecord, Participant, Respondent

FORM = questionnaire()
ITEMS = [item.id for item in FORM.confidence]


def _workshop(played, month: int, people: int, gain: int):
    """`played` re-dated to 2026-<month>-01 with `people` active school participants who answered, each
    gaining `gain` on every confidence item."""
    participants = tuple(
        Participant(id=100 + i, role_id="school", display_name=f"P{i}") for i in range(people)
    )
    record = played.model_copy(
        update={
            "code": f"W{month:02d}",
            "created_at": f"2026-{month:02d}-01T09:00:00+00:00",
            "participants": (*played.participants, *participants),
        }
    )
    respondents = tuple(
        Respondent(
            participant_id=p.id,
            role_id="school",
            agency="school",
            pre=Answers(confidence=dict.fromkeys(ITEMS, 2)),
            post=Answers(confidence=dict.fromkeys(ITEMS, 2 + gain)),
            follow_up_link=True,
        )
        for p in participants
    )
    return record, EvaluationRecord(form=FORM, respondents=respondents)


@pytest.fixture
def three(played):
    return [_workshop(played, 1, 6, 1), _workshop(played, 2, 6, 2), _workshop(played, 3, 3, 2)]


def test_counts_and_no_cell_under_five(three):
    view = programme(three)
    assert view.workshops == 3
    # each workshop: the 4 active people of `played` and the added school participants
    assert [(r.key, r.workshops, r.people) for r in view.by_month] == [
        ("2026-01", 1, 10),
        ("2026-02", 1, 10),
        ("2026-03", 1, 7),
    ]
    cells = [r.people for rows in (view.by_month, view.by_agency, view.by_scenario) for r in rows]
    assert all(cell is None or cell >= MIN_CELL for cell in cells)
    police = next(r for r in view.by_agency if r.key == "police")
    assert police.people is None  # 1 active police officer per workshop: 3 in all
    for month in view.months:
        assert all(v is None or v >= MIN_CELL for v in month.behaviours.values())


def test_pooled_change_by_month_and_trend(three):
    view = programme(three)
    assert view.confidence.n == 15 and view.confidence.change == pytest.approx((6 + 12 + 6) / 15)
    by_month = dict(view.confidence_by_month)
    assert by_month["2026-01"].change == 1 and by_month["2026-02"].change == 2
    assert not by_month["2026-03"].enough  # 3 pairs: too few to say
    trend = view.confidence_trend
    assert trend.n == 15 and trend.slope_per_30_days > 0
    assert trend.ci_low <= trend.slope_per_30_days <= trend.ci_high
    assert view.follow_up_links == 15 and view.follow_up_rate == 0


def test_filters(three):
    assert programme(three, ProgrammeFilters(date_from="2026-02-01")).workshops == 2
    assert programme(three, ProgrammeFilters(scenario="elsewhere")).workshops == 0
    only_police = programme(three, ProgrammeFilters(agency="police"))
    assert only_police.people is None and only_police.confidence.n == 0
    schools = programme(three, ProgrammeFilters(agency="school"))
    assert schools.confidence.n == 15


def test_myths_per_workshop_are_hidden_below_five_people(three):
    view = programme(three, ProgrammeFilters(agency="police"))
    assert all(row.myths is None and row.people is None for row in view.myths)
