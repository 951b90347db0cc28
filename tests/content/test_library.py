"""Loading the library: parse, load, snapshot, catalogue, and the golden file of every message.

Regenerate the golden output after an intended change of wording with:

    EASI_REGEN_GOLDEN=1 pytest tests/test_library.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facilitation.content import library
from facilitation.content.library import LibraryError, Problem
from facilitation.content.models import Role, Scenario, Snapshot
from facilitation.errors import NotFound
from tests.paths import GOLDEN, MINI, PROJECT

GOLDEN_FOLDERS = ("roles", "scenarios", "hostile")


def golden_output() -> str:
    report = library.validate_paths(GOLDEN_FOLDERS, roles_dir=MINI / "roles")
    return "".join(problem.format() + "\n" for problems in report.values() for problem in problems)


def test_golden(monkeypatch):
    """Every broken file in tests/golden gives exactly the messages in tests/golden/expected.txt."""
    monkeypatch.chdir(GOLDEN)
    output = golden_output()
    expected = GOLDEN / "expected.txt"
    if os.environ.get("EASI_REGEN_GOLDEN"):
        expected.write_text(output, encoding="utf-8")
    assert output == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(GOLDEN) for folder in GOLDEN_FOLDERS for p in (GOLDEN / folder).iterdir()),
    ids=str,
)
def test_every_golden_file_is_refused(path, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    assert library.validate_paths([path], roles_dir=MINI / "roles")[path]


def test_mini_library_is_valid():
    report = library.validate_paths([MINI], roles_dir=MINI / "roles")
    assert len(report) == 5 and not any(report.values())


# ------------------------------------------------------------------------------------------ parsing


def test_parse_role_and_scenario(mini_roles_dir, mini_text):
    roles = library.load_roles(mini_roles_dir)
    assert isinstance(roles["school"], Role)
    scenario = library.parse_scenario(mini_text, "mini.yaml", roles)
    assert isinstance(scenario, Scenario) and scenario.levels == {2: 3, 3: 6, 4: 10}


def test_parse_raises_every_problem_at_once(mini_text, mini_roles_dir):
    broken = mini_text.replace("weight: 2", "weight: 9", 1).replace(
        "held_by: police", "held_by: polce", 1
    )
    with pytest.raises(LibraryError) as caught:
        library.parse_scenario(broken, "mini.yaml", library.load_roles(mini_roles_dir))
    assert [problem.path for problem in caught.value.problems] == [
        "stages[first].facts[bruise].weight",
        "stages[first].facts[dv_callout].held_by",
    ]
    assert str(caught.value).splitlines()[0] == (
        "mini.yaml:22:9: stages[first].facts[bruise].weight: 'weight' must be at most 5; found 9"
    )


@pytest.mark.parametrize(
    "filename, problems", [("school.yaml", 0), ("other.yaml", 1), ("<pasted>", 0)]
)
def test_file_name_must_match_id_unless_there_is_none(filename, problems):
    text = (MINI / "roles" / "school.yaml").read_text()
    assert len(library.inspect_role(text, filename)[1]) == problems


@pytest.mark.parametrize(
    "replace_from, replace_to, message",
    [
        (
            "id: school",
            "id: School",
            "'School' is not a valid id: ids are lowercase slugs: a letter first, then only "
            "a-z, 0-9, '_' or '-', at most 48 characters, such as 'school'",
        ),
        (
            "short_name: School",
            "short_name: A name far longer than twenty",
            "'short_name' is 29 characters long; the limit is 20: shorten it",
        ),
        ("short_name: School", "short_name: ''", "'short_name' is empty; write some text"),
        (
            "short_name: School",
            "short_nam: School",
            "unknown field 'short_nam'; did you mean 'short_name'?",
        ),
        (
            "short_name: School",
            "short_name: School\n2: x",
            "unknown field '2'; allowed fields here: id, name, ",
        ),
        (
            "short_name: School",
            "shrt: School",
            "required field 'short_name' is missing; add it (short name (at most 20 "
            "characters) used on the projector and in charts)",
        ),
        ("acts_at: 3", "acts_at: 0", "'acts_at' must be at least 1; found 0"),
        ("acts_at: 3", "acts_at: 2.5", "'acts_at' should be a whole number; found the number 2.5"),
        ("acts_at: 3", "acts_at: three", "'acts_at' should be a whole number; found 'three'"),
        ('colour: "#0072b2"', "colour: '#0072b'", "'#0072b' is not a hex colour"),
        (
            "name: Test Primary School (DSL)",
            "name: [a]",
            "'name' should be text; found a list of 1 item",
        ),
        (
            "name: Test Primary School (DSL)",
            "name: true",
            "'name' should be text; found true (a yes/no value); put it in quotes",
        ),
        (
            "gateways: [ca2004_s11]",
            "gateways: {a: 1}",
            "'gateways' should be a list (write [a, b], or one '- item' per "
            "line); found a mapping (indented `key: value` lines)",
        ),
        ("gateways: [ca2004_s11]", "gateways: [Ca2004]", "'Ca2004' is not a valid id"),
        ("threshold:\n", "threshold: 3\nx:\n", "'threshold' should be a mapping of fields"),
    ],
)
def test_plain_english_for_pydantic_errors(replace_from, replace_to, message):
    text = (MINI / "roles" / "school.yaml").read_text().replace(replace_from, replace_to, 1)
    problems = library.inspect_role(text, "school.yaml")[1]
    assert message in [problem.message for problem in problems] or any(
        problem.message.startswith(message) for problem in problems
    ), problems


@pytest.mark.parametrize(
    "replace_from, replace_to, found, expected, choices",
    [
        (
            "audience: children",
            "audience: adult",
            "'adult'",
            "one of: children, adults, early_help",
            ("children", "adults", "early_help"),
        ),
        (
            "lead_role: childrens_social_care",
            "lead_role: gpp",
            "gpp",
            "a role in `roles`",
            ("school", "police", "childrens_social_care", "gp"),
        ),
    ],
)
def test_problems_carry_found_expected_and_choices(
    mini_text, replace_from, replace_to, found, expected, choices
):
    roles = library.load_roles(MINI / "roles")
    (problem,) = library.inspect_scenario(
        mini_text.replace(replace_from, replace_to), "mini.yaml", roles
    )[1]
    assert (problem.found, problem.expected, problem.choices) == (found, expected, choices)


def test_problem_format_and_dict():
    problem = Problem("a.yaml", 3, 5, "stages[x].id", "bad", "'X'", "a slug", ("x",))
    assert problem.format() == str(problem) == "a.yaml:3:5: stages[x].id: bad"
    assert Problem("a.yaml", 1, 1, "", "empty").format() == "a.yaml:1:1: empty"
    assert problem.to_dict()["choices"] == ["x"]


def test_problems_are_capped(mini_text):
    text = "id: many\nroles: [" + ", ".join(["nope"] * 300) + "]\n"
    problems = library.inspect_scenario(text, "many.yaml", {})[1]
    assert len(problems) == library.MAX_PROBLEMS + 1
    assert (
        problems[-1].message.startswith("... and ")
        and "more problems not shown" in problems[-1].message
    )


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda: "id: x\nroles: [" + ", ".join(["a"] * 15_000) + "]\n", "more problems not shown"),
        (
            lambda: "id: x\nstages:\n" + "  - {id: a, facts: [{held_by: q}]}\n" * 1_500,
            "more problems not shown",
        ),
        (
            lambda: (
                "a: &a [x, x, x, x, x, x, x, x, x]\n"
                + "".join(
                    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                    for i in range(9)
                )
            ),
            "anchors (&) and aliases (*) are not allowed",
        ),
    ],
)
def test_hostile_scenarios_are_refused_with_a_bounded_report(build, expected):
    """How fast: `python benchmarks/bench_validate.py --hostile`."""
    problems = library.inspect_scenario(build(), "x.yaml", {})[1]
    assert expected in problems[-1].message


def test_big_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "roles" / "big.yaml"
    path.parent.mkdir()
    path.write_bytes(b"id: big\nsummary: " + b"x" * library.MAX_BYTES)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file over the limit"))
    (problem,) = library.validate_paths([path])[path]
    assert problem.message.startswith("the file is 1,048,593 bytes; the limit is 1,048,576 (1 MiB)")


LOCATE_TEXT = """\
id: school
constraints:
  - id: held_back
    barrier: relationship
  - id: held_back
    barrier: workload
