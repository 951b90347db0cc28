"""Home: what this is, and where to go. `/?code=K7QW3M` (the QR code's link) opens the join form."""

from __future__ import annotations

import streamlit as st

from facilitation.ui import join_view
from facilitation.ui.widgets import css, top_links

__all__ = ["page"]

# (heading, text, page, link label, icon) for the three ways in.
_CARDS = (
    (
        "Take part",
        "You need the six-character code on the projector. No account: you get a pseudonym unless "
        "you give a name.",
        "facilitation/ui/pages/join.py",
        "Join a workshop",
        ":material/login:",
    ),
    (
        "Run a workshop",
        "Choose a scenario and the agencies in play, show the join code, and lead the room through "
        "each stage, the reveal and the debrief. Creating a workshop needs the operator passcode.",
        "facilitation/ui/pages/facilitate.py",
        "Facilitate",
        ":material/co_present:",
    ),
    (
        "Write scenarios",
        "Check a scenario or role file line by line, preview it, and rehearse it with simulated "
        "participants before a real room sees it.",
        "facilitation/ui/pages/studio.py",
        "Studio",
        ":material/edit_note:",
    ),
)


def page() -> None:
    if st.query_params.get("code"):
        join_view.page()
        return
    css()
    top_links("home")
    st.title("EASI Workshop")
    st.markdown(
        "**Effective and Appropriate Sharing of Information.** Practitioners from different agencies play one "
        "safeguarding scenario, stage by stage. Each of you holds a piece of the jigsaw and decides what to share, "
        "with whom and why; the reveal shows side by side how your decisions differed, and the debrief talks "
        "about what held people back."
    )
    for column, (title, text, page, label, icon) in zip(st.columns(3, gap="large"), _CARDS):
        with column, st.container(border=True, height="stretch"):
            st.header(title)
            st.markdown(text)
            st.page_link(page, label=label, icon=icon)
    st.caption(
        "Everything typed in a workshop is personal data: use no real names or case details. Workshops are "
        "deleted by the facilitator, or by the operator after the retention period."
    )
