"""The teaching model's optional fields: their shapes, their defaults, and the checks that name them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from facilitation.content import checks
from facilitation.content.models import Fact, Guidance, Role, Scenario

KNOWN = {"school", "police", "childrens_social_care", "gp", "housing"}


def first_guidance(data: dict) -> dict:
    return data["stages"][0]["facts"][0]["guidance"]


def findings(data: dict) -> list[tuple[str, str]]:
    return [
        (checks.breadcrumb(data, f.path), f.message)
        for f in checks.check_scenario(data, known_roles=KNOWN)
    ]


def test_old_files_keep_their_meaning(mini_data):
    scenario = Scenario.model_validate(mini_data)
    guidance = scenario.stages[0].facts[0].guidance
    assert guidance.recipients == ("childrens_social_care",)
    assert guidance.all_gateways == ("ca1989_s47",)
    assert guidance.route("childrens_social_care").detail == "detail"
    assert guidance.family == "not_if_unsafe"  # consent not_required
    assert guidance.onward == () and guidance.myths is None and guidance.reasons is None
    assert scenario.stages[0].facts[0].meets_level is None


def test_share_with_as_a_mapping_of_routes(mini_data):
    first_guidance(mini_data).update(
        share_with={
            "childrens_social_care": {"gateways": ["ca2004_s11"], "note": "Referral."},
            "police": {"detail": "concern"},
        },
        gateway=None,
        gateways=["ukgdpr_public_task"],
        tell_family="no",
        tell_family_why="The child would be at risk.",
        onward=["gp"],
        myths=["legal_fear"],
        consent="contested",
    )
    guidance = Scenario.model_validate(mini_data).stages[0].facts[0].guidance
    assert guidance.recipients == ("childrens_social_care", "police")
    assert guidance.gateways_for("childrens_social_care") == ("ca2004_s11",)
    assert guidance.gateways_for("police") == ("ukgdpr_public_task",)
    assert guidance.detail_for("police") == "concern"
    assert guidance.detail_for("childrens_social_care") == "detail"
    assert guidance.family == "no"
    assert findings(mini_data) == []


@pytest.mark.parametrize(
    "consent, family", [("required", "yes"), ("seek_unless_unsafe", "not_if_unsafe")]
)
def test_tell_family_default_comes_from_consent(consent, family):
    guidance = Guidance(share_with=(), consent=consent, why="Because.")
    assert guidance.family == family


@pytest.mark.parametrize(
    "fields",
    [
        {"label": "x" * 25},
        {"meets_level": 5},
        {"meets_level": 0},
    ],
)
def test_fact_fields_are_bounded(fields):
    base = {
        "id": "f",
        "held_by": "school",
        "text": "t",
        "weight": 1,
        "sensitivity": "personal",
        "guidance": {"share_with": [], "consent": "not_required", "why": "w"},
    }
    with pytest.raises(ValidationError):
        Fact.model_validate({**base, **fields})


def test_a_route_refuses_unknown_keys_and_details():
    with pytest.raises(ValidationError):
        Guidance.model_validate(
            {"share_with": {"gp": {"detial": "concern"}}, "consent": "required", "why": "w"}
        )
    with pytest.raises(ValidationError):
        Guidance.model_validate(
            {"share_with": {"gp": {"detail": "some"}}, "consent": "required", "why": "w"}
        )


def test_role_agency_is_one_of_the_kinds(school_data):
    assert Role.model_validate({**school_data, "agency": "school"}).agency == "school"
    with pytest.raises(ValidationError):
        Role.model_validate({**school_data, "agency": "academy"})


def test_the_checks_name_new_fields(mini_data):
    first_guidance(mini_data).update(
        share_with={"childrens_social_care": {"gateways": ["ca2004_s1"]}, "housing": {}},
        gateways=["ca1989_s47"],
        onward=["school"],
        myths=["legal_feer"],
    )
    found = dict(findings(mini_data))
    here = "stages[first].facts[bruise].guidance"
    assert found[f"{here}.share_with.childrens_social_care.gateways[0]"].startswith(
        "unknown gateway 'ca2004_s1'"
    )
    assert found[f"{here}.share_with.housing"].startswith("role 'housing' is used in share_with")
    assert found[f"{here}.gateways"].startswith("give either `gateway` (one id) or `gateways`")
    assert found[f"{here}.onward[0]"].startswith("'school' holds this fact (held_by)")
    assert found[f"{here}.myths[0]"].startswith("unknown barrier 'legal_feer'")


@pytest.mark.parametrize("written, meant", [("yes", "yes"), ("no", "no"), ("'no'", "no")])
def test_tell_family_written_unquoted_keeps_its_word(written, meant):
    # YAML 1.1 reads a bare yes/no as a boolean; the trainer meant the word.
    from facilitation.content.yamlsource import read_yaml

    root = read_yaml(
        f"tell_family: {written}\nshare_with: []\nconsent: not_required\nwhy: Because.\n"
    ).data
    assert Guidance.model_validate(root).family == meant


def test_tell_family_refuses_other_values():
    with pytest.raises(ValidationError):
        Guidance(share_with=(), consent="required", why="Because.", tell_family="maybe")
