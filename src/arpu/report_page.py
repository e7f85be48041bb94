"""The page of `arpu report`: plotly figures and HTML tables of mart
columns, in one file that needs no network.

plotly.js is inlined once, in <head>: its cartesian bundle (vendor/,
plotly.js-cartesian-dist-min 4.1.1 from npm, MIT; the plotly.js of the
plotly this project installs), 1.5 MB where the full bundle is 4.8 MB. It
draws scatter, bar, histogram and heatmap traces, all the page uses.
Every figure is a <div> and a call of Plotly.newPlot on its data. No metric is computed here: values are
formatted, and the only arithmetic is a sign for the waterfall's falls and
a difference of two consecutive months where a mart has no change column
(docs/report.md, "Where the numbers come from").

The panels are made in report_growth.py (headline, ARPA and ARPU,
segments, cohorts), report_trends.py (MRR and accounts, unit economics),
report_revenue.py (distribution, movements, mix, targets, alerts) and
report_retention.py (retention), of the blocks of report_blocks.py.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from arpu.report_blocks import CSS
from arpu.report_growth import arpa_arpu, build_line, cohorts, headline, segments
from arpu.report_marts import Marts
from arpu.report_output import GENERATOR
from arpu.report_retention import retention
from arpu.report_revenue import alerts, distribution, mix, movements, targets
from arpu.report_trends import trend, unit_economics

PLOTLY_JS = Path(__file__).parent / "vendor" / "plotly-cartesian.min.js"

NAV = (("headline", "Headline"), ("trend", "MRR & accounts"), ("arpa-arpu", "ARPA & ARPU"),
       ("segments", "Segments"), ("cohorts", "Cohorts"), ("distribution", "Distribution"),
       ("movements", "MRR movements"), ("mix", "Rate or mix"), ("retention", "Retention"),
       ("unit-economics", "Unit economics"), ("targets", "Targets"), ("alerts", "Alerts"))


def render(marts: Marts) -> str:
    """The whole page, as one string."""
    as_of = marts.build["as_of_date"]
    title = f"ARPU report as of {as_of}"
    nav = "".join(f'<a href="#{anchor}">{escape(label)}</a>' for anchor, label in NAV)
    sections = [
        headline(marts), trend(marts), arpa_arpu(marts), segments(marts), cohorts(marts),
        distribution(marts), movements(marts), mix(marts), retention(marts),
        unit_economics(marts), targets(marts), alerts(marts),
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # The marker by which the next run knows it may replace this file.
        f'<meta name="generator" content="{escape(GENERATOR)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        # The one copy of plotly.js: the page loads nothing from anywhere.
        f'<script type="text/javascript">{PLOTLY_JS.read_text(encoding="utf-8")}</script>',
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="build" id="build-info">{build_line(marts)}</p>',
        *([f'<p class="note" id="months-shown">{escape(marts.months_note)}</p>']
          if marts.months_note else []),
        f"<nav>{nav}</nav>",
        "</header>",
        "<main>",
        *sections,
        "</main>",
        "<footer>Made by <code>arpu report</code> from the marts of "
        f"{escape(str(marts.build['billing_data_dir']))}'s build. Every number is a mart "
        "column; definitions in docs/metrics.md, this page in docs/report.md. The page "
        "works offline: plotly.js is inside it.</footer>",
        "</body>",
        "</html>",
        "",
    ])
