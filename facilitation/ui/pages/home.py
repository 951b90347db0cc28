"""The home page (drawn by facilitation.ui.home_view)."""

from facilitation.ui.home_view import page

page()
