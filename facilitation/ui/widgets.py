"""Small pieces every page uses: safe text, the live poll, labels, the role card, the QR code, the CSS.

Text written by participants (names, notes) is shown with `st.text` or inside widgets and tables, which
interpret neither HTML nor Markdown; where it must sit inside Markdown it goes through `escape_markdown`.
Anything from a URL, a person or an error message goes into an alert box through `alert`, which shows it
as typed. Trainer text (scenarios, roles) is "plain text or light Markdown": `trainer_markdown` shows it
with its emphasis, lists and links but without images (no remote fetch from every laptop), raw HTML or
Streamlit's colour directives (`safe_markdown`); `unsafe_allow_html` is never used.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, MutableMapping
from typing import Any, Literal

import segno
import streamlit as st

from facilitation.content import Role, reference
from facilitation.engine import Status
from facilitation.errors import EasiError

__all__ = [
    "POLL_FRAGMENT",
    "POLL_SECONDS",
    "alert",
    "countdown_text",
    "css",
    "escape_markdown",
    "level_label",
    "phase_caption",
    "poll_changed",
    "qr_image",
    "qr_svg",
    "remember",
    "role_card",
    "safe_markdown",
    "top_links",
    "trainer_markdown",
    "watch",
]

POLL_SECONDS = 2.0
POLL_FRAGMENT = "poll"  # the poll's fragment, by name (one a page)

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that mean
# something to Markdown, to Streamlit's extensions (:emoji:, :red[colour], :material/icon:, $maths$) or to
# HTML (< > &). Escaping them all makes any string print exactly as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


def escape_markdown(text: object) -> str:
    """`text` made inert for `st.markdown`: every Markdown, HTML and Streamlit-directive character is
    backslash-escaped, and line breaks are kept as breaks, so "<b>**x**</b> :red[y]" shows literally."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


_ALERTS = {"error": st.error, "warning": st.warning, "info": st.info, "success": st.success}
_ALERT_MAX_CHARS = 1_000  # a 100 KB value in a URL is not echoed whole


def alert(
    kind: Literal["error", "warning", "info", "success"], text: object, *, icon: str | None = None
) -> None:
    """A coloured box holding `text` as plain text: a value from a URL, a person or an error message
    shows exactly as typed (a "[link](...)", an image, HTML or ":red[...]" is not interpreted), cut to
    1,000 characters."""
    shown = str(text)
    if len(shown) > _ALERT_MAX_CHARS:
        shown = shown[:_ALERT_MAX_CHARS] + "…"
    _ALERTS[kind](escape_markdown(shown), icon=icon)


# Streamlit's Markdown extensions that colour or badge text: `:red[...]`, `:blue-background[...]`,
# `:rainbow[...]`, `:green-badge[...]`; icons (`:material/...:`) and emoji stay.
_DIRECTIVE = re.compile(
    r":(?:red|orange|yellow|green|blue|violet|gray|grey|rainbow|primary)(?:-background|-badge)?"
    r"\[([^\[\]]*)\]"
)
_DIRECTIVE_START = re.compile(r":([a-z][a-z-]*)\[")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)|!\[([^\]]*)\]\[[^\]]*\]")


def safe_markdown(text: object) -> str:
    """Trainer Markdown made safe to render on every laptop: an image becomes its alt text (nothing is
    fetched), every "<" is escaped (no raw HTML, not even one Streamlit would drop), and a colour
    directive becomes its plain text. Emphasis, lists, headings and links are kept."""
    out = str(text)
    out = _IMAGE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), out)
    out = out.replace("![", "!\\[")  # an image form the pattern missed stays inert
    out = out.replace("<", "\\<")
    previous = None
    while previous != out:  # nested directives unwrap from the inside out
        previous, out = out, _DIRECTIVE.sub(r"\1", out)
    return _DIRECTIVE_START.sub(r"\\:\1[", out)


def trainer_markdown(text: object) -> None:
    """Show scenario or role text (light Markdown) through `safe_markdown`."""
    st.markdown(safe_markdown(text))


