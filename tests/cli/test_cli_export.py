"""`easi export`: a workshop played through the engine, exported in every format and read back."""

from __future__ import annotations

import argparse
import csv
import io
import json

import pypdf
import pytest

from facilitation.cli import export as export_command
from facilitation.play.records import StageDecision
from tests.fixtures.debrief import CSC


def easi(*argv: str) -> int:
    """Run `easi export` through its own parser (other commands may be mid-change)."""
    parser = argparse.ArgumentParser(prog="easi")
    export_command.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def played_room(room):
    """Two stages played through the engine: the first revealed, the second open with one submission."""
    school = room.join("school", "Alice <b>Smith</b>")
    police = room.join("police", "Cara")
    room.go("open_stage")
    room.engine.submit(
        school.token,
        0,
        StageDecision(
            facts=[{"fact_id": "bruise", "share_with": [CSC], "gateway": "ca1989_s47"}],
            level=2,
            action="refer",
            confidence=4,
            note="<b>worried</b>",
            note_shareable=True,
        ),
    )
    room.engine.submit(
        police.token,
        0,
        StageDecision(
            facts=[{"fact_id": "dv_callout", "barriers": ["legal_fear"]}],
            level=1,
            action="monitor",
            confidence=2,
        ),
    )
    room.go("lock_stage", "reveal_stage", "next_stage")
    room.engine.submit(
        police.token,
        1,
        StageDecision(
            facts=[
                {"fact_id": "dv_callout", "share_with": [CSC, "school"], "gateway": "ca2004_s11"},
                {"fact_id": "new_partner"},
            ],
            level=3,
            action="refer",
            confidence=3,
        ),
    )
    return room


def _export(room, store, tmp_path, fmt: str, *extra: str) -> bytes:
    out = tmp_path / f"debrief.{fmt}"
    assert (
        easi(
            "export",
            room.code.lower(),
            "--format",
            fmt,
            "--db",
            str(store.path),
            "-o",
            str(out),
            *extra,
        )
        == 0
    )
    return out.read_bytes()


def test_markdown(played_room, store, tmp_path):
    text = _export(played_room, store, tmp_path, "md").decode()
    assert (
        played_room.code in text
        and "The Test family" in text
        and "Stages analysed: 1 to 1 of 3" in text
    )
    assert "Alice" not in text and "\\<b\\>worried\\</b\\>" in text


def test_html(played_room, store, tmp_path):
    page = _export(played_room, store, tmp_path, "html").decode()
    assert (
        page.startswith("<!DOCTYPE html>")
        and "&lt;b&gt;worried&lt;/b&gt;" in page
        and "<b>" not in page
    )


def test_pdf(played_room, store, tmp_path):
    reader = pypdf.PdfReader(io.BytesIO(_export(played_room, store, tmp_path, "pdf")))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert played_room.code in text and "Legal fear" in text


@pytest.mark.parametrize(
    ("extra", "rows"), [((), 2), (("--through", "2"), 5), (("--all-stages",), 5)]
)
def test_csv_follows_the_stages_asked_for(played_room, store, tmp_path, extra, rows):
    found = list(
        csv.DictReader(io.StringIO(_export(played_room, store, tmp_path, "csv", *extra).decode()))
    )
    assert len(found) == rows
    assert found[0]["participant"] == "School 1" and found[0]["recipient"] == CSC


def test_json(played_room, store, tmp_path):
    document = json.loads(_export(played_room, store, tmp_path, "json", "--all-stages"))
    assert document["analysis"]["code"] == played_room.code and document["analysis"]["through"] == 2
    assert document["analysis"]["counts"]["shares"] == 3
    assert {p["label"] for p in document["analysis"]["participants"]} == {"School 1", "Police 1"}


def test_to_standard_output(played_room, store, capsysbinary):
    assert easi("export", played_room.code, "--db", str(store.path)) == 0
    assert b"# Debrief: The Test family" in capsysbinary.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("export", "ZZZZZZ"), "No workshop has the code"),
        (("export", "ZZZZZZ", "--db", "/nonexistent/easi.db"), "no database at"),
    ],
)
def test_errors_exit_1_with_a_message(played_room, store, capsys, argv, message):
    argv = argv if "--db" in argv else (*argv, "--db", str(store.path))
    assert easi(*argv) == 1
    assert message in capsys.readouterr().err


def test_an_unwritable_output(played_room, store, tmp_path, capsys):
    assert (
        easi(
            "export",
            played_room.code,
            "--db",
            str(store.path),
            "-o",
            str(tmp_path / "no" / "such.md"),
        )
        == 1
    )
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [("--through", "0"), ("--format", "docx"), ("--through", "1", "--all-stages")]
)
def test_bad_arguments(played_room, argv):
    with pytest.raises(SystemExit):
        easi("export", played_room.code, *argv)
