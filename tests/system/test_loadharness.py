"""The load harness's simulated browser against a real `streamlit run` of benchmarks/trivial_app.py."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.loadharness import (
    NotLoopback,
    PageTree,
    StreamlitServer,
    StreamlitSession,
    check_loopback,
)
from benchmarks.loadharness.baseline import TRIVIAL_APP


@pytest.mark.parametrize("host", ["10.0.0.1", "example.org", "0.0.0.0", "192.168.1.20"])
def test_only_loopback(host):
    with pytest.raises(NotLoopback):
        check_loopback(host)
    with pytest.raises(NotLoopback):
        StreamlitSession(8501, host=host)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_loopback_accepted(host):
    assert check_loopback(host) == host


def _delta(path, element_type=None, block_type=None, fragment_id="", text=""):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    if element_type:
        getattr(msg.delta.new_element, element_type).body = text
    else:
        getattr(msg.delta.add_block, block_type).SetInParent()
    msg.delta.fragment_id = fragment_id
    return msg


def test_tree_drops_what_a_run_did_not_draw():
    tree = PageTree()
    for msg in (
        _delta([0, 0], "heading", text="Title"),
        _delta([0, 1], block_type="vertical", fragment_id="f"),
        _delta([0, 1, 0], "markdown", fragment_id="f", text="v1"),
        _delta([0, 2], "text", text="gone soon"),
    ):
        tree.apply_delta(msg.delta, msg.metadata, "run1")
    tree.clear_stale("run1")
    assert tree.texts() == ["Title", "v1", "gone soon"]

    # A fragment run redraws only its own block: what is outside stays.
    for msg in (
        _delta([0, 1], block_type="vertical", fragment_id="f"),
        _delta([0, 1, 0], "markdown", fragment_id="f", text="v2"),
    ):
        tree.apply_delta(msg.delta, msg.metadata, "run2")
    tree.clear_stale("run2", ["f"])
    assert tree.texts() == ["Title", "v2", "gone soon"]

    # A full run that no longer draws the last line drops it.
    for msg in (
        _delta([0, 0], "heading", text="Title"),
        _delta([0, 1], block_type="vertical", fragment_id="f"),
        _delta([0, 1, 0], "markdown", fragment_id="f", text="v3"),
    ):
        tree.apply_delta(msg.delta, msg.metadata, "run3")
    tree.clear_stale("run3")
    assert tree.texts() == ["Title", "v3"]


def test_a_fragment_run_marked_cut_short_ends_the_wait_once_another_fragment_ran():
    """Streamlit marks a finished fragment run "cut short" when the next fragment's run starts before its
    end was sent, and queues nothing more for it: a wait for that fragment must end there (the browser
    shows what came), but not while a full run, which draws the fragment again, may still come."""
    from benchmarks.loadharness.client import RunRecord, _not_rerun

    poll = RunRecord("r2", ("poll",), started=2.0, finished=2.1, status=3)
    full = RunRecord("r3", (), started=3.0, finished=3.2, status=0)
    form_again = RunRecord("r4", ("form",), started=4.0, finished=4.1, status=3)
    assert _not_rerun([poll], "form")
    assert not _not_rerun([], "form")  # nothing after it yet: another run may still bring the form
    assert not _not_rerun([form_again], "form")
    assert not _not_rerun([poll, full], "form")  # the full run ends the wait instead


@pytest.mark.slow
def test_three_tabs_on_the_trivial_page(tmp_path):
    async def scenario(server: StreamlitServer) -> None:
        tabs = [StreamlitSession(server.port, name=f"tab{i}", run_timeout=15) for i in range(3)]
        try:
            await asyncio.gather(*(tab.connect() for tab in tabs))
            for tab in tabs:
                assert tab.has_text("Trivial page")
                assert tab.widget("Click me").type == "button"
                assert tab.session_id
                assert list(tab.auto_rerun_intervals.values()) == [2.0]

            first = tabs[0]
            run = await first.click("Click me")
            assert not run.is_fragment
            assert first.has_text("Clicked")
            assert not tabs[1].has_text("Clicked")  # each tab is its own session

            # The fragment's timer re-sends it every 2 s; each poll reruns only the fragment.
            await asyncio.gather(*(tab.wait_for_auto_rerun(timeout=8) for tab in tabs))
            for tab in tabs:
                assert tab.stats.fragment_runs >= 1
                assert tab.stats.poll_latencies and min(tab.stats.poll_latencies) > 0
                assert tab.has_text("Version")
            assert first.has_text("Clicked")  # a fragment run leaves the rest of the page alone
            assert all(not tab.stats.errors and not tab.stats.exceptions for tab in tabs)
        finally:
            await asyncio.gather(*(tab.close() for tab in tabs))

    with StreamlitServer(TRIVIAL_APP, log_path=tmp_path / "streamlit.log") as server:
        asyncio.run(asyncio.wait_for(scenario(server), timeout=25))
        pid = server.process.pid
    assert server.process.poll() is not None, "the server outlived its block"
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(pid, 0)
