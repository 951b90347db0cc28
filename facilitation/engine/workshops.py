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

How it keeps its promises:
- Every method that changes something runs in one `store.write()` transaction (`BEGIN IMMEDIATE`): the
  checks and the change see the same state, and a refused call leaves no trace.
- Secrets (facilitator and projector keys, participant tokens) are 256-bit random strings of which only
  a SHA-256 hash is stored; a token is found by the hash of what was presented.
- The snapshot, the fact ledger and the anonymised record are cached per workshop and per version, so
  hundreds of polling laptops do not rebuild them; a workshop's id is never reused, so a cached entry
  can never describe another workshop.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from facilitation import settings
from facilitation.content import NAME_MAX_CHARS, NOTE_MAX_CHARS, Role, Snapshot, reference
from facilitation.engine.store import Connection as Database
from facilitation.engine.text import clean_text
from facilitation.engine.throttle import Throttle
from facilitation.errors import InvalidDecision, NotAllowed, NotFound, WrongPhase
from facilitation.play import (
    FactDecision,
    Ledger,
    Participant,
    RolePicture,
    StageDecision,
    Submission,
    WorkshopRecord,
    decide,
)

__all__ = [
    "CODE_ALPHABET",
    "DRAFT_MAX_BYTES",
    "CreatedWorkshop",
    "FacilitatorView",
    "ParticipantView",
    "Phase",
    "ProjectorView",
    "RosterEntry",
    "Seat",
    "StageText",
    "Status",
    "Versions",
    "Workshops",
    "check_decision",
    "clean_name",
    "clean_text",
    "normalise_code",
    "pseudonym",
]

Phase = Literal["lobby", "open", "locked", "revealed", "debrief", "closed"]

# No 0/O, 1/I/L: a code read off a projector across a room must not be ambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
SECRET_BYTES = 32  # 256 bits for keys and tokens
DRAFT_MAX_BYTES = 64 * 1024
DRAFT_MAX_DEPTH = (
    16  # a form's draft is two or three levels deep; refuse absurd nesting before encoding
)
SCREEN_VIEW_MAX_CHARS = 40  # the name of a part of the reveal or debrief ("Who shared with whom")
_FACTS_MAX = 500  # far more than any scenario holds; refuses absurd payloads before validating them
_CODE_TRIES = 50
_PSEUDONYM_COLOURS = (
    "Amber",
    "Blue",
    "Coral",
    "Golden",
    "Green",
    "Indigo",
    "Jade",
    "Olive",
    "Ruby",
    "Silver",
    "Teal",
    "Violet",
)
_PSEUDONYM_ANIMALS = (
    "Badger",
    "Heron",
    "Otter",
    "Kestrel",
    "Hare",
    "Robin",
    "Fox",
    "Wren",
    "Owl",
    "Stag",
    "Swift",
    "Vole",
)
_REVEALED_LATER = "Revealed at the debrief."


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
    stage_index: (
        int  # -1 in the lobby; the current stage otherwise (the last one in debrief/closed)
    )
    stage_count: int
    created_at: str  # ISO 8601 UTC
    countdown_ends_at: float | None = None  # epoch seconds, or None when no countdown is running


@dataclass(frozen=True)
class Screen:
    """What the facilitator has put on the projector. `view` is the name of a part of the reveal or the
    debrief ("" for the phase's first part); `stage` the stage it shows (None for the current one).
    Which notes the room reads is the facilitator's approval of each (`approve_note`), not the screen's."""

    view: str = ""
    stage: int | None = None


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
    # Decisions carry forward: this participant's decision about each fact at earlier stages (the
    # latest, with every recipient it was ever shared with: a share once made stands).
    carried: dict[str, FactDecision] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectorView:
    """What the projector shows: counts while a stage is open, everything revealed after."""

    status: Status
    roles_in_play: dict[str, Role]
    stages: tuple[StageText, ...]
    participants_by_role: dict[str, int]
    submitted_by_role: dict[str, int]  # for the current stage; counts only, never content
    revealed: WorkshopRecord | None  # restricted to revealed stages; no names; shareable notes only
    screen: Screen = field(default_factory=Screen)  # what the facilitator chose to show
    lead_role: str = ""  # the scenario's lead agency (the perspectives mark it)


@dataclass(frozen=True)
class FacilitatorView:
    """Everything about the workshop, for the holder of the facilitator key."""

    status: Status
    roster: tuple[RosterEntry, ...]
    submitted_by_role: dict[str, int]
    record: WorkshopRecord  # the full record (all submissions, including unrevealed ones)
    stages: tuple[StageText, ...] = field(default=())
    screen: Screen = field(default_factory=Screen)  # what the projector shows


# ------------------------------------------------------------------------------------------ helpers


def normalise_code(code: str) -> str:
    """A join code as stored: upper case, without spaces or dashes ("k7q-w3m" -> "K7QW3M")."""
    return re.sub(r"[\s\-_]+", "", str(code)).upper()


def clean_name(name: str | None) -> str:
    """A display name as stored: one line of text cleaned by `clean_text` (control, formatting and
    bidi characters removed, spaces collapsed, NFC), cut to `NAME_MAX_CHARS`. Empty if nothing printable
    was given. It stays plain text: "<b>" is kept as typed and must be shown literally."""
    return clean_text(name, NAME_MAX_CHARS)


def _code_or_refuse(code: object) -> str:
    """The normalised join code, or `NotFound` saying what a code looks like (before any query)."""
    normal = normalise_code(code) if isinstance(code, str) else ""
    if len(normal) != CODE_LENGTH or not (normal.isascii() and normal.isalnum()):
        raise NotFound(
            "A join code is six letters and digits, such as K7QW3M: check the code on the "
            "projector and type it again."
        )
    return normal


def pseudonym(ordinal: int) -> str:
    """The name given to the `ordinal`-th participant (from 1) who did not give one: "Amber Badger",
    "Blue Heron", ...; unique within a workshop."""
    index = max(ordinal, 1) - 1
    size = len(_PSEUDONYM_COLOURS)
    # (i mod 12, (i + i // 12) mod 12) visits all 144 pairs once, varying both words from one to the next.
    name = (
        f"{_PSEUDONYM_COLOURS[index % size]} {_PSEUDONYM_ANIMALS[(index + index // size) % size]}"
    )
    return name if index < size * size else f"{name} {index // (size * size) + 1}"


def _hash(secret: str) -> str:
    # surrogatepass: a lone surrogate in a forged key or token hashes to nothing stored (a refusal),
    # instead of raising UnicodeEncodeError.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _matches(secret: object, stored_hash: str) -> bool:
    return (
        isinstance(secret, str) and bool(secret) and hmac.compare_digest(_hash(secret), stored_hash)
    )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _bot_seed(seed: int, ordinal: int) -> int:
    # Derived from the workshop-local ordinal, not the database id, so a seed replays the same workshop
    # whatever else the database holds.
    return int.from_bytes(hashlib.sha256(f"{seed}:{ordinal}".encode()).digest()[:6], "big")


def _one(db: Database, sql: str, params: tuple = ()) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip((d[0] for d in cursor.description), row))


def _all(db: Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row)) for row in cursor.fetchall()]


def _stage_texts(snapshot: Snapshot, through: int) -> tuple[StageText, ...]:
    return tuple(
        StageText(index, stage.title, stage.narrative)
        for index, stage in enumerate(snapshot.scenario.stages[: through + 1])
    )


def _validation_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'decision'}: {problem['msg']}"
        for problem in error.errors()
    )


