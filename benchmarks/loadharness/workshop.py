"""The workshop scenario: N participants, one projector and the facilitator against `streamlit run
workshop_app.py`, measured.

One level (N participants) goes like this:

1. A fresh database in a temporary folder; the harness creates a workshop through the engine
   (`Workshops.create` with the operator passcode it gives the server through `EASI_PASSCODE`), which
   hands back the join code and the facilitator and projector keys. The server is started with the same
   `EASI_DB`.
2. The projector tab opens the projector view, the facilitator tab the facilitate page (both poll).
3. Participants open the join page with the code at `--join-rate` a second, join through its form, and
   wait in the lobby. With everyone in, the harness measures the idle polling (CPU per poll, as for the
   trivial page).
4. For each stage: the facilitator opens it (the clock starts at the click); each laptop's own polling
   must bring the stage's form up (stage reach); each participant answers the form one answer at a time
   over its thinking time, as on the page (each new fact shared with a reason or kept within the agency,
   now and then a carried decision changed, the level, the action, sometimes the confidence and a note),
   each answer a rerun that saves it as a draft (answer latency), then submits (submission latency:
   click -> the run that stores it has finished and says so); the projector tab's count must rise
   (submission -> projector). When all have submitted, or the stage's
   share of `--duration` is spent, the facilitator locks and reveals it.
5. The database is read back: every submission a laptop saw confirmed must be there once, and nothing
   else (no lost, no duplicated submissions); every participant who joined has exactly one seat.

What is page-specific (URLs, labels, how a page says "submitted") lives in `Flow`, which follows the pages
in facilitation/ui; the rest does not depend on them.
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .baseline import IdleResult, connect_all, measure_idle
from .client import HarnessError, StreamlitSession, Widget, WidgetNotFound
from .server import ROOT, StreamlitServer
from .stats import fmt_bytes, fmt_ms, percentile, table

__all__ = ["Flow", "WorkshopResult", "load_snapshot", "results_tables", "run_workshop"]

APP = ROOT / "workshop_app.py"


# ---------------------------------------------------------------------------------------- the pages
class Flow:
    """How the app's pages are driven: URLs, labels, and what each page shows when (facilitation/ui).

    Kept apart so that a change of wording in the pages is a change here only."""

    join_path = "join"  # /join?code=K7QW3M
    projector_path = "projector"  # /projector?w=CODE&k=PROJECTOR_KEY
    facilitate_path = "facilitate"  # /facilitate?w=CODE&k=KEY
    name_label = "Your name (optional)"
    role_label = "Which agency will you play?"
    join_button = "Join"
    lobby_text = "Read your role card while everyone joins"
    skip_questionnaire = "Skip the questionnaire"  # the optional questionnaire before play
    submit_button = "Submit"
    submitted_texts = ("Submitted. You can change your answers", "· Submitted")
    lock_button = "Lock"
    reveal_button = "Reveal"
    # The play form (facilitation/ui/play_view.py): a fragment, no st.form; each answer reruns the form
    # alone and is saved; a submit that lands reruns the whole page.
    share_label = "Share with"  # a new fact: recipients, or keep it within the agency
    keep_option = "Keep within my agency"
    change_label = "change"  # the toggle beside a decision carried from an earlier stage
    level_label = "Level of need you see now"
    action_label = "What your agency would do next"
    confidence_label = "How confident are you?"
    note_label = "Note (optional"
    note_text = "Simulated note: I would check with the school first."

    def open_button(self, stage_index: int) -> str:
        """The facilitator's button that opens a stage ("Next stage" is relabelled so after a reveal)."""
        return f"Open stage {stage_index + 1}"

    def join_query(self, code: str) -> str:
        return f"code={code}"

    def projector_query(self, code: str, key: str) -> str:
        return f"w={code}&k={key}"

    def facilitate_query(self, code: str, key: str) -> str:
        return f"w={code}&k={key}"

    async def join(self, tab: StreamlitSession, name: str, *, timeout: float) -> None:
        """From /join?code=... to the play page's lobby (the join page's own flow: name, role, Join)."""
        await tab.wait_for_widget(self.join_button, type="button", timeout=timeout)
        tab.set_value(self.name_label, name)
        await tab.click(tab.widget(self.join_button, type="button"))
        await tab.wait_for_text(self.lobby_text, timeout=timeout)
        # The lobby offers the questionnaire before play (facilitation/ui/evaluation_view.py); this
        # participant skips it, so that its widgets (and the poll's cost of carrying them) are gone, as
        # they are once a person has answered or skipped it.
        skip = tab.find_widget(self.skip_questionnaire, type="button")
        if skip is not None:
            await tab.click(skip)

    def stage_visible(self, stage_index: int, title: str) -> Any:
        """A predicate: this laptop shows stage `stage_index` open for decisions (the phase banner says
        so and the form's Submit button is live)."""
        banner = f"Stage {stage_index + 1} of "

        def visible(tab: StreamlitSession) -> bool:
            if not any(t.startswith(banner) and "Open for decisions" in t for t in tab.texts()):
                return False
            button = tab.find_widget(self.submit_button, type="button")
            return button is not None and not button.disabled

        return visible

    def stage_heading(self, stage_index: int, title: str) -> str:
        return f"Stage {stage_index + 1}: {title}"

    async def wait_for_stage(
        self, tab: StreamlitSession, stage_index: int, title: str, *, deadline: float
    ) -> float:
        """Wait until the stage's form is up: the page's own poll brings it, whatever the form's state
        (nothing to press). Returns the arrival of the message after which it was up."""
        return await tab.wait_until(
            self.stage_visible(stage_index, title),
            timeout=max(1.0, deadline - time.monotonic()),
            what=f"stage {stage_index + 1}",
        )

    async def answer(
        self,
        tab: StreamlitSession,
        rng: random.Random,
        *,
        think: float,
        stopped: Any,
        latencies: list[float],
    ) -> Widget | None:
        """Answer the stage's form as a participant does on the current page, one answer at a time,
        spread over `think` seconds: each new fact shared (with a reason) or kept within the agency,
        sometimes a carried decision changed to add a recipient, the level and the action, sometimes the
        confidence and a note. Each answer is a rerun that saves it as a draft (its round trip goes in
        `latencies`). Returns the Submit button, or None when `stopped()` says the stage closed."""
        facts = [
            w.id for w in tab.widgets() if w.type == "button_group" and w.label == self.share_label
        ]
        carried = [
            w.id for w in tab.widgets() if w.type == "checkbox" and w.label == self.change_label
        ]
        steps: list[tuple[str, str]] = [("fact", wid) for wid in facts]
        if carried and rng.random() < 0.15:
            steps.append(("carried", rng.choice(carried)))
        steps += [("level", ""), ("action", "")]
        if rng.random() < 0.5:
            steps.append(("confidence", ""))
        if rng.random() < 0.2:
            steps.append(("note", ""))
        pause = think / (len(steps) + 1)

        async def change(widget: Widget, value: Any) -> None:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * pause)
            began = time.monotonic()
            run = await tab.change(widget, value)
            if run is not None and run.finished:
                latencies.append(run.finished - began)

        for kind, widget_id in steps:
            if stopped():
                return None
            if kind == "fact":
                await self._answer_fact(tab, rng, widget_id, change)
            elif kind == "carried":
                toggle = _by_id(tab, widget_id)
                if toggle is not None and not toggle.disabled:
                    await change(toggle, True)
                    more = _sibling(tab, widget_id, "share")
                    if more is not None and more.options:
                        await change(more, [rng.choice(more.options)])
                        await self._answer_reason(tab, rng, widget_id, change)
            elif kind == "level":
                await change(
                    tab.widget(self.level_label, type="radio"), _pick(tab, self.level_label, rng)
                )
            elif kind == "action":
                await change(
                    tab.widget(self.action_label, type="selectbox"),
                    _pick(tab, self.action_label, rng),
                )
            elif kind == "confidence":
                await change(
                    tab.widget(self.confidence_label, type="slider"),
                    [_pick(tab, self.confidence_label, rng)],
                )
            else:
                await change(tab.widget(self.note_label, type="text_area"), self.note_text)
        await asyncio.sleep(rng.uniform(0.5, 1.5) * pause)
        return None if stopped() else tab.widget(self.submit_button, type="button")

    async def _answer_fact(
        self, tab: StreamlitSession, rng: random.Random, share_id: str, change: Any
    ) -> None:
        """One new fact: keep it within the agency (a third of the time), else share it with one or two
        agencies and give the reason; now and then say what held back from the others."""
        share = _by_id(tab, share_id)
        if share is None or not share.options:
            return
        agencies = [o for o in share.options if o != self.keep_option]
        if not agencies or rng.random() < 0.3:
            await change(share, [self.keep_option])
            return
        await change(share, rng.sample(agencies, rng.randint(1, min(2, len(agencies)))))
        await self._answer_reason(tab, rng, share_id, change)
        barriers = _sibling(tab, share_id, "barriers")
        if barriers is not None and barriers.options and rng.random() < 0.3:
            await change(barriers, [rng.choice(barriers.options)])

    async def _answer_reason(
        self, tab: StreamlitSession, rng: random.Random, fact_widget_id: str, change: Any
    ) -> None:
        reason = _sibling(tab, fact_widget_id, "reason")
        if reason is not None and reason.options:
            await change(reason, [rng.choice(reason.options)])

    def confirmed(self, tab: StreamlitSession) -> bool:
        return any(marker in text for text in tab.texts() for marker in self.submitted_texts)

    def projector_count(self, tab: StreamlitSession) -> int | None:
        """The number of decisions the projector shows for the open stage (the metric "Decisions in")."""
        for node in tab.tree.elements():
            if node.type == "metric" and node.body.label == "Decisions in":
                match = re.match(r"\s*(\d+)\s+of\s+\d+", node.body.body)
                if match:
                    return int(match.group(1))
        return None

    def page_errors(self, tab: StreamlitSession) -> list[str]:
        """Error messages the page shows (st.error alerts and exceptions)."""
        errors = [
            node.body.body
            for node in tab.tree.elements()
            if node.type == "alert" and node.body.format == 1
        ]
        return errors + tab.tree.exceptions()


