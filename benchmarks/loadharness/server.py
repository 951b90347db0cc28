"""Start a real `streamlit run` on 127.0.0.1, watch its CPU and memory, and always stop it.

The server runs from the repository root, so it reads the repository's `.streamlit/config.toml` (with
`runner.postScriptGC = false` and `runner.fastReruns = true`) exactly as `streamlit run workshop_app.py`
does there; only the address, port and a few launch flags are passed on the command line. It runs in its
own process group, which `stop()` signals (TERM, then KILL), also when the harness fails.

With `haproxy=True` (the workshop app only) it starts the deployment of deploy/ instead
(`benchmarks.loadharness.deployment`): HAProxy with deploy/haproxy.cfg in front of two `easi serve`
processes, whose HTTPS port the tabs use (over TLS). CPU and memory are then the sums over the whole
process tree (the small supervisor, HAProxy and both Streamlit processes), and the peak RSS is the peak
of that sum as sampled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import psutil

from . import client
from .client import HarnessError
from .deployment import insecure_context

__all__ = ["ROOT", "ResourceSample", "StreamlitServer", "free_port"]

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
WORKSHOP_APP = ROOT / "workshop_app.py"  # the only app the deployment runs
_PER_PROCESS_FLAGS = ("server.address", "server.port")  # the deployment gives each process its own


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ResourceSample:
    """The server's CPU time and memory at one moment."""

    at: float  # monotonic seconds
    cpu_seconds: float  # user + system, the process and its children
    rss: int  # bytes
    threads: int

    def cpu_since(self, earlier: ResourceSample) -> float:
        return self.cpu_seconds - earlier.cpu_seconds

    def cpu_percent_since(self, earlier: ResourceSample) -> float:
        """Percent of one core (200 = both cores of a 2-core box busy)."""
        elapsed = self.at - earlier.at
        return 100.0 * self.cpu_since(earlier) / elapsed if elapsed > 0 else 0.0


