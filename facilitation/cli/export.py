"""`easi export WORKSHOP`: the debrief report of a workshop, or its raw decisions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitation.errors import EasiError

__all__ = ["register", "run"]

FORMATS = ("md", "html", "pdf", "csv", "json", "answers")

DESCRIPTION = """\
Write the debrief of the workshop with join code WORKSHOP: the report (md, html, pdf), the raw decisions
(csv: one row per participant, stage, fact and recipient) or both the analysis and the decisions (json).
The reports and the json carry "What changed" (the questionnaires, the room's agreements, the plan);
answers is the questionnaires' raw answers as CSV, pseudonymous, to recompute every figure.

Only revealed stages are analysed unless --through or --all-stages says otherwise. Participants appear
by role and number ("School 2"), never by name; notes only where their writer allowed it.

  easi export K7QW3M --format html -o debrief.html
  easi export K7QW3M --format csv > decisions.csv
"""


def register(subparsers) -> None:
    """Add `easi export`."""
    parser = subparsers.add_parser(
        "export",
        help="write a workshop's debrief report (md, html, pdf) or its decisions (csv, json)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "workshop", metavar="WORKSHOP", help="the workshop's join code, such as K7QW3M"
    )
    parser.add_argument(
        "--format", "-f", choices=FORMATS, default="md", help="what to write (default: md)"
    )
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="write to this file (default: standard output)"
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="the database, a SQLite file or a postgresql:// URL (default: $EASI_DB, else data/easi.db)",
    )
    stages = parser.add_mutually_exclusive_group()
    stages.add_argument(
        "--through",
        type=_stage_number,
        metavar="N",
        help="analyse stages 1 to N, revealed or not (default: the revealed stages)",
    )
    stages.add_argument(
        "--all-stages", action="store_true", help="analyse every stage, revealed or not"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export; 1 if the database or the workshop cannot be found, or the file cannot be written."""
    from facilitation import settings
    from facilitation.analysis import analyse, room_activities
    from facilitation.engine import is_postgres_url
    from facilitation.outputs import render

    target = args.db or settings.database()
    path = target if is_postgres_url(target) else Path(target).expanduser()
    if not is_postgres_url(target) and not path.is_file():
        print(
            f"easi export: no database at {path}: give --db PATH or set EASI_DB.", file=sys.stderr
        )
        return 1
    try:
        record, evaluation, activities = _record(path, args.workshop)
    except EasiError as error:
        print(f"easi export: {error}", file=sys.stderr)
        return 1
    through = (
        len(record.snapshot.scenario.stages) - 1
        if args.all_stages
        else (None if args.through is None else args.through - 1)
    )
    analysis = analyse(record, through)
    room = room_activities(record, activities, analysis)
    content = render(args.format, record, analysis, evaluation, room)
    return _write(content, args.output)


def _record(path: Path, code: str):
    """The workshop's record, its evaluation (outputs.EvaluationReport) and its activities record."""
    from facilitation.engine import Activities, Evaluations, Store, Workshops
    from facilitation.outputs import evaluation_report

    store = Store(path)
    try:
        engine = Workshops(store)
        record = engine.record(code)
        return (
            record,
            evaluation_report(Evaluations(engine).operator_record(code), record),
            Activities(engine).operator_record(code),
        )
    finally:
        close = getattr(store, "close", None)
        if close:
            close()


def _write(content: str | bytes, output: str | None) -> int:
    data = content.encode("utf-8") if isinstance(content, str) else content
    if output is None or output == "-":
        if isinstance(content, bytes) and sys.stdout.isatty():
            print(
                "easi export: a PDF is binary: write it with -o FILE or redirect the output.",
                file=sys.stderr,
            )
            return 1
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        Path(output).expanduser().write_bytes(data)
    except OSError as error:
        print(f"easi export: cannot write {output}: {error.strerror or error}.", file=sys.stderr)
        return 1
    print(f"Wrote {output} ({len(data):,} bytes).", file=sys.stderr)
    return 0


def _stage_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"give a stage number from 1, not {text!r}")
    return value
