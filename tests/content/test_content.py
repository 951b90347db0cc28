"""The shipped library (roles/, scenarios/): loads, passes the lint, meets the content brief (issue #3), and
cites the law as the reference data says it stands (issue #13): who may cite which gateway comes from each
gateway's `holders`, never from a hand-kept list here."""

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
    "memory_service",
    "hospital_safeguarding",
    "gp_adults",
}
STAGES_BY_AUDIENCE = {"children": range(5, 7), "adults": range(4, 7), "early_help": range(4, 7)}
ROLES_IN_PLAY = range(6, 10)
LABEL_MAX_CHARS = 24
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


def test_the_corrected_roles_ship(roles):
    assert ROLE_IDS <= set(roles)


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
        ("police", "daa2021_s49a"),
        ("police", "dpa2018_part3"),
        ("probation", "oma2007_s14"),
        ("adult_social_care", "care2014_s42"),
        ("gp", "dpa2018_sch1_18"),
        ("gp", "public_interest"),
        ("childrens_social_care", "ca1989_s47"),
        ("school", "ea2002_s175"),
        ("domestic_abuse_service", "ukgdpr_6_1_f"),
    ],
)
def test_role_relies_on_its_own_gateways(roles, role_id, gateway):
    assert gateway in roles[role_id].gateways


def test_every_role_names_its_agency(roles):
    assert [role_id for role_id, role in roles.items() if role.agency is None] == []


def test_roles_cite_only_gateways_their_agency_holds(roles):
    gateways = reference().gateways
    wrong = [
        (role_id, gateway)
        for role_id, role in roles.items()
        for gateway in role.gateways
        if not gateways[gateway].held_by(role.agency)
    ]
    assert wrong == []


def test_thresholds_differ_between_agencies(roles):
    assert len({role.threshold.acts_at for role in roles.values()}) >= 3


# ------------------------------------------------------------------------ the law in the reference data


@pytest.mark.parametrize(
    ("gateway", "holders"),
    [
        ("ca1989_s47", {"children_social_care"}),
        ("ca1989_s17", {"children_social_care", "early_help"}),
        ("care2014_s42", {"adult_social_care"}),
        ("daa2021_s49a", {"police"}),
        ("oma2007_s14", {"probation"}),
        ("ea2002_s175", {"school", "fe_college"}),
    ],
)
def test_duties_belong_to_the_body_that_holds_them(gateway, holders):
    assert set(reference().gateways[gateway].holders) == holders


@pytest.mark.parametrize("agency", ["school", "fe_college", "gp", "voluntary_sector"])
def test_section_11_does_not_bind_schools_colleges_gps_or_charities(agency):
    assert not reference().gateways["ca2004_s11"].held_by(agency)


def test_police_and_probation_have_part_3_and_charities_legitimate_interests():
    gateways = reference().gateways
    assert set(gateways["dpa2018_part3"].holders) >= {"police", "probation"}
    assert not gateways["ukgdpr_6_1_f"].held_by("children_social_care")
    assert gateways["ukgdpr_6_1_f"].held_by("domestic_abuse_service")


def test_every_reference_entry_names_its_source():
    ref = reference()
    entries = [*ref.gateways.values(), *ref.barriers.values(), *ref.reasons.values()]
    assert [entry.id for entry in entries if not entry.source] == []


def test_gateway_reasons_and_prefer_ids_exist():
    ref = reference()
    assert {r for g in ref.gateways.values() for r in g.reasons} <= set(ref.reasons)
    assert {p for g in ref.gateways.values() for p in g.prefer} <= set(ref.gateways)


def test_consent_barrier_is_a_myth_for_children_only():
    consent = reference().barriers["consent"]
    assert (
        consent.is_myth("children"),
        consent.is_myth("adults"),
        consent.is_myth("early_help"),
    ) == (
        True,
        False,
        False,
    )


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


def _cited(fact) -> set[str]:
    """Every gateway a fact's guidance cites: its own and each recipient's route."""
    guidance = fact.guidance
    return {
        *guidance.all_gateways,
        *(g for r in guidance.recipients for g in guidance.gateways_for(r)),
    }


