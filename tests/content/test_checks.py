"""The cross-reference rules of the contract, on plain data: each rule's own message at its path."""

from __future__ import annotations

import pytest

from facilitation.content import checks
from facilitation.content.models import Role

KNOWN = {"school", "police", "childrens_social_care", "gp", "housing"}


def scenario_findings(data, **options) -> list[tuple[str, str]]:
    options.setdefault("known_roles", KNOWN)
    return [
        (checks.breadcrumb(data, f.path), f.message) for f in checks.check_scenario(data, **options)
    ]


def first_fact(data) -> dict:
    return data["stages"][0]["facts"][0]


def test_mini_is_clean(mini_data, school_data):
    assert checks.check_scenario(mini_data, known_roles=KNOWN, file_id="mini") == []
    assert checks.check_role(school_data, file_id="school") == []
    assert checks.check_role(Role.model_validate(school_data)) == []  # models are accepted too


@pytest.mark.parametrize(
    "change, path, message",
    [
        # rule 1: role ids exist and are in play
        (
            lambda d: d["roles"].append("polce"),
            "roles[4]",
            "no role 'polce' in the roles folder; did you mean 'police'? Known roles: childrens_social_care, gp, housing, "
            "police, school",
        ),
        (
            lambda d: d.update(lead_role="housing"),
            "lead_role",
            "role 'housing' is used in lead_role but is not in play; add it to `roles` or use one of the roles in play: "
            "school, police, childrens_social_care, gp",
        ),
        (
            lambda d: first_fact(d).update(held_by="gpp"),
            "stages[first].facts[bruise].held_by",
            "unknown role 'gpp' in held_by; did you mean 'gp'? Use one of the roles in play: school, police, "
            "childrens_social_care, gp",
        ),
        (
            lambda d: first_fact(d)["guidance"]["share_with"].append("housing"),
            "stages[first].facts[bruise].guidance.share_with[1]",
            "role 'housing' is used in share_with but is not in play",
        ),
        (
            lambda d: first_fact(d)["guidance"]["avoid"].append("nobody"),
            "stages[first].facts[bruise].guidance.avoid[1]",
            "unknown role 'nobody' in avoid; use one of the roles in play",
        ),
        # rule 2: unique ids
        (
            lambda d: d["roles"].append("gp"),
            "roles[4]",
            "role 'gp' is listed twice in roles (first as roles[3]); list each role once",
        ),
        (
            lambda d: d["stages"][1].update(id="first"),
            "stages[1].id",
            "stage id 'first' is used twice (first at stages[first]); stage ids must be unique in a scenario: rename one",
        ),
        (
            lambda d: d["stages"][2]["facts"][0].update(id="bruise"),
            "stages[third].facts[bruise].id",
            "fact id 'bruise' is used twice (first at stages[first].facts[bruise]); fact ids must be unique across the "
            "whole scenario: rename one",
        ),
        # rule 4: share_with and avoid
        (
            lambda d: first_fact(d)["guidance"]["avoid"].append("childrens_social_care"),
            "stages[first].facts[bruise].guidance.avoid[1]",
            "'childrens_social_care' is in both share_with and avoid; a role either should receive the fact or should not: "
            "remove it from one of them",
        ),
        (
            lambda d: first_fact(d)["guidance"]["share_with"].append("school"),
            "stages[first].facts[bruise].guidance.share_with[1]",
            "'school' holds this fact (held_by), so it cannot be in share_with; remove it from share_with",
        ),
        (
            lambda d: first_fact(d)["guidance"]["avoid"].append("school"),
            "stages[first].facts[bruise].guidance.avoid[1]",
            "'school' holds this fact (held_by), so it cannot be in avoid; remove it from avoid",
        ),
        # rule 5: gateways
        (
            lambda d: first_fact(d)["guidance"].update(gateway="s47"),
            "stages[first].facts[bruise].guidance.gateway",
            "unknown gateway 's47'; valid gateways: ca1989_s17, ca1989_s17za, ca1989_s27, ca1989_s47, ",
        ),
        # facts: at least one in the scenario
        (
            lambda d: [stage.pop("facts") for stage in d["stages"]],
            "stages",
            "the scenario has no facts; add at least one fact to a stage",
        ),
    ],
)
def test_scenario_rules(mini_data, change, path, message):
    change(mini_data)
    found = scenario_findings(mini_data)
    assert any(p == path and m.startswith(message) for p, m in found), found


def test_scenario_id_must_match_file(mini_data):
    assert scenario_findings(mini_data, file_id="other") == [
        (
            "id",
            "id 'mini' does not match the file name 'other.yaml'; a scenario's id must equal its file name: change "
            "the id to 'other' or rename the file to 'mini.yaml'",
        )
    ]


