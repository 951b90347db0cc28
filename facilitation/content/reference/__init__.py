"""Reference data shipped with the app: reasons, barriers, legal gateways, levels of need and actions.

The data lives in YAML beside this module (so trainers and reviewers can read it) and is loaded once,
validated into immutable models, and cached. Every entry names the public source it was taken from; the
law is English law and guidance as at December 2026 (docs/library.md).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from facilitation.content.models import AGENCIES, AgencyKind, Audience

__all__ = [
    "AGENCIES",
    "CLUSTERS",
    "LAYERS",
    "Action",
    "Agency",
    "AudienceView",
    "Barrier",
    "Cluster",
    "Gateway",
    "Layer",
    "Level",
    "Reason",
    "Reference",
    "reference",
]

_HERE = Path(__file__).parent

Agency = AgencyKind  # the kinds of service a role card names (`Role.agency`): one list, in models
Layer = Literal[
    "power_duty",
    "data_protection",
    "special_category",
    "law_enforcement",
    "confidentiality",
    "human_rights",
]
LAYERS: tuple[str, ...] = Layer.__args__  # type: ignore[attr-defined]
# The clusters the Centre's delegates drew their barriers into, in the order a room reads them.
Cluster = Literal["trust", "fear", "risk", "relationships", "processes", "leadership"]
CLUSTERS: tuple[str, ...] = Cluster.__args__  # type: ignore[attr-defined]
ReasonId = Literal["agreed", "duty", "prevent_harm", "direct_care", "legal_order", "not_sure"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Frozen):
    """A reason for sharing in a practitioner's own words, and the law behind it (for the facilitator)."""

    id: ReasonId
    words: str = Field(description="What the practitioner picks, in plain words.")
    layers: tuple[Layer, ...] = Field(description="The legal layers this reason speaks to.")
    explanation: str = Field(description="For the facilitator: the law behind the reason.")
    source: str = Field(description="The public source the explanation is taken from.")


class AudienceView(_Frozen):
    """What a barrier is for one audience: a myth to bust, or not, and why."""

    myth: bool
    explanation: str


class Barrier(_Frozen):
    """A reason a practitioner gives for not sharing, with what it really is."""

    id: str
    label: str
    cluster: Cluster
    sentence: str = Field(description="What the participant says, in the first person.")
    explanation: str = Field(description="What the debrief says about it.")
    myth: bool = Field(
        False,
        description="Legacy flag (children's reading): cited against guidance that needs no "
        "consent, it is a myth to bust. Prefer `audiences`.",
    )
    appropriate: bool = Field(
        False, description="Can be a sound reason to withhold (appropriate withholding)."
    )
    audiences: dict[Audience, AudienceView] = Field(
        default_factory=dict, description="Per audience: whether it is a myth, and why."
    )
    source: str = Field("", description="The public source of the explanation.")

    def is_myth(self, audience: str) -> bool:
        """Whether citing this barrier is a misconception for this audience (falls back to `myth`)."""
        view = self.audiences.get(audience)  # type: ignore[call-overload]
        return view.myth if view is not None else self.myth

    def explanation_for(self, audience: str) -> str:
        """The debrief's explanation for this audience (falls back to the general one)."""
        view = self.audiences.get(audience)  # type: ignore[call-overload]
        return view.explanation if view is not None else self.explanation


class Gateway(_Frozen):
    """A lawful basis, power or duty for sharing, with the legal layer it answers and who holds it."""

    id: str
    label: str
    summary: str
    audience: tuple[Audience, ...]
    layer: Layer = Field(description="Which question of the lawful share this answers.")
    holders: tuple[Agency | Literal["any"], ...] = Field(
        description="The kinds of agency that hold it, or [any]."
    )
    reasons: tuple[ReasonId, ...] = Field(description="The practitioner reasons this backs.")
    source: str = Field(description="The public source (statute, guidance) it is taken from.")
    prefer: tuple[str, ...] = Field(
        (), description="More precise gateway ids a trainer should usually cite instead."
    )

    def held_by(self, agency: str | None) -> bool:
        """Whether an agency of this kind may cite this gateway (an unknown agency may cite any)."""
        return agency is None or "any" in self.holders or agency in self.holders


class Level(_Frozen):
    """One level of need on a local threshold document."""

    number: int
    label: str
    description: str


class Action(_Frozen):
    """What an agency can do next."""

    id: str
    label: str
    description: str


class Reference(_Frozen):
    """All reference data, keyed by id."""

    reasons: dict[str, Reason]
    barriers: dict[str, Barrier]
    gateways: dict[str, Gateway]
    levels: dict[str, dict[int, Level]]
    actions: dict[str, Action]

    def levels_for(self, audience: str) -> dict[int, Level]:
        """The four levels for a scenario audience (`early_help` uses the children's labels)."""
        return self.levels["adults" if audience == "adults" else "children"]

    def level_label(self, audience: str, number: int) -> str:
        """`'3 · Child in need'` style label for a level number."""
        level = self.levels_for(audience).get(number)
        return f"{number} · {level.label}" if level else str(number)


def _read(name: str):
    with open(_HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def reference() -> Reference:
    """Load (once) and return the shipped reference data."""
    levels = {
        audience: {int(n): Level(number=int(n), **fields) for n, fields in table.items()}
        for audience, table in _read("levels.yaml").items()
    }
    return Reference(
        reasons={r["id"]: Reason(**r) for r in _read("reasons.yaml")},
        barriers={b["id"]: Barrier(**b) for b in _read("barriers.yaml")},
        gateways={g["id"]: Gateway(**g) for g in _read("gateways.yaml")},
        levels=levels,
        actions={a["id"]: Action(**a) for a in _read("actions.yaml")},
    )
