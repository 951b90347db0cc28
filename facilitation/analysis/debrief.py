"""The debrief: how the room's decisions differed from each other and from guidance, and why.

`analyse(record)` turns a `WorkshopRecord` into a `Debrief`: plain frozen dataclasses that the projector,
the charts (`facilitation.outputs.charts`) and the reports (`facilitation.outputs.report`) read. Pure: no SQL, no files,
no clock. Every section exists for the whole workshop (`Debrief.<section>`) and for one stage
(`Debrief.stage(i).<section>`).

What is analysed: the stages up to `through` (default: the last revealed stage, `record.revealed_through`;
the facilitator may pass the last stage index to see everything). Every submission at those stages
counts, including those of a participant who has since left (what they shared did reach the other
agencies); a participant who left is marked, not hidden.

Timing (as in `facilitation.play.picture`): a fact shared at stage *i* reaches the recipient when stage *i* is
revealed. So:
- the **jigsaw** at stage *i* is each role's picture once stage *i* is revealed (what it knows by then);
- a **judgement** at stage *i* is compared with the level of the picture its participants saw while
  deciding (before the reveal): the level "the model says the role's picture supported".

Guidance comparison, for each decision a participant makes about one fact and each other role in play:
- **expected**: guidance is addressed to the agency that holds a fact (as in the ideal workshop of
  `picture.guidance_submissions`). A pair (decision, role) is *expected* when the decider's role holds
  the fact, the role is in the fact's `share_with`, and that role did not already have the fact when
  the stage opened (re-sending what it has is not needed). An expected pair not shared is **missed**.
- each pair shared is exactly one of: **over-shared** (to a role in `avoid`, or special-category or
  criminal-offence data with no gateway named: "not sure" is no lawful basis); **as guidance** (to a role
  in `share_with`); **beyond guidance** (to a role guidance does not mention: counted, not judged).

Sharing behaviours (Richardson & Asthana, 2006), for a participant and for a role (its participants'
decisions pooled), over the whole workshop and over each stage:
- missing rate = missed / expected; over-sharing rate = over-shared / shared;
- a rate is **high** at or above `HIGH_RATE` (one in four);
- **chaotic**: both rates high; or, for a role, its participants split (some shared, some did not) on at
  least `HIGH_SPLIT` (one in three) of the choices with a guidance verdict they faced together (the same
  fact, the same recipient in `share_with` or `avoid`, the same stage, two or more deciders);
- else **over-open**: the over-sharing rate is high; else **over-cautious**: the missing rate is high;
- else **ideal**; **unclassified** when there is no evidence (nothing expected and nothing shared).
The counts behind every label travel with it (`Behaviour.counts`, `Behaviour.evidence`).

Speed (benchmarks/bench_debrief.py): one pass over the decisions fills every tally (see `_Tally`); the
pictures (who knew what, when) are built in one walk over the stages from what each role sent, by
`picture.Ledger`'s rules (tests/test_debrief_pictures.py holds them to the ledger); the whole
workshop's sections are the stages' summed. Records that come by the thousand (jigsaw cells, counts,
splits) are named tuples, cheaper to make than dataclasses.

Public entry points: `analyse(record, through=None) -> Debrief`; `decision_rows(record, through=None)`
for the raw decisions; `last_stage(record, through)` for the stage an analysis stops at.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import partial
from heapq import nsmallest
from itertools import accumulate, chain
from operator import attrgetter, itemgetter
from typing import Literal, NamedTuple

from facilitation.analysis.law_layers import LawPanel, law_layers, panel_fact
from facilitation.analysis.perspectives import (
    FrontDoorStage,
    Perspective,
    Rung,
    front_door,
    perspectives,
    threshold_ladder,
)
from facilitation.content import ACTIONS, Fact, Snapshot, reference
from facilitation.play import (
    PRIVACY_MIN,  # a role is named beside what its participants did only when this many play it
    ActStages,
    FactDecision,
    Receipt,
    StageDecision,
    Submission,
    WorkshopRecord,
    basis_verdict,
    detail_verdict,
    discussion_points,
    family_verdict,
    level_for,
    level_verdict,
    myths_for,
    picture_level,
    share_verdict,
)

__all__ = [
    "BEHAVIOURS",
    "CLASSIFICATION_RULE",
    "FLAGS",
    "HIGH_RATE",
    "HIGH_SPLIT",
    "OKABE_ITO",
    "PRIVACY_MIN",
    "BarrierCount",
    "Barriers",
    "Behaviour",
    "BehaviourLabel",
    "CellState",
    "ConstraintLink",
    "CouldHaveActed",
    "Counts",
    "Debrief",
    "DecisionRow",
    "FactGuidance",
    "FactInfo",
    "Flow",
    "Flows",
    "Jigsaw",
    "JigsawCell",
    "Judgement",
    "LateFact",
    "MythCitation",
    "NotActedOn",
    "Note",
    "ParticipantInfo",
    "PictureShare",
    "Prompt",
    "RoleInfo",
    "SharingCounts",
    "Split",
    "StageView",
    "analyse",
    "attributed",
    "decision_rows",
    "last_stage",
]

HIGH_RATE = 0.25  # a missing or over-sharing rate at or above this is "high"
HIGH_SPLIT = (
    1 / 3
)  # a role whose participants split on this share of their common choices is chaotic
PROMPTS_PER_STAGE = 3  # generated discussion prompts per stage (after the scenario's own)
PROMPTS_WHOLE = 5  # generated prompts for the whole workshop

BehaviourLabel = Literal["ideal", "over-open", "over-cautious", "chaotic", "unclassified"]
BEHAVIOURS: tuple[BehaviourLabel, ...] = (
    "ideal",
    "over-open",
    "over-cautious",
    "chaotic",
    "unclassified",
)
CellState = Literal["own", "received", "unknown"]
Outcome = Literal["as_guidance", "onward", "over_avoid", "beyond"]
# Flags a share can carry beside its outcome (the basis and detail rules of `play.verdicts`).
Flag = Literal["basis_unknown", "consent_myth", "other_basis", "too_much_detail"]
FLAGS: tuple[Flag, ...] = ("basis_unknown", "consent_myth", "other_basis", "too_much_detail")
_BASIS_FLAG = {"unknown": "basis_unknown", "consent_myth": "consent_myth", "other": "other_basis"}

CLASSIFICATION_RULE = (
    "Missing rate = expected shares not made / expected shares (guidance addresses the agency that holds "
    "a fact: it should reach each role in share_with that does not have it yet). Over-sharing rate = "
    "over-shared / all shares (over-shared: to a role guidance says to avoid, or special-category or "
    f"criminal-offence data with no gateway named). A rate is high at {HIGH_RATE:.0%} or more. Chaotic: "
    "both rates high, or (for an agency) its participants split on at least "
    f"{HIGH_SPLIT:.0%} of the same choices with a guidance verdict. Otherwise over-open: over-sharing "
    "high; over-cautious: missing high; ideal: neither. Unclassified: nothing expected and nothing shared."
)

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
# The order roles without a colour take them in: yellow and black last (weakest as fills on white).
_COLOUR_PREFERENCE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
_NOBODY: frozenset[str] = frozenset()
_SENSITIVE = frozenset({"special_category", "criminal_offence"})


# ============================================================================================ results


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """A role in play, as the debrief names and colours it."""

    id: str
    short_name: str
    name: str
    colour: str  # the role's own colour, else an unused Okabe-Ito colour
    acts_at: int
    lead: bool
    participants: int  # everyone who played it, including those who left
    active: int
    deciding_at: tuple[int, ...] = ()  # how many of its players submitted at each analysed stage

    @property
    def deciding(self) -> int:
        """The fewest of its players who decided at any analysed stage where one did (else everyone
        who played it): what the privacy rule counts (`attributed`)."""
        return min((n for n in self.deciding_at if n), default=self.participants)

    @property
    def played(self) -> bool:
        """Whether anyone played this role."""
        return self.participants > 0


@dataclass(frozen=True, slots=True)
class ParticipantInfo:
    """A participant without their name: "School 2" (active ones numbered first, as the projector does)."""

    id: int
    role_id: str
    label: str
    active: bool
    simulated: bool
    submissions: int  # at the analysed stages


@dataclass(frozen=True, slots=True)
class FactInfo:
    """A fact in play and what guidance says about it."""

    id: str
    label: str  # the id as words ("dv callout"): column headers
    text: str
    short: str  # the text cut to a line: prompts
    held_by: str
    stage_index: int
    weight: int
    sensitivity: str
    share_with: tuple[str, ...]
    avoid: tuple[str, ...]
    gateway: str | None
    gateway_label: str | None
    consent: str
    why: str
    short_label: str = ""  # the fact's `label`, else the id as words: charts and the projector
    gateways: tuple[str, ...] = ()
    onward: tuple[str, ...] = ()
    meets_level: int | None = None
    tell_family: str = "not_if_unsafe"  # yes | not_if_unsafe | no (guidance, or from consent)
    tell_family_why: str | None = None
    concern_only: tuple[str, ...] = ()  # recipients for whom guidance says the concern is enough
    ungated: tuple[str, ...] = ()  # recipients guidance names no gateway for
    myths: tuple[str, ...] = ()  # barriers that are misconceptions for this fact
    routed_gateways: tuple[str, ...] = ()  # every gateway: the fact's own, then its routes'

    @property
    def why_heading(self) -> str:
        """How the debrief introduces `why`: a fact guidance keeps within the agency is not "shared"."""
        return (
            "Why guidance shares it:"
            if self.share_with
            else "Why guidance keeps it within the agency:"
        )


@dataclass(frozen=True, slots=True)
class Counts:
    """The size of what was analysed."""

    roles_in_play: int
    roles_played: int
    participants: int
    active: int
    left: int
    simulated: int
    stages_analysed: int
    stage_count: int
    submissions: int
    decisions: int  # (participant, fact) decisions, each counted once, at the stage it was made
    shares: (
        int  # (participant, fact, recipient) shares, each counted once, at the stage it was made
    )
    barriers_cited: (
        int  # (participant, fact, agency left out, barrier) citations, each counted once
    )
    notes: int  # shareable notes quoted
    carried: int = 0  # decisions repeated from an earlier stage (not counted again)


# ------------------------------------------------------------------------------------------ jigsaw


class JigsawCell(NamedTuple):
    """What one role knows of one fact once a stage is revealed. (A named tuple: a jigsaw of 12 roles x
    200 facts x 12 stages has 28 800 of them.)"""

    role_id: str
    fact_id: str
    state: CellState
    received: tuple[Receipt, ...] = ()  # one per sending role and stage, earliest first

    @property
    def senders(self) -> tuple[str, ...]:
        """Distinct roles that sent the fact, earliest first."""
        return tuple(dict.fromkeys(receipt.from_role for receipt in self.received))


@dataclass(frozen=True, slots=True)
class PictureShare:
    """How much of the whole picture a role held (weights and counts of facts)."""

    role_id: str  # "*" for the whole picture
    weight: int
    count: int
    level: int
    whole_weight: int
    whole_count: int

    @property
    def weight_share(self) -> float:
        """Share of the whole picture's weight, 0-1 (0 when the whole weighs nothing)."""
        return self.weight / self.whole_weight if self.whole_weight else 0.0

    @property
    def count_share(self) -> float:
        """Share of the facts in play, 0-1."""
        return self.count / self.whole_count if self.whole_count else 0.0


@dataclass(frozen=True, slots=True)
class Jigsaw:
    """Roles x facts once a stage is revealed, with each role's share of the whole picture.

    Stored compactly (a big workshop has 12 roles x 200 facts at each of 12 stages): `states` holds
    each cell's state, role-major; `received` each role's receipts by fact. `cells` and `cell()` give
    `JigsawCell`s.
    """

    stage_index: int
    role_ids: tuple[str, ...]
    fact_ids: tuple[str, ...]  # every fact in play by this stage, in scenario order
    states: tuple[CellState, ...]  # role-major: role_ids x fact_ids
    received: tuple[
        Mapping[str, tuple[Receipt, ...]], ...
    ]  # per role: fact -> receipts, earliest first
    shares: tuple[PictureShare, ...]  # one per role, in role order
    whole: PictureShare
    lead: PictureShare | None  # None when the lead role is not in play
    lead_missing: tuple[str, ...]  # facts in play guidance sends the lead that it does not know

    def cell(self, role_id: str, fact_id: str) -> JigsawCell:
        """The cell for one role and fact (ValueError if either is not in this jigsaw)."""
        row, column = self.role_ids.index(role_id), self.fact_ids.index(fact_id)
        state = self.states[row * len(self.fact_ids) + column]
        return JigsawCell(
            role_id,
            fact_id,
            state,
            self.received[row].get(fact_id, ()) if state == "received" else (),
        )

    @property
    def cells(self) -> Iterator[JigsawCell]:
        """Every cell, role-major."""
        width = len(self.fact_ids)
        for row, role_id in enumerate(self.role_ids):
            received = self.received[row]
            for column, fact_id in enumerate(self.fact_ids):
                state = self.states[row * width + column]
                yield JigsawCell(
                    role_id,
                    fact_id,
                    state,
                    received.get(fact_id, ()) if state == "received" else (),
                )

    def share(self, role_id: str) -> PictureShare:
        """One role's share of the whole picture."""
        return self.shares[self.role_ids.index(role_id)]