V = TypeVar("V")


@dataclass(frozen=True)
class _PublicRecord:
    """The public record, with where each participant and each submission sits in it."""

    record: WorkshopRecord
    person_at: dict[int, int]
    submission_at: dict[tuple[int, int], int]


class _Memo:
    """A small thread-safe LRU cache that builds each missing entry once, however many threads ask at
    the same moment (300 laptops redrawing after a reveal must not rebuild the ledger 300 times)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._guard = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._guard:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._guard:
                if key in self._data:
                    return self._data[key]
            try:
                value = build()
                with self._guard:
                    self._data[key] = value
                    while len(self._data) > self._size:
                        self._data.popitem(last=False)
            finally:
                with self._guard:
                    self._building.pop(key, None)
        return value

    def forget(self, workshop_id: int) -> None:
        """Drop every entry of one workshop (keys are the workshop id or tuples starting with it)."""
        with self._guard:
            for key in [
                k
                for k in self._data
                if k == workshop_id or (isinstance(k, tuple) and k[0] == workshop_id)
            ]:
                del self._data[key]


# ------------------------------------------------------------------------------------------- engine

_WORKSHOP_COLUMNS = (
    "id, code, scenario_id, title, audience, stage_count, facilitator_key_hash, projector_key_hash, phase, "
    "stage_index, revealed_through, version_any, version_phase, seats, countdown_ends_at, created_at, "
    "screen_json"
)


class Workshops:
    """The engine over one store. Thread-safe: one instance may serve every Streamlit session.

    Errors (see `facilitation.errors`): `NotFound` for an unknown code or token, `NotAllowed` for a wrong
    key, token or passcode, `WrongPhase` when the transition or submission is not possible now,
    `InvalidDecision` when a submission breaks the rules. A refused call changes nothing.
    """

    def __init__(
        self,
        store,
        *,
        passcode: str | None = None,
        clock: Callable[[], float] = time.time,
        max_seats: int | None = None,
    ) -> None:  # store: facilitation.engine.store.Store
        """`passcode` is the operator passcode that `create` requires (None: creation needs no passcode).
        `clock` gives the time in epoch seconds (tests pass a fake one). `max_seats` caps the active
        seats of one workshop (default: `settings.max_seats()`)."""
        self.store = store
        self._passcode = passcode or None
        self._clock = clock
        self.max_seats = max_seats if max_seats is not None else settings.max_seats()
        # Wrong codes and passcodes per caller identity ("session:...", "address:..."): see throttle.py.
        self._code_attempts = Throttle(
            "join codes", {"session": (10, 60.0), "address": (60, 60.0)}, clock
        )
        self._passcode_attempts = Throttle(
            "passcodes", {"session": (5, 60.0), "address": (20, 300.0)}, clock
        )
        self._snapshots = _Memo(64)
        self._revealed = _Memo(32)
        self._ledgers = _Memo(32)
        self._pictures = _Memo(1024)
        self._public_records = _Memo(32)
        self._full_records = _Memo(16)

    # ------------------------------------------------------------------ creating and finding
    def create(
        self, snapshot: Snapshot, *, passcode: str | None = None, caller: tuple[str, ...] = ()
    ) -> CreatedWorkshop:
        """Create a workshop from a snapshot (its roles may be a subset of the scenario's).
        `caller` identifies who asks (see `check_passcode`)."""
        self.check_passcode(passcode, caller=caller)
        if not snapshot.role_ids:
            raise ValueError("A workshop needs at least one of the scenario's roles in play.")
        facilitator_key = secrets.token_urlsafe(SECRET_BYTES)
        projector_key = secrets.token_urlsafe(SECRET_BYTES)
        scenario = snapshot.scenario
        with self.store.write() as db:
            code = self._unused_code(db)
            cursor = db.execute(
                "INSERT INTO workshops (code, scenario_id, title, audience, stage_count, snapshot_json, "
                "facilitator_key_hash, projector_key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    code,
                    scenario.id,
                    scenario.title,
                    scenario.audience,
                    len(scenario.stages),
                    snapshot.model_dump_json(),
                    _hash(facilitator_key),
                    _hash(projector_key),
                    _iso(self._clock()),
                ),
            )
            self._log(db, cursor.fetchall()[0][0], "operator", "workshop_created")
        return CreatedWorkshop(code, facilitator_key, projector_key)

    def check_passcode(self, passcode: str | None, *, caller: tuple[str, ...] = ()) -> None:
        """Refuse (`NotAllowed`) unless `passcode` is the operator's. `caller` holds the identities of
        who asks ("session:<id>", "address:<ip>"): too many wrong passcodes from one of them in a short
        time and every attempt is refused for a while (`TooManyAttempts`)."""
        if self._passcode is None:
            return
        self._passcode_attempts.check(caller)
        if not (
            isinstance(passcode, str)
            and hmac.compare_digest(_hash(passcode), _hash(self._passcode))
        ):
            self._passcode_attempts.failed(caller)
            raise NotAllowed(
                "That operator passcode is not right: ask whoever runs this server for it."
            )

    def status(self, code: str, *, caller: tuple[str, ...] = ()) -> Status:
        """The public status of a workshop (codes are matched case-insensitively, spaces ignored).
        `caller` identifies who asks: too many unknown codes from one identity are throttled."""
        self._code_attempts.check(caller)
        try:
            with self.store.read() as db:
                return self._status(self._row(db, code))
        except NotFound:
            self._code_attempts.failed(caller)
            raise

    def join_options(self, code: str) -> tuple[dict[str, Role], dict[str, int]]:
        """The role cards a newcomer may choose from, in scenario order, and how many play each now.

        Public to anyone with the code, like the projector's head count: no names, no decisions."""
        with self.store.read() as db:
            row = self._row(db, code)
            snapshot = self._snapshot(db, row["id"])
            counts = _seats_by_role(db, row["id"], snapshot.role_ids)
        return {role_id: snapshot.roles[role_id] for role_id in snapshot.role_ids}, counts

    def versions(self, code: str) -> Versions:
        """The change counters: one indexed read, cheap enough to call every two seconds per session."""
        row = self.store.workshop_versions(_code_or_refuse(code))
        if row is None:
            raise NotFound(self._no_workshop(code))
        return Versions(any=row[0], phase=row[1])

    def check_facilitator(self, code: str, facilitator_key: str) -> Status:
        """Status if the key controls this workshop, else `NotAllowed`."""
        with self.store.read() as db:
            return self._status(self._controlled(db, code, facilitator_key))

    # ------------------------------------------------------------------ participants
    def join(
        self,
        code: str,
        *,
        display_name: str | None = None,
        role_id: str | None = None,
        simulated: bool = False,
        seed: int | None = None,
        caller: tuple[str, ...] = (),
    ) -> Seat:
        """Take a seat. No name: a generated pseudonym. No role: the least-filled role in play.
        Names are cleaned (`clean_name`) and stored as plain text. A workshop holds at most
        `max_seats` active seats (`NotAllowed` beyond).

        `seed` (simulated participants only) makes a bot's decisions repeatable; `caller` as for
        `status` (unknown codes are throttled)."""
        name = clean_name(display_name)
        token = secrets.token_urlsafe(SECRET_BYTES)
        self._code_attempts.check(caller)
        with self.store.write() as db:
            try:
                row = self._row(db, code)
            except NotFound:
                self._code_attempts.failed(caller)
                raise
            if row["phase"] == "closed":
                raise WrongPhase(
                    "This workshop has closed: ask the facilitator for the code of a new one."
                )
            snapshot = self._snapshot(db, row["id"])
            self._check_room(db, row, 1)
            role_id = self._seat_role(db, row["id"], snapshot, role_id)
            participant_id, name = self._add_participant(
                db, row, role_id, name, token, simulated, seed
            )
            if simulated and row["phase"] == "open":
                self._bots_submit(db, row, snapshot, (participant_id,))
        return Seat(row["code"], participant_id, role_id, name, token)

    def seat(self, token: str) -> Seat:
        """The seat a rejoin token speaks for (`NotFound` if removed, deleted or purged)."""
        with self.store.read() as db:
            found = self._seat_row(db, token)
        return self._seat(found, token)

    def save_draft(self, token: str, stage_index: int, draft: dict) -> None:
        """Keep an unsubmitted draft (JSON-able, bounded, its text cleaned) so a refresh loses nothing."""
        if not isinstance(draft, dict):
            raise InvalidDecision("A draft must be a mapping of field names to values.")
        draft = _clean_draft(draft, 0)
        try:
            draft_json = json.dumps(draft, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise InvalidDecision(
                f"A draft must hold only text, numbers, lists and mappings ({error})."
            ) from None
        if len(draft_json.encode("utf-8")) > DRAFT_MAX_BYTES:
            raise InvalidDecision(
                f"The draft is too large to keep (over {DRAFT_MAX_BYTES // 1024} KiB)."
            )
        with self.store.write() as db:
            found = self._seat_row(db, token)
            self._check_open(found, stage_index)
            db.execute(
                "INSERT INTO drafts (participant_id, workshop_id, stage_index, draft_json, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id, stage_index) "
                "DO UPDATE SET draft_json = excluded.draft_json, updated_at = excluded.updated_at",
                (
                    found["participant_id"],
                    found["id"],
                    stage_index,
                    draft_json,
                    _iso(self._clock()),
                ),
            )

    def submit(self, token: str, stage_index: int, decision: StageDecision) -> None:
        """Submit (or replace) this participant's decision for the open stage `stage_index`.

        Refused with `WrongPhase` if that stage is not open (locked, revealed, or a stale form from an
        earlier stage) and `InvalidDecision` if it names a fact not in the role's picture, a role not in
        play or the participant's own role, an unknown gateway or barrier, or oversized text.

        `decision` may also be a plain mapping, validated as a `StageDecision`."""
        decision = _parse_decision(decision)
        # Check against the rules outside the write lock, so that writers queue only for the write itself.
        with self.store.read() as db:
            found = self._seat_row(db, token)
            self._check_open(found, stage_index)
            snapshot = self._snapshot(db, found["id"])
            picture = self._picture(db, found, found["role_id"], stage_index)
        check_decision(snapshot, found["role_id"], picture, decision)
        decision_json = decision.model_dump_json()
        with self.store.write() as db:
            now = self._seat_row(db, token)
            self._check_open(now, stage_index)
            if now["version_phase"] != found["version_phase"]:
                # Pictures may have changed in between (a participant removed): check again, under the lock.
                picture = self._picture(db, now, now["role_id"], stage_index)
                check_decision(snapshot, now["role_id"], picture, decision)
            self._store_submission(db, now["id"], now["participant_id"], stage_index, decision_json)
            self._bump(db, now["id"])
            self._log(
                db,
                now["id"],
                "participant",
                "decision_submitted",
                now["participant_id"],
                stage_index,
            )

    def participant_view(self, token: str) -> ParticipantView:
        """What this participant may see now."""
        with self.store.read() as db:
            found = self._seat_row(db, token)
            participant_id, stage = found["participant_id"], found["stage_index"]
            snapshot = self._snapshot(db, found["id"])
            picture = self._picture(db, found, found["role_id"], stage) if stage >= 0 else None
            facts = {fact.id: fact for fact in snapshot.scenario.facts}
            own = _all(
                db,
                "SELECT stage_index, decision_json FROM submissions WHERE participant_id = ?",
                (participant_id,),
            )
            own_decisions = {
                r["stage_index"]: StageDecision.model_validate_json(r["decision_json"]) for r in own
            }
            draft = _one(
                db,
                "SELECT draft_json FROM drafts WHERE participant_id = ? AND stage_index = ?",
                (participant_id, stage),
            )
            revealed = None
            if found["revealed_through"] >= 0:
                revealed = _personalise(
                    self._public_record(db, found),
                    participant_id,
                    found["display_name"],
                    own_decisions,
                )
        return ParticipantView(
            seat=self._seat(found, token),
            status=self._status(found),
            role=snapshot.roles[found["role_id"]],
            roles_in_play=dict(snapshot.roles),
            stages=_stage_texts(snapshot, stage),
            picture=picture,
            fact_texts={
                fact_id: facts[fact_id].text for fact_id in (picture.facts if picture else ())
            },
            decision=own_decisions.get(stage),
            draft=json.loads(draft["draft_json"]) if draft else None,
            revealed=revealed,
            carried=carried_decisions(own_decisions, stage),
        )

    # ------------------------------------------------------------------ facilitator
    def open_stage(self, code: str, facilitator_key: str) -> Status:
        """Lobby -> open(0); simulated participants submit when a stage opens."""

        def change(row: dict) -> dict:
            if row["phase"] != "lobby":
                raise WrongPhase(
                    f"The workshop has already started ({_where(row)}); use next stage to move on."
                )
            return {"phase": "open", "stage_index": 0}

        return self._facilitate(code, facilitator_key, "stage_opened", change)

    def lock_stage(self, code: str, facilitator_key: str) -> Status:
        """open(i) -> locked(i): no more submissions or edits."""

        def change(row: dict) -> dict:
            if row["phase"] != "open":
                raise WrongPhase(
                    f"Only an open stage can be locked; the workshop is {_where(row)}."
                )
            return {"phase": "locked"}

        return self._facilitate(code, facilitator_key, "stage_locked", change)

    def reopen_stage(self, code: str, facilitator_key: str) -> Status:
        """locked(i) -> open(i), only before the reveal."""

        def change(row: dict) -> dict:
            if row["phase"] != "locked":
                raise WrongPhase(
                    f"Only a locked stage that has not been revealed can reopen; the workshop is {_where(row)}."
                )
            return {"phase": "open"}

        return self._facilitate(code, facilitator_key, "stage_reopened", change)

    def reveal_stage(self, code: str, facilitator_key: str) -> Status:
        """locked(i) -> revealed(i) (an open stage is locked first): stage i's sharing takes effect."""

        def change(row: dict) -> dict:
            if row["phase"] not in ("open", "locked"):
                raise WrongPhase(
                    f"Only an open or locked stage can be revealed; the workshop is {_where(row)}."
                )
            return {"phase": "revealed", "revealed_through": row["stage_index"]}

        return self._facilitate(code, facilitator_key, "stage_revealed", change)

    def next_stage(self, code: str, facilitator_key: str) -> Status:
        """revealed(i) -> open(i+1); after the last stage, -> debrief."""

        def change(row: dict) -> dict:
            if row["phase"] != "revealed":
                raise WrongPhase(
                    f"Reveal the stage before moving on; the workshop is {_where(row)}."
                )
            if row["stage_index"] + 1 >= row["stage_count"]:
                return {"phase": "debrief"}
            return {"phase": "open", "stage_index": row["stage_index"] + 1}

        return self._facilitate(code, facilitator_key, "stage_opened", change)

    def start_debrief(self, code: str, facilitator_key: str) -> Status:
        """revealed(last) -> debrief."""

        def change(row: dict) -> dict:
            if row["phase"] != "revealed" or row["stage_index"] != row["stage_count"] - 1:
                raise WrongPhase(
                    f"The debrief starts once the last stage is revealed; the workshop is {_where(row)}."
                )
            return {"phase": "debrief"}

        return self._facilitate(code, facilitator_key, "debrief_started", change)

    def close_workshop(self, code: str, facilitator_key: str) -> Status:
        """debrief (or any phase) -> closed: no more joins or submissions; data kept until deleted."""
        return self._facilitate(
            code,
            facilitator_key,
            "workshop_closed",
            lambda row: (
                {} if row["phase"] == "closed" else {"phase": "closed"}
            ),  # closing twice is harmless
        )

    def set_countdown(self, code: str, facilitator_key: str, seconds: int | None) -> Status:
        """Start (or clear, with None) an advisory countdown for the current stage. It never locks anything."""
        if seconds is not None and not (
            isinstance(seconds, int | float) and 1 <= seconds <= 3 * 3600
        ):
            raise ValueError("A countdown lasts from 1 second to 3 hours.")

        def change(row: dict) -> dict:
            if row["phase"] == "closed":
                raise WrongPhase("The workshop has closed.")
            return {"countdown_ends_at": None if seconds is None else self._clock() + seconds}

        event = "countdown_cleared" if seconds is None else "countdown_set"
        return self._facilitate(code, facilitator_key, event, change)

    def set_screen(
        self,
        code: str,
        facilitator_key: str,
        *,
        view: str = "",
        stage: int | None = None,
    ) -> Screen:
        """Choose what the projector shows (it follows within one poll). Only revealed stages can be
        shown; the choice lasts until the workshop moves on (a new phase starts from its first view)."""
        if not isinstance(view, str) or len(view) > SCREEN_VIEW_MAX_CHARS:
            raise ValueError(
                f"A screen's view is a name of at most {SCREEN_VIEW_MAX_CHARS} characters."
            )
        if stage is not None and (not isinstance(stage, int) or isinstance(stage, bool)):
            raise ValueError("A screen's stage is a stage number, or None for the current one.")
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            if stage is not None and not 0 <= stage <= row["revealed_through"]:
                raise WrongPhase(
                    f"Stage {stage + 1} has not been revealed: the room cannot see it yet."
                )
            screen = Screen(view, stage)
            db.execute(
                "UPDATE workshops SET screen_json = ? WHERE id = ?",
                (_screen_json(screen), row["id"]),
            )
            self._bump(db, row["id"])  # the projector and facilitator tabs redraw; laptops do not
            self._log(db, row["id"], "facilitator", "screen_changed", stage_index=stage)
        return screen

    def add_simulated(
        self, code: str, facilitator_key: str, *, per_empty_role: int = 1, seed: int = 0
    ) -> list[Seat]:
        """Seat simulated participants in every role nobody plays; they submit whenever a stage opens."""
        if not 0 <= per_empty_role <= 50:
            raise ValueError("per_empty_role must be between 0 and 50.")
        seats = []
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            if row["phase"] == "closed":
                raise WrongPhase("The workshop has closed.")
            snapshot = self._snapshot(db, row["id"])
            filled = self._role_counts(db, row["id"])
            empty = [role_id for role_id in snapshot.role_ids if not filled.get(role_id)]
            self._check_room(db, row, len(empty) * per_empty_role)
            for role_id in empty:
                for _ in range(per_empty_role):
                    token = secrets.token_urlsafe(SECRET_BYTES)
                    participant_id, name = self._add_participant(
                        db, row, role_id, "", token, True, seed
                    )
                    seats.append(Seat(row["code"], participant_id, role_id, name, token))
            if seats and row["phase"] == "open":
                self._bots_submit(db, row, snapshot, tuple(seat.participant_id for seat in seats))
            self._log(db, row["id"], "facilitator", "simulated_added")
        return seats

    def remove_participant(self, code: str, facilitator_key: str, participant_id: int) -> None:
        """Remove a participant: their token stops working; their decisions are deleted."""
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            if participant_id not in self._active_ids(db, row, (participant_id,), every=True):
                raise NotFound(f"No participant {participant_id} in workshop {row['code']}.")
            self._remove(db, row, self._active_ids(db, row, (participant_id,)))

    def remove_participants(
        self, code: str, facilitator_key: str, participant_ids: tuple[int, ...] | list[int]
    ) -> int:
        """Remove several participants at once (seats nobody uses, a flood of fake ones), in one
        change; ids not seated in this workshop are ignored. Returns how many were removed."""
        ids = tuple(dict.fromkeys(i for i in participant_ids if isinstance(i, int)))
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            return self._remove(db, row, self._active_ids(db, row, ids))

    def _active_ids(
        self, db: Database, row: dict, ids: tuple[int, ...], *, every: bool = False
    ) -> tuple[int, ...]:
        """Those of `ids` seated in this workshop (and still active, unless `every`)."""
        found: list[int] = []
        for start in range(0, len(ids), 500):  # SQLite's bound on parameters per statement
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            active = "" if every else " AND active = 1"
            found += [
                r[0]
                for r in db.execute(
                    f"SELECT id FROM participants WHERE workshop_id = ?{active} AND id IN ({marks})",
                    (row["id"], *chunk),
                ).fetchall()
            ]
        return tuple(found)

    def _remove(self, db: Database, row: dict, ids: tuple[int, ...]) -> int:
        """Deactivate these participants, forget their token, delete their decisions and drafts."""
        for participant_id in ids:
            db.execute(
                "UPDATE participants SET active = 0, token_hash = NULL, display_name = 'Removed participant' "
                "WHERE id = ?",
                (participant_id,),
            )
            db.execute("DELETE FROM submissions WHERE participant_id = ?", (participant_id,))
            db.execute("DELETE FROM drafts WHERE participant_id = ?", (participant_id,))
            # Their questionnaire answers and follow-up link go too (the evaluation's tables).
            db.execute(
                "DELETE FROM evaluation_responses WHERE participant_id = ?", (participant_id,)
            )
            db.execute("DELETE FROM follow_up_links WHERE participant_id = ?", (participant_id,))
            # And what they said in the room's activities (engine/activities.py).
            db.execute("DELETE FROM activity_answers WHERE participant_id = ?", (participant_id,))
            self._log(
                db,
                row["id"],
                "facilitator",
                "participant_removed",
                participant_id,
                row["stage_index"],
            )
        if ids:
            # Revealed pictures may lose facts these participants shared: every laptop must redraw.
            self._bump(db, row["id"], phase=True)
        return len(ids)

    def facilitator_view(self, code: str, facilitator_key: str) -> FacilitatorView:
        """Everything, for the facilitator."""
        with self.store.read() as db:
            row = self._controlled(db, code, facilitator_key)
            snapshot = self._snapshot(db, row["id"])
            people = _all(
                db,
                "SELECT p.id, p.role_id, p.display_name, p.simulated, s.participant_id IS NOT NULL AS submitted "
                "FROM participants p LEFT JOIN submissions s ON s.participant_id = p.id AND s.stage_index = ? "
                "WHERE p.workshop_id = ? AND p.active = 1 ORDER BY p.id",
                (row["stage_index"], row["id"]),
            )
            record = self._full_record(db, row)
        roster = tuple(
            RosterEntry(
                p["id"], p["role_id"], p["display_name"], bool(p["simulated"]), bool(p["submitted"])
            )
            for p in people
        )
        submitted = dict.fromkeys(snapshot.role_ids, 0)
        for entry in roster:
            submitted[entry.role_id] = submitted.get(entry.role_id, 0) + entry.submitted
        return FacilitatorView(
            status=self._status(row),
            roster=roster,
            submitted_by_role=submitted,
            record=record,
            stages=_stage_texts(snapshot, len(snapshot.scenario.stages) - 1),
            screen=_screen(row["screen_json"]),
        )

    def projector_view(self, code: str, projector_key: str) -> ProjectorView:
        """Counts while open, revealed content after (the facilitator key is accepted too)."""
        with self.store.read() as db:
            row = self._projected(db, code, projector_key)
            snapshot = self._snapshot(db, row["id"])
            by_role = _seats_by_role(db, row["id"], snapshot.role_ids)
            submitted = dict(
                db.execute(
                    "SELECT p.role_id, count(*) FROM submissions s JOIN participants p ON p.id = s.participant_id "
                    "WHERE s.workshop_id = ? AND s.stage_index = ? GROUP BY p.role_id",
                    (row["id"], row["stage_index"]),
                ).fetchall()
            )
            revealed = self._public_record(db, row).record if row["revealed_through"] >= 0 else None
        return ProjectorView(
            status=self._status(row),
            roles_in_play=dict(snapshot.roles),
            stages=_stage_texts(snapshot, row["stage_index"]),
            participants_by_role=by_role,
            submitted_by_role={role_id: submitted.get(role_id, 0) for role_id in snapshot.role_ids},
            revealed=revealed,
            screen=_screen(row["screen_json"]),
            lead_role=snapshot.scenario.lead_role,
        )

    def delete_workshop(self, code: str, facilitator_key: str) -> None:
        """Delete the workshop and every row that belongs to it."""
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            db.execute("DELETE FROM workshops WHERE id = ?", (row["id"],))
        self._forget(row["id"])
        self.store.scrub()

    # ------------------------------------------------------------------ operator (CLI, trusted)
    def record(self, code: str) -> WorkshopRecord:
        """The full record, for the operator's CLI (`easi export`); no key, since it has the database."""
        with self.store.read() as db:
            return self._full_record(db, self._row(db, code))

    def list_workshops(self) -> list[Status]:
        """Every workshop in the store, newest first (operator)."""
        with self.store.read() as db:
            rows = _all(
                db, f"SELECT {_WORKSHOP_COLUMNS} FROM workshops ORDER BY created_at DESC, id DESC"
            )
        return [self._status(row) for row in rows]

    def purge(self, older_than_days: float) -> int:
        """Delete every workshop created more than `older_than_days` ago; returns how many."""
        if not older_than_days >= 0:
            raise ValueError("older_than_days must be 0 or more.")
        cutoff = _iso(self._clock() - older_than_days * 86400)
        with self.store.write() as db:
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM workshops WHERE created_at < ?", (cutoff,)
                ).fetchall()
            ]
            db.execute("DELETE FROM workshops WHERE created_at < ?", (cutoff,))
        for workshop_id in ids:
            self._forget(workshop_id)
        if ids:
            self.store.scrub()
        return len(ids)

    # ------------------------------------------------------------------ additions to the contract
    def purge_candidates(self, older_than_days: float) -> list[Status]:
        """The workshops `purge(older_than_days)` would delete, oldest first (for `easi purge --dry-run`)."""
        cutoff = _iso(self._clock() - older_than_days * 86400)
        with self.store.read() as db:
            rows = _all(
                db,
                f"SELECT {_WORKSHOP_COLUMNS} FROM workshops WHERE created_at < ? ORDER BY created_at",
                (cutoff,),
            )
        return [self._status(row) for row in rows]

    def check_projector(self, code: str, projector_key: str) -> Status:
        """Status if the key opens this workshop's projector (the facilitator key does too), else `NotAllowed`."""
        with self.store.read() as db:
            return self._status(self._projected(db, code, projector_key))

    # ------------------------------------------------------------------ private: reading
    def _row(self, db: Database, code: str) -> dict:
        row = _one(
            db,
            f"SELECT {_WORKSHOP_COLUMNS} FROM workshops WHERE code = ?{db.for_update()}",
            (_code_or_refuse(code),),
        )
        if row is None:
            raise NotFound(self._no_workshop(code))
        return row

    def _check_room(self, db: Database, row: dict, more: int) -> None:
        """Refuse (`NotAllowed`) `more` seats that would take the workshop past `max_seats`."""
        (active,) = db.execute(
            "SELECT count(*) FROM participants WHERE workshop_id = ? AND active = 1", (row["id"],)
        ).fetchone()
        if active + more > self.max_seats:
            raise NotAllowed(
                f"This workshop is full: it has {active} of its {self.max_seats} seats taken. Ask the "
                "facilitator to remove seats nobody uses."
            )

    def _row_by_id(self, db: Database, workshop_id: int) -> dict:
        return _one(db, f"SELECT {_WORKSHOP_COLUMNS} FROM workshops WHERE id = ?", (workshop_id,))

    @staticmethod
    def _no_workshop(code: object) -> str:
        return (
            f"No workshop has the code {str(code)[:20]!r}: check it on the projector and try again."
        )

    def _controlled(self, db: Database, code: str, facilitator_key: str) -> dict:
        row = self._row(db, code)
        if not _matches(facilitator_key, row["facilitator_key_hash"]):
            raise NotAllowed(
                "That facilitator key does not control this workshop: use the facilitator link "
                "you were given when you created it."
            )
        return row

    def _projected(self, db: Database, code: str, projector_key: str) -> dict:
        row = self._row(db, code)
        if not (
            _matches(projector_key, row["projector_key_hash"])
            or _matches(projector_key, row["facilitator_key_hash"])
        ):
            raise NotAllowed(
                "That projector link is not valid for this workshop: copy it again from the "
                "facilitator's screen."
            )
        return row

    def _seat_row(self, db: Database, token: str) -> dict:
        found = None
        if isinstance(token, str) and token:
            found = _one(
                db,
                f"SELECT p.id AS participant_id, p.role_id, p.display_name, {_prefixed('w')} "
                "FROM participants p JOIN workshops w ON w.id = p.workshop_id "
                f"WHERE p.token_hash = ? AND p.active = 1{db.for_update('w')}",
                (_hash(token),),
            )
        if found is None:
            raise NotFound(
                "This seat no longer exists (the participant was removed or the workshop deleted): "
                "join again with the workshop code."
            )
        return found

    @staticmethod
    def _seat(found: dict, token: str) -> Seat:
        return Seat(
            found["code"], found["participant_id"], found["role_id"], found["display_name"], token
        )

    @staticmethod
    def _status(row: dict) -> Status:
        return Status(
            code=row["code"],
            title=row["title"],
            scenario_id=row["scenario_id"],
            audience=row["audience"],
            phase=row["phase"],
            stage_index=row["stage_index"],
            stage_count=row["stage_count"],
            created_at=row["created_at"],
            countdown_ends_at=row["countdown_ends_at"],
        )

    def _snapshot(self, db: Database, workshop_id: int) -> Snapshot:
        def build() -> Snapshot:
            (snapshot_json,) = db.execute(
                "SELECT snapshot_json FROM workshops WHERE id = ?", (workshop_id,)
            ).fetchone()
            return Snapshot.model_validate_json(snapshot_json)

        return self._snapshots.get(workshop_id, build)

    def _submissions(
        self, db: Database, workshop_id: int, through: int | None = None, *, public: bool = False
    ) -> list[Submission]:
        """Submissions in stage then participant order, up to stage `through` if given; `public` drops
        the notes their writers did not mark shareable, and those the facilitator has not approved."""
        sql = (
            "SELECT s.participant_id, p.role_id, s.stage_index, s.decision_json FROM submissions s "
            "JOIN participants p ON p.id = s.participant_id WHERE s.workshop_id = ?"
        )
        params: tuple = (workshop_id,)
        if through is not None:
            sql, params = sql + " AND s.stage_index <= ?", (workshop_id, through)
        rows = db.execute(sql + " ORDER BY s.stage_index, s.participant_id", params).fetchall()
        approved = self._approved_notes(db, workshop_id) if public else frozenset()
        return [
            Submission(
                participant_id=pid,
                role_id=role_id,
                stage_index=stage,
                decision=_public_decision(decision_json, (pid, stage) in approved)
                if public
                else StageDecision.model_validate_json(decision_json),
            )
            for pid, role_id, stage, decision_json in rows
        ]

    @staticmethod
    def _approved_notes(db: Database, workshop_id: int) -> frozenset[tuple[int, int]]:
        """(participant, stage) of the notes the facilitator approved for the room."""
        return approvals(db, workshop_id, "note")

    def approve_note(
        self,
        code: str,
        facilitator_key: str,
        participant_id: int,
        stage_index: int,
        approved: bool = True,
    ) -> None:
        """Let a quotable note reach the projector and the room (or withdraw that). Only a note its writer
        marked shareable can be approved; the approval is logged (ids only), and the room redraws."""
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            found = _one(
                db,
                "SELECT s.decision_json FROM submissions s JOIN participants p ON p.id = s.participant_id "
                "WHERE s.workshop_id = ? AND s.participant_id = ? AND s.stage_index = ?",
                (row["id"], participant_id, stage_index),
            )
            decision = StageDecision.model_validate_json(found["decision_json"]) if found else None
            if decision is None or not (decision.note.strip() and decision.note_shareable):
                raise NotFound("There is no quotable note from that participant at that stage.")
            event = "note_approved" if approved else "note_withdrawn"
            self._log(db, row["id"], "facilitator", event, participant_id, stage_index)
            self._bump(db, row["id"], phase=True)

    def approved_notes(self, code: str, facilitator_key: str) -> frozenset[tuple[int, int]]:
        """(participant, stage) of every approved note, for the facilitator's screen."""
        with self.store.read() as db:
            row = self._controlled(db, code, facilitator_key)
            return self._approved_notes(db, row["id"])

    def _participants(self, db: Database, workshop_id: int) -> list[Participant]:
        return [
            Participant(
                id=r["id"],
                role_id=r["role_id"],
                display_name=r["display_name"],
                simulated=bool(r["simulated"]),
                active=bool(r["active"]),
            )
            for r in _all(
                db,
                "SELECT id, role_id, display_name, simulated, active FROM participants "
                "WHERE workshop_id = ? ORDER BY id",
                (workshop_id,),
            )
        ]

    def _revealed_submissions(self, db: Database, row: dict) -> tuple[Submission, ...]:
        # Revealed decisions change only with version_phase (a reveal, or a removal, bumps it). Parsed
        # once, without private notes, for both the ledger and the public record.
        def build() -> tuple[Submission, ...]:
            return tuple(self._submissions(db, row["id"], row["revealed_through"], public=True))

        return self._revealed.get((row["id"], row["version_phase"]), build)

    def _ledger(self, db: Database, row: dict) -> Ledger:
        def build() -> Ledger:
            snapshot = self._snapshot(db, row["id"])
            return Ledger(snapshot, self._revealed_submissions(db, row), row["revealed_through"])

        return self._ledgers.get((row["id"], row["version_phase"]), build)

    def _picture(self, db: Database, row: dict, role_id: str, stage_index: int) -> RolePicture:
        """A role's picture at a stage; the same for every participant of the role, so built once."""
        return self._pictures.get(
            (row["id"], row["version_phase"], role_id, stage_index),
            lambda: self._ledger(db, row).picture(role_id, stage_index),
        )

    def _full_record(self, db: Database, row: dict) -> WorkshopRecord:
        def build() -> WorkshopRecord:
            return WorkshopRecord(
                code=row["code"],
                created_at=row["created_at"],
                snapshot=self._snapshot(db, row["id"]),
                participants=tuple(self._participants(db, row["id"])),
                submissions=tuple(self._submissions(db, row["id"])),
                revealed_through=row["revealed_through"],
            )

        return self._full_records.get((row["id"], row["version_any"]), build)

    def _public_record(self, db: Database, row: dict) -> _PublicRecord:
        """The record as anyone in the room may see it: revealed stages only, names replaced by role
        ("School 2"), unshareable notes dropped, and, until the debrief, later stages and the end of the
        story left out."""

        def build() -> WorkshopRecord:
            snapshot = self._snapshot(db, row["id"])
            through = row["revealed_through"]
            if row["phase"] not in ("debrief", "closed"):
                scenario = snapshot.scenario
                scenario = scenario.model_copy(
                    update={
                        "stages": scenario.stages[: through + 1],
                        "debrief": scenario.debrief.model_copy(
                            update={"what_happened": _REVEALED_LATER}
                        ),
                    }
                )
                snapshot = snapshot.model_copy(update={"scenario": scenario})
            ordinals: dict[str, int] = {}
            participants = []
            for person in self._participants(db, row["id"]):
                if not person.active:
                    continue
                ordinals[person.role_id] = ordinals.get(person.role_id, 0) + 1
                role = snapshot.roles.get(person.role_id)
                label = f"{role.short_name if role else person.role_id} {ordinals[person.role_id]}"
                participants.append(person.model_copy(update={"display_name": label}))
            submissions = self._revealed_submissions(db, row)
            record = WorkshopRecord(
                code=row["code"],
                created_at=row["created_at"],
                snapshot=snapshot,
                participants=tuple(participants),
                submissions=submissions,
                revealed_through=through,
            )
            return _PublicRecord(
                record,
                person_at={person.id: index for index, person in enumerate(participants)},
                submission_at={
                    (s.participant_id, s.stage_index): index for index, s in enumerate(submissions)
                },
            )

        return self._public_records.get((row["id"], row["version_phase"], row["seats"]), build)

    def _role_counts(self, db: Database, workshop_id: int) -> dict[str, int]:
        return dict(
            db.execute(
                "SELECT role_id, count(*) FROM participants WHERE workshop_id = ? AND active = 1 GROUP BY role_id",
                (workshop_id,),
            ).fetchall()
        )

    # ------------------------------------------------------------------ private: writing
    def _unused_code(self, db: Database) -> str:
        for _ in range(_CODE_TRIES):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if db.execute("SELECT 1 FROM workshops WHERE code = ?", (code,)).fetchone() is None:
                return code
        raise RuntimeError(
            "Could not find an unused workshop code: purge old workshops."
        )  # pragma: no cover

    def _seat_role(
        self, db: Database, workshop_id: int, snapshot: Snapshot, role_id: str | None
    ) -> str:
        if role_id is not None:
            if role_id not in snapshot.role_ids:
                raise NotFound(
                    f"No role {role_id!r} in this workshop; the roles in play are "
                    f"{', '.join(snapshot.role_ids)}."
                )
            return role_id
        filled = self._role_counts(db, workshop_id)
        # Least-filled role; ties go to the earlier role in the scenario, so the lead roles fill first.
        return min(
            snapshot.role_ids, key=lambda role: (filled.get(role, 0), snapshot.role_ids.index(role))
        )

    def _add_participant(
        self,
        db: Database,
        row: dict,
        role_id: str,
        name: str,
        token: str,
        simulated: bool,
        seed: int | None,
    ) -> tuple[int, str]:
        """Insert a participant; returns their id and display name."""
        ordinal = db.execute(
            "UPDATE workshops SET seats = seats + 1, version_any = version_any + 1 WHERE id = ? RETURNING seats",
            (row["id"],),
        ).fetchall()[0][0]  # fetch all: a RETURNING statement must run to its end
        name = name or pseudonym(ordinal)
        cursor = db.execute(
            "INSERT INTO participants (workshop_id, token_hash, role_id, display_name, simulated, bot_seed, "
            "joined_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                row["id"],
                _hash(token),
                role_id,
                name,
                int(simulated),
                _bot_seed(seed or 0, ordinal) if simulated else None,
                _iso(self._clock()),
            ),
        )
        participant_id = cursor.fetchall()[0][0]
        self._log(
            db,
            row["id"],
            "system" if simulated else "participant",
            "participant_joined",
            participant_id,
        )
        return participant_id, name

    def _facilitate(
        self, code: str, facilitator_key: str, event: str, change: Callable[[dict], dict]
    ) -> Status:
        """Check the key, work out the change from the current row, apply it with its bookkeeping."""
        with self.store.write() as db:
            row = self._controlled(db, code, facilitator_key)
            updates = change(row)
            if not updates:
                return self._status(row)
            moves = "phase" in updates
            if moves:
                updates["countdown_ends_at"] = (
                    None  # a countdown belongs to the stage it was set for
                )
                updates["screen_json"] = "{}"  # a new phase is shown from its first view
            assignments = ", ".join(f"{column} = ?" for column in updates)
            db.execute(
                f"UPDATE workshops SET {assignments} WHERE id = ?", (*updates.values(), row["id"])
            )
            # Laptops redraw on `phase`: moves, and countdowns they show.
            self._bump(db, row["id"], phase=True)
            after = self._row_by_id(db, row["id"])
            if event == "stage_revealed" and row["phase"] == "open":
                self._log(
                    db, row["id"], "facilitator", "stage_locked", stage_index=row["stage_index"]
                )
            if updates.get("phase") == "debrief":
                event = "debrief_started"
            self._log(db, row["id"], "facilitator", event, stage_index=after["stage_index"])
            if after["phase"] == "open":
                self._bots_submit(db, after, self._snapshot(db, row["id"]))
        return self._status(after)

    def _bots_submit(
        self, db: Database, row: dict, snapshot: Snapshot, only: tuple[int, ...] | None = None
    ) -> None:
        """Every simulated participant without a decision at the open stage decides now."""
        stage = row["stage_index"]
        bots = _all(
            db,
            "SELECT p.id, p.role_id, p.bot_seed FROM participants p WHERE p.workshop_id = ? AND p.simulated = 1 "
            "AND p.active = 1 AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.participant_id = p.id "
            "AND s.stage_index = ?) ORDER BY p.id",
            (row["id"], stage),
        )
        if only is not None:
            bots = [bot for bot in bots if bot["id"] in only]
        if not bots:
            return
        for bot in bots:
            rng = random.Random(f"{bot['bot_seed']}:{stage}")
            decision = decide(
                snapshot, bot["role_id"], self._picture(db, row, bot["role_id"], stage), stage, rng
            )
            self._store_submission(db, row["id"], bot["id"], stage, decision.model_dump_json())
            self._log(db, row["id"], "system", "decision_submitted", bot["id"], stage)
        self._bump(db, row["id"])

    def _store_submission(
        self,
        db: Database,
        workshop_id: int,
        participant_id: int,
        stage_index: int,
        decision_json: str,
    ) -> None:
        db.execute(
            "INSERT INTO submissions (participant_id, workshop_id, stage_index, decision_json, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (participant_id, stage_index) "
            "DO UPDATE SET decision_json = excluded.decision_json, updated_at = excluded.updated_at",
            (participant_id, workshop_id, stage_index, decision_json, _iso(self._clock())),
        )

    @staticmethod
    def _check_open(found: dict, stage_index: int) -> None:
        """Refuse unless `stage_index` is the stage open now."""
        phase, current = found["phase"], found["stage_index"]
        if not isinstance(stage_index, int) or isinstance(stage_index, bool):
            raise WrongPhase("The form names no stage: reload the page.")
        if phase == "open" and stage_index == current:
            return
        if phase == "closed":
            raise WrongPhase("The workshop has closed: nothing more can be submitted.")
        if phase == "lobby" or stage_index > current:
            raise WrongPhase(
                f"Stage {stage_index + 1} has not opened yet: wait for the facilitator."
            )
        if stage_index < current or phase in ("debrief",):
            raise WrongPhase(
                f"Stage {stage_index + 1} has closed and the workshop has moved on: reload the page "
                "to see the current stage. Nothing was saved."
            )
        raise WrongPhase(
            f"Stage {stage_index + 1} is {phase}: the facilitator has stopped decisions for it. "
            "Nothing was saved."
        )

    @staticmethod
    def _bump(db: Database, workshop_id: int, *, phase: bool = False) -> None:
        extra = ", version_phase = version_phase + 1" if phase else ""
        db.execute(
            f"UPDATE workshops SET version_any = version_any + 1{extra} WHERE id = ?",
            (workshop_id,),
        )

    def _log(
        self,
        db: Database,
        workshop_id: int | None,
        actor: str,
        event: str,
        participant_id: int | None = None,
        stage_index: int | None = None,
    ) -> None:
        # Ids and event names only: names and notes are personal data and never go in the log.
        db.execute(
            "INSERT INTO events (workshop_id, actor, participant_id, event, stage_index, at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                workshop_id,
                actor,
                participant_id,
                event,
                stage_index,
                datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds"),
            ),
        )

    def _forget(self, workshop_id: int) -> None:
        for memo in (
            self._snapshots,
            self._revealed,
            self._ledgers,
            self._pictures,
            self._public_records,
            self._full_records,
        ):
            memo.forget(workshop_id)


