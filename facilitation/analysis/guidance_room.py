"""The guidance-following room: a debrief of a workshop played exactly as guidance says must be clean.

`play.follow_guidance` plays a practitioner who does what guidance says; `problems(debrief)` lists every
place its debrief is not clean (a missed share, an over-share, a share for a reason guidance does not
accept or with no acceptable reason at all, more detail than guidance wants, the family told against
guidance, a level judged above or below, a participant not ideal), each naming the fact or role. A
scenario whose guidance-following room is not clean contradicts itself: `easi lint` fails it
(`check_guidance_room`) and `easi simulate --follow-guidance` prints the same problems.
"""

from __future__ import annotations

from facilitation.analysis.debrief import Debrief, analyse
from facilitation.content import Snapshot
from facilitation.play import guidance_record

__all__ = ["problems", "room_problems"]

_FLAG_WORDS = {
    "over_shared": "is shared with {to}, which guidance says to avoid",
    "missed": "is not shared with {to}, as guidance says it should be",
    "basis_unknown": "goes to {to} with no reason guidance accepts (its gateways back none)",
    "consent_myth": "goes to {to} on consent, which guidance does not accept",
    "other_basis": "goes to {to} for a reason guidance does not accept",
    "too_much_detail": "goes to {to} in detail where guidance wants the concern only",
}


def problems(debrief: Debrief) -> list[tuple[str, str]]:
    """(fact id or role id, what is wrong) for each place a guidance-following room is not clean."""
    found: list[tuple[str, str]] = []
    for guidance in debrief.guidance:
        ungated = set(debrief.fact(guidance.fact_id).ungated)  # the lint's debrief check says so
        for kind, words in _FLAG_WORDS.items():
            for recipient in getattr(guidance, kind):
                if kind == "basis_unknown" and recipient in ungated:
                    continue
                found.append(
                    (guidance.fact_id, f"fact '{guidance.fact_id}' {words.format(to=recipient)}")
                )
    for judgement in debrief.judgements:
        if judgement.above or judgement.below:
            found.append(
                (
                    judgement.role_id,
                    f"{judgement.role_id} at stage {judgement.stage_index + 1}: the level its "
                    f"picture supports ({judgement.supported}) is judged "
                    + ("above" if judgement.above else "below"),
                )
            )
    for behaviour in debrief.participant_behaviours:
        counts = behaviour.counts
        if counts.family_off:
            found.append(
                (
                    behaviour.role_id,
                    f"{behaviour.subject}: telling the family as guidance says is judged against "
                    "guidance",
                )
            )
        if behaviour.label not in ("ideal", "unclassified"):
            found.append((behaviour.role_id, f"{behaviour.subject} is {behaviour.label}"))
    return found


def room_problems(snapshot: Snapshot) -> list[tuple[str, str]]:
    """`problems` of the debrief of a room that follows guidance exactly (one participant per role)."""
    return problems(analyse(guidance_record(snapshot)))
