"""What the room's screen may attribute: a debrief with small agencies pooled, for the projector.

The rule (issue 12, item 8): on the projector a role is named beside what its participants did only
where at least `PRIVACY_MIN` people play it (`debrief.attributed`). The others are pooled: as
"Other agencies" when that pool holds at least two agencies and `PRIVACY_MIN` people, else (a pool of
one agency, or of too few people, could be told apart by elimination) the whole room is pooled as
"All agencies". `projected(debrief)` applies the rule to every per-role figure a projector view draws:
who shared with whom (senders and recipients), the levels of need chosen, each agency's sharing
behaviour, and the roles behind each barrier. What each agency *knows* (the jigsaw, "who knew what")
is a picture per agency, never a breakdown by participant, and stays as it is; notes and generated
prompts already say "one agency" (`debrief_view`, `debrief._who`). Who has not yet decided is never in
a debrief at all (`StageView.submitted_by_role` is pooled too).

Pure: a debrief in, a debrief out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from facilitation.analysis.debrief import (
    PRIVACY_MIN,
    Barriers,
    Behaviour,
    Debrief,
    Flow,
    Flows,
    Judgement,
    MythCitation,
    RoleInfo,
    SharingCounts,
    StageView,
    _classify,
    attributed,
)

__all__ = ["ALL_AGENCIES", "OTHER_AGENCIES", "pooling", "projected"]

OTHER_AGENCIES = "Other agencies"  # agencies with fewer than PRIVACY_MIN people, pooled
ALL_AGENCIES = "All agencies"  # the whole room pooled (no pool of the small ones would be safe)


def pooling(roles: Sequence[RoleInfo]) -> dict[str, str]:
    """Each role in play -> what the projector calls it: its own id where `attributed`, else a pool's
    label (`OTHER_AGENCIES`, or `ALL_AGENCIES` for every role when the small ones cannot be pooled
    safely: one agency alone, or fewer than `PRIVACY_MIN` people)."""
    named = {r.id for r in roles if attributed(roles, r.id)}
    small = [r for r in roles if r.played and r.id not in named]
    if not small:
        return {r.id: r.id for r in roles}
    safe = len(small) >= 2 and sum(r.participants for r in small) >= PRIVACY_MIN
    if named and safe:
        return {r.id: r.id if r.id in named else OTHER_AGENCIES for r in roles}
    return {r.id: ALL_AGENCIES for r in roles}


def projected(debrief: Debrief) -> Debrief:
    """The debrief as the projector may show it: every per-role figure pooled by `pooling`."""
    groups = pooling(debrief.roles)
    if all(role == label for role, label in groups.items()):
        return debrief
    order = tuple(dict.fromkeys(groups[r.id] for r in debrief.roles))
    facts = {fact.id: n for n, fact in enumerate(debrief.facts)}
    stages = tuple(_stage(view, groups, order, facts) for view in debrief.stages)
    return replace(
        debrief,
        stages=stages,
        flows=_flows(debrief.flows, groups, order, facts),
        judgements=tuple(j for view in stages for j in view.judgements),
        participant_behaviours=(),  # never on the room's screen
        role_behaviours=_behaviours(debrief.role_behaviours, groups, order),
        barriers=_barriers(debrief.barriers, groups),
        not_acted_on=tuple(n for n in debrief.not_acted_on if groups[n.role_id] == n.role_id),
    )


def _stage(
    view: StageView, groups: Mapping[str, str], order: Sequence[str], facts: Mapping[str, int]
) -> StageView:
    return replace(
        view,
        submitted_by_role=_summed(view.submitted_by_role, groups),
        flows=_flows(view.flows, groups, order, facts),
        judgements=_judgements(view.judgements, groups, order),
        participants=(),
        roles=_behaviours(view.roles, groups, order),
        barriers=_barriers(view.barriers, groups),
    )


def _summed(counts: Mapping[str, int], groups: Mapping[str, str]) -> dict[str, int]:
    found: Counter[str] = Counter()
    for role_id, n in counts.items():
        found[groups.get(role_id, role_id)] += n
    return dict(found)


def _flows(
    flows: Flows, groups: Mapping[str, str], order: Sequence[str], facts: Mapping[str, int]
) -> Flows:
    shares: Counter[tuple[str, str]] = Counter()
    sent: dict[tuple[str, str], set[str]] = {}
    for flow in flows.flows:
        pair = (groups[flow.sender], groups[flow.recipient])  # within a pool: its diagonal
        shares[pair] += flow.shares
        sent.setdefault(pair, set()).update(flow.fact_ids)
    rank = {label: n for n, label in enumerate(order)}
    return Flows(
        flows.stage_index,
        tuple(order),
        tuple(
            Flow(sender, recipient, shares[(sender, recipient)], tuple(sorted(ids, key=facts.get)))
            for (sender, recipient), ids in sorted(
                sent.items(), key=lambda item: (rank[item[0][0]], rank[item[0][1]])
            )
        ),
    )


def _judgements(
    judgements: Iterable[Judgement], groups: Mapping[str, str], order: Sequence[str]
) -> tuple[Judgement, ...]:
    """Named roles' judgements as they are; a pool's levels and actions summed, with no one picture
    (`supported` 0: the charts draw no picture marker for it) and no verdict."""
    pooled: dict[str, list[Judgement]] = {}
    for judgement in judgements:
        pooled.setdefault(groups[judgement.role_id], []).append(judgement)
    result = []
    for label in order:
        members = pooled.get(label, [])
        if len(members) == 1 and members[0].role_id == label:
            result.append(members[0])
            continue
        if not members:
            continue
        levels = tuple(sorted(level for j in members for level in j.levels))
        actions: Counter[str] = Counter()
        for j in members:
            actions.update(j.actions)
        means = [(j.confidence_mean, j.participants) for j in members if j.confidence_mean]
        people = sum(n for _, n in means)
        result.append(
            Judgement(
                role_id=label,
                stage_index=members[0].stage_index,
                levels=levels,
                level_counts={n: levels.count(n) for n in (1, 2, 3, 4)},
                actions=dict(actions),
                supported=0,
                supported_weight=0,
                confidence_mean=sum(m * n for m, n in means) / people if people else None,
            )
        )
    return tuple(result)


def _behaviours(
    behaviours: Iterable[Behaviour], groups: Mapping[str, str], order: Sequence[str]
) -> tuple[Behaviour, ...]:
    """Named roles' behaviours as they are; a pool's counts summed and classified afresh (no split:
    its participants play different agencies)."""
    pooled: dict[str, list[Behaviour]] = {}
    for behaviour in behaviours:
        pooled.setdefault(groups[behaviour.role_id], []).append(behaviour)
    result = []
    for label in order:
        members = pooled.get(label, [])
        if len(members) == 1 and members[0].role_id == label:
            result.append(members[0])
        elif members:
            counts = SharingCounts.total([b.counts for b in members])
            result.append(Behaviour(label, label, _classify(counts, None), counts))
    return tuple(result)


def _barriers(barriers: Barriers, groups: Mapping[str, str]) -> Barriers:
    return replace(
        barriers,
        counts=tuple(replace(c, by_role=_summed(c.by_role, groups)) for c in barriers.counts),
        myths=tuple(_cited(m, groups) for m in barriers.myths),
        discussion=tuple(_cited(m, groups) for m in barriers.discussion),
        constraints=tuple(c for c in barriers.constraints if groups[c.role_id] == c.role_id),
    )


def _cited(citation: MythCitation, groups: Mapping[str, str]) -> MythCitation:
    return replace(citation, by_role=_summed(citation.by_role, groups))