def test_a_broken_role_is_named_as_broken(mini_data):
    assert scenario_findings(
        mini_data, known_roles=KNOWN - {"police"}, broken_roles={"police"}
    ) == [
        (
            "roles[1]",
            "role 'police' has errors in its file roles/police.yaml; fix that file first (run `easi validate` "
            "on it)",
        )
    ]


@pytest.mark.parametrize(
    "change, path, message",
    [
        (
            lambda d: d.update(id="schol"),
            "id",
            "id 'schol' does not match the file name 'school.yaml'",
        ),
        (
            lambda d: d["motivators"].append(dict(d["motivators"][0])),
            "motivators[1].id",
            "motivator id 'duty' is used twice (first at motivators[duty]); motivator ids must be unique within a role",
        ),
        (
            lambda d: d["constraints"].append(dict(d["constraints"][0])),
            "constraints[1].id",
            "constraint id 'held_back' is used twice",
        ),
        (
            lambda d: d["constraints"][0].update(barrier="concent"),
            "constraints[held_back].barrier",
            "unknown barrier 'concent'; did you mean 'consent'? Valid barriers: legal_fear, consent,",
        ),
        (
            lambda d: d["gateways"].append("ca2004_s12"),
            "gateways[1]",
            "unknown gateway 'ca2004_s12'; did you mean 'ca2004_s11'? Valid gateways:",
        ),
    ],
)
def test_role_rules(school_data, change, path, message):
    change(school_data)
    found = [
        (checks.breadcrumb(school_data, f.path), f.message)
        for f in checks.check_role(school_data, file_id="school")
    ]
    assert any(p == path and m.startswith(message) for p, m in found), found


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        {"roles": "school", "stages": "x"},
        {"stages": [1, None, {"facts": "x"}]},
        {
            "stages": [
                {
                    "facts": [
                        None,
                        {"guidance": [1]},
                        {"held_by": 3, "guidance": {"share_with": "x"}},
                    ]
                }
            ]
        },
        {
            "roles": [1, None],
            "lead_role": ["x"],
            "motivators": 3,
            "constraints": [{"barrier": 1}],
            "gateways": [None],
        },
    ],
)
def test_badly_shaped_data_never_raises(data):
    checks.check_scenario(data, known_roles=KNOWN)
    checks.check_role(data)


def test_no_role_checks_when_roles_is_not_a_list(mini_data):
    mini_data["roles"] = "school"
    assert (
        scenario_findings(mini_data) == []
    )  # the model reports `roles`; no cascade of "not in play"


@pytest.mark.parametrize(
    "path, crumb",
    [
        (("stages", 0, "facts", 1, "held_by"), "stages[first].facts[dv_callout].held_by"),
        (("stages", 1), "stages[second]"),
        (("stages", 9, "title"), "stages[9].title"),
        (("roles", 2), "roles[2]"),
        (("levels", 2), "levels.2"),
        ((), ""),
    ],
)
def test_breadcrumb(mini_data, path, crumb):
    assert checks.breadcrumb(mini_data, path) == crumb


def test_breadcrumb_falls_back_to_index_without_a_valid_id(mini_data):
    mini_data["stages"][0]["id"] = "Not A Slug"
    assert checks.breadcrumb(mini_data, ("stages", 0, "title")) == "stages[0].title"


@pytest.mark.parametrize(
    "word, choices, expected",
    [
        ("narative", ["narrative", "title"], "; did you mean 'narrative'?"),
        ("zzz", ["narrative"], ""),
    ],
)
def test_did_you_mean(word, choices, expected):
    assert checks.did_you_mean(word, choices) == expected


def test_a_route_made_under_the_adults_framework_is_checked_against_it(mini_data):
    """An adult with care and support needs in a children's case: a route that says `audience: adults`
    may cite the Care Act (and must not cite the Children Act 1989); a route that does not say so is held
    to the scenario's audience."""
    guidance = first_fact(mini_data)["guidance"]
    guidance["share_with"] = {
        "police": {"gateways": ["care2014_s6_s7"], "audience": "adults"},
        "childrens_social_care": {"gateways": ["care2014_s6_s7"]},
        "gp": {"gateways": ["ca1989_s47"], "audience": "adults"},
    }
    findings = scenario_findings(mini_data)
    refused = {path: message for path, message in findings if "is written for" in message}
    base = "stages[first].facts[bruise].guidance.share_with"
    assert set(refused) == {f"{base}.childrens_social_care.gateways[0]", f"{base}.gp.gateways[0]"}
    assert (
        "not for this scenario's audience (children)"
        in refused[f"{base}.childrens_social_care.gateways[0]"]
    )
    assert "not for this route's audience (adults)" in refused[f"{base}.gp.gateways[0]"]
