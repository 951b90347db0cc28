"""Pydantic models of what trainers write: roles, scenarios, and the snapshot a workshop plays.

The trainer-facing models mirror `shared/design/scenario-format.md` exactly: strict (unknown keys are
errors), immutable once loaded, and described field by field, because the descriptions become the JSON
Schema that trainers' editors show. Rules that compare one part of a file with another (ids that must
exist, unique ids, overlaps) live in `facilitation.content.checks`, which reports them with their location.

The play-time records (decisions, participants, a workshop's record) live in `facilitation.play.records`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from facilitation.content.questionnaire import EvaluationItems

__all__ = [
    "ACTIONS",
    "AGENCIES",
    "DEFAULT_LEVELS",
    "NAME_MAX_CHARS",
    "NOTE_MAX_CHARS",
    "TELL_FAMILY_FROM_CONSENT",
    "ActionId",
    "AgencyKind",
    "Audience",
    "Consent",
    "Constraint",
    "Debrief",
    "Detail",
    "Fact",
    "Guidance",
    "LevelNumber",
    "Motivator",
    "Role",
    "Route",
    "Scenario",
    "Sensitivity",
    "Slug",
    "Snapshot",
    "Stage",
    "StageLead",
    "Strict",
    "TellFamily",
    "Threshold",
]

SLUG_PATTERN = r"^[a-z][a-z0-9_-]{0,47}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Audience = Literal["children", "adults", "early_help"]
Consent = Literal["not_required", "seek_unless_unsafe", "required", "contested"]


def _yes_no_as_written(value: object) -> object:
    """YAML 1.1 reads an unquoted yes/no as a boolean: take it as the word the trainer wrote."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


TellFamily = Annotated[Literal["yes", "not_if_unsafe", "no"], BeforeValidator(_yes_no_as_written)]
Detail = Literal["concern", "detail"]
AgencyKind = Literal[
    "children_social_care",
    "adult_social_care",
    "early_help",
    "police",
    "probation",
    "youth_justice",
    "school",
    "fe_college",
    "gp",
    "health_visiting",
    "midwifery",
    "emergency_department",
    "hospital",
    "mental_health",
    "camhs",
    "memory_service",
    "district_nursing",
    "housing",
    "voluntary_sector",
    "domestic_abuse_service",
    "other",
]
AGENCIES: tuple[str, ...] = AgencyKind.__args__  # type: ignore[attr-defined]
# What telling the family should be when guidance gives no `tell_family`: derived from `consent`.
TELL_FAMILY_FROM_CONSENT: dict[str, str] = {
    "required": "yes",
    "seek_unless_unsafe": "not_if_unsafe",
    "not_required": "not_if_unsafe",
    "contested": "not_if_unsafe",
}
Sensitivity = Literal["personal", "special_category", "criminal_offence"]
LevelNumber = Annotated[int, Field(ge=1, le=4)]
ActionId = Literal[
    "no_action",
    "record_only",
    "monitor",
    "early_help",
    "refer",
    "strategy_discussion",
    "emergency_protection",
    "seek_advice",
    "marac_referral",
    "dvds_application",
    "young_carer_assessment",
    "request_checks",
]
ACTIONS: tuple[str, ...] = ActionId.__args__  # type: ignore[attr-defined]
DEFAULT_LEVELS: dict[int, int] = {2: 3, 3: 6, 4: 10}

# Bounds on participant free text: enough for a thoughtful note, not enough to abuse the store.
NOTE_MAX_CHARS = 1000
NAME_MAX_CHARS = 40


