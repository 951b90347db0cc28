"""`Ledger(..., to=...)`: a ledger kept for some roles only answers for them exactly as the full one."""

from __future__ import annotations

from facilitation.play.picture import Ledger
from facilitation.play.records import StageDecision, Submission


def _share(participant_id, role, stage, shares):
    facts = [{"fact_id": fact, "share_with": to} for fact, to in shares.items()]
    decision = StageDecision(facts=facts, level=2, action="monitor", confidence=3)
    return Submission(
        participant_id=participant_id, role_id=role, stage_index=stage, decision=decision
    )


SHARES = [
    _share(1, "school", 0, {"bruise": ["police", "childrens_social_care"]}),
    _share(2, "police", 0, {"dv_callout": ["childrens_social_care", "school"]}),
    _share(1, "school", 1, {"bruise": ["police", "childrens_social_care"]}),  # carried: no receipt
    _share(3, "school", 1, {"bruise": ["childrens_social_care"]}),
]


def test_a_ledger_for_one_role_pictures_it_as_the_full_ledger(mini_snapshot):
    full = Ledger(mini_snapshot, SHARES, revealed_through=1)
    lead = Ledger(mini_snapshot, SHARES, revealed_through=1, to=("childrens_social_care",))
    for stage in range(3):
        for after_reveal in (False, True):
            assert lead.picture(
                "childrens_social_care", stage, after_reveal=after_reveal
            ) == full.picture("childrens_social_care", stage, after_reveal=after_reveal)
    assert len(lead.picture("childrens_social_care", 2).facts["bruise"].received) == 2


def test_a_ledger_for_one_role_keeps_no_receipt_of_another(mini_snapshot):
    lead = Ledger(mini_snapshot, SHARES, revealed_through=1, to=("childrens_social_care",))
    assert "dv_callout" not in lead.picture("school", 2)
    assert "dv_callout" in Ledger(mini_snapshot, SHARES, revealed_through=1).picture("school", 2)
