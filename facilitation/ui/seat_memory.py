"""The browser remembers its own seats: re-opening a workshop's join link (`/?code=K7QW3M`, the QR code)
in a browser that already holds a seat there goes back to that seat, not to a second one.

The seat's token is kept in a first-party cookie named for the workshop (`easi_seat_K7QW3M`), written
by the play page once the seat is known and read by the join page from the request that opened the
session (`st.context.cookies`). A cookie stays in the browser that took the seat: no link, QR code or
shared address ever carries it, so one person's seat cannot reach another's browser. `SameSite=Strict`
keeps it off requests from other sites, and it is `Secure` whenever the page came over HTTPS. Streamlit
can read cookies but not set them, so the play page sets it with a few lines of script
(`page_script`: a hidden same-origin component frame, which the deployment's CSP allows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import streamlit as st

from facilitation.engine import CODE_ALPHABET, CODE_LENGTH
from facilitation.ui import page_script

__all__ = [
    "COOKIE_PREFIX",
    "MAX_AGE_SECONDS",
    "browser_cookies",
    "cookie_name",
    "remember",
    "remembered_token",
]

COOKIE_PREFIX = "easi_seat_"
# A workshop runs within a day; a shared computer forgets the seat by the next one.
MAX_AGE_SECONDS = 24 * 60 * 60
# Tokens are `secrets.token_urlsafe`: only these characters may go into the cookie or the script.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def cookie_name(code: str) -> str:
    """The cookie that holds this browser's seat in workshop `code`."""
    if not _CODE.fullmatch(code):
        raise ValueError("not a normalised workshop code")
    return COOKIE_PREFIX + code


def remembered_token(code: str, cookies: Mapping[str, str] | None = None) -> str | None:
    """The token this browser holds for workshop `code`, if its cookie came with the request (not yet
    checked: the caller asks the engine whether the seat still exists)."""
    cookies = browser_cookies() if cookies is None else cookies
    token = cookies.get(cookie_name(code))
    return token if isinstance(token, str) and _TOKEN.fullmatch(token) else None


def browser_cookies() -> Mapping[str, str]:
    """The cookies of the request that opened this session (Streamlit reads them at connection)."""
    return st.context.cookies


def remember(code: str, token: str) -> None:
    """Keep this seat in the browser's cookie for workshop `code` (drawn once per page run; the frame
    is the same on every run, so the browser keeps it and does not run it again)."""
    if not _TOKEN.fullmatch(token):
        return
    cookie = f"{cookie_name(code)}={token}; path=/; max-age={MAX_AGE_SECONDS}; SameSite=Strict"
    page_script.run(
        "seat-memory",
        "const cookie = " + json.dumps(cookie) + ";"
        "window.parent.document.cookie = cookie + "
        "(window.parent.location.protocol === 'https:' ? '; Secure' : '');",
    )
