"""A small sticky reverse proxy in front of several Streamlit processes (`easi serve --processes N`).

A Streamlit server is one Python process and so uses about one core. To use more, `easi serve` runs N
`streamlit run` processes on loopback ports and this proxy on the public port. Streamlit keeps each
browser's session, uploaded files and media in the memory of the process that opened it, so every
connection of one browser must reach the same process. The proxy keeps a browser on one process with a
cookie of its own, `easi_worker=K`:

- it reads the first request head of each client connection; if its `Cookie` header names a valid
  process K, the connection goes to K untouched;
- otherwise it picks the process with the fewest open client connections (ties in turn) and adds
  `Set-Cookie: easi_worker=K` to that process's first response on the connection;
- after that first head it pipes bytes both ways unchanged, which carries HTTP keep-alive requests and
  WebSocket upgrades (`/_stcore/stream` is a long-lived websocket) alike.

It never rewrites anything else (Streamlit checks the Origin against the Host header, which passes as
is), and it never logs request lines, headers or bodies: query strings carry participants' rejoin
tokens. Only counts and connection errors are logged.

It is built on asyncio Protocols and transports rather than streams: each chunk costs one
`data_received` call and one `write`, which matters because the proxy shares the supervisor's single
core with nothing else but carries every tab's polls. Flow control is explicit: when one side's write
buffer passes a high-water mark the other side stops reading until it drains.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "BACKEND_HOST",
    "COOKIE_NAME",
    "Balancer",
    "Proxy",
    "ProxyStats",
    "run_proxy",
    "serve_proxy",
    "start_proxy",
    "worker_from_head",
]

COOKIE_NAME = "easi_worker"
BACKEND_HOST = (
    "127.0.0.1"  # backends are always local processes; only the listening side is configurable
)
MAX_HEAD_BYTES = 16 * 1024  # a request head larger than this is refused (browsers send 1-4 KiB)
HEAD_TIMEOUT = 30.0  # seconds a new connection may take to send its first request head
CONNECT_TIMEOUT = 10.0  # seconds to reach a backend on loopback before answering 502
# Above HIGH_WATER bytes waiting in one side's write buffer the other side stops reading; below
# LOW_WATER it reads again. Large enough that a poll's deltas never pause, small enough to bound memory
# per connection when a laptop on a slow network downloads a big page or export.
HIGH_WATER = 512 * 1024
LOW_WATER = 128 * 1024

_log = logging.getLogger(__name__)

_COOKIE_HEADER = b"cookie"
_MAX_INDEX_DIGITS = 4  # more processes than 9999 is not a thing; bounds int() on hostile input


def worker_from_head(head: bytes, workers: int) -> int | None:
    """The process index a request head's `easi_worker` cookie names, if it names one of `workers`.

    `head` is the request line and header lines (without the blank line). Anything malformed (no cookie,
    not a number, out of range, signs, spaces inside) is None, so the caller picks a process instead.
    """
    lines = head.split(b"\r\n")
    for line in lines[1:]:  # lines[0] is the request line
        name, colon, value = line.partition(b":")
        if not colon or name.strip().lower() != _COOKIE_HEADER:
            continue
        for pair in value.split(b";"):
            key, equals, raw = pair.partition(b"=")
            if not equals or key.strip() != COOKIE_NAME.encode():
                continue
            digits = raw.strip().strip(b'"')
            # bytes.isdigit() is ASCII-only, unlike str.isdigit(), so "１" or "²" are not numbers here.
            if digits.isdigit() and len(digits) <= _MAX_INDEX_DIGITS:
                index = int(digits)
                if index < workers:
                    return index
    return None


def _set_cookie_header(index: int) -> bytes:
    # HttpOnly: no page script needs it. Lax: sent on top-level navigation (a QR code's link) too.
    return f"Set-Cookie: {COOKIE_NAME}={index}; Path=/; HttpOnly; SameSite=Lax\r\n".encode("ascii")


def _plain_response(status: str, text: str) -> bytes:
    body = (text + "\n").encode("utf-8")
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("ascii") + body


_BAD_REQUEST = _plain_response("400 Bad Request", "Bad request: the request head is too large.")
_TIMEOUT = _plain_response("408 Request Timeout", "Request timeout: no request arrived in time.")
_BAD_GATEWAY = _plain_response(
    "502 Bad Gateway", "Bad gateway: the workshop server is not answering. Try again in a moment."
)


class Balancer:
    """Which backend a new browser goes to: the fewest open client connections, ties in turn."""

    def __init__(self, ports: Sequence[int]) -> None:
        if not ports:
            raise ValueError("the proxy needs at least one backend port")
        self.ports = tuple(int(port) for port in ports)
        self.open = [0] * len(
            self.ports
        )  # open client connections per backend, sticky ones included
        self._turn = 0  # where the next tie-break starts, so equal backends take turns

    def choose(self) -> int:
        """The index of the least busy backend (without counting the new connection yet)."""
        fewest = min(self.open)
        count = len(self.ports)
        for step in range(count):
            index = (self._turn + step) % count
            if self.open[index] == fewest:
                self._turn = (index + 1) % count
                return index
        raise AssertionError("unreachable: some backend has the fewest connections")


@dataclass
class ProxyStats:
    """Counters only: the proxy keeps no record of what was asked."""

    accepted: int = 0
    by_cookie: int = 0  # routed by a valid easi_worker cookie
    chosen: int = 0  # routed by the balancer (and given the cookie)
    refused: int = 0  # 400 (head too large) or 408 (no head in time)
    bad_gateway: int = 0  # the backend could not be reached
    pauses: int = 0  # times a full write buffer stopped the other side reading (flow control)
    per_backend: list[int] = field(default_factory=list)  # connections routed to each backend

    def summary(self) -> str:
        return (
            f"{self.accepted} connections: {self.by_cookie} by cookie, {self.chosen} newly placed "
            f"(per process {self.per_backend}), {self.refused} refused, {self.bad_gateway} bad gateway, "
            f"{self.pauses} flow-control pauses"
        )


class _Side(asyncio.Protocol):
    """What both ends of a tunnel share: a transport, its peer, EOF state and reading holds."""

    transport: asyncio.Transport | None = None
    peer: _Side | None = None

    def __init__(self, stats: ProxyStats) -> None:
        self.stats = stats
        self.eof = False
        self.closed = False
        self._holds: set[str] = set()  # why reading is paused; it resumes when no reason is left

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)

    def hold(self, reason: str) -> None:
        """Stop reading from this side (the peer cannot take more yet)."""
        if not self._holds and self.transport is not None:
            self.transport.pause_reading()
        self._holds.add(reason)

    def release(self, reason: str) -> None:
        """Read again once nothing else holds this side."""
        if reason in self._holds:
            self._holds.discard(reason)
            if not self._holds and self.transport is not None and not self.closed:
                self.transport.resume_reading()

    # Flow control: our write buffer is full, so the side that fills it must stop reading.
    def pause_writing(self) -> None:
        self.stats.pauses += 1
        if self.peer is not None:
            self.peer.hold("peer-full")

    def resume_writing(self) -> None:
        if self.peer is not None:
            self.peer.release("peer-full")

    def eof_received(self) -> bool:
        """Half-close: pass the EOF on and keep our own write side open until the peer is done too."""
        self.eof = True
        peer = self.peer
        if peer is None or peer.transport is None:
            return False  # nothing to forward to: close
        if peer.eof:
            self.transport.close()
            peer.transport.close()
            return True
        if peer.transport.can_write_eof():
            peer.transport.write_eof()
            return True
        peer.transport.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()  # flushes what is already buffered, then closes


class _Backend(_Side):
    """The proxy's connection to one Streamlit process, on behalf of one client connection."""

    def __init__(self, client: _Client, cookie: bytes | None) -> None:
        super().__init__(client.stats)
        self.peer = client
        self._cookie = cookie  # the Set-Cookie line to add to the first response head, if any
        self._pending = bytearray()

    def data_received(self, data: bytes) -> None:
        client = self.peer.transport
        if self._cookie is None:
            client.write(data)
            return
        self._pending += data
        out = self._inject()
        if out:
            client.write(out)

    def _inject(self) -> bytes:
        """Add the cookie after the status line of the first final response; return what may go out."""
        buffer = self._pending
        out = bytearray()
        while True:
            end_of_status = buffer.find(b"\r\n")
            if end_of_status < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    return self._give_up(out)  # not HTTP as we know it: pass it on untouched
                return bytes(out)
            status = bytes(buffer[9:12]) if buffer.startswith(b"HTTP/1.") else b""
            if status.startswith(b"1") and status != b"101":
                # An interim response (100 Continue): the cookie belongs on the final one.
                end_of_head = buffer.find(b"\r\n\r\n")
                if end_of_head < 0:
                    if len(buffer) > MAX_HEAD_BYTES:
                        return self._give_up(out)
                    return bytes(out)
                out += buffer[: end_of_head + 4]
                del buffer[: end_of_head + 4]
                continue
            out += buffer[: end_of_status + 2]
            out += self._cookie
            out += buffer[end_of_status + 2 :]
            self._cookie = None
            self._pending = bytearray()
            return bytes(out)

    def _give_up(self, out: bytearray) -> bytes:
        out += self._pending
        self._cookie = None
        self._pending = bytearray()
        return bytes(out)

    def eof_received(self) -> bool:
        self._flush_pending()
        return super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._flush_pending()
        super().connection_lost(exc)

    def _flush_pending(self) -> None:
        # A backend that closes before a whole status line: pass on what it sent, unchanged.
        if self._cookie is not None and self._pending:
            self.peer.transport.write(bytes(self._pending))
        self._cookie = None
        self._pending = bytearray()


