"""Reference data shipped with the app: barriers, legal gateways, levels of need and actions.

The data lives in YAML beside this module (so trainers and reviewers can read it) and is loaded once,
validated into immutable models, and cached.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Action",
    "Barrier",
    "Gateway",
    "Level",
    "Reference",
    "reference",
]

_HERE = Path(__file__).parent

Audience = Literal["children", "adults", "early_help"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Barrier(_Frozen):
    """A reason a practitioner gives for not sharing, with what it really is."""

    id: str
    label: str
    cluster: Literal["trust", "fear", "risk", "relationships", "processes", "leadership"]
    sentence: str = Field(description="What the participant says, in the first person.")
    explanation: str = Field(description="What the debrief says about it.")
    myth: bool = Field(
        False, description="Cited against guidance that needs no consent, it is a myth to bust."
    )
    appropriate: bool = Field(
        False, description="Can be a sound reason to withhold (appropriate withholding)."
    )


class Gateway(_Frozen):
    """A lawful basis for sharing."""

    id: str
    label: str
    summary: str
    audience: tuple[Audience, ...]


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
        barriers={b["id"]: Barrier(**b) for b in _read("barriers.yaml")},
        gateways={g["id"]: Gateway(**g) for g in _read("gateways.yaml")},
        levels=levels,
        actions={a["id"]: Action(**a) for a in _read("actions.yaml")},
    )
