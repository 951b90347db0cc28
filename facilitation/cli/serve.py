"""`easi serve`: start the app (`streamlit run workshop_app.py`) and print the facilitator's link first.

With `--processes N` (N > 1, or `auto` for one per core) it runs N Streamlit processes on loopback ports
behind the sticky proxy of `facilitation.cli.proxy` on the public port, and supervises them: a signal stops
everything cleanly, and a process that dies stops everything with a non-zero exit (systemd then restarts
the service). One process stays what it always was: this process becomes `streamlit run`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from facilitation import network, settings
from facilitation.errors import EasiError

__all__ = [
    "facilitator_link",
    "parse_processes",
    "register",
    "run",
    "streamlit_command",
    "worker_command",
]

WORKER_HOST = "127.0.0.1"
START_TIMEOUT = (
    120.0  # seconds for every process to answer its health check (a busy 2-core box is slow)
)
STOP_TIMEOUT = 10.0  # seconds a process gets to stop after SIGTERM before SIGKILL
_COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
# Options each worker gets from the supervisor; the operator's --port/--address are the proxy's.
_RESERVED_OPTIONS = ("--server.port", "--server.address")


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
        "--address", default=None, help="address to bind (default: Streamlit's, all interfaces)"
    )
    parser.add_argument(
        "--processes",
        type=parse_processes,
        default=1,
        metavar="N",
        help="Streamlit processes to run behind a built-in sticky proxy on --port: a number, or 'auto' for "
        "one per CPU core (default 1: one plain `streamlit run`). One process uses about one core.",
    )
    parser.add_argument(
        "streamlit_args", nargs=argparse.REMAINDER, help="passed on to `streamlit run`"
    )
    parser.set_defaults(func=run)


def parse_processes(value: str) -> int:
    """`--processes`: a whole number of at least 1, or "auto" for the number of CPU cores."""
    if value.strip().lower() == "auto":
        return max(1, os.cpu_count() or 1)
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes or 'auto', not {value!r}"
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError("the number of processes must be at least 1")
    return count


def facilitator_link(port: int) -> str:
    """The facilitator's address: `$EASI_PUBLIC_URL`, else localhost on `port`."""
    root = settings.public_url() or f"http://localhost:{port}"
    return f"{root}/facilitate"


def join_notice(port: int, address: str | None = None) -> str:
    """Where participants join (`facilitation.network`: `$EASI_PUBLIC_URL`, else this machine's LAN
    address), or a warning when only this machine can reach the server."""
    seen = f"http://{address or 'localhost'}:{port}"
    bound_to_one = bool(address) and address not in ("0.0.0.0", "::")  # the operator chose it
    root = settings.public_url() or (seen if bound_to_one else network.reachable_root(seen))
    if network.root_is_loopback(root):
        return (
            f"Warning: {root} is reachable from this machine only; other laptops cannot join. "
            "Set EASI_PUBLIC_URL, or serve on an address of the room's network (--address)."
        )
    return f"Participants join at {root}/join"


def streamlit_command(port: int, address: str | None, extra: list[str]) -> list[str]:
    """The `streamlit run` command line for the app."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(settings.project_root() / "workshop_app.py"),
        "--server.port",
        str(port),
    ]
    if address:
        command += ["--server.address", address]
    return command + [arg for arg in extra if arg != "--"]


def worker_command(port: int, extra: list[str]) -> list[str]:
    """The `streamlit run` command line of one process behind the proxy: loopback only, headless, and
    without Streamlit's "you can now view your app at <internal port>" banner, which would mislead."""
    return streamlit_command(
        port,
        WORKER_HOST,
        ["--server.headless", "true", "--logger.hideWelcomeMessage", "true", *extra],
    )


