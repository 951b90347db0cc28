"""Studio: for trainers who write scenarios and roles (`/studio`).

- Library: every scenario and role file with its validation and teachability (lint) status.
- Check a file: paste or upload YAML; every error is shown at its line, with the text around it and,
  for pasted text, a "Go to line" that puts the editor's cursor there; a valid file is previewed
  (stages, facts by role, guidance).
- Rehearse: play the scenario with simulated participants on a throw-away store and read the debrief.
- Downloads: the JSON schemas and starter files.

Checking never writes anything. Saving a checked file into the library needs the operator passcode.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from facilitation.content import Role, Snapshot, reference
from facilitation.errors import NotAllowed
from facilitation.ui import content, evaluation_view, page_script, perspectives_view, services
from facilitation.ui import studio_support as support
from facilitation.ui.debrief_view import ENDING, REVEAL, ending, reveal
from facilitation.ui.widgets import (
    alert,
    css,
    level_label,
    top_links,
    trainer_markdown,
)

__all__ = ["page"]


def page() -> None:
    css()
    top_links("studio")
    st.title("Studio")
    st.markdown(
        "Check, preview and rehearse scenarios and roles before a room sees them. Nothing here changes a "
        "running workshop: each workshop keeps the copy it was created from."
    )
    section = st.segmented_control(
        "Studio section",
        ("Check a file", "Library", "Rehearse", "Downloads"),
        default="Check a file",
        required=True,
        key="studio:section",
    )
    if section == "Library":
        _library()
    elif section == "Rehearse":
        _rehearse()
    elif section == "Downloads":
        _downloads()
    else:
        _check()


# --------------------------------------------------------------------------------------- library


def _library() -> None:
    try:
        scenarios, roles = support.library_status()
    except OSError as error:
        alert("error", f"The library could not be read: {error}")
        return
    st.subheader(f"Scenarios ({len(scenarios)})")
    st.dataframe([row.as_row() for row in scenarios], hide_index=True, width="stretch")
    st.subheader(f"Roles ({len(roles)})")
    st.dataframe([row.as_row() for row in roles], hide_index=True, width="stretch")
    for row in [*scenarios, *roles]:
        if row.problems or row.warnings:
            with st.expander(
                f"{row.kind} {row.file}: {len(row.problems)} errors, {len(row.warnings)} warnings"
            ):
                for problem in row.problems:
                    alert("error", problem)
                for warning in row.warnings:
                    alert("warning", warning)


# ------------------------------------------------------------------------------------------ check


def _check() -> None:
    st.header("Check a scenario or role file")
    source = st.radio(
        "Where is the file?",
        ("Paste the YAML", "Upload a file"),
        horizontal=True,
        key="studio:source",
    )
    pasted = source == "Paste the YAML"
    found = _pasted_file() if pasted else _uploaded_file()
    if found is None:
        return
    text, filename = found
    if not text.strip():
        st.caption(
            "Paste or upload a file to check it. Scenarios are checked against the roles in the library."
        )
        return
    result = _checked(text, filename)
    if result.problems:
        _problems(result, text, filename or f"the pasted {result.kind}", pasted=pasted)
    else:
        _valid(result, text, filename)


def _uploaded_file() -> tuple[str, str] | None:
    """The uploaded file's text and name ("" and "" before any upload); None, said, when not UTF-8."""
    uploaded = st.file_uploader(
        "YAML file (at most 1 MiB)", type=["yaml", "yml"], key="studio:upload"
    )
    if uploaded is None:
        return "", ""
    try:
        return uploaded.getvalue().decode("utf-8-sig"), uploaded.name
    except UnicodeDecodeError:
        alert("error", f"{uploaded.name} is not UTF-8 text. Save it as UTF-8 and upload it again.")
        return None


