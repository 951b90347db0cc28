"""A stress test of one Streamlit race, on the trivial page: a button click (a full rerun) followed within a
few milliseconds by the fragment's auto-rerun tick, as a browser sends when its 2-second timer happens to
fire just after a click.

Run: `python -m benchmarks.loadharness.race [--tries 300] [--background 100] [--with-fix]` from the
repository root; `--with-fix` serves the same page with the app's work-around
(`facilitation.ui.streamlit_fixes`) installed, which should lose none.

What goes wrong, rarely (2 tries in 600 on the idle reference machine, 7 in 600 with 100 other tabs
polling): the full run finishes on its script thread, and before the server's event loop has handled that run's last events
the tick arrives; `AppSession.request_rerun` finds the finished ScriptRunner unwilling to take a request
and starts a new one for the fragment, and the old runner's remaining events (its last deltas, its
`script_finished`, sometimes the `auto_rerun` that re-arms the fragment's timer) are then dropped as
"events from a non-current ScriptRunner". The browser never hears that the click's run finished; if the
`auto_rerun` was among the dropped messages, the tab also stops polling until the next interaction.
The click's effects on the server did happen.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from .baseline import TRIVIAL_APP, connect_all
from .client import HarnessError, StreamlitSession
from .server import StreamlitServer


async def stress(port: int, tries: int, *, max_gap: float = 0.03) -> tuple[int, list[str]]:
    """Click, then send the fragment's tick 0..max_gap s later; count clicks whose run never finished."""
    tab = StreamlitSession(port, name="race", auto_rerun=False, run_timeout=5)
    lost = 0
    traces: list[str] = []
    try:
        await tab.connect()
        for _ in range(tries):
            fragment_id = next(iter(tab.fragments_with_timers), "")
            tab._triggers[tab.widget("Click me").id] = "trigger_value"
            sent = await tab._send_rerun()
            await asyncio.sleep(random.uniform(0, max_gap))
            await tab._send_rerun(fragment_id=fragment_id, is_auto_rerun=True)
            try:
                await tab.wait_for_run(after=sent, timeout=5)
            except HarnessError:
                lost += 1
                traces.append("\n".join(list(tab.trace)[-30:]))  # enough to see the try before
                await tab.rerun()  # a fresh full run, as the person's next click would give
    finally:
        await tab.close()
    return lost, traces


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=300)
    parser.add_argument(
        "--background",
        type=int,
        default=100,
        help="idle tabs polling the same server meanwhile, as a room does (default 100)",
    )
    parser.add_argument(
        "--with-fix",
        action="store_true",
        help="install the app's work-around (facilitation.ui.streamlit_fixes) in the page",
    )
    args = parser.parse_args(argv)

    async def run(port: int) -> tuple[int, list[str]]:
        idle = [StreamlitSession(port, name=f"idle-{i}") for i in range(min(args.background, 1000))]
        try:
            await connect_all(idle, rate=50, deadline=time.monotonic() + 120)
            return await stress(port, min(args.tries, 5000))
        finally:
            await asyncio.gather(*(tab.close() for tab in idle), return_exceptions=True)

    with tempfile.TemporaryDirectory() as folder:
        app = TRIVIAL_APP
        if args.with_fix:
            app = Path(folder) / "trivial_with_fix.py"
            app.write_text(
                "from facilitation.ui import streamlit_fixes\n\nstreamlit_fixes.apply()\n"
                + TRIVIAL_APP.read_text("utf-8"),
                "utf-8",
            )
        with StreamlitServer(app, log_path=Path("artifacts/load/race.log")) as server:
            lost, traces = asyncio.run(asyncio.wait_for(run(server.port), timeout=1800))
    print(f"{lost} of {args.tries} clicks never saw their run finish")
    for trace in traces[:3]:
        print("---\n" + trace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
