"""`easi db migrate` and `easi db copy`: SQLite to PostgreSQL and back, proved by the debrief exports."""

from __future__ import annotations

import pytest

from facilitation.cli import main
from facilitation.cli.db import debrief_exports
from facilitation.engine.store import SCHEMA_VERSION, Store
from tests.fixtures.engine import decision as decision_for
from tests.fixtures.engine import dump

CSC = "childrens_social_care"


@pytest.fixture
def played(room):
    """A workshop with names, notes, drafts and a revealed stage, plus a second empty one."""
    ann, cara = room.join("school", "Ann Example"), room.join("police", "Cara")
    room.engine.add_simulated(room.code, room.key)
    room.go("open_stage")
    room.engine.submit(ann.token, 0, decision_for({"bruise": [CSC]}, note="A note", level=3))
    room.engine.submit(cara.token, 0, decision_for({"dv_callout": [CSC]}))
    room.go("reveal_stage", "next_stage")
    room.engine.save_draft(ann.token, 1, {"note": "half a thought"})
    room.engine.create(room.engine.record(room.code).snapshot)
    return room


def test_migrate_says_what_it_did(tmp_path, capsys):
    target = str(tmp_path / "new.db")
    assert main(["db", "migrate", "--db", target]) == 0
    every = ", ".join(str(n) for n in range(1, SCHEMA_VERSION + 1))
    assert f"applied migration {every}; the schema is at version {SCHEMA_VERSION}" in (
        capsys.readouterr().out
    )
    assert main(["db", "migrate", "--db", target]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_migrate_a_postgres_database(postgres_schemas, capsys):
    url = postgres_schemas.new_url()
    assert main(["db", "migrate", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "applied migration 1" in out and "@" not in out  # no user name in what it prints


def test_copy_to_postgres_and_back_changes_nothing(
    played, store, postgres_schemas, tmp_path, capsys
):
    original = debrief_exports(store)
    assert len(original) == 2
    url = postgres_schemas.new_url()
    assert main(["db", "copy", "--from", store.target, "--to", url]) == 0
    out = capsys.readouterr().out
    assert "identical on both" in out and "2 workshops" in out
    back = str(tmp_path / "back.db")
    assert main(["db", "copy", "--from", url, "--to", back]) == 0
    assert debrief_exports(Store(back)) == original
    assert dump(Store(back)) == dump(store)  # every row, ids and all
    moved = Store(url)  # and the copy goes on working: new ids follow the copied ones
    played.engine.__class__(moved).join(played.code, role_id="school")
    moved.close()


def test_copy_refuses_a_target_with_workshops(played, store, tmp_path, capsys):
    other = str(tmp_path / "other.db")
    assert main(["db", "copy", "--from", store.target, "--to", other]) == 0
    assert main(["db", "copy", "--from", store.target, "--to", other]) == 1
    assert "already holds workshops" in capsys.readouterr().err


def test_purge_and_export_take_a_postgres_url(played, store, postgres_schemas, capsys):
    url = postgres_schemas.new_url()
    assert main(["db", "copy", "--from", store.target, "--to", url]) == 0
    assert main(["export", played.code, "--db", url, "--format", "json"]) == 0
    assert played.code in capsys.readouterr().out
    assert main(["purge", "--db", url, "--older-than", "0", "--dry-run"]) == 0
    assert "Would remove 2 workshop(s)" in capsys.readouterr().out
