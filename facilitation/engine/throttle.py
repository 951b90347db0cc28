"""Attempt throttles: a few wrong join codes or passcodes are a typo, hundreds a minute are a guesser.

A `Throttle` counts failures per identity (a browser session, an address) in a sliding window; once an
identity has failed `limit` times within `window` seconds, every attempt from it is refused with
`TooManyAttempts` until the oldest failure leaves the window, right or wrong, so guessing gains nothing.
Successes are not counted: a room of people typing the right code never meets it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from facilitation.errors import TooManyAttempts

__all__ = ["Throttle"]

_MAX_IDENTITIES = 20_000  # bounded memory: the oldest identities are forgotten first


class Throttle:
    """Sliding-window failure counts per identity. Thread-safe."""

    def __init__(
        self,
        what: str,
        limits: dict[str, tuple[int, float]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`what` names the attempts in messages ("join codes"); `limits` maps an identity's kind (the
        part before the first ":", such as "session" or "address") to (failures allowed, window in s)."""
        self.what = what
        self._limits = limits
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._guard = threading.Lock()

    def _limit(self, identity: str) -> tuple[int, float] | None:
        return self._limits.get(identity.split(":", 1)[0])

    def check(self, identities: Iterable[str]) -> None:
        """Refuse with `TooManyAttempts` if any identity is over its limit now."""
        now = self._clock()
        wait = 0.0
        with self._guard:
            for identity in identities:
                limit = self._limit(identity)
                failures = self._failures.get(identity)
                if limit is None or not failures:
                    continue
                allowed, window = limit
                while failures and failures[0] <= now - window:
                    failures.popleft()
                if len(failures) >= allowed:
                    wait = max(wait, failures[len(failures) - allowed] + window - now)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyAttempts(
                f"Too many wrong {self.what} from here: wait {seconds} s and try again.",
                retry_after=seconds,
            )

    def failed(self, identities: Iterable[str]) -> None:
        """Count one failed attempt against each identity."""
        now = self._clock()
        with self._guard:
            for identity in identities:
                if self._limit(identity) is None:
                    continue
                failures = self._failures.pop(identity, None) or deque()
                failures.append(now)
                allowed = self._limits[identity.split(":", 1)[0]][0]
                while len(failures) > allowed:
                    failures.popleft()
                self._failures[identity] = failures  # most recent last
                while len(self._failures) > _MAX_IDENTITIES:
                    self._failures.popitem(last=False)
