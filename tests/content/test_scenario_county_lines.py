"""`county-lines-transition` teaches what it says it teaches (issue #13): child criminal exploitation seen
in pieces, the NRM and the Modern Slavery Act s52 duty, a competent young person's confidences, contextual
safeguarding, and the gap at 18. It also holds the three roles written for it to the house's role brief.

Each test holds one teaching point to the scenario's data (and, for s52, to the reference data that says
who holds the duty), so that an edit which drops the point fails here with the point named.
"""

from __future__ import annotations

import re

import pytest

from facilitation.content.library import load_snapshot
from facilitation.content.models import Fact, Snapshot
from facilitation.content.reference import reference
from facilitation.play import act_stages
from tests.paths import PROJECT

LEAD = "childrens_social_care"
NEW_ROLES = {
    "youth_justice": "youth_justice",
    "fe_college": "fe_college",
    "missing_coordinator": "voluntary_sector",
}
# Facts in which Kai himself asks that what he said or showed go no further.
KAIS_CONFIDENCES = ("rhi_one", "tutor_cut", "missed_panel", "rhi_disclosure", "knife_wound")


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(
        PROJECT / "scenarios" / "county-lines-transition.yaml", roles_dir=PROJECT / "roles"
    )


def _fact(snapshot: Snapshot, fact_id: str) -> Fact:
    return snapshot.scenario.fact(fact_id)


def _stage(snapshot: Snapshot, stage_id: str) -> int:
    return [stage.id for stage in snapshot.scenario.stages].index(stage_id)


def _cited(fact: Fact) -> set[str]:
    guidance = fact.guidance
    return {
        *guidance.all_gateways,
        *(g for r in guidance.recipients for g in guidance.gateways_for(r)),
    }


@pytest.mark.parametrize("role_id", sorted(NEW_ROLES))
def test_the_new_role_cards_are_complete(snapshot, role_id):
    role = snapshot.roles[role_id]
    assert role.agency == NEW_ROLES[role_id]
    assert len(role.motivators) >= 3 and len(role.constraints) >= 3
    assert 60 <= len(role.summary.split()) <= 120
    assert re.search(r"\bYou\b", role.summary)
    assert re.search(r"\b(we|We|our|us)\b", role.threshold.in_practice)
    assert role.colour and role.gateways
    holders = reference().gateways
    assert [g for g in role.gateways if not holders[g].held_by(role.agency)] == []


def test_the_early_signs_reach_the_lead_as_a_childs_need(snapshot):
    """The autumn's pieces (an order, phones, cash, a burn, a cut, 'owing') each go to children's social
    care, and together they let it act in October, before anyone is found in a trap house."""
    autumn = [
        fact
        for stage in snapshot.scenario.stages[: _stage(snapshot, "october") + 1]
        for fact in stage.facts
        if fact.held_by != LEAD
    ]
    assert [fact.id for fact in autumn if LEAD not in fact.guidance.recipients] == []
    assert act_stages(snapshot, (), -1).possible == _stage(snapshot, "october")


def test_the_slavery_duty_is_held_only_where_the_law_puts_it():
    """Modern Slavery Act 2015 s52: police and local authorities; not youth justice, colleges or charities."""
    s52 = reference().gateways["msa2015_s52"]
    assert s52.held_by("police") and s52.held_by("children_social_care")
    assert s52.held_by("adult_social_care")
    assert not any(s52.held_by(agency) for agency in set(NEW_ROLES.values()))


def test_no_fact_has_a_holder_cite_the_slavery_duty_it_does_not_hold(snapshot):
    s52 = reference().gateways["msa2015_s52"]
    wrong = [
        fact.id
        for fact in snapshot.scenario.facts
        if "msa2015_s52" in _cited(fact) and not s52.held_by(snapshot.roles[fact.held_by].agency)
    ]
    assert wrong == []


def test_the_nrm_and_the_duty_to_notify_are_taught_for_a_child_and_for_an_adult(snapshot):
    child = _fact(snapshot, "trap_house").guidance.why
    adult = _fact(snapshot, "s42_screen").guidance.why
    assert "National Referral Mechanism" in child and "no consent" in child and "s52" in child
    assert "anonymously" in adult and "has not consented" in adult
    messages = " ".join(snapshot.scenario.debrief.key_messages)
    assert "NRM" in messages and "s52" in messages


@pytest.mark.parametrize("fact_id", KAIS_CONFIDENCES)
def test_kais_confidences_shape_how_he_is_protected_not_whether(snapshot, fact_id):
    """He asked that it go no further; it still reaches the MASH, and his agreement is not a condition."""
    guidance = _fact(snapshot, fact_id).guidance
    assert LEAD in guidance.recipients
    assert guidance.consent != "required"