def test_guidance_cites_gateways_for_the_audience(snapshot):
    gateways = reference().gateways
    audience = snapshot.scenario.audience
    wrong = {
        (fact.id, gateway)
        for fact in snapshot.scenario.facts
        for gateway in _cited(fact)
        if audience not in gateways[gateway].audience
    }
    assert wrong == set()


def test_guidance_cites_only_gateways_the_holder_holds(snapshot):
    """The holder shares, so every gateway its guidance cites must be one its agency holds."""
    gateways = reference().gateways
    wrong = {
        (fact.id, fact.held_by, gateway)
        for fact in snapshot.scenario.facts
        for gateway in _cited(fact)
        if not gateways[gateway].held_by(snapshot.roles[fact.held_by].agency)
    }
    assert wrong == set()


def test_every_fact_has_a_short_label(snapshot):
    assert [
        fact.id
        for fact in snapshot.scenario.facts
        if not fact.label or len(fact.label) > LABEL_MAX_CHARS
    ] == []


def test_some_fact_is_rightly_not_shared(snapshot):
    assert [fact.id for fact in snapshot.scenario.facts if not fact.guidance.recipients]


def test_summary_states_the_law_and_its_date(snapshot):
    assert "English law and guidance as at December 2026" in " ".join(
        snapshot.scenario.summary.split()
    )


def test_library_doc_states_the_law_and_its_date():
    doc = (PROJECT / "docs" / "library.md").read_text(encoding="utf-8")
    assert "English law and guidance as at December 2026" in doc


def test_children_scenario_is_led_by_childrens_social_care():
    scenario = load_snapshot(SCENARIOS_DIR / "riverside-family.yaml", roles_dir=ROLES_DIR).scenario
    assert (scenario.audience, scenario.lead_role) == ("children", "childrens_social_care")


def test_riverside_has_the_domestic_abuse_pathway():
    scenario = load_snapshot(SCENARIOS_DIR / "riverside-family.yaml", roles_dir=ROLES_DIR).scenario
    assert "domestic_abuse_service" in scenario.roles
    encompass = {
        (fact.id, recipient)
        for fact in scenario.facts
        for recipient in fact.guidance.recipients
        if "daa2021_s49a" in fact.guidance.gateways_for(recipient)
    }
    assert encompass and all(recipient == "school" for _, recipient in encompass)
    assert "invisible men" in " ".join(scenario.debrief.key_messages).lower()
    assert {fact.meets_level for fact in scenario.facts if fact.id == "strangulation"} == {4}


def test_hawthorn_has_a_capacitous_refusal_that_stands():
    scenario = load_snapshot(SCENARIOS_DIR / "hawthorn-court.yaml", roles_dir=ROLES_DIR).scenario
    standing = [
        fact.id
        for fact in scenario.facts
        if "capacitous_refusal" not in (fact.guidance.myths or ())
        and scenario.lead_role in fact.guidance.avoid
    ]
    assert standing


def test_early_help_scenario_has_contested_consent():
    scenario = load_snapshot(
        SCENARIOS_DIR / "millbrook-young-carer.yaml", roles_dir=ROLES_DIR
    ).scenario
    assert [fact.id for fact in scenario.facts if fact.guidance.consent == "contested"]


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


def test_library_doc_tables_every_fact_with_its_gateways(snapshot):
    """docs/library.md's fact-by-fact table stays current: each fact's row names every gateway it cites."""
    doc = (PROJECT / "docs" / "library.md").read_text(encoding="utf-8")
    section = doc.split(f"### `{snapshot.scenario.id}`:", 1)[-1].split("\n### ", 1)[0]
    stale = []
    for fact in snapshot.scenario.facts:
        rows = [line for line in section.splitlines() if line.startswith(f"| `{fact.id}` ")]
        if len(rows) != 1 or not all(gateway in rows[0] for gateway in _cited(fact)):
            stale.append(fact.id)
    assert stale == []
