"""`easi`: the command line. A thin shell: each sub-command lives in its own module of this package,
which adds its parser with `register(subparsers)` and does its work through the library."""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser"]

# Each module defines `register(subparsers) -> None`, setting `func=` on its parsers; `func(args) -> int`.
_COMMAND_MODULES = ("validate", "lint", "schema", "new", "simulate", "purge", "export", "serve")


def build_parser() -> argparse.ArgumentParser:
    """The `easi` parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="easi", description="Write, check and run EASI information-sharing workshops."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"facilitation.cli.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"facilitation.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `easi` with `argv` (default: the process arguments); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