def _by_id(tab: StreamlitSession, widget_id: str) -> Widget | None:
    """The widget with this id as the page shows it now (an id carries the page's key: stable)."""
    return next((w for w in tab.widgets() if w.id == widget_id), None)


def _sibling(tab: StreamlitSession, widget_id: str, name: str) -> Widget | None:
    """The same fact card's `name` widget: the page keys them `play:STAGE:FACT:NAME`, and Streamlit's
    id is `$$ID-HASH-KEY`."""
    key = widget_id.split("-", 2)[-1].rsplit(":", 1)[0] + ":" + name
    return next((w for w in tab.widgets() if w.id.endswith("-" + key)), None)


def _pick(tab: StreamlitSession, label: str, rng: random.Random) -> str:
    options = tab.widget(label).options
    if not options:
        raise HarnessError(f"{tab.name}: {label!r} offers no options")
    return rng.choice(options)


def load_snapshot(scenario_id: str = "riverside-family"):
    """The scenario to play: a shipped one (by default the one with the most stages and facts), or
    "mini", the hand-checked mini scenario of the tests."""
    from facilitation.content import library

    if scenario_id == "mini":
        mini = ROOT / "tests" / "data" / "mini"
        return library.load_snapshot(mini / "scenarios" / "mini.yaml", roles_dir=mini / "roles")
    return library.load_snapshot(scenario_id)