def _pasted_file() -> tuple[str, str]:
    """The editor's text and the file name given for it, as last checked."""
    with st.form("studio:paste", border=False):
        st.text_input(
            "File name (optional)",
            key="studio:filename",
            placeholder="riverside-family.yaml",
            help="Given a file name, the check also makes sure the id inside equals it "
            "(without .yaml), as the library requires.",
        )
        with st.container(key="studio-editor"):  # monospaced (widgets' style sheet)
            st.text_area(
                "YAML",
                height=320,
                key="studio:text",
                max_chars=support.CHECK_MAX_CHARS,
                placeholder="id: my-scenario\ntitle: ...",
            )
        st.form_submit_button("Check", type="primary", icon=":material/fact_check:")
    return st.session_state.get("studio:text", ""), st.session_state.get("studio:filename", "")


def _problems(result: support.CheckResult, text: str, shown_name: str, *, pasted: bool) -> None:
    """Each problem at its line, with the lines around it (and, in the editor, a way to go there),
    then the whole file numbered: nothing was loaded."""
    alert(
        "error",
        f"{len(result.problems)} problem{'s' if len(result.problems) != 1 else ''} in {shown_name}: "
        "nothing was loaded.",
        icon=":material/error:",
    )
    lines = text.replace("\r\n", "\n").split("\n")
    _go_to_line()  # a "Go to line" just pressed: the editor's cursor moves there
    for index, problem in enumerate(result.problems):
        with st.container(border=True):
            where = (
                f"line {problem.line}" + (f", column {problem.column}" if problem.column else "")
                if problem.line
                else "the file as a whole"
            )
            st.markdown(
                f"**{where}**" + (f" · `{_code_span(problem.path)}`" if problem.path else "")
            )
            st.text(problem.message)
            if problem.line and pasted:
                st.button(
                    f"Go to line {problem.line}",
                    key=f"studio:goto:{index}",
                    icon=":material/arrow_upward:",
                    help="Puts the editor's cursor on this line, to correct it there.",
                    on_click=_ask_go_to_line,
                    args=(problem.line,),
                )
            if problem.line:
                st.code(
                    support.excerpt(lines, problem.line, problem.column),
                    language=None,
                    wrap_lines=True,  # no scrolling box: readable by keyboard and on a phone
                )
    first = next((problem for problem in result.problems if problem.line), None)
    if first is not None:
        with st.expander(f"The whole file, numbered (line {first.line} marked >)", expanded=True):
            st.code(
                support.excerpt(lines, first.line, first.column, around=len(lines)),
                language=None,
                wrap_lines=True,
            )


def _valid(result: support.CheckResult, text: str, filename: str) -> None:
    """A file that loads: said so, its teachability warnings, its preview and a way to save it."""
    alert(
        "success",
        f"{filename or 'The pasted text'} is a valid {result.kind}: {result.id}.",
        icon=":material/check_circle:",
    )
    if result.warnings:
        st.markdown(
            f"**{len(result.warnings)} teachability warning{'s' if len(result.warnings) != 1 else ''}**: "
            "the file loads, but a room may learn less from it than it could."
        )
        for warning in result.warnings:
            where = f"line {warning.line} · " if warning.line else ""
            alert("warning", f"{where}{warning.message}", icon=":material/lightbulb:")
    if result.kind == "scenario":
        _preview_scenario(result.snapshot)
    else:
        _preview_role(result.role)
    _save(result.kind, result.id, text)


_GO_TO = "studio:go-to"  # session state: (line, press count) of the "Go to line" just pressed
_PRESSES = "studio:go-to-presses"  # session state: how many "Go to line" presses this tab has made
# Select line `line` of the editor and scroll it into view (its text as the browser holds it).
_GO_TO_SCRIPT = """
const area = window.parent.document.querySelector('.st-key-studio-editor textarea');
if (area) {
  const lines = area.value.split('\\n');
  const line = Math.min(Math.max(LINE, 1), lines.length);
  let start = 0;
  for (let i = 0; i < line - 1; i++) start += lines[i].length + 1;
  const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
  area.scrollIntoView({block: 'center'});
  area.focus({preventScroll: true});
  area.setSelectionRange(start, start + lines[line - 1].length);
  area.scrollTop = Math.max(0, (line - 1) * height - area.clientHeight / 3);
}
"""


