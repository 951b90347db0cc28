"""`thin-referral` teaches what it says it teaches (issue #13): a Haringey-shaped case whose right answer is
mostly not to share, or not yet, until a child's own account arrives and must be shared at once.

Each test holds one teaching point to the scenario's data, so that an edit which quietly turns "not at
all, and record why" into a share (or the reverse) fails here with the point named.
"""

from __future__ import annotations

import pytest

from facilitation.content.library import load_snapshot
from facilitation.content.models import Fact, Snapshot
from facilitation.play import act_stages, whole_picture
from tests.paths import PROJECT

LEAD = "childrens_social_care"
PARTNERS_CHECKED = {"school", "gp", "health_visiting", "police"}


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(PROJECT / "scenarios" / "thin-referral.yaml", roles_dir=PROJECT / "roles")


def _fact(snapshot: Snapshot, fact_id: str) -> Fact:
    return snapshot.scenario.fact(fact_id)


def _stage(snapshot: Snapshot, stage_id: str) -> int:
    return [stage.id for stage in snapshot.scenario.stages].index(stage_id)


def test_the_anonymous_call_is_not_yet_anyones_business(snapshot):
    """Not yet: no partner is sent the allegations before Kelly is asked, and she is told."""
    guidance = _fact(snapshot, "anon_call").guidance
    assert guidance.recipients == ()
    assert PARTNERS_CHECKED - {"police"} <= set(guidance.avoid)
    assert guidance.consent == "seek_unless_unsafe"
    assert guidance.family == "yes"
    assert "Haringey" in guidance.why and "2024" in guidance.why


def test_checks_follow_the_parents_agreement_and_ask_only_the_question(snapshot):
    """The checks come after the call, from the lead, with Kelly's agreement, as a concern only."""
    fact = _fact(snapshot, "kelly_agrees")
    guidance = fact.guidance
    assert fact.held_by == LEAD
    assert snapshot.scenario.stage_of("kelly_agrees") > snapshot.scenario.stage_of("anon_call")
    assert set(guidance.recipients) == PARTNERS_CHECKED
    assert {guidance.detail_for(r) for r in guidance.recipients} == {"concern"}
    assert guidance.consent == "required" and {"agreed", "duty"} <= set(guidance.reasons or ())
    assert "early_help" in guidance.avoid, "Kelly asked that her old family support be left out"


@pytest.mark.parametrize("fact_id", ["gp_isla", "alfie_review", "dan_check", "eh_record"])
def test_an_answer_to_a_check_is_the_answer_not_the_record(snapshot, fact_id):
    guidance = _fact(snapshot, fact_id).guidance
    assert guidance.recipients == (LEAD,)
    assert guidance.detail_for(LEAD) == "concern"


def test_a_parents_historic_admission_is_not_shared_at_all(snapshot):
    """Kelly's nine-year-old drug use: nobody, the MASH expressly included; her early help words and
    Dan's old caution reach the MASH only as a concern."""
    history = _fact(snapshot, "kelly_history").guidance
    assert history.recipients == ()
    assert LEAD in history.avoid
    assert "record" in history.why.lower()
    for fact_id in ("eh_record", "dan_check"):
        assert _fact(snapshot, fact_id).guidance.detail_for(LEAD) == "concern"


def test_a_family_members_request_is_refused(snapshot):
    """The grandmother is told nothing (the MASH hears that she asked); the solicitor gets nothing but
    what a court orders."""
    grandma = _fact(snapshot, "grandma_call").guidance
    assert grandma.recipients == (LEAD,) and grandma.detail_for(LEAD) == "concern"
    solicitor = _fact(snapshot, "solicitor_request").guidance
    assert solicitor.recipients == ()
    assert "legal_order" in (solicitor.reasons or ())


def test_the_right_answer_is_mostly_not_to_share(snapshot):
    """Most facts go to nobody, or only as a concern to each recipient."""
    facts = snapshot.scenario.facts
    withheld = [fact.id for fact in facts if not fact.guidance.recipients]
    concern_only = [
        fact.id
        for fact in facts
        if fact.guidance.recipients
        and all(fact.guidance.detail_for(r) == "concern" for r in fact.guidance.recipients)
    ]
    assert len(withheld) >= 5
    assert len(withheld) + len(concern_only) > len(facts) / 2


def test_a_childs_own_account_is_shared_at_once_and_in_full(snapshot):
    """The lesson is proportion, not silence: Isla's words go to the MASH, in detail, without asking."""
    fact = _fact(snapshot, "isla_words")
    assert fact.guidance.recipients == (LEAD,)
    assert fact.guidance.detail_for(LEAD) == "detail"
    assert fact.guidance.consent == "not_required"
    assert fact.meets_level == snapshot.roles[LEAD].threshold.acts_at


def test_operation_encompass_reaches_the_school_as_a_concern(snapshot):
    guidance = _fact(snapshot, "gary_messages").guidance
    assert "daa2021_s49a" in guidance.gateways_for("school")
    assert guidance.detail_for("school") == "concern"
    assert guidance.detail_for(LEAD) == "detail"


def test_the_lead_cannot_act_on_the_anonymous_contacts_and_the_checks(snapshot):
    """Following guidance, the MASH reaches its threshold only once the first-hand account arrives,
    and the case never becomes child protection."""
    assert act_stages(snapshot, (), -1).possible == _stage(snapshot, "december")
    last = len(snapshot.scenario.stages) - 1
    assert whole_picture(snapshot, _stage(snapshot, "november")).level < 3
    assert whole_picture(snapshot, last).level < 4


def test_the_debrief_teaches_the_case_and_what_the_advice_says_now(snapshot):
    messages = " ".join(snapshot.scenario.debrief.key_messages)
    assert "Haringey" in messages and "2024" in messages
    assert "not to share" in messages or "decision not to share" in messages
    assert "English law and guidance as at December 2026" in " ".join(
        snapshot.scenario.summary.split()
    )


def test_operation_encompass_is_taught_as_the_statutory_timing(snapshot):
    """Domestic Abuse Act 2021 s49A: the school is told as soon as reasonably practicable; 'before the
    next school day' is the scheme's aim, never the duty."""
    guidance = _fact(snapshot, "gary_messages").guidance
    assert "daa2021_s49a" in guidance.gateways_for("school")
    for text in (guidance.route("school").note, guidance.why):
        assert "as soon as reasonably practicable" in text
        assert "aims for before the next school day" in text