# ---------------------------------------------------------------------------------------- results
@dataclass
class Submitted:
    participant: int
    stage: int
    clicked: float
    finished: float | None = None
    confirmed: bool = False


@dataclass
class WorkshopResult:
    participants: int
    joined: int = 0
    stages_played: int = 0
    submit_latencies: list[float] = field(default_factory=list)
    answer_latencies: list[float] = field(
        default_factory=list
    )  # one answer given (a widget changed) -> the run that saved it finished
    projector_latencies: list[float] = field(default_factory=list)
    reach_latencies: list[float] = field(
        default_factory=list
    )  # per laptop per stage, from the press
    facilitator_presses: list[float] = field(
        default_factory=list
    )  # press to the facilitator's page redrawn
    reach_missing: int = 0  # laptops the stage never reached in time
    join_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0  # stored for a participant who never pressed submit for that stage
    unconfirmed: int = 0  # pressed and stored, but the laptop never showed the confirmation
    lost_run_tails: int = (
        0  # full runs whose last messages the server dropped (see the client's stats)
    )
    missing_elements: int = (
        0  # laptops whose stage page lacked its heading (lost after the poll fragment)
    )
    marked_early: int = (
        0  # answers whose finished run Streamlit reported as cut short (the client's stats)
    )
    page_costs: dict[str, float] = field(
        default_factory=dict
    )  # page -> server CPU ms per run, one tab alone
    profile_path: str = ""
    facilitator_failures: int = 0
    seats_duplicated: int = 0
    play_seconds: float = 0.0
    cpu_percent: float = 0.0  # server, average over the play
    cpu_percent_peak: float = 0.0  # server, the busiest 5 s of the play
    peak_rss: int = 0
    harness_cpu_percent: float = 0.0
    idle: IdleResult | None = None
    baseline: IdleResult | None = None

    def p(self, values: list[float], q: float) -> float | None:
        return percentile(values, q)

    @property
    def idle_ratio(self) -> float | None:
        if self.idle and self.baseline and self.idle.cpu_per_poll and self.baseline.cpu_per_poll:
            return self.idle.cpu_per_poll / self.baseline.cpu_per_poll
        return None


