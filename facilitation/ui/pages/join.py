"""The join page (drawn by facilitation.ui.join_view)."""

from facilitation.ui.join_view import page

page()
