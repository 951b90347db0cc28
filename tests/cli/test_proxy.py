"""The sticky proxy of `easi serve --processes N` (facilitation/cli/proxy.py), on real loopback sockets.

Most tests put the proxy in front of two tiny HTTP backends that answer with their own index; the last
one runs `easi serve --processes 2` for real and opens a Streamlit session through it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from facilitation.cli.proxy import COOKIE_NAME, MAX_HEAD_BYTES, Proxy, start_proxy, worker_from_head

# ---------------------------------------------------------------------------------------------- helpers
UPGRADE = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Backend:
    """An HTTP/1.1 server on loopback that answers every request with `backend=<index>`, keeps the
    connection alive, and on `Upgrade:` answers 101 and then echoes every byte back (a websocket
    stand-in). It records the request heads it saw."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.heads: list[bytes] = []
        self.server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def start(self) -> Backend:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                self.heads.append(head)
                length = _content_length(head)
                if length:
                    await reader.readexactly(length)
                if b"\r\nupgrade:" in head.lower():
                    writer.write(UPGRADE)
                    while chunk := await reader.read(65536):
                        writer.write(chunk)
                        await writer.drain()
                    writer.write_eof()
                    return
                body = f"backend={self.index}".encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(body), body)
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        self.server.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@asynccontextmanager
async def proxied(
    count: int = 2, *, dead: tuple[int, ...] = (), head_timeout: float = 30.0
) -> AsyncIterator[tuple[Proxy, list[Backend]]]:
    """A proxy in front of `count` backends; the indexes in `dead` point at ports where nothing listens."""
    backends = [await Backend(i).start() for i in range(count)]
    ports = [_free_port() if i in dead else backend.port for i, backend in enumerate(backends)]
    for i in dead:
        await backends[i].close()
    proxy = await start_proxy("127.0.0.1", 0, ports, head_timeout=head_timeout)
    try:
        yield proxy, backends
    finally:
        await proxy.close()
        for backend in backends:
            await backend.close()


class Response:
    def __init__(self, head: bytes, body: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = [
            tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if line
        ]
        self.body = body

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def worker(self) -> int | None:
        """The easi_worker the proxy set, if it set one."""
        for value in self.header("Set-Cookie"):
            if value.startswith(f"{COOKIE_NAME}="):
                return int(value.split(";")[0].split("=")[1])
        return None


async def read_response(reader: asyncio.StreamReader) -> Response:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    body = await asyncio.wait_for(reader.readexactly(_content_length(head)), timeout=10)
    return Response(head, body)


def request(path: str = "/", cookie: str | None = None, extra: str = "") -> bytes:
    cookie_line = f"Cookie: {cookie}\r\n" if cookie is not None else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie_line}{extra}\r\n".encode()


async def get(port: int, path: str = "/", cookie: str | None = None) -> Response:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request(path, cookie))
        return await read_response(reader)
    finally:
        writer.close()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=20))


# ------------------------------------------------------------------------------------------ the cookie
@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("easi_worker=1", 1),
        ("theme=dark; easi_worker=0; _streamlit_xsrf=2|a|b|3", 0),
        ('easi_worker="1"', 1),
        ("easi_worker=2", None),  # out of range
        ("easi_worker=-1", None),
        ("easi_worker=1x", None),
        ("easi_worker=", None),
        ("easi_worker=99999999999999999999", None),
        (
            "easi_worker=\uff11".encode().decode("latin-1"),
            None,
        ),  # a full-width digit is not a number here
        ("other_easi_worker=1", None),
        ("", None),
    ],
)
def test_worker_from_head(cookie, expected):
    head = f"GET /?t=secret HTTP/1.1\r\nHost: x\r\nCookie: {cookie}".encode("latin-1")
    assert worker_from_head(head, 2) == expected


def test_cookie_header_name_is_case_insensitive_and_request_line_is_ignored():
    assert worker_from_head(b"GET / HTTP/1.1\r\ncOOKIE: easi_worker=1", 2) == 1
    assert worker_from_head(b"Cookie: easi_worker=1 HTTP/1.1\r\nHost: x", 2) is None


# ------------------------------------------------------------------------------------------ routing
def test_a_new_client_gets_the_cookie_and_the_answer_of_that_backend():
    async def scenario() -> None:
        async with proxied() as (proxy, backends):
            first = await get(proxy.port, "/_stcore/health")
            assert first.status == 200
            assert first.worker in (0, 1)
            assert first.body == f"backend={first.worker}".encode()
            assert first.header("Set-Cookie") == [
                f"{COOKIE_NAME}={first.worker}; Path=/; HttpOnly; SameSite=Lax"
            ]
            # The cookie goes in right after the status line; the backend's own headers follow unchanged.
            assert [key for key, _ in first.headers] == [
                "Set-Cookie",
                "Content-Type",
                "Content-Length",
            ]
            # The request reached the backend unchanged.
            assert backends[first.worker].heads == [request("/_stcore/health")]

    run(scenario)


