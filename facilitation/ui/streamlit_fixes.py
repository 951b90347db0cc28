"""A work-around for a Streamlit race that loses the end of a page run under load (docs/performance.md,
"lost run tails").

When a fragment's rerun request (a laptop's poll tick) reaches a session whose previous run has finished
on its script thread, but whose last events the server's event loop has not handled yet,
`AppSession.request_rerun` finds that runner unwilling to take the request and starts a new one. Every
event of the old run still waiting for the event loop is then ignored as coming from a "non-current
ScriptRunner": the run's last elements, its `script_finished`, often the `auto_rerun` that keeps the
page polling. The browser never sees its submission confirmed, or the page stops following the workshop.
The busier the server, the longer the event loop lags and the more often it happens: at 150 laptops, one
laptop in three stopped following the stages.

The fix makes such a fragment request wait until the event loop has handled the finished run (its
`SHUTDOWN` event clears the runner), then go through Streamlit's own path unchanged. It touches nothing
else, and it checks that Streamlit still has the internals it relies on; if not, it leaves Streamlit as it
is and says so once on the console (the race is then back, nothing else changes).
"""

from __future__ import annotations

import asyncio
import functools
import sys
import threading
import time
from typing import Any

__all__ = ["apply", "finished_but_unheard"]

# How often a waiting request looks again, and for how long at most before it goes ahead as Streamlit
# would have sent it (a runner's SHUTDOWN follows its last event within microseconds of script time).
RETRY_SECONDS = 0.005
MAX_WAIT_SECONDS = 2.0

_applied: bool | None = None
_guard = threading.Lock()


def finished_but_unheard(session: Any) -> bool:
    """True when the session's runner has stopped taking requests but the event loop has not yet handled
    its last events (Streamlit clears `_scriptrunner` when it handles the runner's SHUTDOWN)."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    runner = session._scriptrunner  # noqa: SLF001 - the state this work-around is about
    return runner is not None and runner._requests._state == ScriptRequestType.STOP  # noqa: SLF001


def _deferring(original):
    """`AppSession.request_rerun`, made to hold a fragment request back while the session's finished
    run is still being delivered."""

    @functools.wraps(original)
    def request_rerun(self, client_state=None, *, _deadline: float | None = None) -> None:
        if client_state is not None and client_state.fragment_id and finished_but_unheard(self):
            try:
                on_loop = asyncio.get_running_loop() is self._event_loop  # noqa: SLF001
            except RuntimeError:
                on_loop = False
            now = time.monotonic()
            deadline = now + MAX_WAIT_SECONDS if _deadline is None else _deadline
            if on_loop and now < deadline:
                self._event_loop.call_later(  # noqa: SLF001
                    RETRY_SECONDS, functools.partial(request_rerun, self, client_state, _deadline=deadline)
                )
                return
        original(self, client_state)

    request_rerun.easi_deferring = True
    return request_rerun


def _internals_present() -> bool:
    """Whether this Streamlit has what the work-around reads (checked once, on the class objects)."""
    try:
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests, ScriptRequestType
    except ImportError:
        return False
    probe = ScriptRequests()
    return (
        hasattr(AppSession, "request_rerun")
        and "_state" in vars(probe)
        and hasattr(ScriptRequestType, "STOP")
        and "_scriptrunner" in AppSession.__init__.__code__.co_names
        and "_event_loop" in AppSession.__init__.__code__.co_names
    )


def apply() -> bool:
    """Install the work-around once per process; True when it is in place."""
    global _applied
    with _guard:
        if _applied is not None:
            return _applied
        if not _internals_present():
            print("EASI Workshop: this Streamlit version lacks the internals of the lost-run-tail work-around; "
                  "running without it (see docs/performance.md).", file=sys.stderr, flush=True)
            _applied = False
            return False
        from streamlit.runtime.app_session import AppSession

        if not getattr(AppSession.request_rerun, "easi_deferring", False):
            AppSession.request_rerun = _deferring(AppSession.request_rerun)
        _applied = True
        return True
