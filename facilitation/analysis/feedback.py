"""A participant's own feedback after a reveal: what guidance says about each fact they decided, and how
their shares, reasons, detail, telling the family and level compare. Built on the same verdict rules as
the debrief (`play.verdicts`), so the laptop and the projector never disagree.

`feedback(record, analysis, participant_id, stage)` returns plain text lines; the play page only draws
them (as text, never HTML). Decisions carry forward: at each stage the feedback covers what the
participant decided there for the first time (a new fact, or recipients added to an earlier share);
repeated decisions are listed as carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from facilitation.analysis.debrief import Debrief, FactInfo
from facilitation.content import reference
from facilitation.play import (
    PRIVACY_MIN,
    FactDecision,
    WorkshopRecord,
    basis_verdict,
    detail_verdict,
    family_verdict,
    level_verdict,
    share_verdict,
)

__all__ = ["FactFeedback", "Feedback", "LevelFeedback", "Line", "feedback"]

Mark = Literal["ok", "warn", "missed", "info"]
_MARKS = {"ok": "\u2713", "warn": "\u26a0", "missed": "\u2717", "info": "\u2022"}
_CONSENT = {
    "not_required": "not required",
    "seek_unless_unsafe": "seek it unless that is unsafe",
    "required": "required",
    "contested": "contested: partnership protocols differ",
}
_FAMILY = {
    "yes": "tell the family",
    "not_if_unsafe": "tell the family unless that would put someone at risk",
    "no": "do not tell the family",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One verdict, with its mark (ok, warn, missed, info)."""

    mark: Mark
    text: str

    def __str__(self) -> str:
        return f"{_MARKS[self.mark]} {self.text}"


@dataclass(frozen=True, slots=True)
class LevelFeedback:
    """The level the participant chose against the picture their role held."""

    said: int | None
    supported: int
    weighed: int | None
    floor: int | None
    verdict: str  # play.verdicts.level_verdict, or "" when they did not submit
    lead: bool
    colleagues: tuple[
        int, ...
    ]  # everyone playing the role: their levels, sorted (() if < PRIVACY_MIN)


@dataclass(frozen=True, slots=True)
class FactFeedback:
    """One fact: what guidance says, and the participant's lines."""

    fact_id: str
    text: str
    guidance: str
    why: str
    lines: tuple[Line, ...]
    carried: bool  # decided at an earlier stage and unchanged here
    colleagues: str  # what everyone in the role did, when PRIVACY_MIN or more did ("" otherwise)


@dataclass(frozen=True, slots=True)
class Feedback:
    """A participant's feedback at one revealed stage."""

    stage_index: int
    submitted: bool
    level: LevelFeedback
    facts: tuple[FactFeedback, ...]


def feedback(
    record: WorkshopRecord, analysis: Debrief, participant_id: int, stage: int
) -> Feedback | None:
    """The feedback for one participant at one revealed stage (None if the stage is not analysed)."""
    if not 0 <= stage <= analysis.through:
        return None
    person = next((p for p in record.participants if p.id == participant_id), None)
    if person is None:
        return None
    role = person.role_id
    mine = {
        s.stage_index: s.decision for s in record.submissions if s.participant_id == participant_id
    }
    decision = mine.get(stage)
    earlier = _shared_before(mine, stage)
    colleagues = [
        s.decision for s in record.submissions if s.role_id == role and s.stage_index == stage
    ]
    judgement = analysis.stage(stage).judgement(role)
    level = LevelFeedback(
        said=decision.level if decision else None,
        supported=judgement.supported,
        weighed=judgement.weighed,
        floor=judgement.floor,
        verdict=level_verdict(decision.level, judgement.supported, judgement.floor, judgement.lead)
        if decision
        else "",
        lead=judgement.lead,
        # With fewer, a participant could work out a colleague's levels from their own.
        colleagues=judgement.levels if len(judgement.levels) >= PRIVACY_MIN else (),
    )
    if decision is None:
        entries = [
            FactDecision(fact_id=f.id)
            for f in analysis.facts
            if f.held_by == role and f.stage_index <= stage
        ]
    else:
        entries = list(decision.facts)
    facts = []
    known = {f.id for f in analysis.facts}
    for entry in entries:
        if entry.fact_id not in known:
            continue
        info = analysis.fact(entry.fact_id)
        before = earlier.get(entry.fact_id)
        carried = before is not None and set(entry.share_with) <= before
        facts.append(
            FactFeedback(
                fact_id=info.id,
                text=info.text,
                guidance=_guidance_line(analysis, info, role),
                why=info.why,
                lines=()
                if decision is None
                else tuple(
                    _lines(
                        record, analysis, info, role, entry, before or set(), first=before is None
                    )
                ),
                carried=carried,
                colleagues=_colleagues(analysis, info, role, colleagues),
            )
        )
    return Feedback(stage, decision is not None, level, tuple(facts))


def _shared_before(mine: dict, stage: int) -> dict[str, set[str]]:
    """Fact -> everyone the participant shared it with at earlier stages."""
    found: dict[str, set[str]] = {}
    for index in sorted(s for s in mine if s < stage):
        for entry in mine[index].facts:
            found.setdefault(entry.fact_id, set()).update(entry.share_with)
    return found


