"""What the room's screen may attribute: a debrief with small agencies pooled, for the projector.

The rule (issue 12, item 8): on the projector a role is named beside what its participants did only
where at least `PRIVACY_MIN` of its players decided at every stage where any did (`debrief.attributed`,
`RoleInfo.deciding`). The others are pooled: as "Other agencies" when that pool holds at least two
agencies and `PRIVACY_MIN` people deciding, else (a pool of
one agency, or of too few people, could be told apart by elimination) the whole room is pooled as
"All agencies". `projected(debrief)` applies the rule to every per-role figure a projector view draws:
who shared with whom (senders and recipients), the levels of need chosen, each agency's sharing
behaviour, and the roles behind each barrier.

A fact's handling (its `FactGuidance`: decisions, counts by recipient, verdict) is the choice of its
holder and of any agency that passed it on, so it is shown fact by fact only where all of those are
named (`_span`). The others' facts are summed, per stage and overall, into one
`Debrief.pooled_guidance` entry under the pool's label (recipients pooled as everywhere), only where
the pooled agencies among their holders and senders form a safe pool (`_safe`: the test `pooling`
applies), else not at all; the laws panel's reasons, the myth citations, the barriers' counts by fact
and the generated prompts about such a fact go too. The fact itself, what guidance says of it and the
scenario's own prompts are content and stay. What each agency *knows* (the jigsaw, "who knew what")
is a picture per agency and stays, but who told it is a sender's choice: the jigsaw's senders are
pooled as the flows' are (`_jigsaw`). Notes say "one agency" (`debrief_view`). Who has not yet decided
is never in a debrief at all (`StageView.submitted_by_role` is pooled too). Per-seat working data (the facilitator's own screen, the CSV and the JSON's
`decisions`) is not projected: docs/security.md.

Pure: a debrief in, a debrief out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from facilitation.analysis.debrief import (
    _GUIDANCE_KINDS,
    PRIVACY_MIN,
    Barriers,
    Behaviour,
    Debrief,
    FactGuidance,
    Flow,
    Flows,
    Jigsaw,
    Judgement,
    MythCitation,
    Prompt,
    RoleInfo,
    SharingCounts,
    StageView,
    _classify,
    attributed,
)
from facilitation.analysis.law_layers import LawPanel
from facilitation.play import Receipt

__all__ = [
    "ALL_AGENCIES",
    "OTHER_AGENCIES",
    "handling_hidden",
    "pooling",
    "projected",
    "projected_panel",
]

OTHER_AGENCIES = "Other agencies"  # agencies with fewer than PRIVACY_MIN people deciding, pooled
ALL_AGENCIES = "All agencies"  # the whole room pooled (no pool of the small ones would be safe)


def pooling(roles: Sequence[RoleInfo]) -> dict[str, str]:
    """Each role in play -> what the projector calls it: its own id where `attributed`, else a pool's
    label (`OTHER_AGENCIES`, or `ALL_AGENCIES` for every role when the small ones are not
    `_safe_pool`: one agency alone, or fewer than `PRIVACY_MIN` people deciding at a stage)."""
    named = {r.id for r in roles if attributed(roles, r.id)}
    small = [r for r in roles if r.played and r.id not in named]
    if not small:
        return {r.id: r.id for r in roles}
    if named and _safe_pool(small):
        return {r.id: r.id if r.id in named else OTHER_AGENCIES for r in roles}
    return {r.id: ALL_AGENCIES for r in roles}


def handling_hidden(debrief: Debrief, fact_id: str) -> bool:
    """Whether `projected` left out a fact's own handling (its holder, or an agency that passed it on,
    with fewer than `PRIVACY_MIN` people deciding): it is then only in `Debrief.pooled_guidance`, if anywhere."""
    return all(g.fact_id != fact_id for g in debrief.guidance)


def projected_panel(panel: LawPanel, shown: Debrief) -> LawPanel:
    """The laws panel of one fact as the projector may show it beside `shown` (a `projected` debrief):
    without the room's reasons on a fact whose handling it pools."""
    return _unreasoned(panel) if handling_hidden(shown, panel.fact_id) else panel


def _unreasoned(panel: LawPanel) -> LawPanel:
    """The panel without the room's reasons (`shares` 0: the views then draw no such column)."""
    return replace(panel, shares=0, rows=tuple(replace(r, reasons_touching=0) for r in panel.rows))


