"""The studio page (drawn by facilitation.ui.studio_view)."""

from facilitation.ui.studio_view import page

page()