def _ask_go_to_line(line: int) -> None:
    """A "Go to line" button's callback: the next run moves the editor's cursor to `line`."""
    presses = st.session_state.get(_PRESSES, 0) + 1
    st.session_state[_PRESSES] = presses
    st.session_state[_GO_TO] = (line, presses)


def _go_to_line() -> None:
    """Move the editor's cursor to the line last asked for, once (the press count makes a second press
    of the same line a new script, which the browser runs again)."""
    asked = st.session_state.pop(_GO_TO, None)
    if asked is not None:
        line, presses = asked
        page_script.run(
            "go-to-line", f"/* {int(presses)} */" + _GO_TO_SCRIPT.replace("LINE", str(int(line)))
        )


_CHECKED = "studio:checked"  # session state: (digest of the text and file name, its CheckResult)


def _checked(text: str, filename: str) -> support.CheckResult:
    """The check of this text, run once per distinct text: every other Studio interaction reuses it.

    Only the digest and the result are kept, never the text itself. A check takes its turn with the
    participants' pages (`services.page_run_slots`), so a trainer's big file cannot crowd them out."""
    key = support.digest(text, filename)
    cached = st.session_state.get(_CHECKED)
    if cached is not None and cached[0] == key:
        return cached[1]
    with services.page_run_slots():
        result = support.check(text, filename)
    st.session_state[_CHECKED] = (key, result)
    return result


def _code_span(text: str) -> str:
    """`text` safe inside a Markdown code span (which interprets nothing): no backtick, one line."""
    return " ".join(text.replace("`", "'").split())[:300]


def _preview_role(role: Role) -> None:
    from facilitation.ui.widgets import role_card

    st.subheader(f"Preview: {role.short_name}")
    with st.container(border=True):
        role_card(role, "children")


def _preview_scenario(snapshot: Snapshot) -> None:
    scenario = snapshot.scenario
    ref = reference()
    roles = snapshot.roles
    short = {r: roles[r].short_name if r in roles else r for r in scenario.roles}
    st.subheader(f"Preview: {scenario.title}")
    st.caption(
        f"Audience: {scenario.audience.replace('_', ' ')} · {len(scenario.stages)} stages · "
        f"{len(scenario.facts)} facts · lead: {short.get(scenario.lead_role, scenario.lead_role)}"
    )
    trainer_markdown(scenario.summary)
    stages, by_role, guidance, agencies = st.tabs(
        ["Stages", "Facts by role", "Guidance", "Perspectives"]
    )
    with stages:
        for index, stage in enumerate(scenario.stages):
            with st.expander(
                f"Stage {index + 1}: {stage.title} ({len(stage.facts)} facts)", expanded=index == 0
            ):
                trainer_markdown(stage.narrative)
                for prompt in stage.prompts:
                    st.caption(f"Prompt: {prompt}")
    with by_role:
        for role_id in scenario.roles:
            facts = [
                (i, f)
                for i, s in enumerate(scenario.stages)
                for f in s.facts
                if f.held_by == role_id
            ]
            weight = sum(f.weight for _, f in facts)
            with st.expander(f"{short[role_id]}: {len(facts)} facts, weight {weight}"):
                for index, fact in facts:
                    trainer_markdown(f"- stage {index + 1} · weight {fact.weight} · {fact.text}")
    with guidance:
        rows = []
        for index, stage in enumerate(scenario.stages):
            for fact in stage.facts:
                g = fact.guidance
                rows.append(
                    {
                        "Stage": index + 1,
                        "Fact": fact.id,
                        "Held by": short.get(fact.held_by, fact.held_by),
                        "Share with": ", ".join(short.get(r, r) for r in g.share_with) or "nobody",
                        "Avoid": ", ".join(short.get(r, r) for r in g.avoid),
                        "Gateway": ref.gateways[g.gateway].label
                        if g.gateway in ref.gateways
                        else "",
                        "Consent": g.consent.replace("_", " "),
                        "Why": g.why,
                    }
                )
        st.dataframe(rows, hide_index=True, width="stretch")
        lead = roles.get(scenario.lead_role)
        if lead is not None:
            st.caption(
                f"The lead ({lead.short_name}) acts at level "
                f"{level_label(scenario.audience, lead.threshold.acts_at)}; levels by weight: "
                + ", ".join(f"{n} at {w}" for n, w in sorted(scenario.levels.items()))
            )

    with agencies:
        _preview_perspectives(snapshot)


