"""The Studio's check bounded (finding 1 of the hardening issue): run once per distinct text, in turn
with the participants' pages, refused past 1 MiB, and cut short past its CPU budget."""

from __future__ import annotations

import pytest

from facilitation.ui import services
from facilitation.ui import studio_support as support
from tests.fixtures.ui import button, texts
from tests.paths import MINI

SCENARIO = (MINI / "scenarios" / "mini.yaml").read_text(encoding="utf-8")


@pytest.fixture
def counted(monkeypatch):
    """support.check, counting its runs and whether each held a page-run slot."""
    runs: list[int] = []
    real = support.check

    def check(text, filename="", **kwargs):
        slots = services.page_run_slots()
        runs.append(slots._value)  # free slots while the check runs
        return real(text, filename, **kwargs)

    monkeypatch.setattr(support, "check", check)
    return runs


def _paste(at, text: str, filename: str = "mini.yaml"):
    at.text_input(key="studio:filename").input(filename)
    at.text_area(key="studio:text").input(text)
    button(at, "Check").click()
    at.run()
    assert not at.exception
    return at


def test_the_check_runs_once_per_text_and_takes_a_slot(open_page, counted):
    at = _paste(open_page("studio"), SCENARIO)
    assert "is a valid scenario" in texts(at)
    free = services.page_run_slots()._value
    assert counted == [free - 1]  # it ran holding one of the page-run slots
    button(at, "Check").click()  # pressed again, same text
    at.run()
    at.segmented_control(key="studio:section").set_value("Rehearse").run()
    at.radio(key="studio:rehearse-source").set_value("The file checked above").run()
    assert "Paste a valid scenario" not in texts(at)  # the kept result, not the text, is used
    at.segmented_control(key="studio:section").set_value("Check a file").run()
    assert len(counted) == 1
    _paste(at, SCENARIO.replace("The Test family", "The Other family"))
    assert len(counted) == 2  # a changed text is checked again


def test_only_the_digest_and_result_are_kept(open_page):
    at = _paste(open_page("studio"), SCENARIO)
    key, result = at.session_state["studio:checked"]
    assert key == support.digest(SCENARIO, "mini.yaml") and result.id == "mini"
    kept = [  # the text area's own value aside, nothing in the session holds the text
        name
        for name, value in at.session_state.items()
        if name != "studio:text" and SCENARIO in str(value)
    ]
    assert kept == []


def test_a_text_over_a_mebibyte_is_refused_unread():
    result = support.check("x" * (support.CHECK_MAX_CHARS + 1), "big.yaml")
    assert "1 MiB" in result.problems[0].message


def test_a_check_past_its_budget_skips_the_lint_and_says_so(monkeypatch):
    monkeypatch.setenv("EASI_ROLES", str(MINI / "roles"))
    result = support.check(SCENARIO.replace("why: ", "why: TODO "), "mini.yaml", budget_seconds=0)
    assert result.id == "mini" and not result.problems
    assert [w.message for w in result.warnings] == [
        "lint: the teachability checks were skipped, the file took over 0 s to read; run "
        "`easi lint` on it for them"
    ]
