"""`easi schema`: the JSON Schema of a role or scenario file, for editors that check YAML as you type,
and of the debrief's JSON export (`easi export CODE --format json`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitation.content import SCHEMA_KINDS, schema_text
from facilitation.outputs import debrief_schema_text

__all__ = ["KINDS", "register", "run"]

DESCRIPTION = """\
Print the JSON Schema (draft 2020-12) of a role or scenario file, generated from the app's models, with
a description for every field. The repository ships them as schemas/role.schema.json and
schemas/scenario.schema.json; editors with the YAML language server (VS Code's YAML extension) use them
through the first line of each file:

    # yaml-language-server: $schema=../schemas/scenario.schema.json

`easi schema debrief` prints the schema of the debrief export (format easi-debrief/2,
docs/debrief-format.md), shipped as schemas/debrief.schema.json.
"""
KINDS = (*SCHEMA_KINDS, "debrief")


def register(subparsers) -> None:
    """Add `easi schema`."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of a role or scenario file, or of the debrief export",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=KINDS, help="which file the schema describes")
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write to FILE instead of printing"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print or write the schema."""
    text = debrief_schema_text() if args.kind == "debrief" else schema_text(args.kind)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        print(
            f"easi schema: cannot write {args.output}: {error.strerror or error}", file=sys.stderr
        )
        return 1
    print(f"Wrote {args.output}", file=sys.stderr)
    return 0
