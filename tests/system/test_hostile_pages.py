"""Hostile query strings on every page: nothing from a URL is ever interpreted as Markdown, HTML or a
Streamlit directive, and a huge value is not echoed whole (finding 2 of the hardening issue)."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.ui import button, texts

LINK = "[Your session expired - sign in again](https://evil.example/login)"
IMAGE = "![x](https://evil.example/pixel.png)"
HTML = "<img src=https://evil.example/p.png><a href='https://evil.example'>x</a>"
DIRECTIVE = ":red[ALERT] :rainbow-background[look]"
LONG = "K" * 100_000 + LINK
HOSTILE = (LINK, IMAGE, HTML, DIRECTIVE, LONG, "ABC" + LINK, "\u202eevil\u200b" + IMAGE)

# Markdown syntax left active (not backslash-escaped) in a text Streamlit renders as Markdown.
_ACTIVE = re.compile(
    r"(?<!\\)\]\(https?:|(?<!\\)!\[|(?<!\\)<(?:img|a|script)\b|(?<!\\):(?:red|rainbow)(?:-background)?\[",
    re.IGNORECASE,
)
_MARKDOWN_KINDS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "info",
    "success",
    "warning",
    "error",
)


def interpreted(at) -> list[str]:
    """Every Markdown-rendered text (bodies and widget labels) of the page with syntax left active."""
    found = []
    for kind in _MARKDOWN_KINDS:
        for element in getattr(at, kind):
            body = str(getattr(element, "value", "") or "")
            if _ACTIVE.search(body):
                found.append(f"{kind}: {body[:200]}")
    for element in at.main:
        label = getattr(element, "label", None)
        if isinstance(label, str) and _ACTIVE.search(label):
            found.append(f"label: {label[:200]}")
    return found


def longest(at) -> int:
    return max((len(part) for part in texts(at).split("\n")), default=0)


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: v[:24])
@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("home", ("code",)),
        ("join", ("code",)),
        ("play", ("t",)),
        ("facilitate", ("w", "k")),
        ("facilitate", ("passcode",)),
        ("projector", ("w", "k")),
        ("studio", ("w",)),
    ],
)
def test_no_page_interprets_a_hostile_query_string(open_page, page, params, value):
    at = open_page(page, **dict.fromkeys(params, value))
    assert interpreted(at) == []
    assert longest(at) < 2_000


@pytest.mark.parametrize("value", HOSTILE[:4], ids=lambda v: v[:24])
def test_a_hostile_key_for_a_real_workshop_is_shown_as_text(open_page, ui_room, value):
    for page in ("facilitate", "projector"):
        at = open_page(page, w=ui_room.code, k=value)
        assert interpreted(at) == []


def test_the_join_form_refuses_a_hostile_code_as_text(open_page):
    at = open_page("join")
    at.text_input(key="join:code").input("[x](http://e.co)")  # the field takes 16 characters
    button(at, "Continue").click()
    at.run()
    assert interpreted(at) == []
    assert "six letters and digits" in texts(at)
