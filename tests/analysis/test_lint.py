"""`facilitation.analysis.teachability` and `easi lint`: each teachability check catches its failure, and only it."""

from __future__ import annotations

import re

import pytest
import yaml

from facilitation.analysis import teachability as lint_module
from facilitation.analysis.teachability import CHECKS, LintWarning, lint
from facilitation.cli import main
from facilitation.content.library import load_snapshot
from facilitation.content.models import Role, Scenario, Snapshot
from facilitation.play.picture import RolePicture
from tests.paths import DATA

LINT = DATA / "lint"
MINI_ROLES = DATA / "mini" / "roles"
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<check>[a-z-]+): (?P<message>.+)$")


def _fixture(name: str) -> Snapshot:
    return load_snapshot(LINT / f"{name}.yaml", roles_dir=MINI_ROLES)


def _snapshot(data: dict) -> Snapshot:
    """A snapshot from plain scenario data, with the mini roles in play."""
    scenario = Scenario.model_validate(data)
    roles = {
        r: Role.model_validate(yaml.safe_load((MINI_ROLES / f"{r}.yaml").read_text()))
        for r in scenario.roles
    }
    return Snapshot(scenario=scenario, roles=roles)


@pytest.fixture
def good_data() -> dict:
    """tests/data/lint/good.yaml as plain data, to mutate."""
    return yaml.safe_load((LINT / "good.yaml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------ checks


def test_good_fixture_passes():
    assert lint(_fixture("good")) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jigsaw_alone", {("jigsaw", "roles[0]")}),
        ("jigsaw_pair", {("jigsaw", "levels")}),
        ("jigsaw_never", {("jigsaw", "levels"), ("escalation", "stages")}),
        ("jigsaw_guidance", {("jigsaw", "lead_role")}),
        ("escalation_flat", {("escalation", "stages")}),
        ("failures_avoid", {("both-failures", "stages")}),
        ("failures_consent", {("both-failures", "stages")}),
        ("every_role", {("every-role", "roles[2]")}),
        ("debrief_why", {("debrief", "stages[one].facts[b].guidance.why")}),
        ("debrief_gateway", {("debrief", "stages[two].facts[d].guidance")}),
        ("narrative_leak", {("narrative-leak", "stages[two].narrative")}),
        ("precise_gateway", {("precise-gateway", "stages[two].facts[c].guidance")}),
    ],
)
def test_each_check_catches_its_failure(name, expected):
    found = lint(_fixture(name))
    assert {(warning.check, warning.path) for warning in found} == expected
    assert len(found) == len(expected)


