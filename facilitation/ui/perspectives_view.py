"""The agencies' perspectives side by side, the threshold ladder and the layers of the law, drawn for the projector (a room
reads it from the back: names, levels and barrier words, no paragraphs) and for the facilitator (every
motivator, constraint and threshold in full). The data comes from `facilitation.analysis`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from facilitation.analysis import (
    LAW_COMMISSION,
    LawPanel,
    Perspective,
    perspectives,
    threshold_ladder,
)
from facilitation.content import Role
from facilitation.ui.widgets import escape_markdown

__all__ = ["DENSE_PER_ROW", "PER_ROW", "agency_details", "ladder", "law_panel", "side_by_side"]

PER_ROW = 4  # cards per row on the projector: eight agencies fit 1280x720 in two rows
DENSE_PER_ROW = 5  # more than eight: five a row, in smaller type (the projector's style sheet)


def _barrier_words(view: Perspective) -> str:
    """The distinct barriers an agency's constraints become, in the order the card lists them."""
    return " · ".join(dict.fromkeys(constraint.barrier_label for constraint in view.constraints))


def side_by_side(roles: Mapping[str, Role], audience: str, lead_role: str | None = None) -> None:
    """Every agency as a card: its name, where it acts, and what holds it back, four to a row."""
    views = perspectives(roles, audience, lead_role)
    st.header("The agencies in the room")
    dense = len(views) > 2 * PER_ROW
    per_row = DENSE_PER_ROW if dense else PER_ROW
    with st.container(key="perspectives-dense" if dense else "perspectives"):
        for start in range(0, len(views), per_row):
            columns = st.columns(per_row, gap="small" if dense else "medium")
            for column, view in zip(columns, views[start : start + per_row]):
                with column.container(border=True, key=f"perspective-{view.role_id}"):
                    lead = " (lead)" if view.is_lead else ""
                    st.subheader(escape_markdown(view.short_name + lead))
                    st.markdown(f"**Acts at** {escape_markdown(view.acts_at_label)}")
                    st.markdown(f"**Held back by** {escape_markdown(_barrier_words(view))}")


def ladder(roles: Mapping[str, Role], audience: str) -> None:
    """The levels of need, highest first, each with the agencies whose threshold sits there."""
    st.header("Where each agency acts")
    for rung in threshold_ladder(roles, audience):
        with st.container(border=True, key=f"rung-{rung.number}"):
            left, right = st.columns([2, 3], vertical_alignment="center")
            left.markdown(f"**{rung.number} · {escape_markdown(rung.label)}**")
            names = " · ".join(rung.roles) if rung.roles else "no agency here"
            right.markdown(escape_markdown(names))
    st.caption(
        "Agencies set the bar differently and measure different things: crime risk, clinical risk, "
        "significant harm, tenancy risk. Where should the partnership agree the thresholds lie?"
    )


def agency_details(roles: Mapping[str, Role], audience: str, lead_role: str | None = None) -> None:
    """For the facilitator: each agency's motivators, constraints (with the barrier each becomes) and
    its threshold in its own words."""
    for view in perspectives(roles, audience, lead_role):
        with st.expander(f"{view.name} · acts at {view.acts_at_label}"):
            st.markdown("**What pushes it to share**")
            for motivator in view.motivators:
                st.markdown(f"- {escape_markdown(motivator)}")
            st.markdown("**What holds it back**")
            for constraint in view.constraints:
                st.markdown(
                    f"- {escape_markdown(constraint.text)} → *{escape_markdown(constraint.barrier_label)}*"
                )
            st.markdown("**Its threshold, from inside**")
            st.markdown(escape_markdown(view.in_practice))


def law_panel(panel: LawPanel) -> None:
    """The layers behind a lawful share of one fact, each with the gateways that answer it and how many
    of the room's reasons spoke to it: one table row a layer, so that all six fit the projector."""
    st.header(f"What lets us share: {escape_markdown(panel.fact_label)}")
    rows = []
    for row in panel.rows:
        answers = "; ".join(label for label, _ in row.gateways) or (
            "necessity and proportionality, asked of every share"
            if row.layer == "human_rights"
            else "none named for this fact"
        )
        found = {"Layer": row.title, "The question": row.question, "What answers it here": answers}
        if panel.shares:
            found["The room's reasons"] = f"{row.reasons_touching} of {panel.shares}"
        rows.append(found)
    st.table(pd.DataFrame(rows).set_index("Layer"))  # a table, not a grid: read from the back
    st.caption(LAW_COMMISSION)
