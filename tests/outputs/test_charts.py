"""The charts read on a 1280 x 720 projector: properties of their Vega-Lite specs (no browser).

A bundled scenario with 9 agencies and 20 facts, played by simulated participants, is the room: the
whole-workshop jigsaw fits the width with its facts named by their short labels, slanted (the whole
fact in the tooltip and the key), the judgement spread keeps 9 agencies within ~500 px, and text of two lines is centred in its
cell."""

from __future__ import annotations

import math
import re

import pytest

from facilitation.analysis.debrief import Debrief, analyse
from facilitation.outputs import charts
from tests.analysis.test_debrief_pictures import simulated_record

PROJECTOR_PLOT_WIDTH = 900  # px of a 1280 px screen left for a chart's plot beside agency names
CODE = re.compile(r"S\d{1,2}\u00b7F\d{1,2}")  # the codes facts were once named by


@pytest.fixture(scope="module")
def room() -> Debrief:
    """The whole of a simulated riverside-family workshop: 9 agencies, 20 facts over 6 stages."""
    analysis = analyse(simulated_record("riverside-family", per_role=2, seed=3))
    assert (len(analysis.roles), len(analysis.facts)) == (9, 20)
    return analysis


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _marks(spec: dict, kind: str) -> list[dict]:
    return [layer for layer in _layers(spec) if layer["mark"]["type"] == kind]


def _data(spec: dict) -> list[dict]:
    """The rows a chart draws (Altair lifts the layers' common data to the top)."""
    data = (
        spec["data"]
        if "data" in spec
        else next(layer["data"] for layer in _layers(spec) if "data" in layer)
    )
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


# ------------------------------------------------------------------------------------------ jigsaw


def test_jigsaw_of_many_facts_fits_the_projector_width(room):
    spec = charts.jigsaw_chart(room).to_dict()
    assert spec["width"] <= PROJECTOR_PLOT_WIDTH
    x = _layers(spec)[0]["encoding"]["x"]
    assert x["field"] == "column" and x["axis"]["labelAngle"] == -45  # 20 columns of 44 px: slanted
    labels = x["sort"]
    assert len(labels) == 20 and len(set(labels)) == 20
    assert not any(CODE.search(label) for label in labels)
    assert labels[:4] == [
        "Mia's weight falling",
        "Tyler late and hungry",
        "Rent arrears",
        "Old closed contact",
    ]
    # each the trainer's label, or that label cut at a word to what a slanted heading holds
    for fact_id, label in zip(charts.fact_headings(room), labels, strict=True):
        whole = room.fact(fact_id).short_label
        assert label == whole or (label.endswith("\u2026") and whole.startswith(label[:-1]))
        assert len(label) * charts.FONT * charts._EM_AXIS <= charts._TURNED_ROOM
    assert x["axis"]["labelLimit"] > charts._TURNED_ROOM  # Vega cuts none of them again


def test_the_jigsaw_says_in_words_which_facts_it_shows(room):
    description = charts.jigsaw_chart(room).to_dict()["description"]
    assert "The facts: Mia's weight falling; Tyler late and hungry;" in description
    assert not CODE.search(description)


def test_fact_headings_are_told_apart_and_cut_at_a_word():
    assert charts._cut("Non-fatal strangulation", 12) == "Non-fatal\u2026"
    assert charts._cut("Bruised ear", 24) == "Bruised ear"
    assert len(charts._cut("Supercalifragilistic", 8)) == 8


def test_jigsaw_cells_too_narrow_for_their_label_say_it_in_brief(room):
    spec = charts.jigsaw_chart(room).to_dict()
    rows = _data(spec)
    assert {row["text"] for row in rows} <= {"\u25cf", "\u2014"} | {f"S{n}" for n in range(1, 7)}
    assert any(row["text"].startswith("S") for row in rows)  # something was received
    legend = _marks(spec, "rect")[0]["encoding"]["color"]["legend"]["labelExpr"]
    assert "S2: received at stage 2" in legend