# --------------------------------------------------------------------------------------------- CSS

_COMMON_CSS = """
/* Captions at full opacity in a mid grey: 7:1 on white (Streamlit's 60% opacity falls under WCAG AA). */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  opacity: 1 !important; color: #4d545c !important; }
/* The current page's link, greyed by Streamlit below AA contrast: dark, bold and underlined instead. */
.st-key-top-links a[disabled], .st-key-top-links a[disabled] span,
.st-key-top-links a[disabled] p { opacity: 1; color: #1b1f24 !important; }
.st-key-top-links a[disabled] p { font-weight: 700; text-decoration: underline; }
"""

_APP_CSS = """
<style>
/* Calm, readable defaults; every colour keeps WCAG AA contrast on white. */
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
.st-key-phase-banner p { font-size: 1.05rem; }
.st-key-fact-card p { font-size: 1.02rem; }
/* The Studio's editor: YAML in a monospaced font, where indentation can be seen. */
.st-key-studio-editor textarea { font-family: "Source Code Pro", "DejaVu Sans Mono", ui-monospace,
  monospace; font-size: 0.92rem; line-height: 1.45; tab-size: 2; }
/* The facilitator's preview of the projector: its 1280 x 720 at half size, never scrolled. */
.st-key-preview { overflow: hidden !important; }
.st-key-preview iframe { width: 1280px !important; height: 720px !important; max-width: none !important;
  transform: scale(0.5); transform-origin: 0 0; }
.st-key-preview [data-testid="stElementContainer"] { max-width: none !important; }
</style>
"""

_PROJECTOR_CSS = """
<style>
/* The projector is read from the back of a room: large type, no chrome, no scrolling at 1280x720. */
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 2.2rem 0.5rem 2.2rem; max-width: 100%; }
.st-key-projector p, .st-key-projector li { font-size: 1.55rem; line-height: 1.35; }
.st-key-projector h1 { font-size: 2.6rem; padding: 0 0 0.4rem 0; }
.st-key-projector h2 { font-size: 2.1rem; padding: 0.2rem 0; }
.st-key-projector h3 { font-size: 1.7rem; padding: 0.2rem 0; }
.st-key-projector [data-testid="stMetricValue"] p { font-size: 3.4rem; font-weight: 700; line-height: 1.1; }
.st-key-projector [data-testid="stMetricLabel"] p { font-size: 1.3rem; }
.st-key-projector [data-testid="stTable"] th, .st-key-projector [data-testid="stTable"] td {
  font-size: 1.35rem; line-height: 1.3; padding: 0.3rem 0.7rem; }
.st-key-perspectives-dense p { font-size: 1.2rem !important; line-height: 1.3; }
.st-key-perspectives-dense h3 { font-size: 1.4rem; }
.st-key-projector [data-testid="stCaptionContainer"] p { font-size: 1.3rem; color: #3b4249 !important; }
.st-key-join-code p { font-size: 6.5rem; font-weight: 800; letter-spacing: 0.12em; line-height: 1.05;
  font-family: "Source Code Pro", ui-monospace, monospace; color: #1b1f24; margin: 0; }
.st-key-join-link p { font-size: 1.6rem; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.st-key-narrative p { font-size: 1.9rem; line-height: 1.4; }
.st-key-narrative-m p, .st-key-narrative-m li { font-size: 1.65rem; line-height: 1.35; }
.st-key-narrative-l p, .st-key-narrative-l li { font-size: 1.45rem; line-height: 1.35; }
.st-key-narrative-xl p, .st-key-narrative-xl li { font-size: 1.2rem; line-height: 1.3; }
.st-key-projector [data-testid="stButtonGroup"] p { font-size: 1.05rem; }
.st-key-projector [data-testid="stWidgetLabel"] p { font-size: 1rem; }
.st-key-countdown-large p { font-size: 2.4rem; font-weight: 700; color: #1b1f24; line-height: 1.2; }
.st-key-countdown-large span[data-testid="stIconMaterial"] { font-size: 2.4rem; }
</style>
"""


