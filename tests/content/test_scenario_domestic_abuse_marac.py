"""The domestic-abuse-marac scenario: its teaching points hold in the data, not only in the prose."""

from __future__ import annotations

import pytest

from facilitation.content.library import load_snapshot
from facilitation.content.models import Fact, Snapshot
from facilitation.content.reference import reference
from tests.paths import PROJECT

SCENARIO = PROJECT / "scenarios" / "domestic-abuse-marac.yaml"
# Gateways that rest on the victim being an adult with care and support needs: Leanne has none.
ADULT_AT_RISK_GATEWAYS = {"care2014_s42", "dpa2018_sch1_18"}
LABEL_MAX = 24


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(SCENARIO, roles_dir=PROJECT / "roles")


@pytest.fixture(scope="module")
def facts(snapshot) -> dict[str, Fact]:
    return {fact.id: fact for fact in snapshot.scenario.facts}


def _routes(fact: Fact) -> dict[str, tuple[str, ...]]:
    """Recipient -> the gateways guidance names for it."""
    return {role: fact.guidance.gateways_for(role) for role in fact.guidance.recipients}


def _cited(fact: Fact) -> set[str]:
    """Every gateway a fact's guidance names, on the fact or on any route."""
    return set(fact.guidance.all_gateways).union(*_routes(fact).values())


# ---------------------------------------------------------------------------------------- the shape


def test_adults_case_led_by_the_marac(snapshot):
    scenario = snapshot.scenario
    assert (scenario.audience, scenario.lead_role) == ("adults", "marac_coordinator")
    assert "English law and guidance as at December 2026" in scenario.summary
    assert len(scenario.stages) in (5, 6) and len(scenario.facts) >= 16
    in_play = set(scenario.roles)
    assert {"domestic_abuse_service", "police", "school", "childrens_social_care"} <= in_play


def test_every_fact_has_a_short_label(facts):
    too_long = {
        fid: fact.label
        for fid, fact in facts.items()
        if not fact.label or len(fact.label) > LABEL_MAX
    }
    assert too_long == {}


def test_the_idva_and_the_marac_roles(snapshot):
    assert snapshot.roles["domestic_abuse_service"].agency == "domestic_abuse_service"
    assert snapshot.roles["marac_coordinator"].threshold.acts_at == 4


# -------------------------------------------------------------------------- no care and support needs


def test_no_share_rests_on_her_being_an_adult_at_risk(facts):
    cited = {fid: _cited(fact) & ADULT_AT_RISK_GATEWAYS for fid, fact in facts.items()}
    assert {fid: gateways for fid, gateways in cited.items() if gateways} == {}


def test_police_shares_are_law_enforcement_processing(facts):
    police_routes = [
        (fid, role, gateways)
        for fid, fact in facts.items()
        if fact.held_by == "police"
        for role, gateways in _routes(fact).items()
    ]
    assert police_routes
    assert [
        (fid, role) for fid, role, gateways in police_routes if "dpa2018_part3" not in gateways
    ] == []


def test_school_cites_its_own_duty_not_s11(facts):
    school_gateways = set().union(
        *(_cited(fact) for fact in facts.values() if fact.held_by == "school")
    )
    assert "ea2002_s175" in school_gateways and "ca2004_s11" not in school_gateways


def test_every_share_with_the_marac_names_a_basis_its_holder_holds(snapshot, facts):
    """Who may cite which gateway comes from the reference data (`holders`), not a hand-kept list."""
    gateways = reference().gateways
    to_marac = {
        fact.id: (
            snapshot.roles[fact.held_by].agency,
            fact.guidance.gateways_for("marac_coordinator"),
        )
        for fact in facts.values()
        if "marac_coordinator" in fact.guidance.recipients
    }
    assert len(to_marac) >= 7
    not_held = {
        (fid, gateway)
        for fid, (agency, cited) in to_marac.items()
        for gateway in cited
        if not {"any", agency} & set(gateways[gateway].holders)
    }
    no_data_basis = {
        fid
        for fid, (_, cited) in to_marac.items()
        if not {gateways[g].layer for g in cited} & {"data_protection", "law_enforcement"}
    }
    assert (not_held, no_data_basis) == (set(), set())


# ----------------------------------------------------------------------------- DASH, MARAC, strangulation


def test_strangulation_meets_the_top_level_on_its_own(facts):
    assert facts["strangulation"].meets_level == 4
    assert facts["ed_neck"].meets_level == 4
    assert facts["idva_call"].meets_level >= 3  # coercive control, disclosed


def test_high_risk_goes_to_marac_and_the_idva_without_consent(facts):
    guidance = facts["strangulation"].guidance
    assert {"marac_coordinator", "domestic_abuse_service"} <= set(guidance.recipients)
    assert guidance.consent == "not_required"
    assert "consent" in guidance.myths
    assert "capacitous_refusal" not in guidance.myths, "her refusal is the default, not a myth"
    assert "as a rule her refusal is" in guidance.why and "high risk (the" in guidance.why
    assert guidance.family == "not_if_unsafe" and "Craig" in guidance.tell_family_why


def test_her_refusal_stands_below_high_risk(facts):
    guidance = facts["gp_headaches"].guidance
    assert guidance.recipients == () and guidance.consent == "required"
    assert guidance.myths == ()


def test_every_agency_brings_something_to_the_marac(snapshot, facts):
    bring = {
        fact.held_by for fact in facts.values() if "marac_coordinator" in fact.guidance.recipients
    }
    assert bring == set(snapshot.scenario.roles) - {"marac_coordinator"}


# ----------------------------------------------------------------------- children, Encompass, Clare's Law


@pytest.mark.parametrize("fact_id", ["first_callout", "strangulation"])
def test_operation_encompass_is_the_police_duty_and_the_concern_only(facts, fact_id):
    guidance = facts[fact_id].guidance
    assert "daa2021_s49a" in guidance.gateways_for("school")
    assert guidance.detail_for("school") == "concern"
    assert (
        "childrens_social_care" in guidance.recipients
    )  # the children are victims in their own right


def test_clares_law_tells_the_person_at_risk_not_the_asker_or_the_perpetrator(facts):
    asked = facts["dvds_ask"].guidance.tell_family_why
    assert "Leanne is the person at risk" in asked and "Craig is never told" in asked
    told = facts["dvds_disclosure"].guidance
    assert told.family == "yes" and "solicitor is told nothing" in told.tell_family_why


def test_another_victims_history_is_not_told_to_leanne(facts):
    guidance = facts["carrow_marac"].guidance
    assert guidance.family == "no"
    assert guidance.detail_for("domestic_abuse_service") == "concern"


# ------------------------------------------------------------------------------- what is never shared


def test_the_refuge_address_is_shared_with_nobody_and_the_decision_recorded(facts):
    guidance = facts["refuge_address"].guidance
    assert guidance.recipients == ()
    assert {"school", "gp", "marac_coordinator"} <= set(guidance.avoid)
    assert "record" in guidance.why


def test_leaving_is_shared_as_the_concern_not_where(facts):
    guidance = facts["leanne_leaves"].guidance
    assert guidance.consent == "seek_unless_unsafe" and "agreed" in guidance.reasons
    assert {guidance.detail_for(role) for role in guidance.recipients} == {"concern"}


def test_the_minutes_stay_in_the_meeting(facts):
    guidance = facts["marac_plan"].guidance
    assert {guidance.detail_for(role) for role in ("school", "housing", "gp")} == {"concern"}


def test_the_address_never_appears_in_a_narrative(snapshot):
    narratives = " ".join(stage.narrative for stage in snapshot.scenario.stages)
    assert "Thornhaven" not in narratives
