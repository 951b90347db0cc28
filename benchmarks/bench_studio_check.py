"""The Studio's "Check" on a big file, run by hand: `python benchmarks/bench_studio_check.py`.

Prints figures; asserts nothing. Target from the hardening issue (#15): a 1 MiB scenario with a thousand
teachability warnings checks in under 2 s of CPU (parse, validate against the library, lint, and place
every warning at its line), and the time grows with the file's size, not its square.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
MINI_ROLES = PROJECT / "tests" / "data" / "mini" / "roles"
ROLES = ("school", "police", "childrens_social_care", "gp")


def scenario_text(facts: int, target_bytes: int) -> str:
    """A valid scenario of `facts` facts over the mini roles, each with two lint warnings (a stub `why`,
    and a share with no gateway), its fact texts padded so that the file is about `target_bytes` long.
    (The YAML reader refuses more than 20,000 values, so a thousand warnings take 500 facts.)"""
    head = [
        "id: big",
        "title: A big scenario",
        "audience: children",
        "summary: Generated for the Studio benchmark.",
        "learning_outcomes: [Speed.]",
        f"roles: [{', '.join(ROLES)}]",
        "lead_role: childrens_social_care",
        "stages:",
    ]
    per_fact = 240  # the YAML around one fact's text
    padding = max(0, (target_bytes - 400) // facts - per_fact)
    filler = ("Words a trainer wrote about the family. " * (padding // 40 + 1))[:padding]
    lines = list(head)
    stages = 10
    for stage in range(stages):
        lines += [
            f"  - id: stage_{stage}",
            f"    title: Stage {stage}",
            "    narrative: Things happen.",
            "    facts:",
        ]
        for fact in range(stage * facts // stages, (stage + 1) * facts // stages):
            holder = ROLES[fact % 4] if ROLES[fact % 4] != "childrens_social_care" else "school"
            lines += [
                f"      - id: fact_{fact}",
                f"        held_by: {holder}",
                f"        text: Fact {fact}. {filler}",
                f"        weight: {fact % 3}",
                "        sensitivity: special_category",
                "        guidance:",
                "          share_with: [childrens_social_care]",
                "          consent: not_required",
                "          why: TODO",
            ]
    lines += ["debrief:", "  what_happened: The pieces added up.", "  key_messages: [Share.]"]
    return "\n".join(lines) + "\n"


def measure(text: str) -> tuple[float, float, int, int]:
    """(CPU seconds, wall seconds, problems, warnings) of one Studio check of `text`."""
    from facilitation.ui import studio_support

    cpu, wall = time.process_time(), time.perf_counter()
    result = studio_support.check(text, "big.yaml")
    return (
        time.process_time() - cpu,
        time.perf_counter() - wall,
        len(result.problems),
        len(result.warnings),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (best is shown)")
    args = parser.parse_args()
    os.environ["EASI_ROLES"] = str(MINI_ROLES)
    measure(scenario_text(10, 10_000))  # warm: imports, reference data, the roles folder
    print("Studio check (parse + validate + lint + place every warning), best of", args.repeat)
    print(f"{'facts':>6} {'size':>10} {'warnings':>9} {'CPU s':>7} {'wall s':>7}")
    # Just under the Studio's limit (`studio_support.CHECK_MAX_CHARS`, 1 MiB), which refuses bigger text.
    for facts, size in ((125, 256 * 1024), (250, 512 * 1024), (500, 1024 * 1024 - 4096)):
        text = scenario_text(facts, size)
        runs = [measure(text) for _ in range(args.repeat)]
        cpu, wall, problems, warnings = min(runs)
        flag = f"  ({problems} problems!)" if problems else ""
        print(f"{facts:>6} {len(text.encode()):>10,} {warnings:>9} {cpu:>7.2f} {wall:>7.2f}{flag}")
    print("Target: 1 MiB with 1,000 warnings under 2 s of CPU.")


if __name__ == "__main__":
    main()
