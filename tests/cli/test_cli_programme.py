"""`easi programme` across three rehearsed workshops, `easi simulate` showing What changed, and
`easi export --format answers`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from facilitation.cli import main
from facilitation.engine import Store, Workshops, simulate_workshop
from tests.fixtures.engine import FakeClock

MONTH = 31 * 86400


@pytest.fixture(scope="module")
def three_months(tmp_path_factory, mini_snapshot):
    """Three rehearsed workshops of 6, a month apart; returns the database path and their codes."""
    path = tmp_path_factory.mktemp("programme") / "easi.db"
    clock = FakeClock()
    engine = Workshops(Store(path), clock=clock)
    codes = []
    for seed in range(3):
        codes.append(simulate_workshop(mini_snapshot, 6, seed, engine).code)
        clock.advance(MONTH)
    engine.store.close()
    return path, codes


def test_programme_prints_trends_across_workshops(three_months, capsys):
    path, codes = three_months
    assert main(["programme", "--db", str(path), "--simulated"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Programme: 3 workshops, 18 people")
    for month in ("2026-01", "2026-02", "2026-03"):
        assert month in text
    assert "Confidence, pooled (1-5): " in text and "n 18" in text
    assert "Trend in the confidence change:" in text
    assert all(code in text for code in codes)
    # no cell under five people: the mini scenario's four agencies hold fewer than 5 each per month
    assert "<5" in text


def test_programme_leaves_simulated_people_out_by_default(three_months, capsys):
    path, _ = three_months
    main(["programme", "--db", str(path)])
    text = capsys.readouterr().out
    assert text.startswith("Programme: 3 workshops, <5 people")
    assert "too few to say (n 0)" in text


def test_programme_filters_and_exports(three_months, capsys, tmp_path):
    path, _ = three_months
    main(["programme", "--db", str(path), "--simulated", "--from", "2026-02-01", "-f", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "easi-programme/1"
    assert document["filters"]["date_from"] == "2026-02-01"
    workshops = next(r for r in document["rows"] if r["measure"] == "workshops")
    assert workshops["value"] == 2
    people = [r["value"] for r in document["rows"] if r["measure"] == "people"]
    assert all(value is None or value >= 5 for value in people)
    out = tmp_path / "p.csv"
    main(["programme", "--db", str(path), "--simulated", "-f", "csv", "-o", str(out)])
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {"section", "key", "measure", "value", "n"} == set(rows[0])
    assert all(r["value"] == "<5" or int(r["value"]) >= 5 for r in rows if r["measure"] == "people")


def test_programme_without_a_database(tmp_path, capsys):
    assert main(["programme", "--db", str(tmp_path / "none.db")]) == 1
    assert "no database" in capsys.readouterr().err


def test_simulate_shows_what_changed(tmp_path, capsys):
    from tests.paths import MINI

    db = tmp_path / "sim.db"
    argv = [str(MINI / "scenarios" / "mini.yaml"), "--roles", str(MINI / "roles"), "--db", str(db)]
    assert main(["simulate", *argv, "-n", "6"]) == 0
    text = capsys.readouterr().out
    assert "What changed (simulated answers before and after):" in text
    assert "confidence (1-5): " in text and "n 6" in text
    code = text.split("easi export ")[-1].split()[0]
    assert main(["export", code, "--db", str(db), "--format", "answers"]) == 0
    answers = capsys.readouterr().out
    assert answers.startswith("respondent,agency,simulated,moment,kind,item,value,right")
    assert main(["export", code, "--db", str(db), "--format", "md"]) == 0
    assert "## What changed" in capsys.readouterr().out
