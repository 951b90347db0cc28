"""Every export format parsed back and checked for the key figures of the hand-made workshop
(tests/fixtures/debrief.py); participant text stays inert; the charts are valid Vega-Lite."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pypdf
import pytest

from facilitation.analysis.debrief import analyse
from facilitation.outputs import charts, report
from tests.fixtures.debrief import CREATED, HOSTILE_NOTE, PEOPLE, played_submissions, record

KEY_FIGURES = (
    "TEST42",
    "2026-03-04",
    "The Test family",
    "Children's SC",
    "Share below the threshold",
    "1 stage late",
    "All agencies",  # 5 people in agencies of fewer than three: pooled (`report.reported`)
    "over-cautious",
    "Children Act 1989 s47",
    "Nobody submitted at this stage",
    "nobody played it",
)


class _Text(HTMLParser):
    """Collects an HTML page's text, its tags and any script."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _html(analysis) -> _Text:
    parser = _Text()
    parser.feed(report.render_html(analysis))
    parser.close()
    return parser


def _pdf_text(analysis) -> str:
    reader = pypdf.PdfReader(io.BytesIO(report.render_pdf(analysis)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture(scope="module")
def played_pdf_text(mini_snapshot) -> str:
    """The played workshop's PDF as text, rendered once for the module (a PDF takes most of a second)."""
    return _pdf_text(analyse(record(mini_snapshot, PEOPLE, played_submissions())))


# ------------------------------------------------------------------------------------ text reports


@pytest.mark.parametrize("figure", KEY_FIGURES)
def test_markdown_states_the_key_figures(played, figure):
    assert figure in report.render_markdown(analyse(played)).replace("\\", "")


@pytest.mark.parametrize("figure", KEY_FIGURES)
def test_html_states_the_key_figures(played, figure):
    assert figure in " ".join(_html(analyse(played)).text)


@pytest.mark.parametrize("figure", KEY_FIGURES)
def test_pdf_states_the_key_figures(played_pdf_text, figure):
    assert figure in played_pdf_text


def test_html_escapes_participant_text(played):
    page = report.render_html(analyse(played))
    assert "<script>" not in page and "&lt;script&gt;" in page
    parsed = _html(analyse(played))
    assert "script" not in parsed.tags and HOSTILE_NOTE in "".join(parsed.text)


def test_html_is_standalone(played):
    page = report.render_html(analyse(played))
    # The charts are inline SVG: its namespaces are the only addresses in the page.
    addresses = page.replace("http://evil", "")
    for namespace in (
        'xmlns="http://www.w3.org/2000/svg"',
        'xmlns:xlink="http://www.w3.org/1999/xlink"',
    ):
        addresses = addresses.replace(namespace, "")
    assert "<style>" in page and "http" not in addresses
    assert "<link" not in page and "<img" not in page and "<script" not in page
    assert (
        '<svg role="img" aria-label="Who knew what' in page
    )  # a picture with its text alternative


def test_markdown_escapes_participant_text(played):
    text = report.render_markdown(analyse(played))
    assert HOSTILE_NOTE not in text
    assert (
        "\\<script\\>" in text and "\\*shared\\*" in text and "\\[now\\]" in text and "\\|" in text
    )


@pytest.mark.parametrize("secret", ["Alice", "Bob Jones", "private: Sam's mum"])
@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
def test_no_names_and_no_private_notes(played, fmt, secret):
    assert secret not in report.render(fmt, played, analyse(played))


def test_pdf_falls_back_to_a_core_font(played, monkeypatch, tmp_path):
    monkeypatch.setattr(report, "DEJAVU", tmp_path)  # no fonts there
    text = _pdf_text(analyse(played))
    assert "Children's SC" in text and "TEST42" in text


def test_the_report_opens_with_a_one_page_summary(played):
    page = report.render_html(analyse(played))
    summary, detail = page.split('<div class="page-break"></div>', 1)
    # Two schools, two police officers, one CSC worker: every agency pooled, so the myths, each cited
    # on a fact that names its holder, are left out (tests/outputs/test_report_fact_privacy.py).
    for part in ("When the lead agency could act", "The three largest differences"):
        assert part in summary
    assert "All facts, every agency pooled: not shared" in summary
    assert "<svg" in summary and "The facts and what guidance says" in detail
    reader = pypdf.PdfReader(io.BytesIO(report.render_pdf(analyse(played))))
    first = reader.pages[0]
    assert "The three largest differences" in first.extract_text()
    assert first.mediabox.height > first.mediabox.width  # A4 portrait
    assert first.images  # the jigsaw as a picture


@pytest.fixture(scope="module")
def six_stage_pdf() -> pypdf.PdfReader:
    """riverside-family played through its six stages by two simulated participants per agency."""
    from tests.analysis.test_debrief_pictures import simulated_record

    played = simulated_record("riverside-family", per_role=2, seed=3)
    return pypdf.PdfReader(io.BytesIO(report.render_pdf(analyse(played))))


def test_a_six_stage_workshop_prints_in_about_a_dozen_pages(six_stage_pdf):
    pytest.importorskip("vl_convert")  # without it the charts are tables, and longer
    # 35 landscape pages, then 16 portrait before the perspectives, front door and layers were added.
    assert len(six_stage_pdf.pages) <= 13
    first = six_stage_pdf.pages[0]
    assert first.mediabox.height > first.mediabox.width  # A4 portrait throughout
    assert {(p.mediabox.width, p.mediabox.height) for p in six_stage_pdf.pages} == {
        (first.mediabox.width, first.mediabox.height)
    }


SECTIONS = (
    "Perspectives: the agencies side by side",
    "The threshold ladder",
    "The workshop in detail",
    "The cost of sharing at the front door",
    "The layers of the law",
    "What held people back",
    "Stage by stage",
    "Questions for discussion",
)


def test_a_six_stage_pdf_has_every_section_in_order(six_stage_pdf):
    pages = [" ".join((page.extract_text() or "").split()) for page in six_stage_pdf.pages]
    assert "The three largest differences" in pages[0] and "Perspectives" not in pages[0]
    assert pages[1].startswith("Perspectives: the agencies side by side")  # first after the summary
    text = " ".join(pages)
    places = [text.find(section) for section in SECTIONS]
    assert -1 not in places and places == sorted(places)
    assert text.rfind("How to read this report") > places[-1]  # the method closes the report


def test_without_vl_convert_the_charts_fall_back_to_tables(played, monkeypatch):
    monkeypatch.setattr(report, "_svg", lambda spec: None)
    monkeypatch.setattr(report, "_png", lambda spec: None)
    analysis = analyse(played)
    page = report.render_html(analysis)
    assert "<svg" not in page and "holds" in page  # the jigsaw as a table
    assert report.render_pdf(analysis).startswith(b"%PDF")


def test_the_empty_workshop_renders(empty_workshop):
    analysis = analyse(empty_workshop)
    for fmt in report.FORMATS:
        assert report.render(fmt, empty_workshop, analysis)
    assert "No stage has been revealed yet" in report.render_markdown(analysis)


# ------------------------------------------------------------------------------------------- CSV


def test_csv_rows_and_columns(played):
    rows = list(csv.DictReader(io.StringIO(report.render_csv(played))))
    assert tuple(rows[0]) == report.CSV_COLUMNS
    assert len(rows) == 19
    assert rows[0] == {
        "stage": "1",
        "stage_id": "first",
        "participant_id": "1",
        "participant": "School 1",
        "role": "school",
        "active": "yes",
        "fact": "bruise",
        "held_by": "school",
        "recipient": "childrens_social_care",
        "outcome": "as_guidance",
        "missed": "",
        "gateway": "ca1989_s47",
        "tell_family": "no",
        "barriers": "",
        "level": "2",
        "action": "refer",
        "confidence": "4",
        "reason": "",
        "basis": "right",  # a workshop from before the reasons: the gateway is judged
        "concern_only": "no",
        "carried": "no",
    }


@pytest.mark.parametrize(("through", "count"), [(None, 19), (0, 6), (1, 6)])
def test_csv_follows_the_stages_analysed(played, through, count):
    assert len(list(csv.DictReader(io.StringIO(report.render_csv(played, through))))) == count


def test_csv_counts_match_the_analysis(played):
    rows = list(csv.DictReader(io.StringIO(report.render_csv(played))))
    shares = [r for r in rows if r["recipient"]]
    assert len(shares) == analyse(played).counts.shares == 10
    assert sum(1 for r in shares if r["outcome"].startswith("over_")) == 1  # rent arrears to police
    assert (
        sum(1 for r in shares if r["basis"] == "unknown") == 4
    )  # no basis given: not over-sharing
    assert [r["participant"] for r in rows if r["active"] == "no"] == ["Police 2"]


# ------------------------------------------------------------------------------------------ JSON


def test_json_round_trip(played):
    document = json.loads(report.render_json(played, analyse(played)))
    analysis = document["analysis"]
    assert document["format"] == report.JSON_FORMAT
    assert (analysis["code"], analysis["created_at"], analysis["through"]) == ("TEST42", CREATED, 2)
    assert analysis["counts"]["shares"] == 10 and analysis["act"]["delay"] == 1
    # Five people in agencies of fewer than three: every per-role figure pooled (`report.reported`).
    assert [(b["role_id"], b["label"]) for b in analysis["role_behaviours"]] == [
        ("All agencies", "over-cautious")
    ]
    assert analysis["participant_behaviours"] == []
    assert [j["role_id"] for j in analysis["stages"][0]["judgements"]] == ["All agencies"]
    assert analysis["jigsaw"]["cells"][1] == {
        "role_id": "school",
        "fact_id": "dv_callout",
        "state": "received",
        "received": [{"from_role": "All agencies", "stage_index": 0}],
    }  # what the school knows stays; who told it (the lone police officer) is pooled
    assert len(document["decisions"]) == 19
    assert {p["label"] for p in analysis["participants"]} == {
        "School 1",
        "School 2",
        "Police 1",
        "Police 2",
        "Children's SC 1",
    }
    assert len(PEOPLE) == len(analysis["participants"])


# ---------------------------------------------------------------------------------------- charts


CHARTS = ["jigsaw_chart", "picture_share_chart", "flow_chart", "judgement_chart", "barrier_chart"]


@pytest.mark.parametrize("stage", [None, 0, 1, 2])
@pytest.mark.parametrize("name", CHARTS)
def test_charts_are_valid_vega_lite(played, name, stage):
    spec = getattr(charts, name)(analyse(played), stage).to_dict()  # validates against the schema
    assert spec["config"]["axis"]["labelFontSize"] >= charts.FONT


@pytest.mark.parametrize("name", CHARTS)
def test_charts_of_an_empty_workshop(empty_workshop, name):
    assert getattr(charts, name)(analyse(empty_workshop)).to_dict()


def test_chart_rows(played):
    analysis = analyse(played)
    jigsaw = charts.jigsaw_rows(analysis)
    assert jigsaw[1] == {
        "role": "School",
        "fact": "dv callout",
        "fact_text": analysis.fact("dv_callout").text,
        "state": "received",
        "label": "from Police\nstage 1",
        "from": "Police (stage 1)",
    }
    flows = {(r["sender"], r["recipient"]): r["shares"] for r in charts.flow_rows(analysis)}
    assert flows[("School", "Children's SC")] == 3 and len(flows) == 12
    # Once per agency left out (worked out in tests/analysis/test_debrief.py::test_counts).
    assert [r["count"] for r in charts.barrier_rows(analysis)] == [3, 3, 2, 2]
    assert charts.barrier_rows(analysis)[2]["barrier"] == "Legal fear (myth here)"
    assert (
        charts.barrier_rows(analysis)[2]["counted"] == "1 person, 1 decision, 2 agencies left out"
    )
    spread = [r for r in charts.judgement_rows(analysis, 0) if r["role"] == "School"]
    assert [(r["level"], r["count"], r["kind"]) for r in spread] == [
        (1, 1, "chosen by participants"),
        (2, 1, "chosen by participants"),
        (1, 0, "supported by the picture"),
    ]


def test_chart_colours_are_the_roles_own(played):
    rows = charts.picture_share_rows(analyse(played))
    assert [r["colour"] for r in rows] == ["#0072b2", "#d55e00", "#009e73", "#cc79a7"]


# ------------------------------------------------------------------------------- the EASI themes


def test_every_document_carries_the_perspectives_front_door_and_layers(played):
    analysis = analyse(played)
    lead = analysis.short(analysis.lead_role)
    documents = {
        "md": report.render_markdown(analysis).replace("\\", ""),
        "html": " ".join(_html(analysis).text),
        "pdf": _pdf_text(analysis),
    }
    for fmt, text in documents.items():
        for view in analysis.perspectives:
            assert view.name in text, (fmt, view.name)
        for heading in (
            "Perspectives: the agencies side by side",
            f"The cost of sharing at the front door ({lead})",
            f"The layers of the law: \u201c{analysis.law_panel.fact_label}\u201d",
            "Law Com No 351, 2014",
        ):
            assert heading in text, (fmt, heading)


def test_the_perspectives_come_before_the_detail(played):
    page = report.render_html(analyse(played))
    summary, rest = page.split('<div class="page-break"></div>', 1)
    assert "Perspectives" not in summary
    assert rest.index("Perspectives: the agencies side by side") < rest.index(
        "The workshop in detail"
    )


def test_the_front_door_table_states_each_stage(played):
    analysis = analyse(played)
    markdown = report.render_markdown(analysis)
    for stage in analysis.front_door:
        row = (
            f"| {stage.stage_index + 1}. {stage.stage_title} | {stage.shares} | {stage.facts} | "
            f"{stage.expected} | {stage.unneeded} | {stage.expected_in_play} |"
        )
        assert row in markdown.replace("\\", "")
    assert sum(stage.shares for stage in analysis.front_door) > 0


def test_the_json_carries_the_new_keys(played):
    analysis = analyse(played)
    document = json.loads(report.render_json(played, analysis))["analysis"]
    assert [p["role_id"] for p in document["perspectives"]] == [
        p.role_id for p in analysis.perspectives
    ]
    assert [p["is_lead"] for p in document["perspectives"]].count(True) == 1
    assert [r["number"] for r in document["ladder"]] == [4, 3, 2, 1]
    assert [s["shares"] for s in document["front_door"]] == [s.shares for s in analysis.front_door]
    assert document["law_panel"]["fact_id"] == analysis.law_panel.fact_id
    assert [row["layer"] for row in document["law_panel"]["rows"]] == [
        "power_duty",
        "data_protection",
        "special_category",
        "law_enforcement",
        "confidentiality",
        "human_rights",
    ]


def test_a_new_section_is_one_line(played, monkeypatch):
    def who_leads(analysis):
        return [report._Heading(2, "Who leads? (a section added in one line)")]

    monkeypatch.setattr(report, "DETAIL_SECTIONS", (*report.DETAIL_SECTIONS, who_leads))
    analysis = analyse(played)
    assert "## Who leads? (a section added in one line)" in report.render_markdown(analysis)
    assert "Who leads? (a section added in one line)" in report.render_html(analysis)


def test_an_empty_workshop_has_perspectives_but_no_front_door(empty_workshop):
    analysis = analyse(empty_workshop)
    markdown = report.render_markdown(analysis)
    assert analysis.front_door == () and analysis.law_panel is None
    assert "Perspectives: the agencies side by side" in markdown
    assert "front door" not in markdown and "layers of the law" not in markdown


def test_the_rooms_activities_in_every_document_and_none_when_not_run(played):
    from facilitation.analysis import ROOM_HEADING, room_activities
    from facilitation.play import (
        ActivitiesRecord,
        Activity,
        BarrierAnswer,
        BarrierEntry,
        LeadAnswer,
        LeadEntry,
    )

    brought = ActivitiesRecord(
        activities=(
            Activity(kind="barriers", state="closed"),
            Activity(kind="who_leads", stage_index=0, state="closed"),
        ),
        barriers=tuple(
            BarrierEntry(
                participant_id=n,
                answer=BarrierAnswer(barriers=("consent",), line=f"<b>Line {n}</b>"),
                approved=n == 1,
            )
            for n in (1, 2, 3)
        ),
        leads=tuple(
            LeadEntry(participant_id=n, stage_index=0, answer=LeadAnswer(lead="police"))
            for n in (1, 2, 3)
        ),
    )
    analysis = analyse(played)
    room = room_activities(played, brought, analysis)
    markdown = report.render_markdown(analysis, room=room)
    assert f"## {ROOM_HEADING}" in markdown
    assert "Waiting for consent" in markdown and "a myth" in markdown
    assert "Most of the room (3 of 3) named Police; guidance names" in markdown
    assert "Line 1" in markdown and "Line 2" not in markdown  # approved lines only
    page = report.render_html(analysis, room=room)
    assert "&lt;b&gt;Line 1&lt;/b&gt;" in page and "<b>Line 1" not in page
    assert report.render_pdf(analysis, room=room)[:4] == b"%PDF"
    nothing = room_activities(played, ActivitiesRecord(), analysis)
    assert ROOM_HEADING not in report.render_markdown(analysis, room=nothing)
    assert ROOM_HEADING not in report.render_markdown(analysis)
