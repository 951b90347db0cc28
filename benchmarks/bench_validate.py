"""Speed of validation, run by hand: `python benchmarks/bench_validate.py [--repeat 5]`.

Prints figures; asserts nothing. Targets from issue #2:

- validate every shipped role and scenario in one process, beyond interpreter start-up: under 0.5 s
  (measured cold: importing the library, loading the reference data, then `validate_paths`);
- a generated scenario of 12 stages and 200 facts (12 roles): under 100 ms to parse and check;
- each hostile input of `tests/test_yamlsource.py` refused in under 1 s (`--hostile`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MINI_ROLES = PROJECT / "tests" / "data" / "mini" / "roles"


def cold_shipped() -> tuple[float, float, int, int]:
    """(import seconds, validation seconds, files, problems) for the shipped library, first time in process."""
    started = time.perf_counter()
    from facilitation.content import library

    imported = time.perf_counter()
    report = library.validate_paths(
        [PROJECT / "roles", PROJECT / "scenarios"], roles_dir=PROJECT / "roles"
    )
    done = time.perf_counter()
    return imported - started, done - imported, len(report), sum(map(len, report.values()))


def generated_scenario(stages: int = 12, facts: int = 200) -> tuple[str, dict]:
    """A valid scenario text with `stages` x `facts` over the mini roles padded to 12 with copies."""
    from facilitation.content import library

    base = library.load_roles(MINI_ROLES)
    template = next(iter(base.values()))
    roles = {f"agency_{n}": template.model_copy(update={"id": f"agency_{n}"}) for n in range(12)}
    ids = list(roles)
    lines = [
        "id: generated",
        "title: Generated",
        "audience: children",
        "summary: Generated for the benchmark.",
        "learning_outcomes: [Speed.]",
        f"roles: [{', '.join(ids)}]",
        f"lead_role: {ids[0]}",
        "stages:",
    ]
    for stage in range(stages):
        lines += [
            f"  - id: stage_{stage}",
            f"    title: Stage {stage}",
            "    narrative: Things happen.",
            "    facts:",
        ]
        for fact in range(stage * facts // stages, (stage + 1) * facts // stages):
            holder, lead, other = ids[fact % 12], ids[0], ids[(fact + 5) % 12]
            share = [lead] if holder != lead else [ids[1]]
            avoid = [other] if other not in (holder, *share) else []
            lines += [
                f"      - id: fact_{fact}",
                f"        held_by: {holder}",
                f"        text: Fact number {fact}, as the holding agency knows it.",
                f"        weight: {fact % 6}",
                "        sensitivity: special_category",
                "        guidance:",
                f"          share_with: [{', '.join(share)}]",
                f"          avoid: [{', '.join(avoid)}]",
                "          gateway: ca1989_s47",
                "          consent: not_required",
                "          why: Because the pieces add up.",
            ]
    lines += ["debrief:", "  what_happened: The pieces added up.", "  key_messages: [Share.]"]
    return "\n".join(lines) + "\n", roles


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


HOSTILE = {
    "nested 200,000 deep": lambda: "a: " + "[" * 200_000 + "]" * 200_000,
    "150,000 values": lambda: "a:\n" + "  - x\n" * 150_000,
    "tab on line 900,001": lambda: "\n" * 900_000 + "\t- a",
    "200,000 tab lines": lambda: "a:\n" + "\t- x\n" * 200_000,
    "over 1 MiB": lambda: "a: " + "x" * (1024 * 1024 + 1),
}


# Whole scenarios whose every problem would flood the report: refused with a bounded list.
HOSTILE_SCENARIOS = {
    "15,000 unknown roles": lambda: "id: x\nroles: [" + ", ".join(["a"] * 15_000) + "]\n",
    "1,500 broken stages": lambda: (
        "id: x\nstages:\n" + "  - {id: a, facts: [{held_by: q}]}\n" * 1_500
    ),
}


def hostile(repeat: int) -> None:
    """Print how long each hostile text takes to be refused (target < 1 s each)."""
    from facilitation.content.yamlsource import YamlRefused, read_yaml

    for name, make in HOSTILE.items():
        text = make()

        def refuse(text: str = text, name: str = name) -> None:
            try:
                read_yaml(text)
            except YamlRefused:
                return
            raise AssertionError(f"{name} was accepted")

        print(
            f"hostile, {name}: refused in {best(refuse, repeat) * 1000:.0f} ms   target < 1000 ms"
        )
    from facilitation.content import library

    for name, make in HOSTILE_SCENARIOS.items():
        text = make()
        seconds = best(lambda text=text: library.inspect_scenario(text, "x.yaml", {}), repeat)
        print(f"hostile scenario, {name}: reported in {seconds * 1000:.0f} ms   target < 1000 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--hostile", action="store_true", help="time the refusal of hostile inputs only"
    )
    args = parser.parse_args()
    if args.hostile:
        hostile(args.repeat)
        return

    imported, validated, files, problems = cold_shipped()
    print(
        f"shipped library, cold: import {imported * 1000:.0f} ms + validate {validated * 1000:.0f} ms = "
        f"{(imported + validated) * 1000:.0f} ms for {files} files ({problems} problems)   target < 500 ms"
    )

    from facilitation.content import library

    warm = best(
        lambda: library.validate_paths(
            [PROJECT / "roles", PROJECT / "scenarios"], roles_dir=PROJECT / "roles"
        ),
        args.repeat,
    )
    print(f"shipped library, warm: {warm * 1000:.0f} ms")

    text, roles = generated_scenario()
    _, found = library.inspect_scenario(text, "generated.yaml", roles)
    assert not found, found[
        :3
    ]  # the generated scenario must be valid, else the figure means nothing
    elapsed = best(lambda: library.parse_scenario(text, "generated.yaml", roles), args.repeat)
    print(
        f"generated scenario (12 stages, 200 facts, {len(text) // 1024} KiB): {elapsed * 1000:.1f} ms   "
        "target < 100 ms"
    )


if __name__ == "__main__":
    main()