def test_requests_with_the_cookie_stay_on_their_backend():
    async def scenario() -> None:
        async with proxied() as (proxy, _):
            for worker in (0, 1):
                answers = await asyncio.gather(
                    *(get(proxy.port, f"/media/{n}", f"{COOKIE_NAME}={worker}") for n in range(40))
                )
                assert {answer.body for answer in answers} == {f"backend={worker}".encode()}
                assert all(not answer.header("Set-Cookie") for answer in answers)  # untouched
            assert proxy.stats.by_cookie == 80

    run(scenario)


def test_new_clients_go_to_the_backend_with_fewest_connections():
    async def scenario() -> None:
        async with proxied() as (proxy, _):
            held = []
            for _ in range(2):  # two browsers that keep their connection open
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
                writer.write(request())
                held.append((writer, (await read_response(reader)).worker))
            assert sorted(worker for _, worker in held) == [0, 1]  # a tie goes in turn
            # The browser on one backend leaves: the next new one goes there, whoever's turn it was.
            leaving, freed = held.pop()
            leaving.close()
            await leaving.wait_closed()
            while proxy.balancer.open[freed]:
                await asyncio.sleep(0.01)
            assert (await get(proxy.port)).worker == freed
            # Many at once spread evenly.
            answers = await asyncio.gather(*(get(proxy.port) for _ in range(20)))
            counts = [sum(answer.worker == i for answer in answers) for i in (0, 1)]
            assert abs(counts[0] - counts[1]) <= 2, counts
            for writer, _ in held:
                writer.close()

    run(scenario)


def test_a_keep_alive_connection_carries_several_requests():
    async def scenario() -> None:
        async with proxied() as (proxy, backends):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(request("/one"))
            first = await read_response(reader)
            writer.write(request("/two"))
            second = await read_response(reader)
            writer.write(request("/three", extra="Content-Length: 5\r\n") + b"hello")
            third = await read_response(reader)
            writer.close()
            assert first.worker is not None
            assert first.body == second.body == third.body == f"backend={first.worker}".encode()
            assert (
                second.worker is None and third.worker is None
            )  # the cookie only on the first answer
            assert len(backends[first.worker].heads) == 3

    run(scenario)


def test_a_client_that_half_closes_still_gets_its_answer():
    async def scenario() -> None:
        async with proxied() as (proxy, _):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(request(cookie=f"{COOKIE_NAME}=1"))
            writer.write_eof()
            answer = await read_response(reader)
            assert answer.body == b"backend=1"
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # then both ends close
            writer.close()

    run(scenario)


def test_a_websocket_upgrade_is_piped_both_ways_intact():
    payload = os.urandom(6 * 1024 * 1024)

    async def scenario() -> None:
        async with proxied() as (proxy, _):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(
                request("/_stcore/stream", extra="Upgrade: websocket\r\nConnection: Upgrade\r\n")
            )
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            assert head.startswith(b"HTTP/1.1 101 ")
            assert (
                f"Set-Cookie: {COOKIE_NAME}=".encode() in head
            )  # a cookie-less upgrade is placed too

            async def send() -> None:
                for start in range(0, len(payload), 100_000):
                    writer.write(payload[start : start + 100_000])
                    await writer.drain()
                writer.write_eof()

            async def receive() -> bytes:
                await asyncio.sleep(
                    0.5
                )  # a slow reader: the proxy's buffers fill and it must pause
                received = bytearray()
                while chunk := await reader.read(65536):
                    received += chunk
                return bytes(received)

            _, echoed = await asyncio.gather(send(), receive())
            writer.close()
            assert len(echoed) == len(payload)
            assert hashlib.sha256(echoed).digest() == hashlib.sha256(payload).digest()
            assert proxy.stats.pauses > 0  # flow control did its job instead of buffering megabytes

    run(scenario)


# ------------------------------------------------------------------------------------------ refusals
def test_an_unreachable_backend_gives_502_and_logs_no_request(caplog):
    async def scenario() -> None:
        async with proxied(dead=(1,)) as (proxy, _):
            with caplog.at_level(logging.DEBUG, logger="facilitation.cli.proxy"):
                answer = await get(proxy.port, "/play?t=SECRET-TOKEN", f"{COOKIE_NAME}=1")
            assert answer.status == 502
            assert answer.body.startswith(b"Bad gateway")
            assert answer.header("Connection") == ["close"]
            assert (await get(proxy.port, "/", f"{COOKIE_NAME}=0")).body == b"backend=0"
            assert proxy.stats.bad_gateway == 1

    run(scenario)
    assert "unreachable" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text and "/play" not in caplog.text