def results_tables(results: list[WorkshopResult]) -> str:
    """The tables of the issue, one row per level, targets in the header."""
    rows = []
    for r in results:
        rows.append(
            (
                r.participants,
                r.joined,
                r.stages_played,
                fmt_ms(r.p(r.answer_latencies, 50)),
                fmt_ms(r.p(r.answer_latencies, 95)),
                fmt_ms(r.p(r.submit_latencies, 50)),
                fmt_ms(r.p(r.submit_latencies, 95)),
                fmt_ms(max(r.submit_latencies) if r.submit_latencies else None),
                fmt_ms(r.p(r.projector_latencies, 95)),
                fmt_ms(r.p(r.reach_latencies, 95)),
                fmt_ms(max(r.reach_latencies) if r.reach_latencies else None),
                r.reach_missing,
                fmt_ms(max(r.facilitator_presses) if r.facilitator_presses else None),
                len(r.errors),
                f"{r.lost}/{r.duplicated}/{r.unexpected}",
                f"{r.unconfirmed}/{r.lost_run_tails}/{r.missing_elements}/{r.facilitator_failures}"
                f"/{r.marked_early}",
                f"{r.cpu_percent:.0f} (peak {r.cpu_percent_peak:.0f})",
                fmt_bytes(r.peak_rss),
                f"{r.idle.cpu_per_poll * 1000:.2f}" if r.idle and r.idle.cpu_per_poll else "-",
                f"{r.idle_ratio:.2f}" if r.idle_ratio else "-",
            )
        )
    headers = [
        "N",
        "joined",
        "stages",
        "answer p50 ms",
        "answer p95 ms",
        "submit p50 ms",
        "submit p95 ms (<500)",
        "submit max ms",
        "projector p95 ms (<3000)",
        "stage reach p95 ms (<5000)",
        "reach max ms",
        "not reached",
        "facilitator press max ms",
        "errors (0)",
        "lost/dup/unexp (0)",
        "unconfirmed/lost tails/missing el./facilitator stuck/marked early",
        "server CPU % of 1 core",
        "peak RSS (<1 GiB)",
        "idle CPU ms/poll",
        "idle vs trivial (<1.5)",
    ]
    out = ["Workshop (N participants + projector + facilitator):", "", table(headers, rows)]
    costs = [r for r in results if r.page_costs]
    if costs:
        labels = list(costs[0].page_costs)
        out += [
            "",
            "Server CPU per run, one tab alone on the server (ms):",
            "",
            table(
                ["N", *labels],
                [
                    (r.participants, *(f"{r.page_costs.get(k, 0):.1f}" for k in labels))
                    for r in costs
                ],
            ),
        ]
    for r in results:
        if r.profile_path:
            from .profile import summarise

            total, rows = summarise(Path(r.profile_path), top=30)
            out += [
                "",
                f"N={r.participants}: where the server spent the play ({total} samples of running "
                "threads; % of samples with the function on the stack / innermost):",
                "",
                table(
                    ["function", "inclusive %", "self %"],
                    [
                        (
                            name,
                            f"{100 * inc / max(total, 1):.1f}",
                            f"{100 * own / max(total, 1):.1f}",
                        )
                        for name, inc, own in rows
                    ],
                ),
            ]
    for r in results:
        if r.errors:
            common = Counter(_error_kind(e) for e in r.errors).most_common(5)
            out += ["", f"N={r.participants}: most frequent errors:"] + [
                f"  {count} x {kind}" for kind, count in common
            ]
    return "\n".join(out)


