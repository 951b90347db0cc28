"""A few lines of the app's own script run in the page: the one way a Streamlit app can set a cookie
(`seat_memory`) or move the cursor in a text box (the Studio's "Go to line").

Streamlit draws no script of its own making; a frame of HTML (`st.iframe`) is same-origin, so its
script reaches the page's document (`window.parent.document`). The frame is laid out out of sight, out
of the page's flow, the tab order and the accessibility tree (a frame not laid out is never loaded). Only static script goes in, with any
value encoded by `json.dumps`: never participant or trainer text.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["run"]

_HIDDEN_CSS = (
    '<style>[class*="st-key-page-script-"] { position: absolute; width: 1px; height: 1px; '
    "overflow: hidden; visibility: hidden; pointer-events: none; }</style>"
)


def run(name: str, script: str) -> None:
    """Run `script` (JavaScript) once in the page, from a hidden frame keyed `name`; the frame is the
    same on every run with the same script, so the browser keeps it and does not run it again."""
    st.html(_HIDDEN_CSS)
    with st.container(key=f"page-script-{name}"):
        st.iframe(f"<script>{script}</script>", width=1, height=1, tab_index=-1, alt="No content")
