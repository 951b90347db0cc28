"""The Studio in a real browser: an error's "Go to line" puts the editor's cursor on that line, with
the line selected and scrolled into the editor's view, for the trainer to correct it there."""

from __future__ import annotations

import pytest

from tests.system.browser_room import (
    LAPTOP,
    MINI,
    WAIT,
    browser,
    click,
    expect,
    new_page,
    server,
    shot,
)

__all__ = ["browser", "server"]  # the fixtures, imported for pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Where the editor's cursor is: the line it is on, the text selected, and whether that line is in view.
_CURSOR = """() => {
  const area = document.querySelector('.st-key-studio-editor textarea');
  const height = parseFloat(getComputedStyle(area).lineHeight);
  const line = area.value.substring(0, area.selectionStart).split('\\n').length;
  const top = (line - 1) * height;
  return {
    focused: document.activeElement === area,
    line: line,
    selected: area.value.substring(area.selectionStart, area.selectionEnd),
    inView: top >= area.scrollTop && top + height <= area.scrollTop + area.clientHeight,
    scrolled: area.scrollTop,
  };
}"""


def test_an_error_s_go_to_line_puts_the_cursor_there(server, browser):
    broken = (MINI / "scenarios" / "mini.yaml").read_text(encoding="utf-8")
    broken = broken.replace("held_by: gp", "held_by: gpp")
    lines = broken.split("\n")
    wrong = next(n for n, line in enumerate(lines, 1) if "gpp" in line)
    assert wrong > 20  # below the editor's first screen: going there scrolls
    page = new_page(browser, LAPTOP)
    page.goto(f"{server}/studio")
    # The server's first page run imports the whole app: on a loaded machine, more than one WAIT.
    expect(page.get_by_role("heading", name="Check a scenario or role file")).to_be_visible(
        timeout=3 * WAIT
    )
    page.locator(".st-key-studio-editor textarea").fill(broken)
    click(page, "Check")
    expect(page.get_by_text("unknown role 'gpp' in held_by")).to_be_visible()
    click(page, f"Go to line {wrong}")
    page.wait_for_function(
        "() => document.activeElement === document.querySelector('.st-key-studio-editor textarea')"
    )
    cursor = page.evaluate(_CURSOR)
    assert cursor["focused"] and cursor["line"] == wrong, cursor
    assert cursor["selected"] == lines[wrong - 1], cursor
    assert cursor["inView"] and cursor["scrolled"] > 0, cursor
    shot(page, "studio-go-to-line")

    # Scrolled back and pressed again: the cursor goes there again.
    page.evaluate(
        "() => { document.querySelector('.st-key-studio-editor textarea').scrollTop = 0 }"
    )
    page.locator(".st-key-studio-editor textarea").press("Control+Home")
    click(page, f"Go to line {wrong}")
    page.wait_for_function(
        "() => document.querySelector('.st-key-studio-editor textarea').scrollTop > 0"
    )
    assert page.evaluate(_CURSOR)["line"] == wrong