async def measure_page_costs(
    server: StreamlitServer,
    engine: Any,
    snapshot: Any,
    passcode: str,
    flow: Flow,
    *,
    runs: int = 15,
) -> dict[str, float]:
    """Server CPU per run of each page, one tab at a time on the otherwise idle server, in a workshop of
    its own: the play page (stage open), its poll, one answer in its form, the projector and the facilitate
    page (full runs)."""
    created = await asyncio.to_thread(engine.create, snapshot, passcode=passcode)
    code = created.code
    costs: dict[str, float] = {}

    async def cost(tab: StreamlitSession, label: str, fragment: bool = False) -> None:
        fragment_id = next(iter(tab.fragments_with_timers), "") if fragment else ""
        if fragment and not fragment_id:
            raise HarnessError(f"{label}: the page has no polling fragment")
        await tab.rerun(fragment_id=fragment_id)  # warm
        start = server.sample()
        for _ in range(runs):
            await tab.rerun(fragment_id=fragment_id)
        end = server.sample()
        costs[label] = 1000 * end.cpu_since(start) / runs

    async def answer_cost(tab: StreamlitSession, label: str) -> None:
        """One answer: the level of need changed back and forth, each change saved as a draft."""
        options = list(tab.widget(flow.level_label, type="radio").options)[:2]
        await tab.change(tab.widget(flow.level_label, type="radio"), options[0])  # warm
        start = server.sample()
        for index in range(runs):
            await tab.change(tab.widget(flow.level_label, type="radio"), options[(index + 1) % 2])
        end = server.sample()
        costs[label] = 1000 * end.cpu_since(start) / runs

    laptop = StreamlitSession(
        server.port,
        path=flow.join_path,
        query_string=flow.join_query(code),
        name="probe",
        auto_rerun=False,
    )
    projector = StreamlitSession(
        server.port,
        path=flow.projector_path,
        name="probe-projector",
        auto_rerun=False,
        query_string=flow.projector_query(code, created.projector_key),
    )
    facilitator = StreamlitSession(
        server.port,
        path=flow.facilitate_path,
        name="probe-facilitator",
        auto_rerun=False,
        query_string=flow.facilitate_query(code, created.facilitator_key),
    )
    try:
        await laptop.connect()
        await cost(laptop, "join page")
        await flow.join(laptop, "Probe", timeout=30)
        await cost(laptop, "play page, lobby")
        await asyncio.to_thread(engine.open_stage, code, created.facilitator_key)
        await laptop.rerun()
        await cost(laptop, "play page, stage open")
        await cost(laptop, "play poll (fragment)", fragment=True)
        await answer_cost(laptop, "play answer")
        await projector.connect()
        await cost(projector, "projector, stage open")
        await cost(projector, "projector poll (fragment)", fragment=True)
        await facilitator.connect()
        await cost(facilitator, "facilitate, stage open")
    finally:
        await asyncio.gather(
            laptop.close(), projector.close(), facilitator.close(), return_exceptions=True
        )
        await asyncio.to_thread(engine.delete_workshop, code, created.facilitator_key)
    return costs


def _error_kind(message: str) -> str:
    text = re.sub(r"tab-?\d+|p\d+|\b[0-9a-f]{8,}\b|\d+(\.\d+)?", "#", message)
    return text[:160]


# ---------------------------------------------------------------------------------------- the run
class _Stage:
    def __init__(self, index: int, title: str) -> None:
        self.index = index
        self.title = title
        self.opened = asyncio.Event()
        self.opened_at = 0.0
        self.closed = asyncio.Event()
        self.revealed = asyncio.Event()
        self.deadline = 0.0
        self.resolved = 0  # participants done with this stage: submitted, failed, or gave up


def _database(folder: Path, postgres: str | None) -> str:
    """A SQLite file in `folder`, or a fresh schema on the PostgreSQL server `postgres`."""
    if not postgres:
        return str(folder / "easi.db")
    import psycopg

    schema = f"load_{secrets.token_hex(4)}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in postgres else "?"
    return f"{postgres}{joiner}options=-csearch_path%3D{schema}"


