"""Programme: the operator's view across workshops (`/programme`), behind the operator passcode.

The same figures as `easi programme` (analysis.programme): who came, how they shared, the barriers and
myths, what the days changed and its trend, the follow-up response rate; filters; CSV and JSON. No cell
shows fewer than five people. The passcode is kept in this tab's session only.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from facilitation.analysis import BEHAVIOURS, ProgrammeFilters, describe, programme
from facilitation.engine import Evaluations
from facilitation.errors import NotAllowed
from facilitation.outputs import programme_csv, programme_json
from facilitation.ui import services
from facilitation.ui.widgets import css, escape_markdown, top_links

__all__ = ["page"]

_PASSCODE = "programme:passcode"
_SUPPRESSED = "<5"


def _shown(value: object) -> str:
    return _SUPPRESSED if value is None else str(value)


def page() -> None:
    css()
    top_links("programme")
    st.title("Programme")
    st.caption(
        "Across every workshop on this server: who came, how they shared, and what the days changed. "
        "No cell shows fewer than five people."
    )
    passcode = st.session_state.get(_PASSCODE)
    if passcode is None:
        _unlock()
        return
    try:
        workshops = Evaluations(services.engine()).programme(passcode)
    except NotAllowed as refused:
        st.session_state.pop(_PASSCODE, None)
        st.error(escape_markdown(refused))
        _unlock()
        return
    everything = programme(workshops, ProgrammeFilters(include_simulated=True))
    filters = _filters(everything.scenarios, everything.agencies)
    view = programme(workshops, filters)
    people = _shown(view.people)
    st.metric("Workshops", view.workshops)
    st.markdown(
        f"**{people} people**" + ("" if filters.include_simulated else " (simulated left out)")
    )
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Programme (CSV)",
            programme_csv(view),
            "easi-programme.csv",
            "text/csv",
            on_click="ignore",
        )
    with right:
        st.download_button(
            "Programme (JSON)",
            programme_json(view),
            "easi-programme.json",
            "application/json",
            on_click="ignore",
        )
    st.subheader("Who came")
    tabs = st.tabs(["By month", "By scenario", "By audience", "By agency"])
    for tab, rows in zip(tabs, (view.by_month, view.by_scenario, view.by_audience, view.by_agency)):
        with tab:
            st.dataframe(
                [{"": r.key, "Workshops": r.workshops, "People": _shown(r.people)} for r in rows],
                hide_index=True,
                width="stretch",
            )
    st.subheader("How they shared, by month")
    st.dataframe(
        [
            {
                "Month": m.month,
                "People": _shown(m.people),
                **{b: _shown(m.behaviours.get(b)) for b in BEHAVIOURS},
                "Barriers per 100 decisions": _shown(m.barriers_per_100),
            }
            for m in view.months
        ],
        hide_index=True,
        width="stretch",
    )
    st.subheader("Myths in action, by workshop")
    st.dataframe(
        [
            {
                "Workshop": m.code,
                "Date": m.date,
                "Scenario": m.scenario_id,
                "People": _shown(m.people),
                "Myth citations": _shown(m.myths),
                "Per 100 decisions": _shown(m.myths_per_100),
            }
            for m in view.myths
        ],
        hide_index=True,
        width="stretch",
    )
    st.subheader("What the days changed")
    st.markdown(f"- Confidence (1-5), pooled: {describe(view.confidence)}")
    st.markdown(f"- Knowledge (% right), pooled: {escape_markdown(describe(view.knowledge, '%'))}")
    st.dataframe(
        [
            {"Month": month, "Confidence": describe(c), "Knowledge": describe(k, "%")}
            for (month, c), (_, k) in zip(view.confidence_by_month, view.knowledge_by_month)
        ],
        hide_index=True,
        width="stretch",
    )
    for name, trend, unit in (
        ("confidence", view.confidence_trend, ""),
        ("knowledge", view.knowledge_trend, " points"),
    ):
        if trend.slope_per_30_days is None:
            st.caption(f"Trend in the {name} change: too few to say (n {trend.n}).")
        else:
            st.caption(
                f"Trend in the {name} change: {trend.slope_per_30_days:+.2f}{unit} per 30 days "
                f"(95% CI {trend.ci_low:+.2f} to {trend.ci_high:+.2f}), n {trend.n}."
            )
    rate = view.follow_up_rate
    st.markdown(
        f"**Follow-up:** {view.follow_up_answered} of {view.follow_up_links} links answered ({rate:.0%})"
        if rate is not None
        else "**Follow-up:** fewer than five links issued."
    )


def _unlock() -> None:
    with st.form("programme:unlock"):
        typed = st.text_input("Operator passcode", type="password")
        if st.form_submit_button("Open the programme view", type="primary"):
            st.session_state[_PASSCODE] = typed
            st.rerun()


def _filters(scenarios: tuple[str, ...], agencies: tuple[str, ...]) -> ProgrammeFilters:
    with st.expander("Filters", expanded=False):
        dates = st.columns(2)
        with dates[0]:
            start = st.date_input("From", value=None, key="programme:from")
        with dates[1]:
            end = st.date_input("To", value=None, key="programme:to")
        choices = st.columns(3)
        with choices[0]:
            scenario = st.selectbox("Scenario", ["All", *scenarios], key="programme:scenario")
        with choices[1]:
            audience = st.selectbox(
                "Audience", ["All", "children", "adults", "early_help"], key="programme:audience"
            )
        with choices[2]:
            agency = st.selectbox("Agency", ["All", *agencies], key="programme:agency")
        simulated = st.checkbox(
            "Count simulated participants (rehearsals)", key="programme:simulated"
        )
    return ProgrammeFilters(
        date_from=start.isoformat() if isinstance(start, date) else None,
        date_to=end.isoformat() if isinstance(end, date) else None,
        scenario=None if scenario == "All" else scenario,
        audience=None if audience == "All" else audience,
        agency=None if agency == "All" else agency,
        include_simulated=simulated,
    )
