"""The facilitate page (drawn by facilitation.ui.facilitate_view)."""

from facilitation.ui.facilitate_view import page

page()
