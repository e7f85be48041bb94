"""The page of `arpu report`: plotly figures and HTML tables of mart
columns, in one file that needs no network.

plotly.js is inlined once, in <head>; every figure is a <div> and a call
of Plotly.newPlot on its data. No metric is computed here: values are
formatted, and the only arithmetic is a sign for the waterfall's falls and
a difference of two consecutive months where a mart has no change column
(docs/report.md, "Where the numbers come from").
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from html import escape

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from arpu.project import segment_types
from arpu.report import Marts, Target
from arpu.report_output import GENERATOR
from arpu.runner import project_dir
from arpu.summary import _money, _percent

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
.kpi-detail, .kpi-source { color: #57606a; font-size: 0.82em; margin-top: 3px; }
.kpi-source { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
              overflow-wrap: break-word; }
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


def _num(value) -> float | None:
    """A plotted value: plotly wants floats, the marts give exact decimals."""
    return None if value is None else float(value)


def _signed_money(value) -> str:
    return ("+" if value > 0 else "") + _money(value)


def _signed_count(value: int) -> str:
    return f"{value:+,}"


def _accounts(count: int) -> str:
    return f"{count:,} account{'' if count == 1 else 's'}"


def _direction(value) -> str:
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


def _section_ref(*numbers: int) -> str:
    sections = ", ".join(str(number) for number in numbers)
    return f"{METRICS_DOC} section{'s' if len(numbers) > 1 else ''} {sections}"


# --- building blocks --------------------------------------------------------


def _chart(figure: go.Figure, chart_id: str, height: int) -> str:
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


def _section(anchor: str, title: str, caption: str, body: str) -> str:
    """caption is HTML; callers escape what they put in it."""
    return (f'<section id="{anchor}">\n<h2>{escape(title)}</h2>\n'
            f'<p class="caption">{caption}</p>\n{body}\n</section>')


def _empty(text: str) -> str:
    return f'<p class="empty">{text}</p>'


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
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


# --- 1. headline ------------------------------------------------------------


def _card(key: str, label: str, value: str, change: str, change_value, detail: str,
          source: str) -> str:
    return (
        f'<div class="kpi" id="kpi-{key}">'
        f'<div class="kpi-label">{escape(label)}</div>'
        f'<div class="kpi-value">{escape(value)}</div>'
        f'<div class="kpi-change {_direction(change_value)}">{escape(change)}</div>'
        f'<div class="kpi-detail">{escape(detail)}</div>'
        # Break long column names after their table's name, not mid-word.
        f'<div class="kpi-source">{escape(source).replace(".", ".<wbr>")}</div>'
        "</div>"
    )


def _headline(marts: Marts) -> str:
    month, previous = marts.as_of_month, marts.previous_month
    currency = marts.build["reporting_currency"] or ""
    bridge = {row["month"]: row for row in marts.bridge}
    movements = marts.movements or {}
    if previous is None:
        mrr_change = arr_change = accounts_change = None
        vs = "first month reported: no change to show"
    else:
        mrr_change = bridge[month["month"]]["mrr_change"] if month["month"] in bridge else None
        arr_change = month["arr"] - previous["arr"]
        accounts_change = month["paying_accounts"] - previous["paying_accounts"]
        vs = f"vs {previous['month']:%B %Y}"

    def change(value, text: str) -> str:
        if previous is None:
            return vs
        if value is None:
            return f"no change: nobody paid in {previous['month']:%B %Y} or {month['month']:%B %Y}"
        return f"{text} {vs}"

    cards = [
        _card("mrr", f"MRR ({currency})", _money(month["mrr"]),
              change(mrr_change, _signed_money(mrr_change) if mrr_change is not None else ""),
              mrr_change, "monthly recurring revenue at the snapshot",
              "mart_arpu_monthly.mrr, mart_mrr_bridge.mrr_change"),
        _card("arr", f"ARR ({currency})", _money(month["arr"]),
              change(arr_change, _signed_money(arr_change) if arr_change is not None else ""),
              arr_change, "12 x MRR",
              "mart_arpu_monthly.arr (change: this month's less last month's)"),
        _card("arpa", f"ARPA ({currency})", _money(month["arpa"]),
              change(month["arpa_mom_change"],
                     _percent(month["arpa_mom_change"])
                     if month["arpa_mom_change"] is not None else ""),
              month["arpa_mom_change"],
              f"MRR per paying account; median {_money(month['arpa_median'])}",
              "mart_arpu_monthly.arpa, arpa_mom_change"),
        _card("arpu", f"ARPU ({currency})", _money(month["arpu"]),
              change(month["arpu_mom_change"],
                     _percent(month["arpu_mom_change"])
                     if month["arpu_mom_change"] is not None else ""),
              month["arpu_mom_change"],
              f"MRR per paying user; {month['paying_users']:,} paying users",
              "mart_arpu_monthly.arpu, arpu_mom_change"),
        _card("accounts", "Paying accounts", f"{month['paying_accounts']:,}",
              change(accounts_change,
                     _signed_count(accounts_change) if accounts_change is not None else ""),
              accounts_change,
              f"{movements.get('new_accounts', 0):,} new, "
              f"{movements.get('reactivated_accounts', 0):,} reactivated, "
              f"{movements.get('churned_accounts', 0):,} churned",
              "mart_arpu_monthly.paying_accounts, mart_mrr_movements"),
    ]
    body = f'<div class="kpis">{"".join(cards)}</div>'
    note = _partial_note(marts)
    if note:
        body += f'\n<p class="note" id="partial-month">{note}</p>'
    caption = (
        f"The as-of month, {month['month']:%B %Y}, against the month before. MRR is the sum "
        "of the paying accounts' recurring lines at the month's snapshot; ARPA = MRR / paying "
        "accounts, ARPU = MRR / paying users; ARPA and ARPU changes are "
        f"<code>value / value a month earlier - 1</code> ({_section_ref(3, 7, 13)})."
    )
    return _section("headline", f"Headline: {month['month']:%B %Y}", caption, body)


def _partial_note(marts: Marts) -> str | None:
    """The as-of month is partial when the as-of date is before its last day."""
    as_of: dt.date | None = marts.build["as_of_date"]
    if as_of is None:
        return None
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    if as_of.day == last_day:
        return None
    return escape(
        f"{as_of:%B %Y} is a partial month: the as-of date is {as_of.isoformat()}, so its MRR "
        "and counts are a snapshot on that day, not at the month's end, and accounts that "
        "renew later in the month are not counted yet (docs/metrics.md section 3)."
    )


def _build_line(marts: Marts) -> str:
    build = marts.build
    parts = [
        f"As of {build['as_of_date']}",
        f"{build['months_reported']} months reported ({build['first_month']:%Y-%m} to "
        f"{build['last_month']:%Y-%m})",
        f"reporting currency {build['reporting_currency']}",
        f"built {build['built_at']:%Y-%m-%d %H:%M:%S} UTC by arpu "
        f"{build['project_version'] or '(unknown version)'} with dbt {build['dbt_version']}",
        f"from {build['billing_data_dir']} ({build['invoice_lines']:,} invoice lines; "
        "rows rejected as bad input are in table rejected_rows)",
    ]
    return escape(" · ".join(parts))


# --- 2. ARPA and ARPU over time ----------------------------------------------


def _arpa_arpu(marts: Marts) -> str:
    months = [row["month"] for row in marts.monthly]
    figure = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.08,
        subplot_titles=("ARPA: MRR per paying account", "ARPU: MRR per paying user"),
    )
    for column, (blended, new, name) in enumerate(
        (("arpa", "new_arpa", "ARPA"), ("arpu", "new_arpu", "ARPU")), start=1
    ):
        figure.add_trace(go.Scatter(
            x=months, y=[_num(row[blended]) for row in marts.monthly],
            name=f"{name}, all paying accounts", mode="lines+markers",
            line={"color": BLUE if column == 1 else PURPLE, "width": 3},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:,.2f}}<extra></extra>",
        ), row=1, col=column)
        figure.add_trace(go.Scatter(
            x=months, y=[_num(row[new]) for row in marts.monthly],
            name=f"{name} of new accounts", mode="lines+markers",
            line={"color": ORANGE if column == 1 else GREEN, "width": 1.5, "dash": "dot"},
            hovertemplate=f"%{{x|%Y-%m}}: new-account {name} %{{y:,.2f}}<extra></extra>",
        ), row=1, col=column)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero")
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    caption = (
        "Blended ARPA and ARPU per month (<code>mart_arpu_monthly.arpa</code>, "
        "<code>arpu</code>), and the same ratios over the accounts in their first paying month "
        f"(<code>new_arpa</code>, <code>new_arpu</code>; {_section_ref(7)}). New accounts "
        "paying less than the base pull the blend down over time."
    )
    return _section("arpa-arpu", "ARPA and ARPU per month", caption,
                    _chart(figure, "chart-arpa-arpu", 460))


# --- 3. segments --------------------------------------------------------------


def _ranked(rows: list[dict], minimum: int) -> tuple[list[dict], bool]:
    """The as-of month's segments by ARPA, highest first, among those with
    at least `minimum` paying accounts (all of them when none has)."""
    large = [row for row in rows if row["paying_accounts"] >= minimum]
    chosen = large or rows
    return (sorted(chosen, key=lambda row: (-row["arpa"], row["segment_value"])),
            bool(large))


def _segments(marts: Marts) -> str:
    as_of_month = marts.as_of_month["month"]
    months = [row["month"] for row in marts.monthly]
    by_type: dict[str, dict[str, dict[dt.date, dict]]] = {}
    for row in marts.segments:
        by_type.setdefault(row["segment_type"], {}).setdefault(
            row["segment_value"], {})[row["month"]] = row
    types = [name for name in segment_types(project_dir()) if name in by_type]
    if not types:
        return _section("segments", "ARPA by segment", "", _empty("mart_arpu_by_segment is empty."))

    callouts, titles, highlight = [], [], {}
    for segment_type in types:
        current = [values[as_of_month] for values in by_type[segment_type].values()
                   if as_of_month in values]
        if not current:
            titles.append(f"{segment_type}: nobody pays in {as_of_month:%Y-%m}")
            continue
        ranked, large = _ranked(current, marts.min_segment_accounts)
        top, bottom = ranked[0], ranked[-1]
        highlight[segment_type] = (top["segment_value"], bottom["segment_value"])
        if len(ranked) == 1:
            titles.append(f"<b>{escape(segment_type)}</b>: only {escape(top['segment_value'])}")
        else:
            titles.append(f"<b>{escape(segment_type)}</b>: top {escape(top['segment_value'])}, "
                          f"bottom {escape(bottom['segment_value'])}")
        counted = f"{len(current):,}"
        if not large:
            counted += f" (none has {marts.min_segment_accounts:,} accounts: all ranked)"
        callouts.append([
            f"<code>{escape(segment_type)}</code>",
            f"{escape(top['segment_value'])} <span class=\"up\">{_money(top['arpa'])}</span> "
            f"({_accounts(top['paying_accounts'])})",
            f"{escape(bottom['segment_value'])} <span class=\"down\">{_money(bottom['arpa'])}"
            f"</span> ({_accounts(bottom['paying_accounts'])})",
            counted,
        ])

    rows = (len(types) + 1) // 2
    figure = make_subplots(rows=rows, cols=2, subplot_titles=titles, shared_xaxes=True,
                           vertical_spacing=0.32 / rows, horizontal_spacing=0.07)
    for index, segment_type in enumerate(types):
        top, bottom = highlight.get(segment_type, (None, None))
        # The rest first, so the highlighted lines are drawn on top.
        values = sorted(by_type[segment_type],
                        key=lambda value: (value in (top, bottom), value == top))
        for value in values:
            series = by_type[segment_type][value]
            colour, width = ((GREEN, 3) if value == top else (RED, 3) if value == bottom
                             else (GRAY, 1.2))
            figure.add_trace(go.Scatter(
                x=months, y=[_num(series[m]["arpa"]) if m in series else None for m in months],
                mode="lines", name=value, showlegend=False, connectgaps=False,
                line={"color": colour, "width": width},
                customdata=[series[m]["paying_accounts"] if m in series else None for m in months],
                hovertemplate=(f"<b>{escape(segment_type)} = {escape(value)}</b><br>"
                               "%{x|%Y-%m}: ARPA %{y:,.2f}, %{customdata:,} accounts"
                               "<extra></extra>"),
            ), row=index // 2 + 1, col=index % 2 + 1)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero")
    figure.update_annotations(font_size=13)
    caption = (
        f"ARPA per segment value and month (<code>mart_arpu_by_segment.arpa</code>, "
        f"{_section_ref(8)}), one panel per segment type. "
        f"<span class=\"up\">Green</span>: the highest ARPA in {as_of_month:%B %Y}; "
        f"<span class=\"down\">red</span>: the lowest, among segments with at least "
        f"{marts.min_segment_accounts:,} paying accounts (the alerts' bar, dbt var "
        "<code>min_segment_accounts</code>); grey: the others. Hover for a value."
    )
    table = _table(["Segment type", f"Highest ARPA in {as_of_month:%Y-%m}",
                    "Lowest ARPA", "Segments paying"], callouts, numeric={3})
    return _section("segments", "ARPA by segment", caption,
                    _chart(figure, "chart-segments", 260 * rows + 80) + table)


# --- 4. cohorts -----------------------------------------------------------------


def _cohort_curves(marts: Marts) -> str:
    cohorts: dict[dt.date, list[dict]] = {}
    for row in marts.cohorts:
        cohorts.setdefault(row["cohort_month"], []).append(row)
    colours = sample_colorscale("Viridis", [
        index / max(len(cohorts) - 1, 1) for index in range(len(cohorts))
    ])
    figure = go.Figure()
    for colour, (cohort, rows) in zip(colours, cohorts.items()):
        figure.add_trace(go.Scatter(
            x=[row["months_since_cohort"] for row in rows],
            y=[_num(row["arpa_expansion"]) for row in rows],
            mode="lines+markers", marker={"size": 4}, line={"color": colour, "width": 1.6},
            name=f"{cohort:%Y-%m} ({rows[0]['cohort_accounts']:,})",
            hovertemplate=(f"cohort {cohort:%Y-%m}: month %{{x}}, ARPA %{{y:+.1%}} "
                           "against month 0<extra></extra>"),
        ))
    figure.add_hline(y=0, line={"color": BLACK, "width": 1})
    figure.update_layout(
        xaxis_title="months since the cohort's first paying month",
        yaxis_title="ARPA against month 0", yaxis_tickformat="+.0%",
        legend_title_text="cohort (accounts)",
    )
    return _chart(figure, "chart-cohort-curves", 520)


def _retention_heatmap(marts: Marts) -> str:
    cohorts = sorted({row["cohort_month"] for row in marts.cohorts})
    width = max(row["months_since_cohort"] for row in marts.cohorts) + 1
    cells: dict[tuple[dt.date, int], float | None] = {
        (row["cohort_month"], row["months_since_cohort"]): _num(row["logo_retention"])
        for row in marts.cohorts
    }
    labels = [f"{cohort:%Y-%m}" for cohort in cohorts]
    heatmap = go.Heatmap(
        x=list(range(width)), y=labels,
        z=[[cells.get((cohort, step)) for step in range(width)] for cohort in cohorts],
        zmin=0, zmax=1, colorscale="Blues", hoverongaps=False,
        colorbar={"title": {"text": "accounts<br>paying"}, "tickformat": ".0%"},
        hovertemplate="cohort %{y}, month %{x}: %{z:.1%} of its accounts paying<extra></extra>",
    )
    if len(cohorts) <= MAX_LABELLED_COHORTS:
        heatmap.update(texttemplate="%{z:.0%}", textfont={"size": 9})
    figure = go.Figure(heatmap)
    figure.update_layout(
        xaxis_title="months since the cohort's first paying month", xaxis_dtick=1,
        yaxis={"title": "cohort", "autorange": "reversed", "type": "category"},
    )
    return _chart(figure, "chart-cohort-retention", max(360, 22 * len(cohorts) + 140))


def _cohorts(marts: Marts) -> str:
    first = marts.monthly[0]["month"]
    cut = first != marts.first_month_in_database
    if not marts.cohorts:
        empty = (f"No cohort starts in the months shown (from {first:%Y-%m}); "
                 "arpu report --months N shows more." if cut else "mart_arpu_by_cohort is empty.")
        return _section("cohorts", "Cohorts", "", _empty(escape(empty)))
    caption = (
        "A cohort is the accounts whose first paying month is the same (" + _section_ref(9) +
        "). Left: <code>mart_arpu_by_cohort.arpa_expansion</code>, the cohort's ARPA "
        "against its first month, by <code>months_since_cohort</code>, one line per cohort "
        "(older cohorts darker; click a legend entry to hide it). Below: "
        "<code>logo_retention</code>, the share of the cohort's accounts paying."
    )
    if cut:
        caption += f" Only the cohorts that start in the months shown, from {first:%Y-%m}."
    return _section("cohorts", "Cohorts: ARPA expansion and logo retention", caption,
                    _cohort_curves(marts) + _retention_heatmap(marts))


# --- 5. distribution of account MRR -----------------------------------------


def _distribution(marts: Marts) -> str:
    month = marts.as_of_month
    caption = (
        f"Paying accounts by their MRR in {month['month']:%B %Y} "
        "(<code>dim_active_customers.mrr</code>, one row per paying account and month), "
        "with the median and 90th percentile of <code>mart_arpu_monthly</code> "
        f"(<code>arpa_median</code>, <code>arpa_p90</code>; {_section_ref(7)}). A long right "
        "tail is why ARPA, a mean, sits above the median."
    )
    if not marts.account_mrr:
        return _section("distribution", "Account MRR distribution", caption,
                        _empty(f"No account pays in {month['month']:%B %Y}."))
    figure = go.Figure(go.Histogram(
        x=[_num(value) for value in marts.account_mrr], nbinsx=80, name="accounts",
        marker={"color": BLUE, "line": {"color": "white", "width": 1}},
        hovertemplate="MRR %{x}: %{y:,} accounts<extra></extra>",
    ))
    # Labels stacked down the left of their lines, so that close values
    # (the median and a low ARPA) do not print over each other.
    marks = [(month["arpa_median"], "median", ORANGE), (month["arpa"], "ARPA (mean)", PURPLE),
             (month["arpa_p90"], "p90", RED)]
    for index, (value, label, colour) in enumerate(marks):
        if value is None:
            continue
        figure.add_vline(x=float(value), line={"color": colour, "width": 2, "dash": "dash"})
        figure.add_annotation(
            x=float(value), y=1 - 0.09 * index, xref="x", yref="paper", xanchor="left",
            showarrow=False, text=f" {label} {_money(value)}", font={"color": colour},
            bgcolor="rgba(255,255,255,0.8)",
        )
    figure.update_layout(xaxis_title=f"account MRR ({marts.build['reporting_currency']})",
                         yaxis_title="paying accounts", bargap=0.02, showlegend=False)
    return _section("distribution", "Account MRR distribution", caption,
                    _chart(figure, "chart-mrr-histogram", 420))


# --- 6. MRR movements and bridge --------------------------------------------


def _waterfall(marts: Marts) -> str:
    row = marts.movements
    month = marts.as_of_month["month"]
    if row is None:
        return _empty(f"mart_mrr_movements has no row for {month:%Y-%m}.")
    previous = marts.previous_month["month"] if marts.previous_month else None
    steps = [
        (f"opening ({previous:%Y-%m})" if previous else "opening", row["opening_mrr"], "absolute"),
        ("new", row["new_mrr"], "relative"),
        ("expansion", row["expansion_mrr"], "relative"),
        ("reactivation", row["reactivation_mrr"], "relative"),
        # The mart keeps falls as positive amounts; the chart draws them down.
        ("contraction", -row["contraction_mrr"], "relative"),
        ("churned", -row["churned_mrr"], "relative"),
        ("FX", row["fx_mrr"], "relative"),
        (f"closing ({month:%Y-%m})", row["closing_mrr"], "absolute"),
    ]
    figure = go.Figure(go.Waterfall(
        x=[label for label, _, _ in steps], y=[_num(value) for _, value, _ in steps],
        measure=[measure for _, _, measure in steps],
        text=[_money(value) if measure == "absolute" else _signed_money(value)
              for _, value, measure in steps],
        textposition="outside", connector={"line": {"color": GRAY}},
        increasing={"marker": {"color": GREEN}}, decreasing={"marker": {"color": RED}},
        totals={"marker": {"color": BLUE}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    figure.update_layout(
        title={"text": f"MRR movements in {month:%B %Y}", "x": 0.01},
        yaxis_range=_waterfall_range([value for _, value, _ in steps]),
        yaxis_title=f"MRR ({marts.build['reporting_currency']})", yaxis_tickformat=",.0f",
        showlegend=False,
    )
    return _chart(figure, "chart-mrr-waterfall", 440)


def _waterfall_range(values: list) -> list[float]:
    """A y range around the running levels: from zero, movements of a few
    percent of MRR would be slivers. Only the axis uses this sum."""
    levels, running = [], Decimal(0)
    for index, value in enumerate(values):
        running = value if index in (0, len(values) - 1) else running + value
        levels.append(running)
    low, high = float(min(levels)), float(max(levels))
    margin = max(high - low, abs(high) * 0.02, 1.0)
    return [max(0.0, low - margin) if low >= 0 else low - margin, high + margin * 0.6]


def _effects(rows: list[dict], total: str, parts: list[tuple[str, str, str]], title: str,
             unit: str, chart_id: str) -> str:
    """Stacked bars of the parts of a change and a marker of the change."""
    months = [row["month"] for row in rows]
    figure = go.Figure()
    for column, name, colour in parts:
        figure.add_trace(go.Bar(
            x=months, y=[_num(row[column]) for row in rows], name=name,
            marker={"color": colour},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:+,.2f}}<extra></extra>",
        ))
    figure.add_trace(go.Scatter(
        x=months, y=[_num(row[total]) for row in rows], name=total.replace("_", " "),
        mode="markers", marker={"color": BLACK, "symbol": "diamond", "size": 8},
        hovertemplate=f"%{{x|%Y-%m}}: {total} %{{y:+,.2f}}<extra></extra>",
    ))
    figure.update_layout(
        barmode="relative", title={"text": title, "x": 0.01},
        yaxis_title=unit, yaxis_tickformat=",.0f",
        legend={"orientation": "h", "y": -0.15},
    )
    return _chart(figure, chart_id, 440)


def _movements(marts: Marts) -> str:
    currency = marts.build["reporting_currency"]
    bridge = _effects(
        marts.bridge, "mrr_change",
        [("customer_effect", "customer effect (more or fewer accounts)", BLUE),
         ("arpa_effect", "ARPA effect (each account pays more or less)", ORANGE),
         ("interaction", "interaction (both at once)", GRAY)],
        "Why MRR moved each month: accounts or ARPA?", f"MRR change ({currency})",
        "chart-mrr-bridge",
    )
    caption = (
        "Top: the as-of month's MRR from opening to closing (<code>mart_mrr_movements</code>: "
        "opening, new, expansion, reactivation, contraction and churned MRR, the FX effect, "
        f"closing; {_section_ref(10)}); contraction and churn are drawn as falls, and the axis "
        "does not start at zero, so that the movements show. "
        "Bottom: each month's <code>mart_mrr_bridge.mrr_change</code> split into "
        "<code>customer_effect</code>, <code>arpa_effect</code> and <code>interaction</code> "
        f"({_section_ref(13)}); the diamonds are the change itself."
    )
    return _section("movements", "MRR movements and bridge", caption, _waterfall(marts) + bridge)


# --- 7. rate or mix ---------------------------------------------------------------


def _mix(marts: Marts) -> str:
    segment_type = marts.mix_segment_type
    caption = (
        f"Each month's ARPA change (<code>mart_arpa_mix.arpa_change</code>, diamonds) split by "
        f"<code>{escape(segment_type)}</code>: <code>rate_effect</code>, segments changed their "
        "ARPA; <code>mix_effect</code>, accounts moved between segments of different ARPA; "
        f"<code>interaction</code>, both at once ({_section_ref(14)}). Another segment type: "
        "<code>arpu report --mix-segment-type TYPE</code>."
    )
    if not marts.mix:
        return _section("mix", "ARPA: rate or mix?", caption,
                        _empty(f"mart_arpa_mix has no row for {escape(segment_type)}."))
    chart = _effects(
        marts.mix, "arpa_change",
        [("rate_effect", "rate effect (segment ARPAs changed)", BLUE),
         ("mix_effect", "mix effect (accounts moved between segments)", ORANGE),
         ("interaction", "interaction", GRAY)],
        f"ARPA change split by {segment_type}",
        f"ARPA change ({marts.build['reporting_currency']})", "chart-arpa-mix",
    )
    return _section("mix", f"ARPA: rate or mix? ({segment_type})", caption, chart)


# --- 8. targets -------------------------------------------------------------------


TARGETS_EXAMPLE = "month,metric,target\n2026-01,arpa,1300\n2026-01,arpu,90.50\n2026-02-01,arpa,1320"


def _targets(marts: Marts) -> str:
    if not marts.targets:
        body = _empty(
            "No targets given. To draw ARPA and ARPU against goals, write a CSV file with the "
            "header <code>month,metric,target</code>, one row per month and metric "
            "(month <code>YYYY-MM</code> or <code>YYYY-MM-01</code>; metric <code>arpa</code> "
            "or <code>arpu</code>; target a non-negative number in the reporting currency):"
            f"<br><pre>{escape(TARGETS_EXAMPLE)}</pre><br>and run "
            "<code>arpu report --targets targets.csv</code> (docs/report.md)."
        )
        return _section("targets", "ARPA and ARPU against targets",
                        "Actual ARPA and ARPU against the goals of a targets file.", body)
    months = [row["month"] for row in marts.monthly]
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                           subplot_titles=("ARPA against target", "ARPU against target"))
    for column, (metric, name, colour) in enumerate(
        (("arpa", "ARPA", BLUE), ("arpu", "ARPU", PURPLE)), start=1
    ):
        figure.add_trace(go.Scatter(
            x=months, y=[_num(row[metric]) for row in marts.monthly], name=f"{name} actual",
            mode="lines+markers", line={"color": colour, "width": 3},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:,.2f}}<extra></extra>",
        ), row=1, col=column)
        goals: list[Target] = sorted((t for t in marts.targets if t.metric == metric),
                                     key=lambda t: t.month)
        if goals:
            figure.add_trace(go.Scatter(
                x=[goal.month for goal in goals], y=[_num(goal.target) for goal in goals],
                name=f"{name} target", mode="lines+markers",
                line={"color": BLACK, "width": 1.5, "dash": "dash"},
                marker={"symbol": "x", "size": 9},
                hovertemplate=f"%{{x|%Y-%m}}: {name} target %{{y:,.2f}}<extra></extra>",
            ), row=1, col=column)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero")
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    caption = (
        "Actual ARPA and ARPU (<code>mart_arpu_monthly.arpa</code>, <code>arpu</code>; "
        f"{_section_ref(7)}) against the targets of the file given with "
        f"<code>--targets</code> ({len(marts.targets):,} targets)."
    )
    return _section("targets", "ARPA and ARPU against targets", caption,
                    _chart(figure, "chart-targets", 440))


# --- 9. alerts --------------------------------------------------------------------


def _alert_cells(row: dict) -> list[str]:
    where = ("all accounts" if row["segment_type"] == "all"
             else f"{row['segment_type']} = {row['segment_value']}")
    if row["alert_type"] == "new_below_blended":
        value, threshold = _money(row["metric_value"]), f"blended ARPA {_money(row['threshold'])}"
    else:
        value, threshold = _percent(row["metric_value"]), _percent(row["threshold"])
    return [f"{row['month']:%Y-%m}", f"<code>{escape(row['alert_type'])}</code>",
            escape(where), escape(value), escape(threshold)]


def _alerts(marts: Marts) -> str:
    month = marts.as_of_month["month"]
    current = [row for row in marts.alerts if row["month"] == month]
    earlier = [row for row in marts.alerts if row["month"] != month]
    header = ["Month", "Alert", "Where", "Value", "Threshold"]
    body = (_table(header, [_alert_cells(row) for row in current], numeric={3, 4}) if current
            else _empty(f"No alert in {month:%B %Y}."))
    if earlier:
        body += (f"<details><summary>{len(earlier):,} alerts of earlier months</summary>"
                 + _table(header, [_alert_cells(row) for row in earlier], numeric={3, 4})
                 + "</details>")
    caption = (
        "<code>mart_arpu_alerts</code> (" + _section_ref(12) + "): <code>arpa_decline</code> "
        "and <code>arpu_decline</code> when the month-over-month change falls below the "
        "threshold, for all accounts and for segments with enough paying accounts in both "
        "months; <code>new_below_blended</code> when new accounts' ARPA is below the blended "
        f"ARPA. The as-of month first ({len(current):,}), the whole base before segments, the "
        "largest falls first."
    )
    return _section("alerts", "Alerts", caption, body)


# --- the page -----------------------------------------------------------------------


NAV = (("headline", "Headline"), ("arpa-arpu", "ARPA & ARPU"), ("segments", "Segments"),
       ("cohorts", "Cohorts"), ("distribution", "Distribution"), ("movements", "MRR movements"),
       ("mix", "Rate or mix"), ("targets", "Targets"), ("alerts", "Alerts"))


def render(marts: Marts) -> str:
    """The whole page, as one string."""
    as_of = marts.build["as_of_date"]
    title = f"ARPU report as of {as_of}"
    nav = "".join(f'<a href="#{anchor}">{escape(label)}</a>' for anchor, label in NAV)
    sections = [
        _headline(marts), _arpa_arpu(marts), _segments(marts), _cohorts(marts),
        _distribution(marts), _movements(marts), _mix(marts), _targets(marts), _alerts(marts),
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
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="build" id="build-info">{_build_line(marts)}</p>',
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
