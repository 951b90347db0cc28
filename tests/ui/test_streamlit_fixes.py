"""The work-around for Streamlit's lost run tails (facilitation.ui.streamlit_fixes).

First the decision itself, on a stand-in session, step by step; then the real race on a real server: a
click followed within milliseconds by the fragment's tick, hundreds of times, with other tabs polling.
Without the work-around about one click in a hundred never sees its run finish (docs/performance.md)."""

from __future__ import annotations

import asyncio
import sys
import time
from types import SimpleNamespace

import pytest
from streamlit.runtime.app_session import AppSessionState
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequestType

from facilitation import settings
from facilitation.ui import streamlit_fixes


class _Runner:
    """A stand-in ScriptRunner: in `state`, taking (or refusing) the requests it is given."""

    def __init__(self, state: ScriptRequestType, *, accepts: bool = False) -> None:
        self._requests = SimpleNamespace(_state=state)
        self.accepts = accepts
        self.given: list[RerunData] = []

    def request_rerun(self, rerun_data: RerunData) -> bool:
        self.given.append(rerun_data)
        return self.accepts


def _session(loop, state: ScriptRequestType | None, fragments=("poll",)):
    return SimpleNamespace(
        _scriptrunner=None if state is None else _Runner(state),
        _event_loop=loop,
        _state=AppSessionState.APP_IS_RUNNING,
        has_fragment=lambda fragment_id: fragment_id in fragments,
    )


def _tick(fragment_id: str = "poll") -> RerunData:
    return RerunData(fragment_id=fragment_id, is_auto_rerun=True)


async def _drive(state, rerun_data, *, meanwhile=None, after: float = 0.05, fragments=("poll",)):
    """Ask the wrapped _create_scriptrunner for a runner while the session's runner is in `state`;
    `after` seconds later, `meanwhile(session)` changes the session as the event loop would. Returns
    the session and when a runner was created (with which request), seconds after the call."""
    loop = asyncio.get_running_loop()
    session = _session(loop, state, fragments)
    created: list[tuple[RerunData, float]] = []
    wrapped = streamlit_fixes._deferring(
        lambda self, data: created.append((data, time.monotonic()))
    )
    started = time.monotonic()
    wrapped(session, rerun_data)
    if meanwhile is not None:
        loop.call_later(after, meanwhile, session)
    for _ in range(40):
        if created:
            break
        await asyncio.sleep(0.01)
    return session, [(data, at - started) for data, at in created]


def _shut_down(session) -> None:
    session._scriptrunner = None  # the finished runner's SHUTDOWN, handled by the event loop


def test_a_tick_waits_until_the_finished_run_is_delivered():
    tick = _tick()
    _, created = asyncio.run(_drive(ScriptRequestType.STOP, tick, meanwhile=_shut_down))
    assert len(created) == 1 and created[0][0] is tick
    assert created[0][1] >= 0.05  # not before the old runner's events were handled


def test_a_runner_started_meanwhile_takes_the_tick():
    # A click's full run started while the tick waited: the tick joins that run, as Streamlit's own
    # request_rerun would give it, and no second runner starts.
    newer = _Runner(ScriptRequestType.CONTINUE, accepts=True)
    tick = _tick()
    session, created = asyncio.run(
        _drive(ScriptRequestType.STOP, tick, meanwhile=lambda s: setattr(s, "_scriptrunner", newer))
    )
    assert created == [] and newer.given == [tick] and session._scriptrunner is newer


def test_a_tick_for_a_fragment_gone_meanwhile_or_a_closed_tab_is_dropped():
    def gone(session) -> None:
        _shut_down(session)
        session.has_fragment = lambda fragment_id: False

    def closed(session) -> None:
        _shut_down(session)
        session._state = AppSessionState.SHUTDOWN_REQUESTED

    for meanwhile in (gone, closed):
        _, created = asyncio.run(_drive(ScriptRequestType.STOP, _tick(), meanwhile=meanwhile))
        assert created == []


