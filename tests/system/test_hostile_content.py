"""A hostile or careless trainer's scenario (finding 8 of the hardening issue): a gateway written for
another audience is refused, at its line, with the gateways that fit."""

from __future__ import annotations

import pytest

from facilitation.content import checks, library
from tests.paths import MINI

MINI_TEXT = (MINI / "scenarios" / "mini.yaml").read_text(encoding="utf-8")


def _findings(data) -> list[tuple[str, str]]:
    return [
        (checks.breadcrumb(data, f.path), f.message)
        for f in checks.check_scenario(
            data, known_roles={"school", "police", "childrens_social_care", "gp"}
        )
    ]


def test_an_adults_gateway_in_a_childrens_scenario_is_refused(mini_data):
    mini_data["stages"][0]["facts"][0]["guidance"]["gateway"] = "care2014_s42"
    [(path, message)] = _findings(mini_data)
    assert path == "stages[first].facts[bruise].guidance.gateway"
    assert message.startswith(
        "gateway 'care2014_s42' is written for adults, not for this scenario's audience (children); "
        "use one of: "
    )
    assert "ca1989_s47" in message and "care2014_s42" not in message.split("use one of: ")[1]


@pytest.mark.parametrize("audience", ["adults", "early_help"])
def test_a_childrens_gateway_in_another_audience_is_refused(mini_data, audience):
    mini_data["audience"] = audience
    messages = [m for _, m in _findings(mini_data) if "is written for" in m]
    assert any(m.startswith("gateway 'ca1989_s47' is written for children,") for m in messages)


def test_gateway_lists_and_routes_are_checked_too(mini_data):
    guidance = mini_data["stages"][0]["facts"][0]["guidance"]
    guidance.pop("gateway")
    guidance["gateways"] = ["ca1989_s47", "care2014_s45"]
    guidance["share_with"] = {"childrens_social_care": {"gateways": ["care2014_s42"]}}
    places = {p for p, m in _findings(mini_data) if "is written for adults" in m}
    assert places == {
        "stages[first].facts[bruise].guidance.gateways[1]",
        "stages[first].facts[bruise].guidance.share_with.childrens_social_care.gateways[0]",
    }


def test_the_refusal_points_at_the_line():
    text = MINI_TEXT.replace("gateway: ca1989_s47", "gateway: care2014_s42", 1)
    roles = library.load_roles(MINI / "roles")
    scenario, problems = library.inspect_scenario(text, "mini.yaml", roles)
    assert scenario is None
    [problem] = [p for p in problems if "is written for adults" in p.message]
    line = text.split("\n")[problem.line - 1]
    assert "care2014_s42" in line
