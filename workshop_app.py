"""Entry point: `streamlit run workshop_app.py`. Routing only; the pages live in facilitation/ui."""

from facilitation.ui.app import run

run()
