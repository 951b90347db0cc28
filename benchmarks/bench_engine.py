"""Speed of the engine, run by hand: `python benchmarks/bench_engine.py [--participants 300] [--threads 8]`.

Prints figures; asserts nothing (a slow CI box must not fail the tests). Targets from issue #4:

- `easi simulate` with 300 participants over a 6-stage scenario: under 10 s;
- one participant's submit while 8 threads submit at once: under 20 ms at p95;
- `versions()`, the poll every laptop makes every two seconds: under 1 ms.

It plays the biggest scenario shipped in scenarios/ (most stages, then most facts) when the library can
load one, else a generated 6-stage, 6-role scenario, in a temporary database.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facilitation.content.models import Snapshot
from facilitation.content.reference import reference
from facilitation.engine.rehearsal import simulate_workshop
from facilitation.engine.store import Store
from facilitation.engine.workshops import Workshops
from facilitation.play.records import StageDecision

# ------------------------------------------------------------------------------ the scenario


def generated_files(
    folder: Path, stages: int = 6, roles: int = 6, facts_per_stage: int = 3
) -> Path:
    """Write a plausible-shaped scenario and its roles as YAML under `folder`; returns the scenario file."""
    ref = reference()
    barriers, gateways = (
        sorted(ref.barriers),
        sorted(g for g, v in ref.gateways.items() if "children" in v.audience),
    )
    role_ids = [f"agency_{n}" for n in range(1, roles + 1)]
    (folder / "roles").mkdir(parents=True)
    (folder / "scenarios").mkdir()
    for n, role_id in enumerate(role_ids):
        role = {
            "id": role_id,
            "name": f"Agency {n + 1}",
            "short_name": f"Agency {n + 1}",
            "summary": "A generated agency for the benchmark.",
            "motivators": [{"id": "duty", "text": "A duty to safeguard."}],
            "constraints": [
                {
                    "id": f"c{k}",
                    "text": "Something holds us back.",
                    "barrier": barriers[(n + k) % len(barriers)],
                }
                for k in range(2)
            ],
            "threshold": {"acts_at": 1 + n % 4, "in_practice": "When the picture is clear."},
            "gateways": gateways[n % len(gateways) : n % len(gateways) + 2],
        }
        (folder / "roles" / f"{role_id}.yaml").write_text(yaml.safe_dump(role), encoding="utf-8")
    stage_list = []
    for s in range(stages):
        facts = []
        for f in range(facts_per_stage):
            holder = role_ids[(s + f) % roles]
            others = [r for r in role_ids if r != holder]
            facts.append(
                {
                    "id": f"fact_{s}_{f}",
                    "held_by": holder,
                    "text": f"Fact {f + 1} of stage {s + 1}.",
                    "weight": (s + f) % 4 + 1,
                    "sensitivity": "personal",
                    "guidance": {
                        "share_with": [r for r in (role_ids[0], others[-1]) if r != holder],
                        "avoid": [others[1]] if others[1] not in (role_ids[0], others[-1]) else [],
                        "gateway": gateways[0],
                        "consent": "not_required",
                        "why": "Generated.",
                    },
                }
            )
        stage_list.append(
            {
                "id": f"stage_{s}",
                "title": f"Stage {s + 1}",
                "narrative": "Things happen.",
                "facts": facts,
            }
        )
    scenario = {
        "id": "bench",
        "title": "Benchmark family",
        "audience": "children",
        "summary": "Generated.",
        "learning_outcomes": ["Speed."],
        "roles": role_ids,
        "lead_role": role_ids[0],
        "levels": {2: 4, 3: 10, 4: 18},
        "stages": stage_list,
        "debrief": {"what_happened": "It was a benchmark.", "key_messages": ["Fast enough."]},
    }
    path = folder / "scenarios" / "bench.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def snapshot_from_files(scenario_path: Path) -> Snapshot:
    """The snapshot of a generated scenario (plain pydantic: the benchmark must not need the library)."""
    from facilitation.content.models import Role, Scenario

    scenario = Scenario.model_validate(yaml.safe_load(scenario_path.read_text(encoding="utf-8")))
    roles_dir = scenario_path.parent.parent / "roles"
    roles = {
        r: Role.model_validate(
            yaml.safe_load((roles_dir / f"{r}.yaml").read_text(encoding="utf-8"))
        )
        for r in scenario.roles
    }
    return Snapshot(scenario=scenario, roles=roles)


def shipped_scenario() -> tuple[str, Snapshot] | None:
    """The biggest scenario in scenarios/, if the library can load one."""
    try:
        from facilitation.content.library import load_snapshot
    except ImportError:
        return None
    best = None
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        try:
            snapshot = load_snapshot(str(path), roles_dir=ROOT / "roles")
        except Exception:
            continue
        size = (len(snapshot.scenario.stages), len(snapshot.scenario.facts))
        if best is None or size > best[0]:
            best = (size, str(path), snapshot)
    return None if best is None else (best[1], best[2])


# ------------------------------------------------------------------------------ measuring


def describe(name: str, seconds: list[float], target_ms: float | None = None) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    verdict = (
        ""
        if target_ms is None
        else f"  (target p95 < {target_ms:g} ms: {'ok' if p95 < target_ms else 'MISSED'})"
    )
    print(
        f"  {name:<40} n={len(ms):<6} p50={statistics.median(ms):8.3f} ms  p95={p95:8.3f} ms  "
        f"max={ms[-1]:8.3f} ms{verdict}"
    )


def bench_simulate(snapshot: Snapshot, participants: int, folder: Path) -> None:
    engine = Workshops(Store(folder / "simulate.db"))
    started = time.perf_counter()
    result = simulate_workshop(snapshot, participants, seed=1, engine=engine)
    total = time.perf_counter() - started
    submissions = sum(stage.submissions for stage in result.stages)
    print(
        f"  simulate_workshop in-process: {total:.2f} s for {participants} participants x "
        f"{len(result.stages)} stages ({submissions} submissions)  (target < 10 s: {'ok' if total < 10 else 'MISSED'})"
    )


def bench_cli(scenario_arg: str, roles_dir: Path | None, participants: int, folder: Path) -> None:
    """`easi simulate` as a whole process: interpreter start, imports, loading, playing, printing."""
    easi = shutil.which("easi")
    launcher = (
        [easi]
        if easi
        else [
            sys.executable,
            "-c",
            "import sys; from facilitation.cli import main; sys.exit(main())",
        ]
    )
    command = [
        *launcher,
        "simulate",
        scenario_arg,
        "--participants",
        str(participants),
        "--db",
        str(folder / "cli.db"),
    ]
    if roles_dir is not None:
        command += ["--roles", str(roles_dir)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    total = time.perf_counter() - started
    if done.returncode:
        print(f"  easi simulate (CLI): failed: {done.stderr.strip()[-500:]}")
        return
    print(
        f"  easi simulate, whole process: {total:.2f} s  (target < 10 s: {'ok' if total < 10 else 'MISSED'})"
    )


def submit_round(
    engine: Workshops, snapshot: Snapshot, seats, stage: int, threads: int, *, with_views: bool
) -> list[float]:
    """Every seat submits twice (a decision and a change of mind), `threads` at once; `with_views`: each
    first reads its view in the same thread, as a page would (else the views are read beforehand)."""
    timings: list[float] = []
    lock = threading.Lock()

    def prepare(seat) -> StageDecision:
        rng = random.Random(seat.participant_id * 100 + stage)
        view = engine.participant_view(seat.token)
        others = [r for r in snapshot.role_ids if r != seat.role_id]
        facts = [
            {"fact_id": fact_id, "share_with": rng.sample(others, min(2, len(others)))}
            for fact_id in view.picture.facts
        ]
        return StageDecision(
            facts=facts, level=2, action="monitor", confidence=3, note="A note. " * 20
        )

    prepared = {} if with_views else {seat.token: prepare(seat) for seat in seats}

    def play(seat) -> None:
        decision = prepare(seat) if with_views else prepared[seat.token]
        for _ in range(2):
            started = time.perf_counter()
            engine.submit(seat.token, stage, decision)
            elapsed = time.perf_counter() - started
            with lock:
                timings.append(elapsed)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(play, seats))
    return timings


def polled_during(engine: Workshops, code: str, work) -> list[float]:
    """`versions()` latencies of a poller asking every 2 ms (about what 300 laptops polling every 2 s
    ask for, and more) while `work()` runs."""
    timings: list[float] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            started = time.perf_counter()
            engine.versions(code.lower())
            timings.append(time.perf_counter() - started)
            time.sleep(0.002)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        work()
    finally:
        done.set()
        poller.join()
    return timings


def bench_play(snapshot: Snapshot, participants: int, threads: int, folder: Path) -> None:
    """People (not bots) playing every stage from `threads` threads at once; then the polls."""
    engine = Workshops(Store(folder / "play.db"))
    last = len(snapshot.scenario.stages) - 1
    for with_views in (False, True):
        created = engine.create(snapshot)
        code, key = created.code, created.facilitator_key
        seats = [engine.join(code, display_name=f"Person {n}") for n in range(participants)]
        kind = "submit + view" if with_views else "submit only"
        everything: list[float] = []
        started = time.perf_counter()
        for stage in range(last + 1):
            engine.open_stage(code, key) if stage == 0 else engine.next_stage(code, key)
            timings = submit_round(engine, snapshot, seats, stage, threads, with_views=with_views)
            if stage in (0, last):
                describe(f"{kind}, stage {stage + 1}, {threads} threads", timings, 20)
            everything += timings
            engine.reveal_stage(code, key)
        total = time.perf_counter() - started
        describe(f"{kind}, all stages, {threads} threads", everything, 20)
        print(f"  {'':<40} {len(everything)} submits in {total:.2f} s")

    views = []
    for seat in seats[:100]:
        started = time.perf_counter()
        engine.participant_view(seat.token)
        views.append(time.perf_counter() - started)
    describe("participant_view (after the reveal)", views)
    versions = []
    for _ in range(5000):
        started = time.perf_counter()
        engine.versions(code)
        versions.append(time.perf_counter() - started)
    describe("versions()", versions, 1)

    created = engine.create(snapshot)
    code, key = created.code, created.facilitator_key
    seats = [engine.join(code) for _ in range(participants)]
    engine.open_stage(code, key)
    polled = polled_during(
        engine, code, lambda: submit_round(engine, snapshot, seats, 0, threads, with_views=True)
    )
    describe(f"versions() while {threads} threads submit", polled, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="easi-bench-") as tmp:
        folder = Path(tmp)
        shipped = shipped_scenario()
        if shipped:
            scenario_arg, snapshot = shipped
            roles_dir = ROOT / "roles"
            print(f"Scenario: {scenario_arg}")
        else:
            scenario_path = generated_files(folder / "generated")
            scenario_arg, roles_dir = str(scenario_path), scenario_path.parent.parent / "roles"
            snapshot = snapshot_from_files(scenario_path)
            print("Scenario: generated (no shipped scenario the library can load)")
        print(
            f"  {len(snapshot.scenario.stages)} stages, {len(snapshot.role_ids)} roles, "
            f"{len(snapshot.scenario.facts)} facts; {args.participants} participants\n"
        )
        bench_simulate(snapshot, args.participants, folder)
        bench_cli(scenario_arg, roles_dir, args.participants, folder)
        bench_play(snapshot, args.participants, args.threads, folder)


if __name__ == "__main__":
    main()
