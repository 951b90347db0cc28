"""Streamlit pages and widgets. The only package (with workshop_app.py) that imports streamlit."""
