"""`easi serve`: start the app (`streamlit run workshop_app.py`) and print the facilitator's link first."""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlencode

from facilitation import settings
from facilitation.errors import EasiError

__all__ = ["facilitator_link", "register", "run", "streamlit_command"]


def register(subparsers) -> None:
    """Add `easi serve`."""
    parser = subparsers.add_parser(
        "serve",
        help="run the app and print the facilitator's link",
        description="Start the Streamlit server for every view (facilitator, projector, laptops, studio). "
        "When the operator passcode was just generated, print the link that opens the facilitator's page "
        "with it, as Jupyter prints its token. Extra options after -- go to `streamlit run`.",
    )
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    parser.add_argument("--address", default=None, help="address to bind (default: Streamlit's, all interfaces)")
    parser.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="passed on to `streamlit run`")
    parser.set_defaults(func=run)


def facilitator_link(port: int) -> str:
    """The facilitator's address: `$EASI_PUBLIC_URL`, else localhost on `port`."""
    root = os.environ.get("EASI_PUBLIC_URL", "").strip().rstrip("/") or f"http://localhost:{port}"
    return f"{root}/facilitate"


def streamlit_command(port: int, address: str | None, extra: list[str]) -> list[str]:
    """The `streamlit run` command line for the app."""
    command = [sys.executable, "-m", "streamlit", "run", str(settings.project_root() / "workshop_app.py"),
               "--server.port", str(port)]
    if address:
        command += ["--server.address", address]
    return command + [arg for arg in extra if arg != "--"]


def run(args: argparse.Namespace) -> int:
    """Resolve the passcode, say where the facilitator goes, then become the Streamlit server."""
    try:
        passcode = settings.resolve_passcode()
    except EasiError as error:
        print(f"easi serve: {error}", file=sys.stderr)
        return 1
    link = facilitator_link(args.port)
    if passcode.generated:
        print(f"EASI Workshop: a new operator passcode was saved in {passcode.path}.\n"
              f"To run a workshop, open:\n\n    {link}?{urlencode({'passcode': passcode.value})}\n", flush=True)
    else:
        where = "$EASI_PASSCODE" if passcode.source == "environment" else str(passcode.path)
        print(f"EASI Workshop: facilitators open {link} with the operator passcode (in {where}).", flush=True)
    command = streamlit_command(args.port, args.address, args.streamlit_args)
    # Run from the project root so Streamlit reads .streamlit/config.toml (postScriptGC off, the theme).
    os.chdir(settings.project_root())
    os.execv(command[0], command)
    return 0  # pragma: no cover (execv does not return)
