"""`easi validate`: output lines, summary, JSON, exit codes, folders and role resolution."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitation.cli import main
from tests.paths import GOLDEN, MINI, PROJECT


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_folders(capsys):
    assert run(capsys, MINI / "roles", MINI / "scenarios", "--roles", MINI / "roles") == (
        0,
        "5 files checked: 5 valid, 0 invalid (0 errors)\n",
        "",
    )


def test_invalid_file_prints_each_problem_then_summary(capsys, mini_library):
    police = mini_library / "roles" / "police.yaml"
    police.write_text(police.read_text().replace("short_name:", "shortname:"))
    code, out, _ = run(capsys, mini_library / "roles")
    lines = out.splitlines()
    assert code == 1
    assert lines[-1] == "4 files checked: 3 valid, 1 invalid (2 errors)"
    assert all(line.startswith(f"{police}:") for line in lines[:-1])
    assert any(
        ": shortname: unknown field 'shortname'; did you mean 'short_name'?" in line
        for line in lines
    )


def test_scenario_with_a_broken_role(capsys, mini_library):
    (mini_library / "roles" / "gp.yaml").write_text("id: gp\n")
    code, out, _ = run(capsys, mini_library / "scenarios", "--roles", mini_library / "roles")
    assert code == 1
    assert "roles[3]: role 'gp' has errors in its file roles/gp.yaml; fix that file first" in out
    assert out.splitlines()[-1] == "1 file checked: 0 valid, 1 invalid (1 error)"


@pytest.mark.parametrize("roles_option", ["flag", "environment", "default"])
def test_roles_resolution(capsys, monkeypatch, tmp_path, mini_library, roles_option):
    """--roles, else $EASI_ROLES, else roles/ (here: a project root without roles, so the scenario fails)."""
    scenario = mini_library / "scenarios" / "mini.yaml"
    monkeypatch.setenv(
        "EASI_ROLES", str(mini_library / "roles" if roles_option == "environment" else tmp_path)
    )
    argv = [scenario, "--roles", mini_library / "roles"] if roles_option == "flag" else [scenario]
    if roles_option == "default":
        monkeypatch.delenv("EASI_ROLES")
        monkeypatch.setattr("facilitation.settings.project_root", lambda: tmp_path)
    code, out, _ = run(capsys, *argv)
    assert code == (1 if roles_option == "default" else 0), out


def test_default_paths_are_the_library_folders(capsys, monkeypatch, mini_library):
    monkeypatch.setenv("EASI_ROLES", str(mini_library / "roles"))
    monkeypatch.setenv("EASI_SCENARIOS", str(mini_library / "scenarios"))
    assert run(capsys)[:2] == (0, "5 files checked: 5 valid, 0 invalid (0 errors)\n")


def test_json(capsys, mini_library):
    scenario = mini_library / "scenarios" / "mini.yaml"
    scenario.write_text(scenario.read_text().replace("audience: children", "audience: kids"))
    code, out, err = run(capsys, scenario, "--roles", mini_library / "roles", "--json")
    assert code == 1
    assert json.loads(out) == [
        {
            "file": str(scenario),
            "line": 8,
            "column": 1,
            "path": "audience",
            "message": "'kids' is not allowed for 'audience'; use one of: children, adults, early_help",
            "found": "'kids'",
            "expected": "one of: children, adults, early_help",
            "choices": ["children", "adults", "early_help"],
        }
    ]
    assert err == "1 file checked: 0 valid, 1 invalid (1 error)\n"


def test_json_when_valid(capsys):
    assert run(capsys, MINI / "roles", "--json")[:2] == (0, "[]\n")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nowhere.yaml"], "easi validate: no such file or folder: nowhere.yaml"),
        ([str(MINI), "--roles", "nowhere"], "easi validate: --roles nowhere is not a folder"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out, err.strip()) == (2, "", message)


def test_no_library_folders_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("EASI_ROLES", str(tmp_path / "r"))
    monkeypatch.setenv("EASI_SCENARIOS", str(tmp_path / "s"))
    assert run(capsys)[0] == 2


def test_golden_folder_exit_1(capsys):
    code, out, _ = run(capsys, GOLDEN, "--roles", MINI / "roles")
    assert code == 1 and " invalid (" in out.splitlines()[-1]


def test_real_process(tmp_path):
    """`easi validate` as trainers run it: one line per problem, the summary, the exit status."""
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "empty.yaml").write_text("")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from facilitation.cli import main; sys.exit(main())",
            "validate",
            "roles",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "EASI_ROLES": str(tmp_path / "roles")},
    )
    assert done.returncode == 1
    assert done.stdout == (
        "roles/empty.yaml:1:1: the file is empty; start it with `id: ...` (run `easi new` for "
        "a starter)\n1 file checked: 0 valid, 1 invalid (1 error)\n"
    )


def test_easi_script():
    """The `easi` console script installed beside this interpreter (a venv need not be activated)."""
    script = Path(sys.executable).with_name("easi")
    done = subprocess.run(
        [str(script), "validate", str(MINI), "--roles", str(MINI / "roles")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "5 files checked: 5 valid, 0 invalid (0 errors)\n")


def test_shipped_library_is_valid(monkeypatch):
    """The roles and scenarios shipped with the app all validate."""
    monkeypatch.delenv("EASI_ROLES", raising=False)
    if not any((PROJECT / "scenarios").glob("*.yaml")):
        pytest.skip("no scenarios shipped yet")
    code = main(["validate", str(PROJECT / "roles"), str(PROJECT / "scenarios")])
    assert code == 0
