"""Speed of the debrief, run by hand: `python benchmarks/bench_debrief.py [--participants 300] [--stages 12]
[--facts 200] [--roles 12] [--repeat 5] [--scenario riverside-family] [--shipped-only]`.

Prints figures; asserts nothing (a slow CI box must not fail the tests). Targets from issue #5, for 300
participants x 12 stages x 200 facts:

- `debrief.analyse(record)`: under 300 ms;
- `report.render_html(analysis)`: under 2 s.

Issue #12 set the budget of `analyse` at 500 ms for that size, and under 50 ms for a shipped scenario
played by 300 participants: the second part rehearses `--scenario` (seeded bots, every stage revealed,
in a throwaway database) with `--participants` and times `analyse` on its record.

The workshop is generated: 12 agencies, each holding a share of the facts, each fact with 0-3 roles to
share with and 0-2 to avoid; every participant decides about every fact in its role's picture at every
stage, sharing with each role guidance lists with probability 0.6 and with a role to avoid with 0.03,
citing a barrier half the time it holds one back, and writing a note now and then. Pictures grow as in
play: what any participant of a role was sent reaches that role at the next stage.

Each time is the best of --repeat runs (the renderers: of half as many, the first of them drawing the
charts' pictures, later ones finding them cached), with the chart renderer started first as the app
starts it. "GC paused" is what `timeit` measures (it pauses the garbage
collector); "GC on" is the same with it running. A full collection walks every object of the record (a
quarter of a million for this size), and the analysis's own allocations trigger one about once a run.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tempfile

from facilitation.analysis.debrief import analyse
from facilitation.content import load_snapshot
from facilitation.content.models import Role, Scenario, Snapshot
from facilitation.content.reference import reference
from facilitation.engine import Store, Workshops
from facilitation.engine.rehearsal import simulate_workshop
from facilitation.outputs.report import render_html, render_markdown, warm_up
from facilitation.play.records import Participant, StageDecision, Submission, WorkshopRecord

SENSITIVITIES = ("personal", "special_category", "criminal_offence")


def synthetic_snapshot(stages: int, facts: int, roles: int, rng: random.Random) -> Snapshot:
    """A scenario of `stages` stages, `facts` facts and `roles` agencies, with guidance for each fact."""
    barriers = sorted(reference().barriers)
    role_ids = [f"agency_{n:02d}" for n in range(roles)]
    role_models = {
        role_id: Role.model_validate(
            {
                "id": role_id,
                "name": f"Agency {n + 1}",
                "short_name": f"Agency {n + 1}",
                "colour": None if n % 3 else "#0072b2",
                "summary": "A generated agency.",
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
            }
        )
        for n, role_id in enumerate(role_ids)
    }
    stage_list, number = [], 0
    for index in range(stages):
        entering = []
        for _ in range(facts // stages + (1 if index < facts % stages else 0)):
            holder = role_ids[number % roles]
            others = [r for r in role_ids if r != holder]
            rng.shuffle(others)
            entering.append(
                {
                    "id": f"f{number:03d}",
                    "held_by": holder,
                    "text": f"Fact number {number}.",
                    "weight": rng.randint(0, 5),
                    "sensitivity": SENSITIVITIES[number % 3],
                    "guidance": {
                        "share_with": others[: rng.randint(0, 3)],
                        "avoid": others[3 : 3 + rng.randint(0, 2)],
                        "gateway": rng.choice([None, "ca1989_s47"]),
                        "consent": rng.choice(["not_required", "seek_unless_unsafe", "required"]),
                        "why": "Because.",
                    },
                }
            )
            number += 1
        stage_list.append(
            {
                "id": f"s{index}",
                "title": f"Stage {index + 1}",
                "narrative": "Things happen.",
                "facts": entering,
                "prompts": ["What would you do now?"],
            }
        )
    scenario = Scenario.model_validate(
        {
            "id": "synthetic",
            "title": "A generated workshop",
            "audience": "children",
            "summary": "Generated.",
            "learning_outcomes": ["Speed."],
            "roles": role_ids,
            "lead_role": role_ids[0],
            "levels": {2: 20, 3: 60, 4: 150},
            "stages": stage_list,
            "debrief": {"what_happened": "It was generated.", "key_messages": ["Share."]},
        }
    )
    return Snapshot(scenario=scenario, roles=role_models)


def synthetic_record(
    participants: int, stages: int, facts: int, roles: int, seed: int = 1
) -> WorkshopRecord:
    """A whole workshop played by `participants` generated participants (see the module docstring)."""
    rng = random.Random(seed)
    snapshot = synthetic_snapshot(stages, facts, roles, rng)
    barriers = sorted(reference().barriers)
    role_ids = list(snapshot.role_ids)
    people = [
        Participant(id=n + 1, role_id=role_ids[n % roles], display_name=f"P{n}", active=n % 50 != 7)
        for n in range(participants)
    ]
    by_id = {fact.id: fact for fact in snapshot.scenario.facts}
    known: dict[str, set[str]] = {role: set() for role in role_ids}
    submissions = []
    for index, stage in enumerate(snapshot.scenario.stages):
        for fact in stage.facts:
            known[fact.held_by].add(fact.id)
        arriving: dict[str, set[str]] = {role: set() for role in role_ids}
        for person in people:
            entries = []
            for fact_id in sorted(known[person.role_id]):
                guidance = by_id[fact_id].guidance
                sent = [
                    r for r in guidance.share_with if r != person.role_id and rng.random() < 0.6
                ]
                held_back = len(sent) < len([r for r in guidance.share_with if r != person.role_id])
                sent += [r for r in guidance.avoid if r != person.role_id and rng.random() < 0.03]
                entries.append(
                    {
                        "fact_id": fact_id,
                        "share_with": sent,
                        "gateway": rng.choice([None, "ca1989_s47", "dpa2018_sch1_18"])
                        if sent
                        else None,
                        "tell_family": rng.random() < 0.3,
                        "barriers": rng.sample(barriers, 1)
                        if held_back and rng.random() < 0.5
                        else [],
                    }
                )
                for recipient in sent:
                    arriving[recipient].add(fact_id)
            decision = StageDecision.model_validate(
                {
                    "facts": entries,
                    "level": rng.randint(1, 4),
                    "action": rng.choice(["monitor", "refer", "no_action"]),
                    "confidence": rng.randint(1, 5),
                    "note": "A <b>note</b> with *markup*." if rng.random() < 0.1 else "",
                    "note_shareable": rng.random() < 0.5,
                }
            )
            submissions.append(
                Submission(
                    participant_id=person.id,
                    role_id=person.role_id,
                    stage_index=index,
                    decision=decision,
                )
            )
        for role in role_ids:
            known[role] |= arriving[role]
    return WorkshopRecord(
        code="BENCH1",
        created_at="2026-01-01T00:00:00+00:00",
        snapshot=snapshot,
        participants=tuple(people),
        submissions=tuple(submissions),
        revealed_through=stages - 1,
    )


def best_of(repeat: int, work: Callable[[], object], *, gc_on: bool) -> float:
    """The best wall time of `repeat` runs, in seconds, with the collector on or paused."""
    times = []
    for _ in range(repeat):
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def calibration(record: WorkshopRecord) -> float:
    """Seconds to merely read three fields of every decision: how fast this machine runs Python."""
    started = time.perf_counter()
    for submission in record.submissions:
        for entry in submission.decision.facts:
            _ = (entry.fact_id, entry.share_with, entry.gateway)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--stages", type=int, default=12)
    parser.add_argument("--facts", type=int, default=200)
    parser.add_argument("--roles", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--scenario", default="riverside-family", help="the shipped scenario to time"
    )
    parser.add_argument(
        "--shipped-only", action="store_true", help="time the shipped scenario only"
    )
    args = parser.parse_args(argv)
    if not args.shipped_only:
        synthetic(args)
    shipped(args)
    return 0


def shipped(args: argparse.Namespace) -> None:
    """`analyse` on a shipped scenario rehearsed by `args.participants` seeded bots."""
    snapshot = load_snapshot(args.scenario)
    with tempfile.TemporaryDirectory() as folder:
        engine = Workshops(Store(Path(folder) / "bench.db"), max_seats=args.participants)
        played = simulate_workshop(snapshot, args.participants, 1, engine, evaluation=None)
        record = engine.record(played.code)
    decisions = sum(len(s.decision.facts) for s in record.submissions)
    print(
        f"Shipped {args.scenario}: {args.participants} participants x {len(snapshot.scenario.stages)} "
        f"stages x {len(snapshot.scenario.facts)} facts, {len(snapshot.role_ids)} roles: "
        f"{len(record.submissions)} submissions, {decisions} fact decisions."
    )
    analyse(record)
    for label, gc_on in (("GC paused", False), ("GC on", True)):
        seconds = best_of(args.repeat, lambda: analyse(record), gc_on=gc_on)
        print(f"analyse        {seconds * 1000:7.1f} ms  ({label}; target < 50 ms)")


def synthetic(args: argparse.Namespace) -> None:
    """`analyse` and the renderers on the generated workshop of the module docstring."""

    started = time.perf_counter()
    record = synthetic_record(args.participants, args.stages, args.facts, args.roles)
    decisions = sum(len(s.decision.facts) for s in record.submissions)
    shares = sum(len(e.share_with) for s in record.submissions for e in s.decision.facts)
    print(
        f"Generated {args.participants} participants x {args.stages} stages x {args.facts} facts, "
        f"{args.roles} roles: {len(record.submissions)} submissions, {decisions} fact decisions, {shares} shares "
        f"({time.perf_counter() - started:.1f} s)."
    )
    print(
        f"Calibration: reading 3 fields of every decision takes {calibration(record) * 1000:.0f} ms here."
    )

    analysis = analyse(record)
    for label, gc_on in (("GC paused", False), ("GC on", True)):
        seconds = best_of(args.repeat, lambda: analyse(record), gc_on=gc_on)
        print(f"analyse        {seconds * 1000:7.0f} ms  ({label}; target < 300 ms, budget 500 ms)")
    warm_up()  # as the app does at start: vl-convert's own start-up (seconds) is no report's time
    for name, render, target in (
        ("render_html", render_html, "2 s"),
        ("render_markdown", render_markdown, ""),
    ):
        seconds = best_of(
            max(1, args.repeat // 2), lambda render=render: render(analysis), gc_on=True
        )
        print(
            f"{name:<15}{seconds * 1000:7.0f} ms  (GC on{'; target < ' + target if target else ''}), "
            f"{len(render(analysis)) / 1e6:.1f} MB"
        )
    c = analysis.counts
    print(
        f"Debrief: {c.participants} participants, {c.submissions} submissions, {c.decisions} decisions, "
        f"{c.shares} shares, {c.barriers_cited} barriers; lead could act at stage "
        f"{'-' if analysis.act.actual is None else analysis.act.actual + 1}."
    )


if __name__ == "__main__":
    sys.exit(main())
