"""Addresses other laptops can reach: the join link when the facilitator's browser used `localhost`.

A facilitator who starts the app on their own laptop opens it at `http://localhost:8501`; a QR code of
that address sends every participant's phone to itself. The address to show is the host's own address
on the room's network. It is found from the machine's interfaces, without sending anything anywhere
(no connect-to-a-public-address trick): `choose_address` is the pure choice, `machine_addresses` reads
the machine, `reachable_root` puts them together with what the browser used.

A bottom layer beside `settings`: the UI (the QR code) and the CLI (`easi serve`'s banner) both call it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "choose_address",
    "is_loopback_host",
    "machine_addresses",
    "reachable_root",
    "root_is_loopback",
]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def is_loopback_host(host: str) -> bool:
    """Whether `host` (a name or an address, IPv6 with or without brackets) names this machine only."""
    host = host.strip().strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _rank(address: str) -> tuple[int, int] | None:
    """How good `address` is as a join address (lower first), or None when no other laptop can use it."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return None
    # IPv4 before IPv6 (easier to type, and what room networks hand out); private (the room's LAN)
    # before public; Docker's and other bridges' 172.17-31 last among the private ones.
    family = 0 if ip.version == 4 else 1
    if ip.version == 4 and ip in ipaddress.ip_network("172.16.0.0/12"):
        kind = 1
    elif ip.is_private:
        kind = 0
    else:
        kind = 2
    return family, kind


def choose_address(addresses: Iterable[str]) -> str | None:
    """The address other machines are likeliest to reach this one by: a non-loopback IPv4 address on a
    private network first, then any other usable one; None when there is only loopback. Ties keep the
    order given (the order the interfaces were listed)."""
    ranked = [(rank, n, a) for n, a in enumerate(addresses) if (rank := _rank(a)) is not None]
    return min(ranked)[2] if ranked else None


def machine_addresses() -> list[str]:
    """This machine's own addresses, read from its interfaces (no packet is sent): psutil's list of
    interface addresses where psutil is installed, and whatever the host name resolves to."""
    found: list[str] = []
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        for entries in psutil.net_if_addrs().values():
            found += [e.address for e in entries if e.family in (socket.AF_INET, socket.AF_INET6)]
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, proto=socket.IPPROTO_TCP)
    except (
        OSError
    ):  # a host name that does not resolve (no /etc/hosts entry): the interfaces suffice
        infos = []
    found += [str(info[4][0]) for info in infos]
    return list(dict.fromkeys(found))


def _with_host(url: str, host: str) -> str:
    parts = urlsplit(url)
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def root_is_loopback(root: str) -> bool:
    """Whether the address `root` ("http://127.0.0.1:8501") can be reached from this machine only."""
    return is_loopback_host(urlsplit(root).hostname or "")


def reachable_root(seen: str, addresses: Iterable[str] | None = None) -> str:
    """`seen` (the address a browser used, "http://localhost:8501"), with a loopback host replaced by
    the machine's LAN address (`choose_address` of `addresses`, by default `machine_addresses()`), so
    that other laptops can use it. Unchanged when it is not loopback, or when the machine has no other
    address (the caller then warns)."""
    if not root_is_loopback(seen):
        return seen
    chosen = choose_address(machine_addresses() if addresses is None else addresses)
    return _with_host(seen, chosen) if chosen else seen
