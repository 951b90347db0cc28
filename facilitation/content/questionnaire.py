"""The evaluation questionnaire: confidence items (1-5), knowledge items with a right answer, two open
questions and the follow-up's extra question, as shipped reference data (`reference/questionnaire.yaml`)
and as a scenario may extend it (`evaluation_items:`). Also the shape of one person's answers.

See docs/evaluation.md for what is measured, when and why. Strict and immutable like every content model.
This module imports nothing from `models` (which imports it for `Scenario.evaluation_items`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "ANSWER_MAX_CHARS",
    "KNOWLEDGE_CHOICES",
    "MOMENTS",
    "USED_AT_WORK_CHOICES",
    "Answers",
    "ConfidenceItem",
    "EvaluationItems",
    "KnowledgeChoice",
    "KnowledgeItem",
    "Moment",
    "OpenQuestion",
    "Questionnaire",
    "form_for",
    "questionnaire",
]

# The same pattern as models.SLUG_PATTERN (a test holds them equal): this module cannot import models.
_SLUG = r"^[a-z][a-z0-9_-]{0,47}$"
_Slug = Annotated[str, StringConstraints(pattern=_SLUG)]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
_Short = Annotated[str, StringConstraints(min_length=1, max_length=300)]
_Score = Annotated[int, Field(ge=1, le=5)]

ANSWER_MAX_CHARS = 1000
Moment = Literal["pre", "post", "follow_up"]
MOMENTS: tuple[str, ...] = ("pre", "post", "follow_up")
KnowledgeChoice = Literal["true", "false", "not_sure"]
KNOWLEDGE_CHOICES: tuple[str, ...] = ("true", "false", "not_sure")
UsedAtWork = Literal["yes", "no", "no_chance"]
USED_AT_WORK_CHOICES: tuple[str, ...] = ("yes", "no", "no_chance")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfidenceItem(_Strict):
    """A self-rating on the 1-5 scale ("I know when I can share without consent")."""

    id: _Slug = Field(description="Identifier, unique in the questionnaire (lowercase slug).")
    text: _Short = Field(description="The statement the participant rates, in the first person.")
    golden_rules: tuple[Annotated[int, Field(ge=1, le=7)], ...] = Field(
        (), description="The golden rules (1-7, HM Government 2024) the item speaks to."
    )
    outcome: _Short | None = Field(
        None, description="The learning outcome the item measures, in a few words."
    )


class KnowledgeItem(_Strict):
    """A statement that is true or false, with the answer the reference material gives."""

    id: _Slug = Field(description="Identifier, unique in the questionnaire (lowercase slug).")
    statement: _Short = Field(description="The statement, to be marked true, false or not sure.")
    answer: bool = Field(description="true if the statement is right, false if it is a myth.")
    explanation: _Text = Field(description="Why, for the debrief: what the guidance says.")
    source: _Short = Field(description="The public source of the answer.")
    barrier: _Slug | None = Field(
        None, description="The barrier id (reference data) the misconception shows up as, if any."
    )


class OpenQuestion(_Strict):
    """A question answered in the participant's own words."""

    id: _Slug
    text: _Short


class EvaluationItems(_Strict):
    """Items a scenario adds to the shipped questionnaire (`evaluation_items:` in a scenario file)."""

    confidence: tuple[ConfidenceItem, ...] = Field(
        (), max_length=4, description="Up to 4 confidence items of the scenario's own (1-5)."
    )
    knowledge: tuple[KnowledgeItem, ...] = Field(
        (), max_length=4, description="Up to 4 knowledge items of the scenario's own."
    )


class Questionnaire(_Strict):
    """The instrument: what is asked before, after and at follow-up. Versioned: a change to an item's
    wording or answer is a new version, and answers record which version they answered."""

    id: _Slug
    version: Annotated[int, Field(ge=1)]
    notice: _Text = Field(description="Shown before the first question: what, why, and optional.")
    scale: dict[_Score, _Short] = Field(description="The words for 1-5 on the confidence scale.")
    retrospective_prompt: _Short = Field(description="The heading of the retrospective-pre column.")
    confidence: tuple[ConfidenceItem, ...] = Field(min_length=6, max_length=12)
    knowledge: tuple[KnowledgeItem, ...] = Field(min_length=5, max_length=12)
    open: tuple[OpenQuestion, ...] = Field(min_length=2, max_length=2)
    used_at_work: _Short = Field(description="The follow-up's extra question.")

    @model_validator(mode="after")
    def _ids_unique_scale_complete(self) -> Questionnaire:
        ids = [item.id for item in (*self.confidence, *self.knowledge, *self.open)]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(repeated)}")
        if sorted(self.scale) != [1, 2, 3, 4, 5]:
            raise ValueError("scale must give words for each of 1, 2, 3, 4 and 5")
        return self

    @property
    def tag(self) -> str:
        """`id@version`, as stored with every answer."""
        return f"{self.id}@{self.version}"

    def knowledge_item(self, item_id: str) -> KnowledgeItem:
        """A knowledge item by id (KeyError if none)."""
        for item in self.knowledge:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


class Answers(_Strict):
    """One person's answers at one moment. Every field may be left out: nothing is compulsory."""

    confidence: dict[_Slug, _Score] = Field(default_factory=dict)
    retrospective: dict[_Slug, _Score] = Field(
        default_factory=dict, description="Post only: 'before today, I would have said'."
    )
    knowledge: dict[_Slug, KnowledgeChoice] = Field(default_factory=dict)
    open: dict[_Slug, Annotated[str, StringConstraints(max_length=ANSWER_MAX_CHARS)]] = Field(
        default_factory=dict
    )
    quotable: bool = Field(False, description="The open answers may be quoted, without a name.")
    used_at_work: UsedAtWork | None = Field(None, description="Follow-up only.")

    def check_against(self, form: Questionnaire, moment: str) -> None:
        """ValueError if an answer names an item the form does not have, or belongs to another moment."""
        known = {
            "confidence": {i.id for i in form.confidence},
            "retrospective": {i.id for i in form.confidence},
            "knowledge": {i.id for i in form.knowledge},
            "open": {q.id for q in form.open},
        }
        for field_name, ids in known.items():
            unknown = sorted(set(getattr(self, field_name)) - ids)
            if unknown:
                raise ValueError(f"{field_name}: no such item {', '.join(unknown)}")
        if self.retrospective and moment != "post":
            raise ValueError("the retrospective column belongs to the post measure only")
        if self.used_at_work is not None and moment != "follow_up":
            raise ValueError("'used at work' belongs to the follow-up only")


@cache
def questionnaire() -> Questionnaire:
    """The shipped questionnaire (`reference/questionnaire.yaml`), loaded once."""
    path = Path(__file__).parent / "reference" / "questionnaire.yaml"
    with open(path, encoding="utf-8") as handle:
        return Questionnaire.model_validate(yaml.safe_load(handle))


def form_for(extra: EvaluationItems | None) -> Questionnaire:
    """The shipped questionnaire with a scenario's own items appended (ValueError on a clashing id)."""
    base = questionnaire()
    if extra is None or not (extra.confidence or extra.knowledge):
        return base
    return Questionnaire.model_validate(
        {
            **base.model_dump(),
            "confidence": [*base.confidence, *extra.confidence],
            "knowledge": [*base.knowledge, *extra.knowledge],
        }
    )
