"""The engine and the operator settings as the pages reach them.

One `Workshops` per database file and process, cached with `st.cache_resource`: the `Store` lends each
thread its own connection for the length of a block (see `facilitation.engine.store`), so one instance can
serve every session, and its memos (snapshots, ledgers, pictures) are shared by every laptop.
"""

from __future__ import annotations

import sys
import threading
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from facilitation import network, settings
from facilitation.content import Role
from facilitation.engine import Store, Workshops
from facilitation.errors import EasiError

__all__ = [
    "announce_once",
    "base_url",
    "caller",
    "engine",
    "join_base_url",
    "join_options",
    "link",
    "operator_passcode",
    "page_run_slots",
]

PAGE_PATHS = frozenset(
    {"home", "join", "play", "facilitate", "projector", "studio", "programme", "followup"}
)  # see facilitation.ui.app
_announced = False
_announce_guard = threading.Lock()


def _secret_passcode() -> str:
    """A passcode from `.streamlit/secrets.toml` (`EASI_PASSCODE = "..."`), if there is one."""
    try:
        if not st.secrets.load_if_toml_exists():
            return ""
        return str(st.secrets.get("EASI_PASSCODE") or st.secrets.get("passcode") or "").strip()
    except (
        OSError,
        ValueError,
        StreamlitAPIException,
    ):  # a malformed secrets file: the passcode file still works
        return ""


def operator_passcode() -> settings.Passcode:
    """The operator passcode: `$EASI_PASSCODE`, else `EASI_PASSCODE` in Streamlit secrets, else the
    passcode file in the data folder (made on first use)."""
    if not settings.passcode_from_environment():
        secret = _secret_passcode()
        if secret:
            weakness = settings.passcode_weakness(secret)
            if weakness:
                raise settings.SettingsError(
                    f"EASI_PASSCODE in .streamlit/secrets.toml is too weak to protect this server: "
                    f"{weakness}."
                )
            return settings.Passcode(secret, "secrets", None)
    return settings.resolve_passcode()


@st.cache_resource(show_spinner=False, max_entries=8)
def _engine(db_path: str, passcode: str) -> Workshops:
    return Workshops(Store(db_path), passcode=passcode)


def engine() -> Workshops:
    """The engine over the configured database, shared by every session of this process."""
    return _engine(settings.database(), operator_passcode().value)


def caller() -> tuple[str, ...]:
    """Who is asking, for the engine's attempt throttles: this browser session, and the address it
    connects from (behind a proxy, the proxy's: a room shares it, hence its looser limit)."""
    identities = []
    context = get_script_run_ctx()
    if context is not None:
        identities.append(f"session:{context.session_id}")
    address = st.context.ip_address
    if address:
        identities.append(f"address:{address}")
    return tuple(identities)


_slots: threading.BoundedSemaphore | None = None
_slots_guard = threading.Lock()


def page_run_slots() -> threading.BoundedSemaphore:
    """The gate every full page run of this process passes (`settings.concurrent_page_runs` at a time).

    A fragment's poll does not pass it (it stays cheap and prompt); a herd of laptops redrawing after a
    stage opens queues here, each waiting without holding the interpreter lock, instead of hundreds of
    threads slowing the event loop that delivers every page."""
    global _slots
    with _slots_guard:
        if _slots is None:
            try:
                size = settings.concurrent_page_runs()
            except settings.SettingsError as error:
                print(
                    f"EASI Workshop: {error} Using {settings.DEFAULT_PAGE_RUNS}.",
                    file=sys.stderr,
                    flush=True,
                )
                size = settings.DEFAULT_PAGE_RUNS
            _slots = threading.BoundedSemaphore(size)
        return _slots


def join_options(code: str) -> tuple[dict[str, Role], dict[str, int]]:
    """The roles a newcomer may choose (in scenario order) and how many play each now."""
    return engine().join_options(code)


def base_url() -> str:
    """The address participants type or scan: `$EASI_PUBLIC_URL`, else the address this browser used,
    else `http://localhost:<port>`. Never ends with a slash."""
    configured = settings.public_url()
    if configured:
        return configured
    seen = st.context.url  # None outside a session (tests, scripts)
    if seen:
        parts = urlsplit(seen)
        path = parts.path.rstrip("/")
        if path.rsplit("/", 1)[-1] in PAGE_PATHS:  # the page this browser is on, not the app's root
            path = path.rsplit("/", 1)[0]
        return f"{parts.scheme}://{parts.netloc}{path}"
    return f"http://localhost:{st.get_option('server.port') or 8501}"


def join_base_url() -> str:
    """The address other laptops are sent to (the QR code, the join link): `$EASI_PUBLIC_URL`, else the
    address this browser used with a loopback host (`localhost`, 127.0.0.1) replaced by this machine's
    LAN address (`facilitation.network`). Still loopback only when the machine has no other address:
    the facilitator's page then says so."""
    seen = base_url()
    return seen if settings.public_url() else network.reachable_root(seen)


def link(path: str, *, join: bool = False, **params: str) -> str:
    """An absolute link to a page of this app with query parameters: link("play", t=token). With
    `join`, on the address other laptops can reach (`join_base_url`)."""
    query = urlencode({name: value for name, value in params.items() if value})
    root = join_base_url() if join else base_url()
    return f"{root}/{path.lstrip('/')}" + (f"?{query}" if query else "")


def announce_once() -> None:
    """Print the facilitator's first link on the console, once per process, when the passcode was made
    on this start (as Jupyter prints its token). Says where the passcode lives otherwise, never the
    passcode itself."""
    global _announced
    with _announce_guard:
        if _announced:
            return
        _announced = True
    try:
        passcode = operator_passcode()
    except (
        EasiError,
        OSError,
    ) as error:  # a broken settings file: say so on the console, the page will too
        print(
            f"EASI Workshop: could not read the operator passcode: {error}",
            file=sys.stderr,
            flush=True,
        )
        return
    public = settings.public_url()
    root = public or f"http://localhost:{st.get_option('server.port') or 8501}"
    if passcode.generated:
        print(
            "\n  EASI Workshop: an operator passcode was generated and saved in "
            f"{passcode.path}.\n  To run a workshop, open:\n\n      {root}/facilitate?{urlencode({'passcode': passcode.value})}\n",
            flush=True,
        )
    elif passcode.source == "file":
        print(f"  EASI Workshop: the operator passcode is in {passcode.path}.", flush=True)
