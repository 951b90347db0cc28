"""`easi`: the command line. A thin shell: each sub-command lives in its own module of this package,
which adds its parser with `register(subparsers)` and does its work through the layers. `main` is the
one error handler: a user error prints its message, anything else a one-line report, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys

from facilitation.errors import UserError

__all__ = ["build_parser", "main"]

# Each module defines `register(subparsers) -> None`, setting `func=` on its parsers; `func(args) -> int`.
_COMMAND_MODULES = (
    "validate",
    "lint",
    "schema",
    "new",
    "simulate",
    "purge",
    "export",
    "serve",
    "db",
)


def build_parser() -> argparse.ArgumentParser:
    """The `easi` parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="easi", description="Write, check and run EASI information-sharing workshops."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"facilitation.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `easi` with `argv` (default: the process arguments); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    with_name = f"easi {args.command}"
    try:
        return int(args.func(args) or 0)
    except UserError as error:
        print(f"{with_name}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file or folder the command needs: say which and why, no traceback
        where = f" ({error.filename})" if error.filename else ""
        print(f"{with_name}: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001  # the one handler: no traceback reaches a user
        print(
            f"{with_name}: internal error ({type(error).__name__}); this is a bug, not something you did. "
            "Please report it with the command you ran.",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