# ------------------------------------------------------------------------------------------ acting


@dataclass(frozen=True, slots=True)
class LateFact:
    """A fact guidance sends to the lead role that reached it late, or not at all."""

    fact_id: str
    due_stage: int  # guidance: shared when it enters, so known at that stage's reveal
    arrived_stage: (
        int | None
    )  # the reveal at which it first reached the lead (maybe after it could act);
    # None: not by `through`

    @property
    def stages_late(self) -> int | None:
        """Stages late; None when it never arrived."""
        return None if self.arrived_stage is None else self.arrived_stage - self.due_stage


@dataclass(frozen=True, slots=True)
class CouldHaveActed:
    """When the lead role could act, against when it could have had guidance been followed.

    `status`: "on_time" (acted when it could), "late" (acted later), "missed" (could have by now, has
    not), "not_yet" (could not have yet either), "never" (not even following guidance), "no_lead" (the
    lead role is not in play).
    """

    lead_role: str
    acts_at: int | None
    actual: int | None
    possible: int | None
    through: int
    status: Literal["on_time", "late", "missed", "not_yet", "never", "no_lead"]
    late_facts: tuple[
        LateFact, ...
    ]  # due by the stage the lead acted (or by `through`), late or missing

    @property
    def delay(self) -> int | None:
        """Stages lost against guidance (None unless both stages are known)."""
        return ActStages(self.actual, self.possible).delay


# ------------------------------------------------------------------------------------------- flows


@dataclass(frozen=True, slots=True)
class Flow:
    """What one role sent another."""

    sender: str
    recipient: str
    shares: (
        int  # fact-recipient shares by the sender's participants (3 participants sending 1 fact: 3)
    )
    fact_ids: tuple[str, ...]  # distinct facts sent, in scenario order

    @property
    def facts(self) -> int:
        """Distinct facts sent."""
        return len(self.fact_ids)


@dataclass(frozen=True, slots=True)
class Flows:
    """Sender x recipient, for one stage or the whole workshop; only pairs with at least one share."""

    stage_index: int | None  # None: the whole workshop
    role_ids: tuple[str, ...]
    flows: tuple[Flow, ...]  # in sender then recipient role order

    def between(self, sender: str, recipient: str) -> Flow:
        """The flow from one role to another (zero when nothing was sent)."""
        for flow in self.flows:
            if flow.sender == sender and flow.recipient == recipient:
                return flow
        return Flow(sender, recipient, 0, ())

    @property
    def shares(self) -> int:
        """Every share in these flows."""
        return sum(flow.shares for flow in self.flows)


# --------------------------------------------------------------------------------------- judgement


@dataclass(frozen=True, slots=True)
class Judgement:
    """The levels and actions one role's participants chose at one stage, against what its picture supported."""

    role_id: str
    stage_index: int
    levels: tuple[int, ...]  # each participant's level, sorted
    level_counts: Mapping[int, int]  # 1..4 -> how many chose it
    actions: Mapping[
        str, int
    ]  # action id -> how many chose it, in reference order, chosen ones only
    supported: (
        int  # the level of the picture they saw while deciding (weighed, or a meets_level floor)
    )
    supported_weight: int
    confidence_mean: float | None
    lead: bool = False  # the lead's levels are judged against `supported`
    floor: int | None = None  # the highest meets_level among the facts held: a verdict below it
    weighed: int | None = None  # the level the weights alone reach (information)

    @property
    def participants(self) -> int:
        """How many submitted."""
        return len(self.levels)

    @property
    def low(self) -> int | None:
        """Lowest level chosen."""
        return self.levels[0] if self.levels else None

    @property
    def high(self) -> int | None:
        """Highest level chosen."""
        return self.levels[-1] if self.levels else None

    @property
    def spread(self) -> int | None:
        """Highest minus lowest level chosen."""
        return None if not self.levels else self.levels[-1] - self.levels[0]

    @property
    def mode(self) -> tuple[int, ...]:
        """The most chosen level(s): several when tied, none when nobody submitted."""
        return _modes(self.level_counts)

    @property
    def action_mode(self) -> tuple[str, ...]:
        """The most chosen action(s)."""
        return _modes(self.actions)

    @property
    def judged(self) -> bool:
        """Whether the levels get a verdict: the lead's always; another role's only below a floor."""
        return self.lead or self.floor is not None

    @property
    def above(self) -> int:
        """Participants judged above the picture (the lead only: `play.verdicts.level_verdict`)."""
        return sum(
            1
            for level in self.levels
            if level_verdict(level, self.supported, self.floor, self.lead) == "above"
        )

    @property
    def below(self) -> int:
        """Participants judged below the picture (the lead, or any role below its floor)."""
        return sum(
            1
            for level in self.levels
            if level_verdict(level, self.supported, self.floor, self.lead) == "below"
        )


# ---------------------------------------------------------------------------------------- guidance


class SharingCounts(NamedTuple):
    """Evidence for a sharing behaviour (see the module docstring for each term). A named tuple: there
    is one per participant per stage, and they add up field by field (`SharingCounts.total`)."""

    decisions: int = 0
    expected: int = 0
    missed: int = 0
    shared: int = 0
    as_guidance: int = 0  # to a role in share_with, or (onward) in onward
    over_avoid: int = 0
    beyond: int = 0
    onward: int = 0  # of as_guidance: passed on by a recipient to a role in onward
    basis_unknown: int = 0  # "not sure" (or none given): a learning point, never over-sharing
    consent_myth: int = 0  # "the person agreed" where consent is not the basis
    other_basis: int = 0  # another reason guidance does not accept for that recipient
    too_much_detail: int = 0  # the detail where guidance says the concern is enough
    family_off: int = 0  # decisions telling (or not telling) the family against guidance
    undecided: int = 0  # of missed: the participant never decided the fact

    @property
    def over_shared(self) -> int:
        """Shares to an `avoid` role (an onward share: to one in avoid and not in onward)."""
        return self.over_avoid

    @property
    def wrong_basis(self) -> int:
        """Shares for a reason guidance does not accept (the consent myth included)."""
        return self.consent_myth + self.other_basis

    @property
    def missing_rate(self) -> float | None:
        """Missed / expected (None when nothing was expected)."""
        return self.missed / self.expected if self.expected else None

    @property
    def over_sharing_rate(self) -> float | None:
        """Over-shared / shared (None when nothing was shared)."""
        return self.over_shared / self.shared if self.shared else None

    @classmethod
    def total(cls, counts: Iterable[Sequence[int]]) -> SharingCounts:
        """Field-by-field sum (zero counts for none)."""
        return cls(*map(sum, zip(*counts, strict=True))) if counts else cls()


class Split(NamedTuple):
    """A role's participants facing the same choices: how often they disagreed."""

    faced: int  # (stage, fact, recipient) choices with a guidance verdict and two or more deciders
    contested: int  # of which some shared and some did not

    @property
    def rate(self) -> float | None:
        """Contested / faced (None when they faced none together)."""
        return self.contested / self.faced if self.faced else None


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A participant's or a role's sharing behaviour, with the evidence for it."""

    subject: str  # participant label ("School 2") or role id
    role_id: str
    label: BehaviourLabel
    counts: SharingCounts
    split: Split | None = None  # roles only

    @property
    def evidence(self) -> str:
        """The counts behind the label, in one line."""
        c = self.counts
        parts = [
            f"missed {c.missed} of {c.expected} expected shares{_pct(c.missing_rate)}",
            f"over-shared {c.over_shared} of {c.shared} shares{_pct(c.over_sharing_rate)}",
        ]
        if c.wrong_basis:
            parts.append(f"{c.wrong_basis} shares for a reason guidance does not accept")
        if c.consent_myth:
            parts[-1] += f" ({c.consent_myth} on consent where consent is not the basis)"
        if self.split is not None and self.split.faced:
            parts.append(
                f"split on {self.split.contested} of {self.split.faced} choices faced together"
                f"{_pct(self.split.rate)}"
            )
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class FactGuidance:
    """How one fact was handled against guidance, per recipient role (counts of decision-role pairs)."""

    fact_id: str
    stage_index: int | None  # None: the whole workshop
    decisions: int
    as_guidance: Mapping[str, int]
    missed: Mapping[str, int]
    over_shared: Mapping[str, int]  # to avoid roles (onward: to avoid and not onward)
    beyond: Mapping[str, int]
    onward: Mapping[str, int] = field(
        default_factory=dict
    )  # of as_guidance: passed on by a recipient
    basis_unknown: Mapping[str, int] = field(default_factory=dict)
    consent_myth: Mapping[str, int] = field(default_factory=dict)
    other_basis: Mapping[str, int] = field(default_factory=dict)
    too_much_detail: Mapping[str, int] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """ "shared as guidance" / "missed" / "over-shared" / "mixed" / "not decided" in one word or two."""
        missed, over = sum(self.missed.values()), sum(self.over_shared.values())
        if not self.decisions:
            return "not decided"
        if missed and over:
            return "missed and over-shared"
        if missed:
            return "missed" if not self.as_guidance else "partly missed"
        if over:
            return "over-shared"
        return "as guidance"


# ---------------------------------------------------------------------------------------- barriers


@dataclass(frozen=True, slots=True)
class BarrierCount:
    """One barrier: how often it was cited, by which roles, on which facts."""

    barrier_id: str
    label: str
    cluster: str
    sentence: str  # what the participant says
    explanation: str  # what the debrief says
    myth: bool  # a misconception wherever it was cited here (see `MythCitation` for where it was)
    appropriate: bool
    count: int  # (participant, fact, agency left out) citations, each counted once
    by_role: Mapping[str, int]  # the same, by the citing participant's role
    by_fact: Mapping[str, int]
    people: int = 0  # participants who cited it
    decisions: int = 0  # (participant, fact) decisions citing it, each counted once

    @property
    def counted(self) -> str:
        """What the counts count, in words: "2 people, 3 decisions, 5 agencies left out"."""
        return f"{_plural(self.people, 'person', 'people')}, " + _cited(self.decisions, self.count)


@dataclass(frozen=True, slots=True)
class MythCitation:
    """A barrier cited on a fact for which it is a misconception (`play.verdicts.myths_for`), or, with
    `kind` "discussion", one partnerships disagree about (consent on a `contested` fact)."""

    barrier_id: str
    fact_id: str
    count: int  # (participant, agency left out) citations on this fact, each counted once
    by_role: Mapping[str, int]
    gateway: str | None  # the gateway guidance relies on
    gateway_label: str | None
    why: str = ""  # the fact's real reason: its guidance's `why`, never a statute "applying"
    explanation: str = ""  # what the barrier is, for this audience
    kind: Literal["myth", "discussion"] = "myth"
    decisions: int = 0  # (participant) decisions on this fact citing it, each counted once

    @property
    def counted(self) -> str:
        """What the counts count, in words: "3 decisions, 5 agencies left out"."""
        return _cited(self.decisions, self.count)


@dataclass(frozen=True, slots=True)
class ConstraintLink:
    """A role card's constraint whose barrier that role's participants cited."""

    role_id: str
    constraint_id: str
    text: str
    barrier_id: str
    count: int


@dataclass(frozen=True, slots=True)
class Barriers:
    """Every barrier cited (most cited first), the myths among them, and the role cards behind them."""

    total: int  # (participant, fact, agency left out, barrier) citations
    counts: tuple[BarrierCount, ...]
    myths: tuple[MythCitation, ...]
    constraints: tuple[ConstraintLink, ...]
    discussion: tuple[MythCitation, ...] = ()  # contested facts: the room's split, never a myth


# -------------------------------------------------------------------------------- prompts and notes


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question for the room: the scenario's own, or one generated from a divergence.

    `kind`: "scenario"; "split" (participants of one role disagreed); "contrast" (one role shared with a
    recipient, another withheld from it); "over_shared" (sent where guidance says not to).
    """

    text: str
    kind: Literal["scenario", "split", "contrast", "over_shared"]
    stage_index: int
    score: float = (
        0.0  # how large the divergence is (0-1); the scenario's prompts come first regardless
    )
    role_ids: tuple[str, ...] = ()
    fact_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotActedOn:
    """A fact guidance sent to a role, which reached it, after which every participant of that role who
    decided chose no action or to record only: shared, but not acted on."""

    fact_id: str
    role_id: str
    received_stage: int  # the reveal at which it reached the role
    stage_index: int  # the stage at which its participants decided nothing would follow
    participants: int


