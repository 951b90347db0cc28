"""The evaluation through the engine: questionnaires before and after play, the follow-up link, the
room's agreed levels and the improvement plan, and what the programme view reads across workshops.

`Evaluations(workshops)` works over the same store and clock as the `Workshops` it is given and checks who
is asking the same way (participant token, facilitator key, operator passcode). Every row belongs to its
workshop and is deleted with it (store migration 2); a removed participant's answers go with them.

- The pre measure is open until the first reveal; the post measure from the debrief on. Either may be
  skipped; neither blocks play (nothing in `Workshops` waits for them).
- A follow-up link is a secret derived from the facilitator key and the seat (an HMAC), so the
  facilitator's export can list the links again without any being stored: only their hashes are, to
  find the seat. No account, no e-mail address. The link dies with the workshop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from facilitation.content import MOMENTS, Answers, Questionnaire, Snapshot, form_for
from facilitation.engine.store import Connection as Database
from facilitation.errors import InvalidAnswers, NotAllowed, NotFound, WrongPhase
from facilitation.play import (
    DEFAULT_EFFECT,
    EvaluationRecord,
    PlannedAction,
    Respondent,
    RoomAgreement,
    SimulatedEffect,
    WorkshopRecord,
    agency_of,
    simulated_answers,
)

__all__ = [
    "ACTION_MAX_CHARS",
    "AGREEMENT_NOTE_MAX_CHARS",
    "Evaluations",
    "FollowUpSeat",
    "MyEvaluation",
]

ACTION_MAX_CHARS = 300
AGREEMENT_NOTE_MAX_CHARS = 300
_PLAN_MAX = 50


@dataclass(frozen=True)
class MyEvaluation:
    """Where one participant is with the questionnaires: what is open to them now and what they did."""

    form: Questionnaire
    pre_open: bool  # nothing revealed yet: a true pre is still possible
    post_open: bool  # the debrief has started
    pre: str | None  # "answered" | "skipped" | None
    post: str | None


@dataclass(frozen=True)
class FollowUpSeat:
    """What a follow-up link opens: the workshop's title and date, the form, and whether answered."""

    title: str
    workshop_date: str
    form: Questionnaire
    answered: bool


