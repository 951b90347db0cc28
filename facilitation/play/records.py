"""What is played: one participant's decisions, the people in a workshop, and a workshop's whole record.

These are what the engine stores and what `picture`, the verdict rules and the analysis read: plain data,
no database, no clock.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from facilitation.content import NOTE_MAX_CHARS, ActionId, LevelNumber, Slug, Snapshot, Strict

__all__ = [
    "PRIVACY_MIN",
    "FactDecision",
    "Participant",
    "StageDecision",
    "Submission",
    "WorkshopRecord",
]

# The small-group rule: a group (an agency, a real job) is shown beside what its people did or said
# only when at least this many people are in it, so that nobody is singled out.
PRIVACY_MIN = 3


class FactDecision(Strict):
    """One participant's decision about one fact in their picture.

    An entry is a decision: empty `share_with` means "keep within my agency". A fact in the picture with
    no entry is undecided. A share, once made at a revealed stage, stands: later entries repeat it (the
    form carries it forward) and may add recipients; the analysis counts each (participant, fact,
    recipient) once, at the stage it was first made.
    """

    fact_id: Slug
    share_with: tuple[Slug, ...] = Field(
        (), description="Roles the participant shares the fact with (empty: keep within my agency)."
    )
    gateway: Slug | None = Field(
        None,
        description="Gateway relied on (workshops before the practitioner reasons); None: not given.",
    )
    reason: Slug | None = Field(
        None,
        description="The practitioner reason (reference `reasons` id) for every recipient; None: not given.",
    )
    reasons: dict[Slug, Slug] = Field(
        default_factory=dict,
        description="Recipient -> reason, only where it differs from `reason`.",
    )
    concern_only: tuple[Slug, ...] = Field(
        (), description="Recipients told only that there is a concern, not the detail."
    )
    tell_family: bool = Field(
        False, description="Whether they would tell the family they are sharing."
    )
    barriers: tuple[Slug, ...] = Field(
        (), description="Barrier ids that held them back from the roles they left out."
    )

    @field_validator("share_with", "barriers", "concern_only")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    def reason_for(self, recipient: str) -> str | None:
        """The reason given for one recipient: its own, else the fact's."""
        return self.reasons.get(recipient, self.reason) if self.reasons else self.reason


class StageDecision(Strict):
    """Everything one participant submits at one stage."""

    facts: tuple[FactDecision, ...] = Field(
        (), description="A decision for each fact in the picture."
    )
    level: LevelNumber = Field(description="Level of need the participant sees now (1-4).")
    action: ActionId = Field(description="What their agency would do next.")
    confidence: Annotated[int, Field(ge=1, le=5)] = Field(description="How sure they are, 1-5.")
    note: Annotated[str, StringConstraints(max_length=NOTE_MAX_CHARS)] = Field(
        "", description="Optional note."
    )
    note_shareable: bool = Field(
        False, description="The note may be quoted, without a name, in the debrief."
    )

    def for_fact(self, fact_id: str) -> FactDecision | None:
        """This decision's entry for one fact, if any."""
        return next((entry for entry in self.facts if entry.fact_id == fact_id), None)


class Participant(Strict):
    """Someone playing a role (a person or a simulated participant). Holds no secret."""

    id: int
    role_id: str
    display_name: str
    simulated: bool = False
    active: bool = Field(True, description="False once the participant was removed or left.")


class Submission(Strict):
    """A participant's current decision at a stage (a resubmit replaces it)."""

    participant_id: int
    role_id: str
    stage_index: int
    decision: StageDecision


class WorkshopRecord(Strict):
    """Everything `picture` and `debrief` need about a workshop: snapshot, people, decisions, progress."""

    code: str
    created_at: str = Field(description="ISO 8601 UTC time the workshop was created.")
    snapshot: Snapshot
    participants: tuple[Participant, ...]
    submissions: tuple[Submission, ...]
    revealed_through: int = Field(
        -1, description="Index of the last stage whose decisions were revealed (-1: none yet)."
    )
