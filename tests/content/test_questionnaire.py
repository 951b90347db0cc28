"""The questionnaire as reference data: its shape, its answers, and a scenario's own items."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from facilitation.content import (
    Answers,
    EvaluationItems,
    Scenario,
    checks,
    form_for,
    questionnaire,
    reference,
)
from facilitation.content.models import SLUG_PATTERN
from facilitation.content.questionnaire import _SLUG

FORM = questionnaire()


def test_shipped_questionnaire_has_the_promised_shape():
    assert FORM.tag == "easi-evaluation@1"
    assert 6 <= len(FORM.confidence) <= 8
    assert 5 <= len(FORM.knowledge) <= 8
    assert len(FORM.open) == 2
    assert all(item.golden_rules for item in FORM.confidence)
    assert {True, False} == {item.answer for item in FORM.knowledge}  # myths and facts both


def test_slug_pattern_is_the_models_one():
    assert _SLUG == SLUG_PATTERN


def test_knowledge_barriers_exist_in_the_reference_data():
    for item in FORM.knowledge:
        assert item.barrier is None or item.barrier in reference().barriers


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        # domain.md: "An adult with capacity who refuses sharing is the default to respect, not a myth"
        ("adult_refusal", True),
        # golden rule 4: data protection law does not prevent sharing for safeguarding
        ("data_protection", False),
        # consent as a UK GDPR basis is "usually not the right basis for public bodies or when a child is at risk"
        ("consent_basis", False),
        # "sharing may be needed below the threshold for a service"
        ("below_threshold", True),
        # golden rule 3: do not assume someone else will
        ("someone_else", False),
        # golden rule 7: record decisions not to share
        ("record_not_sharing", True),
        # Caldicott principle 7 "is not the answer ... when the share is to police or social care"
        ("caldicott_police", False),
    ],
)
def test_each_right_answer_is_what_domain_md_says(item_id, answer):
    assert FORM.knowledge_item(item_id).answer is answer


def test_repeated_ids_are_refused():
    data = FORM.model_dump()
    data["knowledge"][0]["id"] = data["confidence"][0]["id"]
    with pytest.raises(ValidationError, match="repeated: share_timely"):
        type(FORM).model_validate(data)


def test_a_scenarios_items_are_appended_and_a_clash_is_refused():
    extra = EvaluationItems(
        knowledge=[
            {
                "id": "encompass_duty",
                "statement": "Operation Encompass is a statutory duty on police forces.",
                "answer": True,
                "explanation": "Domestic Abuse Act 2021 s49A.",
                "source": "Domestic Abuse Act 2021 s49A",
            }
        ]
    )
    form = form_for(extra)
    assert (
        form.knowledge[-1].id == "encompass_duty" and len(form.knowledge) == len(FORM.knowledge) + 1
    )
    assert form_for(None) is FORM
    clash = EvaluationItems(confidence=[{"id": "share_timely", "text": "Again."}])
    with pytest.raises(ValidationError):
        form_for(clash)


def test_scenario_accepts_evaluation_items_and_checks_them(mini_data):
    mini_data["evaluation_items"] = {
        "confidence": [{"id": "share_timely", "text": "A clash with the shipped item."}],
        "knowledge": [
            {
                "id": "own_item",
                "statement": "A statement.",
                "answer": False,
                "explanation": "Why.",
                "source": "Where.",
                "barrier": "no_such_barrier",
            }
        ],
    }
    Scenario.model_validate(mini_data)  # the shape is valid; the cross-references are not
    found = checks.check_scenario(
        mini_data, known_roles={"school", "police", "childrens_social_care", "gp"}
    )
    messages = [(checks.breadcrumb(mini_data, f.path), f.message) for f in found]
    assert any("share_timely" in m and "used twice" in m for _, m in messages)
    assert any("unknown barrier 'no_such_barrier'" in m for _, m in messages)


def test_answers_are_checked_against_the_form():
    Answers(confidence={"share_timely": 4}).check_against(FORM, "pre")
    with pytest.raises(ValueError, match="no such item nope"):
        Answers(knowledge={"nope": "true"}).check_against(FORM, "pre")
    with pytest.raises(ValueError, match="post measure only"):
        Answers(retrospective={"share_timely": 2}).check_against(FORM, "pre")
    with pytest.raises(ValidationError):
        Answers(confidence={"share_timely": 6})
