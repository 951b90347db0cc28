"""The pieces the pages share: escaping, the poll, the countdown, labels, role order, controls."""

from __future__ import annotations

import pytest

from facilitation.engine.workshops import Status
from facilitation.ui.facilitate_view import CONTROLS, enabled_controls
from facilitation.ui.join_view import role_order
from facilitation.ui.studio_support import excerpt
from facilitation.ui.widgets import countdown_text, escape_markdown, phase_caption, poll_changed


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</b>",
        "**x**",
        "_y_",
        ":red[z]",
        ":smile:",
        "$x^2$",
        "[link](http://example.com)",
        "# heading",
        "1. item",
        "- item",
        "`code`",
        "a\\b",
        "&amp;",
        "| table |",
        "~~strike~~",
        "<script>alert(1)</script>",
    ],
)
def test_escape_markdown_leaves_no_markdown_character_bare(text):
    escaped = escape_markdown(text)
    special = set("\\`*_{}[]()#+-.!|<>~$:&=^\"'")
    index = 0
    while index < len(escaped):
        char = escaped[index]
        if char == "\\":
            assert escaped[index + 1] in special
            index += 2
            continue
        assert char not in special, (text, escaped, index)
        index += 1


def test_escape_markdown_keeps_plain_words_and_line_breaks():
    assert escape_markdown("Amber Badger") == "Amber Badger"
    assert escape_markdown("one\ntwo") == "one  \ntwo"


def test_poll_changed_reads_once_and_remembers_nothing_new():
    state: dict = {}
    values = iter([5, 5, 6])
    read = lambda: next(values)
    assert not poll_changed(read, "w", state)  # first poll: nothing drawn yet to compare with
    assert not poll_changed(read, "w", state)
    assert poll_changed(read, "w", state)


def test_the_laptop_poll_moves_only_on_phase_changes(ui_room):
    engine, code = ui_room.engine, ui_room.code
    laptop = lambda: engine.versions(code).phase
    screen = lambda: engine.versions(code).any
    state = {"_seen:laptop": laptop(), "_seen:screen": screen()}
    ui_room.join("school")
    assert not poll_changed(laptop, "laptop", state)  # someone joining does not redraw every laptop
    assert poll_changed(screen, "screen", state)  # but the facilitator and the projector redraw
    ui_room.go("open_stage")
    assert poll_changed(laptop, "laptop", state)


def test_a_deleted_workshop_counts_as_a_change(ui_room):
    engine, code = ui_room.engine, ui_room.code
    state = {"_seen:w": engine.versions(code).any}
    engine.delete_workshop(code, ui_room.key)
    assert poll_changed(lambda: engine.versions(code).any, "w", state)


@pytest.mark.parametrize(
    "left, expected",
    [
        (None, None),
        (-5, "The suggested time is up"),
        (42, "About 42 s left"),
        (185, "About 3 min 05 s left"),
    ],
)
def test_countdown_text_is_advisory(left, expected):
    text = countdown_text(None if left is None else 1000.0 + left, 1000.0)
    if expected is None:
        assert text is None
    else:
        assert expected in text and "nothing closes by itself" in text


def _status(phase: str, stage: int = 0, count: int = 3) -> Status:
    return Status(
        code="ABCDEF",
        title="T",
        scenario_id="s",
        audience="children",
        phase=phase,
        stage_index=stage,
        stage_count=count,
        created_at="2026-01-01T00:00:00+00:00",
    )


@pytest.mark.parametrize(
    "phase, stage, expected",
    [
        ("lobby", -1, {"open_stage"}),
        ("open", 0, {"lock_stage", "reveal_stage"}),
        ("locked", 1, {"reopen_stage", "reveal_stage"}),
        ("revealed", 0, {"next_stage"}),
        ("revealed", 2, {"start_debrief"}),
        ("debrief", 2, set()),
        ("closed", 2, set()),
    ],
)
def test_only_valid_controls_are_enabled(phase, stage, expected):
    assert enabled_controls(_status(phase, stage)) == expected
    assert expected <= {method for method, _, _ in CONTROLS}


@pytest.mark.parametrize(
    "phase, stage, caption",
    [
        ("lobby", -1, "Waiting to start"),
        ("open", 1, "Stage 2 of 3 · Open for decisions"),
        ("locked", 0, "Stage 1 of 3 · Locked: waiting for the reveal"),
        ("debrief", 2, "Debrief"),
    ],
)
def test_phase_caption(phase, stage, caption):
    assert phase_caption(_status(phase, stage)) == caption


def test_role_order_puts_unplayed_roles_first_in_scenario_order():
    assert role_order(["a", "b", "c", "d"], {"a": 2, "b": 0, "c": 1}) == ["b", "d", "c", "a"]


def test_excerpt_numbers_the_lines_and_points_at_the_column():
    lines = [f"line {n}" for n in range(1, 11)]
    shown = excerpt(lines, 5, 3).splitlines()
    assert shown[0] == "  2 | line 2"
    assert "> 5 | line 5" in shown
    caret = shown[shown.index("> 5 | line 5") + 1]
    assert caret.index("^") == len("> 5 | ") + 2
    assert shown[-1] == "  8 | line 8"


@pytest.mark.parametrize(
    "path, query, layout",
    [
        ("join", {}, "centered"),
        ("play", {"t": "x"}, "centered"),
        ("", {"code": "K7QW3M"}, "centered"),
        ("", {}, "wide"),
        ("facilitate", {}, "wide"),
        ("projector", {"w": "A"}, "wide"),
        ("studio", {}, "wide"),
    ],
)
def test_laptop_pages_read_in_a_column(path, query, layout):
    from facilitation.ui.app import layout_for

    assert layout_for(path, query) == layout