def approvals(db: Database, workshop_id: int, what: str) -> frozenset[tuple[int, int]]:
    """(participant, stage) of the texts (`what`: "note", "barrier_line") the facilitator approved for
    the room: the events `<what>_approved` and `<what>_withdrawn`, the latest word on each counting (an
    approval can be withdrawn)."""
    latest: dict[tuple[int, int], bool] = {}
    for pid, stage, event in db.execute(
        "SELECT participant_id, stage_index, event FROM events WHERE workshop_id = ? "
        "AND event IN (?, ?) ORDER BY id",
        (workshop_id, f"{what}_approved", f"{what}_withdrawn"),
    ).fetchall():
        latest[(pid, stage)] = event == f"{what}_approved"
    return frozenset(key for key, yes in latest.items() if yes)


def _screen_json(screen: Screen) -> str:
    return json.dumps({"view": screen.view, "stage": screen.stage})


def _screen(screen_json: str | None) -> Screen:
    """The stored screen choice (written only by `set_screen`, so its shape is known; a `notes` list that
    earlier versions stored beside it chose nothing and is not read)."""
    data = json.loads(screen_json or "{}")
    return Screen(data.get("view", ""), data.get("stage"))


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in _WORKSHOP_COLUMNS.split(","))


def _where(row: dict) -> str:
    phase, stage = row["phase"], row["stage_index"]
    if phase in ("lobby", "debrief", "closed"):
        return {"lobby": "in the lobby", "debrief": "in the debrief", "closed": "closed"}[phase]
    return f"{phase} at stage {stage + 1}"


