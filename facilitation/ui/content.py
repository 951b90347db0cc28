"""The scenario library as the pages need it: what can be played, and a snapshot to create a workshop
from. A thin layer over `facilitation.content.library`, so that the pages depend on a few plain shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

from facilitation.content import Snapshot, catalogue, load_snapshot
from facilitation.errors import EasiError, LibraryError

__all__ = ["ScenarioChoice", "scenarios", "snapshot"]


@dataclass(frozen=True)
class ScenarioChoice:
    """One scenario in the library, as the facilitator chooses it."""

    id: str
    title: str
    audience: str
    summary: str
    duration_minutes: int | None
    stage_count: int
    roles: dict[str, str]  # role id -> name, in scenario order
    lead_role: str
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


def scenarios() -> list[ScenarioChoice]:
    """Every scenario in the library; those that fail to load carry their problems (formatted)."""
    choices = []
    for entry in catalogue(kind="scenario"):
        problems = tuple(problem.format() for problem in entry.problems)
        snap = None
        if not problems:
            try:
                snap = load_snapshot(entry.path)
            except LibraryError as error:
                problems = tuple(problem.format() for problem in error.problems)
            except (
                EasiError,
                OSError,
            ) as error:  # reported: one broken file must not hide the others
                problems = (str(error),)
        scenario = snap.scenario if snap is not None else None
        choices.append(
            ScenarioChoice(
                id=entry.id,
                title=entry.title or entry.id,
                audience=entry.audience or "",
                summary=entry.summary or "",
                duration_minutes=scenario.duration_minutes if scenario else None,
                stage_count=len(scenario.stages) if scenario else 0,
                roles={r: snap.roles[r].name for r in snap.role_ids} if snap is not None else {},
                lead_role=scenario.lead_role if scenario else "",
                problems=problems,
            )
        )
    return choices


def snapshot(scenario_id: str, role_ids: list[str] | None = None) -> Snapshot:
    """A snapshot of a scenario with the chosen roles in play (default: all of them)."""
    snap = load_snapshot(scenario_id)
    if role_ids is None:
        return snap
    keep = set(role_ids)
    return snap.model_copy(
        update={"roles": {r: role for r, role in snap.roles.items() if r in keep}}
    )
