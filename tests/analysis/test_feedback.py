"""A participant's own feedback (`analysis.feedback`): gateways named by their titles, and the level of
need judged only as `play.verdicts.level_verdict` says (the lead's; another role's weighed level is
information)."""

from __future__ import annotations

from facilitation.analysis import analyse, feedback
from facilitation.play.records import Participant
from tests.fixtures.debrief import CSC, fact, record, submission

SCHOOL = [Participant(id=1, role_id="school", display_name="S")]


def _lines(found) -> list[str]:
    return [str(line) for f in found.facts for line in f.lines]


def test_a_gateway_guidance_does_not_give_is_named_by_its_title(mini_snapshot):
    # A workshop from before the practitioner reasons: the gateway given is s115, guidance gives s47.
    subs = [submission(1, "school", 0, [fact("bruise", (CSC,), "cda1998_s115")], 3, "refer")]
    played = record(mini_snapshot, SCHOOL, subs, 0)
    lines = _lines(feedback(played, analyse(played), 1, 0))
    assert (
        "\u26a0 Your reason for Children's SC (Crime and Disorder Act 1998 s115) is not the one "
        "guidance gives." in lines
    )
    assert not any("cda1998_s115" in line for line in lines)


def test_the_guidance_line_names_gateways_by_title(mini_snapshot):
    subs = [submission(1, "school", 0, [fact("bruise", (CSC,))], 3, "refer")]
    played = record(mini_snapshot, SCHOOL, subs, 0)
    (bruise,) = feedback(played, analyse(played), 1, 0).facts
    assert (
        "lawful basis: Children Act 1989 s47" in bruise.guidance
        and "ca1989_s47" not in bruise.guidance
    )


def test_a_role_other_than_the_lead_gets_information_not_a_verdict(mini_snapshot):
    # The school is not the lead (CSC is): its level 4 against a level-1 picture is information.
    subs = [submission(1, "school", 0, [fact("bruise", (CSC,))], 4, "refer")]
    played = record(mini_snapshot, SCHOOL, subs, 0)
    level = feedback(played, analyse(played), 1, 0).level
    assert (level.lead, level.said, level.verdict) == (False, 4, "information")


def test_the_lead_gets_a_verdict(mini_snapshot):
    people = [Participant(id=1, role_id=CSC, display_name="C")]
    subs = [submission(1, CSC, 0, [], 4, "refer")]
    played = record(mini_snapshot, people, subs, 0)
    level = feedback(played, analyse(played), 1, 0).level
    assert (level.lead, level.verdict) == (True, "above")


def _schools(mini_snapshot, n):
    """`n` school participants at stage 0, each sending the bruise to CSC, levels 2."""
    people = [Participant(id=i, role_id="school", display_name=f"S{i}") for i in range(1, n + 1)]
    subs = [
        submission(i, "school", 0, [fact("bruise", (CSC,))], 2, "refer") for i in range(1, n + 1)
    ]
    return record(mini_snapshot, people, subs, 0)


def test_two_colleagues_see_no_comparison(mini_snapshot):
    # With one colleague, "Everyone playing School (2)" minus one's own answer is the colleague's.
    played = _schools(mini_snapshot, 2)
    found = feedback(played, analyse(played), 1, 0)
    assert found.level.colleagues == ()
    assert all(f.colleagues == "" for f in found.facts)


def test_three_colleagues_see_the_comparison(mini_snapshot):
    played = _schools(mini_snapshot, 3)
    found = feedback(played, analyse(played), 1, 0)
    assert found.level.colleagues == (2, 2, 2)
    bruise = next(f for f in found.facts if f.fact_id == "bruise")
    assert bruise.colleagues.startswith("Everyone playing ") and "(3)" in bruise.colleagues
    assert "3 of 3" in bruise.colleagues
