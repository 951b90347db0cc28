"""`easi simulate` and `easi purge`."""

from __future__ import annotations

import argparse
import json
import time

import pytest

from facilitation.analysis import analyse
from facilitation.cli import main
from facilitation.cli import purge as purge_command
from facilitation.cli import simulate as simulate_command
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from facilitation.errors import EasiError
from tests.paths import MINI


@pytest.fixture
def mini_args() -> list[str]:
    """SCENARIO and --roles for the mini scenario."""
    return [str(MINI / "scenarios" / "mini.yaml"), "--roles", str(MINI / "roles")]


def easi(*argv: str) -> int:
    """Run our two commands through their own parser (other commands may be mid-change)."""
    parser = argparse.ArgumentParser(prog="easi")
    subparsers = parser.add_subparsers()
    simulate_command.register(subparsers)
    purge_command.register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


# ------------------------------------------------------------------------------ simulate


def test_simulate_prints_a_summary(mini_args, tmp_path, capsys):
    db = tmp_path / "sim.db"
    assert easi("simulate", *mini_args, "--participants", "8", "--seed", "2", "--db", str(db)) == 0
    out = capsys.readouterr().out
    code = out.split()[1].rstrip(":")
    assert out.startswith(
        f"Workshop {code}: The Test family (mini), 8 simulated participants, seed 2"
    )
    for expected in (
        "Submissions",
        "Facts shared",
        "Children's SC",
        "1 A bruise and a call-out",
        "3 A disclosure",
        "Lead role Children's SC: could act at",
        "following guidance, at stage 2",
        f"Export it with: easi export {code}",
    ):
        assert expected in out
    assert Workshops(Store(db)).status(code).phase == "debrief"