def _guidance_line(analysis: Debrief, fact: FactInfo, role: str) -> str:
    should = [analysis.short(r) for r in fact.share_with if r != role]
    avoid = [analysis.short(r) for r in fact.avoid]
    concern = [analysis.short(r) for r in fact.concern_only]
    holder = (
        ""
        if fact.held_by == role
        else f" (guidance is addressed to {analysis.short(fact.held_by)}, who held it first)"
    )
    onward = [analysis.short(r) for r in fact.onward if r != role]
    gateways = [_gateway_title(g) for g in fact.gateways]
    return (
        f"Guidance{holder}: share with {', '.join(should) or 'nobody'}"
        + (f" (the concern only with {', '.join(concern)})" if concern else "")
        + (f"; not with {', '.join(avoid)}" if avoid else "")
        + (f"; a recipient may pass it on to {', '.join(onward)}" if onward else "")
        + (f"; lawful basis: {'; '.join(gateways)}" if gateways else "")
        + f"; consent: {_CONSENT[fact.consent]}; {_FAMILY[fact.tell_family]}."
    )


def _lines(
    record: WorkshopRecord,
    analysis: Debrief,
    info: FactInfo,
    role: str,
    entry: FactDecision,
    before: set[str],
    *,
    first: bool,
) -> list[Line]:
    fact = record.snapshot.scenario.fact(info.id)
    reasons = reference().reasons
    lines = []
    for recipient in entry.share_with:
        name = analysis.short(recipient)
        if recipient in before:
            lines.append(Line("info", f"Shared with {name} at an earlier stage (it stands)."))
            continue
        kind = share_verdict(fact, role, recipient)
        if kind == "over_avoid":
            lines.append(Line("warn", f"Shared with {name}: guidance says not to (over-sharing)."))
        elif kind == "onward":
            lines.append(Line("ok", f"Passed on to {name}, as guidance allows a recipient to."))
        elif kind == "as_guidance":
            lines.append(Line("ok", f"Shared with {name}, as guidance says."))
        else:
            lines.append(Line("info", f"Shared with {name}: guidance does not mention it."))
        reason = entry.reason_for(recipient)
        basis = basis_verdict(fact, recipient, reason, entry.gateway)
        words = reasons[reason].words if reason in reasons else None
        if basis == "unknown":
            lines.append(
                Line(
                    "info",
                    f"Basis for {name} not known: seek advice (a learning point, not a fault).",
                )
            )
        elif basis == "consent_myth":
            lines.append(
                Line(
                    "warn",
                    f"You relied on consent for {name}; guidance does not: consent is not the basis here.",
                )
            )
        elif basis == "other":
            lines.append(
                Line(
                    "warn",
                    f"Your reason for {name} ({words or _gateway_title(entry.gateway)}) is not the "
                    "one guidance gives.",
                )
            )
        elif basis == "right" and words:
            lines.append(Line("ok", f"Your reason for {name} ({words}) is one guidance accepts."))
        detail = detail_verdict(fact, recipient, recipient in entry.concern_only)
        if detail == "too_much":
            lines.append(
                Line("warn", f"You shared the detail with {name}; the concern alone is enough.")
            )
        elif detail == "too_little":
            lines.append(
                Line(
                    "info", f"You shared only the concern with {name}; guidance shares the detail."
                )
            )
    if fact.held_by == role and first:
        for recipient in info.share_with:
            if recipient != role and recipient not in entry.share_with:
                lines.append(
                    Line(
                        "missed",
                        f"Not shared with {analysis.short(recipient)}: guidance says it should go there.",
                    )
                )
    if first and entry.share_with:
        family = family_verdict(fact, entry.tell_family)
        if family == "not_told":
            lines.append(Line("warn", "Guidance says to tell the family you are sharing this."))
        elif family == "told":
            lines.append(
                Line("warn", "Guidance says not to tell the family: it could put someone at risk.")
            )
    if not entry.share_with and not lines:
        lines.append(Line("info", "You kept it within your agency."))
    if entry.barriers:
        held = "; ".join(
            reference().barriers[b].sentence for b in entry.barriers if b in reference().barriers
        )
        lines.append(Line("info", f"What held you back: {held}"))
    return lines


def _gateway_title(gateway_id: str | None) -> str:
    """A gateway as people read it: its title in the reference data (the id only if it has none)."""
    known = reference().gateways.get(gateway_id or "")
    return known.label if known is not None else (gateway_id or "none given")


def _colleagues(analysis: Debrief, info: FactInfo, role: str, colleagues: list) -> str:
    if len(colleagues) < PRIVACY_MIN:  # with fewer, one's own answers give away a colleague's
        return ""
    counts = {
        r.id: sum(1 for d in colleagues if (e := d.for_fact(info.id)) and r.id in e.share_with)
        for r in analysis.roles
        if r.id != role
    }
    shared = [f"{analysis.short(r)} {n} of {len(colleagues)}" for r, n in counts.items() if n]
    return (
        f"Everyone playing {analysis.short(role)} ({len(colleagues)}): "
        + ("shared with " + ", ".join(shared) if shared else "nobody shared it")
        + "."
    )