def test_jigsaw_tooltip_carries_the_whole_fact(room):
    spec = charts.jigsaw_chart(room).to_dict()
    tooltip = {t["field"]: t.get("title") for t in _marks(spec, "rect")[0]["encoding"]["tooltip"]}
    assert {"fact", "fact_text", "from"} <= set(tooltip) and "code" not in tooltip
    texts = {row["fact"]: row["fact_text"] for row in _data(spec)}
    assert all(
        texts[fact.short_label] == fact.text for fact in room.facts
    )  # the full text, not cut


def test_fact_key_names_every_column(room):
    key = charts.fact_key_rows(room)
    headings = _layers(charts.jigsaw_chart(room).to_dict())[0]["encoding"]["x"]["sort"]
    assert [row["fact"] for row in key] == list(charts.fact_headings(room).values())
    assert all(h == row["fact"] or row["fact"].startswith(h[:-1]) for h, row in zip(headings, key))
    assert len(key) == len(room.facts)
    first = room.fact(room.stages[0].fact_ids[0])
    assert key[0] == {
        "fact": first.short_label,
        "stage": 1,
        "held by": room.short(first.held_by),
        "text": first.short,
    }


def test_a_stage_of_few_facts_keeps_its_full_cell_labels_and_names_its_facts(played):
    analysis = analyse(played)
    spec = charts.jigsaw_chart(analysis, 0).to_dict()
    rows = _data(spec)
    assert [row["text"] for row in rows] == [row["label"] for row in rows]
    assert any("\n" in row["text"] for row in rows)  # "from Police\nstage 1"
    x = _layers(spec)[0]["encoding"]["x"]
    assert (
        x["sort"] == ["bruise", "dv callout"] and x["axis"]["labelAngle"] == 0  # no label: the id
    )


@pytest.mark.parametrize("stage", [None, 0, 1, 2, 3, 4, 5])
def test_jigsaw_text_fits_its_column(room, stage):
    """Nothing spills over into the next column at 1280 px: cell text in bold 16 pt and level headings in
    18 pt, at 0.6 em a letter (the widest of "from Children's SC +1" and "S1·F4 old contact" measure so)."""
    spec = charts.jigsaw_chart(room, stage).to_dict()
    x = _layers(spec)[0]["encoding"]["x"]
    column = charts._PLOT_WIDTH // len(x["sort"])
    lines = (
        [line for row in _data(spec) for line in row["text"].split("\n")]
        if _marks(spec, "text")
        else []
    )
    assert max(map(len, lines), default=0) * charts.FONT * 0.6 <= column
    if x["axis"]["labelAngle"] == 0:
        assert max(map(len, x["sort"])) * charts.FONT * 0.6 <= column
    else:
        assert max(map(len, x["sort"])) * charts.FONT * charts._EM_AXIS <= charts._TURNED_ROOM


def test_jigsaw_of_hundreds_of_facts_still_fits_and_drops_cell_text():
    analysis = analyse(simulated_record("riverside-family", per_role=1, seed=5))
    wide = charts.jigsaw_chart(analysis).to_dict()
    assert _marks(wide, "text")  # 20 facts: cells carry text
    many = charts._column_width(200)
    assert many * 200 <= PROJECTOR_PLOT_WIDTH and many < charts._COMPACT_LABEL_WIDTH


# --------------------------------------------------------------------------------------- judgement


def test_judgement_spread_of_9_agencies_fits_the_projector(room):
    spec = charts.judgement_chart(room).to_dict()
    rows = len(room.roles)
    assert rows == 9
    # The plot, plus the title, the axis labels and its title, within the ~560 px a 720 px screen leaves.
    assert spec["height"] + (charts.FONT + 8) + charts.FONT + (charts.FONT + 2) + 40 <= 560
    row = spec["height"] / rows
    dots = _marks(spec, "circle")[0]["encoding"]["size"]["scale"]["range"]
    diamond = _marks(spec, "point")[0]["mark"]["size"]
    assert (
        2 * math.sqrt(max(dots) / math.pi) < math.sqrt(diamond) < row
    )  # circle inside diamond inside row
    assert (
        2 * math.sqrt(min(dots) / math.pi) >= charts.FONT
    )  # a count's digit fits its smallest circle
    assert all(layer["mark"]["fontSize"] >= charts.FONT for layer in _marks(spec, "text"))
    assert all(
        layer["mark"].get("dy", 0) == 0 for layer in _marks(spec, "text")
    )  # nothing into the next row


