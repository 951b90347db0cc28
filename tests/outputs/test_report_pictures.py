"""A report's pictures are drawn only for the renderers that show them: Markdown shows each chart's
fallback table and never builds the chart (the jigsaw of a big workshop takes a second)."""

from __future__ import annotations

import pytest

from facilitation.analysis.debrief import analyse
from facilitation.outputs import charts, report

CHARTS = ("jigsaw_chart", "flow_chart", "barrier_chart")


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The names of the charts the report builds, in order."""
    names: list[str] = []
    for name in CHARTS:

        def draw(*args, _name=name, **kwargs):
            names.append(_name)
            return getattr(charts, _name)(*args, **kwargs)

        monkeypatch.setattr(report, name, draw)
    return names


def test_markdown_builds_no_chart(played, drawn):
    markdown = report.render_markdown(analyse(played))
    assert drawn == []
    assert "Who shared with whom" in markdown


def test_html_builds_each_chart_once_with_its_text_alternative(played, drawn):
    page = report.render_html(analyse(played))
    assert sorted(drawn) == sorted(CHARTS)
    description = charts.flow_chart(report.reported(analyse(played))).to_dict()["description"]
    assert description
    if "<svg" in page:  # vl-convert installed: the chart is named by its description
        assert f'aria-label="{report._e(description)}"' in page
