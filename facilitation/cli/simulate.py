"""`easi simulate SCENARIO`: play a whole workshop with simulated participants and sum it up."""

from __future__ import annotations

import argparse
import json
import sys

from facilitation.errors import EasiError

__all__ = ["register", "render", "run"]

DESCRIPTION = """\
Play a whole workshop with simulated participants: create it, seat the participants (roles balanced),
and for each stage open it, let every participant decide, lock and reveal it; then start the debrief.
Prints, per stage, the submissions, the facts shared (distinct fact-recipient pairs) and each role's
level of need once the stage is revealed, and when the lead role could act against when it could have.

With --follow-guidance every participant does exactly what guidance says (shares, reasons, detail,
telling the family, and the level its picture supports), and the summary ends with the problems its
debrief shows: none for a scenario whose guidance agrees with itself (`easi lint` runs the same check).

The workshop is stored like any other (in --db, else the normal database), so `easi export CODE` can
follow; `easi purge` removes it with the rest once it is old enough.
"""


def register(subparsers) -> None:
    """Add `easi simulate`."""
    parser = subparsers.add_parser(
        "simulate",
        help="play a whole workshop with simulated participants",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="a scenario id (from scenarios/) or the path of a scenario file",
    )
    parser.add_argument(
        "--participants",
        "-n",
        type=_positive,
        default=12,
        metavar="N",
        help="how many simulated participants (default: 12)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="seed for the participants' decisions: the same seed plays the same workshop (default: 0)",
    )
    parser.add_argument(
        "--db", metavar="PATH", help="the SQLite database (default: $EASI_DB, else data/easi.db)"
    )
    parser.add_argument("--roles", metavar="DIR", help="the folder of role files (default: roles/)")
    parser.add_argument(
        "--follow-guidance",
        action="store_true",
        help="every participant does exactly what guidance says; exit 1 if its debrief is not clean",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the scenario, simulate, print; 1 if the scenario cannot be loaded."""
    from facilitation.analysis import analyse, guidance_problems
    from facilitation.content import load_snapshot
    from facilitation.engine import Store, Workshops, simulate_workshop

    try:
        snapshot = load_snapshot(args.scenario, **({"roles_dir": args.roles} if args.roles else {}))
    except (EasiError, OSError) as error:
        print(f"easi simulate: {error}", file=sys.stderr)
        return 1
    engine = Workshops(Store(args.db))
    guided = args.follow_guidance
    result = simulate_workshop(snapshot, args.participants, args.seed, engine, guided=guided)
    problems = (
        [text for _, text in guidance_problems(analyse(engine.record(result.code)))]
        if guided
        else []
    )
    changed = _what_changed(engine, result.code)
    if args.json:
        print(
            json.dumps(
                {
                    **result.to_dict(),
                    **({"guidance_problems": problems} if guided else {}),
                    "what_changed": changed,
                },
                indent=2,
            )
        )
    else:
        print(
            render(result, {role_id: role.short_name for role_id, role in snapshot.roles.items()})
        )
        if guided:
            print(_verdict(problems))
        print("\nWhat changed (simulated answers before and after):")
        print("\n".join(f"  {name}: {line}" for name, line in changed.items()))
    return 1 if guided and problems else 0


def _verdict(problems: list[str]) -> str:
    """What the guidance-following room's debrief shows."""
    if not problems:
        return (
            "\nFollowing guidance: no missed share, no over-share, no wrong basis, no level above or "
            "below, every participant ideal."
        )
    return "\nFollowing guidance, the debrief is not clean:\n" + "\n".join(
        f"- {p}" for p in problems
    )


def _what_changed(engine, code: str) -> dict[str, str]:
    """The evaluation's headline figures of the rehearsal, one line each."""
    from facilitation.analysis import describe, evaluate
    from facilitation.engine import Evaluations

    result = evaluate(Evaluations(engine).operator_record(code), engine.record(code))
    return {
        "confidence (1-5)": describe(result.confidence),
        "knowledge (% right)": describe(result.knowledge, "%"),
        "true pre to retrospective pre": describe(result.response_shift),
    }


def render(result, short_names: dict[str, str]) -> str:
    """The summary as a plain-text table (stages numbered from 1, as people count them)."""
    roles = list(short_names)
    headers = ["Stage", "Submissions", "Facts shared", *(short_names[r] for r in roles)]
    rows = [
        [
            f"{s.index + 1} {s.title}"[:40],
            str(s.submissions),
            str(s.facts_shared),
            *(str(s.levels[r]) for r in roles),
        ]
        for s in result.stages
    ]
    widths = [max(len(line[i]) for line in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths))
        )

    lead = short_names.get(result.lead_role, result.lead_role)
    return "\n".join(
        [
            f"Workshop {result.code}: {result.title} ({result.scenario_id}), {result.participants} simulated "
            f"participants, seed {result.seed}, {result.seconds:.2f} s",
            "",
            line(headers),
            *(line(row) for row in rows),
            "",
            "Role columns: the level of need (1-4) each role's picture reached once the stage was revealed.",
            f"Lead role {lead}: could act at {_stage(result.lead_act_actual)}; "
            f"following guidance, at {_stage(result.lead_act_possible)}.",
            "",
            *_activities(result, short_names),
            f"Export it with: easi export {result.code}",
        ]
    )


def _activities(result, short_names: dict[str, str]) -> list[str]:
    """The room's own barriers (people per cluster) and "Who leads?" at each reveal, a line each."""
    clusters = ", ".join(f"{cluster} {n}" for cluster, n in result.barriers.items())
    lines = [f"The room's own barriers (people per cluster): {clusters or 'too few to show'}."]
    lines += [f'  "{line}"' for line in result.barrier_lines]
    for stage in result.stages:
        split = ", ".join(
            f"{short_names.get(choice, 'not sure')} {n}" for choice, n in stage.who_leads.items()
        )
        lines.append(f"Who leads at stage {stage.index + 1}? {split or 'too few to show'}.")
    return [*lines, ""]


def _stage(index: int | None) -> str:
    return "no stage" if index is None else f"stage {index + 1}"


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 5000:
        raise argparse.ArgumentTypeError("give a number of participants from 1 to 5000")
    return value