async def run_workshop(
    n: int,
    args: Any,
    *,
    baseline: IdleResult | None,
    time_limit: float,
    flow: Flow | None = None,
    app: Path | None = None,
) -> WorkshopResult:
    """Play one level with `n` participants; see the module's docstring."""
    import psutil

    from facilitation.engine.store import Store
    from facilitation.engine.workshops import Workshops

    flow = flow or Flow()
    result = WorkshopResult(participants=n, baseline=baseline)
    rng = random.Random(args.seed * 1000 + n)
    folder = Path(tempfile.mkdtemp(prefix=f"easi-load-{n}-"))
    passcode = secrets.token_urlsafe(16)
    db_path = _database(folder, getattr(args, "postgres", None))
    snapshot = load_snapshot(args.scenario)
    engine = Workshops(Store(db_path), passcode=passcode)
    created = engine.create(snapshot, passcode=passcode)
    code = created.code
    stages = [
        _Stage(i, stage.title)
        for i, stage in enumerate(snapshot.scenario.stages[: max(1, args.stages)])
    ]
    env = {
        "EASI_DB": str(db_path),
        "EASI_DATA": str(folder),
        "EASI_PASSCODE": passcode,
        "EASI_MAX_SEATS": str(max(n, 200)),  # a room of 300 is over the default seat limit
    }
    log_path = args.log_dir / f"workshop-{n}.log"
    hard_deadline = time.monotonic() + time_limit - 15
    submitted: list[Submitted] = []
    me = psutil.Process()

    print(f"[{n}] workshop {code}: starting the server ...", flush=True)
    with StreamlitServer(
        app or getattr(args, "app", None) or APP, env=env, log_path=log_path
    ) as server:
        projector = StreamlitSession(
            server.port,
            path=flow.projector_path,
            name="projector",
            # A freshly started process's first runs import and warm the pages: on a loaded machine
            # that took over 30 s, which is not what the facilitator waits for in the room.
            run_timeout=120,
            query_string=flow.projector_query(code, created.projector_key),
        )
        facilitator = StreamlitSession(
            server.port,
            path=flow.facilitate_path,
            name="facilitator",
            run_timeout=120,
            query_string=flow.facilitate_query(code, created.facilitator_key),
        )
        laptops = [
            StreamlitSession(
                server.port, path=flow.join_path, name=f"p{i}", query_string=flow.join_query(code)
            )
            for i in range(n)
        ]
        everyone = [projector, facilitator, *laptops]
        for tab in laptops[: getattr(args, "trace_deltas", 0)]:
            tab.trace_deltas = True  # their dumps then show every delta (debugging a page)
        try:
            connect_errors = await connect_all(
                [projector, facilitator], rate=0, deadline=hard_deadline
            )
            if connect_errors:
                raise HarnessError(f"projector/facilitator could not connect: {connect_errors}")
            try:
                result.page_costs = await measure_page_costs(
                    server, engine, snapshot, passcode, flow
                )
            except (TimeoutError, HarnessError) as error:
                result.errors.append(f"page costs: {error}")

            # ------------------------------------------------------------------ participants
            joined = asyncio.Event()
            join_count = 0
            reach_dumped: list[str] = []
            answer_dumped: list[str] = []
            missing_dumped: list[str] = []

            async def participant(index: int, tab: StreamlitSession) -> None:
                nonlocal join_count
                prng = random.Random(rng.random())
                await asyncio.sleep(index / args.join_rate)
                began = time.monotonic()
                try:
                    await tab.connect()
                    await flow.join(tab, f"Load {index}", timeout=60)
                except (TimeoutError, HarnessError) as error:
                    result.errors.append(f"join: {error}")
                    return
                finally:
                    join_count += 1
                    if join_count == n:
                        joined.set()
                result.join_latencies.append(time.monotonic() - began)
                result.joined += 1
                for stage in stages:
                    await _wait_event(stage.opened, hard_deadline)
                    if not stage.opened.is_set() or stage.closed.is_set():
                        return
                    try:
                        await play_stage(index, tab, stage, prng)
                    finally:
                        stage.resolved += 1

            async def play_stage(
                index: int, tab: StreamlitSession, stage: _Stage, prng: random.Random
            ) -> None:
                try:
                    seen = await flow.wait_for_stage(
                        tab, stage.index, stage.title, deadline=stage.deadline
                    )
                except HarnessError as error:
                    result.reach_missing += 1
                    result.errors.append(f"stage reach: {error}")
                    if not reach_dumped:
                        reach_dumped.append(tab.name)
                        (args.log_dir / f"workshop-{n}-unreached-{tab.name}.txt").write_text(
                            f"{error}\n\n{tab.tree.dump()}\n\n" + "\n".join(tab.trace),
                            encoding="utf-8",
                        )
                    return
                result.reach_latencies.append(seen - stage.opened_at)
                if not tab.has_text(flow.stage_heading(stage.index, stage.title)):
                    # The form is up but an element is missing: see "elements lost after a fragment".
                    result.missing_elements += 1
                    if not missing_dumped or (tab.trace_deltas and len(missing_dumped) < 3):
                        missing_dumped.append(tab.name)
                        (args.log_dir / f"workshop-{n}-missing-{tab.name}.txt").write_text(
                            f"{tab.tree.dump()}\n\n" + "\n".join(tab.trace), encoding="utf-8"
                        )
                think = prng.uniform(*args.think)
                budget = min(think, max(0.0, stage.deadline - time.monotonic() - 5))
                try:
                    button = await flow.answer(
                        tab,
                        prng,
                        think=budget,
                        stopped=stage.closed.is_set,
                        latencies=result.answer_latencies,
                    )
                except HarnessError as error:
                    if isinstance(error, WidgetNotFound) and stage.closed.is_set():
                        return  # the stage closed under the form: the page shows the answers locked
                    result.errors.append(f"answer: {error}")
                    if len(answer_dumped) < 3:
                        answer_dumped.append(tab.name)
                        (args.log_dir / f"workshop-{n}-answer-{tab.name}.txt").write_text(
                            f"{error}\n\n{tab.tree.dump()}\n\n" + "\n".join(tab.trace),
                            encoding="utf-8",
                        )
                    return
                if button is None:
                    return
                try:
                    entry = Submitted(index, stage.index, time.monotonic())
                    submitted.append(entry)
                    run = await tab.click(button)
                    if flow.confirmed(tab) and run is not None and run.finished:
                        entry.finished = run.finished  # the page had drawn the confirmation by then
                    else:
                        entry.finished = await tab.wait_until(
                            flow.confirmed, timeout=30, what="the submission's confirmation"
                        )
                    entry.confirmed = True
                    result.submit_latencies.append(entry.finished - entry.clicked)
                except HarnessError as error:
                    result.errors.append(f"submit: {error}")
                shown = flow.page_errors(tab)
                if shown:
                    result.errors.append(f"page shows: {shown[-1]}")

            tasks = [asyncio.create_task(participant(i, tab)) for i, tab in enumerate(laptops)]
            await _wait_event(
                joined, min(hard_deadline, time.monotonic() + n / args.join_rate + 90)
            )
            print(
                f"[{n}] {result.joined} of {n} joined; measuring idle polls in the lobby ...",
                flush=True,
            )

            live = [tab for tab in everyone if tab.connected]
            result.idle = await measure_idle(
                server, live, warmup=args.warmup, window=args.idle_window, label="workshop lobby"
            )

            # ------------------------------------------------------------------ stages
            profiler = None
            if getattr(args, "profile", False):
                from .profile import Profiler

                profiler = Profiler(server.process.pid, args.log_dir / f"workshop-{n}-profile.txt")
                if not profiler.available:
                    result.errors.append("--profile needs py-spy (pip install py-spy)")

            async def act(action: str, stage_index: int) -> bool:
                """A facilitator action; a failure is recorded (with the server's stacks), not fatal."""
                began = time.monotonic()
                try:
                    await _facilitate(
                        flow,
                        facilitator,
                        engine,
                        code,
                        created.facilitator_key,
                        action,
                        args.facilitator,
                        stage_index,
                    )
                    result.facilitator_presses.append(time.monotonic() - began)
                    return True
                except HarnessError as error:
                    result.facilitator_failures += 1
                    result.errors.append(f"facilitator {action}: {error}")
                    stacks = args.log_dir / f"workshop-{n}-stacks-{action}-{stage_index}.txt"
                    if server.dump_stacks(stacks):
                        print(
                            f"[{n}] the facilitator's {action} did not finish; server stacks in {stacks}",
                            flush=True,
                        )
                    return False

            play_start = server.sample()
            my_start = sum(me.cpu_times()[:2])
            samples = [play_start]
            stage_time = max(20.0, args.duration / len(stages))
            projector_updates: list[tuple[float, int, int]] = []  # (arrival, stage, count)
            for stage in stages:
                if time.monotonic() + stage_time > hard_deadline:
                    break
                stage.deadline = time.monotonic() + stage_time
                watcher = asyncio.create_task(
                    _watch_projector(projector, flow, stage, projector_updates)
                )
                stage.opened_at = time.monotonic()
                # Laptops watch from the press, not from the end of the facilitator's own run: a stage
                # that reaches a laptop while the facilitator's page is still redrawing counts as it lands.
                stage.opened.set()
                acted = await act("open" if stage.index == 0 else "next", stage.index)
                result.stages_played += 1
                while time.monotonic() < stage.deadline:
                    await asyncio.sleep(1.0)
                    samples.append(server.sample())
                    if stage.resolved >= result.joined:
                        break
                await asyncio.sleep(3.0)  # let the projector's last poll land
                stage.closed.set()
                watcher.cancel()
                acted = await act("lock", stage.index) and acted
                acted = await act("reveal", stage.index) and acted
                stage.revealed.set()
                if not acted:
                    break  # the facilitator's page is stuck: no point opening another stage
                await asyncio.sleep(
                    args.reveal_pause
                )  # the room looks at the reveal; laptops catch up
            play_end = server.sample()
            my_end = sum(me.cpu_times()[:2])
            if profiler is not None:
                result.profile_path = str(profiler.stop() or "")
            result.play_seconds = play_end.at - play_start.at
            result.cpu_percent = play_end.cpu_percent_since(play_start)
            result.cpu_percent_peak = max(
                (b.cpu_percent_since(a) for a, b in zip(samples, samples[5:])), default=0
            )
            result.harness_cpu_percent = 100 * (my_end - my_start) / max(result.play_seconds, 1e-9)
            for stage in stages:
                stage.opened.set()
                stage.closed.set()
                stage.revealed.set()
            await asyncio.wait(tasks, timeout=10)
            for task in tasks:
                task.cancel()
            result.projector_latencies = _projector_latencies(submitted, projector_updates)
        finally:
            await asyncio.gather(*(tab.close() for tab in everyone), return_exceptions=True)
            result.peak_rss = server.peak_rss
            for tab in everyone:
                result.lost_run_tails += tab.stats.lost_full_run_tails
                result.marked_early += tab.stats.fragment_ends_marked_early
                result.errors += [f"{tab.name}: {e}" for e in tab.stats.errors]
                result.errors += [f"{tab.name}: exception shown: {e}" for e in tab.stats.exceptions]
            if server.process and server.process.poll() is not None:
                result.errors.append(f"the server died: {server.log_tail()}")

    _check_database(engine, code, submitted, result)
    if result.errors:
        (args.log_dir / f"workshop-{n}-errors.txt").write_text(
            "\n".join(result.errors) + "\n", encoding="utf-8"
        )
    shutil.rmtree(folder, ignore_errors=True)
    return result