threshold:
  acts_at: 3
"""


@pytest.mark.parametrize(
    "path, expected",
    [
        (("constraints", 1, "barrier"), (6, 5)),
        ("constraints[held_back].barrier", (4, 5)),
        (
            "constraints[1].barrier",
            (6, 5),
        ),  # the second 'held_back' is named by index, as breadcrumbs do
        ("threshold.acts_at", (8, 3)),
        ("threshold.in_practice", (7, 1)),  # missing: its mapping's key
        ("constraints[nope].barrier", (2, 1)),
        ("constraints[0]", (3, 5)),
    ],
)
def test_locate(path, expected):
    assert library.locate(LOCATE_TEXT, path) == expected


def test_locate_unreadable_text():
    assert library.locate("a: [", ("a",)) == (1, 1)


# ------------------------------------------------------------------------------------------ loading


def test_default_dirs(monkeypatch, tmp_path):
    monkeypatch.delenv("EASI_ROLES", raising=False)
    monkeypatch.delenv("EASI_SCENARIOS", raising=False)
    root = PROJECT
    assert (library.default_roles_dir(), library.default_scenarios_dir()) == (
        root / "roles",
        root / "scenarios",
    )
    monkeypatch.setenv("EASI_ROLES", str(tmp_path / "r"))
    monkeypatch.setenv("EASI_SCENARIOS", str(tmp_path / "s"))
    assert (library.default_roles_dir(), library.default_scenarios_dir()) == (
        tmp_path / "r",
        tmp_path / "s",
    )


@pytest.mark.parametrize("scenario", ["mini", "mini_path"])
def test_load_snapshot(mini_library, scenario):
    given = mini_library / "scenarios" / "mini.yaml" if scenario == "mini_path" else "mini"
    snapshot = library.load_snapshot(
        given, roles_dir=mini_library / "roles", scenarios_dir=mini_library / "scenarios"
    )
    assert isinstance(snapshot, Snapshot)
    assert list(snapshot.roles) == ["school", "police", "childrens_social_care", "gp"]


def test_load_snapshot_from_environment(mini_library, monkeypatch):
    monkeypatch.setenv("EASI_ROLES", str(mini_library / "roles"))
    monkeypatch.setenv("EASI_SCENARIOS", str(mini_library / "scenarios"))
    assert library.load_snapshot("mini").scenario.id == "mini"


def test_load_snapshot_only_reads_roles_in_play(mini_library):
    (mini_library / "roles" / "housing.yaml").write_text("broken: [\n")
    assert (
        library.load_snapshot(
            "mini", roles_dir=mini_library / "roles", scenarios_dir=mini_library / "scenarios"
        ).scenario.id
        == "mini"
    )


def test_load_snapshot_with_a_broken_role_in_play(mini_library):
    police = mini_library / "roles" / "police.yaml"
    police.write_text(police.read_text().replace("short_name:", "shortname:"))
    with pytest.raises(LibraryError) as caught:
        library.load_snapshot(
            "mini", roles_dir=mini_library / "roles", scenarios_dir=mini_library / "scenarios"
        )
    messages = [problem.format() for problem in caught.value.problems]
    assert any(
        "roles[1]: role 'police' has errors in its file roles/police.yaml; fix that file first" in m
        for m in messages
    )
    assert any(m.startswith(f"{police}:") and "unknown field 'shortname'" in m for m in messages)
    assert not any(
        "held_by" in m for m in messages
    )  # police is in play: no second complaint per fact


@pytest.mark.parametrize(
    "scenario, message",
    [
        ("minni", "no scenario 'minni' in"),
        ("minni", "did you mean 'mini'?"),
        ("nowhere/else.yaml", "no scenario file at nowhere/else.yaml"),
    ],
)
def test_load_snapshot_not_found(mini_library, scenario, message):
    with pytest.raises(NotFound, match=message.replace("?", r"\?")):
        library.load_snapshot(
            scenario, roles_dir=mini_library / "roles", scenarios_dir=mini_library / "scenarios"
        )


def test_load_roles_reports_every_broken_file(mini_library):
    for name in ("gp", "police"):
        (mini_library / "roles" / f"{name}.yaml").write_text("id: x\n")
    with pytest.raises(LibraryError) as caught:
        library.load_roles(mini_library / "roles")
    assert {Path(problem.file).name for problem in caught.value.problems} == {
        "gp.yaml",
        "police.yaml",
    }


def test_load_roles_needs_a_folder(tmp_path):
    with pytest.raises(NotFound, match="no roles folder"):
        library.load_roles(tmp_path / "absent")


def test_catalogue(mini_library):
    (mini_library / "scenarios" / "broken.yaml").write_text("id: broken\ntitle: Half written\n")
    (mini_library / "roles" / "bad.yaml").write_text("- not a mapping\n")
    entries = library.catalogue(
        scenarios_dir=mini_library / "scenarios", roles_dir=mini_library / "roles"
    )
    summary = [(e.kind, e.id, e.ok, e.title) for e in entries]
    assert summary == [
        ("scenario", "broken", False, "Half written"),
        ("scenario", "mini", True, "The Test family"),
        ("role", "bad", False, None),
        ("role", "childrens_social_care", True, "Test children's social care"),
        ("role", "gp", True, "Test GP practice"),
        ("role", "police", True, "Test Police public protection"),
        ("role", "school", True, "Test Primary School (DSL)"),
    ]
    mini = entries[1]
    assert (mini.audience, mini.summary, mini.problems) == (
        "children",
        "A small family known in pieces to four agencies.",
        (),
    )
    assert [
        e.id
        for e in library.catalogue(
            scenarios_dir=mini_library / "scenarios",
            roles_dir=mini_library / "roles",
            kind="scenario",
        )
    ] == ["broken", "mini"]


@pytest.mark.parametrize(
    "path, text, kind",
    [
        ("x/roles/a.yaml", "stages: []", "role"),
        ("roles/sub/a.yaml", "stages: []", "role"),
        ("scenarios/a.yaml", "", "scenario"),
        ("elsewhere/a.yaml", "id: a\nstages:\n", "scenario"),
        ("elsewhere/a.yaml", "id: a\nmotivators:\n", "role"),
        ("roles/scenarios/a.yaml", "", "scenario"),  # the nearest folder decides
    ],
)
def test_kind_of(path, text, kind):
    assert library.kind_of(Path(path), text) == kind


def test_validate_paths_refuses_a_missing_path(tmp_path):
    with pytest.raises(NotFound, match="no such file or folder"):
        library.validate_paths([tmp_path / "absent.yaml"])