def test_requests_streamlit_handles_well_go_straight_through():
    # A full rerun (no fragment) after a finished run, a tick with no runner, a tick beside a running
    # runner (as Streamlit never asks, but the wrapper must not hold it).
    for state, rerun_data in (
        (ScriptRequestType.STOP, RerunData()),
        (None, _tick()),
        (ScriptRequestType.CONTINUE, _tick()),
    ):
        _, created = asyncio.run(_drive(state, rerun_data))
        assert (
            len(created) == 1
            and created[0][0] is rerun_data
            and created[0][1] < streamlit_fixes.RETRY_SECONDS
        )


def test_a_tick_never_waits_forever(monkeypatch):
    monkeypatch.setattr(streamlit_fixes, "MAX_WAIT_SECONDS", 0.05)
    _, created = asyncio.run(_drive(ScriptRequestType.STOP, _tick()))
    assert len(created) == 1 and created[0][1] >= 0.05


def test_apply_installs_once_and_is_on_in_the_app():
    from streamlit.runtime.app_session import AppSession

    assert streamlit_fixes.apply() is True
    installed = AppSession._create_scriptrunner
    assert streamlit_fixes.apply() is True
    assert AppSession._create_scriptrunner is installed and installed.easi_deferring
    assert sys.getswitchinterval() <= streamlit_fixes.SWITCH_INTERVAL_SECONDS * 1.001
    assert "streamlit_fixes.apply()" in open("facilitation/ui/app.py", encoding="utf-8").read()


def test_no_click_loses_its_run_on_a_real_server(capsys):
    from benchmarks.loadharness import race

    assert race.main(["--tries", "300", "--background", "40", "--with-fix"]) == 0
    printed = capsys.readouterr().out
    assert "0 of 300 clicks never saw their run finish" in printed, printed  # with the whole trace


def test_enum_values_are_remembered_and_stay_right():
    from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.TextAlignmentConfig_pb2 import TextAlignmentConfig

    assert streamlit_fixes.remember_enum_values() is True
    assert EnumTypeWrapper.__getattr__.easi_remembering
    alignment = TextAlignmentConfig.Alignment
    for wrapper in (alignment, Alert.Format):
        for name in wrapper.keys():
            assert getattr(wrapper, name) == wrapper.Value(
                name
            )  # first lookup, then the remembered one
            assert getattr(wrapper, name) == wrapper.Value(name)
            assert name in vars(wrapper)
    assert (
        alignment.Name(alignment.LEFT) == "LEFT" and "LEFT" in alignment.keys()
    )  # methods untouched
    try:
        _ = alignment.NO_SUCH_VALUE
    except AttributeError as error:
        assert "NO_SUCH_VALUE" in str(error)
    else:
        raise AssertionError("an unknown enum name must still raise AttributeError")
    assert "NO_SUCH_VALUE" not in vars(alignment)


def test_the_switch_interval_is_shortened_never_lengthened():
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)  # Python's default
        assert streamlit_fixes.shorten_switch_interval() == pytest.approx(
            streamlit_fixes.SWITCH_INTERVAL_SECONDS
        )
        assert sys.getswitchinterval() == pytest.approx(streamlit_fixes.SWITCH_INTERVAL_SECONDS)
        sys.setswitchinterval(
            0.0002
        )  # an operator's lower setting stays (Python stores it in microseconds)
        assert streamlit_fixes.shorten_switch_interval() == pytest.approx(0.0002)
    finally:
        sys.setswitchinterval(before)


@pytest.mark.parametrize(
    "installed, tested",
    [("1.67.0", True), ("1.69.2", True), ("1.66.9", False), ("1.70.0", False), ("2.0.0", False)],
)
def test_the_changes_apply_only_to_the_streamlit_versions_they_were_measured_on(installed, tested):
    assert streamlit_fixes.version_tested(installed) is tested