def css(projector: bool = False) -> None:
    """Add the app's static style sheet (no participant or trainer text ever goes into it)."""
    sheet = _PROJECTOR_CSS if projector else _APP_CSS
    st.html(sheet.replace("<style>", "<style>" + _COMMON_CSS, 1))


# ---------------------------------------------------------------------------------------- polling


def remember(key: str, value: int) -> None:
    """Record the version a full page run has drawn, so the poll redraws only when it moves on."""
    st.session_state[f"_seen:{key}"] = value


def poll_changed(read: Callable[[], int], key: str, state: MutableMapping[str, Any]) -> bool:
    """One poll: read the version (one small query) and say whether it differs from the one drawn.
    A workshop that has gone (deleted, purged) counts as a change once, so the page can say so."""
    try:
        value: object = read()
    except EasiError:
        value = "gone"
    seen = state.get(f"_seen:{key}")
    if seen is None:
        state[f"_seen:{key}"] = value
        return False
    return value != seen


def _watch_once(
    read: Callable[[], int],
    key: str,
    hold: bool,
    hold_message: str,
    triage: Callable[[], str] | None,
    large_countdown: bool = False,
) -> None:
    state = st.session_state
    if not state.get(f"_held:{key}") and poll_changed(read, key, state):
        verdict = triage() if triage is not None else "rerun"
        if (
            verdict == "ignore"
        ):  # nothing this page draws has changed (a countdown is drawn right here)
            try:
                state[f"_seen:{key}"] = read()
            except EasiError:
                verdict = "rerun"
        if verdict == "rerun" or (verdict == "hold" and not hold):
            st.rerun(scope="app")
        if verdict == "hold":
            state[f"_held:{key}"] = True
    text = countdown_text(state.get(f"_countdown:{key}"), time.time())
    if text and large_countdown:  # the projector: readable from the back of the room
        with st.container(key="countdown-large"):
            st.markdown(f":material/timer: {text}")
    elif text:
        st.caption(f":material/timer: {text}")
    if state.get(f"_held:{key}"):
        # Someone may be filling in a form here: never pull it from under them; offer the update instead.
        with st.container(border=True):
            st.warning(hold_message, icon=":material/update:")
            if st.button("Show the update", key=f"_update:{key}", type="primary"):
                st.rerun(scope="app")


_POLLS: dict[float, Callable[..., None]] = {}  # one fragment per interval, made once per process


def _poll(every: float) -> Callable[..., None]:
    """The polling fragment that runs every `every` seconds (`_watch_once` on a timer)."""
    if every not in _POLLS:
        _POLLS[every] = st.fragment(run_every=every, key=POLL_FRAGMENT)(_watch_once)
    return _POLLS[every]


def watch(
    read: Callable[[], int],
    key: str,
    seen: object,
    *,
    hold: bool = False,
    hold_message: str = "",
    countdown_ends_at: float | None = None,
    triage: Callable[[], str] | None = None,
    large_countdown: bool = False,
    every: float = POLL_SECONDS,
) -> None:
    """Poll `read` every `every` seconds (two unless the page says otherwise; one small query) and rerun
    the page when its value moves on from `seen` (the value this page run read before drawing).

    `triage`, called only when the value moved, says what the change means for this page: "rerun",
    "ignore" (nothing drawn here changed), or "hold": with `hold`, show a notice and a button instead of
    rerunning, because the page holds a form someone may be typing in. The poll also shows an advisory
    countdown, if one runs, from the value the page drew (`triage` may update it); `large_countdown`
    draws it in the projector's large type."""
    state = st.session_state
    if state.get(f"_seen:{key}") != seen:  # writes to session state cost more than reads
        remember(key, seen)
    if f"_held:{key}" in state:
        del state[f"_held:{key}"]
    if state.get(f"_countdown:{key}", 0) != countdown_ends_at:
        state[f"_countdown:{key}"] = countdown_ends_at
    # A block of its own: under load a fragment's late delta for its block cannot shift what follows it
    # (docs/performance.md, finding 8). Callers draw it first, so a lost run tail is not the poll's timer.
    with st.container():
        _poll(every)(
            read, key, hold, hold_message or "The workshop has moved on.", triage, large_countdown
        )