class Evaluations:
    """Questionnaires, agreements and the plan, over the store of a `Workshops` engine."""

    def __init__(self, workshops) -> None:  # workshops: facilitation.engine.workshops.Workshops
        """Work through `workshops` (its store, its clock, its checks of keys and tokens)."""
        self.workshops = workshops
        self.store = workshops.store

    # ------------------------------------------------------------------ participants
    def form(self, code: str) -> Questionnaire:
        """The questionnaire of a workshop (public to anyone with the code, like the role cards)."""
        with self.store.read() as db:
            row = self._workshop(db, code)
            return self._form(db, row)

    def mine(self, token: str) -> MyEvaluation:
        """What the questionnaires look like for this seat now."""
        seat = self.workshops.seat(token)
        with self.store.read() as db:
            row = self._workshop(db, seat.code)
            done = dict(
                db.execute(
                    "SELECT moment, CASE skipped WHEN 1 THEN 'skipped' ELSE 'answered' END "
                    "FROM evaluation_responses WHERE participant_id = ?",
                    (seat.participant_id,),
                ).fetchall()
            )
            return MyEvaluation(
                form=self._form(db, row),
                pre_open=_pre_open(row),
                post_open=_post_open(row),
                pre=done.get("pre"),
                post=done.get("post"),
            )

    def answer(self, token: str, moment: str, answers: Answers | dict) -> None:
        """Keep this seat's answers for `moment` ("pre" or "post"), replacing any earlier ones."""
        self._respond(token, moment, answers, skipped=False)

    def skip(self, token: str, moment: str) -> None:
        """Record that this seat chose not to answer at `moment` (it may still answer while it is open)."""
        self._respond(token, moment, Answers(), skipped=True)

    def _respond(self, token: str, moment: str, answers: Answers | dict, *, skipped: bool) -> None:
        if moment not in ("pre", "post"):
            raise InvalidAnswers("A participant answers the pre or the post measure here.")
        seat = self.workshops.seat(token)
        with self.store.write() as db:
            row = self._workshop(db, seat.code)
            if moment == "pre" and not _pre_open(row):
                raise WrongPhase(
                    "The questionnaire before play closes once the first stage is revealed."
                )
            if moment == "post" and not _post_open(row):
                raise WrongPhase("The questionnaire after play opens with the debrief.")
            form = self._form(db, row, keep=True)
            parsed = _checked(answers, form, moment)
            self._store(db, seat.participant_id, row["id"], moment, parsed, skipped)

    # ------------------------------------------------------------------ follow-up
    def follow_up_links(self, code: str, facilitator_key: str) -> dict[int, str]:
        """A follow-up token for every active seat, by participant id (issued on the first call; the
        same tokens every time, since they are derived from the key)."""
        self.workshops.check_facilitator(code, facilitator_key)
        now = self._now()
        with self.store.write() as db:
            row = self._workshop(db, code)
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM participants WHERE workshop_id = ? AND active = 1 ORDER BY id",
                    (row["id"],),
                ).fetchall()
            ]
            tokens = {pid: _follow_up_token(facilitator_key, row["code"], pid) for pid in ids}
            for pid, token in tokens.items():
                db.execute(
                    "INSERT INTO follow_up_links (token_hash, participant_id, workshop_id, issued_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
                    (_hash(token), pid, row["id"], now),
                )
        return tokens

    def follow_up_seat(self, follow_up_token: str) -> FollowUpSeat:
        """What a follow-up link opens (`NotFound` once the workshop is deleted)."""
        with self.store.read() as db:
            found = self._follow_up(db, follow_up_token)
            row = self._workshop_by_id(db, found["workshop_id"])
            answered = db.execute(
                "SELECT 1 FROM evaluation_responses WHERE participant_id = ? AND moment = 'follow_up'",
                (found["participant_id"],),
            ).fetchone()
            return FollowUpSeat(
                title=row["title"],
                workshop_date=row["created_at"][:10],
                form=self._form(db, row),
                answered=answered is not None,
            )

    def answer_follow_up(self, follow_up_token: str, answers: Answers | dict) -> None:
        """Keep the follow-up answers of the seat this link belongs to (replacing earlier ones)."""
        with self.store.write() as db:
            found = self._follow_up(db, follow_up_token)
            row = self._workshop_by_id(db, found["workshop_id"])
            form = self._form(db, row, keep=True)
            parsed = _checked(answers, form, "follow_up")
            self._store(db, found["participant_id"], row["id"], "follow_up", parsed, False)

    # ------------------------------------------------------------------ the room's agreements and plan
    def record_agreement(
        self, code: str, facilitator_key: str, stage_index: int, level: int, note: str = ""
    ) -> None:
        """The level of need the room agrees the combined picture had reached at a revealed stage."""
        self.workshops.check_facilitator(code, facilitator_key)
        try:
            agreement = RoomAgreement(
                stage_index=stage_index, level=level, note=_bounded(note, AGREEMENT_NOTE_MAX_CHARS)
            )
        except ValidationError:
            raise InvalidAnswers("An agreed level of need is a whole number from 1 to 4.") from None
        with self.store.write() as db:
            row = self._workshop(db, code)
            if not 0 <= stage_index <= row["revealed_through"]:
                raise WrongPhase("The room agrees a level for a stage once it has been revealed.")
            self._form(db, row, keep=True)
            db.execute(
                "INSERT INTO room_agreements (workshop_id, stage_index, level, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workshop_id, stage_index) DO UPDATE SET "
                "level = excluded.level, note = excluded.note, recorded_at = excluded.recorded_at",
                (row["id"], stage_index, agreement.level, agreement.note, self._now()),
            )

    def add_action(
        self, code: str, facilitator_key: str, action: str, owner_agency: str, due: str | date
    ) -> int:
        """Add an improvement-plan action (what, owner agency, due date); returns its id."""
        self.workshops.check_facilitator(code, facilitator_key)
        action, owner = _bounded(action, ACTION_MAX_CHARS), _bounded(owner_agency, 80)
        if not action or not owner:
            raise InvalidAnswers("An action needs what is to be done and the agency that owns it.")
        try:
            due_date = due if isinstance(due, date) else date.fromisoformat(str(due))
        except ValueError:
            raise InvalidAnswers("A due date is a date such as 2027-03-31.") from None
        with self.store.write() as db:
            row = self._workshop(db, code)
            (count,) = db.execute(
                "SELECT count(*) FROM improvement_actions WHERE workshop_id = ?", (row["id"],)
            ).fetchone()
            if count >= _PLAN_MAX:
                raise InvalidAnswers(f"An improvement plan holds at most {_PLAN_MAX} actions.")
            (new_id,) = db.execute(
                "INSERT INTO improvement_actions (workshop_id, action, owner_agency, due, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (row["id"], action, owner, due_date.isoformat(), self._now()),
            ).fetchall()[0]  # fetch all: a RETURNING statement must run to its end
            return int(new_id)

    def remove_action(self, code: str, facilitator_key: str, action_id: int) -> None:
        """Remove an improvement-plan action."""
        self.workshops.check_facilitator(code, facilitator_key)
        with self.store.write() as db:
            row = self._workshop(db, code)
            db.execute(
                "DELETE FROM improvement_actions WHERE id = ? AND workshop_id = ?",
                (action_id, row["id"]),
            )

    # ------------------------------------------------------------------ reading it all
    def record(self, code: str, facilitator_key: str) -> EvaluationRecord:
        """Everything the evaluation of this workshop needs, for its facilitator."""
        self.workshops.check_facilitator(code, facilitator_key)
        return self.operator_record(code)

    def operator_record(self, code: str) -> EvaluationRecord:
        """The same, for the operator's CLI (trusted: it has the database)."""
        with self.store.read() as db:
            return self._record(db, self._workshop(db, code))

    def programme(self, passcode: str | None) -> list[tuple[WorkshopRecord, EvaluationRecord]]:
        """Every workshop's record and evaluation, for the operator's programme view (the passcode is
        required where the server has one)."""
        expected = getattr(self.workshops, "_passcode", None)
        if expected is not None and not (
            isinstance(passcode, str)
            and hmac.compare_digest(passcode.encode("utf-8"), expected.encode("utf-8"))
        ):
            raise NotAllowed(
                "That operator passcode is not right: ask whoever runs this server for it."
            )
        return self.operator_programme()

    def operator_programme(self) -> list[tuple[WorkshopRecord, EvaluationRecord]]:
        """Every workshop's record and evaluation, oldest first (operator's CLI)."""
        codes = [status.code for status in reversed(self.workshops.list_workshops())]
        found = []
        for code in codes:
            try:
                found.append((self.workshops.record(code), self.operator_record(code)))
            except NotFound:  # deleted between the listing and the read
                continue
        return found

    # ------------------------------------------------------------------ rehearsal
    def simulate(
        self,
        code: str,
        facilitator_key: str,
        moment: str,
        effect: SimulatedEffect | None = None,
        *,
        skip_every: int = 0,
    ) -> int:
        """Let every simulated participant answer at `moment` (their answers follow from their seed, so
        pre, post and follow-up pair up with `effect`); every `skip_every`-th skips instead. Returns how
        many answered."""
        if moment not in MOMENTS:
            raise InvalidAnswers(f"No such moment {moment!r}: use pre, post or follow_up.")
        self.workshops.check_facilitator(code, facilitator_key)
        answered = 0
        with self.store.write() as db:
            row = self._workshop(db, code)
            form = self._form(db, row, keep=True)
            bots = _bots(db, row["id"])
            for ordinal, (pid, seed) in enumerate(bots, start=1):
                skipped = moment != "follow_up" and bool(skip_every) and ordinal % skip_every == 0
                answers = (
                    Answers()
                    if skipped
                    else simulated_answers(form, seed, moment, effect or DEFAULT_EFFECT)
                )
                self._store(db, pid, row["id"], moment, answers, skipped)
                answered += not skipped
        return answered

    def rehearse_follow_up(self, code: str, effect: SimulatedEffect | None = None) -> int:
        """Operator (`easi simulate --follow-up`, tests): every simulated seat of a rehearsal gets a
        follow-up link that nobody can use (a random secret, never shown) and answers it now. Returns
        how many answered. Real participants are never touched."""
        with self.store.write() as db:
            row = self._workshop(db, code)
            form = self._form(db, row, keep=True)
            bots = _bots(db, row["id"])
            for pid, seed in bots:
                db.execute(
                    "INSERT INTO follow_up_links (token_hash, participant_id, workshop_id, issued_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id) DO NOTHING",
                    (_hash(secrets.token_urlsafe(32)), pid, row["id"], self._now()),
                )
                answers = simulated_answers(form, seed, "follow_up", effect or DEFAULT_EFFECT)
                self._store(db, pid, row["id"], "follow_up", answers, False)
        return len(bots)

    # ------------------------------------------------------------------ private
    def _now(self) -> str:
        clock = getattr(self.workshops, "_clock", None)
        moment = clock() if clock else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")

    def _workshop(self, db: Database, code: str) -> dict:
        """The workshop's row; inside a write, locked until it commits (the backend's FOR UPDATE)."""
        status = self.workshops.status(code)  # NotFound with the engine's own message
        return _one(
            db,
            f"SELECT {_COLUMNS} FROM workshops WHERE code = ?{db.for_update()}",
            (status.code,),
        )

    def _workshop_by_id(self, db: Database, workshop_id: int) -> dict:
        return _one(
            db, f"SELECT {_COLUMNS} FROM workshops WHERE id = ?{db.for_update()}", (workshop_id,)
        )

    def _form(self, db: Database, row: dict, *, keep: bool = False) -> Questionnaire:
        """The workshop's form: as frozen at its first use, else the shipped one with the scenario's items
        (frozen now when `keep`, inside a write)."""
        stored = db.execute(
            "SELECT form_json FROM evaluation_forms WHERE workshop_id = ?", (row["id"],)
        ).fetchone()
        if stored:
            return Questionnaire.model_validate_json(stored[0])
        snapshot = self._snapshot(db, row)
        form = form_for(getattr(snapshot.scenario, "evaluation_items", None))
        if keep:
            db.execute(
                "INSERT INTO evaluation_forms (workshop_id, form_json) VALUES (?, ?) "
                "ON CONFLICT (workshop_id) DO NOTHING",
                (row["id"], form.model_dump_json()),
            )
        return form

    def _store(
        self,
        db: Database,
        participant_id: int,
        workshop_id: int,
        moment: str,
        answers: Answers,
        skipped: bool,
    ) -> None:
        db.execute(
            "INSERT INTO evaluation_responses (participant_id, workshop_id, moment, skipped, answers_json, "
            "answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id, moment) DO UPDATE SET "
            "skipped = excluded.skipped, answers_json = excluded.answers_json, "
            "answered_at = excluded.answered_at",
            (
                participant_id,
                workshop_id,
                moment,
                int(skipped),
                answers.model_dump_json(),
                self._now(),
            ),
        )

    def _follow_up(self, db: Database, token: str) -> dict:
        return _one(
            db,
            "SELECT f.participant_id, f.workshop_id FROM follow_up_links f "
            "JOIN participants p ON p.id = f.participant_id WHERE f.token_hash = ? AND p.active = 1",
            (_hash(token if isinstance(token, str) else ""),),
            "This follow-up link no longer works: the workshop it belonged to has been deleted.",
        )

    def _snapshot(self, db: Database, row: dict) -> Snapshot:
        """The workshop's snapshot, from the engine's per-workshop cache (parsed once, not per poll)."""
        return self.workshops._snapshot(db, row["id"])

    def _record(self, db: Database, row: dict) -> EvaluationRecord:
        snapshot = self._snapshot(db, row)
        people = db.execute(
            "SELECT id, role_id, simulated, "
            "EXISTS (SELECT 1 FROM follow_up_links f WHERE f.participant_id = p.id) "
            "FROM participants p WHERE workshop_id = ? AND active = 1 ORDER BY id",
            (row["id"],),
        ).fetchall()
        responses: dict[int, dict[str, tuple[bool, str, str]]] = {}
        for pid, moment, skipped, answers_json, at in db.execute(
            "SELECT participant_id, moment, skipped, answers_json, answered_at "
            "FROM evaluation_responses WHERE workshop_id = ?",
            (row["id"],),
        ).fetchall():
            responses.setdefault(pid, {})[moment] = (bool(skipped), answers_json, at)
        respondents = []
        for pid, role_id, simulated, linked in people:
            mine = responses.get(pid, {})
            fields: dict[str, Any] = {}
            for moment in MOMENTS:
                if moment in mine:
                    skipped, answers_json, _ = mine[moment]
                    fields[moment] = None if skipped else Answers.model_validate_json(answers_json)
                    if moment != "follow_up":
                        fields[f"{moment}_skipped"] = skipped
            if "follow_up" in mine and fields.get("follow_up") is not None:
                since = mine["post"][2] if "post" in mine else row["created_at"]
                fields["follow_up_days"] = _days(since, mine["follow_up"][2])
            respondents.append(
                Respondent(
                    participant_id=pid,
                    role_id=role_id,
                    agency=agency_of(snapshot.roles.get(role_id), role_id),
                    simulated=bool(simulated),
                    follow_up_link=bool(linked),
                    **fields,
                )
            )
        agreements = tuple(
            RoomAgreement(stage_index=s, level=level, note=note)
            for s, level, note in db.execute(
                "SELECT stage_index, level, note FROM room_agreements WHERE workshop_id = ? "
                "ORDER BY stage_index",
                (row["id"],),
            ).fetchall()
        )
        plan = tuple(
            PlannedAction(id=i, action=action, owner_agency=owner, due=due)
            for i, action, owner, due in db.execute(
                "SELECT id, action, owner_agency, due FROM improvement_actions WHERE workshop_id = ? "
                "ORDER BY due, id",
                (row["id"],),
            ).fetchall()
        )
        return EvaluationRecord(
            form=self._form(db, row),
            respondents=tuple(respondents),
            agreements=agreements,
            plan=plan,
        )


