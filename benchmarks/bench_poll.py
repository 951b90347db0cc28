"""The version poll's cost, run by hand: SQLite, PostgreSQL with a query per poll, and PostgreSQL with
change notification (polls answered from the listener's memory).

    python benchmarks/bench_poll.py --postgres postgresql://easi@127.0.0.1:55432/postgres [--polls 5000]
        [--threads 1 8]

Each poll is `Workshops.versions(code)`, what every laptop's fragment calls every two seconds. Prints
wall time per poll (p50, p95) and the client process's CPU per poll, and, for PostgreSQL, the server's
statements per poll (from pg_stat_database's transaction count). Asserts nothing.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from tests.conftest import _yaml
from tests.paths import MINI


def _snapshot():
    from facilitation.content.models import Role, Scenario, Snapshot

    scenario = Scenario.model_validate(_yaml(MINI / "scenarios" / "mini.yaml"))
    roles = {r: Role.model_validate(_yaml(MINI / "roles" / f"{r}.yaml")) for r in scenario.roles}
    return Snapshot(scenario=scenario, roles=roles)


def _transactions(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def measure(label: str, store: Store, polls: int, threads: int, server_url: str | None) -> None:
    engine = Workshops(store)
    code = engine.create(_snapshot()).code
    for _ in range(50):  # warm: pool, prepared statements, the listener's first answer
        engine.versions(code)
    per_thread = polls // threads

    def run(_: int) -> list[float]:
        times = []
        for _ in range(per_thread):
            start = time.perf_counter()
            engine.versions(code)
            times.append(time.perf_counter() - start)
        return times

    before_tx = _transactions(server_url) if server_url else 0
    cpu = time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        times = [t for chunk in pool.map(run, range(threads)) for t in chunk]
    cpu = time.process_time() - cpu
    # pg_stat_database lags by up to its stats interval: wait for it to catch up.
    time.sleep(1.0 if server_url else 0)
    statements = (_transactions(server_url) - before_tx) / len(times) if server_url else None
    quantiles = statistics.quantiles(times, n=100)
    extra = f", server transactions per poll {statements:.2f}" if statements is not None else ""
    print(
        f"{label:<34} threads {threads}: p50 {quantiles[49] * 1e6:7.1f} µs, p95 "
        f"{quantiles[94] * 1e6:7.1f} µs, client CPU {cpu / len(times) * 1e6:6.1f} µs/poll{extra}"
    )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch schema is made)")
    parser.add_argument("--polls", type=int, default=5000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    schema = f"bench_{secrets.token_hex(4)}"
    if args.postgres:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        joiner = "&" if "?" in args.postgres else "?"
        url = f"{args.postgres}{joiner}options={quote(f'-csearch_path={schema}')}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            for threads in args.threads:
                measure(
                    "SQLite (a query per poll)",
                    Store(Path(folder) / f"poll{threads}.db"),
                    args.polls,
                    threads,
                    None,
                )
                if args.postgres:
                    measure(
                        "PostgreSQL, a query per poll",
                        Store(url, notifications=False),
                        args.polls,
                        threads,
                        args.postgres,
                    )
                    measure(
                        "PostgreSQL, NOTIFY (from memory)",
                        Store(url),
                        args.polls,
                        threads,
                        args.postgres,
                    )
    finally:
        if args.postgres:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
