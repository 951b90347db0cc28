"""A browser tab without a browser: one Streamlit session spoken to over Streamlit's own websocket protocol.

What a tab does, and so what `StreamlitSession` does (Streamlit 1.67, checked against its frontend's
`App.tsx` and `WidgetStateManager`):

- it opens `ws://127.0.0.1:<port>/_stcore/stream` with the subprotocol `streamlit` (the server repurposes
  the header's 2nd and 3rd entries for an XSRF token and a session id to resume; a new tab sends neither);
- it asks for a run with a `BackMsg.rerun_script` carrying a `ClientState`: the URL's query string, the
  page (by `page_name`, the URL path, until the server has said which `page_script_hash` it is on), the
  value of every widget on the page, and, for a fragment, the fragment's id;
- the server answers with `new_session` (the run's id and the fragments it runs, in `metadata.run`), then
  `delta`s that put elements and blocks at `metadata.delta_path`, then `script_finished`; once the run has
  finished, the tab drops what the run did not draw;
- an `auto_rerun` message (`@st.fragment(run_every=...)`) arms a timer that re-sends `rerun_script` for
  that fragment every `interval` seconds with `is_auto_rerun` set and the current widget values; a full
  run clears every timer (the run re-arms those still drawn), a fragment run does not, re-arming a timer
  at the same interval does not restart it, and `stop_auto_rerun` cancels one;
- `page_info_changed` replaces the URL's query string (`st.query_params` writes), `navigation` and
  `new_session` say which page is shown, `page_not_found` says a page name matched nothing;
- widget values: a widget inside a form keeps its new value to itself until the form's submit button is
  pressed; a button is a trigger, sent true once; a widget inside a fragment reruns only that fragment;
- a message whose content the tab already holds may come back as a `ref_hash` to it (the tab lists the
  hashes it holds in `cached_message_hashes`);
- it keeps the cookies the server sets (on `/_stcore/health`, `/_stcore/host-config` and the websocket
  handshake) and sends them back, as a browser does; behind HAProxy (`run_load.py --haproxy`) its
  `easi_worker` cookie keeps the tab on one process.

Only loopback addresses are accepted, every wait has a timeout, and the auto-rerun timers stop with the
session. Timings use `time.monotonic()`; each run records when it was asked for, when its `new_session`
arrived and when it finished, so a scenario can measure what it needs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import websockets

# Streamlit's protobufs are importable without starting Streamlit (importing the package is ~0.5 s, once).
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from .tree import PageTree, Widget

# Set (to a context that accepts the test certificate) when the tabs talk to HAProxy over TLS
# (`run_load.py --haproxy`): https/wss instead of http/ws, for every tab of this process.
TLS: ssl.SSLContext | None = None

__all__ = [
    "HarnessError",
    "NotLoopback",
    "RunRecord",
    "SessionStats",
    "StreamlitSession",
    "WidgetNotFound",
    "check_loopback",
    "cookie_header",
    "store_cookies",
]

FINISHED_SUCCESSFULLY = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_WITH_COMPILE_ERROR = ForwardMsg.FINISHED_WITH_COMPILE_ERROR
FINISHED_EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED_FRAGMENT_RUN_SUCCESSFULLY = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY

_CACHE_LIMIT = (
    200  # cached messages kept per session (the browser ages them by runs; a bound is enough)
)
_RUN_HISTORY = 64  # finished runs remembered per session, for waiters


class HarnessError(Exception):
    """Something the simulated browser could not do; the message says what and where."""


class NotLoopback(HarnessError):
    """The harness only ever talks to 127.0.0.1 (or ::1); point it at a server started on loopback."""


class WidgetNotFound(HarnessError):
    """No widget on the page has that label; the message lists the labels there are."""


def check_loopback(host: str) -> str:
    """Return `host` if it is a loopback address, else raise `NotLoopback`."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise NotLoopback(f"Refusing to connect to {host!r}: the load harness only talks to 127.0.0.1.")


def _not_rerun(later: Sequence[RunRecord], fragment_id: str) -> bool:
    """Whether, after a fragment's cut-short run, another fragment's run has finished and no full run
    came (a full run would draw the fragment again and ends the wait itself): Streamlit queues nothing
    more for the fragment, so the cut-short run was its last."""
    others = [run for run in later if fragment_id not in run.fragment_ids]
    return bool(others) and all(run.is_fragment for run in others)


@dataclass
class RunRecord:
    """One script or fragment run as this tab saw it."""

    run_id: str
    fragment_ids: tuple[str, ...]
    started: float  # monotonic time its new_session arrived
    finished: float | None = None
    status: int | None = None
    auto: bool = False  # asked for by an auto-rerun timer

    @property
    def is_fragment(self) -> bool:
        return bool(self.fragment_ids)


