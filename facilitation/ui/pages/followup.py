"""The follow-up page (drawn by facilitation.ui.evaluation_view)."""

from facilitation.ui.evaluation_view import follow_up_page

follow_up_page()
