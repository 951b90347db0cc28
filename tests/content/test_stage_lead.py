"""A stage's optional `lead:` ({role, decides, why}): valid when absent, checked against the roles in
play, and defaulting to the scenario's lead_role."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from facilitation.content.models import Scenario
from tests.content.test_checks import scenario_findings


def test_without_a_lead_a_stage_defaults_to_the_scenario_lead(mini_data):
    scenario = Scenario.model_validate(mini_data)
    lead = scenario.stages[0].lead_for(scenario.lead_role)
    assert (lead.role, lead.decides, lead.why) == ("childrens_social_care", None, None)


def test_a_stage_lead_is_read_and_checked(mini_data):
    mini_data["stages"][1]["lead"] = {"role": "police", "decides": "gp", "why": "A crime first."}
    scenario = Scenario.model_validate(mini_data)
    assert scenario.stages[1].lead_for(scenario.lead_role).decides == "gp"
    assert scenario_findings(mini_data) == []


@pytest.mark.parametrize("field", ["role", "decides"])
def test_a_stage_lead_names_a_role_in_play(mini_data, field):
    mini_data["stages"][0]["lead"] = {"role": "police", field: "housing"}
    found = scenario_findings(mini_data)
    assert any(f"lead.{field}" in message and "not in play" in message for _, message in found), (
        found
    )


def test_a_stage_lead_has_no_other_keys(mini_data):
    mini_data["stages"][0]["lead"] = {"role": "police", "whom": "gp"}
    with pytest.raises(ValidationError):
        Scenario.model_validate(mini_data)