def test_every_fixture_is_a_variant_of_good():
    """Each bad fixture names itself and differs from good.yaml in its id and a few lines only."""
    good = (LINT / "good.yaml").read_text(encoding="utf-8").splitlines()
    for path in LINT.glob("*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert f"id: {path.stem}" in lines
        assert len(set(lines) ^ set(good)) <= 12, path.name


def test_mini_scenario_known_warnings(mini_snapshot):
    """School holds weight 6 alone (level 3, where the lead acts); police + gp together hold 6."""
    found = lint(mini_snapshot)
    assert [(w.check, w.path) for w in found] == [("jigsaw", "roles[0]"), ("jigsaw", "levels")]
    assert "school's own facts (weight 6) reach level 3" in found[0].message
    assert "police and gp together (weight 6)" in found[1].message


def test_escalation_catches_a_falling_picture(monkeypatch):
    """Weights are never negative, so a fall cannot happen through the data: fake the whole picture."""
    falling = iter([2, 3, 1])
    monkeypatch.setattr(
        lint_module,
        "whole_picture",
        lambda snapshot, index: RolePicture("*", index, {}, 0, next(falling)),
    )
    found = lint_module.check_escalation(_fixture("good"))
    assert [(w.check, w.path) for w in found] == [
        ("escalation", "stages[three]"),
        ("escalation", "stages"),
    ]
    assert "falls from level 3 to 1" in found[0].message


@pytest.mark.parametrize(
    "why",
    [
        "TODO",
        "TBC",
        "Too short to teach anything.",
        "TODO: explain why the school must share this with social care today.",
        "Needs a referral, tbd after checking the threshold document with the MASH.",
    ],
)
def test_debrief_refuses_stub_reasons(good_data, why):
    good_data["stages"][0]["facts"][1]["guidance"]["why"] = why
    assert [w.path for w in lint_module.check_debrief(_snapshot(good_data))] == [
        "stages[one].facts[b].guidance.why"
    ]


def test_debrief_needs_no_gateway_when_nothing_is_shared(good_data):
    fact = good_data["stages"][2]["facts"][1]
    assert fact["guidance"]["share_with"] == [] and "gateway" not in fact["guidance"]
    assert lint_module.check_debrief(_snapshot(good_data)) == []


def test_debrief_counts_the_gateways_of_each_route(good_data):
    guidance = good_data["stages"][1]["facts"][1]["guidance"]  # fact d, shared with one role
    del guidance["gateway"]
    guidance["share_with"] = {
        role: {"gateways": ["cda1998_s115"]} for role in guidance["share_with"]
    }
    assert lint_module.check_debrief(_snapshot(good_data)) == []
    first = next(iter(guidance["share_with"]))
    guidance["share_with"][first] = {"detail": "concern"}
    assert [
        w.message.split(" but ")[0] for w in lint_module.check_debrief(_snapshot(good_data))
    ] == [f"'d' should be shared with {first}"]


def test_both_failures_needs_a_not_required_fact(good_data):
    for stage in good_data["stages"]:
        for fact in stage["facts"]:
            fact["guidance"]["consent"] = "seek_unless_unsafe"
    messages = [w.message for w in lint_module.check_both_failures(_snapshot(good_data))]
    assert messages == [
        "no fact has consent not_required; at least one should, so that participants meet a fact "
        "they must share without asking"
    ]


def test_lead_role_is_exempt_from_every_role(good_data):
    """The lead holds g, shared with nobody, and is not asked to share with itself."""
    assert lint_module.check_every_role(_snapshot(good_data)) == []


def test_pairs_are_summarised_in_one_warning(good_data):
    good_data["levels"] = {2: 2, 3: 5, 4: 12}  # every pair (6) reaches level 3; no role alone (3)
    found = lint_module.check_jigsaw(_snapshot(good_data))
    assert len(found) == 1
    assert "(and 2 other pairs)" in found[0].message


def test_warning_reads_as_check_and_message():
    assert str(LintWarning("jigsaw", "levels", "too easy")) == "jigsaw: too easy"


def test_checks_are_named_as_in_the_cli_help(capsys):
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    text = capsys.readouterr().out
    assert all(name in text for name in CHECKS)
    assert "--roles" in text


# --------------------------------------------------------------------------------------------- CLI


def _run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(["lint", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_cli_passes_good_scenario(capsys):
    code, out, _ = _run(capsys, str(LINT / "good.yaml"), "--roles", str(MINI_ROLES))
    assert code == 0
    assert out == ["1 scenario linted: 1 pass, 0 fail (0 warnings, 0 not loading)"]


def test_cli_prints_file_line_check_message(capsys):
    path = LINT / "debrief_why.yaml"
    code, out, _ = _run(capsys, str(path), "--roles", str(MINI_ROLES))
    assert code == 1
    match = LINE.match(out[0])
    assert match and match["file"] == str(path) and match["check"] == "debrief"
    # The line is the `why:` of fact b, the stub itself.
    assert (
        path.read_text(encoding="utf-8").splitlines()[int(match["line"]) - 1].strip() == "why: TODO"
    )
    assert out[-1] == "1 scenario linted: 0 pass, 1 fail (1 warning, 0 not loading)"


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("jigsaw_alone", "roles: [school, police, gp, childrens_social_care]"),
        ("jigsaw_never", "levels: {2: 4, 3: 10, 4: 12}"),
        ("debrief_gateway", "guidance:"),
    ],
)
def test_cli_lines_point_at_the_field(capsys, name, needle):
    path = LINT / f"{name}.yaml"
    _, out, _ = _run(capsys, str(path), "--roles", str(MINI_ROLES))
    line = int(LINE.match(out[0])["line"])
    assert needle in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_cli_lints_a_folder(capsys):
    code, out, _ = _run(capsys, str(LINT), "--roles", str(MINI_ROLES))
    total = len(list(LINT.glob("*.yaml")))
    assert code == 1
    assert out[-1].startswith(f"{total} scenarios linted: 1 pass, {total - 1} fail")
    assert all(LINE.match(line) for line in out[:-1])


def test_cli_reports_a_scenario_that_does_not_load(capsys, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (LINT / "good.yaml")
        .read_text()
        .replace("id: good", "id: broken")
        .replace("held_by: police", "held_by: polcie", 1),
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, str(broken), str(LINT / "good.yaml"), "--roles", str(MINI_ROLES))
    assert code == 1
    assert any(line.startswith(f"{broken}:") and "held_by" in line for line in out)
    assert out[-1] == "2 scenarios linted: 1 pass, 1 fail (0 warnings, 1 not loading)"


def test_cli_defaults_to_the_scenarios_folder(capsys, monkeypatch, tmp_path):
    (tmp_path / "good.yaml").write_text((LINT / "good.yaml").read_text(), encoding="utf-8")
    monkeypatch.setenv("EASI_SCENARIOS", str(tmp_path))
    monkeypatch.setenv("EASI_ROLES", str(MINI_ROLES))
    code, out, _ = _run(capsys)
    assert (code, out[-1]) == (0, "1 scenario linted: 1 pass, 0 fail (0 warnings, 0 not loading)")


@pytest.mark.parametrize(
    "argv",
    [
        ["no/such/scenario.yaml"],
        [str(LINT / "good.yaml"), "--roles", "no/such/folder"],
    ],
)
def test_cli_usage_errors(capsys, argv):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == [] and err.startswith("easi lint: ")


def test_cli_empty_folder_is_a_usage_error(capsys, tmp_path):
    code, _, err = _run(capsys, str(tmp_path))
    assert code == 2 and "no scenario files" in err
