"""The workshop engine: the only writer of workshop state, and the only judge of who may do what.

Every state change goes through `Workshops`, which checks who is asking (facilitator key, participant
token, operator passcode) and whether the change is allowed now. Pages call these methods and show what
they return; they never write SQL and never decide permissions.

Lifecycle of a workshop (`Status.phase`, with `Status.stage_index`):

    lobby --open_stage--> open(0) --lock_stage--> locked(0) --reveal_stage--> revealed(0)
          locked(i) --reopen_stage--> open(i)
          revealed(i) --next_stage--> open(i+1)          (i+1 < stage count)
          revealed(last) --start_debrief--> debrief --close_workshop--> closed

ENGINE CONTRACT: the signatures and return types below are the public API used by the pages, the CLI and
the tests. Keep them; add to them compatibly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from facilitation.models import Role, Snapshot, StageDecision, WorkshopRecord
from facilitation.picture import RolePicture

__all__ = [
    "CreatedWorkshop",
    "FacilitatorView",
    "Phase",
    "ParticipantView",
    "ProjectorView",
    "RosterEntry",
    "Seat",
    "StageText",
    "Status",
    "Versions",
    "Workshops",
]

Phase = Literal["lobby", "open", "locked", "revealed", "debrief", "closed"]


@dataclass(frozen=True)
class CreatedWorkshop:
    """What creating a workshop hands back, once: the secrets are never retrievable again."""

    code: str  # 6 characters from an alphabet without look-alikes, e.g. "K7QW3M"
    facilitator_key: str  # >= 128 random bits, URL-safe; only its hash is stored
    projector_key: str  # >= 128 random bits, URL-safe; only its hash is stored


@dataclass(frozen=True)
class Seat:
    """A participant's place in a workshop. `token` is the rejoin secret (only its hash is stored)."""

    code: str
    participant_id: int
    role_id: str
    display_name: str
    token: str


@dataclass(frozen=True)
class Versions:
    """Cheap change counters for polling. `phase` moves only on stage/phase changes (what laptops need);
    `any` moves on every change (joins, submissions, removals: what facilitator and projector need)."""

    any: int
    phase: int


@dataclass(frozen=True)
class Status:
    """Where a workshop is. Public to anyone with the join code: holds no secret and no decision."""

    code: str
    title: str
    scenario_id: str
    audience: str
    phase: Phase
    stage_index: int  # -1 in the lobby; the current stage otherwise (the last one in debrief/closed)
    stage_count: int
    created_at: str  # ISO 8601 UTC
    countdown_ends_at: float | None = None  # epoch seconds, or None when no countdown is running


@dataclass(frozen=True)
class StageText:
    """A stage as everyone may read it once it has opened: no facts, no guidance."""

    index: int
    title: str
    narrative: str


@dataclass(frozen=True)
class RosterEntry:
    """One participant as the facilitator sees them."""

    participant_id: int
    role_id: str
    display_name: str
    simulated: bool
    submitted: bool  # has a submission for the current stage


@dataclass(frozen=True)
class ParticipantView:
    """Everything one participant may see now, and nothing more.

    `role` is the participant's own role card; `roles_in_play` gives only names for the other roles (no
    guidance, no facts). `picture` is the role's picture at the current stage; `fact_texts` the text of
    each fact in it. `revealed` is the workshop record restricted to revealed stages, with other
    participants' names and unshareable notes removed; None before the first reveal.
    """

    seat: Seat
    status: Status
    role: Role
    roles_in_play: dict[str, Role]
    stages: tuple[StageText, ...]  # every stage opened so far, in order
    picture: RolePicture | None  # None in the lobby
    fact_texts: dict[str, str]
    decision: StageDecision | None  # this participant's submission at the current stage
    draft: dict | None  # the last draft saved for the current stage (survives a refresh)
    revealed: WorkshopRecord | None


@dataclass(frozen=True)
class ProjectorView:
    """What the projector shows: counts while a stage is open, everything revealed after."""

    status: Status
    roles_in_play: dict[str, Role]
    stages: tuple[StageText, ...]
    participants_by_role: dict[str, int]
    submitted_by_role: dict[str, int]  # for the current stage; counts only, never content
    revealed: WorkshopRecord | None  # restricted to revealed stages; no names; shareable notes only


@dataclass(frozen=True)
class FacilitatorView:
    """Everything about the workshop, for the holder of the facilitator key."""

    status: Status
    roster: tuple[RosterEntry, ...]
    submitted_by_role: dict[str, int]
    record: WorkshopRecord  # the full record (all submissions, including unrevealed ones)
    stages: tuple[StageText, ...] = field(default=())


