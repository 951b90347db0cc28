"""Page configuration and navigation: which page a URL opens. Pages live in `facilitation/ui/pages/`
(thin scripts) and draw through the view modules beside this one.

| URL                                   | page                                              |
|---------------------------------------|---------------------------------------------------|
| `/` (`/?code=K7QW3M` joins)           | home: what this is, and links                     |
| `/join?code=K7QW3M`                   | join a workshop with its code                     |
| `/play?t=TOKEN`                       | a participant's seat (the rejoin link)            |
| `/facilitate?w=CODE&k=KEY`            | run a workshop (`?passcode=` prefills creation)   |
| `/projector?w=CODE&k=PROJECTOR_KEY`   | the room's screen, read-only                      |
| `/studio`                             | trainers: check, preview and rehearse scenarios   |
| `/programme`                          | the operator's view across workshops (passcode)   |
| `/followup?f=TOKEN`                   | a participant's follow-up questionnaire           |
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager

import streamlit as st

from facilitation.errors import UserError
from facilitation.ui import streamlit_fixes
from facilitation.ui.services import announce_once, page_run_slots
from facilitation.ui.widgets import escape_markdown

__all__ = ["PAGES", "errors_shown_plainly", "layout_for", "run"]

_log = logging.getLogger("facilitation.ui")
INTERNAL_ERROR_TEXT = (
    "Something went wrong on our side. Nothing you confirmed is lost: reload the page to carry on. "
    "If it happens again, tell the person running the session."
)

# (script, title, url path, icon); the first is the default page.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("facilitation/ui/pages/home.py", "EASI Workshop", "home", ":material/home:"),
    ("facilitation/ui/pages/join.py", "Join", "join", ":material/login:"),
    ("facilitation/ui/pages/play.py", "Play", "play", ":material/extension:"),
    ("facilitation/ui/pages/facilitate.py", "Facilitate", "facilitate", ":material/co_present:"),
    ("facilitation/ui/pages/projector.py", "Projector", "projector", ":material/tv:"),
    ("facilitation/ui/pages/studio.py", "Studio", "studio", ":material/edit_note:"),
    # The evaluation (issue 16): the operator's view across workshops, and the follow-up link's page.
    ("facilitation/ui/pages/programme.py", "Programme", "programme", ":material/insights:"),
    ("facilitation/ui/pages/followup.py", "Follow-up", "followup", ":material/event_repeat:"),
)


# Pages read on a laptop get a reading column; the others use the whole screen.
CENTERED = frozenset({"join", "play"})
# Pages that hundreds of laptops run at once take turns (services.page_run_slots); the facilitator's and
# the projector's pages never queue behind them.
TAKE_TURNS = frozenset({"", "home", "join", "play"})
_PAGES_KEY = "_easi_pages"  # session state: this session's st.Page objects


def layout_for(url_path: str, query: dict) -> str:
    """ "centered" for the join and play pages (and the home page when it shows the join form)."""
    if url_path in CENTERED or (url_path in ("", "home") and query.get("code")):
        return "centered"
    return "wide"


def _session_pages(state: MutableMapping) -> list:
    """This session's `st.Page` objects, made on its first run and kept in its state.

    Making a page resolves its script's path, a file-system call per folder of it, and each call hands
    the interpreter lock over; under load every hand-over waits, so making six pages on every run of
    every laptop held a run slot for much longer than its CPU. A session's runs come one after another,
    so its own pages are never shared between two runs at once (a page object carries a per-run flag)."""
    pages = state.get(_PAGES_KEY)
    if pages is None:
        pages = state[_PAGES_KEY] = [
            st.Page(script, title=title, url_path=path, icon=icon, default=index == 0)
            for index, (script, title, path, icon) in enumerate(PAGES)
        ]
    return pages


def run() -> None:
    """Configure the page and route to the requested view."""
    streamlit_fixes.apply()
    announce_once()
    pages = _session_pages(st.session_state)
    # The menu is hidden everywhere: the projector must show nothing but the room's screen, and the
    # other pages carry their own links (participants need none).
    page = st.navigation(pages, position="hidden")
    # One page configuration per run, once the page is known (a second call in the same run is not
    # reliably applied by the browser).
    title = "EASI Workshop" if page.title == "EASI Workshop" else f"{page.title} · EASI Workshop"
    st.set_page_config(
        page_title=title,
        page_icon=":material/extension:",
        layout=layout_for(page.url_path, st.query_params.to_dict()),
        initial_sidebar_state="collapsed",
    )
    with errors_shown_plainly():
        if page.url_path in TAKE_TURNS:
            with page_run_slots():
                page.run()
        else:
            page.run()


@contextmanager
def errors_shown_plainly() -> Iterator[None]:
    """The UI's one error handler: a user error is shown as its own message, as text; anything else as
    a short apology, with no traceback on screen and only the exception's type in the log (its message
    may hold workshop data). Streamlit's rerun and stop signals are BaseExceptions and pass through."""
    try:
        yield
    except UserError as error:
        st.error(escape_markdown(error), icon=":material/error:")
    except Exception as error:  # noqa: BLE001  # the shell's last resort: no page may show a traceback
        _log.error("page run failed: %s", type(error).__name__)
        st.error(INTERNAL_ERROR_TEXT, icon=":material/error:")