def test_the_switch_turns_every_change_off(monkeypatch):
    monkeypatch.setenv("EASI_STREAMLIT_FIXES", "off")
    monkeypatch.setattr(streamlit_fixes, "_applied", None)
    before = sys.getswitchinterval()
    assert streamlit_fixes.apply() is False
    assert sys.getswitchinterval() == before


def test_a_streamlit_outside_the_gate_runs_plain(monkeypatch, capsys):
    monkeypatch.setattr(streamlit_fixes, "_applied", None)
    monkeypatch.setattr(streamlit_fixes, "version", lambda name: "1.80.0")
    assert streamlit_fixes.apply() is False
    assert "outside the versions" in capsys.readouterr().err


def test_a_misspelt_switch_is_refused(monkeypatch):
    from facilitation.errors import SettingsError

    monkeypatch.setenv("EASI_STREAMLIT_FIXES", "maybe")
    with pytest.raises(SettingsError, match="on or off"):
        settings.streamlit_fixes_enabled()


def _queued_fragment_run(fragment_id: str, *, flushed_start: bool = False):
    """A browser queue holding one finished run of `fragment_id`: its start (unless already sent), one
    element it drew, and its end, as Streamlit enqueues them."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    queue = ForwardMsgQueue()
    if not flushed_start:
        start = ForwardMsg()
        start.new_session.page_script_hash = "page"
        start.metadata.run.fragment_ids.append(fragment_id)
        queue.enqueue(start)
    element = ForwardMsg()
    element.delta.fragment_id = fragment_id
    element.delta.new_element.markdown.body = "Reason for sharing"
    element.metadata.delta_path.extend([0, 4])
    queue.enqueue(element)
    end = ForwardMsg()
    end.script_finished = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    end.metadata.run.fragment_ids.append(fragment_id)
    queue.enqueue(end)
    return queue, end


@pytest.mark.parametrize("flushed_start", [False, True])
def test_another_fragments_run_leaves_a_finished_run_finished(flushed_start):
    """The form's run finished and all it drew is still queued when the poll's run starts: Streamlit
    keeps the form's elements but marks its end "cut short", so the browser keeps what the answer
    removed. Patched, the end stays "finished"; unpatched (the original clear), it does not."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    original = getattr(ForwardMsgQueue.clear, "__wrapped__", ForwardMsgQueue.clear)
    queue, end = _queued_fragment_run("form", flushed_start=flushed_start)
    original(queue, retain_lifecycle_msgs=True, fragment_ids_this_run=["poll"])
    assert end.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN  # Streamlit 1.67's own clear

    queue, end = _queued_fragment_run("form", flushed_start=flushed_start)
    patched = streamlit_fixes._keeping_finished_fragment_runs(original)
    patched(queue, retain_lifecycle_msgs=True, fragment_ids_this_run=["poll"])
    assert end.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert [m.WhichOneof("type") for m in queue._queue][-2:] == ["delta", "script_finished"]


def test_a_run_whose_elements_are_dropped_is_still_marked_cut_short():
    """The same fragment runs again: its queued elements are dropped, so its end must say so."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    original = getattr(ForwardMsgQueue.clear, "__wrapped__", ForwardMsgQueue.clear)
    patched = streamlit_fixes._keeping_finished_fragment_runs(original)
    queue, end = _queued_fragment_run("form")
    patched(queue, retain_lifecycle_msgs=True, fragment_ids_this_run=["form"])
    assert end.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN
    assert "delta" not in [m.WhichOneof("type") for m in queue._queue]

    queue, end = _queued_fragment_run("form")
    patched(queue)  # a plain clear (a flush) empties the queue as before
    assert queue._queue == []


def test_apply_installs_the_queue_change_once():
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    assert streamlit_fixes.apply() is True
    installed = ForwardMsgQueue.clear
    assert installed.easi_keeping
    assert streamlit_fixes.apply() is True and ForwardMsgQueue.clear is installed