def _preview_perspectives(snapshot: Snapshot) -> None:
    """What the room will see of the agencies for this scenario: side by side, on the threshold
    ladder, and each in full (as the facilitator reads it)."""
    scenario = snapshot.scenario
    perspectives_view.side_by_side(snapshot.roles, scenario.audience, scenario.lead_role)
    perspectives_view.ladder(snapshot.roles, scenario.audience)
    perspectives_view.agency_details(snapshot.roles, scenario.audience, scenario.lead_role)


def _save(kind: str, item_id: str, text: str) -> None:
    with st.expander("Save into the library (operator only)"):
        st.markdown(
            f"Writes {kind}s/{item_id}.yaml in the library. New workshops can then use it; running ones keep "
            "their own copy."
        )
        with st.form(f"studio:save:{kind}:{item_id}", border=False):
            passcode = st.text_input("Operator passcode", type="password")
            overwrite = st.checkbox("Replace the file if it exists")
            saved = st.form_submit_button("Save", icon=":material/save:")
        if saved:
            try:
                # The engine's check first: wrong passcodes are throttled there, whoever tries them.
                services.engine().check_passcode(passcode, caller=services.caller())
                path = support.save(
                    kind,
                    item_id,
                    text,
                    passcode,
                    overwrite=overwrite,
                    expected=services.operator_passcode().value,
                )
            except (support.SaveRefused, NotAllowed) as refused:
                alert("error", refused)
            else:
                alert("success", f"Saved {path}.")


# ---------------------------------------------------------------------------------------- rehearse


def _rehearse() -> None:
    st.subheader("Rehearse with simulated participants")
    st.markdown(
        "Plays the whole scenario with simulated participants on a throw-away database and shows the "
        "debrief a room like that would see. Nothing is kept."
    )
    source = st.radio(
        "Scenario",
        ("From the library", "The file checked above"),
        horizontal=True,
        key="studio:rehearse-source",
    )
    snapshot = None
    if source == "From the library":
        try:
            choices = [c for c in content.scenarios() if c.ok]
        except OSError as error:
            alert("error", f"The library could not be read: {error}")
            return
        if not choices:
            st.info("No playable scenario in the library.")
            return
        by_id = {c.id: c for c in choices}
        chosen = st.selectbox(
            "Scenario to rehearse",
            list(by_id),
            format_func=lambda i: by_id[i].title,
            key="studio:rehearse-id",
        )
    else:
        cached = st.session_state.get(_CHECKED)
        result = cached[1] if cached is not None else None
        if result is None or result.problems or result.kind != "scenario":
            st.info("Paste a valid scenario under 'Check a file' first.")
            return
        snapshot = result.snapshot
        chosen = None
    with st.form("studio:rehearse", border=False):
        left, right = st.columns(2)
        with left:
            participants = st.number_input(
                "Simulated participants", min_value=1, max_value=60, value=12
            )
        with right:
            seed = st.number_input(
                "Seed (the same seed replays the same room)", min_value=0, value=0
            )
        run = st.form_submit_button("Rehearse", type="primary", icon=":material/smart_toy:")
    if run:
        if snapshot is None:
            snapshot = content.snapshot(chosen)
        with st.spinner("Playing every stage..."):
            st.session_state["studio:rehearsal"] = _simulate(snapshot, int(participants), int(seed))
    rehearsal = st.session_state.get("studio:rehearsal")
    if rehearsal is None:
        return
    summary, analysis, room = rehearsal
    st.success(
        f"Rehearsed '{analysis.title}' with {summary.participants} simulated participants in "
        f"{summary.seconds:.2f} s."
    )
    act = analysis.act
    if act.possible is not None:
        actual = f"stage {act.actual + 1}" if act.actual is not None else "never"
        st.markdown(
            f"The lead could act at **stage {act.possible + 1}** following guidance; in this rehearsal: "
            f"**{actual}**."
        )
    tabs = st.tabs([f"Stage {i + 1}" for i in range(len(analysis.stages))] + ["Debrief"])
    for index, tab in enumerate(tabs[:-1]):
        with tab:
            for section in REVEAL:
                st.markdown(f"#### {section}")
                reveal(analysis, index, section)
    with tabs[-1]:
        for section in ENDING:
            st.markdown(f"#### {section}")
            ending(analysis, section, room=room)
        evaluation_view.what_changed(
            st.session_state.get("studio:rehearsal-evaluation"), analysis.audience, analysis.short
        )