def run(args: argparse.Namespace) -> int:
    """Resolve the passcode, say where the facilitator goes, then become the Streamlit server (or, with
    several processes, start them behind the proxy and supervise them)."""
    processes = getattr(args, "processes", 1)
    if processes > 1:
        reserved = _reserved_options(args.streamlit_args)
        if reserved:
            print(
                f"easi serve: {', '.join(reserved)} cannot be passed to `streamlit run` with --processes "
                f"{processes}: each process gets its own loopback port; use --port and --address for the "
                f"public side.",
                file=sys.stderr,
            )
            return 2
    try:
        # Once, before any process starts: they all read the same file afterwards.
        passcode = settings.resolve_passcode()
    except EasiError as error:
        print(f"easi serve: {error}", file=sys.stderr)
        return 1
    link = facilitator_link(args.port)
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
    if processes > 1:
        return _run_supervised(args, processes)
    command = streamlit_command(args.port, args.address, args.streamlit_args)
    # Run from the project root so Streamlit reads .streamlit/config.toml (postScriptGC off, the theme).
    os.chdir(settings.project_root())
    os.execv(command[0], command)
    return 0  # pragma: no cover (execv does not return)


# ---------------------------------------------------------------------------------------- several processes
@dataclass
class _Worker:
    index: int
    port: int
    process: asyncio.subprocess.Process

    def describe(self) -> str:
        return f"process {self.index} (pid {self.process.pid}, port {self.port})"


def _reserved_options(extra: list[str]) -> list[str]:
    return sorted(
        {arg.split("=", 1)[0] for arg in extra if arg.split("=", 1)[0] in _RESERVED_OPTIONS}
    )


def _free_ports(count: int) -> list[int]:
    """`count` distinct ports free on loopback now (held open together so they differ)."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probes.append(probe)
            probe.bind((WORKER_HOST, 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _worker_environment(extra: list[str]) -> dict[str, str]:
    """The processes' environment: ours, plus one cookie secret shared by all of them for this run.

    Streamlit signs its own cookies (the session middleware, `st.login`) with `server.cookieSecret`, a
    random value per process unless set, and documents setting the same one on every replica. (Its XSRF
    check compares the token with the browser's cookie and needs no secret, and the proxy keeps a browser
    on one process anyway.) An operator's own secret, in the environment, the arguments or a config file,
    is kept.
    """
    environment = settings.environment_for_child()
    if _COOKIE_SECRET_ENV in environment or any(
        arg.startswith("--server.cookieSecret") for arg in extra
    ):
        return environment
    if not _config_sets_cookie_secret():
        environment[_COOKIE_SECRET_ENV] = secrets.token_hex(32)
    return environment


def _config_sets_cookie_secret() -> bool:
    for path in (
        Path.home() / ".streamlit" / "config.toml",
        settings.project_root() / ".streamlit" / "config.toml",
    ):
        try:
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if config.get("server", {}).get("cookieSecret"):
            return True
    return False


def _exit_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # If `easi serve` is killed outright (SIGKILL, the OOM killer) it cannot stop its processes; ask the
    # kernel to send each one SIGTERM when its parent goes (Linux's PR_SET_PDEATHSIG; elsewhere nothing).
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


async def _http_status(port: int, path: str, timeout: float = 2.0) -> int:
    """The status of a GET to a loopback port (0 when nothing answers)."""

    async def fetch() -> int:
        reader, writer = await asyncio.open_connection(WORKER_HOST, port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {WORKER_HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            status_line = await reader.readline()
        finally:
            writer.close()
        parts = status_line.split()
        return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0

    try:
        return await asyncio.wait_for(fetch(), timeout=timeout)
    except (TimeoutError, OSError):
        return 0


async def _spawn(index: int, port: int, extra: list[str], environment: dict[str, str]) -> _Worker:
    process = await asyncio.create_subprocess_exec(
        *worker_command(port, extra),
        cwd=settings.project_root(),  # so every process reads .streamlit/config.toml
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        # Its own process group: the terminal's Ctrl-C reaches only the supervisor, which then stops the
        # processes in order, and a stop signals the whole group of each.
        start_new_session=True,
        preexec_fn=_exit_with_parent if _PRCTL is not None else None,
    )
    return _Worker(index, port, process)


async def _wait_healthy(workers: list[_Worker], stop: asyncio.Event, timeout: float) -> str | None:
    """Wait until every process answers /_stcore/health; the problem, if one exits or none comes in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    waiting = list(workers)
    while waiting and not stop.is_set():
        for worker in list(waiting):
            if worker.process.returncode is not None:
                return f"{worker.describe()} exited with code {worker.process.returncode} before serving"
            if await _http_status(worker.port, "/_stcore/health") == 200:
                waiting.remove(worker)
        if not waiting:
            break
        if loop.time() > deadline:
            late = ", ".join(worker.describe() for worker in waiting)
            return f"{late} did not answer /_stcore/health within {timeout:.0f} s"
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.25)
        except TimeoutError:
            pass
    return None