class Strict(BaseModel):
    """Base for every model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------------------- roles


class Motivator(Strict):
    """Something that pushes this agency to share."""

    id: Slug = Field(description="Identifier, unique within the role (lowercase slug).")
    text: Text = Field(description="The motivator as the participant reads it on the role card.")


class Constraint(Strict):
    """Something that holds this agency back, tied to the barrier it becomes in practice."""

    id: Slug = Field(description="Identifier, unique within the role (lowercase slug).")
    text: Text = Field(description="The constraint as the participant reads it on the role card.")
    barrier: Slug = Field(
        description="The barrier id (reference data) this constraint shows up as."
    )


class Threshold(Strict):
    """Where this agency acts."""

    acts_at: LevelNumber = Field(
        description="Level of need (1-4) at which this agency refers on or shares without being asked."
    )
    in_practice: Text = Field(
        description="How the threshold feels from inside the agency, in its own voice."
    )


class Role(Strict):
    """One agency a participant can play: its briefing, motivators, constraints and threshold."""

    id: Slug = Field(description="Role id; must equal the file name without .yaml.")
    name: ShortText = Field(description="Full name of the agency and post, shown on the role card.")
    short_name: Annotated[str, StringConstraints(min_length=1, max_length=20)] = Field(
        description="Short name (at most 20 characters) used on the projector and in charts."
    )
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = Field(
        None, description='Optional hex colour for charts, such as "#2a9d8f".'
    )
    summary: Text = Field(description="The briefing the participant reads first.")
    motivators: tuple[Motivator, ...] = Field(
        min_length=1, description="What pushes this agency to share (at least one)."
    )
    constraints: tuple[Constraint, ...] = Field(
        min_length=1,
        description="What holds this agency back (at least one), each mapped to a barrier.",
    )
    threshold: Threshold = Field(description="Where this agency acts.")
    gateways: tuple[Slug, ...] = Field((), description="Gateway ids this agency usually relies on.")
    agency: AgencyKind | None = Field(
        None,
        description=(
            "The kind of service (children_social_care, police, school, gp, ...): used to check who may "
            "cite which gateway. Default: none given (no holder check)."
        ),
    )


# ------------------------------------------------------------------------------------------ scenarios


class Route(Strict):
    """How one recipient should receive a fact: its own gateways, how much detail, and a note."""

    gateways: tuple[Slug, ...] = Field(
        (),
        description="Gateway ids for this recipient; default: the fact's own `gateways` / `gateway`.",
    )
    detail: Detail = Field(
        "detail",
        description=(
            "concern | detail: whether sharing the concern only is the proportionate share for this "
            "recipient (default detail)."
        ),
    )
    note: Text | None = Field(None, description="Why this route, read out in the debrief.")
    audience: Audience | None = Field(
        None,
        description=(
            "children | adults | early_help: whose safeguarding framework this share is made under, "
            "where it is not the scenario's (a concern about an adult with care and support needs in a "
            "children's case); the route's gateways are checked against it. Default: the scenario's."
        ),
    )


_DEFAULT_ROUTE = Route()


class Guidance(Strict):
    """What good practice would do with a fact, read out in the debrief."""

    share_with: tuple[Slug, ...] | dict[Slug, Route] = Field(
        description=(
            "Roles that should receive the fact (may be empty): a list of role ids, or a mapping from "
            "role id to its own route {gateways, detail, note}."
        )
    )
    avoid: tuple[Slug, ...] = Field(
        (), description="Roles to whom the holder's sharing would be over-sharing."
    )
    gateway: Slug | None = Field(
        None, description="Gateway id that permits the sharing (or give `gateways`, not both)."
    )
    gateways: tuple[Slug, ...] = Field(
        (), description="Gateway ids that permit the sharing (or give `gateway`, not both)."
    )
    consent: Consent = Field(
        description=(
            "not_required | seek_unless_unsafe | required | contested: whether consent should be sought "
            "first (contested: partnership protocols differ, a discussion point, never a myth)."
        )
    )
    why: Text = Field(description="The reasoning, read out in the debrief.")
    reasons: tuple[Slug, ...] | None = Field(
        None,
        description=(
            "Acceptable practitioner reasons (reference `reasons` ids); default: the reasons the "
            "fact's gateways back."
        ),
    )
    tell_family: TellFamily | None = Field(
        None,
        description=(
            "yes | not_if_unsafe | no: whether to tell the family about the share; default from "
            "consent (required: yes; otherwise not_if_unsafe)."
        ),
    )
    tell_family_why: Text | None = Field(
        None, description="Why the family should (or should not) be told, read out in the debrief."
    )
    onward: tuple[Slug, ...] = Field(
        (),
        description=(
            "Roles to which a recipient of the fact may legitimately pass it on (such as the lead "
            "convening a strategy discussion); default none."
        ),
    )
    myths: tuple[Slug, ...] | None = Field(
        None,
        description=(
            "Barrier ids that are misconceptions for this fact; default: from the reference barriers' "
            "per-audience myth flag and the fact's consent."
        ),
    )

    @property
    def recipients(self) -> tuple[str, ...]:
        """The role ids guidance shares with, in the order written."""
        return tuple(self.share_with)

    @property
    def all_gateways(self) -> tuple[str, ...]:
        """The fact's own gateways: `gateways`, else the single `gateway`, else none."""
        return self.gateways or ((self.gateway,) if self.gateway else ())

    def route(self, recipient: str) -> Route:
        """The route for one recipient (the default route for a list or an unknown recipient)."""
        if isinstance(self.share_with, dict) and recipient in self.share_with:
            return self.share_with[recipient]
        return _DEFAULT_ROUTE

    def gateways_for(self, recipient: str) -> tuple[str, ...]:
        """The gateways for one recipient: its route's own, else the fact's."""
        return self.route(recipient).gateways or self.all_gateways

    def detail_for(self, recipient: str) -> str:
        """`concern` or `detail`: the proportionate share for one recipient."""
        return self.route(recipient).detail

    @property
    def family(self) -> str:
        """What telling the family should be: `tell_family`, else derived from `consent`."""
        return self.tell_family or TELL_FAMILY_FROM_CONSENT[self.consent]


