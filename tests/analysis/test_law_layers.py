"""The layers of a lawful share for one fact, and which of them the room's reasons touched (mini
scenario; figures by hand from reasons.yaml: `duty` speaks to power or duty, data protection, special
category and law enforcement; `agreed` to confidentiality and data protection)."""

from __future__ import annotations

from facilitation.analysis import LAW_COMMISSION, law_layers, panel_fact
from tests.fixtures.debrief import CSC, PEOPLE, record, submission


def _share(fact_id: str, reason: str | None, to: tuple[str, ...] = (CSC,)) -> dict:
    return {"fact_id": fact_id, "share_with": to, "reason": reason}


def test_each_layer_lists_the_facts_gateways_that_answer_it(mini_snapshot):
    panel = law_layers(mini_snapshot, "missed_appts")
    rows = {row.layer: row for row in panel.rows}
    assert list(rows) == [
        "power_duty",
        "data_protection",
        "special_category",
        "law_enforcement",
        "confidentiality",
        "human_rights",
    ]
    assert [label for label, _ in rows["special_category"].gateways] == [
        "DPA 2018 Schedule 1 para 18"
    ]
    assert all(not row.gateways for layer, row in rows.items() if layer != "special_category")
    assert panel.shares == 0 and all(row.reasons_touching == 0 for row in panel.rows)


def test_the_rooms_reasons_are_counted_once_per_participant_by_the_layers_they_speak_to(
    mini_snapshot,
):
    submissions = [
        submission(1, "school", 0, [_share("bruise", "duty")], 3, "refer"),
        submission(2, "school", 0, [_share("bruise", "agreed")], 3, "refer"),
        submission(1, "school", 1, [_share("bruise", "duty")], 3, "refer"),  # carried forward
        submission(3, "police", 0, [_share("dv_callout", "duty")], 3, "refer"),  # another fact
        submission(
            5, CSC, 0, [_share("bruise", None, to=())], 3, "refer"
        ),  # kept within the agency
    ]
    panel = law_layers(mini_snapshot, "bruise", record(mini_snapshot, PEOPLE, submissions))
    assert panel.shares == 2
    assert {row.layer: row.reasons_touching for row in panel.rows} == {
        "power_duty": 1,
        "data_protection": 2,
        "special_category": 1,
        "law_enforcement": 1,
        "confidentiality": 1,
        "human_rights": 0,
    }


def test_the_panel_opens_on_the_fact_whose_gateways_answer_most_layers(mini_snapshot):
    assert (
        panel_fact(mini_snapshot) == "bruise"
    )  # every mini fact answers one layer: the first wins
    assert "Law Com No 351" in LAW_COMMISSION and "cultural, not legal" in LAW_COMMISSION
