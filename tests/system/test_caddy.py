"""deploy/Caddyfile for real: `caddy validate` on the shipped file, then Caddy (Debian's package) in
front of one `easi serve` process, on plain HTTP on loopback through the file's own environment
variables (EASI_HOST, EASI_UPSTREAMS, EASI_CADDY_ADMIN): the app's page, the security headers and the
websocket that every Streamlit page is come through; the metrics do not.

Skipped with the reason where Caddy is missing, except in CI (EASI_REQUIRE_CADDY=1), where that fails."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmarks.loadharness import StreamlitSession
from benchmarks.loadharness.deployment import free_port
from tests.paths import PROJECT

pytestmark = [pytest.mark.slow]

CADDYFILE = PROJECT / "deploy" / "Caddyfile"


def _caddy() -> str:
    found = shutil.which("caddy")
    if found:
        return found
    if os.environ.get("EASI_REQUIRE_CADDY") == "1":
        pytest.fail("caddy is missing although EASI_REQUIRE_CADDY=1", pytrace=False)
    pytest.skip(
        "caddy is missing: install Debian's package (apt-get install caddy) to run this test"
    )


def _environment(folder: Path, **values: str) -> dict[str, str]:
    """Caddy's environment: its own data and config folders (never the operator's), and `values`."""
    return {
        **os.environ,
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        **values,
    }


def _wait_ok(url: str, processes: list[subprocess.Popen], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.3)


@pytest.mark.parametrize(
    "host, upstreams",
    [("easi.example.org", ""), ("http://127.0.0.1:8080", "127.0.0.1:8601 127.0.0.1:8602")],
)
def test_the_shipped_caddyfile_is_valid(tmp_path, host, upstreams):
    caddy = _caddy()
    values = {"EASI_HOST": host}
    if upstreams:
        values["EASI_UPSTREAMS"] = upstreams
    checked = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE)],
        env=_environment(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "Valid configuration" in checked.stdout + checked.stderr


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """One `easi serve` process and Caddy in front of it, on plain HTTP on loopback."""
    caddy = _caddy()
    folder = tmp_path_factory.mktemp("caddy")
    worker_port, caddy_port = free_port(), free_port()
    worker_env = {
        **os.environ,
        "EASI_DB": str(folder / "easi.db"),
        "EASI_DATA": str(folder / "data"),
        "EASI_PUBLIC_URL": f"http://127.0.0.1:{caddy_port}",
    }
    command = [sys.executable, "-m", "facilitation.cli", "serve", "--address", "127.0.0.1"]
    command += ["--port", str(worker_port), "--", "--server.headless", "true"]
    worker = subprocess.Popen(
        command,
        cwd=PROJECT,
        env=worker_env,
        stdout=open(folder / "worker.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proxy = None
    try:
        _wait_ok(f"http://127.0.0.1:{worker_port}/_stcore/health", [worker])
        proxy = subprocess.Popen(
            [caddy, "run", "--config", str(CADDYFILE)],
            env=_environment(
                folder,
                EASI_HOST=f"http://127.0.0.1:{caddy_port}",
                EASI_UPSTREAMS=f"127.0.0.1:{worker_port}",
                EASI_CADDY_ADMIN="off",
            ),
            stdout=open(folder / "caddy.log", "w"),
            stderr=subprocess.STDOUT,
        )
        _wait_ok(f"http://127.0.0.1:{caddy_port}/_stcore/health", [worker, proxy])
        yield caddy_port
    finally:
        for process in (proxy, worker):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_the_app_page_and_the_security_headers_come_through(front):
    with urllib.request.urlopen(f"http://127.0.0.1:{front}/", timeout=10) as answer:
        headers, body = answer.headers, answer.read()
    assert b"<noscript>" in body  # Streamlit's page, served through Caddy
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Server" not in headers
    assert "easi_worker=" in headers["Set-Cookie"]


def test_metrics_are_not_public(front):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{front}/_stcore/metrics", timeout=10)
    assert refused.value.code == 404


def test_the_websocket_upgrade_works(front):
    async def visit() -> list[str]:
        tab = StreamlitSession(front, name="through-caddy", run_timeout=60)
        try:
            run = await tab.connect()  # the websocket handshake through Caddy, then a page run
            assert run is not None and run.finished
            return tab.texts()
        finally:
            await tab.close()

    texts = asyncio.run(visit())
    assert any("EASI Workshop" in text for text in texts), texts[:10]
