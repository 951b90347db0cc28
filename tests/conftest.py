"""Fixtures shared by every test. Area fixtures live in tests/fixtures/<area>.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from facilitation.content.models import Role, Scenario, Snapshot
from tests.paths import MINI

pytest_plugins = [
    "tests.fixtures.library",
    "tests.fixtures.backends",
    "tests.fixtures.engine",
    "tests.fixtures.debrief",
    "tests.fixtures.ui",
]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def mini_snapshot() -> Snapshot:
    """The hand-computable 4-role, 3-stage scenario in tests/data/mini (see the comments in its YAML)."""
    scenario = Scenario.model_validate(_yaml(MINI / "scenarios" / "mini.yaml"))
    roles = {
        role_id: Role.model_validate(_yaml(MINI / "roles" / f"{role_id}.yaml"))
        for role_id in scenario.roles
    }
    return Snapshot(scenario=scenario, roles=roles)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads or writes the developer's data folder or passcode."""
    monkeypatch.setenv("EASI_DB", str(tmp_path / "easi.db"))
    monkeypatch.setenv("EASI_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("EASI_PASSCODE", raising=False)
