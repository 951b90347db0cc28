"""The room's activities through the engine: the room's own barriers and "Who leads?".

`Activities(workshops)` works over the same store and clock as the `Workshops` it is given, and checks
who is asking the same way: only the facilitator key opens, closes or skips an activity and approves a
line; a participant token speaks only for its own seat; the projector key reads only what the room may
see (`play.barriers_board`, `play.lead_board`: nothing before the activity is closed, no line before it
is approved, no group of fewer than three people). Rows belong to their workshop (store migration 4) and
go with it; a removed participant's answers go with their decisions.

- The room's own barriers are an opening activity: opened (or skipped) in the lobby, before stage 1.
- "Who leads?" is asked at a reveal: opened while the current stage is revealed, answered while it is.
- Simulated participants answer as soon as an activity opens (their answers follow from their seed).
- A line is approved like a note (`Workshops.approve_note`): an event, the latest word counting; a line
  changed after its approval must be approved again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from facilitation.engine.store import Connection as Database
from facilitation.engine.text import clean_text
from facilitation.engine.workshops import approvals
from facilitation.errors import InvalidAnswers, NotFound, WrongPhase
from facilitation.play import (
    LINE_MAX_CHARS,
    NOT_SURE,
    ActivitiesRecord,
    Activity,
    BarrierAnswer,
    BarrierEntry,
    BarriersBoard,
    LeadAnswer,
    LeadBoard,
    LeadEntry,
    barriers_board,
    lead_board,
    room_view,
    simulated_barriers,
    simulated_lead,
)

__all__ = ["Activities", "MyActivities", "RoomBoard"]

_BARRIERS_STAGE = -1
_LINE = "barrier_line"  # the approval events' prefix: barrier_line_approved, barrier_line_withdrawn


@dataclass(frozen=True)
class MyActivities:
    """What one seat may do in the activities now, and what it already said."""

    open: Activity | None  # the activity this seat can answer now, if any
    barriers: BarrierAnswer | None  # its own barriers answer
    lead: LeadAnswer | None  # its own answer to the open "Who leads?"
    agency_given: bool  # it already said its real agency type (asked once)
    roles_in_play: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoomBoard:
    """What the projector may show of the activities."""

    barriers: BarriersBoard | None
    leads: dict[int, LeadBoard] = field(default_factory=dict)  # by stage index


class Activities:
    """The room's barriers and "Who leads?", over the store of a `Workshops` engine."""

    def __init__(self, workshops) -> None:  # workshops: facilitation.engine.workshops.Workshops
        """Work through `workshops` (its store, its clock, its checks of keys and tokens)."""
        self.workshops = workshops
        self.store = workshops.store

    # ------------------------------------------------------------------ the facilitator
    def open(
        self, code: str, facilitator_key: str, kind: str, stage_index: int | None = None
    ) -> Activity:
        """Open (or re-open) an activity: the room's barriers in the lobby, "Who leads?" at the reveal
        of the current stage (`stage_index` None: the current one). Simulated participants answer now."""
        with self.store.write() as db:
            row = self.workshops._controlled(db, code, facilitator_key)
            stage = self._stage_to_open(row, kind, stage_index)
            self._set(db, row, kind, stage, "open")
            self._bots_answer(db, row, kind, stage)
        return Activity(kind=kind, stage_index=stage, state="open")

    def close(
        self, code: str, facilitator_key: str, kind: str, stage_index: int | None = None
    ) -> Activity:
        """Close an open activity: the room's answers reach the projector now (approved lines only)."""
        with self.store.write() as db:
            row = self.workshops._controlled(db, code, facilitator_key)
            stage = _BARRIERS_STAGE if kind == "barriers" else _stage_or_current(row, stage_index)
            if self._state(db, row, kind, stage) != "open":
                raise WrongPhase("That activity is not open, so there is nothing to close.")
            self._set(db, row, kind, stage, "closed")
        return Activity(kind=kind, stage_index=stage, state="closed")

    def skip(self, code: str, facilitator_key: str) -> Activity:
        """Skip the room's barriers (recorded, so that the debrief says it was not run)."""
        with self.store.write() as db:
            row = self.workshops._controlled(db, code, facilitator_key)
            if row["phase"] != "lobby":
                raise WrongPhase(
                    "The room's barriers are an opening activity: skip it before stage 1."
                )
            if self._state(db, row, "barriers", _BARRIERS_STAGE) not in (None, "skipped"):
                raise WrongPhase("The room's barriers have been run: close them instead.")
            self._set(db, row, "barriers", _BARRIERS_STAGE, "skipped")
        return Activity(kind="barriers", state="skipped")

    def approve_line(
        self, code: str, facilitator_key: str, participant_id: int, approved: bool = True
    ) -> None:
        """Let a participant's own line reach the room (or withdraw that), like a note's approval."""
        with self.store.write() as db:
            row = self.workshops._controlled(db, code, facilitator_key)
            found = db.execute(
                "SELECT answer_json FROM activity_answers WHERE workshop_id = ? AND participant_id = ? "
                "AND kind = 'barriers'",
                (row["id"], participant_id),
            ).fetchone()
            if found is None or not BarrierAnswer.model_validate_json(found[0]).line:
                raise NotFound("There is no line of their own from that participant.")
            event = f"{_LINE}_approved" if approved else f"{_LINE}_withdrawn"
            self.workshops._log(
                db, row["id"], "facilitator", event, participant_id, _BARRIERS_STAGE
            )
            self.workshops._bump(db, row["id"])

    def record(self, code: str, facilitator_key: str) -> ActivitiesRecord:
        """Everything the room said in the activities, lines awaiting approval included."""
        with self.store.read() as db:
            row = self.workshops._controlled(db, code, facilitator_key)
            return self._record(db, row)

    def operator_record(self, code: str) -> ActivitiesRecord:
        """The same, for the operator's CLI and exports (trusted: it has the database)."""
        with self.store.read() as db:
            return self._record(db, self.workshops._row(db, code))

    # ------------------------------------------------------------------ the projector
    def board(self, code: str, projector_key: str) -> RoomBoard:
        """What the room may see (the projector key, or the facilitator's): closed activities only,
        approved lines only, no group of fewer than three."""
        with self.store.read() as db:
            row = self.workshops._projected(db, code, projector_key)
            record = self._record(db, row)
            snapshot = self.workshops._snapshot(db, row["id"])
        leads = {}
        for activity in record.activities:
            if activity.kind == "who_leads":
                board = lead_board(record, snapshot, activity.stage_index)
                if board is not None:
                    leads[activity.stage_index] = board
        return RoomBoard(barriers=barriers_board(record), leads=leads)

    def room_record(self, code: str, projector_key: str) -> ActivitiesRecord:
        """The activities record as the room may see it (`play.room_view`), for the projector's
        debrief (the projector key, or the facilitator's)."""
        with self.store.read() as db:
            return room_view(self._record(db, self.workshops._projected(db, code, projector_key)))

    # ------------------------------------------------------------------ participants
    def mine(self, token: str) -> MyActivities:
        """What this seat may answer now, and its own answers."""
        with self.store.read() as db:
            found = self.workshops._seat_row(db, token)
            snapshot = self.workshops._snapshot(db, found["id"])
            rows = db.execute(
                "SELECT kind, stage_index, state FROM activities WHERE workshop_id = ? AND state = 'open'",
                (found["id"],),
            ).fetchall()
            open_now = next(
                (
                    Activity(kind=kind, stage_index=stage, state=state)
                    for kind, stage, state in rows
                    if _answerable(found, kind, stage)
                ),
                None,
            )
            own = {
                (kind, stage): answer
                for kind, stage, answer in db.execute(
                    "SELECT kind, stage_index, answer_json FROM activity_answers "
                    "WHERE participant_id = ?",
                    (found["participant_id"],),
                ).fetchall()
            }
        barriers = own.get(("barriers", _BARRIERS_STAGE))
        mine = BarrierAnswer.model_validate_json(barriers) if barriers else None
        lead = own.get(("who_leads", open_now.stage_index)) if open_now else None
        return MyActivities(
            open=open_now,
            barriers=mine,
            lead=LeadAnswer.model_validate_json(lead) if lead else None,
            agency_given=bool(mine and mine.agency),
            roles_in_play=snapshot.role_ids,
        )

    def answer_barriers(self, token: str, answer: BarrierAnswer | dict) -> BarrierAnswer:
        """Keep this seat's barriers (replacing earlier ones) while the activity is open. The line is
        cleaned and bounded; the real agency type, once given, is kept if a later answer leaves it out.
        Returns what was kept."""
        parsed = _barrier_answer(answer)
        with self.store.write() as db:
            found = self.workshops._seat_row(db, token)
            self._check_answerable(db, found, "barriers", _BARRIERS_STAGE)
            earlier = self._own(db, found["participant_id"], "barriers", _BARRIERS_STAGE)
            if earlier is not None:
                before = BarrierAnswer.model_validate_json(earlier)
                if parsed.agency is None and before.agency is not None:
                    parsed = parsed.model_copy(update={"agency": before.agency})
                if before.line and before.line != parsed.line:
                    # A line changed after its approval is a new line: the room sees it only once approved.
                    self.workshops._log(
                        db,
                        found["id"],
                        "system",
                        f"{_LINE}_withdrawn",
                        found["participant_id"],
                        _BARRIERS_STAGE,
                    )
            self._store_answer(db, found, "barriers", _BARRIERS_STAGE, parsed.model_dump_json())
            self.workshops._log(
                db, found["id"], "participant", "barriers_answered", found["participant_id"]
            )
        return parsed

    def answer_lead(
        self, token: str, stage_index: int, lead: str, decides: str | None = None
    ) -> LeadAnswer:
        """Keep this seat's answer to "Who leads?" at `stage_index` (a role in play, or `not_sure`)."""
        with self.store.write() as db:
            found = self.workshops._seat_row(db, token)
            if not isinstance(stage_index, int) or isinstance(stage_index, bool):
                raise WrongPhase("The answer names no stage: reload the page.")
            self._check_answerable(db, found, "who_leads", stage_index)
            in_play = self.workshops._snapshot(db, found["id"]).role_ids
            for choice in (lead, decides):
                if choice is not None and choice != NOT_SURE and choice not in in_play:
                    raise InvalidAnswers("Answer with one of the agencies in play, or 'not sure'.")
            if lead is None:
                raise InvalidAnswers("Answer with one of the agencies in play, or 'not sure'.")
            answer = LeadAnswer(lead=lead, decides=decides)
            self._store_answer(db, found, "who_leads", stage_index, answer.model_dump_json())
            self.workshops._log(
                db,
                found["id"],
                "participant",
                "lead_answered",
                found["participant_id"],
                stage_index,
            )
        return answer

    # ------------------------------------------------------------------ private
    @staticmethod
    def _stage_to_open(row: dict, kind: str, stage_index: int | None) -> int:
        if kind == "barriers":
            if row["phase"] != "lobby":
                raise WrongPhase(
                    "The room's barriers are an opening activity: run them before stage 1 opens."
                )
            return _BARRIERS_STAGE
        if kind != "who_leads":
            raise InvalidAnswers(f"No such activity {str(kind)[:20]!r}.")
        stage = _stage_or_current(row, stage_index)
        if row["phase"] != "revealed" or stage != row["stage_index"]:
            raise WrongPhase('"Who leads?" is asked at the reveal of the current stage.')
        return stage

    def _state(self, db: Database, row: dict, kind: str, stage: int) -> str | None:
        found = db.execute(
            "SELECT state FROM activities WHERE workshop_id = ? AND kind = ? AND stage_index = ?",
            (row["id"], kind, stage),
        ).fetchone()
        return found[0] if found else None

    def _set(self, db: Database, row: dict, kind: str, stage: int, state: str) -> None:
        db.execute(
            "INSERT INTO activities (workshop_id, kind, stage_index, state, changed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workshop_id, kind, stage_index) DO UPDATE SET "
            "state = excluded.state, changed_at = excluded.changed_at",
            (row["id"], kind, stage, state, self._now()),
        )
        # Laptops redraw on `phase`: an activity opening or closing changes what they show.
        self.workshops._bump(db, row["id"], phase=True)
        self.workshops._log(db, row["id"], "facilitator", f"{kind}_{state}", stage_index=stage)

    def _check_answerable(self, db: Database, found: dict, kind: str, stage: int) -> None:
        if self._state(db, found, kind, stage) != "open" or not _answerable(found, kind, stage):
            what = "The room's barriers are" if kind == "barriers" else '"Who leads?" is'
            raise WrongPhase(f"{what} not open now: nothing was saved.")

    @staticmethod
    def _own(db: Database, participant_id: int, kind: str, stage: int) -> str | None:
        found = db.execute(
            "SELECT answer_json FROM activity_answers WHERE participant_id = ? AND kind = ? "
            "AND stage_index = ?",
            (participant_id, kind, stage),
        ).fetchone()
        return found[0] if found else None

    def _store_answer(
        self, db: Database, found: dict, kind: str, stage: int, answer_json: str
    ) -> None:
        self._upsert(db, found["participant_id"], found["id"], kind, stage, answer_json)
        self.workshops._bump(db, found["id"])  # the projector's and facilitator's counts

    def _upsert(
        self,
        db: Database,
        participant_id: int,
        workshop_id: int,
        kind: str,
        stage: int,
        answer: str,
    ) -> None:
        db.execute(
            "INSERT INTO activity_answers (participant_id, workshop_id, kind, stage_index, answer_json, "
            "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id, kind, stage_index) "
            "DO UPDATE SET answer_json = excluded.answer_json, answered_at = excluded.answered_at",
            (participant_id, workshop_id, kind, stage, answer, self._now()),
        )

    def _bots_answer(self, db: Database, row: dict, kind: str, stage: int) -> None:
        """Every active simulated participant without an answer here answers now."""
        snapshot = self.workshops._snapshot(db, row["id"])
        bots = db.execute(
            "SELECT p.id, p.role_id, coalesce(p.bot_seed, p.id) FROM participants p "
            "WHERE p.workshop_id = ? AND p.simulated = 1 AND p.active = 1 AND NOT EXISTS (SELECT 1 "
            "FROM activity_answers a WHERE a.participant_id = p.id AND a.kind = ? AND a.stage_index = ?) "
            "ORDER BY p.id",
            (row["id"], kind, stage),
        ).fetchall()
        for pid, role_id, seed in bots:
            if kind == "barriers":
                answer = simulated_barriers(snapshot, role_id, seed).model_dump_json()
            else:
                answer = simulated_lead(snapshot, role_id, stage, seed).model_dump_json()
            self._upsert(db, pid, row["id"], kind, stage, answer)
        if bots:
            self.workshops._log(db, row["id"], "system", f"{kind}_simulated", stage_index=stage)

    def _record(self, db: Database, row: dict) -> ActivitiesRecord:
        activities = tuple(
            Activity(kind=kind, stage_index=stage, state=state)
            for kind, stage, state in db.execute(
                "SELECT kind, stage_index, state FROM activities WHERE workshop_id = ? "
                "ORDER BY stage_index, kind",
                (row["id"],),
            ).fetchall()
        )
        approved = {pid for pid, _ in approvals(db, row["id"], _LINE)}
        barriers, leads = [], []
        for pid, simulated, kind, stage, answer_json in db.execute(
            "SELECT a.participant_id, p.simulated, a.kind, a.stage_index, a.answer_json "
            "FROM activity_answers a JOIN participants p ON p.id = a.participant_id "
            "WHERE a.workshop_id = ? AND p.active = 1 ORDER BY a.stage_index, a.participant_id",
            (row["id"],),
        ).fetchall():
            if kind == "barriers":
                answer = BarrierAnswer.model_validate_json(answer_json)
                barriers.append(
                    BarrierEntry(
                        participant_id=pid,
                        simulated=bool(simulated),
                        answer=answer,
                        approved=pid in approved and bool(answer.line),
                    )
                )
            else:
                leads.append(
                    LeadEntry(
                        participant_id=pid,
                        stage_index=stage,
                        simulated=bool(simulated),
                        answer=LeadAnswer.model_validate_json(answer_json),
                    )
                )
        return ActivitiesRecord(activities=activities, barriers=tuple(barriers), leads=tuple(leads))

    def _now(self) -> str:
        return datetime.fromtimestamp(self.workshops._clock(), UTC).isoformat(timespec="seconds")