def countdown_text(ends_at: float | None, now: float) -> str | None:
    """ "About 3 min left (advisory)" for a running countdown; None when there is none."""
    if not ends_at:
        return None
    left = round(ends_at - now)
    if left <= 0:
        return "The suggested time is up: finish when you are ready (nothing closes by itself)."
    minutes, seconds = divmod(left, 60)
    shown = f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
    return f"About {shown} left (a suggestion: nothing closes by itself)."


# ----------------------------------------------------------------------------------------- labels

_PHASE_WORDS = {
    "lobby": "Waiting to start",
    "open": "Open for decisions",
    "locked": "Locked: waiting for the reveal",
    "revealed": "Revealed",
    "debrief": "Debrief",
    "closed": "Closed",
}


def phase_caption(status: Status) -> str:
    """ "Stage 2 of 3 · Open for decisions", or the phase alone outside the stages."""
    words = _PHASE_WORDS.get(status.phase, status.phase)
    if status.phase in ("open", "locked", "revealed"):
        return f"Stage {status.stage_index + 1} of {status.stage_count} · {words}"
    return words


def level_label(audience: str, number: int) -> str:
    """ "3 · Child in need" (the audience's own labels)."""
    return reference().level_label(audience, number)


def top_links(current: str) -> None:
    """The links between the public pages (the projector and play pages have none)."""
    pages = (
        ("facilitation/ui/pages/home.py", "Home", ":material/home:"),
        ("facilitation/ui/pages/join.py", "Join", ":material/login:"),
        ("facilitation/ui/pages/facilitate.py", "Facilitate", ":material/co_present:"),
        ("facilitation/ui/pages/studio.py", "Studio", ":material/edit_note:"),
    )
    with st.container(horizontal=True, gap="small", key="top-links"):
        for path, label, icon in pages:
            st.page_link(path, label=label, icon=icon, disabled=label.lower() == current)


# ---------------------------------------------------------------------------------------- role card


def role_card(role: Role, audience: str, *, heading: bool = True) -> None:
    """The briefing a participant reads first: summary, motivators, constraints, threshold.

    One Markdown element per block, not one per line: every laptop redraws this card when a stage opens,
    and each element costs the server on every run."""
    ref = reference()
    if heading:
        st.subheader(role.name)
    trainer_markdown(
        "\n\n".join(
            [
                role.summary.strip(),
                _bulleted(
                    "What pushes you to share", [motivator.text for motivator in role.motivators]
                ),
                _bulleted(
                    "What holds you back", [constraint.text for constraint in role.constraints]
                ),
                f"**Where your agency acts:** at level {level_label(audience, role.threshold.acts_at)}",
                role.threshold.in_practice.strip(),
            ]
        )
    )
    names = ", ".join(ref.gateways[g].label for g in role.gateways if g in ref.gateways)
    if names:
        st.caption(f"Gateways your agency usually relies on: {names}")


def _bulleted(title: str, lines: list[str]) -> str:
    """A bold title over a bullet list, as one Markdown text (a line's own line breaks stay in its item)."""
    items = [f"- {line.strip()}".replace("\n", "\n  ") for line in lines]
    return "\n".join([f"**{title}**", "", *items])


# ------------------------------------------------------------------------------------------- QR


def qr_svg(url: str) -> str:
    """A QR code for `url` as an SVG string (black on white, a quiet zone of four modules)."""
    return segno.make(url, error="m").svg_inline(
        scale=10, border=4, dark="#000000", light="#ffffff"
    )


def qr_image(url: str, *, width: int, caption: str | None = None) -> None:
    """The QR code of `url`, with a text alternative that says where it leads."""
    st.image(
        qr_svg(url),
        width=width,
        caption=caption,
        alt=f"QR code: a link to join the workshop, {url}",
    )
