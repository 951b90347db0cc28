"""The shipped library (roles/, scenarios/): loads, passes the lint, and meets the content brief (issue #3)."""

from __future__ import annotations

import itertools
import re

import pytest

from facilitation.analysis.teachability import lint
from facilitation.content.library import load_roles, load_snapshot, yaml_files
from facilitation.content.models import Snapshot
from facilitation.content.reference import reference
from tests.paths import PROJECT

ROLES_DIR = PROJECT / "roles"
SCENARIOS_DIR = PROJECT / "scenarios"
SCENARIO_FILES = yaml_files(SCENARIOS_DIR)

ROLE_IDS = {
    "childrens_social_care",
    "adult_social_care",
    "police",
    "gp",
    "health_visiting",
    "emergency_department",
    "school",
    "early_help",
    "housing",
    "probation",
    "adult_mental_health",
    "camhs",
    "domestic_abuse_service",
    "district_nursing",
    "idva",
    "marac_coordinator",
}
STAGES_BY_AUDIENCE = {"children": range(5, 7), "adults": range(4, 7), "early_help": range(4, 7)}
ROLES_IN_PLAY = range(6, 9)
MIN_FACTS = 14
MIN_FACTS_PER_ROLE = 2
MAX_NARRATIVE_WORDS = 250  # read aloud in under two minutes
ROLE_SUMMARY_WORDS = range(60, 121)
MIN_COLOUR_DISTANCE = (
    10.0  # CIE76 delta E: clearly different at a glance, for every kind of colour vision
)


@pytest.fixture(scope="module")
def roles():
    return load_roles(ROLES_DIR)


@pytest.fixture(scope="module", params=SCENARIO_FILES, ids=lambda path: path.stem)
def snapshot(request) -> Snapshot:
    return load_snapshot(request.param, roles_dir=ROLES_DIR)


def _words(text: str) -> int:
    return len(re.findall(r"\S+", text))


# --------------------------------------------------------------------------------------------- roles


def test_the_shipped_roles_are_these(roles):
    assert set(roles) == ROLE_IDS


def test_every_barrier_is_used_by_some_role(roles):
    used = {constraint.barrier for role in roles.values() for constraint in role.constraints}
    assert set(reference().barriers) - used == set()


@pytest.mark.parametrize("role_id", sorted(ROLE_IDS))
def test_role_card_is_complete(roles, role_id):
    role = roles[role_id]
    assert len(role.motivators) >= 3 and len(role.constraints) >= 3
    assert _words(role.summary) in ROLE_SUMMARY_WORDS
    assert re.search(r"\bYou\b", role.summary), "the briefing speaks to the participant"
    assert re.search(r"\b(we|We|our|us)\b", role.threshold.in_practice), (
        "the agency speaks for itself"
    )
    assert role.colour and role.gateways


@pytest.mark.parametrize(
    ("role_id", "gateway"),
    [
        ("police", "cda1998_s115"),
        ("adult_social_care", "care2014_s42"),
        ("gp", "dpa2018_sch1_18"),
        ("gp", "public_interest"),
        ("childrens_social_care", "ca1989_s47"),
        ("school", "ca2004_s11"),
    ],
)
def test_role_relies_on_its_own_gateways(roles, role_id, gateway):
    assert gateway in roles[role_id].gateways


# ----------------------------------------------------------------------------------------- scenarios


def test_scenarios_ship():
    assert {path.stem for path in SCENARIO_FILES} >= {"riverside-family"}


def test_scenario_passes_the_lint(snapshot):
    assert [str(warning) for warning in lint(snapshot)] == []


def test_scenario_counts(snapshot):
    scenario = snapshot.scenario
    assert len(scenario.facts) >= MIN_FACTS
    assert len(scenario.stages) in STAGES_BY_AUDIENCE[scenario.audience]
    assert len(scenario.roles) in ROLES_IN_PLAY
    held = {role: sum(fact.held_by == role for fact in scenario.facts) for role in scenario.roles}
    assert {role: count for role, count in held.items() if count < MIN_FACTS_PER_ROLE} == {}


def test_every_stage_is_playable(snapshot):
    for stage in snapshot.scenario.stages:
        assert stage.prompts, f"stage {stage.id} has no prompts"
        assert _words(stage.narrative) <= MAX_NARRATIVE_WORDS, (
            f"stage {stage.id} is too long to read aloud"
        )


def test_guidance_cites_gateways_for_the_audience(snapshot):
    gateways = reference().gateways
    audience = snapshot.scenario.audience
    wrong = {
        fact.id: fact.guidance.gateway
        for fact in snapshot.scenario.facts
        if fact.guidance.gateway and audience not in gateways[fact.guidance.gateway].audience
    }
    assert wrong == {}


def test_children_scenario_is_led_by_childrens_social_care():
    scenario = load_snapshot(SCENARIOS_DIR / "riverside-family.yaml", roles_dir=ROLES_DIR).scenario
    assert (scenario.audience, scenario.lead_role) == ("children", "childrens_social_care")


# ------------------------------------------------------------------------------------------- colours


def _lab(
    hex_colour: str, simulate: tuple[tuple[float, ...], ...] | None
) -> tuple[float, float, float]:
    """CIELAB of an sRGB colour, seen through a colour-vision-deficiency matrix (Machado 2009) if given."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    if simulate:
        rgb = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in simulate]
    r, g, b = rgb
    xyz = (
        0.4124 * r + 0.3576 * g + 0.1805 * b,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        0.0193 * r + 0.1192 * g + 0.9505 * b,
    )
    fx, fy, fz = (
        t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
        for t in (xyz[0] / 0.95047, xyz[1], xyz[2] / 1.08883)
    )
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


_VISION = {
    "typical": None,
    "deutan": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protan": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritan": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def test_role_colours_are_distinct_within_each_scenario(snapshot):
    colours = {role_id: role.colour for role_id, role in snapshot.roles.items()}
    too_close = [
        (a, b, vision)
        for (a, first), (b, second) in itertools.combinations(colours.items(), 2)
        for vision, matrix in _VISION.items()
        if sum((x - y) ** 2 for x, y in zip(_lab(first, matrix), _lab(second, matrix))) ** 0.5
        < MIN_COLOUR_DISTANCE
    ]
    assert too_close == []


# ------------------------------------------------------------------------------------------ the files


@pytest.mark.parametrize("path", yaml_files(ROLES_DIR) + SCENARIO_FILES, ids=lambda path: path.name)
def test_file_starts_with_its_schema_line(path):
    kind = path.parent.name.removesuffix("s")
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../schemas/{kind}.schema.json"


def test_library_doc_lists_every_shipped_file():
    """docs/library.md (pasted into the README) names every scenario and role that ships."""
    doc = (PROJECT / "docs" / "library.md").read_text(encoding="utf-8")
    missing = [
        path.stem
        for path in yaml_files(ROLES_DIR) + SCENARIO_FILES
        if f"| `{path.stem}` |" not in doc
    ]
    assert missing == []