class _Client(_Side):
    """One accepted client connection: read its first head, route it, then tunnel."""

    def __init__(self, proxy: Proxy) -> None:
        super().__init__(proxy.stats)
        self._proxy = proxy
        self._buffer = bytearray()  # the first head (and whatever followed it) until routed
        self._routing = False
        self._index: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._connecting: asyncio.Task | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._proxy._clients.add(self)
        self._proxy.stats.accepted += 1
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._proxy.head_timeout, self._head_timed_out)

    def data_received(self, data: bytes) -> None:
        if self.peer is not None:
            self.peer.transport.write(data)
            return
        # Search only where the blank line can end: a head sent a byte at a time stays linear.
        start = max(0, len(self._buffer) - 3)
        self._buffer += data
        if self._routing:
            return  # connecting to the backend: this waits in the buffer and goes out first
        end = self._buffer.find(b"\r\n\r\n", start)
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                self._refuse(_BAD_REQUEST)
        elif end + 4 > MAX_HEAD_BYTES:
            self._refuse(_BAD_REQUEST)
        else:
            self._route(bytes(self._buffer[:end]))

    def _route(self, head: bytes) -> None:
        self._cancel_timer()
        balancer = self._proxy.balancer
        index = worker_from_head(head, len(balancer.ports))
        cookie = None
        if index is None:
            index = balancer.choose()
            cookie = _set_cookie_header(index)
            self._proxy.stats.chosen += 1
        else:
            self._proxy.stats.by_cookie += 1
        self._index = index
        balancer.open[index] += 1
        self._proxy.stats.per_backend[index] += 1
        self._routing = True
        self.hold("connecting")  # what comes before the backend is up would only pile up here
        self._connecting = asyncio.get_running_loop().create_task(self._connect(index, cookie))

    async def _connect(self, index: int, cookie: bytes | None) -> None:
        port = self._proxy.balancer.ports[index]
        loop = asyncio.get_running_loop()
        try:
            _, backend = await asyncio.wait_for(
                loop.create_connection(lambda: _Backend(self, cookie), BACKEND_HOST, port),
                timeout=CONNECT_TIMEOUT,
            )
        except (TimeoutError, OSError) as error:
            self._proxy.stats.bad_gateway += 1
            # The error's class and errno only: never the request.
            _log.warning(
                "process %d (port %d) unreachable: %s %s",
                index,
                port,
                type(error).__name__,
                getattr(error, "errno", "") or "",
            )
            if not self.closed:
                self.transport.write(_BAD_GATEWAY)
                self.transport.close()
            return
        if self.closed:
            backend.transport.close()
            return
        self.peer = backend
        backend.transport.write(bytes(self._buffer))
        self._buffer = bytearray()
        if self.eof:
            backend.transport.write_eof()
        self.release("connecting")

    def _head_timed_out(self) -> None:
        self._timer = None
        if self.peer is None and not self._routing and not self.closed:
            self._refuse(_TIMEOUT)

    def _refuse(self, response: bytes) -> None:
        self._proxy.stats.refused += 1
        self._cancel_timer()
        self._buffer = bytearray()
        self.transport.write(response)
        self.transport.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def eof_received(self) -> bool:
        if self.peer is None:
            self.eof = True
            # Still reading the head (or connecting): an EOF before a whole head means no request.
            return self._routing  # keep open while connecting; _connect forwards the EOF
        return super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        self._proxy._clients.discard(self)
        if self._index is not None:
            self._proxy.balancer.open[self._index] -= 1
            self._index = None
        super().connection_lost(exc)

    def abort(self) -> None:
        """Close both ends now (the proxy is stopping)."""
        if self.transport is not None:
            self.transport.abort()
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.abort()
        if self._connecting is not None:
            self._connecting.cancel()