def projected(debrief: Debrief) -> Debrief:
    """The debrief as the projector may show it: every per-role figure pooled by `pooling`, and the
    handling of facts that would single out a small agency pooled too."""
    groups = pooling(debrief.roles)
    if all(role == label for role, label in groups.items()):
        return debrief
    order = tuple(dict.fromkeys(groups[r.id] for r in debrief.roles))
    facts = {fact.id: n for n, fact in enumerate(debrief.facts)}
    at = [_span(debrief, view.flows, view.guidance, groups).hidden for view in debrief.stages]
    whole = _span(debrief, debrief.flows, debrief.guidance, groups, *at)
    hidden = whole.hidden
    # A fact pooled at any stage is pooled at every one: its own stages beside the whole would tell.
    spans = [_span(debrief, view.flows, view.guidance, groups, hidden) for view in debrief.stages]
    stages = tuple(
        replace(_stage(view, groups, order, facts, hidden), prompts=_prompts(view, hidden))
        for view in debrief.stages
    )
    pooled = []
    # Each stage's pool only where every one is safe: the whole less the stages shown would tell.
    if all(span.safe(debrief.roles, groups) for span in spans if span.found):
        pooled += [
            _pooled(span, view.index, debrief.roles, groups, order)
            for view, span in zip(debrief.stages, spans, strict=True)
            if span.found
        ]
    if whole.found and whole.safe(debrief.roles, groups):
        pooled.append(_pooled(whole, None, debrief.roles, groups, order))
    panel = debrief.law_panel
    if panel is not None and panel.fact_id in hidden:
        panel = _unreasoned(panel)
    return replace(
        debrief,
        stages=stages,
        flows=_flows(debrief.flows, groups, order, facts),
        judgements=tuple(j for view in stages for j in view.judgements),
        guidance=tuple(g for g in debrief.guidance if g.fact_id not in hidden),
        pooled_guidance=tuple(pooled),
        participant_behaviours=(),  # never on the room's screen
        role_behaviours=_behaviours(debrief.role_behaviours, groups, order),
        barriers=_barriers(debrief.barriers, groups, hidden),
        not_acted_on=tuple(n for n in debrief.not_acted_on if groups[n.role_id] == n.role_id),
        law_panel=panel,
        prompts=_prompts(debrief, hidden),
        jigsaw=_jigsaw(debrief.jigsaw, groups),
    )


def _prompts(found: Debrief | StageView, hidden: frozenset[str]) -> tuple[Prompt, ...]:
    """The scenario's prompts, and the generated ones about facts whose handling may be shown (one
    about a pooled fact, "One agency sent ...", names its holder by the fact)."""
    return tuple(
        p for p in found.prompts if p.kind == "scenario" or not hidden.intersection(p.fact_ids)
    )


def _pool_label(groups: Mapping[str, str]) -> str:
    return next((label for role, label in groups.items() if label != role), ALL_AGENCIES)


def _safe(roles: Sequence[RoleInfo], role_ids: Iterable[str], groups: Mapping[str, str]) -> bool:
    """Whether figures summed over these roles' choices single nobody out: the pooled ones among them
    (a named agency's own totals are on the screen, so it hides nobody) none, or `_safe_pool`."""
    wanted = set(role_ids)
    members = [r for r in roles if r.id in wanted and r.played and groups.get(r.id) != r.id]
    return not members or _safe_pool(members)


def _safe_pool(members: Sequence[RoleInfo]) -> bool:
    """Whether figures summed over these roles single nobody out: at least two agencies and
    `PRIVACY_MIN` people deciding, overall and at every stage where any of them decided (one officer
    alone at stage 2 beside two GPs who decided only at stage 1 is that officer's stage 2)."""
    if len(members) < 2 or sum(r.deciding for r in members) < PRIVACY_MIN:
        return False
    for stage in range(max(len(r.deciding_at) for r in members)):
        deciding = [r.deciding_at[stage] for r in members if stage < len(r.deciding_at)]
        deciding = [n for n in deciding if n]
        if deciding and (len(deciding) < 2 or sum(deciding) < PRIVACY_MIN):
            return False
    return True


@dataclass(frozen=True, slots=True)
class _Span:
    """One stage's (or the whole workshop's) facts whose handling is pooled, and whose choices it sums."""

    hidden: frozenset[str]
    found: tuple[FactGuidance, ...]  # the hidden facts' handling
    holders: frozenset[str]  # their holders that decided them
    senders: frozenset[str]  # the roles that passed them on

    def safe(self, roles: Sequence[RoleInfo], groups: Mapping[str, str]) -> bool:
        """Whether the pooled sum may be shown: its holders and senders together a safe pool."""
        return _safe(roles, self.holders | self.senders, groups)