class Fact(Strict):
    """One piece of the jigsaw, held at first by a single agency."""

    id: Slug = Field(description="Identifier, unique across the whole scenario.")
    held_by: Slug = Field(
        description="The role that holds the fact at first; only it sees it at first."
    )
    text: Text = Field(description="The fact as the holding agency knows it.")
    weight: Annotated[int, Field(ge=0, le=5)] = Field(
        description="0-5: how much this fact adds to the risk picture."
    )
    sensitivity: Sensitivity = Field(
        description="personal | special_category | criminal_offence: the kind of personal data it is."
    )
    guidance: Guidance = Field(description="What good practice would be, for the debrief.")
    label: Annotated[str, StringConstraints(min_length=1, max_length=24)] | None = Field(
        None,
        description='A short name (at most 24 characters) for charts and the projector ("Bruised ear").',
    )
    meets_level: LevelNumber | None = Field(
        None,
        description=(
            "1-4: whoever holds this fact holds a picture at this level or higher (a disclosure, a "
            "sentinel injury in a baby); default none (the fact only adds its weight)."
        ),
    )


class StageLead(Strict):
    """Guidance on who should lead the case at one stage, for "Who leads?" at its reveal."""

    role: Slug = Field(description="The role that should lead now; one of `roles`.")
    decides: Slug | None = Field(
        None,
        description="The role that makes the decision now, where it is not the lead; one of `roles`.",
    )
    why: ShortText | None = Field(
        None, description="Why, read out beside the room's answers (optional)."
    )
    disputed: bool = Field(
        False,
        description=(
            "No single agency leads here, and that is the point to discuss: the room's answers are "
            "shown without an agreed or differed verdict, `role` being the agency nearest to a lead "
            "(say who leads on what in `why`)."
        ),
    )


