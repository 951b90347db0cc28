"""The layers of "what lets me share", for one fact: which gateways of the reference data answer each
layer (shared/design/domain.md, "The layers"), and which layers the room's own reasons touched.

Pure: a snapshot and, optionally, a workshop record in; a panel out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from facilitation.content import Snapshot, reference
from facilitation.play import WorkshopRecord

__all__ = ["LAW_COMMISSION", "LAYER_QUESTIONS", "LawPanel", "LayerRow", "law_layers", "panel_fact"]

# Each layer's name and the question it answers, in the order a lawful share is built (domain.md).
LAYER_QUESTIONS: dict[str, tuple[str, str]] = {
    "power_duty": ("Power or duty", "May my organisation do this at all?"),
    "data_protection": ("Data protection", "Which UK GDPR Article 6 basis?"),
    "special_category": (
        "Special category and offence data",
        "For health and similar data, which Article 9 condition (DPA 2018 Schedule 1)?",
    ),
    "law_enforcement": (
        "Law enforcement processing",
        "For the police and probation: DPA 2018 Part 3.",
    ),
    "confidentiality": (
        "Confidentiality (common law)",
        "Was it given in confidence, and what overrides that?",
    ),
    "human_rights": (
        "Human rights",
        "Is it a necessary and proportionate interference with Article 8?",
    ),
}

LAW_COMMISSION = (
    "A lawful share needs several of these at once, and practitioners mix them up. The Law Commission "
    "(Data Sharing between Public Bodies, Law Com No 351, 2014) found the gateways numerous and "
    "confusing, and that many obstacles to sharing are cultural, not legal."
)


@dataclass(frozen=True)
class LayerRow:
    """One layer of a lawful share for this fact."""

    layer: str
    title: str
    question: str
    gateways: tuple[tuple[str, str], ...]  # (label, summary) of the fact's gateways in this layer
    reasons_touching: int  # the room's shares of this fact whose reason speaks to this layer


@dataclass(frozen=True)
class LawPanel:
    """The layers behind a lawful share of one fact."""

    fact_id: str
    fact_label: str
    rows: tuple[LayerRow, ...]
    shares: int  # the room's shares of this fact that gave a reason (0 without a record)


def _gateway_ids(snapshot: Snapshot, fact_id: str) -> tuple[str, ...]:
    guidance = snapshot.scenario.fact(fact_id).guidance
    ids = list(guidance.all_gateways)
    for recipient in guidance.recipients:
        ids += guidance.gateways_for(recipient)
    return tuple(dict.fromkeys(ids))


def panel_fact(snapshot: Snapshot, through: int | None = None) -> str | None:
    """The fact whose gateways answer the most layers (the first such), among the stages up to
    `through` (all by default): the richest example the room has seen."""
    gateways = reference().gateways
    best, best_layers = None, 0
    stages = (
        snapshot.scenario.stages if through is None else snapshot.scenario.stages[: through + 1]
    )
    for fact in (fact for stage in stages for fact in stage.facts):
        layers = {gateways[g].layer for g in _gateway_ids(snapshot, fact.id) if g in gateways}
        if len(layers) > best_layers:
            best, best_layers = fact.id, len(layers)
    return best


def _reasons_given(record: WorkshopRecord | None, fact_id: str) -> tuple[int, Counter]:
    """(shares of the fact that gave a reason, how many of them touch each layer), each participant's
    share counted once."""
    if record is None:
        return 0, Counter()
    reasons = reference().reasons
    latest: dict[int, set[str]] = {}
    for submission in sorted(record.submissions, key=lambda s: s.stage_index):
        entry = submission.decision.for_fact(fact_id)
        if entry is None or not entry.share_with:
            continue
        given = {entry.reason_for(recipient) for recipient in entry.share_with} - {None}
        latest[submission.participant_id] = given  # a later stage's entry repeats and may change it
    touching: Counter = Counter()
    for given in latest.values():
        touching.update({layer for reason in given for layer in reasons[reason].layers})
    return sum(1 for given in latest.values() if given), touching


def law_layers(snapshot: Snapshot, fact_id: str, record: WorkshopRecord | None = None) -> LawPanel:
    """Every layer of a lawful share of `fact_id`: the fact's gateways that answer it (from the fact's
    guidance and its per-recipient routes) and how many of the room's reasons spoke to it."""
    fact = snapshot.scenario.fact(fact_id)
    gateways = reference().gateways
    by_layer: dict[str, list[tuple[str, str]]] = {layer: [] for layer in LAYER_QUESTIONS}
    for gateway_id in _gateway_ids(snapshot, fact_id):
        gateway = gateways.get(gateway_id)
        if gateway is not None:
            by_layer[gateway.layer].append((gateway.label, gateway.summary))
    shares, touching = _reasons_given(record, fact_id)
    rows = tuple(
        LayerRow(layer, title, question, tuple(by_layer[layer]), touching.get(layer, 0))
        for layer, (title, question) in LAYER_QUESTIONS.items()
    )
    return LawPanel(fact.id, fact.label or fact.id, rows, shares)