@dataclass(frozen=True, slots=True)
class Note:
    """A note its writer marked shareable, quoted with the role only, never a name."""

    stage_index: int
    role_id: str
    text: str
    participant_id: int = -1  # for the facilitator's approval; never shown to the room


# -------------------------------------------------------------------------------------- containers


@dataclass(frozen=True, slots=True)
class StageView:
    """Every debrief section for one stage."""

    index: int
    id: str
    title: str
    fact_ids: tuple[str, ...]  # facts entering at this stage
    submissions: int
    submitted_by_role: Mapping[str, int]
    jigsaw: Jigsaw
    flows: Flows
    judgements: tuple[Judgement, ...]  # one per role in play (empty levels when nobody submitted)
    guidance: tuple[FactGuidance, ...]  # facts decided at this stage
    participants: tuple[Behaviour, ...]  # those who submitted at this stage
    roles: tuple[Behaviour, ...]
    barriers: Barriers
    prompts: tuple[Prompt, ...]
    notes: tuple[Note, ...]

    @property
    def empty(self) -> bool:
        """Nobody submitted at this stage."""
        return self.submissions == 0

    def judgement(self, role_id: str) -> Judgement:
        """One role's judgement at this stage."""
        return next(j for j in self.judgements if j.role_id == role_id)

    def role(self, role_id: str) -> Behaviour:
        """One role's behaviour at this stage."""
        return next(b for b in self.roles if b.role_id == role_id)


