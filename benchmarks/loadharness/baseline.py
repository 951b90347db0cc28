"""The baseline: N tabs idling on the trivial page (benchmarks/trivial_app.py) while its fragment polls.

What it measures is what a Streamlit fragment poll costs on this machine when the app does almost nothing:
server CPU seconds per poll, the poll's round trip, and the server's memory. The workshop figures are
printed as ratios to these, measured in the same run with the same harness and the same number of tabs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from .client import HarnessError, StreamlitSession
from .server import ROOT, StreamlitServer
from .stats import percentile

__all__ = ["IdleResult", "connect_all", "measure_idle", "run_baseline"]

TRIVIAL_APP = ROOT / "benchmarks" / "trivial_app.py"


@dataclass
class IdleResult:
    """What N idle tabs cost the server over a window."""

    label: str
    sessions: int
    window: float  # seconds measured
    polls: int  # fragment auto-reruns finished in the window
    cpu_seconds: float  # server CPU used in the window
    harness_cpu_seconds: float  # the harness's own CPU in the window (it shares the machine)
    poll_p50: float | None
    poll_p95: float | None
    peak_rss: int
    rss_end: int
    errors: int
    connect_seconds: float = 0.0

    @property
    def cpu_per_poll(self) -> float | None:
        return self.cpu_seconds / self.polls if self.polls else None

    @property
    def cpu_percent(self) -> float:
        return 100.0 * self.cpu_seconds / self.window if self.window else 0.0

    @property
    def polls_per_second(self) -> float:
        return self.polls / self.window if self.window else 0.0


async def connect_all(
    sessions: list[StreamlitSession], *, rate: float, deadline: float
) -> list[str]:
    """Connect the tabs at `rate` a second (a room does not open 300 laptops in the same millisecond);
    returns the errors of those that failed."""
    errors: list[str] = []
    semaphore = asyncio.Semaphore(64)

    async def one(index: int, session: StreamlitSession) -> None:
        await asyncio.sleep(index / rate if rate > 0 else 0)
        async with semaphore:
            try:
                await asyncio.wait_for(
                    session.connect(), timeout=max(1.0, deadline - time.monotonic())
                )
            except (TimeoutError, HarnessError) as error:
                errors.append(f"{session.name}: {error!r}")

    await asyncio.gather(*(one(i, s) for i, s in enumerate(sessions)))
    return errors


async def measure_idle(
    server: StreamlitServer,
    sessions: list[StreamlitSession],
    *,
    warmup: float,
    window: float,
    label: str,
) -> IdleResult:
    """Let the connected tabs poll for `warmup` seconds, then measure `window` seconds of it."""
    import psutil

    me = psutil.Process()
    await asyncio.sleep(warmup)
    for session in sessions:
        session.stats.poll_latencies.clear()
    finished_before = sum(s.stats.auto_reruns_finished for s in sessions)
    start = server.sample()
    my_start = sum(me.cpu_times()[:2])
    await asyncio.sleep(window)
    end = server.sample()
    my_end = sum(me.cpu_times()[:2])
    polls = sum(s.stats.auto_reruns_finished for s in sessions) - finished_before
    latencies = [x for s in sessions for x in s.stats.poll_latencies]
    return IdleResult(
        label=label,
        sessions=len(sessions),
        window=end.at - start.at,
        polls=polls,
        cpu_seconds=end.cpu_since(start),
        harness_cpu_seconds=my_end - my_start,
        poll_p50=percentile(latencies, 50),
        poll_p95=percentile(latencies, 95),
        peak_rss=server.peak_rss,
        rss_end=end.rss,
        errors=sum(len(s.stats.errors) + len(s.stats.exceptions) for s in sessions),
    )


async def run_baseline(
    n: int,
    *,
    warmup: float = 6.0,
    window: float = 20.0,
    rate: float = 25.0,
    time_limit: float = 300.0,
    log_dir=None,
) -> IdleResult:
    """Serve the trivial page, connect `n` tabs, and measure their idle polling."""
    deadline = time.monotonic() + time_limit
    log_path = (log_dir / f"trivial-{n}.log") if log_dir else None
    with StreamlitServer(TRIVIAL_APP, log_path=log_path) as server:
        sessions = [StreamlitSession(server.port, name=f"trivial-{i}") for i in range(n)]
        try:
            began = time.monotonic()
            errors = await connect_all(sessions, rate=rate, deadline=deadline)
            connected = time.monotonic() - began
            live = [s for s in sessions if s.connected]
            if not live:
                raise HarnessError(f"no tab could open the trivial page: {errors[:3]}")
            result = await measure_idle(
                server, live, warmup=warmup, window=window, label="trivial page"
            )
            result.errors += len(errors)
            result.connect_seconds = connected
            return result
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
