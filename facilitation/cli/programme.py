"""`easi programme`: the programme view across workshops, for the operator (who holds the database)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

__all__ = ["register", "run"]

DESCRIPTION = """\
Across every workshop in the database: workshops and people by month, scenario, audience and agency; the
behaviour mix and barriers cited per 100 decisions by month; myths in action per workshop; the
confidence and knowledge change, pooled, by month and its trend; the follow-up response rate. No cell
shows fewer than five people. The same figures as the Programme page (docs/evaluation.md).

  easi programme
  easi programme --from 2026-01-01 --audience children --format csv -o programme.csv
"""


def register(subparsers) -> None:
    """Add `easi programme`."""
    parser = subparsers.add_parser(
        "programme",
        help="print the programme view across workshops (text, csv or json)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    parser.add_argument("--scenario", metavar="ID", help="only workshops of this scenario")
    parser.add_argument(
        "--audience", choices=("children", "adults", "early_help"), help="only this audience"
    )
    parser.add_argument("--agency", metavar="KIND", help="only people of this agency (or role id)")
    parser.add_argument(
        "--simulated", action="store_true", help="count simulated participants too (rehearsals)"
    )
    parser.add_argument(
        "--format", "-f", choices=("text", "csv", "json"), default="text", help="default: text"
    )
    parser.add_argument("-o", "--output", metavar="PATH", help="write to this file")
    parser.add_argument(
        "--db", metavar="PATH", help="the SQLite database (default: $EASI_DB, else data/easi.db)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print (or write) the programme view; 1 if there is no database."""
    from facilitation import settings
    from facilitation.analysis import ProgrammeFilters, programme
    from facilitation.engine import Evaluations, Store, Workshops
    from facilitation.outputs import programme_csv, programme_json, programme_text

    path = Path(args.db).expanduser() if args.db else settings.db_path()
    if not path.is_file():
        print(
            f"easi programme: no database at {path}: give --db PATH or set EASI_DB.",
            file=sys.stderr,
        )
        return 1
    store = Store(path)
    try:
        workshops = Evaluations(Workshops(store)).operator_programme()
    finally:
        store.close()
    view = programme(
        workshops,
        ProgrammeFilters(
            date_from=args.date_from,
            date_to=args.date_to,
            scenario=args.scenario,
            audience=args.audience,
            agency=args.agency,
            include_simulated=args.simulated,
        ),
    )
    render = {"text": programme_text, "csv": programme_csv, "json": programme_json}[args.format]
    content = render(view)
    if args.output and args.output != "-":
        Path(args.output).expanduser().write_text(content, encoding="utf-8")
        print(f"Wrote {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a date such as 2026-01-31, not {text!r}") from None