def test_the_disclosure_is_shared_today_with_kai_told_first_and_protected_as_the_source(snapshot):
    fact = _fact(snapshot, "rhi_disclosure")
    guidance = fact.guidance
    assert fact.meets_level == 4
    assert guidance.detail_for(LEAD) == "detail"
    assert guidance.detail_for("police") == "concern"
    assert guidance.family == "yes"
    assert "source_safety" not in (guidance.myths or ()), "protecting the source is a real reason"
    assert "consent" in (guidance.myths or ())
    assert "confidence" not in (guidance.myths or ()), "the duty of confidence is real"
    assert "public interest" in guidance.why and "not a myth" in guidance.why


def test_the_voluntary_service_does_not_claim_a_public_task(snapshot):
    cited = {
        gateway
        for fact in snapshot.scenario.facts
        if fact.held_by == "missing_coordinator"
        for gateway in _cited(fact)
    }
    assert "ukgdpr_6_1_f" in cited and "ukgdpr_public_task" not in cited


def test_intelligence_is_shared_as_what_it_shows_not_where_it_came_from(snapshot):
    for fact_id in ("stop_search", "intel_threat"):
        guidance = _fact(snapshot, fact_id).guidance
        assert guidance.recipients
        assert {guidance.detail_for(r) for r in guidance.recipients} == {"concern"}


def test_contextual_safeguarding_shares_about_places_groups_and_adults(snapshot):
    """The car at the gate goes to the police (not Kai's injury); a second child is referred in his own
    right; the cuckooed flat reaches the police, adult social care and the MASH."""
    gate = _fact(snapshot, "tutor_cut").guidance
    assert gate.detail_for("police") == "concern" and gate.detail_for(LEAD) == "detail"
    assert _fact(snapshot, "reece_tells").guidance.recipients == (LEAD,)
    flat = _fact(snapshot, "cuckoo_flat").guidance
    assert {"police", "adult_social_care", LEAD} <= set(flat.recipients)


def test_at_eighteen_a_capacitous_refusal_stands_for_himself_but_not_for_others(snapshot):
    """After his birthday Kai's refusal is no bar where others are at risk (his sister) or a serious
    crime lies behind it; the MASH hears only the concern for Maisie, and adult social care is not the
    answer."""
    last = snapshot.scenario.stages[-1]
    assert "18" in last.narrative
    fact = _fact(snapshot, "adult_assault")
    assert snapshot.scenario.stage_of(fact.id) == len(snapshot.scenario.stages) - 1
    guidance = fact.guidance
    assert "capacitous_refusal" not in (guidance.myths or ()), "his refusal is the default"
    assert "as a rule his refusal is right" in guidance.why and "exceptions apply" in guidance.why
    assert guidance.detail_for(LEAD) == "concern" and guidance.detail_for("police") == "detail"
    assert "adult_social_care" not in guidance.recipients


def test_the_transition_gap_is_named_and_planned_for(snapshot):
    panel = _fact(snapshot, "transition_panel").guidance
    assert panel.recipients == (LEAD,)
    assert "section 42" in panel.why
    screen = _fact(snapshot, "s42_screen").guidance
    assert {LEAD, "police"} <= set(screen.recipients)
    threat = _fact(snapshot, "intel_threat")
    assert threat.meets_level == 4 and "18" in threat.text
    assert "Care Act" in " ".join(snapshot.scenario.debrief.key_messages)


def test_the_assault_at_18_has_a_schedule_1_condition_that_fits_an_adult_without_care_needs(
    snapshot,
):
    """His injury is health data: each share needs an Art 9 condition. Sch 1 para 18 is for a child or
    an 'individual at risk' where consent cannot be had; Kai is neither and was asked, so para 10
    (preventing or detecting an unlawful act) is the condition, on every route, and para 18 is not."""
    fact = _fact(snapshot, "adult_assault")
    guidance = fact.guidance
    assert fact.sensitivity == "special_category"
    gateways = reference().gateways
    for recipient in guidance.recipients:
        cited = set(guidance.gateways_for(recipient))
        assert "dpa2018_sch1_10" in cited and "dpa2018_sch1_18" not in cited, recipient
        assert gateways["dpa2018_sch1_10"].held_by(snapshot.roles[fact.held_by].agency)
    assert "para 10" in guidance.why and "para 18 does not apply" in guidance.why


def test_the_cuckooed_mans_concern_goes_to_adult_social_care_under_the_care_act(snapshot):
    """Reg is an adult with care and support needs: housing raises the concern as a Care Act s6/s7
    partner (s42 is the council's enquiry), on a route made under the adults' framework, in a
    children's scenario."""
    guidance = _fact(snapshot, "cuckoo_flat").guidance
    route = guidance.route("adult_social_care")
    assert snapshot.scenario.audience == "children" and route.audience == "adults"
    assert "care2014_s6_s7" in route.gateways and "care2014_s42" not in route.gateways
    assert "adults" in reference().gateways["care2014_s6_s7"].audience
    assert all(
        "care2014_s6_s7" not in guidance.gateways_for(r)
        for r in guidance.recipients
        if r != "adult_social_care"
    )
