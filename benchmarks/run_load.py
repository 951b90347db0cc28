"""Load test of issue #7, run by hand: `python benchmarks/run_load.py --participants 50 150 300`.

For each number of participants N it

1. serves benchmarks/trivial_app.py with `streamlit run` on 127.0.0.1, connects N simulated tabs and
   measures their idle fragment polls (server CPU per poll, poll round trip, RSS): the baseline;
2. serves workshop_app.py the same way on a fresh database, creates a workshop through the engine, and
   plays it with N participants who join through the join page and submit through the play form, one
   projector tab and the facilitator; it measures submission latency, submission -> projector latency,
   stage open -> every laptop latency, errors, server CPU and peak RSS, and the idle poll's CPU (as a
   ratio to the trivial page's), and checks the database for lost or duplicated submissions. With
   `--haproxy` the workshop app is served as deployed: HAProxy with deploy/haproxy.cfg (TLS, which the
   tabs then speak) in front of two `easi serve` processes, and CPU and RSS are summed over HAProxy and
   both processes; with `--postgres URL` the workshop's database is a scratch schema on that PostgreSQL
   server instead of a SQLite file. The trivial page stays one plain process.

Every tab is a `benchmarks.loadharness.StreamlitSession`: Streamlit's websocket protocol without a
browser. Nothing but 127.0.0.1 is ever contacted; each level stops by itself (`--duration`), the whole run
has a hard limit (`--max-minutes`), and every server started is stopped, also on error or Ctrl-C.

Prints Markdown tables (paste them into docs/performance.md) and, with `--json`, writes every figure.
Asserts nothing: a slow box must not fail anything. Targets (300 participants, 2 cores) are shown beside.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.loadharness.baseline import IdleResult, run_baseline
from benchmarks.loadharness.server import WORKSHOP_APP, StreamlitServer
from benchmarks.loadharness.stats import fmt_bytes, fmt_ms, table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--participants",
        type=int,
        nargs="+",
        default=[50, 150, 300],
        metavar="N",
        help="participant counts to measure, one level each (default: 50 150 300)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=150.0,
        help="seconds of workshop play per level, stages included (default 150)",
    )
    parser.add_argument(
        "--stages", type=int, default=2, help="stages to play per level at most (default 2)"
    )
    parser.add_argument(
        "--scenario",
        default="riverside-family",
        help='a shipped scenario id, or "mini" for the tests\' small one (default riverside-family)',
    )
    parser.add_argument(
        "--think",
        default="4,20",
        help="a participant's thinking time before submitting, min,max seconds (default 4,20)",
    )
    parser.add_argument(
        "--reveal-pause",
        type=float,
        default=8.0,
        help="seconds between a reveal and the next stage opening (default 8)",
    )
    parser.add_argument(
        "--join-rate", type=float, default=25.0, help="tabs opened per second (default 25)"
    )
    parser.add_argument(
        "--warmup", type=float, default=6.0, help="seconds of idle polling before measuring (6)"
    )
    parser.add_argument(
        "--idle-window", type=float, default=20.0, help="seconds of idle polling measured (20)"
    )
    parser.add_argument(
        "--baseline-only", action="store_true", help="measure the trivial page only"
    )
    parser.add_argument("--workshop-only", action="store_true", help="skip the trivial page")
    parser.add_argument(
        "--facilitator",
        choices=["page", "engine"],
        default="page",
        help="the facilitator acts through the facilitate page (default) or engine calls",
    )
    parser.add_argument(
        "--app",
        type=Path,
        default=ROOT / "workshop_app.py",
        help="the Streamlit entry file to measure (default workshop_app.py)",
    )
    parser.add_argument(
        "--haproxy",
        action="store_true",
        help="serve the workshop app as deploy/ does: HAProxy (Debian's package) in front of two "
        "processes (default: one bare `streamlit run`, measured as before)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="keep the workshop's data in a scratch schema on this PostgreSQL server (default: SQLite)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the server with py-spy during the play and print where its time went",
    )
    parser.add_argument(
        "--trace-deltas",
        type=int,
        default=0,
        metavar="K",
        help="trace every delta of the first K laptops, for the dumps in --log-dir (debugging)",
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="random seed for think times and decisions"
    )
    parser.add_argument(
        "--max-minutes", type=float, default=60.0, help="hard limit on the whole run (60)"
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=ROOT / "artifacts" / "load",
        help="server logs go here (default artifacts/load)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    low, _, high = args.think.partition(",")
    args.think = (float(low), float(high or low))
    if any(n < 1 or n > 2000 for n in args.participants):
        parser.error("--participants must be between 1 and 2000")
    if args.haproxy and args.app.resolve() != WORKSHOP_APP:
        parser.error("--haproxy serves the workshop app; it cannot serve another --app")
    return args


def machine() -> dict:
    import psutil
    import streamlit

    return {
        "cpus": os.cpu_count(),
        "memory": fmt_bytes(psutil.virtual_memory().total),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "platform": platform.platform(),
    }


def _plain(value):
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def baseline_table(results: list[IdleResult]) -> str:
    rows = [
        (
            r.sessions,
            f"{r.cpu_per_poll * 1000:.2f}" if r.cpu_per_poll else "-",
            f"{r.polls_per_second:.0f}",
            f"{r.cpu_percent:.0f}",
            fmt_ms(r.poll_p50),
            fmt_ms(r.poll_p95),
            fmt_bytes(r.peak_rss),
            r.errors,
            f"{100 * r.harness_cpu_seconds / r.window:.0f}",
        )
        for r in results
    ]
    return table(
        [
            "tabs",
            "CPU ms/poll",
            "polls/s",
            "server CPU %",
            "poll p50 ms",
            "poll p95 ms",
            "peak RSS",
            "errors",
            "harness CPU %",
        ],
        rows,
    )


async def main(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.max_minutes * 60
    args.log_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "levels": [],
    }
    print(f"machine: {report['machine']}", flush=True)
    # The workshop levels start their server through StreamlitServer; the trivial page stays one process.
    StreamlitServer.workshop_haproxy = args.haproxy
    if args.haproxy:
        print(
            "the workshop app runs behind HAProxy (deploy/haproxy.cfg) with two processes; server CPU "
            "and RSS are summed over HAProxy and both processes",
            flush=True,
        )
    baselines: list[IdleResult] = []
    workshop_results = []
    for n in args.participants:
        remaining = deadline - time.monotonic()
        if remaining < 30:
            print(f"stopping: the {args.max_minutes:.0f}-minute limit is near", flush=True)
            break
        level: dict = {"participants": n}
        baseline = None
        if not args.workshop_only:
            print(f"[{n}] trivial page: connecting {n} tabs ...", flush=True)
            baseline = await asyncio.wait_for(
                run_baseline(
                    n,
                    warmup=args.warmup,
                    window=args.idle_window,
                    rate=args.join_rate,
                    time_limit=remaining,
                    log_dir=args.log_dir,
                ),
                timeout=remaining,
            )
            baselines.append(baseline)
            level["baseline"] = baseline
            print(
                f"[{n}] trivial page: {baseline.cpu_per_poll * 1000 if baseline.cpu_per_poll else 0:.2f} ms CPU "
                f"per poll, poll p95 {fmt_ms(baseline.poll_p95)} ms",
                flush=True,
            )
        if not args.baseline_only:
            from benchmarks.loadharness.workshop import run_workshop  # the app's scenario

            remaining = deadline - time.monotonic()
            try:
                result = await asyncio.wait_for(
                    run_workshop(n, args, baseline=baseline, time_limit=remaining),
                    timeout=remaining,
                )
            except Exception as error:
                print(f"[{n}] the workshop level failed: {error!r}", flush=True)
                level["workshop_error"] = repr(error)
            else:
                workshop_results.append(result)
                level["workshop"] = result
        report["levels"].append(level)

    print()
    if baselines:
        print("Trivial page (title, button, 2 s fragment), idle tabs:\n")
        print(baseline_table(baselines))
        print()
    if workshop_results:
        from benchmarks.loadharness.workshop import results_tables

        print(results_tables(workshop_results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_plain(report), indent=2), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, _interrupt)  # a killed run still stops its servers
    arguments = parse_args()
    try:
        sys.exit(asyncio.run(main(arguments)))
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
