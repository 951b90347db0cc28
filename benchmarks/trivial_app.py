"""The baseline page for the load harness: a title, a button and a fragment that polls every 2 seconds.

`python benchmarks/run_load.py` serves it beside the workshop app and reports the app's figures as ratios
to this page's, so that the part of a poll's cost that is Streamlit's own is not blamed on the app. Keep it
trivial: what it measures is a Streamlit fragment rerun that reads one small value and draws one line.
"""

import streamlit as st


@st.cache_resource
def _shared() -> dict:
    # One small value shared by every session, as the app's polls read one small "version" value.
    return {"version": 1}


st.title("Trivial page")
if st.button("Click me"):
    _shared()["version"] += 1
    st.write("Clicked")


@st.fragment(run_every="2s")
def _poll() -> None:
    st.caption(f"Version {_shared()['version']}")


_poll()