class Proxy:
    """A started proxy: its listening server, its balancer, its counters and its live connections."""

    def __init__(self, backend_ports: Sequence[int], *, head_timeout: float = HEAD_TIMEOUT) -> None:
        self.balancer = Balancer(backend_ports)
        self.stats = ProxyStats(per_backend=[0] * len(self.balancer.ports))
        self.head_timeout = head_timeout
        self.server: asyncio.Server | None = None
        self._clients: set[_Client] = set()

    @property
    def port(self) -> int:
        """The port it listens on (useful when started on port 0)."""
        assert self.server is not None and self.server.sockets
        return self.server.sockets[0].getsockname()[1]

    @property
    def open_connections(self) -> int:
        return len(self._clients)

    async def start_serving(self) -> None:
        """Accept connections (when started with `start_serving=False`, to bind before the backends are up)."""
        assert self.server is not None
        await self.server.start_serving()

    async def close(self) -> None:
        """Stop listening and close every open connection (idempotent)."""
        if self.server is not None:
            self.server.close()
        for client in list(self._clients):
            client.abort()
        if self.server is not None:
            await self.server.wait_closed()


async def start_proxy(
    listen_host: str | None,
    listen_port: int,
    backend_ports: Sequence[int],
    *,
    head_timeout: float = HEAD_TIMEOUT,
    start_serving: bool = True,
) -> Proxy:
    """Bind `listen_host:listen_port` (None: every interface; port 0: any free port) and return the
    running proxy to the loopback `backend_ports`. With `start_serving=False` the port is bound (so a
    busy port fails now) but nothing is accepted until `await proxy.start_serving()`."""
    proxy = Proxy(backend_ports, head_timeout=head_timeout)
    loop = asyncio.get_running_loop()
    # A room's laptops arrive together (a QR code on the projector): a deep accept queue.
    proxy.server = await loop.create_server(
        lambda: _Client(proxy), listen_host, listen_port, backlog=1024, start_serving=start_serving
    )
    return proxy


async def serve_proxy(
    listen_host: str | None,
    listen_port: int,
    backend_ports: Sequence[int],
    *,
    ready: asyncio.Event | None = None,
    head_timeout: float = HEAD_TIMEOUT,
) -> None:
    """Run the proxy until cancelled; `ready` is set once it accepts connections."""
    proxy = await start_proxy(listen_host, listen_port, backend_ports, head_timeout=head_timeout)
    _log.info("proxy listening on port %d for %d processes", proxy.port, len(proxy.balancer.ports))
    if ready is not None:
        ready.set()
    try:
        await asyncio.Future()  # until cancelled
    finally:
        await proxy.close()
        _log.info("proxy stopped: %s", proxy.stats.summary())


def run_proxy(
    listen_host: str | None,
    listen_port: int,
    backend_ports: Sequence[int],
    *,
    head_timeout: float = HEAD_TIMEOUT,
) -> None:
    """Run the proxy in this thread until interrupted (Ctrl-C)."""
    try:
        asyncio.run(serve_proxy(listen_host, listen_port, backend_ports, head_timeout=head_timeout))
    except KeyboardInterrupt:
        pass