# ------------------------------------------------------------------------------------------- flows


def _centring(spec: dict, only: int) -> dict[int, float]:
    """Lines of text -> the vertical offset of its layer's first line, in lines (a layer without a
    line-count filter draws labels of `only` lines, the one count the data holds)."""
    found = {}
    for layer in _marks(spec, "text"):
        filters = [t["filter"] for t in layer.get("transform", []) if "filter" in t]
        lines = int(re.search(r"== (\d+)$", filters[0]).group(1)) if filters else only
        found[lines] = layer["mark"].get("dy", 0) / layer["mark"]["lineHeight"]
    return found


def test_flow_labels_of_two_lines_are_centred(room):
    spec = charts.flow_chart(room).to_dict()
    labels = {row["label"].count("\n") + 1 for row in _data(spec)}
    assert 2 in labels and labels <= {1, 2}  # "3\n2 facts" (and "0" where a pair shared nothing)
    # Vega draws line 1 at the centre and line 2 below: the block moves up by half a line per extra line.
    assert _centring(spec, only=max(labels)) == {n: -(n - 1) / 2 for n in labels}


def test_jigsaw_labels_of_two_lines_are_centred(played):
    spec = charts.jigsaw_chart(analyse(played), 0).to_dict()
    assert _centring(spec, only=1) == {1: 0, 2: -0.5}


def test_charts_keep_the_colour_blind_safe_palette(room):
    spec = charts.jigsaw_chart(room).to_dict()
    scale = _marks(spec, "rect")[0]["encoding"]["color"]["scale"]
    assert (
        scale["range"] == list(charts.STATE_COLOURS.values()) == ["#0072B2", "#E69F00", "#EEEEEE"]
    )


@pytest.mark.parametrize("stage", [None, 0])
def test_jigsaw_text_is_inked_apart_from_its_cell(room, stage):
    """Layers share their scales: text coloured through a second scale on "state" took the cells' colours
    and vanished into them. Each text carries its own ink, and no ink is its cell's colour."""
    spec = charts.jigsaw_chart(room, stage).to_dict()
    for layer in _marks(spec, "text"):
        assert layer["encoding"]["color"] == {"field": "ink", "scale": None, "type": "nominal"}
    rows = _data(spec)
    assert rows and all(row["ink"] != charts.STATE_COLOURS[row["state"]] for row in rows)
    assert {row["ink"] for row in rows if row["state"] == "own"} == {
        charts.STATE_TEXT_COLOURS["own"]
    }


@pytest.mark.parametrize(
    "make",
    [
        charts.jigsaw_chart,
        charts.flow_chart,
        charts.judgement_chart,
        charts.barrier_chart,
        charts.picture_share_chart,
    ],
)
def test_every_chart_says_what_it_shows_in_words(room, make):
    spec = make(room).to_dict()
    words = spec["description"]
    assert len(words) > 60 and "Vega" not in words
    named = charts.barrier_rows(room)[0]["barrier"] if make is charts.barrier_chart else None
    assert (named or room.short(room.roles[0].id)) in words  # it names what it shows, one by one
    assert charts.FONT >= 24  # legible from the back of a room


def test_the_barrier_chart_can_keep_to_the_most_cited(room):
    every = charts.barrier_rows(room)
    assert len(every) > 3
    words = charts.barrier_chart(room, limit=3).to_dict()["description"]
    assert all(row["barrier"] in words for row in every[:3])
    assert every[3]["barrier"] not in words