async def _first_exit(workers: list[_Worker], stop: asyncio.Event) -> _Worker | None:
    """Wait for a stop signal (None) or for a process to exit (that process)."""
    waits = {asyncio.create_task(worker.process.wait()): worker for worker in workers}
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *waits], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in [stopping, *waits]:
            task.cancel()
    exited = [waits[task] for task in done if task in waits]
    return exited[0] if exited and not stop.is_set() else None


def _signal_group(worker: _Worker, sig: int) -> None:
    try:
        os.killpg(worker.process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


async def _stop_workers(workers: list[_Worker]) -> None:
    """SIGTERM each process group, wait a little, then SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        running = [worker for worker in workers if worker.process.returncode is None]
        if not running:
            return
        for worker in running:
            _signal_group(worker, sig)
        waits = [asyncio.create_task(worker.process.wait()) for worker in running]
        _, pending = await asyncio.wait(waits, timeout=STOP_TIMEOUT)
        for task in pending:
            task.cancel()


async def _supervise(args: argparse.Namespace, count: int) -> int:
    from facilitation.cli.proxy import start_proxy

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    workers: list[_Worker] = []
    proxy = None
    try:
        try:
            # Bind the public port first: a busy port fails now, before any process starts.
            proxy = await start_proxy(
                args.address, args.port, _free_ports(count), start_serving=False
            )
        except OSError as error:
            print(
                f"easi serve: cannot listen on {args.address or 'all interfaces'} port {args.port}: "
                f"{error.strerror or error}",
                file=sys.stderr,
            )
            return 1
        ports = list(proxy.balancer.ports)
        environment = _worker_environment(args.streamlit_args)
        for index, port in enumerate(ports):
            workers.append(await _spawn(index, port, args.streamlit_args, environment))
        problem = await _wait_healthy(workers, stop, START_TIMEOUT)
        if problem:
            print(f"easi serve: {problem}; stopping.", file=sys.stderr, flush=True)
            return 1
        if stop.is_set():
            return 0
        await proxy.start_serving()
        print(
            f"EASI Workshop: {count} processes serving on port {args.port} (internal ports "
            f"{', '.join(str(port) for port in ports)} on {WORKER_HOST}).",
            flush=True,
        )
        exited = await _first_exit(workers, stop)
        if exited is not None:
            print(
                f"easi serve: {exited.describe()} exited unexpectedly with code {exited.process.returncode}; "
                f"stopping the others.",
                file=sys.stderr,
                flush=True,
            )
            return 1
        return 0
    finally:
        if proxy is not None:
            await proxy.close()
            print(
                f"easi serve: proxy stopped; {proxy.stats.summary()}.", file=sys.stderr, flush=True
            )
        await _stop_workers(workers)


def _run_supervised(args: argparse.Namespace, count: int) -> int:
    """Run `count` Streamlit processes behind the proxy until a signal or a process's death."""
    return asyncio.run(_supervise(args, count))
