"""The Studio (streamlit.testing): checking pasted files line by line, previews, the library, rehearsal,
downloads, and saving into the library only with the operator passcode."""

from __future__ import annotations

from tests.fixtures.ui import PASSCODE, button, texts
from tests.fixtures.ui import shown as unescaped
from tests.paths import MINI

SCENARIO = (MINI / "scenarios" / "mini.yaml").read_text(encoding="utf-8")
ROLE = (MINI / "roles" / "gp.yaml").read_text(encoding="utf-8")


def _paste(at, text: str, filename: str = ""):
    at.text_input(key="studio:filename").input(filename)
    at.text_area(key="studio:text").input(text)
    button(at, "Check").click()
    at.run()
    assert not at.exception
    return at


def _section(at, name: str):
    at.segmented_control(key="studio:section").set_value(name)
    at.run()
    assert not at.exception
    return at


def test_studio_opens_on_check_a_file(open_page):
    at = open_page("studio")
    assert at.title[0].value == "Studio"
    assert at.text_area(key="studio:text").value == ""


def test_a_broken_paste_shows_every_error_at_its_line(open_page):
    broken = SCENARIO.replace("narrative: Sam, aged 7", "narative: Sam, aged 7").replace(
        "held_by: gp", "held_by: gpp"
    )
    at = _paste(open_page("studio"), broken, "mini.yaml")
    assert "3 problems in mini.yaml: nothing was loaded." in unescaped(at.error[0].value)
    shown = texts(at)
    assert "unknown field 'narative'; did you mean 'narrative'?" in shown
    assert "unknown role 'gpp' in held_by; did you mean 'gp'?" in shown
    assert "`stages[second].facts[missed_appts].held_by`" in shown
    lines = broken.split("\n")
    wrong = next(i for i, line in enumerate(lines, 1) if "gpp" in line)
    excerpt = next(c.value for c in at.code if "gpp" in c.value)
    assert (
        f"> {wrong} |         held_by: gpp" in excerpt
    )  # the text around the error, line numbers and all
    assert f"  {wrong - 1} |" in excerpt and f"  {wrong + 1} |" in excerpt
    assert not at.get("tabs")  # no preview of a file that does not load


def test_a_yaml_syntax_error_points_at_the_line(open_page):
    at = _paste(open_page("studio"), "id: broken\ntitle: [unclosed\nstages: []\n")
    assert "problem" in at.error[0].value
    assert any(c.value.splitlines()[0].startswith("  1 | id: broken") for c in at.code)


def test_a_valid_scenario_shows_the_preview(open_page):
    at = _paste(open_page("studio"), SCENARIO, "mini.yaml")
    assert "is a valid scenario: mini" in unescaped(at.success[0].value)
    shown = texts(at)
    assert "Preview: The Test family" in shown
    assert "Stage 1: A bruise and a call-out (2 facts)" in [e.label for e in at.expander]
    assert any(
        e.label.startswith("School: 3 facts, weight 6") for e in at.expander
    )  # facts by role
    guidance = at.dataframe[0].value
    assert list(guidance["Fact"]) == [
        "bruise",
        "dv_callout",
        "missed_appts",
        "new_partner",
        "disclosure",
        "rent_arrears",
    ]
    assert "Save into the library (operator only)" in [e.label for e in at.expander]


def test_teachability_warnings_show_at_their_line(open_page):
    at = _paste(open_page("studio"), SCENARIO, "mini.yaml")
    warnings = [w.value for w in at.warning]
    assert warnings and all(
        w.startswith("line ") for w in warnings
    )  # the mini scenario is too easy
    assert any("jigsaw" in w for w in warnings)


def test_a_valid_role_shows_its_card(open_page):
    at = _paste(open_page("studio"), ROLE)
    assert "is a valid role: gp" in unescaped(at.success[0].value)
    assert "What pushes you to share" in texts(at)


def test_the_id_must_match_a_given_file_name(open_page):
    at = _paste(open_page("studio"), SCENARIO, "other-name.yaml")
    assert "problem" in at.error[0].value


