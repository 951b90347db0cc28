"""Three changes to how Streamlit runs, for rooms of hundreds of laptops (docs/performance.md).

1. Enum lookups that cost microseconds each. Streamlit builds every element's protobuf with nested
enum values (`TextAlignmentConfig.Alignment.LEFT`); protobuf answers each such attribute through
`EnumTypeWrapper.__getattr__`, which looks the name up in a mapping it rebuilds on every call: about 4 us,
hundreds of times per page run, 14 % of the play page's server time. Enum values never change, so the
first lookup of a name is kept on the wrapper, where Python's ordinary attribute lookup finds it next time.

2. A race that loses the end of a page run under load ("lost run tails").

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

3. The event loop waiting for every new script thread. Streamlit starts a thread for each run, polls
included (150 a second per 300 laptops), and `Thread.start` blocks the event loop until the new thread
has taken the interpreter lock once. While any script thread is busy, that takes one or two of Python's
switch intervals (5 ms by default): 10 ms per start with one busy thread, 22 ms with three (measured),
so under load the event loop that serves every laptop spends most of its time waiting for threads to
start. A 1 ms interval cuts the wait five-fold, for a percent or two more lock hand-overs.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import threading
import time
from typing import Any

__all__ = ["apply", "finished_but_unheard", "remember_enum_values", "shorten_switch_interval"]

# How often a waiting request looks again, and for how long at most before it goes ahead as Streamlit
# would have sent it (a runner's SHUTDOWN follows its last event within microseconds of script time).
RETRY_SECONDS = 0.005
MAX_WAIT_SECONDS = 2.0

# Python's interpreter-lock switch interval while the app runs (see 3. above); the default is 0.005.
SWITCH_INTERVAL_SECONDS = 0.001

_applied: bool | None = None
_guard = threading.Lock()


def remember_enum_values() -> bool:
    """Keep each protobuf enum value on its wrapper after the first lookup (see the module's docstring).
    True when in place."""
    try:
        from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
    except ImportError:
        return False
    original = EnumTypeWrapper.__getattr__
    if getattr(original, "easi_remembering", False):
        return True

    @functools.wraps(original)
    def remembering_getattr(self, name: str):
        value = original(self, name)  # raises AttributeError for a name the enum does not have
        # Only a name ordinary lookup missed reaches here (never a method or a dunder), so storing it in
        # the instance's dict shadows nothing.
        vars(self)[name] = value
        return value

    remembering_getattr.easi_remembering = True
    EnumTypeWrapper.__getattr__ = remembering_getattr
    return True


def shorten_switch_interval() -> float:
    """Lower the interpreter's switch interval to `SWITCH_INTERVAL_SECONDS` (never raise one an operator
    set lower); returns the interval now in force."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    return sys.getswitchinterval()


def finished_but_unheard(session: Any) -> bool:
    """True when the session's runner has stopped taking requests but the event loop has not yet handled
    its last events (Streamlit clears `_scriptrunner` when it handles the runner's SHUTDOWN)."""
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    runner = session._scriptrunner
    return runner is not None and runner._requests._state == ScriptRequestType.STOP


def _deferring(original):
    """`AppSession.request_rerun`, made to hold a fragment request back while the session's finished
    run is still being delivered."""

    @functools.wraps(original)
    def request_rerun(self, client_state=None, *, _deadline: float | None = None) -> None:
        if client_state is not None and client_state.fragment_id and finished_but_unheard(self):
            try:
                on_loop = asyncio.get_running_loop() is self._event_loop
            except RuntimeError:
                on_loop = False
            now = time.monotonic()
            deadline = now + MAX_WAIT_SECONDS if _deadline is None else _deadline
            if on_loop and now < deadline:
                self._event_loop.call_later(
                    RETRY_SECONDS,
                    functools.partial(request_rerun, self, client_state, _deadline=deadline),
                )
                return
        original(self, client_state)

    request_rerun.easi_deferring = True
    return request_rerun


def _internals_present() -> bool:
    """Whether this Streamlit has what the work-around reads (checked once, on the class objects)."""
    try:
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.scriptrunner_utils.script_requests import (
            ScriptRequests,
            ScriptRequestType,
        )
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
    """Install the three changes once per process; True when the run-tail work-around is in place."""
    global _applied
    if _applied is not None:  # every page run calls this: no lock once settled
        return _applied
    with _guard:
        if _applied is not None:
            return _applied
        remember_enum_values()
        shorten_switch_interval()
        if not _internals_present():
            print(
                "EASI Workshop: this Streamlit version lacks the internals of the lost-run-tail work-around; "
                "running without it (see docs/performance.md).",
                file=sys.stderr,
                flush=True,
            )
            _applied = False
            return False
        from streamlit.runtime.app_session import AppSession

        if not getattr(AppSession.request_rerun, "easi_deferring", False):
            AppSession.request_rerun = _deferring(AppSession.request_rerun)
        _applied = True
        return True