class Workshops:
    """The engine over one store. Thread-safe: one instance may serve every Streamlit session.

    Errors (see `facilitation.errors`): `NotFound` for an unknown code or token, `NotAllowed` for a wrong
    key, token or passcode, `WrongPhase` when the transition or submission is not possible now,
    `InvalidDecision` when a submission breaks the rules. A refused call changes nothing.
    """

    def __init__(self, store, *, passcode: str | None = None) -> None:  # store: facilitation.store.Store
        """`passcode` is the operator passcode that `create` requires (None: creation needs no passcode)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ creating and finding
    def create(self, snapshot: Snapshot, *, passcode: str | None = None) -> CreatedWorkshop:
        """Create a workshop from a snapshot (its roles may be a subset of the scenario's)."""
        raise NotImplementedError

    def status(self, code: str) -> Status:
        """The public status of a workshop (codes are matched case-insensitively, spaces ignored)."""
        raise NotImplementedError

    def versions(self, code: str) -> Versions:
        """The change counters: one indexed read, cheap enough to call every two seconds per session."""
        raise NotImplementedError

    def check_facilitator(self, code: str, facilitator_key: str) -> Status:
        """Status if the key controls this workshop, else `NotAllowed`."""
        raise NotImplementedError

    # ------------------------------------------------------------------ participants
    def join(
        self, code: str, *, display_name: str | None = None, role_id: str | None = None, simulated: bool = False
    ) -> Seat:
        """Take a seat. No name: a generated pseudonym. No role: the least-filled role in play.
        Names are trimmed, bounded (`NAME_MAX_CHARS`) and stored as plain text."""
        raise NotImplementedError

    def seat(self, token: str) -> Seat:
        """The seat a rejoin token speaks for (`NotFound` if removed, deleted or purged)."""
        raise NotImplementedError

    def save_draft(self, token: str, stage_index: int, draft: dict) -> None:
        """Keep an unsubmitted draft (JSON-able, bounded) so a refresh loses nothing."""
        raise NotImplementedError

    def submit(self, token: str, stage_index: int, decision: StageDecision) -> None:
        """Submit (or replace) this participant's decision for the open stage `stage_index`.

        Refused with `WrongPhase` if that stage is not open (locked, revealed, or a stale form from an
        earlier stage) and `InvalidDecision` if it names a fact not in the role's picture, a role not in
        play or the participant's own role, an unknown gateway or barrier, or oversized text."""
        raise NotImplementedError

    def participant_view(self, token: str) -> ParticipantView:
        """What this participant may see now."""
        raise NotImplementedError

    # ------------------------------------------------------------------ facilitator
    def open_stage(self, code: str, facilitator_key: str) -> Status:
        """Lobby -> open(0); simulated participants submit when a stage opens."""
        raise NotImplementedError

    def lock_stage(self, code: str, facilitator_key: str) -> Status:
        """open(i) -> locked(i): no more submissions or edits."""
        raise NotImplementedError

    def reopen_stage(self, code: str, facilitator_key: str) -> Status:
        """locked(i) -> open(i), only before the reveal."""
        raise NotImplementedError

    def reveal_stage(self, code: str, facilitator_key: str) -> Status:
        """locked(i) -> revealed(i) (an open stage is locked first): stage i's sharing takes effect."""
        raise NotImplementedError

    def next_stage(self, code: str, facilitator_key: str) -> Status:
        """revealed(i) -> open(i+1); after the last stage, -> debrief."""
        raise NotImplementedError

    def start_debrief(self, code: str, facilitator_key: str) -> Status:
        """revealed(last) -> debrief."""
        raise NotImplementedError

    def close_workshop(self, code: str, facilitator_key: str) -> Status:
        """debrief (or any phase) -> closed: no more joins or submissions; data kept until deleted."""
        raise NotImplementedError

    def set_countdown(self, code: str, facilitator_key: str, seconds: int | None) -> Status:
        """Start (or clear, with None) an advisory countdown for the current stage. It never locks anything."""
        raise NotImplementedError

    def add_simulated(self, code: str, facilitator_key: str, *, per_empty_role: int = 1, seed: int = 0) -> list[Seat]:
        """Seat simulated participants in every role nobody plays; they submit whenever a stage opens."""
        raise NotImplementedError

    def remove_participant(self, code: str, facilitator_key: str, participant_id: int) -> None:
        """Remove a participant: their token stops working; their decisions are deleted."""
        raise NotImplementedError

    def facilitator_view(self, code: str, facilitator_key: str) -> FacilitatorView:
        """Everything, for the facilitator."""
        raise NotImplementedError

    def projector_view(self, code: str, projector_key: str) -> ProjectorView:
        """Counts while open, revealed content after (the facilitator key is accepted too)."""
        raise NotImplementedError

    def delete_workshop(self, code: str, facilitator_key: str) -> None:
        """Delete the workshop and every row that belongs to it."""
        raise NotImplementedError

    # ------------------------------------------------------------------ operator (CLI, trusted)
    def record(self, code: str) -> WorkshopRecord:
        """The full record, for the operator's CLI (`easi export`); no key, since it has the database."""
        raise NotImplementedError

    def list_workshops(self) -> list[Status]:
        """Every workshop in the store, newest first (operator)."""
        raise NotImplementedError

    def purge(self, older_than_days: float) -> int:
        """Delete every workshop created more than `older_than_days` ago; returns how many."""
        raise NotImplementedError
