"""Trainer Markdown (scenarios, roles) shown without images, raw HTML or colour directives, with its
emphasis, lists and links kept (finding 7 of the hardening issue)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from facilitation.ui.widgets import safe_markdown

_PARSER = MarkdownIt("commonmark")


def _tokens(text: str) -> list[str]:
    kinds = []
    for token in _PARSER.parse(text):
        kinds.append(token.type)
        kinds += [child.type for child in token.children or ()]
    return kinds


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("![a pixel](https://evil.example/p.png)", "a pixel"),
        ("Before ![](https://evil.example/p.png) after", "Before  after"),
        ("![ref image][r]\n\n[r]: https://evil.example/p.png", "ref image"),
        ("[![badge](https://evil.example/b.svg)](https://example.org)", "badge"),
    ],
)
def test_images_become_their_alt_text(text, kept):
    safe = safe_markdown(text)
    assert "image" not in _tokens(safe)
    assert kept in safe


@pytest.mark.parametrize(
    "text",
    [
        "<img src=https://evil.example/p.png>",
        "<div style='color:red'>x</div>",
        "Line <b>bold</b> <script>alert(1)</script>",
        "<https://evil.example/autolink>",
    ],
)
def test_raw_html_is_never_markup(text):
    kinds = _tokens(safe_markdown(text))
    assert not {"html_inline", "html_block"} & set(kinds)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (":red[Urgent]", "Urgent"),
        (":blue-background[calm]", "calm"),
        (":rainbow[party] and :green-badge[ok]", "party and ok"),
        (":red[outer :blue[inner]]", "outer inner"),
    ],
)
def test_colour_directives_become_plain_text(text, plain):
    assert safe_markdown(text) == plain


def test_an_unknown_directive_is_left_inert():
    assert safe_markdown(":violet-sparkle[x]") == "\\:violet-sparkle[x]"


def test_light_markdown_is_kept():
    text = "**Sam** is _7_.\n\n- one\n- two\n\nSee [the guidance](https://www.gov.uk/x). Age < 5."
    safe = safe_markdown(text)
    kinds = _tokens(safe)
    assert {"strong_open", "em_open", "bullet_list_open", "link_open"} <= set(kinds)
    assert "Age \\< 5" in safe
