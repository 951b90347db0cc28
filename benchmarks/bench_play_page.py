"""The play page for a school participant at stage 6 of riverside-family, run by hand:
`python benchmarks/bench_play_page.py [--stage 6] [--runs 20]`.

Prints figures; asserts nothing. The workshop is played through the engine on a temporary store, one
participant per role, everyone following guidance (`play.follow_guidance`) up to the stage, which is
left open with the school yet to decide. Then:

- **fields and clicks**: the widgets the school's form shows at that stage, and the clicks a participant
  needs to answer it as guidance says (one per pill, two per select box or multiselect choice, one for
  the level radio and one to submit). The same count is made for the form before carry-forward (every
  fact in the picture re-asked on a blank card of four fields) from the picture alone.
- **CPU per run**: process time of one full run of the page in `streamlit.testing` (the script run a
  rerun costs the server: a poll's rerun, or an answer given), best and median of --runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSCODE = "bench-passcode"


def played_room(stage: int):
    """A riverside workshop open at `stage` (1-based), the school seat undecided there."""
    from facilitation.content import load_snapshot
    from facilitation.engine import Store, Workshops
    from facilitation.play import follow_guidance

    snapshot = load_snapshot("riverside-family")
    engine = Workshops(Store(os.environ["EASI_DB"]))
    created = engine.create(snapshot, passcode=PASSCODE)
    code, key = created.code, created.facilitator_key
    seats = {role: engine.join(code, role_id=role, display_name=role) for role in snapshot.role_ids}
    for index in range(stage):
        if index == 0:
            engine.open_stage(code, key)
        else:
            engine.next_stage(code, key)
        if index == stage - 1:
            break
        for role, seat in seats.items():
            picture = engine.participant_view(seat.token).picture
            engine.submit(seat.token, index, follow_guidance(snapshot, role, picture))
        engine.lock_stage(code, key)
        engine.reveal_stage(code, key)
    return engine, snapshot, seats["school"]


def count_form(at) -> tuple[int, int]:
    """(fields, clicks to answer as guidance says) of the play form on screen."""
    pills = [g for g in at.button_group if g.key and g.key.startswith("play:")]
    fields = (
        len(pills)
        + len(at.radio)
        + len(at.selectbox)
        + len(at.multiselect)
        + len(at.checkbox)
        + len(at.toggle)
        + len(at.text_area)
        + len(at.select_slider)
    )
    share = [g for g in pills if g.key.endswith(":share")]
    reasons = [g for g in pills if g.key.endswith(":reason")]
    # One click per recipient or "keep" chosen; the reason pills appear once shared (one click each).
    clicks = sum(max(1, len(g.value or [])) for g in share) + len(reasons)
    clicks += 1 + 2 + 1  # the level, the action (open + choose), submit
    return fields, clicks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", type=int, default=6)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["EASI_DB"] = str(Path(folder) / "bench.db")
        os.environ["EASI_DATA"] = folder
        os.environ["EASI_PASSCODE"] = PASSCODE
        engine, snapshot, school = played_room(args.stage)
        from streamlit.testing.v1 import AppTest

        from facilitation.play import follow_guidance

        view = engine.participant_view(school.token)
        picture = view.picture
        old_fields = (
            4 * len(picture.facts) + 5
        )  # share, gateway, family, barriers per card; judgement
        ideal = follow_guidance(snapshot, "school", picture)
        old_clicks = (
            sum(2 * max(1, len(e.share_with)) + (2 if e.share_with else 0) for e in ideal.facts)
            + 1
            + 2
            + 1
        )  # each card: open the multiselect and choose (or leave "Nobody"), the gateway; judgement
        at = AppTest.from_file(str(ROOT / "workshop_app.py"), default_timeout=120)
        at.run()
        at.switch_page("facilitation/ui/pages/play.py")
        at.query_params["t"] = school.token
        at.run()
        # Answer as guidance says, to count what the form asks once shares are chosen.
        for entry in ideal.facts:
            share = [
                g
                for g in at.button_group
                if g.key == f"play:{args.stage - 1}:{entry.fact_id}:share"
            ]
            if share:
                share[0].set_value(list(entry.share_with) or ["keep"]).run()
        fields, clicks = count_form(at)
        carried = len(view.carried)
        times = []
        for _ in range(args.runs):
            started = time.process_time()
            at.run()
            times.append(time.process_time() - started)
        print(
            f"riverside-family, school, stage {args.stage}: {len(picture.facts)} facts in the picture, "
            f"{carried} decided earlier"
        )
        print(f"before (every card re-asked): {old_fields} fields, about {old_clicks} clicks")
        print(f"after (new first, earlier one line each): {fields} fields, about {clicks} clicks")
        print(
            f"play page CPU per run: best {min(times) * 1000:.0f} ms, median "
            f"{statistics.median(times) * 1000:.0f} ms ({args.runs} runs, process time)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
