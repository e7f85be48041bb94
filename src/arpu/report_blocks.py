"""What every panel of `arpu report`'s page is made of: the page's fonts,
colours, styles and plotly settings, the formatting of plotted and printed
values, and the chart, section and table blocks."""

from __future__ import annotations

import datetime as dt
from html import escape

import plotly.graph_objects as go

from arpu.text import money

# System fonts only: a web font would be a download.
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
TEMPLATE = "plotly_white"
# No logo link, no cloud button: the modebar only zooms, pans and saves a PNG.
PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"filename": "arpu-report"},
}
BLUE, ORANGE, GREEN, RED, GRAY, PURPLE, BLACK = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#b8bec6", "#9467bd", "#222222",
)
METRICS_DOC = "docs/metrics.md"
# Above this many cohorts the heatmap's cells are too small for their percentages.
MAX_LABELLED_COHORTS = 30

CSS = """
:root { color-scheme: light; }
body { font-family: %(font)s; margin: 0; color: #1f2328; background: #f4f5f7; }
header, main, footer { max-width: 1360px; margin: 0 auto; padding: 0 20px; }
header h1 { margin: 20px 0 4px; font-size: 1.7em; }
.build { color: #57606a; margin: 0 0 8px; font-size: 0.92em; }
nav { font-size: 0.92em; margin: 8px 0 0; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
section { background: #fff; border: 1px solid #dfe2e6; border-radius: 8px;
          padding: 14px 20px 18px; margin: 16px 0; }
section h2 { margin: 0 0 4px; font-size: 1.25em; }
.caption { color: #57606a; margin: 0 0 10px; max-width: 1100px; line-height: 1.45; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; }
.kpi { border: 1px solid #dfe2e6; border-radius: 6px; padding: 10px 14px; }
.kpi-label { color: #57606a; font-size: 0.9em; }
.kpi-value { font-size: 1.9em; font-weight: 600; font-variant-numeric: tabular-nums;
             margin: 2px 0; }
.kpi-change { font-variant-numeric: tabular-nums; }
.kpi-detail { color: #57606a; font-size: 0.82em; margin-top: 3px; }
.kpi[title] { cursor: help; }
.up { color: #1a7f37; } .down { color: #cf222e; } .flat { color: #57606a; }
.note { background: #fff8e1; border-left: 4px solid #e3a600; padding: 8px 12px; margin: 10px 0 0; }
.empty { background: #f6f8fa; border: 1px dashed #c9d1d9; padding: 12px 16px; }
table { border-collapse: collapse; font-size: 0.92em; margin: 6px 0; }
th, td { padding: 4px 12px 4px 0; border-bottom: 1px solid #eaeef2; text-align: left; }
th { color: #57606a; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
            font-size: 0.9em; }
pre { background: #f6f8fa; padding: 8px 12px; display: inline-block; margin: 6px 0; }
footer { color: #57606a; font-size: 0.85em; padding-bottom: 24px; }
""" % {"font": FONT}



# --- formatting -------------------------------------------------------------


def num(value) -> float | None:
    """A plotted value: plotly wants floats, the marts give exact decimals."""
    return None if value is None else float(value)


def signed_money(value) -> str:
    return ("+" if value > 0 else "") + money(value)


def share(value) -> str:
    """A ratio as an unsigned percentage with one place: 0.952 is 95.2%."""
    return "-" if value is None else f"{float(value) * 100:.1f}%"


def signed_count(value: int) -> str:
    return f"{value:+,}"


def accounts(count: int) -> str:
    return f"{count:,} account{'' if count == 1 else 's'}"


def direction(value) -> str:
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


def section_ref(*numbers: int) -> str:
    sections = ", ".join(str(number) for number in numbers)
    return f"{METRICS_DOC} section{'s' if len(numbers) > 1 else ''} {sections}"


# --- building blocks --------------------------------------------------------


def chart(figure: go.Figure, chart_id: str, height: int) -> str:
    figure.update_layout(
        template=TEMPLATE,
        height=height,
        font={"family": FONT, "size": 13},
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        hoverlabel={"font": {"family": FONT}},
    )
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=chart_id,
        config=PLOT_CONFIG,
        default_height=f"{height}px",
    )


def card(key: str, label: str, value: str, change: str, change_value, detail: str,
          source: str, coloured: bool = True) -> str:
    """A headline card: a human label, value, change (coloured by
    change_value's sign unless `coloured` is false), detail; the mart
    columns it reads are its tooltip."""
    tone = direction(change_value) if coloured else "flat"
    return (
        f'<div class="kpi" title="{escape(f"Read from {source}")}" id="kpi-{key}">'
        f'<div class="kpi-label">{escape(label)}</div>'
        f'<div class="kpi-value">{escape(value)}</div>'
        f'<div class="kpi-change {tone}">{escape(change)}</div>'
        f'<div class="kpi-detail">{escape(detail)}</div>'
        "</div>"
    )


def month_axes(figure: go.Figure, marts, subplots: bool = False) -> None:
    """The time axes of a chart of months: a tick per month when a year or
    less is shown (no weekly ticks on a short history), and the as-of
    month, when partial, on a shaded band labelled so: its values are a
    snapshot on the as-of date, not a whole month's."""
    if len(marts.monthly) <= 13:
        figure.update_xaxes(dtick="M1", tickformat="%b %Y")
    else:
        figure.update_xaxes(tickformat="%b %Y")
    if not marts.build["is_as_of_month_partial"]:
        return
    month = marts.as_of_month["month"]
    figure.add_vrect(
        x0=month - dt.timedelta(days=15), x1=month + dt.timedelta(days=15),
        fillcolor="#ffe08a", opacity=0.35, layer="below", line_width=0,
        annotation_text="partial", annotation_position="top left",
        annotation_font={"size": 11, "color": "#8a6d00"},
        **({"row": "all", "col": "all"} if subplots else {}))


def count_ticks(values) -> dict:
    """Axis settings for counts: whole-number ticks, at most six of them
    (plotly would put 0.5 between 0 and 1 on a short range)."""
    top = max((abs(value) for value in values if value is not None), default=1) or 1
    step = 1
    while top / step > 6:
        # 1, 2, 5, 10, 20, 50, ...
        step *= 2.5 if str(step).startswith("2") else 2
    return {"tickformat": ",d", "tick0": 0, "dtick": int(step)}


def section(anchor: str, title: str, caption: str, body: str) -> str:
    """caption is HTML; callers escape what they put in it."""
    return (f'<section id="{anchor}">\n<h2>{escape(title)}</h2>\n'
            f'<p class="caption">{caption}</p>\n{body}\n</section>')


def empty(text: str) -> str:
    return f'<p class="empty">{text}</p>'


def html_table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """rows are HTML cells (escaped by the caller)."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{cell}</td>' if index in numeric else f"<td>{cell}</td>"
            for index, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
