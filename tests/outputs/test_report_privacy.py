"""The exports pool small agencies as the projector does (`report.reported`, `analysis.projected`):
hand-built workshops with 1, 2 and 3 participants per role (the rooms of tests/analysis/test_privacy)."""

from __future__ import annotations

import json
import re

import pytest

from facilitation.analysis import ALL_AGENCIES, OTHER_AGENCIES, analyse
from facilitation.outputs import report
from tests.analysis.test_privacy import _room
from tests.fixtures.debrief import CSC


def _md(mini_snapshot, per_role):
    return report.render_markdown(analyse(_room(mini_snapshot, per_role))).replace("\\", "")


@pytest.mark.parametrize("n", [1, 2])
def test_agencies_of_one_or_two_are_never_named_beside_what_they_did(mini_snapshot, n):
    per_role = {"school": n, "police": n, CSC: n}
    text = _md(mini_snapshot, per_role)
    a = analyse(_room(mini_snapshot, per_role))
    for role in ("school", "police", CSC):
        short = a.short(role)
        assert f"by {short} (" not in text and f"; {short} (" not in text  # barriers and myths
        assert f"{short} over-" not in text and f"{short} ideal" not in text  # behaviour lines
        assert f"| {short} |" not in text.split("Judgement: the level of need")[1].split("##")[0]
    assert ALL_AGENCIES in text
    assert "Each participant" not in text


def test_three_per_agency_are_named(mini_snapshot):
    per_role = {"school": 3, "police": 3, CSC: 3}
    a = analyse(_room(mini_snapshot, per_role))
    text = _md(mini_snapshot, per_role)
    assert f"by {a.short('police')} (6)" in text  # consent, once per agency left out
    assert ALL_AGENCIES not in text and OTHER_AGENCIES not in text
    judgement = text.split("Judgement: the level of need")[1].split("##")[0]
    assert f"| {a.short('school')} |" in judgement


def test_a_safe_pool_is_other_agencies(mini_snapshot):
    per_role = {"school": 3, "police": 1, CSC: 2}
    a = analyse(_room(mini_snapshot, per_role))
    text = _md(mini_snapshot, per_role)
    assert f"by {OTHER_AGENCIES} (2)" in text  # the one police officer's consent, pooled
    assert f"by {a.short('police')} (" not in text
    judgement = text.split("Judgement: the level of need")[1].split("##")[0]
    assert f"| {OTHER_AGENCIES} |" in judgement and f"| {a.short('school')} |" in judgement


@pytest.mark.parametrize(("n", "pooled"), [(1, True), (2, True), (3, False)])
def test_the_json_pools_per_role_fields(mini_snapshot, n, pooled):
    per_role = {"school": n, "police": n, CSC: n}
    room = _room(mini_snapshot, per_role)
    data = json.loads(report.render_json(room, analyse(room)))["analysis"]
    roles = {b["role_id"] for b in data["role_behaviours"]}
    cited = {r for c in data["barriers"]["counts"] for r in c["by_role"]}
    judged = {j["role_id"] for j in data["judgements"]}
    if pooled:
        assert roles == cited == judged == {ALL_AGENCIES}
        assert data["participant_behaviours"] == []
    else:
        assert "police" in roles and cited == {"police"} and "school" in judged
        assert len(data["participant_behaviours"]) == 9


def test_the_front_door_paragraph_counts_shares_and_facts_not_routed_to_the_lead(mini_snapshot):
    # Three schools send the bruise to CSC; the police (2) send the call-out: CSC receives 3 + 2.
    per_role = {"school": 3, "police": 2, CSC: 3}
    text = _md(mini_snapshot, per_role)
    assert (
        "Children's SC received 5 shares; 0 of the 2 facts arriving concerned facts guidance did "
        "not route to it. Each is work for the front door, and better sharing raises caseloads, a "
        "perverse incentive a partnership has to plan for. It is not a reason to hold back a "
        "concern about risk."
    ) in text
    assert "over-referral is a failure too" not in text


def test_one_decision_is_singular(mini_snapshot):
    # One school participant: one decision about the bruise (one over-shared share, to the GP), which
    # is that person's own choice, so the fact's handling is not shown at all (tests/outputs/
    # test_report_fact_privacy.py); the counts that are shown read in the singular.
    text = _md(mini_snapshot, {"school": 1})
    assert not re.search(r"\b1 (decisions|shares|participants|submissions|people)\b", text)
    assert "1 decision: " not in text and "(1 share where guidance says" not in text
    assert "1 participant in" in text and "2 shares," in text  # the bruise to CSC and the GP


def test_every_gateway_of_a_fact_is_printed_by_layer(mini_snapshot):
    from dataclasses import replace

    from facilitation.content import reference

    a = analyse(_room(mini_snapshot, {"school": 3}))
    ids = ("ca1989_s47", "ukgdpr_public_task", "ukgdpr_9_2_h", "consent_common_law")
    bruise = replace(a.fact("bruise"), routed_gateways=ids)
    titles = {g: reference().gateways[g].label for g in ids}
    assert report._gateways_by_layer(bruise) == (
        f"power or duty: {titles['ca1989_s47']}; Art 6: {titles['ukgdpr_public_task']}; "
        f"Art 9 condition: {titles['ukgdpr_9_2_h']}; confidentiality: {titles['consent_common_law']}"
    )
    text = _md(mini_snapshot, {"school": 3})
    assert "power or duty: Children Act 1989 s47" in text  # the bruise in the fact entries
