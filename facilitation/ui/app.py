"""Page configuration and navigation (placeholder until the pages land)."""

import streamlit as st


def run() -> None:
    """Configure the page and route to the requested view."""
    st.set_page_config(page_title="EASI Workshop", page_icon=":jigsaw:", layout="wide")
    st.title("EASI Workshop")
    st.write("Effective and Appropriate Sharing of Information.")
