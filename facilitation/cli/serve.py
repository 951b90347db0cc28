"""`easi serve`: start the app (`streamlit run workshop_app.py`) and print the facilitator's link first.

One Streamlit process, bound to the address the operator gives (loopback unless told otherwise). More
processes, more hosts and TLS belong to real infrastructure: HAProxy or Caddy in front and a systemd
template unit for the processes (deploy/, docs/scaling.md).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from urllib.parse import urlencode

from facilitation import network, settings
from facilitation.errors import EasiError

__all__ = [
    "DEFAULT_ADDRESS",
    "exposure_warning",
    "facilitator_link",
    "register",
    "run",
    "streamlit_command",
]

DEFAULT_ADDRESS = "127.0.0.1"


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
    parser.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help=f"address to bind (default {DEFAULT_ADDRESS}: this machine only; 0.0.0.0 for every "
        "interface, which a room on one Wi-Fi needs, over plain HTTP unless a TLS proxy is in front)",
    )
    parser.add_argument(
        "streamlit_args", nargs=argparse.REMAINDER, help="passed on to `streamlit run`"
    )
    parser.set_defaults(func=run)


def facilitator_link(port: int, address: str = DEFAULT_ADDRESS) -> str:
    """The facilitator's address: `$EASI_PUBLIC_URL`, else this machine on `port`."""
    host = "localhost" if _is_loopback(address) or _is_wildcard(address) else address
    root = settings.public_url() or f"http://{host}:{port}"
    return f"{root}/facilitate"


def join_notice(port: int, address: str = DEFAULT_ADDRESS) -> str:
    """Where participants join (`facilitation.network`: `$EASI_PUBLIC_URL`, else, bound to every
    interface, this machine's LAN address), or a warning when only this machine can reach the server."""
    seen = f"http://{'localhost' if _is_wildcard(address) else address}:{port}"
    root = settings.public_url() or (
        network.reachable_root(seen) if _is_wildcard(address) else seen
    )
    if network.root_is_loopback(root):
        return (
            f"Note: participants cannot join from other laptops yet ({root} is this machine only). "
            "Serve with --address 0.0.0.0 on a network you trust, or set EASI_PUBLIC_URL."
        )
    return f"Participants join at {root}/join"


def exposure_warning(address: str) -> str:
    """What the operator must know when other machines can reach the app over plain HTTP ('' if none)."""
    if _is_loopback(address):
        return ""
    if settings.public_url().startswith("https://"):
        return (
            f"EASI Workshop: listening on {address} for the TLS proxy in front of "
            f"{settings.public_url()}; make sure only that proxy can reach this port."
        )
    where = "every interface" if _is_wildcard(address) else address
    return (
        f"WARNING: EASI Workshop is reachable from other machines over plain HTTP (bound to {where}).\n"
        "  Facilitator keys, participant links and everything typed cross the network unencrypted.\n"
        "  Use it only on a network you trust, or put HTTPS in front (deploy/Caddyfile, docs/scaling.md)\n"
        "  and set EASI_PUBLIC_URL=https://...; --address 127.0.0.1 keeps it to this machine."
    )


def streamlit_command(port: int, address: str, extra: list[str]) -> list[str]:
    """The `streamlit run` command line for the app."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(settings.project_root() / "workshop_app.py"),
        "--server.port",
        str(port),
        "--server.address",
        address,
    ]
    return command + [arg for arg in extra if arg != "--"]


def run(args: argparse.Namespace) -> int:
    """Resolve the passcode, say where the facilitator goes, then become the Streamlit server."""
    try:
        passcode = settings.resolve_passcode()
        # Read once here, so that a value no page could use stops the server before anyone joins.
        for read in (settings.concurrent_page_runs, settings.max_seats, settings.poll_seconds):
            read()
    except EasiError as error:
        print(f"easi serve: {error}", file=sys.stderr)
        return 1
    link = facilitator_link(args.port, args.address)
    if passcode.generated:
        print(
            f"EASI Workshop: a new operator passcode was saved in {passcode.path}.\n"
            f"To run a workshop, open:\n\n    {link}?{urlencode({'passcode': passcode.value})}\n",
            flush=True,
        )
    else:
        where = "$EASI_PASSCODE" if passcode.source == "environment" else str(passcode.path)
        print(
            f"EASI Workshop: facilitators open {link} with the operator passcode (in {where}).",
            flush=True,
        )
    print(f"EASI Workshop: {join_notice(args.port, args.address)}", flush=True)
    warning = exposure_warning(args.address)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    command = streamlit_command(args.port, args.address, args.streamlit_args)
    # Run from the project root so Streamlit reads .streamlit/config.toml (postScriptGC off, the theme).
    os.chdir(settings.project_root())
    os.execv(command[0], command)
    return 0  # pragma: no cover (execv does not return)


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _is_wildcard(address: str) -> bool:
    return address in ("0.0.0.0", "::", "")