class Stage(Strict):
    """One step of the case, played in order."""

    id: Slug = Field(description="Identifier, unique in the scenario.")
    title: ShortText = Field(description="Stage title shown on every screen.")
    narrative: Text = Field(description="Shown to everyone when the stage opens.")
    facts: tuple[Fact, ...] = Field(
        (), description="Facts that enter play at this stage (may be none)."
    )
    prompts: tuple[ShortText, ...] = Field(
        (), description="Questions for the facilitator to ask at the reveal."
    )
    lead: StageLead | None = Field(
        None,
        description="Who should lead at this stage (for a scenario where the lead changes or is "
        "disputed); default the scenario's `lead_role`.",
    )

    def lead_for(self, lead_role: str) -> StageLead:
        """This stage's lead guidance: its own `lead`, else the scenario's `lead_role`."""
        return self.lead or StageLead(role=lead_role)


class Debrief(Strict):
    """The end of the story and what to take away."""

    what_happened: Text = Field(description="The full story, revealed at the end.")
    key_messages: tuple[ShortText, ...] = Field(
        min_length=1, description="Key messages (at least one)."
    )


class Scenario(Strict):
    """A case played stage by stage by several agencies."""

    id: Slug = Field(description="Scenario id; must equal the file name without .yaml.")
    title: ShortText = Field(description="Title shown when choosing and playing the scenario.")
    audience: Audience = Field(
        description="children | adults | early_help: whose safeguarding framework applies."
    )
    summary: Text = Field(description="Shown when choosing a scenario.")
    duration_minutes: Annotated[int, Field(ge=10, le=600)] | None = Field(
        None, description="Expected length of the workshop in minutes."
    )
    learning_outcomes: tuple[ShortText, ...] = Field(
        min_length=1, description="What participants should learn."
    )
    roles: tuple[Slug, ...] = Field(
        min_length=2, max_length=12, description="2-12 role ids in play, from roles/."
    )
    lead_role: Slug = Field(
        description="The agency that must hold the picture to act; one of `roles`."
    )
    levels: dict[Annotated[int, Field(ge=2, le=4)], Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: dict(DEFAULT_LEVELS),
        description="Total weight of known facts at which a picture reaches levels 2, 3, 4 (strictly increasing).",
    )
    stages: tuple[Stage, ...] = Field(
        min_length=1, max_length=12, description="1-12 stages in the order played."
    )
    debrief: Debrief = Field(description="The full story and key messages for the end.")
    evaluation_items: EvaluationItems | None = Field(
        None, description="Questionnaire items of the scenario's own (docs/evaluation.md)."
    )

    @field_validator("levels")
    @classmethod
    def _levels_complete_and_increasing(cls, value: dict[int, int]) -> dict[int, int]:
        if sorted(value) != [2, 3, 4]:
            raise ValueError(
                "levels must give a weight for each of 2, 3 and 4, such as {2: 3, 3: 6, 4: 10}"
            )
        if not value[2] < value[3] < value[4]:
            raise ValueError("levels must be strictly increasing: the weight for 2 < for 3 < for 4")
        return value

    @property
    def facts(self) -> tuple[Fact, ...]:
        """Every fact in the scenario, in stage order."""
        return tuple(fact for stage in self.stages for fact in stage.facts)

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id (KeyError if none)."""
        for fact in self.facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)

    def stage_of(self, fact_id: str) -> int:
        """Index of the stage at which a fact enters play."""
        for index, stage in enumerate(self.stages):
            if any(fact.id == fact_id for fact in stage.facts):
                return index
        raise KeyError(fact_id)


class Snapshot(Strict):
    """A scenario with the roles in play, frozen when a workshop is created.

    A running workshop reads only its snapshot, so editing a YAML file never changes it.
    """

    scenario: Scenario
    roles: dict[str, Role] = Field(
        description="The roles in play, by id, in the order of `scenario.roles`."
    )

    @property
    def role_ids(self) -> tuple[str, ...]:
        """Ids of the roles in play, in scenario order."""
        return tuple(role_id for role_id in self.scenario.roles if role_id in self.roles)
