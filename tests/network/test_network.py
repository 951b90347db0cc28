"""A join address other laptops can reach (facilitation.network): the pure choice, and the machine."""

from __future__ import annotations

import pytest

from facilitation import network


@pytest.mark.parametrize(
    "host, loopback",
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("[::1]", True),
        ("0.0.0.0", True),
        ("192.168.1.20", False),
        ("easi.example.org", False),
        ("fe80::1", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert network.is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    "addresses, chosen",
    [
        (["127.0.0.1", "::1"], None),
        ([], None),
        (["127.0.0.1", "192.168.1.20"], "192.168.1.20"),
        (["fe80::1%eth0", "2001:db8::5", "10.0.0.7"], "10.0.0.7"),  # IPv4 first
        (["172.17.0.1", "192.168.1.20"], "192.168.1.20"),  # Docker's bridge last
        (["169.254.3.4", "203.0.113.9"], "203.0.113.9"),  # link-local never
        (["10.0.0.7", "192.168.1.20"], "10.0.0.7"),  # a tie keeps the interfaces' order
        (["2001:db8::5", "::1"], "2001:db8::5"),
        (["not an address"], None),
    ],
)
def test_choose_address(addresses, chosen):
    assert network.choose_address(addresses) == chosen


@pytest.mark.parametrize(
    "seen, addresses, expected",
    [
        ("http://localhost:8501", ["127.0.0.1", "192.168.1.20"], "http://192.168.1.20:8501"),
        ("http://127.0.0.1:8611/app", ["10.1.2.3"], "http://10.1.2.3:8611/app"),
        ("http://localhost:8501", ["2001:db8::5"], "http://[2001:db8::5]:8501"),
        ("http://localhost:8501", ["127.0.0.1"], "http://localhost:8501"),  # nothing better
        ("https://easi.example.org", ["192.168.1.20"], "https://easi.example.org"),
        ("http://192.168.1.9:8501", ["10.0.0.1"], "http://192.168.1.9:8501"),
    ],
)
def test_reachable_root(seen, addresses, expected):
    assert network.reachable_root(seen, addresses) == expected


def test_the_machine_s_addresses_are_read_without_the_network(monkeypatch):
    def no_traffic(*args, **kwargs):
        raise AssertionError("no socket may be opened to find the address")

    monkeypatch.setattr(network.socket, "socket", no_traffic)
    found = network.machine_addresses()
    assert found and all(isinstance(a, str) for a in found)
    assert "127.0.0.1" in found or "::1" in found  # loopback is always among the interfaces