def _parse_decision(decision: Any) -> StageDecision:
    """A `StageDecision` revalidated from its data, so that nothing built around validation gets in."""
    if isinstance(decision, StageDecision):
        data = decision.model_dump()
    elif isinstance(decision, dict):
        data = decision
    else:
        raise InvalidDecision("A decision must be a StageDecision or a mapping of its fields.")
    facts = data.get("facts")
    if isinstance(facts, list | tuple) and len(facts) > _FACTS_MAX:
        raise InvalidDecision(
            f"A decision covers at most {_FACTS_MAX} facts; this one has {len(facts)}."
        )
    note = data.get("note")
    if isinstance(note, str) and len(note) > NOTE_MAX_CHARS:
        raise InvalidDecision(
            f"The note is {len(note)} characters long; the most is {NOTE_MAX_CHARS}. Shorten it "
            "and submit again."
        )
    if isinstance(note, str):
        data = {**data, "note": clean_text(note, NOTE_MAX_CHARS, multiline=True)}
    try:
        return StageDecision.model_validate(data)
    except ValidationError as error:
        raise InvalidDecision(
            f"This decision cannot be saved: {_validation_message(error)}."
        ) from None


def _clean_draft(value: Any, depth: int) -> Any:
    """A draft with every text cleaned (`clean_text`), refused if it nests deeper than a form can."""
    if depth > DRAFT_MAX_DEPTH:
        raise InvalidDecision(
            f"A draft nests more than {DRAFT_MAX_DEPTH} levels deep: it cannot come from the form."
        )
    if isinstance(value, str):
        return clean_text(value, DRAFT_MAX_BYTES, multiline=True)
    if isinstance(value, dict):
        return {
            clean_text(str(k), DRAFT_MAX_BYTES): _clean_draft(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean_draft(item, depth + 1) for item in value]
    return value


def carried_decisions(
    decisions: dict[int, StageDecision], stage_index: int
) -> dict[str, FactDecision]:
    """Each fact's decision at the stages before `stage_index`: the latest entry, with every recipient
    any earlier entry shared it with (workshops from before carry-forward re-asked each stage blank)."""
    carried: dict[str, FactDecision] = {}
    for stage in sorted(s for s in decisions if s < stage_index):
        for entry in decisions[stage].facts:
            earlier = carried.get(entry.fact_id)
            if earlier is not None and not set(earlier.share_with) <= set(entry.share_with):
                entry = entry.model_copy(
                    update={
                        "share_with": tuple(dict.fromkeys(earlier.share_with + entry.share_with))
                    }
                )
            carried[entry.fact_id] = entry
    return carried


def check_decision(
    snapshot: Snapshot, role_id: str, picture: RolePicture, decision: StageDecision
) -> None:
    """Raise `InvalidDecision` if a decision breaks the rules of play for `role_id` holding `picture`
    (facts in the picture only, each once; roles in play other than its own; known gateways and
    barriers), naming every problem at once."""
    ref = reference()
    in_play = set(snapshot.role_ids)
    problems = []
    seen: set[str] = set()
    for entry in decision.facts:
        fact = entry.fact_id
        if fact in seen:
            problems.append(f"fact {fact!r} appears twice")
        seen.add(fact)
        if fact not in picture:
            problems.append(f"fact {fact!r} is not in your role's picture at this stage")
        for recipient in entry.share_with:
            if recipient == role_id:
                problems.append(
                    f"fact {fact!r}: you cannot share with your own role ({recipient!r})"
                )
            elif recipient not in in_play:
                roles = ", ".join(snapshot.role_ids)
                problems.append(
                    f"fact {fact!r}: {recipient!r} is not a role in play (roles: {roles})"
                )
        if entry.gateway is not None and entry.gateway not in ref.gateways:
            problems.append(f"fact {fact!r}: unknown gateway {entry.gateway!r}")
        for reason in (entry.reason, *entry.reasons.values()):
            if reason is not None and reason not in ref.reasons:
                problems.append(f"fact {fact!r}: unknown reason {reason!r}")
        for recipient in (*entry.reasons, *entry.concern_only):
            if recipient not in entry.share_with:
                problems.append(
                    f"fact {fact!r}: {recipient!r} has a reason or detail but is not shared with"
                )
        for barrier in entry.barriers:
            if barrier not in ref.barriers:
                problems.append(f"fact {fact!r}: unknown barrier {barrier!r}")
    if problems:
        more = f"; and {len(problems) - 10} more problems" if len(problems) > 10 else ""
        raise InvalidDecision(
            "This decision was not saved: " + "; ".join(problems[:10]) + more + "."
        )


def _personalise(
    public: _PublicRecord, participant_id: int, display_name: str, own: dict[int, StageDecision]
) -> WorkshopRecord:
    """The public record with this participant's own name, and any private note of their own, put back.
    Copies the tuples and patches by position: each view costs no pass over every submission."""
    record = public.record
    participants = list(record.participants)
    position = public.person_at.get(participant_id)
    if position is not None:
        participants[position] = participants[position].model_copy(
            update={"display_name": display_name}
        )
    submissions = record.submissions
    # Their own notes the room does not see (private, or not yet approved) come back, as private: the
    # analysis built from this record is shared by every laptop and quotes only shareable notes.
    private = {
        stage: d.model_copy(update={"note_shareable": False})
        for stage, d in own.items()
        if d.note and not _approved_in(public, participant_id, stage, d)
    }
    positions = [
        (public.submission_at.get((participant_id, stage)), d) for stage, d in private.items()
    ]
    if any(index is not None for index, _ in positions):
        patched = list(submissions)
        for index, restored in positions:
            if index is not None:
                patched[index] = patched[index].model_copy(update={"decision": restored})
        submissions = tuple(patched)
    return record.model_copy(
        update={"participants": tuple(participants), "submissions": submissions}
    )


def _approved_in(
    public: _PublicRecord, participant_id: int, stage: int, own: StageDecision
) -> bool:
    """Whether the public record already carries this participant's note at this stage."""
    index = public.submission_at.get((participant_id, stage))
    return index is not None and public.record.submissions[index].decision.note == own.note


def _public_decision(decision_json: str, approved: bool) -> StageDecision:
    """A stored decision as others may see it: the note only if its writer marked it shareable and the
    facilitator approved it."""
    decision = StageDecision.model_validate_json(decision_json)
    if decision.note and not (decision.note_shareable and approved):
        return decision.model_copy(update={"note": "", "note_shareable": False})
    return decision


def _seats_by_role(db: Database, workshop_id: int, role_ids: tuple[str, ...]) -> dict[str, int]:
    """Active participants per role in play (zero for a role nobody plays), in scenario order."""
    counts = dict(
        db.execute(
            "SELECT role_id, count(*) FROM participants WHERE workshop_id = ? AND active = 1 GROUP BY role_id",
            (workshop_id,),
        ).fetchall()
    )
    return {role_id: counts.get(role_id, 0) for role_id in role_ids}
