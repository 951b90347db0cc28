"""Waiting for consent, for adults (docs/library.md, "Waiting for consent, for adults"): no myth for a
capacitous adult in the reference data, and a myth only on the facts where an exception from domain.md
applies (coercion, high MARAC risk, a serious crime), each of which says so."""

from __future__ import annotations

import pytest

from facilitation.content.library import load_snapshot, yaml_files
from facilitation.content.reference import reference
from facilitation.play import myths_for
from tests.paths import PROJECT

ADULT_SCENARIOS = [
    path.stem
    for path in yaml_files(PROJECT / "scenarios")
    if load_snapshot(path, roles_dir=PROJECT / "roles").scenario.audience == "adults"
]
# The facts of the adults' scenarios on which "I'd need consent first" is a misconception, and why.
CONSENT_MYTHS = {
    ("hawthorn-court", "not-alone"): "coercion",
    ("domestic-abuse-marac", "first_callout"): "others are at risk",
    ("domestic-abuse-marac", "dvds_ask"): "children at risk",
    ("domestic-abuse-marac", "strangulation"): "high risk",
    ("domestic-abuse-marac", "ed_neck"): "high risk",
}


def _facts(scenario_id: str):
    path = PROJECT / "scenarios" / f"{scenario_id}.yaml"
    return load_snapshot(path, roles_dir=PROJECT / "roles").scenario.facts


def test_consent_is_no_myth_for_adults_and_a_myth_for_children():
    consent = reference().barriers["consent"]
    assert not consent.is_myth("adults") and consent.is_myth("children")
    assert not consent.is_myth("early_help")
    adults = " ".join(consent.explanation_for("adults").split())
    assert "starting point" in adults and "not a veto" in adults
    for exception in ("coercion", "MARAC", "serious crime", "others or children are at risk"):
        assert exception in adults


def test_consent_is_a_myth_only_where_an_exception_applies():
    found = {
        (scenario_id, fact.id)
        for scenario_id in ADULT_SCENARIOS
        for fact in _facts(scenario_id)
        if "consent" in myths_for(fact, "adults")
    }
    assert found == set(CONSENT_MYTHS)


@pytest.mark.parametrize(("scenario_id", "fact_id"), sorted(CONSENT_MYTHS))
def test_each_consent_myth_names_the_default_and_its_exception(scenario_id, fact_id):
    fact = next(f for f in _facts(scenario_id) if f.id == fact_id)
    why = " ".join(fact.guidance.why.split()).lower()
    assert "as a rule" in why and CONSENT_MYTHS[(scenario_id, fact_id)] in why
    assert fact.guidance.consent != "required"


@pytest.mark.parametrize(
    ("scenario_id", "fact_id"),
    [
        ("hawthorn-court", "empty-fridge"),
        ("domestic-abuse-marac", "gp_headaches"),
        ("domestic-abuse-marac", "ed_wrist"),
    ],
)
def test_where_a_capacitous_refusal_stands_consent_is_no_myth(scenario_id, fact_id):
    fact = next(f for f in _facts(scenario_id) if f.id == fact_id)
    assert "consent" not in myths_for(fact, "adults")


def test_the_gp_letter_after_strangulation_rests_on_the_public_interest_if_she_objects():
    """Leanne asked that the letter leave out what happened: an express objection removes implied
    consent, so the GP route names the public interest beside her consent (domain.md, Layers)."""
    ed_neck = next(f for f in _facts("domestic-abuse-marac") if f.id == "ed_neck")
    gp = ed_neck.guidance.route("gp")
    assert {"consent_common_law", "public_interest"} <= set(gp.gateways)
    assert "online record" in gp.note