@dataclass(frozen=True, slots=True)
class Debrief:
    """The whole debrief of a workshop, through stage `through`; `stage(i)` for one stage."""

    code: str
    created_at: str
    date: str  # YYYY-MM-DD
    scenario_id: str
    title: str
    audience: str
    summary: str
    learning_outcomes: tuple[str, ...]
    key_messages: tuple[str, ...]
    what_happened: str | None  # only once every stage is analysed (it would give the story away)
    lead_role: str
    stage_count: int
    revealed_through: int
    through: int  # last stage analysed (-1: none)
    roles: tuple[RoleInfo, ...]
    participants: tuple[ParticipantInfo, ...]
    facts: tuple[FactInfo, ...]  # facts in play through `through`
    counts: Counts
    stages: tuple[StageView, ...]
    act: CouldHaveActed
    jigsaw: Jigsaw | None  # at `through`; None before any stage
    flows: Flows
    judgements: tuple[Judgement, ...]  # every role at every stage, stage-major
    guidance: tuple[FactGuidance, ...]
    participant_behaviours: tuple[Behaviour, ...]
    role_behaviours: tuple[Behaviour, ...]
    barriers: Barriers
    prompts: tuple[Prompt, ...]  # every stage's scenario prompts, then the largest divergences
    notes: tuple[Note, ...]
    rule: str = field(default=CLASSIFICATION_RULE)
    not_acted_on: tuple[NotActedOn, ...] = ()
    # The EASI themes (`_themes`): the agencies side by side, where each acts, what reached the lead
    # agency stage by stage, and the layers of the law for one fact.
    perspectives: tuple[Perspective, ...] = ()
    ladder: tuple[Rung, ...] = ()
    front_door: tuple[FrontDoorStage, ...] = ()
    law_panel: LawPanel | None = None
    # Set by `privacy.projected` only: the handling of facts it does not show one by one, summed per
    # stage and overall (`fact_id`: the pool's label, "Other agencies" or "All agencies").
    pooled_guidance: tuple[FactGuidance, ...] = ()

    def stage(self, index: int) -> StageView:
        """The sections for one analysed stage (IndexError beyond `through`)."""
        if not 0 <= index < len(self.stages):
            raise IndexError(f"stage {index} is not analysed (stages 0-{len(self.stages) - 1} are)")
        return self.stages[index]

    def role(self, role_id: str) -> RoleInfo:
        """A role in play by id."""
        return next(role for role in self.roles if role.id == role_id)

    def fact(self, fact_id: str) -> FactInfo:
        """A fact in play by id."""
        return next(fact for fact in self.facts if fact.id == fact_id)

    def participant(self, participant_id: int) -> ParticipantInfo:
        """A participant by id."""
        return next(person for person in self.participants if person.id == participant_id)

    def role_behaviour(self, role_id: str) -> Behaviour:
        """A role's behaviour over the whole workshop."""
        return next(b for b in self.role_behaviours if b.role_id == role_id)

    def short(self, role_id: str) -> str:
        """A role's short name (the id itself for a role not in play)."""
        return next((role.short_name for role in self.roles if role.id == role_id), role_id)


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One raw decision row: participant x stage x fact x recipient (or none), for CSV and JSON."""

    stage: int  # from 1, as people count
    stage_id: str
    participant_id: int
    participant: str  # label, never the name
    role: str
    active: bool
    fact: str
    held_by: str
    recipient: str  # "" when the fact was shared with nobody
    outcome: str  # as_guidance | onward | over_avoid | beyond | "" (no share)
    missed: str  # roles guidance expected it to reach that it did not, ";"-joined (on every row of the fact)
    gateway: str
    tell_family: bool
    barriers: str  # ";"-joined
    level: int
    action: str
    confidence: int
    reason: str = ""  # the practitioner reason for this recipient
    basis: str = ""  # right | consent_myth | unknown | other | unjudged ("" with no share)
    concern_only: bool = False
    carried: bool = False  # repeated from an earlier stage: not counted again


# ====================================================================================== the analysis


def last_stage(record: WorkshopRecord, through: int | None = None) -> int:
    """The last stage to analyse: `through` if given, else the last revealed stage, within the scenario."""
    stage_count = len(record.snapshot.scenario.stages)
    last = record.revealed_through if through is None else through
    return max(-1, min(int(last), stage_count - 1))


def analyse(record: WorkshopRecord, through: int | None = None) -> Debrief:
    """The debrief of `record` through stage `through` (default: the last revealed stage)."""
    index = _Index(record, last_stage(record, through))
    tally = _Tally(index)
    pictures = _Pictures(index, tally.sharers)
    tally.count_expected(pictures)
    return replace(_assemble(index, tally, pictures), **_themes(record, index.last))


def _themes(record: WorkshopRecord, last: int) -> dict[str, object]:
    """The debrief's EASI-theme keys: perspectives and the threshold ladder (scenario data), the front
    door and the layers panel through stage `last` (the panel's fact chosen among the stages analysed)."""
    snapshot = record.snapshot
    scenario = snapshot.scenario
    fact_id = panel_fact(snapshot, last) if last >= 0 else None
    # The room's reasons as far as the analysis goes: a later stage's answers are not in this debrief.
    analysed = record.model_copy(
        update={"submissions": tuple(s for s in record.submissions if s.stage_index <= last)}
    )
    return {
        "perspectives": perspectives(snapshot.roles, scenario.audience, scenario.lead_role),
        "ladder": threshold_ladder(snapshot.roles, scenario.audience),
        "front_door": front_door(record)[: last + 1],
        "law_panel": None if fact_id is None else law_layers(snapshot, fact_id, analysed),
    }


def decision_rows(record: WorkshopRecord, through: int | None = None) -> Iterator[DecisionRow]:
    """The raw decisions through `through` (default: the last revealed stage), in stage, participant and
    fact order: one row per participant, stage, fact and recipient; one with no recipient for a fact
    shared with nobody; one with no fact for a submission about no fact (its level still counts)."""
    index = _Index(record, last_stage(record, through))
    tally = _Tally(index)
    pictures = _Pictures(index, tally.sharers)
    people = {person.id: person for person in index.people}
    earlier: dict[int, dict[str, set[str]]] = {}
    for submission in index.submissions:
        person, decision = people[submission.participant_id], submission.decision
        common = {
            "stage": submission.stage_index + 1,
            "stage_id": index.stages[submission.stage_index].id,
            "participant_id": person.id,
            "participant": person.label,
            "role": submission.role_id,
            "active": person.active,
            "level": decision.level,
            "action": decision.action,
            "confidence": decision.confidence,
        }
        entries = [entry for entry in decision.facts if entry.fact_id in index.facts]
        if not entries:
            yield DecisionRow(
                fact="",
                held_by="",
                recipient="",
                outcome="",
                missed="",
                gateway="",
                tell_family=False,
                barriers="",
                **common,
            )
        before = earlier.setdefault(person.id, {})
        for entry in entries:
            shared = index.recipients(entry, submission.role_id)
            expected = pictures.expected(submission.role_id, submission.stage_index, entry.fact_id)
            first = tally.first_from(person.id, index.entered[entry.fact_id])
            about = {
                "fact": entry.fact_id,
                "held_by": index.facts[entry.fact_id].held_by,
                "missed": ";".join(r for r in index.role_ids if r in expected and r not in shared)
                if first == submission.stage_index
                else "",
                "gateway": entry.gateway or "",
                "tell_family": entry.tell_family,
                "barriers": ";".join(entry.barriers),
            }
            made = before.setdefault(entry.fact_id, set())
            for recipient in shared or ("",):
                fact = index.models[entry.fact_id]
                reason = entry.reason_for(recipient) if recipient else None
                yield DecisionRow(
                    recipient=recipient,
                    outcome=index.outcome(entry.fact_id, submission.role_id, recipient)
                    if recipient
                    else "",
                    reason=reason or "",
                    basis=basis_verdict(fact, recipient, reason, entry.gateway)
                    if recipient
                    else "",
                    concern_only=recipient in entry.concern_only,
                    carried=recipient in made if recipient else first != submission.stage_index,
                    **about,
                    **common,
                )
            made.update(shared)


# ============================================================================================ indexes


class _Index:
    """Lookups built once per analysis: roles, facts, participants, the submissions in range."""

    def __init__(self, record: WorkshopRecord, last: int) -> None:
        self.record = record
        self.snapshot = snapshot = record.snapshot
        self.scenario = scenario = snapshot.scenario
        self.last = last
        self.stages = scenario.stages
        self.role_ids = snapshot.role_ids
        self.in_play = frozenset(self.role_ids)
        ref = reference()
        gateways = ref.gateways
        self.facts: dict[str, FactInfo] = {}
        self.models: dict[str, Fact] = {}
        self.myths_of: dict[str, frozenset[str]] = {}
        self.discussion_of: dict[str, frozenset[str]] = {}
        for stage_index, stage in enumerate(scenario.stages[: last + 1]):
            for fact in stage.facts:
                g = fact.guidance
                first = g.all_gateways[0] if g.all_gateways else None
                words = fact.id.replace("_", " ").replace("-", " ")
                self.models[fact.id] = fact
                self.myths_of[fact.id] = myths_for(fact, scenario.audience)
                self.discussion_of[fact.id] = discussion_points(fact)
                self.facts[fact.id] = FactInfo(
                    id=fact.id,
                    label=words,
                    text=fact.text,
                    short=_shorten(fact.text),
                    held_by=fact.held_by,
                    stage_index=stage_index,
                    weight=fact.weight,
                    sensitivity=fact.sensitivity,
                    share_with=tuple(r for r in g.recipients if r in self.in_play),
                    avoid=tuple(r for r in g.avoid if r in self.in_play),
                    gateway=first,
                    gateway_label=gateways[first].label if first in gateways else first,
                    consent=g.consent,
                    why=g.why,
                    short_label=fact.label or words,
                    gateways=g.all_gateways,
                    onward=tuple(r for r in g.onward if r in self.in_play),
                    meets_level=fact.meets_level,
                    tell_family=g.family,
                    tell_family_why=g.tell_family_why,
                    concern_only=tuple(
                        r
                        for r in g.recipients
                        if r in self.in_play and g.detail_for(r) == "concern"
                    ),
                    myths=tuple(sorted(self.myths_of[fact.id])),
                    ungated=tuple(
                        r for r in g.recipients if r in self.in_play and not g.gateways_for(r)
                    ),
                    routed_gateways=tuple(
                        dict.fromkeys(
                            (*g.all_gateways, *(x for r in g.recipients for x in g.gateways_for(r)))
                        )
                    ),
                )
        self.fact_ids = tuple(self.facts)
        entering = Counter(
            f.stage_index for f in self.facts.values()
        )  # facts come in stage order, so
        self.in_play_by = [
            self.fact_ids[:n] for n in accumulate(entering[s] for s in range(last + 1))
        ]  # a prefix
        self.fact_order = {fact_id: n for n, fact_id in enumerate(self.fact_ids)}
        self.role_order = {role_id: n for n, role_id in enumerate(self.role_ids)}
        self.share_with = {f.id: frozenset(f.share_with) for f in self.facts.values()}
        self.avoid = {f.id: frozenset(f.avoid) for f in self.facts.values()}
        self.sensitive = frozenset(f.id for f in self.facts.values() if f.sensitivity in _SENSITIVE)
        self.held_by = {f.id: f.held_by for f in self.facts.values()}
        self.entered = {f.id: f.stage_index for f in self.facts.values()}
        self.floor = {f.id: f.meets_level for f in self.facts.values()}
        self._outcome: dict[tuple[str, str, str], Outcome] = {}
        self._kind_packed: dict[tuple[str, str, str], int] = {}
        self._basis_flag: dict[tuple, Flag | None] = {}
        # (fact, recipient) where sharing the detail is more than guidance wants (`detail_verdict`).
        self.wants_concern = frozenset(
            (fact_id, r)
            for fact_id, fact in self.models.items()
            for r in fact.guidance.recipients
            if detail_verdict(fact, r, False) == "too_much"
        )
        # (fact, tells the family) -> 1 where that goes against guidance (`play.verdicts`), else 0.
        self.family_off: dict[tuple[str, bool], int] = {
            (fact_id, told): int(family_verdict(fact, told) != "as_guidance")
            for fact_id, fact in self.models.items()
            for told in (False, True)
        }
        self.submissions = sorted(
            [
                s
                for s in record.submissions
                if 0 <= s.stage_index <= last and s.role_id in self.in_play
            ],
            key=attrgetter("stage_index", "participant_id"),
        )
        ids = list(map(attrgetter("participant_id"), self.submissions))
        self.people = _people(
            record,
            self.role_ids,
            {r.id: r.short_name for r in snapshot.roles.values()},
            Counter(ids),
            dict(zip(ids, map(attrgetter("role_id"), self.submissions))),
        )
        self.roles = _roles(snapshot, self.people, _deciding_at(self.submissions, last + 1))

    def recipients(self, entry: FactDecision, sender: str) -> tuple[str, ...]:
        """The roles a decision shares with, limited to other roles in play (the engine checks this; a
        hand-made record might not)."""
        return tuple(r for r in entry.share_with if r != sender and r in self.in_play)

    def outcome(self, fact_id: str, sender: str, recipient: str) -> Outcome:
        """How guidance judges one share (`play.verdicts.share_verdict`), cached."""
        key = (fact_id, sender, recipient)
        found = self._outcome.get(key)
        if found is None:
            found = self._outcome[key] = share_verdict(self.models[fact_id], sender, recipient)
        return found

    def send(
        self, fact_id: str, sender: str, recipient: str, entry: _Entry
    ) -> tuple[int, tuple[Flag, ...]]:
        """One share judged: its packed counts (see `_pack`: shared, as guidance, onward, to avoid and
        the flags) and its flags. Each part is cached by what decides it alone."""
        kind = self._kind_packed.get((fact_id, sender, recipient))
        if kind is None:
            outcome = self.outcome(fact_id, sender, recipient)
            kind = self._kind_packed[(fact_id, sender, recipient)] = _pack(
                0,
                1,
                outcome in ("as_guidance", "onward"),
                outcome == "onward",
                outcome == "over_avoid",
            )
        reason = entry.reason_for(recipient) if entry.reasons else entry.reason
        basis_key = (fact_id, recipient, reason, entry.gateway)
        flag = self._basis_flag.get(basis_key, _UNSEEN)
        if flag is _UNSEEN:
            basis = basis_verdict(self.models[fact_id], recipient, reason, entry.gateway)
            flag = self._basis_flag[basis_key] = _BASIS_FLAG.get(basis)
        detail = (fact_id, recipient) in self.wants_concern and recipient not in entry.concern_only
        if flag is None and not detail:
            return kind, ()
        flags: tuple[Flag, ...] = ((flag,) if flag else ()) + (
            ("too_much_detail",) if detail else ()
        )
        return kind + sum(_FLAG_PACKED[f] for f in flags), flags


def _people(
    record: WorkshopRecord,
    role_ids: Sequence[str],
    short: Mapping[str, str],
    submitted: Mapping[int, int],
    role_of: Mapping[int, str],
) -> tuple[ParticipantInfo, ...]:
    """Participants labelled by role and number: active ones first, in id order (the engine's public
    record numbers them so), then those who left; someone known only from a submission counts as left."""
    people = [p for p in record.participants if p.role_id in short]
    known = {p.id for p in people}
    unknown = [(pid, role) for pid, role in sorted(role_of.items()) if pid not in known]
    rows = [(p.id, p.role_id, p.active, p.simulated) for p in people] + [
        (pid, r, False, False) for pid, r in unknown
    ]
    rows.sort(key=lambda row: (not row[2], row[0]))
    numbers: Counter[str] = Counter()
    labelled = []
    for pid, role_id, active, simulated in rows:
        numbers[role_id] += 1
        labelled.append(
            ParticipantInfo(
                pid,
                role_id,
                f"{short[role_id]} {numbers[role_id]}",
                active,
                simulated,
                submitted.get(pid, 0),
            )
        )
    order = {role_id: n for n, role_id in enumerate(role_ids)}
    return tuple(
        sorted(labelled, key=lambda p: order.get(p.role_id, len(order)))
    )  # stable: keeps numbering


def _deciding_at(submissions: Iterable[Submission], stages: int) -> dict[str, tuple[int, ...]]:
    """Each role that submitted -> how many of its players submitted at each of the `stages`."""
    deciders: defaultdict[str, list[set[int]]] = defaultdict(lambda: [set() for _ in range(stages)])
    for submission in submissions:
        deciders[submission.role_id][submission.stage_index].add(submission.participant_id)
    return {role_id: tuple(map(len, by_stage)) for role_id, by_stage in deciders.items()}


def _roles(
    snapshot: Snapshot,
    people: Sequence[ParticipantInfo],
    deciding_at: Mapping[str, tuple[int, ...]],
) -> tuple[RoleInfo, ...]:
    """Roles in play with a colour each: their own, else the next Okabe-Ito colour no role has taken."""
    taken = {role.colour.upper() for role in snapshot.roles.values() if role.colour}
    spare = iter([c for c in _COLOUR_PREFERENCE if c.upper() not in taken] or _COLOUR_PREFERENCE)
    roles = []
    for n, role_id in enumerate(snapshot.role_ids):
        role = snapshot.roles[role_id]
        colour = role.colour or next(spare, OKABE_ITO[n % len(OKABE_ITO)])
        mine = [p for p in people if p.role_id == role_id]
        roles.append(
            RoleInfo(
                role_id,
                role.short_name,
                role.name,
                colour,
                role.threshold.acts_at,
                role_id == snapshot.scenario.lead_role,
                len(mine),
                sum(p.active for p in mine),
                deciding_at.get(role_id, ()),
            )
        )
    return tuple(roles)


# Positions in a participant's tally (the fields of `SharingCounts`, in order).
(
    _DECISIONS,
    _EXPECTED,
    _MISSED,
    _SHARED,
    _AS_GUIDANCE,
    _OVER_AVOID,
    _BEYOND,
    _ONWARD,
    _BASIS_UNKNOWN,
    _CONSENT_MYTH,
    _OTHER_BASIS,
    _TOO_MUCH_DETAIL,
    _FAMILY_OFF,
    _UNDECIDED,
) = range(14)
_TALLY_WIDTH = 14
_NO_REASONS: tuple[tuple[str, str], ...] = ()
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
_CARRY_FIELDS = attrgetter("fact_id", "share_with", "barriers")
_FRESH_FIELDS = attrgetter("gateway", "reason", "reasons", "concern_only", "tell_family")


class _Entry(NamedTuple):
    """What guidance judges of one fresh fact decision's shares: the recipients new at this stage (a
    share made earlier stands and is not counted again), the basis and the detail. Hashable: each
    distinct entry from a role is judged once (`_Tally._judge`). Telling the family is judged apart,
    once per (participant, fact), at the first decision."""

    fact_id: str
    share_with: tuple[str, ...]
    gateway: str | None
    reason: str | None
    reasons: tuple[tuple[str, str], ...]
    concern_only: tuple[str, ...]

    def reason_for(self, recipient: str) -> str | None:
        """The reason given for one recipient."""
        for to, reason in self.reasons:
            if to == recipient:
                return reason
        return self.reason


# A key's judgement packs nine small counts into one int (16 bits each: decided, shared, as guidance,
# onward, to avoid, basis unknown, consent myth, other basis, too much detail), so that a
# submission's counts are one C-level `sum` over its keys. A field's sum over one submission is at most
# 500 facts (the engine's limit) x 11 recipients < 2**16.
_FIELD_BITS = 16
_FIELD_MASK = (1 << _FIELD_BITS) - 1
_PACKED_FIELDS = 9


def _pack(*counts: int) -> int:
    """Counts in one int (`_FIELD_BITS` each, the first lowest)."""
    packed = 0
    for n, count in enumerate(counts):
        packed |= int(count) << n * _FIELD_BITS
    return packed


def _unpack(packed: int) -> tuple[int, ...]:
    """The counts `_pack` packed (of a sum of packed ints: each field summed)."""
    return tuple(packed >> n * _FIELD_BITS & _FIELD_MASK for n in range(_PACKED_FIELDS))


class _Numbering(dict):
    """Keys numbered in order of first use (`number`), and back (`keys[n]`): counting small ints in C
    and naming them once afterwards is cheaper than counting tuples of strings (or making them)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list = []

    def number(self, key: Hashable) -> int:
        """The key's number, given on first use."""
        found = self.get(key)
        if found is None:
            found = self[key] = len(self.keys)
            self.keys.append(key)
        return found

    def named(self, counts: Mapping[int, int]) -> dict:
        """Counts by number as counts by key (negative numbers are "not counted")."""
        keys = self.keys
        return {keys[number]: n for number, n in counts.items() if number >= 0}


_NOT_JUDGED = -1  # the decider number of a key the debrief does not judge
_UNSEEN = object()  # a cache's "not computed yet" (None is a value: no flag)
# A flag's unit in a packed judgement (its field follows decided, shared, as guidance, onward, avoided).
_FLAG_PACKED = {flag: 1 << (5 + n) * _FIELD_BITS for n, flag in enumerate(FLAGS)}
_NO_KEYS: frozenset[int] = frozenset()
_NO_BARRIERS: frozenset[str] = frozenset()


class _Tally:
    """Everything counted in one pass over the decisions, kept per stage so that one stage or all of
    them can be summed.

    Decisions carry forward: a participant's entry for a fact repeats what they decided before, so the
    pass first keeps only what is new (`_fresh`): a fact decided for the first time, or recipients added
    to an earlier decision; a barrier cited for the first time on that fact. Each (participant, fact,
    recipient) share is counted once, at the stage made; each barrier once per (participant, fact, agency
    left out), at the stage first cited (the agencies left out then: later ones are among them).

    Why it looks the way it does: a big workshop has ~100 000 fact decisions, and each Python statement
    run once per decision costs tens of milliseconds. So each submission is reduced to hashable keys
    (`_Entry`); each distinct key is judged once and numbered (`_judge`), with the numbers of the
    (role, fact) it decides and of the (role, fact, recipient) shares it makes; a participant's counts
    are one `sum` over its keys' packed judgements; and after the pass each stage's key numbers are
    counted once, in C, into the per-recipient tallies, named only then.
    """

    def __init__(self, index: _Index) -> None:
        self.index = index
        stages = range(index.last + 1)
        self.cited: list[dict[str, Counter[tuple[str, tuple[str, ...], int]]]] = [
            defaultdict(Counter) for _ in stages
        ]  # role -> (fact, barriers cited for the first time, agencies left out) -> n
        self.citers: list[dict[str, set[int]]] = [
            defaultdict(set) for _ in stages
        ]  # barrier -> participants
        self.choices: list[dict[str, list[StageDecision]]] = [defaultdict(list) for _ in stages]
        self.notes: list[list[Note]] = [[] for _ in stages]
        self.people: list[dict[int, list[int]]] = [
            {} for _ in stages
        ]  # participant -> SharingCounts fields
        self.missed: list[Counter[tuple[str, str]]] = [Counter() for _ in stages]  # (fact, to)
        self.carried = 0
        self._numbers: dict[str, dict[tuple, int]] = defaultdict(dict)  # role -> key -> number
        # By key number (lists: `map(list.__getitem__, ...)` runs in C):
        self._recipients: list[tuple[str, ...]] = []
        self._packed: list[int] = []  # see `_pack`; 0 for a fact the debrief does not judge
        self._decider: list[int] = []  # (role, fact) number
        self._sends: list[tuple[int, ...]] = []  # (role, fact, recipient) numbers
        self._flagged: list[tuple[tuple[int, str], ...]] = []  # (send number, flag)
        self._deciders = _Numbering()  # (role, fact)
        self._keys_of: list[set[int]] = []  # by (role, fact) number: its key numbers
        self._width = len(index.role_ids)  # share numbers per (role, fact) number
        self._found: list[list[list[int]]] = [[] for _ in stages]  # each submission's key numbers
        self._own: dict[tuple[int, str], list[tuple[int, list[int]]]] = defaultdict(
            list
        )  # (stage, holder)
        self._outcomes: dict[int, dict[tuple[str, str, str], int]] = {}
        self._submitted: dict[int, list[int]] = defaultdict(list)  # participant -> stages, in order
        holders = set(index.held_by.values())
        shared_before: dict[int, dict[str, frozenset[str]]] = defaultdict(dict)
        cited_before: dict[int, dict[str, frozenset[str]]] = defaultdict(dict)
        for submission in index.submissions:
            pid = submission.participant_id
            self._submitted[pid].append(submission.stage_index)
            keys, told, citing = self._fresh(submission, shared_before[pid], cited_before[pid])
            self._count(submission, keys, told, citing, submission.role_id in holders)
        self.deciders: list[
            dict[tuple[str, str], int]
        ] = []  # (role, fact) -> participants deciding
        self.sharers: list[
            dict[tuple[str, str, str], int]
        ] = []  # (role, fact, to) -> participants sharing
        self.flagged: list[dict[tuple[str, str, str, str], int]] = []  # (role, fact, to, flag)
        for stage in stages:
            found = list(chain.from_iterable(self._found[stage]))
            self.deciders.append(
                self._deciders.named(Counter(map(self._decider.__getitem__, found)))
            )
            self.sharers.append(
                self._named_shares(
                    Counter(chain.from_iterable(map(self._sends.__getitem__, found)))
                )
            )
            flags = Counter(chain.from_iterable(map(self._flagged.__getitem__, found)))
            deciders, role_ids, width = self._deciders.keys, index.role_ids, self._width
            self.flagged.append(
                {
                    (*deciders[send // width], role_ids[send % width], flag): n
                    for (send, flag), n in flags.items()
                }
            )

    def _fresh(
        self,
        submission: Submission,
        shared_before: dict[str, frozenset[str]],
        cited_before: dict[str, frozenset[str]],
    ) -> tuple[list[tuple], list[tuple[str, bool]], list[tuple[str, tuple[str, ...], int]]]:
        """What is new in one submission against the participant's earlier ones: the keys to judge and
        the (fact, barriers first cited, agencies left out) citations. Updates the participant's
        history."""
        keys: list[tuple] = []  # plain tuples equal to (and hashing as) the `_Entry` they stand for
        told: list[tuple[str, bool]] = []  # (fact, tells the family) of first decisions
        citing: list[tuple[str, tuple[str, ...], int]] = []
        carried = 0
        in_play, mine = self.index.in_play, {submission.role_id}
        others = len(in_play - mine)
        get, cited_get = shared_before.get, cited_before.get
        key, tell, cite = keys.append, told.append, citing.append
        # Only three fields are read of a carried entry (most of them); the rest only of a fresh one.
        for entry, (fact_id, share_with, barriers) in zip(
            facts := submission.decision.facts, map(_CARRY_FIELDS, facts), strict=True
        ):
            before = get(fact_id)
            if before is None:
                shared_before[fact_id] = frozenset(share_with)
                gateway, reason, reasons, concern, tells = _FRESH_FIELDS(entry)
                key(
                    (
                        fact_id,
                        share_with,
                        gateway,
                        reason,
                        tuple(reasons.items()) if reasons else _NO_REASONS,
                        concern,
                    )
                )
                if share_with:  # telling the family about a share: moot when nothing is shared
                    tell((fact_id, tells))
            elif before.issuperset(share_with):  # carried forward: nothing new (most entries)
                carried += 1
            else:
                new = tuple([r for r in share_with if r not in before])
                shared_before[fact_id] = before.union(new)
                gateway, reason, reasons, concern, _ = _FRESH_FIELDS(entry)
                key(
                    (
                        fact_id,
                        new,
                        gateway,
                        reason,
                        tuple(reasons.items()) if reasons else _NO_REASONS,
                        concern,
                    )
                )
            if barriers:
                earlier = cited_get(fact_id)
                if earlier is None or not earlier.issuperset(barriers):
                    if earlier is not None:
                        barriers = tuple([b for b in barriers if b not in earlier])
                    cited_before[fact_id] = (earlier or _NO_BARRIERS).union(barriers)
                    # The agencies this participant has left out of the fact by now (they only ever
                    # shrink): each new (agency, barrier) pair is counted here, and never again.
                    left_out = others - len(in_play.intersection(shared_before[fact_id]) - mine)
                    if left_out > 0:
                        cite((fact_id, barriers, left_out))
        self.carried += carried
        return keys, told, citing

    def _named_shares(self, counts: Mapping[int, int]) -> dict[tuple[str, str, str], int]:
        """Counts by share number (see `_judge`) as counts by (role, fact, recipient)."""
        deciders, role_ids, width = self._deciders.keys, self.index.role_ids, self._width
        return {
            (*deciders[number // width], role_ids[number % width]): n
            for number, n in counts.items()
        }

    def _count(
        self,
        submission: Submission,
        keys: list[tuple],
        told: list[tuple[str, bool]],
        citing: list[tuple[str, tuple[str, ...], int]],
        holds_facts: bool,
    ) -> None:
        """Count one submission's fresh keys: its choices, note and the participant's counts; keep its
        key numbers for the stage's per-recipient tallies, and its fresh citations."""
        stage, role = submission.stage_index, submission.role_id
        decision = submission.decision
        self.choices[stage][role].append(decision)
        if decision.note_shareable and decision.note.strip():
            self.notes[stage].append(
                Note(stage, role, decision.note.strip(), submission.participant_id)
            )
        numbers = self._numbers[role]
        found = list(map(numbers.get, keys))
        if None in found:  # judge only the new keys: many submissions repeat choices made before
            for at, number in enumerate(found):
                if number is None:
                    found[at] = self._judge(role, keys[at])
        self._found[stage].append(found)
        packed = _unpack(sum(map(self._packed.__getitem__, found)))
        decisions, shared, listed, onward, avoided, unknown, myth, other, detail = packed
        tally = self.people[stage].setdefault(submission.participant_id, [0] * _TALLY_WIDTH)
        tally[_DECISIONS] += decisions
        tally[_SHARED] += shared
        tally[_AS_GUIDANCE] += listed
        tally[_ONWARD] += onward
        tally[_OVER_AVOID] += avoided
        tally[_BEYOND] += shared - listed - avoided
        tally[_BASIS_UNKNOWN] += unknown
        tally[_CONSENT_MYTH] += myth
        tally[_OTHER_BASIS] += other
        tally[_TOO_MUCH_DETAIL] += detail
        tally[_FAMILY_OFF] += sum(map(self.index.family_off.__getitem__, told))
        if citing:
            judged = self.index.held_by
            kept = [cited for cited in citing if cited[0] in judged]
            self.cited[stage][role].update(kept)  # counted in C
            citers, pid = self.citers[stage], submission.participant_id
            for barrier in set(chain.from_iterable(map(_SECOND, kept))):
                citers[barrier].add(pid)
        if holds_facts:  # what it did with its own facts decides what it missed (`count_expected`)
            self._own[(stage, role)].append((submission.participant_id, found))

    def _judge(self, role: str, plain: tuple) -> int:
        """The number of a key from this role, judged and numbered on first sight."""
        numbers = self._numbers[role]
        number = numbers.get(plain)  # a submission may repeat a key it brought
        if number is not None:
            return number
        key = _Entry._make(plain)
        index = self.index
        number = numbers[key] = len(self._packed)
        fact_id, recipients = key.fact_id, key.share_with
        if (
            fact_id not in index.held_by
        ):  # a fact of a later stage or not in the scenario: not judged
            recipients, packed, decider, sends, flagged = (), 0, _NOT_JUDGED, (), ()
        else:
            if role in recipients or not index.in_play.issuperset(
                recipients
            ):  # only hand-made records
                recipients = tuple(r for r in recipients if r != role and r in index.in_play)
            judged = [index.send(fact_id, role, r, key) for r in recipients]
            packed = 1 + sum(map(_FIRST, judged))
            flags = list(map(_SECOND, judged))
            decider = self._deciders.number((role, fact_id))
            if decider == len(self._keys_of):
                self._keys_of.append(set())
            self._keys_of[decider].add(number)
            # A share's number is its (role, fact)'s, then the recipient's place among the roles in play.
            sends = tuple(
                map((decider * self._width).__add__, map(index.role_order.__getitem__, recipients))
            )
            flagged = (
                tuple(
                    (send, flag) for send, found in zip(sends, flags, strict=True) for flag in found
                )
                if any(flags)  # most keys raise no flag
                else ()
            )
        self._recipients.append(recipients)
        self._packed.append(packed)
        self._decider.append(decider)
        self._sends.append(sends)
        self._flagged.append(flagged)
        return number

    def first_from(self, participant_id: int, stage: int) -> int | None:
        """The first stage at or after `stage` at which the participant submitted."""
        return next((s for s in self._submitted[participant_id] if s >= stage), None)

    def count_expected(self, pictures: _Pictures) -> None:
        """Expected and missed shares, each (participant, fact, recipient) once: at the first stage the
        participant decided while holding the fact. A second, small pass over the holders' submissions,
        role by role and stage by stage, for the own facts some role still needed then."""
        entered = self.index.entered
        for (stage, role), submitted in self._own.items():
            needed = pictures.needed(role, stage)
            people, missed = self.people[stage], self.missed[stage]
            for fact_id, expected in needed.items():
                decider = self._deciders.get((role, fact_id))
                keys = self._keys_of[decider] if decider is not None else _NO_KEYS
                for participant_id, numbers in submitted:
                    if self.first_from(participant_id, entered[fact_id]) != stage:
                        continue  # faced at an earlier stage: counted there
                    tally = people[participant_id]
                    tally[_EXPECTED] += len(expected)
                    sent = self._sent(keys, numbers)
                    for recipient in expected.difference(sent or ()):
                        tally[_MISSED] += 1
                        if sent is None:
                            tally[_UNDECIDED] += 1
                        missed[(fact_id, recipient)] += 1

    def _sent(self, keys: Set[int], numbers: Sequence[int]) -> tuple[str, ...] | None:
        """Whom one submission (its key `numbers`) sent a fact, given the fact's `keys` for its role
        (None: the submission did not decide the fact)."""
        found = keys.intersection(numbers)
        if not found:
            return None
        if (
            len(found) > 1
        ):  # the fact decided twice in one submission (only hand-made): the last counts
            return self._recipients[next(n for n in reversed(numbers) if n in found)]
        return self._recipients[next(iter(found))]

    def counts(self, participant_id: int, stages: Iterable[int]) -> SharingCounts | None:
        """A participant's counts over `stages`; None when they submitted at none of them."""
        found = [self.people[s][participant_id] for s in stages if participant_id in self.people[s]]
        if len(found) == 1:  # one stage's view: nothing to add up
            return SharingCounts._make(found[0])
        return SharingCounts.total(found) if found else None

    def outcomes(self, stage: int) -> dict[tuple[str, str, str], int]:
        """(fact, kind, recipient) -> shares of that kind at `stage` (kind as `_Index.outcome`, a flag
        of `FLAGS`, or "missed")."""
        if stage in self._outcomes:
            return self._outcomes[stage]
        index = self.index
        found: dict[tuple[str, str, str], int] = defaultdict(int)
        for (role, fact_id, recipient), n in self.sharers[stage].items():
            found[(fact_id, index.outcome(fact_id, role, recipient), recipient)] += n
        for (_, fact_id, recipient, flag), n in self.flagged[stage].items():
            found[(fact_id, flag, recipient)] += n
        for (fact_id, recipient), n in self.missed[stage].items():
            found[(fact_id, "missed", recipient)] += n
        self._outcomes[stage] = found
        return found


class _RoleState:
    """One role's picture as `_Pictures` walks the stages: what it knows, their weight, its own facts,
    and every receipt so far (each fact's receipts a tuple, replaced, never mutated: jigsaws keep them)."""

    __slots__ = ("floor", "known", "own", "receipts", "weight")

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.weight = 0
        self.floor: int | None = None  # the highest meets_level among the facts known
        self.own: list[str] = []  # in scenario order
        self.receipts: dict[str, tuple[Receipt, ...]] = {}

    def learn(self, fact_id: str, weight: int, floor: int | None) -> None:
        """Add a fact to the picture (once: a fact both held and received weighs once)."""
        if fact_id not in self.known:
            self.known.add(fact_id)
            self.weight += weight
            if floor and (self.floor is None or floor > self.floor):
                self.floor = floor


class _Pictures:
    """Every role's picture at every stage, while deciding and once revealed, and each stage's jigsaw.

    The rules are `picture.Ledger`'s (a role holds its own facts from the stage they enter; a fact shared
    at stage i reaches the recipient at stage i's reveal; receipts earliest first, one per sending role
    and stage, senders in role order within a stage), but the pictures are built in one walk over the
    stages from what the tally says each role sent (`_Tally.sharers`): the ledger rebuilds a picture
    from every fact each time, and the debrief needs 2 x roles x stages of them. Only what the debrief
    reads is kept."""

    def __init__(
        self, index: _Index, sharers: Sequence[Mapping[tuple[str, str, str], int]]
    ) -> None:
        self.index = index
        levels = index.scenario.levels
        weights = {fact_id: fact.weight for fact_id, fact in index.facts.items()}
        floors = index.floor
        self.known_after: dict[str, list[frozenset[str]]] = {role: [] for role in index.role_ids}
        self.supported: dict[str, list[tuple[int, int, int | None, int]]] = {
            role: [] for role in index.role_ids
        }  # (level, weight, floor, weighed level)
        self.own: dict[str, list[tuple[str, ...]]] = {role: [] for role in index.role_ids}
        self.jigsaws: list[Jigsaw] = []
        self.states = {
            role: _RoleState() for role in index.role_ids
        }  # ends as the last stage's reveal
        for stage in range(index.last + 1):
            entering = _entering(index, stage)
            arriving = _arriving(index, sharers[stage], stage)
            for role, state in self.states.items():
                for fact_id in entering.get(
                    role, ()
                ):  # deciding: the last reveal's picture and its new facts
                    state.own.append(fact_id)
                    state.learn(fact_id, weights[fact_id], floors[fact_id])
                weighed = level_for(state.weight, levels)
                self.supported[role].append(
                    (max(weighed, state.floor or 1), state.weight, state.floor, weighed)
                )
                self.own[role].append(tuple(state.own))
                for fact_id, receipts in arriving.get(role, {}).items():  # the reveal
                    state.receipts[fact_id] = state.receipts.get(fact_id, ()) + receipts
                    state.learn(fact_id, weights[fact_id], floors[fact_id])
                self.known_after[role].append(frozenset(state.known))
            self.jigsaws.append(_jigsaw(index, self.states, stage))
        self._needed: dict[tuple[str, int], dict[str, frozenset[str]]] = {}
        self._expected: dict[tuple[str, int, str], frozenset[str]] = {}

    def first_receipt(self, role: str, fact_id: str) -> int | None:
        """The stage at whose reveal a fact first reached a role (by the last stage analysed), if it did."""
        receipts = self.states[role].receipts.get(fact_id)
        return receipts[0].stage_index if receipts else None

    def needed(self, role: str, stage: int) -> dict[str, frozenset[str]]:
        """The role's own facts by `stage` that guidance still expects it to send, with the recipients."""
        key = (role, stage)
        if key not in self._needed:
            self._needed[key] = {
                f: expected
                for f in self.own[role][stage]
                if (expected := self.expected(role, stage, f))
            }
        return self._needed[key]

    def expected(self, role: str, stage: int, fact_id: str) -> frozenset[str]:
        """Roles guidance expects `role` to send `fact_id` at `stage`: only the holder is asked, and only
        for roles in `share_with` that did not have the fact when the stage opened."""
        key = (role, stage, fact_id)
        found = self._expected.get(key)
        if found is None:
            fact = self.index.facts.get(fact_id)
            if fact is None or fact.held_by != role:
                found = _NOBODY
            else:
                still = [
                    r
                    for r in fact.share_with
                    if r != role and (stage == 0 or fact_id not in self.known_after[r][stage - 1])
                ]
                found = (
                    frozenset(still) if still else _NOBODY
                )  # one shared empty set: most are empty
            self._expected[key] = found
        return found


# ========================================================================================== assembly


def _assemble(index: _Index, tally: _Tally, pictures: _Pictures) -> Debrief:
    scenario, last = index.scenario, index.last
    every = tuple(range(last + 1))
    choices = [_choices(index, tally, pictures, s) for s in every]
    splits = [_splits(found) for found in choices]
    stages = tuple(_stage_view(index, tally, pictures, choices, splits, s) for s in every)
    participant_behaviours = _participant_behaviours(index, tally, every)
    notes = tuple(note for s in every for note in tally.notes[s])
    whole_prompts = tuple(
        p for view in stages for p in view.prompts if p.kind == "scenario"
    ) + tuple(
        _ranked((p for view in stages for p in view.prompts if p.kind != "scenario"), PROMPTS_WHOLE)
    )
    complete = last == len(scenario.stages) - 1
    return Debrief(
        code=index.record.code,
        created_at=index.record.created_at,
        date=index.record.created_at[:10],
        scenario_id=scenario.id,
        title=scenario.title,
        audience=scenario.audience,
        summary=scenario.summary,
        learning_outcomes=scenario.learning_outcomes,
        key_messages=scenario.debrief.key_messages,
        what_happened=scenario.debrief.what_happened if complete else None,
        lead_role=scenario.lead_role,
        stage_count=len(scenario.stages),
        revealed_through=index.record.revealed_through,
        through=last,
        roles=index.roles,
        participants=index.people,
        facts=tuple(index.facts.values()),
        counts=_counts(index, tally, len(notes), sum(view.barriers.total for view in stages)),
        stages=stages,
        act=_could_have_acted(index, pictures),
        jigsaw=stages[-1].jigsaw if stages else None,
        flows=_merge_flows(index, [view.flows for view in stages]),
        judgements=tuple(j for view in stages for j in view.judgements),
        guidance=_merge_guidance(index, [view.guidance for view in stages]),
        participant_behaviours=participant_behaviours,
        role_behaviours=_role_behaviours(index, splits, every, participant_behaviours),
        barriers=_merge_barriers(index, tally, [view.barriers for view in stages]),
        prompts=whole_prompts,
        notes=notes,
        not_acted_on=_not_acted_on(index, tally, pictures),
    )


_NOTHING_FOLLOWS = frozenset({"no_action", "record_only"})


def _not_acted_on(index: _Index, tally: _Tally, pictures: _Pictures) -> tuple[NotActedOn, ...]:
    """Facts guidance sent to a role that reached it, after which everyone of that role who decided at
    the next stage chose no action or to record only."""
    found = []
    for fact in index.facts.values():
        for role in fact.share_with:
            arrived = pictures.first_receipt(role, fact.id)
            if arrived is None or arrived + 1 > index.last:
                continue
            chosen = tally.choices[arrived + 1].get(role, ())
            if chosen and all(d.action in _NOTHING_FOLLOWS for d in chosen):
                found.append(NotActedOn(fact.id, role, arrived, arrived + 1, len(chosen)))
    return tuple(found)


def _stage_view(
    index: _Index,
    tally: _Tally,
    pictures: _Pictures,
    choices: Sequence[Sequence[_Choice]],
    splits: Sequence[Mapping[str, Split]],
    stage: int,
) -> StageView:
    only = (stage,)
    people = _participant_behaviours(index, tally, only)
    submitted = {role: len(tally.choices[stage].get(role, ())) for role in index.role_ids}
    return StageView(
        index=stage,
        id=index.stages[stage].id,
        title=index.stages[stage].title,
        fact_ids=tuple(f.id for f in index.stages[stage].facts),
        submissions=sum(submitted.values()),
        submitted_by_role=submitted,
        jigsaw=pictures.jigsaws[stage],
        flows=_flows(index, tally, stage),
        judgements=tuple(
            _judgement(index, tally, pictures, role, stage) for role in index.role_ids
        ),
        guidance=_guidance(index, tally, stage),
        participants=people,
        roles=_role_behaviours(index, splits, only, people),
        barriers=_barriers(index, tally, stage),
        prompts=_prompts(index, choices[stage], stage),
        notes=tuple(tally.notes[stage]),
    )


def _counts(index: _Index, tally: _Tally, notes: int, barriers_cited: int) -> Counts:
    people = index.people
    return Counts(
        roles_in_play=len(index.role_ids),
        roles_played=sum(role.played for role in index.roles),
        participants=len(people),
        active=sum(p.active for p in people),
        left=sum(not p.active for p in people),
        simulated=sum(p.simulated for p in people),
        stages_analysed=index.last + 1,
        stage_count=len(index.stages),
        submissions=len(index.submissions),
        decisions=sum(c[_DECISIONS] for by_person in tally.people for c in by_person.values()),
        shares=sum(c[_SHARED] for by_person in tally.people for c in by_person.values()),
        barriers_cited=barriers_cited,
        notes=notes,
        carried=tally.carried,
    )


# ------------------------------------------------------------------------------------------ jigsaw


def _entering(index: _Index, stage: int) -> dict[str, list[str]]:
    """The facts entering play at `stage`, by the role that holds them (scenario order)."""
    found: dict[str, list[str]] = defaultdict(list)
    for fact in index.stages[stage].facts:
        found[fact.held_by].append(fact.id)
    return found


def _arriving(
    index: _Index, sent: Iterable[tuple[str, str, str]], stage: int
) -> dict[str, dict[str, tuple[Receipt, ...]]]:
    """What reaches each role at `stage`'s reveal: fact -> one receipt per sending role, in role order.
    `sent` holds (sender, fact, recipient) triples, each once (the keys of `_Tally.sharers`)."""
    receipt = {
        role: Receipt(role, stage) for role in index.role_ids
    }  # equal by value: one each will do
    found: dict[str, dict[str, list[Receipt]]] = defaultdict(lambda: defaultdict(list))
    for sender, fact_id, recipient in sorted(sent, key=lambda send: index.role_order[send[0]]):
        found[recipient][fact_id].append(receipt[sender])
    return {
        recipient: {fact_id: tuple(got) for fact_id, got in by_fact.items()}
        for recipient, by_fact in found.items()
    }


def _jigsaw(index: _Index, states: Mapping[str, _RoleState], stage: int) -> Jigsaw:
    """The jigsaw from every role's picture once `stage` is revealed (`states`, in role order)."""
    fact_ids = index.in_play_by[stage]
    levels, held_by, entered = index.scenario.levels, index.held_by, index.entered
    whole_weight = sum(index.facts[f].weight for f in fact_ids)
    whole = PictureShare(
        "*",
        whole_weight,
        len(fact_ids),
        picture_level(whole_weight, levels, map(index.floor.__getitem__, fact_ids)),
        whole_weight,
        len(fact_ids),
    )
    cells: list[CellState] = []
    received, shares = [], []
    for role, state in states.items():
        known = state.known
        # A fact in play has entered by `stage`, so its holder holds it: "own" needs no stage test here.
        cells.extend(
            "own" if held_by[f] == role else "received" if f in known else "unknown"
            for f in fact_ids
        )
        received.append(
            {
                f: state.receipts[f]
                for f in sorted(state.receipts, key=index.fact_order.__getitem__)
                if not (held_by[f] == role and entered[f] <= stage)
            }
        )
        shares.append(
            PictureShare(
                role,
                state.weight,
                len(known),
                max(level_for(state.weight, levels), state.floor or 1),
                whole.weight,
                whole.count,
            )
        )
    lead = index.scenario.lead_role
    lead_share = next((share for share in shares if share.role_id == lead), None)
    # What the lead lacked: only facts guidance sends it (a refuge address it must not hold is no gap).
    lead_missing = (
        tuple(f for f in fact_ids if lead in index.share_with[f] and f not in states[lead].known)
        if lead_share
        else ()
    )
    return Jigsaw(
        stage,
        index.role_ids,
        fact_ids,
        tuple(cells),
        tuple(received),
        tuple(shares),
        whole,
        lead_share,
        lead_missing,
    )


# ------------------------------------------------------------------------------------------ acting


def _could_have_acted(index: _Index, pictures: _Pictures) -> CouldHaveActed:
    lead, last = index.scenario.lead_role, index.last
    if lead not in index.in_play:
        return CouldHaveActed(lead, None, None, None, last, "no_lead", ())
    acts_at = index.snapshot.roles[lead].threshold.acts_at
    actual = next(
        (j.stage_index for j in pictures.jigsaws if j.lead is not None and j.lead.level >= acts_at),
        None,
    )
    possible = _possible_stage(index, acts_at)
    if actual is not None:
        status = "on_time" if possible is not None and actual <= possible else "late"
    elif possible is None:
        status = "never"
    else:
        status = "missed" if possible <= last else "not_yet"
    horizon = actual if actual is not None else last
    late = []
    for fact in index.facts.values():
        if lead not in fact.share_with or fact.stage_index > horizon:
            continue
        arrived = pictures.first_receipt(lead, fact.id)
        if arrived is None or arrived > fact.stage_index:
            late.append(LateFact(fact.id, fact.stage_index, arrived))
    return CouldHaveActed(lead, acts_at, actual, possible, last, status, tuple(late))


def _possible_stage(index: _Index, acts_at: int) -> int | None:
    """The first stage, over the whole scenario, at whose reveal the lead role could act had every holder
    shared each fact as guidance says when it entered (`picture.act_stages`' "possible", without building
    the ideal workshop's submissions): the lead then knows its own facts and those guidance sends it."""
    scenario, lead = index.scenario, index.scenario.lead_role
    weight, floors = 0, [1]
    for stage_index, stage in enumerate(scenario.stages):
        reaching = [f for f in stage.facts if f.held_by == lead or lead in f.guidance.share_with]
        weight += sum(f.weight for f in reaching)
        floors += [f.meets_level for f in reaching if f.meets_level]
        if max(level_for(weight, scenario.levels), *floors) >= acts_at:
            return stage_index
    return None


# ------------------------------------------------------------------------------------------- flows


def _flows(index: _Index, tally: _Tally, stage: int) -> Flows:
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    facts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (sender, fact_id, recipient), n in tally.sharers[stage].items():
        pair = (sender, recipient)
        pairs[pair] += n
        facts[pair].add(fact_id)
    return _flows_from(index, pairs, facts, stage)


def _merge_flows(index: _Index, parts: Sequence[Flows]) -> Flows:
    """The whole workshop's flows: the stages' summed."""
    pairs: Counter[tuple[str, str]] = Counter()
    facts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for part in parts:
        for flow in part.flows:
            pairs[(flow.sender, flow.recipient)] += flow.shares
            facts[(flow.sender, flow.recipient)].update(flow.fact_ids)
    return _flows_from(index, pairs, facts, None)


def _flows_from(
    index: _Index,
    pairs: Mapping[tuple[str, str], int],
    facts: Mapping[tuple[str, str], set[str]],
    label: int | None,
) -> Flows:
    order = index.fact_order.__getitem__
    flows = tuple(
        Flow(s, r, pairs[(s, r)], tuple(sorted(facts[(s, r)], key=order)))
        for s in index.role_ids
        for r in index.role_ids
        if pairs.get((s, r))
    )
    return Flows(label, index.role_ids, flows)


# --------------------------------------------------------------------------------------- judgement


def _judgement(
    index: _Index, tally: _Tally, pictures: _Pictures, role: str, stage: int
) -> Judgement:
    chosen = tally.choices[stage].get(role, [])
    levels = tuple(sorted(d.level for d in chosen))
    actions = Counter(d.action for d in chosen)
    supported, weight, floor, weighed = pictures.supported[role][stage]
    return Judgement(
        role_id=role,
        stage_index=stage,
        levels=levels,
        level_counts={level: levels.count(level) for level in (1, 2, 3, 4)},
        actions={
            action: actions[action]
            for action in (*ACTIONS, *sorted(set(actions) - set(ACTIONS)))
            if actions[action]
        },
        supported=supported,
        supported_weight=weight,
        confidence_mean=round(sum(d.confidence for d in chosen) / len(chosen), 2)
        if chosen
        else None,
        lead=role == index.scenario.lead_role,
        floor=floor,
        weighed=weighed,
    )


# ---------------------------------------------------------------------------------------- guidance


def _guidance(index: _Index, tally: _Tally, stage: int) -> tuple[FactGuidance, ...]:
    """Each fact decided (or shared) at `stage` against guidance: counts by recipient, in role order."""
    decisions: dict[str, int] = defaultdict(int)
    for (_, fact_id), n in tally.deciders[stage].items():
        decisions[fact_id] += n
    by_fact: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    # Counted in recipient role order, so that each count comes out in that order without a sort of its own.
    for (fact_id, kind, recipient), n in sorted(
        tally.outcomes(stage).items(), key=lambda item: index.role_order[item[0][2]]
    ):
        for name in _GUIDANCE_KIND[kind]:
            counts = by_fact[fact_id].setdefault(name, {})
            counts[recipient] = counts.get(recipient, 0) + n
    return tuple(
        FactGuidance(
            fact_id,
            stage,
            decisions.get(fact_id, 0),
            **{kind: kinds.get(kind) or {} for kind in _GUIDANCE_KINDS},
        )
        for fact_id in index.fact_ids
        if fact_id in decisions or fact_id in by_fact
        for kinds in [by_fact.get(fact_id, {})]
    )


_GUIDANCE_KINDS = ("as_guidance", "missed", "over_shared", "beyond", "onward", *FLAGS)
_GUIDANCE_KIND = {
    "as_guidance": ("as_guidance",),
    "onward": ("as_guidance", "onward"),
    "missed": ("missed",),
    "over_avoid": ("over_shared",),
    "beyond": ("beyond",),
    **{flag: (flag,) for flag in FLAGS},
}  # outcome -> `FactGuidance` fields it counts in


def _merge_guidance(
    index: _Index, parts: Sequence[Sequence[FactGuidance]]
) -> tuple[FactGuidance, ...]:
    """The whole workshop's comparison with guidance: the stages' summed, for every fact in play."""
    by_fact: dict[str, list[FactGuidance]] = defaultdict(list)
    for part in parts:
        for found in part:
            by_fact[found.fact_id].append(found)
    return tuple(  # every fact in play: one nobody decided on (its role unplayed) shows as "not decided"
        FactGuidance(
            fact_id,
            None,
            sum(f.decisions for f in found),
            **{
                kind: _in_role_order(index, _summed(getattr(f, kind) for f in found))
                for kind in _GUIDANCE_KINDS
            },
        )
        for fact_id in index.fact_ids
        for found in [by_fact.get(fact_id, [])]
    )


def _participant_behaviours(
    index: _Index, tally: _Tally, stages: Sequence[int]
) -> tuple[Behaviour, ...]:
    """Each participant with a submission at these stages, in role then label order."""
    result = []
    for person in index.people:
        counts = tally.counts(person.id, stages)
        if counts is not None:
            result.append(Behaviour(person.label, person.role_id, _classify(counts, None), counts))
    return tuple(result)


def _role_behaviours(
    index: _Index,
    splits: Sequence[Mapping[str, Split]],
    stages: Sequence[int],
    people: Sequence[Behaviour],
) -> tuple[Behaviour, ...]:
    """Each role in play: its participants' counts pooled, and how often they split."""
    pooled: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    for behaviour in people:
        pooled[behaviour.role_id].append(behaviour.counts)
    result = []
    for role in index.role_ids:
        counts = SharingCounts.total(pooled.get(role, []))
        found = [splits[s][role] for s in stages if role in splits[s]]
        split = Split(sum(x.faced for x in found), sum(x.contested for x in found))
        result.append(Behaviour(role, role, _classify(counts, split), counts, split))
    return tuple(result)


def _splits(choices: Sequence[_Choice]) -> dict[str, Split]:
    """Per role: the choices its participants faced together (two or more deciders), and how many split."""
    faced: Counter[str] = Counter()
    contested: Counter[str] = Counter()
    for choice in choices:
        if choice.deciders >= 2:
            faced[choice.role] += 1
            contested[choice.role] += choice.contested
    return {role: Split(n, contested[role]) for role, n in faced.items()}


class _Choice(NamedTuple):
    """The participants of one role facing one recipient for one fact at one stage, where guidance has a
    verdict: the recipient should get it (`expected`) or should not (`avoid`). (A named tuple: there are
    tens of thousands in a big workshop.)"""

    role: str
    fact_id: str
    recipient: str
    verdict: Literal["expected", "avoid"]
    sharers: int
    deciders: int

    @property
    def rate(self) -> float:
        return self.sharers / self.deciders

    @property
    def contested(self) -> bool:
        return 0 < self.sharers < self.deciders


def _choices(index: _Index, tally: _Tally, pictures: _Pictures, stage: int) -> list[_Choice]:
    sharers = tally.sharers[stage]
    found = []
    for (role, fact_id), n in tally.deciders[stage].items():
        for verdict, recipients in (
            ("expected", pictures.expected(role, stage, fact_id)),
            ("avoid", index.avoid[fact_id]),
        ):
            for recipient in recipients:
                if recipient != role:
                    found.append(
                        _Choice(
                            role,
                            fact_id,
                            recipient,
                            verdict,
                            sharers.get((role, fact_id, recipient), 0),
                            n,
                        )
                    )
    # Role, fact and recipient order: every later tie-break is then stable and readable.
    found.sort(
        key=lambda c: (
            index.role_order[c.role],
            index.fact_order[c.fact_id],
            index.role_order[c.recipient],
        )
    )
    return found


def _classify(counts: SharingCounts, split: Split | None) -> BehaviourLabel:
    """The rule in the module docstring (and `CLASSIFICATION_RULE`)."""
    if not counts.expected and not counts.shared:
        return "unclassified"
    missing_high = (counts.missing_rate or 0.0) >= HIGH_RATE
    over_high = (counts.over_sharing_rate or 0.0) >= HIGH_RATE
    split_high = split is not None and (split.rate or 0.0) >= HIGH_SPLIT
    if (missing_high and over_high) or split_high:
        return "chaotic"
    if over_high:
        return "over-open"
    if missing_high:
        return "over-cautious"
    return "ideal"


# ---------------------------------------------------------------------------------------- barriers


def _barriers(index: _Index, tally: _Tally, stage: int) -> Barriers:
    """The barriers first cited at one stage on facts the debrief judges, from each role's
    (fact, barriers) counts: the myths among them are those of `play.verdicts.myths_for` for each fact,
    and consent on a contested fact is a discussion point."""
    by_role: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_fact: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    myths: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    discussion: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    decisions: Counter[tuple[str, str]] = Counter()  # (barrier, fact or "*") -> decisions citing it
    myths_of, discussion_of = index.myths_of, index.discussion_of
    for role, cited in tally.cited[stage].items():
        for (fact_id, barriers, left_out), n in cited.items():
            # A myth only in the holder's mouth: a role that should never have had the fact believed none.
            holder = index.held_by[fact_id] == role
            mythic = myths_of[fact_id] if holder else frozenset()
            open_question = discussion_of[fact_id] if holder else frozenset()
            times = n * left_out  # once per agency left out
            for barrier in barriers:
                by_role[barrier][role] += times
                by_fact[barrier][fact_id] += times
                decisions[(barrier, "*")] += n
                if barrier in mythic:
                    myths[(barrier, fact_id)][role] += times
                    decisions[(barrier, fact_id)] += n
                elif barrier in open_question:
                    discussion[(barrier, fact_id)][role] += times
                    decisions[(barrier, fact_id)] += n
    people = {barrier: len(ids) for barrier, ids in tally.citers[stage].items()}
    return _barriers_from(index, by_role, by_fact, myths, discussion, people, decisions)


def _merge_barriers(index: _Index, tally: _Tally, parts: Sequence[Barriers]) -> Barriers:
    """The whole workshop's barriers: the stages' summed (people: distinct over every stage)."""
    by_role: dict[str, Counter[str]] = defaultdict(Counter)
    by_fact: dict[str, Counter[str]] = defaultdict(Counter)
    myths: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    discussion: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for part in parts:
        for count in part.counts:
            by_role[count.barrier_id].update(count.by_role)
            by_fact[count.barrier_id].update(count.by_fact)
        for myth in part.myths:
            myths[(myth.barrier_id, myth.fact_id)].update(myth.by_role)
        for point in part.discussion:
            discussion[(point.barrier_id, point.fact_id)].update(point.by_role)
    decisions: Counter[tuple[str, str]] = Counter()
    for part in parts:
        for count in part.counts:
            decisions[(count.barrier_id, "*")] += count.decisions
        for cited in (*part.myths, *part.discussion):
            decisions[(cited.barrier_id, cited.fact_id)] += cited.decisions
    citers: dict[str, set[int]] = defaultdict(set)
    for by_barrier in tally.citers:
        for barrier, ids in by_barrier.items():
            citers[barrier].update(ids)
    people = {barrier: len(ids) for barrier, ids in citers.items()}
    return _barriers_from(index, by_role, by_fact, myths, discussion, people, decisions)


def _barriers_from(
    index: _Index,
    by_role: Mapping[str, Mapping[str, int]],
    by_fact: Mapping[str, Mapping[str, int]],
    myths: Mapping[tuple[str, str], Mapping[str, int]],
    discussion: Mapping[tuple[str, str], Mapping[str, int]],
    people: Mapping[str, int],
    decisions: Mapping[tuple[str, str], int],
) -> Barriers:
    """Barriers most cited first (then in reference order), myths, and the role cards behind them."""
    ref = reference()
    audience = index.scenario.audience
    reference_order = {barrier_id: n for n, barrier_id in enumerate(ref.barriers)}
    mythic = {barrier for barrier, _ in myths}
    counts = []
    for barrier, roles in by_role.items():
        known = ref.barriers.get(barrier)
        counts.append(
            BarrierCount(
                barrier_id=barrier,
                label=known.label if known else barrier,
                cluster=known.cluster if known else "",
                sentence=known.sentence if known else "",
                explanation=_explanation(barrier, audience),
                myth=barrier in mythic,
                appropriate=bool(known and known.appropriate),
                count=sum(roles.values()),
                by_role=_in_role_order(index, roles),
                by_fact=_in_fact_order(index, by_fact[barrier]),
                people=people.get(barrier, 0),
                decisions=decisions.get((barrier, "*"), 0),
            )
        )
    counts.sort(
        key=lambda c: (
            -c.count,
            reference_order.get(c.barrier_id, len(reference_order)),
            c.barrier_id,
        )
    )

    def citations(
        found: Mapping[tuple[str, str], Mapping[str, int]], kind: Literal["myth", "discussion"]
    ) -> tuple[MythCitation, ...]:
        return tuple(
            sorted(
                (
                    MythCitation(
                        barrier,
                        fact_id,
                        sum(roles.values()),
                        _in_role_order(index, roles),
                        index.facts[fact_id].gateway,
                        index.facts[fact_id].gateway_label,
                        index.facts[fact_id].why,
                        _explanation(barrier, audience),
                        kind,
                        decisions.get((barrier, fact_id), 0),
                    )
                    for (barrier, fact_id), roles in found.items()
                ),
                key=lambda m: (-m.count, index.fact_order[m.fact_id], m.barrier_id),
            )
        )

    links = tuple(
        ConstraintLink(role_id, constraint.id, constraint.text, constraint.barrier, n)
        for role_id in index.role_ids
        for constraint in index.snapshot.roles[role_id].constraints
        if (
            n := by_role[constraint.barrier].get(role_id, 0) if constraint.barrier in by_role else 0
        )
    )
    return Barriers(
        sum(c.count for c in counts),
        tuple(counts),
        citations(myths, "myth"),
        links,
        citations(discussion, "discussion"),
    )


def _explanation(barrier_id: str, audience: str) -> str:
    """What a barrier is, for this audience (the reference's per-audience text, else its general one)."""
    known = reference().barriers.get(barrier_id)
    return known.explanation_for(audience) if known is not None else ""


# ----------------------------------------------------------------------------------------- prompts


def _prompts(index: _Index, choices: Sequence[_Choice], stage: int) -> tuple[Prompt, ...]:
    """The stage's own prompts, then the `PROMPTS_PER_STAGE` largest divergences at it."""
    own = tuple(Prompt(text, "scenario", stage) for text in index.stages[stage].prompts)
    short = {role.id: role.short_name for role in index.roles}
    kept = _ranked(_divergences(index, choices, stage, short), PROMPTS_PER_STAGE)
    return own + tuple(divergence.write() for divergence in kept)


class _Divergence(NamedTuple):
    """A generated prompt ranked before it is worded: a big workshop has thousands of divergences, and
    only the few largest become prompts."""

    score: float
    kind: str
    stage_index: int
    write: Callable[[], Prompt]


_KIND_ORDER = {"split": 0, "contrast": 1, "over_shared": 2}


def _ranked(prompts: Iterable[Prompt | _Divergence], keep: int) -> list:
    """The `keep` largest divergences, largest first; ties keep the order found (role, fact, recipient),
    splits first (`nsmallest` is a stable sort cut short)."""
    return nsmallest(
        keep, prompts, key=lambda p: (-p.score, _KIND_ORDER.get(p.kind, 3), p.stage_index)
    )


def _divergences(
    index: _Index, choices: Sequence[_Choice], stage: int, short: Mapping[str, str]
) -> Iterator[_Divergence]:
    """Prompts from one stage's choices: a role's participants split; a fact sent where guidance says
    not to; one role sharing with a recipient while another withheld from it."""
    for c in choices:
        if c.verdict == "avoid" and c.sharers:
            yield _Divergence(
                c.rate, "over_shared", stage, partial(_over_shared_prompt, index, c, stage, short)
            )
        elif c.verdict == "expected" and c.contested:
            yield _Divergence(
                2 * min(c.sharers, c.deciders - c.sharers) / c.deciders,
                "split",
                stage,
                partial(_split_prompt, index, c, stage, short),
            )
    yield from _contrasts(index, choices, stage, short)


def attributed(index_roles: Iterable[RoleInfo], role_id: str) -> bool:
    """Whether the room may see a role named beside what its participants did: only where at least
    `PRIVACY_MIN` of its players decided at every stage where any of them did (otherwise "one agency"),
    so that nobody is singled out, not even to the others who play it at a stage where one of three
    decided."""
    return any(r.id == role_id and r.deciding >= PRIVACY_MIN for r in index_roles)


def _named(index: _Index, c: _Choice) -> bool:
    """Whether a prompt may name the agency and count the people behind one choice: the agency is
    `attributed` and at least `PRIVACY_MIN` of its players made this choice at this stage (one officer
    adding a recipient at stage 2 is one person, however many play the police)."""
    return attributed(index.roles, c.role) and c.deciders >= PRIVACY_MIN


def _who(index: _Index, c: _Choice, short: Mapping[str, str]) -> str:
    """ "3 School participants" (or "one agency's participants"): who faced a choice."""
    if not _named(index, c):
        return "the participants of one agency"
    return f"{c.deciders} {short[c.role]} participant" + ("s" if c.deciders > 1 else "")


def _over_shared_prompt(index: _Index, c: _Choice, stage: int, short: Mapping[str, str]) -> Prompt:
    """A fact sent where guidance says it should not go."""
    who = f"{c.sharers} of {_who(index, c, short)}" if _named(index, c) else "One agency"
    return Prompt(
        f"{who} sent \u201c{index.facts[c.fact_id].short}\u201d to "
        f"{short[c.recipient]}, which guidance says should not have it. What made it feel necessary?",
        "over_shared",
        stage,
        c.rate,
        (c.role, c.recipient),
        (c.fact_id,),
    )


def _split_prompt(index: _Index, c: _Choice, stage: int, short: Mapping[str, str]) -> Prompt:
    """A role's participants split on sending a fact where guidance sends it."""
    text = (
        f"{c.sharers} of {_who(index, c, short)} shared \u201c{index.facts[c.fact_id].short}\u201d "
        f"with {short[c.recipient]}; {c.deciders - c.sharers} did not. What made the difference?"
        if _named(index, c)
        else f"Within one agency, some shared \u201c{index.facts[c.fact_id].short}\u201d with "
        f"{short[c.recipient]} and some did not. What made the difference?"
    )
    return Prompt(
        text,
        "split",
        stage,
        2 * min(c.sharers, c.deciders - c.sharers) / c.deciders,
        (c.role, c.recipient),
        (c.fact_id,),
    )


def _contrasts(
    index: _Index, choices: Sequence[_Choice], stage: int, short: Mapping[str, str]
) -> Iterator[_Divergence]:
    """For each recipient: the role that most often shared a fact guidance sends it, against another
    role that mostly withheld one (both must have played)."""
    by_recipient: dict[str, list[_Choice]] = defaultdict(list)
    for c in choices:
        if c.verdict == "expected":
            by_recipient[c.recipient].append(c)
    for recipient in index.role_ids:
        found = by_recipient.get(recipient)
        if not found:
            continue
        best = max(
            found, key=lambda c: c.rate
        )  # the first of equals: choices are in role, fact order
        worst = min((c for c in found if c.role != best.role), key=lambda c: c.rate, default=None)
        if worst is None or best.rate < 0.5 or worst.rate >= 0.5:
            continue
        yield _Divergence(
            best.rate - worst.rate,
            "contrast",
            stage,
            partial(_contrast_prompt, index, best, worst, stage, short),
        )


def _contrast_prompt(
    index: _Index, best: _Choice, worst: _Choice, stage: int, short: Mapping[str, str]
) -> Prompt:
    """One role shared with a recipient what guidance sends it; another mostly withheld from it."""
    one = short[best.role] if _named(index, best) else "One agency"
    other = short[worst.role] if _named(index, worst) else "another"
    return Prompt(
        f"{one} shared \u201c{index.facts[best.fact_id].short}\u201d with "
        f"{short[best.recipient]}; {other} did not share "
        f"\u201c{index.facts[worst.fact_id].short}\u201d. Why?",
        "contrast",
        stage,
        best.rate - worst.rate,
        (best.role, worst.role, best.recipient),
        (best.fact_id, worst.fact_id),
    )


# ============================================================================================ helpers


def _modes(counts: Mapping) -> tuple:
    top = max(counts.values(), default=0)
    return tuple(key for key, n in counts.items() if n == top) if top else ()


def _in_role_order(index: _Index, counts: Mapping[str, int] | None) -> dict[str, int]:
    """Non-zero counts keyed by role, in role order."""
    if not counts:
        return {}
    return {
        role: counts[role]
        for role in sorted(counts, key=index.role_order.__getitem__)
        if counts[role]
    }


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Counts added up key by key (a plain dict: `Counter.update` adds in Python, one key at a time)."""
    total: dict[str, int] = defaultdict(int)
    for found in counts:
        for key, n in found.items():
            total[key] += n
    return total


def _in_fact_order(index: _Index, counts: Mapping[str, int]) -> dict[str, int]:
    """Non-zero counts keyed by fact, in scenario order."""
    return {
        fact: counts[fact]
        for fact in sorted(counts, key=index.fact_order.__getitem__)
        if counts[fact]
    }


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _cited(decisions: int, left_out: int) -> str:
    """A barrier's counts: decisions citing it, and the agencies left out by them (each counted once)."""
    return (
        f"{_plural(decisions, 'decision', 'decisions')}, "
        f"{_plural(left_out, 'agency', 'agencies')} left out"
    )


def _pct(rate: float | None) -> str:
    return "" if rate is None else f" ({rate:.0%})"


def _shorten(text: str, limit: int = 72) -> str:
    """Text cut at a word boundary to `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text.rstrip(".")
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "\u2026"
