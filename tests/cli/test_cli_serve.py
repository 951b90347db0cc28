"""`easi serve`: prints the facilitator's link once, then runs the real Streamlit server."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from facilitation.cli import build_parser, serve
from facilitation.settings import project_root


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_streamlit_command_runs_the_app_from_the_project(tmp_path):
    command = serve.streamlit_command(8600, "127.0.0.1", ["--", "--server.headless", "true"])
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4] == str(project_root() / "workshop_app.py")
    assert command[5:] == [
        "--server.port",
        "8600",
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]


def test_facilitator_link_uses_the_public_address(monkeypatch):
    assert serve.facilitator_link(8501) == "http://localhost:8501/facilitate"
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org/")
    assert serve.facilitator_link(8501) == "https://easi.example.org/facilitate"


def test_serve_says_where_participants_join(monkeypatch):
    monkeypatch.delenv("EASI_PUBLIC_URL", raising=False)
    monkeypatch.setattr(serve.network, "machine_addresses", lambda: ["127.0.0.1", "192.168.1.20"])
    assert serve.join_notice(8501) == "Participants join at http://192.168.1.20:8501/join"
    assert "reachable from this machine only" in serve.join_notice(8501, "127.0.0.1")
    assert serve.join_notice(8501, "0.0.0.0").endswith("192.168.1.20:8501/join")
    monkeypatch.setattr(serve.network, "machine_addresses", lambda: ["127.0.0.1"])
    assert "other laptops cannot join" in serve.join_notice(8501)
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org")
    assert serve.join_notice(8501) == "Participants join at https://easi.example.org/join"


def test_processes_is_a_number_or_auto():
    assert serve.parse_processes("3") == 3
    assert serve.parse_processes("auto") == max(1, os.cpu_count() or 1)
    for bad in ("0", "-2", "two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            serve.parse_processes(bad)
    parser = build_parser()
    assert parser.parse_args(["serve"]).processes == 1  # one plain `streamlit run`, as before
    assert parser.parse_args(["serve", "--processes", "auto"]).processes >= 1


def test_each_process_behind_the_proxy_listens_on_loopback(tmp_path):
    command = serve.worker_command(8600, ["--", "--server.maxUploadSize", "2"])
    assert command[4] == str(project_root() / "workshop_app.py")
    assert command[5:9] == ["--server.port", "8600", "--server.address", "127.0.0.1"]
    assert command[9:] == [
        "--server.headless",
        "true",
        "--logger.hideWelcomeMessage",
        "true",
        "--server.maxUploadSize",
        "2",
    ]


@pytest.mark.parametrize("flag", ["--server.port", "--server.address=0.0.0.0"])
def test_several_processes_refuse_a_port_for_streamlit(flag, capsys):
    args = build_parser().parse_args(["serve", "--processes", "2", "--", flag, "9000"])
    assert serve.run(args) == 2
    assert "use --port and --address" in capsys.readouterr().err


def test_the_processes_share_one_cookie_secret_unless_the_operator_set_one(monkeypatch):
    monkeypatch.delenv("STREAMLIT_SERVER_COOKIE_SECRET", raising=False)
    monkeypatch.setattr(serve, "_config_sets_cookie_secret", lambda: False)
    first = serve._worker_environment([])["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert (
        len(first) == 64
        and first != serve._worker_environment([])["STREAMLIT_SERVER_COOKIE_SECRET"]
    )
    assert "STREAMLIT_SERVER_COOKIE_SECRET" not in serve._worker_environment(
        ["--server.cookieSecret", "x"]
    )
    monkeypatch.setattr(serve, "_config_sets_cookie_secret", lambda: True)
    assert "STREAMLIT_SERVER_COOKIE_SECRET" not in serve._worker_environment([])
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "mine")
    assert serve._worker_environment([])["STREAMLIT_SERVER_COOKIE_SECRET"] == "mine"


# A stand-in for `streamlit run` behind the proxy: answers every GET with "ok", or exits at once with
# the code given after the port.
_FAKE_WORKER = """
import http.server, sys
if len(sys.argv) > 2:
    sys.exit(int(sys.argv[2]))
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()
"""


def _supervise_fakes(monkeypatch, exit_code: str | None, during) -> int:
    """Run `easi serve --processes 2`'s supervisor over two fake workers; `during(port, workers)` runs
    once the proxy serves (when the workers start at all). Returns the supervisor's exit code."""
    import asyncio

    import psutil

    extra = [exit_code] if exit_code else []
    monkeypatch.setattr(
        serve,
        "worker_command",
        lambda port, _: [sys.executable, "-c", _FAKE_WORKER, str(port), *extra],
    )
    args = argparse.Namespace(address="127.0.0.1", port=_free_port(), streamlit_args=[])

    async def scenario() -> int:
        supervisor = asyncio.create_task(serve._supervise(args, 2))
        workers: list[psutil.Process] = []
        for _ in range(200):  # bounded wait for the proxy, or for the supervisor to give up
            if supervisor.done():
                return supervisor.result()
            workers = [
                child for child in psutil.Process().children() if _FAKE_WORKER in child.cmdline()
            ]
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", args.port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        await during(args.port, workers)
        code = await asyncio.wait_for(supervisor, timeout=30)
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, "a worker outlived the supervisor"
        return code

    return asyncio.run(scenario())


def test_a_process_that_dies_stops_the_others_with_an_error(monkeypatch, capsys):
    async def kill_one(port, workers):
        assert len(workers) == 2
        workers[0].kill()

    assert _supervise_fakes(monkeypatch, None, kill_one) == 1
    assert "exited unexpectedly" in capsys.readouterr().err


def test_a_process_that_cannot_start_is_named(monkeypatch, capsys):
    async def never(port, workers):  # pragma: no cover - the proxy never serves
        raise AssertionError("served without its processes")

    assert _supervise_fakes(monkeypatch, "3", never) == 1
    assert "exited with code 3 before serving" in capsys.readouterr().err


def test_a_stop_signal_stops_everything_cleanly(monkeypatch, capsys):
    async def terminate(port, workers):
        import asyncio

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /_stcore/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(
            b"HTTP/1.0 200"
        )  # through the proxy
        writer.close()
        os.kill(
            os.getpid(), signal.SIGTERM
        )  # the supervisor's handler, not the default: pytest lives on

    assert _supervise_fakes(monkeypatch, None, terminate) == 0
    assert "proxy stopped" in capsys.readouterr().err


def _health(port: int, attempts: int = 60) -> bytes | None:
    """The server's health answer, waiting up to `attempts` half-seconds for it to come up."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/_stcore/health", timeout=2
            ) as reply:
                return reply.read()
        except OSError:
            time.sleep(0.5)
    return None


@pytest.mark.slow
def test_serve_prints_the_generated_link_then_serves(tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "EASI_DATA": str(tmp_path / "data"),
        "EASI_DB": str(tmp_path / "easi.db"),
    }
    environment.pop("EASI_PASSCODE", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "facilitation.cli",
            "serve",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        first = (
            server.stdout.readline()
            + server.stdout.readline()
            + server.stdout.readline()
            + server.stdout.readline()
        )
        passcode = (tmp_path / "data" / "passcode").read_text(encoding="utf-8").strip()
        assert f"http://localhost:{port}/facilitate?passcode={passcode}" in first
        assert _health(port) == b"ok"
    finally:
        os.killpg(server.pid, 9)
        server.wait(timeout=10)