@pytest.mark.parametrize("ended", [False, True])
def test_an_oversized_head_gives_400(ended):
    async def scenario() -> None:
        async with proxied() as (proxy, backends):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(
                b"GET / HTTP/1.1\r\nX-Filler: "
                + b"a" * MAX_HEAD_BYTES
                + (b"\r\n\r\n" if ended else b"")
            )
            answer = await read_response(reader)
            assert answer.status == 400
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            writer.close()
            assert not backends[0].heads and not backends[1].heads

    run(scenario)


def test_a_client_that_sends_no_head_in_time_is_closed():
    async def scenario() -> None:
        async with proxied(head_timeout=0.2) as (proxy, _):
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"GET / HTTP/1.1\r\n")  # and then nothing
            answer = await read_response(reader)
            assert answer.status == 408
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""
            writer.close()
            assert proxy.stats.refused == 1

    run(scenario)


@pytest.mark.parametrize(
    "cookie",
    [
        "easi_worker=abc",
        "easi_worker=2",
        "easi_worker=-0",
        "easi_worker=1 2",
        "easi_worker=+1",
        "easi_worker",
    ],
)
def test_a_malformed_cookie_falls_back_to_choosing(cookie):
    async def scenario() -> None:
        async with proxied() as (proxy, _):
            answer = await get(proxy.port, cookie=cookie)
            assert answer.worker in (0, 1)
            assert answer.body == f"backend={answer.worker}".encode()
            assert proxy.stats.chosen == 1

    run(scenario)


# ------------------------------------------------------------------------------------------ end to end
def _wait_for_health(port: int, server: subprocess.Popen, log: Path, attempts: int = 240) -> None:
    """Bounded wait for the proxy to answer (it starts serving once both processes are healthy)."""
    for _ in range(attempts):
        if server.poll() is not None:
            raise AssertionError(
                f"easi serve exited with {server.returncode}: {log.read_text(encoding='utf-8')}"
            )
        try:
            asyncio.run(get(port, "/_stcore/health"))
            return
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            time.sleep(0.25)
    raise AssertionError("easi serve --processes 2 did not answer /_stcore/health")


async def _upload(port: int, session_id: str, cookies: dict[str, str]) -> int:
    """PUT a small file to Streamlit's upload endpoint as the browser's file uploader does."""
    boundary = "easiboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.yaml"\r\n'
        f"Content-Type: application/x-yaml\r\n\r\nid: s\r\n--{boundary}--\r\n"
    ).encode()
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    head = (
        f"PUT /_stcore/upload_file/{session_id}/file-1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: {cookie}\r\nX-Xsrftoken: {cookies.get('_streamlit_xsrf', '')}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        return (await read_response(reader)).status
    finally:
        writer.close()


@pytest.mark.slow
def test_easi_serve_with_two_processes_end_to_end(tmp_path):
    import psutil

    from benchmarks.loadharness.client import StreamlitSession

    port = _free_port()
    environment = {
        **os.environ,
        "EASI_DATA": str(tmp_path / "data"),
        "EASI_DB": str(tmp_path / "easi.db"),
    }
    environment.pop("EASI_PASSCODE", None)
    log = tmp_path / "serve.log"
    children: list[psutil.Process] = []
    with log.open("w", encoding="utf-8") as output:  # a file, not a pipe nobody reads while it runs
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "facilitation.cli",
                "serve",
                "--processes",
                "2",
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_health(port, server, log)
        children = psutil.Process(server.pid).children(recursive=True)
        assert len([child for child in children if "streamlit" in " ".join(child.cmdline())]) == 2

        async def scenario() -> None:
            one, two = await get(port, "/_stcore/health"), await get(port, "/_stcore/health")
            assert one.body == two.body == b"ok"
            assert {one.worker, two.worker} == {0, 1}  # two new browsers, one on each process

            async with StreamlitSession(port, name="through-proxy", run_timeout=20) as tab:
                assert tab.has_text("EASI Workshop")
                assert not tab.stats.errors and not tab.stats.exceptions
                worker = int(tab.cookies[COOKIE_NAME])
                # An upload (the Studio page's file uploader) reaches the process holding the session...
                assert await _upload(port, tab.session_id, tab.cookies) == 204
                # ... and only that one: without stickiness Streamlit refuses it.
                elsewhere = {**tab.cookies, COOKIE_NAME: str(1 - worker)}
                assert await _upload(port, tab.session_id, elsewhere) == 400

        asyncio.run(asyncio.wait_for(scenario(), timeout=40))
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"still running after easi serve stopped: {alive}"
        assert "2 processes serving on port" in log.read_text(encoding="utf-8")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        for child in children:  # never leave a Streamlit behind, whatever failed
            try:
                child.kill()
            except psutil.Error:
                pass