def _span(
    debrief: Debrief,
    flows: Flows,
    guidance: Iterable[FactGuidance],
    groups: Mapping[str, str],
    *also: frozenset[str],
) -> _Span:
    """The facts whose handling in `flows`' span would single out a small agency (held by a played
    role that is not named, or passed on by one), and `also` these, with the roles whose choices
    their figures count."""
    played = {r.id for r in debrief.roles if r.played}
    holder = {fact.id: fact.held_by for fact in debrief.facts}
    hidden = {f for f, role in holder.items() if role in played and groups.get(role, role) != role}
    hidden.update(*also)
    for flow in flows.flows:
        if groups.get(flow.sender, flow.sender) != flow.sender:
            hidden.update(f for f in flow.fact_ids if holder.get(f) != flow.sender)
    found = tuple(g for g in guidance if g.fact_id in hidden)
    senders = {
        flow.sender
        for flow in flows.flows
        for f in flow.fact_ids
        if f in hidden and holder.get(f) != flow.sender
    }
    holders = {holder[g.fact_id] for g in found if g.decisions and holder.get(g.fact_id) in played}
    return _Span(frozenset(hidden), found, frozenset(holders), frozenset(senders))


def _pooled(
    span: _Span,
    stage_index: int | None,
    roles: Sequence[RoleInfo],
    groups: Mapping[str, str],
    order: Sequence[str],
) -> FactGuidance:
    """Facts' handling summed into one entry named for the pool, its recipients pooled as well; the
    onward count (recipients' own choices) only where those who passed them on are a safe pool."""
    rank = {label: n for n, label in enumerate(order)}
    onward_safe = _safe(roles, span.senders, groups)

    def total(kind: str) -> dict[str, int]:
        if kind == "onward" and not onward_safe:
            return {}
        counts: Counter[str] = Counter()
        for g in span.found:
            counts.update(_summed(getattr(g, kind), groups))
        return {k: counts[k] for k in sorted(counts, key=lambda k: rank.get(k, len(rank)))}

    return FactGuidance(
        _pool_label(groups),
        stage_index,
        sum(g.decisions for g in span.found),
        **{kind: total(kind) for kind in _GUIDANCE_KINDS},
    )


def _stage(
    view: StageView,
    groups: Mapping[str, str],
    order: Sequence[str],
    facts: Mapping[str, int],
    hidden: frozenset[str],
) -> StageView:
    return replace(
        view,
        submitted_by_role=_summed(view.submitted_by_role, groups),
        flows=_flows(view.flows, groups, order, facts),
        judgements=_judgements(view.judgements, groups, order),
        guidance=tuple(g for g in view.guidance if g.fact_id not in hidden),
        participants=(),
        roles=_behaviours(view.roles, groups, order),
        barriers=_barriers(view.barriers, groups, hidden),
        jigsaw=_jigsaw(view.jigsaw, groups),
    )


def _jigsaw(jigsaw: Jigsaw | None, groups: Mapping[str, str]) -> Jigsaw | None:
    """The jigsaw with each fact's senders pooled as the flows' are: what every agency knows stays,
    who told it is named only where the sender is ("from Other agencies, stage 2")."""
    if jigsaw is None:
        return None
    received = tuple(
        {fact_id: _receipts(receipts, groups) for fact_id, receipts in by_fact.items()}
        for by_fact in jigsaw.received
    )
    return replace(jigsaw, received=received)


def _receipts(receipts: Iterable[Receipt], groups: Mapping[str, str]) -> tuple[Receipt, ...]:
    """Receipts with their senders pooled, earliest first, one per pooled sender and stage."""
    return tuple(
        dict.fromkeys(
            Receipt(groups.get(r.from_role, r.from_role), r.stage_index) for r in receipts
        )
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


def _barriers(barriers: Barriers, groups: Mapping[str, str], hidden: frozenset[str]) -> Barriers:
    """Roles pooled; a citation on a fact whose handling is pooled, or by a small agency, left out
    (the fact would tell who cited it)."""
    return replace(
        barriers,
        counts=tuple(
            replace(
                c,
                by_role=_summed(c.by_role, groups),
                by_fact={f: n for f, n in c.by_fact.items() if f not in hidden},
            )
            for c in barriers.counts
        ),
        myths=_citations(barriers.myths, groups, hidden),
        discussion=_citations(barriers.discussion, groups, hidden),
        constraints=tuple(c for c in barriers.constraints if groups[c.role_id] == c.role_id),
    )


def _citations(
    citations: Iterable[MythCitation], groups: Mapping[str, str], hidden: frozenset[str]
) -> tuple[MythCitation, ...]:
    return tuple(
        replace(c, by_role=_summed(c.by_role, groups))
        for c in citations
        if c.fact_id not in hidden and all(groups.get(r, r) == r for r in c.by_role)
    )