def _simulate(snapshot: Snapshot, participants: int, seed: int):
    from facilitation.analysis import analyse, room_activities
    from facilitation.engine import Activities, Evaluations, Store, Workshops, simulate_workshop
    from facilitation.outputs import evaluation_report

    with tempfile.TemporaryDirectory(prefix="easi-rehearsal-") as folder:
        store = Store(Path(folder) / "rehearsal.db")
        try:
            engine = Workshops(store)
            summary = simulate_workshop(snapshot, participants, seed, engine=engine)
            record = engine.record(summary.code)
            st.session_state["studio:rehearsal-evaluation"] = evaluation_report(
                Evaluations(engine).operator_record(summary.code), record
            )
            activities = Activities(engine).operator_record(summary.code)
        finally:
            store.close()
    analysis = analyse(record)
    return summary, analysis, room_activities(record, activities, analysis)


# --------------------------------------------------------------------------------------- downloads


def _downloads() -> None:
    st.subheader("JSON schemas")
    st.markdown(
        "Point your editor at these (for example with the YAML extension of VS Code) to get completion "
        "and checks as you type."
    )
    schemas = support.schemas()
    columns = st.columns(max(len(schemas), 1))
    for column, (name, data) in zip(columns, schemas.items()):
        with column:
            st.download_button(
                name,
                data=data,
                file_name=name,
                mime="application/json",
                icon=":material/download:",
                key=f"studio:schema:{name}",
                on_click="ignore",
            )
    st.subheader("Starter files")
    st.markdown("A scenario and a role to copy and fill in (the same as `easi new`).")
    starters = support.starters()
    columns = st.columns(max(len(starters), 1))
    for column, (name, data) in zip(columns, starters.items()):
        with column:
            st.download_button(
                name,
                data=data,
                file_name=name,
                mime="application/yaml",
                icon=":material/download:",
                key=f"studio:starter:{name}",
                on_click="ignore",
            )
    st.subheader("Reference data")
    ref = reference()
    with st.expander(f"Barriers ({len(ref.barriers)})"):
        st.dataframe(
            [
                {"id": b.id, "Participants read": b.sentence, "Debrief says": b.explanation}
                for b in ref.barriers.values()
            ],
            hide_index=True,
            width="stretch",
        )
    with st.expander(f"Gateways ({len(ref.gateways)})"):
        st.dataframe(
            [
                {
                    "id": g.id,
                    "Gateway": g.label,
                    "In one line": g.summary,
                    "Audience": ", ".join(g.audience),
                }
                for g in ref.gateways.values()
            ],
            hide_index=True,
            width="stretch",
        )