@dataclass
class SessionStats:
    """Counters one session keeps; the scenario sums them."""

    bytes_in: int = 0
    messages_in: int = 0
    backmsgs_out: int = 0
    full_runs: int = 0
    fragment_runs: int = 0
    auto_reruns_sent: int = 0
    auto_reruns_finished: int = 0
    early_finishes: int = 0  # FINISHED_EARLY_FOR_RERUN: a run cut short by a newer request
    unfinished_runs: int = 0  # a run whose script_finished never came before the next run began
    # ... of which a full run followed by a fragment run: a fragment request never cuts a full run short,
    # so the full run's last messages were dropped by the server (see docs/performance.md, "lost run tails")
    lost_full_run_tails: int = 0
    # A fragment's run reported "finished early" although its messages all came: Streamlit marks a
    # finished fragment run so when the next fragment's run starts before its end was sent (see
    # docs/streamlit-fixes.md, "a finished fragment run marked cut short"); nothing more comes for it.
    fragment_ends_marked_early: int = 0
    poll_latencies: list[float] = field(
        default_factory=list
    )  # auto-rerun sent -> its fragment run finished
    exceptions: list[str] = field(default_factory=list)  # exception elements the page showed
    errors: list[str] = field(
        default_factory=list
    )  # protocol problems, compile errors, lost connection


@dataclass
class _Watcher:
    predicate: Callable[[StreamlitSession], bool]
    future: asyncio.Future


