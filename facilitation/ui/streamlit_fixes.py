"""Four process-wide changes to how Streamlit runs, for rooms of hundreds of laptops.

Each is a patch of a third-party class or interpreter setting, so each sits behind the switch
`EASI_STREAMLIT_FIXES` (on by default) and a version gate (`TESTED_STREAMLIT`): outside the versions
they were measured on, none is applied and the console says so once. Why each exists, what it costs and
the reproduction: docs/streamlit-fixes.md; the upstream report of the race: docs/upstream/.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sys
import threading
import time
from importlib.metadata import version
from typing import Any

from facilitation import settings

__all__ = [
    "TESTED_STREAMLIT",
    "apply",
    "finished_but_unheard",
    "finished_runs_kept_whole",
    "remember_enum_values",
    "shorten_switch_interval",
    "version_tested",
]

# The Streamlit versions these changes were measured on: [lowest, first untested) as (major, minor).
TESTED_STREAMLIT = ((1, 67), (1, 70))

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
    """`AppSession._create_scriptrunner`, made to hold a fragment's run back while the session's
    finished run is still being delivered, instead of starting a new runner that would drop it.

    Streamlit calls it once the current runner has refused the request (under that runner's lock), so
    a runner seen here has stopped for good. Checking earlier, in request_rerun, let the run finish
    between the check and the refusal (1 click in about 3,000 under load, 1 December)."""

    @functools.wraps(original)
    def create_scriptrunner(self, initial_rerun_data, *, _deadline: float | None = None) -> None:
        if initial_rerun_data.fragment_id and finished_but_unheard(self):
            try:
                on_loop = asyncio.get_running_loop() is self._event_loop
            except RuntimeError:
                on_loop = False
            now = time.monotonic()
            deadline = now + MAX_WAIT_SECONDS if _deadline is None else _deadline
            if on_loop and now < deadline:
                self._event_loop.call_later(
                    RETRY_SECONDS,
                    functools.partial(
                        _deliver, self, initial_rerun_data, deadline, create_scriptrunner
                    ),
                )
                return
        original(self, initial_rerun_data)

    create_scriptrunner.easi_deferring = True
    return create_scriptrunner


def _deliver(session: Any, rerun_data: Any, deadline: float, create_scriptrunner) -> None:
    """Give a held-back fragment request to whatever runner the session has now, as
    `AppSession.request_rerun` would; a runner still refusing it sends it back to be held again."""
    from streamlit.runtime.app_session import AppSessionState

    if session._state == AppSessionState.SHUTDOWN_REQUESTED:
        return  # the tab has gone; Streamlit discards its requests too
    if not session.has_fragment(rerun_data.fragment_id):
        return  # a full run since removed the fragment, as request_rerun checks on arrival
    runner = session._scriptrunner
    if runner is not None and runner.request_rerun(rerun_data):
        return
    create_scriptrunner(session, rerun_data, _deadline=deadline)


def finished_runs_kept_whole(
    before: list[Any], statuses: dict[int, int], kept: set[int]
) -> list[Any]:
    """The `script_finished` messages of finished fragment runs in a queue as it was (`before`, with each
    such message's status then in `statuses`, by id) whose every message since the previous run's
    boundary is still in the queue after a clear (`kept`: their ids)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    whole: list[Any] = []
    segment_kept = True
    for msg in before:
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            finished = statuses.get(id(msg)) == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
            if finished and segment_kept and id(msg) in kept:
                whole.append(msg)
        if kind in ("new_session", "script_finished"):
            segment_kept = True  # a run's messages lie between two of these
        elif id(msg) not in kept:
            segment_kept = False
    return whole


def _keeping_finished_fragment_runs(original):
    """`ForwardMsgQueue.clear`, made to leave a finished fragment run's end as it was when the clear for
    another fragment's run keeps every message of that run (4. in docs/streamlit-fixes.md)."""

    @functools.wraps(original)
    def clear(self, retain_lifecycle_msgs: bool = False, fragment_ids_this_run=None) -> None:
        if not retain_lifecycle_msgs or fragment_ids_this_run is None:
            original(self, retain_lifecycle_msgs, fragment_ids_this_run)
            return
        before = list(self._queue)
        # Read before the clear, which rewrites the messages it keeps in place.
        statuses = {
            id(msg): msg.script_finished
            for msg in before
            if msg.WhichOneof("type") == "script_finished"
        }
        original(self, retain_lifecycle_msgs, fragment_ids_this_run)
        kept = {id(msg) for msg in self._queue}
        for msg in finished_runs_kept_whole(before, statuses, kept):
            msg.script_finished = statuses[id(msg)]

    clear.easi_keeping = True
    return clear


def _internals_present() -> bool:
    """Whether this Streamlit has what the work-arounds read (checked once, on the class objects)."""
    try:
        from streamlit.runtime.app_session import AppSession, AppSessionState
        from streamlit.runtime.scriptrunner_utils.script_requests import (
            ScriptRequests,
            ScriptRequestType,
        )
    except ImportError:
        return False
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    probe = ScriptRequests()
    queue = ForwardMsgQueue()
    return (
        "_queue" in vars(queue)
        and "fragment_ids_this_run" in ForwardMsgQueue.clear.__code__.co_varnames
        and "_create_scriptrunner" in AppSession.request_rerun.__code__.co_names
        and hasattr(AppSession, "has_fragment")
        and hasattr(AppSessionState, "SHUTDOWN_REQUESTED")
        and "_state" in vars(probe)
        and hasattr(ScriptRequestType, "STOP")
        and "_scriptrunner" in AppSession.__init__.__code__.co_names
        and "_event_loop" in AppSession.__init__.__code__.co_names
    )


def version_tested(installed: str) -> bool:
    """Whether a Streamlit version string ("1.67.0") lies in `TESTED_STREAMLIT`."""
    numbers = tuple(int(part) for part in re.findall(r"\d+", installed)[:2])
    low, high = TESTED_STREAMLIT
    return low <= numbers < high


def _say(message: str) -> None:
    print(f"EASI Workshop: {message}", file=sys.stderr, flush=True)


def apply() -> bool:
    """Install the four changes once per process; True when the two work-arounds are in place."""
    global _applied
    if _applied is not None:  # every page run calls this: no lock once settled
        return _applied
    with _guard:
        if _applied is not None:
            return _applied
        if not settings.streamlit_fixes_enabled():
            _applied = False
            return False
        installed = version("streamlit")
        if not version_tested(installed):
            _say(
                f"Streamlit {installed} is outside the versions the run-time fixes were measured on; "
                "running without them (docs/streamlit-fixes.md)."
            )
            _applied = False
            return False
        remember_enum_values()
        shorten_switch_interval()
        if not _internals_present():
            _say(
                "this Streamlit lacks the internals of the work-arounds; running without them "
                "(docs/streamlit-fixes.md)."
            )
            _applied = False
            return False
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

        if not getattr(AppSession._create_scriptrunner, "easi_deferring", False):
            AppSession._create_scriptrunner = _deferring(AppSession._create_scriptrunner)
        if not getattr(ForwardMsgQueue.clear, "easi_keeping", False):
            ForwardMsgQueue.clear = _keeping_finished_fragment_runs(ForwardMsgQueue.clear)
        _applied = True
        return True