class StreamlitServer:
    """`streamlit run <app>` on a free loopback port, for the length of a `with` block."""

    # Whether the workshop app runs behind HAProxy when the caller does not say: run_load.py sets it from
    # its --haproxy, so the scenario code that starts the server need not pass it along.
    workshop_haproxy: ClassVar[bool] = False

    def __init__(
        self,
        app: str | Path,
        *,
        env: dict[str, str] | None = None,
        flags: dict[str, str] | None = None,
        log_path: Path | None = None,
        start_timeout: float = 60.0,
        haproxy: bool | None = None,
    ) -> None:
        """`env` is added to this process's environment; `flags` are extra `--section.option value`s;
        `haproxy` serves the workshop app through HAProxy and two processes (default:
        `workshop_haproxy` for the workshop app)."""
        self.app = Path(app)
        is_workshop = self.app.resolve() == WORKSHOP_APP
        if haproxy is None:
            haproxy = self.workshop_haproxy and is_workshop
        if haproxy and not is_workshop:
            raise HarnessError(
                f"{self.app} cannot run behind HAProxy: the deployment serves {WORKSHOP_APP.name} only"
            )
        self.haproxy = haproxy
        self.processes = 2 if haproxy else 1
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.flags = dict(flags or {})
        self.log_path = log_path
        self.start_timeout = max(start_timeout, 180.0) if haproxy else start_timeout
        self.process: subprocess.Popen | None = None
        self._ps: psutil.Process | None = None
        self._peak_rss = 0
        self._sampler: threading.Thread | None = None
        self._stop_sampling = threading.Event()
        self._log_file = None

    # ------------------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> StreamlitServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def command(self) -> list[str]:
        flags = {
            "server.address": HOST,
            "server.port": str(self.port),
            "server.headless": "true",
            "browser.gatherUsageStats": "false",
            "server.fileWatcherType": "none",
            "server.runOnSave": "false",
            "global.developmentMode": "false",
            **self.flags,
        }
        if self.haproxy:
            # HAProxy listens on our port (TLS); each Streamlit process gets a loopback port of its own.
            command = [
                sys.executable,
                "-m",
                "benchmarks.loadharness.deployment",
                "--folder",
                tempfile.mkdtemp(prefix="easi-haproxy-"),
                "--database",
                self.env["EASI_DB"],
                "--https-port",
                str(self.port),
                "--",
            ]
            flags = {key: value for key, value in flags.items() if key not in _PER_PROCESS_FLAGS}
        else:
            command = [sys.executable, "-m", "streamlit", "run", str(self.app)]
        for key, value in flags.items():
            command += [f"--{key}", value]
        return command

    def start(self) -> None:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = open(self.log_path, "w", encoding="utf-8")
            out = self._log_file
        else:
            out = subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._ps = psutil.Process(self.process.pid)
        deadline = time.monotonic() + self.start_timeout
        scheme = "https" if self.haproxy else "http"
        url = f"{scheme}://{HOST}:{self.port}/_stcore/health"
        # Every tab of this process then speaks TLS to HAProxy (its certificate is made for the run).
        client.TLS = insecure_context() if self.haproxy else None
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=insecure_context())
        )
        while True:
            if self.process.poll() is not None:
                raise HarnessError(
                    f"streamlit exited with code {self.process.returncode} before serving; "
                    f"see {self.log_path or 'its output'}"
                )
            try:
                with opener.open(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"streamlit did not answer {url} within {self.start_timeout:.0f} s"
                )
            time.sleep(0.2)
        self._sampler = threading.Thread(
            target=self._sample_memory, name="rss-sampler", daemon=True
        )
        self._sampler.start()

    def stop(self) -> None:
        """Stop the server and everything it started (idempotent)."""
        self._stop_sampling.set()
        process = self.process
        # The deployment stops its processes itself (they are in process groups of their own);
        # whatever of the tree is still there once it is gone is killed below.
        tree = self._processes()[1:] if process is not None and process.poll() is None else []
        if process is not None and process.poll() is None:
            for sig, wait in (
                (signal.SIGTERM, 20.0 if self.processes > 1 else 10.0),
                (signal.SIGKILL, 5.0),
            ):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if tree:
            _, alive = psutil.wait_procs(tree, timeout=5)
            for leftover in alive:
                try:
                    leftover.kill()
                except psutil.Error:
                    pass
        if self._sampler is not None:
            self._sampler.join(timeout=2)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @property
    def url(self) -> str:
        return f"{'https' if self.haproxy else 'http'}://{HOST}:{self.port}/"

    # ------------------------------------------------------------------------------------ resources
    def _processes(self) -> list[psutil.Process]:
        if self._ps is None:
            return []
        try:
            return [self._ps, *self._ps.children(recursive=True)]
        except psutil.Error:
            return [self._ps]

    def sample(self) -> ResourceSample:
        """CPU seconds used so far and the memory in use now."""
        cpu = 0.0
        rss = 0
        threads = 0
        for proc in self._processes():
            try:
                with proc.oneshot():
                    times = proc.cpu_times()
                    cpu += times.user + times.system + times.children_user + times.children_system
                    rss += proc.memory_info().rss
                    threads += proc.num_threads()
            except psutil.Error:
                continue
        self._peak_rss = max(self._peak_rss, rss)
        return ResourceSample(time.monotonic(), cpu, rss, threads)

    def _sample_memory(self) -> None:
        while not self._stop_sampling.wait(0.25):
            try:
                self.sample()
            except Exception:
                pass

    @property
    def peak_rss(self) -> int:
        """The largest resident set seen: the kernel's high-water mark where it keeps one (Linux VmHWM);
        with several processes, the peak of their summed RSS as sampled every 0.25 s."""
        peak = self._peak_rss
        if self.process is not None and self.processes == 1:
            try:
                for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
            except (OSError, ValueError):
                pass
        return peak

    def dump_stacks(self, path: Path) -> bool:
        """Write every thread's Python stack of the server to `path` with py-spy, if it is installed
        (`pip install py-spy`); the server keeps running. Returns whether a dump was written."""
        import shutil as _shutil

        tool = _shutil.which("py-spy")
        if tool is None or self.process is None or self.process.poll() is not None:
            return False
        # With several processes, every one of them (the supervisor with the proxy first).
        pids = (
            [proc.pid for proc in self._processes()] if self.processes > 1 else [self.process.pid]
        )
        dumps = []
        ok = True
        for pid in pids:
            try:
                done = subprocess.run(
                    [tool, "dump", "--pid", str(pid)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired):
                ok = False
                continue
            dumps.append(
                (f"===== pid {pid}\n" if len(pids) > 1 else "") + done.stdout + done.stderr
            )
            ok = ok and done.returncode == 0
        if not dumps:
            return False
        path.write_text("\n".join(dumps), encoding="utf-8")
        return ok

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(
            self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        )
