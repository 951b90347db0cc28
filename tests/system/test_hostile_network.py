"""A hostile network client against a real server (finding 5 of the hardening issue): a websocket
message over `server.maxMessageSize` is refused and the server's memory stays bounded."""

from __future__ import annotations

import asyncio
import time
import tomllib
import urllib.request

import psutil
import pytest

from tests.paths import PROJECT
from tests.system.browser_room import app_server

websockets = pytest.importorskip("websockets")
pytestmark = pytest.mark.slow

LIMIT_MB = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())["server"][
    "maxMessageSize"
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as `easi serve` runs it (from the project root, so with .streamlit/config.toml); yields
    its port and its process."""
    with app_server(
        tmp_path_factory.mktemp("network-data"), {"EASI_PASSCODE": "a-network-test-passcode"}
    ) as app:
        yield app.port, psutil.Process(app.process.pid)


async def _send(port: int, size: int) -> int | None:
    """Send one binary message of `size` bytes; the close code the server answers with (None: open)."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],
        max_size=None,
        ping_interval=None,
        close_timeout=5,
    ) as ws:
        try:
            await ws.send(b"\x00" * size)
            await asyncio.wait_for(ws.recv(), timeout=10)
            await asyncio.wait_for(ws.recv(), timeout=2)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        except TimeoutError:
            return None
    return None


def test_the_limit_fits_the_largest_legitimate_message():
    # benchmarks/measure_ws_messages.py: a 1 MiB paste in the Studio is a 1,045,761-byte message.
    assert 1_100_000 < LIMIT_MB * 1_000_000 < 10_000_000


def test_an_oversized_message_is_refused_and_memory_stays_bounded(server):
    port, process = server
    before = process.memory_info().rss
    oversized = (
        10_000_000  # ten times the largest legitimate message (Streamlit's default takes it)
    )
    codes = [asyncio.run(_send(port, oversized)) for _ in range(10)]
    assert codes == [1009] * 10  # "message too big": the connection is closed, nothing kept
    time.sleep(1)
    grown = process.memory_info().rss - before
    assert grown < 60 * 1024 * 1024, f"the server grew by {grown / 2**20:.0f} MiB"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as answer:
        assert answer.read().strip() == b"ok"