_COLUMNS = "id, code, title, phase, revealed_through, created_at"


def _bots(db: Database, workshop_id: int) -> list[tuple[int, int]]:
    """(participant id, seed) of each active simulated seat, in seat order."""
    return db.execute(
        "SELECT id, coalesce(bot_seed, id) FROM participants "
        "WHERE workshop_id = ? AND simulated = 1 AND active = 1 ORDER BY id",
        (workshop_id,),
    ).fetchall()


def _pre_open(row: dict) -> bool:
    return row["revealed_through"] < 0 and row["phase"] != "closed"


def _post_open(row: dict) -> bool:
    return row["phase"] in ("debrief", "closed")


def _checked(answers: Answers | dict, form: Questionnaire, moment: str) -> Answers:
    try:
        parsed = answers if isinstance(answers, Answers) else Answers.model_validate(answers)
        parsed.check_against(form, moment)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidAnswers(
            f"These answers could not be kept ({where}: {first['msg']})."
        ) from None
    except ValueError as error:
        raise InvalidAnswers(f"These answers could not be kept ({error}).") from None
    return parsed


def _follow_up_token(facilitator_key: str, code: str, participant_id: int) -> str:
    digest = hmac.new(
        facilitator_key.encode("utf-8"), f"follow-up:{code}:{participant_id}".encode(), "sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _bounded(text: object, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def _days(since: str, until: str) -> float:
    start, end = datetime.fromisoformat(since), datetime.fromisoformat(until)
    return round((end - start).total_seconds() / 86400, 1)


def _one(
    db: Database,
    sql: str,
    params: tuple,
    missing: str = "No such workshop: it may have been deleted.",
) -> dict:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        raise NotFound(missing)
    return dict(zip((d[0] for d in cursor.description), row))