class StreamlitSession:
    """One simulated browser tab.

    >>> async with StreamlitSession(port, query_string="code=K7QW3M") as tab:  # doctest: +SKIP
    ...     await tab.wait_for_text("Join")
    ...     tab.set_value("Your name", "Ada")
    ...     await tab.click("Join")
    """

    def __init__(
        self,
        port: int,
        *,
        host: str = "127.0.0.1",
        path: str = "",
        query_string: str = "",
        name: str = "tab",
        connect_timeout: float = 10.0,
        run_timeout: float = 30.0,
        auto_rerun: bool = True,
        preflight: bool = True,
        record_runs: bool = True,
    ) -> None:
        """`path` is the page's URL path ("" for the default page, "play" for /play); `query_string`
        the URL's query without "?". `auto_rerun=False` ignores `run_every` timers (a tab in the
        background still runs them: leave it on to be realistic)."""
        self.host = check_loopback(host)
        self.port = int(port)
        self.page_name = path.strip("/")
        self.query_string = query_string.lstrip("?")
        self.name = name
        self.connect_timeout = connect_timeout
        self.run_timeout = run_timeout
        self.auto_rerun_enabled = auto_rerun
        self.preflight = preflight
        self.record_runs = record_runs

        self.tree = PageTree()
        self.stats = SessionStats()
        self.session_id = ""
        self.page_script_hash = ""
        self.main_script_hash = ""
        self.app_pages: list[Any] = []  # AppPage protobufs from new_session / navigation
        self.page_not_found: str | None = None
        self.script_running = False

        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, task)
        # the fragments the last full run armed (even with auto_rerun off): fragment id -> interval
        self.fragments_with_timers: dict[str, float] = {}
        self._values: dict[str, tuple[str, Any]] = {}  # widget id -> (WidgetState field, value)
        self._pending_forms: dict[
            str, dict[str, tuple[str, Any]]
        ] = {}  # form id -> widget id -> value
        self._triggers: dict[str, str] = {}  # widget id -> trigger field, sent once
        self._cache: OrderedDict[str, ForwardMsg] = OrderedDict()
        self._current: RunRecord | None = None
        self._runs: deque[RunRecord] = deque(maxlen=_RUN_HISTORY)
        self._auto_sent: dict[
            str, deque[float]
        ] = {}  # fragment id -> send times awaiting their run
        self._pending_auto: dict[str, float] = {}  # run id -> when its auto-rerun was sent
        self._changed = asyncio.Event()
        self._watchers: list[_Watcher] = []
        self._closed = False
        self.last_message_at = 0.0
        self.trace: deque[str] = deque(maxlen=400)  # the last protocol events, for error messages
        self.trace_deltas = False  # also trace every delta (debugging a page)
        self.on_run_finished: Callable[[StreamlitSession, RunRecord], None] | None = None
        # The tab's cookies, as a browser keeps them for the site: what the server set on the preflight
        # GETs and the websocket handshake goes back on later requests. Behind HAProxy
        # (`run_load.py --haproxy`) its `easi_worker` cookie is what keeps the tab on the process that holds its session.
        self.cookies: dict[str, str] = {}

    # ------------------------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> StreamlitSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        query = f"?{self.query_string}" if self.query_string else ""
        scheme = "https" if TLS else "http"
        return f"{scheme}://{self.host}:{self.port}/{self.page_name}{query}"

    async def connect(self, *, first_run: bool = True) -> RunRecord | None:
        """Open the websocket and (by default) ask for the first run, as a tab loading the URL does.
        Returns the first run once it has finished."""
        if self.preflight:
            # The browser checks these two before it opens the websocket.
            await http_get(
                self.host,
                self.port,
                "/_stcore/health",
                timeout=self.connect_timeout,
                cookies=self.cookies,
            )
            await http_get(
                self.host,
                self.port,
                "/_stcore/host-config",
                timeout=self.connect_timeout,
                cookies=self.cookies,
            )
        uri = f"{'wss' if TLS else 'ws'}://{self.host}:{self.port}/_stcore/stream"
        headers = {"Cookie": cookie_header(self.cookies)} if self.cookies else None
        try:
            self._ws = await asyncio.wait_for(
                websockets.connect(
                    uri,
                    subprotocols=["streamlit"],
                    max_size=None,
                    ping_interval=None,
                    open_timeout=self.connect_timeout,
                    close_timeout=2,
                    additional_headers=headers,
                    **({"ssl": TLS} if TLS else {}),
                ),
                timeout=self.connect_timeout + 1,
            )
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            raise HarnessError(f"{self.name}: could not open {uri}: {error!r}") from error
        if (
            self._ws.response is not None
        ):  # a handshake may set cookies too (a tab without preflight)
            store_cookies(self.cookies, self._ws.response.headers.get_all("Set-Cookie"))
        self._reader = asyncio.create_task(self._read(), name=f"{self.name}-reader")
        if first_run:
            return await self.rerun()
        return None

    async def close(self) -> None:
        """Stop the timers and close the websocket (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for _, task in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._ws is not None:
            try:
                await asyncio.wait_for(self._ws.close(), timeout=3)
            except (TimeoutError, Exception):
                pass
        if self._reader is not None:
            self._reader.cancel()
            try:
                await asyncio.wait_for(self._reader, timeout=3)
            except (TimeoutError, asyncio.CancelledError, Exception):
                pass
        for watcher in self._watchers:
            if not watcher.future.done():
                watcher.future.cancel()
        self._watchers.clear()

    @property
    def connected(self) -> bool:
        return (
            self._ws is not None
            and not self._closed
            and self._reader is not None
            and not self._reader.done()
        )

    # ------------------------------------------------------------------------------------ reading
    async def _read(self) -> None:
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    self.stats.errors.append("text frame from the server")
                    continue
                arrived = time.monotonic()
                self.last_message_at = arrived
                self.stats.bytes_in += len(data)
                self.stats.messages_in += 1
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, arrived)
        except asyncio.CancelledError:
            raise
        except websockets.ConnectionClosed as closed:
            if not self._closed:
                self.stats.errors.append(f"connection closed by the server: {closed!r}")
        except Exception as error:
            self.stats.errors.append(f"reader failed: {error!r}")
        finally:
            self._changed.set()
            for watcher in self._watchers:
                if not watcher.future.done():
                    watcher.future.set_exception(
                        HarnessError(f"{self.name}: connection lost while waiting")
                    )
            self._watchers.clear()

    def _handle(self, msg: ForwardMsg, arrived: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                self.stats.errors.append(
                    f"ref_hash {msg.ref_hash} for a message this tab never held"
                )
                return
            original = ForwardMsg()
            original.CopyFrom(cached)
            original.metadata.CopyFrom(msg.metadata)
            msg, kind = original, original.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = msg
            self._cache.move_to_end(msg.hash)
            while len(self._cache) > _CACHE_LIMIT:
                self._cache.popitem(last=False)

        if kind in (
            "new_session",
            "script_finished",
            "auto_rerun",
            "page_info_changed",
            "page_not_found",
            "navigation",
            "stop_auto_rerun",
        ):
            detail = ""
            if kind in ("new_session", "script_finished"):
                run = msg.metadata.run
                detail = (
                    f"{run.script_run_id[:8]} frags={','.join(f[:8] for f in run.fragment_ids)}"
                )
                if kind == "script_finished":
                    detail += f" status={msg.script_finished}"
            self.trace.append(f"{arrived:.3f} <- {kind} {detail}")
        elif kind == "delta" and self.trace_deltas:
            delta = msg.delta
            what = delta.WhichOneof("type")
            inner = (
                delta.new_element.WhichOneof("type")
                if what == "new_element"
                else delta.add_block.WhichOneof("type")
                if what == "add_block"
                else ""
            )
            self.trace.append(
                f"{arrived:.3f} <- {what} {inner} {list(msg.metadata.delta_path)} "
                f"frag={delta.fragment_id[:6]}"
            )
        if kind == "delta":
            run_id = self._current.run_id if self._current else ""
            self.tree.apply_delta(msg.delta, msg.metadata, run_id)
            if (
                msg.delta.HasField("new_element")
                and msg.delta.new_element.WhichOneof("type") == "exception"
            ):
                exc = msg.delta.new_element.exception
                self.stats.exceptions.append(f"{exc.type}: {exc.message}")
        elif kind == "new_session":
            self._on_new_session(msg, arrived)
        elif kind == "script_finished":
            self._on_script_finished(msg, arrived)
        elif kind == "auto_rerun":
            self._on_auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._cancel_timer(fragment_id)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self.page_not_found = msg.page_not_found.page_name or "?"
        elif kind == "navigation":
            nav = msg.navigation
            self.app_pages = list(nav.app_pages)
            if nav.page_script_hash:
                self._set_page(nav.page_script_hash)
        elif kind == "session_status_changed":
            self.script_running = msg.session_status_changed.script_is_running
        elif kind == "session_event":
            event = msg.session_event
            if event.HasField("script_compilation_exception"):
                exc = event.script_compilation_exception
                self.stats.errors.append(f"script compilation error: {exc.type}: {exc.message}")
        self._changed.set()
        if self._watchers:
            self._check_watchers(arrived)

    def _set_page(self, page_script_hash: str) -> None:
        if (
            self.page_script_hash
            and page_script_hash != self.page_script_hash
            and self.main_script_hash
        ):
            self.tree.keep_script(self.main_script_hash)
            self._cancel_all_timers()
        self.page_script_hash = page_script_hash
        for page in self.app_pages:
            if page.page_script_hash == page_script_hash:
                self.page_name = page.url_pathname if not page.is_default else ""

    def _on_new_session(self, msg: ForwardMsg, arrived: float) -> None:
        new = msg.new_session
        run = msg.metadata.run
        fragment_ids = tuple(run.fragment_ids)
        if new.initialize.session_id:
            self.session_id = new.initialize.session_id
        if new.app_pages:
            self.app_pages = list(new.app_pages)
        self.main_script_hash = new.main_script_hash or self.main_script_hash
        if not fragment_ids:
            self._cancel_all_timers()  # a full run re-arms the timers it still draws
            self.fragments_with_timers.clear()
        if new.page_script_hash:
            self._set_page(new.page_script_hash)
        previous = self._current
        if (
            previous is not None
            and previous.finished is None
            and previous.run_id != run.script_run_id
        ):
            self.stats.unfinished_runs += 1
            if not previous.is_fragment and fragment_ids:
                self.stats.lost_full_run_tails += 1
                self.trace.append(f"{arrived:.3f} !! full run {previous.run_id[:8]} never finished")
        record = RunRecord(run.script_run_id, fragment_ids, arrived)
        if fragment_ids:
            for fragment_id in fragment_ids:
                sent = self._auto_sent.get(fragment_id)
                if sent:
                    record.auto = True
                    self._pending_auto[record.run_id] = sent.popleft()
                    break
        self._current = record

    def _on_script_finished(self, msg: ForwardMsg, arrived: float) -> None:
        status = msg.script_finished
        run_id = msg.metadata.run.script_run_id or (self._current.run_id if self._current else "")
        record = self._current if self._current and self._current.run_id == run_id else None
        if record is None:
            record = RunRecord(run_id, tuple(msg.metadata.run.fragment_ids), arrived)
        record.finished = arrived
        record.status = status
        if status == FINISHED_EARLY_FOR_RERUN:
            self.stats.early_finishes += 1
        elif status == FINISHED_WITH_COMPILE_ERROR:
            self.stats.errors.append("the script failed to compile")
        if status in (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self.tree.clear_stale(record.run_id, record.fragment_ids)
            self._forget_inactive_widgets(record.run_id)
            if record.is_fragment:
                self.stats.fragment_runs += 1
            else:
                self.stats.full_runs += 1
        sent = self._pending_auto.pop(record.run_id, None)
        if sent is not None and status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            self.stats.auto_reruns_finished += 1
            if self.record_runs:
                self.stats.poll_latencies.append(arrived - sent)
        self._runs.append(record)
        if self._current is record:
            self._current = None
        if self.on_run_finished is not None:
            self.on_run_finished(self, record)

    # ------------------------------------------------------------------------------------ auto reruns
    def _on_auto_rerun(self, fragment_id: str, interval: float) -> None:
        self.fragments_with_timers[fragment_id or ""] = interval
        if not self.auto_rerun_enabled or interval <= 0 or self._closed:
            return
        key = fragment_id or ""
        existing = self._timers.get(key)
        if existing is not None and existing[0] == interval and not existing[1].done():
            return  # re-arming at the same interval does not restart the countdown
        self._cancel_timer(key)
        task = asyncio.get_running_loop().create_task(
            self._tick(key, interval), name=f"{self.name}-tick"
        )
        self._timers[key] = (interval, task)

    def _cancel_timer(self, fragment_id: str) -> None:
        timer = self._timers.pop(fragment_id, None)
        if timer is not None:
            timer[1].cancel()
        self._auto_sent.pop(fragment_id, None)

    def _cancel_all_timers(self) -> None:
        for key in list(self._timers):
            self._cancel_timer(key)

    async def _tick(self, fragment_id: str, interval: float) -> None:
        # setInterval: fixed rate from when the timer was armed; a late tick does not bunch up the next.
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while not self._closed:
            await asyncio.sleep(max(0.0, due - loop.time()))
            if self._closed or self._ws is None:
                return
            self._auto_sent.setdefault(fragment_id, deque(maxlen=8)).append(time.monotonic())
            self.stats.auto_reruns_sent += 1
            try:
                await self._send_rerun(fragment_id=fragment_id, is_auto_rerun=True)
            except HarnessError:
                return
            due += interval
            if due < loop.time():
                due = loop.time() + interval

    @property
    def auto_rerun_intervals(self) -> dict[str, float]:
        """The timers armed now: fragment id -> interval in seconds."""
        return {key: interval for key, (interval, task) in self._timers.items() if not task.done()}

    # ------------------------------------------------------------------------------------ sending
    def _widget_states(self) -> Any:
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        states = WidgetStates()
        for widget_id, (field_name, value) in self._values.items():
            _put(states.widgets.add(), widget_id, field_name, value)
        for widget_id, field_name in self._triggers.items():
            _put(states.widgets.add(), widget_id, field_name, True)
        return states

    async def _send_rerun(
        self,
        *,
        fragment_id: str = "",
        is_auto_rerun: bool = False,
        page_script_hash: str | None = None,
        page_name: str | None = None,
    ) -> float:
        if self._ws is None or self._closed:
            raise HarnessError(f"{self.name}: not connected")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.widget_states.CopyFrom(self._widget_states())
        if page_script_hash is not None:
            state.page_script_hash = page_script_hash
        elif self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        else:
            state.page_name = self.page_name if page_name is None else page_name
        if fragment_id:
            state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        state.cached_message_hashes.extend(self._cache.keys())
        info = state.context_info
        info.timezone = "Europe/London"
        info.timezone_offset = 0
        info.locale = "en-GB"
        info.url = self.url
        info.is_embedded = False
        info.color_scheme = "light"
        had_trigger = bool(self._triggers)
        self._triggers.clear()  # a trigger is true for the one run it was sent with
        sent = time.monotonic()
        try:
            await asyncio.wait_for(self._ws.send(msg.SerializeToString()), timeout=self.run_timeout)
        except (TimeoutError, websockets.ConnectionClosed, OSError) as error:
            self.stats.errors.append(f"send failed: {error!r}")
            raise HarnessError(f"{self.name}: could not send a rerun: {error!r}") from error
        self.stats.backmsgs_out += 1
        self.trace.append(
            f"{sent:.3f} -> rerun{' fragment ' + fragment_id[:8] if fragment_id else ''}"
            f"{' auto' if is_auto_rerun else ''}"
            f"{' +trigger' if had_trigger else ''}"
        )
        return sent

    async def rerun(
        self,
        *,
        fragment_id: str = "",
        wait: bool = True,
        page_script_hash: str | None = None,
        page_name: str | None = None,
    ) -> RunRecord | None:
        """Ask for a run (a fragment's when `fragment_id` is given) and, by default, wait for it to end."""
        sent = await self._send_rerun(
            fragment_id=fragment_id, page_script_hash=page_script_hash, page_name=page_name
        )
        if not wait:
            return None
        return await self.wait_for_run(after=sent, fragment_id=fragment_id)

    async def wait_for_run(
        self, *, after: float, fragment_id: str = "", timeout: float | None = None
    ) -> RunRecord:
        """The first run that started after `after` and finished (a full run, or one running `fragment_id`);
        runs cut short by a newer request are skipped. A full run also ends a wait for a fragment: it draws
        the fragment too, and it is what a browser sees when the fragment's run asked for the whole page
        (`st.rerun(scope="app")`, the play form after a submit) or a full run took its place."""
        deadline = time.monotonic() + (timeout or self.run_timeout)
        while True:
            runs = list(self._runs)
            for position, record in enumerate(runs):
                if record.started < after:
                    continue
                ours = not record.is_fragment or (
                    fragment_id and fragment_id in record.fragment_ids
                )
                if not ours:
                    continue
                if record.status == FINISHED_EARLY_FOR_RERUN:
                    if record.is_fragment and _not_rerun(runs[position + 1 :], fragment_id):
                        self.stats.fragment_ends_marked_early += 1
                        return record
                    continue
                if record.status == FINISHED_WITH_COMPILE_ERROR:
                    raise HarnessError(f"{self.name}: the script failed to compile")
                return record
            await self._wait_changed(
                deadline, f"a {'fragment' if fragment_id else 'full'} run to finish"
            )

    async def _wait_changed(self, deadline: float, what: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HarnessError(
                f"{self.name}: timed out waiting for {what} on {self.url}; "
                f"last events: {list(self.trace)[-8:]}"
            )
        if not self.connected:
            raise HarnessError(
                f"{self.name}: connection lost waiting for {what}; errors: {self.stats.errors[-3:]}"
            )
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout=remaining)
        except TimeoutError:
            raise HarnessError(
                f"{self.name}: timed out waiting for {what} on {self.url}; "
                f"last events: {list(self.trace)[-8:]}"
            ) from None

    async def wait_until(
        self,
        predicate: Callable[[StreamlitSession], bool],
        *,
        timeout: float | None = None,
        what: str = "a condition",
    ) -> float:
        """Wait until `predicate(self)` holds; returns the arrival time (monotonic) of the message after
        which it first held (or now, if it already holds). The predicate is checked as each message lands,
        so the time does not include this task's own scheduling delay."""
        if predicate(self):
            return time.monotonic()
        future = asyncio.get_running_loop().create_future()
        watcher = _Watcher(predicate, future)
        self._watchers.append(watcher)
        try:
            return await asyncio.wait_for(future, timeout=timeout or self.run_timeout)
        except TimeoutError:
            raise HarnessError(
                f"{self.name}: timed out waiting for {what} on {self.url}; "
                f"page says: {self.tree.text()[:300]!r}"
            ) from None
        finally:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

    def _check_watchers(self, arrived: float) -> None:
        for watcher in list(self._watchers):
            if watcher.future.done():
                self._watchers.remove(watcher)
                continue
            try:
                if watcher.predicate(self):
                    watcher.future.set_result(arrived)
                    self._watchers.remove(watcher)
            except Exception as error:
                watcher.future.set_exception(error)
                self._watchers.remove(watcher)

    async def wait_for_text(self, text: str, *, timeout: float | None = None) -> float:
        """Wait until some element's text contains `text`."""
        return await self.wait_until(
            lambda s: s.has_text(text), timeout=timeout, what=f"text {text!r}"
        )

    async def wait_for_widget(
        self, label: str, *, type: str | None = None, timeout: float | None = None
    ) -> float:
        return await self.wait_until(
            lambda s: s.find_widget(label, type=type) is not None,
            timeout=timeout,
            what=f"widget {label!r}",
        )

    async def wait_for_auto_rerun(self, *, timeout: float | None = None) -> float:
        """Wait until a fragment run asked for by an auto-rerun timer has finished."""
        before = self.stats.auto_reruns_finished
        return await self.wait_until(
            lambda s: s.stats.auto_reruns_finished > before, timeout=timeout, what="an auto-rerun"
        )

    # ------------------------------------------------------------------------------------ the page
    def texts(self) -> list[str]:
        return self.tree.texts()

    def has_text(self, text: str) -> bool:
        return any(text in t for t in self.tree.texts())

    def widgets(self) -> list[Widget]:
        return self.tree.widgets()

    def find_widget(self, label: str, *, type: str | None = None) -> Widget | None:
        """The first widget whose label is `label`, else the first whose label contains it."""
        widgets = [w for w in self.tree.widgets() if type is None or w.type == type]
        for widget in widgets:
            if widget.label == label:
                return widget
        for widget in widgets:
            if label in widget.label:
                return widget
        return None

    def widget(self, label: str, *, type: str | None = None) -> Widget:
        found = self.find_widget(label, type=type)
        if found is None:
            labels = [f"{w.type}:{w.label!r}" for w in self.tree.widgets()]
            raise WidgetNotFound(
                f"{self.name}: no widget labelled {label!r} on {self.url}; there are {labels}"
            )
        return found

    def value_of(self, widget: Widget | str) -> Any:
        widget = self.widget(widget) if isinstance(widget, str) else widget
        pending = self._pending_forms.get(widget.form_id, {}).get(widget.id)
        held = pending or self._values.get(widget.id)
        return held[1] if held else None

    def _forget_inactive_widgets(self, run_id: str) -> None:
        # Widgets no longer drawn lose their state (the frontend's removeInactive). A widget drawn for the
        # first time registers the value it shows, as each widget component does when it mounts: a form's
        # widgets register it with their form, so it is sent only when the form is submitted.
        active = {w.id: w for w in self.tree.widgets() if w.id}
        for widget_id in [key for key in self._values if key not in active]:
            del self._values[widget_id]
        for form_values in self._pending_forms.values():
            for widget_id in [key for key in form_values if key not in active]:
                del form_values[widget_id]
        for widget in active.values():
            # The script set it (st.session_state) in this very run: the page now shows that value.
            set_by_script = widget.run_id == run_id and bool(
                getattr(widget.proto, "set_value", False)
            )
            pending = self._pending_forms.get(widget.form_id, {}) if widget.form_id else None
            known = widget.id in self._values or (pending is not None and widget.id in pending)
            if known and not set_by_script:
                continue
            initial = initial_value(widget)
            if initial is None:
                continue
            if widget.form_id:
                self._pending_forms.setdefault(widget.form_id, {})[widget.id] = initial
            else:
                self._values[widget.id] = initial

    def set_value(self, label_or_widget: str | Widget, value: Any) -> Widget:
        """Give a widget a new value without rerunning (several fields, then `click` or `rerun`).

        Inside a form the value waits for the form's submit button, as in the browser."""
        widget = (
            self.widget(label_or_widget) if isinstance(label_or_widget, str) else label_or_widget
        )
        if widget.disabled:
            raise HarnessError(f"{self.name}: widget {widget.label!r} is disabled")
        encoded = encode_value(widget, value)
        if widget.form_id:
            self._pending_forms.setdefault(widget.form_id, {})[widget.id] = encoded
        else:
            self._values[widget.id] = encoded
        return widget

    async def change(
        self, label_or_widget: str | Widget, value: Any, *, wait: bool = True
    ) -> RunRecord | None:
        """Give a widget a new value as a person would (type and press Enter, pick an option, tick): the
        page reruns (only the widget's fragment, inside one); inside a form nothing is sent yet."""
        widget = self.set_value(label_or_widget, value)
        if widget.form_id:
            return None
        return await self.rerun(fragment_id=widget.fragment_id, wait=wait)

    async def click(self, label_or_widget: str | Widget, *, wait: bool = True) -> RunRecord | None:
        """Press a button (a form's submit button submits the form's pending values)."""
        widget = (
            self.widget(label_or_widget, type=None)
            if isinstance(label_or_widget, str)
            else label_or_widget
        )
        if widget.type not in ("button", "download_button"):
            raise HarnessError(f"{self.name}: {widget.label!r} is a {widget.type}, not a button")
        if widget.disabled:
            raise HarnessError(f"{self.name}: button {widget.label!r} is disabled")
        if widget.is_form_submitter:
            pending = self._pending_forms.pop(widget.form_id, {})
            self._values.update(pending)
            form = self.tree.form_blocks().get(widget.form_id)
        else:
            form = None
        self._triggers[widget.id] = "trigger_value"
        run = await self.rerun(fragment_id=widget.fragment_id, wait=wait)
        if form is not None and getattr(form, "clear_on_submit", False):
            for other in self.tree.widgets():
                if other.form_id == widget.form_id:
                    self._values.pop(other.id, None)
        return run

    async def navigate(self, page: str, *, query_string: str | None = None) -> RunRecord | None:
        """Go to another page of an `st.navigation` app by URL path or title, as a sidebar link does."""
        target = None
        for app_page in self.app_pages:
            if page in (app_page.url_pathname, app_page.page_name, app_page.page_script_hash):
                target = app_page
                break
        if target is None:
            raise HarnessError(
                f"{self.name}: no page {page!r}; pages are {[p.url_pathname for p in self.app_pages]}"
            )
        self._cancel_all_timers()
        self.page_not_found = None
        if query_string is not None:
            self.query_string = query_string
        return await self.rerun(page_script_hash=target.page_script_hash)

    def runs(self) -> list[RunRecord]:
        return list(self._runs)


# ---------------------------------------------------------------------------------------- widget values
def _put(state: Any, widget_id: str, field_name: str, value: Any) -> None:
    state.id = widget_id
    if field_name == "string_array_value":
        state.string_array_value.data.extend(value)
    elif field_name == "double_array_value":
        state.double_array_value.data.extend(value)
    elif field_name == "int_array_value":
        state.int_array_value.data.extend(value)
    else:
        setattr(state, field_name, value)


def _option(widget: Widget, value: Any) -> str:
    text = str(value)
    if (
        widget.options
        and text not in widget.options
        and not getattr(widget.proto, "accept_new_options", False)
    ):
        raise HarnessError(
            f"{value!r} is not an option of {widget.label!r}: {list(widget.options)}"
        )
    return text


def encode_value(widget: Widget, value: Any) -> tuple[str, Any]:
    """A Python value as the `WidgetState` field and value the browser would send for this widget."""
    kind = widget.type
    if kind in ("text_input", "text_area", "color_picker", "feedback", "chat_input"):
        return "string_value", str(value)
    if kind in ("selectbox", "radio"):
        return "string_value", _option(widget, value)
    if kind == "checkbox":
        return "bool_value", bool(value)
    if kind in ("multiselect", "button_group"):
        values = [value] if isinstance(value, str) else list(value)
        return "string_array_value", [_option(widget, v) for v in values]
    if kind == "number_input":
        return "double_value", float(value)
    if kind == "slider":
        if getattr(widget.proto, "type", 0) == 2:  # select_slider: option labels
            values = [value] if isinstance(value, str) else list(value)
            return "string_array_value", [str(v) for v in values]
        values = [value] if isinstance(value, int | float) else list(value)
        return "double_array_value", [float(v) for v in values]
    if kind == "pagination":
        return "int_value", int(value)
    if kind in ("date_input", "time_input", "date_time_input"):
        values = [value] if isinstance(value, str) else list(value)
        return (
            ("string_value", values[0])
            if kind == "time_input"
            else ("string_array_value", [str(v) for v in values])
        )
    raise HarnessError(f"the harness cannot set a {kind} widget ({widget.label!r})")


def initial_value(widget: Widget) -> tuple[str, Any] | None:
    """The value a freshly drawn widget registers in the browser (its set value, else its default)."""
    p = widget.proto
    kind = widget.type
    set_value = bool(getattr(p, "set_value", False))
    try:
        if kind in ("text_input", "text_area"):
            if set_value or p.HasField("value"):
                return "string_value", p.value
            return ("string_value", p.default) if p.HasField("default") else None
        if kind == "checkbox":
            return "bool_value", p.value if set_value else p.default
        if kind in ("selectbox", "radio"):
            if set_value:
                return ("string_value", p.raw_value) if p.HasField("raw_value") else None
            if p.HasField("default") and 0 <= p.default < len(p.options):
                return "string_value", p.options[p.default]
            return None
        if kind == "multiselect":
            if set_value:
                return "string_array_value", list(p.raw_values)
            return "string_array_value", [
                p.options[i] for i in p.default if 0 <= i < len(p.options)
            ]
        if kind == "number_input":
            if set_value or p.HasField("value"):
                return "double_value", p.value
            return ("double_value", p.default) if p.HasField("default") else None
    except (ValueError, AttributeError):
        return None
    return None


# ---------------------------------------------------------------------------------------- plain HTTP
async def http_get(
    host: str, port: int, path: str, *, timeout: float = 10.0, cookies: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """A minimal HTTP/1.1 GET to loopback (the browser's health check); returns (status, body).
    With `cookies` (a tab's jar) it sends them and stores what the response sets, as a browser does."""
    check_loopback(host)

    async def fetch() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(host, port, ssl=TLS)
        cookie = f"Cookie: {cookie_header(cookies)}\r\n" if cookies else ""
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{cookie}Connection: close\r\n\r\n".encode()
            )
            await writer.drain()
            raw = await reader.read(-1)
        finally:
            writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        if cookies is not None:
            lines = head.decode("latin-1").split("\r\n")[1:]
            store_cookies(
                cookies,
                [
                    value
                    for name, _, value in (line.partition(":") for line in lines)
                    if name.strip().lower() == "set-cookie"
                ],
            )
        return status, body

    try:
        return await asyncio.wait_for(fetch(), timeout=timeout)
    except (TimeoutError, OSError, ValueError, IndexError) as error:
        raise HarnessError(f"GET http://{host}:{port}{path} failed: {error!r}") from error


def cookie_header(jar: dict[str, str]) -> str:
    """The `Cookie:` header value a browser sends for the cookies in `jar`."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def store_cookies(jar: dict[str, str], set_cookies: Iterable[str]) -> None:
    """Keep the name and value of each `Set-Cookie` header value in `jar` (a browser's jar for one site,
    where every cookie here has `Path=/`); `Max-Age=0` deletes one. Other attributes are not needed."""
    for header in set_cookies:
        pair, *attributes = header.split(";")
        name, equals, value = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            continue
        if any(
            attribute.strip().lower().replace(" ", "") == "max-age=0" for attribute in attributes
        ):
            jar.pop(name, None)
        else:
            jar[name] = value.strip()


def summarise(sessions: Iterable[StreamlitSession]) -> dict[str, int]:
    """Totals of the counters of several sessions."""
    total: dict[str, int] = {}
    for session in sessions:
        for key in (
            "bytes_in",
            "messages_in",
            "backmsgs_out",
            "full_runs",
            "fragment_runs",
            "auto_reruns_sent",
            "auto_reruns_finished",
            "early_finishes",
            "unfinished_runs",
            "lost_full_run_tails",
            "fragment_ends_marked_early",
        ):
            total[key] = total.get(key, 0) + getattr(session.stats, key)
        total["exceptions"] = total.get("exceptions", 0) + len(session.stats.exceptions)
        total["errors"] = total.get("errors", 0) + len(session.stats.errors)
    return total
