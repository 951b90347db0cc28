"""A fact's handling in the exports (`report.reported`, `analysis.projected`): the Markdown, HTML and JSON
show no per-fact count or verdict for a fact held by one person, the pooled figure where the small
holders form a safe pool, and the fact as before where its holder has three people. The rooms of
tests/analysis/test_privacy_facts."""

from __future__ import annotations

import html
import json
import re

import pytest

from facilitation.analysis import OTHER_AGENCIES, analyse
from facilitation.outputs import report
from tests.analysis.test_privacy import _room
from tests.analysis.test_privacy_facts import NAMED, SMALL_HOLDER_ALONE, SMALL_HOLDERS_SAFE

CALLOUT = "dv callout \u00b7 Police, stage 1 \u00b7 weight 3"
BRUISE = "bruise \u00b7 School, stage 1 \u00b7 weight 2"
POOLED = "pooled \u00b7 3 decisions: missed and over-shared"


def _texts(mini_snapshot, per_role) -> list[str]:
    """The Markdown and the HTML (as text) of the room's report."""
    analysis = analyse(_room(mini_snapshot, per_role))
    page = re.sub(r"<[^>]+>", "", report.render_html(analysis))
    return [report.render_markdown(analysis).replace("\\", ""), html.unescape(page)]


def _json(mini_snapshot, per_role) -> dict:
    room = _room(mini_snapshot, per_role)
    return json.loads(report.render_json(room, analyse(room)))["analysis"]


@pytest.mark.parametrize("doc", [0, 1], ids=["md", "html"])
def test_a_lone_holder_s_fact_shows_no_count_or_verdict(mini_snapshot, doc):
    text = _texts(mini_snapshot, SMALL_HOLDER_ALONE)[doc]
    assert CALLOUT in text and "Police were called" in text  # the fact itself stays
    after = text.split(CALLOUT, 1)[1]
    assert not after.startswith(" \u00b7 ")  # no "· 1 decision: missed"
    assert "What the room did with it is shown nowhere" in after.split("Police were called")[0]
    assert "1 decision:" not in text
    assert f"{BRUISE} \u00b7 3 decisions: over-shared" in text  # the three schools' own
    assert "pooled \u00b7" not in text  # one small holder alone: no safe pool
    assert "dv callout\u201d" not in text  # its myth citation (the officer's consent) left out


@pytest.mark.parametrize("doc", [0, 1], ids=["md", "html"])
def test_small_holders_in_a_safe_pool_show_only_the_pooled_figure(mini_snapshot, doc):
    text = _texts(mini_snapshot, SMALL_HOLDERS_SAFE)[doc]
    for title in (CALLOUT, BRUISE):
        assert title in text and not text.split(title, 1)[1].startswith(" \u00b7 ")
    assert text.count("shown only pooled with other agencies' facts (below)") == 2
    assert POOLED in text and "Summed over bruise, dv callout" in text


@pytest.mark.parametrize("doc", [0, 1], ids=["md", "html"])
def test_three_holders_show_the_fact_as_before(mini_snapshot, doc):
    text = _texts(mini_snapshot, NAMED)[doc]
    assert f"{CALLOUT} \u00b7 3 decisions: partly missed" in text
    assert "What the room did with it is shown" not in text and "pooled \u00b7" not in text


def test_the_summary_ranks_the_pool_as_one_fact_and_names_three_holders_myths(mini_snapshot):
    pooled = report.render_markdown(analyse(_room(mini_snapshot, SMALL_HOLDERS_SAFE)))
    summary = pooled.split("## Perspectives")[0].replace("\\", "")
    assert (
        "Facts held or passed on by agencies with fewer than 3 people deciding, pooled: not shared"
        in (summary)
    )
    assert "Every decision about a fact followed guidance" not in summary
    assert "Myths that surfaced" not in summary  # the officer's consent, on the call-out
    named = report.render_markdown(analyse(_room(mini_snapshot, NAMED))).split("## Perspectives")[0]
    assert "Myths that surfaced" in named and "Police (6)" in named
    assert "Saturday night\u201d (Police): not shared 3 times" in named


def test_the_json_keeps_a_lone_holder_s_handling_out(mini_snapshot):
    data = _json(mini_snapshot, SMALL_HOLDER_ALONE)
    assert [g["fact_id"] for g in data["guidance"]] == ["bruise"]
    assert all(g["fact_id"] == "bruise" for s in data["stages"] for g in s["guidance"])
    assert data["pooled_guidance"] == []
    assert "dv_callout" in {f["id"] for f in data["facts"]}
    assert all(m["fact_id"] != "dv_callout" for m in data["barriers"]["myths"])


def test_the_json_pools_small_holders_handling(mini_snapshot):
    data = _json(mini_snapshot, SMALL_HOLDERS_SAFE)
    assert data["guidance"] == []
    pooled = {g["stage_index"]: g for g in data["pooled_guidance"]}
    assert set(pooled) == {0, None}
    assert pooled[None]["fact_id"] == OTHER_AGENCIES and pooled[None]["decisions"] == 3
    assert pooled[None]["verdict"] == "missed and over-shared"


def test_the_json_names_three_holders_facts(mini_snapshot):
    data = _json(mini_snapshot, NAMED)
    assert [g["fact_id"] for g in data["guidance"]] == ["bruise", "dv_callout"]
    assert data["pooled_guidance"] == []
