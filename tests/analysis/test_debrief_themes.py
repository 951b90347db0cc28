"""The debrief's EASI-theme keys (perspectives, ladder, front door, layers of the law) agree with the
analysis functions that compute them, and follow the stages analysed."""

from __future__ import annotations

from facilitation.analysis import (
    analyse,
    front_door,
    law_layers,
    panel_fact,
    perspectives,
    threshold_ladder,
)


def test_the_themes_are_the_analysis_functions(played):
    analysis = analyse(played)
    snapshot = played.snapshot
    audience, lead = snapshot.scenario.audience, snapshot.scenario.lead_role
    assert analysis.perspectives == perspectives(snapshot.roles, audience, lead)
    assert analysis.ladder == threshold_ladder(snapshot.roles, audience)
    assert analysis.front_door == front_door(played)
    assert analysis.law_panel == law_layers(snapshot, panel_fact(snapshot), played)


def test_the_front_door_and_the_panel_stop_at_the_stage_analysed(played):
    analysis = analyse(played, through=0)
    assert analysis.front_door == front_door(played)[:1]
    fact_id = panel_fact(played.snapshot, 0)
    assert analysis.law_panel.fact_id == fact_id
    early = played.model_copy(
        update={"submissions": tuple(s for s in played.submissions if s.stage_index == 0)}
    )
    # The room's reasons as far as stage 1: a later stage's answers are not counted.
    assert analysis.law_panel == law_layers(played.snapshot, fact_id, early)


def test_before_any_reveal_there_is_no_front_door_or_panel(empty_workshop):
    analysis = analyse(empty_workshop)
    assert analysis.front_door == () and analysis.law_panel is None
    assert len(analysis.perspectives) == len(empty_workshop.snapshot.roles)
