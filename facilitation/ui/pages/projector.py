"""The projector page (drawn by facilitation.ui.projector_view)."""

from facilitation.ui.projector_view import page

page()