@pytest.mark.parametrize(
    "scenario", ["riverside-family", "millbrook-young-carer", "hawthorn-court"]
)
def test_simulate_follow_guidance_is_clean_on_shipped_scenarios(scenario, tmp_path, capsys):
    db = str(tmp_path / "sim.db")
    assert easi("simulate", scenario, "--follow-guidance", "-n", "6", "--db", db, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["guidance_problems"] == []
    analysis = analyse(Workshops(Store(db)).record(out["code"]))
    assert [b.label for b in analysis.participant_behaviours if b.label != "unclassified"] == [
        "ideal"
    ] * sum(b.label != "unclassified" for b in analysis.participant_behaviours)
    assert not any(j.above or j.below for j in analysis.judgements)


def test_simulate_follow_guidance_fails_a_scenario_that_contradicts_itself(tmp_path, capsys):
    text = (MINI / "scenarios" / "mini.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "mini.yaml"
    broken.write_text(
        text.replace(
            "          avoid: [gp]\n", "          avoid: [gp]\n          reasons: [not_sure]\n"
        ),
        encoding="utf-8",
    )
    db = str(tmp_path / "sim.db")
    code = easi(
        "simulate", str(broken), "--roles", str(MINI / "roles"), "--follow-guidance", "--db", db
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "fact 'bruise' goes to childrens_social_care with no reason guidance accepts" in out


def test_simulate_json(mini_args, tmp_path, capsys):
    assert easi("simulate", *mini_args, "-n", "6", "--db", str(tmp_path / "sim.db"), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["participants"] == 6 and [s["submissions"] for s in result["stages"]] == [6, 6, 6]
    assert result["lead_act_possible"] == 1 and len(result["code"]) == 6


def test_simulate_same_seed_same_figures(mini_args, tmp_path, capsys):
    figures = []
    for name in ("a.db", "b.db"):
        easi("simulate", *mini_args, "--seed", "9", "--db", str(tmp_path / name), "--json")
        result = json.loads(capsys.readouterr().out)
        figures.append(result["stages"])
    assert figures[0] == figures[1]


def test_simulate_uses_the_normal_database_by_default(mini_args, tmp_path, capsys):
    easi("simulate", *mini_args, "--json")
    code = json.loads(capsys.readouterr().out)["code"]
    assert (
        Workshops(Store(tmp_path / "easi.db")).status(code).code == code
    )  # $EASI_DB, set by conftest


def test_simulate_reports_a_scenario_that_will_not_load(mini_args, monkeypatch, capsys):
    def refuse(scenario, **kwargs):
        raise EasiError("scenarios/broken.yaml, line 3: 'narative' is not a field")

    monkeypatch.setattr("facilitation.content.load_snapshot", refuse)
    assert easi("simulate", "broken") == 1
    assert "line 3" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["0", "-3", "many"])
def test_simulate_refuses_a_bad_participant_count(bad, capsys):
    with pytest.raises(SystemExit):
        easi("simulate", "mini", "--participants", bad)


# ------------------------------------------------------------------------------ purge


def _aged_database(path, mini_snapshot, ages_in_days):
    for age in ages_in_days:
        Workshops(Store(path), clock=lambda age=age: time.time() - age * 86400).create(
            mini_snapshot
        )


def test_purge_removes_old_workshops(tmp_path, mini_snapshot, capsys):
    db = tmp_path / "p.db"
    _aged_database(db, mini_snapshot, [40, 35, 1])
    assert easi("purge", "--older-than", "30", "--db", str(db)) == 0
    assert capsys.readouterr().out == "Removed 2 workshop(s) created more than 30 days ago.\n"
    assert len(Workshops(Store(db)).list_workshops()) == 1


def test_purge_dry_run_deletes_nothing(tmp_path, mini_snapshot, capsys):
    db = tmp_path / "p.db"
    _aged_database(db, mini_snapshot, [40, 1])
    assert easi("purge", "--older-than", "7", "--db", str(db), "--dry-run") == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("Would remove 1 workshop(s) created more than 7 days ago.")
        and "The Test family" in out
    )
    assert len(Workshops(Store(db)).list_workshops()) == 2


def test_purge_defaults_to_the_retention_setting(tmp_path, mini_snapshot, monkeypatch, capsys):
    _aged_database(tmp_path / "easi.db", mini_snapshot, [40, 10, 1])
    assert easi("purge") == 0
    assert "Removed 1 workshop(s) created more than 30 days ago" in capsys.readouterr().out
    monkeypatch.setenv("EASI_RETENTION_DAYS", "5")
    assert easi("purge") == 0
    assert "Removed 1 workshop(s) created more than 5 days ago" in capsys.readouterr().out
    monkeypatch.setenv("EASI_RETENTION_DAYS", "a month")
    assert easi("purge") == 1
    assert "EASI_RETENTION_DAYS" in capsys.readouterr().err


def test_purge_without_a_database(tmp_path, capsys):
    assert easi("purge") == 0
    assert "nothing to purge" in capsys.readouterr().out
    assert easi("purge", "--db", str(tmp_path / "typo.db")) == 1
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize("bad", ["-1", "soon", "nan"])
def test_purge_refuses_a_bad_age(bad):
    with pytest.raises(SystemExit):
        easi("purge", "--older-than", bad)


# ------------------------------------------------------------------------------ documentation


@pytest.mark.parametrize(
    ("command", "documented"),
    [
        (
            "simulate",
            [
                "SCENARIO",
                "--participants",
                "--seed",
                "--db",
                "--roles",
                "--json",
                "--follow-guidance",
                "easi export",
            ],
        ),
        ("purge", ["--older-than", "--db", "--dry-run", "cron", "systemd", "EASI_RETENTION_DAYS"]),
    ],
)
def test_help_documents_every_option(command, documented, capsys):
    with pytest.raises(SystemExit):
        easi(command, "--help")
    text = capsys.readouterr().out
    assert all(item in text for item in documented)


def test_commands_are_registered_with_easi(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "simulate" in text and "purge" in text
