"""The attempt throttle on its own: a sliding window per identity, bounded memory."""

from __future__ import annotations

import pytest

from facilitation.engine import throttle as throttle_module
from facilitation.engine.throttle import Throttle
from facilitation.errors import TooManyAttempts
from tests.fixtures.engine import FakeClock


def test_failures_leave_the_window_one_by_one():
    clock = FakeClock(0.0)
    gate = Throttle("codes", {"session": (3, 60.0)}, clock)
    for second in (0, 10, 20):
        clock.now = second
        gate.failed(["session:a"])
    clock.now = 30
    with pytest.raises(TooManyAttempts) as refused:
        gate.check(["session:a"])
    assert refused.value.retry_after == 30  # the first failure leaves the window at 60 s
    clock.now = 60
    gate.check(["session:a"])  # one slot free again
    gate.failed(["session:a"])
    with pytest.raises(TooManyAttempts):
        gate.check(["session:a"])


def test_identities_are_counted_apart_and_unknown_kinds_ignored():
    gate = Throttle("codes", {"session": (1, 60.0)}, FakeClock(0.0))
    gate.failed(["session:a", "cookie:x"])
    gate.check(["session:b", "cookie:x"])
    with pytest.raises(TooManyAttempts):
        gate.check(["session:b", "session:a"])


def test_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr(throttle_module, "_MAX_IDENTITIES", 100)
    gate = Throttle("codes", {"address": (5, 60.0)}, FakeClock(0.0))
    for number in range(1_000):
        gate.failed([f"address:10.0.{number // 256}.{number % 256}"])
    assert len(gate._failures) == 100
