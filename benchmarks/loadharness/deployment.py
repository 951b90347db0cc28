"""The deployment of deploy/, started for real on this machine: HAProxy (Debian's package) with
deploy/haproxy.cfg in front of N `easi serve` processes on loopback ports, sharing one database (SQLite
file or PostgreSQL URL). Used by tests/system/test_haproxy.py and by run_load.py --haproxy, which runs
it as its own process (`python -m benchmarks.loadharness.deployment`, until SIGTERM) so that the
harness measures the CPU and memory of the whole tree: HAProxy and every Streamlit process."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = PROJECT / "deploy" / "haproxy.cfg"
MAX_WORKERS = 8  # the processes deploy/haproxy.cfg names (EASI_WORKER_1..8)


def free_port() -> int:
    """A port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def insecure_context() -> ssl.SSLContext:
    """TLS without certificate checks: the test certificate is self-signed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def get(url: str, timeout: float = 5.0):
    """urlopen with the test's TLS context, no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=insecure_context()), NoRedirect
    )
    return opener.open(url, timeout=timeout)


def self_signed_pem(folder: Path) -> Path:
    """A throwaway certificate and key for localhost in one PEM file (HAProxy's `crt`)."""
    cert, key, pem = folder / "cert.pem", folder / "key.pem", folder / "tls.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"]
    command += ["-days", "2", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem


def haproxy_environment(https_port: int, http_port: int, pem: Path, workers: list[str]) -> dict:
    """What deploy/haproxy.cfg reads: the two binds, the certificate, and one EASI_WORKER_n per process
    (the others empty, so that none is inherited from the caller's environment)."""
    if not 1 <= len(workers) <= MAX_WORKERS:
        raise ValueError(
            f"deploy/haproxy.cfg takes 1 to {MAX_WORKERS} processes (EASI_WORKER_1..)."
        )
    return {
        **os.environ,
        "EASI_BIND": f"127.0.0.1:{https_port}",
        "EASI_HTTP_BIND": f"127.0.0.1:{http_port}",
        "EASI_TLS_PEM": str(pem),
        **{f"EASI_WORKER_{n}": "" for n in range(1, MAX_WORKERS + 1)},
        **{f"EASI_WORKER_{n}": address for n, address in enumerate(workers, 1)},
    }


class Deployment:
    """HAProxy in front of `workers` Streamlit processes; `base` is the HTTPS address browsers use."""

    def __init__(
        self,
        folder: Path,
        database: str,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        https_port: int | None = None,
        streamlit_args: list[str] | None = None,
    ) -> None:
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(
                f"deploy/haproxy.cfg takes 1 to {MAX_WORKERS} processes (EASI_WORKER_1..)."
            )
        self.folder, self.database, self.extra = folder, database, env or {}
        self.streamlit_args = list(streamlit_args or [])
        self.ports = [free_port() for _ in range(workers)]
        self.https_port, self.http_port = https_port or free_port(), free_port()
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.workers: list[subprocess.Popen] = []
        self.haproxy: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        """What every process of the deployment shares."""
        return {
            **os.environ,
            "EASI_DB": self.database,
            "EASI_DATA": str(self.folder / "data"),
            "EASI_PUBLIC_URL": self.base,
            "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
            **self.extra,
        }

    def start(self, timeout: float = 120.0) -> Deployment:
        """Start the processes, then HAProxy; return once HAProxy answers over HTTPS."""
        environment = self.environment()
        for index, port in enumerate(self.ports):
            log = open(self.folder / f"worker{index + 1}.log", "w")
            self.workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "facilitation.cli",
                        "serve",
                        "--address",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--",
                        "--server.headless",
                        "true",
                        "--browser.gatherUsageStats",
                        "false",
                        *self.streamlit_args,
                    ],
                    cwd=PROJECT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for port in self.ports:
            self._wait(f"http://127.0.0.1:{port}/_stcore/health", timeout)
        pem = self_signed_pem(self.folder)
        proxy_env = haproxy_environment(
            self.https_port, self.http_port, pem, [f"127.0.0.1:{port}" for port in self.ports]
        )
        self.haproxy = subprocess.Popen(
            [shutil.which("haproxy") or "haproxy", "-db", "-f", str(HAPROXY_CFG)],
            env=proxy_env,
            stdout=open(self.folder / "haproxy.log", "w"),
            stderr=subprocess.STDOUT,
        )
        self._wait(f"{self.base}/_stcore/health", timeout)
        return self

    def kill_worker(self, index: int) -> None:
        """SIGKILL process `index` (0-based), as a crash would."""
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait(10)

    def stop(self) -> None:
        """Stop HAProxy and every process."""
        processes = ([self.haproxy] if self.haproxy else []) + self.workers
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()

    def _wait(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with get(url, timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        return
            except OSError:
                pass
            dead = [
                p for p in [*self.workers, self.haproxy] if p is not None and p.poll() is not None
            ]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(
                    f"--- {log.name}\n{log.read_text()[-3000:]}"
                    for log in self.folder.glob("*.log")
                )
                raise RuntimeError(f"{url} did not answer:\n{logs}")
            time.sleep(0.3)


def main() -> None:
    """Run a deployment until SIGTERM (for run_load.py --haproxy); prints "ready" once it serves."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("streamlit_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    deployment = Deployment(
        args.folder,
        args.database,
        https_port=args.https_port,
        streamlit_args=[a for a in args.streamlit_args if a != "--"],
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        deployment.start()
        print("ready", flush=True)
        stop.wait()
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
