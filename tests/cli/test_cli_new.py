"""`easi new`: starter files that already validate, written where trainers expect them."""

from __future__ import annotations

import pytest

from facilitation.cli import main
from facilitation.content import library


def new(capsys, *argv) -> tuple[int, str, str]:
    code = main(["new", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folders(monkeypatch, mini_library):
    monkeypatch.setenv("EASI_ROLES", str(mini_library / "roles"))
    monkeypatch.setenv("EASI_SCENARIOS", str(mini_library / "scenarios"))
    return mini_library


@pytest.mark.parametrize("kind, folder", [("role", "roles"), ("scenario", "scenarios")])
def test_writes_a_valid_starter(capsys, folders, kind, folder):
    code, out, _ = new(capsys, kind, "youth_offending")
    path = folders / folder / "youth_offending.yaml"
    assert code == 0 and out == f"Wrote {path}. Edit it, then check it with: easi validate {path}\n"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert text.count("\n# ") > 3  # commented
    assert library.validate_paths([path]) == {path: []}


def test_scenario_uses_roles_that_exist(capsys, folders):
    new(capsys, "scenario", "fresh")
    snapshot = library.load_snapshot("fresh")
    assert set(snapshot.roles) == {"school", "childrens_social_care"}
    assert snapshot.scenario.lead_role == "childrens_social_care"


def test_scenario_picks_other_roles(capsys, folders, tmp_path):
    roles = tmp_path / "other_roles"
    roles.mkdir()
    for name in ("probation", "ambulance"):
        assert new(capsys, "role", name, "--dir", roles)[0] == 0
    assert new(capsys, "scenario", "other", "--roles", roles, "--dir", tmp_path / "sc")[0] == 0
    snapshot = library.load_snapshot(tmp_path / "sc" / "other.yaml", roles_dir=roles)
    assert snapshot.scenario.roles == ("ambulance", "probation")  # (fact holder, lead)


def test_scenario_needs_two_roles(capsys, folders, tmp_path):
    code, _, err = new(capsys, "scenario", "lonely", "--roles", tmp_path)
    assert code == 1
    assert err == (
        f"easi new: a scenario needs at least two roles, and {tmp_path} has 0 valid role files; create "
        "roles first with `easi new role ID`, then run this again\n"
    )
    assert not (folders / "scenarios" / "lonely.yaml").exists()


def test_refuses_to_overwrite_without_force(capsys, folders):
    path = folders / "roles" / "school.yaml"
    before = path.read_text()
    assert new(capsys, "role", "school") == (
        1,
        "",
        f"easi new: {path} already exists; pass --force to overwrite it\n",
    )
    assert path.read_text() == before
    assert new(capsys, "role", "school", "--force")[0] == 0
    assert path.read_text() != before


@pytest.mark.parametrize("bad", ["School", "2nd", "has space", "a" * 49, "dots.yaml", "../escape"])
def test_refuses_a_bad_slug(capsys, folders, bad):
    code, _, err = new(capsys, "role", bad)
    assert code == 1 and err.startswith(
        f"easi new: '{bad}' is not a valid id: ids are lowercase slugs"
    )


def test_schema_line_points_from_the_folder(capsys, folders, tmp_path):
    target = tmp_path / "deep" / "roles"
    new(capsys, "role", "x", "--dir", target)
    first = (target / "x.yaml").read_text().splitlines()[0]
    assert first.endswith("schemas/role.schema.json")


def test_default_folder_schema_line(monkeypatch):
    from facilitation.content.starters import SCHEMAS, starter

    text = starter("role", "x", SCHEMAS.parent / "roles", SCHEMAS.parent / "roles")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/role.schema.json"