def _stage_or_current(row: dict, stage_index: int | None) -> int:
    if stage_index is None:
        return row["stage_index"]
    if not isinstance(stage_index, int) or isinstance(stage_index, bool):
        raise WrongPhase("That is not a stage number.")
    return stage_index


def _answerable(found: dict, kind: str, stage: int) -> bool:
    """Whether an open activity can take answers in the workshop's phase now: the room's barriers in
    the lobby; "Who leads?" while its stage is the one revealed."""
    if kind == "barriers":
        return found["phase"] == "lobby"
    return found["phase"] == "revealed" and found["stage_index"] == stage


def _barrier_answer(answer: BarrierAnswer | dict) -> BarrierAnswer:
    """A participant's answer, validated, with its line cleaned by the engine's one text rule."""
    data = answer.model_dump() if isinstance(answer, BarrierAnswer) else answer
    if not isinstance(data, dict):
        raise InvalidAnswers("An answer is a choice of barriers and an optional line.")
    line = data.get("line") or ""
    if not isinstance(line, str):
        raise InvalidAnswers("The line is text.")
    if len(line) > LINE_MAX_CHARS:
        raise InvalidAnswers(
            f"The line is {len(line)} characters long; the most is {LINE_MAX_CHARS}. Shorten it."
        )
    try:
        return BarrierAnswer.model_validate({**data, "line": clean_text(line, LINE_MAX_CHARS)})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidAnswers(f"This answer could not be kept ({where}: {first['msg']}).") from None
