"""Who knows which facts after each stage, and the level of need each picture reaches.

Pure functions of a snapshot and the submissions: no database, no files, no clock.

Timing rules (from `shared/design/scenario-format.md`):
- a role holds its own facts from the stage at which each enters play;
- a fact shared at stage *i* reaches the recipient only once stage *i* is revealed, and appears in the
  recipient's picture from stage *i + 1* on. A share stands once made: the same participant sharing the
  same fact with the same role again at a later stage (a carried decision) is no new receipt. The picture "after stage i" (what the role would know once
  stage *i* is revealed) includes it; that is what decides whether the role could act at stage *i*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from facilitation.content import Snapshot
from facilitation.play.records import StageDecision, Submission
from facilitation.play.verdicts import picture_level, weighed_level

__all__ = [
    "ActStages",
    "KnownFact",
    "Ledger",
    "Receipt",
    "RolePicture",
    "act_stages",
    "guidance_submissions",
    "level_for",
    "whole_picture",
]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A fact reaching a role: who sent it, at which stage."""

    from_role: str
    stage_index: int


@dataclass(frozen=True, slots=True)
class KnownFact:
    """A fact in a role's picture, and how the role came to know it."""

    fact_id: str
    own: bool
    received: tuple[Receipt, ...] = ()

    @property
    def senders(self) -> tuple[str, ...]:
        """Distinct roles that shared the fact with this role, in order of receipt."""
        return tuple(dict.fromkeys(receipt.from_role for receipt in self.received))


@dataclass(frozen=True, slots=True)
class RolePicture:
    """What one role knows at one point of the workshop."""

    role_id: str
    stage_index: int
    facts: Mapping[str, KnownFact]
    weight: int
    level: int  # the higher of the weighed level and the highest `meets_level` among its facts

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self.facts


@dataclass(frozen=True, slots=True)
class ActStages:
    """When the lead role could act: with the sharing that happened, and had guidance been followed."""

    actual: int | None
    possible: int | None

    @property
    def delay(self) -> int | None:
        """Stages lost against guidance; None when the lead never could act in the actual workshop."""
        if self.actual is None or self.possible is None:
            return None
        return max(0, self.actual - self.possible)


def level_for(weight: int, levels: Mapping[int, int]) -> int:
    """Level of need (1-4) that a total weight of known facts reaches (the weighed level only)."""
    return weighed_level(weight, levels)


class Ledger:
    """Every receipt of every fact, built once from the submissions, queried for any role and stage."""

    def __init__(
        self,
        snapshot: Snapshot,
        submissions: Iterable[Submission],
        revealed_through: int,
        *,
        to: Collection[str] | None = None,
    ) -> None:
        """`to`: keep the receipts of these roles only (default: every role in play), for a caller that
        asks about one role and would otherwise pay for them all."""
        self.snapshot = snapshot
        scenario = snapshot.scenario
        self._weights = {fact.id: fact.weight for fact in scenario.facts}
        self._floors = {fact.id: fact.meets_level for fact in scenario.facts}
        self._fact_order = list(self._weights)
        self._entry_stage = {
            fact.id: index for index, stage in enumerate(scenario.stages) for fact in stage.facts
        }
        self._holder = {fact.id: fact.held_by for fact in scenario.facts}
        in_play = set(snapshot.role_ids) if to is None else set(snapshot.role_ids).intersection(to)
        receipts: dict[str, dict[str, list[Receipt]]] = defaultdict(lambda: defaultdict(list))
        # A share stands once made: a participant repeating it at a later stage sends nothing new.
        made: set[tuple[int, str, str]] = set()
        for submission in sorted(submissions, key=lambda s: s.stage_index):
            if submission.stage_index > revealed_through:
                continue
            for entry in submission.decision.facts:
                for recipient in entry.share_with:
                    if recipient in in_play and recipient != submission.role_id:
                        share = (submission.participant_id, entry.fact_id, recipient)
                        if share in made:
                            continue
                        made.add(share)
                        receipts[recipient][entry.fact_id].append(
                            Receipt(submission.role_id, submission.stage_index)
                        )
        for by_fact in receipts.values():
            for fact_receipts in by_fact.values():
                fact_receipts.sort(key=lambda receipt: receipt.stage_index)
        self._receipts = receipts

    def picture(self, role_id: str, stage_index: int, *, after_reveal: bool = False) -> RolePicture:
        """The role's picture while deciding at `stage_index`, or once that stage is revealed."""
        last_receipt_stage = stage_index if after_reveal else stage_index - 1
        received = self._receipts.get(role_id, {})
        facts: dict[str, KnownFact] = {}
        for fact_id in self._fact_order:
            own = self._holder[fact_id] == role_id and self._entry_stage[fact_id] <= stage_index
            got = tuple(r for r in received.get(fact_id, ()) if r.stage_index <= last_receipt_stage)
            if own or got:
                facts[fact_id] = KnownFact(fact_id, own, got)
        weight = sum(self._weights[fact_id] for fact_id in facts)
        level = picture_level(
            weight, self.snapshot.scenario.levels, map(self._floors.__getitem__, facts)
        )
        return RolePicture(role_id, stage_index, facts, weight, level)

    def first_stage_reaching(
        self, role_id: str, level: int, through: int | None = None
    ) -> int | None:
        """First stage (up to `through`, default the last) at whose reveal the picture reaches `level`."""
        last = len(self.snapshot.scenario.stages) - 1 if through is None else through
        for index in range(last + 1):
            if self.picture(role_id, index, after_reveal=True).level >= level:
                return index
        return None


def whole_picture(snapshot: Snapshot, stage_index: int) -> RolePicture:
    """Every fact in play up to and including `stage_index`, as if one agency held them all."""
    in_play = [
        fact for stage in snapshot.scenario.stages[: stage_index + 1] for fact in stage.facts
    ]
    facts = {fact.id: KnownFact(fact.id, own=True) for fact in in_play}
    weight = sum(fact.weight for fact in in_play)
    level = picture_level(weight, snapshot.scenario.levels, (f.meets_level for f in in_play))
    return RolePicture("*", stage_index, facts, weight, level)


def guidance_submissions(snapshot: Snapshot) -> list[Submission]:
    """The submissions of an ideal workshop: each holder shares each fact as guidance says, when it enters."""
    in_play = set(snapshot.role_ids)
    submissions = []
    for index, stage in enumerate(snapshot.scenario.stages):
        by_holder: dict[str, list] = defaultdict(list)
        for fact in stage.facts:
            share_with = tuple(role for role in fact.guidance.share_with if role in in_play)
            by_holder[fact.held_by].append({"fact_id": fact.id, "share_with": share_with})
        for participant_id, (holder, entries) in enumerate(sorted(by_holder.items())):
            decision = StageDecision(facts=entries, level=1, action="no_action", confidence=3)
            submissions.append(
                Submission(
                    participant_id=-1 - participant_id,
                    role_id=holder,
                    stage_index=index,
                    decision=decision,
                )
            )
    return submissions


def act_stages(
    snapshot: Snapshot, submissions: Iterable[Submission], revealed_through: int
) -> ActStages:
    """The first stage at which the lead role could act, actually and had guidance been followed."""
    lead = snapshot.scenario.lead_role
    acts_at = snapshot.roles[lead].threshold.acts_at
    actual = Ledger(snapshot, submissions, revealed_through).first_stage_reaching(
        lead, acts_at, revealed_through
    )
    ideal = Ledger(snapshot, guidance_submissions(snapshot), len(snapshot.scenario.stages) - 1)
    return ActStages(actual=actual, possible=ideal.first_stage_reaching(lead, acts_at))
