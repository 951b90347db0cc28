"""The only writer: the store, workshops and their views, and rehearsals played through them.

The layer's public door: other layers import from here, never from its modules.
"""

from __future__ import annotations

from facilitation.engine.activities import Activities, MyActivities, RoomBoard
from facilitation.engine.evaluation import Evaluations, FollowUpSeat, MyEvaluation
from facilitation.engine.rehearsal import SimulationResult, StageSummary, simulate_workshop
from facilitation.engine.store import Store, copy_store, is_postgres_url
from facilitation.engine.workshops import (
    CODE_ALPHABET,
    CODE_LENGTH,
    FacilitatorView,
    ParticipantView,
    ProjectorView,
    Screen,
    Status,
    Workshops,
    normalise_code,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "Activities",
    "Evaluations",
    "FacilitatorView",
    "FollowUpSeat",
    "MyActivities",
    "MyEvaluation",
    "ParticipantView",
    "ProjectorView",
    "RoomBoard",
    "Screen",
    "SimulationResult",
    "StageSummary",
    "Status",
    "Store",
    "Workshops",
    "copy_store",
    "is_postgres_url",
    "normalise_code",
    "simulate_workshop",
]
