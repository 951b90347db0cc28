"""`easi serve`: prints the facilitator's link once, then runs the real Streamlit server."""

from __future__ import annotations

import os
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


def test_it_binds_to_this_machine_unless_told_otherwise():
    parser = build_parser()
    assert parser.parse_args(["serve"]).address == "127.0.0.1"
    assert parser.parse_args(["serve", "--address", "0.0.0.0"]).address == "0.0.0.0"
    assert not hasattr(parser.parse_args(["serve"]), "processes")  # one process: N is deploy/'s job


def test_facilitator_link_uses_the_public_address(monkeypatch):
    assert serve.facilitator_link(8501) == "http://localhost:8501/facilitate"
    assert serve.facilitator_link(8501, "0.0.0.0") == "http://localhost:8501/facilitate"
    assert serve.facilitator_link(8501, "192.168.1.20") == "http://192.168.1.20:8501/facilitate"
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org/")
    assert serve.facilitator_link(8501) == "https://easi.example.org/facilitate"


def test_serve_says_where_participants_join(monkeypatch):
    monkeypatch.delenv("EASI_PUBLIC_URL", raising=False)
    monkeypatch.setattr(serve.network, "machine_addresses", lambda: ["127.0.0.1", "192.168.1.20"])
    # Bound to every interface: the machine's LAN address, which other laptops can reach.
    assert (
        serve.join_notice(8501, "0.0.0.0") == "Participants join at http://192.168.1.20:8501/join"
    )
    assert (
        serve.join_notice(8501, "192.168.1.9")
        == "Participants join at http://192.168.1.9:8501/join"
    )
    # Bound to loopback (the default): nobody else can join, and serve says so.
    assert "cannot join from other laptops" in serve.join_notice(8501)
    assert "cannot join from other laptops" in serve.join_notice(8501, "127.0.0.1")
    monkeypatch.setattr(serve.network, "machine_addresses", lambda: ["127.0.0.1"])
    assert "cannot join from other laptops" in serve.join_notice(8501, "0.0.0.0")
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org")
    assert serve.join_notice(8501) == "Participants join at https://easi.example.org/join"


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "localhost"])
def test_loopback_needs_no_warning(address):
    assert serve.exposure_warning(address) == ""


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.20"])
def test_other_machines_over_plain_http_are_said_plainly(address):
    warning = serve.exposure_warning(address)
    assert "reachable from other machines over plain HTTP" in warning
    assert "deploy/Caddyfile" in warning


def test_behind_a_tls_proxy_it_says_who_should_reach_it(monkeypatch):
    monkeypatch.setenv("EASI_PUBLIC_URL", "https://easi.example.org")
    warning = serve.exposure_warning("0.0.0.0")
    assert "plain HTTP" not in warning and "only that proxy" in warning


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
        with (
            socket.socket() as probe
        ):  # loopback only: another interface of this machine is refused
            outside = _an_address_other_than_loopback()
            if outside:
                assert probe.connect_ex((outside, port)) != 0
    finally:
        os.killpg(server.pid, 9)
        server.wait(timeout=10)


def _an_address_other_than_loopback() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent by a UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize(("name", "value"), [("EASI_POLL_SECONDS", "20"), ("EASI_MAX_SEATS", "0")])
def test_serve_refuses_a_setting_no_page_could_use(monkeypatch, capsys, name, value):
    """The operator hears of it at once, not a participant on the play page."""
    monkeypatch.setenv("EASI_PASSCODE", "a-long-test-passcode-1")
    monkeypatch.setenv(name, value)
    monkeypatch.setattr(serve.os, "execv", lambda *a: pytest.fail("the server must not start"))
    assert serve.run(build_parser().parse_args(["serve"])) == 1
    assert f"easi serve: {name} must be a whole number" in capsys.readouterr().err
