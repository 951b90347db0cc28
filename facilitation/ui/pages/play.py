"""The play page (drawn by facilitation.ui.play_view)."""

from facilitation.ui.play_view import page

page()