def test_saving_needs_the_operator_passcode(open_page, tmp_path, monkeypatch):
    monkeypatch.setenv("EASI_SCENARIOS", str(tmp_path))
    at = _paste(open_page("studio"), SCENARIO, "mini.yaml")
    form_inputs = [t for t in at.text_input if t.label == "Operator passcode"]
    form_inputs[0].input("wrong")
    button(at, "Save").click()
    at.run()
    assert "passcode is not right" in at.error[-1].value
    assert not (tmp_path / "mini.yaml").exists()
    next(t for t in at.text_input if t.label == "Operator passcode").input(PASSCODE)
    button(at, "Save").click()
    at.run()
    assert (tmp_path / "mini.yaml").read_text(encoding="utf-8") == SCENARIO
    assert "Saved" in at.success[-1].value


def test_library_lists_every_file_with_its_status(open_page):
    at = _section(open_page("studio"), "Library")
    scenarios, roles = at.dataframe[0].value, at.dataframe[1].value
    assert list(scenarios["Id"]) == ["mini"]
    assert list(scenarios["Errors"]) == [0] and list(scenarios["Status"]) in (["ok"], ["warnings"])
    assert sorted(roles["Id"]) == ["childrens_social_care", "gp", "police", "school"]


def test_library_shows_a_broken_file(open_page, tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "mini.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "broken.yaml").write_text(
        SCENARIO.replace("id: mini", "id: broken").replace("weight: 2", "weight: 9", 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("EASI_SCENARIOS", str(folder))
    at = _section(open_page("studio"), "Library")
    statuses = dict(zip(at.dataframe[0].value["Id"], at.dataframe[0].value["Status"]))
    assert statuses["broken"] == "error" and statuses["mini"] != "error"
    assert any("broken.yaml: 1 errors" in e.label for e in at.expander)


def test_rehearsal_plays_the_scenario_and_shows_the_debrief(open_page, ui_engine):
    at = _section(open_page("studio"), "Rehearse")
    at.number_input[0].set_value(6)
    button(at, "Rehearse").click()
    at.run()
    assert not at.exception
    assert "with 6 simulated participants" in at.success[0].value
    assert at.get("vega_lite_chart")
    assert "The new partner was assaulting Sam" in texts(at)
    # The simulated participants took part in both activities: their answers are in the debrief.
    assert "The barriers of their real jobs, beside those cited in play" in texts(at)
    assert "Stage 1 (" in texts(at) and "guidance names" in texts(at)
    assert ui_engine.list_workshops() == []  # a throw-away store: the app's database is untouched


def test_downloads_offer_schemas_and_starters(open_page):
    at = _section(open_page("studio"), "Downloads")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"scenario.schema.json", "role.schema.json", "scenario.yaml", "role.yaml"} <= set(labels)


def test_an_error_s_go_to_line_moves_the_editor_there(open_page):
    broken = SCENARIO.replace("held_by: gp", "held_by: gpp")
    at = _paste(open_page("studio"), broken, "mini.yaml")
    wrong = next(i for i, line in enumerate(broken.split("\n"), 1) if "gpp" in line)
    assert not at.get("iframe")  # nothing moves the cursor until asked
    button(at, f"Go to line {wrong}").click()
    at.run()
    scripts = [frame.proto.srcdoc for frame in at.get("iframe")]
    assert len(scripts) == 1 and ".st-key-studio-editor textarea" in scripts[0]
    assert f"Math.max({wrong}, 1)" in scripts[0]
    at.run()  # any later run leaves the cursor where the trainer put it
    assert not at.get("iframe")
    button(at, f"Go to line {wrong}").click()
    at.run()
    again = [frame.proto.srcdoc for frame in at.get("iframe")]
    assert len(again) == 1 and again[0] != scripts[0]  # a second press is a new script: it runs


def test_an_uploaded_file_s_errors_offer_no_go_to_line(open_page):
    at = open_page("studio")
    at.radio(key="studio:source").set_value("Upload a file")
    at.run()
    assert not [b for b in at.button if b.label.startswith("Go to line")]