async def _wait_event(event: asyncio.Event, deadline: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        pass


async def _facilitate(
    flow: Flow,
    tab: StreamlitSession,
    engine: Any,
    code: str,
    key: str,
    action: str,
    mode: str,
    stage_index: int = 0,
) -> None:
    """One facilitator action, through the facilitate page (a button) or the engine."""
    if mode == "engine":
        method = {
            "open": engine.open_stage,
            "next": engine.next_stage,
            "lock": engine.lock_stage,
            "reveal": engine.reveal_stage,
        }[action]
        await asyncio.to_thread(method, code, key)
        return
    label = {
        "open": flow.open_button(stage_index),
        "next": flow.open_button(stage_index),
        "lock": flow.lock_button,
        "reveal": flow.reveal_button,
    }[action]
    await tab.wait_until(
        lambda s: (b := s.find_widget(label, type="button")) is not None and not b.disabled,
        timeout=30,
        what=f"the facilitator's {label!r} button",
    )
    await tab.click(tab.widget(label, type="button"))


async def _watch_projector(
    tab: StreamlitSession, flow: Flow, stage: _Stage, updates: list[tuple[float, int, int]]
) -> None:
    last = -1
    while not stage.closed.is_set():
        try:
            arrived = await tab.wait_until(
                lambda s, last=last: (flow.projector_count(s) or 0) > last,
                timeout=max(1.0, stage.deadline + 10 - time.monotonic()),
                what="the projector's count to rise",
            )
        except HarnessError:
            return
        count = flow.projector_count(tab) or 0
        updates.append((arrived, stage.index, count))
        last = count


def _projector_latencies(
    submitted: list[Submitted], updates: list[tuple[float, int, int]]
) -> list[float]:
    """For the k-th confirmed submission of a stage (in order of confirmation), the time from its click
    to the first projector update at or after the click that shows k or more."""
    latencies = []
    for stage in {s.stage for s in submitted}:
        done = sorted(
            (s for s in submitted if s.stage == stage and s.confirmed), key=lambda s: s.finished
        )
        shown = sorted((at, count) for at, st, count in updates if st == stage)
        for rank, entry in enumerate(done, start=1):
            seen = next((at for at, count in shown if count >= rank and at >= entry.clicked), None)
            if seen is not None:
                latencies.append(seen - entry.clicked)
    return latencies


def _check_database(
    engine: Any, code: str, submitted: list[Submitted], result: WorkshopResult
) -> None:
    """Every confirmed submission stored once, nothing stored that was not confirmed, one seat each."""
    with engine.store.read() as db:
        workshop_id = db.execute("SELECT id FROM workshops WHERE code = ?", (code,)).fetchone()[0]
        seats = db.execute(
            "SELECT display_name, count(*) FROM participants WHERE workshop_id = ? AND simulated = 0 "
            "GROUP BY display_name",
            (workshop_id,),
        ).fetchall()
        stored = db.execute(
            "SELECT p.display_name, s.stage_index FROM submissions s JOIN participants p "
            "ON p.id = s.participant_id WHERE s.workshop_id = ?",
            (workshop_id,),
        ).fetchall()
        logged = db.execute(
            "SELECT p.display_name, e.stage_index, count(*) FROM events e JOIN participants p "
            "ON p.id = e.participant_id WHERE e.workshop_id = ? AND e.event = 'decision_submitted' "
            "GROUP BY p.display_name, e.stage_index",
            (workshop_id,),
        ).fetchall()
    result.seats_duplicated = sum(count - 1 for _, count in seats if count > 1)
    stored_keys = Counter((name, stage) for name, stage in stored)
    confirmed = {(f"Load {s.participant}", s.stage) for s in submitted if s.confirmed}
    attempted = {(f"Load {s.participant}", s.stage) for s in submitted}
    result.lost = sum(1 for key in confirmed if key not in stored_keys)
    result.duplicated = sum(count - 1 for count in stored_keys.values() if count > 1)
    result.duplicated += sum(count - 1 for _, _, count in logged if count > 1)
    result.unexpected = sum(1 for key in stored_keys if key not in attempted)
    result.unconfirmed = sum(1 for key in stored_keys if key in attempted and key not in confirmed)
