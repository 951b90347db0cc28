"""The programme page (drawn by facilitation.ui.programme_view)."""

from facilitation.ui.programme_view import page

page()
