"""The verdict rules: how guidance judges one share, its basis, its detail, telling the family, a cited
barrier and a level of need. The single source of these rules: the debrief (`facilitation.analysis`)
and a participant's own feedback after a reveal (`analysis.feedback`) both call them.

Pure functions of a fact (its guidance), the scenario's audience and what a participant chose. The rules
(docs/scenario-format.md, "The teaching model"):

- **share**: the holder's share to a role in `avoid` is over-sharing; another agency's onward share is
  over-sharing only when the recipient is in `avoid` and not in `onward`. A share to a role in
  `share_with` (or, onward, in `onward`) is as guidance; anything else is beyond guidance (counted, not
  judged).
- **basis**: the reason given against the acceptable reasons for that recipient (`reasons`, else the
  reasons the recipient's gateways back). `not_sure` or no reason is "basis unknown: seek advice" (a
  learning point, never over-sharing); `agreed` where consent is not an acceptable reason is the
  consent myth in action; another reason not acceptable is "another basis"; a fact with no acceptable
  reason cannot be judged. Workshops from before the reasons gave a gateway: judged against the
  recipient's gateways the same way.
- **detail**: sharing the detail where guidance says the concern is the proportionate share is more
  than needed; the concern where guidance wants the detail is less.
- **family**: `yes` wants the family told; `no` wants them not told; `not_if_unsafe` accepts either.
  Judged once per participant and fact, at the first decision, and only where it shares the fact.
- **myths**: a barrier is a myth for a fact when the fact's `myths` lists it; by default when the
  reference marks it a myth for the scenario's audience, except `consent` where the fact's consent is
  anything but `not_required`. With `consent: contested` the consent barrier is a discussion point.
- **level**: a picture's level is the higher of its weighed level and the highest `meets_level` among
  its facts. The lead's chosen level is judged against it; another role's only against the floor its
  `meets_level` facts set (below it is a verdict; the weighed level is information).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Literal

from facilitation.content import Fact, reference

__all__ = [
    "BASIS_KINDS",
    "CONSENT_REASON",
    "NOT_SURE",
    "BasisKind",
    "DetailKind",
    "FamilyKind",
    "LevelKind",
    "ShareKind",
    "acceptable_reasons",
    "basis_verdict",
    "detail_verdict",
    "discussion_points",
    "family_verdict",
    "level_verdict",
    "myths_for",
    "picture_level",
    "share_verdict",
    "weighed_level",
]

ShareKind = Literal["as_guidance", "onward", "over_avoid", "beyond"]
BasisKind = Literal["right", "consent_myth", "unknown", "other", "unjudged"]
DetailKind = Literal["as_guidance", "too_much", "too_little"]
FamilyKind = Literal["as_guidance", "told", "not_told"]
LevelKind = Literal["as_expected", "above", "below", "information"]
BASIS_KINDS: tuple[BasisKind, ...] = ("right", "consent_myth", "unknown", "other", "unjudged")
NOT_SURE = "not_sure"
CONSENT_REASON = "agreed"
# Gateway ids that are consent (the old single `consent` id, and the two layers it was split into).
_CONSENT_GATEWAYS = frozenset({"consent", "consent_common_law", "consent_ukgdpr"})


def share_verdict(fact: Fact, sender: str, recipient: str) -> ShareKind:
    """How guidance judges `sender` sharing `fact` with `recipient`."""
    guidance = fact.guidance
    if sender == fact.held_by:
        if recipient in guidance.avoid:
            return "over_avoid"
        return "as_guidance" if recipient in guidance.share_with else "beyond"
    if recipient in guidance.onward:
        return "onward"
    if recipient in guidance.avoid:
        return "over_avoid"
    return "as_guidance" if recipient in guidance.share_with else "beyond"


@cache
def _gateway_reasons(gateways: tuple[str, ...]) -> frozenset[str]:
    known = reference().gateways
    return frozenset(r for g in gateways if g in known for r in known[g].reasons)


def acceptable_reasons(fact: Fact, recipient: str) -> frozenset[str]:
    """The practitioner reasons guidance accepts for sharing `fact` with `recipient`."""
    guidance = fact.guidance
    if guidance.reasons is not None:
        return frozenset(guidance.reasons) - {NOT_SURE}
    return _gateway_reasons(guidance.gateways_for(recipient)) - {NOT_SURE}


def basis_verdict(
    fact: Fact, recipient: str, reason: str | None, gateway: str | None = None
) -> BasisKind:
    """How guidance judges the basis given for one share (a reason, or a gateway in older workshops)."""
    if reason is None and gateway is not None:
        return _gateway_verdict(fact, recipient, gateway)
    if reason is None or reason == NOT_SURE:
        return "unknown"
    acceptable = acceptable_reasons(fact, recipient)
    if not acceptable:
        return "unjudged"
    if reason in acceptable:
        return "right"
    return "consent_myth" if reason == CONSENT_REASON else "other"


def _gateway_verdict(fact: Fact, recipient: str, gateway: str) -> BasisKind:
    gateways = fact.guidance.gateways_for(recipient)
    if not gateways and fact.guidance.reasons is None:
        return "unjudged"
    if gateway in gateways:
        return "right"
    if gateway in _CONSENT_GATEWAYS:
        return "right" if CONSENT_REASON in acceptable_reasons(fact, recipient) else "consent_myth"
    backs = _gateway_reasons((gateway,))
    return "right" if backs & acceptable_reasons(fact, recipient) else "other"


def detail_verdict(fact: Fact, recipient: str, concern_only: bool) -> DetailKind:
    """How guidance judges sharing the concern only (or the detail) with `recipient`."""
    wanted = fact.guidance.detail_for(recipient)
    if wanted == "concern" and not concern_only:
        return "too_much"
    if wanted == "detail" and concern_only:
        return "too_little"
    return "as_guidance"


def family_verdict(fact: Fact, told: bool) -> FamilyKind:
    """How guidance judges telling (or not telling) the family about sharing `fact`."""
    wanted = fact.guidance.family
    if wanted == "yes" and not told:
        return "not_told"
    if wanted == "no" and told:
        return "told"
    return "as_guidance"


def myths_for(fact: Fact, audience: str) -> frozenset[str]:
    """The barriers that are misconceptions when cited on this fact."""
    guidance = fact.guidance
    if guidance.myths is not None:
        return frozenset(guidance.myths)
    found = set()
    for barrier_id, barrier in reference().barriers.items():
        if not barrier.is_myth(audience):
            continue
        if barrier_id == "consent" and guidance.consent != "not_required":
            continue  # consent sought, required or contested: waiting for it is no myth here
        found.add(barrier_id)
    return frozenset(found)


def discussion_points(fact: Fact) -> frozenset[str]:
    """Barriers whose citation on this fact is a discussion point (partnerships differ), never a myth."""
    return frozenset({"consent"}) if fact.guidance.consent == "contested" else frozenset()


def weighed_level(weight: int, levels: Mapping[int, int]) -> int:
    """Level of need (1-4) that a total weight of known facts reaches against a scenario's `levels`."""
    reached = 1
    for level in (2, 3, 4):
        if weight >= levels[level]:
            reached = level
    return reached


def picture_level(weight: int, levels: Mapping[int, int], floors: Iterable[int | None] = ()) -> int:
    """A picture's level: the higher of its weighed level and the highest `meets_level` among its facts."""
    return max(weighed_level(weight, levels), max((f for f in floors if f), default=1))


def level_verdict(chosen: int, supported: int, floor: int | None, lead: bool) -> LevelKind:
    """How a chosen level compares with the picture: a verdict for the lead, and for any role below the
    floor its `meets_level` facts set; otherwise information."""
    if lead:
        return "above" if chosen > supported else "below" if chosen < supported else "as_expected"
    if floor is not None and chosen < floor:
        return "below"
    return "information" if chosen != supported else "as_expected"
